"""The compiled detection engine: one prefilter, then only the detectors it points at.

Per string the hot path is: a dictionary look-up of the key (cached), one
Aho-Corasick pass over the lower-cased text for keywords, and one combined
shape regex for detectors without keywords (digits, ``@``, ``:``). Only the
detectors these select run their own patterns, under a timeout.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import regex

from redact.detect.catalog import DetectorSpec
from redact.detect.prefilter import build_prefilter
from redact.detect.validators import KEY_CLASSES, VALIDATORS, Candidate, Validator, normalize_key

__all__ = ["Engine", "Hit", "CompiledDetector", "GUARD_TIMEOUT", "GUARD_ERROR"]

_KEY_CACHE_LIMIT = 65536


class CompiledDetector:
    """A catalog entry with its regexes compiled and validators resolved."""

    __slots__ = (
        "id",
        "category",
        "confidence",
        "index",
        "patterns",
        "validators",
        "keys",
        "exclude_keys",
        "words",
        "window",
        "needs_context",
        "checks",
        "confidence_unverified",
        "vendor_examples",
    )

    def __init__(self, spec: DetectorSpec, index: int) -> None:
        self.id = spec.id
        self.category = spec.category
        self.confidence = spec.confidence
        self.index = index
        compiled = [regex.compile(p) for p in spec.patterns]
        # (pattern, name of the group to report: "secret" when the pattern has one, else 0)
        self.patterns: list[tuple[regex.Pattern[str], str | int]] = [
            (c, "secret" if "secret" in c.groupindex else 0) for c in compiled
        ]
        self.validators: list[Validator] = [VALIDATORS[v] for v in spec.validators]
        self.checks: list[Validator] = [VALIDATORS[v] for v in spec.checks]
        self.confidence_unverified = spec.confidence_unverified
        self.vendor_examples = frozenset(spec.vendor_examples)
        self.keys = [_key_test(k) for k in spec.context.keys]
        self.exclude_keys = [_key_test(k) for k in spec.context.exclude_keys]
        self.words = [w.lower() for w in spec.context.words]
        self.window = spec.context.window
        self.needs_context = bool(self.keys or self.words)

    def __repr__(self) -> str:
        return f"<detector {self.id} {self.category}>"


class _Guard:
    """A pseudo-detector for values that could not be inspected: they count as sensitive."""

    __slots__ = ("id", "category", "confidence", "index")

    def __init__(self, id: str) -> None:
        self.id = id
        self.category = "SECRET"
        self.confidence = 1.0
        self.index = -1


GUARD_TIMEOUT = _Guard("guard-timeout")
GUARD_ERROR = _Guard("guard-error")


@dataclass(slots=True)
class Hit:
    """A validated match: ``start:end`` is reported, ``claim_start:claim_end`` is what the
    detector recognised (a whole URI for a password inside it); claims do not overlap."""

    detector: CompiledDetector | _Guard
    start: int
    end: int
    claim_start: int
    claim_end: int
    confidence: float = -1.0  # the detector's, unless a structural check failed

    def __post_init__(self) -> None:
        if self.confidence < 0:
            self.confidence = self.detector.confidence


class _KeyInfo:
    __slots__ = ("normalized", "triggered", "triggered_ids", "excluded")

    def __init__(
        self, normalized: str, triggered: tuple[CompiledDetector, ...], excluded: frozenset[int]
    ) -> None:
        self.normalized = normalized
        self.triggered = triggered
        self.triggered_ids = frozenset(d.index for d in triggered)
        self.excluded = excluded


class Engine:
    """Compile detector specs once; ``find(text, key)`` returns validated, non-overlapping hits."""

    def __init__(
        self,
        specs: Sequence[DetectorSpec],
        *,
        timeout: float = 2.0,
        prefilter: str = "auto",
        report_vendor_examples: bool = False,
        options: Mapping[str, Any] | None = None,
    ) -> None:
        self.detectors = [CompiledDetector(s, i) for i, s in enumerate(specs)]
        self.timeout = timeout
        self.report_vendor_examples = report_vendor_examples
        # per-engine detection options handed to validators (e.g. {"phone_region": "DE"})
        self.options: Mapping[str, Any] | None = dict(options) if options else None
        self._keys: dict[str, _KeyInfo] = {}
        self._key_context = [d for d in self.detectors if d.keys or d.exclude_keys]
        self.prefilter = build_prefilter([_triggers(s) for s in specs], prefilter)
        # no detector the prefilter can select matches fewer characters than this
        self.min_len = min(
            (
                _min_width(p)
                for s in specs
                if s.keywords or s.prefilter or s.context.words
                for p in s.patterns
            ),
            default=0,
        )

    # ------------------------------------------------------------------ keys
    def key_info(self, key: str) -> _KeyInfo:
        info = self._keys.get(key)
        if info is None:
            norm = normalize_key(key)
            triggered = tuple(d for d in self._key_context if d.keys and any(k(norm) for k in d.keys))
            excluded = frozenset(d.index for d in self._key_context if any(k(norm) for k in d.exclude_keys))
            info = _KeyInfo(norm, triggered, excluded)
            if len(self._keys) >= _KEY_CACHE_LIMIT:
                self._keys.clear()
            self._keys[key] = info
        return info

    # ------------------------------------------------------------------ text
    def candidates(self, text: str, info: _KeyInfo) -> set[int]:
        """Indices of the detectors the prefilter selects for ``text`` under this key."""
        selected = self.prefilter.select(text)
        if info.triggered_ids:
            selected |= info.triggered_ids
        if info.excluded:
            selected -= info.excluded
        return selected

    def find(self, text: str, key: str = "") -> list[Hit]:
        info = self.key_info(key)
        if len(text) < self.min_len and not info.triggered_ids:
            return []
        selected = self.candidates(text, info)
        if not selected:
            return []
        hits: list[Hit] = []
        lowered: str | None = None
        for index in sorted(selected) if len(selected) > 1 else selected:
            d = self.detectors[index]
            key_ok = index in info.triggered_ids
            for pattern, group in d.patterns:
                try:
                    for m in pattern.finditer(text, timeout=self.timeout):
                        start, end = m.span(group)
                        if start < 0:
                            continue
                        while start < end and text[start].isspace():
                            start += 1
                        while end > start and text[end - 1].isspace():
                            end -= 1
                        if start == end:
                            continue
                        cs, ce = m.span()
                        if d.needs_context and not key_ok:
                            if lowered is None:
                                lowered = text.lower()
                            near = lowered[max(0, cs - d.window) : ce + d.window]
                            if not any(w in near for w in d.words):
                                continue
                        cand = None
                        if d.validators:
                            cand = Candidate(
                                text[start:end], m, text, start, end, info.normalized, self.options
                            )
                            if not all(v(cand) for v in d.validators):
                                continue
                        if (
                            d.vendor_examples
                            and not self.report_vendor_examples
                            and text[start:end] in d.vendor_examples
                        ):
                            continue
                        confidence = d.confidence
                        if d.checks:
                            cand = cand or Candidate(
                                text[start:end], m, text, start, end, info.normalized, self.options
                            )
                            if not all(v(cand) for v in d.checks):
                                confidence = d.confidence_unverified
                        hits.append(Hit(d, start, end, cs, ce, confidence))
                except TimeoutError:
                    return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
        return _resolve(hits) if len(hits) > 1 else hits


def _key_test(spec: str) -> Callable[[str], bool]:
    """``@name`` is a named key class; anything else a regex searched in the key."""
    if spec.startswith("@"):
        return KEY_CLASSES[spec[1:]]
    pattern = regex.compile(spec)
    return lambda key: pattern.search(key) is not None


def _min_width(pattern: str) -> int:
    """The fewest characters ``pattern`` can match (0 when that cannot be worked out)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        return int(_parser.parse(pattern).getwidth()[0])
    except Exception:  # syntax only the regex module knows
        return 0


def _triggers(spec: DetectorSpec) -> tuple[list[str], str | None]:
    """What makes the prefilter select a detector.

    A detector that needs context words fires only near one of them (or under a matching
    key, which the key cache handles), so its words alone select it: its shape would only
    add regex runs whose matches the context check then drops.
    """
    if spec.context.words:
        return [*spec.keywords, *spec.context.words], None
    return list(spec.keywords), spec.prefilter


def _resolve(hits: list[Hit]) -> list[Hit]:
    """Keep the most confident, then widest, then first-declared of overlapping claims.

    Kept claims never overlap, so they stay sorted by start in ``starts``/``kept`` and a
    new claim only needs comparing with its two neighbours: O(n log n).
    """
    hits.sort(key=lambda h: (-h.confidence, h.claim_start - h.claim_end, h.detector.index, h.start))
    starts: list[int] = []
    kept: list[Hit] = []
    for h in hits:
        i = bisect.bisect_right(starts, h.claim_start)
        if i and kept[i - 1].claim_end > h.claim_start:
            continue
        if i < len(kept) and kept[i].claim_start < h.claim_end:
            continue
        starts.insert(i, h.claim_start)
        kept.insert(i, h)
    kept.sort(key=lambda h: (h.start, h.end))
    return kept
