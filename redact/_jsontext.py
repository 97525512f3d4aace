"""JSON text embedded in a string, parsed with the offset of every leaf.

``json.loads`` forgets where values were; findings inside an embedded document must
point into the outer string, so this small parser keeps each string's raw span and a
map from decoded to raw offsets.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["JStr", "JNum", "parse_embedded", "looks_like_json"]

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}
MAX_EMBEDDED = 1 << 20  # larger strings are scanned as text


@dataclass(slots=True)
class JStr:
    value: str
    raw_start: int  # offset of the opening quote in the outer text
    raw: str  # the literal, quotes included

    def to_outer(self, i: int) -> int:
        """Map an offset into ``value`` to an offset into the outer text."""
        if "\\" not in self.raw:
            return self.raw_start + 1 + i
        pos, n = 1, 0
        raw = self.raw
        while n < i:
            if raw[pos] == "\\":
                pos += 6 if raw[pos + 1] == "u" else 2
            else:
                pos += 1
            n += 1
        return self.raw_start + pos


@dataclass(slots=True)
class JNum:
    value: int | float
    raw_start: int
    raw: str


class _Fail(Exception):
    pass


def looks_like_json(text: str) -> bool:
    if len(text) < 2 or len(text) > MAX_EMBEDDED:
        return False
    s = text.strip()
    return (s[:1] == "{" and s[-1:] == "}") or (s[:1] == "[" and s[-1:] == "]")


def parse_embedded(text: str) -> Any | None:
    """The document as dicts/lists of JStr/JNum/bool/None, or None if not JSON."""
    try:
        value, pos = _value(text, _WS.match(text, 0).end(), 0)  # type: ignore[union-attr]
        pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
    except (_Fail, IndexError, RecursionError, ValueError):
        return None
    return value if pos == len(text) else None


def _value(text: str, pos: int, depth: int) -> tuple[Any, int]:
    if depth > 64:
        raise _Fail
    ch = text[pos]
    if ch == '"':
        m = _STRING.match(text, pos)
        if not m:
            raise _Fail
        raw = m.group()
        return JStr(json.loads(raw) if "\\" in raw else raw[1:-1], pos, raw), m.end()
    if ch == "{":
        obj: dict[str, Any] = {}
        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        if text[pos] == "}":
            return obj, pos + 1
        while True:
            m = _STRING.match(text, pos)
            if not m:
                raise _Fail
            key = json.loads(m.group())
            pos = _WS.match(text, m.end()).end()  # type: ignore[union-attr]
            if text[pos] != ":":
                raise _Fail
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
            obj[key], pos = _value(text, pos, depth + 1)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == "}":
                return obj, pos + 1
            if text[pos] != ",":
                raise _Fail
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    if ch == "[":
        arr: list[Any] = []
        pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        if text[pos] == "]":
            return arr, pos + 1
        while True:
            item, pos = _value(text, pos, depth + 1)
            arr.append(item)
            pos = _WS.match(text, pos).end()  # type: ignore[union-attr]
            if text[pos] == "]":
                return arr, pos + 1
            if text[pos] != ",":
                raise _Fail
            pos = _WS.match(text, pos + 1).end()  # type: ignore[union-attr]
    for word, lit in _LITERALS.items():
        if text.startswith(word, pos):
            return lit, pos + len(word)
    m = _NUMBER.match(text, pos)
    if not m:
        raise _Fail
    raw = m.group()
    num: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
    return JNum(num, pos, raw), m.end()
