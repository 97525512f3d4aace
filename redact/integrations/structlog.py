"""A structlog processor that redacts every event before it is rendered.

    structlog.configure(processors=[RedactProcessor(), structlog.dev.ConsoleRenderer()])
    structlog.configure(processors=[RedactProcessor(), structlog.processors.JSONRenderer()])

Event fields are redacted as a mapping (their names are context). The processor renders
exception information itself, before redacting, so no renderer after it sees a raw
exception and none loses it: ``exc_info`` (``True``, a tuple or an exception) becomes an
``exception`` field holding the traceback as text (``exceptions="text"``, the default,
which every renderer prints, ConsoleRenderer included) or as structlog's structured
traceback (``exceptions="dict"``, for JSON output; ``show_locals=True`` adds each frame's
local variables, redacted with their names as context). ``stack_info`` becomes a
``stack`` field the same way. An ``exception`` field that an earlier processor made
(``format_exc_info``, ``dict_tracebacks`` with its locals) is redacted like any field.

An event holding a value whose action is ``block`` is dropped (``structlog.DropEvent``).
A field that cannot be redacted (a cyclic or too deeply nested value, or a fault) is
logged as ``[REDACTED:log value withheld]`` and the rest of the event as usual; a log call
never fails the application. Redaction's own audit events pass through untouched: they
hold no plaintext, and redaction never logs through the logger it protects.
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from typing import Any, Literal

import structlog
from structlog.processors import ExceptionRenderer, StackInfoRenderer
from structlog.tracebacks import ExceptionDictTransformer

from redact.errors import Blocked
from redact.integrations.guard import PolicyLike, redactor_for

__all__ = ["RedactProcessor", "in_redaction", "WITHHELD"]

WITHHELD = "[REDACTED:log value withheld]"

_state = threading.local()


def in_redaction() -> bool:
    """True while this thread is redacting (its audit events must not be redacted again)."""
    return getattr(_state, "active", False)


class RedactProcessor:
    def __init__(
        self,
        policy: PolicyLike = None,
        *,
        exceptions: Literal["text", "dict"] = "text",
        show_locals: bool = False,
    ) -> None:
        if exceptions not in ("text", "dict"):
            raise ValueError(f"exceptions must be 'text' or 'dict', not {exceptions!r}")
        self._redactor = redactor_for(policy)
        self._exceptions = (
            ExceptionRenderer(ExceptionDictTransformer(show_locals=show_locals))
            if exceptions == "dict"
            else ExceptionRenderer()
        )
        self._stack = StackInfoRenderer()
        self.dropped = 0
        self.withheld = 0

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
        if in_redaction():
            return event_dict
        _state.active = True
        try:
            event = self._render_exceptions(logger, method_name, dict(event_dict))
            try:
                return self._redactor.redact(event).value
            except Blocked:
                raise
            except Exception:  # cyclic, too deep, or a fault: field by field
                return self._by_field(event)
        except Blocked:
            self.dropped += 1
            raise structlog.DropEvent from None
        finally:
            _state.active = False

    def _render_exceptions(self, logger: Any, method_name: str, event: dict[str, Any]) -> dict[str, Any]:
        try:
            if event.get("stack_info"):
                event = dict(self._stack(logger, method_name, event))
            else:
                event.pop("stack_info", None)
            if "exc_info" in event:
                event = dict(self._exceptions(logger, method_name, event))
        except Exception:  # the traceback itself could not be rendered: withhold it
            event.pop("stack_info", None)
            event.pop("exc_info", None)
            event["exception"] = WITHHELD
            self.withheld += 1
        return event

    def _by_field(self, event: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in event.items():
            try:
                out.update(self._redactor.redact({k: v}).value)
                continue
            except Blocked:
                raise
            except Exception:
                self.withheld += 1
            try:  # the field's name is still redacted
                out.update(self._redactor.redact({k: WITHHELD}).value)
            except Blocked:
                raise
            except Exception:
                pass
        if "event" in event and "event" not in out:
            out["event"] = WITHHELD
        return out
