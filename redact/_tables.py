"""Cells of tabular text read under their column's name: the one key grammar for tables.

A delimited table (CSV, TSV, a Markdown or org-mode table, ``;``-separated exports) names
its columns once, in a header row; an SQL ``INSERT INTO t (a, b) VALUES (...)`` names them
once before its rows. A value in such a row means what its column's name says, as a
value under a dict key does: ``bob,Zq8...`` under ``user,password`` is a password.

:func:`credential_cells` yields ``(column name, start, end)`` for every cell under a column
the key grammar reads as a credential, offsets into the text; the scanner reads each cell
under its column's name with the same detectors as any value. Only such columns are
yielded: e-mail addresses, cards and the like are found by their own shape anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from redact.detect.keys import KeyClass, classify_key

__all__ = ["credential_cells", "may_hold_table"]

MAX_ROWS = 10_000  # rows read per text; a longer table's later rows are read as text only
_DELIMITERS = (",", "\t", "|", ";")
_NAME = re.compile(r"[A-Za-z_][\w .\-]{0,63}")
_LINE = re.compile(r"[^\r\n]*(?:\r?\n|$)")
# one cell of a delimited row: a double-quoted field ("" escapes a quote) or a plain one
_CELL = {d: re.compile(rf'[ \t]*"(?:[^"]|"")*"[ \t]*(?=\{d}|$)|[^{re.escape(d)}\r\n]*') for d in _DELIMITERS}
_RULE = re.compile(r"^[\s|+:=\-]*$")  # a Markdown/org/reST separator row: |---|:--:|
_INSERT = re.compile(
    r"\binsert[ \t\r\n]+(?:into[ \t\r\n]+)?[\w.\"`\[\]]{1,256}+[ \t\r\n]*"
    r"\(([^()]{1,4096}+)\)[ \t\r\n]*values[ \t\r\n]*",
    re.I,
)
# one SQL value: a quoted string ('' escapes a quote), or anything up to , or )
_VALUES = re.compile(r"values", re.I)  # (searched, so no lower-cased copy of the text)
_ROW_COMMA = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_SQL_VALUE = re.compile(r"[ \t\r\n]*(?:'(?:[^']|'')*'|[^,()'\r\n]*)[ \t\r\n]*")


def _may_insert(text: str) -> bool:
    return "(" in text and _VALUES.search(text) is not None


def may_hold_table(text: str) -> bool:
    """Cheap test before :func:`credential_cells`: several lines, or an INSERT."""
    return "\n" in text or _may_insert(text)


def credential_cells(text: str) -> Iterator[tuple[str, int, int]]:
    """``(column, start, end)`` of each cell under a credential column of ``text``."""
    if _may_insert(text):
        yield from _insert_cells(text)
    if "\n" in text:
        yield from _delimited_cells(text)


def _is_credential(name: str) -> bool:
    return bool(name) and _NAME.fullmatch(name) is not None and classify_key(name) is KeyClass.CREDENTIAL


def _unquoted(text: str, start: int, stop: int, blanks: str, quote: str) -> tuple[int, int]:
    """The span ``start:stop`` of ``text`` without the blanks around it and without the
    quotes around a quoted value."""
    while start < stop and text[start] in blanks:
        start += 1
    while stop > start and text[stop - 1] in blanks:
        stop -= 1
    if stop - start >= 2 and text[start] == quote and text[stop - 1] == quote:
        start, stop = start + 1, stop - 1
    return start, stop


def _cells(line: str, delimiter: str) -> list[tuple[int, int]]:
    """Spans of the cells of one row (quotes and blanks around a value excluded)."""
    spans: list[tuple[int, int]] = []
    pos, n = 0, len(line)
    pattern = _CELL[delimiter]
    while pos <= n:
        m = pattern.match(line, pos)
        end = m.end() if m else pos
        spans.append(_unquoted(line, pos, end, " \t", '"'))
        if end >= n or line[end] != delimiter:
            break
        pos = end + 1
    return spans


def _delimited_cells(text: str) -> Iterator[tuple[str, int, int]]:
    rows = ((m.start(), m.group().rstrip("\r\n")) for m in _LINE.finditer(text) if m.group())
    rows = ((at, line) for at, line in rows if line.strip() and not _RULE.match(line))
    head_at, head = next(rows, (0, ""))
    delimiter = max(_DELIMITERS, key=head.count)
    if not head.count(delimiter):
        return  # (the first line decides: most multi-line text is no table, and stops here)
    names = [head[s:e].strip("`*") for s, e in _cells(head, delimiter)]
    if not all(_NAME.fullmatch(name) for name in names if name):
        return  # a header names its columns, and only names them
    wanted = {i: name for i, name in enumerate(names) if _is_credential(name)}
    if not wanted:
        return
    for n, (at, line) in enumerate(rows):
        if n >= MAX_ROWS:
            break
        spans = _cells(line, delimiter)
        if len(spans) != len(names):
            continue  # not a row of this table
        for i, name in wanted.items():
            start, end = spans[i]
            if end > start:
                yield name, at + start, at + end


def _insert_cells(text: str) -> Iterator[tuple[str, int, int]]:
    for m in _INSERT.finditer(text):
        names = [c.strip().strip('"`[]') for c in m.group(1).split(",")]
        wanted = {i: name for i, name in enumerate(names) if _is_credential(name)}
        if not wanted:
            continue
        pos, rows = m.end(), 0
        while pos < len(text) and text[pos] == "(" and rows < MAX_ROWS:
            pos, rows = pos + 1, rows + 1
            values: list[tuple[int, int]] = []
            while True:
                v = _SQL_VALUE.match(text, pos)
                end = v.end() if v else pos
                values.append(_unquoted(text, pos, end, " \t\r\n", "'"))
                pos = end
                if pos < len(text) and text[pos] == ",":
                    pos += 1
                    continue
                break
            if pos >= len(text) or text[pos] != ")":
                break  # not a row of values
            pos += 1
            if len(values) == len(names):
                for i, name in wanted.items():
                    start, stop = values[i]
                    if stop > start:
                        yield name, start, stop
            comma = _ROW_COMMA.match(text, pos)
            if comma is None:
                break
            pos = comma.end()
