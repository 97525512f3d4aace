"""The compiled detection engine: one prefilter, then only the detectors it points at.

Per string the hot path is: a dictionary look-up of the key (cached), one
Aho-Corasick pass over the lower-cased text for keywords, and one combined
shape regex for detectors without keywords (digits, ``@``, ``:``). Only the
detectors these select run their own patterns, under a timeout.
"""

from __future__ import annotations

import bisect
import importlib
import itertools
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import regex

from redact._escapes import ENCODED_ASCII_HEX
from redact.detect._buildcache import compile_regex, pattern_width, save_tables
from redact.detect.catalog import DetectorSpec
from redact.detect.keys import (
    KeyClass,
    classify_key,
    credential_from_parent,
    names_unknown_holder,
    split_segments,
)
from redact.detect.pii import split_ipv6_runs
from redact.detect.prefilter import KeyGate, build_prefilter
from redact.detect.validators import (
    KEY_CLASSES,
    VALIDATORS,
    Candidate,
    Validator,
    generated_token,
    name_before,
    normalize_key,
)

__all__ = [
    "Engine",
    "Hit",
    "CompiledDetector",
    "GUARD_TIMEOUT",
    "GUARD_ERROR",
    "GUARD_DENSE",
    "REDACTION_OUTPUT",
    "OUTPUT_MARKERS",
    "drop_redaction_outputs",
]

# What redact itself writes in place of a detected span: a later scan of redacted output
# must not read these (or the text between them and a separator) as a new credential.
REDACTION_OUTPUT = regex.compile(
    r"\[REDACTED(?::[\w.-]{1,64})?\]|\*{3,}|tok:[A-Z_]{1,32}:[0-9a-f]{8,64}"
    r"|enc:v[12]:[\w-]{1,64}:[A-Za-z0-9_=-]{8,}~?"
)
OUTPUT_MARKERS = ("[REDACTED", "***", "tok:", "enc:v1:", "enc:v2:")

_KEY_CACHE_LIMIT = 65536


def _compile(pattern: str) -> regex.Pattern[str]:
    """A catalog pattern compiled once per process: every scanner built from the same
    catalog shares its compiled patterns, which are immutable (the regex module's own
    cache holds 500 and a catalog compiles more, so without this each scanner built
    compiled them all again); a new process rebuilds them from the disk cache."""
    return compile_regex(pattern)


# the categories of credentials: recognised by their own structure under any key, masked
# wherever their text repeats, joined to and read through their runs of token characters
_CREDENTIAL_CATEGORIES = frozenset({"SECRET", "CONNECTION_STRING"})


class _OnFirstUse:
    """A pattern compiled when it is first searched: the glue-aware and run-on forms of
    provider patterns, read only where the patterns as written found nothing, are most
    of them never in a process (compiling them all took about 1 s of a first build)."""

    __slots__ = ("source", "_compiled")

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled: regex.Pattern[str] | None = None

    def _get(self) -> regex.Pattern[str]:
        if self._compiled is None:
            self._compiled = _compile(self.source)
        return self._compiled

    def search(self, text: str, pos: int = 0, *, timeout: float | None = None) -> regex.Match[str] | None:
        return self._get().search(text, pos, timeout=timeout)

    def finditer(self, text: str, pos: int = 0, *, timeout: float | None = None) -> Iterator[Any]:
        found: Iterator[regex.Match[str]] = self._get().finditer(text, pos, timeout=timeout)
        return found


def _on_first_use(source: str) -> regex.Pattern[str]:
    """``source`` compiled when first searched (typed as the pattern it stands for)."""
    return _OnFirstUse(source)


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
        "vendor_shapes",
        "distinctive",
        "key_specs",
        "exclude_specs",
        "widths",
        "gates",
        "entries",
        "escaped",
        "glued",
        "run_on",
        "fallbacks",
    )

    def __init__(self, spec: DetectorSpec, index: int) -> None:
        self.id = spec.id
        self.category = spec.category
        self.confidence = spec.confidence
        self.index = index
        compiled = [_compile(p) for p in spec.patterns]
        # (pattern, name of the group to report: "secret" when the pattern has one, else 0)
        self.patterns: list[tuple[regex.Pattern[str], str | int]] = [
            (c, "secret" if "secret" in c.groupindex else 0) for c in compiled
        ]
        # the same patterns reading escapes as separators, for text that holds a \ or a %
        self.escaped: list[regex.Pattern[str]] = [
            c if (e := escape_boundaries(p)) == p else _compile(e)
            for c, p in zip(compiled, spec.patterns, strict=True)
        ]
        # the fewest characters each pattern can match: no search where fewer are left
        self.widths: list[int] = [_min_width(p) for p in spec.patterns]
        # per pattern, the prefilter id of its own prefilter (None: the detector's suffices)
        self.gates: list[int | None] = [None] * len(compiled)
        # (pattern, its escape-aware form, reported group, width, gate, shared, fallback): what
        # ``Engine.run`` loops over, set once the gates and the shared patterns are known;
        # fallback is _FIRST, _FALLBACK or _RUN_ON (a fallback whose match is widened to the
        # token it runs into)
        self.entries: tuple[
            tuple[regex.Pattern[str], regex.Pattern[str], str | int, int, int | None, bool, int], ...
        ] = ()
        self.validators: list[Validator] = [VALIDATORS[v] for v in spec.validators]
        self.checks: list[Validator] = [VALIDATORS[v] for v in spec.checks]
        self.confidence_unverified = spec.confidence_unverified
        self.vendor_examples = frozenset(spec.vendor_examples)
        self.vendor_shapes = tuple(spec.vendor_example_shapes)
        self.keys = [_key_test(k) for k in spec.context.keys]
        self.exclude_keys = [_key_test(k) for k in spec.context.exclude_keys]
        self.key_specs = tuple(spec.context.keys)
        self.exclude_specs = tuple(spec.context.exclude_keys)
        self.words = [w.lower() for w in spec.context.words]
        self.window = spec.context.window
        self.needs_context = bool(self.keys or self.words)
        # a credential recognised by its own structure (a provider prefix, a PEM header,
        # user:password@ in a URI) still fires under a lineage key, where PII shapes and
        # detectors that need a key or nearby words are silenced
        self.distinctive = spec.category in _CREDENTIAL_CATEGORIES and not self.needs_context
        # a token with a provider's literal prefix glued to its neighbour by a character of
        # its own alphabet (``<key>_hf_...``, ``<key>-SG....``): the same patterns with
        # their outer boundaries also holding at ``- _ . +``, read only when the patterns
        # as written found nothing of this detector in the text
        self.glued: list[tuple[regex.Pattern[str], regex.Pattern[str]] | None] = [None] * len(compiled)
        # such a token that runs on into another one with nothing between them
        # (``<key>figd_...<token>``, ``<key>==/fm2_...``), where the one's right boundary
        # refuses the token and the other's left boundary its neighbour: the same patterns
        # with their right boundaries turned into what they refused, read after the glued
        # forms and kept when the rest of the run is a token too (``_run_on``)
        self.run_on: list[tuple[regex.Pattern[str], regex.Pattern[str]] | None] = [None] * len(compiled)
        # patterns read only where the others found nothing (``fallback`` in the catalog)
        self.fallbacks: list[bool] = list(spec.pattern_fallbacks) or [False] * len(compiled)
        if self.distinctive:
            for j, p in enumerate(spec.patterns):
                if self.fallbacks[j]:
                    continue
                g = glue_boundaries(p) if spec.keywords else p
                if g != p:
                    self.glued[j] = (_on_first_use(g), _on_first_use(escape_boundaries(g)))
                r = run_on_boundaries(p)
                if r != p:
                    self.run_on[j] = (_on_first_use(r), _on_first_use(escape_boundaries(r)))

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
# a value with more findings than ``Engine.max_hits`` is masked whole: the work per value
# stays bounded, and text that dense with sensitive data is not worth showing in parts
GUARD_DENSE = _Guard("guard-dense")
_NEEDS_LOWER: Hit = object()  # type: ignore[assignment]


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
    __slots__ = ("normalized", "triggered", "triggered_ids", "excluded", "key_class", "from_parent", "holder")

    def __init__(
        self,
        normalized: str,
        triggered: tuple[CompiledDetector, ...],
        excluded: frozenset[int],
        key_class: KeyClass = KeyClass.NEUTRAL,
        from_parent: bool = False,
        holder: str = "",
    ) -> None:
        self.normalized = normalized
        self.key_class = key_class
        self.from_parent = from_parent
        self.holder = holder  # the key, where it names a holder the grammar does not know
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
        max_hits: int = 10_000,
    ) -> None:
        self.detectors = [CompiledDetector(s, i) for i, s in enumerate(specs)]
        self.timeout = timeout
        self.max_hits = max_hits
        self.report_vendor_examples = report_vendor_examples
        # every detector's documented example values: a provider's example key is an
        # example wherever it appears (as a URI password, under a generic credential key)
        self._vendor_examples = (
            frozenset()
            if report_vendor_examples
            else frozenset(v for d in self.detectors for v in d.vendor_examples)
        )
        shapes = [] if report_vendor_examples else [p for d in self.detectors for p in d.vendor_shapes]
        self._vendor_shape = _compile("|".join(f"(?:{p})" for p in shapes)) if shapes else None
        # per-engine detection options handed to validators (e.g. {"phone_region": "DE"})
        self.options: Mapping[str, Any] | None = dict(options) if options else None
        self._keys: dict[str, _KeyInfo] = {}
        self._key_context = [d for d in self.detectors if d.keys or d.exclude_keys]
        # (pattern, reported group) pairs that several detectors share (the IP classes):
        # matched once per value, each detector validating the same matches
        uses = Counter(pg for d in self.detectors for pg in d.patterns)
        # (a shared pattern always reports the same group: the pattern object identifies it)
        self._shared = frozenset(pg[0] for pg, n in uses.items() if n > 1)
        self._key_gate = KeyGate(self._key_context)
        self._not_distinctive = frozenset(d.index for d in self.detectors if not d.distinctive)
        self._splitter, self._split_owners = _prefix_splitter(specs, self.detectors)
        # a pattern with a prefilter of its own is one more prefilter entry, numbered after
        # the detectors: it runs only when its entry is selected too
        triggers = [_triggers(s) for s in specs]
        labels = [f"detector {s.id!r}: field 'prefilter'" for s in specs]
        for d, s in zip(self.detectors, specs, strict=True):
            for j, gate in enumerate(s.pattern_prefilters):
                if gate is not None:
                    d.gates[j] = len(triggers)
                    triggers.append(([], gate))
                    labels.append(f"detector {s.id!r}: field 'patterns[{j}].prefilter'")
        self.prefilter = build_prefilter(triggers, prefilter, labels)
        for d in self.detectors:
            rows = list(zip(d.patterns, d.escaped, d.widths, d.gates, d.fallbacks, strict=True))
            entries = [
                (pattern, escaped, group, width, gate, pattern in self._shared, _FIRST)
                for (pattern, group), escaped, width, gate, fallback in rows
                if not fallback
            ]
            # then what is read only where those found nothing: the catalog's fallback
            # patterns, the glue-aware forms and the run-on forms
            entries += [
                (pattern, escaped, group, width, gate, False, _FALLBACK)
                for (pattern, group), escaped, width, gate, fallback in rows
                if fallback
            ]
            for forms, kind in ((d.glued, _FALLBACK), (d.run_on, _RUN_ON)):
                entries += [
                    (form[0], form[1], group, width, gate, False, kind)
                    for ((_, group), _, width, gate, _), form in zip(rows, forms, strict=True)
                    if form is not None
                ]
            d.entries = tuple(entries)
        # no detector the prefilter can select matches fewer characters than this
        self.min_len = min(
            (
                w
                for s, d in zip(specs, self.detectors, strict=True)
                if s.keywords or s.prefilter or s.context.words
                for w in d.widths
            ),
            default=0,
        )
        save_tables()  # (the patterns this build compiled and their widths, for the next process)

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
            triggered, excluded = self._key_gate.match(key, full, norm)
            if key_class is KeyClass.LINEAGE:
                triggered = ()
                excluded = excluded | self._not_distinctive
            from_parent = key_class is KeyClass.CREDENTIAL and credential_from_parent(key)
            holder = key if from_parent and names_unknown_holder(key) else ""
            info = _KeyInfo(norm, triggered, excluded, key_class, from_parent, holder)
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
        the overlapping hits it shadows (``shadow=True``), which redaction masks too.

        Unicode spaces (no-break, thin, figure, narrow no-break...) are read as a plain
        space and Unicode hyphens, en dashes and the minus sign as ``-``: text copied from
        documents and web pages groups card numbers, IBANs, SSNs and phone numbers with
        them, and writes spaces around ``=`` and ``:``. The fullwidth forms of ASCII
        (``４１１１``, ``ＤＥ８９``, ``＠``), which East Asian input methods type, are read as
        ASCII. Each is one code point, as its ASCII reading is, so every offset stays the
        offset in ``text``."""
        if not text.isascii():
            text = text.translate(_AS_ASCII)
        if "\x1b" in text:  # (a terminal's colours and links read as blanks, offsets kept)
            text = _TERMINAL_CONTROL.sub(_blanked, text)
        if ":" in text:  # (IPv6 addresses joined by ":" read apart, offsets kept)
            text = split_ipv6_runs(text)
        info = self.key_info(key)
        if len(text) < self.min_len and not info.triggered_ids:
            return []
        selected = self.candidates(text, info)
        if not selected:
            return []
        hits = self.run(text, info, selected)
        if hits and _glued(text, hits):
            hits = self._reread_glued(text, info, hits)
        if hits or (self._splitter is not None and not self._split_owners.isdisjoint(selected)):
            hits = self._split_at_prefixes(text, info, selected, hits)
        return _with_runs(text, hits) if hits else hits

    def _split_at_prefixes(self, text: str, info: _KeyInfo, selected: set[int], hits: list[Hit]) -> list[Hit]:
        """Read apart values glued to a finding with nothing between them. The text is cut
        where a claim found starts right after a letter or a digit
        (``(478) 890-4692mysql+pymysql://...``), where a finding ends right before one or a
        phone number's ``+`` or ``(`` (``...@example.com(212) 555-0102``), and where a
        distinctive detector's keyword
        does, that detector reading a token from there and a finding ending at the cut or
        before it in the same run of non-blank characters (``(536) 708-3778AIza...``,
        ``...AccountKey=<key>;EndpointSuffix=core.windows.netsk-ant-...``,
        ``hf_...glpat-...``; a token glued after a word that is no finding stays unread,
        as its left boundary says). Each piece is read on its own, and what it finds
        touching a cut is added (the token the cut starts, the neighbour it ends); over a
        span found before, it is a shadow (masked, not reported twice)."""
        if any(isinstance(h.detector, _Guard) for h in hits):
            return hits
        n = len(text)
        fixed = {
            h.claim_start
            for h in hits
            if h.claim_start > 0 and text[h.claim_start].isalnum() and text[h.claim_start - 1].isalnum()
        }
        # and where a finding ends right before a letter, a digit or a phone number's ``+``
        # or ``(`` (``...@example.com(212) 555-0102``, ``4111...1111+44 20 ...``)
        fixed |= {h.end for h in hits if h.end < n and (text[h.end].isalnum() or text[h.end] in "+(")}
        tentative: set[int] = set()
        if self._splitter is not None and not self._split_owners.isdisjoint(selected):
            lowered = text.lower()
            if len(lowered) == n:  # (else a character's lower case is longer)
                seen = {h.start for h in hits} | fixed
                last = len(self.detectors)
                checks = _SPLIT_CHECKS
                for end, (size, owners, written) in self._splitter.iter(lowered):
                    at = end - size + 1
                    if at <= 0 or at in seen or at in tentative or not text[at - 1].isalnum():
                        continue  # (a shorter keyword's detectors that did not read a token
                        # there leave it to a longer one's: sk- then sk-ant-)
                    if owners.isdisjoint(selected):
                        continue
                    if not checks:
                        break  # (a keyword repeated over and over: no reading of the rest each time)
                    if written and text[at : end + 1] not in written:
                        continue  # (``ciO`` in a JWT's header: crates.io writes ``cio``)
                    if size < 6 and _WORDLIKE.fullmatch(text, at, end + 1):
                        continue  # (cio, akia: letters of one case, likely the rest of a word)
                    checks -= 1
                    rest = text[at : at + _SPLIT_WINDOW]
                    wanted = {i for i in self.candidates(rest, info) if i in owners or i >= last}
                    if wanted and any(h.start == 0 for h in self.run(rest, info, wanted)):
                        tentative.add(at)
        ends = {h.end for h in hits} | {h.claim_end for h in hits}
        read: dict[tuple[int, int], list[Hit]] = {}  # (a piece is read once, whatever the passes)
        while fixed or tentative:
            bounds = [0, *sorted(fixed | tentative), n]
            pieces: list[Hit] = []
            for a, b in itertools.pairwise(bounds):
                if (a, b) not in read:
                    piece = text[a:b]
                    chosen = self.candidates(piece, info)
                    touching = read[a, b] = []
                    for h in self.run(piece, info, chosen) if chosen else ():
                        if isinstance(h.detector, _Guard):
                            return [Hit(h.detector, 0, n, 0, n)]  # (fail closed)
                        if (a and h.start == 0) or (b < n and h.end == len(piece)):
                            h.start, h.end = h.start + a, h.end + a
                            h.claim_start, h.claim_end = h.claim_start + a, h.claim_end + a
                            touching.append(h)
                pieces.extend(read[a, b])
            ended = ends | {h.end for h in pieces}
            found = [h.end for h in itertools.chain(hits, pieces)]
            unsupported = set()
            for at in tentative - ended:  # (nor a finding in the run of non-blanks it ends)
                start = _run_start(text, at)
                if not any(start <= end <= at for end in found):
                    unsupported.add(at)
            if not unsupported:
                break
            tentative -= unsupported  # (no finding before it: read again without that cut)
        else:
            return hits
        added = [h for h in pieces if not any(h.start == g.start and h.end == g.end for g in hits)]
        if not added:
            return hits
        reported = [g for g in hits if not g.shadow]
        for h in added:
            if any(h.start < g.end and g.start < h.end for g in hits) or any(
                h.claim_start < g.claim_end and g.claim_start < h.claim_end for g in reported
            ):
                h.shadow = True
        return sorted(hits + added, key=lambda h: (h.start, h.end))

    def _reread_glued(self, text: str, info: _KeyInfo, hits: list[Hit]) -> list[Hit]:
        """Read again, with every span found blanked out, a text where a finding is glued
        to what follows or precedes it (``...1985771-56-4813`` + a card, an IBAN then an
        e-mail address with no separator): a neighbour whose edge a detector's boundary
        check refused is then read on its own. One joiner between a span and its
        neighbour (one of ``. _ + -``; on its right, as :func:`_joins_right` says) is
        blanked with the span (``ann@example.org-joe@example.com``: the second address
        then starts a word; ``ghp_...:2a00:...``: the address no longer continues a
        group; ``..._+44 20 ...``: the number no longer follows a word character). What
        the second reading finds outside the first one's spans is added; a claim that
        overlaps a reported one is a shadow (masked, not reported twice). Offsets are
        kept: a span is blanked by as many spaces."""
        parts: list[str] = []
        at = 0
        for h in sorted(hits, key=lambda h: h.start):
            start, end = h.start, h.end
            if _joins_left(text, h):
                start -= 1
            if _joins_right(text, h):
                end += 1
            if start > at:
                parts.append(text[at:start])
            if end > at:
                parts.append(" " * (end - max(at, start)))
                at = end
        parts.append(text[at:])
        blanked = "".join(parts)
        selected = self.candidates(blanked, info)
        more = self.run(blanked, info, selected) if selected else []
        added = [
            h
            for h in more
            if not isinstance(h.detector, _Guard)
            and not any(h.start < g.end and g.start < h.end for g in hits)
        ]
        if not added:
            return hits
        reported = [g for g in hits if not g.shadow]
        for h in added:
            if not h.shadow and any(
                h.claim_start < g.claim_end and g.claim_start < h.claim_end for g in reported
            ):
                h.shadow = True
        return sorted(hits + added, key=lambda h: (h.start, h.end))

    def run(self, text: str, info: _KeyInfo, selected: set[int] | frozenset[int]) -> list[Hit]:
        """Run the selected detectors' patterns over ``text`` (all under one deadline)."""
        hits: list[Hit] = []
        lowered: str | None = None
        n = len(text)
        deadline = time.monotonic() + self.timeout
        shared: dict[regex.Pattern[str], list[regex.Match[str]]] | None = None
        detectors, triggered = self.detectors, info.triggered_ids
        last = len(detectors)
        escapes = "\\" in text or "%" in text  # (read by the escape-aware patterns only then)
        rejected = [False]  # set by this loop when it rejects the match _matches yielded
        try:
            for index in sorted(selected) if len(selected) > 1 else selected:
                if index >= last:  # (the per-pattern prefilter entries come after the detectors)
                    break
                d = detectors[index]
                key_ok = index in triggered
                found_before = len(hits)
                for plain, escaped, group, width, gate, is_shared, fallback in d.entries:
                    if width > n or (gate is not None and gate not in selected):
                        continue
                    if fallback and len(hits) > found_before:
                        break  # (fallbacks only read what the patterns before them missed)
                    pattern = escaped if escapes else plain
                    if is_shared:  # one regex pass for every detector using it
                        if shared is None:
                            shared = {}
                        found = shared.get(pattern)
                        if found is None:
                            found = shared[pattern] = list(_matches(pattern, group, text, deadline, width))
                        matches: Iterable[regex.Match[str]] = found
                    else:
                        rejected[0] = False
                        matches = _matches(pattern, group, text, deadline, width, rejected)
                    for m in matches:
                        start, end = m.span(group)
                        if start < 0:
                            continue
                        cs, ce = m.span()
                        hit = self._check(d, m, text, start, end, cs, ce, key_ok, info, lowered)
                        if hit is _NEEDS_LOWER:
                            lowered = text.lower()
                            hit = self._check(d, m, text, start, end, cs, ce, key_ok, info, lowered)
                        if hit is not None and fallback == _RUN_ON:
                            hit = _run_on(text, hit, d)
                        if hit is not None:
                            hits.append(hit)
                            if len(hits) > self.max_hits:
                                return [Hit(GUARD_DENSE, 0, n, 0, n)]
                        elif not is_shared:
                            rejected[0] = True  # (the next search starts inside this match)
        except TimeoutError:
            return [Hit(GUARD_TIMEOUT, 0, n, 0, n)]
        if hits and any(m in text for m in OUTPUT_MARKERS):
            hits = drop_redaction_outputs(text, hits)
        return _resolve(hits) if len(hits) > 1 else hits

    def _check(
        self,
        d: CompiledDetector,
        m: regex.Match[str],
        text: str,
        start: int,
        end: int,
        cs: int,
        ce: int,
        key_ok: bool,
        info: _KeyInfo,
        lowered: str | None = None,
    ) -> Hit | None:
        """The hit for one match, or None when context, validators or vendor examples
        reject it (``_NEEDS_LOWER`` asks the caller for the lower-cased text once)."""
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            return None
        if start and not d.distinctive and _silenced_by_name(d, text, start):
            return None  # workspace_id=<16 digits>, checksum=... in text, as under those dict keys
        if d.needs_context and not key_ok:
            if lowered is None:
                return _NEEDS_LOWER
            near = lowered[max(0, cs - d.window) : ce + d.window]
            if not any(w in near for w in d.words):
                return None
        cand = None
        if d.validators:
            cand = self._candidate(m, text, start, end, info)
            for v in d.validators:
                if not v(cand):
                    return None
        if self._vendor_examples or self._vendor_shape is not None:
            value = text[start:end].strip("'\"")
            if value in self._vendor_examples or (
                self._vendor_shape is not None and self._vendor_shape.fullmatch(value)
            ):
                return None
        confidence = d.confidence
        if d.checks:
            cand = cand or self._candidate(m, text, start, end, info)
            if not all(v(cand) for v in d.checks):
                confidence = d.confidence_unverified
        return Hit(d, start, end, cs, ce, confidence)

    def _candidate(self, m: regex.Match[str], text: str, start: int, end: int, info: _KeyInfo) -> Candidate:
        opts, key = self.options, info.normalized
        return Candidate(text[start:end], m, text, start, end, key, opts, info.from_parent, info.holder)


# read as ASCII, one code point for one: the space separators of Unicode (category Zs), the
# hyphens, figure dash, en dash and minus sign (not the em dash of prose), and the
# fullwidth forms of ASCII (U+FF01-FF5E)
_AS_ASCII = {
    **{cp: " " for cp in (0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)},
    **{cp: "-" for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2212)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)},
}

# a terminal's control sequences (ECMA-48): CSI (colours and styles, ``\x1b[36m``), OSC
# (a hyperlink's ``\x1b]8;;url\x1b\\``, a title) and the two-character escapes, as console
# output captured by a tracker (W&B's output.log) or coloured log lines hold them
_TERMINAL_CONTROL = regex.compile(
    r"\x1b(?:\[[0-?]{0,32}[ -/]{0,4}[@-~]|\][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)|[@-Z\\-_])"
)


def _blanked(m: regex.Match[str]) -> str:
    return " " * len(m.group())


_FIRST, _FALLBACK, _RUN_ON = 0, 1, 2  # how an entry of ``CompiledDetector.entries`` is read
_RETRIES = 64  # rejected matches per pattern and text after which no search restarts inside one
_SHORT = 2048  # below this, a search per match is cheaper than setting up finditer


def _matches(
    pattern: regex.Pattern[str],
    group: str | int,
    text: str,
    deadline: float,
    width: int = 0,
    rejected: list[bool] | None = None,
) -> Iterator[regex.Match[str]]:
    """Every match of ``pattern`` in ``text``, resuming after the reported group rather
    than after the whole match (a second record joined to the first, as two DSNs after
    ``;``, is matched too); raises TimeoutError past ``deadline``. ``width``: the fewest
    characters a match takes (no search where fewer are left). Where the caller rejected
    the last match (sets ``rejected[0]``), the next search starts right after its start:
    a match that begins inside a rejected one is read too (an IBAN of one country that
    starts inside a longer candidate of another country). Past ``_RETRIES`` rejections
    the text is repetitive, and reading resumes after each rejected match as after an
    accepted one, so the cost stays that of one pass."""
    pos, n, count = 0, len(text), 0
    retries = 0
    limit = n - width  # the last position a match can start at
    while pos <= limit:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        if n <= _SHORT:
            m = pattern.search(text, pos, timeout=left)
            if m is None:
                return
            yield m
            cs, ce = m.span()
            if rejected is not None and rejected[0]:
                rejected[0] = False
                if retries < _RETRIES:
                    retries += 1
                    pos = _attempt(m) + 1
                    continue
            end = m.end(group)
            pos = max(end, cs + 1) if 0 <= end < ce else (ce if ce > cs else cs + 1)
            continue
        restart = -1
        for m in pattern.finditer(text, pos, timeout=left):
            count += 1
            if not count & 127 and time.monotonic() > deadline:
                raise TimeoutError
            yield m
            cs, ce = m.span()
            if rejected is not None and rejected[0]:
                rejected[0] = False
                if retries < _RETRIES:
                    retries += 1
                    restart = _attempt(m) + 1
                    if restart < ce:
                        break
                    restart = -1
                    continue
            end = m.end(group)
            if 0 <= end < ce:
                restart = max(end, cs + 1)
                break
        if restart < 0:
            return
        pos = restart


def _attempt(m: regex.Match[str]) -> int:
    """Where the search that found ``m`` began matching: its start, or the start of a
    group before it (a pattern that reads a lead-in and then starts the match with ``\\K``
    names the lead-in as a group)."""
    starts: list[int] = [s for s, _ in m.regs if s >= 0]
    return min(starts)


_ECHO_MIN = 8  # a credential this long is masked wherever else its text repeats it
_ECHO_VALUES = 64  # distinct credentials looked for again per text: one pass of str.find each


def with_echoes(text: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` and every other place ``text`` repeats the value of a credential they found
    (``token = 'v' | 'v'``, a password assigned and then typed in a command line): each
    repetition is masked with it (``shadow``, not reported twice), never left readable
    beside its masked copy; a credential that is a plain word (``postgres`` as the password of
    ``postgres://postgres:postgres@db``) is looked for nowhere else, as across leaves. Hits
    are sorted by start; so is the result."""
    values: dict[str, Hit] = {}
    for h in hits:
        if h.detector.index < 0:
            return hits  # (a guard masks the whole value)
        if h.end - h.start >= _ECHO_MIN and h.detector.category in _CREDENTIAL_CATEGORIES:
            value = text[h.start : h.end]
            if _mixed(value):  # (a word, postgres:postgres, is no echo: the scheme stays)
                values.setdefault(value, h)
            if len(values) >= _ECHO_VALUES:
                break
    if not values:
        return hits
    spans = sorted((h.start, h.end) for h in hits)
    starts = [a for a, _ in spans]
    reach = list(itertools.accumulate((b for _, b in spans), max))  # furthest end so far
    extra: list[Hit] = []
    for value, h in values.items():
        n = len(value)
        i = text.find(value)
        while i >= 0:
            k = bisect.bisect_right(starts, i)
            if not (k and reach[k - 1] >= i + n):  # (not inside a span already masked)
                extra.append(Hit(h.detector, i, i + n, i, i + n, h.confidence, True))
            i = text.find(value, i + n)
    if not extra:
        return hits
    return sorted([*hits, *extra], key=lambda h: (h.start, h.end))


def repeated_credentials(text: str, hits: Iterable[Hit], into: dict[str, Hit]) -> None:
    """Add to ``into`` (text -> hit) each credential of ``hits`` that is looked for again in
    the other leaves of the same call (:func:`echo_hits`): a secret or a connection string's
    credential of at least ``_ECHO_MIN`` characters, without blanks, mixing two kinds of
    character or more (letters and digits, cases, symbols), so that a repetition elsewhere
    is that credential and not a word (``postgres`` as a password is not looked for)."""
    for h in hits:
        if h.detector.index < 0 or h.detector.category not in _CREDENTIAL_CATEGORIES:
            continue
        if h.end - h.start < _ECHO_MIN or len(into) >= _ECHO_VALUES:
            continue
        value = text[h.start : h.end]
        if value not in into and _mixed(value):
            into[value] = h


def _mixed(value: str) -> bool:
    """Two kinds of character or more (lower case, upper case, digits, symbols), five
    distinct characters, no blank: a credential rather than a word."""
    if len(set(value)) < 5 or _BLANK.search(value):
        return False
    kinds = (
        (value != value.upper())  # (a lower-case letter)
        + (value != value.lower())  # (an upper-case letter)
        + (_DIGIT.search(value) is not None)
        + (_SYMBOL.search(value) is not None)
    )
    return kinds >= 2


_BLANK = regex.compile(r"\s")
_DIGIT = regex.compile(r"\d")
_SYMBOL = regex.compile(r"[\W_]")


def echo_hits(text: str, values: Sequence[tuple[str, Hit]]) -> list[Hit]:
    """Reported hits where ``text`` repeats one of ``values`` (credentials another leaf of
    the call held, from :func:`repeated_credentials`, longest first) as a token of its own,
    not inside a longer word: each under the detector and confidence of the hit that found
    it (the longer one where two overlap). Sorted by start."""
    out: list[Hit] = []
    n = len(text)
    for value, h in values:
        size = len(value)
        if size > n:
            continue
        i = text.find(value)
        while i >= 0:
            end = i + size
            alone = (i == 0 or not text[i - 1].isalnum()) and (end == n or not text[end].isalnum())
            if alone and not any(o.start < end and i < o.end for o in out):
                out.append(Hit(h.detector, i, end, i, end, h.confidence))
            i = text.find(value, i + 1)
    return sorted(out, key=lambda h: (h.start, h.end))


def drop_redaction_outputs(text: str, hits: list[Hit]) -> list[Hit]:
    """Drop hits that cover nothing but redact's own outputs and separators, so that
    redacting redacted text changes nothing (``s3://[REDACTED:x]:****@bucket``)."""
    spans = [m.span() for m in REDACTION_OUTPUT.finditer(text)]
    if not spans:
        return hits
    starts = [a for a, _ in spans]
    kept = []
    for h in hits:
        i = max(0, bisect.bisect_right(starts, h.start) - 1)
        pos, readable = h.start, False
        while pos < h.end and not readable:
            while i < len(spans) and spans[i][1] <= pos:
                i += 1
            if i < len(spans) and spans[i][0] <= pos:
                pos = spans[i][1]
                continue
            nxt = min(spans[i][0], h.end) if i < len(spans) else h.end
            readable = any(ch.isalnum() for ch in text[pos:nxt])
            pos = nxt
        if readable:
            kept.append(h)
    return kept


def _silenced_by_name(d: CompiledDetector, text: str, start: int) -> bool:
    """The value at ``start`` follows a name in text under which the detector is silent as
    a dict key: a lineage name (``checksum=``, ``commit:``), where only distinctive
    detectors run, or a name its ``exclude_keys`` give (``workspace_id=4...`` in a log
    line is the id that ``{"workspace_id": ...}`` is)."""
    name = name_before(text, start)
    if name is None:
        return False
    if classify_key(name) is KeyClass.LINEAGE:
        return True
    if not d.exclude_keys:
        return False
    segments = split_segments(name)
    norm = normalize_key(segments[-1]) if segments else normalize_key(name)
    return any(test(name, norm) for test in d.exclude_keys)


def _key_test(spec: str) -> Callable[[str, str], bool]:
    """A test of ``(key, normalized key)``: ``@name`` is a named key class of the one key
    grammar (on the raw key), anything else a regex searched in the normalised key."""
    if spec.startswith("@"):
        cls = KEY_CLASSES[spec[1:]]
        return lambda key, norm: cls(key)
    pattern = _compile(spec)
    return lambda key, norm: pattern.search(norm) is not None


# A left boundary written as a lookbehind of one character class (``(?<![A-Za-z0-9_])``):
# text logged with its line breaks and tabs escaped (``"a\\nghp_..."``, a repr or a
# JSON-escaped log) or URL-encoded (``state%3Dghp_...``, ``a%20b``) has a letter or digit
# of the escape before the value, so the escape (``\n``, ``\r``, ``\t``, ``%XX``) counts
# as the separator it stands for.
_LEFT_BOUNDARY = regex.compile(r"\(\?<!\[(?!\^)((?:\\.|[^\]\\])+)\]\)")
_ESCAPE = r"\\[nrt]|%[0-9A-Fa-f]{2}"  # an escape ends right before the value
# a value never starts with the letter of an escape, nor with the hex digits of a percent
# escape: of an ASCII character URL encoders escape (ENCODED_ASCII_HEX: %20, %2F, %3D, %40
# are escapes; %41 or %49 is a % and two characters), of a UTF-8 lead byte before the next
# escape (%C3%A9) or a continuation byte after one; a % before anything else is a
# character of the text (4111...%AKIA..., a joiner), and the value may start right after it
_NOT_IN_ESCAPE = (
    r"(?!(?<=\\)[nrt])"
    rf"(?!(?<=%)(?:{ENCODED_ASCII_HEX}"
    r"|[C-Fc-f][0-9A-Fa-f](?=%)|(?<=%[0-9A-Fa-f]{2}%)[89ABab][0-9A-Fa-f]))"
    r"(?!(?<=%[0-9A-Fa-f])[0-9A-Fa-f])"
)


def escape_boundaries(pattern: str) -> str:
    """``pattern`` with each one-class left boundary also satisfied right after an escaped
    line break or tab or a percent-escape (the inner test only matters where the character
    before is in the class), and never inside one (``%20`` is not the start of a number)."""
    out: str = _LEFT_BOUNDARY.sub(lambda m: f"(?<![{m[1]}](?<!{_ESCAPE})){_NOT_IN_ESCAPE}", pattern)
    return out


# A provider token glued to its neighbour by a character of its own alphabet: the leading
# one-class left boundary and the one-class right boundaries of a pattern also hold at
# these characters (the token's literal prefix or its documented length says where it
# starts or ends)
_GLUE = "[-_.+]"
_FLAGS = r"(?:\(\?[a-zA-Z]+\))?"
_ONE_CLASS_LOOKBEHIND = r"\(\?<!\[(?!\^)(?:\\.|[^\]\\])+\]\)"
_LEADING_BOUNDARY = regex.compile(rf"^({_FLAGS})({_ONE_CLASS_LOOKBEHIND})")
# the reported token starts right after the leading boundary (not after a key name)
_TOKEN_START = regex.compile(rf"{_FLAGS}(?:{_ONE_CLASS_LOOKBEHIND})?\(\?P<secret>")
# a right boundary: a negative lookahead of one class of the token's own characters, at
# the end of the pattern or of one of its alternatives (``...{16,40}(?![A-Za-z0-9_-])|...``)
_RIGHT_BOUNDARY = regex.compile(
    r"\(\?!\[(?!\^)(?:\\.|[^\]\\])*(?:A-Za-z0-9|a-zA-Z0-9|a-z0-9|\\w)(?:\\.|[^\]\\])*\]\)"
)


def run_on_boundaries(pattern: str) -> str:
    """``pattern`` with each right boundary (a negative lookahead of one class of the
    token's characters) turned into its opposite: the token is followed by one more of
    its characters, as when another token is glued to it; when the token it reports starts
    right after the left boundary. Else ``pattern`` itself."""
    if not _TOKEN_START.match(pattern):
        return pattern
    return str(_RIGHT_BOUNDARY.sub(lambda m: "(?=" + m[0][3:], pattern))


# what a token glued to another is read through: the characters of tokens and of their
# joiners (base64's / + =, base64url's - _, dotted tokens' ., an id's : before its
# secret, a password hash's $), up to a blank, a quote or a separator of fields
_RUN_JOINERS = "+/=_.~:$-"  # (the - last: literal in a class)
_TOKEN_RUN = regex.compile(f"[A-Za-z0-9{_RUN_JOINERS}]*+")
_TOKEN_RUN_BACK = regex.compile(f"[A-Za-z0-9{_RUN_JOINERS}]*+", flags=regex.REVERSE)
# a token in such a run: its characters without the separators of dotted names, ids and
# hashes (. : $)
_PART_JOINERS = "+/=_~-"
_RUN_ON_PART = regex.compile(f"[A-Za-z0-9{_PART_JOINERS}]{{16,}}+")
_B64_INNER = regex.compile(r"[+/]")


def _run_on(text: str, hit: Hit, d: CompiledDetector) -> Hit | None:
    """A run-on form's hit widened over the rest of its run of token characters, when
    that rest is what is left of another token (12 letters and digits or more, not of one
    kind) or holds a generated one: another credential glued to it, masked with it. None
    when it is not (the token is only a few characters longer than its provider's format
    says)."""
    end = _TOKEN_RUN.match(text, hit.end, hit.end + _RUN_WINDOW).end()
    core = "".join(ch for ch in text[hit.end : end] if ch.isalnum())
    # (the pattern's last repeat may have taken the head of the token glued to it: what is
    # left of that one need only be 12 letters and digits)
    glued = len(core) >= 12 and not core.isalpha() and not core.isdigit()
    if not glued and not _holds_token(text, hit.end, end):
        return None
    hit.end = end
    hit.claim_end = max(hit.claim_end, end)
    # (below a match of the format as written: a longer token of another provider with the
    # same prefix, Facebook's EAA... beside Square's EAAA..., is reported as that one's)
    hit.confidence = min(hit.confidence, d.confidence_unverified)
    return hit


def _holds_token(text: str, start: int, end: int) -> bool:
    """``text[start:end]``, a run of token characters, holds a generated token of 16
    characters or more (base64's ``/`` and ``+`` read as its own characters); hex of a
    commit's or a digest's length is lineage, never taken for one."""
    parts = _RUN_ON_PART.findall(text, start, end)
    return any(generated_token(_B64_INNER.sub("", p.strip(_PART_JOINERS))) for p in parts)


def _with_runs(text: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` and, beside each credential, the rest of its run of token characters up
    to the next finding, when that rest holds a generated token: another credential glued
    to it with nothing or one of its own characters between them (``xoxa-...e360dAPI-...``,
    ``<key>==/<token>``), which no detector reads on its own once its edge touches the
    first. It is masked with the credential (``shadow``), not reported. Sorted by start."""
    n = len(text)
    touching = [
        h
        for h in hits
        if h.detector.category in _CREDENTIAL_CATEGORIES
        and h.detector.index >= 0
        and (_in_run(text, h.end) or _in_run(text, h.start - 1))
    ]
    if not touching:
        return hits
    starts = sorted((h.start, h.detector.category in _CREDENTIAL_CATEGORIES) for h in hits)
    ends = sorted(h.end for h in hits)
    added: list[Hit] = []
    for h in touching:
        if _in_run(text, h.end):
            # up to the next finding (between two credentials, the rest of a token is
            # masked whatever it is), and at most _RUN_WINDOW characters on
            i = bisect.bisect_left(starts, (h.end, False))
            nxt, cred = starts[i] if i < len(starts) else (n, False)
            end = _TOKEN_RUN.match(text, h.end, min(nxt, h.end + _RUN_WINDOW)).end()
            if end > h.end and ((cred and end == nxt) or _holds_token(text, h.end, end)):
                added.append(Hit(h.detector, h.end, end, h.end, end, h.confidence, shadow=True))
        if _in_run(text, h.start - 1):
            i = bisect.bisect_right(ends, h.start)
            before = ends[i - 1] if i else 0
            start = _TOKEN_RUN_BACK.match(text, max(before, h.start - _RUN_WINDOW), h.start).start()
            if start < h.start and _holds_token(text, start, h.start):
                added.append(Hit(h.detector, start, h.start, start, h.start, h.confidence, shadow=True))
    if not added:
        return hits
    return sorted(hits + added, key=lambda h: (h.start, h.end))


_RUN_WINDOW = 4096  # the most characters of a run read beside a finding (a token is shorter)


def _in_run(text: str, i: int) -> bool:
    """``text[i]`` exists and is a character of a token's run (``_TOKEN_RUN``)."""
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] in _RUN_JOINERS)


def glue_boundaries(pattern: str) -> str:
    """``pattern`` with its leading left boundary and its right boundaries (each a
    lookaround of one character class of the token's characters) also satisfied next to
    ``- _ . +``, when the token it reports starts right after that left boundary (not
    after a key name, as an assignment's value does); else ``pattern`` itself."""
    if not _TOKEN_START.match(pattern):
        return pattern
    out: str = _LEADING_BOUNDARY.sub(lambda m: f"{m[1]}(?:{m[2]}|(?<={_GLUE}))", pattern, count=1)
    out = _RIGHT_BOUNDARY.sub(lambda m: f"(?:{m[0]}|(?={_GLUE}))", out)
    return out


_NAMED_GROUP = regex.compile(r"(?<!\\)\(\?P<\w+>")
_NAMED_BACKREF = regex.compile(r"(?<!\\)\(\?P=\w+\)")
_BRANCH_RESET = regex.compile(r"(?<!\\)\(\?\|")


@lru_cache(maxsize=16384)
def _min_width(pattern: str) -> int:
    """A lower bound of the characters ``pattern`` can match (0 when none is known),
    remembered in the build cache (``re``'s parser is Python code: a sixth of a warm
    build)."""
    return pattern_width(pattern, _parsed_min_width)


def _parsed_min_width(pattern: str) -> int:
    """:func:`_min_width` read by ``re``'s parser.

    Syntax only the regex module knows (branch reset ``(?|``, repeated group names) is
    read through a form ``re`` parses that matches no more characters: groups without
    names, named backreferences dropped (not with numbered backreferences)."""
    try:
        _parser = importlib.import_module("re._parser")  # Python 3.11+
    except ImportError:  # Python 3.10
        _parser = importlib.import_module("sre_parse")
    best = 0
    relaxed = _BRANCH_RESET.sub("(?:", _NAMED_BACKREF.sub("", _NAMED_GROUP.sub("(?:", pattern)))
    forms = (pattern,) if regex.search(r"\\[1-9]", pattern) else (pattern, relaxed)  # (group numbers move)
    for form in forms:
        try:
            best = max(best, int(_parser.parse(form).getwidth()[0]))
        except Exception:  # syntax only the regex module knows
            continue
    return best


def _triggers(spec: DetectorSpec) -> tuple[list[str], str | None]:
    """What makes the prefilter select a detector.

    A detector that needs context words fires only near one of them (or under a matching
    key, which the key cache handles), so its words alone select it: its shape would only
    add regex runs whose matches the context check then drops.
    """
    if spec.context.words:
        return [*spec.keywords, *spec.context.words], None
    return list(spec.keywords), spec.prefilter


# a short keyword that, as written in the text, may continue the word before it: letters
# and digits of one case (a token's prefix with punctuation, ``ghp_``, ``sk-ant-``, or in
# mixed case, ``AIza``, ``eyJ``, says where a token starts; the check keeps the confirming
# reads off words such as "precious" and "social")
_WORDLIKE = regex.compile(r"[a-z0-9]+|[A-Z0-9]+")


def _prefix_splitter(
    specs: Sequence[DetectorSpec], detectors: Sequence[CompiledDetector]
) -> tuple[Any, frozenset[int]]:
    """An Aho-Corasick automaton of the keywords (3 characters or more, lower-cased) that
    start a token of a detector recognising a credential by its own structure, each word
    giving its length and the detectors it selects; and all those detectors. (None when
    there are none.) The catalog's positive examples say which keywords are prefixes: a
    detector counts when one of its examples' matches starts with one of its keywords (a
    provider token, ``ghp_...``; not an assignment, whose keyword is the name before the
    value), and a keyword of it that no match starts with but one holds further in is a
    marker inside the token (OpenAI's ``T3BlbkFJ``), where no token starts. A keyword the
    examples start with is looked for only as they write it (``AIza``, ``cio``), the
    others in any case."""
    words: dict[str, set[int]] = {}
    written: dict[str, set[str] | None] = {}
    for spec, d in zip(specs, detectors, strict=True):
        keywords = [kw.lower() for kw in spec.keywords if len(kw) >= 3 and kw.isascii()]
        if not d.distinctive or not keywords:
            continue
        cased = [str(e.match or e.value) for e in spec.examples.positive]
        matches = [m.lower() for m in cased]
        starts = {kw for kw in keywords if any(m.startswith(kw) for m in matches)}
        if not starts:
            continue
        for kw in keywords:
            if kw in starts or not any(kw in m for m in matches):
                words.setdefault(kw, set()).add(d.index)
                # the keyword as the examples write it (any case when none starts with it)
                forms = {m[: len(kw)] for m in cased if m[: len(kw)].lower() == kw}
                known = written.get(kw, set())
                written[kw] = None if not forms or known is None else known | forms
    if not words:
        return None, frozenset()
    import ahocorasick

    automaton: Any = ahocorasick.Automaton()
    for w, ids in words.items():
        automaton.add_word(w, (len(w), frozenset(ids), frozenset(written.get(w) or ())))
    automaton.make_automaton()
    return automaton, frozenset(i for ids in words.values() for i in ids)


_LAST_BLANK = regex.compile(r"\s", flags=regex.REVERSE)


def _run_start(text: str, at: int) -> int:
    """Where the run of characters with no blank that goes on to ``at`` starts: a finding
    ending in it (``...AccountKey=<key>;EndpointSuffix=core.windows.net`` before a token
    glued to it) confirms a cut at ``at``."""
    m = _LAST_BLANK.search(text, 0, at)
    return m.end() if m else 0


# the confirming reads of a cut at a provider's prefix: at most this many per value, each
# over at most this many characters from the cut (a token is shorter)
_SPLIT_CHECKS = 16
_SPLIT_WINDOW = 8192

_GLUE_CHARS = frozenset("._+-")
# what else joins a credential to a token before it: base64's ``/`` and, after base64's
# characters, ``=`` (many keys end ``...ABCD==``)
_CREDENTIAL_JOINERS = frozenset("._+-/=")
# categories whose values have a ``:`` of their own after them (a port after an address or
# a host, a password before ``@``): a ``:`` there is their syntax, never a joiner
_COLON_SYNTAX = frozenset({"IP_ADDRESS", "CONNECTION_STRING"})


def _joins_right(text: str, h: Hit) -> bool:
    """One joiner follows ``h`` and then what may start another value: one of ``. _ + -``,
    a ``:`` after a finding with no ``:`` syntax of its own (``ghp_...:2a00:...``), or a
    ``/`` after one that is no URI (an address's prefix length, ``10.0.0.0/8``, is not
    another value: ``AIza.../4417...``), before a letter, a digit, a ``$`` or the ``+`` or ``(`` a
    phone number starts with."""
    b = h.end
    if b + 1 >= len(text) or not _opens(text[b + 1]):
        return False
    ch = text[b]
    if ch == "/":
        category = h.detector.category
        return category != "CONNECTION_STRING" and not (
            category == "IP_ADDRESS" and _PREFIX_LENGTH.match(text, b + 1)
        )
    if ch == "=":  # (a token's padding ends it: what follows starts another)
        return h.detector.category == "SECRET" and text[b - 1].isalnum()
    return ch in _GLUE_CHARS or (ch == ":" and h.detector.category not in _COLON_SYNTAX)


def _joins_left(text: str, h: Hit) -> bool:
    """One joiner comes before ``h`` and after what may end another value: one of ``. _ +
    -`` after a letter or a digit, or, before a credential, one of ``. _ + - /`` after a
    letter, a digit or base64's ``/ + =``, or ``=`` after one of those three
    (``<key>==/ghp_...``, ``<key>==+sk-...``, ``<key>/=...``)."""
    a = h.start
    if a < 2:
        return False
    ch, before = text[a - 1], text[a - 2]
    if h.detector.category in _CREDENTIAL_CATEGORIES:
        if ch == "=":  # (after a letter or a digit, = assigns: ``--password=<pw>``)
            return before in "/+="
        return ch in _CREDENTIAL_JOINERS and (before.isalnum() or before in "/+=")
    return ch in _GLUE_CHARS and before.isalnum()


_PREFIX_LENGTH = regex.compile(r"\d{1,3}(?!\d)")


def _opens(ch: str) -> bool:
    """A value can start with ``ch``: a letter or digit, the ``+`` or ``(`` a phone
    number starts with, or the ``$`` of a password hash (``$2b$``, ``$argon2id$``)."""
    return ch.isalnum() or ch in "+($"


def _glued(text: str, hits: list[Hit]) -> bool:
    """A finding touches a letter or digit of its neighbour, directly or across one of
    ``. _ + -`` (on its right, also across a ``:`` and before a ``+`` or ``(``:
    :func:`_joins_right`): nothing separates it from what may be another finding."""
    n = len(text)
    for h in hits:
        if isinstance(h.detector, _Guard):
            return False
        a, b = h.start, h.end
        if a > 0 and (text[a - 1].isalnum() or _joins_left(text, h)):
            return True
        if b < n and (text[b].isalnum() or _joins_right(text, h)):
            return True
    return False


def _resolve(hits: list[Hit]) -> list[Hit]:
    """Report the most confident, then widest, then first-declared of overlapping claims;
    the others stay in the result marked ``shadow`` (redaction masks them too).

    One sweep by start splits the hits into clusters of transitively overlapping claims;
    only inside a cluster are claims compared, so many disjoint hits cost O(n log n).
    """
    hits.sort(key=lambda h: (h.claim_start, h.claim_end))
    out: list[Hit] = []
    cluster: list[Hit] = []
    reach = -1
    for h in hits:
        if cluster and h.claim_start >= reach:
            _resolve_cluster(cluster, out)
            cluster = []
        cluster.append(h)
        reach = max(reach, h.claim_end) if len(cluster) > 1 else h.claim_end
    if cluster:
        _resolve_cluster(cluster, out)
    out.sort(key=lambda h: (h.start, h.end))
    return out


def _resolve_cluster(cluster: list[Hit], out: list[Hit]) -> None:
    if len(cluster) == 1:
        out.append(cluster[0])
        return
    cluster.sort(key=lambda h: (-h.confidence, h.claim_start - h.claim_end, h.detector.index, h.start))
    starts: list[int] = []
    kept: list[Hit] = []
    for h in cluster:
        i = bisect.bisect_right(starts, h.claim_start)
        before = i and kept[i - 1].claim_end > h.claim_start
        if before or (i < len(kept) and kept[i].claim_start < h.claim_end):
            h.shadow = True
            out.append(h)
            continue
        starts.insert(i, h.claim_start)
        kept.insert(i, h)
    out.extend(kept)
