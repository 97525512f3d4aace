"""Redact a text file into a copy, for doors that hand files to a tracker.

A file is text when its first 8 KiB hold no NUL byte and decode as UTF-8; anything else
is binary and passes unchanged. A text file up to ``WHOLE_FILE_LIMIT`` is redacted as one
string, so JSON is walked with its keys as context and ``key: value``, ``key = value``
and ``--key value`` lines keep theirs; a larger file streams line by line (constant
memory). The copy is written only when something changed.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path
from typing import Any

from redact._redactor import Redactor

__all__ = ["WHOLE_FILE_LIMIT", "is_text", "redact_text", "redact_file"]

WHOLE_FILE_LIMIT = 16 * 1024 * 1024
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
    it did (``dst`` is not created otherwise)."""
    if not is_text(src):
        return False
    if os.path.getsize(src) <= WHOLE_FILE_LIMIT:
        with open(src, encoding="utf-8", errors="replace", newline="") as f:
            text = f.read()
        red = redact_text(redactor, text)
        if red == text:
            return False
        Path(dst).parent.mkdir(parents=True, exist_ok=True)
        with open(dst, "w", encoding="utf-8", newline="") as out:
            out.write(red)
        return True
    changed = False
    Path(dst).parent.mkdir(parents=True, exist_ok=True)
    with (
        open(src, encoding="utf-8", errors="replace", newline="") as f,
        open(dst, "w", encoding="utf-8", newline="") as out,
    ):
        for line in f:
            red = redact_text(redactor, line)
            changed = changed or red != line
            out.write(red)
    if not changed:
        os.unlink(dst)
    return changed
