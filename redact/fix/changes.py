"""What fix changes: one :class:`Change` per value (or row, or file), and fix's errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from redact._redactor import Decision
from redact.errors import RedactError
from redact.fix.journal import location_key

__all__ = ["Change", "FixError", "RemoteStoreError", "sha256_text"]


class FixError(RedactError):
    """``redact fix`` cannot (or must not) go on: the message says why and what to do."""


class RemoteStoreError(FixError):
    """The source is a tracking server reached over REST: fix needs database access."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


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
