"""``redact fix`` for text artifacts: the files of runs' ``artifacts`` folders.

Used by the MLflow file store target (``mlruns/<experiment>/<run>/artifacts/``) and by
:class:`ArtifactRootTarget`, a local artifact root on its own (``mlartifacts/``: what a
SQL-backed store or ``mlflow server --artifacts-destination`` writes; fix the database
and its artifact root as two sources).

Each file is redacted as the MLflow plugin redacts an upload
(:func:`redact.artifacts.redact_file`: text line by line, tables by row, JSON and YAML
parsed; binary files are never touched) into a staging copy during the plan, so memory
stays bounded whatever the file's size. A file whose redacted copy differs becomes one
``rewrite`` change: the journal holds the digest of the old bytes (keyed when the policy
keys fingerprints) and the SHA-256 of the new ones; the backup holds a copy of the old
file. Applying checks the file still has the planned digest, then replaces it
atomically. Pointers: ``/runs/<run_id>/artifacts/<path>/<inside>`` (see
:mod:`redact.stores.mlflow_artifacts`). In fix context ``artifacts.over_cap: block``
redacts the over-cap file as text (a stored file cannot be refused).
"""

from __future__ import annotations

import atexit
import dataclasses
import hashlib
import itertools
import shutil
import tempfile
from pathlib import Path

from redact.artifacts import file_digest, redact_file
from redact.fix import Change, FieldRedactor, FixError, Progress
from redact.fix.filestore import FolderTarget, atomic_write
from redact.fix.journal import location_key
from redact.leaves import pointer
from redact.stores.mlflow_artifacts import artifact_files, run_artifact_dirs

__all__ = ["ArtifactRootTarget", "apply_artifact", "plan_artifacts"]

_stage: list[Path] = []
_counter = itertools.count()


def _stage_dir() -> Path:
    if not _stage:
        d = Path(tempfile.mkdtemp(prefix="redact-fix-artifacts-"))
        _stage.append(d)
        atexit.register(shutil.rmtree, d, True)
    return _stage[0]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def plan_artifacts(redactor: FieldRedactor, root: Path, folder: Path, run_id: str) -> list[Change]:
    """The rewrites of the text files below ``folder`` (a run's ``artifacts``), with
    locations relative to ``root``."""
    changes: list[Change] = []
    if not folder.is_dir():
        return changes
    over_cap = "text" if redactor.policy.artifacts.over_cap == "block" else None
    key = redactor.fingerprint_key
    for path, parts in artifact_files(folder):
        rel = path.relative_to(root).as_posix()
        location = {"file": rel, "artifact": True}
        done = redactor.done.get(location_key(location))
        if done is not None and done.get("new_sha256") == _sha256_file(path):
            redactor.already_applied += 1
            continue
        staged = _stage_dir() / f"{next(_counter)}-{path.name}"
        outcome = redact_file(path, staged, redactor.redactor, name=path.name, where=rel, over_cap=over_cap)
        if not outcome.changed:
            staged.unlink(missing_ok=True)
            continue
        base = pointer(("runs", run_id, "artifacts", *parts))
        decisions = tuple(dataclasses.replace(d, pointer=base + d.pointer) for d in outcome.found)
        old = file_digest(path, key)
        changes.append(
            Change(
                location=location,
                pointer=base,
                op="rewrite",
                old_fingerprint=old,
                new_sha256=_sha256_file(staged),
                decisions=decisions,
                policy_actions=tuple(redactor.policy_action(d) for d in decisions),
                old=old,
                payload=(str(staged), key),
            )
        )
    return changes


def apply_artifact(root: Path, change: Change) -> None:
    """Replace one artifact with its staged redacted copy (atomic; refuses a file that
    changed since the plan)."""
    f = root / str(change.location["file"])
    staged, key = change.payload
    try:
        current = file_digest(f, key)
    except OSError as exc:
        raise FixError(f"{f}: cannot read: {exc.strerror}") from None
    if current != change.old:
        raise FixError(f"{f}: changed since the plan (a concurrent writer?)")
    atomic_write(f, Path(staged))


class ArtifactRootTarget(FolderTarget):
    """A local artifact root (``<experiment>/<run_id>/artifacts/...``) without a store."""

    kind = "mlflow-artifacts"

    def plan(self, redactor: FieldRedactor) -> list[Change]:
        changes: list[Change] = []
        for run_id, folder in run_artifact_dirs(self.root):
            changes.extend(plan_artifacts(redactor, self.root, folder, run_id))
        return changes

    def apply(self, batch: list[Change], progress: Progress) -> None:
        for c in batch:
            apply_artifact(self.root, c)
            progress.step()
