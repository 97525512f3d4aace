"""JSON text, and Python literals, embedded in a string, parsed with the offset of every leaf.

``json.loads`` forgets where values were; findings inside an embedded document must
point into the outer string, so this small parser keeps each string's raw span and a
map from decoded to raw offsets. Objects keep every member in order (``JObj``), so a
duplicate key hides nothing. Parsing and offset mapping are linear in the text, and the
parser checks a deadline as it goes.

A Python literal (the ``str()`` of a dict or a list, as MLflow stores a nested parameter
and a print or a log line shows one: ``{'db': {'password': '...'}, 'lr': 0.01}``) is read
the same way by :func:`parse_python_literal` into the same nodes: dicts, lists, tuples and
sets of strings (quoted either way, escapes decoded with their offsets kept), numbers,
``True``, ``False`` and ``None``, and an object's repr written as a call
(``Namespace(lr=0.1)``) as its fields. Anything else (an object's ``<...>`` repr) is no
literal, and the text is read as text.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

__all__ = [
    "JStr",
    "JNum",
    "JObj",
    "parse_embedded",
    "parse_python_literal",
    "python_literal_at",
    "looks_like_json",
    "looks_like_python_literal",
    "ParseTimeout",
]

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
    return _whole(text, _value, [0, deadline])


def _whole(text: str, read: Any, state: list[Any]) -> Any | None:
    """What ``read`` gives for the whole of ``text`` (blanks around it allowed), or None
    when it is no document of that syntax."""
    try:
        value, pos = read(text, _skip(text, 0), 0, state)
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


def _json_key(text: str, pos: int, state: list[Any]) -> tuple[JStr, int]:
    if text[pos] != '"':
        raise _Fail
    return _string(text, pos)


def _members(
    text: str, pos: int, key: Any, value: Any, depth: int, state: list[Any], trailing_comma: bool
) -> tuple[JObj, int]:
    """An object's members from its first key at ``pos`` to its ``}``, each key read by
    ``key`` and each value by ``value`` (a comma before the ``}`` allowed when
    ``trailing_comma``: a Python literal's)."""
    obj = JObj()
    while True:
        name, pos = key(text, pos, state)
        pos = _skip(text, pos)
        if text[pos] != ":":
            raise _Fail
        item, pos = value(text, _skip(text, pos + 1), depth + 1, state)
        obj.append((name, item))
        done, pos = _separator(text, pos, "}")
        if done:
            return obj, pos
        if trailing_comma and text[pos] == "}":
            return obj, pos + 1


def _separator(text: str, pos: int, closer: str) -> tuple[bool, int]:
    """After a container's item: ``(True, past closer)`` at the container's end, or
    ``(False, the next item's start)`` after a comma."""
    pos = _skip(text, pos)
    if text[pos] == closer:
        return True, pos + 1
    if text[pos] != ",":
        raise _Fail
    return False, _skip(text, pos + 1)


def _enter(text: str, pos: int, depth: int, state: list[Any]) -> str:
    """The character the value at ``pos`` starts with, once the nesting depth and the
    deadline allow reading it."""
    if depth > 64:
        raise _Fail
    _tick(state)
    return text[pos]


def _value(text: str, pos: int, depth: int, state: list[Any]) -> tuple[Any, int]:
    ch = _enter(text, pos, depth, state)
    if ch == '"':
        return _string(text, pos)
    if ch == "{":
        obj = JObj()
        pos = _skip(text, pos + 1)
        if text[pos] == "}":
            return obj, pos + 1
        return _members(text, pos, _json_key, _value, depth, state, False)
    if ch == "[":
        arr: list[Any] = []
        pos = _skip(text, pos + 1)
        if text[pos] == "]":
            return arr, pos + 1
        while True:
            item, pos = _value(text, pos, depth + 1, state)
            arr.append(item)
            done, pos = _separator(text, pos, "]")
            if done:
                return arr, pos
    for word, lit in _LITERALS.items():
        if text.startswith(word, pos):
            return lit, pos + len(word)
    m = _NUMBER.match(text, pos)
    if not m:
        raise _Fail
    raw = m.group()
    num: int | float = int(raw) if raw.lstrip("-").isdigit() else float(raw)
    return JNum(num, pos, raw), m.end()


# ---------------------------------------------------------------- Python literals

_PY_CLOSERS = {"{": "}", "[": "]", "(": ")"}
_PY_NUMBER = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.])")
_PY_WORDS = {"True": True, "False": False, "None": None}
_PY_FLOATS = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}
_PY_ESCAPES = {
    "n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f",
    "v": "\v",
}  # fmt: skip
_PY_HEX = {"x": 2, "u": 4, "U": 8}
_PY_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_PY_CALLEE = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*\(")
_PY_KEYWORD = re.compile(r"(?P<name>[A-Za-z_]\w*)[ \t]*=(?!=)")


def looks_like_python_literal(text: str) -> bool:
    """A dict's, a list's, a tuple's or a set's ``repr`` with a string in it, an object's
    written as a call (``Namespace(lr=0.1, ...)``), or a string's ``repr`` with an escape
    in it (``'line 1\\nline 2'``)."""
    if len(text) < 2 or len(text) > MAX_EMBEDDED:
        return False
    s = text.strip() if text[0].isspace() or text[-1].isspace() else text
    if s[:1] in "'\"":
        return len(s) > 2 and s[-1:] == s[:1] and "\\" in s
    if "'" not in s:
        return False
    if s[-1:] == ")" and (s[:1].isalpha() or s[:1] == "_"):
        return _PY_CALLEE.match(s) is not None
    return _PY_CLOSERS.get(s[:1]) == s[-1:]


def parse_python_literal(
    text: str, deadline: float | None = None, calls: list[str] | None = None
) -> Any | None:
    """The Python literal ``text`` holds as JObj/lists of JStr/JNum/bool/None (a tuple or
    a set as a list; a key that is a number as a JStr of its digits) or as one JStr, or
    None if it is no literal. An object's repr written as a call is read as what
    ``dataclasses.asdict`` or ``vars`` would give: its keyword arguments as a JObj
    (``Config(db=DB(password='...'))`` as ``{db: {password: ...}}``), its positional
    ones as a list's items, both as a list ``[*args, JObj(kwargs)]``; a bare name
    (``torch.float32``, a module's constant) as None. Each call's name is appended to
    ``calls`` when given. Raises ParseTimeout when ``deadline`` passes."""
    return _whole(text, _py_value, [0, deadline, calls])


def python_literal_at(text: str, pos: int, deadline: float | None = None) -> tuple[Any, int] | None:
    """The Python (or JSON) literal that starts at ``pos`` inside ``text`` and where it
    ends, or None when none does (a list written inside a line of code or a log line:
    ``subprocess.run(["mysql", ...])``, a Dockerfile's ``CMD [...]``). Node offsets are
    offsets in ``text``. Raises ParseTimeout when ``deadline`` passes."""
    try:
        return _py_value(text, pos, 0, [0, deadline, None])
    except (_Fail, IndexError, RecursionError, ValueError):
        return None


def _py_string(text: str, pos: int) -> tuple[JStr, int]:
    """The string literal at ``pos`` (a ``b`` or ``u`` prefix skipped), its escapes decoded
    and each decoded character's offset in the literal kept."""
    if text[pos] in "bBuU":
        pos += 1
    quote = text[pos]
    if quote not in "'\"":
        raise _Fail
    end = text.find(quote, pos + 1)
    if end < 0:
        raise _Fail
    if text.find("\\", pos + 1, end) < 0:  # (no escape: the common case)
        if text.find("\n", pos + 1, end) >= 0:
            raise _Fail  # (a repr writes a line break escaped)
        return JStr(text[pos + 1 : end], pos, text[pos : end + 1]), end + 1
    chars: list[str] = []
    offsets: list[int] = []
    i = pos + 1
    while True:
        ch = text[i]
        if ch == quote:
            break
        if ch == "\n":
            raise _Fail
        offsets.append(i - pos)
        if ch != "\\":
            chars.append(ch)
            i += 1
            continue
        e = text[i + 1]
        if e in _PY_ESCAPES:
            chars.append(_PY_ESCAPES[e])
            i += 2
        elif e in _PY_HEX:
            digits = text[i + 2 : i + 2 + _PY_HEX[e]]
            if len(digits) != _PY_HEX[e] or not all(c in "0123456789abcdefABCDEF" for c in digits):
                raise _Fail
            chars.append(chr(int(digits, 16)))
            i += 2 + len(digits)
        elif e in "01234567N\n":
            raise _Fail  # (octal, named and line-continuation escapes: never in a repr)
        else:  # an unknown escape is a backslash and the character
            chars.append("\\")
            i += 1
    offsets.append(i - pos)
    return JStr("".join(chars), pos, text[pos : i + 1], offsets), i + 1


def _py_key(text: str, pos: int, state: list[Any]) -> tuple[JStr, int]:
    """A dict's key: a string, or a number read as the text of its digits."""
    if text[pos] in "'\"" or (text[pos] in "bBuU" and text[pos + 1 : pos + 2] in ("'", '"')):
        return _py_string(text, pos)
    item, end = _py_value(text, pos, 0, state)
    if not isinstance(item, JNum):
        raise _Fail
    # (as a quoted key of the same digits one character before them: offsets map alike)
    return JStr(item.raw, pos - 1, "'" + item.raw + "'"), end


def _py_call(text: str, pos: int, depth: int, state: list[Any]) -> tuple[Any, int]:
    """A call's arguments up to its ``)``: keyword ones as a JObj (each name a JStr at its
    offset), positional ones as a list's items, ``[*args, JObj(kwargs)]`` when both."""
    args: list[Any] = []
    kwargs = JObj()
    pos = _skip(text, pos)
    while text[pos] != ")":
        m = _PY_KEYWORD.match(text, pos)
        if m is not None:
            name = m["name"]
            item, pos = _py_value(text, _skip(text, m.end()), depth + 1, state)
            kwargs.append((JStr(name, m.start() - 1, "'" + name + "'"), item))
        else:
            item, pos = _py_value(text, pos, depth + 1, state)
            args.append(item)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif text[pos] != ")":
            raise _Fail
    if not args:
        return kwargs, pos + 1
    return ([*args, kwargs] if kwargs else args), pos + 1


def _py_items(text: str, pos: int, closer: str, depth: int, state: list[Any]) -> tuple[list[Any], int]:
    """The comma-separated values of a list, a tuple or a set up to ``closer``."""
    items: list[Any] = []
    pos = _skip(text, pos)
    while text[pos] != closer:
        item, pos = _py_value(text, pos, depth + 1, state)
        items.append(item)
        pos = _skip(text, pos)
        if text[pos] == ",":
            pos = _skip(text, pos + 1)
        elif text[pos] != closer:
            raise _Fail
    return items, pos + 1


def _py_value(text: str, pos: int, depth: int, state: list[Any]) -> tuple[Any, int]:
    ch = _enter(text, pos, depth, state)
    if ch in "'\"" or (ch in "bBuU" and text[pos + 1 : pos + 2] in ("'", '"')):
        return _py_string(text, pos)
    if ch == "[" or ch == "(":
        return _py_items(text, pos + 1, _PY_CLOSERS[ch], depth, state)
    if ch == "{":
        pos = _skip(text, pos + 1)
        if text[pos] == "}":
            return JObj(), pos + 1
        _, after = _py_key(text, pos, state)
        if text[_skip(text, after)] != ":":  # a set
            return _py_items(text, pos, "}", depth, state)
        return _members(text, pos, _py_key, _py_value, depth, state, True)
    m = _PY_NAME.match(text, pos)
    if m is not None:
        word, end = m.group(), m.end()
        if text[end : end + 1] == "(":
            if state[2] is not None:
                state[2].append(word)
            return _py_call(text, end + 1, depth, state)
        if word in _PY_WORDS:
            return _PY_WORDS[word], end
        if word in _PY_FLOATS:
            return JNum(_PY_FLOATS[word], pos, word), end
        return None, end  # (a name: torch.float32, an enum's member written bare)
    if text.startswith("-inf", pos) and not text[pos + 4 : pos + 5].isalnum():
        return JNum(_PY_FLOATS["-inf"], pos, "-inf"), pos + 4
    m = _PY_NUMBER.match(text, pos)
    if not m:
        raise _Fail
    raw = m.group()
    digits = raw.lstrip("+-")
    return JNum(int(raw) if digits.isdigit() else float(raw), pos, raw), m.end()
