"""Cells of tabular text read under their column's name: the one key grammar for tables.

A delimited table (CSV, TSV, a Markdown or org-mode table, ``;``-separated exports, a
table drawn with box characters as rich prints it) names its columns once, in a header
row; so does a table aligned in columns by blanks (a pandas DataFrame's repr, tabulate's
plain formats, ``kubectl get``), an HTML table (its ``<th>`` row), and an SQL ``INSERT
INTO t (a, b) VALUES (...)`` before its rows. A value in such a row means what its
column's name says, as a value under a dict key does: ``bob,Zq8...`` under
``user,password`` is a password. A table of names and values (a settings export under
``key,value`` or ``name;value``) holds each value under the name in its row, as a
mapping's ``{"key": ..., "value": ...}`` members do.

:func:`credential_cells` yields ``(column name, start, end)`` for every cell under a column
the key grammar reads as a credential, offsets into the text; the scanner reads each cell
under its column's name with the same detectors as any value. Only such columns are
yielded: e-mail addresses, cards and the like are found by their own shape anywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from redact.detect.keys import KeyClass, classify_key
from redact.leaves import NAMER_COLUMNS, VALUE_COLUMNS

__all__ = ["credential_cells", "may_hold_table"]

MAX_ROWS = 10_000  # rows read per text; a longer table's later rows are read as text only
_MAX_WIDTH = 4096  # a row of a table aligned by blanks is no longer than this
_DELIMITERS = (",", "\t", "|", ";")
_NAME = re.compile(r"[A-Za-z_][\w .\-]{0,63}")
_LINE = re.compile(r"[^\r\n]*(?:\r?\n|$)")
# one cell of a delimited row: a double-quoted field ("" escapes a quote) or a plain one
_CELL = {d: re.compile(rf'[ \t]*"(?:[^"]|"")*"[ \t]*(?=\{d}|$)|[^{re.escape(d)}\r\n]*') for d in _DELIMITERS}
_RULE = re.compile(r"^[\s|+:=\-\u2500-\u257f]*$")  # a separator row: |---|:--:|, ┡━━━╇━━┩
# box drawing's vertical lines, read as | one for one (offsets kept): rich's ┃ and │
_BOX_BAR_CHARS = "\u2502\u2503\u2551\u2506\u2507\u250a\u250b\u254e\u254f"
_BOX_BARS = str.maketrans(dict.fromkeys(_BOX_BAR_CHARS, "|"))
_HAS_BOX_BAR = re.compile(f"[{_BOX_BAR_CHARS}]")
_WORD = re.compile(r"\S+")
# an HTML table's row and its cells (the text between a cell's tags)
_HTML_ROW = re.compile(r"<tr\b[^>]*>(.*?)(?=<tr\b|</table>|$)", re.I | re.S)
_HTML_CELL = re.compile(r"<t([hd])\b[^>]*>(.*?)</t[hd]\s*>", re.I | re.S)
_INSERT = re.compile(
    r"\binsert[ \t\r\n]+(?:into[ \t\r\n]+)?[\w.\"`\[\]]{1,256}[ \t\r\n]*"
    r"\(([^()]{1,4096})\)[ \t\r\n]*values[ \t\r\n]*",
    re.I,
)
# one SQL value: a quoted string ('' escapes a quote), or anything up to , or )
_VALUES = re.compile(r"values", re.I)  # (searched, so no lower-cased copy of the text)
_ROW_COMMA = re.compile(r"[ \t\r\n]*,[ \t\r\n]*")
_SQL_VALUE = re.compile(r"[ \t\r\n]*(?:'(?:[^']|'')*'|[^,()'\r\n]*)[ \t\r\n]*")


def _may_insert(text: str) -> bool:
    return "(" in text and _VALUES.search(text) is not None


def _may_html(text: str) -> bool:
    return "<t" in text or "<T" in text


def may_hold_table(text: str) -> bool:
    """Cheap test before :func:`credential_cells`: several lines, an INSERT, or HTML cells."""
    return "\n" in text or _may_insert(text) or _may_html(text)


def credential_cells(text: str) -> Iterator[tuple[str, int, int]]:
    """``(column, start, end)`` of each cell under a credential column of ``text``."""
    if _may_insert(text):
        yield from _insert_cells(text)
    if "\n" in text:
        lines = text.translate(_BOX_BARS) if _HAS_BOX_BAR.search(text) else text
        yield from _delimited_cells(lines)
        yield from _aligned_cells(lines)
    if _may_html(text):
        yield from _html_cells(text)


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
    rows = _rows(text)
    head_at, head = next(rows, (0, ""))
    delimiter = max(_DELIMITERS, key=head.count)
    if not head.count(delimiter):
        return  # (the first line decides: most multi-line text is no table, and stops here)
    names = [head[s:e].strip("`*") for s, e in _cells(head, delimiter)]
    if not all(_NAME.fullmatch(name) for name in names if name):
        return  # a header names its columns, and only names them
    wanted = {i: name for i, name in enumerate(names) if _is_credential(name)}
    pair = _name_value_columns(names)
    if not wanted and pair is None:
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
        if pair is not None:  # (a settings export: the row's name column names its value)
            (ns, ne), (start, end) = spans[pair[0]], spans[pair[1]]
            if end > start and _is_credential(row_name := line[ns:ne]):
                yield row_name, at + start, at + end


def _name_value_columns(names: list[str]) -> tuple[int, int] | None:
    """The columns of a name and of its value (``key,value``, ``name;value``,
    ``Parameter|Value``), as a mapping's members name them (:mod:`redact.leaves`)."""
    low = [name.lower() for name in names]
    namer = next((i for i, name in enumerate(low) if name in NAMER_COLUMNS), None)
    value = next((i for i, name in enumerate(low) if name in VALUE_COLUMNS), None)
    return None if namer is None or value is None else (namer, value)


def _rows(text: str) -> Iterator[tuple[int, str]]:
    """``(offset, line)`` of each line that is no blank line or separator row."""
    for m in _LINE.finditer(text):
        line = m.group().rstrip("\r\n")
        if line.strip() and not _RULE.match(line):
            yield m.start(), line


def _aligned_cells(text: str) -> Iterator[tuple[str, int, int]]:
    """Cells of a table aligned in columns by blanks: a column is a run of character
    positions where some row has a character, between positions blank in every row
    (a pandas repr right-aligns each column under its name, tabulate and kubectl
    left-align it). A table only when every row holds at most one word in each column
    and the header names each of its columns with one word; prose never lines up so."""
    lines = _rows(text)
    first = next(lines, None)
    if first is None or "\t" in first[1]:
        return
    head = first[1]
    words = _WORD.findall(head)
    if len(words) < 2 or not all(_NAME.fullmatch(w) for w in words) or not any(map(_is_credential, words)):
        return  # (cheap: the header's words, each a column's name, decide before any other row is read)
    rows = [first, *(row for _, row in zip(range(MAX_ROWS), lines, strict=False))]
    width = max(len(line) for _, line in rows)
    if len(rows) < 2 or width > _MAX_WIDTH:
        return
    # the column of each character position: runs of positions some row's words cover
    column = [-1] * width
    for _, line in rows:
        for m in _WORD.finditer(line):
            column[m.start() : m.end()] = [0] * (m.end() - m.start())
    count, inside = 0, False
    for i in range(width):
        if column[i] < 0:
            inside = False
            continue
        if not inside:  # (a run starts: a new column)
            count, inside = count + 1, True
        column[i] = count - 1
    if count < 2:
        return
    # each row's words by column (one pass over its words): a table has one word per column
    per_row: list[dict[int, tuple[int, int]]] = []
    for _, line in rows:
        cells: dict[int, tuple[int, int]] = {}
        for m in _WORD.finditer(line):
            at = column[m.start()]
            if at in cells:
                return  # two words in one column: text, not a table
            cells[at] = m.span()
        per_row.append(cells)
    names = {i: head[a:b] for i, (a, b) in per_row[0].items()}
    if not all(_NAME.fullmatch(name) for name in names.values()):
        return
    wanted = {i: name for i, name in names.items() if _is_credential(name)}
    for (at, _), cells in zip(rows[1:], per_row[1:], strict=True):
        for i, name in wanted.items():
            cell = cells.get(i)
            if cell is not None:
                yield name, at + cell[0], at + cell[1]


def _html_cells(text: str) -> Iterator[tuple[str, int, int]]:
    """Cells of an HTML table under a credential column: the first row of ``<th>`` cells
    names the columns, and the ``<td>`` cells of each later row are read under them."""
    names: list[str] | None = None
    for n, row in enumerate(_HTML_ROW.finditer(text)):
        if n > MAX_ROWS:
            break
        cells = list(_HTML_CELL.finditer(text, row.start(1), row.end(1)))
        if names is None:
            if cells and all(c.group(1).lower() == "h" for c in cells):
                names = [c.group(2).strip() for c in cells]
                if not any(_is_credential(name) for name in names):
                    return
            continue
        if len(cells) != len(names):
            continue
        for name, cell in zip(names, cells, strict=True):
            if _is_credential(name):
                start, end = _unquoted(text, cell.start(2), cell.end(2), " \t\r\n", "")
                if end > start:
                    yield name, start, end


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
