"""Artifacts of ``redact+`` stores: text files redacted before they are written or uploaded.

MLflow resolves a run's (or logged model's) artifact repository through one registry,
``get_artifact_repository(artifact_uri, tracking_uri)``. When a ``redact+`` store is built,
that lookup is wrapped: a repository resolved under a ``redact+`` tracking URI (client
side), or inside ``mlflow server --backend-store-uri redact+...`` (the ``--serve-artifacts``
proxy: every client's uploads), comes back as a :class:`RedactingArtifactRepository`.
Any other tracking URI gets MLflow's repository unchanged.

Each file goes through :func:`redact.artifacts.redact_file` (JSON, YAML, notebooks parsed
with their keys; CSV/TSV by row; every other text format streamed line by line; binary
files unchanged). A file that changes is uploaded from a redacted copy in a temporary
folder, under its own name; the caller's file is never modified. ``log_dict``,
``log_text``, ``log_table``, ``log_artifact``, ``log_artifacts`` (whole folders, Hydra's
``.hydra/`` included) and model logging all pass through ``log_artifact(s)``.

A ``block`` raises :class:`~redact.integrations.mlflow.BlockedByPolicy` (the server
answers 400) and nothing of that call is uploaded; a failure of redaction raises
:class:`~redact.integrations.mlflow.RedactionFailed`, nothing uploaded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from redact._redactor import Redactor
from redact.artifacts import ArtifactBlocked, redact_file
from redact.errors import RedactError
from redact.integrations.guard import redactor_for
from redact.integrations.mlflow._common import BlockedByPolicy, Delegating, RedactionFailed
from redact.integrations.mlflow._uri import PREFIX

__all__ = ["RedactingArtifactRepository", "install_artifact_redaction", "redacting_uri"]

_SERVER_BACKEND_ENV = "_MLFLOW_SERVER_FILE_STORE"


def redacting_uri(uri: str | None) -> bool:
    return isinstance(uri, str) and uri.lower().startswith(PREFIX)


@contextmanager
def _mlflow_errors() -> Iterator[None]:
    try:
        yield
    except ArtifactBlocked as exc:
        raise BlockedByPolicy(exc.pointer, exc.category, exc.detector, str(exc)) from None
    except (BlockedByPolicy, RedactionFailed):
        raise
    except RedactError as exc:
        raise RedactionFailed(f"{exc}; nothing was uploaded") from None


def _join(artifact_path: str | None, rel: str) -> str:
    return f"{artifact_path.rstrip('/')}/{rel}" if artifact_path else rel


class RedactingArtifactRepository(Delegating):
    """An artifact repository that uploads redacted copies of text files."""

    def __init__(self, inner: Any, redactor: Redactor | None = None) -> None:
        super().__init__(inner, str(getattr(inner, "artifact_uri", "")), redactor or redactor_for())

    def _copy(self, local_file: str, where: str, tmp: str) -> str:
        """The file to upload for ``local_file``: itself, or its redacted copy in ``tmp``."""
        name = os.path.basename(local_file)
        target = os.path.join(tmp, name)
        outcome = redact_file(local_file, target, self.redactor, name=name, where=where)
        return target if outcome.changed else local_file

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> Any:
        local_file = os.fspath(local_file)
        where = _join(artifact_path, os.path.basename(local_file))
        with _mlflow_errors(), tempfile.TemporaryDirectory(prefix="redact-artifact-") as tmp:
            upload = self._copy(local_file, where, tmp)
            return self._inner.log_artifact(upload, artifact_path)

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> Any:
        """Every file of ``local_dir`` is checked first; when none changes the folder is
        uploaded as it is, else a mirror (redacted copies, links to unchanged files)."""
        local_dir = os.fspath(local_dir)
        with _mlflow_errors(), tempfile.TemporaryDirectory(prefix="redact-artifacts-") as tmp:
            mirror = os.path.join(tmp, "mirror")
            changed = False
            files: list[tuple[str, str]] = []
            for root, dirs, names in os.walk(local_dir):
                dirs.sort()
                for name in sorted(names):
                    src = os.path.join(root, name)
                    rel = os.path.relpath(src, local_dir)
                    dst = os.path.join(mirror, rel)
                    os.makedirs(os.path.dirname(dst), exist_ok=True)
                    if os.path.isfile(src):
                        outcome = redact_file(
                            src, dst, self.redactor, name=name,
                            where=_join(artifact_path, rel.replace(os.sep, "/")),
                        )  # fmt: skip
                        changed = changed or outcome.changed
                        if not outcome.changed:
                            files.append((src, dst))
            if not changed:
                return self._inner.log_artifacts(local_dir, artifact_path)
            for src, dst in files:
                if os.path.lexists(dst):
                    os.remove(dst)
                try:
                    os.link(src, dst)
                except OSError:
                    shutil.copyfile(src, dst)
            for root, dirs, _ in os.walk(local_dir):  # empty folders too
                for d in dirs:
                    os.makedirs(
                        os.path.join(mirror, os.path.relpath(os.path.join(root, d), local_dir)), exist_ok=True
                    )
            return self._inner.log_artifacts(mirror, artifact_path)

    def log_artifact_from_stream(
        self, stream: IO[bytes], filename: str, artifact_path: str | None = None
    ) -> Any:
        """The server's streaming upload: the stream lands in a temporary file first."""
        with tempfile.TemporaryDirectory(prefix="redact-upload-") as tmp:
            raw = os.path.join(tmp, "raw")
            os.makedirs(raw)
            path = os.path.join(raw, filename)
            with open(path, "wb") as f:
                shutil.copyfileobj(stream, f, 1 << 20)
            return self.log_artifact(path, artifact_path)

    async def log_artifact_from_async_stream(
        self, stream: Any, filename: str, artifact_path: str | None = None
    ) -> Any:
        """The ASGI server's streaming upload: to a temporary file, then redacted."""
        import asyncio

        with tempfile.TemporaryDirectory(prefix="redact-upload-") as tmp:
            raw = os.path.join(tmp, "raw")
            os.makedirs(raw)
            path = os.path.join(raw, filename)
            with open(path, "wb") as f:
                async for chunk in stream:
                    await asyncio.to_thread(f.write, chunk)
            return await asyncio.to_thread(self.log_artifact, path, artifact_path)


def _server_redacting() -> bool:
    return redacting_uri(os.environ.get(_SERVER_BACKEND_ENV))


def install_artifact_redaction() -> None:
    """Wrap MLflow's artifact repository lookup (idempotent): repositories resolved under a
    ``redact+`` tracking URI, or in a server whose backend store is ``redact+``, redact."""
    from mlflow.store.artifact import artifact_repository_registry as registry_module

    registry = registry_module._artifact_repository_registry
    current = registry.get_artifact_repository
    if getattr(current, "_redact_artifacts", False):
        return

    def get_artifact_repository(
        artifact_uri: str, tracking_uri: str | None = None, registry_uri: str | None = None
    ) -> Any:
        repo = current(artifact_uri, tracking_uri, registry_uri)
        if isinstance(repo, RedactingArtifactRepository):
            return repo
        if tracking_uri is None:
            from mlflow.tracking._tracking_service.utils import get_tracking_uri

            tracking_uri = get_tracking_uri()
        if redacting_uri(tracking_uri) or _server_redacting():
            return RedactingArtifactRepository(repo)
        return repo

    get_artifact_repository._redact_artifacts = True  # type: ignore[attr-defined]
    registry.get_artifact_repository = get_artifact_repository  # type: ignore[method-assign]
    if _server_redacting():
        import sys

        handlers = sys.modules.get("mlflow.server.handlers")
        built = getattr(handlers, "_artifact_repo", None) if handlers is not None else None
        if built is not None and not isinstance(built, RedactingArtifactRepository):
            handlers._artifact_repo = None  # type: ignore[union-attr]  # rebuilt through the wrapped lookup
