"""``redact.integrations.logging.install()``: every handler of every logger, handlers added
later, ``lastResort``, warnings, a real uvicorn access log and MLflow's own loggers; messages,
arguments, tracebacks, stack info and extra fields (names included) redacted; fail closed
with a placeholder; ``uninstall`` puts back exactly what ``install`` changed."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import logging
import socket
import threading
import time
import urllib.request
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import redact
import redact.integrations.logging as rl

GH = "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"  # GitHub-format, random body: fake
PG_PASSWORD = "Pg-Fake-Pass-7731"
PG = f"postgresql://svc:{PG_PASSWORD}@db.internal:5432/features"
EMAIL_USER = "jane.doe.4417"
EMAIL = f"{EMAIL_USER}@example.com"
SHA = hashlib.sha1(b"redact logging install test").hexdigest()
DIGEST = "sha256:" + hashlib.sha256(b"features-v3.parquet").hexdigest()
PLAINTEXTS = (GH, PG_PASSWORD, EMAIL_USER, "jane.doe.4417%40example.com")
BLOCK = redact.Policy.model_validate({"actions": {"SECRET": "block"}, "summary": "silent"})


def assert_clean(text: str) -> None:
    leaks = [p for p in PLAINTEXTS if p in text]
    assert leaks == [], f"plaintext in output: {len(leaks)} value(s)"


class JsonFormatter(logging.Formatter):
    """Dumps every attribute of the record, extras included (like JSON log formatters do)."""

    def format(self, record: logging.LogRecord) -> str:
        super().format(record)
        return json.dumps({k: str(v) for k, v in vars(record).items()})


@pytest.fixture(autouse=True)
def clean_install() -> Iterator[None]:
    before = (logging.Handler.__dict__["handle"], logging.Logger.__dict__["addHandler"])
    yield
    rl.uninstall()
    assert (logging.Handler.__dict__["handle"], logging.Logger.__dict__["addHandler"]) == before


def _logger(name: str, stream: io.StringIO, fmt: logging.Formatter | None = None) -> logging.Logger:
    log = logging.getLogger(name)
    log.handlers[:] = []
    log.propagate = False
    log.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(fmt or logging.Formatter("%(levelname)s %(message)s"))
    log.addHandler(handler)
    return log


def test_existing_and_later_handlers_root_and_last_resort(capsys: pytest.CaptureFixture[str]) -> None:
    """One install covers a handler that existed before it, one added after it, the root
    logger's handlers through propagation and lastResort (no handler at all); clean and
    lineage text is untouched."""
    before, after, root_out = io.StringIO(), io.StringIO(), io.StringIO()
    early = _logger("t.install.early", before)
    root = logging.getLogger()
    root_handler = logging.StreamHandler(root_out)
    root.addHandler(root_handler)
    try:
        rl.install()
        late = _logger("t.install.late", after)  # handler added after install
        early.warning("db %s commit %s", PG, SHA)
        late.warning("token %s digest %s", GH, DIGEST)
        child = logging.getLogger("t.install.propagates")
        child.propagate = True
        child.warning("owner %s", EMAIL)
        orphan = logging.getLogger("t.install.orphan")
        orphan.propagate = False
        orphan.warning("orphan token %s", GH)  # lastResort prints it to stderr
    finally:
        root.removeHandler(root_handler)
    err = capsys.readouterr().err
    assert "postgresql://svc:****@db.internal:5432/features" in before.getvalue()
    assert SHA in before.getvalue() and DIGEST in after.getvalue()
    assert "[REDACTED:github-classic-token]" in after.getvalue()
    assert "****@example.com" in root_out.getvalue()
    assert "orphan token [REDACTED:github-classic-token]" in err
    for text in (before.getvalue(), after.getvalue(), root_out.getvalue(), err):
        assert_clean(text)


def test_tracebacks_stack_info_and_extras_are_redacted_not_lost() -> None:
    """exc_info becomes a redacted traceback (still rendered), stack_info and extra
    attributes are redacted with their names as context."""
    out = io.StringIO()
    log = _logger("t.install.exc", out, JsonFormatter("%(message)s"))
    rl.install()

    def connect(dsn: str) -> None:
        raise ConnectionError(f"cannot reach {dsn} with {GH}")

    try:
        connect(PG)
    except ConnectionError:
        log.exception("failed", extra={"db_url": PG, "owner": EMAIL, "commit": SHA}, stack_info=True)
    line = json.loads(out.getvalue())
    assert "Traceback (most recent call last)" in line["exc_text"] and "ConnectionError" in line["exc_text"]
    assert "[REDACTED:github-classic-token]" in line["exc_text"] and line["exc_info"] == "None"
    assert line["stack_info"].startswith("Stack (most recent call last)")
    assert line["db_url"] == "postgresql://svc:****@db.internal:5432/features"
    assert line["owner"] == "****@example.com" and line["commit"] == SHA
    assert_clean(out.getvalue())


def test_secrets_in_extra_names_and_mapping_messages() -> None:
    """A secret used as an extra attribute's name, or as a key of a mapping logged as the
    message, does not reach the output."""
    out = io.StringIO()
    log = _logger("t.install.keys", out, JsonFormatter("%(message)s"))
    rl.install()
    log.info("keys", extra={EMAIL: 1})
    log.info({GH: "value", "commit": SHA})
    assert_clean(out.getvalue())
    assert SHA in out.getvalue()


def test_warnings_are_captured_and_redacted() -> None:
    """install(capture_warnings=True) routes warnings through logging, redacted; uninstall
    stops capturing."""
    out = io.StringIO()
    log = _logger("py.warnings", out)
    rl.install(capture_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"deprecated token {GH}", UserWarning, stacklevel=1)
    rl.uninstall()
    assert "deprecated token [REDACTED:github-classic-token]" in out.getvalue()
    assert_clean(out.getvalue())
    assert getattr(logging, "_warnings_showwarning", None) is None
    log.handlers[:] = []


def test_fail_closed_placeholder_and_block(monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure while redacting emits the placeholder record (no raise, no raw text); a
    blocked value emits the blocked placeholder; extras are withheld too."""
    out = io.StringIO()
    log = _logger("t.install.fail", out, logging.Formatter("%(message)s|%(db)s"))
    rl.install()
    state = rl._active
    assert state is not None

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("injected")

    monkeypatch.setattr(state.records, "redact", boom)
    log.error("token %s", GH, extra={"db": PG})
    monkeypatch.undo()
    rl.install(BLOCK)  # an explicit policy replaces the active one
    log.error("token %s", GH, extra={"db": "none"})
    lines = out.getvalue().splitlines()
    assert lines == [f"{rl.WITHHELD}|{rl.WITHHELD}", f"{rl.BLOCKED}|{rl.BLOCKED}"]


def test_install_is_idempotent_and_uninstall_exact() -> None:
    """Installing twice patches once; a handler class with its own handle() gets the filter,
    which uninstall removes again."""

    class OwnHandle(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.seen: list[str] = []

        def handle(self, record: logging.LogRecord) -> bool:
            if self.filter(record):
                self.seen.append(record.getMessage())
            return True

    log = logging.getLogger("t.install.own")
    log.handlers[:] = []
    log.propagate = False
    own = OwnHandle()
    log.addHandler(own)
    rl.install()
    patched = logging.Handler.__dict__["handle"]
    rl.install()
    assert logging.Handler.__dict__["handle"] is patched and rl.installed()
    log.warning("token %s", GH)
    assert own.seen == ["token [REDACTED:github-classic-token]"]
    rl.uninstall()
    assert own.filters == [] and not rl.installed()
    log.handlers[:] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_uvicorn_access_log_url_encoded(tmp_path: Path) -> None:
    """A real uvicorn server on loopback, configured by its own dictConfig after install:
    the access log line of a request whose query holds a URL-encoded e-mail and a token
    is written redacted, and the line keeps its shape (uvicorn's formatter reads args)."""
    uvicorn = pytest.importorskip("uvicorn")
    from uvicorn.config import LOGGING_CONFIG

    log_file = tmp_path / "access.log"
    cfg = copy.deepcopy(LOGGING_CONFIG)
    for name in ("default", "access"):
        cfg["handlers"][name] = {"formatter": name, "class": "logging.FileHandler", "filename": str(log_file)}
    cfg["formatters"]["access"]["use_colors"] = False
    cfg["formatters"]["default"]["use_colors"] = False

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b"{}"})

    rl.install()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=cfg, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        url = (
            f"http://127.0.0.1:{port}/ajax-api/2.0/mlflow/experiments/get-by-name"
            f"?experiment_name=jane.doe.4417%40example.com&api_token={GH}&commit={SHA}"
        )
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url, timeout=5)
    finally:
        server.should_exit = True
        thread.join(10)
    text = log_file.read_text()
    access = [x for x in text.splitlines() if "get-by-name" in x]
    assert len(access) == 1 and access[0].endswith("404 Not Found")
    assert "experiment_name=****@example.com" in access[0] and SHA in access[0]
    assert_clean(text)
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error"):
        for h in logging.getLogger(name).handlers:
            h.close()
        logging.getLogger(name).handlers[:] = []


def test_gunicorn_access_log(tmp_path: Path) -> None:
    """A real gunicorn server (its master and a forked worker), installed from a config
    hook: its access log line, rendered from a mapping of atoms, holds the redacted
    request and keeps its shape; the error log holds no plaintext either."""
    pytest.importorskip("gunicorn")
    import os
    import subprocess
    import sys

    port = _free_port()
    (tmp_path / "app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('404 Not Found', [('Content-Type', 'application/json')])\n"
        "    return [b'{}']\n"
    )
    (tmp_path / "conf.py").write_text(
        "import redact.integrations.logging as rl\n"
        f"bind = '127.0.0.1:{port}'\nworkers = 1\n"
        f"accesslog = {str(tmp_path / 'access.log')!r}\nerrorlog = {str(tmp_path / 'error.log')!r}\n"
        "def on_starting(server):\n    rl.install()\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(tmp_path / "conf.py"), "app:app"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/2.0/mlflow/runs/search?owner=jane.doe.4417%40example.com&t={GH}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        deadline = time.monotonic() + 10
        while "search" not in (tmp_path / "access.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(10)
    access = (tmp_path / "access.log").read_text()
    (line,) = [x for x in access.splitlines() if "search" in x]
    assert '"GET /api/2.0/mlflow/runs/search?owner=****@example.com&t=[REDACTED:github-classic-token]' in line
    assert " 404 " in line
    assert_clean(access + (tmp_path / "error.log").read_text())


def test_mlflow_loggers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """MLflow's own handler (configured when mlflow is imported, before install) prints
    its client log lines redacted: set_experiment with a new name holding an e-mail."""
    mlflow = pytest.importorskip("mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    rl.install()
    mlflow.set_tracking_uri((tmp_path / "mlruns").as_uri())  # a file store: no migrations
    try:
        mlflow.set_experiment(f"exp-{EMAIL}")
    finally:
        mlflow.set_tracking_uri(None)
    err = capsys.readouterr().err
    assert "'****@example.com' does not exist" in err
    assert_clean(err)
