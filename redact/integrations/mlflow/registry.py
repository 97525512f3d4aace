"""The ``redact+<scheme>`` model registry store, and the lineage gate at registration.

Registered as the ``mlflow.model_registry_store`` entry points for the same schemes as the
tracking store (the registry URI defaults to the tracking URI, so one
``MLFLOW_TRACKING_URI=redact+sqlite:///mlflow.db`` covers both).

Redacted: registered model tags and descriptions, model version tags, descriptions, run
links and ``source`` (a model URI may hold credentials, ``s3://KEY:SECRET@bucket/...``).
Registered model, prompt and webhook names are redacted wherever they are given (create,
lookup, rename, tag, version, alias: every method with a ``name`` or ``new_name``
argument), deterministically, so a lookup finds what was created. Prompts: templates
(text or chat messages), descriptions and tags. Webhooks: URLs, names and descriptions;
the signing secret is passed to MLflow, which stores it encrypted (it must stay usable to
sign deliveries). Versions, aliases and stages are identifiers and pass unchanged, as
does every other method through attribute delegation.

The lineage gate: when the policy lists ``required`` fields, ``create_model_version``
reads the source run (``run_id``, or the ``source_run_id`` of ``model_id``'s logged model)
from the tracking store of the same backend and checks its params and tags with
:func:`redact.check_required` on ``{"params": {...}, "tags": {...}}``, so a rule such as
``{key: "*mlflow.source.git.commit", format: git_sha_full}`` matches the run tag. When a
field is missing or malformed, or there is no run to check, it raises
:class:`~redact.integrations.mlflow.RegistrationBlocked` (a
:class:`redact.errors.LineageGateError`) naming what is missing, and nothing is registered.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from typing import Any

from redact._redactor import Redactor, check_required
from redact.integrations.guard import redactor_for
from redact.integrations.mlflow._common import (
    DROPPED,
    Delegating,
    RegistrationBlocked,
    optional_value,
    rebuild,
    required_value,
    safe_name,
)
from redact.integrations.mlflow._uri import inner_uri, install_artifact_uri_fix, plain_uri
from redact.integrations.mlflow.artifacts import install_artifact_redaction
from redact.integrations.mlflow.logs import install_log_backstop
from redact.integrations.mlflow.tracing import install_tracing_for_store

__all__ = ["RedactingRegistryStore", "build_registry_store"]

_SERVER_BACKEND_ENV = "_MLFLOW_SERVER_FILE_STORE"  # mlflow.server.constants
_SERVER_REGISTRY_ENV = "_MLFLOW_SERVER_REGISTRY_STORE"


def _kv(section: str, entities: Any) -> list[tuple[tuple[str, ...], Any]]:
    return [((section, str(e.key)), e.value) for e in entities or ()]


_NAME_PARAMS = ("name", "new_name")


class RedactingRegistryStore(Delegating):
    """A model registry store that redacts (and gates registration), then delegates."""

    def __init__(
        self, inner: Any, uri: str, redactor: Redactor | None = None, tracking_uri: str | None = None
    ) -> None:
        super().__init__(inner, uri, redactor or redactor_for())
        self.__dict__["_tracking_uri"] = tracking_uri

    def __reduce__(self) -> tuple[Any, ...]:
        return (build_registry_store, (self._uri, self.__dict__.get("_tracking_uri")))

    # ------------------------------------------------------------------ names
    def _name(self, name: Any) -> Any:
        if name is None:
            return None
        (value,) = self._redact([(("registered_model", "name"), name)])
        return safe_name(name, required_value(value, "/registered_model/name"))

    def __getattr__(self, attr: str) -> Any:
        """Delegated methods that take a model or prompt name get it redacted."""
        value = super().__getattr__(attr)
        if attr.startswith("_") or not callable(value):
            return value
        try:
            sig = inspect.signature(value)
        except (TypeError, ValueError):
            return value
        names = [p for p in _NAME_PARAMS if p in sig.parameters]
        if not names:
            return value

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind_partial(*args, **kwargs)
            for p in names:
                if bound.arguments.get(p) is not None:
                    bound.arguments[p] = self._name(bound.arguments[p])
            return value(*bound.args, **bound.kwargs)

        return call

    # ------------------------------------------------------------------ registered models
    def create_registered_model(
        self, name: Any, tags: Any = None, description: Any = None, deployment_job_id: Any = None
    ) -> Any:
        name = self._name(name)
        tags = list(tags or [])
        items = self._items([(("description",), description), *_kv("tags", tags)])
        return self._inner.create_registered_model(
            name, tags=rebuild(tags, items[1:]), description=optional_value(items[0][1]),
            deployment_job_id=deployment_job_id,
        )  # fmt: skip

    def update_registered_model(self, name: Any, description: Any, deployment_job_id: Any = None) -> Any:
        (value,) = self._redact([(("description",), description)])
        return self._inner.update_registered_model(
            self._name(name), description=optional_value(value), deployment_job_id=deployment_job_id
        )

    def set_registered_model_tag(self, name: Any, tag: Any) -> Any:
        kept = rebuild([tag], self._items(_kv("tags", [tag])))
        return self._inner.set_registered_model_tag(self._name(name), kept[0]) if kept else None

    # ------------------------------------------------------------------ model versions
    def create_model_version(
        self,
        name: Any,
        source: Any,
        run_id: Any = None,
        tags: Any = None,
        run_link: Any = None,
        description: Any = None,
        local_model_path: Any = None,
        model_id: Any = None,
    ) -> Any:
        name = self._name(name)
        self.check_lineage(name, run_id, model_id)
        tags = list(tags or [])
        items = self._items(
            [
                (("source",), source),
                (("description",), description),
                (("run_link",), run_link),
                *_kv("tags", tags),
            ]
        )
        values = [v for _, v in items]
        return self._inner.create_model_version(
            name,
            required_value(values[0], "/source"),
            run_id=run_id,
            tags=rebuild(tags, items[3:]),
            run_link=optional_value(values[2]),
            description=optional_value(values[1]),
            local_model_path=local_model_path,
            model_id=model_id,
        )

    def update_model_version(self, name: Any, version: Any, description: Any) -> Any:
        (value,) = self._redact([(("description",), description)])
        return self._inner.update_model_version(self._name(name), version, description=optional_value(value))

    def set_model_version_tag(self, name: Any, version: Any, tag: Any) -> Any:
        kept = rebuild([tag], self._items(_kv("tags", [tag])))
        return self._inner.set_model_version_tag(self._name(name), version, kept[0]) if kept else None

    # ------------------------------------------------------------------ prompts
    def _tag_dict(self, tags: Any, *prefix: str) -> Any:
        if not tags:
            return tags
        items = list(dict(tags).items())
        red = self._items([((*prefix, "tags", str(k)), v) for k, v in items])
        return {k: v for k, v in red if v is not DROPPED}

    def create_prompt(self, name: Any, description: Any = None, tags: Any = None) -> Any:
        (desc,) = self._redact([(("prompt", "description"), description)])
        return self._inner.create_prompt(
            self._name(name), description=optional_value(desc), tags=self._tag_dict(tags, "prompt")
        )

    def create_prompt_version(
        self,
        name: Any,
        template: Any,
        description: Any = None,
        tags: Any = None,
        response_format: Any = None,
        model_config: Any = None,
    ) -> Any:
        template_value, desc = self._redact(
            [(("prompt", "template"), template), (("prompt", "description"), description)]
        )
        return self._inner.create_prompt_version(
            self._name(name),
            required_value(template_value, "/prompt/template"),
            description=optional_value(desc),
            tags=self._tag_dict(tags, "prompt"),
            response_format=response_format,
            model_config=model_config,
        )

    def set_prompt_tag(self, name: Any, key: Any, value: Any) -> Any:
        ((new_key, new),) = self._items([(("prompt", "tags", str(key)), value)])
        return None if new is DROPPED else self._inner.set_prompt_tag(self._name(name), new_key, new)

    def set_prompt_version_tag(self, name: Any, version: Any, key: Any, value: Any) -> Any:
        ((new_key, new),) = self._items([(("prompt", "tags", str(key)), value)])
        if new is DROPPED:
            return None
        return self._inner.set_prompt_version_tag(self._name(name), version, new_key, new)

    # ------------------------------------------------------------------ webhooks
    def _webhook_fields(self, name: Any, url: Any, description: Any) -> tuple[Any, Any, Any]:
        n, u, d = self._redact(
            [
                (("webhook", "name"), name),
                (("webhook", "url"), url),
                (("webhook", "description"), description),
            ]
        )
        if name is not None:
            n = safe_name(name, required_value(n, "/webhook/name"))
        if url is not None:
            u = required_value(u, "/webhook/url")
        return n, u, optional_value(d)

    def create_webhook(
        self,
        name: Any,
        url: Any,
        events: Any,
        description: Any = None,
        secret: Any = None,
        status: Any = None,
    ) -> Any:
        n, u, d = self._webhook_fields(name, url, description)
        return self._inner.create_webhook(n, u, events, d, secret, status)

    def update_webhook(
        self,
        webhook_id: Any,
        name: Any = None,
        description: Any = None,
        url: Any = None,
        events: Any = None,
        secret: Any = None,
        status: Any = None,
    ) -> Any:
        n, u, d = self._webhook_fields(name, url, description)
        return self._inner.update_webhook(webhook_id, n, d, u, events, secret, status)

    # ------------------------------------------------------------------ lineage gate
    def check_lineage(self, name: Any, run_id: Any = None, model_id: Any = None) -> None:
        """Raise :class:`RegistrationBlocked` unless the source run has every ``required``
        field of the policy (a no-op when the policy requires nothing)."""
        policy = self.redactor.policy
        if not policy.required:
            return
        what = f"model version of {name!r} was not registered"
        if not run_id and model_id:
            run_id = getattr(self._gate_lookup("get_logged_model", model_id), "source_run_id", None)
        if not run_id:
            raise RegistrationBlocked(
                f"lineage gate: {what}: it names no source run (run_id, or a logged model with a "
                f"source run), so the policy's required provenance "
                f"({', '.join(r.key for r in policy.required)}) cannot be checked"
            )
        run = self._gate_lookup("get_run", run_id)
        if run is None:
            raise RegistrationBlocked(
                f"lineage gate: {what}: source run {run_id} was not found in the tracking store"
            )
        metadata = {"params": dict(run.data.params), "tags": dict(run.data.tags)}
        problems = [str(p) for p in check_required(metadata, policy)]
        if problems:
            raise RegistrationBlocked(
                f"lineage gate: {what}: source run {run_id} lacks required provenance: "
                + "; ".join(problems),
                problems,
            )

    def _gate_uris(self) -> list[str]:
        uris = [self._uri]
        tracking = self.__dict__.get("_tracking_uri")
        if tracking and plain_uri(tracking) != inner_uri(self._uri):
            uris.append(tracking)
        return uris

    def _gate_lookup(self, method: str, ident: Any) -> Any:
        """``method(ident)`` on the tracking store of this backend (then on the tracking
        URI's, when that differs); None when neither has it."""
        from mlflow.exceptions import MlflowException

        for uri in self._gate_uris():
            store = _tracking_store_for(uri)
            if store is None:
                continue
            try:
                return getattr(store, method)(ident)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                    raise
        return None


def _tracking_store_for(uri: str) -> Any:
    """The tracking store MLflow uses for ``uri`` (its cached one; inside ``mlflow server``
    the server's own), or None when ``uri`` is not a tracking backend."""
    handlers = sys.modules.get("mlflow.server.handlers")
    if handlers is not None and os.environ.get(_SERVER_BACKEND_ENV) == uri:
        return handlers._get_tracking_store()
    from mlflow.tracking._tracking_service.utils import _tracking_store_registry
    from mlflow.tracking.registry import UnsupportedModelRegistryStoreURIException

    try:
        builder = _tracking_store_registry.get_store_builder(uri)  # type: ignore[no-untyped-call]
    except UnsupportedModelRegistryStoreURIException:
        return None  # a registry-only backend: no runs there
    del builder
    return _tracking_store_registry.get_store(uri)  # type: ignore[no-untyped-call]


def _server_registry(store_uri: str) -> Any:
    configured = os.environ.get(_SERVER_REGISTRY_ENV) or os.environ.get(_SERVER_BACKEND_ENV)
    if configured != store_uri:
        return None
    handlers = sys.modules.get("mlflow.server.handlers")
    return getattr(handlers, "_model_registry_store_registry", None)


def build_registry_store(store_uri: str, tracking_uri: str | None = None) -> RedactingRegistryStore:
    """Entry point of the ``mlflow.model_registry_store`` group for every ``redact+<scheme>``."""
    from mlflow.tracking._model_registry.utils import _get_store_registry

    install_artifact_uri_fix()
    install_artifact_redaction()
    install_tracing_for_store()
    install_log_backstop()
    policy_redactor = redactor_for()
    registry = _server_registry(store_uri) or _get_store_registry()  # type: ignore[no-untyped-call]
    target = inner_uri(store_uri)
    builder = registry.get_store_builder(target)
    names = set(inspect.signature(builder).parameters)
    if "store_uri" in names and "tracking_uri" in names:
        inner = builder(store_uri=target, tracking_uri=tracking_uri)
    else:
        inner = builder(store_uri=target)
    return RedactingRegistryStore(inner, store_uri, policy_redactor, tracking_uri)
