"""A structlog processor that redacts every event before it is rendered.

    structlog.configure(processors=[RedactProcessor(), structlog.dev.ConsoleRenderer()])
    structlog.configure(processors=[RedactProcessor(), structlog.processors.JSONRenderer()])

Event fields are redacted as a mapping (their names are context). The processor renders
exception information itself, before redacting, so no renderer after it sees a raw
exception and none loses it: ``exc_info`` (``True``, a tuple or an exception) becomes an
``exception`` field holding the traceback as text (``exceptions="text"``, the default,
which every renderer prints, ConsoleRenderer included) or as structlog's structured
traceback (``exceptions="dict"``, for JSON output). ``show_locals=True`` adds each
frame's local variables (as structlog's rich tracebacks show them), redacted with their
names as context, in either form. ``stack_info`` becomes a
``stack`` field the same way. An ``exception`` field that an earlier processor made
(``format_exc_info``, ``dict_tracebacks`` with its locals) is redacted like any field.

An event holding a value whose action is ``block`` is dropped (``structlog.DropEvent``).
A field that cannot be redacted (a cyclic or too deeply nested value, or a fault) is
logged as ``[REDACTED:log value withheld]`` and the rest of the event as usual; a log call
never fails the application. Odd values (cycles, values nested too
deep, objects whose ``__str__`` raises, huge integers) are masked where they sit
(``on_error: mask``); if redaction fails anyway, the event is replaced by a placeholder
event (``event="[REDACTED:log event withheld]"`` with the error's type name), never
rendered raw. Redaction's own audit events pass through untouched: they
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

__all__ = ["RedactProcessor", "in_redaction", "format_trace", "WITHHELD", "PLACEHOLDER"]

WITHHELD = "[REDACTED:log value withheld]"
PLACEHOLDER = "[REDACTED:log event withheld]"

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
        # text with locals: structured first (each local redacted under its name), then
        # formatted as text once redacted
        self._text_locals = exceptions == "text" and show_locals
        self._exceptions = (
            ExceptionRenderer(ExceptionDictTransformer(show_locals=show_locals))
            if exceptions == "dict" or show_locals
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
            ours = "exc_info" in event_dict and "exception" not in event_dict
            event = self._render_exceptions(logger, method_name, dict(event_dict))
            try:
                red = self._redactor.redact(event).value
            except Blocked:
                raise
            except Exception:  # cyclic, too deep, or a fault: field by field
                red = self._by_field(event)
            if self._text_locals and ours and isinstance(red.get("exception"), list):
                try:
                    red["exception"] = format_trace(red["exception"])
                except Exception:
                    red["exception"] = WITHHELD
            return red
        except Blocked:
            self.dropped += 1
            raise structlog.DropEvent from None
        except Exception as exc:  # fail closed: a placeholder event, never the raw one
            self.dropped += 1
            return {"event": PLACEHOLDER, "redact_error": type(exc).__name__}
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


def format_trace(stacks: list[Any]) -> str:
    """A structured traceback (structlog's ``ExceptionDictTransformer`` output) as text,
    oldest exception first like Python's, with each frame's local variables."""
    parts: list[str] = []
    for i in range(len(stacks) - 1, -1, -1):
        stack = stacks[i]
        lines = ["Traceback (most recent call last):"]
        for frame in stack.get("frames") or ():
            lines.append(
                f'  File "{frame.get("filename")}", line {frame.get("lineno")}, in {frame.get("name")}'
            )
            lines.extend(f"    {k} = {v}" for k, v in (frame.get("locals") or {}).items())
        value = stack.get("exc_value")
        lines.append(f"{stack.get('exc_type')}: {value}" if value else str(stack.get("exc_type")))
        parts.append("\n".join(lines))
        if i > 0:
            parts.append(
                "\nThe above exception was the direct cause of the following exception:\n"
                if stack.get("is_cause")
                else "\nDuring handling of the above exception, another exception occurred:\n"
            )
    return "\n".join(parts)
