"""The MLflow doors next to params and tags: artifacts, traces, names, and MLflow's logs.

Real parts only: MLflow's SQLite store in-process (``redact+sqlite``), and one real
``mlflow server --backend-store-uri redact+sqlite:///...`` on loopback for the server-side
mode, used by a client that installs nothing (plain ``http://``). Fake secrets are
generated per run; every byte written (database, artifact roots, server log, captured
stdout and stderr) is searched for them, raw and URL-encoded.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

pytest.importorskip("mlflow")

import mlflow  # noqa: E402
import mlflow.tracking.fluent  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import SpanEvent  # noqa: E402

from redact.integrations.mlflow import (  # noqa: E402
    BlockedByPolicy,
    install_tracing,
    uninstall_tracing,
)
from redact.integrations.mlflow.logs import AccessLogFilter  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mlflow_server import MlflowServer  # noqa: E402
from test_mlflow_plugin import (  # noqa: E402
    DIGEST,
    SHA,
    _clear_store_caches,
    _word,
    fake_card,
    fake_email,
    fake_github_token,
    fake_password,
    fake_pg_url,
)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(64)


class Secrets:
    """One set of generated fakes; ``leaks`` lists which of them (or their URL-encoded
    forms) occur in some bytes, by name only."""

    def __init__(self) -> None:
        self.email = fake_email()
        self.token = fake_github_token()
        self.password = fake_password()
        self.pg = fake_pg_url()
        self.card = fake_card()
        self.api_key = "sk-proj-" + _word(
            40, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        )

    def values(self) -> dict[str, str]:
        return {
            "email": self.email,
            "token": self.token,
            "password": self.password,
            "pg": self.pg.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1],
            "card": self.card,
            "api_key": self.api_key,
        }

    def leaks(self, raw: bytes) -> list[str]:
        found = []
        for name, v in self.values().items():
            forms = {v, quote(v, safe=""), quote_plus(v)}
            if any(f.encode() in raw for f in forms):
                found.append(name)
        return found


def _bytes_under(*roots: Path) -> bytes:
    """Every byte of the files and folders given (an SQLite file with its -wal/-journal)."""
    out = b""
    for root in roots:
        if root.is_dir():
            files = sorted(p for p in root.rglob("*") if p.is_file())
        else:
            files = [root, *sorted(root.parent.glob(root.name + "-*"))]
        for f in files:
            out += f.read_bytes()
    return out


def hydra_config(s: Secrets) -> dict[str, Any]:
    return {
        "model": {"name": "resnet50", "lr": 0.01},
        "db": {"url": s.pg, "password": s.password},
        "tracking": {"owner_email": s.email, "github_token": s.token},
        "lineage": {"git_commit": SHA, "dataset_digest": DIGEST},
    }


def write_hydra_folder(folder: Path, s: Secrets) -> None:
    import yaml

    (folder / ".hydra").mkdir(parents=True)
    (folder / ".hydra" / "config.yaml").write_text(yaml.safe_dump(hydra_config(s), sort_keys=False))
    (folder / ".hydra" / "overrides.yaml").write_text(f"- db.password={s.password}\n- trainer.max_epochs=3\n")
    (folder / ".hydra" / "hydra.yaml").write_text(
        f"hydra:\n  run:\n    dir: outputs/run\n  job:\n    name: train\n    env_set:\n      API_TOKEN: {s.token}\n"
    )


def write_text_files(folder: Path, s: Secrets) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "settings.json": json.dumps({"service": {"api_key": s.api_key, "contact": s.email}}, indent=2),
        "events.jsonl": "\n".join(json.dumps({"i": i, "user": s.email}) for i in range(3)) + "\n",
        "train.toml": f'[db]\nhost = "db.internal"\npassword = "{s.password}"\n',
        "setup.cfg": f"[deploy]\nurl = {s.pg}\ntoken = {s.token}\n",
        "app.ini": f"[auth]\napi_key = {s.api_key}\n",
        ".env": f"DATABASE_URL={s.pg}\nGITHUB_TOKEN={s.token}\nDEBUG=1\n",
        "app.properties": f"spring.datasource.password={s.password}\nspring.mail.username={s.email}\n",
        "users.csv": f"name,email,card\nann,{s.email},{s.card}\n",
        "users.tsv": f"name\temail\nann\t{s.email}\n",
        "notes.txt": f"ping {s.email} about the token {s.token}\n",
        "train.log": f"2024-01-01 INFO connecting to {s.pg}\n2024-01-01 INFO commit {SHA}\n",
        "README.md": f"# Run\n\nOwner: {s.email}\n",
        "analysis.ipynb": json.dumps(
            {
                "cells": [
                    {
                        "cell_type": "code",
                        "source": [f'API_KEY = "{s.api_key}"\n', "print(1)\n"],
                        "outputs": [
                            {
                                "output_type": "display_data",
                                "data": {
                                    "image/png": "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
                                },
                            }
                        ],  # noqa: E501
                        "metadata": {},
                        "execution_count": 1,
                    }
                ],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            },
            indent=1,
        ),
    }
    paths = {}
    for name, text in files.items():
        p = folder / name
        p.write_text(text)
        paths[name] = p
    binary = folder / "weights.bin"
    binary.write_bytes(PNG + os.urandom(256))  # binary: passed unchanged
    paths["weights.bin"] = binary
    return paths


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def _isolation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)
    for var in ("REDACT_POLICY", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    _clear_store_caches()
    uninstall_tracing()
    yield
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    uninstall_tracing()
    _clear_store_caches()


@pytest.fixture(scope="module", autouse=True)
def _server_started(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MlflowServer]:
    """One real server for the module, running the plugin (``redact+sqlite`` backend,
    ``--serve-artifacts`` to a local folder); spawned first, so it boots while the
    in-process tests run."""
    root = tmp_path_factory.mktemp("doors-server")
    srv = MlflowServer(root, f"redact+sqlite:///{root}/backend.db").start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def server(_server_started: MlflowServer) -> MlflowServer:
    return _server_started.wait_ready()


@pytest.fixture(scope="module")
def dbs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One SQLite file for the module (creating MLflow's schema takes seconds), used
    through ``redact+sqlite`` (``redact``) and plain ``sqlite`` (``plain``). Each test
    plants its own fresh secrets, so a shared file still tells a leak apart."""
    db = tmp_path_factory.mktemp("doors-dbs") / "mlflow.db"
    return {"redact": db, "plain": db}


# ---------------------------------------------------------------------- the GenAI function
def make_agent(s: Secrets) -> Any:
    @mlflow.trace(span_type="TOOL")
    def lookup_customer(query: str, api_key: str) -> dict[str, Any]:
        span = mlflow.get_current_active_span()
        span.set_attribute("db.connection", s.pg)
        span.add_event(SpanEvent("cache_miss", attributes={"customer_email": s.email}))
        return {"email": s.email, "card": s.card, "commit": SHA}

    @mlflow.trace(span_type="RETRIEVER")
    def retrieve(query: str) -> list[dict[str, str]]:
        return [{"page_content": f"Contact {s.email} for access; token {s.token}", "id": "doc-1"}]

    @mlflow.trace(span_type="AGENT")
    def agent(question: str) -> str:
        mlflow.update_current_trace(tags={"customer": s.email}, metadata={"session_token": s.token})
        docs = retrieve(question)
        customer = lookup_customer(question, api_key=s.api_key)
        return f"{customer['email']} found in {len(docs)} docs"

    return agent


class Recorder:
    """A user span processor that runs before redact's: the structure as it was built."""

    def __init__(self) -> None:
        self.spans: dict[str, tuple[str, str | None, int]] = {}

    def __call__(self, span):  # type: ignore[no-untyped-def]  # one argument, as MLflow checks
        self.spans[span.span_id] = (span.name, span.parent_id, span.start_time_ns)


def assert_structure_kept(trace: Any, recorder: Recorder | None = None) -> None:
    spans = {sp.span_id: sp for sp in trace.data.spans}
    assert sorted(sp.name for sp in spans.values()) == ["agent", "lookup_customer", "retrieve"]
    root = next(sp for sp in spans.values() if sp.parent_id is None)
    assert root.name == "agent"
    assert all(sp.parent_id == root.span_id for sp in spans.values() if sp is not root)
    assert all(sp.end_time_ns >= sp.start_time_ns > 0 for sp in spans.values())
    if recorder is not None:
        assert {k: v for k, v in recorder.spans.items()} == {
            sid: (sp.name, sp.parent_id, sp.start_time_ns) for sid, sp in spans.items()
        }
    tool = next(sp for sp in spans.values() if sp.name == "lookup_customer")
    assert tool.outputs["commit"] == SHA  # lineage passes
    assert "[REDACTED" in json.dumps(tool.inputs) and "****" in json.dumps(tool.outputs)


# ---------------------------------------------------------------------- client side
def test_artifacts_and_traces_through_redact_sqlite_hold_no_planted_secret(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], dbs: dict[str, Path]
):
    """With only a ``redact+sqlite`` tracking URI: log_dict of a Hydra config, log_text,
    log_table, log_artifact of every text format, log_artifacts of a ``.hydra/`` folder
    and a traced GenAI function (nested spans, tool inputs and outputs with an e-mail and
    an API key) leave no planted secret in the database, the artifact root or the
    captured output; lineage, clean values and binary files arrive unchanged, the
    caller's files are untouched, and the spans keep their ids, parents and timings."""
    s = Secrets()
    src = tmp_path / "src"
    files = write_text_files(src, s)
    write_hydra_folder(src / "run", s)
    before = {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    mlflow.set_tracking_uri(f"redact+sqlite:///{dbs['redact']}")  # resets tracing config
    recorder = Recorder()
    mlflow.tracing.configure(span_processors=[recorder])
    # builds the store (its span processor comes last); MLflow logs the new name to stderr
    mlflow.set_experiment(f"doors-{_word(6)} {s.email}")
    agent = make_agent(s)
    with mlflow.start_run() as run:
        mlflow.log_dict(hydra_config(s), "config.yaml")
        mlflow.log_dict(hydra_config(s), "config.json")
        mlflow.log_text(f"owner: {s.email}\npassword: {s.password}\n", "notes/owner.txt")
        mlflow.log_table({"user": ["ann", "bob"], "contact": [s.email, "none"]}, "tables/users.json")
        for _name, path in files.items():
            mlflow.log_artifact(str(path), "files")
        mlflow.log_artifacts(str(src / "run" / ".hydra"), ".hydra")
        answer = agent("Who owns account 42?")
    mlflow.flush_trace_async_logging(terminate=False)
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())

    captured = capfd.readouterr()
    art_root = Path(run.info.artifact_uri.replace("file://", ""))
    raw = _bytes_under(dbs["redact"], art_root) + captured.out.encode() + captured.err.encode()
    assert s.leaks(raw) == []
    assert s.email in answer  # the application's own return value is its business
    assert before == {p: p.read_bytes() for p in src.rglob("*") if p.is_file()}
    stored = json.loads((art_root / "config.json").read_text())
    assert stored["lineage"] == {"git_commit": SHA, "dataset_digest": DIGEST}
    assert stored["model"] == {"name": "resnet50", "lr": 0.01}
    assert "db.internal" in (art_root / "files" / "train.toml").read_text()
    assert (art_root / "files" / "weights.bin").read_bytes() == files["weights.bin"].read_bytes()
    nb = json.loads((art_root / "files" / "analysis.ipynb").read_text())
    assert nb["cells"][0]["outputs"][0]["data"]["image/png"].startswith("iVBORw0KGgo")
    assert sorted(p.name for p in (art_root / ".hydra").iterdir()) == [
        "config.yaml",
        "hydra.yaml",
        "overrides.yaml",
    ]
    table = json.loads((art_root / "tables" / "users.json").read_text())
    assert table["columns"] == ["user", "contact"] and table["data"][0][0] == "ann"
    assert_structure_kept(trace, recorder)
    assert trace.info.trace_id == mlflow.get_last_active_trace_id()


def test_clean_text_artifact_is_uploaded_byte_for_byte(tmp_path: Path, dbs: dict[str, Path]):
    """A text artifact with nothing to redact is the caller's file, unchanged (no
    reformatting of JSON or YAML)."""
    mlflow.set_tracking_uri(f"redact+sqlite:///{dbs['redact']}")
    local = tmp_path / "params.yaml"
    local.write_text("# tuned by hand\nlr:   0.01   # learning rate\nlayers: [64, 64]\n")
    with mlflow.start_run() as run:
        mlflow.log_artifact(str(local))
    stored = Path(run.info.artifact_uri.replace("file://", "")) / "params.yaml"
    assert stored.read_bytes() == local.read_bytes()


def test_install_tracing_covers_a_plain_store_in_one_call(tmp_path: Path, dbs: dict[str, Path]):
    """``install_tracing()`` redacts spans for a tracking URI that is not ``redact+``
    (here plain ``sqlite:///``); calling it twice keeps one processor, after the user's,
    and it survives ``mlflow.set_tracking_uri`` (which resets MLflow's tracing config)."""
    from mlflow.tracing.config import get_config

    s = Secrets()
    recorder = Recorder()
    mlflow.tracing.configure(span_processors=[recorder])
    install_tracing()
    install_tracing()
    procs = get_config().span_processors
    assert procs[0] is recorder and len(procs) == 2
    mlflow.set_tracking_uri(f"sqlite:///{dbs['plain']}")
    procs = get_config().span_processors
    assert len(procs) == 1 and getattr(procs[0], "_redact_processor", False)
    mlflow.tracing.configure(span_processors=[recorder, *procs])
    mlflow.set_experiment("plain")
    make_agent(s)("Who owns account 7?")
    mlflow.flush_trace_async_logging(terminate=False)
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert s.leaks(_bytes_under(dbs["plain"])) == []
    assert_structure_kept(trace, recorder)


@pytest.mark.parametrize("door", ["install_tracing", "redact+sqlite"])
def test_span_names_are_redacted(door: str, dbs: dict[str, Path]):
    """A span named after a customer or a token (``start_span(name=...)``) is stored with
    the name redacted, by the client-side processor and by the store; a clean name and the
    span's ids are kept."""
    s = Secrets()
    if door == "install_tracing":
        mlflow.set_tracking_uri(f"sqlite:///{dbs['plain']}")
        install_tracing()
    else:
        mlflow.set_tracking_uri(f"redact+sqlite:///{dbs['redact']}")
    mlflow.set_experiment(f"span-names-{door}")
    with mlflow.start_span(name="agent"), mlflow.start_span(name=f"lookup {s.email} with {s.token}") as child:
        child.set_inputs({"q": "who"})
    mlflow.flush_trace_async_logging(terminate=False)
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    names = sorted(sp.name for sp in trace.data.spans)
    assert names[0] == "agent" and names[1].startswith("lookup ") and len(names) == 2
    assert s.leaks(names[1].encode()) == []
    db = dbs["plain"] if door == "install_tracing" else dbs["redact"]
    assert s.leaks(_bytes_under(db)) == []


def test_a_span_that_cannot_be_redacted_is_withheld(tmp_path: Path, dbs: dict[str, Path]):
    """A policy that blocks a value cannot stop an export: the span's values are replaced
    by a placeholder (never exported raw), its name and ids are kept."""
    path = tmp_path / "block.yaml"
    path.write_text("version: 1\nextends: default\nactions:\n  EMAIL_ADDRESS: {action: block}\n")
    s = Secrets()
    mlflow.set_tracking_uri(f"sqlite:///{dbs['plain']}")
    mlflow.set_experiment("blocked")
    install_tracing(policy=str(path))
    make_agent(s)("q")
    mlflow.flush_trace_async_logging(terminate=False)
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert s.leaks(_bytes_under(dbs["plain"])) == []
    tool = next(sp for sp in trace.data.spans if sp.name == "lookup_customer")
    assert tool.outputs == "[REDACTED:withheld]"
    assert len(trace.data.spans) == 3


def test_names_and_locations_are_redacted_and_lookups_still_work(tmp_path: Path, dbs: dict[str, Path]):
    """Experiment artifact locations, logged-model names, registered-model names (create,
    get, rename, versions), prompt templates and tags, and webhook URLs are redacted;
    a lookup by the same raw name finds what was created."""
    s = Secrets()
    mlflow.set_tracking_uri(f"redact+sqlite:///{dbs['redact']}")
    client = MlflowClient()
    loc = f"s3://deploy:{s.password}@bucket.internal/exp"
    exp_id = client.create_experiment(f"names-{_word(5)}", artifact_location=loc)
    assert s.password not in client.get_experiment(exp_id).artifact_location
    model = client.create_logged_model(exp_id, name=f"model-{s.token}")
    assert s.token not in model.name
    rm_name = f"churn-{s.email}"
    client.create_registered_model(rm_name, description=f"owner {s.email}")
    assert client.get_registered_model(rm_name).name != rm_name  # stored redacted, found by raw
    run = client.create_run(exp_id)
    client.create_model_version(rm_name, source=f"runs:/{run.info.run_id}/model", run_id=run.info.run_id)
    client.rename_registered_model(rm_name, f"churn-v2-{s.token}")
    assert client.get_registered_model(f"churn-v2-{s.token}").latest_versions
    prompt = mlflow.genai.register_prompt(
        name=f"support-{_word(4)}",
        template=f"You are a support bot. Escalate to {s.email}. Key: {s.api_key}. Hi {{{{name}}}}",
        tags={"owner": s.email},
    )
    assert s.email not in prompt.template and "{{name}}" in prompt.template
    assert s.leaks(_bytes_under(dbs["redact"])) == []


def test_webhook_url_and_description_are_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dbs: dict[str, Path]
):
    """A webhook's URL (credentials in it) and description are redacted; its signing
    secret goes to MLflow, which keeps it encrypted, so no plaintext reaches the file."""
    monkeypatch.setenv("MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS", "true")  # no DNS lookup offline
    s = Secrets()
    mlflow.set_tracking_uri(f"redact+sqlite:///{dbs['redact']}")
    client = MlflowClient()
    hook = client.create_webhook(
        name="deploy-hook",
        url=f"https://hooks.internal/notify?token={s.token}",
        events=["model_version.created"],
        description=f"pages {s.email}",
        secret=s.password,
    )
    assert s.token not in hook.url
    assert s.leaks(_bytes_under(dbs["redact"])) == []


def test_blocked_artifact_is_not_uploaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dbs: dict[str, Path]
):
    """A ``block`` action on an artifact value raises BlockedByPolicy and the file is not
    written to the artifact root."""
    path = tmp_path / "block.yaml"
    path.write_text("version: 1\nextends: default\nactions:\n  CREDIT_CARD: {action: block}\n")
    monkeypatch.setenv("REDACT_POLICY", str(path))
    mlflow.set_tracking_uri(f"redact+sqlite:///{dbs['redact']}")
    s = Secrets()
    with mlflow.start_run() as run, pytest.raises(BlockedByPolicy) as info:
        mlflow.log_text(f"card on file: {s.card}\n", "billing.txt")
    assert s.card not in str(info.value)
    art_root = Path(run.info.artifact_uri.replace("file://", ""))
    assert not (art_root / "billing.txt").exists()


def test_access_log_filter_decodes_urls_and_keeps_args():
    """The server log backstop URL-decodes access-log arguments before scanning, masks a
    URL-encoded secret, and keeps the record's args for uvicorn's access formatter."""
    import uvicorn.logging

    s = Secrets()
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", f"/api/2.0/mlflow/experiments/get-by-name?experiment_name={quote_plus('x ' + s.token)}", "1.1", 404),
        None,
    )  # fmt: skip
    assert AccessLogFilter().filter(record)
    line = uvicorn.logging.AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(
        record
    )
    assert s.leaks(line.encode()) == [] and "404" in line and "get-by-name" in line


# ---------------------------------------------------------------------- server side
def test_server_side_mode_redacts_artifacts_spans_and_its_log(server: MlflowServer, tmp_path: Path):
    """A client that installs nothing (plain ``http://``) talks to a server running the
    plugin: artifacts proxied by ``--serve-artifacts`` (Hydra ``log_dict``, a ``.hydra/``
    folder, every text format), trace and span writes, and the server's own log (its
    access lines with URL-encoded experiment names included) hold no planted secret;
    the spans keep their structure and lineage."""
    s = Secrets()
    src = tmp_path / "src"
    files = write_text_files(src, s)
    write_hydra_folder(src / "run", s)
    mlflow.set_tracking_uri(server.url)
    mlflow.set_experiment(f"exp {s.email} {s.token}")  # URL-encoded in the access log
    agent = make_agent(s)
    with mlflow.start_run() as run:
        mlflow.log_dict(hydra_config(s), "config.yaml")
        mlflow.log_artifacts(str(src / "run" / ".hydra"), ".hydra")
        mlflow.log_artifacts(str(src), "files")
        mlflow.log_text(f"owner: {s.email}\n", "owner.txt")
        agent("Who owns account 42?")
    mlflow.flush_trace_async_logging(terminate=False)
    trace = mlflow.get_trace(mlflow.get_last_active_trace_id())
    assert_structure_kept(trace)
    stored = list(server.artifacts.rglob("config.yaml"))
    assert stored and all("git_commit: " + SHA in p.read_text() for p in stored if p.parent.name != ".hydra")
    weights = list(server.artifacts.rglob("weights.bin"))
    assert len(weights) == 1 and weights[0].read_bytes() == files["weights.bin"].read_bytes()
    assert run.info.run_id in [r.info.run_id for r in mlflow.search_runs(output_format="list")]
    raw = _bytes_under(server.root)  # database, artifacts, server log
    assert s.leaks(raw) == []
