"""redact: find and remove secrets and personal data in ML experiment metadata."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from redact._build import build_scanner, get_scanner
from redact._finding import Finding
from redact._redactor import Decision, GateProblem, Redactor, RedactResult, check_required
from redact._redactors import get_redactor
from redact._scanner import Scanner
from redact.detect.catalog import DetectorSpec, load_catalog
from redact.errors import RedactError
from redact.policy import Policy, load_policy

__all__ = [
    "Finding",
    "Policy",
    "RedactError",
    "Scanner",
    "DetectorSpec",
    "build_scanner",
    "load_catalog",
    "load_policy",
    "scan",
    "redact",
    "decrypt",
    "check_required",
    "Redactor",
    "RedactResult",
    "Decision",
    "GateProblem",
    "__version__",
]

__version__ = "0.1.0"


def scan(obj: Any, policy: Policy | str | Path | None = None) -> list[Finding]:
    """Every secret and piece of personal data in ``obj`` (any nested value), as Findings.

    ``policy`` is a :class:`Policy`, a path to a policy file, or None for the default.
    Strings that hold JSON are scanned as JSON, their inner keys serving as context.
    """
    return get_scanner(policy).scan(obj)


def redact(obj: Any, policy: Policy | str | Path | None = None) -> RedactResult:
    """A redacted copy of ``obj`` and the decisions taken, under ``policy`` (default: the
    built-in default policy). Raises :class:`redact.errors.Blocked` when a block action
    applies: nothing is returned to forward."""
    return get_redactor(policy).redact(obj)


def decrypt(value: str, pointer: str | Sequence[str | int], policy: Policy | str | Path) -> str:
    """``value``, the whole value of the field at ``pointer``, with every ``enc:`` token in
    it decrypted, using the keys the policy references. ``pointer`` is an RFC 6901 pointer
    (every segment a dict key, as for MLflow params and tags) or the path's segments with
    their types (ints for list indices). Raises :class:`redact.errors.DecryptError` for
    tampered, truncated, extended, moved, swapped or wrong-key tokens, and when the text
    around them changed."""
    from redact.actions import decrypt_text

    return decrypt_text(value, pointer, get_redactor(policy).keyring)
