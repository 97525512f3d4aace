"""Audit events: where the redaction trail goes, without ever printing on its own.

Every event goes to the stdlib logger ``redact.audit``, which has a ``NullHandler``: it
shows only where the application configured logging (or ``redact -v``). When the
application configured structlog (``structlog.is_configured()``), events go through
structlog instead, so they join its pipeline. Events carry pointers, categories,
detectors, actions and fingerprints, never a detected value.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

__all__ = ["LOGGER_NAME", "logger", "emit", "enabled"]

LOGGER_NAME = "redact.audit"
logger = logging.getLogger(LOGGER_NAME)
logger.addHandler(logging.NullHandler())


def enabled(level: int) -> bool:
    """Whether an event at ``level`` goes anywhere (cheap: check before building one)."""
    return structlog.is_configured() or logger.isEnabledFor(level)


def emit(level: int, event: str, **fields: Any) -> None:
    """One audit event: through structlog when the application configured it, else as a
    stdlib record (``message``: ``event key=value ...``; ``record.redact``: the fields)."""
    if structlog.is_configured():
        log = structlog.get_logger(LOGGER_NAME)
        (log.debug if level <= logging.DEBUG else log.info)(event, **fields)
        return
    if logger.isEnabledFor(level):
        text = " ".join(f"{k}={v}" for k, v in fields.items())
        logger.log(level, "%s %s", event, text, extra={"redact_event": event, "redact": fields})
