"""RedactProcessor with real structlog chains: exception information (tracebacks, exception
messages, frame locals) is redacted and still rendered by ConsoleRenderer, JSONRenderer,
KeyValueRenderer and LogfmtRenderer; cyclic or too deep events are logged with a
placeholder and never raise into the application."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from redact.integrations.structlog import WITHHELD, RedactProcessor

GH = "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"  # GitHub-format, random body: fake
PG_PASSWORD = "Pg-Fake-Pass-7731"
PG = f"postgresql://svc:{PG_PASSWORD}@db.internal:5432/features"
EMAIL_USER = "jane.doe.4417"
EMAIL = f"{EMAIL_USER}@example.com"
SHA = hashlib.sha1(b"redact structlog test").hexdigest()
PLAINTEXTS = (GH, PG_PASSWORD, EMAIL_USER)

RENDERERS = {
    "console-rich": lambda: structlog.dev.ConsoleRenderer(colors=False),
    "console-plain": lambda: structlog.dev.ConsoleRenderer(
        colors=False, exception_formatter=structlog.dev.plain_traceback
    ),
    "json": lambda: structlog.processors.JSONRenderer(),
    "keyvalue": lambda: structlog.processors.KeyValueRenderer(),
    "logfmt": lambda: structlog.processors.LogfmtRenderer(),
}


def events(out: io.StringIO) -> list[dict[str, Any]]:
    """The JSON events written, without redaction's own audit events."""
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    return [e for e in lines if not str(e.get("event", "")).startswith("redact.")]


def assert_clean(text: str) -> None:
    leaks = [p for p in PLAINTEXTS if p in text]
    assert leaks == [], f"plaintext in output: {len(leaks)} value(s)"


@pytest.fixture(autouse=True)
def reset() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def configure(*processors: Any) -> io.StringIO:
    out = io.StringIO()
    structlog.configure(
        processors=[structlog.processors.add_log_level, *processors],
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    return out


def connect(dsn: str) -> None:
    api_key = GH  # a local variable holding a secret  # noqa: F841
    owner = EMAIL  # noqa: F841
    raise ConnectionError(f"cannot reach {dsn} for {EMAIL} with token {GH}")


def log_failure(log: Any) -> None:
    try:
        connect(PG)
    except ConnectionError as exc:
        log.exception("connect failed", commit=SHA)
        log.error("again", exc_info=exc)
        log.error("as a value", err=exc)


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
def test_every_renderer_shows_a_redacted_traceback(renderer: str) -> None:
    """A real exception whose message and locals carry fake secrets: each renderer prints
    the traceback (not lost), redacted (no plaintext), with lineage unchanged."""
    out = configure(RedactProcessor(), RENDERERS[renderer]())
    log_failure(structlog.get_logger())
    text = out.getvalue()
    assert text.count("Traceback (most recent call last)") == 2, text
    assert "ConnectionError: cannot reach postgresql://svc:****@db.internal:5432/features" in text.replace(
        "\\n", "\n"
    )
    assert "[REDACTED:github-classic-token]" in text and SHA in text
    assert_clean(text)


@pytest.mark.parametrize("renderer", ["console-rich", "json"])
def test_without_the_processor_the_chain_leaks(renderer: str) -> None:
    """The control: the same chain without RedactProcessor prints the secrets (rich
    locals) or loses the traceback (JSON), so the test above can fail."""
    out = configure(RENDERERS[renderer]())
    log_failure(structlog.get_logger())
    text = out.getvalue()
    if renderer == "json":
        assert "Traceback" not in text
    else:
        assert GH in text


def test_dict_tracebacks_locals_are_redacted() -> None:
    """structlog's dict_tracebacks before the processor, and the processor's own structured
    form with show_locals: frame locals are kept under their names, redacted."""
    for chain in (
        [structlog.processors.dict_tracebacks, RedactProcessor()],
        [RedactProcessor(exceptions="dict", show_locals=True)],
    ):
        out = configure(*chain, structlog.processors.JSONRenderer())
        try:
            connect(PG)
        except ConnectionError:
            structlog.get_logger().exception("failed")
        (event,) = events(out)
        frame = event["exception"][0]["frames"][-1]
        assert frame["name"] == "connect" and set(frame["locals"]) >= {"api_key", "owner", "dsn"}
        assert "REDACTED" in frame["locals"]["api_key"] and "****" in frame["locals"]["dsn"]
        assert_clean(out.getvalue())


@pytest.mark.parametrize("renderer", ["console-rich", "keyvalue"])
def test_text_traceback_with_locals(renderer: str) -> None:
    """show_locals=True in text form: the traceback printed by the renderer lists each
    frame's locals under their names, redacted, with the chained cause first."""
    out = configure(RedactProcessor(show_locals=True), RENDERERS[renderer]())
    try:
        try:
            connect(PG)
        except ConnectionError as exc:
            raise RuntimeError("startup failed") from exc
    except RuntimeError:
        structlog.get_logger().exception("failed")
    text = out.getvalue().replace("\\n", "\n").replace("\\'", "'")  # KeyValueRenderer: repr
    # under a credential name the whole local (its repr quotes included) is the credential
    assert re.search(r"api_key = '?\[REDACTED:github-classic-token\]'?\n", text)
    assert "dsn = 'postgresql://svc:****@" in text
    assert "The above exception was the direct cause of the following exception" in text
    assert text.index("ConnectionError") < text.index("RuntimeError: startup failed")
    assert_clean(text)


def test_stack_info_is_rendered_and_redacted() -> None:
    """stack_info=True becomes a redacted ``stack`` field."""
    out = configure(RedactProcessor(), structlog.processors.JSONRenderer())

    def where(token: str) -> None:
        structlog.get_logger().info("here", stack_info=True, token=token)

    where(GH)
    (event,) = events(out)
    assert event["stack"].startswith("Stack (most recent call last)") and "stack_info" not in event
    assert_clean(out.getvalue())


def test_cyclic_and_deep_events_are_withheld_not_raised() -> None:
    """A cycle's back-reference and a value nested deeper than the limit are masked where
    they sit (the rest of the field still redacted); the other fields are redacted as
    usual and the call does not raise."""
    out = configure(RedactProcessor(), structlog.processors.JSONRenderer())
    cyclic: dict[str, Any] = {"token": GH}
    cyclic["self"] = cyclic
    deep: Any = GH
    for _ in range(500):
        deep = [deep]
    log = structlog.get_logger()
    log.info("cyclic", data=cyclic, db=PG)
    log.info("deep", data=deep, commit=SHA)
    first, second = events(out)
    assert first == {
        "event": "cyclic",
        "level": "info",
        "data": {"self": "[REDACTED:guard-error]", "token": "[REDACTED:github-classic-token]"},
        "db": "postgresql://svc:****@db.internal:5432/features",
    }
    assert second["commit"] == SHA and GH not in json.dumps(second)
    assert "[REDACTED:guard-error]" in json.dumps(second["data"]) or second["data"] == WITHHELD


def test_secret_as_an_event_key() -> None:
    """A secret used as a field name does not reach the output."""
    out = configure(RedactProcessor(), structlog.processors.JSONRenderer())
    structlog.get_logger().info("keys", **{EMAIL: 1, GH: "x"})
    assert_clean(out.getvalue())
