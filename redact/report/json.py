"""The JSON report::

    {"format": "redact-scan", "format_version": 2, "findings": [...]}

``format_version`` changes whenever a field changes meaning or goes away (2: the
fingerprints are keyed HMACs, see :mod:`redact._fpkey`). Each finding has ``file``,
``pointer``, ``key``, ``category``, ``detector``, ``start``, ``end``, ``confidence``
and ``fingerprint``; ``line`` and ``column`` when known; ``suppressed: true`` for a
finding on a ``redact:allow`` line; in the stable report order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from redact.report.base import Result, Rule, sort_results

__all__ = ["write", "to_dict", "FORMAT", "FORMAT_VERSION"]

FORMAT = "redact-scan"
FORMAT_VERSION = 2


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
    doc = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "findings": [to_dict(r) for r in sort_results(results)],
    }
    out.write(json.dumps(doc, indent=2) + "\n")
