"""Redact a text file into a copy, for doors that hand files to a tracker.

A file is text when its first 8 KiB hold no NUL byte and decode as UTF-8; anything else
is binary and passes unchanged. Text files go through :func:`redact.artifacts.redact_file`
(the MLflow artifact door's): JSON, YAML and notebooks walked with their keys as context,
tables by column, other text line by line in constant memory. The copy is kept only when
something changed.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

from redact._redactor import Redactor
from redact.artifacts import redact_file as redact_copy

__all__ = ["is_text", "redact_text", "redact_file"]

_SNIFF = 8192
_DROPPED = "[REDACTED:dropped]"


def is_text(path: str | os.PathLike[str]) -> bool:
    """UTF-8 text without NUL bytes in its first 8 KiB."""
    with open(path, "rb") as f:
        head = f.read(_SNIFF)
    if b"\0" in head:
        return False
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def redact_text(redactor: Redactor, text: str, key: str = "text") -> str:
    """``text`` redacted as the value of ``key`` (raises Blocked, or what went wrong)."""
    red: Any = redactor.redact({key: text}).value
    if key in red:
        return str(red[key])
    values = list(red.values())
    return str(values[0]) if values else _DROPPED


def redact_file(redactor: Redactor, src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> bool:
    """Write ``src`` redacted to ``dst`` when it is text holding a finding; return whether
    it did (``dst`` is left absent otherwise). The one file redaction of
    :func:`redact.artifacts.redact_file` (structured formats walked with their keys, the
    rest streamed line by line); a file the policy blocks raises Blocked."""
    if not is_text(src):
        return False
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    try:
        outcome = redact_copy(src, dst, redactor)
    except BaseException:
        Path(dst).unlink(missing_ok=True)
        raise
    if outcome.kind == "binary" or not outcome.changed:
        Path(dst).unlink(missing_ok=True)
        return False
    return True
