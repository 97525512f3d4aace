"""stdlib logging: one call guards every handler; a filter and a formatter for one handler.

    import redact.integrations.logging as redact_logging
    redact_logging.install()             # or install("team.yaml"), install(policy)
    ...
    redact_logging.uninstall()           # puts back exactly what install changed

``install(policy=None)`` wraps ``logging.Handler.handle``, the one method through which
every handler receives a record (``Logger.callHandlers`` calls it for each handler of the
logger and its parents, and for ``logging.lastResort`` when there is none). So one call
covers the root logger, every handler of every logger that exists, handlers added
later (``dictConfig``, uvicorn's and gunicorn's access logs, MLflow's loggers) and, with
``logging.captureWarnings(True)`` (or ``install(capture_warnings=True)``), warnings. A
handler class that defines its own ``handle`` gets a filter instead, on the handlers
that exist at install and on every handler added later through ``Logger.addHandler``.

Each record is redacted once, before its first handler sees it, in place:

- the message: rendered with its ``args`` and scanned; when it holds a finding the
  ``args`` are redacted one by one (their types kept where unchanged, so formatters that
  read ``args`` themselves, such as uvicorn's access formatter, still work), else the
  message becomes the redacted rendered text and ``args`` is cleared;
- URL-encoded text (``%40``, ``%3A``: access-log paths and query strings) is also decoded
  and scanned; where the decoded form holds a finding, the redacted decoded text is kept;
- ``exc_info`` is formatted into ``exc_text`` (the traceback stays in the output) and
  redacted, and ``exc_info`` is cleared so no formatter renders the raw exception again;
  ``stack_info`` is redacted;
- every ``extra`` attribute is redacted with its name as the key context.

Fail closed: if redacting a record fails, the record is still emitted, with the
placeholder message ``[REDACTED:log record withheld]`` and no arguments, traceback or
extra values; a record holding a value whose action is ``block`` is emitted as
``[REDACTED:log record blocked]``. Nothing raises into the application.

For one handler only:

    handler.addFilter(RedactFilter())                  # the same redaction; blocked records
                                                       # are dropped
    handler.setFormatter(RedactFormatter("%(levelname)s %(message)s"))  # rendered text
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from redact._redactor import Redactor
from redact.errors import Blocked
from redact.integrations.guard import PolicyLike, redactor_for
from redact.integrations.structlog import _state, in_redaction

__all__ = [
    "RedactFilter",
    "RedactFormatter",
    "RecordRedactor",
    "install",
    "uninstall",
    "installed",
    "WITHHELD",
    "BLOCKED",
]

WITHHELD = "[REDACTED:log record withheld]"
BLOCKED = "[REDACTED:log record blocked]"
_DROPPED = "[REDACTED:dropped]"

_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_TRACEBACK = logging.Formatter()  # formats exc_info exactly as the default formatter does


class RecordRedactor:
    """Redacts a ``LogRecord`` in place (see the module docstring for what and how)."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor

    # ------------------------------------------------------------------ values
    def _one(self, key: str, value: Any) -> Any:
        red = self.redactor.redact({key: value}).value
        if key in red:
            return red[key]
        renamed = [v for k, v in red.items()]
        return renamed[0] if renamed else _DROPPED

    def text(self, text: str, key: str = "message") -> str:
        """``text`` redacted; URL-encoded text is decoded first where that reveals a finding."""
        red = self._one(key, text)
        red = red if isinstance(red, str) else str(red)
        if "%" in text and _PERCENT.search(text):
            decoded = unquote(text)
            if decoded != text:
                red_decoded = self._one(key, decoded)
                if red_decoded != decoded:
                    return str(red_decoded)
        return red

    def value(self, v: Any, key: str) -> Any:
        if isinstance(v, str):
            return self.text(v, key)
        return self._one(key, v)

    # ------------------------------------------------------------------ record
    def redact(self, record: logging.LogRecord) -> None:
        """Redact ``record`` in place. Raises ``Blocked``, or whatever went wrong (the
        caller then withholds the record)."""
        self._message(record)
        if record.exc_info:
            tb = record.exc_text or _TRACEBACK.formatException(record.exc_info)
            record.exc_text = self.text(tb, "exception")
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.text(record.exc_text, "exception")
        if record.stack_info:
            record.stack_info = self.text(record.stack_info, "stack_info")
        for name in [n for n in vars(record) if n not in _STANDARD]:
            self._extra(record, name)

    def _message(self, record: logging.LogRecord) -> None:
        msg, args = record.msg, record.args
        if not args:
            if isinstance(msg, str):
                record.msg = self.text(msg)
            elif isinstance(msg, (Mapping, list, tuple)):
                record.msg = self._one("message", msg)
            else:
                text = str(msg)
                red = self.text(text)
                if red != text:
                    record.msg = red
            return
        rendered = record.getMessage()
        red = self.text(rendered)
        if red == rendered:
            return
        new_args: Any
        if isinstance(args, Mapping):  # gunicorn's access log: one mapping of atoms
            new_args = {k: self.value(v, str(k)) for k, v in args.items()}
        else:
            new_args = tuple(self.value(a, "arg") for a in args)
        try:
            again = str(msg) % new_args
            ok = self.text(again) == again
        except Exception:
            ok = False
        if ok:
            record.args = new_args
        else:
            record.msg, record.args = red, None

    def _extra(self, record: logging.LogRecord, name: str) -> None:
        value = vars(record)[name]
        try:
            red = self.redactor.redact({name: value}).value
        except Blocked:
            raise
        except Exception:  # this attribute only: it cannot be inspected, so it is withheld
            setattr(record, name, WITHHELD)
            return
        if name in red:
            if red[name] is not value:
                setattr(record, name, red[name])
            return
        delattr(record, name)  # dropped, or its name itself was redacted
        for k, v in red.items():
            setattr(record, str(k), v)


def _withhold(record: logging.LogRecord, text: str) -> None:
    """Strip everything a record carries but its placeholder (fail closed)."""
    for name in [n for n in vars(record) if n not in _STANDARD]:
        setattr(record, name, text)
    record.msg, record.args = text, None
    record.exc_info = record.exc_text = record.stack_info = None
    vars(record).pop("message", None)


class RedactFilter(logging.Filter):
    """Redacts each record a handler receives; a record holding a blocked value is
    dropped, one that cannot be redacted is emitted with the placeholder message."""

    def __init__(self, policy: PolicyLike = None, name: str = "") -> None:
        super().__init__(name)
        self._records = RecordRedactor(redactor_for(policy))
        self.dropped = 0
        self.withheld = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if in_redaction():
            return True
        _state.active = True
        try:
            self._records.redact(record)
        except Blocked:
            self.dropped += 1
            return False
        except Exception:  # fail closed: the placeholder, never the raw record
            self.withheld += 1
            _withhold(record, WITHHELD)
        finally:
            _state.active = False
        return True


class RedactFormatter(logging.Formatter):
    """Formats as usual, then redacts the rendered text (tracebacks included)."""

    def __init__(self, *args: Any, policy: PolicyLike = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._records = RecordRedactor(redactor_for(policy))

    def format(self, record: logging.LogRecord) -> str:
        try:
            text = super().format(record)
        except Exception:
            return WITHHELD
        if in_redaction():
            return text
        _state.active = True
        try:
            return self._records.text(text)
        except Exception:
            return WITHHELD
        finally:
            _state.active = False


# --------------------------------------------------------------------------- install
class _Installed:
    """What ``install`` changed, so that ``uninstall`` puts back exactly that."""

    def __init__(self, redactor: Redactor) -> None:
        self.records = RecordRedactor(redactor)
        self.done: weakref.WeakSet[logging.LogRecord] = weakref.WeakSet()
        self.done_lock = threading.Lock()
        self.orig_handle: Callable[..., Any] = logging.Handler.__dict__["handle"]
        self.orig_add: Callable[..., Any] = logging.Logger.__dict__["addHandler"]
        self.handle: Callable[..., Any] | None = None
        self.add: Callable[..., Any] | None = None
        self.filter = _HandlerFilter(self)
        self.filtered: weakref.WeakSet[logging.Handler] = weakref.WeakSet()
        self.captured_warnings = False
        self.withheld = 0
        self.blocked = 0

    def redact(self, record: logging.LogRecord) -> None:
        """Redact ``record`` once (a record reaches every handler up the hierarchy)."""
        if in_redaction():
            return
        with self.done_lock:
            if record in self.done:
                return
            self.done.add(record)
        _state.active = True
        try:
            self.records.redact(record)
        except Blocked:
            self.blocked += 1
            _withhold(record, BLOCKED)
        except Exception:  # fail closed, and never raise into the application
            self.withheld += 1
            try:
                _withhold(record, WITHHELD)
            except Exception:
                record.msg, record.args = WITHHELD, None
        finally:
            _state.active = False

    def guard_handler(self, handler: Any) -> None:
        """A handler whose class defines its own ``handle`` gets the filter."""
        if not isinstance(handler, logging.Handler):
            return
        if getattr(type(handler), "handle", None) is self.handle:
            return
        if self.filter not in handler.filters:
            handler.addFilter(self.filter)
            self.filtered.add(handler)


class _HandlerFilter(logging.Filter):
    def __init__(self, owner: _Installed) -> None:
        super().__init__()
        self._owner = owner

    def filter(self, record: logging.LogRecord) -> bool:
        self._owner.redact(record)
        return True


_lock = threading.RLock()
_active: _Installed | None = None


def installed() -> bool:
    """True while ``install`` is in effect."""
    return _active is not None


def install(policy: PolicyLike = None, *, capture_warnings: bool = False) -> None:
    """Redact every log record before any handler sees it (see the module docstring).

    Idempotent: installing again changes nothing, except that a policy given explicitly
    replaces the active one. ``capture_warnings=True`` also routes ``warnings`` into
    logging (``logging.captureWarnings(True)``), undone by ``uninstall``."""
    global _active
    with _lock:
        if _active is not None:
            if policy is not None:
                _active.records = RecordRedactor(redactor_for(policy))
            if capture_warnings and not _active.captured_warnings:
                _capture_warnings(_active)
            return
        state = _Installed(redactor_for(policy))  # a bad policy changes nothing
        orig_handle, orig_add = state.orig_handle, state.orig_add

        @functools.wraps(orig_handle)
        def handle(self: logging.Handler, record: logging.LogRecord) -> Any:
            state.redact(record)
            return orig_handle(self, record)

        @functools.wraps(orig_add)
        def addHandler(self: logging.Logger, hdlr: logging.Handler) -> Any:  # noqa: N802
            result = orig_add(self, hdlr)
            if _active is state:
                state.guard_handler(hdlr)
            return result

        state.handle, state.add = handle, addHandler
        logging.Handler.handle = handle  # type: ignore[method-assign]
        logging.Logger.addHandler = addHandler  # type: ignore[method-assign]
        for handler in _all_handlers():
            state.guard_handler(handler)
        if capture_warnings:
            _capture_warnings(state)
        _active = state


def _capture_warnings(state: _Installed) -> None:
    was = getattr(logging, "_warnings_showwarning", None) is not None
    if not was:
        logging.captureWarnings(True)
        state.captured_warnings = True


def uninstall() -> None:
    """Undo exactly what ``install`` did; a method someone re-patched since is left to them."""
    global _active
    with _lock:
        state = _active
        if state is None:
            return
        _active = None
        if logging.Handler.__dict__.get("handle") is state.handle:
            logging.Handler.handle = state.orig_handle  # type: ignore[method-assign]
        if logging.Logger.__dict__.get("addHandler") is state.add:
            logging.Logger.addHandler = state.orig_add  # type: ignore[method-assign]
        for handler in list(state.filtered):
            handler.removeFilter(state.filter)
        if state.captured_warnings:
            logging.captureWarnings(False)


def _all_handlers() -> list[logging.Handler]:
    loggers: list[Any] = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    out: list[logging.Handler] = []
    for lg in loggers:
        out.extend(getattr(lg, "handlers", ()))
    if logging.lastResort is not None:
        out.append(logging.lastResort)
    return out
