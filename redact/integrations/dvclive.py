"""Redact what DVCLive writes (``params.yaml``, metrics, the experiment message).

    import redact.integrations.dvclive as rdv
    handle = rdv.install()            # or install("team.yaml"), install(policy)
    with Live() as live: live.log_params({...})   # redacted
    handle.uninstall()

Seams (``dvclive.Live``, read from and tested against DVCLive 3.49): ``log_params``
(``log_param`` goes through it; the mapping with its names as context, nested values
included), ``log_metric`` (the metric name, and the value when it is text), and the
``exp_name`` and ``exp_message`` given to ``Live(...)``. ``drop`` removes a parameter;
``block`` raises :class:`redact.errors.Blocked` and nothing is written; a fault while
redacting raises :class:`~redact.integrations.guard.RedactionFailed`. Also
``log_plot`` (the data points with their keys as context, the axis keys, title, axis
labels and the plot's name), ``log_image`` names and the ``desc``, ``labels`` and
``meta`` of ``log_artifact`` (written to ``dvc.yaml``); names that hold a finding get a
stable name, like metric names. Not covered: the content of files given to
``log_artifact`` and ``log_image`` (DVC tracks them as they are), and
``log_sklearn_plot`` labels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from redact._redactor import Redactor
from redact.integrations._patch import (
    Door,
    Handle,
    Plan,
    own,
    redact_file_name,
    redact_key,
    redact_name,
    redact_named,
    redact_value,
    wrap_arguments,
)
from redact.integrations.guard import PolicyLike

__all__ = ["install", "installed"]

_DROPPED = "[REDACTED:dropped]"


def _wrap_log_params(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def log_params(self: Any, params: Any) -> Any:
        redactor = door.redactor
        if redactor is not None and isinstance(params, Mapping):
            params = dict(redact_value(redactor, dict(params)))
        return orig(self, params)

    return log_params


def _wrap_log_metric(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def log_metric(self: Any, name: Any, val: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is not None:
            original = name
            if isinstance(val, str):
                new_name, val = redact_named(redactor, name, val)
                if new_name is None:
                    return None  # dropped
                name = new_name
            name = redact_name(redactor, name, "metric", original)
        return orig(self, name, val, *args, **kwargs)

    return log_metric


def _wrap_init(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(orig)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        redactor = door.redactor
        if redactor is not None:
            for field in ("exp_name", "exp_message"):
                if isinstance(kwargs.get(field), str):
                    red = redact_value(redactor, {field: kwargs[field]})
                    kwargs[field] = red.get(field)
        orig(self, *args, **kwargs)

    return __init__


def _log_plot(redactor: Redactor, values: dict[str, Any]) -> None:
    """``log_plot``: the data points (as DVCLive reads them: a list of dicts, with their
    keys as context), the axis keys (renamed as the points' keys are), title, axis labels
    and the plot's name (a stable name, like a metric's)."""
    from dvclive.utils import convert_datapoints_to_list_of_dicts

    try:
        points = convert_datapoints_to_list_of_dicts(datapoints=values["datapoints"])
    except Exception:  # not data DVCLive can plot: it raises the same, writing nothing
        return
    name = values.get("name")
    values["datapoints"] = redact_value(redactor, points, ("plots", str(name)))
    for axis in ("x", "y"):
        keys = values.get(axis)
        if isinstance(keys, str):
            values[axis] = _key(redactor, keys)
        elif isinstance(keys, list):
            values[axis] = [_key(redactor, k) for k in keys]
    labels = {f: values[f] for f in ("title", "x_label", "y_label") if isinstance(values.get(f), str)}
    red = redact_value(redactor, labels)
    values.update({f: red.get(f, _DROPPED) for f in labels})
    values["name"] = redact_name(redactor, name)


def _key(redactor: Redactor, key: Any) -> Any:
    """``key`` as the redactor renames it when it is a key of a mapping."""
    new = redact_key(redactor, key)
    return _DROPPED if new is None else new


def _wrap_log_image(door: Door, orig: Callable[..., Any]) -> Callable[..., Any]:
    """``log_image``: the image's name (its file name under ``plots/images``; the stable
    suffix goes before the extension, which DVCLive checks)."""

    @functools.wraps(orig)
    def log_image(self: Any, name: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is not None:
            name = redact_file_name(redactor, name)
        return orig(self, name, *args, **kwargs)

    return log_image


def _log_artifact(redactor: Redactor, values: dict[str, Any]) -> None:
    """``log_artifact``: the description, labels and meta written to ``dvc.yaml``."""
    fields = {f: values[f] for f in ("desc", "labels", "meta") if values.get(f) is not None}
    red = redact_value(redactor, fields, ("artifacts",))
    values.update({f: red.get(f) for f in fields})


def _plan(door: Door) -> Plan:
    try:
        from dvclive import live
    except ImportError as exc:
        raise ImportError("redact.integrations.dvclive needs dvclive: pip install 'redact[dvclive]'") from exc
    cls = live.Live
    return [
        (cls, "log_params", _wrap_log_params(door, own(cls, "log_params", "dvclive"))),
        (cls, "log_metric", _wrap_log_metric(door, own(cls, "log_metric", "dvclive"))),
        (cls, "__init__", _wrap_init(door, own(cls, "__init__", "dvclive"))),
        (cls, "log_plot", wrap_arguments(door, own(cls, "log_plot", "dvclive"), _log_plot)),
        (cls, "log_image", _wrap_log_image(door, own(cls, "log_image", "dvclive"))),
        (cls, "log_artifact", wrap_arguments(door, own(cls, "log_artifact", "dvclive"), _log_artifact)),
    ]


def _version() -> str:
    from importlib.metadata import version

    return version("dvclive")


_door = Door("dvclive", _plan, _version)


def install(policy: PolicyLike = None) -> Handle:
    """Patch DVCLive so that the values above are redacted under ``policy`` (a Policy, a
    path, a built-in name, or None: ``REDACT_POLICY``, else ``default``). Idempotent."""
    return _door.install(policy)


def installed() -> Handle | None:
    """The active handle, if installed."""
    return _door.active
