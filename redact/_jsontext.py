"""JSON text embedded in a string, parsed with the offset of every leaf.

``json.loads`` forgets where values were; findings inside an embedded document must
point into the outer string, so this small parser keeps each string's raw span and a
map from decoded to raw offsets. Objects keep every member in order (``JObj``), so a
duplicate key hides nothing. Parsing and offset mapping are linear in the text, and the
parser checks a deadline as it goes.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

__all__ = ["JStr", "JNum", "JObj", "parse_embedded", "looks_like_json", "ParseTimeout"]

_WS = re.compile(r"[ \t\n\r]*")
_BLANK = frozenset(" \t\n\r")
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
MAX_EMBEDDED = 1 << 20  # larger strings are scanned as text


@dataclass(slots=True)
class JStr:
    value: str
    raw_start: int  # offset of the opening quote in the outer text
    raw: str  # the literal, quotes included
    _offsets: list[int] | None = field(default=None, repr=False)

    def to_outer(self, i: int) -> int:
        """Map an offset into ``value`` to an offset into the outer text (the map of a
        literal with escapes is built once, in one pass: linear, not per look-up)."""
        if "\\" not in self.raw:
            return self.raw_start + 1 + i
        if self._offsets is None:
            self._offsets = _raw_offsets(self.raw)
        offsets = self._offsets
        return self.raw_start + offsets[min(i, len(offsets) - 1)]


def _raw_offsets(raw: str) -> list[int]:
    """Offset in ``raw`` of each decoded character of the literal, and one past the end.
    A surrogate pair ``\\ud83d\\ude00`` decodes to one character."""
    out: list[int] = []
    pos, end = 1, len(raw) - 1
    while pos < end:
        out.append(pos)
        if raw[pos] == "\\":
            if raw[pos + 1] == "u":
                code = int(raw[pos + 2 : pos + 6], 16)
                if 0xD800 <= code < 0xDC00 and raw[pos + 6 : pos + 8] == "\\u":
                    low = int(raw[pos + 8 : pos + 12], 16)
                    if 0xDC00 <= low < 0xE000:
                        pos += 6
                pos += 6
            else:
                pos += 2
        else:
            pos += 1
    out.append(pos)
    return out


class JObj(list):  # type: ignore[type-arg]
    """A JSON object as its ``(key, value)`` members in order, duplicates kept; each key
    is a ``JStr`` (so findings in a key map to the outer text too)."""

    __slots__ = ()


@dataclass(slots=True)
class JNum:
    value: int | float
    raw_start: int
    raw: str


class _Fail(Exception):
    pass


class ParseTimeout(Exception):
    """Parsing an embedded document ran past its deadline."""


def looks_like_json(text: str) -> bool:
    if len(text) < 2 or len(text) > MAX_EMBEDDED:
        return False
    s = text.strip()
    return (s[:1] == "{" and s[-1:] == "}") or (s[:1] == "[" and s[-1:] == "]")


def parse_embedded(text: str, deadline: float | None = None) -> Any | None:
    """The document as JObj/lists of JStr/JNum/bool/None, or None if not JSON.

    Raises ParseTimeout when ``deadline`` (a ``time.monotonic()`` value) passes."""
    state = [0, deadline]
    try:
        value, pos = _value(text, _skip(text, 0), 0, state)
        pos = _skip(text, pos)
    except (_Fail, IndexError, RecursionError, ValueError):
        return None
    return value if pos == len(text) else None


def _tick(state: list[Any]) -> None:
    state[0] += 1
    if state[0] & 1023 == 0 and state[1] is not None and time.monotonic() > state[1]:
        raise ParseTimeout


def _skip(text: str, pos: int) -> int:
    """``pos`` moved past JSON whitespace (a regex call only when there is some)."""
    if pos < len(text) and text[pos] in _BLANK:
        return _WS.match(text, pos).end()  # type: ignore[union-attr]
    return pos


def _string(text: str, pos: int) -> tuple[JStr, int]:
    """The string literal at ``pos`` (decoded by the json module's C scanner)."""
    value, end = scanstring(text, pos + 1, True)
    return JStr(value, pos, text[pos:end]), end


def _value(text: str, pos: int, depth: int, state: list[Any]) -> tuple[Any, int]:
    if depth > 64:
        raise _Fail
    _tick(state)
    ch = text[pos]
    if ch == '"':
        return _string(text, pos)
    if ch == "{":
        obj = JObj()
        pos = _skip(text, pos + 1)
        if text[pos] == "}":
            return obj, pos + 1
        while True:
            if text[pos] != '"':
                raise _Fail
            key, pos = _string(text, pos)
            pos = _skip(text, pos)
            if text[pos] != ":":
                raise _Fail
            item, pos = _value(text, _skip(text, pos + 1), depth + 1, state)
            obj.append((key, item))
            pos = _skip(text, pos)
            if text[pos] == "}":
                return obj, pos + 1
            if text[pos] != ",":
                raise _Fail
            pos = _skip(text, pos + 1)
    if ch == "[":
        arr: list[Any] = []
        pos = _skip(text, pos + 1)
        if text[pos] == "]":
            return arr, pos + 1
        while True:
            item, pos = _value(text, pos, depth + 1, state)
            arr.append(item)
            pos = _skip(text, pos)
            if text[pos] == "]":
                return arr, pos + 1
            if text[pos] != ",":
                raise _Fail
            pos = _skip(text, pos + 1)
    for word, lit in _LITERALS.items():
        if text.startswith(word, pos):
            return lit, pos + len(word)
    m = _NUMBER.match(text, pos)
    if not m:
        raise _Fail
    raw = m.group()
    num: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
    return JNum(num, pos, raw), m.end()
