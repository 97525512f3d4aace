"""The reporting model: one ``Result`` per finding, where it is and what found it.

A Result carries the :class:`~redact.Finding` fields plus the ``source`` (a file path or
a store URI, never with credentials) and the 1-based ``line`` of the leaf in the file when
known. Like a Finding it holds no detected text, so no report written from Results can
contain any.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

import yaml

from redact._files import SUFFIXES
from redact._finding import Finding
from redact._yaml import Loc, _index, _Loader, line_of, load_with_lines
from redact.leaves import split_pointer

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
    """One finding in one source. ``pointer`` is the RFC 6901 pointer from the document
    root (for JSONL and multi-document YAML the record index is the first segment);
    ``line`` is the 1-based line of the leaf in the file, or None when not known."""

    source: str
    pointer: str
    line: int | None
    key: str
    category: str
    detector: str
    start: int
    end: int
    confidence: float
    fingerprint: str

    def __post_init__(self) -> None:
        clean = safe_source(self.source)
        if clean != self.source:
            object.__setattr__(self, "source", clean)

    @classmethod
    def from_finding(cls, source: str, finding: Finding, line: int | None = None) -> Result:
        return cls(
            source=source,
            pointer=finding.pointer,
            line=line,
            key=finding.key,
            category=finding.category,
            detector=finding.detector,
            start=finding.start,
            end=finding.end,
            confidence=finding.confidence,
            fingerprint=finding.fingerprint,
        )

    def sort_key(self) -> tuple[str, str, int, str, int, str]:
        return (self.source, self.pointer, self.start, self.detector, self.end, self.fingerprint)


def sort_results(results: Iterable[Result]) -> list[Result]:
    """The one order of every report: by source, pointer, start, detector."""
    return sorted(results, key=Result.sort_key)


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


# ---------------------------------------------------------------------------- lines
def _loc_for(pointer: str, lines: dict[Loc, int], skip: int = 0) -> int | None:
    """The line of the deepest node on ``pointer`` (segments after the first ``skip``)."""
    try:
        segments = split_pointer(pointer)[skip:]
    except ValueError:
        return None
    loc: tuple[int | str, ...] = ()
    for seg in segments:
        if seg.isdigit() and (*loc, int(seg)) in lines:
            loc = (*loc, int(seg))
        elif (*loc, seg) in lines:
            loc = (*loc, seg)
        else:
            break
    return line_of(lines, loc)


def _first_index(pointer: str) -> int | None:
    head = pointer[1:].split("/", 1)[0] if pointer.startswith("/") else ""
    return int(head) if head.isdigit() else None


def lines_for(path: Path, pointers: Iterable[str]) -> dict[str, int]:
    """The 1-based line of each pointer's leaf in ``path``.

    JSONL: the record's line (index + 1). JSON (read as YAML) and YAML: the line of the
    node ``redact._yaml`` records for the pointer's path; 1 when the file cannot be mapped.
    """
    wanted = sorted(set(pointers))
    kind = SUFFIXES.get(path.suffix.lower())
    if kind == "jsonl":
        out: dict[str, int] = {}
        for p in wanted:
            index = _first_index(p)
            out[p] = index + 1 if index is not None else 1
        return out
    try:
        text = path.read_text(encoding="utf-8")
        docs: list[dict[Loc, int]]
        try:
            docs = [load_with_lines(text)[1]]
            multi = False
        except yaml.composer.ComposerError:  # several YAML documents: index each
            docs = []
            for node in yaml.compose_all(text, Loader=_Loader):
                lines: dict[Loc, int] = {}
                if node is not None:
                    _index(node, (), lines)
                docs.append(lines)
            multi = True
    except Exception:  # unreadable as YAML (JSON that YAML rejects, tabs, ...): line 1
        return {p: 1 for p in wanted}
    out = {}
    for p in wanted:
        line: int | None = None
        if multi:
            index = _first_index(p)
            if index is not None and index < len(docs):
                line = _loc_for(p, docs[index], skip=1)
        else:
            line = _loc_for(p, docs[0])
        out[p] = line or 1
    return out


# ---------------------------------------------------------------------------- collect
def collect(
    paths: Sequence[str | Path], scanner: Any, *, jobs: int = 1, progress: bool = False, policy: Any = None
) -> list[Result]:
    """Scan sources (as ``redact scan`` does) into sorted, de-duplicated Results.

    A source is a file or folder (``source`` is each file's path as given or found below
    the folder, with lines, computed only for files that have findings), or an MLflow
    store or W&B run folder (no lines): see :mod:`redact.stores`. ``jobs`` > 1 scans in
    that many processes (``policy``: the one ``scanner`` was built from, for platforms
    without ``fork``); ``progress`` shows counters on stderr.
    """
    from redact.stores import collect_sources

    return collect_sources(paths, scanner, jobs=jobs, progress=progress, policy=policy)


# ---------------------------------------------------------------------------- --fail-on
@dataclass(frozen=True, slots=True)
class FailOn:
    """Which reported findings fail a scan: ``categories`` (any of them; empty = any
    category) and a ``min_confidence`` (None = any confidence); both must hold."""

    categories: frozenset[str] = frozenset()
    min_confidence: float | None = None

    @classmethod
    def parse(cls, specs: Iterable[str]) -> FailOn:
        """``["SECRET,CONNECTION_STRING", "confidence>=0.9"]`` -> a FailOn. Raises
        ValueError naming the part it cannot read."""
        categories: set[str] = set()
        minimum: float | None = None
        for spec in specs:
            for part in spec.split(","):
                token = part.strip()
                if not token:
                    continue
                low = token.lower().replace(" ", "")
                if low.startswith("confidence>="):
                    try:
                        value = float(low[len("confidence>=") :])
                    except ValueError:
                        raise ValueError(f"{token!r}: expected confidence>=NUMBER") from None
                    if not 0.0 <= value <= 1.0:
                        raise ValueError(f"{token!r}: confidence is between 0 and 1")
                    minimum = value if minimum is None else max(minimum, value)
                elif _CATEGORY.fullmatch(token):
                    categories.add(token)
                else:
                    raise ValueError(f"{token!r}: expected a category such as SECRET or confidence>=NUMBER")
        return cls(frozenset(categories), minimum)

    def matches(self, r: Result) -> bool:
        if self.categories and r.category not in self.categories:
            return False
        return self.min_confidence is None or r.confidence >= self.min_confidence

    def fails(self, results: Iterable[Result]) -> bool:
        return any(self.matches(r) for r in results)
