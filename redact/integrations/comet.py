"""Redact what Comet records, in ``OfflineExperiment`` archives and online alike.

    import redact.integrations.comet as rcm
    handle = rcm.install()            # or install("team.yaml"), install(policy)
    exp = comet_ml.OfflineExperiment(...)   # everything it records: redacted
    handle.uninstall()

Seams (read from and tested against comet_ml 3.58): ``BaseExperiment._enqueue_message``,
through which every record of an experiment (``Experiment`` and ``OfflineExperiment``)
reaches Comet's streamer, whether the user logged it or Comet collected it;
``StandardOutputMessage.__init__`` (captured console output, which goes to the streamer
directly); ``add_tag``/``add_tags`` (tags live on the experiment). What is redacted:

- parameters, metrics and "others" (``log_parameter(s)``, ``log_metric(s)``,
  ``log_other(s)``, ``set_name``, tags...): each value with its name as the key context;
- console output that Comet captures (one record per write: a key and its value printed
  by separate writes are scanned apart), HTML (``log_html``), system and environment
  details, git metadata (a commit SHA is lineage and stays as it is);
- files (``log_asset``, ``log_text``, ``log_asset_data``, configs): a text file holding a
  finding is replaced by a redacted copy, in-memory text or JSON is redacted; binary files
  pass unchanged.

Every other text attribute of a record is redacted with the attribute's name as context.
``drop`` leaves the value ``[REDACTED:dropped]`` (Comet's records have a fixed shape);
``block`` raises :class:`redact.errors.Blocked` from the logging call and nothing is
recorded, except for console output, which is recorded as
``[REDACTED:console output blocked]``; a fault while redacting raises
:class:`~redact.integrations.guard.RedactionFailed` (console output:
``[REDACTED:console output withheld]``).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import io
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from typing import Any

from redact._redactor import Redactor
from redact.errors import Blocked
from redact.integrations._patch import (
    Door,
    Handle,
    Plan,
    own,
    redact_argv,
    redact_name,
    redact_named,
    redact_value,
)
from redact.integrations._textfiles import redact_file, redact_text
from redact.integrations.guard import PolicyLike
from redact.integrations.structlog import _state, in_redaction

__all__ = ["install", "installed"]

_DROPPED = "[REDACTED:dropped]"
_CONSOLE_BLOCKED = "[REDACTED:console output blocked]"
_CONSOLE_WITHHELD = "[REDACTED:console output withheld]"
# record attributes that are Comet's own bookkeeping, never user text
_SKIP = frozenset(
    {
        "message_id",
        "local_timestamp",
        "timestamp",
        "type",
        "context",
        "upload_type",
        "clean",
        "stderr",
        "file_path",
        "file_like",
        "size",
        "step",
        "epoch",
    }
)
_NAMED = (("paramName", "paramValue"), ("metricName", "metricValue"))
_copies: list[str] = []


def _named(redactor: Redactor, d: dict[str, Any]) -> dict[str, Any]:
    for name_key, value_key in _NAMED:
        if name_key in d and value_key in d:
            name, value = redact_named(redactor, d[name_key], d[value_key])
            if name is None:
                name, value = d[name_key], _DROPPED
            if name_key == "metricName" and isinstance(name, str):  # a metric name is a tag
                name = redact_name(redactor, name, "metric", d[name_key])
            return {**d, name_key: name, value_key: value}
    return dict(redact_value(redactor, d))


def _copy_path(original: str) -> str:
    if not _copies:
        _copies.append(tempfile.mkdtemp(prefix="redact-comet-"))
        atexit.register(_remove_empty_folders, _copies[0])
    return os.path.join(_copies[0], uuid.uuid4().hex, os.path.basename(original) or "file")


def _remove_empty_folders(root: str) -> None:
    """At exit, the folders of the redacted copies that Comet has uploaded: Comet deletes
    each copy once it has archived it, so only empty folders remain; a copy still there
    (an upload that never happened) keeps its folder."""
    for folder, _, _ in os.walk(root, topdown=False):
        with contextlib.suppress(OSError):
            os.rmdir(folder)  # (only an empty folder is removed)


def _redact_file_message(redactor: Redactor, message: Any) -> None:
    path = getattr(message, "file_path", None)
    if isinstance(path, str) and os.path.isfile(path):
        dst = _copy_path(path)
        if redact_file(redactor, path, dst):
            if getattr(message, "clean", False):
                os.unlink(path)  # Comet's own temporary copy of the raw text
            message.file_path = dst
            message.clean = True
            if hasattr(message, "_size"):
                message._size = os.path.getsize(dst)
    like = getattr(message, "file_like", None)
    if like is None:
        return
    data: Any = like
    if isinstance(like, (io.BytesIO, io.StringIO)):
        data = like.getvalue()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return  # binary: unchanged
        red = redact_text(redactor, text)
        new: Any = red.encode("utf-8")
    elif isinstance(data, str):
        new = red = redact_text(redactor, data)
    elif isinstance(data, (dict, list)):
        new = redact_value(redactor, data)
        red = json.dumps(new)
    else:
        return
    if new != data:
        message.file_like = (
            io.BytesIO(new)
            if isinstance(new, bytes) and isinstance(like, io.BytesIO)
            else (io.StringIO(new) if isinstance(new, str) and isinstance(like, io.StringIO) else new)
        )
        if hasattr(message, "_size"):
            message._size = len(red.encode("utf-8"))


def _redact_message(redactor: Redactor, message: Any) -> None:
    if type(message).__name__ == "StandardOutputMessage":
        try:
            message.output = redact_text(
                redactor, str(message.output), "stderr" if message.stderr else "stdout"
            )
        except Blocked:
            message.output = _CONSOLE_BLOCKED
        except Exception:
            message.output = _CONSOLE_WITHHELD
        return
    if type(message).__name__ == "LogOtherMessage":
        name, value = redact_named(redactor, message.key, message.value)
        message.key, message.value = (message.key, _DROPPED) if name is None else (name, value)
        return
    _redact_file_message(redactor, message)
    for attr, value in list(vars(message).items()):
        if attr in _SKIP or attr.startswith("_") or value is None or isinstance(value, (bool, float)):
            continue
        if attr == "command" and isinstance(value, list) and all(isinstance(a, str) for a in value):
            setattr(message, attr, redact_argv(redactor, value))  # the program's arguments
        elif isinstance(value, dict):
            setattr(message, attr, _named(redactor, value))
        elif isinstance(value, (str, int, list, tuple)):
            red = redact_value(redactor, {attr: value})
            setattr(message, attr, red.get(attr, _DROPPED))


def _wrap_enqueue(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def _enqueue_message(self: Any, message: Any) -> Any:
        redactor = door.redactor
        if redactor is not None and not in_redaction():  # audit events hold no plaintext
            _state.active = True
            try:
                _redact_message(redactor, message)
            finally:
                _state.active = False
        return orig(self, message)

    return _enqueue_message


def _wrap_output_init(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    """``StandardOutputMessage.__init__``: captured console output goes to the streamer
    directly, not through ``_enqueue_message``."""

    @functools.wraps(orig)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        orig(self, *args, **kwargs)
        redactor = door.redactor
        if redactor is not None and not in_redaction():
            _state.active = True
            try:
                _redact_message(redactor, self)
            finally:
                _state.active = False

    return __init__


def _wrap_add_tags(door: Door, orig: Callable[..., Any], many: bool) -> Callable[..., Any]:
    """``add_tag``/``add_tags``: tags are kept on the experiment, not sent as records."""

    @functools.wraps(orig)
    def add_tags(self: Any, tags: Any) -> Any:
        redactor = door.redactor
        if redactor is not None:
            if many and isinstance(tags, (list, tuple, set)):
                tags = [t for t in redact_value(redactor, list(tags), ("tags",))]
            elif isinstance(tags, str):
                tags = redact_value(redactor, [tags], ("tags",))
                tags = tags[0] if tags else _DROPPED
        return orig(self, tags)

    return add_tags


def _plan(door: Door) -> Plan:
    try:
        from comet_ml import experiment, messages
    except ImportError as exc:
        raise ImportError("redact.integrations.comet needs comet_ml: pip install 'redact[comet]'") from exc
    cls = experiment.BaseExperiment
    out = messages.StandardOutputMessage
    lib = "comet_ml"
    return [
        (cls, "_enqueue_message", _wrap_enqueue(door, own(cls, "_enqueue_message", lib))),
        (cls, "add_tag", _wrap_add_tags(door, own(cls, "add_tag", lib), many=False)),
        (cls, "add_tags", _wrap_add_tags(door, own(cls, "add_tags", lib), many=True)),
        (out, "__init__", _wrap_output_init(door, own(out, "__init__", lib))),
    ]


def _version() -> str:
    from importlib.metadata import version

    return version("comet_ml")


_door = Door("comet_ml", _plan, _version)


def install(policy: PolicyLike = None) -> Handle:
    """Patch comet_ml so that every record is redacted under ``policy`` (a Policy, a path,
    a built-in name, or None: ``REDACT_POLICY``, else ``default``). Idempotent."""
    return _door.install(policy)


def installed() -> Handle | None:
    """The active handle, if installed."""
    return _door.active
