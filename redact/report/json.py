"""The JSON report: ``{"findings": [...]}``, the shape ``redact scan --format json`` has
always printed (``file``, ``pointer``, ``key``, ``category``, ``detector``, ``start``,
``end``, ``confidence``, ``fingerprint``), in the stable report order."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from redact.report.base import Result, Rule, sort_results

__all__ = ["write", "to_dict"]


def to_dict(r: Result) -> dict[str, Any]:
    return {
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


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    out.write(json.dumps({"findings": [to_dict(r) for r in sort_results(results)]}, indent=2) + "\n")
