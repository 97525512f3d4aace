"""A structlog processor that redacts every event before it is rendered.

    structlog.configure(processors=[RedactProcessor(), structlog.dev.ConsoleRenderer()])

Event fields are redacted as a mapping (their names are context). An event holding a
value whose action is ``block`` is dropped (``structlog.DropEvent``), so a log call never
fails the application. Odd values (cycles, values nested too deep, objects whose
``__str__`` raises, huge integers) are masked where they sit (``on_error: mask``); if
redaction fails anyway, the event is replaced by a placeholder event
(``event="[REDACTED:log event withheld]"`` with the error's type name), never rendered raw.

Redaction's own audit events pass through untouched: they hold no plaintext, and
redaction never logs through the logger it protects.
"""

from __future__ import annotations

import threading
from collections.abc import MutableMapping
from typing import Any

import structlog

from redact.errors import Blocked
from redact.integrations.guard import PolicyLike, redactor_for

__all__ = ["RedactProcessor", "in_redaction", "PLACEHOLDER"]

PLACEHOLDER = "[REDACTED:log event withheld]"

_state = threading.local()


def in_redaction() -> bool:
    """True while this thread is redacting (its audit events must not be redacted again)."""
    return getattr(_state, "active", False)


class RedactProcessor:
    def __init__(self, policy: PolicyLike = None) -> None:
        self._redactor = redactor_for(policy)
        self.dropped = 0

    def __call__(self, logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> Any:
        if in_redaction():
            return event_dict
        _state.active = True
        try:
            return self._redactor.redact(dict(event_dict)).value
        except Blocked:
            self.dropped += 1
            raise structlog.DropEvent from None
        except Exception as exc:  # fail closed: a placeholder event, never the raw one
            self.dropped += 1
            return {"event": PLACEHOLDER, "redact_error": type(exc).__name__}
        finally:
            _state.active = False
