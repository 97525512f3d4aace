"""stdlib logging: a filter that redacts records, and a formatter backstop.

    handler.addFilter(RedactFilter())                  # msg, args and extra fields
    handler.setFormatter(RedactFormatter("%(levelname)s %(message)s"))  # rendered text,
                                                       # tracebacks included

The filter redacts the message (rendered with its ``args`` when there are any) and every
``extra`` attribute, keeping their types where unchanged. A record
holding a value whose action is ``block`` is dropped; a failure while redacting drops the
record too (fail closed). The formatter redacts the final text, so a secret that reaches
a traceback or a custom ``__str__`` is still caught.
"""

from __future__ import annotations

import logging
from typing import Any

from redact.errors import Blocked
from redact.integrations.guard import PolicyLike, redactor_for
from redact.integrations.structlog import _state, in_redaction

__all__ = ["RedactFilter", "RedactFormatter"]

_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


class RedactFilter(logging.Filter):
    def __init__(self, policy: PolicyLike = None, name: str = "") -> None:
        super().__init__(name)
        self._redactor = redactor_for(policy)
        self.dropped = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if in_redaction():
            return True
        _state.active = True
        try:
            extra = {k: v for k, v in vars(record).items() if k not in _STANDARD}
            # with args, redact the rendered message: a card logged with %d comes back a
            # string, which would no longer format
            msg = record.getMessage() if record.args else record.msg
            red = self._redactor.redact({"msg": msg, "extra": extra}).value
        except Blocked:
            self.dropped += 1
            return False
        except Exception:  # fail closed
            self.dropped += 1
            return False
        finally:
            _state.active = False
        record.msg = red.get("msg", "[REDACTED:dropped]")
        record.args = None
        for k in extra:
            if k in red["extra"]:
                setattr(record, k, red["extra"][k])
            else:  # dropped by the policy
                delattr(record, k)
        return True


class RedactFormatter(logging.Formatter):
    """Formats as usual, then redacts the rendered text (tracebacks included)."""

    def __init__(self, *args: Any, policy: PolicyLike = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._redactor = redactor_for(policy)

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if in_redaction():
            return text
        _state.active = True
        try:
            red = self._redactor.redact({"message": text}).value
            return str(red.get("message", "[REDACTED:dropped]"))
        except Exception:
            return "[REDACTED:log record withheld]"
        finally:
            _state.active = False
