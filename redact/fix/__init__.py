"""``redact fix``: rewrite leaked values in place, in the stores that already hold them.

Sources:

- MLflow SQL stores: ``sqlite:///path/mlflow.db`` (or the path of the ``.db`` file) and
  ``postgresql://...`` (the same SQL through SQLAlchemy): :mod:`redact.fix.sqlstore`;
- MLflow file stores (an ``mlruns`` folder, or ``file:///...``): :mod:`redact.fix.filestore`,
  runs' text artifacts included (:mod:`redact.fix.artifacts`);
- local artifact roots (``<experiment>/<run_id>/artifacts/`` folders, as SQL-backed stores
  and ``mlflow server --artifacts-destination`` write them): :mod:`redact.fix.artifacts`;
- JSON, JSONL and YAML files, or folders of them: :mod:`redact.fix.docs`.

A tracking server reached only over REST (``http(s)://``) is refused with
:class:`RemoteStoreError`: fixing in place needs database (or file) access, so point fix
at the server's backend store URI instead.

Every value is redacted as the MLflow plugin would have redacted it when it was logged: as
a one-key mapping in a document of the plugin's shape (``/params/<key>``, ``/tags/<key>``,
``/experiment/name``, ``/dataset/source``, ``/description``, ``/source``, ...; see
:mod:`redact.integrations.mlflow._common`), so a policy's key rules and the associated
data of ``encrypt`` are the same. Keys and lineage are never changed, and a value that
does not change is not written (its bytes stay as they are).

Actions in fix context:

- ``drop`` deletes the row or file of a param or tag; a field that cannot be removed (a
  run or experiment name, a dataset name or source, a model version source, a field
  inside a YAML file) is masked whole instead (``[REDACTED:<detector>]``), and an
  optional one (a description, a dataset schema or profile, a run link) becomes NULL;
- ``block`` cannot refuse a value that is already stored: it is treated as ``mask``, and
  the report and journal record ``policy_action: block`` next to the applied action.

Safety: a plan first (read only); then a backup of everything that will change (a copy
of the SQLite file with its ``-wal``/``-shm``, the rows to change for PostgreSQL, a copy
of every file to change), named ``<store>.redact-backup-<N>`` (``N`` the first free
counter) in ``--backup-dir`` or next to the store; then a journal
(:mod:`redact.fix.journal`), written and fsynced before each batch of changes is applied,
holding fingerprints and pointers (never plaintext) and the new, already-redacted values.

The environment variable ``REDACT_FIX_CRASH_AFTER=N`` is a test hook: the process exits
at once (``os._exit(1)``, no cleanup) after the N-th change is applied (for SQL stores,
inside its table batch's transaction, before that batch commits), to test resume and
rollback after a crash. Never set it otherwise.
"""

from __future__ import annotations

import abc
import dataclasses
import hashlib
import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redact._finding import fingerprint
from redact._redactor import Decision, Redactor
from redact.actions import Mask, Span, is_redacted
from redact.errors import Blocked, InputError, RedactError
from redact.fix.journal import Journal, JournalState, fsync_dir, location_key, read_journal
from redact.leaves import pointer
from redact.policy import ActionSpec, Policy

__all__ = [
    "CRASH_ENV",
    "Change",
    "FieldRedactor",
    "FixError",
    "FixReport",
    "RemoteStoreError",
    "Target",
    "fix",
    "fix_policy",
    "open_target",
    "run_target",
]

CRASH_ENV = "REDACT_FIX_CRASH_AFTER"
RUN_NAME = "mlflow.runName"
USER = "mlflow.user"
_MISSING: Any = object()


class FixError(RedactError):
    """``redact fix`` cannot (or must not) go on: the message says why and what to do."""


class RemoteStoreError(FixError):
    """The source is a tracking server reached over REST: fix needs database access."""


# ---------------------------------------------------------------------- changes
@dataclass(frozen=True)
class Change:
    """One value to rewrite (or row/file to delete). Holds no plaintext but ``old``,
    which stays in memory (the concurrency guard of the apply step) and is never written
    to the journal or a report."""

    location: dict[str, Any]
    pointer: str
    op: str  # update | delete | rewrite
    old_fingerprint: str
    new: str | None = None
    new_sha256: str | None = None
    decisions: tuple[Decision, ...] = ()
    policy_actions: tuple[str, ...] = ()
    note: str = ""
    seq: int = -1
    old: Any = field(default=None, repr=False, compare=False)
    payload: Any = field(default=None, repr=False, compare=False)

    @property
    def key(self) -> str:
        return location_key(self.location)

    def where(self) -> str:
        """The location as one short line (table, row key and column; or file and field)."""
        loc = self.location
        if "table" in loc:
            keys = ",".join(f"{k}={v}" for k, v in loc.get("where", {}).items())
            return f"{loc['table']}[{keys}].{loc['column']}"
        out = str(loc.get("file", ""))
        if loc.get("field"):
            out += ":" + ".".join(str(p) for p in loc["field"])
        return out

    def decision_dicts(self) -> list[dict[str, Any]]:
        out = []
        for d, policy_action in zip(self.decisions, self.policy_actions, strict=True):
            item = d.to_dict()
            item["policy_action"] = policy_action
            out.append(item)
        return out

    def record(self) -> dict[str, Any]:
        """The journal record: fingerprints, pointers and the (redacted) new value."""
        rec: dict[str, Any] = {
            "type": "change",
            "seq": self.seq,
            "location": self.location,
            "pointer": self.pointer,
            "op": self.op,
            "old_fingerprint": self.old_fingerprint,
            "decisions": self.decision_dicts(),
        }
        if self.op == "rewrite":
            rec["new_sha256"] = self.new_sha256
        elif self.op == "update":
            rec["new"] = self.new
        if self.note:
            rec["note"] = self.note
        return rec

    def to_dict(self) -> dict[str, Any]:
        """The report entry (the journal record without the new value)."""
        rec = self.record()
        for k in ("type", "seq", "new", "new_sha256"):
            rec.pop(k, None)
        rec["where"] = self.where()
        return rec


def fix_policy(policy: Policy) -> Policy:
    """``policy`` for fix context: every ``block`` (per category or detector, for unknown
    or denied keys, on errors) becomes ``mask``; audit summaries are off (the fix report
    is the record) unless the policy asks for ``debug`` events."""
    actions = {t: ActionSpec(action="mask") if s.action == "block" else s for t, s in policy.actions.items()}
    keys = policy.keys.model_copy(
        update={
            "unknown": "redact" if policy.keys.unknown == "block" else policy.keys.unknown,
            "deny_action": "mask" if policy.keys.deny_action == "block" else policy.keys.deny_action,
        }
    )
    return policy.model_copy(
        update={
            "actions": actions,
            "keys": keys,
            "on_error": "mask",
            "summary": "debug" if policy.summary == "debug" else "silent",
        }
    )


def _nest(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    doc: Any = value
    for part in reversed(path):
        doc = {part: doc}
    return doc  # type: ignore[no-any-return]


def _get(doc: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(doc, dict) or part not in doc:
            return _MISSING
        doc = doc[part]
    return doc


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class FieldRedactor:
    """The policy applied to one stored value at a time, as the MLflow plugin would have
    applied it; also knows which changes an interrupted fix already applied (``done``)."""

    def __init__(self, policy: Policy, done: dict[str, dict[str, Any]] | None = None) -> None:
        self.policy = policy
        self.redactor = Redactor(fix_policy(policy))
        self.fingerprint_key = self.redactor.scanner.fingerprint_key
        self.done = done or {}
        self.already_applied = 0

    # ------------------------------------------------------------------ helpers
    def fingerprint(self, text: str) -> str:
        """The fingerprint of a whole old value (keyed when the policy keys fingerprints)."""
        return fingerprint("VALUE", text, self.fingerprint_key)

    def policy_action(self, d: Decision) -> str:
        """What the policy itself says for a decision (``block`` where fix applied mask)."""
        keys = self.policy.keys
        if d.detector == "key-deny":
            return keys.deny_action
        if d.detector == "key-unknown":
            return "mask" if keys.unknown == "redact" else keys.unknown
        if d.detector == "guard-error":
            return self.policy.on_error
        a = self.policy.actions
        spec = a.get(d.detector) or a.get(d.category) or a["default"]
        return spec.action

    def is_done(self, location: dict[str, Any], current: str | None) -> bool:
        """Whether an interrupted fix already applied its change here: the current value
        (or content) equals the journaled new one. Counted in ``already_applied``."""
        rec = self.done.get(location_key(location))
        if rec is None or current is None:
            return False
        if rec.get("op") == "rewrite":
            ok = sha256_text(current) == rec.get("new_sha256")
        elif rec.get("op") == "update":
            ok = current == rec.get("new")
        else:
            ok = False  # a row to delete is still there
        if ok:
            self.already_applied += 1
        return ok

    # ------------------------------------------------------------------ fields
    def field(
        self,
        location: dict[str, Any],
        path: tuple[str, ...],
        value: Any,
        *,
        deletable: bool = False,
        nullable: bool = False,
    ) -> Change | None:
        """The change for one stored value at document ``path``, or None when it stays.

        ``deletable``: a drop deletes the row or file; else ``nullable``: a drop clears
        it; else a drop masks it whole.
        """
        if not isinstance(value, str) or not value:
            return None
        if self.is_done(location, value) or is_redacted(value):
            return None
        try:
            result = self.redactor.redact(_nest(path, value))
        except Blocked as exc:  # cannot happen with fix_policy; never forward the value
            raise FixError(f"unexpected block at {exc.pointer!r}") from None
        decisions = [d for d in result.decisions if d.action != "allow"]
        if not decisions:
            return None
        new = _get(result.value, path)
        ptr = pointer(path)
        note, op = "", "update"
        if new is _MISSING:
            if deletable:
                op, new = "delete", None
            elif nullable:
                new, note = None, "drop on an optional field: cleared"
            else:
                new = Mask().replace(Span(value, "DROPPED", decisions[0].detector, ptr))
                note = "drop on a field that cannot be removed: masked whole"
        elif new == value:
            return None
        if not (new is None or isinstance(new, str)):
            new = str(new)
        return Change(
            location=location,
            pointer=ptr,
            op=op,
            old_fingerprint=self.fingerprint(value),
            new=new,
            decisions=tuple(decisions),
            policy_actions=tuple(self.policy_action(d) for d in decisions),
            note=note,
            old=value,
        )

    def document(self, doc: Any, prefix: tuple[int, ...]) -> tuple[Any, list[Decision], list[str]]:
        """A whole document of a JSON/JSONL/YAML file: (new value, decisions with the
        file's pointer prefix, the policy's own action of each)."""
        try:
            result = self.redactor.redact(doc)
        except Blocked as exc:
            raise FixError(f"unexpected block at {exc.pointer!r}") from None
        head = "".join(f"/{p}" for p in prefix)
        decisions = [
            dataclasses.replace(d, pointer=head + d.pointer) for d in result.decisions if d.action != "allow"
        ]
        return result.value, decisions, [self.policy_action(d) for d in decisions]


# ---------------------------------------------------------------------- targets
class Progress:
    """Counts applied changes; honours the ``REDACT_FIX_CRASH_AFTER`` test hook."""

    def __init__(self) -> None:
        raw = os.environ.get(CRASH_ENV, "").strip()
        self.limit = int(raw) if raw.isdigit() else None
        self.applied = 0

    def step(self) -> None:
        self.applied += 1
        if self.limit is not None and self.applied >= self.limit:
            os._exit(1)  # the test hook: a crash, with no cleanup of any kind


class Target(abc.ABC):
    """One store that fix can rewrite: plan, back up, apply in batches, finish, restore."""

    kind: str
    source: str  # normalised: what the journal records
    name: str  # the store's name, for the journal and backups
    location: Path  # the folder next to which journal and backups go

    @property
    def journal_path(self) -> Path:
        return self.location / f"{self.name}.redact-fix.jsonl"

    @abc.abstractmethod
    def plan(self, redactor: FieldRedactor) -> list[Change]:
        """Every change to make (read only)."""

    @abc.abstractmethod
    def backup(self, changes: list[Change], dest: Path) -> dict[str, Any]:
        """Copy what will change into the (new, empty) folder ``dest``; returns the
        manifest fields needed to restore it."""

    def batches(self, changes: list[Change]) -> Iterator[list[Change]]:
        """Groups applied together (one transaction per table for SQL)."""
        for c in changes:
            yield [c]

    @abc.abstractmethod
    def apply(self, batch: list[Change], progress: Progress) -> None:
        """Apply one batch; raise FixError (having applied none of it, where the store
        allows) when a value no longer is what the plan saw."""

    def prepare(self) -> None:  # noqa: B027 - optional hook
        """Before the first batch (of a fix or a resume): clean up after a crash."""

    def finish(self) -> list[str]:
        """After the last batch (make old bytes unrecoverable where possible): notes."""
        return []

    @abc.abstractmethod
    def restore(self, backup: Path, manifest: dict[str, Any]) -> list[str]:
        """Put the backup back (``--rollback``): notes."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""


def _file_uri_path(uri: str) -> Path:
    parsed = urllib.parse.urlparse(uri)
    if parsed.netloc not in ("", "localhost"):
        raise FixError(f"{uri}: only local file URIs can be fixed")
    return Path(urllib.request.url2pathname(parsed.path))


_REMOTE = ("http", "https", "databricks", "databricks-uc", "uc")


def open_target(source: str) -> Target:
    """The store ``source`` names (a URI or a path)."""
    s = source.strip()
    if s.startswith("redact+"):
        s = s[len("redact+") :]  # the plugin's URI: fix the store it wraps
    scheme = s.split("://", 1)[0].lower() if "://" in s else ""
    base = scheme.split("+", 1)[0]
    if base in _REMOTE:
        raise RemoteStoreError(
            f"{source}: a tracking server reached over REST cannot be fixed in place: fix needs "
            "database access. Point fix at the server's backend store URI instead (its "
            "--backend-store-uri: sqlite:///path/mlflow.db, postgresql://..., or the mlruns "
            "folder), with the server stopped"
        )
    if base in ("sqlite", "postgresql", "postgres"):
        from redact.fix.sqlstore import SqlTarget

        return SqlTarget(s)
    if base in ("mysql", "mssql", "oracle"):
        raise FixError(f"{source}: {base} stores are not supported yet (SQLite and PostgreSQL are)")
    if scheme == "file":
        path = _file_uri_path(s)
    elif scheme:
        raise FixError(f"{source}: unknown store scheme {scheme!r}")
    else:
        path = Path(s)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    from redact.fix.docs import DocsTarget
    from redact.fix.filestore import FileStoreTarget, is_file_store
    from redact.fix.sqlstore import SqlTarget, is_sqlite_file

    if path.is_file() and is_sqlite_file(path):
        return SqlTarget("sqlite:///" + str(path.resolve()))
    if path.is_dir() and is_file_store(path):
        return FileStoreTarget(path)
    from redact.stores.mlflow_artifacts import is_artifact_root

    if is_artifact_root(path):
        from redact.fix.artifacts import ArtifactRootTarget

        return ArtifactRootTarget(path)
    return DocsTarget(path)


# ---------------------------------------------------------------------- the report
@dataclass
class FixReport:
    """What fix did (or would do): locations, pointers, categories, detectors, actions and
    fingerprints; never plaintext."""

    source: str
    kind: str
    mode: str  # fix | dry-run | resume | rollback
    changes: list[Change] = field(default_factory=list)
    already_applied: int = 0
    backup: str | None = None
    journal: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "changes": len(self.changes),
            "operations": dict(Counter(c.op for c in self.changes)),
            "categories": dict(Counter(d.category for c in self.changes for d in c.decisions)),
            "already_applied": self.already_applied,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "kind": self.kind,
            "mode": self.mode,
            "dry_run": self.mode == "dry-run",
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
            "backup": self.backup,
            "journal": self.journal,
            "notes": self.notes,
        }

    def render_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def render_table(self) -> str:
        rows = [("LOCATION", "POINTER", "OP", "CATEGORY", "DETECTOR", "ACTION", "FINGERPRINT")]
        for c in self.changes:
            for d, pa in zip(c.decisions, c.policy_actions, strict=True):
                action = d.action if pa == d.action else f"{d.action} (policy: {pa})"
                if c.note and c.op == "update" and d.action == "drop":
                    action += " -> mask whole" if c.new is not None else " -> cleared"
                rows.append((c.where(), d.pointer, c.op, d.category, d.detector, action, d.fingerprint[:12]))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = []
        if len(rows) > 1:
            lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in rows]
        verb = {
            "fix": "changed",
            "resume": "changed",
            "dry-run": "would change (dry run, nothing written)",
            "rollback": "restored",
        }[self.mode]
        if self.mode == "rollback":
            head = f"redact fix: {self.source} ({self.kind}): backup restored"
        else:
            head = f"redact fix: {self.source} ({self.kind}): {len(self.changes)} value(s) {verb}"
            if self.already_applied:
                head += f"; {self.already_applied} already applied by the interrupted run"
        tail = []
        if self.backup:
            tail.append(f"backup: {self.backup}")
        if self.journal:
            tail.append(f"journal: {self.journal}")
        tail.extend(f"note: {n}" for n in self.notes)
        return "\n".join([head, *lines, *tail]) + "\n"


# ---------------------------------------------------------------------- the run
def policy_digest(policy: Policy) -> str:
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()[:32]


def _new_backup_dir(parent: Path, name: str) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    n = 1
    while True:
        d = parent / f"{name}.redact-backup-{n}"
        try:
            d.mkdir(mode=0o700)
        except FileExistsError:
            n += 1
            continue
        return d.resolve()


def _write_manifest(dest: Path, manifest: dict[str, Any]) -> None:
    """The manifest is written last: a backup without one is incomplete."""
    tmp = dest / "manifest.json.tmp"
    with tmp.open("w", encoding="utf-8") as fh:
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


def _archive(state: JournalState) -> None:
    """Move a completed journal out of the way (into its backup folder) before a new fix."""
    backup = state.backup
    if backup is not None and backup.is_dir() and not (backup / "journal.jsonl").exists():
        shutil.move(str(state.path), str(backup / "journal.jsonl"))
    else:
        n = 1
        while (dest := state.path.with_name(f"{state.path.stem}.{n}.jsonl")).exists():
            n += 1
        os.replace(state.path, dest)
    fsync_dir(state.path.parent)


def _numbered(batch: Iterable[Change], start: int) -> list[Change]:
    return [dataclasses.replace(c, seq=start + i) for i, c in enumerate(batch)]


def fix(
    source: str,
    policy: Policy,
    *,
    dry_run: bool = False,
    backup_dir: Path | None = None,
    resume: bool = False,
    rollback: bool = False,
) -> FixReport:
    """Fix ``source`` in place with ``policy`` (see the module documentation).

    Raises :class:`RemoteStoreError` for REST servers, :class:`FixError` when an
    interrupted fix must be resumed or rolled back first (or there is nothing to resume or
    roll back), :class:`redact.errors.InputError` for unreadable inputs.
    """
    if resume and rollback:
        raise FixError("--resume and --rollback exclude each other")
    target = open_target(source)
    try:
        return run_target(
            target, policy, dry_run=dry_run, backup_dir=backup_dir, resume=resume, rollback=rollback
        )
    finally:
        target.close()


def run_target(
    target: Target,
    policy: Policy,
    *,
    dry_run: bool = False,
    backup_dir: Path | None = None,
    resume: bool = False,
    rollback: bool = False,
) -> FixReport:
    """:func:`fix` on an opened :class:`Target` (which the caller closes)."""
    jpath = target.journal_path
    state = read_journal(jpath)
    if state is not None and state.header.get("source") != target.source:
        raise FixError(
            f"{jpath}: the journal belongs to {state.header.get('source')!r}, not {target.source!r}"
        )
    if rollback:
        return _rollback(target, state, dry_run)
    if state is not None and not state.complete and not resume:
        raise FixError(
            f"an interrupted fix left {jpath}: run again with --resume to finish it, or with "
            f"--rollback to restore its backup ({state.backup})"
        )
    if resume and (state is None or state.complete):
        raise FixError(f"nothing to resume: no interrupted fix of {target.source} (journal {jpath})")
    if resume and state is not None and state.header.get("policy_digest") != policy_digest(policy):
        raise FixError(
            f"the interrupted fix used another policy ({state.header.get('policy')!r}): resume with "
            "the same policy, or --rollback"
        )
    redactor = FieldRedactor(policy, done=state.new_values() if resume and state else None)
    changes = target.plan(redactor)
    report = FixReport(
        target.source,
        target.kind,
        "dry-run" if dry_run else ("resume" if resume else "fix"),
        changes,
        already_applied=redactor.already_applied,
    )
    if dry_run:
        return report
    if not changes and not resume:
        return report  # nothing to do: no backup, no journal
    progress = Progress()
    if resume:
        assert state is not None
        backup = state.backup
        journal = Journal.append_to(jpath)
        journal.write(
            [{"type": "resume", "already_applied": redactor.already_applied, "changes": len(changes)}]
        )
        seq = state.next_seq
    else:
        if state is not None:
            _archive(state)
        backup = _new_backup_dir(backup_dir if backup_dir is not None else target.location, target.name)
        manifest = target.backup(changes, backup)
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
        journal = Journal.create(
            jpath,
            {
                "source": target.source,
                "kind": target.kind,
                "backup": str(backup),
                "policy": policy.name,
                "policy_digest": policy_digest(policy),
                "fingerprints_keyed": redactor.fingerprint_key is not None,
                "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
        )
        seq = 0
    report.backup = str(backup) if backup else None
    report.journal = str(jpath)
    with journal:
        target.prepare()
        for batch in target.batches(changes):
            numbered = _numbered(batch, seq)
            seq += len(numbered)
            journal.write([c.record() for c in numbered])  # fsynced before the batch is applied
            target.apply(numbered, progress)
            journal.write([{"type": "applied", "seqs": [c.seq for c in numbered]}])
        report.notes.extend(target.finish())
        journal.write([{"type": "end", "changes": len(changes), "notes": report.notes}])
    return report


def _rollback(target: Target, state: JournalState | None, dry_run: bool) -> FixReport:
    if state is None:
        raise FixError(f"nothing to roll back: no journal at {target.journal_path}")
    manifest = _read_manifest(state.backup)
    report = FixReport(target.source, target.kind, "rollback", backup=str(state.backup))
    if dry_run:
        report.mode = "dry-run"
        report.notes.append(f"would restore {state.backup} and remove {state.path}")
        return report
    assert state.backup is not None
    report.notes.extend(target.restore(state.backup, manifest))
    state.path.unlink()
    fsync_dir(state.path.parent)
    report.notes.append(f"journal {state.path} removed; the backup stays in {state.backup}")
    return report
