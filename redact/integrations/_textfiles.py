"""Redact a text file into a copy, for doors that hand files to a tracker.

A file is text when its first 8 KiB hold no NUL byte and decode as UTF-8; anything else
is binary and passes unchanged. Text files go through :func:`redact.artifacts.redact_file`
(the MLflow artifact door's): JSON, YAML and notebooks walked with their keys as context,
tables by column, other text line by line in constant memory. The copy is kept only when
something changed. :func:`redact_content` does the same for a file's content held in
memory (an upload made from a string or a stream), so that it is redacted before anything
writes it.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from pathlib import Path
from typing import Any

from redact._redactor import Redactor
from redact.artifacts import _JSON, _TABLE, _YAML, FileOutcome, _stream_table, _suffix
from redact.artifacts import redact_file as redact_copy
from redact.artifacts import redact_text as redact_document

__all__ = ["is_text", "redact_text", "redact_file", "redact_content"]

_SNIFF = 8192
_DROPPED = "[REDACTED:dropped]"


def is_text(path: str | os.PathLike[str]) -> bool:
    """UTF-8 text without NUL bytes in its first 8 KiB."""
    with open(path, "rb") as f:
        head = f.read(_SNIFF)
    return _text_head(head)


def _text_head(head: bytes) -> bool:
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


def redact_content(redactor: Redactor, data: bytes, name: str, key: str) -> bytes:
    """A file's content held in memory, redacted as the file ``name`` would be by
    :func:`redact_file`; ``data`` itself when it is binary (a NUL byte or bytes that are not
    UTF-8 in its first 8 KiB: the extension is not trusted, trackers name any bytes ``.bin``)
    or nothing changed. A single line of plain
    text is redacted as the value of ``key`` (the field it is uploaded to: its context);
    JSON and YAML are walked with their keys, tables by column, other text line by line.
    Raises Blocked, or what went wrong: the caller must not write ``data`` then."""
    ext = _suffix(name)
    if not _text_head(data[:_SNIFF]):
        return data
    text = data.decode("utf-8", "surrogateescape")
    if ext in _TABLE:
        out, outcome = io.BytesIO(), FileOutcome("table")
        try:
            _stream_table(redactor, io.BytesIO(data), out, outcome, key, _TABLE[ext])
            return out.getvalue() if outcome.changed else data
        except csv.Error:  # a stray quote, a cell over the csv limit: as text
            pass
    elif ext not in _JSON and ext not in _YAML and "\n" not in text.rstrip("\r\n"):
        body = text.rstrip("\r\n")
        red = redact_text(redactor, body, key)
        return data if red == body else (red + text[len(body) :]).encode("utf-8", "surrogateescape")
    red, outcome = redact_document(text, redactor, name=name, where=key)
    return red.encode("utf-8", "surrogateescape") if outcome.changed else data
