"""Baselines: the findings a team has already seen, so a scan reports only new ones.

A baseline file is JSON, sorted and byte-for-byte stable across re-runs (no timestamps,
no line numbers, no plaintext)::

    {"baseline": "redact", "version": 2, "fingerprint_key_id": "3f0c...",
     "identity": ["fingerprint", "detector", "pointer"],
     "findings": [{"category": ..., "detector": ..., "fingerprint": ...,
                   "pointer": ..., "source": ...}, ...]}

A finding is known when its identity, (fingerprint, detector, pointer), is in the
baseline. The source is recorded for people reading the file but is not part of the
identity, and neither is the line: moving or renaming a file, or reformatting it
(indentation, key order, JSON <-> YAML layout), creates no new finding, while a new
value (new fingerprint) or the same value at another key (new pointer) is new.

Fingerprints are HMACs under the project fingerprint key (or the policy's own key; see
:mod:`redact._fpkey`), and the baseline records the key's id (a hash of it, never the
key). Loading a baseline with another key, or without one, is an error naming the file
and both ids, so a missing key never makes every finding look new. Version 1 baselines
(unkeyed fingerprints) are refused with the way to re-create them.

Known limits: a JSONL record's pointer starts with its line index,
so inserting lines above a known finding in a JSONL file makes it new again; the same
value at the same pointer in two files counts as one known finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from redact._fpkey import ENV, is_ephemeral, key_file_path
from redact.errors import InputError
from redact.report.base import Result, display_path

__all__ = ["Baseline", "Entry", "identity"]

VERSION = 2
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

    def __init__(self, entries: Iterable[Entry] = (), *, key_id: str | None = None) -> None:
        self.key_id = key_id
        self.entries: list[Entry] = sorted(set(entries))
        self._known = {e.identity for e in self.entries}

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, r: object) -> bool:
        return isinstance(r, Result) and identity(r) in self._known

    @classmethod
    def from_results(cls, results: Iterable[Result], *, key_id: str) -> Baseline:
        """A baseline of ``results``, whose fingerprints were made with the key ``key_id``;
        sources are recorded relative to the working folder when they lie below it, so the
        file does not depend on where the repository is."""
        if is_ephemeral(key_id):
            raise InputError(
                f"no fingerprint key could be read or created ({key_file_path()}); a baseline needs "
                f"a lasting one: set {ENV} (for instance from a CI secret) or make that file writable"
            )
        entries = (
            Entry(display_path(r.source), r.pointer, r.detector, r.category, r.fingerprint) for r in results
        )
        return cls(entries, key_id=key_id)

    def new(self, results: Sequence[Result]) -> list[Result]:
        """The results that are not in the baseline, in their order."""
        return [r for r in results if identity(r) not in self._known]

    def dumps(self) -> str:
        doc: dict[str, Any] = {
            "baseline": "redact",
            "version": VERSION,
            "fingerprint_key_id": self.key_id,
            "identity": list(IDENTITY),
            "findings": [e.to_dict() for e in self.entries],
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def load(cls, path: Path, *, key_id: str | None = None) -> Baseline:
        """Read a baseline; with ``key_id`` (the key of the scan it will filter), a baseline
        made with another key is an InputError naming the file and both ids."""
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
        if doc.get("version") == 1:
            raise InputError(
                f"{path}: a version 1 baseline holds unkeyed fingerprints, which this version no "
                "longer writes or reads; re-create it with `redact baseline SOURCE... -o FILE` "
                "(see the README, 'Baselines')"
            )
        if doc.get("version") != VERSION:
            raise InputError(
                f"{path}: baseline version {doc.get('version')!r} is not supported (use {VERSION})"
            )
        made_with = doc.get("fingerprint_key_id")
        if not isinstance(made_with, str) or not made_with:
            raise InputError(f"{path}: field 'fingerprint_key_id': expected the id of a fingerprint key")
        if key_id is not None and made_with != key_id:
            raise InputError(
                f"{path}: the baseline was made with fingerprint key {made_with}, but this scan uses "
                f"key {key_id}: provide the key it was made with ({ENV}, the key file "
                f"{key_file_path()}, or the policy's fingerprint key), or re-create the baseline"
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
        return cls(entries, key_id=made_with)
