"""Text artifacts of MLflow runs, read for ``redact scan``.

A run's artifacts under a file store (``mlruns/<experiment>/<run>/artifacts/``) or a
local artifact root (``mlartifacts/<experiment>/<run>/artifacts/``, what
``mlflow server --artifacts-destination`` and SQL-backed stores write) are read with
:func:`redact.artifacts.iter_documents`: binary files are skipped, text streams in pages
of lines, tables in pages of rows, JSON and YAML whole (up to ``artifacts.max_bytes``).

Pointers: ``/runs/<run_id>/artifacts/<path>/<inside>``, where ``<path>`` is the file's
path in the run's artifacts (one segment per folder) and ``<inside>`` a line number for
text, ``<row>/<column>`` for tables (row 1 is the header), the JSON pointer for
structured files.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from redact.artifacts import iter_documents
from redact.leaves import Segment
from redact.policy import ArtifactSettings
from redact.stores.base import Record

__all__ = [
    "artifact_files",
    "artifact_records",
    "run_artifact_dirs",
    "is_artifact_root",
    "plan_artifact_root",
]

_OWN = (".redact-fix.", ".redact-tmp")


def artifact_files(folder: Path) -> Iterator[tuple[Path, tuple[str, ...]]]:
    """Every file below a run's ``artifacts`` folder, with its path segments, in order
    (fix's own temporary files and backups left out)."""
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if ".redact-backup-" not in d)
        for name in sorted(names):
            if any(o in name for o in _OWN):
                continue
            path = Path(root) / name
            if path.is_file() and not path.is_symlink():
                yield path, tuple(path.relative_to(folder).parts)


def artifact_records(
    display: str, folder: Path, run_id: str, settings: ArtifactSettings | None = None
) -> Iterator[Record]:
    """The scan records of one run's artifacts folder."""
    settings = settings or ArtifactSettings()
    for path, parts in artifact_files(folder):
        prefix: tuple[Segment, ...] = ("runs", run_id, "artifacts", *parts)
        try:
            for doc in iter_documents(path, settings, path.name):
                yield Record(display, prefix, doc)
        except OSError:
            continue


def run_artifact_dirs(root: Path) -> Iterator[tuple[str, Path]]:
    """``(run_id, artifacts folder)`` of every run below a local artifact root or file
    store: ``<root>/<experiment>/<run_id>/artifacts``."""
    for exp in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for run in sorted(p for p in exp.iterdir() if p.is_dir()):
            art = run / "artifacts"
            if art.is_dir():
                yield run.name, art


_EXPERIMENT_ID = re.compile(r"^\d+$")
_RUN_ID = re.compile(r"^[0-9a-f]{32}$")


def is_artifact_root(path: Path) -> bool:
    """A folder laid out as ``<experiment id>/<run id>/artifacts/`` and nothing else (an
    artifact root of a SQL-backed store or of ``mlflow server``): every entry is an
    experiment folder (digits), and some run folder (32 hex digits) holds ``artifacts``.
    Any other folder, even one with an ``a/b/artifacts`` inside, is scanned as files."""
    if not path.is_dir() or (path / "meta.yaml").exists():
        return False
    found = False
    for exp in path.iterdir():
        if exp.name.startswith("."):
            continue
        if not (exp.is_dir() and _EXPERIMENT_ID.match(exp.name)):
            return False
        found = found or any(
            run.is_dir() and _RUN_ID.match(run.name) and (run / "artifacts").is_dir() for run in exp.iterdir()
        )
    return found


def _root_task(display: str, root_text: str) -> Iterator[Record]:
    for run_id, art in run_artifact_dirs(Path(root_text)):
        yield from artifact_records(display, art, run_id)


def plan_artifact_root(folder: Path, display: str) -> Iterator[Any]:
    """The scan task of a local artifact root (see :func:`is_artifact_root`)."""
    yield functools.partial(_root_task, display, str(folder))
