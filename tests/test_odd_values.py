"""Odd values at every door get the defined, fail-closed behaviour, never a bare Python
exception: integers too long to convert, objects whose ``__str__``/``__repr__`` raise,
cycles and values nested deeper than ``max_depth`` are masked where they sit
(``on_error: mask``) or the call is blocked (``on_error: block``); a structlog event that
cannot be redacted becomes a placeholder event; a logging record is redacted or dropped.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import pytest
import structlog

import redact
from redact.errors import Blocked, RedactError
from redact.integrations.guard import GuardedSink, MemorySink, guard
from redact.integrations.logging import RedactFilter
from redact.integrations.structlog import RedactProcessor

SECRET = "postgresql://svc:FAKEodd9x7@db.internal:5432/x"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _odd_values() -> dict[str, Any]:
    cyclic: dict[str, Any] = {"db": SECRET}
    cyclic["self"] = cyclic
    deep: Any = SECRET
    for _ in range(150):
        deep = [deep]
    return {
        "huge": 10**5000,
        "unprintable": Unprintable(),
        "cyclic": cyclic,
        "deep": deep,
        "key_unprintable": {Unprintable(): SECRET},
        "set": {Unprintable(), "x"},
    }


MASK = redact.Policy.model_validate({"summary": "silent"})
BLOCK = redact.Policy.model_validate({"summary": "silent", "on_error": "block"})


@pytest.mark.parametrize("name", sorted(_odd_values()))
def test_redact_masks_odd_values_where_they_sit(name: str) -> None:
    """redact.redact: the odd part becomes [REDACTED:guard-error] (a guard-error decision);
    the secret next to it is masked; with on_error: block the call raises Blocked. A key
    whose ``__str__`` raises is itself the odd part: it is masked (its value is still
    inspected under the masked key)."""
    value = {"odd": _odd_values()[name], "db": SECRET}
    result = redact.redact(value, MASK)
    assert "FAKEodd9x7" not in str(_safe(result.value))
    if name == "key_unprintable":
        assert "/odd/[REDACTED:guard-error]" in [d.pointer for d in result.decisions]
    assert any(d.detector == "guard-error" for d in result.decisions)
    with pytest.raises(Blocked):
        redact.redact(value, BLOCK)


def _safe(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(type(k)) if isinstance(k, Unprintable) else k: _safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [_safe(x) for x in v if not isinstance(x, Unprintable)]
    assert not isinstance(v, Unprintable) and not (isinstance(v, int) and v > 10**4000)
    return v


@pytest.mark.parametrize("name", sorted(_odd_values()))
def test_scan_raises_only_redact_errors(name: str) -> None:
    """redact.scan reports or raises a redact.errors type, nothing else."""
    with contextlib.suppress(RedactError):
        redact.scan({"odd": _odd_values()[name]})


def test_guard_and_sinks_forward_only_masked_values() -> None:
    """guard(fn) and GuardedSink forward the masked value, or raise Blocked (never the
    raw value, never a bare exception)."""
    seen: list[Any] = []

    @guard(policy=MASK)
    def log_params(params: dict[str, Any]) -> None:
        seen.append(params)

    log_params(_odd_values())
    assert seen and "FAKEodd9x7" not in str(_safe(seen[0]))
    sink = MemorySink()
    with pytest.raises(Blocked):
        GuardedSink(sink, policy=BLOCK).emit(_odd_values())
    assert sink.records == []


def test_structlog_processor_never_raises_into_the_application() -> None:
    """A cyclic or unprintable event is redacted (masked where it sits); with
    on_error: block it is dropped; nothing raises."""
    processor = RedactProcessor(MASK)
    event = processor(None, "info", {"event": "x", **_odd_values()})
    assert "FAKEodd9x7" not in str(_safe(event))
    with pytest.raises(structlog.DropEvent):
        RedactProcessor(BLOCK)(None, "info", {"event": "x", **_odd_values()})


def test_logging_filter_never_raises_into_the_application() -> None:
    """A record whose extra fields are odd is redacted or dropped, never raised."""
    record = logging.LogRecord("app", logging.INFO, __file__, 1, "connect %s", (SECRET,), None)
    for k, v in _odd_values().items():
        setattr(record, k, v)
    assert RedactFilter(MASK).filter(record) in (True, False)
    assert "FAKEodd9x7" not in str(record.msg)
