"""The reporting model: one :class:`~redact._result.Result` per finding (a Finding and
where it sits in its source), the writer protocol, ``--fail-on`` and path display.

Results are made by :mod:`redact.stores` and written here; both import the row type from
:mod:`redact._result`, so the two packages do not import each other in a cycle.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from redact._result import Result, safe_source, sort_results
from redact.stores import ScanStats, collect_sources
from redact.stores.files import lines_for

__all__ = [
    "Result",
    "Rule",
    "Writer",
    "safe_source",
    "sort_results",
    "collect",
    "lines_for",
    "relative_uri",
    "display_path",
    "FailOn",
]

_CATEGORY = re.compile(r"[A-Z][A-Z0-9_]*")


class Rule(Protocol):
    """What a writer needs to know of a catalog detector (a DetectorSpec fits)."""

    @property
    def id(self) -> str: ...

    @property
    def category(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def confidence(self) -> float: ...


class Writer(Protocol):
    """``write(results, catalog, out)``: one report of ``results`` on ``out``."""

    def __call__(self, results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None: ...


def _below_cwd(path: Path, cwd: Path | None) -> Path | None:
    """``path`` relative to ``cwd`` (default: the working folder), or None if outside it."""
    if not path.is_absolute():
        return path
    try:
        return path.resolve().relative_to((cwd or Path.cwd()).resolve())
    except (ValueError, OSError):
        return None


def display_path(source: str, cwd: Path | None = None) -> str:
    """``source`` as a POSIX path relative to ``cwd`` when it lies below it, else as given."""
    if "://" in source:
        return source
    rel = _below_cwd(Path(source), cwd)
    return rel.as_posix() if rel is not None else source


def relative_uri(source: str, cwd: Path | None = None) -> str:
    """A URI reference for ``source``: a store URI as is; a path relative to ``cwd`` when it
    lies below it (POSIX separators, percent-encoded), else an absolute ``file:`` URI."""
    if "://" in source:
        return source
    rel = _below_cwd(Path(source), cwd)
    if rel is None:
        return Path(source).resolve().as_uri()
    return urllib.parse.quote(rel.as_posix(), safe="/")


# ---------------------------------------------------------------------------- collect
def collect(
    paths: Sequence[str | Path],
    scanner: Any,
    *,
    jobs: int = 1,
    progress: bool = False,
    policy: Any = None,
    stats: ScanStats | None = None,
    select: Any = None,
) -> list[Result]:
    """Scan sources (as ``redact scan`` does) into sorted, de-duplicated Results.

    A source is a file or folder (``source`` is each file's path as given or found below
    the folder, with lines, computed only for files that have findings), or an MLflow
    store or W&B run folder (no lines): see :mod:`redact.stores`. ``jobs`` > 1 scans in
    that many processes (``policy``: the one ``scanner`` was built from, for platforms
    without ``fork``); ``progress`` shows a bar on stderr; with ``stats`` unreadable
    inputs are counted there and the scan goes on; ``select`` filters folders' files.
    """
    return collect_sources(
        paths, scanner, jobs=jobs, progress=progress, policy=policy, stats=stats, select=select
    )


# ---------------------------------------------------------------------------- --fail-on
@dataclass(frozen=True, slots=True)
class FailOn:
    """Which reported findings fail a scan: ``categories`` and ``detectors`` (a finding
    matching any of them; both empty = any finding) and a ``min_confidence`` (None = any
    confidence); both conditions must hold."""

    categories: frozenset[str] = frozenset()
    min_confidence: float | None = None
    detectors: frozenset[str] = frozenset()

    @classmethod
    def parse(
        cls,
        specs: Iterable[str],
        *,
        categories: Iterable[str] | None = None,
        detectors: Iterable[str] | None = None,
    ) -> FailOn:
        """``["SECRET,CONNECTION_STRING", "confidence>=0.9"]`` -> a FailOn.

        With ``categories``/``detectors`` (the names a scan can report), a name that is
        neither is an error listing the valid ones, so a typo cannot switch a gate off.
        Raises ValueError naming the part."""
        known_cats = set(categories) if categories is not None else None
        known_dets = set(detectors) if detectors is not None else set()
        cats: set[str] = set()
        dets: set[str] = set()
        minimum: float | None = None
        for spec in specs:
            for part in spec.split(","):
                token = part.strip()
                if not token:
                    continue
                low = token.lower().replace(" ", "")
                if low.startswith("confidence"):
                    if not low.startswith("confidence>="):
                        raise ValueError(f"{token!r}: expected confidence>=NUMBER")
                    try:
                        value = float(low[len("confidence>=") :])
                    except ValueError:
                        raise ValueError(f"{token!r}: expected confidence>=NUMBER") from None
                    if not 0.0 <= value <= 1.0:
                        raise ValueError(f"{token!r}: confidence is between 0 and 1")
                    minimum = value if minimum is None else max(minimum, value)
                elif known_cats is not None:
                    if token in known_cats:
                        cats.add(token)
                    elif token in known_dets:
                        dets.add(token)
                    else:
                        raise ValueError(
                            f"{token!r} is not a category or detector; valid categories: "
                            f"{', '.join(sorted(known_cats))}; or a detector id "
                            f"({', '.join(sorted(known_dets))}); or confidence>=NUMBER"
                        )
                elif _CATEGORY.fullmatch(token):
                    cats.add(token)
                else:
                    raise ValueError(f"{token!r}: expected a category such as SECRET or confidence>=NUMBER")
        return cls(frozenset(cats), minimum, frozenset(dets))

    def matches(self, r: Result) -> bool:
        if (self.categories or self.detectors) and not (
            r.category in self.categories or r.detector in self.detectors
        ):
            return False
        return self.min_confidence is None or r.confidence >= self.min_confidence

    def fails(self, results: Iterable[Result]) -> bool:
        return any(self.matches(r) for r in results)
