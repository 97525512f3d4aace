"""Baselines: the findings a team has already seen, so a scan reports only new ones.

A baseline file is JSON, sorted and byte-for-byte stable across re-runs (no timestamps,
no line numbers, no plaintext)::

    {"baseline": "redact", "version": 1,
     "identity": ["fingerprint", "detector", "pointer"],
     "findings": [{"category": ..., "detector": ..., "fingerprint": ...,
                   "pointer": ..., "source": ...}, ...]}

A finding is known when its identity, (fingerprint, detector, pointer), is in the
baseline. The source is recorded for people reading the file but is not part of the
identity, and neither is the line: moving or renaming a file, or reformatting it
(indentation, key order, JSON <-> YAML layout), creates no new finding, while a new
value (new fingerprint) or the same value at another key (new pointer) is new.

Known limits: fingerprints depend on the policy's fingerprint key, so scan with the
policy the baseline was made with; a JSONL record's pointer starts with its line index,
so inserting lines above a known finding in a JSONL file makes it new again; the same
value at the same pointer in two files counts as one known finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redact.errors import InputError
from redact.report.base import Result, display_path

__all__ = ["Baseline", "Entry", "identity"]

VERSION = 1
IDENTITY = ("fingerprint", "detector", "pointer")

Identity = tuple[str, str, str]


def identity(r: Result) -> Identity:
    return (r.fingerprint, r.detector, r.pointer)


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    source: str
    pointer: str
    detector: str
    category: str
    fingerprint: str

    @property
    def identity(self) -> Identity:
        return (self.fingerprint, self.detector, self.pointer)

    def to_dict(self) -> dict[str, str]:
        return {
            "category": self.category,
            "detector": self.detector,
            "fingerprint": self.fingerprint,
            "pointer": self.pointer,
            "source": self.source,
        }


class Baseline:
    """A set of known findings."""

    def __init__(self, entries: Iterable[Entry] = ()) -> None:
        self.entries: list[Entry] = sorted(set(entries))
        self._known = {e.identity for e in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, r: object) -> bool:
        return isinstance(r, Result) and identity(r) in self._known

    @classmethod
    def from_results(cls, results: Iterable[Result]) -> Baseline:
        """A baseline of ``results``; sources are recorded relative to the working folder
        when they lie below it, so the file does not depend on where the repository is."""
        return cls(
            Entry(display_path(r.source), r.pointer, r.detector, r.category, r.fingerprint) for r in results
        )

    def new(self, results: Sequence[Result]) -> list[Result]:
        """The results that are not in the baseline, in their order."""
        return [r for r in results if identity(r) not in self._known]

    def dumps(self) -> str:
        doc: dict[str, Any] = {
            "baseline": "redact",
            "version": VERSION,
            "identity": list(IDENTITY),
            "findings": [e.to_dict() for e in self.entries],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise InputError(f"{path}: cannot read baseline: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise InputError(f"{path}: baseline is not UTF-8 text") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: invalid baseline JSON: {exc.msg}") from None
        if not isinstance(doc, dict) or doc.get("baseline") != "redact":
            raise InputError(f"{path}: not a redact baseline (made by `redact baseline`)")
        if doc.get("version") != VERSION:
            raise InputError(
                f"{path}: baseline version {doc.get('version')!r} is not supported (use {VERSION})"
            )
        items = doc.get("findings")
        if not isinstance(items, list):
            raise InputError(f"{path}: field 'findings': expected a list")
        entries: list[Entry] = []
        fields = ("source", "pointer", "detector", "category", "fingerprint")
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not all(isinstance(item.get(f), str) for f in fields):
                raise InputError(f"{path}: field 'findings[{i}]': expected strings {', '.join(fields)}")
            entries.append(Entry(*(item[f] for f in fields)))
        return cls(entries)
