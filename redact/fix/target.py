"""The store interface fix works through (:class:`Target`), and its crash test hooks.

Test hooks (never set them otherwise):

- ``REDACT_FIX_CRASH_AFTER=N``: the process exits at once (``os._exit(1)``, no cleanup)
  after the N-th change is applied (for SQL stores inside its table batch's transaction,
  before that batch commits);
- ``REDACT_FIX_CRASH_AT=POINT[:N]``: the process kills itself with SIGKILL the N-th time
  (default 1) it reaches ``POINT``, one of :data:`CRASH_POINTS`.
"""

from __future__ import annotations

import abc
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from redact.fix.changes import Change
from redact.fix.field import FieldRedactor

__all__ = ["CRASH_ENV", "CRASH_AT_ENV", "CRASH_POINTS", "Progress", "Target", "crash_point"]

CRASH_ENV = "REDACT_FIX_CRASH_AFTER"
CRASH_AT_ENV = "REDACT_FIX_CRASH_AT"
CRASH_POINTS = (
    "backup",  # the backup is copied, its manifest not yet written
    "manifest",  # the backup is complete, no journal yet
    "journal-header",  # the journal's header is written to its temporary file, not renamed
    "begin",  # the journal exists, no change yet
    "journaled",  # a batch's change records are durable, the batch not applied
    "change",  # after each applied change (inside an SQL batch's transaction)
    "applied",  # a batch is applied (committed), its 'applied' record not written
    "finish",  # every batch applied, clean-up (VACUUM) not run
    "end",  # the 'end' record is written, the journal not yet archived
)
_hits: dict[str, int] = {}


def crash_point(name: str) -> None:
    """The ``REDACT_FIX_CRASH_AT`` test hook: SIGKILL this process at ``name``."""
    raw = os.environ.get(CRASH_AT_ENV)
    if not raw:
        return
    point, _, count = raw.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= (int(count) if count.isdigit() else 1):
        os.kill(os.getpid(), signal.SIGKILL)


class Progress:
    """Counts applied changes; honours the crash test hooks."""

    def __init__(self) -> None:
        raw = os.environ.get(CRASH_ENV, "").strip()
        self.limit = int(raw) if raw.isdigit() else None
        self.applied = 0

    def step(self) -> None:
        self.applied += 1
        crash_point("change")
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
        """Copy what will change into the (new, empty, 0700) folder ``dest``, every file
        0600; returns the manifest fields needed to restore it."""

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

    def current(self, change: Change) -> Any:
        """The value now stored where ``change`` applies (for ``--verify``); ``None`` when
        the row or file is gone. The default reads nothing (``NotImplemented``)."""
        return NotImplemented

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
