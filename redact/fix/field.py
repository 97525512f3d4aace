"""The policy applied to stored values, as the MLflow plugin would have applied it when
they were logged (see :mod:`redact.fix`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from redact._finding import fingerprint
from redact._redactor import Decision, Redactor
from redact.actions import Mask, Span, is_redacted
from redact.errors import Blocked
from redact.fix.changes import Change, FixError, sha256_text
from redact.fix.journal import location_key
from redact.leaves import pointer
from redact.policy import ActionSpec, Policy

__all__ = ["RUN_NAME", "USER", "FieldRedactor", "fix_policy"]

RUN_NAME = "mlflow.runName"
USER = "mlflow.user"
_MISSING: Any = object()


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


_redactors: dict[tuple[str, str], Redactor] = {}


def _redactor_for(policy: Policy) -> Redactor:
    """One compiled Redactor per (policy, fingerprint key), reused by the plans of a run,
    of ``verify`` and of later runs in the same process."""
    fixed = fix_policy(policy)
    key = (fixed.model_dump_json(), fixed.fingerprint_key_info().id)
    found = _redactors.get(key)
    if found is None:
        if len(_redactors) > 8:
            _redactors.clear()
        found = _redactors[key] = Redactor(fixed)
    return found


class FieldRedactor:
    """The policy applied to one stored value at a time, as the MLflow plugin would have
    applied it; also knows which changes an interrupted fix already applied (``done``)."""

    def __init__(self, policy: Policy, done: dict[str, dict[str, Any]] | None = None) -> None:
        self.policy = policy
        self.redactor = _redactor_for(policy)
        self.fingerprint_key = self.redactor.scanner.fingerprint_key
        self.done = done or {}
        self.already_applied = 0

    @property
    def fingerprint_key_id(self) -> str:
        return self.redactor.scanner.fingerprint_key_id

    # ------------------------------------------------------------------ helpers
    def fingerprint(self, text: str) -> str:
        """The fingerprint of a whole old value (keyed, like every fingerprint)."""
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
