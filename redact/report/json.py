"""The JSON report: ``{"findings": [...]}``, the shape ``redact scan --format json`` has
always printed (``file``, ``pointer``, ``key``, ``category``, ``detector``, ``start``,
``end``, ``confidence``, ``fingerprint``; ``line`` and ``column`` when known;
``suppressed: true`` for a finding on a ``redact:allow`` line), in the stable report order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from redact.report.base import Result, Rule, sort_results

__all__ = ["write", "to_dict"]


def to_dict(r: Result) -> dict[str, Any]:
    row = {
        "file": r.source,
        "pointer": r.pointer,
        "key": r.key,
        "category": r.category,
        "detector": r.detector,
        "start": r.start,
        "end": r.end,
        "confidence": r.confidence,
        "fingerprint": r.fingerprint,
    }
    if r.line is not None:
        row["line"] = r.line
        if r.column is not None:
            row["column"] = r.column
    if r.suppressed:  # an inline `redact:allow` comment on the line
        row["suppressed"] = True
    return row


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    out.write(json.dumps({"findings": [to_dict(r) for r in sort_results(results)]}, indent=2) + "\n")
