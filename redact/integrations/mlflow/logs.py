"""MLflow's own log lines, client and server: redacted on every handler they reach.

When a ``redact+`` store is built, :func:`install_log_backstop` adds one
:class:`AccessLogFilter` to every handler of the root logger and of the ``mlflow``,
``werkzeug``, ``uvicorn``, ``uvicorn.access``, ``uvicorn.error``, ``gunicorn.access``,
``gunicorn.error``, ``huey`` and ``alembic`` loggers (and to MLflow's own handler), so
``Experiment with name '...' does not exist`` and the server's access log line
``GET /ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=...`` never show a
detected value. The filter also sits on those loggers themselves, so records logged on
them directly (access lines, werkzeug's) are covered whatever handler is added later;
records of child loggers (``mlflow.tracking.fluent``) reaching a handler added later are
covered when the next store is built (another call is idempotent).

Inside a server whose backend store is ``redact+``, the process-wide guard
``redact.integrations.logging.install()`` is also switched on where the installed version
has it (every handler, including those added later).

Unlike :class:`redact.integrations.logging.RedactFilter`, the record keeps its ``args``
(uvicorn's and gunicorn's access formatters unpack them): each string argument is
redacted in place. Text holding ``%XX`` escapes or ``+`` is URL-decoded before it is
scanned, and replaced by its redacted decoded form when anything was found. A record that
cannot be redacted is withheld; a ``block`` withholds it too.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from redact._redactor import Redactor
from redact.integrations.guard import redactor_for
from redact.integrations.structlog import _state, in_redaction

__all__ = ["AccessLogFilter", "install_log_backstop", "LOGGERS"]

LOGGERS = (
    "",
    "mlflow",
    "werkzeug",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "gunicorn",
    "gunicorn.access",
    "gunicorn.error",
    "huey",
    "alembic",
)
_ESCAPED = re.compile(r"%[0-9A-Fa-f]{2}|\+")


def _decoded(text: str) -> str:
    return unquote_plus(text) if _ESCAPED.search(text) else text


class AccessLogFilter(logging.Filter):
    """Redact a record's message and string arguments, URL-decoded, keeping ``args``."""

    _redact_backstop = True

    def __init__(self, redactor: Redactor | None = None) -> None:
        super().__init__()
        self._redactor = _quiet(redactor or redactor_for())

    def _text(self, value: str, key: str) -> tuple[str, bool]:
        decoded = _decoded(value)
        res = self._redactor.redact({key: decoded})
        if not res.changed:
            return value, False
        return str(res.value.get(key, "[REDACTED:dropped]")), True

    def filter(self, record: logging.LogRecord) -> bool:
        if in_redaction() or getattr(record, "_redact_checked", False):
            return True
        _state.active = True
        try:
            if isinstance(record.msg, str):
                record.msg = self._text(record.msg, "message")[0]
            args = record.args
            if isinstance(args, tuple):
                record.args = tuple(self._arg(a) for a in args)
            elif isinstance(args, dict):
                record.args = {k: self._arg(v) for k, v in args.items()}
            if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = self._text(record.exc_text, "traceback")[0]
            record._redact_checked = True
        except Exception:  # a block, or a failure: the record is withheld (fail closed)
            return False
        finally:
            _state.active = False
        return True

    def _arg(self, value: Any) -> Any:
        if isinstance(value, str) and value:
            return self._text(value, "message")[0]
        if isinstance(value, (bytes, bytearray)):
            text = bytes(value).decode("utf-8", "replace")
            new, changed = self._text(text, "message")
            return new if changed else value
        if value is None or isinstance(value, (bool, int, float)):
            return value
        text = str(value)
        new, changed = self._text(text, "message")
        return new if changed else value


_quiet_cache: dict[int, Redactor] = {}


def _quiet(redactor: Redactor) -> Redactor:
    """The same policy without its audit summary: a log line redacted for a log must not
    log a summary line of its own."""
    if redactor.policy.summary == "silent":
        return redactor
    key = id(redactor)
    quiet = _quiet_cache.get(key)
    if quiet is None:
        policy = redactor.policy.model_copy(update={"summary": "silent"})
        quiet = _quiet_cache[key] = Redactor(policy, scanner=redactor.scanner)
    return quiet


def _handlers() -> list[logging.Handler]:
    seen: dict[int, logging.Handler] = {}
    for name in LOGGERS:
        for h in logging.getLogger(name).handlers:
            seen.setdefault(id(h), h)
    return list(seen.values())


def _process_wide(redactor: Redactor | None) -> bool:
    """Inside ``mlflow server --backend-store-uri redact+...``: the process-wide logging
    guard of :mod:`redact.integrations.logging` (every handler, added later too), where
    this version of the package has it."""
    import os

    if not str(os.environ.get("_MLFLOW_SERVER_FILE_STORE", "")).lower().startswith("redact+"):
        return False
    from redact.integrations import logging as redact_logging

    install = getattr(redact_logging, "install", None)
    if install is None:
        return False
    install(redactor.policy if redactor is not None else None)
    return True


def install_log_backstop(redactor: Redactor | None = None) -> int:
    """Add the filter to those loggers themselves (records logged on them directly, such
    as access lines, are covered whatever handlers come later) and to every handler they
    have (records propagated from child loggers such as ``mlflow.tracking.fluent``);
    returns how many loggers and handlers were covered by this call."""
    _process_wide(redactor)
    filt: AccessLogFilter | None = None
    added = 0
    targets: list[logging.Filterer] = [logging.getLogger(n) for n in LOGGERS if n]
    for target in [*targets, *_handlers()]:
        if any(getattr(f, "_redact_backstop", False) for f in target.filters):
            continue
        filt = filt or AccessLogFilter(redactor)
        target.addFilter(filt)
        added += 1
    return added
