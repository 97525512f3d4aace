"""``redact policy explain``: what a policy does to each leaf of a sample, changing nothing.

For every leaf (scalar) of a document: its JSON pointer, the key rule of the policy that
applies to it (``deny``, ``allow``, ``trusted``, an unknown key under an allow list, or
none) and the decision (the actions taken on its findings, or ``keep``). Decisions come
from the same :class:`~redact.Redactor` the doors use, run on a copy; nothing is written
or forwarded, and no value is shown.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from redact._redactor import Decision, Redactor
from redact.errors import Blocked
from redact.leaves import Segment, key_path, pointer
from redact.policy import Policy, compile_format, compile_key_pattern

__all__ = ["LeafExplanation", "explain", "leaves"]


@dataclass(frozen=True, slots=True)
class LeafExplanation:
    pointer: str
    key: str
    rule: str
    decision: str


def leaves(doc: Any, path: tuple[Segment, ...] = ()) -> Iterator[tuple[tuple[Segment, ...], Any]]:
    """``(path, value)`` of every scalar in ``doc`` (dict keys as strings)."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from leaves(v, (*path, str(k)))
    elif isinstance(doc, (list, tuple)):
        for i, v in enumerate(doc):
            yield from leaves(v, (*path, i))
    else:
        yield path, doc


def _rule(policy: Policy, ptr: str, dotted: str, value: Any) -> str:
    """The key rule that applies at ``ptr`` (same order as the redactor: deny, unknown
    under an allow list, trusted with its format)."""
    rules = policy.keys

    def hit(pattern: str) -> bool:
        on_pointer, test = compile_key_pattern(pattern)
        return test(ptr if on_pointer else dotted)

    for p in rules.deny:
        if hit(p):
            return f"deny {p!r} -> {rules.deny_action}"
    if rules.allow:
        allowed = next((p for p in rules.allow if hit(p)), None)
        if allowed is None:
            return f"not in keys.allow -> unknown: {rules.unknown}"
        rule = f"allow {allowed!r}"
    else:
        rule = "none"
    for t in rules.trusted:
        if hit(t.key):
            text = "" if value is None else str(value)
            if t.format is not None and compile_format(t.format).fullmatch(text):
                return f"trusted {t.key!r} (format {t.format} holds: kept)"
            return f"trusted {t.key!r} (format {t.format} does not hold: scanned)"
    return rule


def _describe(decisions: list[Decision]) -> str:
    if not decisions:
        return "keep"
    return "; ".join(f"{d.action} {d.category} ({d.detector}) [{d.start}:{d.end}]" for d in decisions)


def explain(doc: Any, policy: Policy, redactor: Redactor) -> list[LeafExplanation]:
    """One explanation per leaf of ``doc``, in document order."""
    items = list(leaves(doc))
    by_pointer: dict[str, list[Decision]] | None = None
    try:
        result = redactor.redact(doc)
        by_pointer = {}
        for d in result.decisions:
            by_pointer.setdefault(d.pointer, []).append(d)
    except Blocked:
        by_pointer = None  # a block stops the whole document: decide leaf by leaf instead
    out: list[LeafExplanation] = []
    for path, value in items:
        ptr, dotted = pointer(path), key_path(path)
        if by_pointer is not None:
            mine = [d for p, ds in by_pointer.items() if p == ptr or p.startswith(ptr + "/") for d in ds]
            decision = _describe(mine)
        else:
            try:
                decision = _describe(list(redactor.redact(value, path).decisions))
            except Blocked as exc:
                decision = f"block {exc.category} ({exc.detector})"
        out.append(LeafExplanation(ptr or "/", dotted, _rule(policy, ptr, dotted, value), decision))
    return out
