"""Quiet as a library: audit events go to the `redact.audit` logger (NullHandler) or to
structlog only when the application configured it; nothing prints on its own."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import structlog
from click.testing import CliRunner
from structlog.testing import capture_logs

import redact
from redact.cli import main

ROOT = Path(__file__).resolve().parents[1]
URI = "postgresql://svc:Xq7vLp2mZt9FAKE@db/x"


@pytest.fixture()
def no_structlog():
    """structlog as an application that never configured it (restored afterwards)."""
    saved = structlog.get_config()
    was = structlog.is_configured()
    structlog.reset_defaults()
    yield
    if was:
        structlog.configure(**saved)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_import_and_redact_print_nothing():
    """`import redact; redact.redact(...)` in a fresh interpreter writes nothing to stdout or stderr."""
    p = _python(f"import redact; r = redact.redact({{'db': {URI!r}}}); assert r.changed")
    assert p.returncode == 0, p.stderr
    assert (p.stdout, p.stderr) == ("", "")


def test_application_logging_config_shows_the_audit_trail():
    """With the application's logging configured (basicConfig at INFO), the summary shows
    on its handler, without the value."""
    p = _python(
        "import logging, redact; logging.basicConfig(level=logging.INFO, format='%(name)s %(message)s'); "
        f"redact.redact({{'db': {URI!r}}})"
    )
    assert p.returncode == 0, p.stderr
    assert p.stderr.startswith("redact.audit redact.summary policy=default decisions=1")
    assert "Xq7vLp2mZt9FAKE" not in p.stderr + p.stdout


def test_stdlib_records_carry_the_fields(caplog, no_structlog):
    """The stdlib record holds the event and its fields (for structured handlers)."""
    with caplog.at_level(logging.DEBUG, logger="redact.audit"):
        redact.redact({"db": URI}, redact.Policy.model_validate({"summary": "debug"}))
    events = [r.redact_event for r in caplog.records]  # type: ignore[attr-defined]
    assert events == ["redact.decision", "redact.summary"]
    assert caplog.records[0].redact["pointer"] == "/db"  # type: ignore[attr-defined]
    assert "Xq7vLp2mZt9FAKE" not in caplog.text


def test_structlog_only_when_configured():
    """When the application configured structlog, events go through it (and not to stdlib)."""
    with capture_logs() as events:
        redact.redact({"db": URI})
    assert [e["event"] for e in events] == ["redact.summary"]
    assert events[0]["categories"] == {"CONNECTION_STRING": 1}


def test_cli_verbose_shows_the_audit_trail(tmp_path: Path, no_structlog):
    """`redact apply` is quiet about the audit trail; `redact -v apply` shows it on stderr."""
    f = tmp_path / "a.json"
    f.write_text(json.dumps({"db": URI}))
    quiet = CliRunner().invoke(main, ["apply", str(f)])
    assert "audit" not in quiet.stderr
    loud = CliRunner().invoke(main, ["-v", "apply", str(f)])
    assert "redact: audit: redact.summary policy=default decisions=1" in loud.stderr
    assert "Xq7vLp2mZt9FAKE" not in loud.output
    logger = logging.getLogger("redact.audit")
    for h in list(logger.handlers):
        if not isinstance(h, logging.NullHandler):
            logger.removeHandler(h)
    logger.setLevel(logging.NOTSET)
