"""The compiled detection engine: one prefilter, then only the detectors it points at.

Per string the hot path is: a dictionary look-up of the key (cached), one
Aho-Corasick pass over the lower-cased text for keywords, and one combined
shape regex for detectors without keywords (digits, ``@``, ``:``). Only the
detectors these select run their own patterns, under a timeout.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import regex

from redact.detect.catalog import DetectorSpec
from redact.detect.keys import KeyClass, classify_key, split_segments
from redact.detect.prefilter import build_prefilter
from redact.detect.validators import KEY_CLASSES, VALIDATORS, Candidate, Validator, normalize_key

__all__ = ["Engine", "Hit", "CompiledDetector", "GUARD_TIMEOUT", "GUARD_ERROR", "REDACTION_OUTPUT"]

# What redact itself writes in place of a detected span: a later scan of redacted output
# must not read these (or the text between them and a separator) as a new credential.
REDACTION_OUTPUT = regex.compile(
    r"\[REDACTED(?::[\w.-]{1,64})?\]|\*{3,}|tok:[A-Z_]{1,32}:[0-9a-f]{8,64}"
    r"|enc:v1:[\w-]{1,64}:[A-Za-z0-9_=-]{8,}"
)
_OUTPUT_MARKERS = ("[REDACTED", "***", "tok:", "enc:v1:")

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
        "distinctive",
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
        # a credential recognised by its own structure (a provider prefix, a PEM header,
        # user:password@ in a URI) still fires under a lineage key, where PII shapes and
        # detectors that need a key or nearby words are silenced
        self.distinctive = spec.category in ("SECRET", "CONNECTION_STRING") and not self.needs_context

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
    # True when another detector's overlapping claim is reported instead: the span is
    # still sensitive and is masked (mask the union), but not reported twice
    shadow: bool = False

    def __post_init__(self) -> None:
        if self.confidence < 0:
            self.confidence = self.detector.confidence


class _KeyInfo:
    __slots__ = ("normalized", "triggered", "triggered_ids", "excluded", "key_class")

    def __init__(
        self,
        normalized: str,
        triggered: tuple[CompiledDetector, ...],
        excluded: frozenset[int],
        key_class: KeyClass = KeyClass.NEUTRAL,
    ) -> None:
        self.normalized = normalized
        self.key_class = key_class
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
    ) -> None:
        self.detectors = [CompiledDetector(s, i) for i, s in enumerate(specs)]
        self.timeout = timeout
        self.report_vendor_examples = report_vendor_examples
        self._keys: dict[str, _KeyInfo] = {}
        self._key_context = [d for d in self.detectors if d.keys or d.exclude_keys]
        self._not_distinctive = frozenset(d.index for d in self.detectors if not d.distinctive)
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
        """What the key (a dict key, a flattened key path or ``parent.key``) selects:
        detectors it triggers (``context.keys``), detectors it silences, and its class in
        the one key grammar. Under a lineage key only distinctive detectors run."""
        info = self._keys.get(key)
        if info is None:
            # validators and exclusions see the leaf's own key (its last segment); a
            # key-context rule (``(?:^|_)name(?:_|$)``) is searched in the whole flattened
            # path, which ends with the last segment (``wandb.api_key``)
            full = normalize_key(key)
            segments = split_segments(key)
            norm = normalize_key(segments[-1]) if segments else full
            key_class = classify_key(key) if key else KeyClass.NEUTRAL
            triggered = tuple(d for d in self._key_context if d.keys and any(t(key, full) for t in d.keys))
            excluded = frozenset(
                d.index for d in self._key_context if any(t(key, norm) for t in d.exclude_keys)
            )
            if key_class is KeyClass.LINEAGE:
                triggered = ()
                excluded = excluded | self._not_distinctive
            info = _KeyInfo(norm, triggered, excluded, key_class)
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
        """Validated hits in ``text`` read under ``key``: one reported hit per claim, plus
        the overlapping hits it shadows (``shadow=True``), which redaction masks too."""
        info = self.key_info(key)
        if len(text) < self.min_len and not info.triggered_ids:
            return []
        selected = self.candidates(text, info)
        if not selected:
            return []
        return self.run(text, info, selected)

    def run(self, text: str, info: _KeyInfo, selected: set[int] | frozenset[int]) -> list[Hit]:
        """Run the selected detectors' patterns over ``text`` (all under one deadline)."""
        hits: list[Hit] = []
        lowered: str | None = None
        deadline = time.monotonic() + self.timeout
        for index in sorted(selected) if len(selected) > 1 else selected:
            d = self.detectors[index]
            key_ok = index in info.triggered_ids
            for pattern, group in d.patterns:
                pos = 0
                n = len(text)
                try:
                    while pos <= n:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            raise TimeoutError
                        m = pattern.search(text, pos, timeout=left)
                        if m is None:
                            break
                        start, end = m.span(group)
                        cs, ce = m.span()
                        # resume after the reported span, not the whole match: a second
                        # record joined to the first (two DSNs after ";") is matched too
                        pos = max(end, cs + 1) if start >= 0 else ce if ce > cs else cs + 1
                        if start < 0:
                            continue
                        while start < end and text[start].isspace():
                            start += 1
                        while end > start and text[end - 1].isspace():
                            end -= 1
                        if start == end:
                            continue
                        if d.needs_context and not key_ok:
                            if lowered is None:
                                lowered = text.lower()
                            near = lowered[max(0, cs - d.window) : ce + d.window]
                            if not any(w in near for w in d.words):
                                continue
                        cand = None
                        if d.validators:
                            cand = Candidate(text[start:end], m, text, start, end, info.normalized)
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
                            cand = cand or Candidate(text[start:end], m, text, start, end, info.normalized)
                            if not all(v(cand) for v in d.checks):
                                confidence = d.confidence_unverified
                        hits.append(Hit(d, start, end, cs, ce, confidence))
                except TimeoutError:
                    return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
        if hits and any(m in text for m in _OUTPUT_MARKERS):
            hits = _drop_redaction_outputs(text, hits)
        return _resolve(hits) if len(hits) > 1 else hits


def _drop_redaction_outputs(text: str, hits: list[Hit]) -> list[Hit]:
    """Drop hits that cover nothing but redact's own outputs and separators, so that
    redacting redacted text changes nothing (``s3://[REDACTED:x]:****@bucket``)."""
    covered = [0] * (len(text) + 1)  # prefix sums of characters inside an output
    spans = [m.span() for m in REDACTION_OUTPUT.finditer(text)]
    if not spans:
        return hits
    marks = [0] * (len(text) + 1)
    for a, b in spans:
        marks[a] += 1
        marks[b] -= 1
    depth = 0
    alnum_outside = [0] * (len(text) + 1)
    for i, ch in enumerate(text):
        depth += marks[i]
        alnum_outside[i + 1] = alnum_outside[i] + (1 if depth == 0 and ch.isalnum() else 0)
    del covered
    return [h for h in hits if alnum_outside[h.end] - alnum_outside[h.start] > 0]


def _key_test(spec: str) -> Callable[[str, str], bool]:
    """A test of ``(key, normalized key)``: ``@name`` is a named key class of the one key
    grammar (on the raw key), anything else a regex searched in the normalised key."""
    if spec.startswith("@"):
        cls = KEY_CLASSES[spec[1:]]
        return lambda key, norm: cls(key)
    pattern = regex.compile(spec)
    return lambda key, norm: pattern.search(norm) is not None


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
    """Report the most confident, then widest, then first-declared of overlapping claims;
    the others stay in the result marked ``shadow`` (redaction masks them too).

    Kept claims never overlap, so they stay sorted by start in ``starts``/``kept`` and a
    new claim only needs comparing with its two neighbours: O(n log n).
    """
    hits.sort(key=lambda h: (-h.confidence, h.claim_start - h.claim_end, h.detector.index, h.start))
    starts: list[int] = []
    kept: list[Hit] = []
    shadowed: list[Hit] = []
    for h in hits:
        i = bisect.bisect_right(starts, h.claim_start)
        before = i and kept[i - 1].claim_end > h.claim_start
        if before or (i < len(kept) and kept[i].claim_start < h.claim_end):
            h.shadow = True
            shadowed.append(h)
            continue
        starts.insert(i, h.claim_start)
        kept.insert(i, h)
    if shadowed:
        kept.extend(shadowed)
    kept.sort(key=lambda h: (h.start, h.end))
    return kept
