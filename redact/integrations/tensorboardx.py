"""Redact what ``tensorboardX.SummaryWriter`` writes to its event files.

    import redact.integrations.tensorboardx as rtb
    handle = rtb.install()            # or install("team.yaml"), install(policy)
    writer = SummaryWriter(logdir)    # hparams, text and tags: redacted
    handle.uninstall()

Seams (``SummaryWriter`` methods, read from and tested against tensorboardX 2.6):
``add_hparams`` (the hyperparameters as one mapping, their names as context; metric
names; the session name), ``add_text`` (the text, with its tag as context),
``add_scalar``, ``add_scalars`` (tags and the scalar names) and the ``tag`` of
``add_histogram``, ``add_image``, ``add_figure``, ``add_audio``, ``add_video``,
``add_pr_curve`` and ``add_mesh``. A ``drop`` action removes a hyperparameter (a dropped
text is written as ``[REDACTED:dropped]``); ``block`` raises
:class:`redact.errors.Blocked` and nothing is written; a fault while redacting raises
:class:`~redact.integrations.guard.RedactionFailed`. ``add_embedding``: the metadata
labels (each with its column header as context), the headers and the tag. Not covered:
embedding label images, graphs, and the log directory name.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from redact._redactor import Redactor
from redact.integrations._patch import (
    Door,
    Handle,
    Plan,
    own,
    redact_name,
    redact_named,
    redact_value,
    wrap_arguments,
)
from redact.integrations.guard import PolicyLike

__all__ = ["install", "installed"]

_DROPPED = "[REDACTED:dropped]"
_TAGGED = (
    "add_histogram",
    "add_image",
    "add_images",
    "add_figure",
    "add_audio",
    "add_video",
    "add_pr_curve",
    "add_mesh",
)


def _tag(door: Door, tag: Any) -> Any:
    redactor = door.redactor
    return tag if redactor is None else redact_name(redactor, tag, "tag")


def _wrap_hparams(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def add_hparams(self: Any, hparam_dict: Any, metric_dict: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is not None:
            if isinstance(hparam_dict, dict):
                hparam_dict = dict(redact_value(redactor, hparam_dict, ("hparams",)))
            if isinstance(metric_dict, dict):
                metric_dict = {_tag(door, k): v for k, v in metric_dict.items()}
            if args and isinstance(args[0], str):
                args = (_tag(door, args[0]), *args[1:])
            elif isinstance(kwargs.get("name"), str):
                kwargs["name"] = _tag(door, kwargs["name"])
        return orig(self, hparam_dict, metric_dict, *args, **kwargs)

    return add_hparams


def _wrap_text(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def add_text(self: Any, tag: Any, text_string: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is not None:
            name, text = redact_named(redactor, tag, text_string)
            tag, text_string = _tag(door, tag if name is None else name), _DROPPED if name is None else text
        return orig(self, tag, text_string, *args, **kwargs)

    return add_text


def _wrap_scalars(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def add_scalars(self: Any, main_tag: Any, tag_scalar_dict: Any, *args: Any, **kwargs: Any) -> Any:
        if door.redactor is not None:
            main_tag = _tag(door, main_tag)
            if isinstance(tag_scalar_dict, dict):
                tag_scalar_dict = {_tag(door, k): v for k, v in tag_scalar_dict.items()}
        return orig(self, main_tag, tag_scalar_dict, *args, **kwargs)

    return add_scalars


def _wrap_tagged(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    first = next(iter(list(inspect.signature(orig).parameters)[1:2]), "tag")

    @functools.wraps(orig)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        if door.redactor is not None:
            if args:
                args = (_tag(door, args[0]), *args[1:])
            elif first in kwargs:
                kwargs[first] = _tag(door, kwargs[first])
        return orig(self, *args, **kwargs)

    return method


def _embedding(redactor: Redactor, values: dict[str, Any]) -> None:
    """``add_embedding``: the metadata labels (one per point, written to ``metadata.tsv``),
    each with its column's header as context (``label`` without a header), the headers and
    the tag. A dropped label is written as ``[REDACTED:dropped]``, so labels stay aligned
    with their points."""
    header, metadata = values.get("metadata_header"), values.get("metadata")
    if metadata is not None:
        names = [str(h) for h in header] if header else []
        if len(set(names)) < len(names):  # repeated headers cannot key a row's cells
            names = []

        def columns(row: Any) -> bool:
            return bool(names) and isinstance(row, (list, tuple)) and len(row) == len(names)

        rows = [dict(zip(names, row, strict=True)) if columns(row) else {"label": row} for row in metadata]
        red = redact_value(redactor, rows, ("embedding",))
        values["metadata"] = [
            [r.get(n, _DROPPED) for n in names] if columns(row) else r.get("label", _DROPPED)
            for row, r in zip(metadata, red, strict=True)
        ]
        if header:
            values["metadata_header"] = [redact_name(redactor, h, "tag") for h in header]
    if "tag" in values:
        values["tag"] = redact_name(redactor, values["tag"], "tag")


def _plan(door: Door) -> Plan:
    try:
        from tensorboardX import writer
    except ImportError as exc:
        raise ImportError(
            "redact.integrations.tensorboardx needs tensorboardX: pip install 'redact[tensorboardx]'"
        ) from exc
    cls = writer.SummaryWriter
    lib = "tensorboardX"
    plan: Plan = [
        (cls, "add_hparams", _wrap_hparams(door, own(cls, "add_hparams", lib))),
        (cls, "add_text", _wrap_text(door, own(cls, "add_text", lib))),
        (cls, "add_scalars", _wrap_scalars(door, own(cls, "add_scalars", lib))),
        (cls, "add_scalar", _wrap_tagged(door, own(cls, "add_scalar", lib))),
        (cls, "add_embedding", wrap_arguments(door, own(cls, "add_embedding", lib), _embedding)),
    ]
    plan += [(cls, name, _wrap_tagged(door, own(cls, name, lib))) for name in _TAGGED]
    return plan


def _version() -> str:
    import tensorboardX

    return str(getattr(tensorboardX, "__version__", "unknown"))


_door = Door("tensorboardX", _plan, _version)


def install(policy: PolicyLike = None) -> Handle:
    """Patch tensorboardX so that the values above are redacted under ``policy`` (a Policy,
    a path, a built-in name, or None: ``REDACT_POLICY``, else ``default``). Idempotent."""
    return _door.install(policy)


def installed() -> Handle | None:
    """The active handle, if installed."""
    return _door.active
