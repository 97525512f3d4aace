"""The source registry of ``redact scan``, and the engine that scans sources into Results.

A *source* is what ``redact scan`` is given: a path (a file, or a folder that is walked;
MLflow ``mlruns`` folders and W&B run folders inside it are read as runs) or a URI with a
scheme (an MLflow tracking URI). Every source becomes a stream of :class:`Record`:

* ``source``: the display string of the Result (a path as given, or the URI without its
  credentials, see :func:`redact._result.safe_source`);
* ``prefix``: the pointer segments of the document in the source (``("runs", run_id)``);
* ``document``: the JSON-like value to scan;
* ``lines``: for file sources, a function from full pointers to 1-based lines (None for
  stores: their Results have no line).

Planning (:func:`plan`) turns a source into *tasks*: picklable zero-argument callables,
each returning an iterable of Records (a file, a range of runs, an experiment). Serial
scans run them in order; ``jobs > 1`` runs them in a process pool. Either way memory holds
one task's current page of documents plus the findings, never the whole store.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import importlib
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from redact._finding import Finding
from redact._result import Result, safe_source, sort_results
from redact._yaml import Loc, line_of
from redact.errors import InputError
from redact.leaves import Segment, split_pointer

__all__ = [
    "Record",
    "Task",
    "Planner",
    "LineLookup",
    "LocLines",
    "register",
    "schemes",
    "plan",
    "iter_records",
    "scan_records",
    "collect_sources",
    "Progress",
]

LineLookup = Callable[[Sequence[str]], Mapping[str, int]]
"""``lines(pointers) -> {pointer: line}`` for the records of one file."""


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a source: scan ``document`` under ``prefix``; report as ``source``."""

    source: str
    prefix: tuple[Segment, ...]
    document: Any
    lines: LineLookup | None = None


Task = Callable[[], Iterable[Record]]
"""A picklable unit of work (a ``functools.partial`` of a module-level function)."""

Planner = Callable[[str, int], Iterator[Task]]
"""``planner(source, parts) -> tasks``; ``parts`` > 1 asks for that many-ish pieces."""


class LocLines:
    """A :data:`LineLookup` over a ``{loc: line}`` map (locs as in :mod:`redact._yaml`):
    the line of the deepest known node on each pointer, else ``default``."""

    __slots__ = ("locs", "default")

    def __init__(self, locs: dict[Loc, int], default: int = 1) -> None:
        self.locs = locs
        self.default = default

    def __call__(self, pointers: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in pointers:
            try:
                segments = split_pointer(p)
            except ValueError:
                out[p] = self.default
                continue
            loc: tuple[int | str, ...] = ()
            for seg in segments:
                if seg.isdigit() and (*loc, int(seg)) in self.locs:
                    loc = (*loc, int(seg))
                elif (*loc, seg) in self.locs:
                    loc = (*loc, seg)
                else:
                    break
            out[p] = line_of(self.locs, loc) or self.default
        return out


# ---------------------------------------------------------------------------- registry
# scheme -> planner, or "module:function" imported on first use (keeps `redact scan
# file.json` from importing SQLAlchemy or MLflow)
_SCHEMES: dict[str, Planner | str] = {
    "sqlite": "redact.stores.mlflow_sql:plan",
    "postgresql": "redact.stores.mlflow_sql:plan",
    "postgres": "redact.stores.mlflow_sql:plan",
    "mysql": "redact.stores.mlflow_sql:plan",
    "mssql": "redact.stores.mlflow_sql:plan",
    "http": "redact.stores.mlflow_rest:plan",
    "https": "redact.stores.mlflow_rest:plan",
    "file": "redact.stores.mlflow_files:plan_uri",
}
_PATHS = "redact.stores.files:plan"


def register(scheme: str, planner: Planner | str) -> None:
    """Read URIs of ``scheme`` (lower case, without a ``+driver`` part) with ``planner``."""
    _SCHEMES[scheme.lower()] = planner


def schemes() -> list[str]:
    return sorted(_SCHEMES)


def _resolve(planner: Planner | str) -> Planner:
    if isinstance(planner, str):
        module, _, name = planner.partition(":")
        found: Planner = getattr(importlib.import_module(module), name)
        return found
    return planner


def scheme_of(source: str) -> str | None:
    """``postgresql+psycopg2://...`` -> ``postgresql``; a plain path -> None. A
    ``redact+`` prefix (the MLflow plugin's URIs) names the store behind it."""
    if "://" not in source:
        return None
    scheme = source.split("://", 1)[0].lower()
    if scheme.startswith("redact+"):
        scheme = scheme[len("redact+") :]
    return scheme.split("+", 1)[0]


def plan(source: str | os.PathLike[str], parts: int = 1) -> Iterator[Task]:
    """The tasks that read ``source``, lazily (a folder is walked as they are consumed)."""
    text = os.fspath(source)
    scheme = scheme_of(text)
    if scheme is None:
        return _resolve(_PATHS)(text, parts)
    planner = _SCHEMES.get(scheme)
    if planner is None:
        known = ", ".join(f"{s}://" for s in sorted(_SCHEMES))
        raise InputError(f"{safe_source(text)}: unsupported source (a path, or one of {known})")
    uri = text[len("redact+") :] if text.lower().startswith("redact+") else text
    return _resolve(planner)(uri, parts)


def iter_records(source: str | os.PathLike[str]) -> Iterator[Record]:
    """Every Record of ``source``, streamed."""
    for task in plan(source):
        yield from task()


# ---------------------------------------------------------------------------- scanning
def scan_records(records: Iterable[Record], scanner: Any, counter: list[int] | None = None) -> list[Result]:
    """Scan ``records`` into (unsorted) Results. Lines are computed once per run of
    consecutive records that share a ``lines`` function (one file), only when it has
    findings. ``counter[0]`` counts records, ``counter[1]`` findings, as they go."""
    out: list[Result] = []
    pending: list[tuple[str, Finding]] = []
    group: LineLookup | None = None

    def flush() -> None:
        if pending and group is not None:
            lines = group([f.pointer for _, f in pending])
            out.extend(Result.from_finding(src, f, lines.get(f.pointer)) for src, f in pending)
        pending.clear()

    for rec in records:
        if rec.lines is not group:
            flush()
            group = rec.lines
        found = scanner.scan(rec.document, rec.prefix)
        if counter is not None:
            counter[0] += 1
            counter[1] += len(found)
        if not found:
            continue
        if rec.lines is None:
            out.extend(Result.from_finding(rec.source, f, None) for f in found)
        else:
            pending.extend((rec.source, f) for f in found)
    flush()
    return out


class Progress:
    """``\\r``-updated counters on a TTY (records and findings), at most 10 times a second;
    silent when disabled. Never shows values."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.records = 0
        self.findings = 0
        self.tasks = 0
        self.source = ""
        self._last = 0.0
        self._width = 0

    def update(self, records: int = 0, findings: int = 0, tasks: int = 0, force: bool = False) -> None:
        self.records += records
        self.findings += findings
        self.tasks += tasks
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last < 0.1:
            return
        self._last = now
        text = f"redact: {self.source}: {self.records:,} records, {self.findings:,} findings"
        if self.tasks:
            text += f", {self.tasks:,} tasks done"
        if len(text) > 118:
            text = text[:117] + "…"
        pad = max(0, self._width - len(text))
        self._width = len(text)
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


class _Counted:
    """Records passed through, counted into a Progress every 256 records."""

    def __init__(self, records: Iterable[Record], progress: Progress) -> None:
        self.records = records
        self.progress = progress
        self.counter = [0, 0]

    def __iter__(self) -> Iterator[Record]:
        seen = [0, 0]
        for i, rec in enumerate(self.records, 1):
            yield rec
            if i % 256 == 0:
                self.progress.update(self.counter[0] - seen[0], self.counter[1] - seen[1])
                seen = list(self.counter)
        self.progress.update(self.counter[0] - seen[0], self.counter[1] - seen[1])


# ---------------------------------------------------------------------------- processes
_worker_scanner: Any = None


def _init_worker(scanner: Any, policy: Any) -> None:
    global _worker_scanner
    if scanner is None:
        from redact._build import get_scanner

        scanner = get_scanner(policy)
    _worker_scanner = scanner


def _run_task(task: Task) -> tuple[list[Result], int]:
    counter = [0, 0]
    return scan_records(task(), _worker_scanner, counter), counter[0]


def _parts_for(jobs: int) -> int:
    return 1 if jobs <= 1 else jobs * 4


def collect_sources(
    sources: Sequence[str | os.PathLike[str]],
    scanner: Any,
    *,
    jobs: int = 1,
    progress: bool = False,
    policy: Any = None,
) -> list[Result]:
    """Scan every source into sorted, de-duplicated Results.

    ``jobs`` > 1 scans tasks in that many processes. Where ``fork`` is available the
    workers inherit ``scanner``; elsewhere each builds ``get_scanner(policy)``, so pass
    the policy ``scanner`` was built from. ``progress`` writes counters to stderr.
    """
    bar = Progress(progress)
    results: list[Result] = []
    try:
        if jobs <= 1:
            for source in sources:
                bar.source = safe_source(os.fspath(source))
                for task in plan(source):
                    counted = _Counted(task(), bar)
                    results.extend(scan_records(counted, scanner, counted.counter))
        else:
            results = _collect_parallel(sources, scanner, jobs, policy, bar)
    finally:
        bar.close()
    return sort_results(set(results))


def _collect_parallel(
    sources: Sequence[str | os.PathLike[str]], scanner: Any, jobs: int, policy: Any, bar: Progress
) -> list[Result]:
    fork = "fork" in multiprocessing.get_all_start_methods()
    # fork: the workers inherit the built scanner; spawn: each builds it from the policy
    ctx: Any = multiprocessing.get_context("fork" if fork else "spawn")
    initargs: tuple[Any, Any] = (scanner, None) if fork else (None, policy)
    results: list[Result] = []
    window = jobs * 4
    pool = cf.ProcessPoolExecutor(
        max_workers=jobs, mp_context=ctx, initializer=_init_worker, initargs=initargs
    )
    with pool as ex:
        pending: set[cf.Future[tuple[list[Result], int]]] = set()

        def drain(block_until: int) -> None:
            nonlocal pending
            while len(pending) > block_until:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    found, records = fut.result()  # re-raises the worker's error
                    results.extend(found)
                    bar.update(records, len(found), 1)

        try:
            for source in sources:
                bar.source = safe_source(os.fspath(source))
                for task in plan(source, _parts_for(jobs)):
                    pending.add(ex.submit(_run_task, task))
                    drain(window)
            drain(0)
        except BaseException:
            for fut in pending:
                fut.cancel()
            raise
    return results


def static_records(records: tuple[Record, ...]) -> Iterable[Record]:
    """A task body that returns records made at planning time (picklable with partial)."""
    return records


def static_task(records: Iterable[Record]) -> Task:
    return functools.partial(static_records, tuple(records))
