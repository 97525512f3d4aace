"""The generic door: wrap any callable that takes a mapping, or any one-method sink.

    @redact.integrations.guard(policy="team.yaml")
    def log_params(params: dict) -> None: ...

    sink = GuardedSink(MySink(), policy=...)   # MySink has emit(record: Mapping)

The mapping is redacted before the wrapped call sees it. A ``block`` action raises
:class:`redact.errors.Blocked` and the call never happens; any other failure while
redacting raises :class:`redact.errors.RedactError` (fail closed: the raw value is never
forwarded). Errors raised by the wrapped call itself reach the caller unchanged.
"""

from __future__ import annotations

import functools
import inspect
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, TypeVar, runtime_checkable

from redact._redactor import Redactor
from redact._redactors import get_redactor
from redact.errors import RedactError
from redact.policy import Policy, load_policy

__all__ = ["Sink", "MemorySink", "GuardedSink", "guard", "redactor_for", "RedactionFailed"]

F = TypeVar("F", bound=Callable[..., Any])
PolicyLike = Policy | str | Path | None


class RedactionFailed(RedactError):
    """Redaction itself failed: the value was not forwarded (fail closed)."""


@runtime_checkable
class Sink(Protocol):
    """A backend: one method that receives an already redacted record."""

    def emit(self, record: Mapping[str, Any]) -> None: ...


class MemorySink:
    """A sink that keeps what it receives, for tests (thread-safe)."""

    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def emit(self, record: Mapping[str, Any]) -> None:
        with self._lock:
            self.records.append(dict(record))


_loaded: dict[tuple[str, float], Policy] = {}
_loaded_lock = threading.Lock()


def redactor_for(policy: PolicyLike = None) -> Redactor:
    """The Redactor for a Policy, a path, a built-in name, or None (``REDACT_POLICY`` from
    the environment if set, else the built-in default). A file is loaded once while it
    is unchanged, so every door sharing a policy shares one Redactor and its caches."""
    if policy is None:
        policy = os.environ.get("REDACT_POLICY") or "default"
    if isinstance(policy, (str, Path)):
        try:
            stamp = os.stat(policy).st_mtime
        except OSError:
            stamp = 0.0  # a built-in name
        with _loaded_lock:
            cached = _loaded.get((str(policy), stamp))
            if cached is None:
                cached = _loaded[(str(policy), stamp)] = load_policy(policy)
        policy = cached
    return get_redactor(policy)


def _redact_mapping(redactor: Redactor, record: Mapping[str, Any]) -> Any:
    try:
        return redactor.redact(record).value
    except RedactError:
        raise
    except Exception as exc:  # a bug or fault in redaction: never forward the raw value
        raise RedactionFailed(f"redaction failed ({type(exc).__name__}); the call was not made") from None


class GuardedSink:
    """Wrap a sink so that every record is redacted before it is emitted."""

    def __init__(self, inner: Sink, policy: PolicyLike = None) -> None:
        self.inner = inner
        self._redactor = redactor_for(policy)

    def emit(self, record: Mapping[str, Any]) -> None:
        self.inner.emit(_redact_mapping(self._redactor, record))


def guard(fn: F | None = None, *, policy: PolicyLike = None, arg: int | str = 0) -> Any:
    """Redact the mapping argument ``arg`` (a position or a parameter name) of ``fn``
    before each call. Usable as ``@guard``, ``@guard(policy=...)`` or ``guard(fn, ...)``."""

    def wrap(f: F) -> F:
        redactor = redactor_for(policy)
        sig = inspect.signature(f)
        names = list(sig.parameters)
        name = arg if isinstance(arg, str) else (names[arg] if arg < len(names) else None)

        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if name is not None and name in kwargs:
                kwargs[name] = _redact_mapping(redactor, kwargs[name])
            elif isinstance(arg, int) and arg < len(args):
                args = (*args[:arg], _redact_mapping(redactor, args[arg]), *args[arg + 1 :])
            elif isinstance(arg, str) and name in names and names.index(name) < len(args):
                i = names.index(name)
                args = (*args[:i], _redact_mapping(redactor, args[i]), *args[i + 1 :])
            return f(*args, **kwargs)

        wrapper.redactor = redactor  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return wrap(fn) if fn is not None else wrap
