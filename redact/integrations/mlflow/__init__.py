"""MLflow tracking and model registry stores that redact metadata before it is written.

MLflow picks its stores by the scheme of the tracking (and registry) URI; this package
registers ``redact+file``, ``redact+sqlite``, ``redact+postgresql``, ``redact+mysql``,
``redact+http`` and ``redact+https`` for both, so a training script needs no change:

.. code-block:: bash

    export MLFLOW_TRACKING_URI=redact+sqlite:///mlflow.db
    export REDACT_POLICY=policies/team.yaml       # optional; default: the built-in default
    python train.py

or, on a tracking server (every client is covered, whatever its URI):

.. code-block:: bash

    mlflow server --backend-store-uri redact+sqlite:///mlflow.db

Besides params and tags, a ``redact+`` store covers text artifacts
(:mod:`~redact.integrations.mlflow.artifacts`), traces
(:mod:`~redact.integrations.mlflow.tracing`; :func:`install_tracing` is the one call for
any other set-up), experiment, model, prompt and webhook names and locations, and
MLflow's own log lines (:mod:`~redact.integrations.mlflow.logs`).

See :mod:`redact.integrations.mlflow.tracking` and :mod:`redact.integrations.mlflow.registry`
for what is redacted, and :mod:`redact.integrations.mlflow._common` for the JSON pointer
each value gets (``/params/<key>``, ``/tags/<key>``, ...).
"""

from __future__ import annotations

# MLflow first: importing it loads the ``redact+`` entry points, which import the modules
# below. Were they half-imported at that moment (``import redact.integrations.mlflow``
# before ``import mlflow``), MLflow would skip the plugin with a warning.
import mlflow  # noqa: F401  isort: skip

from redact.integrations.mlflow._common import (
    POLICY_ENV,
    BlockedByPolicy,
    RedactionFailed,
    RegistrationBlocked,
    redact_fields,
)
from redact.integrations.mlflow._uri import PREFIX, SCHEMES, inner_uri
from redact.integrations.mlflow.artifacts import RedactingArtifactRepository
from redact.integrations.mlflow.logs import install_log_backstop
from redact.integrations.mlflow.registry import RedactingRegistryStore, build_registry_store
from redact.integrations.mlflow.tracing import install_tracing, span_processor, uninstall_tracing
from redact.integrations.mlflow.tracking import RedactingTrackingStore, build_tracking_store

__all__ = [
    "POLICY_ENV",
    "PREFIX",
    "SCHEMES",
    "BlockedByPolicy",
    "RedactionFailed",
    "RegistrationBlocked",
    "RedactingTrackingStore",
    "RedactingRegistryStore",
    "RedactingArtifactRepository",
    "install_tracing",
    "uninstall_tracing",
    "span_processor",
    "install_log_backstop",
    "build_tracking_store",
    "build_registry_store",
    "inner_uri",
    "redact_fields",
]
