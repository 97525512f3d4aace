"""The fix run: plan, back up, journal, apply, finish, archive; resume, rollback, verify.

Order of a fix, and what a crash at each point leaves (every case is brought to a
consistent state by a plain re-run, ``--resume`` or ``--rollback``):

1. plan (read only);
2. backup folder ``<store>.redact-backup-N`` (0700, files 0600), then its
   ``manifest.json`` (a backup without one is incomplete; the next run removes it);
3. journal header, durable before the journal has its name (no journal, or one that
   holds no record: nothing was done, and the next run removes it);
4. per batch: change records (fsynced), the changes, an ``applied`` record;
5. clean-up (VACUUM, temporary files), an ``end`` record;
6. the journal moves into the backup folder (``journal.jsonl``): the store is done.

A journal without ``end`` is an interrupted fix: a plain re-run or ``--resume`` finishes
it (same policy, same backup), ``--rollback`` restores its backup. ``--rollback`` after a
completed fix restores the newest complete backup of the store.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from redact.fix.changes import Change, FixError, sha256_text
from redact.fix.field import FieldRedactor
from redact.fix.filestore import copy_private
from redact.fix.journal import Journal, JournalState, fsync_dir, read_journal, tmp_path
from redact.fix.report import FixReport, Verification
from redact.fix.sources import open_target
from redact.fix.target import Progress, Target, crash_point
from redact.policy import Policy

__all__ = ["fix", "run_target", "policy_digest", "verify_target", "BACKUP_MARK"]

BACKUP_MARK = ".redact-backup-"


def policy_digest(policy: Policy) -> str:
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:32]


# ---------------------------------------------------------------------- backups
def _new_backup_dir(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        d = parent / f"{name}{BACKUP_MARK}{n}"
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            n += 1
            continue
        os.chmod(d, 0o700)  # whatever the umask
        return d.resolve()


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    """The manifest is written last: a backup without one is incomplete."""
    tmp = dest / "manifest.json.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, indent=2, sort_keys=True, default=str)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, dest / "manifest.json")
    fsync_dir(dest)


def _read_manifest(backup: Path | None) -> dict[str, Any]:
    if backup is None or not (backup / "manifest.json").is_file():
        raise FixError(f"the backup {backup} is missing or incomplete (no manifest.json): cannot roll back")
    data = json.loads((backup / "manifest.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise FixError(f"{backup}/manifest.json: not a backup manifest")
    return data


def _backups(parent: Path, name: str) -> list[Path]:
    """This store's backup folders in ``parent``, oldest first."""
    if not parent.is_dir():
        return []
    found = []
    for d in parent.glob(f"{name}{BACKUP_MARK}*"):
        n = d.name[len(name) + len(BACKUP_MARK) :]
        if d.is_dir() and n.isdigit():
            found.append((int(n), d))
    return [d for _, d in sorted(found)]


def _remove_incomplete_backups(parent: Path, name: str) -> list[str]:
    """Backups a crash left without a manifest: nothing was changed after them, and they
    hold copies of the original values, so they are removed."""
    notes = []
    for d in _backups(parent, name):
        if not (d / "manifest.json").is_file():
            shutil.rmtree(d)
            notes.append(f"removed the incomplete backup {d} of an interrupted run (nothing had changed)")
    if notes:
        fsync_dir(parent)
    return notes


def _archive(state: JournalState) -> Path:
    """Move a completed journal into its backup folder (``journal.jsonl``)."""
    backup = state.backup
    if backup is not None and backup.is_dir() and not (backup / "journal.jsonl").exists():
        dest = backup / "journal.jsonl"
    else:
        n = 1
        while (dest := state.path.with_name(f"{state.path.stem}.{n}.jsonl")).exists():
            n += 1
    try:
        os.replace(state.path, dest)
    except OSError:  # another filesystem (--backup-dir): copy durably, then remove
        tmp = dest.with_name(dest.name + ".tmp")
        copy_private(state.path, tmp)
        os.replace(tmp, dest)
        fsync_dir(dest.parent)
        state.path.unlink()
    fsync_dir(state.path.parent)
    fsync_dir(dest.parent)
    return dest


def _numbered(batch: Iterable[Change], start: int) -> list[Change]:
    return [dataclasses.replace(c, seq=start + i) for i, c in enumerate(batch)]


# ---------------------------------------------------------------------- the run
def fix(
    source: str,
    policy: Policy,
    *,
    dry_run: bool = False,
    backup_dir: Path | None = None,
    resume: bool = False,
    rollback: bool = False,
    verify: bool = False,
) -> FixReport:
    """Fix ``source`` in place with ``policy`` (see :mod:`redact.fix`).

    Raises :class:`~redact.fix.RemoteStoreError` for REST servers,
    :class:`~redact.fix.FixError` when an interrupted fix made with another policy must
    be rolled back first (or there is nothing to resume or roll back),
    :class:`redact.errors.InputError` for unreadable inputs.
    """
    if resume and rollback:
        raise FixError("--resume and --rollback exclude each other")
    target = open_target(source)
    try:
        return run_target(
            target,
            policy,
            dry_run=dry_run,
            backup_dir=backup_dir,
            resume=resume,
            rollback=rollback,
            verify=verify,
        )
    finally:
        target.close()


def _open_state(target: Target, dry_run: bool) -> tuple[JournalState | None, list[str]]:
    """The journal's state, after clearing what a crash while creating it left."""
    jpath = target.journal_path
    notes: list[str] = []
    tmp = tmp_path(jpath)
    if tmp.exists() and not dry_run:
        tmp.unlink()
    state = read_journal(jpath)
    if state is not None and not state.begun:
        if not dry_run:
            jpath.unlink()
            fsync_dir(jpath.parent)
        notes.append(f"removed {jpath}: a fix was interrupted before it began (nothing had changed)")
        state = None
    if state is not None and state.header.get("source") != target.source:
        raise FixError(
            f"{jpath}: the journal belongs to {state.header.get('source')!r}, not {target.source!r}"
        )
    return state, notes


def run_target(
    target: Target,
    policy: Policy,
    *,
    dry_run: bool = False,
    backup_dir: Path | None = None,
    resume: bool = False,
    rollback: bool = False,
    verify: bool = False,
) -> FixReport:
    """:func:`fix` on an opened :class:`Target` (which the caller closes)."""
    jpath = target.journal_path
    backup_parent = backup_dir if backup_dir is not None else target.location
    state, notes = _open_state(target, dry_run)
    if rollback:
        try:
            report = _rollback(target, state, dry_run, backup_parent)
        except FixError as exc:
            raise FixError("; ".join([str(exc), *notes])) from None
        report.notes[:0] = notes
        return report
    if state is not None and state.complete:  # a crash after 'end': archive it now
        if not dry_run:
            dest = _archive(state)
            notes.append(f"archived the completed journal into {dest}")
        state = None
    if resume and state is None:
        raise FixError(
            "; ".join([f"nothing to resume: no interrupted fix of {target.source} (journal {jpath})", *notes])
        )
    if state is not None and state.header.get("policy_digest") != policy_digest(policy):
        raise FixError(
            f"an interrupted fix left {jpath} and used another policy ({state.header.get('policy')!r}): "
            f"finish it with that policy (fix --resume), or restore its backup with --rollback "
            f"({state.backup})"
        )
    resuming = state is not None
    if not dry_run:
        notes.extend(_remove_incomplete_backups(backup_parent, target.name))
    redactor = FieldRedactor(policy, done=state.new_values() if state is not None else None)
    changes = target.plan(redactor)
    report = FixReport(
        target.source,
        target.kind,
        "dry-run" if dry_run else ("resume" if resuming else "fix"),
        changes,
        already_applied=redactor.already_applied,
        notes=notes,
        fingerprint_key_id=redactor.fingerprint_key_id,
    )
    if resuming and not resume:
        report.notes.append(f"finished the fix that was interrupted (journal {jpath}), with its backup")
    if dry_run:
        return report
    if not changes and not resuming:
        if verify:
            report.verification = verify_target(target, policy, [])
        return report  # nothing to do: no backup, no journal
    progress = Progress()
    if state is not None:
        backup = state.backup
        journal = Journal.append_to(jpath)
        journal.write(
            [{"type": "resume", "already_applied": redactor.already_applied, "changes": len(changes)}]
        )
        seq = state.next_seq
    else:
        backup = _new_backup_dir(backup_parent, target.name)
        manifest = target.backup(changes, backup)
        crash_point("backup")
        _write_manifest(
            backup,
            {
                "source": target.source,
                "kind": target.kind,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "policy": policy.name,
                "changes": len(changes),
                **manifest,
            },
        )
        crash_point("manifest")
        journal = Journal.create(
            jpath,
            {
                "source": target.source,
                "kind": target.kind,
                "backup": str(backup),
                "policy": policy.name,
                "policy_digest": policy_digest(policy),
                "fingerprint_key_id": redactor.fingerprint_key_id,
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            before_rename=lambda: crash_point("journal-header"),
        )
        seq = 0
    crash_point("begin")
    report.backup = str(backup) if backup else None
    with journal:
        target.prepare()
        for batch in target.batches(changes):
            numbered = _numbered(batch, seq)
            seq += len(numbered)
            journal.write([c.record() for c in numbered])  # fsynced before the batch is applied
            crash_point("journaled")
            target.apply(numbered, progress)
            crash_point("applied")
            journal.write([{"type": "applied", "seqs": [c.seq for c in numbered]}])
        crash_point("finish")
        report.notes.extend(target.finish())
        journal.write([{"type": "end", "changes": len(changes), "notes": report.notes}])
    crash_point("end")
    final = read_journal(jpath)
    assert final is not None
    report.journal = str(_archive(final))
    if verify:
        expected = [*_from_records(state.changes if state is not None else []), *changes]
        report.verification = verify_target(target, policy, expected)
    return report


def _from_records(records: list[dict[str, Any]]) -> list[Change]:
    out = []
    for rec in records:
        out.append(
            Change(
                location=rec["location"],
                pointer=str(rec.get("pointer", "")),
                op=str(rec.get("op")),
                old_fingerprint=str(rec.get("old_fingerprint", "")),
                new=rec.get("new"),
                new_sha256=rec.get("new_sha256"),
            )
        )
    return out


def verify_target(target: Target, policy: Policy, expected: list[Change]) -> Verification:
    """Re-read the store: every planned change must be in place, and a new plan (from
    scratch, as a second run would make it) must be empty."""
    v = Verification()
    by_location = {c.key: c for c in expected}  # the last change of a location wins
    for c in by_location.values():
        now = target.current(c)
        if now is NotImplemented:
            continue
        v.checked += 1
        if c.op == "delete":
            ok = now is None
        elif c.op == "rewrite":
            ok = isinstance(now, str) and sha256_text(now) == c.new_sha256
        else:
            ok = now == c.new
        if not ok:
            v.mismatched.append(f"{c.where()} {c.pointer}".rstrip())
    v.remaining = target.plan(FieldRedactor(policy))
    return v


def _latest_backup(parent: Path, target: Target) -> tuple[Path, JournalState] | None:
    """The newest complete backup of ``target`` that holds a completed fix's journal."""
    for d in reversed(_backups(parent, target.name)):
        j = d / "journal.jsonl"
        if not (d / "manifest.json").is_file() or not j.is_file():
            continue
        state = read_journal(j)
        if state is not None and state.begun and state.header.get("source") == target.source:
            return d, state
    return None


def _rollback(target: Target, state: JournalState | None, dry_run: bool, backup_parent: Path) -> FixReport:
    archived = False
    if state is None:
        found = _latest_backup(backup_parent, target)
        if found is None:
            raise FixError(
                f"nothing to roll back: no journal at {target.journal_path} and no completed backup of "
                f"{target.source} in {backup_parent} (give --backup-dir if it was made elsewhere)"
            )
        backup: Path | None = found[0]
        archived = True
    else:
        backup = state.backup
    manifest = _read_manifest(backup)
    assert backup is not None
    report = FixReport(target.source, target.kind, "rollback", backup=str(backup))
    if dry_run:
        report.mode = "dry-run"
        also = "" if archived else f" and remove {target.journal_path}"
        report.notes.append(f"would restore {backup}{also}")
        return report
    report.notes.extend(target.restore(backup, manifest))
    if not archived:
        assert state is not None
        state.path.unlink()
        fsync_dir(state.path.parent)
        report.notes.append(f"journal {state.path} removed; the backup stays in {backup}")
    else:
        report.notes.append(f"the backup stays in {backup}")
    return report
