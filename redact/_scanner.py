"""Walk any nested value into leaves and run the engine on each: the ``scan`` pipeline.

Dict keys are scanned like values (a finding in a key has ``in_key=True``). A leaf is
read under its context key: its own key, prefixed by its parent's key when the parent
names credentials (``secrets.anthropic``), so the one key grammar sees that context.
"""

from __future__ import annotations

import base64
import bisect
import dataclasses
import datetime as _dt
import decimal
import enum
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

import yaml

from redact._escapes import (
    BACKSLASH_ESCAPE,
    CODE_ESCAPE,
    ENTITY_ASCII,
    LINE_BREAK_ESCAPE,
    LINE_ESCAPE,
    PERCENT_ASCII,
    PERCENT_SEPARATOR,
    PROPERTY_ESCAPE,
    code_escape_char,
    entity_char,
    line_escape_char,
    percent_char,
    second_char,
)
from redact._finding import Finding, fingerprint
from redact._jsontext import (
    JNum,
    JObj,
    JStr,
    ParseTimeout,
    looks_like_json,
    looks_like_python_literal,
    parse_embedded,
    parse_python_literal,
    python_literal_at,
)
from redact._tables import credential_cells, may_hold_table
from redact._yaml import _Loader
from redact.detect.engine import (
    GUARD_DENSE,
    GUARD_ERROR,
    GUARD_TIMEOUT,
    OUTPUT_MARKERS,
    Engine,
    Hit,
    drop_redaction_outputs,
    with_echoes,
)
from redact.detect.keys import KeyClass, classify_key, is_bare_key
from redact.errors import CycleError, NestingError, RedactError, ScanError
from redact.leaves import (
    ARGV_MAX,
    MIN_INT,
    SIBLING_CONTEXT,
    SIBLING_NAMES,
    Segment,
    command_line,
    context_key,
    item_name,
    key_path,
    named_fields,
    pair_name,
    pointer,
)

__all__ = ["Scanner", "DEFAULT_MAX_DEPTH", "coerce", "int_text", "child_context", "masked_key", "merge_spans"]

DEFAULT_MAX_DEPTH = 100
_KEY_SEGMENT = re.compile(r"[^/.]{8,}")  # segments of a key long enough to hold a finding
# a run of a key's segments (between / . _ -) that are not plain words: what a name holds
_KEY_PAYLOAD = re.compile(
    r"(?<![^/._-])[^/._-]*[^A-Za-z/._-][^/._-]*(?:[/._-][^/._-]*[^A-Za-z/._-][^/._-]*)*"
)
_MEMO_MAX_LEN = 256
_MEMO_MAX_ENTRIES = 65536
_DIGEST_MAX_LEN = 1 << 16  # longer values are scanned each time (hashing them costs too)
_MEMO_MAX_HITS = 64
_JSON_OPENERS = frozenset("{[ \t\r\n")
_LITERAL_OPENERS = frozenset("{[('\" \t\r\n")  # (a Python literal's: a tuple's, a string's)
# a JSON object inside a text (a log line's payload, kaggle.json after a label): its start
_INLINE_OBJECT = re.compile(r'\{[ \t\r\n]*"')
_INLINE_TRIES = 8  # objects tried per text: each try reads at most the rest of the text once
# a quoted option in a list inside text (["mysql", "-u", ...], ['sshpass', '-p', ...]), and
# where such a list may open
_QUOTED_OPTION = re.compile(r"""[\[(,][ \t]*["']--?[A-Za-z]""")
_INLINE_LIST = re.compile(r"""[\[(][ \t]*["']""")  # (a list's or a tuple's repr)
# a YAML block sequence's item on its line: its indentation, and a plain scalar or one
# quoted without escapes (no mapping, flow collection, anchor, tag, block scalar or comment)
_YAML_ITEM = re.compile(
    r"""(?m)^(?P<indent>[ \t]*)-[ \t]+"""
    r"""(?:(?P<plain>[^\s"'\[\]{}&*!|>%@`#][^\n#]*?)|"(?P<dq>[^"\\\n]*)"|'(?P<sq>[^'\n]*)')[ \t]*\r?$"""
)
# a key made of words, flattened by any separator of the key grammar (. / : __ [n]), a
# version digit at the end at most (cvv2): where a small number's name can say what it is
_WORD_NAME = re.compile(r"[A-Za-z](?:[A-Za-z_.\-/:]|\[\d{1,9}\]){0,200}\d?")
_DECODER = json.JSONDecoder(object_pairs_hook=lambda pairs: None)
# where an escaped backslash comes before a quote, one level of escaping is also read undone,
# up to _UNESCAPE_LEVELS levels, so the escape-aware patterns read what is left
_UNESCAPE_LEVELS = 3
# base64 (standard or URL-safe alphabet) of text: a whole token of 24 characters or more
# (a Kubernetes Secret's data, a config passed to a program encoded) is also read decoded
# when it decodes to printable ASCII holding a character credentials are written with
_BASE64_TOKEN = re.compile(
    r"(?<![\w+/=.-])(?:[A-Za-z0-9+/]{24,65536}|[A-Za-z0-9_-]{24,65536})={0,2}(?![\w+/=-])"
)
_BASE64_SEEDS = frozenset("=:@")
_BASE64_TOKENS = 256  # tokens of text read decoded per text at most


def _merged(hits: list[Hit], found: list[Hit], place: Callable[[int], int]) -> list[Hit]:
    """``hits`` and the hits ``found`` in another reading of the same text, their offsets
    mapped onto the text by ``place``; a found hit overlapping one of ``hits`` is dropped
    (the text as first read stands)."""
    return _merged_all(hits, ((found, place),))


def _merged_all(hits: list[Hit], readings: Iterable[tuple[list[Hit], Callable[[int], int]]]) -> list[Hit]:
    """``hits`` and the hits of several other readings of the same text, merged in turn as
    :func:`_merged` merges one: a reading's hit overlapping what an earlier reading
    placed is dropped. Each overlap is a lookup in the spans taken so far (a table of
    thousands of credential cells merges in n log n, not n squared)."""
    taken = _Spans((h.start, h.end) for h in hits)
    extra: list[Hit] = []
    for found, place in readings:
        added = []
        for h in found:
            start, end = place(h.start), place(h.end)
            if taken.overlaps(start, end):
                continue
            claim = (place(h.claim_start), place(h.claim_end))
            added.append(Hit(h.detector, start, end, *claim, h.confidence, h.shadow))
        for h in added:  # (a reading's own hits may overlap: a claim and its shadows)
            taken.add(h.start, h.end)
        extra += added
    return sorted([*hits, *extra], key=lambda h: (h.start, h.end)) if extra else hits


def _by_item(hits: list[Hit], offsets: list[int], texts: Sequence[str]) -> dict[int, list[Hit]]:
    """The hits of a command line (:func:`command_line`) cut into the items it joins:
    each item's part of a hit, at offsets in that item's text (a hit over the blank
    between two items leaves a part in each)."""
    by_item: dict[int, list[Hit]] = {}
    for h in hits:
        j = max(bisect.bisect_right(offsets, h.start) - 1, 0)
        while j < len(offsets) and offsets[j] < h.end:
            off, n = offsets[j], len(texts[j])
            start, end = max(h.start - off, 0), min(h.end - off, n)
            if start < end:
                claim = (min(max(h.claim_start - off, 0), n), min(max(h.claim_end - off, 0), n))
                by_item.setdefault(j, []).append(Hit(h.detector, start, end, *claim, h.confidence, h.shadow))
            j += 1
    return by_item


class _Spans:
    """The union of spans ``[start, end)`` as sorted disjoint intervals: whether a span
    overlaps one of them (shares a character; an empty span overlaps a span that holds
    its position inside) in log n."""

    __slots__ = ("_starts", "_ends")

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted(spans):
            self.add(start, end)

    def overlaps(self, start: int, end: int) -> bool:
        starts, ends = self._starts, self._ends
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and starts[i] < end and ends[i] > start:
            return True
        i += 1
        return i < len(starts) and starts[i] < end and ends[i] > start

    def add(self, start: int, end: int) -> None:
        starts, ends = self._starts, self._ends
        i = bisect.bisect_right(starts, start)
        if i and ends[i - 1] > start:  # (an interval before holds the start: extend it)
            i -= 1
            start = starts[i]
            end = max(end, ends[i])
        j = i
        while j < len(starts) and starts[j] < end:
            end = max(end, ends[j])
            j += 1
        starts[i:j] = [start]
        ends[i:j] = [end]


def _base64_text(token: str) -> str | None:
    """The printable ASCII text ``token`` is the base64 of, when it holds one of the
    characters credentials are written with (``=``, ``:``, ``@``); else None."""
    body = token.rstrip("=")
    if len(body) % 4 == 1:
        return None
    try:
        raw = base64.b64decode(
            body + "=" * (-len(body) % 4),
            altchars=b"-_" if ("-" in body or "_" in body) else None,
            validate=True,
        )
        decoded = raw.decode("ascii")
    except (ValueError, UnicodeDecodeError):
        return None
    if not (decoded.isprintable() or decoded.replace("\n", "").replace("\t", "").isprintable()):
        return None
    return decoded if not _BASE64_SEEDS.isdisjoint(decoded) else None


_SKIP = (float, _dt.date, _dt.time, _dt.timedelta, uuid.UUID, complex, type(None))


_MAX_INT_BITS = 13_000  # about 3,900 decimal digits: below Python's int->str limit


def int_text(v: int) -> str | None:
    """``str(v)``, or None for an integer too long to convert (Python refuses 4,300+
    digits by default, and conversion is quadratic): the caller fails closed."""
    if v.bit_length() > _MAX_INT_BITS:
        return None
    return str(v)


def coerce(v: Any) -> Any:
    """The JSON-like form of a value that is not a str, int, float, bool, None or container
    (dataclasses and pydantic models aside), or None when it cannot hold a secret.

    bytes are decoded as UTF-8 (invalid bytes become U+FFFD); integral Decimals become
    ints, others are skipped like floats; paths become strings; enums their value; numpy
    scalars and arrays their Python values; a data frame (pandas, polars, a pyarrow Table)
    its columns by name, a pandas Series its values by label and a polars Series or a
    pyarrow Array its values, every row (their ``str()`` shows a few rows only); anything
    else its ``str()`` (which may raise).
    """
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, str):
        return str(v)
    if isinstance(v, int) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", "replace")
    if isinstance(v, decimal.Decimal):
        return int(v) if v.is_finite() and v == v.to_integral_value() else None
    if isinstance(v, (PurePath, os.PathLike)):
        return os.fspath(v)
    if isinstance(v, (*_SKIP, bool)):
        return None
    to_dict = getattr(v, "to_dict", None)
    if callable(to_dict) and hasattr(v, "columns"):
        # a data frame (pandas, polars): its columns by name, every row (its str() shows a
        # few rows only, and names no column's values; what it hides would go unread)
        try:
            return to_dict(orient="list")  # pandas
        except TypeError:
            return to_dict(as_series=False)  # polars
    if callable(to_dict) and hasattr(v, "index") and hasattr(v, "dtype"):
        return to_dict()  # a pandas Series: its values under their labels, every one
    if hasattr(v, "dtype") and hasattr(v, "tolist"):  # numpy scalars and arrays
        return v.tolist()
    for name in ("to_pydict", "to_pylist"):  # a pyarrow Table or RecordBatch, an Array
        method = getattr(v, name, None)
        if callable(method):
            return method()
    if hasattr(v, "dtype") and callable(getattr(v, "to_list", None)):  # a polars Series
        return v.to_list()
    return str(v)


def child_context(parent: str, key: str) -> str:
    """The context key of ``key`` inside a mapping held under ``parent``: the parent is
    kept when it names credentials (``secrets`` + ``anthropic`` -> ``secrets.anthropic``)
    and above a bare ``key``, which it qualifies (``account`` + ``key`` -> ``account.key``)
    or says the kind of (``sort.key``), the cases where a parent changes what a key means,
    as it does in a flattened key."""
    if parent and (is_bare_key(key) or classify_key(parent) is KeyClass.CREDENTIAL):
        return f"{parent}.{key}"
    return key


def merge_spans(
    hits: list[Hit], joins: Callable[[Hit, int, list[Hit]], bool] | None = None
) -> list[tuple[int, int, list[Hit]]]:
    """The union of the hits' spans as disjoint ``(start, end, hits)`` groups, in order:
    overlapping or touching spans merge, so nothing between two findings stays readable.
    ``joins(hit, group end, group hits)``, when given, decides instead whether the next
    hit (by start) joins the group before it."""
    groups: list[tuple[int, int, list[Hit]]] = []
    for h in sorted(hits, key=lambda h: (h.start, -h.end)):
        if groups and (h.start <= groups[-1][1] if joins is None else joins(h, groups[-1][1], groups[-1][2])):
            s, e, hs = groups[-1]
            hs.append(h)
            groups[-1] = (s, max(e, h.end), hs)
        else:
            groups.append((h.start, h.end, [h]))
    return groups


def masked_key(text: str, hits: list[Hit]) -> str:
    """``text`` (a dict key) with every sensitive span replaced by ``[REDACTED:<detector>]``:
    how a detected key appears in pointers and key paths of reports and errors."""
    out, last = [], 0
    for start, end, hs in merge_spans(hits):
        best = max(hs, key=lambda h: (not h.shadow, h.confidence))
        out.append(text[last:start])
        out.append(f"[REDACTED:{best.detector.id}]")
        last = end
    out.append(text[last:])
    return "".join(out)


class Scanner:
    """A compiled engine plus the walk: reuse one for many calls."""

    def __init__(
        self,
        engine: Engine,
        *,
        fingerprint_key: bytes | None = None,
        min_confidence: float = 0.0,
        max_depth: int = DEFAULT_MAX_DEPTH,
        ner: Any | None = None,
    ) -> None:
        self.engine = engine
        if fingerprint_key is None:  # never unkeyed: the project key
            from redact._fpkey import default_key

            fingerprint_key = default_key().key
        self.fingerprint_key: bytes = fingerprint_key
        self.min_confidence = min_confidence
        self.max_depth = max_depth
        self.ner = ner
        # (key, text) pairs already found clean: repeated parameter values (the same
        # optimizer, path or learning rate in every run) are not scanned again. Only clean
        # values are kept, so no detected text outlives the call that logged it.
        self._clean: set[tuple[str, str]] = set()
        # hits of short values seen before, keyed by a keyed digest of the text (the key
        # is random per scanner and never leaves it), so no detected text is kept
        self._hits: dict[tuple[str, bytes], tuple[tuple[Any, ...], ...]] = {}
        # (key, keyed digest) of longer values found clean: no text kept
        self._clean_digests: set[tuple[str, bytes]] = set()
        # dict keys (str) found clean: the commonest lookup of a walk, kept apart
        self._clean_keys: set[str] = set()
        self._int_names: dict[str, bool] = {}  # (reads_int's answer for a small number's key)
        self._digest_key = os.urandom(16)

    @property
    def fingerprint_key_id(self) -> str:
        """The id of the fingerprint key (recorded in baselines; never the key)."""
        from redact._fpkey import key_id

        return key_id(self.fingerprint_key)

    # ------------------------------------------------------------------ public
    def scan(self, obj: Any, path: tuple[Segment, ...] = ()) -> list[Finding]:
        out: list[Finding] = []
        name = _last_key(path)
        try:
            self._walk(obj, list(path), name, name, 0, set(), out)
        except RedactError:
            raise
        except Exception as exc:  # only redact.errors types leave a scan
            raise ScanError(f"scan failed ({type(exc).__name__})") from None
        return out

    def reads_int(self, v: int, key: str) -> bool:
        """Whether an integer is read as its decimal text: one of ``MIN_INT`` or more (a
        card number, an SSN), and a smaller one under a name that selects a detector by
        itself (``{"cvv": 123}``, ``{"phone": 5550100}``): the name says what the number
        is, as it does for a string."""
        if v >= MIN_INT or v <= -MIN_INT:
            return True
        if v < 0 or not key:
            return False
        named = self._int_names.get(key)
        if named is None:
            # (a name is words, a version digit at most: a key holding a number or an id,
            # as metric_17_step or a run's hex id, names no datum and is not classified)
            named = _WORD_NAME.fullmatch(key) is not None and bool(self.engine.key_info(key).triggered_ids)
            if len(self._int_names) >= _MEMO_MAX_ENTRIES:
                self._int_names.clear()
            self._int_names[key] = named
        return named

    def scan_text(self, text: str, key: str = "") -> list[Hit]:
        """Hits in one string, embedded JSON included (offsets into ``text``): the reported
        ones and the overlapping ones they shadow (``Hit.shadow``), which redaction masks."""
        n = len(text)
        if n <= _MEMO_MAX_LEN:
            memo = (key, text)
            if memo in self._clean:
                return []
        elif n > _DIGEST_MAX_LEN:
            return self._scan_text(text, key)
        else:  # a long value is remembered by its keyed digest only
            memo = None
        digest = hashlib.blake2b(
            text.encode("utf-8", "surrogatepass"), digest_size=16, key=self._digest_key
        ).digest()
        if memo is None and (key, digest) in self._clean_digests:
            return []
        seen = self._hits.get((key, digest))
        if seen is not None:
            return [Hit(*h) for h in seen]
        hits = self._scan_text(text, key)
        if not hits:
            if memo is not None:
                if len(self._clean) >= _MEMO_MAX_ENTRIES:
                    self._clean.clear()
                self._clean.add(memo)
            else:
                if len(self._clean_digests) >= _MEMO_MAX_ENTRIES:
                    self._clean_digests.clear()
                self._clean_digests.add((key, digest))
        elif len(hits) <= _MEMO_MAX_HITS and all(h.detector.index >= 0 for h in hits):
            # (never memoise a guard verdict)
            if len(self._hits) >= _MEMO_MAX_ENTRIES:
                self._hits.clear()
            self._hits[(key, digest)] = tuple(
                (h.detector, h.start, h.end, h.claim_start, h.claim_end, h.confidence, h.shadow) for h in hits
            )
        return hits

    def argv_hits(self, texts: Sequence[Any], key: str) -> dict[int, list[Hit]]:
        """The hits of the command line an argument list stands for (:func:`command_line`;
        empty when it stands for none), by item index, at offsets in each item's text:
        ``["mysql", "-u", "root", "-pPW"]`` is read as ``mysql -u root -pPW`` is."""
        line = command_line(texts)
        if line is None:
            return {}
        text, offsets = line
        hits = self.scan_text(text, key)
        return _by_item(hits, offsets, texts) if hits else {}

    def scan_argument(self, text: str, key: str, line_hits: list[Hit]) -> list[Hit]:
        """The hits of an argument list's item: its own reading, and its parts of the
        command line's hits (:meth:`argv_hits`) that reading did not place."""
        return _merged_all(self.scan_text(text, key), [(line_hits, int)])

    def scan_key(self, key: Any) -> tuple[str, list[Hit]]:
        """A dict key's text and its hits (empty for keys that cannot hold a finding).
        A key is read as free text, without a key of its own as context."""
        t = type(key)
        if t is str:
            return key, (self._scan_key_text(key) if key else [])
        ks = str(key)
        if t is int and abs(key) >= MIN_INT:
            return ks, self.scan_text(ks, "")
        if t is bool or t in _SKIP or t is int:
            return ks, []
        return ks, self.scan_text(ks, "")

    def _scan_key_text(self, key: str) -> list[Hit]:
        """A key's hits: the key as free text; each segment of a flattened or path-like
        key (``acc/4111...``, ``by_user.jane@example.com``) on its own, since a value's
        detectors do not start a match right after ``/`` or ``.`` (paths, decimals); and
        each run of segments that are not plain words, with the separators between them
        (``by_ip.8.8.8.8``, ``card_4111..._total``: the words of the name around it cut
        off, as ``_`` and ``.`` glue them to the value)."""
        hits = self.scan_text(key, "")
        spans = [m.span() for m in _KEY_SEGMENT.finditer(key)] if "/" in key or "." in key else []
        if len(key) > 8 and any(ch.isdigit() or ch == "@" for ch in key):
            for m in _KEY_PAYLOAD.finditer(key):
                if m.end() - m.start() >= 7 and m.span() not in spans and m.span() != (0, len(key)):
                    spans.append(m.span())
        if not spans:
            return hits
        taken = [(h.start, h.end) for h in hits]
        extra: list[Hit] = []
        for start, end in spans:
            for h in self.scan_text(key[start:end], ""):
                hs, he = start + h.start, start + h.end
                if any(s < he and hs < e for s, e in taken):
                    continue
                claim = (start + h.claim_start, start + h.claim_end)
                extra.append(Hit(h.detector, hs, he, *claim, h.confidence))
                taken.append((hs, he))
        return sorted([*hits, *extra], key=lambda h: (h.start, h.end)) if extra else hits

    def _scan_text(self, text: str, key: str) -> list[Hit]:
        """Every reading's hits, and each other place the text repeats a credential found."""
        hits = self._read(text, key)
        return with_echoes(text, hits) if hits else hits

    def _read(self, text: str, key: str, level: int = 0) -> list[Hit]:
        if text[:1] in _JSON_OPENERS and looks_like_json(text):
            deadline = time.monotonic() + self.engine.timeout  # one guard for both parsers
            clean = self._embedded_clean(text, key, deadline)
            if clean is not None:
                return [] if clean else [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
            try:
                doc = parse_embedded(text, deadline)
            except ParseTimeout:
                return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
            if isinstance(doc, (JObj, list)):
                hits: list[Hit] = []
                self._walk_embedded(doc, key, _last_segment(key), _place_into(hits), 0)
                return hits
        structure: list[Hit] | None = None
        first = text[:1]
        literal = first in _LITERAL_OPENERS or (first.isalpha() and text[-1] == ")")  # (a call's repr)
        if literal and looks_like_python_literal(text):
            # (a dict's or a list's str(), as MLflow stores a nested parameter: read as
            # its structure, each leaf under its key path, as the dict itself is)
            calls: list[str] = []
            try:
                doc = parse_python_literal(text, time.monotonic() + self.engine.timeout, calls)
            except ParseTimeout:
                return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
            if isinstance(doc, (JObj, list, JStr)):  # (a string's repr: its lines as lines)
                structure = []
                self._walk_embedded(doc, key, _last_segment(key), _place_into(structure), 0)
                if not calls:
                    return structure
                # (a call is an object's repr or code, whose function gives its arguments
                # a meaning of their own: os.environ.get('DB_PASSWORD', '...'); the text is
                # read as text too, and both readings are masked)
        hits = self._read_text(text, key, level)
        return _merged(hits, structure, int) if structure else hits

    def _read_text(self, text: str, key: str, level: int) -> list[Hit]:
        """The hits of ``text`` read as text: by the engine, then decoded from each of its
        escapes, its base64 tokens, its tables' cells, its inline JSON objects, its YAML
        nesting, its INI sections and its named blocks."""
        hits = self.engine.find(text, key)
        if hits and hits[0].detector.index < 0 and hits[0].end - hits[0].start == len(text):
            return hits  # (masked whole, as too dense or out of time: no reading adds to it)
        if "%" in text and PERCENT_SEPARATOR.search(text):
            hits = self._decoded(text, key, hits, PERCENT_ASCII, percent_char)
        if "&" in text and ENTITY_ASCII.search(text):
            hits = self._decoded(text, key, hits, ENTITY_ASCII, entity_char)
        if "\\" in text:
            if CODE_ESCAPE.search(text):
                hits = self._decoded(text, key, hits, CODE_ESCAPE, code_escape_char)
            if PROPERTY_ESCAPE.search(text):
                hits = self._decoded(text, key, hits, PROPERTY_ESCAPE, second_char)
            if level < _UNESCAPE_LEVELS:

                def deeper(t: str, k: str) -> list[Hit]:
                    return self._read(t, k, level + 1)

                if '\\\\"' in text:
                    hits = self._decoded(text, key, hits, BACKSLASH_ESCAPE, second_char, deeper)
                if LINE_BREAK_ESCAPE.search(text):  # (what was written line by line, as lines)
                    hits = self._decoded(text, key, hits, LINE_ESCAPE, line_escape_char, deeper)
        if level < _UNESCAPE_LEVELS and len(text) >= 24:
            hits = self._base64_hits(text, hits, level)
        if may_hold_table(text):
            hits = self._cell_hits(text, hits)
        if "{" in text and '"' in text:
            hits = self._inline_json_hits(text, key, hits)
        if ('"-' in text or "'-" in text) and _QUOTED_OPTION.search(text) is not None:
            # (a command in exec form inside the text)
            hits = self._inline_argv_hits(text, key, hits)
        if "\n" in text and ("- -" in text or '- "-' in text or "- '-" in text):
            hits = self._yaml_argv_hits(text, key, hits)
        if "\n" in text and ":" in text and len(text) <= _YAML_MAX and _nests_under_credential(text):
            hits = self._yaml_parent_hits(text, key, hits)
        if len(text) <= _YAML_MAX:  # (nesting read as a parsed mapping's, as YAML's is)
            if "[" in text and "\n" in text and _INI_SECTION.search(text):
                hits = self._section_hits(text, hits)
            if "{" in text and _NAMED_BLOCK.search(text):
                hits = self._block_hits(text, hits)
        if self.ner is not None:
            hits = self.ner.add_hits(text, hits)
        if self.min_confidence and hits:
            hits = [h for h in hits if h.confidence >= self.min_confidence]
        return hits

    def _decoded(
        self,
        text: str,
        key: str,
        hits: list[Hit],
        escapes: re.Pattern[str],
        char: Callable[[str], str],
        read: Callable[[str, str], list[Hit]] | None = None,
    ) -> list[Hit]:
        """``hits`` and what the text holds with its ``escapes`` decoded (``char`` gives
        each one's character: URL percent-escapes, HTML character references, JSON's and
        JavaScript's string escapes, a level of backslash escaping), read by ``read`` (the
        engine by default), mapped back
        onto ``text``: a span covers the escapes its characters came from. Where ``hits``
        already read the text as written, that reading stands (a password escaped inside a
        URI is the URI's own syntax, not an encoded value)."""
        decoded: list[str] = []
        where: list[int] = []  # the offset in ``text`` of each decoded character, and the end
        pos = 0
        for m in escapes.finditer(text):
            start = m.start()
            decoded.append(text[pos:start])
            where.extend(range(pos, start))
            decoded.append(char(m.group()))
            where.append(start)
            pos = m.end()
        decoded.append(text[pos:])
        where.extend(range(pos, len(text) + 1))
        # (where the text as written was read, that reading stands: a URI's own escaped password)
        return _merged(hits, (read or self.engine.find)("".join(decoded), key), where.__getitem__)

    def _base64_hits(self, text: str, hits: list[Hit], level: int) -> list[Hit]:
        """``hits`` and, for each base64 token of text in ``text`` that holds a finding
        when read decoded, that finding over the whole token (its characters do not map
        one to one onto the decoded ones); where ``hits`` cover a token already, they stand.
        Past ``_BASE64_TOKENS`` tokens of text, a text where some held a finding is masked
        whole, as a value with more findings than the engine reads is."""
        extra: list[Hit] = []
        read = 0
        for m in _BASE64_TOKEN.finditer(text):
            start, end = m.span()
            if any(h.start < end and start < h.end for h in hits):
                continue
            decoded = _base64_text(m.group())
            if decoded is None:
                continue
            read += 1
            if read > _BASE64_TOKENS:  # (as dense as Engine.max_hits: masked whole)
                return [Hit(GUARD_DENSE, 0, len(text), 0, len(text))] if extra else hits
            # (read as text of its own: the key named the encoded token, judged as written)
            found = [h for h in self._read(decoded, "", level + 1) if not h.shadow]
            if found:
                best = max(found, key=lambda h: h.confidence)
                extra.append(Hit(best.detector, start, end, start, end, best.confidence))
        return sorted([*hits, *extra], key=lambda h: (h.start, h.end)) if extra else hits

    def _inline_json_hits(self, text: str, key: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of each JSON object inside ``text`` that is not JSON as a
        whole (a log line's payload, ``kaggle.json: {...}`` after a label), read as embedded
        JSON under the text's key, so its members give one another context as in a mapping
        (a ``key`` beside ``username``, a JSON Web Key's private members); where ``hits``
        read the text already, that reading stands. At most ``_INLINE_TRIES`` objects are
        tried, each read once to its end, all under one deadline (past it, the text is
        masked whole, as a value the engine ran out of time on)."""
        deadline = time.monotonic() + self.engine.timeout
        m = _INLINE_OBJECT.search(text)
        tries = 0
        while m is not None and tries < _INLINE_TRIES:
            tries += 1
            start = m.start()
            try:
                end = _DECODER.raw_decode(text, start)[1]
            except (ValueError, RecursionError):
                m = _INLINE_OBJECT.search(text, start + 1)
                continue
            sub = text[start:end]
            clean = self._embedded_clean(sub, key, deadline)  # (the C parser first, as for a whole value)
            if clean is False:
                return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
            try:
                doc = None if clean else parse_embedded(sub, deadline)
            except ParseTimeout:
                return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
            if isinstance(doc, JObj):
                found: list[Hit] = []
                self._walk_embedded(doc, key, _last_segment(key), _place_into(found), 0)
                if found:
                    hits = _merged(hits, found, start.__add__)
            m = _INLINE_OBJECT.search(text, end)
        return hits

    def _inline_argv_hits(self, text: str, key: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of the command line each list or tuple of strings inside
        ``text`` stands for (:meth:`argv_hits`): a Dockerfile's ``CMD ["redis-cli", "-a",
        ...]``, ``subprocess.run(["mysql", "-u", "root", ...])`` or an argv tuple's repr in
        a log line, a flow sequence in a manifest. Its items were read as text already;
        where that reading placed a hit, it stands. At most ``_INLINE_TRIES`` lists are
        tried, under one deadline."""
        deadline = time.monotonic() + self.engine.timeout
        readings: list[tuple[list[Hit], Callable[[int], int]]] = []
        m = _INLINE_LIST.search(text)
        tries = 0
        while m is not None and tries < _INLINE_TRIES:
            tries += 1
            try:
                parsed = python_literal_at(text, m.start(), deadline)
            except ParseTimeout:
                return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
            if parsed is None:
                m = _INLINE_LIST.search(text, m.start() + 1)
                continue
            doc, end = parsed
            if isinstance(doc, list) and all(isinstance(x, JStr) for x in doc):
                found: list[Hit] = []
                place = _place_into(found)
                for i, item_hits in self.argv_hits([x.value for x in doc], key).items():
                    place(item_hits, doc[i])
                if found:
                    readings.append((found, int))
            m = _INLINE_LIST.search(text, end)
        return _merged_all(hits, readings) if readings else hits

    def _yaml_argv_hits(self, text: str, key: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of the command line each YAML block sequence of plain or
        quoted scalars inside ``text`` stands for (a container's ``command:`` then ``-
        sshpass``, ``- -p``, ``- ...`` lines), as :meth:`_inline_argv_hits` reads a flow
        sequence; where the text's own reading placed a hit, it stands."""
        readings: list[tuple[list[Hit], Callable[[int], int]]] = []
        for items in _yaml_sequences(text):
            texts = [t for t, _ in items]
            for i, item_hits in self.argv_hits(texts, key).items():
                readings.append((item_hits, items[i][1].__add__))
        return _merged_all(hits, readings) if readings else hits

    def _yaml_parent_hits(self, text: str, key: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of the leaves the YAML documents in ``text`` nest under a
        credential's name (``db_password:`` then ``value: ...``, W&B's config.yaml;
        ``secrets:`` then ``acmeiot: ...``), read under their key path as the same
        mapping's leaves are (``db_password.value``, ``secrets.acmeiot``); where ``hits``
        read the text already, that reading stands. A leaf whose text is not its value as
        written (a quoted scalar with escapes, a folded one) is masked over its whole
        source span. Parsing past the engine's time guard masks the whole value."""
        deadline = time.monotonic() + self.engine.timeout
        try:
            roots = list(yaml.compose_all(text, Loader=_Loader))
        except (yaml.YAMLError, RecursionError, ValueError, TypeError, IndexError):
            return hits  # (no YAML document: the line patterns read it)
        if time.monotonic() > deadline:
            return [Hit(GUARD_TIMEOUT, 0, len(text), 0, len(text))]
        found: list[Hit] = []
        for root in roots:
            for path, node in _credential_subtrees(root, key):
                doc = _yaml_tree(node, text, 0)
                if doc is not None:
                    self._walk_embedded(doc, path, _last_segment(path), _place_into(found), 0)
        if found and any(m in text for m in OUTPUT_MARKERS):
            # ([REDACTED:x] is a flow sequence to YAML: redacted text stays as it is)
            found = drop_redaction_outputs(text, found)
        return _merged(hits, found, int) if found else hits

    def _block_hits(self, text: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of each ``name = value`` or ``name: value`` pair inside
        named blocks (HCL and HOCON's ``secrets { ... }``, ``db_password = { ... }``, a
        JavaScript object literal's ``secrets: { ... }``, protobuf's text format) whose
        name the enclosing blocks make a credential's (``secrets`` then ``acmeiot``,
        ``api`` then ``key``), read under the qualified name as the nested mapping's leaf
        is; where ``hits`` read the text already, that reading stands. A name that is a
        credential's alone was read with its pair."""
        readings: list[tuple[list[Hit], Callable[[int], int]]] = []
        path: list[str] = []  # the names of the open blocks ("" for an unnamed one)
        left = [_PAIR_READINGS]
        for m in _BLOCK_TOKEN.finditer(text):
            if m["close"] is not None:
                if path:
                    path.pop()
                continue
            if m["open"] is not None:
                block = m["block"]
                if block and _CODE_BLOCK.search(text, max(0, m.start() - 16), m.start()):
                    block = None  # (sub pass {: code)
                path.append((block or "").strip("\"'"))
                continue
            names = [p for p in path if p]
            if names and len(path) <= _EMBEDDED_DEPTH:
                parent = ".".join(names[-3:])
                reading = self._pair_hits(parent, m["name"].strip("\"'"), text, *m.span("value"), left)
                if reading:
                    readings.append(reading)
                elif left[0] < 0:
                    return [Hit(GUARD_DENSE, 0, len(text), 0, len(text))]
        return _merged_all(hits, readings) if readings else hits

    def _pair_hits(
        self, parent: str, name: str, text: str, start: int, end: int, left: list[int]
    ) -> tuple[list[Hit], Callable[[int], int]] | None:
        """The hits of the value ``text[start:end]`` of ``name`` inside ``parent`` (a
        section, blocks) read under ``parent.name``, where the parent changes what the
        name means as :func:`child_context` says (a credential's parent, or above a bare
        ``key``) and makes it a credential's; None where the name alone was read with its
        pair, or the value is too short to be a credential. ``left[0]``: how many more
        values the text may have read so (below zero: none was read, and the text holds
        more credentials' values than it is read for, so it is masked whole as a dense one)."""
        while end > start and text[end - 1] in " \t":
            end -= 1
        if end - start >= 2 and text[start] == text[end - 1] and text[start] in "\"'":
            start, end = start + 1, end - 1  # (a quoted value: what the quotes hold)
        if end - start < 6:  # (no credential is shorter: credential_like)
            return None
        qualified = child_context(parent, name)
        if qualified == name or classify_key(qualified) is not KeyClass.CREDENTIAL:
            return None
        if classify_key(name) is KeyClass.CREDENTIAL:
            return None  # (read with its pair already)
        left[0] -= 1
        if left[0] < 0:
            return None
        found = self.scan_text(text[start:end], qualified)
        return (found, start.__add__) if found else None

    def _section_hits(self, text: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of each ``name = value`` line of an INI or TOML section
        (``[secrets]``, ``[tool.acme]``, ``[remote "origin"]``) whose name the section
        makes a credential's (``[secrets]`` then ``acmeiot = ...`` is ``secrets.acmeiot``,
        ``[api]`` then ``key = ...`` is ``api.key``), read under the qualified name as the
        same flattened key's value is; where ``hits`` read the text already, that reading
        stands. A name that is a credential's alone was read with its line."""
        readings: list[tuple[list[Hit], Callable[[int], int]]] = []
        section = ""
        left = [_PAIR_READINGS]
        for m in _INI_LINE.finditer(text):
            if m["section"] is not None:
                section = _SECTION_SPLIT.sub(".", m["section"]).strip(".")
                continue
            if section:
                reading = self._pair_hits(section, m["name"], text, *m.span("value"), left)
                if reading:
                    readings.append(reading)
                elif left[0] < 0:
                    return [Hit(GUARD_DENSE, 0, len(text), 0, len(text))]
        return _merged_all(hits, readings) if readings else hits

    def _cell_hits(self, text: str, hits: list[Hit]) -> list[Hit]:
        """``hits`` and the hits of each cell of a table in ``text`` (CSV, TSV, Markdown,
        an SQL INSERT) under a credential column, read under the column's name as a value
        under a dict key is; where ``hits`` read the text already, that reading stands."""
        find = self.engine.find
        cells = credential_cells(text)
        return _merged_all(hits, ((find(text[start:end], name), start.__add__) for name, start, end in cells))

    # ------------------------------------------------------------------ walk
    def _walk(
        self,
        v: Any,
        path: list[Segment],
        key: str,
        name: str,
        depth: int,
        stack: set[int],
        out: list[Finding],
    ) -> None:
        """``key``: the context key the leaf is read under; ``name``: the node's own key."""
        t = type(v)
        if t is str:
            if v:
                hits = self.scan_text(v, key)
                if hits:
                    ptr, kp = pointer(path), key_path(path)
                    out.extend(self._finding(h, v, ptr, kp) for h in hits if not h.shadow)
            return
        if t is bool or t in _SKIP:
            return
        if t is int:
            if self.reads_int(v, key):
                text = int_text(v)
                if text is None:  # cannot be shown to be clean
                    out.append(self._finding(Hit(GUARD_ERROR, 0, 0, 0, 0), "", pointer(path), key_path(path)))
                else:
                    self._leaf(v, text, path, key, out)
            return
        if t is dict or t is list or isinstance(v, (dict, list, tuple, Mapping, set, frozenset)):
            if t is not tuple and t is not list and t is not dict and isinstance(v, tuple):
                fields = named_fields(v)  # a named tuple: its fields, as a dataclass's
                if fields is not None:
                    return self._walk(fields, path, key, name, depth, stack, out)
            if depth >= self.max_depth:
                raise NestingError(
                    f"value nested deeper than {self.max_depth} levels at {pointer(path) or '/'}"
                )
            ident = id(v)
            if ident in stack:
                raise CycleError(f"value contains itself at {pointer(path) or '/'}")
            stack.add(ident)
            try:
                if t is dict or (t is not list and isinstance(v, Mapping)):
                    # the cases where a parent changes what a key means (child_context)
                    cred_parent = bool(name) and classify_key(name) is KeyClass.CREDENTIAL
                    clean_keys = self._clean_keys
                    khits: list[Hit]
                    for k, item in v.items():
                        if type(k) is str and k in clean_keys:  # a key seen clean before
                            ks, khits = k, []
                        else:
                            ks, khits = self.scan_key(k)
                            if not khits and type(k) is str and len(k) <= _MEMO_MAX_LEN:
                                if len(clean_keys) >= _MEMO_MAX_ENTRIES:
                                    clean_keys.clear()
                                clean_keys.add(k)
                        if khits:
                            ks = masked_key(ks, khits)
                            path.append(ks)
                            ptr, kp = pointer(path), key_path(path)
                            text = str(k)
                            out.extend(
                                self._finding(h, text, ptr, kp, in_key=True) for h in khits if not h.shadow
                            )
                            ck = ks
                        else:
                            path.append(ks)
                            ck = context_key(v, ks) if ks in SIBLING_CONTEXT else ks
                        ctx = f"{name}.{ck}" if name and (cred_parent or is_bare_key(ck)) else ck
                        self._walk(item, path, ctx, ck, depth + 1, stack, out)
                        path.pop()
                else:
                    items = sorted(v, key=repr) if isinstance(v, (set, frozenset)) else v
                    pair = argv = None
                    if isinstance(v, (list, tuple)):
                        pair = pair_name(items)
                        argv = self.argv_hits(items, key)  # (a command in exec form)
                    prev: Any = None
                    for i, item in enumerate(items):
                        path.append(i)
                        # (the value of --flag has the flag as key; ("password", value) is a
                        # mapping's member)
                        named = item_name(prev, i, pair)
                        if argv and i in argv:
                            found = self.scan_argument(item, named or key, argv[i])
                            ptr, kp = pointer(path), key_path(path)
                            out.extend(self._finding(h, item, ptr, kp) for h in found if not h.shadow)
                        elif named:
                            self._walk(item, path, named, named, depth + 1, stack, out)
                        else:
                            self._walk(item, path, key, name, depth + 1, stack, out)
                        path.pop()
                        prev = item
            finally:
                stack.discard(ident)
            return
        self._walk_other(v, path, key, name, depth, stack, out)

    def _walk_other(
        self,
        v: Any,
        path: list[Segment],
        key: str,
        name: str,
        depth: int,
        stack: set[int],
        out: list[Finding],
    ) -> None:
        """Defined behaviour for everything that is not a JSON-like value."""
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
            return self._walk(fields, path, key, name, depth, stack, out)
        dump = getattr(v, "model_dump", None)  # pydantic v2 models
        if callable(dump) and not isinstance(v, type):
            return self._walk(dump(), path, key, name, depth, stack, out)
        try:
            converted = coerce(v)
        except Exception:  # an object whose __str__ fails cannot be shown to be clean
            out.append(self._finding(Hit(GUARD_ERROR, 0, 0, 0, 0), "", pointer(path), key_path(path)))
            return None
        if converted is not None:
            self._walk(converted, path, key, name, depth, stack, out)
        return None

    def _leaf(self, v: Any, text: str, path: list[Segment], key: str, out: list[Finding]) -> None:
        hits = self.scan_text(text, key)
        if hits:
            ptr, kp = pointer(path), key_path(path)
            out.extend(self._finding(h, text, ptr, kp) for h in hits if not h.shadow)

    def _finding(self, h: Hit, text: str, ptr: str, kp: str, in_key: bool = False) -> Finding:
        d = h.detector
        return Finding(
            pointer=ptr,
            key=kp,
            category=d.category,
            detector=d.id,
            start=h.start,
            end=h.end,
            confidence=h.confidence,
            fingerprint=fingerprint(d.category, text[h.start : h.end], self.fingerprint_key),
            in_key=in_key,
        )

    # ------------------------------------------------------------------ embedded JSON
    def _embedded_clean(self, text: str, key: str, deadline: float) -> bool | None:
        """True when ``text`` is a JSON document in which nothing is found, False when
        reading it ran past ``deadline``, None when :func:`parse_embedded` must decide.

        The document is read with the json module's C parser (every member of every
        object kept; no offsets, which only findings need); a document with a finding, or
        one that parser reads differently from the offset-keeping one, goes to
        :func:`parse_embedded`."""
        try:
            doc = json.loads(text, object_pairs_hook=JObj, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return None
        if not isinstance(doc, (JObj, list)):
            return None
        if time.monotonic() > deadline:
            return False
        try:
            self._walk_embedded(doc, key, _last_segment(key), _stop, 0)
        except (_Found, _TooDeep):
            return None
        return time.monotonic() <= deadline

    def _walk_embedded(self, node: Any, key: str, name: str, place: _Place, depth: int) -> None:
        """Every member of every object (duplicate keys included), keys scanned as text;
        ``place(hits, node)`` takes the hits of each string or number. Nodes are those of
        :func:`parse_embedded` (``JObj`` of ``JStr`` keys, ``JStr``, ``JNum``) or of the
        json module (``JObj`` of ``str`` keys, ``str``, ``int``)."""
        if depth > _EMBEDDED_DEPTH:  # (parse_embedded refuses such a document)
            raise _TooDeep
        if isinstance(node, JObj):
            plain: dict[str, str] = {}
            for k, item in node:
                kv = _text_of(k)
                if kv in SIBLING_NAMES and isinstance(item, (JStr, str)) and kv not in plain:
                    plain[kv] = _text_of(item)
            for k, item in node:
                kv = _text_of(k)
                khits = self.scan_text(kv, "") if kv else []
                if khits:
                    place(khits, k)
                    ck = masked_key(kv, khits)
                else:
                    ck = context_key(plain, kv) if kv in SIBLING_CONTEXT else kv
                self._walk_embedded(item, child_context(name, ck), ck, place, depth + 1)
        elif isinstance(node, list):
            pair = pair_name(node)
            argv = (
                self.argv_hits([_text_of(x) if isinstance(x, (JStr, str)) else None for x in node], key)
                if 1 < len(node) <= ARGV_MAX
                else None
            )
            prev: Any = None
            for i, item in enumerate(node):
                named = item_name(_text_of(prev), i, pair)
                if argv and i in argv:
                    place(self.scan_argument(_text_of(item), named or key, argv[i]), item)
                elif named:
                    self._walk_embedded(item, named, named, place, depth + 1)
                else:
                    self._walk_embedded(item, key, name, place, depth + 1)
                prev = item
        elif isinstance(node, (JStr, str)):
            found = self.scan_text(_text_of(node), key)
            if found:
                place(found, node)
        elif isinstance(node, JNum):
            if isinstance(node.value, int) and self.reads_int(node.value, key):
                found = self.scan_text(node.raw, key)
                if found:
                    place(found, node)
        elif type(node) is int and self.reads_int(node, key):
            found = self.scan_text(str(node), key)
            if found:
                place(found, node)


# an INI or TOML section's header on its line ([secrets], [[servers]], [remote "origin"])
_SECTION_HEADER = r"\[\[?(?P<section>[^\[\]\r\n]{1,200})\]\]?[ \t]*(?:[#;][^\r\n]*)?\r?$"
_INI_SECTION = re.compile(r"(?m)^[ \t]*" + _SECTION_HEADER)
# ... and the lines of a section: its header, or a name, ``=`` or ``:``, and a value
_INI_LINE = re.compile(
    r"(?m)^[ \t]*(?:"
    + _SECTION_HEADER
    + r"|(?P<name>[A-Za-z_][\w.\-]{0,100})[ \t]*[=:][ \t]*(?P<value>[^\r\n]*))"
)
_SECTION_SPLIT = re.compile(r"""[\s"']+""")  # (a quoted subsection is a segment: remote.origin)
# a block opened under a name (secrets {, db_password = {, "secrets": {, secrets: {)
_NAMED_BLOCK = re.compile(r"""[\w"'][ \t]*(?:[:=][ \t]*)?\{""")
# ... and the tokens of nested blocks: an opening brace (under a name or not), a closing
# one, and a name = "value" or name: "value" pair (quoted: a value as a configuration
# writes it, not code's expression; a name no sigil or member access starts, and no
# comparison, ``=>``, ``=~`` or ``::`` after it)
_BLOCK_TOKEN = re.compile(
    r"""(?P<open>(?:(?<![\w.\-])(?P<block>[A-Za-z_][\w.\-]{0,100}|"[^"\n]{1,100}"|'[^'\n]{1,100}')"""
    r"""(?:[ \t]+"[^"\n]{0,100}")*[ \t]*(?:[:=][ \t]*)?)?\{)|(?P<close>\})"""
    r"""|(?<![\w.\-$@%&*>])(?P<name>[A-Za-z_][\w.\-]{0,100}|"[A-Za-z_][\w.\-]{0,100}"|'[A-Za-z_][\w.\-]{0,100}')"""
    r"""[ \t]*(?:=(?![=>~])|:(?!:))[ \t]*(?P<value>"[^"\n\\]{0,4096}"|'[^'\n\\]{0,4096}'"""
    r"""|[A-Za-z0-9+/_\-][^\s"'`{}()\[\];,=<>$@%&*|\\]{5,4095}(?=[ \t]*(?:[\r\n,;}]|$)))"""
)
# a code definition's keyword before a block's name (Perl's sub pass {, a class, a
# function): the block is code, whose name says nothing of a value in it
_CODE_BLOCK = re.compile(
    r"(?:^|[^\w$@%])(?:sub|def|class|function|fn|func|struct|interface|enum|impl|trait|macro|proc|"
    r"method|package|namespace|module|object)[ \t]+$"
)

_EMBEDDED_DEPTH = 64  # as parse_embedded: deeper documents are read as text
_Place = Callable[[list[Hit], Any], None]


class _Found(Exception):
    """A finding in an embedded document read without offsets."""


class _TooDeep(Exception):
    """An embedded document nested deeper than :func:`parse_embedded` reads."""


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN / Infinity: not JSON to parse_embedded


def _stop(found: list[Hit], node: Any) -> None:
    raise _Found


def _text_of(node: Any) -> str:
    return node.value if isinstance(node, JStr) else node


# a mapping's key alone on its line, then a deeper-indented key: YAML nesting under that
# key (its name the group)
_YAML_PARENT = re.compile(
    r"(?m)^( *)(?:- )?[\"']?(?P<name>[^\s:#\-\"'][^:\n\"']{0,100})[\"']?:[ \t]*\r?\n"
    r"(?=\1 +[^\s:#][^:\n]{0,100}:(?:[ \t]|\r?$))"  # (a lookahead: that key may nest too)
)
_YAML_PARENTS = 64  # nestings looked at per text
_YAML_FLOW = 256  # flow collections' brackets past which a text is not parsed (libyaml's
# time grows with the square of their nesting)


def _nests_under_credential(text: str) -> bool:
    """``text`` nests YAML under a key the key grammar calls a credential's (a name alone
    on its line, a deeper key after it), and is cheap for PyYAML to parse."""
    if text.count("[") + text.count("{") > _YAML_FLOW:
        return False
    bare = _YAML_BARE_KEY.search(text) is not None
    for n, m in enumerate(_YAML_PARENT.finditer(text)):
        if n >= _YAML_PARENTS:
            return False
        name = m["name"].strip()
        if classify_key(name) is KeyClass.CREDENTIAL or (bare and _qualifies_bare_key(name)):
            return True
    return False


# a bare ``key:`` nested in a YAML mapping, which its parent may qualify (``shodan:`` then
# ``key: ...``, as ``{"shodan": {"key": ...}}`` is read)
_YAML_BARE_KEY = re.compile(r"(?m)^[ \t]+(?:- )?[\"']?(?i:keys?)[\"']?:[ \t]+[^\s#]")


def _qualifies_bare_key(parent: str) -> bool:
    """A mapping under ``parent`` holds a credential under a bare ``key``: the parent
    qualifies it as a flattened key's parent does (``shodan.key``, ``account.key``)."""
    return classify_key(child_context(parent, "key")) is KeyClass.CREDENTIAL


_YAML_MAX = 65536
# values a text's sections or blocks have read under a parent-given credential's name, past
# which the text is masked whole (each is a credential's value: past this many, the text
# is a dump of them, and reading them one by one would cost it what dense findings do)
_PAIR_READINGS = 256


def _credential_subtrees(root: Any, key: str) -> list[tuple[str, Any]]:
    """``(key path, node)`` of each mapping or sequence a YAML node tree holds under a key
    the key grammar calls a credential's (outermost first; what is under one is read
    with it)."""
    out: list[tuple[str, Any]] = []
    stack: list[tuple[Any, str, int]] = [(root, key, 0)]
    while stack:
        node, path, depth = stack.pop()
        if depth > _EMBEDDED_DEPTH:
            continue
        if isinstance(node, yaml.SequenceNode):  # (a list's mappings nest as deep)
            stack.extend((item, path, depth + 1) for item in reversed(node.value))
            continue
        if not isinstance(node, yaml.MappingNode):
            continue
        for k, v in node.value:
            if not isinstance(k, yaml.ScalarNode) or isinstance(v, yaml.ScalarNode):
                continue
            child = f"{path}.{k.value}" if path else str(k.value)
            if classify_key(child) is KeyClass.CREDENTIAL or (
                isinstance(v, yaml.MappingNode)
                and any(isinstance(kk, yaml.ScalarNode) and is_bare_key(str(kk.value)) for kk, _ in v.value)
                and _qualifies_bare_key(str(k.value))
            ):
                out.append((child, v))
            else:
                stack.append((v, child, depth + 1))
    return out


def _yaml_tree(node: Any, text: str, depth: int) -> Any:
    """A YAML node as the embedded-JSON tree ``_walk_embedded`` reads (``JObj`` of ``JStr``
    keys, lists, ``JStr`` leaves at their offsets in ``text``); a scalar whose text is not
    its value as written is one span over its source (``_YamlSpan``)."""
    if depth > _EMBEDDED_DEPTH:
        return None
    if isinstance(node, yaml.MappingNode):
        obj = JObj()
        for k, v in node.value:
            kk, vv = _yaml_tree(k, text, depth + 1), _yaml_tree(v, text, depth + 1)
            if isinstance(kk, JStr) and vv is not None:
                obj.append((kk, vv))
        return obj
    if isinstance(node, yaml.SequenceNode):
        return [t for t in (_yaml_tree(v, text, depth + 1) for v in node.value) if t is not None]
    if isinstance(node, yaml.ScalarNode):
        start, end = node.start_mark.index, node.end_mark.index
        value = node.value
        if text[start:end] == value:  # a plain scalar: its characters are the value's
            return _YamlText(value, start - 1, text[start:end])
        if node.style in ("'", '"') and text[start + 1 : end - 1] == value:
            return _YamlText(value, start, text[start:end])
        return _YamlSpan(value, start, text[start:end])
    return None


class _YamlText(JStr):
    """A YAML scalar whose characters in the text are its value's, one for one (a plain
    scalar, or a quoted one without escapes): offsets shift by where it starts."""

    __slots__ = ()

    def to_outer(self, i: int) -> int:
        return self.raw_start + 1 + i


class _YamlSpan(JStr):
    """A YAML scalar whose source is not its value as written (escapes, folded lines): a
    hit in its value covers its whole source span (``raw``)."""

    __slots__ = ()


def _yaml_sequences(text: str) -> list[list[tuple[str, int]]]:
    """The items of each YAML block sequence in ``text`` whose items are all scalars, one
    per line at one indentation, as ``(value, offset of the value in text)``; a sequence
    holding a mapping (``- name: x``) is none."""
    out: list[list[tuple[str, int]]] = []
    run: list[tuple[str, int]] = []
    indent, end = None, -1
    for m in _YAML_ITEM.finditer(text):
        group = "plain" if m["plain"] is not None else "dq" if m["dq"] is not None else "sq"
        value, start = m[group], m.start(group)
        if group == "plain" and ": " in value:
            value = ""  # (a mapping: ends the sequence)
        follows = m["indent"] == indent and text.count("\n", end, m.start()) <= 1
        if not follows or not value:
            if len(run) >= 2:
                out.append(run)
            run = []
        if value:
            run.append((value, start))
            indent = m["indent"]
        end = m.end()
    if len(run) >= 2:
        out.append(run)
    return out


def _place_into(hits: list[Hit]) -> _Place:
    """``place`` for :func:`parse_embedded` nodes: hits moved to offsets into the outer text."""

    def place(found: list[Hit], node: Any) -> None:
        if isinstance(node, _YamlSpan):
            start, end = node.raw_start, node.raw_start + len(node.raw)
            hits.extend(Hit(h.detector, start, end, start, end, h.confidence, h.shadow) for h in found)
            return
        if isinstance(node, JStr):
            _map_hits(found, node, hits)
            return
        shift = node.raw_start  # a JNum
        for h in found:
            hits.append(
                Hit(
                    h.detector,
                    shift + h.start,
                    shift + h.end,
                    shift + h.claim_start,
                    shift + h.claim_end,
                    h.confidence,
                    h.shadow,
                )
            )

    return place


def _map_hits(found: list[Hit], node: JStr, hits: list[Hit]) -> None:
    """Move hits of an inner string (fresh objects) to offsets into the outer text."""
    to = node.to_outer
    for h in found:
        h.start, h.end = to(h.start), to(h.end)
        h.claim_start, h.claim_end = to(h.claim_start), to(h.claim_end)
        hits.append(h)


def _last_segment(key: str) -> str:
    return key.rsplit(".", 1)[-1] if key else ""


def _last_key(path: tuple[Segment, ...]) -> str:
    for p in reversed(path):
        if isinstance(p, str):
            return p
    return ""
