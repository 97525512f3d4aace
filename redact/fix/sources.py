"""Which :class:`~redact.fix.target.Target` a source names: the one dispatch point.

:data:`OPENERS` is tried in order; each opener takes the source string (``redact+``
stripped) and its scheme, and returns a Target, or None when the source is not its kind.
:func:`register_opener` adds one in front of the built-in file fallback.
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from redact.errors import InputError
from redact.fix.changes import FixError, RemoteStoreError
from redact.fix.target import Target

__all__ = ["OPENERS", "Opener", "open_target", "register_opener"]

Opener = Callable[[str, str], "Target | None"]

_REMOTE = ("http", "https", "databricks", "databricks-uc", "uc")


def _file_uri_path(uri: str) -> Path:
    parsed = urllib.parse.urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise FixError(f"{uri}: only local file URIs can be fixed")
    return Path(urllib.request.url2pathname(parsed.path))


def _remote(source: str, scheme: str) -> Target | None:
    if scheme.split("+", 1)[0] in _REMOTE:
        raise RemoteStoreError(
            f"{source}: a tracking server reached over REST cannot be fixed in place: fix needs "
            "database access. Point fix at the server's backend store URI instead (its "
            "--backend-store-uri: sqlite:///path/mlflow.db, postgresql://..., or the mlruns "
            "folder), with the server stopped"
        )
    return None


def _sql(source: str, scheme: str) -> Target | None:
    base = scheme.split("+", 1)[0]
    if base in ("sqlite", "postgresql", "postgres"):
        from redact.fix.sqlstore import SqlTarget

        return SqlTarget(source)
    if base in ("mysql", "mssql", "oracle"):
        raise FixError(f"{source}: {base} stores are not supported yet (SQLite and PostgreSQL are)")
    return None


def local_path(source: str, scheme: str) -> Path:
    """The local path a ``file://`` URI or a plain path names (InputError if missing)."""
    if scheme == "file":
        path = _file_uri_path(source)
    elif scheme:
        raise FixError(f"{source}: unknown store scheme {scheme!r}")
    else:
        path = Path(source)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    return path


def _local(source: str, scheme: str) -> Target | None:
    """SQLite files, MLflow file stores, then JSON/JSONL/YAML files (the fallback)."""
    from redact.fix.docs import DocsTarget
    from redact.fix.filestore import FileStoreTarget, is_file_store
    from redact.fix.sqlstore import SqlTarget, is_sqlite_file

    path = local_path(source, scheme)
    if path.is_file() and is_sqlite_file(path):
        return SqlTarget("sqlite:///" + str(path.resolve()))
    if path.is_dir() and is_file_store(path):
        return FileStoreTarget(path)
    from redact.stores.mlflow_artifacts import is_artifact_root

    if is_artifact_root(path):  # <experiment>/<run_id>/artifacts/ folders of a local root
        from redact.fix.artifacts import ArtifactRootTarget

        return ArtifactRootTarget(path)
    return DocsTarget(path)


OPENERS: list[Opener] = [_remote, _sql, _local]


def register_opener(opener: Opener) -> Opener:
    """Add an opener, tried before the local-files fallback (usable as a decorator)."""
    OPENERS.insert(len(OPENERS) - 1, opener)
    return opener


def open_target(source: str) -> Target:
    """The store ``source`` names (a URI or a path)."""
    s = source.strip()
    if s.startswith("redact+"):
        s = s[len("redact+") :]  # the plugin's URI: fix the store it wraps
    scheme = s.split("://", 1)[0].lower() if "://" in s else ""
    for opener in OPENERS:
        target = opener(s, scheme)
        if target is not None:
            return target
    raise FixError(f"{source}: not a store fix knows")  # pragma: no cover - _local always answers
