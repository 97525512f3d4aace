"""Redact Weights & Biases run metadata before it reaches W&B's files or servers.

    from redact.integrations.wandb import install

    handle = install()                  # or install("strict"), install("team.yaml"), install(policy)
    run = wandb.init(config={...})      # config, name, notes, tags, group, job_type: redacted
    run.log({...}); run.config.update({...}); run.summary["k"] = v   # redacted
    handle.uninstall()                  # every patched attribute is put back

``install(policy=None)`` patches wandb in place (policy: a :class:`~redact.Policy`, a path,
a built-in name, or None for ``REDACT_POLICY`` from the environment, else ``default``).
The Redactor is built once, at install. Every value is redacted in the user's process,
before W&B logs it to its debug logs, writes it to the run's transaction log or sends it
to the service, at these seams (read from and tested against wandb 0.31.0):

- ``wandb.init`` (also as ``wandb.sdk.init`` and ``wandb.sdk.wandb_init.init``):
  ``config`` (a mapping whose keys are the context; a path, argparse namespace or flags
  object is first read as W&B reads it), ``name``, ``notes``, ``group``, ``job_type``
  (each as the one-key mapping ``{"name": value}``...) and ``tags`` (a list under
  ``/tags``). A ``block`` action raises before W&B starts anything.
- ``_WandbInit.make_run_settings``: the same run fields when they come from
  ``settings=`` or ``WANDB_NAME``/``WANDB_NOTES``/``WANDB_TAGS``/... instead.
- ``_WandbInit.make_run_config``: config from other sources (config files given in
  settings, a sweep's parameters, a Launch config), before ``wandb.init`` logs it.
- ``wandb_config.Config``: ``update``, ``setdefaults``, item and attribute assignment
  (``__setitem__``/``__setattr__``) and the locked updates of sweeps and Launch
  (``update_locked``, ``merge_locked``).
- ``wandb_summary.SummaryDict.update`` (the root summary and nested sub-dicts; item and
  attribute assignment go through it), with the nested keys in the pointer.
- ``Run._partial_history_callback``: every ``run.log``/``wandb.log`` dict.
- ``Run.name``, ``Run.notes`` and ``Run.tags`` setters.
- ``BoundingBoxes2D``, ``ImageMask`` and ``Classes``: an image's box captions, score
  names and class labels (the mask array and coordinates pass unchanged).
- ``Run.alert`` (and so ``wandb.alert``): the alert's ``title`` and ``text``, read as the
  mapping ``{"title": ..., "text": ...}``; a dropped one is sent empty.
- ``Artifact._add_local_file``: text files added to artifacts (``add_file``, ``new_file``,
  ``add_dir``, and so ``run.log_artifact(path)`` and ``run.log_code``) as redacted copies.
- ``Artifact.add_reference``: the reference URI, a digest that is the URI, and the entry
  path in the manifest (W&B resolves the reference with the URI as given first).
- ``wandb_run.link_or_copy_with_policy``, called by ``run.save``/``wandb.save`` for each
  file its glob matched: a text file becomes a redacted copy in the run's files folder
  (never a symlink or hardlink to the raw file), a matched folder is copied file by file,
  binary files are linked or copied as W&B does. The upload policy is kept: ``now`` uploads
  the copy made at save; ``live`` and ``end`` copies are made again from the source at
  ``Run._finish`` when it changed (so ``end`` uploads the last content, redacted; ``live``
  uploads the content at save and at finish, not the edits in between).
- ``Run._finish``, before W&B uploads the files folder: a text file the application wrote
  into ``run.dir`` itself (or a link it made there) holding a finding is replaced by its
  redacted copy; one the policy blocks or that cannot be redacted is withheld (moved to
  ``redact-withheld`` beside the files folder) and finish raises after the run ended.

A ``drop`` action removes the key (an assignment of a dropped value does nothing); a
``block`` action raises :class:`redact.errors.Blocked` and nothing is recorded; any other
failure while redacting raises (:class:`~redact.integrations.guard.RedactionFailed` for
non-redact errors), so a raw value is never forwarded. W&B's own ``_wandb`` config and
summary key is passed through untouched. A value is redacted once, where it enters:
what the ``wandb.init`` wrapper redacted is skipped by ``make_run_config`` and
``make_run_settings``, and the sweep and Launch configs that ``make_run_config`` redacted
are skipped by ``Config.merge_locked`` (a tokenized credential would be tokenized again).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
import os
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from redact._redactor import Redactor
from redact.artifacts import redact_file as redact_copy
from redact.errors import Blocked, RedactError
from redact.integrations._patch import PatchHandle, redact_argv, redact_file_name, redact_series, restore
from redact.integrations._textfiles import redact_file, redact_text
from redact.integrations.guard import RedactionFailed, redactor_for
from redact.integrations.structlog import _state as _structlog_state
from redact.integrations.structlog import in_redaction
from redact.policy import Policy

__all__ = ["Handle", "install", "installed", "redact_argv"]

PolicyLike = Policy | str | Path | None

_DROPPED = "[REDACTED:dropped]"
_INTERNAL = frozenset({"_wandb"})  # W&B's own bookkeeping key in config and summary
_RUN_FIELDS = (
    ("run_name", "name"),
    ("run_notes", "notes"),
    ("run_group", "group"),
    ("run_job_type", "job_type"),
)

_lock = threading.RLock()
_active: Handle | None = None


class _Redacted(dict[str, Any]):
    """A mapping this module has already redacted: later seams pass it on unchanged."""


@dataclasses.dataclass
class _InitScope:
    """What the ``wandb.init`` wrapper redacted, for the inner seams of the same call."""

    config: _Redacted | None = None
    settings: dict[str, Any] = dataclasses.field(default_factory=dict)


_scope: contextvars.ContextVar[_InitScope | None] = contextvars.ContextVar("redact_wandb_init", default=None)


# --------------------------------------------------------------------------- redaction
def _redact(redactor: Redactor, value: Any, path: tuple[str, ...] = ()) -> Any:
    try:
        return redactor.redact(value, path).value
    except RedactError:
        raise
    except Exception as exc:  # a fault in redaction: never forward the raw value
        raise RedactionFailed(f"redaction failed ({type(exc).__name__}); the W&B call was not made") from None


def _redact_series(redactor: Redactor, d: Mapping[Any, Any], path: tuple[str, ...] = ()) -> dict[Any, Any]:
    """A history row or summary update: keys holding a finding get stable, distinct names
    (see :func:`redact.integrations._patch.stable_name`)."""
    try:
        return redact_series(redactor, d, path)
    except RedactError:
        raise
    except Exception as exc:  # a fault in redaction: never forward the raw value
        raise RedactionFailed(f"redaction failed ({type(exc).__name__}); the W&B call was not made") from None


def _redact_items(
    redactor: Redactor, d: Mapping[Any, Any], path: tuple[str, ...] = (), keep: Iterable[str] = _INTERNAL
) -> dict[Any, Any]:
    """``d`` redacted as one mapping (its keys are the context); keys in ``keep`` pass
    through untouched; dropped keys are absent from the result."""
    kept = [k for k in keep if k in d]
    if not kept:
        return _redact_series(redactor, d, path)
    red = _redact_series(redactor, {k: v for k, v in d.items() if k not in kept}, path)
    return {k: (v if k in kept else red[k]) for k, v in d.items() if k in kept or k in red}


def _redact_field(redactor: Redactor, name: str, value: Any) -> Any:
    """A run field as the one-key mapping ``{name: value}``; None when dropped."""
    return _redact(redactor, {name: value}).get(name)


def _redact_tags(redactor: Redactor, tags: Any) -> tuple[Any, ...]:
    items = [tags] if isinstance(tags, str) else list(tags)
    return tuple(_redact(redactor, items, ("tags",)))


def _current() -> Redactor | None:
    handle = _active
    return handle._redactor if handle is not None else None


# --------------------------------------------------------------------------- wrappers
def _wrap_init(orig: Callable[..., Any], wandb_helper: ModuleType) -> Callable[..., Any]:
    sig = inspect.signature(orig)

    @functools.wraps(orig)
    def init(*args: Any, **kwargs: Any) -> Any:
        redactor = _current()
        if redactor is None:
            return orig(*args, **kwargs)
        bound = sig.bind_partial(*args, **kwargs)
        a = bound.arguments
        scope = _InitScope()
        config = a.get("config")
        if config is not None:
            data = dict(config) if isinstance(config, Mapping) else wandb_helper.parse_config(config)
            a["config"] = scope.config = _Redacted(_redact_items(redactor, data))
        for attr, field in _RUN_FIELDS:
            if a.get(field) is not None:
                a[field] = scope.settings[attr] = _redact_field(redactor, field, a[field])
        if a.get("tags") is not None:
            a["tags"] = scope.settings["run_tags"] = _redact_tags(redactor, a["tags"])
        token = _scope.set(scope)
        try:
            return orig(*bound.args, **bound.kwargs)
        finally:
            _scope.reset(token)

    return init


def _wrap_make_run_settings(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def make_run_settings(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = orig(self, *args, **kwargs)
        redactor = _current()
        if redactor is None:
            return result
        settings = result[0] if isinstance(result, tuple) else result
        done = (_scope.get() or _InitScope()).settings
        for attr, field in _RUN_FIELDS:
            value = getattr(settings, attr, None)
            if value is not None and not (attr in done and done[attr] == value):
                setattr(settings, attr, _redact_field(redactor, field, value))
        tags = getattr(settings, "run_tags", None)
        if tags is not None and not ("run_tags" in done and tuple(done["run_tags"]) == tuple(tags)):
            settings.run_tags = _redact_tags(redactor, tags)
        return result

    return make_run_settings


def _wrap_make_run_config(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def make_run_config(self: Any, *args: Any, **kwargs: Any) -> Any:
        parts = orig(self, *args, **kwargs)
        redactor = _current()
        if redactor is None:
            return parts
        scope = _scope.get()
        pre = scope.config if scope is not None else None
        base = parts.base_no_artifacts
        # keys the init wrapper has redacted already (same key, same object) stay as they are
        todo = {
            k: v
            for k, v in base.items()
            if k not in _INTERNAL and not (pre is not None and k in pre and pre[k] is v)
        }
        if todo:
            red = _redact(redactor, todo)
            new = {k: (red[k] if k in todo else v) for k, v in base.items() if k not in todo or k in red}
            base.clear()
            base.update(new)
        changes = {
            name: _Redacted(_redact_items(redactor, getattr(parts, name)))
            for name in ("sweep_no_artifacts", "launch_no_artifacts")
            if getattr(parts, name, None)
        }
        return dataclasses.replace(parts, **changes) if changes else parts

    return make_run_config


def _wrap_config_setitem(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def __setitem__(self: Any, key: Any, val: Any) -> Any:
        redactor = _current()
        if redactor is not None and not (isinstance(key, str) and key in _INTERNAL):
            red = _redact(redactor, {key: val})
            if key not in red:  # dropped: nothing is set
                return None
            val = red[key]
        return orig(self, key, val)

    return __setitem__


def _wrap_config_mapping(orig: Callable[..., Any], wandb_helper: ModuleType) -> Callable[..., Any]:
    """``update``/``setdefaults``/``update_locked``/``merge_locked``: the mapping argument."""

    @functools.wraps(orig)
    def method(self: Any, d: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = _current()
        if redactor is not None and type(d) is not _Redacted:
            data = d if isinstance(d, Mapping) else wandb_helper.parse_config(d)
            d = _Redacted(_redact_items(redactor, data))
        return orig(self, d, *args, **kwargs)

    return method


def _wrap_summary_update(orig: Callable[..., Any], sub_dict: type) -> Callable[..., Any]:
    @functools.wraps(orig)
    def update(self: Any, d: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = _current()
        if redactor is not None:
            path: list[str] = []
            node = self
            while isinstance(node, sub_dict):  # instance attributes: no round trip to W&B
                path.append(str(node.__dict__["_parent_key"]))
                node = node.__dict__["_parent"]
            path.reverse()
            d = _redact_items(redactor, d, tuple(path), keep=() if path else _INTERNAL)
        return orig(self, d, *args, **kwargs)

    return update


def _wrap_log(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def _partial_history_callback(self: Any, data: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = _current()
        if redactor is not None and data:
            data = _redact_series(redactor, data) if isinstance(data, Mapping) else _redact(redactor, data)
        return orig(self, data, *args, **kwargs)

    return _partial_history_callback


def _wrap_run_setter(prop: property, field: str) -> property:
    fset = prop.fset
    assert fset is not None

    @functools.wraps(fset)
    def setter(self: Any, value: Any) -> None:
        redactor = _current()
        if redactor is not None and value is not None:
            if field == "tags":
                value = _redact_tags(redactor, value)
            else:
                red = _redact(redactor, {field: value})
                if field not in red:  # dropped: the field keeps its value
                    return
                value = red[field]
        fset(self, value)

    return property(prop.fget, setter, prop.fdel, prop.__doc__)


def _wrap_alert(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def alert(self: Any, title: Any, text: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = _current()
        if redactor is not None:
            red = _redact(redactor, {"title": title, "text": text})
            title, text = red.get("title", ""), red.get("text", "")
        return orig(self, title, text, *args, **kwargs)

    return alert


# --------------------------------------------------------------------------- console
_CONSOLE_MAX = 64 * 1024  # a line longer than this is redacted and forwarded in parts
CONSOLE_BLOCKED = "[REDACTED:console output blocked]\n"
CONSOLE_WITHHELD = "[REDACTED:console output withheld]\n"


class _ConsoleRedactor:
    """Wraps one console callback of W&B's stdout/stderr capture: buffers the output up to
    a line end (``\n`` or ``\r``) and forwards whole lines redacted, so that a value and
    the key before it (``print("password:", pw)`` is four writes) are scanned together.
    Never raises (W&B would log the failing chunk to its debug log)."""

    def __init__(self, callback: Callable[[Any], Any], stream: str) -> None:
        self.callback = callback
        self.stream = stream
        self._buf = ""
        self._bytes = False
        self._lock = threading.RLock()

    def __call__(self, data: Any) -> Any:
        if in_redaction():  # redaction's own audit events: no plaintext
            return self.callback(data)
        redactor = _current()
        with self._lock:
            self._bytes = isinstance(data, bytes)
            text = data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data)
            if redactor is None and not self._buf:
                return self.callback(data)
            self._buf += text
            cut = max(self._buf.rfind("\n"), self._buf.rfind("\r"))
            if cut < 0 and len(self._buf) < _CONSOLE_MAX and redactor is not None:
                return None
            end = len(self._buf) if cut < 0 or redactor is None else cut + 1
            out, self._buf = self._buf[:end], self._buf[end:]
            return self._emit(redactor, out)

    def flush(self) -> None:
        with self._lock:
            if self._buf:
                out, self._buf = self._buf, ""
                self._emit(_current(), out)

    def _emit(self, redactor: Redactor | None, text: str) -> Any:
        if redactor is not None:
            _structlog_state.active = True
            try:
                text = redact_text(redactor, text, self.stream)
            except Blocked:
                text = CONSOLE_BLOCKED
            except Exception:  # fail closed
                text = CONSOLE_WITHHELD
            finally:
                _structlog_state.active = False
        try:
            return self.callback(text.encode("utf-8") if self._bytes else text)
        except Exception:
            return None


def _wrap_redirect_init(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``RedirectBase.__init__``: every capture mode (wrap_raw, wrap_emu, redirect) hands
    its callbacks (the run's console callback, the ``output.log`` writer) to it."""

    @functools.wraps(orig)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        orig(self, *args, **kwargs)
        if _current() is not None:
            self.cbs = [
                cb if isinstance(cb, _ConsoleRedactor) else _ConsoleRedactor(cb, str(self.src))
                for cb in self.cbs
            ]

    return __init__


def _wrap_restore(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Run._restore``: when capture stops, the last partial line is forwarded too."""

    @functools.wraps(orig)
    def _restore(self: Any) -> Any:
        result = orig(self)
        _flush_console(self)
        return result

    return _restore


def _wrap_finish(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Run._finish``: a last partial line is forwarded while the run still accepts it."""

    @functools.wraps(orig)
    def _finish(self: Any, *args: Any, **kwargs: Any) -> Any:
        withheld: list[Exception] = []
        if not getattr(self, "_is_finished", True):
            _flush_console(self)
            files_dir = getattr(getattr(self, "_settings", None), "files_dir", None)
            _refresh_saved(files_dir)
            withheld = _redact_run_dir(files_dir)
        result = orig(self, *args, **kwargs)
        if withheld:  # the run is finished without those files: now say why
            raise withheld[0]
        return result

    return _finish


def _flush_console(run: Any) -> None:
    for redir in (getattr(run, "_out_redir", None), getattr(run, "_err_redir", None)):
        for cb in getattr(redir, "cbs", None) or ():
            if isinstance(cb, _ConsoleRedactor):
                cb.flush()


def _wrap_write_logs(orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def write_logs(self: Any, text: str) -> Any:
        redactor = _current()
        if redactor is not None and isinstance(text, str):
            try:
                text = redact_text(redactor, text, "logs")
            except Blocked:
                text = CONSOLE_BLOCKED
            except Exception:
                text = CONSOLE_WITHHELD
        return orig(self, text)

    return write_logs


# --------------------------------------------------------------------------- run metadata
_PROGRAM_FIELDS = ("program", "program_relpath", "program_abspath", "_code_path_local", "git_remote_url")


def _wrap_to_proto(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Settings.to_proto``: what the W&B service records as run metadata (``args``,
    ``program``, the git remote) is redacted in the message it receives."""

    @functools.wraps(orig)
    def to_proto(self: Any) -> Any:
        proto = orig(self)
        redactor = _current()
        if redactor is None:
            return proto
        args = list(proto._args.value)
        if args:
            red = redact_argv(redactor, args)
            if red != args:
                del proto._args.value[:]
                proto._args.value.extend(red)
        for name in _PROGRAM_FIELDS:
            if proto.HasField(name):
                field = getattr(proto, name)
                value = _redact_field(redactor, name, field.value)
                field.value = value if value is not None else "[REDACTED:dropped]"
        return proto

    return to_proto


# --------------------------------------------------------------------------- media and artifacts
def _wrap_table_json(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Table._to_table_json``: the rows W&B writes (run media file and artifact entry);
    each cell with its column name as the key context; media cells pass unchanged."""

    @functools.wraps(orig)
    def _to_table_json(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = orig(self, *args, **kwargs)
        redactor = _current()
        if redactor is None or not isinstance(result, dict):
            return result
        columns = [str(c) for c in result.get("columns") or []]
        red_columns = [_redact_field(redactor, "column", c) or "[REDACTED:dropped]" for c in columns]
        rows = []
        for row in result.get("data") or []:
            new = list(row)
            for j, cell in enumerate(new):
                if isinstance(cell, (str, int, list, dict, tuple)) and not isinstance(cell, bool):
                    key = columns[j] if j < len(columns) else "cell"
                    red = _redact(redactor, {key: cell})
                    new[j] = red.get(key, next(iter(red.values()), "[REDACTED:dropped]"))
            rows.append(new)
        out = {
            **result,
            "columns": red_columns if red_columns != columns else result["columns"],
            "data": rows,
        }
        if isinstance(result.get("column_types"), dict):
            # the types W&B inferred from the raw cells name a dict cell's keys
            types = _redact(redactor, {"column_types": result["column_types"]})
            out["column_types"] = types.get("column_types", {})
        return out

    return _to_table_json


def _wrap_html_init(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Html.__init__``: the page text is redacted before W&B writes its media file."""

    @functools.wraps(orig)
    def __init__(self: Any, data: Any, inject: bool = True, data_is_not_path: bool = False) -> None:
        redactor = _current()
        if redactor is None:
            orig(self, data, inject, data_is_not_path)
            return
        if isinstance(data, (str, Path)) and not data_is_not_path and os.path.isfile(data):
            if os.path.splitext(data)[1] == ".html":
                data = Path(data).read_text(encoding="utf-8")
        elif hasattr(data, "read"):
            if hasattr(data, "seek"):
                data.seek(0)
            data = data.read()
        if isinstance(data, str):
            try:
                data = redact_text(redactor, data, "html")
            except RedactError:
                raise
            except Exception as exc:
                raise RedactionFailed(
                    f"redaction failed ({type(exc).__name__}); the W&B call was not made"
                ) from None
            data_is_not_path = True
        orig(self, data, inject, data_is_not_path)

    return __init__


def _wrap_media_init(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Media.__init__``: the caption of every media object (images, audio, video...)."""

    @functools.wraps(orig)
    def __init__(self: Any, caption: Any = None, *args: Any, **kwargs: Any) -> None:
        redactor = _current()
        if redactor is not None and isinstance(caption, str):
            caption = _redact_field(redactor, "caption", caption)
        orig(self, caption, *args, **kwargs)

    return __init__


def _wrap_labels(orig: Callable[..., Any], fields: tuple[str, ...]) -> Callable[..., Any]:
    """``BoundingBoxes2D.__init__`` / ``ImageMask.__init__``: the text parts of an image's
    box or mask set (``fields`` of its ``val`` mapping: box captions, score names, class
    labels); the mask array itself and the set's name pass unchanged."""

    @functools.wraps(orig)
    def __init__(self: Any, val: Any, key: Any, *args: Any, **kwargs: Any) -> None:
        redactor = _current()
        if redactor is not None and isinstance(val, Mapping):
            part = {f: val[f] for f in fields if f in val}
            red = _redact(redactor, part, (str(key),))
            val = {k: v for k, v in val.items() if k not in part or k in red} | red
        orig(self, val, key, *args, **kwargs)

    return __init__


def _wrap_classes_init(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Classes.__init__``: an image's class set (``[{"id": 1, "name": ...}]``)."""

    @functools.wraps(orig)
    def __init__(self: Any, class_set: Any, *args: Any, **kwargs: Any) -> None:
        redactor = _current()
        if redactor is not None and isinstance(class_set, (list, tuple)):
            class_set = _redact(redactor, list(class_set), ("classes",))
        orig(self, class_set, *args, **kwargs)

    return __init__


def _wrap_add_reference(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Artifact.add_reference``: W&B resolves the reference with the URI as given, then
    each manifest entry's ``ref`` (and a digest that is the URI itself, as with
    ``checksum=False``) and path are redacted before the manifest holds them, so
    credentials in a reference URI are never recorded (a consumer of the artifact then
    needs its own credentials to fetch it)."""

    @functools.wraps(orig)
    def add_reference(self: Any, uri: Any, *args: Any, **kwargs: Any) -> Any:
        entries = orig(self, uri, *args, **kwargs)
        redactor = _current()
        if redactor is None:
            return entries
        for entry in entries:
            ref, path = entry.ref, str(entry.path)
            new_ref = _redact(redactor, {"reference": ref}, ("artifact",)).get("reference", _DROPPED)
            new_path = redact_file_name(redactor, path, "path")  # stable: distinct per path
            if new_ref == ref and new_path == path:
                continue
            self.manifest.entries.pop(entry.path, None)
            if entry.digest == ref:
                entry.digest = new_ref
            entry.ref, entry.path = new_ref, new_path
            self.manifest.add_entry(entry)
        return entries

    return add_reference


_copies: list[str] = []  # folders of redacted copies handed to artifacts (kept until exit)


def _copy_dir() -> str:
    from wandb.sdk.artifacts.staging import get_staging_dir

    if not _copies:
        _copies.append(tempfile.mkdtemp(prefix="redact-", dir=get_staging_dir()))
    return _copies[0]


def _wrap_add_local_file(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``Artifact._add_local_file``: the one method ``add_file``, ``new_file`` and
    ``add_dir`` add each file through. A text file holding a finding is replaced by a
    redacted copy (same artifact path, digest of the copy); binary files pass."""

    @functools.wraps(orig)
    def _add_local_file(
        self: Any, name: Any, path: Any, digest: Any = None, *args: Any, **kwargs: Any
    ) -> Any:
        redactor = _current()
        if redactor is not None:
            dst = os.path.join(_copy_dir(), uuid.uuid4().hex, os.path.basename(str(path)))
            try:
                changed = redact_file(redactor, path, dst)
            except RedactError:
                raise
            except Exception as exc:
                raise RedactionFailed(
                    f"redaction failed ({type(exc).__name__}) for artifact file {name}; it was not added"
                ) from None
            if changed:
                tmp = getattr(self, "_tmp_dir", None)  # where new_file() wrote the raw text
                if tmp is not None and os.path.commonpath([tmp.name, os.path.abspath(path)]) == tmp.name:
                    # the staging file is W&B's own: the redacted text replaces it in place,
                    # so a later add of the same path (``Artifact.add`` of a table) finds it
                    os.replace(dst, path)
                    os.rmdir(os.path.dirname(dst))
                else:
                    path = dst
                digest = None
        return orig(self, name, path, digest, *args, **kwargs)

    return _add_local_file


# --------------------------------------------------------------------------- run.save
@dataclasses.dataclass
class _Saved:
    """A file ``run.save`` copied redacted, to copy again at finish (``live``, ``end``)."""

    src: str
    mtime_ns: int
    size: int


_saved_lock = threading.Lock()
_saved: dict[str, dict[str, _Saved]] = {}  # files folder -> {copy in it: its source}


def _stat(path: str) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size


def _write_redacted(redactor: Redactor, src: str, dst: str) -> bool:
    """Write ``src`` redacted to ``dst`` (a text file, changed or not: never a link to the
    raw file); False, writing nothing, when ``src`` is binary. Blocked and faults raise
    with ``dst`` absent."""
    try:
        outcome = redact_copy(src, dst, redactor)
    except BaseException as exc:
        Path(dst).unlink(missing_ok=True)
        if isinstance(exc, RedactError) or not isinstance(exc, Exception):
            raise
        raise RedactionFailed(
            f"redaction failed ({type(exc).__name__}) for a file given to run.save; it was not saved"
        ) from None
    if outcome.kind == "binary":
        Path(dst).unlink(missing_ok=True)
        return False
    return True


def _wrap_link_or_copy(orig: Callable[..., Any]) -> Callable[..., Any]:
    """``link_or_copy_with_policy`` as ``wandb_run`` calls it for each file ``run.save``
    matched (globs expanded by W&B, ``base_path`` applied): a text file becomes a
    redacted copy at W&B's destination instead of a symlink, hardlink or raw copy; a
    binary file is linked or copied as W&B does. The policy is kept (W&B itself turns
    ``live`` into ``now`` for the copies it makes); ``live`` and ``end`` copies are made
    again from the source at finish when it changed."""

    def one(
        redactor: Redactor, settings: Any, src: Any, dst: Any, policy: Any, stats: Any, seen: frozenset[str]
    ) -> Any:
        if os.path.isdir(src):  # W&B would link the whole folder: its files one by one
            real = os.path.realpath(src)
            if real in seen:  # a link back into a folder being copied
                return policy
            os.makedirs(dst, exist_ok=True)
            for entry in sorted(os.listdir(src)):
                sub = Path(dst) / entry
                if sub.is_symlink() or sub.is_file():  # saved before: replaced
                    sub.unlink()
                one(redactor, settings, Path(src) / entry, sub, policy, stats, seen | {real})
            return policy
        if not os.path.isfile(src):
            return orig(settings, src, dst, policy, stats)
        stat = _stat(src)
        if not _write_redacted(redactor, os.fspath(src), os.fspath(dst)):
            return orig(settings, src, dst, policy, stats)
        _mark_written(os.fspath(dst))
        stats.record("copy")
        if policy in ("live", "end"):
            with _saved_lock:
                folder = _saved.setdefault(os.fspath(settings.files_dir), {})
                folder[os.path.abspath(dst)] = _Saved(os.path.abspath(src), *stat)
        return policy

    @functools.wraps(orig)
    def link_or_copy_with_policy(settings: Any, src: Any, dst: Any, policy: Any, stats: Any) -> Any:
        redactor = _current()
        if redactor is None:
            return orig(settings, src, dst, policy, stats)
        return one(redactor, settings, src, dst, policy, stats, frozenset())

    return link_or_copy_with_policy


def _refresh_saved(files_dir: Any) -> None:
    """At finish: each ``live``/``end`` file whose source changed since ``run.save`` is
    copied redacted again (replacing the earlier copy at once). A source gone, now binary,
    or now blocked keeps the earlier redacted copy; nothing raises from here."""
    if not files_dir:
        return
    with _saved_lock:
        entries = _saved.pop(os.fspath(files_dir), {})
    redactor = _current()
    if redactor is None:
        return
    for dst, saved in entries.items():
        tmp = os.path.join(os.path.dirname(dst), f".{os.path.basename(dst)}.{uuid.uuid4().hex}.redact")
        try:
            if _stat(saved.src) == (saved.mtime_ns, saved.size):
                continue
            if _write_redacted(redactor, saved.src, tmp):
                os.replace(tmp, dst)
                _mark_written(dst)
        except Exception:  # fail closed: the earlier redacted copy stays
            Path(tmp).unlink(missing_ok=True)


_written: dict[str, tuple[int, int]] = {}  # redacted copies this door wrote -> (mtime, size)
# files W&B itself may still write while the run finishes (their content came through the
# door: console output, summary, config, metadata): never rewritten by the sweep
_WANDB_LIVE = frozenset({"output.log", "wandb-summary.json", "config.yaml", "wandb-metadata.json"})
WITHHELD = "redact-withheld"  # beside the files folder: what the sweep kept from W&B


def _mark_written(path: str) -> None:
    with _saved_lock:
        _written[os.path.abspath(path)] = _stat(path)


def _redact_run_dir(files_dir: Any) -> list[Exception]:
    """At finish, before W&B uploads the run's files folder (``run.dir``): each text file
    the application put there itself (written into it, or a link it made) that holds a
    finding is replaced by its redacted copy; a link is replaced by a redacted file, its
    target is never written. Copies this door made and W&B's own live files are left as
    they are. A file the policy blocks, or that cannot be redacted, is withheld: moved to
    ``redact-withheld`` beside the files folder, which W&B never uploads. Returns why
    files were withheld: one RedactionFailed naming every file that failed (never a
    value), else what the policy raised (Blocked)."""
    redactor = _current()
    if not files_dir or redactor is None or not os.path.isdir(files_dir):
        return []
    root = os.fspath(files_dir)
    withheld: list[tuple[str, Exception]] = []
    for folder, _dirs, names in os.walk(root):
        for name in sorted(names):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if (folder == root and name in _WANDB_LIVE) or name.endswith(".redact"):
                continue
            try:
                if not os.path.isfile(path):  # a dangling link, a socket
                    continue
                with _saved_lock:
                    mine = _written.get(os.path.abspath(path))
                if mine is not None and not os.path.islink(path) and _stat(path) == mine:
                    continue
                tmp = os.path.join(folder, f".{name}.{uuid.uuid4().hex}.redact")
                try:
                    if redact_file(redactor, path, tmp):
                        os.replace(tmp, path)  # (a link itself is replaced, not its target)
                finally:
                    Path(tmp).unlink(missing_ok=True)
            except Exception as exc:  # fail closed: W&B never uploads this file
                _withhold(root, rel)
                withheld.append((rel, exc))
    prefix = os.path.join(os.path.abspath(root), "")
    with _saved_lock:  # the run is over: forget its copies
        for path in [p for p in _written if p.startswith(prefix)]:
            del _written[path]
    faults = [(rel, exc) for rel, exc in withheld if not isinstance(exc, RedactError)]
    if faults:
        kinds = sorted({type(exc).__name__ for _, exc in faults})
        return [
            RedactionFailed(
                f"redaction failed ({', '.join(kinds)}) for {', '.join(rel for rel, _ in faults)}"
                f" in the run's files folder; withheld from W&B (moved to {WITHHELD})"
            )
        ]
    return [exc for _, exc in withheld]


def _withhold(root: str, rel: str) -> None:
    """Move ``rel`` out of the files folder (removed when it cannot be moved)."""
    src, dst = os.path.join(root, rel), os.path.join(os.path.dirname(root), WITHHELD, rel)
    try:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.replace(src, dst)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(src)


# --------------------------------------------------------------------------- install
_Patch = tuple[Any, str, Any, Any]  # (owner, attribute, original, replacement)


class Handle(PatchHandle):
    """An installed W&B integration. ``uninstall()`` restores every patched attribute;
    also usable as a context manager."""

    def __init__(self, redactor: Redactor, patches: list[_Patch], version: str) -> None:
        self._redactor = redactor
        self._patches = patches
        self.wandb_version = version

    @property
    def policy(self) -> Policy:
        return self._redactor.policy

    @property
    def installed(self) -> bool:
        return _active is self

    def uninstall(self) -> None:
        """Put every original attribute back. An attribute someone else has re-patched
        since is left to them (their wrapper still calls ours, which then passes through)."""
        global _active
        with _lock:
            restore(self._patches)
            self._patches = []
            if _active is self:
                _active = None

    def __repr__(self) -> str:
        state = "installed" if self.installed else "uninstalled"
        return f"<redact W&B integration, policy {self.policy.name!r}, wandb {self.wandb_version}, {state}>"


def installed() -> Handle | None:
    """The active handle, if the integration is installed."""
    return _active


def install(policy: PolicyLike = None) -> Handle:
    """Patch wandb so that everything above is redacted under ``policy`` before W&B sees it.

    Installing again is idempotent: nothing is patched twice and the same :class:`Handle`
    is returned; a policy given explicitly replaces the active one, ``install()`` without
    one keeps it. Raises ``ImportError`` when wandb is not installed and ``RuntimeError``
    (patching nothing) when this wandb version lacks one of the seams.
    """
    global _active
    with _lock:
        if _active is not None and policy is None:
            return _active
    redactor = redactor_for(policy)  # built before anything is patched: a bad policy patches nothing
    with _lock:
        if _active is not None:
            _active._redactor = redactor
            return _active
        handle = Handle(redactor, _patch_all(), _wandb_version())
        _active = handle
        return handle


def _wandb_version() -> str:
    import wandb

    return str(getattr(wandb, "__version__", "unknown"))


def _own(owner: Any, name: str) -> Any:
    """The attribute as ``owner`` itself defines it (the seam must exist, fail closed)."""
    try:
        return vars(owner)[name]
    except KeyError:
        where = getattr(owner, "__qualname__", getattr(owner, "__name__", repr(owner)))
        raise RuntimeError(
            f"redact: this wandb version ({_wandb_version()}) has no {where}.{name}; "
            "the W&B integration cannot redact it and was not installed"
        ) from None


def _patch_all() -> list[_Patch]:
    try:
        import wandb
        import wandb.sdk
        from wandb.sdk import wandb_config, wandb_helper, wandb_init, wandb_run, wandb_summary
    except ImportError as exc:
        raise ImportError('redact.integrations.wandb needs wandb: pip install "redact-ml[wandb]"') from exc

    fields = set(getattr(wandb.Settings, "model_fields", {}))
    parts_cls = getattr(wandb_init, "_ConfigParts", None)
    parts = {f.name for f in dataclasses.fields(parts_cls)} if dataclasses.is_dataclass(parts_cls) else set()
    for have, need, what in (
        (fields, {attr for attr, _ in _RUN_FIELDS} | {"run_tags"}, "wandb.Settings"),
        (parts, {"base_no_artifacts", "sweep_no_artifacts", "launch_no_artifacts"}, "_ConfigParts"),
    ):
        if not need <= have:
            raise RuntimeError(
                f"redact: this wandb version ({_wandb_version()}) has no {what} field "
                f"{sorted(need - have)[0]!r}; the W&B integration was not installed"
            )
    config_cls = wandb_config.Config
    run_cls = wandb_run.Run
    init_cls = wandb_init._WandbInit
    summary_base = wandb_summary.SummaryDict
    orig_init = _own(wandb_init, "init")
    setitem = _own(config_cls, "__setitem__")
    plan: list[tuple[Any, str, Any]] = []  # (owner, name, replacement)
    new_init = _wrap_init(orig_init, wandb_helper)
    plan.append((wandb_init, "init", new_init))
    for module in (wandb.sdk, wandb):  # the public aliases of the same function
        if vars(module).get("init") is orig_init:
            plan.append((module, "init", new_init))
    plan.append((init_cls, "make_run_settings", _wrap_make_run_settings(_own(init_cls, "make_run_settings"))))
    plan.append((init_cls, "make_run_config", _wrap_make_run_config(_own(init_cls, "make_run_config"))))
    new_setitem = _wrap_config_setitem(setitem)
    plan.append((config_cls, "__setitem__", new_setitem))
    plan.append(
        (
            config_cls,
            "__setattr__",
            new_setitem
            if _own(config_cls, "__setattr__") is setitem
            else _wrap_config_setitem(_own(config_cls, "__setattr__")),
        )
    )
    for name in ("update", "setdefaults", "update_locked", "merge_locked"):
        plan.append((config_cls, name, _wrap_config_mapping(_own(config_cls, name), wandb_helper)))
    plan.append(
        (
            summary_base,
            "update",
            _wrap_summary_update(_own(summary_base, "update"), wandb_summary.SummarySubDict),
        )
    )
    plan.append((run_cls, "_partial_history_callback", _wrap_log(_own(run_cls, "_partial_history_callback"))))
    for field in ("name", "notes", "tags"):
        prop = _own(run_cls, field)
        if not isinstance(prop, property) or prop.fset is None:
            raise RuntimeError(f"redact: wandb {_wandb_version()}: Run.{field} is not a settable property")
        plan.append((run_cls, field, _wrap_run_setter(prop, field)))
    plan.append((run_cls, "alert", _wrap_alert(_own(run_cls, "alert"))))

    from wandb.sdk import wandb_settings
    from wandb.sdk.artifacts import artifact as wandb_artifact
    from wandb.sdk.data_types import html as wandb_html
    from wandb.sdk.data_types import table as wandb_table
    from wandb.sdk.lib import redirect as wandb_redirect

    plan.append(
        (
            wandb_redirect.RedirectBase,
            "__init__",
            _wrap_redirect_init(_own(wandb_redirect.RedirectBase, "__init__")),
        )
    )
    plan.append((run_cls, "_restore", _wrap_restore(_own(run_cls, "_restore"))))
    plan.append((run_cls, "_finish", _wrap_finish(_own(run_cls, "_finish"))))
    plan.append((run_cls, "write_logs", _wrap_write_logs(_own(run_cls, "write_logs"))))
    settings_cls = wandb_settings.Settings
    plan.append((settings_cls, "to_proto", _wrap_to_proto(_own(settings_cls, "to_proto"))))
    table_cls, html_cls = wandb_table.Table, wandb_html.Html
    plan.append((table_cls, "_to_table_json", _wrap_table_json(_own(table_cls, "_to_table_json"))))
    plan.append((html_cls, "__init__", _wrap_html_init(_own(html_cls, "__init__"))))
    from wandb.sdk.data_types.base_types import media as wandb_media

    media_cls = wandb_media.Media
    plan.append((media_cls, "__init__", _wrap_media_init(_own(media_cls, "__init__"))))
    from wandb.sdk.data_types.helper_types import bounding_boxes_2d, classes, image_mask

    for cls, label_fields in (
        (bounding_boxes_2d.BoundingBoxes2D, ("box_data", "class_labels")),
        (image_mask.ImageMask, ("class_labels",)),
    ):
        plan.append((cls, "__init__", _wrap_labels(_own(cls, "__init__"), label_fields)))
    plan.append((classes.Classes, "__init__", _wrap_classes_init(_own(classes.Classes, "__init__"))))
    materialize = _own(run_cls, "_materialize_saved_files")
    if "link_or_copy_with_policy" not in getattr(materialize, "__code__", materialize).co_names:
        raise RuntimeError(
            f"redact: this wandb version ({_wandb_version()}) saves run files another way; "
            "the W&B integration was not installed"
        )
    plan.append(
        (
            wandb_run,
            "link_or_copy_with_policy",
            _wrap_link_or_copy(_own(wandb_run, "link_or_copy_with_policy")),
        )
    )
    artifact_cls = wandb_artifact.Artifact
    plan.append(
        (artifact_cls, "_add_local_file", _wrap_add_local_file(_own(artifact_cls, "_add_local_file")))
    )
    plan.append((artifact_cls, "add_reference", _wrap_add_reference(_own(artifact_cls, "add_reference"))))

    # every seam was found: apply (nothing is patched when one is missing)
    patches: list[_Patch] = []
    for owner, name, replacement in plan:
        patches.append((owner, name, vars(owner)[name], replacement))
        setattr(owner, name, replacement)
    return patches
