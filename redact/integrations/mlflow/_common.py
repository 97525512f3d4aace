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

The key is the context detectors see (``db_password``), and a policy's ``keys`` rules
match the dotted path (``params.db_password``, ``tags.mlflow.*``). A key is scanned like a
value: a param, metric or tag key holding a finding (an e-mail, a token) is redacted, and
since MLflow accepts only letters, digits, ``_ - . /`` and spaces in these names, the
redacted key becomes a valid name (:func:`safe_key`): every run of other characters one
``-``, then ``-`` and 12 hex digits of the key's keyed fingerprint. So
``log_metric("acc/jane.doe@example.com", ...)`` is stored as ``acc/example.com-<12 hex>``
at every step, in every process that shares the fingerprint key, and two different keys
stay two names.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any

from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST, INTERNAL_ERROR

from redact._finding import fingerprint
from redact._redactor import Redactor
from redact.errors import Blocked, LineageGateError, RedactError
from redact.integrations._patch import key_detected

__all__ = [
    "POLICY_ENV",
    "DROPPED",
    "BlockedByPolicy",
    "RedactionFailed",
    "RegistrationBlocked",
    "Delegating",
    "redact_fields",
    "redact_items",
    "safe_key",
    "safe_name",
    "with_key",
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
    """The redacted value of each ``(path, value)``, or :data:`DROPPED` (see
    :func:`redact_items` for the keys)."""
    return [value for _, value in redact_items(redactor, fields)]


def redact_items(redactor: Redactor, fields: Sequence[tuple[tuple[str, ...], Any]]) -> list[tuple[str, Any]]:
    """``(key, value)`` for each ``(path, value)``: the key MLflow should store (the last
    path segment, or its redacted, valid form from :func:`safe_key` when it holds a
    finding) and the redacted value, or :data:`DROPPED`.

    The fields go through one ``Redactor.redact`` call (one audit summary). A path given
    twice (the same param key twice in one batch) goes to a second document with the
    same pointers, so equal inputs still give equal outputs; a field whose key holds a
    finding gets a document of its own, so its redacted key is found without siblings
    and never depends on them. ``Blocked`` becomes :class:`BlockedByPolicy`; any other
    failure raises (never the raw value forwarded).
    """
    if not fields:
        return []
    layers: list[dict[str, Any]] = []
    where: list[int] = []
    alone: list[bool] = []
    for path, value in fields:
        if value is None:  # nothing to redact, and no key rule should act on an absent field
            where.append(-1)
            alone.append(False)
            continue
        single = key_detected(redactor, path[-1])
        i = len(layers)
        if not single:
            i = 0
            while i < len(layers) and _occupied(layers[i], path):
                i += 1
        if i == len(layers):
            layers.append({})
        _put(layers[i], path, value)
        where.append(i)
        alone.append(single)
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
    out: list[tuple[str, Any]] = []
    for i, single, (path, _) in zip(where, alone, fields, strict=True):
        if i < 0:
            out.append((path[-1], None))
        elif not single:
            out.append((path[-1], _get(results[i], path)))
        else:  # the only entry of its container, under its redacted key
            parent = _get(results[i], path[:-1])
            entries = list(parent.items()) if isinstance(parent, dict) else []
            if not entries:
                out.append((path[-1], DROPPED))
            else:
                key, value = entries[0]
                out.append((safe_key(path[-1], key, redactor), value))
    return out


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


# What MLflow accepts in param, metric and tag names on every platform (its own check
# adds ``:`` except on Windows), and the path forms it rejects.
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9_.\- /]+")
_KEY_LIMIT = 200  # MLflow allows 250 characters; room for the suffix
_FP_HEX = 12


def safe_key(original: Any, value: Any, redactor: Redactor) -> Any:
    """A redacted param, metric or tag key that MLflow accepts, deterministic and distinct.

    Unchanged keys pass as they are. A key that redaction changed (``****@example.com``,
    ``[REDACTED:github-classic-token]``, a token or a ciphertext) keeps what is valid of
    its redacted text, every other run of characters one ``-`` and no empty, ``.`` or
    ``..`` path segment, then gets ``-`` and 12 hex digits of the original key's keyed
    fingerprint: a retry or the next step of a metric maps to the same name, two keys
    that mask alike stay apart, and the name reveals nothing of the key (HMAC under the
    fingerprint key)."""
    if value == original or not isinstance(value, str):
        return value
    body = _KEY_UNSAFE.sub("-", value)
    segments = (seg.strip(" -") for seg in body.split("/"))
    body = "/".join(seg for seg in segments if seg not in ("", ".", ".."))[:_KEY_LIMIT].rstrip("/ ")
    digest = fingerprint("KEY", str(original), redactor.scanner.fingerprint_key)[:_FP_HEX]
    return f"{body}-{digest}" if body else f"REDACTED-{digest}"


def with_key(entity: Any, key: Any) -> Any:
    """``entity`` (an MLflow entity or protobuf message with a ``key``) under ``key``."""
    if key == entity.key:
        return entity
    new = copy.copy(entity)
    if hasattr(new, "_key"):
        new._key = key
    else:
        new.key = key
    return new


def optional_value(value: Any) -> Any:
    return None if value is DROPPED else value


def rebuild(entities: Sequence[Any] | None, items: Sequence[tuple[str, Any]]) -> list[Any]:
    """``key``/``value`` entities (Param, RunTag, ... or, inside a tracking server, their
    protobuf messages) with their redacted keys and values (``items`` from
    :func:`redact_items`); dropped ones removed, unchanged ones kept as the same objects."""
    out = []
    for entity, (key, value) in zip(list(entities or ()), items, strict=True):
        if value is DROPPED:
            continue
        if value is entity.value and key == entity.key:
            out.append(entity)
        else:
            out.append(type(entity)(key=key, value=value))
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

    def _items(self, fields: Sequence[tuple[tuple[str, ...], Any]]) -> list[tuple[str, Any]]:
        return redact_items(self.redactor, fields)
