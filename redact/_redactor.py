"""The redaction pipeline: walk, apply key rules, detect, decide, act, record.

``Redactor(policy).redact(obj)`` returns a copy of ``obj`` with every sensitive span
replaced by its action's output (same structure, same types where unchanged) and the
list of decisions. Decisions carry pointer, category, detector, action and fingerprint,
never the plaintext; each is also an audit event (:mod:`redact._audit`: the stdlib logger
``redact.audit``, or structlog when the application configured it) when the policy's
``summary`` is ``debug`` (``info`` logs one summary per call). Nothing prints unless the
application's logging shows those events.
"""

from __future__ import annotations

import dataclasses
import logging
import operator
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from redact import _audit
from redact._build import build_scanner
from redact._finding import fingerprint
from redact._scanner import _SKIP, Scanner, child_context, coerce, int_text, masked_key, merge_spans
from redact.actions import Action, Keyring, Span, build_action
from redact.actions.encrypt import render_field
from redact.detect.engine import GUARD_ERROR, Hit, echo_hits, repeated_credentials
from redact.detect.keys import KeyClass
from redact.errors import Blocked, NestingError, PolicyError, RedactError, ScanError
from redact.leaves import Segment, context_key, item_name, key_path, named_fields, pair_name, pointer
from redact.policy import Policy, compile_format, compile_key_pattern

__all__ = ["Decision", "RedactResult", "Redactor", "GateProblem", "check_required"]

_DROP = object()  # a leaf or container removed by the drop action
_SETTLE_PASSES = 3


@dataclass(frozen=True, slots=True)
class Decision:
    """What happened to one span (or one whole field, for key rules): never the plaintext.

    ``pointer`` points into the redacted output: a detected key appears there as its
    redacted form (or, when the entry was dropped or blocked, with its spans masked)."""

    pointer: str
    key: str
    category: str
    detector: str
    action: str
    fingerprint: str
    start: int
    end: int
    in_key: bool = False  # the span is in the entry's key (offsets into the key)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True, slots=True)
class RedactResult:
    value: Any
    decisions: list[Decision]

    @property
    def changed(self) -> bool:
        return any(d.action != "allow" for d in self.decisions)


class _KeyRule:
    __slots__ = ("on_pointer", "test", "fmt")

    def __init__(self, spec: str, fmt: str | None = None) -> None:
        self.on_pointer, self.test = compile_key_pattern(spec)
        self.fmt: re.Pattern[str] | None = compile_format(fmt) if fmt else None

    def matches(self, ptr: str, dotted: str) -> bool:
        return self.test(ptr if self.on_pointer else dotted)


class Redactor:
    """A policy compiled for redaction: reuse one for many calls (it is thread-safe)."""

    def __init__(self, policy: Policy | None = None, *, scanner: Scanner | None = None) -> None:
        self.policy = policy = policy or Policy()
        source = policy.source or "policy"
        self.scanner = scanner or build_scanner(policy)
        self.keyring = Keyring.load(policy.keyring, source=source, base_dir=policy.base_dir())
        detectors = {d.id: d.category for d in self.scanner.engine.detectors}
        known = set(detectors) | set(detectors.values()) | {"default"}
        self._actions: dict[str, Action] = {}
        for target, spec in policy.actions.items():
            if target not in known and not target.isupper():
                raise PolicyError(
                    f"{source}: field 'actions.{target}': unknown detector or category {target!r}"
                )
            try:
                self._actions[target] = build_action(spec.action, spec.params, self.keyring)
            except PolicyError as exc:
                raise type(exc)(f"{source}: field 'actions.{target}': {exc}") from None
        rules = policy.keys
        self._allow = [_KeyRule(p) for p in rules.allow]
        self._deny = [_KeyRule(p) for p in rules.deny]
        self._trusted = [_KeyRule(t.key, t.format) for t in rules.trusted]
        self._key_rules = bool(self._allow or self._deny or self._trusted)
        self._deny_action = build_action(rules.deny_action, None, self.keyring)
        self._unknown_action = (
            None
            if rules.unknown in ("allow",)
            else build_action("mask" if rules.unknown == "redact" else rules.unknown, None, self.keyring)
        )
        values = policy.detectors.allowed_values
        self._allowed_exact = frozenset(v for v in values if not v.startswith("re:"))
        self._allowed_re = [re.compile(v[3:]) for v in values if v.startswith("re:")]

    # ------------------------------------------------------------------ decisions
    def action_for(self, category: str, detector: str) -> Action:
        a = self._actions
        return a.get(detector) or a.get(category) or a["default"]

    def _allowed_value(self, text: str) -> bool:
        return text in self._allowed_exact or any(r.fullmatch(text) for r in self._allowed_re)

    # ------------------------------------------------------------------ public
    def redact(self, obj: Any, path: tuple[Segment, ...] = ()) -> RedactResult:
        """``path`` prefixes every pointer (and so the associated data of encryption)."""
        decisions = _Decisions()
        key = next((p for p in reversed(path) if isinstance(p, str)), "")
        try:
            value = self._walk(obj, list(path), key, 0, set(), decisions)
            if decisions.repeated and value is not _DROP:
                longest_first = sorted(decisions.repeated.items(), key=lambda kv: -len(kv[0]))
                value = self._repeats(value, list(path), key, decisions, longest_first)
        except RedactError:
            raise
        except Exception as exc:  # a fault of ours: never forward, never a bare exception
            raise ScanError(f"redaction failed ({type(exc).__name__}); nothing was returned") from None
        if value is _DROP:
            value = None
        self._audit(decisions)
        return RedactResult(value, list(decisions))

    def _audit(self, decisions: list[Decision]) -> None:
        summary = self.policy.summary
        if summary == "silent" or not decisions or not _audit.enabled(logging.INFO):
            return
        if summary == "debug":
            for d in decisions:
                _audit.emit(
                    logging.DEBUG,
                    "redact.decision",
                    pointer=d.pointer,
                    key=d.key,
                    category=d.category,
                    detector=d.detector,
                    action=d.action,
                    fingerprint=d.fingerprint,
                )
        by_action = Counter(d.action for d in decisions)
        by_category = Counter(d.category for d in decisions)
        _audit.emit(
            logging.INFO,
            "redact.summary",
            policy=self.policy.name,
            decisions=len(decisions),
            actions=dict(by_action),
            categories=dict(by_category),
        )

    # ------------------------------------------------------------------ walk
    def _walk(
        self, v: Any, path: list[Segment], key: str, depth: int, stack: set[int], out: list[Decision]
    ) -> Any:
        t = type(v)
        if t is str:
            return self._leaf(v, v, path, key, out) if v else v
        if t is bool or t in _SKIP:
            return self._key_only(v, path, out) if self._key_rules else v
        if t is int:
            if self._key_rules or self.scanner.reads_int(v, key):
                text = int_text(v)
                if text is None:  # too long to convert cheaply: cannot be shown to be clean
                    return self._on_error(v, "", path, out)
                return self._leaf(v, text, path, key, out)
            return v
        try:
            if t is dict or t is list or t is tuple or isinstance(v, (Mapping, list, tuple, set, frozenset)):
                if depth >= self.scanner.max_depth:  # the rest is not inspected: on_error
                    return self._on_error(v, "", path, out)
                ident = id(v)
                if ident in stack:  # the back-reference of a cycle: on_error
                    return self._on_error(v, "", path, out)
                stack.add(ident)
                try:
                    return self._container(v, path, key, depth, stack, out)
                finally:
                    stack.discard(ident)
            return self._other(v, path, key, depth, stack, out)
        except RedactError:
            raise
        except Exception:  # str/repr/items/model_dump raised, or recursion ran out
            return self._on_error(v, "", path, out)

    def _container(
        self, v: Any, path: list[Segment], key: str, depth: int, stack: set[int], out: list[Decision]
    ) -> Any:
        fields = named_fields(v)
        if fields is not None:  # a named tuple: its fields, as a dataclass's
            return _rebuilt(v, fields, self._container(fields, path, key, depth, stack, out))
        if isinstance(v, Mapping):
            new: dict[Any, Any] = {}
            parent = key.rsplit(".", 1)[-1] if key else ""
            for k, item in v.items():
                try:
                    ks, khits = self.scanner.scan_key(k)
                except RedactError:
                    raise
                except Exception:  # fail closed: a key that could not be inspected is redacted
                    ks = k if type(k) is str else repr(type(k))
                    khits = [Hit(GUARD_ERROR, 0, len(ks), 0, len(ks))]
                if khits and (self._allowed_exact or self._allowed_re):
                    khits = [h for h in khits if not self._allowed_value(ks[h.start : h.end])]
                out_key: Any = k
                if khits:
                    out_key = self._act_key(k, ks, khits, path, out, v, new)
                    if out_key is _DROP:
                        continue
                    ks = ck = out_key
                else:
                    ck = context_key(v, ks)
                path.append(ks)
                r = self._walk(item, path, child_context(parent, ck), depth + 1, stack, out)
                path.pop()
                if r is not _DROP:
                    new[out_key] = r
            return new if type(v) is dict else _same_type(v, new)
        items = sorted(v, key=_safe_repr) if isinstance(v, (set, frozenset)) else v
        kept = []
        prev: Any = None
        pair = pair_name(items) if isinstance(v, (list, tuple)) else None
        argv = self.scanner.argv_hits(items, key) if isinstance(v, (list, tuple)) else None
        for i, item in enumerate(items):
            path.append(i)
            item_key = item_name(prev, i, pair) or key
            if argv and i in argv:  # (an item of a command in exec form)
                r = self._leaf(item, item, path, item_key, out, argv[i])
            else:
                r = self._walk(item, path, item_key, depth + 1, stack, out)  # (as the scanner)
            path.pop()
            prev = item
            if r is not _DROP:
                kept.append(r)
        if isinstance(v, list):
            return kept
        if type(v) in (set, frozenset) and len(kept) == len(items) and all(map(operator.is_, kept, items)):
            # nothing changed: the set as it was, its members in its order (a set rebuilt
            # from sorted members may iterate otherwise, and its str() then differs)
            return v if type(v) is frozenset else v.copy()
        return type(v)(kept) if type(v) in (tuple, set, frozenset) else kept

    def _act_key(
        self,
        k: Any,
        text: str,
        hits: list[Hit],
        path: list[Segment],
        out: list[Decision],
        original: Mapping[Any, Any],
        new: dict[Any, Any],
    ) -> Any:
        """Apply the policy to a detected key: the redacted key (deterministic; made unique
        among the mapping's keys so no entry is lost), ``_DROP``, or raise Blocked.
        Decisions and errors show the key only in redacted form."""
        safe = masked_key(text, hits)
        chosen = [(h, self._key_action(h)) for h in hits]
        path.append(safe)
        safe_ptr = pointer(path)
        path.pop()
        for h, a in chosen:
            if a.name == "block":
                self._key_decisions(text, chosen, safe_ptr, path, safe, out)
                raise Blocked(safe_ptr, h.detector.category, h.detector.id)
        if any(a.name == "drop" for _, a in chosen):
            self._key_decisions(text, chosen, safe_ptr, path, safe, out)
            return _DROP
        if not any(a.changes_value for _, a in chosen):
            self._key_decisions(text, chosen, safe_ptr, path, text, out)
            return k
        kpath = (*path, safe)
        redacted = render_field(text, _union(text, chosen, safe_ptr, kpath), kpath)[0]
        if redacted in new or (redacted in original and redacted != text):
            fp = fingerprint("KEY", text, self.scanner.fingerprint_key)[:8]
            base, n = f"{redacted}~{fp}", 1
            redacted = base
            while redacted in new or redacted in original:
                n += 1
                redacted = f"{base}~{n}"
        self._key_decisions(text, chosen, safe_ptr, path, redacted, out)
        return redacted

    def _key_action(self, h: Hit) -> Action:
        if h.detector is GUARD_ERROR:
            return build_action("block" if self.policy.on_error == "block" else "mask", None, self.keyring)
        return self.action_for(h.detector.category, h.detector.id)

    def _key_decisions(
        self,
        text: str,
        chosen: list[tuple[Hit, Action]],
        safe_ptr: str,
        path: list[Segment],
        segment: str,
        out: list[Decision],
    ) -> None:
        path.append(segment)
        ptr, dotted = pointer(path), key_path(path)
        path.pop()
        fkey = self.scanner.fingerprint_key
        for h, a in chosen:
            if h.shadow:
                continue
            cat = h.detector.category
            fp = fingerprint(cat, text[h.start : h.end], fkey)
            out.append(Decision(ptr, dotted, cat, h.detector.id, a.name, fp, h.start, h.end, True))

    def _other(
        self, v: Any, path: list[Segment], key: str, depth: int, stack: set[int], out: list[Decision]
    ) -> Any:
        """Odd leaves: converted as the scanner converts them; rebuilt in their type when
        that is possible (dataclasses, pydantic models), else returned in JSON form."""
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            fields = {f.name: getattr(v, f.name) for f in dataclasses.fields(v)}
            new = self._walk(fields, path, key, depth, stack, out)
            if new == fields:
                return v
            if set(new) == set(fields):
                try:
                    return dataclasses.replace(v, **new)
                except (TypeError, ValueError):
                    return new
            return new
        dump = getattr(v, "model_dump", None)
        if callable(dump) and not isinstance(v, type):
            data = dump()
            new = self._walk(data, path, key, depth, stack, out)
            if new == data:
                return v
            return v.model_copy(update=new) if set(new) == set(data) else new
        converted = coerce(v)
        if converted is None:
            return v
        result = self._walk(converted, path, key, depth, stack, out)
        return v if result == converted else result

    def _repeats(
        self, v: Any, path: list[Segment], key: str, out: _Decisions, values: list[tuple[str, Hit]]
    ) -> Any:
        """The redacted value with every other place it still holds a credential found in
        one of its leaves (``values``, longest first) redacted as that credential was: a password
        logged under its key and again in a log line or a command of another field is not
        left readable there. Leaves under a lineage key are kept as they are."""
        t = type(v)
        if t is str:
            if not v or self.scanner.engine.key_info(key).key_class is KeyClass.LINEAGE:
                return v
            hits = echo_hits(v, values)
            return self._act(v, v, hits, path, out) if hits else v
        if isinstance(v, Mapping):
            new: dict[Any, Any] = {}
            changed = False
            parent = key.rsplit(".", 1)[-1] if key else ""
            for k, item in v.items():
                ks = k if type(k) is str else str(k)
                path.append(ks)
                r = self._repeats(item, path, child_context(parent, ks), out, values)
                path.pop()
                changed = changed or r is not item
                if r is not _DROP:
                    new[k] = r
            if not changed:
                return v
            return new if type(v) is dict else _same_type(v, new)
        fields = named_fields(v)
        if fields is not None:
            return _rebuilt(v, fields, self._repeats(fields, path, key, out, values))
        if isinstance(v, (list, tuple)):
            kept: list[Any] = []
            changed, prev = False, None
            pair = pair_name(v)
            for i, item in enumerate(v):
                path.append(i)
                r = self._repeats(item, path, item_name(prev, i, pair) or key, out, values)
                path.pop()
                changed = changed or r is not item
                prev = item
                if r is not _DROP:
                    kept.append(r)
            if not changed:
                return v
            return kept if isinstance(v, list) else type(v)(kept)
        return v

    # ------------------------------------------------------------------ leaves
    def _key_rule(self, v: Any, text: str, path: list[Segment], out: list[Decision]) -> Any:
        """Apply allow/deny/trusted rules. Returns the value to use, ``None`` to go on
        scanning, ``_DROP``, or raises Blocked."""
        ptr, dotted = pointer(path), key_path(path)
        for rule in self._deny:
            if rule.matches(ptr, dotted):
                action = self._deny_action
                return self._whole(v, text, ptr, dotted, "KEY_DENIED", "key-deny", action, out, tuple(path))
        unknown = self._allow and not any(rule.matches(ptr, dotted) for rule in self._allow)
        if unknown and self._unknown_action is not None:
            action = self._unknown_action
            category, detector = "KEY_NOT_ALLOWED", "key-unknown"
            return self._whole(v, text, ptr, dotted, category, detector, action, out, tuple(path))
        for rule in self._trusted:
            if rule.matches(ptr, dotted) and rule.fmt is not None and rule.fmt.fullmatch(text):
                return v
        return None

    def _key_only(self, v: Any, path: list[Segment], out: list[Decision]) -> Any:
        """Key rules for values that are never scanned (floats, booleans, None, dates)."""
        r = self._key_rule(v, "" if v is None else str(v), path, out)
        return v if r is None else r

    def _whole(
        self,
        v: Any,
        text: str,
        ptr: str,
        dotted: str,
        category: str,
        detector: str,
        action: Action,
        out: list[Decision],
        fpath: tuple[Segment, ...] | None = None,
    ) -> Any:
        fp = fingerprint(category, text, self.scanner.fingerprint_key)
        out.append(Decision(ptr, dotted, category, detector, action.name, fp, 0, len(text)))
        if action.name == "block":
            raise Blocked(ptr, category, detector)
        if action.name == "drop":
            return _DROP
        if not action.changes_value:
            return v
        return action.replace(Span(text, category, detector, ptr, fpath))

    def _leaf(
        self,
        v: Any,
        text: str,
        path: list[Segment],
        key: str,
        out: list[Decision],
        line_hits: list[Hit] | None = None,
    ) -> Any:
        """``line_hits``: an argument list's item's part of its command line's hits."""
        if self._key_rules:
            r = self._key_rule(v, text, path, out)
            if r is not None:
                return r
        try:
            if line_hits:
                hits = self.scanner.scan_argument(text, key, line_hits)
            else:
                hits = self.scanner.scan_text(text, key)
        except RedactError:
            raise
        except Exception:  # fail closed: a value that could not be inspected is not forwarded
            return self._on_error(v, text, path, out)
        if not hits:
            return v
        if self._allowed_exact or self._allowed_re:
            hits = [h for h in hits if not self._allowed_value(text[h.start : h.end])]
            if not hits:
                return v
        try:
            return self._act(v, text, self._settle(text, hits, path, key), path, out)
        except RedactError:
            raise
        except Exception:
            return self._on_error(v, text, path, out)

    def _settle(self, text: str, hits: list[Hit], path: list[Segment], key: str) -> list[Hit]:
        """Redaction is idempotent: what a second pass would find in the output's unchanged
        text (an IP address behind a masked password, a span a wider finding hid) is added
        to ``hits`` (at its offsets in ``text``) before anything is acted on, so the field is
        redacted, and its tokens sealed, once."""
        for _ in range(_SETTLE_PASSES):
            chosen = [(h, self.action_for(h.detector.category, h.detector.id)) for h in hits]
            if any(a.leaf_level for _, a in chosen):
                return hits  # the whole field is dropped or the call blocked
            reps = self._replacements(text, chosen, path)
            if not reps:
                return hits
            new, kept = render_field(text, reps, tuple(path))
            more = self.scanner.scan_text(new, key)
            extra = []
            for h in more:
                for out_start, orig_start, length in kept:
                    if out_start <= h.start and h.end <= out_start + length:
                        shift = orig_start - out_start
                        if not self._allowed_value(text[h.start + shift : h.end + shift]):
                            extra.append(
                                Hit(
                                    h.detector,
                                    h.start + shift,
                                    h.end + shift,
                                    max(h.claim_start + shift, orig_start),
                                    min(h.claim_end + shift, orig_start + length),
                                )
                            )
                        break
            if not extra:
                return hits
            hits = sorted([*hits, *extra], key=lambda h: (h.start, h.end))
        return hits

    def _replacements(self, text: str, chosen: list[tuple[Hit, Action]], path: list[Segment]) -> list[Any]:
        return _union(text, chosen, pointer(path), tuple(path))

    def _on_error(self, v: Any, text: str, path: list[Segment], out: list[Decision]) -> Any:
        ptr, dotted = pointer(path), key_path(path)
        action = build_action("block" if self.policy.on_error == "block" else "mask", None, self.keyring)
        return self._whole(v, text, ptr, dotted, "SECRET", "guard-error", action, out)

    def _act(self, v: Any, text: str, hits: list[Hit], path: list[Segment], out: list[Decision]) -> Any:
        """Decide every hit and mask the union of their spans: a shadowed hit (an overlap
        the report resolved in favour of another detector) is masked too."""
        ptr, dotted = pointer(path), key_path(path)
        fkey = self.scanner.fingerprint_key
        chosen = [(h, self.action_for(h.detector.category, h.detector.id)) for h in hits]
        if isinstance(out, _Decisions):  # (masked wherever else the call repeats them)
            repeated_credentials(text, (h for h, a in chosen if a.changes_value), out.repeated)
        out.extend(
            Decision(
                ptr,
                dotted,
                h.detector.category,
                h.detector.id,
                a.name,
                fingerprint(h.detector.category, text[h.start : h.end], fkey),
                h.start,
                h.end,
            )
            for h, a in chosen
            if not h.shadow
        )
        for h, a in chosen:
            if a.name == "block":
                raise Blocked(ptr, h.detector.category, h.detector.id)
        if any(a.name == "drop" for _, a in chosen):
            return _DROP
        if not any(a.changes_value for _, a in chosen):
            return v
        return render_field(text, self._replacements(text, chosen, path), tuple(path))[0]


class _Decisions(list[Decision]):
    """The decisions of one call, and the credentials its leaves held (text -> hit), which
    :meth:`Redactor._repeats` looks for in the other leaves (never kept past the call)."""

    __slots__ = ("repeated",)

    def __init__(self) -> None:
        super().__init__()
        self.repeated: dict[str, Hit] = {}


def _union(text: str, chosen: list[tuple[Hit, Action]], ptr: str, fpath: tuple[Segment, ...]) -> list[Any]:
    """The replacements that mask the union of the spans whose action changes the value:
    spans that overlap or touch merge into one, replaced by the action of its best reported
    hit (most confident, then widest), so no part of any finding stays readable; where the
    merged span is wider than that hit's own or holds a finding of another kind inside it,
    its mask shows nothing (no address domain or last digits, which could be another finding's
    characters). Two
    reported findings that only touch (values glued with no separator, ``a@x.com`` then
    an SSN) stay two replacements, each with its own action: a mask that keeps part of its
    own value (an address's domain) never shows the other. The replacements never overlap
    (what :func:`render_field` needs)."""
    actions = {id(h): a for h, a in chosen}
    changing = [h for h, a in chosen if a.changes_value]
    reps: list[Any] = []
    for _, _, group in merge_spans(changing):
        for start, end, hs in _overlapping(group):
            best = max(hs, key=lambda h: (not h.shadow, h.confidence, h.end - h.start))
            # other findings' parts in it: past the best hit's span, or a finding of another
            # kind inside it (an IP address in an address literal's domain, which the e-mail
            # mask would keep)
            whole = (start, end) != (best.start, best.end) or any(
                h.detector.category != best.detector.category and (h.start, h.end) != (start, end) for h in hs
            )
            span = Span(text[start:end], best.detector.category, best.detector.id, ptr, fpath, whole)
            reps.append((start, end, actions[id(best)], span))
    return reps


def _overlapping(hits: list[Hit]) -> list[tuple[int, int, list[Hit]]]:
    """``hits`` (one group of touching or overlapping spans) split where two reported
    findings only touch: ``(start, end, hits)`` parts whose spans overlap."""
    return merge_spans(hits, _overlaps)


def _overlaps(h: Hit, end: int, group: list[Hit]) -> bool:
    return h.start < end or h.shadow or all(x.shadow for x in group)


def _safe_repr(v: Any) -> str:
    try:
        return repr(v)
    except Exception:
        return ""


def _rebuilt(original: tuple[Any, ...], fields: dict[str, Any], new: Any) -> Any:
    """A named tuple with its redacted fields: the original when none changed, the same
    type when every field was kept, else the fields as a mapping (one was dropped)."""
    try:
        same = new is fields or new == fields
    except Exception:  # (a field whose == does not give a bool, as an array's: rebuilt)
        same = False
    if same:
        return original
    if isinstance(new, dict) and set(new) == set(fields):
        return original._make(new[f] for f in fields)  # type: ignore[attr-defined]
    return new


def _same_type(original: Mapping[Any, Any], new: dict[Any, Any]) -> Any:
    try:
        return type(original)(new)  # type: ignore[call-arg]
    except Exception:
        return new


# ---------------------------------------------------------------------- lineage gate
@dataclass(frozen=True, slots=True)
class GateProblem:
    """A required field that is ``missing`` or ``malformed`` (never shows the value)."""

    key: str
    problem: str
    description: str = ""

    def __str__(self) -> str:
        what = f" ({self.description})" if self.description else ""
        return f"{self.key}{what}: {self.problem}"


def check_required(metadata: Any, policy: Policy) -> list[GateProblem]:
    """Required provenance fields (``policy.required``) that are missing or malformed."""
    leaves: list[tuple[str, str, str]] = []
    _collect(metadata, [], leaves, 0)
    problems: list[GateProblem] = []
    for req in policy.required:
        rule = _KeyRule(req.key, req.format)
        present = [text for ptr, dotted, text in leaves if rule.matches(ptr, dotted)]
        if not present:
            problems.append(GateProblem(req.key, "missing", req.description))
        elif not any(rule.fmt is not None and rule.fmt.fullmatch(t) for t in present):
            problems.append(GateProblem(req.key, f"malformed (expected {req.format})", req.description))
    return problems


def _collect(v: Any, path: list[Segment], out: list[tuple[str, str, str]], depth: int) -> None:
    if depth > 100:
        raise NestingError(f"value nested deeper than 100 levels at {pointer(path) or '/'}")
    if isinstance(v, Mapping):
        for k, item in v.items():
            path.append(str(k))
            _collect(item, path, out, depth + 1)
            path.pop()
    elif isinstance(v, (list, tuple)):
        for i, item in enumerate(v):
            path.append(i)
            _collect(item, path, out, depth + 1)
            path.pop()
    elif v is not None and not isinstance(v, bool):
        text = int_text(v) if type(v) is int else _text_or_none(v)
        if text is not None:  # a value that cannot be shown as text counts as missing
            out.append((pointer(path), key_path(path), text))


def _text_or_none(v: Any) -> str | None:
    try:
        return str(v)
    except Exception:
        return None
