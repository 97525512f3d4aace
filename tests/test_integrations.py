"""The generic door (guard, sinks), the structlog processor and the logging filter and
formatter, with real structlog and logging pipelines; fail-closed and thread safety."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
import structlog

import redact
from redact.errors import Blocked, RedactError
from redact.integrations.guard import GuardedSink, MemorySink, RedactionFailed, guard
from redact.integrations.logging import RedactFilter, RedactFormatter
from redact.integrations.structlog import RedactProcessor

PG = "postgresql://svc:Xk9pLm2Qa@db.internal:5432/features"
GH = "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"
CARD = "4111111111111111"
SHA = "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"
STRICT_BLOCK = redact.Policy.model_validate({"actions": {"SECRET": "block"}, "summary": "silent"})


def test_guard_redacts_the_mapping_argument():
    """@guard redacts the mapping before the wrapped call; clean and lineage values pass."""
    seen: list[dict] = []

    @guard
    def log_params(params: dict, step: int = 0) -> str:
        seen.append(params)
        return "ok"

    assert log_params({"db": PG, "git_commit": SHA, "lr": "0.1"}, step=3) == "ok"
    assert seen == [{"db": "postgresql://svc:****@db.internal:5432/features", "git_commit": SHA, "lr": "0.1"}]
    guard(lambda *, params: seen.append(params), arg="params")(params={"t": GH})
    assert seen[-1] == {"t": "[REDACTED:github-classic-token]"}


def test_guard_block_means_no_call_and_backend_errors_pass_through():
    """A block action raises Blocked and the backend is never called; an error raised by the
    backend itself reaches the caller unchanged."""
    calls = []
    f = guard(lambda params: calls.append(params), policy=STRICT_BLOCK)
    with pytest.raises(Blocked):
        f({"token": GH})
    assert calls == []

    class BackendDown(Exception):
        pass

    def backend(params: dict) -> None:
        raise BackendDown("503")

    with pytest.raises(BackendDown, match="503"):
        guard(backend)({"lr": "0.1"})


def test_guard_fails_closed_on_redaction_fault(monkeypatch):
    """If redaction itself breaks, the call is not made and no raw value escapes."""
    calls = []
    f = guard(lambda params: calls.append(params))

    def boom(obj, path=()):
        raise MemoryError("injected")

    monkeypatch.setattr(f.redactor, "redact", boom)
    with pytest.raises(RedactionFailed) as info:
        f({"db": PG})
    assert calls == [] and "Xk9pLm2Qa" not in str(info.value)


def test_guarded_sink_and_memory_sink():
    """A one-method sink gets redacted records; MemorySink keeps them for tests."""
    sink = MemorySink()
    GuardedSink(sink).emit({"card": CARD, "n": 3})
    assert sink.records == [{"card": "************1111", "n": 3}]


def test_structlog_processor_in_a_real_pipeline():
    """With RedactProcessor before the renderer, rendered JSON lines hold no secret; a
    blocked value drops the event instead of failing the call."""
    out = io.StringIO()
    structlog.configure(
        processors=[RedactProcessor(), structlog.processors.JSONRenderer()],
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    try:
        log = structlog.get_logger()
        log.info("connecting", db=PG, commit=SHA)
        log.info(f"token is {GH}")
        structlog.configure(
            processors=[RedactProcessor(STRICT_BLOCK), structlog.processors.JSONRenderer()],
            logger_factory=structlog.PrintLoggerFactory(out),
        )
        structlog.get_logger().info("x", token=GH)
    finally:
        structlog.reset_defaults()
    everything = [json.loads(x) for x in out.getvalue().splitlines()]
    lines = [x for x in everything if not x["event"].startswith("redact.")]
    assert any(x["event"] == "redact.summary" for x in everything)  # the audit trail, unredacted
    assert lines[0]["db"] == "postgresql://svc:****@db.internal:5432/features" and lines[0]["commit"] == SHA
    assert lines[1]["event"] == "token is [REDACTED:github-classic-token]"
    assert len(lines) == 2 and GH not in out.getvalue() and "Xk9pLm2Qa" not in out.getvalue()


def test_logging_filter_and_formatter_backstop():
    """The filter redacts msg, args and extra fields; the formatter catches what reaches a
    rendered traceback."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactFilter())
    handler.setFormatter(RedactFormatter("%(levelname)s %(message)s %(db)s"))
    log = logging.getLogger("test.redact.filter")
    log.propagate = False
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        log.info("card %d for %s", int(CARD), "alice@example.com", extra={"db": PG})
        try:
            raise ValueError(f"bad token {GH}")
        except ValueError:
            log.exception("failed", extra={"db": "none"})
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    assert "************1111" in text and "****@example.com" in text
    assert "postgresql://svc:****@db.internal:5432/features" in text
    assert "Traceback" in text and "[REDACTED:github-classic-token]" in text
    for secret in (CARD, "alice@example.com", "Xk9pLm2Qa", GH):
        assert secret not in text


def test_logging_filter_drops_blocked_records():
    """A record holding a blocked value is dropped, not emitted."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(f := RedactFilter(STRICT_BLOCK))
    log = logging.getLogger("test.redact.block")
    log.propagate = False
    log.addHandler(handler)
    try:
        log.warning("token %s", GH)
        log.warning("fine")
    finally:
        log.removeHandler(handler)
    assert stream.getvalue() == "fine\n" and f.dropped == 1


def test_many_threads_lose_and_duplicate_nothing():
    """16 threads logging 500 records each through one guarded sink: every record arrives
    once, redacted."""
    sink = MemorySink()
    guarded = GuardedSink(sink)

    def work(t: int) -> None:
        for i in range(500):
            guarded.emit({"thread": t, "i": i, "db": PG, "lr": f"0.{i}"})

    threads = [threading.Thread(target=work, args=(t,)) for t in range(16)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seen = {(r["thread"], r["i"]) for r in sink.records}
    assert len(sink.records) == len(seen) == 16 * 500
    assert all(r["db"].endswith("****@db.internal:5432/features") for r in sink.records)


def test_redaction_errors_are_redact_errors():
    """RedactionFailed belongs to the one exception tree."""
    assert issubclass(RedactionFailed, RedactError)
