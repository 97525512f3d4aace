"""The console table (``redact scan``'s default format)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from redact.report.base import Result, Rule, sort_results

__all__ = ["write"]

_COLUMNS = ("file", "line", "pointer", "category", "detector", "span", "confidence", "fingerprint")


def _where(r: Result) -> str:
    """``12`` or ``12:5`` (line, column) in the file; ``-`` for stores."""
    if r.line is None:
        return "-"
    return f"{r.line}:{r.column}" if r.column is not None else str(r.line)


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    """Aligned columns (the line, and column for text files, after the file), then
    ``N finding(s): n CATEGORY, ...``; ``No findings.`` when clean. The fingerprint is
    shortened to 12 hex digits."""
    if not results:
        out.write("No findings.\n")
        return
    rows = sort_results(results)
    data = [
        (
            r.source,
            _where(r),
            r.pointer or "/",
            r.category,
            r.detector,
            f"{r.start}:{r.end}",
            f"{r.confidence:.2f}",
            r.fingerprint[:12],
        )
        for r in rows
    ]
    widths = [max(len(c), *(len(row[i]) for row in data)) for i, c in enumerate(_COLUMNS)]
    out.write("  ".join(c.upper().ljust(w) for c, w in zip(_COLUMNS, widths, strict=True)).rstrip() + "\n")
    for row in data:
        out.write("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() + "\n")
    by_cat: dict[str, int] = {}
    for r in rows:
        by_cat[r.category] = by_cat.get(r.category, 0) + 1
    summary = ", ".join(f"{n} {c}" for c, n in sorted(by_cat.items()))
    out.write(f"\n{len(rows)} finding(s): {summary}\n")
