"""Scan and redact Spark DataFrames with the same policy, on Spark's Arrow path.

``scan_dataframe`` returns one row per finding; ``redact_dataframe`` returns the same
DataFrame with its values redacted by the policy's actions. Both run
``DataFrame.mapInArrow``: each Python worker receives Arrow record batches and runs the
same :class:`~redact.Scanner` / :class:`~redact.Redactor` as ``redact.scan`` and
``redact.redact`` over every cell, converted to its Python form (strings, ``dict`` for
maps and structs, ``list`` for arrays). A cell is scanned under its column name, so a
row reads exactly like the JSON document ``{"params": {...}, "config": "..."}``:
embedded JSON text, key context and map keys behave as they do everywhere else.

What travels to the executors is the policy as text (:func:`redact.policy.policy_text`:
key *references*, never keys) plus column names. Each Python worker compiles it once
(a module-level cache keyed by the hash of that text) and keeps it for every later
batch and task. Keys for ``tokenize``/``encrypt`` and the fingerprint key are read on the
executor from the environment variables or files the policy names: set them with
``spark.executorEnv.<NAME>`` (local mode: the driver's environment when the session
starts) or a secret mechanism of the platform.

Fail closed: a cell whose scan or redaction raises (a value nested deeper than the
policy's ``max_depth``, anything unexpected) is reported as a ``guard-error`` finding, or
replaced whole (strings by ``[REDACTED:guard-error]``, other types by null), and counted.
Values whose detection timed out are masked by the Redactor (``guard-timeout``). Both
are counted in the optional ``errors`` accumulator and listed in the decisions column.
Errors raised by a worker name the column and the exception type, never a value.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from redact.errors import Blocked, RedactError
from redact.leaves import context_key, escape
from redact.policy import Policy, load_policy, load_policy_text, policy_text

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa
    from pyspark import Accumulator
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType

__all__ = [
    "scan_dataframe",
    "redact_dataframe",
    "FINDING_FIELDS",
    "DECISION_FIELDS",
    "GUARD_DETECTORS",
    "FAILED_STRING",
    "SparkRedactError",
    "arrow_to_python",
    "scan_paths",
    "apply_path",
    "read_table",
    "session",
    "looks_like_master",
]

FINDING_FIELDS = (
    "column",
    "pointer",
    "category",
    "detector",
    "start",
    "end",
    "confidence",
    "fingerprint",
)
"""The columns of ``scan_dataframe``'s result after the id columns."""

DECISION_FIELDS = ("column", "pointer", "category", "detector", "action", "start", "end", "fingerprint")
"""The fields of each struct of the decisions column of ``redact_dataframe``."""

GUARD_DETECTORS = frozenset({"guard-error", "guard-timeout"})
"""Detectors that mean "this value could not be inspected" (counted as errors)."""

FAILED_STRING = "[REDACTED:guard-error]"
"""What a string cell becomes when its redaction fails."""

OnBlock = Literal["fail", "null"]


class SparkRedactError(RedactError):
    """A Spark job of redact failed: names the column and the reason, never a value."""


# ---------------------------------------------------------------------------- the job
@dataclass(frozen=True)
class _Job:
    """Everything a worker needs: picklable, no key material, no Python objects of the policy."""

    kind: Literal["scan", "redact"]
    policy_text: str
    source: str
    columns: tuple[str, ...]
    id_cols: tuple[str, ...] = ()
    decisions_col: str | None = None
    on_block: OnBlock = "fail"
    errors: Any = None  # a pyspark Accumulator[int], or None

    @property
    def cache_key(self) -> str:
        h = hashlib.sha256(f"{self.kind}\0{self.source}\0".encode())
        h.update(self.policy_text.encode())
        return h.hexdigest()


_compiled: dict[str, Any] = {}
_COMPILED_MAX = 4
"""Policies kept compiled per Python worker (each holds its engine and its memo of clean values)."""
_compiled_lock = threading.Lock()
build_counts: dict[str, int] = {}
"""How many times this process compiled each job's policy (by cache key): once."""


def _engine(job: _Job) -> Any:
    """The Scanner (scan) or Redactor (redact) of ``job``'s policy, built once per process."""
    key = job.cache_key
    hit = _compiled.get(key)
    if hit is not None:
        return hit
    with _compiled_lock:
        hit = _compiled.get(key)
        if hit is None:
            from redact._build import build_scanner
            from redact._redactor import Redactor

            policy = load_policy_text(job.policy_text, source=job.source, resolve_keys=False)
            # executors do not log an audit summary per cell: the decisions column is the record
            policy = policy.model_copy(update={"summary": "silent"})
            policy._source = job.source
            hit = build_scanner(policy) if job.kind == "scan" else Redactor(policy)
            while len(_compiled) >= _COMPILED_MAX:  # the oldest policy first
                del _compiled[next(iter(_compiled))]
            _compiled[key] = hit
            build_counts[key] = build_counts.get(key, 0) + 1
    return hit


def _policy_and_text(policy: Policy | str | Path | None, kind: str) -> tuple[str, str]:
    if policy is None:
        # as redact.scan / redact.redact: the model's defaults to scan, the built-in
        # default policy to redact
        policy = Policy() if kind == "scan" else load_policy("default", resolve_keys=False)
    elif not isinstance(policy, Policy):
        policy = load_policy(policy, resolve_keys=False)
    return policy_text(policy), policy.source or "policy"


def _pointer_in_column(pointer: str, column: str) -> str:
    prefix = "/" + escape(column)
    return pointer[len(prefix) :] if pointer.startswith(prefix) else pointer


def arrow_to_python(arr: pa.Array) -> list[Any]:
    """Python values of an Arrow array as the Scanner takes them: maps and structs as
    dicts, lists as lists, nulls as None. Equal to ``arr.to_pylist(maps_as_pydicts=
    "strict")`` (for maps without duplicate keys, which Spark forbids), an order of
    magnitude faster for maps: each child array is converted once, in one call."""
    import pyarrow.types as pt

    t = arr.type
    if pt.is_map(t) or pt.is_list(t) or pt.is_large_list(t):
        offsets = arr.offsets.to_pylist()
        valid = arr.is_valid().to_pylist() if arr.null_count else None
        if pt.is_map(t):
            keys, items = arrow_to_python(arr.keys), arrow_to_python(arr.items)
            return [
                dict(zip(keys[offsets[i] : offsets[i + 1]], items[offsets[i] : offsets[i + 1]], strict=True))
                if valid is None or valid[i]
                else None
                for i in range(len(arr))
            ]
        values = arrow_to_python(arr.values)
        return [
            values[offsets[i] : offsets[i + 1]] if valid is None or valid[i] else None
            for i in range(len(arr))
        ]
    if pt.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        columns = [arrow_to_python(child) for child in arr.flatten()]
        valid = arr.is_valid().to_pylist() if arr.null_count else None
        return (
            [
                dict(zip(names, row, strict=True)) if valid is None or valid[i] else None
                for i, row in enumerate(zip(*columns, strict=True))
            ]
            if columns
            else [({} if valid is None or valid[i] else None) for i in range(len(arr))]
        )
    return arr.to_pylist()  # type: ignore[no-any-return]


_python = arrow_to_python


def _guarded(column: str, what: str, fn: Any, *args: Any) -> Any:
    """``fn(*args)``; anything but our own errors becomes a SparkRedactError that names the
    column and the exception type only (Arrow and Python messages may quote values)."""
    try:
        return fn(*args)
    except RedactError:
        raise
    except Exception as exc:
        raise SparkRedactError(
            f"redact.spark: {what} of column {column!r} failed: {type(exc).__name__}"
        ) from None


# ---------------------------------------------------------------------------- scan
def _scan_cell(scanner: Any, value: Any, path: tuple[str, ...]) -> list[Any] | None:
    try:
        return scanner.scan(value, path)  # type: ignore[no-any-return]
    except Exception:  # fail closed: reported as a guard-error finding of the cell
        return None


def _by_value(t: pa.DataType) -> bool:
    """Values of Arrow type ``t`` are equal exactly when their text is: strings, integers,
    booleans (not floats: ``0.0 == -0.0``; not decimals: ``1.0 == 1.00``)."""
    import pyarrow.types as pt

    return bool(pt.is_string(t) or pt.is_large_string(t) or pt.is_integer(t) or pt.is_boolean(t))


def _distinct(column: str, arr: pa.Array) -> tuple[pa.Array, list[Any]]:
    """Each value's index into the distinct values of ``arr`` (null for null) and those
    distinct values as Python objects: computed by Arrow, so repeated values are never
    converted to Python objects."""
    import pyarrow.compute as pc

    encoded = _guarded(column, "reading", pc.dictionary_encode, arr)
    return encoded.indices, _guarded(column, "reading", _python, encoded.dictionary)


def _positions(indices: pa.Array, wanted: Iterable[int]) -> list[int]:
    """Positions in ``indices`` whose value is one of ``wanted``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    hit = pc.is_in(indices, value_set=pa.array(sorted(wanted), type=indices.type))
    return pc.indices_nonzero(pc.fill_null(hit, False)).to_pylist()  # type: ignore[no-any-return]


def _scan_column(scanner: Any, column: str, arr: pa.Array) -> list[tuple[int, list[Any] | None]]:
    """(row, findings) of each cell of ``arr`` with something to report, in row order;
    findings None when the cell's scan raised.

    Equal cells of a batch are scanned once: strings and integers by value, and maps of
    them entry by entry, each distinct (key, value) pair once as the one-entry map
    ``{key: value}`` under the column. A map entry reads the same alone as among its
    siblings (its key, its value and the column name are its context), except under a
    key whose context its siblings give (:func:`redact.leaves.context_key`: ``value``
    under a ``key``/``name`` sibling): such maps are scanned whole. Arrow finds the
    distinct values and the rows that hold a reported one, so rows with nothing to
    report are never converted to Python objects."""
    import pyarrow.types as pt

    if not len(arr):
        return []
    t = arr.type
    path = (column,)
    if pt.is_map(t) and _by_value(t.key_type) and _by_value(t.item_type):
        return _scan_map_column(scanner, column, arr)
    if _by_value(t):
        indices, distinct = _distinct(column, arr)
        found: dict[int, list[Any] | None] = {}
        for i, value in enumerate(distinct):
            findings = _scan_cell(scanner, value, path)
            if findings is None or findings:
                found[i] = findings
        if not found:
            return []
        rows = _positions(indices, found)
        return [(row, found[i]) for row, i in zip(rows, indices.take(rows).to_pylist(), strict=True)]
    out: list[tuple[int, list[Any] | None]] = []
    for row, value in enumerate(_guarded(column, "reading", _python, arr)):
        if value is not None:
            findings = _scan_cell(scanner, value, path)
            if findings is None or findings:
                out.append((row, findings))
    return out


class _AnySibling(dict[str, str]):
    """A mapping holding every sibling name: ``context_key(_ANY_SIBLING, k) != k`` exactly
    when a value under ``k`` takes its context from its siblings (``{"key": ..., "value":
    ...}`` pairs), so an entry under ``k`` cannot be scanned on its own."""

    def get(self, key: Any, default: Any = None) -> str:
        return "\0"


_ANY_SIBLING = _AnySibling()


def _scan_map_column(scanner: Any, column: str, arr: pa.Array) -> list[tuple[int, list[Any] | None]]:
    """:func:`_scan_column` of a map column of strings or integers, entry by entry."""
    import bisect

    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(arr)
    offsets: list[int] = _guarded(column, "reading", lambda: arr.offsets.to_pylist())
    lo, hi = offsets[0], offsets[n]
    key_idx, keys = _distinct(column, arr.keys.slice(lo, hi - lo))
    item_idx, items = _distinct(column, arr.items.slice(lo, hi - lo))
    # one code per (key, item) pair: key index * (items + 1) + item index + 1 (0: a null item)
    width = len(items) + 1
    codes = pc.add(
        pc.multiply(key_idx.cast(pa.int64()), width),
        pc.add(pc.fill_null(item_idx.cast(pa.int64()), -1), 1),
    )
    pair_idx, pairs = _distinct(column, codes)
    path = (column,)
    found: dict[int, list[Any] | None] = {}
    for i, code in enumerate(pairs):
        item = items[code % width - 1] if code % width else None
        findings = _scan_cell(scanner, {keys[code // width]: item}, path)
        if findings is None or findings:
            found[i] = findings
    valid = arr.is_valid().to_pylist() if arr.null_count else None

    def row_of(entry: int) -> int:
        return bisect.bisect_right(offsets, lo + entry) - 1

    whole: set[int] = set()
    by_siblings = [i for i, k in enumerate(keys) if type(k) is str and context_key(_ANY_SIBLING, k) != k]
    if by_siblings:
        whole = {row_of(j) for j in _positions(key_idx, by_siblings)}
    per_row: dict[int, list[Any] | None] = {}
    if found:
        entries = _positions(pair_idx, found)
        for j, i in zip(entries, pair_idx.take(entries).to_pylist(), strict=True):
            row = row_of(j)
            if row in whole or (valid is not None and not valid[row]):
                continue
            findings = found[i]
            if findings is None or (row in per_row and per_row[row] is None):
                per_row[row] = None  # one failed entry fails the cell, as a whole-cell scan does
            else:
                per_row.setdefault(row, []).extend(findings)  # type: ignore[union-attr]
    for row in whole:
        if valid is None or valid[row]:
            cell = _guarded(column, "reading", _python, arr.slice(row, 1))[0]
            findings = _scan_cell(scanner, cell, path)
            if findings is None or findings:
                per_row[row] = findings
    return sorted(per_row.items())


def _scan_batches(job: _Job, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    scanner = _engine(job)
    names = list(job.id_cols) + list(FINDING_FIELDS)
    for batch in batches:
        rows: list[int] = []
        out: dict[str, list[Any]] = {f: [] for f in FINDING_FIELDS}
        failed = 0
        for column in job.columns:
            for row, findings in _scan_column(scanner, column, batch.column(column)):
                if findings is None:  # fail closed: the cell counts as sensitive
                    failed += 1
                    rows.append(row)
                    for f, v in zip(
                        FINDING_FIELDS, (column, "", "SECRET", "guard-error", 0, 0, 1.0, ""), strict=True
                    ):
                        out[f].append(v)
                    continue
                for fd in findings:
                    if fd.detector in GUARD_DETECTORS:
                        failed += 1
                    rows.append(row)
                    out["column"].append(column)
                    out["pointer"].append(_pointer_in_column(fd.pointer, column))
                    out["category"].append(fd.category)
                    out["detector"].append(fd.detector)
                    out["start"].append(fd.start)
                    out["end"].append(fd.end)
                    out["confidence"].append(fd.confidence)
                    out["fingerprint"].append(fd.fingerprint)
        if failed and job.errors is not None:
            job.errors.add(failed)
        if not rows:
            continue
        take = pa.array(rows, type=pa.int64())
        arrays = [batch.column(c).take(take) for c in job.id_cols]
        arrays += [
            pa.array(out["column"], pa.string()),
            pa.array(out["pointer"], pa.string()),
            pa.array(out["category"], pa.string()),
            pa.array(out["detector"], pa.string()),
            pa.array(out["start"], pa.int32()),
            pa.array(out["end"], pa.int32()),
            pa.array(out["confidence"], pa.float64()),
            pa.array(out["fingerprint"], pa.string()),
        ]
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _scan_partition(job: _Job, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield from _scan_batches(job, batches)


# ---------------------------------------------------------------------------- redact
def _failed_value(value: Any) -> Any:
    return FAILED_STRING if isinstance(value, str) else None


def _redact_cell(redactor: Any, job: _Job, column: str, value: Any) -> tuple[Any, list[tuple[Any, ...]], int]:
    """(new value, decision tuples, errors) for one cell; raises SparkRedactError on block
    when ``on_block`` is ``fail``."""
    try:
        result = redactor.redact(value, (column,))
    except Blocked as exc:
        if job.on_block == "fail":
            raise SparkRedactError(
                f"redact.spark: blocked: column {column!r} holds {exc.category} found by detector "
                f"{exc.detector!r}; nothing was written"
            ) from None
        decision = (
            column,
            _pointer_in_column(exc.pointer, column),
            exc.category,
            exc.detector,
            "block",
            0,
            0,
            "",
        )
        return None, [decision], 0
    except Exception:  # fail closed: the raw value is never forwarded
        return _failed_value(value), [(column, "", "SECRET", "guard-error", "mask", 0, 0, "")], 1
    if not result.decisions:
        return value, [], 0
    decisions = [
        (
            column,
            _pointer_in_column(d.pointer, column),
            d.category,
            d.detector,
            d.action,
            d.start,
            d.end,
            d.fingerprint,
        )
        for d in result.decisions
    ]
    errors = sum(1 for d in result.decisions if d.detector in GUARD_DETECTORS)
    return (result.value if result.changed else value), decisions, errors


def _fit(value: Any, t: pa.DataType) -> Any:
    """``value`` shaped to Arrow type ``t``; what does not fit (a masked number) is null."""
    import pyarrow as pa
    import pyarrow.types as pt

    if value is None:
        return None
    if pt.is_map(t):
        if not isinstance(value, dict):
            return None
        return {str(k): _fit(v, t.item_type) for k, v in value.items()}
    if pt.is_struct(t):
        if not isinstance(value, dict):
            return None
        return {
            t.field(i).name: _fit(value.get(t.field(i).name), t.field(i).type) for i in range(t.num_fields)
        }
    if pt.is_list(t) or pt.is_large_list(t) or pt.is_fixed_size_list(t):
        return [_fit(v, t.value_type) for v in value] if isinstance(value, list) else None
    if pt.is_string(t) or pt.is_large_string(t):
        return value if isinstance(value, str) else None
    try:
        pa.scalar(value, type=t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return None
    return value


def _to_arrow(values: list[Any], t: pa.DataType) -> pa.Array:
    import pyarrow as pa
    import pyarrow.types as pt

    if pt.is_nested(t):  # a container masked whole is a string: Arrow would split it up
        return pa.array([_fit(v, t) for v in values], type=t)
    try:
        return pa.array(values, type=t)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError, OverflowError):
        return pa.array([_fit(v, t) for v in values], type=t)


def _decision_type() -> pa.DataType:
    import pyarrow as pa

    fields = [(f, pa.int32() if f in ("start", "end") else pa.string()) for f in DECISION_FIELDS]
    return pa.list_(pa.struct(fields))


def _redact_batches(job: _Job, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    redactor = _engine(job)
    wanted = set(job.columns)
    for batch in batches:
        arrays = list(batch.columns)
        names = list(batch.schema.names)
        per_row: list[list[dict[str, Any]]] | None = (
            [[] for _ in range(batch.num_rows)] if job.decisions_col else None
        )
        failed = 0
        for i, column in enumerate(names):
            if column not in wanted:
                continue
            values = _guarded(column, "reading", _python, arrays[i])
            changed = False
            new: list[Any] = []
            for row, value in enumerate(values):
                if value is None:
                    new.append(None)
                    continue
                out, decisions, errors = _redact_cell(redactor, job, column, value)
                failed += errors
                if out is not value:
                    changed = True
                new.append(out)
                if per_row is not None and decisions:
                    per_row[row].extend(dict(zip(DECISION_FIELDS, d, strict=True)) for d in decisions)
            if changed:
                arrays[i] = _guarded(column, "writing", _to_arrow, new, arrays[i].type)
        if failed and job.errors is not None:
            job.errors.add(failed)
        if per_row is not None and job.decisions_col:
            arrays.append(pa.array(per_row, type=_decision_type()))
            names.append(job.decisions_col)
        yield pa.RecordBatch.from_arrays(arrays, names=names)


def _redact_partition(job: _Job, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    yield from _redact_batches(job, batches)


# ---------------------------------------------------------------------------- schemas
def _nullable(t: DataType) -> DataType:
    """``t`` with every level nullable (a redacted value may become null)."""
    from pyspark.sql.types import ArrayType, MapType, StructField, StructType

    if isinstance(t, StructType):
        return StructType([StructField(f.name, _nullable(f.dataType), True, f.metadata) for f in t.fields])
    if isinstance(t, ArrayType):
        return ArrayType(_nullable(t.elementType), True)
    if isinstance(t, MapType):
        return MapType(t.keyType, _nullable(t.valueType), True)
    return t


def _columns(df: DataFrame, columns: Sequence[str] | None, exclude: Sequence[str]) -> tuple[str, ...]:
    names = df.columns
    for c in (*(columns or ()), *exclude):
        if c not in names:
            raise SparkRedactError(f"redact.spark: no column {c!r} (columns: {', '.join(names)})")
    if columns is None:
        return tuple(c for c in names if c not in exclude)
    return tuple(columns)


def _map_in_arrow(df: DataFrame, fn: Any, schema: StructType) -> DataFrame:
    with warnings.catch_warnings():
        # pyspark checks its optional pandas dependency on every call and warns about
        # pandas versions it has not been tested with; mapInArrow does not use pandas
        warnings.filterwarnings("ignore", category=FutureWarning, module=r"pyspark\.")
        return df.mapInArrow(fn, schema)


# ---------------------------------------------------------------------------- public
def scan_dataframe(
    df: DataFrame,
    columns: Sequence[str] | None = None,
    *,
    id_cols: Sequence[str] = (),
    policy: Policy | str | Path | None = None,
    errors: Accumulator[int] | None = None,
) -> DataFrame:
    """One row per finding in ``df``: ``id_cols...``, then ``column``, ``pointer`` (RFC 6901,
    inside the column's value; ``""`` for the whole value), ``category``, ``detector``,
    ``start``, ``end``, ``confidence``, ``fingerprint``. Never the detected text.

    ``columns``: the columns to scan (default: every column but ``id_cols``, which are
    copied to each finding as they are: choose identifiers such as a run id). Any column
    type: strings (JSON text is scanned as JSON), maps (keys included), arrays, structs
    and nestings of them; numbers as ``redact.scan`` scans them. ``policy``: a Policy, a
    policy file or built-in name, or None (as ``redact.scan``). ``errors``: an int
    accumulator that counts cells that could not be inspected (``guard-*`` findings).
    Lazy, like any DataFrame: nothing runs before an action (``count``, ``write``...).
    """
    from pyspark.sql.types import DoubleType, IntegerType, StringType, StructField, StructType

    scanned = _columns(df, columns, id_cols)
    text, source = _policy_and_text(policy, "scan")
    job = _Job("scan", text, source, scanned, id_cols=tuple(id_cols), errors=errors)
    id_fields = [df.schema[c] for c in id_cols]
    types = {"start": IntegerType(), "end": IntegerType(), "confidence": DoubleType()}
    schema = StructType(
        [StructField(f.name, f.dataType, True) for f in id_fields]
        + [StructField(f, types.get(f, StringType()), True) for f in FINDING_FIELDS]
    )
    selected = list(dict.fromkeys((*id_cols, *scanned)))
    return _map_in_arrow(df.select(*selected), functools.partial(_scan_partition, job), schema)


def redact_dataframe(
    df: DataFrame,
    columns: Sequence[str] | None = None,
    *,
    policy: Policy | str | Path | None = None,
    decisions_col: str | None = None,
    on_block: OnBlock = "fail",
    errors: Accumulator[int] | None = None,
) -> DataFrame:
    """``df`` with the values of ``columns`` (default: all) redacted by the policy's actions.

    Same columns and types (made nullable), values changed only where the policy acts:
    masked, tokenized (keyed HMAC) or encrypted (AES-SIV bound to the pointer inside the
    column's value) deterministically, so joins and group-bys on tokenized values keep
    working. A ``drop`` removes a map entry, array item or struct field value (null); a
    number the policy masks becomes null. ``decisions_col``: add this column, an array of
    structs (:data:`DECISION_FIELDS`, never plaintext) per row.

    ``on_block``: when a ``block`` action applies, ``"fail"`` (default) fails the job with a
    :class:`SparkRedactError` naming the column, category and detector (no partial output
    is written by a failed write); ``"null"`` replaces the cell by null and records a
    ``block`` decision. Cells whose redaction raises are replaced whole (strings by
    :data:`FAILED_STRING`, others by null) and counted in ``errors`` (an int accumulator)
    together with values masked after a detection timeout.
    """
    from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

    targets = _columns(df, columns, ())
    if on_block not in ("fail", "null"):
        raise SparkRedactError(f"redact.spark: on_block is 'fail' or 'null', not {on_block!r}")
    if decisions_col is not None and decisions_col in df.columns:
        raise SparkRedactError(f"redact.spark: decisions_col {decisions_col!r} is already a column")
    text, source = _policy_and_text(policy, "redact")
    job = _Job("redact", text, source, targets, decisions_col=decisions_col, on_block=on_block, errors=errors)
    fields = [
        StructField(f.name, _nullable(f.dataType), True) if f.name in targets else f for f in df.schema.fields
    ]
    if decisions_col is not None:
        decision = StructType(
            [
                StructField(f, IntegerType() if f in ("start", "end") else StringType(), True)
                for f in DECISION_FIELDS
            ]
        )
        fields.append(StructField(decisions_col, ArrayType(decision, True), True))
    return _map_in_arrow(df, functools.partial(_redact_partition, job), StructType(fields))


# ---------------------------------------------------------------------------- command line
MASTER_PREFIXES = ("local", "spark://", "yarn", "k8s://", "mesos://", "sc://")
ID_COLUMNS = ("run_id", "run_uuid", "id")
"""Columns ``redact scan --spark`` uses as the row id in pointers, first present wins."""


def looks_like_master(value: str) -> bool:
    """True for a Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``...)."""
    return value.startswith(MASTER_PREFIXES)


@contextmanager
def session(master: str) -> Iterator[SparkSession]:
    """The active SparkSession (left running), or a new one on ``master`` (stopped after).
    Delta Lake is configured when delta-spark is installed."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    builder = (
        SparkSession.builder.master(master).appName("redact").config("spark.ui.showConsoleProgress", "false")
    )
    try:
        from delta import configure_spark_with_delta_pip

        builder = configure_spark_with_delta_pip(
            builder.config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension").config(
                "spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog"
            )
        )
    except ImportError:
        pass
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        yield spark
    finally:
        spark.stop()


def _format(path: str) -> str:
    return "delta" if (Path(path) / "_delta_log").is_dir() else "parquet"


def read_table(spark: SparkSession, path: str) -> DataFrame:
    """A Parquet file or folder, or a Delta table (a folder with ``_delta_log``). Raises
    SparkRedactError naming the path when it cannot be read (Spark's reason: no values)."""
    fmt = _format(path)
    if fmt == "delta":
        try:
            import delta  # noqa: F401
        except ImportError:
            raise SparkRedactError(f"{path} is a Delta table: install delta-spark to read it") from None
    try:
        return spark.read.format(fmt).load(path)
    except Exception as exc:  # a missing path, a file that is not Parquet
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise SparkRedactError(f"{path}: cannot read as {fmt}: {reason}") from None


def _job_error(exc: Exception) -> SparkRedactError:
    """A failed Spark job as our error: the worker's own message when it is one of ours
    (they never hold values), else the exception type only."""
    text = str(exc)
    marker = "redact.spark: "
    if marker in text:
        line = text[text.index(marker) :].splitlines()[0]
        return SparkRedactError(line.removeprefix(marker))
    return SparkRedactError(f"the Spark job failed ({type(exc).__name__})")


def scan_paths(paths: Sequence[str], policy: Policy | None, master: str) -> list[Any]:
    """``redact scan --spark``: Results for every finding in the tables at ``paths``. The
    pointer is ``/<row id>/<column>/<pointer in the value>``, the row id taken from the first
    of :data:`ID_COLUMNS` present (else the row's position in the table)."""
    from pyspark.sql import functions as F

    from redact._finding import Finding
    from redact._result import Result
    from redact.leaves import key_path, split_pointer

    results: list[Result] = []
    with session(master) as spark:
        for path in paths:
            df = read_table(spark, path)
            id_col = next((c for c in ID_COLUMNS if c in df.columns), None)
            if id_col is None:
                id_col = "_row"
                df = df.withColumn(id_col, F.monotonically_increasing_id())
            try:
                rows = scan_dataframe(
                    df, [c for c in df.columns if c != id_col], id_cols=[id_col], policy=policy
                )
                for r in rows.toLocalIterator():
                    segments = [str(r[id_col]), r.column, *split_pointer(r.pointer)]
                    finding = Finding(
                        pointer="".join("/" + escape(s) for s in segments),
                        key=key_path(segments[1:]),
                        category=r.category,
                        detector=r.detector,
                        start=r.start,
                        end=r.end,
                        confidence=r.confidence,
                        fingerprint=r.fingerprint,
                    )
                    results.append(Result(source=path, finding=finding))
            except RedactError:
                raise
            except Exception as exc:
                raise _job_error(exc) from None
    return results


def apply_path(
    src: str, out: str, policy: Policy | None, master: str
) -> list[tuple[str, str, str, str, int]]:
    """``redact apply --spark``: write a redacted copy of the table at ``src`` to ``out`` in
    the same format (Parquet or Delta; ``out`` must not exist). Returns the decisions
    counted by (column, category, detector, action). Raises SparkRedactError (``blocked:``
    when a block action applies)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    tmp = "_redact_decisions"
    with session(master) as spark:
        df = read_table(spark, src)
        try:
            redacted = redact_dataframe(df, policy=policy, decisions_col=tmp).persist(
                StorageLevel.MEMORY_AND_DISK
            )
            redacted.drop(tmp).write.format(_format(src)).mode("errorifexists").save(out)
            counts = (
                redacted.select(F.explode(tmp).alias("d"))
                .groupBy("d.column", "d.category", "d.detector", "d.action")
                .count()
                .orderBy("column", "category", "detector", "action")
                .collect()
            )
            redacted.unpersist()
        except RedactError:
            raise
        except Exception as exc:
            raise _job_error(exc) from None
    return [(r["column"], r["category"], r["detector"], r["action"], int(r["count"])) for r in counts]
