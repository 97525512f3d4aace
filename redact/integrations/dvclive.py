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
redacting raises :class:`~redact.integrations.guard.RedactionFailed`. Not covered:
files given to ``log_artifact``, ``log_image`` and ``log_plot`` (DVC tracks them as they
are), and ``log_sklearn_plot`` labels.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from redact.integrations._patch import Door, Handle, Plan, own, redact_named, redact_value, stable_name
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
            red = redact_value(redactor, {"metric": name})
            name = stable_name(redactor, original, red.get("metric", _DROPPED))
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
