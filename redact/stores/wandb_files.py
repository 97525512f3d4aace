"""W&B run folders (``wandb/run-<time>-<id>/``, ``wandb/offline-run-<time>-<id>/``) read as runs.

What a run folder holds, and where it is reported (``<id>`` is the run id)::

    run-<id>.wandb            the transaction log: run fields, config, summary, history,
                              environment (metadata), console output, alerts
    files/config.yaml         config (``{key: {desc, value}}``)          /runs/<id>/config/...
    files/wandb-summary.json  summary                                    /runs/<id>/summary/...
    files/wandb-metadata.json metadata (host, program, args, git, ...)   /runs/<id>/metadata/...
    files/wandb-history.jsonl history rows (older W&B)                   /runs/<id>/history/<step>/...
    files/output.log          console output                             /runs/<id>/output/<i>
    logs/*.log                debug logs, as text lines                  /runs/<id>/logs/<file>/<i>

The log is decoded with W&B's own reader (``wandb.sdk.internal.datastore``) where this
W&B version has one, else with the LevelDB-style framing it writes (7-byte ``:W&B``
header, 32 KiB blocks of CRC-32-checked chunks), and ``wandb.proto``'s ``Record``
messages. From the log: ``/runs/<id>/{name,notes,group,job_type,host,entity,project,
sweep_id}``, ``/runs/<id>/tags/<i>``, ``/runs/<id>/git/{remote_url,commit}``,
``/runs/<id>/config/<key>...`` and ``/runs/<id>/summary/<key>...`` (their final state),
``/runs/<id>/history/<step>/<key>...`` (one record per step, streamed),
``/runs/<id>/metadata/...`` (environment records), ``/runs/<id>/output/<i>`` and
``/runs/<id>/alerts/<i>/{title,text}``. Without wandb installed only the files and logs
are read (a warning says so). W&B's own ``_wandb`` config/summary key is not scanned.
Symlinked logs (``logs/debug-core.log`` points into a cache shared by all runs) are not
followed. Media, tables, code and artifacts are files, not metadata, and are not read.
"""

from __future__ import annotations

import functools
import json
import struct
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from redact._yaml import _Loader
from redact.errors import InputError
from redact.stores.base import Record, Task

__all__ = ["is_run_dir", "plan_run", "read_run", "read_log_file", "log_payloads"]

_BLOCK = 32768
_HEADER = 7
_FULL, _FIRST, _MIDDLE, _LAST = 1, 2, 3, 4
_INTERNAL = "_wandb"


def is_run_dir(folder: Path) -> bool:
    """A W&B run folder: ``run-*``/``offline-run-*`` holding a ``.wandb`` log, ``files/``
    or ``logs/``."""
    name = folder.name
    if not (name.startswith("run-") or name.startswith("offline-run-")) or not folder.is_dir():
        return False
    return any(folder.glob("*.wandb")) or (folder / "files").is_dir() or (folder / "logs").is_dir()


def plan_run(folder: Path, display: str) -> Iterator[Task]:
    yield functools.partial(read_run, str(folder), display)


# ---------------------------------------------------------------------------- log framing
def log_payloads(path: Path) -> Iterator[bytes]:
    """The record payloads of a ``.wandb`` log, in order; a torn or corrupt tail ends it."""
    try:
        from wandb.sdk.internal import datastore  # type: ignore[attr-defined]  # W&B < 0.19
    except ImportError:
        datastore = None
    if datastore is not None:  # pragma: no cover - older W&B versions only
        ds = datastore.DataStore()
        ds.open_for_scan(str(path))
        while True:
            data = ds.scan_data()
            if data is None:
                return
            yield data
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        block = fh.read(_BLOCK)
        if block[:4] != b":W&B":
            raise InputError(f"{path}: not a W&B transaction log")
        pos = _HEADER
        pending = b""
        while block:
            while pos + _HEADER <= len(block):
                crc, length, kind = struct.unpack_from("<IHB", block, pos)
                if kind == 0 and length == 0:  # zero padding to the end of the block
                    break
                data = block[pos + _HEADER : pos + _HEADER + length]
                if len(data) < length or zlib.crc32(data, zlib.crc32(bytes([kind]))) != crc:
                    warnings.warn(
                        f"{path}: the log ends in a torn or corrupt record, read up to it", stacklevel=1
                    )
                    return
                pos += _HEADER + length
                if kind == _FULL:
                    yield data
                elif kind == _FIRST:
                    pending = data
                elif kind == _MIDDLE:
                    pending += data
                elif kind == _LAST:
                    yield pending + data
                    pending = b""
            block = fh.read(_BLOCK)
            pos = 0


# ---------------------------------------------------------------------------- decoding
def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def _put(target: dict[str, Any], keys: list[str], value: Any) -> None:
    node = target
    for k in keys[:-1]:
        child = node.get(k)
        if not isinstance(child, dict):
            child = node[k] = {}
        node = child
    node[keys[-1]] = value


def _drop(target: dict[str, Any], keys: list[str]) -> None:
    node: Any = target
    for k in keys[:-1]:
        node = node.get(k) if isinstance(node, dict) else None
    if isinstance(node, dict):
        node.pop(keys[-1], None)


def _keys(item: Any) -> list[str]:
    return [item.key] if item.key else list(item.nested_key)


class _Run:
    """What the log says about a run, accumulated until its end."""

    def __init__(self, run_id: str, display: str) -> None:
        self.run_id = run_id
        self.display = display
        self.fields: dict[str, Any] = {}
        self.config: dict[str, Any] = {}
        self.summary: dict[str, Any] = {}
        self.metadata: dict[str, Any] = {}
        self.alerts: list[dict[str, str]] = []
        self.output = 0
        self.steps = 0
        self.seen = False

    def _apply(self, target: dict[str, Any], update: Any, remove: Any = ()) -> None:
        for item in update:
            keys = _keys(item)
            if keys and keys[0] != _INTERNAL:
                _put(target, keys, _json(item.value_json))
        for item in remove:
            keys = _keys(item)
            if keys:
                _drop(target, keys)

    def feed(self, payload: bytes, pb: Any, to_dict: Any) -> Iterator[Record]:
        rec = pb.Record()
        rec.ParseFromString(payload)
        kind = rec.WhichOneof("record_type")
        self.seen = True
        if kind == "run":
            run = rec.run
            self.run_id = run.run_id or self.run_id
            for name, value in (
                ("name", run.display_name),
                ("notes", run.notes),
                ("group", run.run_group),
                ("job_type", run.job_type),
                ("host", run.host),
                ("entity", run.entity),
                ("project", run.project),
                ("sweep_id", run.sweep_id),
            ):
                if value:
                    self.fields[name] = value
            if run.tags:
                self.fields["tags"] = list(run.tags)
            if run.HasField("git"):
                git = {k: v for k, v in (("remote_url", run.git.remote_url), ("commit", run.git.commit)) if v}
                if git:
                    self.fields["git"] = git
            self._apply(self.config, run.config.update)
        elif kind == "config":
            self._apply(self.config, rec.config.update, rec.config.remove)
        elif kind == "summary":
            self._apply(self.summary, rec.summary.update, rec.summary.remove)
        elif kind == "history":
            row: dict[str, Any] = {}
            self._apply(row, rec.history.item)
            step = row.get("_step")
            if not isinstance(step, int):
                step = rec.history.step.num if rec.history.HasField("step") else self.steps
            self.steps += 1
            yield Record(self.display, ("runs", self.run_id, "history", int(step)), row)
        elif kind == "environment":
            env = to_dict(rec.environment)
            env.pop("writerId", None)
            self.metadata.update(env)
        elif kind in ("output_raw", "output"):
            line = getattr(rec, kind).line
            if line.strip():
                yield Record(self.display, ("runs", self.run_id, "output", self.output), line)
            self.output += 1
        elif kind == "alert":
            self.alerts.append({"title": rec.alert.title, "text": rec.alert.text})

    def record(self) -> Record:
        doc: dict[str, Any] = dict(self.fields)
        doc["config"] = self.config
        doc["summary"] = self.summary
        doc["metadata"] = self.metadata
        if self.alerts:
            doc["alerts"] = self.alerts
        return Record(self.display, ("runs", self.run_id), doc)


def _proto() -> tuple[Any, Any] | None:
    try:
        from google.protobuf.json_format import MessageToDict
        from wandb.proto import wandb_internal_pb2
    except ImportError:
        return None
    return wandb_internal_pb2, MessageToDict


def _read_log(path: Path, run: _Run) -> Iterator[Record]:
    proto = _proto()
    if proto is None:
        warnings.warn(
            f"{path}: wandb is not installed: the transaction log is not read (its run's files and "
            "logs are); pip install wandb to read it",
            stacklevel=2,
        )
        return
    pb, to_dict = proto
    for payload in log_payloads(path):
        try:
            yield from run.feed(payload, pb, to_dict)
        except Exception as exc:  # a record this wandb version cannot decode
            if type(exc).__name__ != "DecodeError":
                raise
            warnings.warn(f"{path}: a record could not be decoded; skipped", stacklevel=2)


def read_log_file(path: Path) -> Iterator[Record]:
    """A ``.wandb`` log given on its own: its records, reported under the log's path."""
    stem = path.stem
    run = _Run(stem[len("run-") :] if stem.startswith("run-") else stem, str(path))
    yield from _read_log(path, run)
    if run.seen:
        yield run.record()


# ---------------------------------------------------------------------------- run folders
def _load(path: Path, kind: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        if kind == "yaml":
            return yaml.load(text, Loader=_Loader)
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"{path}:{mark.line + 1 if mark else '?'}: invalid YAML") from None


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        fh = path.open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    with fh:
        for i, line in enumerate(fh):
            text = line.rstrip("\r\n")
            if text.strip():
                yield i, text


def _read_files(folder: Path, run_id: str, display: str) -> Iterator[Record]:
    base = ("runs", run_id)
    config = _load(folder / "config.yaml", "yaml")
    if isinstance(config, dict):
        doc = {
            str(k): (v["value"] if isinstance(v, dict) and "value" in v else v)
            for k, v in config.items()
            if k not in (_INTERNAL, "wandb_version")
        }
        yield Record(display, (*base, "config"), doc)
    summary = _load(folder / "wandb-summary.json", "json")
    if isinstance(summary, dict):
        summary.pop(_INTERNAL, None)
        yield Record(display, (*base, "summary"), summary)
    metadata = _load(folder / "wandb-metadata.json", "json")
    if metadata is not None:
        yield Record(display, (*base, "metadata"), metadata)
    history = folder / "wandb-history.jsonl"
    if history.is_file():
        for i, text in _text_lines(history):
            row = _json(text)
            step = row.get("_step", i) if isinstance(row, dict) else i
            yield Record(display, (*base, "history", step if isinstance(step, int) else i), row)
    output = folder / "output.log"
    if output.is_file():
        for i, text in _text_lines(output):
            yield Record(display, (*base, "output", i), text)


def read_run(folder_text: str, display: str) -> Iterator[Record]:
    """Every record of one run folder: the log (streamed), the files, the debug logs."""
    folder = Path(folder_text)
    run = _Run(folder.name.rsplit("-", 1)[-1], display)
    for log in sorted(folder.glob("*.wandb")):
        yield from _read_log(log, run)
    if run.seen:
        yield run.record()
    yield from _read_files(folder / "files", run.run_id, display)
    logs = folder / "logs"
    if logs.is_dir():
        for log in sorted(logs.glob("*.log")):
            if log.is_symlink() or not log.is_file():
                continue
            for i, text in _text_lines(log):
                yield Record(display, ("runs", run.run_id, "logs", log.name, i), text)
