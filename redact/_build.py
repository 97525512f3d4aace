"""Turn a policy into a ready Scanner (catalog + selection + custom detectors), cached.

The Redactor built on a Scanner is cached by :mod:`redact._redactors`, one layer up, so
this module never imports the redaction pipeline.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from redact._scanner import Scanner
from redact._yaml import Loc
from redact.detect.catalog import DetectorSpec, load_catalog, parse_detectors
from redact.detect.engine import Engine
from redact.errors import PolicyError
from redact.policy import Policy, load_policy

__all__ = ["build_scanner", "get_scanner", "example_failures", "select", "cached"]

_lock = threading.RLock()
_builtin: list[DetectorSpec] | None = None
_cache: dict[int, tuple[Policy | None, Scanner]] = {}


def builtin_specs() -> list[DetectorSpec]:
    global _builtin
    if _builtin is None:
        _builtin = load_catalog()
    return _builtin


def select(specs: list[DetectorSpec], policy: Policy) -> list[DetectorSpec]:
    sel = policy.detectors
    known = {s.id for s in specs} | {s.category for s in specs}
    for field, names in (("enable", sel.enable), ("disable", sel.disable)):
        for name in names:
            if name not in known:
                raise PolicyError(
                    f"{policy.source or 'policy'}: field 'detectors.{field}': unknown detector "
                    f"or category {name!r}"
                )
    out = specs
    if sel.enable:
        out = [s for s in out if s.id in sel.enable or s.category in sel.enable]
    if sel.disable:
        out = [s for s in out if s.id not in sel.disable and s.category not in sel.disable]
    return out


def example_failures(spec: DetectorSpec, scanner: Scanner | None = None) -> list[str]:
    """Examples of ``spec`` that do not hold, as messages without the example's value.

    Positives must be reported by this detector (covering ``match`` when given);
    negatives must not be reported by it.
    """
    scanner = scanner or Scanner(Engine([spec]))
    problems: list[str] = []
    for kind in ("positive", "negative"):
        for i, ex in enumerate(getattr(spec.examples, kind)):
            value: Any = ex.value
            text = value if isinstance(value, str) else str(value)
            found = [f for f in scanner.scan({ex.key or "value": value}) if f.detector == spec.id]
            if kind == "positive":
                if not found:
                    problems.append(f"examples.positive[{i}] ({ex.reason}): not detected")
                elif ex.match is not None and not any(text[f.start : f.end] == ex.match for f in found):
                    problems.append(f"examples.positive[{i}] ({ex.reason}): span differs from 'match'")
            elif found:
                problems.append(f"examples.negative[{i}] ({ex.reason}): detected")
    return problems


def build_scanner(policy: Policy | None = None) -> Scanner:
    policy = policy or Policy()
    specs = list(builtin_specs())
    if policy.detectors.custom:
        source = policy.source or "policy"
        root: Loc = ("detectors", "custom")
        custom = parse_detectors(policy.detectors.custom, {}, source, root)
        taken = {s.id for s in specs}
        for i, spec in enumerate(custom):
            if spec.id in taken:
                raise PolicyError(
                    f"{source}: field 'detectors.custom[{i}].id': {spec.id!r} is already a built-in detector"
                )
            problems = example_failures(spec)
            if problems:
                raise PolicyError(
                    f"{source}: detector {spec.id!r}: field 'detectors.custom[{i}].{problems[0]}"
                )
        specs.extend(custom)
    ner = None
    if policy.ner.enabled:
        from redact.detect.ner import PersonNER

        ner = PersonNER(policy.ner.model, policy.ner.min_score)
    return Scanner(
        Engine(
            select(specs, policy),
            timeout=policy.timeout_seconds,
            report_vendor_examples=policy.detectors.report_vendor_examples,
            options=policy.detectors.detection_options(),
        ),
        fingerprint_key=policy.fingerprint_key(),
        min_confidence=policy.detectors.min_confidence,
        max_depth=policy.max_depth,
        ner=ner,
    )


def cached(cache: dict[int, tuple[Policy | None, Any]], policy: Policy | None, make: Any) -> Any:
    """``make(policy)``, once per policy object (the object is kept, so ids are not reused)."""
    key = id(policy)
    entry = cache.get(key)
    if entry is None or entry[0] is not policy:
        with _lock:
            entry = cache.get(key)
            if entry is None or entry[0] is not policy:
                if len(cache) > 64:
                    cache.clear()
                entry = cache[key] = (policy, make(policy))
    return entry[1]


def get_scanner(policy: Policy | str | Path | None = None) -> Scanner:
    """The cached scanner for a policy object, a policy path, or the default (None)."""
    if isinstance(policy, (str, Path)):
        policy = load_policy(policy)
    return cached(_cache, policy, build_scanner)  # type: ignore[no-any-return]
