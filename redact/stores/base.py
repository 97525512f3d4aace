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
from dataclasses import dataclass, field
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
    "ScanStats",
    "Skipped",
    "Allows",
]

LineLookup = Callable[[Sequence[str]], Mapping[str, int]]
"""``lines(pointers) -> {pointer: line}`` for the records of one file."""

Allows = Mapping[int, frozenset[str]]
"""``{line: names}`` of the inline ``redact:allow`` comments of a file: an empty set allows
every finding on that line, else only those of the named detectors or categories."""


@dataclass(frozen=True, slots=True)
class Record:
    """One document of a source: scan ``document`` under ``prefix``; report as ``source``."""

    source: str
    prefix: tuple[Segment, ...]
    document: Any
    lines: LineLookup | None = None
    allows: Allows | None = None
    columns: bool = False
    experiment: str | None = None


class Skipped(InputError):
    """A file that is not read on purpose (a binary file); counted, not an error."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: skipped: {reason}")


@dataclass
class ScanStats:
    """What a scan read and could not read: ``problems`` are ``file:line: reason`` lines of
    inputs that could not be read (the scan went on); ``skipped`` counts files left out on
    purpose by reason (``binary``, ``ignored``)."""

    records: int = 0
    findings: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def merge(self, other: ScanStats) -> None:
        self.records += other.records
        self.findings += other.findings
        self.problems.extend(other.problems)
        for reason, n in other.skipped.items():
            self.skip(reason, n)


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


def plan(
    source: str | os.PathLike[str], parts: int = 1, *, select: Any = None, stats: ScanStats | None = None
) -> Iterator[Task]:
    """The tasks that read ``source``, lazily (a folder is walked as they are consumed).
    For paths, ``select`` filters the files of folders and ``stats`` counts those left out."""
    text = os.fspath(source)
    scheme = scheme_of(text)
    if scheme is None:
        return _resolve(_PATHS)(text, parts, select=select, stats=stats)  # type: ignore[call-arg]
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
def _suppressed(r: Result, allows: Allows | None) -> Result:
    if not allows or r.line is None:
        return r
    names = allows.get(r.line)
    if names is None or (names and r.detector not in names and r.category not in names):
        return r
    return r.suppress()


def scan_records(
    records: Iterable[Record], scanner: Any, counter: list[int] | None = None, stats: ScanStats | None = None
) -> list[Result]:
    """Scan ``records`` into (unsorted) Results. Lines are computed once per run of
    consecutive records that share a ``lines`` function (one file), only when it has
    findings; a finding on a line with an inline ``redact:allow`` is marked suppressed.
    ``counter[0]`` counts records, ``counter[1]`` findings, as they go.

    With ``stats``, an input that cannot be read (:class:`InputError` while reading)
    ends its source's records and is noted in ``stats.problems`` (a skipped file in
    ``stats.skipped``) instead of raised, and the records read before it are kept."""
    out: list[Result] = []
    pending: list[tuple[Record, Finding]] = []
    group: LineLookup | None = None

    def result(rec: Record, f: Finding, line: int | None) -> Result:
        column = f.start + 1 if rec.columns and line is not None else None
        return _suppressed(Result(rec.source, f, line, column, experiment=rec.experiment), rec.allows)

    def flush() -> None:
        if pending and group is not None:
            lines = group([f.pointer for _, f in pending])
            out.extend(result(rec, f, lines.get(f.pointer)) for rec, f in pending)
        pending.clear()

    it = iter(records)
    while True:
        try:
            rec = next(it)
        except StopIteration:
            break
        except Skipped as exc:  # on purpose: counted when asked, never an error
            if stats is not None:
                stats.skip(exc.reason)
            break
        except InputError as exc:
            if stats is None:
                raise
            stats.problems.append(str(exc))
            break
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
            out.extend(result(rec, f, None) for f in found)
        else:
            pending.extend((rec, f) for f in found)
    flush()
    return out


class Progress:
    """A progress bar on a terminal (rich): tasks done of the total (files, or pages of a
    store), rate, records and findings so far, elapsed time; nothing when disabled (not a
    terminal). Shows counts and the source's safe display name, never values."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.records = 0
        self.findings = 0
        self.tasks = 0
        self.source = ""
        self._bar: Any = None
        self._task: Any = None

    def start(self, source: str, total: int | None) -> None:
        """Begin (or move the bar to) ``source``, with ``total`` tasks when known."""
        self.source = source
        if not self.enabled:
            return
        if self._bar is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            console = Console(file=self.stream, force_terminal=True, stderr=self.stream is sys.stderr)
            self._bar = RichProgress(
                TextColumn("[bold]redact[/] {task.description}"),
                BarColumn(bar_width=12),
                MofNCompleteColumn(),
                TextColumn("{task.fields[counts]}"),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
                refresh_per_second=8,
            )
            self._bar.start()
        name = _escape(_shorten(source, 24))
        self._task = self._bar.add_task(name, total=total, rate="", counts=self._counts())
        self._started = time.monotonic()
        self._done = 0

    def _counts(self) -> str:
        return f"{self.records:,} records {self.findings:,} found"

    def update(self, records: int = 0, findings: int = 0, tasks: int = 0, force: bool = False) -> None:
        self.records += records
        self.findings += findings
        self.tasks += tasks
        if not self.enabled or self._bar is None or self._task is None:
            return
        self._done += tasks
        elapsed = max(time.monotonic() - self._started, 1e-6)
        rate = f"{self.records / elapsed:,.0f}/s" if self.records else ""
        self._bar.update(self._task, advance=tasks, rate=rate, counts=self._counts())
        if force:
            self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


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


def _run_task(task: Task) -> tuple[list[Result], int, ScanStats]:
    counter = [0, 0]
    stats = ScanStats()
    return scan_records(_records(task, stats), _worker_scanner, counter, stats), counter[0], stats


def _records(task: Task, stats: ScanStats | None) -> Iterable[Record]:
    """``task()``, with an input error raised when it starts read as one of its records."""
    try:
        return task()
    except InputError as exc:
        if stats is None:
            raise
        return _raising(exc)


def _raising(exc: InputError) -> Iterator[Record]:
    raise exc
    yield  # pragma: no cover


def _tasks(source: str | os.PathLike[str], parts: int, select: Any, stats: ScanStats | None) -> list[Task]:
    """Every task of ``source``, planned up front (so the progress bar has a total); an
    unreadable source is one problem in ``stats`` (raised without it)."""
    tasks: list[Task] = []
    try:
        for task in plan(source, parts, select=select, stats=stats):
            tasks.append(task)
    except InputError as exc:
        if stats is None:
            raise
        stats.problems.append(str(exc))
    return tasks


def _parts_for(jobs: int) -> int:
    return 1 if jobs <= 1 else jobs * 4


def collect_sources(
    sources: Sequence[str | os.PathLike[str]],
    scanner: Any,
    *,
    jobs: int = 1,
    progress: bool = False,
    policy: Any = None,
    stats: ScanStats | None = None,
    select: Any = None,
) -> list[Result]:
    """Scan every source into sorted, de-duplicated Results.

    ``jobs`` > 1 scans tasks in that many processes. Where ``fork`` is available the
    workers inherit ``scanner``; elsewhere each builds ``get_scanner(policy)``, so pass
    the policy ``scanner`` was built from. ``progress`` shows a bar on stderr. With
    ``stats``, unreadable inputs are noted there and the scan goes on (else the first one
    raises :class:`InputError`); ``select`` filters the files of folders
    (:class:`redact.stores.files.FileSelect`).
    """
    bar = Progress(progress)
    results: list[Result] = []
    try:
        if jobs <= 1:
            for source in sources:
                tasks = _tasks(source, 1, select, stats)
                bar.start(safe_source(os.fspath(source)), len(tasks))
                for task in tasks:
                    counted = _Counted(_records(task, stats), bar)
                    results.extend(scan_records(counted, scanner, counted.counter, stats))
                    bar.update(tasks=1)
        else:
            results = _collect_parallel(sources, scanner, jobs, policy, bar, stats, select)
    finally:
        bar.close()
    if stats is not None:
        stats.records = bar.records
        stats.findings = len(results)
    return sort_results(set(results))


def _collect_parallel(
    sources: Sequence[str | os.PathLike[str]],
    scanner: Any,
    jobs: int,
    policy: Any,
    bar: Progress,
    stats: ScanStats | None,
    select: Any,
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
        pending: set[cf.Future[tuple[list[Result], int, ScanStats]]] = set()

        def drain(block_until: int) -> None:
            nonlocal pending
            while len(pending) > block_until:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    found, records, task_stats = fut.result()  # re-raises the worker's error
                    results.extend(found)
                    if stats is not None:
                        stats.merge(task_stats)
                    elif task_stats.problems:
                        raise InputError(task_stats.problems[0])
                    bar.update(records, len(found), 1)

        try:
            for source in sources:
                tasks = _tasks(source, _parts_for(jobs), select, stats)
                bar.start(safe_source(os.fspath(source)), len(tasks))
                for task in tasks:
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
