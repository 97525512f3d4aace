"""The reporting row: one :class:`~redact.Finding` found in one source.

A Result composes the Finding (where in the document, what found it, its fingerprint)
with where it sits in the source: the ``source`` (a file path or a store URI, never with
credentials), the 1-based ``line`` and ``column`` of the leaf in the file when known, and
whether an inline ``redact:allow`` comment on that line ``suppressed`` it, and for store
records the MLflow ``experiment`` id they belong to. Like a Finding
it holds no detected text, so no report written from Results can contain any.

It lives below both :mod:`redact.stores` (which makes Results) and :mod:`redact.report`
(which writes them), so neither package imports the other's internals in a cycle.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable
from dataclasses import dataclass, replace

from redact._finding import Finding

__all__ = ["Result", "safe_source", "sort_results"]


def safe_source(source: str) -> str:
    """``source`` without credentials: a URI loses its userinfo, query and fragment
    (``postgresql://svc:pw@db/x?sslkey=...`` -> ``postgresql://db/x``); paths pass unchanged."""
    if "://" not in source:
        return source
    try:
        parts = urllib.parse.urlsplit(source)
    except ValueError:
        return source.split("://", 1)[0] + "://"
    netloc = parts.netloc.rpartition("@")[2]
    return f"{parts.scheme}://{netloc}{parts.path}"  # urlunsplit would drop sqlite's empty host


@dataclass(frozen=True, slots=True)
class Result:
    """One finding in one source. ``finding.pointer`` is the RFC 6901 pointer from the
    document root (for JSONL and multi-document YAML the record index is the first
    segment); ``line``/``column`` are 1-based, None when not known (stores)."""

    source: str
    finding: Finding
    line: int | None = None
    column: int | None = None
    suppressed: bool = False
    experiment: str | None = None

    def __post_init__(self) -> None:
        clean = safe_source(self.source)
        if clean != self.source:
            object.__setattr__(self, "source", clean)

    @classmethod
    def from_finding(
        cls, source: str, finding: Finding, line: int | None = None, column: int | None = None
    ) -> Result:
        return cls(source, finding, line, column)

    def suppress(self) -> Result:
        """This Result marked as suppressed by an inline allow."""
        return replace(self, suppressed=True)

    # the Finding's fields, read through
    @property
    def pointer(self) -> str:
        return self.finding.pointer

    @property
    def key(self) -> str:
        return self.finding.key

    @property
    def category(self) -> str:
        return self.finding.category

    @property
    def detector(self) -> str:
        return self.finding.detector

    @property
    def start(self) -> int:
        return self.finding.start

    @property
    def end(self) -> int:
        return self.finding.end

    @property
    def confidence(self) -> float:
        return self.finding.confidence

    @property
    def fingerprint(self) -> str:
        return self.finding.fingerprint

    def sort_key(self) -> tuple[str, str, int, str, int, str]:
        f = self.finding
        return (self.source, f.pointer, f.start, f.detector, f.end, f.fingerprint)


def sort_results(results: Iterable[Result]) -> list[Result]:
    """The one order of every report: by source, pointer, start, detector."""
    return sorted(results, key=Result.sort_key)
