"""The cached :class:`~redact._redactor.Redactor` per policy (what every door uses)."""

from __future__ import annotations

from pathlib import Path

from redact._build import cached, get_scanner
from redact._redactor import Redactor
from redact.policy import Policy, load_policy

__all__ = ["get_redactor"]

_redactors: dict[int, tuple[Policy | None, Redactor]] = {}


def get_redactor(policy: Policy | str | Path | None = None) -> Redactor:
    """The cached Redactor for a policy object, a policy path, or the default (None)."""
    if isinstance(policy, (str, Path)):
        policy = load_policy(policy)

    def make(p: Policy | None) -> Redactor:
        return Redactor(p or load_policy("default"), scanner=get_scanner(p))

    found: Redactor = cached(_redactors, policy, make)
    return found
