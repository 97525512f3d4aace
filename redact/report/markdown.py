"""A Markdown summary for a pull-request comment: counts per category, then the first
``limit`` findings (default 50) in a table."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TextIO

from redact.report.base import Result, Rule, sort_results

__all__ = ["write", "LIMIT"]

LIMIT = 50


def _code(text: str) -> str:
    """``text`` as an inline code span that is safe inside a GFM table cell."""
    text = text.replace("\n", " ").replace("\r", " ").replace("|", "\\|")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO, limit: int = LIMIT) -> None:
    rows = sort_results(results)
    if not rows:
        out.write("### redact: no findings\n")
        return
    files = len({r.source for r in rows})
    out.write(f"### redact: {len(rows)} finding(s) in {files} file(s)\n\n")
    by_cat: dict[str, int] = {}
    for r in rows:
        by_cat[r.category] = by_cat.get(r.category, 0) + 1
    out.write("| category | findings |\n|---|---:|\n")
    for category, n in sorted(by_cat.items()):
        out.write(f"| {category} | {n} |\n")
    shown = rows[:limit]
    out.write("\n| file | line | pointer | category | detector | confidence | fingerprint |\n")
    out.write("|---|---:|---|---|---|---:|---|\n")
    for r in shown:
        line = str(r.line) if r.line is not None else ""
        out.write(
            f"| {_code(r.source)} | {line} | {_code(r.pointer or '/')} | {r.category} | "
            f"{_code(r.detector)} | {r.confidence:.2f} | {_code(r.fingerprint[:12])} |\n"
        )
    if len(rows) > len(shown):
        out.write(f"\n…and {len(rows) - len(shown)} more (see the full report).\n")
    out.write("\nReports show where a value is and its fingerprint, never the value.\n")
