"""The fix journal: a JSON-lines file next to the store, written and fsynced before each
change is applied, so an interrupted fix can be resumed or rolled back.

It never holds plaintext. Each ``change`` record names the location (table and row key,
or file and field), the document pointer, the operation, the fingerprint of the OLD value
(the value itself stays in the backup only) and the NEW value, which is already redacted
(for whole files, the SHA-256 of the new content instead). Records::

    {"type": "begin", "version": 1, "source": ..., "kind": ..., "backup": ..., ...}
    {"type": "change", "seq": 0, "location": {...}, "pointer": ..., "op": "update",
     "old_fingerprint": ..., "new": ..., "decisions": [...]}
    {"type": "applied", "seqs": [0, 1, ...]}          # after a batch is committed
    {"type": "resume", "already_applied": 3}          # a --resume started here
    {"type": "end", "changes": 12, "notes": [...]}    # the fix completed

The header is made durable before the journal appears under its name (written to a
temporary file, fsynced, renamed, the folder fsynced), so a journal that holds no
complete record (a crash while it was being created) means that nothing was done: the
next run removes it. A journal without ``end`` is an interrupted fix: a plain re-run or
``--resume`` finishes it with the original backup (never taking a second backup of a
half-fixed store), ``--rollback`` restores that backup and removes the journal. After
success the journal is moved into its backup folder (``journal.jsonl``).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redact.errors import RedactError

__all__ = [
    "JOURNAL_VERSION",
    "Journal",
    "JournalState",
    "JournalError",
    "read_journal",
    "fsync_dir",
    "location_key",
    "tmp_path",
]

JOURNAL_VERSION = 1


class JournalError(RedactError):
    """The journal cannot be read, or does not belong to this store."""


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (a no-op where directories cannot
    be opened, as on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass
class JournalState:
    """What an existing journal says: its header, its change records, which of them were
    applied (committed), and whether the fix completed."""

    path: Path
    header: dict[str, Any]
    changes: list[dict[str, Any]] = field(default_factory=list)
    applied: set[int] = field(default_factory=set)
    complete: bool = False
    begun: bool = True

    @property
    def next_seq(self) -> int:
        return max((int(c["seq"]) for c in self.changes), default=-1) + 1

    @property
    def backup(self) -> Path | None:
        b = self.header.get("backup")
        return Path(b) if b else None

    def new_values(self) -> dict[str, dict[str, Any]]:
        """Journaled change records by location key (the last one wins): re-running skips
        a row or file whose current value already equals the journaled NEW value."""
        return {location_key(c["location"]): c for c in self.changes}


def tmp_path(path: Path) -> Path:
    """The temporary file a journal's header is written to before it gets its name."""
    return path.with_name(f".{path.name}.tmp")


def location_key(location: dict[str, Any]) -> str:
    return json.dumps(location, sort_keys=True, ensure_ascii=False, default=str)


def read_journal(path: Path) -> JournalState | None:
    """The state of the journal at ``path`` (None when there is none). A last line cut
    short by a crash is ignored: it was never fsynced, so its change was never applied."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise JournalError(f"{path}: cannot read the journal: {exc.strerror}") from None
    lines = text.split("\n")
    records: list[dict[str, Any]] = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1 or all(not rest.strip() for rest in lines[i + 1 :]):
                break  # a torn last record
            raise JournalError(f"{path}:{i + 1}: not a journal record") from None
        if not isinstance(rec, dict):
            raise JournalError(f"{path}:{i + 1}: not a journal record")
        records.append(rec)
    if not records:  # created, but its header never became durable: nothing was done
        return JournalState(path, {}, begun=False)
    if records[0].get("type") != "begin":
        raise JournalError(f"{path}: not a redact fix journal (no 'begin' record)")
    header = records[0]
    if header.get("version") != JOURNAL_VERSION:
        raise JournalError(f"{path}: journal version {header.get('version')!r} is not supported")
    state = JournalState(path, header)
    for rec in records[1:]:
        kind = rec.get("type")
        if kind == "change":
            state.changes.append(rec)
        elif kind == "applied":
            state.applied.update(int(s) for s in rec.get("seqs", []))
        elif kind == "end":
            state.complete = True
    return state


class Journal:
    """An open journal: every ``write`` is flushed and fsynced before it returns."""

    def __init__(self, path: Path, fh: Any) -> None:
        self.path = path
        self._fh = fh

    @classmethod
    def create(cls, path: Path, header: dict[str, Any], *, before_rename: Any = None) -> Journal:
        """A new journal (refuses to replace an existing one) holding ``header``: the
        header is written and fsynced in a temporary file, which is then linked under
        ``path`` (so the journal appears whole or not at all) and the folder fsynced.
        ``before_rename`` is called between the two (a test hook)."""
        tmp = tmp_path(path)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            begin = {"type": "begin", "version": JOURNAL_VERSION, **header}
            fh.write(json.dumps(begin, sort_keys=True, ensure_ascii=False, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if before_rename is not None:
            before_rename()
        try:
            os.link(tmp, path)  # unlike rename, never replaces an existing journal
        finally:
            tmp.unlink()
        fsync_dir(path.parent)
        return cls(path, path.open("a", encoding="utf-8", newline="\n"))

    @classmethod
    def append_to(cls, path: Path) -> Journal:
        """Continue an existing journal (``--resume``)."""
        with path.open("rb+") as fh:  # drop a torn last record before appending
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)
        return cls(path, path.open("a", encoding="utf-8", newline="\n"))

    def write(self, records: list[dict[str, Any]]) -> None:
        if not records:
            return
        self._fh.write(
            "".join(json.dumps(r, ensure_ascii=False, sort_keys=True, default=str) + "\n" for r in records)
        )
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
