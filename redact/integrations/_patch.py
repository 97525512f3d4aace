"""Install and uninstall a door that patches a tracker library in place.

A door module describes its seams as a plan of ``(owner, attribute, replacement)``; the
replacements look the active Redactor up at call time (``door.redactor``; None once
uninstalled, when they pass values through). Every seam must exist before anything is
patched (a tracker version without one installs nothing), installing twice patches
nothing twice, and ``uninstall`` puts back each original attribute it still owns.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from redact._redactor import Redactor
from redact.errors import RedactError
from redact.integrations.guard import PolicyLike, RedactionFailed, redactor_for
from redact.policy import Policy

__all__ = [
    "Door",
    "Handle",
    "PatchHandle",
    "restore",
    "own",
    "redact_value",
    "redact_named",
    "redact_argv",
    "stable_name",
    "redact_series",
]

Plan = list[tuple[Any, str, Any]]
_Patch = tuple[Any, str, Any, Any]


def own(owner: Any, name: str, library: str) -> Any:
    """The attribute as ``owner`` itself defines it (the seam must exist: fail closed)."""
    try:
        return vars(owner)[name]
    except KeyError:
        where = getattr(owner, "__qualname__", getattr(owner, "__name__", repr(owner)))
        raise RuntimeError(
            f"redact: this {library} version has no {where}.{name}; the integration was not installed"
        ) from None


def redact_value(redactor: Redactor, value: Any, path: tuple[str, ...] = ()) -> Any:
    """``value`` redacted; a fault that is not a redact error becomes RedactionFailed (the
    raw value is never forwarded)."""
    try:
        return redactor.redact(value, path).value
    except RedactError:
        raise
    except Exception as exc:
        raise RedactionFailed(f"redaction failed ({type(exc).__name__}); the call was not made") from None


_DROPPED = object()


def redact_named(redactor: Redactor, name: Any, value: Any) -> tuple[Any, Any]:
    """``(name, value)`` redacted as the one-entry mapping ``{name: value}``: the name is
    the value's key context (and is itself scanned as a key). Returns ``(None, None)``
    when the policy drops the entry."""
    red = redact_value(redactor, {name: value})
    if name in red:
        return name, red[name]
    if red:
        new_name, new_value = next(iter(red.items()))
        return new_name, new_value
    return None, None


def stable_name(redactor: Redactor, original: Any, redacted: Any) -> Any:
    """A series name (metric, scalar tag, history key) that redaction changed, made the
    same at every step and distinct per original: ``redacted`` then ``~`` and 8 hex digits
    of the original's keyed fingerprint. Two users' ``acc/<e-mail>`` both mask to
    ``acc/****@example.com``; without this, the second would write into the first's
    series. Unchanged or non-text names pass as they are."""
    if redacted == original or not isinstance(redacted, str) or not isinstance(original, str):
        return redacted
    from redact._finding import fingerprint

    return f"{redacted}~{fingerprint('KEY', original, redactor.scanner.fingerprint_key)[:8]}"


def redact_name(redactor: Redactor, name: Any, field: str = "name", original: Any = None) -> Any:
    """A series or file name (a metric name, a scalar tag, a plot's name) redacted as the
    value of ``field`` and made stable by :func:`stable_name` (on ``original`` when the
    name was already changed on the way); a dropped name becomes ``[REDACTED:dropped]``
    with its suffix."""
    if not isinstance(name, str):
        return name
    red = redact_value(redactor, {field: name})
    return stable_name(redactor, name if original is None else original, red.get(field, "[REDACTED:dropped]"))


def redact_file_name(redactor: Redactor, name: Any, field: str = "name") -> Any:
    """A file name redacted as :func:`redact_name` does, its extension kept last (the
    stable suffix goes before it: ``****@example.com~1a2b3c4d.png``)."""
    if not isinstance(name, str):
        return name
    root, ext = os.path.splitext(name)
    return redact_name(redactor, root, field) + ext


def redact_key(redactor: Redactor, key: Any, path: tuple[str, ...] = ()) -> Any:
    """``key`` as the redactor renames it when it is a key of a mapping; None when the
    policy drops it."""
    return next(iter(redact_value(redactor, {key: None}, path)), None)


def key_detected(redactor: Redactor, key: Any) -> bool:
    """The key holds a finding (a fault counts as one: fail closed)."""
    try:
        return bool(redactor.scanner.scan_key(key)[1])
    except Exception:  # fail closed: redacted alone, the Redactor decides
        return True


def redact_series(redactor: Redactor, d: Mapping[Any, Any], path: tuple[str, ...] = ()) -> dict[Any, Any]:
    """``d`` redacted as one mapping, except that each top-level key holding a finding is
    redacted alone and named by :func:`stable_name`, so its name never depends on what
    else was logged in the same call."""
    alone = [k for k in d if key_detected(redactor, k)]
    if not alone:
        return dict(redact_value(redactor, dict(d), path))
    out = dict(redact_value(redactor, {k: v for k, v in d.items() if k not in alone}, path))
    for k in alone:
        for new_key, value in redact_value(redactor, {k: d[k]}, path).items():
            out[stable_name(redactor, k, new_key)] = value
    return out


def wrap_arguments(
    door: Door, orig: Callable[..., Any], edit: Callable[[Redactor, dict[str, Any]], None]
) -> Callable[..., Any]:
    """The method ``orig`` whose arguments, bound by name, ``edit(redactor, arguments)``
    redacts in place while ``door`` is installed (passed on unchanged otherwise)."""
    sig = inspect.signature(orig)

    @functools.wraps(orig)
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        redactor = door.redactor
        if redactor is None:
            return orig(self, *args, **kwargs)
        bound = sig.bind(self, *args, **kwargs)
        edit(redactor, bound.arguments)
        return orig(*bound.args, **bound.kwargs)

    return method


def redact_argv(redactor: Redactor, args: list[str]) -> list[str]:
    """Program arguments redacted one by one; a value after ``--name`` has ``name`` as its
    key context, ``--name=value`` and ``name=value`` (Hydra overrides) carry their own."""
    out = []
    for i, arg in enumerate(args):
        prev = args[i - 1] if i else ""
        key = "args"
        if prev.startswith("-") and "=" not in prev and not arg.startswith("-"):
            key = prev.lstrip("-") or "args"
        name, value = redact_named(redactor, key, arg)
        out.append("[REDACTED:dropped]" if name is None else str(value))
    return out


_H = TypeVar("_H", bound="PatchHandle")


class PatchHandle:
    """What every installed door shares: its patches, listed as seams, and ``with``
    support that uninstalls on exit (``uninstall`` is the door's own)."""

    _patches: list[_Patch]

    @property
    def seams(self) -> list[str]:
        """The patched attributes, as ``module.attribute`` or ``module.Class.attribute``."""
        return [_dotted(owner, name) for owner, name, _, _ in self._patches]

    def uninstall(self) -> None:  # pragma: no cover - every door defines it
        raise NotImplementedError

    def __enter__(self: _H) -> _H:
        return self

    def __exit__(self, *exc: object) -> None:
        self.uninstall()


class Handle(PatchHandle):
    """An installed door. ``uninstall()`` restores every patched attribute; also usable as
    a context manager."""

    def __init__(self, door: Door, patches: list[_Patch], version: str) -> None:
        self._door = door
        self._patches = patches
        self.version = version

    @property
    def policy(self) -> Policy:
        redactor = self._door.redactor
        assert redactor is not None
        return redactor.policy

    @property
    def installed(self) -> bool:
        return self._door.active is self

    def uninstall(self) -> None:
        with self._door.lock:
            restore(self._patches)
            self._patches = []
            if self._door.active is self:
                self._door.active = None
                self._door.redactor = None

    def __repr__(self) -> str:
        state = "installed" if self.installed else "uninstalled"
        return f"<redact {self._door.library} integration, {self._door.library} {self.version}, {state}>"


def restore(patches: list[_Patch]) -> None:
    """Put back every ``(owner, name, original, replacement)`` patch, last first. An
    attribute someone else has re-patched since is left to them (their wrapper still calls
    ours, which then passes through)."""
    for owner, name, original, replacement in reversed(patches):
        if vars(owner).get(name) is replacement:
            setattr(owner, name, original)


def _dotted(owner: Any, name: str) -> str:
    if isinstance(owner, type):
        return f"{owner.__module__}.{owner.__qualname__}.{name}"
    return f"{owner.__name__}.{name}"


class Door:
    """One tracker's door: its plan builder and its installed state."""

    def __init__(self, library: str, plan: Callable[[Door], Plan], version: Callable[[], str]) -> None:
        self.library = library
        self._plan = plan
        self._version = version
        self.lock = threading.RLock()
        self.active: Handle | None = None
        self.redactor: Redactor | None = None

    def install(self, policy: PolicyLike = None) -> Handle:
        """Idempotent: a second call returns the same handle; an explicit policy replaces
        the active one."""
        with self.lock:
            if self.active is not None and policy is None:
                return self.active
        redactor = redactor_for(policy)  # a bad policy patches nothing
        with self.lock:
            if self.active is not None:
                self.redactor = redactor
                return self.active
            plan = self._plan(self)  # raises before anything is patched
            patches: list[_Patch] = []
            for owner, name, replacement in plan:
                patches.append((owner, name, vars(owner)[name], replacement))
                setattr(owner, name, replacement)
            self.redactor = redactor
            self.active = Handle(self, patches, self._version())
            return self.active
