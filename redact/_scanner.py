"""Walk any nested value into leaves and run the engine on each: the ``scan`` pipeline."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import enum
import os
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from redact._finding import Finding, fingerprint
from redact._jsontext import JNum, JStr, looks_like_json, parse_embedded
from redact.detect.engine import GUARD_ERROR, Engine, Hit
from redact.errors import CycleError, NestingError, RedactError, ScanError
from redact.leaves import Segment, context_key, key_path, pointer

__all__ = ["Scanner", "DEFAULT_MAX_DEPTH", "coerce", "int_text"]

DEFAULT_MAX_DEPTH = 100
_MIN_INT = 10**8  # smaller integers cannot hold a card number or SSN
_MEMO_MAX_LEN = 256
_MEMO_MAX_ENTRIES = 65536
_JSON_OPENERS = frozenset("{[ \t\r\n")
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
    scalars and arrays their Python values; anything else its ``str()`` (which may raise).
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
    if hasattr(v, "dtype") and hasattr(v, "tolist"):  # numpy scalars and arrays
        return v.tolist()
    return str(v)


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

    @property
    def fingerprint_key_id(self) -> str:
        """The id of the fingerprint key (recorded in baselines; never the key)."""
        from redact._fpkey import key_id

        return key_id(self.fingerprint_key)

    # ------------------------------------------------------------------ public
    def scan(self, obj: Any, path: tuple[Segment, ...] = ()) -> list[Finding]:
        out: list[Finding] = []
        try:
            self._walk(obj, list(path), _last_key(path), 0, set(), out)
        except RedactError:
            raise
        except Exception as exc:  # only redact.errors types leave a scan
            raise ScanError(f"scan failed ({type(exc).__name__})") from None
        return out

    def scan_text(self, text: str, key: str = "") -> list[Hit]:
        """Hits in one string, embedded JSON included (offsets into ``text``)."""
        if len(text) > _MEMO_MAX_LEN:
            return self._scan_text(text, key)
        memo = (key, text)
        if memo in self._clean:
            return []
        hits = self._scan_text(text, key)
        if not hits:
            if len(self._clean) >= _MEMO_MAX_ENTRIES:
                self._clean.clear()
            self._clean.add(memo)
        return hits

    def _scan_text(self, text: str, key: str) -> list[Hit]:
        if text[:1] in _JSON_OPENERS and looks_like_json(text):
            doc = parse_embedded(text)
            if isinstance(doc, (dict, list)):
                hits: list[Hit] = []
                self._walk_embedded(doc, key, hits, 0)
                return hits
        hits = self.engine.find(text, key)
        if self.ner is not None:
            hits = self.ner.add_hits(text, hits)
        if self.min_confidence and hits:
            hits = [h for h in hits if h.confidence >= self.min_confidence]
        return hits

    # ------------------------------------------------------------------ walk
    def _walk(
        self, v: Any, path: list[Segment], key: str, depth: int, stack: set[int], out: list[Finding]
    ) -> None:
        t = type(v)
        if t is str:
            if v:
                self._leaf(v, v, path, key, out)
            return
        if t is bool or t in _SKIP:
            return
        if t is int:
            if v >= _MIN_INT or v <= -_MIN_INT:
                text = int_text(v)
                if text is None:  # cannot be shown to be clean
                    out.append(self._finding(Hit(GUARD_ERROR, 0, 0, 0, 0), "", pointer(path), key_path(path)))
                else:
                    self._leaf(v, text, path, key, out)
            return
        if isinstance(v, (dict, list, tuple, Mapping, set, frozenset)):
            if depth >= self.max_depth:
                raise NestingError(
                    f"value nested deeper than {self.max_depth} levels at {pointer(path) or '/'}"
                )
            ident = id(v)
            if ident in stack:
                raise CycleError(f"value contains itself at {pointer(path) or '/'}")
            stack.add(ident)
            try:
                if isinstance(v, Mapping):
                    for k, item in v.items():
                        ks = k if type(k) is str else str(k)
                        path.append(ks)
                        self._walk(item, path, context_key(v, ks), depth + 1, stack, out)
                        path.pop()
                else:
                    items = sorted(v, key=repr) if isinstance(v, (set, frozenset)) else v
                    for i, item in enumerate(items):
                        path.append(i)
                        self._walk(item, path, key, depth + 1, stack, out)
                        path.pop()
            finally:
                stack.discard(ident)
            return
        self._walk_other(v, path, key, depth, stack, out)

    def _walk_other(
        self, v: Any, path: list[Segment], key: str, depth: int, stack: set[int], out: list[Finding]
    ) -> None:
        """Defined behaviour for everything that is not a JSON-like value."""
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
            return self._walk(fields, path, key, depth, stack, out)
        dump = getattr(v, "model_dump", None)  # pydantic v2 models
        if callable(dump) and not isinstance(v, type):
            return self._walk(dump(), path, key, depth, stack, out)
        try:
            converted = coerce(v)
        except Exception:  # an object whose __str__ fails cannot be shown to be clean
            out.append(self._finding(Hit(GUARD_ERROR, 0, 0, 0, 0), "", pointer(path), key_path(path)))
            return None
        if converted is not None:
            self._walk(converted, path, key, depth, stack, out)
        return None

    def _leaf(self, v: Any, text: str, path: list[Segment], key: str, out: list[Finding]) -> None:
        hits = self.scan_text(text, key)
        if hits:
            ptr, kp = pointer(path), key_path(path)
            out.extend(self._finding(h, text, ptr, kp) for h in hits)

    def _finding(self, h: Hit, text: str, ptr: str, kp: str) -> Finding:
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
        )

    # ------------------------------------------------------------------ embedded JSON
    def _walk_embedded(self, node: Any, key: str, hits: list[Hit], depth: int) -> None:
        if isinstance(node, dict):
            for k, item in node.items():
                plain = {n: node[n].value for n in ("key", "name") if isinstance(node.get(n), JStr)}
                self._walk_embedded(item, context_key(plain, k) if k == "value" else k, hits, depth + 1)
        elif isinstance(node, list):
            for item in node:
                self._walk_embedded(item, key, hits, depth + 1)
        elif isinstance(node, JStr):
            for h in self.scan_text(node.value, key):
                hits.append(
                    Hit(
                        h.detector,
                        node.to_outer(h.start),
                        node.to_outer(h.end),
                        node.to_outer(h.claim_start),
                        node.to_outer(h.claim_end),
                        h.confidence,
                    )
                )
        elif isinstance(node, JNum) and isinstance(node.value, int) and abs(node.value) >= _MIN_INT:
            for h in self.scan_text(node.raw, key):
                hits.append(
                    Hit(
                        h.detector,
                        node.raw_start + h.start,
                        node.raw_start + h.end,
                        node.raw_start + h.claim_start,
                        node.raw_start + h.claim_end,
                        h.confidence,
                    )
                )


def _last_key(path: tuple[Segment, ...]) -> str:
    for p in reversed(path):
        if isinstance(p, str):
            return p
    return ""
