"""What the tracking and registry stores share: the policy, MLflow-shaped errors, the
one-call redaction of many fields, and attribute delegation to the wrapped store.

Where each value sits in the redacted document (its JSON pointer, which is also the
associated data of ``encrypt`` and what key rules match):

==========================================  ===============================================
value                                       pointer
==========================================  ===============================================
run param, logged-model param               ``/params/<key>``
run, experiment, logged-model,              ``/tags/<key>``
registered-model and model-version tag
run name                                    ``/tags/mlflow.runName`` (same as its tag)
run user id                                 ``/tags/mlflow.user`` (same as its tag)
experiment name                             ``/experiment/name``
dataset name, source, schema, profile       ``/dataset/name`` ... ``/dataset/profile``
dataset input tag                           ``/dataset/tags/<key>``
registry description                        ``/description``
model version source                        ``/source``
==========================================  ===============================================

Keys are never changed; the key is the context detectors see (``db_password``), and a
policy's ``keys`` rules match the dotted path (``params.db_password``, ``tags.mlflow.*``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST, INTERNAL_ERROR

from redact._redactor import Redactor
from redact.errors import Blocked, LineageGateError, RedactError

__all__ = [
    "POLICY_ENV",
    "DROPPED",
    "BlockedByPolicy",
    "RedactionFailed",
    "RegistrationBlocked",
    "Delegating",
]

POLICY_ENV = "REDACT_POLICY"


class _Dropped:
    def __repr__(self) -> str:
        return "DROPPED"


DROPPED: Any = _Dropped()  # a field removed by the drop action


class BlockedByPolicy(Blocked, MlflowException):
    """:class:`redact.errors.Blocked` that MLflow also understands: a ``BAD_REQUEST``
    MlflowException, so a tracking server running the plugin answers 400 with this message
    (not a 500 its clients retry). Not ``INVALID_PARAMETER_VALUE``: MLflow's client rewraps
    that code for params into a plain MlflowException about overwriting params, and the
    caller would lose the Blocked. Never carries the value."""

    def __init__(self, pointer: str, category: str, detector: str, message: str | None = None) -> None:
        Blocked.__init__(self, pointer, category, detector, message)
        MlflowException.__init__(self, self.message, error_code=BAD_REQUEST)


class RedactionFailed(RedactError, MlflowException):
    """Redaction itself failed (not a block): nothing was forwarded (fail closed)."""

    def __init__(self, message: str) -> None:
        MlflowException.__init__(self, message, error_code=INTERNAL_ERROR)


class RegistrationBlocked(LineageGateError, MlflowException):
    """:class:`redact.errors.LineageGateError` as a ``BAD_REQUEST`` MlflowException: the
    model version was not registered."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        LineageGateError.__init__(self, message, problems)
        MlflowException.__init__(self, message, error_code=BAD_REQUEST)


# ---------------------------------------------------------------------- one-call redaction
def _occupied(doc: dict[str, Any], path: tuple[str, ...]) -> bool:
    node: Any = doc
    for part in path[:-1]:
        node = node.get(part)
        if node is None:
            return False
        if not isinstance(node, dict):
            return True
    return path[-1] in node


def _put(doc: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    node = doc
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    node = doc
    for part in path:
        if not isinstance(node, dict) or part not in node:
            return DROPPED
        node = node[part]
    return node


def redact_fields(redactor: Redactor, fields: Sequence[tuple[tuple[str, ...], Any]]) -> list[Any]:
    """The redacted value of each ``(path, value)``, or :data:`DROPPED`.

    All fields go through one ``Redactor.redact`` call (one audit summary). A path given
    twice (the same param key twice in one batch) goes to a second document with the
    same pointers, so equal inputs still give equal outputs. ``Blocked`` becomes
    :class:`BlockedByPolicy`; any other failure raises (never the raw value forwarded).
    """
    if not fields:
        return []
    layers: list[dict[str, Any]] = []
    where: list[int] = []
    for path, value in fields:
        if value is None:  # nothing to redact, and no key rule should act on an absent field
            where.append(-1)
            continue
        i = 0
        while i < len(layers) and _occupied(layers[i], path):
            i += 1
        if i == len(layers):
            layers.append({})
        _put(layers[i], path, value)
        where.append(i)
    results = []
    for layer in layers:
        try:
            results.append(redactor.redact(layer).value)
        except Blocked as exc:
            raise BlockedByPolicy(exc.pointer, exc.category, exc.detector, str(exc)) from None
        except RedactError:
            raise
        except Exception as exc:  # fail closed: a value that could not be redacted is not sent
            raise RedactionFailed(
                f"redaction failed ({type(exc).__name__}); nothing was sent to the tracking store"
            ) from None
    return [None if i < 0 else _get(results[i], path) for i, (path, _) in zip(where, fields, strict=True)]


def required_value(value: Any, pointer: str) -> Any:
    """A field the backend cannot do without (a name, a source): dropping it blocks."""
    if value is DROPPED:
        raise BlockedByPolicy(
            pointer,
            "DROPPED",
            "drop",
            f"blocked: the policy drops the required field at pointer {pointer!r}",
        )
    return value


_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def safe_name(original: Any, value: Any) -> Any:
    """A redacted identifier MLflow still accepts (model, prompt and webhook names allow
    neither ``/`` nor ``:``, some not ``.``): when redaction changed it, every run of
    other characters becomes one ``-``. Deterministic, so lookups find it again."""
    if value is original or value == original or not isinstance(value, str):
        return value
    return _NAME_UNSAFE.sub("-", value).strip("-")[:63] or "REDACTED"


def optional_value(value: Any) -> Any:
    return None if value is DROPPED else value


def rebuild(entities: Sequence[Any] | None, values: Sequence[Any]) -> list[Any]:
    """``key``/``value`` entities (Param, RunTag, ... or, inside a tracking server, their
    protobuf messages) with their redacted values; dropped ones removed, unchanged ones
    kept as the same objects."""
    out = []
    for entity, value in zip(list(entities or ()), values, strict=True):
        if value is DROPPED:
            continue
        out.append(entity if value is entity.value else type(entity)(key=entity.key, value=value))
    return out


# ---------------------------------------------------------------------- delegation
class Delegating:
    """Forward every attribute the wrapper does not define to the wrapped store.

    ``isinstance(store, SqlAlchemyStore)`` (or ``RestStore``, ``FileStore``) stays true
    for the wrapped store's class, as MLflow branches on it in places (the server's
    store-type report, the run URL it prints for REST stores).
    """

    _inner: Any
    _uri: str

    def __init__(self, inner: Any, uri: str, redactor: Redactor) -> None:
        self.__dict__["_inner"] = inner
        self.__dict__["_uri"] = uri
        self.__dict__["_redactor"] = redactor

    @property  # type: ignore[misc]
    def __class__(self) -> type:  # noqa: D105
        return type(self.__dict__["_inner"]) if "_inner" in self.__dict__ else type(self)

    def __getattr__(self, name: str) -> Any:
        inner = self.__dict__.get("_inner")
        if inner is None:
            raise AttributeError(name)
        return getattr(inner, name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(dir(self._inner)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._uri!r} wrapping {type(self._inner).__name__}>"

    @property
    def redactor(self) -> Redactor:
        """The one Redactor every call of this store goes through."""
        return self.__dict__["_redactor"]  # type: ignore[no-any-return]

    @property
    def wrapped(self) -> Any:
        """The backend store (writes to it directly are not redacted)."""
        return self._inner

    def _redact(self, fields: Sequence[tuple[tuple[str, ...], Any]]) -> list[Any]:
        return redact_fields(self.redactor, fields)
