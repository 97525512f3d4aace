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

import contextvars
import dataclasses
import functools
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

from redact._redactor import Redactor
from redact.errors import RedactError
from redact.integrations.guard import RedactionFailed, redactor_for
from redact.policy import Policy

__all__ = ["Handle", "install", "installed"]

PolicyLike = Policy | str | Path | None

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


def _redact_items(
    redactor: Redactor, d: Mapping[Any, Any], path: tuple[str, ...] = (), keep: Iterable[str] = _INTERNAL
) -> dict[Any, Any]:
    """``d`` redacted as one mapping (its keys are the context); keys in ``keep`` pass
    through untouched; dropped keys are absent from the result."""
    kept = [k for k in keep if k in d]
    if not kept:
        out: dict[Any, Any] = _redact(redactor, d if type(d) is dict else dict(d), path)
        return out
    red = _redact(redactor, {k: v for k, v in d.items() if k not in kept}, path)
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
            data = _redact(redactor, data)
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


# --------------------------------------------------------------------------- install
_Patch = tuple[Any, str, Any, Any]  # (owner, attribute, original, replacement)


class Handle:
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

    @property
    def seams(self) -> list[str]:
        """The patched attributes, as ``module.attribute`` or ``module.Class.attribute``."""
        return [_dotted(owner, name) for owner, name, _, _ in self._patches]

    def uninstall(self) -> None:
        """Put every original attribute back. An attribute someone else has re-patched
        since is left to them (their wrapper still calls ours, which then passes through)."""
        global _active
        with _lock:
            for owner, name, original, replacement in reversed(self._patches):
                if vars(owner).get(name) is replacement:
                    setattr(owner, name, original)
            self._patches = []
            if _active is self:
                _active = None

    def __enter__(self) -> Handle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()

    def __repr__(self) -> str:
        state = "installed" if self.installed else "uninstalled"
        return f"<redact W&B integration, policy {self.policy.name!r}, wandb {self.wandb_version}, {state}>"


def _dotted(owner: Any, name: str) -> str:
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}.{name}"
    return f"{owner.__name__}.{name}"


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

    # every seam was found: apply (nothing is patched when one is missing)
    patches: list[_Patch] = []
    for owner, name, replacement in plan:
        patches.append((owner, name, vars(owner)[name], replacement))
        setattr(owner, name, replacement)
    return patches
