"""The prefilter: one pass over a value that says which detectors can possibly match.

Detectors declare literal ``keywords`` (and context ``words``), matched case-insensitively,
and a ``prefilter`` regex for shapes without a literal anchor (digit groups, ``:``).
With Hyperscan (x86-64 wheels on PyPI) every keyword and shape is compiled into one
database and a value is scanned once. Elsewhere, an Aho-Corasick automaton finds the
keywords and one combined regex gates the shape checks.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from typing import Any

__all__ = ["Prefilter", "build_prefilter", "check_shape", "HAVE_HYPERSCAN"]

try:  # pragma: no cover - depends on the platform
    import hyperscan

    HAVE_HYPERSCAN = True
except ImportError:  # pragma: no cover
    hyperscan = None  # type: ignore[assignment]
    HAVE_HYPERSCAN = False

# (keywords, shape regex or None) for each detector, by detector index
Triggers = Sequence[tuple[Sequence[str], str | None]]


class Prefilter:
    kind = "abstract"

    def select(self, text: str) -> set[int]:  # pragma: no cover - interface
        raise NotImplementedError


class HyperscanPrefilter(Prefilter):
    kind = "hyperscan"

    def __init__(self, triggers: Triggers) -> None:
        patterns: list[bytes] = []
        flags: list[int] = []
        owners: list[int] = []
        literal_ids: dict[str, int] = {}
        for index, (keywords, shape) in enumerate(triggers):
            for kw in keywords:
                kw = kw.lower()
                if kw in literal_ids:  # one pattern per keyword, shared by detectors
                    owners.append(index)
                    patterns.append(re.escape(kw).encode())
                    flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH)
                    continue
                literal_ids[kw] = len(patterns)
                patterns.append(re.escape(kw).encode())
                flags.append(hyperscan.HS_FLAG_CASELESS | hyperscan.HS_FLAG_SINGLEMATCH)
                owners.append(index)
            if shape:
                patterns.append(shape.encode())
                flags.append(hyperscan.HS_FLAG_SINGLEMATCH)
                owners.append(index)
        self._owners = owners
        self._db = hyperscan.Database()
        if patterns:
            self._db.compile(
                expressions=patterns, ids=list(range(len(patterns))), elements=len(patterns), flags=flags
            )
        self._empty = not patterns
        self._local = threading.local()

    def select(self, text: str) -> set[int]:
        if self._empty:
            return set()
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        found: set[int] = set()
        self._db.scan(
            text.encode("utf-8", "surrogatepass"),
            match_event_handler=self._on_match,
            scratch=scratch,
            context=found,
        )
        return found

    def _on_match(self, pid: int, start: int, end: int, flags: int, found: Any) -> None:
        found.add(self._owners[pid])


class PythonPrefilter(Prefilter):
    kind = "python"

    def __init__(self, triggers: Triggers) -> None:
        import ahocorasick

        words: dict[str, set[int]] = {}
        self._shapes: list[tuple[int, re.Pattern[str]]] = []
        for index, (keywords, shape) in enumerate(triggers):
            for kw in keywords:
                words.setdefault(kw.lower(), set()).add(index)
            if shape:
                self._shapes.append((index, re.compile(shape)))
        self._ac: Any = None
        if words:
            self._ac = ahocorasick.Automaton()
            for w, ids in words.items():
                self._ac.add_word(w, tuple(sorted(ids)))
            self._ac.make_automaton()
        self._gate = (
            re.compile("|".join(f"(?:{p.pattern})" for _, p in self._shapes)) if self._shapes else None
        )

    def select(self, text: str) -> set[int]:
        found: set[int] = set()
        if self._ac is not None:
            for _, ids in self._ac.iter(text.lower()):
                found.update(ids)
        if self._gate is not None and self._gate.search(text):
            for index, shape in self._shapes:
                if index not in found and shape.search(text):
                    found.add(index)
        return found


def check_shape(pattern: str) -> str | None:
    """Why Hyperscan (when installed) cannot compile ``pattern``, or None."""
    if not HAVE_HYPERSCAN:
        return None
    db = hyperscan.Database()
    try:
        db.compile(expressions=[pattern.encode()], ids=[0], elements=1, flags=[hyperscan.HS_FLAG_SINGLEMATCH])
    except hyperscan.error as exc:
        return f"Hyperscan cannot compile it: {exc}"
    return None


def build_prefilter(triggers: Triggers, kind: str = "auto") -> Prefilter:
    """``kind``: ``auto`` (Hyperscan when installed), ``hyperscan`` or ``python``."""
    if kind == "hyperscan" or (kind == "auto" and HAVE_HYPERSCAN):
        return HyperscanPrefilter(triggers)
    return PythonPrefilter(triggers)
