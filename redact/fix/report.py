"""What a fix did (or would do): :class:`FixReport`, as a table or JSON."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from redact.fix.changes import Change

__all__ = ["FixReport", "Verification"]


@dataclass
class Verification:
    """``--verify``: the store re-read after the fix. ``remaining`` values a new plan
    would still change; ``mismatched`` planned changes that are not in place (where,
    never the value). Both empty: verified."""

    remaining: list[Change] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.remaining and not self.mismatched

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "remaining": [c.to_dict() for c in self.remaining],
            "mismatched": self.mismatched,
        }


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
    fingerprint_key_id: str | None = None
    verification: Verification | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "changes": len(self.changes),
            "operations": dict(Counter(c.op for c in self.changes)),
            "categories": dict(Counter(d.category for c in self.changes for d in c.decisions)),
            "already_applied": self.already_applied,
        }

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "kind": self.kind,
            "mode": self.mode,
            "dry_run": self.mode == "dry-run",
            "summary": self.summary(),
            "changes": [c.to_dict() for c in self.changes],
            "backup": self.backup,
            "journal": self.journal,
            "fingerprint_key_id": self.fingerprint_key_id,
            "notes": self.notes,
        }
        if self.verification is not None:
            out["verify"] = self.verification.to_dict()
        return out

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
        v = self.verification
        if v is not None:
            if v.ok:
                tail.append(f"verify: ok ({v.checked} change(s) in place, nothing left to change)")
            else:
                tail.append(
                    f"verify: FAILED: {len(v.remaining)} value(s) still to change, "
                    f"{len(v.mismatched)} planned change(s) not in place"
                )
                tail.extend(f"verify: still to change: {c.where()} {c.pointer}" for c in v.remaining)
                tail.extend(f"verify: not in place: {m}" for m in v.mismatched)
        return "\n".join([head, *lines, *tail]) + "\n"
