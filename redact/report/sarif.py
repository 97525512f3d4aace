"""SARIF 2.1.0, for code-scanning dashboards (GitHub, Azure DevOps, IDE viewers).

One run; ``tool.driver.rules`` holds one rule per catalog detector (plus one for any
detector in the results that the catalog lacks, such as ``guard-timeout``). Each result
points at its file and line (``physicalLocation``) and at its JSON pointer
(``logicalLocations[0].fullyQualifiedName``), and carries the value's keyed fingerprint as
``partialFingerprints["redact/v2"]`` (an HMAC under the project's fingerprint key, so it
cannot be checked against guesses), so dashboards track a finding across runs without
ever seeing the value. The region is the leaf's line, column 1 (``start``/``end`` are
offsets into the decoded value, not into the file's text, and are given in the result's
``properties``); a result whose line is unknown (a store URI) has no region.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from redact import __version__
from redact.report.base import Result, Rule, relative_uri, sort_results

__all__ = ["write", "SCHEMA_URI", "INFORMATION_URI", "level_for"]

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/redact/"

# credentials and identifiers that are sensitive on their own are errors; contact
# details and addresses, which are often legitimately present, are warnings
_ERROR_CATEGORIES = frozenset({"SECRET", "CONNECTION_STRING", "CREDIT_CARD", "US_SSN", "IBAN_CODE"})


def level_for(category: str) -> str:
    return "error" if category in _ERROR_CATEGORIES else "warning"


def _name(detector_id: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in detector_id.split("-"))


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _rule(rule_id: str, category: str, description: str, confidence: float | None) -> dict[str, Any]:
    description = " ".join(description.split())
    level = level_for(category)
    help_text = (
        f"{description} Remove the value or move it to a secret manager, rotate it if it is a "
        f"credential, and keep only a reference in the metadata (`redact apply` masks it)."
    )
    props: dict[str, Any] = {"category": category, "tags": ["security", category]}
    if confidence is not None:
        props["confidence"] = confidence
    return {
        "id": rule_id,
        "name": _name(rule_id),
        "shortDescription": {"text": _first_sentence(description)},
        "fullDescription": {"text": description},
        "help": {"text": help_text, "markdown": help_text},
        "properties": props,
        "defaultConfiguration": {"level": level},
    }


def _rules(results: Sequence[Result], catalog: Sequence[Rule]) -> list[dict[str, Any]]:
    rules = [_rule(s.id, s.category, s.description, s.confidence) for s in catalog]
    known = {s.id for s in catalog}
    extra = sorted({(r.detector, r.category) for r in results if r.detector not in known})
    for rule_id, category in extra:
        if rule_id in known:  # one detector id reported under two categories
            continue
        known.add(rule_id)
        rules.append(_rule(rule_id, category, f"{category} reported by {rule_id}.", None))
    return rules


def _result(r: Result, index: int) -> dict[str, Any]:
    where = r.pointer or "/"
    physical: dict[str, Any] = {"artifactLocation": {"uri": relative_uri(r.source)}}
    if r.line is not None:
        physical["region"] = {"startLine": r.line, "startColumn": r.column or 1}
    found: dict[str, Any] = {
        "ruleId": r.detector,
        "ruleIndex": index,
        "level": level_for(r.category),
        "message": {"text": f"{r.category} found by {r.detector} at {where}"},
        "locations": [
            {
                "physicalLocation": physical,
                "logicalLocations": [{"fullyQualifiedName": where, "kind": "value"}],
            }
        ],
        "partialFingerprints": {"redact/v2": r.fingerprint},
        "properties": {
            "category": r.category,
            "confidence": r.confidence,
            "start": r.start,
            "end": r.end,
        },
    }
    if r.suppressed:  # an inline `redact:allow` comment on the line
        found["suppressions"] = [{"kind": "inSource", "justification": "redact:allow"}]
    return found


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    rows = sort_results(results)
    rules = _rules(rows, catalog)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    log = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "redact",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": [_result(r, index[r.detector]) for r in rows],
            }
        ],
    }
    out.write(json.dumps(log, indent=2, ensure_ascii=False) + "\n")
