"""``redact+<scheme>`` URIs: the plugin's schemes and the backend URI they wrap."""

from __future__ import annotations

from typing import Any

__all__ = ["PREFIX", "SCHEMES", "inner_uri", "plain_uri", "install_artifact_uri_fix"]

PREFIX = "redact+"
# The schemes registered as entry points (pyproject.toml). SQLAlchemy driver suffixes
# (``redact+postgresql+psycopg2://``) would be schemes of their own: use the plain form.
SCHEMES = ("file", "sqlite", "postgresql", "mysql", "http", "https")


def inner_uri(uri: str) -> str:
    """``redact+sqlite:///x.db`` -> ``sqlite:///x.db`` (the store the plugin wraps)."""
    if not isinstance(uri, str) or not uri.lower().startswith(PREFIX):
        known = ", ".join(PREFIX + s for s in SCHEMES)
        raise ValueError(f"not a {PREFIX}<scheme> URI: expected one of {known}")
    inner = uri[len(PREFIX) :]
    if not inner:
        raise ValueError(f"{PREFIX} needs a backend URI after it")
    return inner


def plain_uri(uri: str | None) -> str | None:
    """``uri`` without the ``redact+`` prefix (anything else unchanged)."""
    if isinstance(uri, str) and uri.lower().startswith(PREFIX):
        return uri[len(PREFIX) :]
    return uri


def install_artifact_uri_fix() -> None:
    """Let ``mlflow-artifacts:`` artifact URIs work under a ``redact+http(s)`` tracking URI.

    A server started with ``--serve-artifacts`` (the default) returns run and model
    artifact locations as ``mlflow-artifacts:/...``; MLflow resolves those against the
    tracking URI and accepts only ``http``/``https`` there. The repository registered for
    ``mlflow-artifacts`` is wrapped so that it sees the tracking and registry URIs without
    the ``redact+`` prefix; for any other tracking URI it behaves exactly as before.
    Idempotent. Artifact contents are redacted by
    :mod:`redact.integrations.mlflow.artifacts`, not here.
    """
    from mlflow.store.artifact import artifact_repository_registry as registry_module

    registry = registry_module._artifact_repository_registry
    current = registry._registry.get("mlflow-artifacts")
    if current is None or getattr(current, "_redact_plain_uris", False):
        return

    def mlflow_artifacts_repository(
        artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
    ) -> Any:
        from mlflow.tracking._tracking_service.utils import get_tracking_uri

        return current(
            artifact_uri,
            tracking_uri=plain_uri(tracking_uri or get_tracking_uri()),
            registry_uri=plain_uri(registry_uri),
        )

    mlflow_artifacts_repository._redact_plain_uris = True  # type: ignore[attr-defined]
    registry.register("mlflow-artifacts", mlflow_artifacts_repository)  # type: ignore[no-untyped-call]
