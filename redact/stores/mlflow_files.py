"""MLflow file stores (``mlruns`` folders, ``file://`` tracking URIs) read as runs.

Layout (MLflow 2.x and 3.x; read without importing MLflow)::

    mlruns/<experiment_id>/meta.yaml                 name, artifact_location
    mlruns/<experiment_id>/tags/<key>                experiment tags (one file each)
    mlruns/<experiment_id>/<run_id>/meta.yaml        run_name, user_id, artifact_uri, ...
    mlruns/<experiment_id>/<run_id>/params/<key>     (a key with ``/`` is a subfolder)
    mlruns/<experiment_id>/<run_id>/tags/<key>
    mlruns/<experiment_id>/<run_id>/inputs/<id>/meta.yaml    -> datasets/<source_id>/meta.yaml
    mlruns/<experiment_id>/models/<model_id>/...     logged models (MLflow 3): meta, params, tags
    mlruns/.trash/<experiment_id>/...                deleted experiments (and their runs)
    mlruns/models/<name>/meta.yaml, tags/, version-<n>/meta.yaml, version-<n>/tags/

Documents and pointers are those of the SQL store (:mod:`redact.stores.mlflow_sql`):
``/experiments/<id>/{name,artifact_location,tags/<key>}``,
``/runs/<run_id>/{name,user_id,source_name,entry_point_name,source_version,artifact_uri}``,
``/runs/<run_id>/params/<key>``, ``/runs/<run_id>/tags/<key>``,
``/runs/<run_id>/inputs/<i>/{name,digest,source_type,source,schema,profile,tags/<key>}``
(inputs sorted by dataset name, digest and source),
``/logged_models/<model_id>/{name,artifact_location,model_type,status_message,params/..,tags/..}``,
``/registered_models/<name>/{name,description,tags/<key>}`` and
``/registered_models/<name>/versions/<v>/{source,storage_location,description,run_link,user_id,status_message,tags/<key>}``
(``/workspaces/<ws>/registered_models/...`` outside the default workspace). Text
artifacts stored inside the store (``<run>/artifacts/``) are read by
:mod:`redact.stores.mlflow_artifacts` (``/runs/<run_id>/artifacts/<path>/<inside>``).
Metrics are numbers and are not read.
"""

from __future__ import annotations

import functools
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from redact._yaml import _Loader
from redact.errors import InputError
from redact.leaves import Segment
from redact.stores.base import Record, Task
from redact.stores.mlflow_artifacts import artifact_records

__all__ = ["store_kind", "plan_uri", "plan_path", "read_kv_dir"]

_NOT_RUNS = frozenset({"tags", "datasets", "models", "traces", "artifacts", "metrics", "params", "inputs"})
_RUN_FIELDS = ("name", "user_id", "source_name", "entry_point_name", "source_version", "artifact_uri")
_VERSION_FIELDS = ("source", "storage_location", "description", "run_link", "user_id", "status_message")
_CHUNK = 128  # runs per task when the scan runs in several processes


def _meta(path: Path) -> dict[str, Any] | None:
    """A ``meta.yaml`` as a mapping; None when absent; InputError when malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(f"{path}:{mark.line + 1 if mark else '?'}: invalid YAML") from None
    return data if isinstance(data, dict) else None


def _is_experiment(meta: dict[str, Any] | None) -> bool:
    return meta is not None and "experiment_id" in meta and "name" in meta and "run_id" not in meta


def _is_run(meta: dict[str, Any] | None) -> bool:
    return meta is not None and ("run_id" in meta or "run_uuid" in meta)


def store_kind(folder: Path) -> str | None:
    """``"root"`` (an mlruns folder), ``"experiment"``, ``"run"``, or None."""
    meta_file = folder / "meta.yaml"
    if meta_file.is_file():
        try:
            meta = _meta(meta_file)
        except InputError:
            return None
        if _is_run(meta) and "experiment_id" in (meta or {}):
            return "run"
        if _is_experiment(meta):
            return "experiment"
        return None
    try:
        children = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return None
    for entry in children:
        if not entry.is_dir(follow_symlinks=False):
            continue
        if entry.name == ".trash":
            return "root"
        child_meta = Path(entry.path) / "meta.yaml"
        if child_meta.is_file():
            try:
                meta = _meta(child_meta)
            except InputError:
                continue
            if _is_experiment(meta) and str((meta or {}).get("experiment_id")) == entry.name:
                return "root"
    return None


def _uri_path(uri: str) -> Path:
    parts = urllib.parse.urlsplit(uri)
    if parts.netloc not in ("", "localhost"):
        raise InputError(f"{uri}: a file: URI must name a local folder")
    return Path(urllib.request.url2pathname(parts.path))


def plan_uri(uri: str, parts: int = 1) -> Iterator[Task]:
    """``file:///path/to/mlruns`` (an MLflow file store tracking URI)."""
    path = _uri_path(uri)
    if not path.is_dir():
        raise InputError(f"{uri}: no such folder")
    yield from plan_path(path, uri, parts, store_kind(path) or "root")


def plan_path(folder: Path, display: str, parts: int = 1, kind: str = "root") -> Iterator[Task]:
    """Tasks that read the store (or the one experiment, or the one run) at ``folder``."""
    if kind == "run":
        yield functools.partial(_runs_task, display, str(folder.parent), (folder.name,))
        return
    if kind == "experiment":
        yield from _plan_experiment(folder, display, parts)
        return
    for base in (folder, folder / ".trash"):
        if not base.is_dir():
            continue
        for entry in sorted(os.scandir(base), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False) and entry.name not in (".trash", "models"):
                exp = Path(entry.path)
                if _is_experiment(_meta(exp / "meta.yaml")):
                    yield from _plan_experiment(exp, display, parts)
    if (folder / "models").is_dir():
        yield functools.partial(_registry_task, display, str(folder / "models"))


def _run_dirs(exp: Path) -> Iterator[str]:
    for entry in sorted(os.scandir(exp), key=lambda e: e.name):
        if (
            entry.name not in _NOT_RUNS
            and entry.is_dir(follow_symlinks=False)
            and os.path.isfile(os.path.join(entry.path, "meta.yaml"))
        ):
            yield entry.name


def _plan_experiment(exp: Path, display: str, parts: int) -> Iterator[Task]:
    yield functools.partial(_experiment_task, display, str(exp))
    if parts <= 1:
        yield functools.partial(_runs_task, display, str(exp), None)
        return
    chunk: list[str] = []
    for name in _run_dirs(exp):
        chunk.append(name)
        if len(chunk) >= _CHUNK:
            yield functools.partial(_runs_task, display, str(exp), tuple(chunk))
            chunk = []
    if chunk:
        yield functools.partial(_runs_task, display, str(exp), tuple(chunk))


# ---------------------------------------------------------------------------- reading
def read_kv_dir(folder: Path) -> dict[str, str]:
    """``params/`` or ``tags/``: one file per key (keys with ``/`` are subfolders)."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            f = Path(dirpath) / name
            key = f.relative_to(folder).as_posix()
            try:
                out[key] = f.read_bytes().decode("utf-8", "replace")
            except OSError as exc:
                raise InputError(f"{f}: cannot read: {exc.strerror}") from None
    return out


def _fields(
    meta: dict[str, Any], names: tuple[str, ...], rename: dict[str, str] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        value = meta.get((rename or {}).get(name, name))
        if value is not None and value != "":
            out[name] = value if isinstance(value, (str, int)) else str(value)
    return out


def _experiment_task(display: str, exp_text: str) -> Iterator[Record]:
    """The experiment's own record, then its logged models."""
    exp = Path(exp_text)
    meta = _meta(exp / "meta.yaml") or {}
    exp_id = str(meta.get("experiment_id", exp.name))
    tags = dict(meta.get("tags") or {}) if isinstance(meta.get("tags"), dict) else {}
    tags.update(read_kv_dir(exp / "tags"))
    doc = _fields(meta, ("name", "artifact_location"))
    doc["tags"] = tags
    yield Record(display, ("experiments", exp_id), doc, experiment=exp_id)
    models = exp / "models"
    if models.is_dir():
        for entry in sorted(os.scandir(models), key=lambda e: e.name):
            m = Path(entry.path)
            mmeta = _meta(m / "meta.yaml")
            if not mmeta:
                continue
            mdoc = _fields(mmeta, ("name", "artifact_location", "model_type", "status_message"))
            mdoc["params"] = read_kv_dir(m / "params")
            mdoc["tags"] = read_kv_dir(m / "tags")
            yield Record(display, ("logged_models", str(mmeta.get("model_id", m.name))), mdoc)


def _runs_task(display: str, exp_text: str, names: tuple[str, ...] | None) -> Iterator[Record]:
    """One record per run folder of the experiment (all of them, or ``names``)."""
    exp = Path(exp_text)
    datasets: dict[str, dict[str, Any] | None] = {}
    for name in names if names is not None else _run_dirs(exp):
        run = exp / name
        meta = _meta(run / "meta.yaml")
        if not _is_run(meta):
            continue
        assert meta is not None
        run_id = str(meta.get("run_id") or meta.get("run_uuid") or name)
        doc = _fields(meta, _RUN_FIELDS, {"name": "run_name"})
        doc["params"] = read_kv_dir(run / "params")
        doc["tags"] = read_kv_dir(run / "tags")
        inputs = _inputs(run, exp, datasets)
        if inputs:
            doc["inputs"] = inputs
        yield Record(display, ("runs", run_id), doc, experiment=str(meta.get("experiment_id") or exp.name))
        if (run / "artifacts").is_dir():  # a run's text artifacts stored inside the store
            yield from artifact_records(display, run / "artifacts", run_id)


def _dataset(exp: Path, dataset_id: str, cache: dict[str, dict[str, Any] | None]) -> dict[str, Any] | None:
    if dataset_id not in cache:
        if len(cache) > 4096:
            cache.clear()
        meta = _meta(exp / "datasets" / dataset_id / "meta.yaml")
        cache[dataset_id] = (
            _fields(meta, ("name", "digest", "source_type", "source", "schema", "profile")) if meta else None
        )
    return cache[dataset_id]


def _inputs(run: Path, exp: Path, cache: dict[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    folder = run / "inputs"
    if not folder.is_dir():
        return []
    out: list[dict[str, Any]] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        meta = _meta(Path(entry.path) / "meta.yaml")
        if not meta or meta.get("source_type", "DATASET") != "DATASET":
            continue
        ds = _dataset(exp, str(meta.get("source_id")), cache)
        item = dict(ds) if ds else {}
        tags = meta.get("tags")
        item["tags"] = {str(k): v for k, v in tags.items()} if isinstance(tags, dict) else {}
        out.append(item)
    out.sort(key=input_order)
    return out


def input_order(item: dict[str, Any]) -> tuple[str, str, str]:
    """The order of a run's dataset inputs in every MLflow reader: name, digest, source."""
    return (str(item.get("name", "")), str(item.get("digest", "")), str(item.get("source", "")))


def model_prefix(name: str, workspace: Any) -> tuple[Segment, ...]:
    if workspace in (None, "", "default"):
        return ("registered_models", name)
    return ("workspaces", str(workspace), "registered_models", name)


def _registry_task(display: str, models_text: str) -> Iterator[Record]:
    models = Path(models_text)
    for entry in sorted(os.scandir(models), key=lambda e: e.name):
        folder = Path(entry.path)
        meta = _meta(folder / "meta.yaml")
        if not meta:
            continue
        prefix = model_prefix(str(meta.get("name", folder.name)), meta.get("workspace"))
        doc = _fields(meta, ("name", "description"))
        doc["tags"] = read_kv_dir(folder / "tags")
        yield Record(display, prefix, doc)
        for ventry in sorted(os.scandir(folder), key=lambda e: e.name):
            if not ventry.name.startswith("version-"):
                continue
            vmeta = _meta(Path(ventry.path) / "meta.yaml")
            if not vmeta:
                continue
            vdoc = _fields(vmeta, _VERSION_FIELDS)
            vdoc["tags"] = read_kv_dir(Path(ventry.path) / "tags")
            version = str(vmeta.get("version", ventry.name[len("version-") :]))
            yield Record(display, (*prefix, "versions", version), vdoc)
