"""The detector catalog: declarative detector definitions, validated when loaded.

Each YAML file in ``detectors/`` holds ``detectors: [...]``; a definition names its
id, category, patterns, prefilter keywords or shape, key-context rules, validator
names and its own positive and negative examples. A malformed definition fails
loading with ``file:line: detector 'id': field 'x': problem``.

A file may also hold ``fragments:``, named regex text that patterns and prefilters share:
``{{name}}`` in either stands for ``(?:<fragment>)``. The built-in fragments
(``detectors/fragments.yaml``) are known everywhere, policies' custom detectors included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from redact._yaml import Loc, data_dir, describe_loc, line_of, load_with_lines
from redact.detect import connstr as _connstr  # noqa: F401  (registers its validators)
from redact.detect import pii as _pii  # noqa: F401  (registers its validators)
from redact.detect._buildcache import compile_regex
from redact.detect.validators import KEY_CLASSES, VALIDATORS
from redact.errors import CatalogError

__all__ = [
    "DetectorSpec",
    "Example",
    "Context",
    "load_catalog",
    "load_detector_file",
    "parse_detectors",
    "builtin_catalog_dir",
    "builtin_fragments",
    "expand_fragments",
]

CATEGORIES = (
    "CREDIT_CARD", "US_SSN", "CONNECTION_STRING", "SECRET", "EMAIL_ADDRESS", "PHONE_NUMBER",
    "IP_ADDRESS", "IBAN_CODE", "PERSON",
)  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Example(_Strict):
    """A value the detector must (positive) or must not (negative) report, and why."""

    value: str | int
    reason: str = Field(min_length=3)
    key: str = ""
    match: str | None = None  # positive only: the exact text the finding must cover


class Examples(_Strict):
    positive: list[Example] = Field(min_length=1)
    negative: list[Example] = Field(min_length=1)


class Context(_Strict):
    """Where a detector may fire.

    ``keys`` (regexes on the leaf's key name, normalised to lower snake_case, or ``@name``
    for a named key class such as ``@credential``) and
    ``words`` (literal, case-insensitive, within ``window`` characters of the match):
    when either list is given, a match needs one of them. ``exclude_keys`` silences the
    detector under matching keys.
    """

    keys: list[str] = []
    words: list[str] = []
    window: int = Field(default=48, ge=0, le=4096)
    exclude_keys: list[str] = []

    @field_validator("keys", "exclude_keys")
    @classmethod
    def _compiles(cls, v: list[str]) -> list[str]:
        for i, pattern in enumerate(v):
            if pattern.startswith("@"):
                if pattern[1:] not in KEY_CLASSES:
                    known = ", ".join("@" + k for k in sorted(KEY_CLASSES))
                    raise ValueError(f"[{i}] unknown key class {pattern!r} (known: {known})")
                continue
            try:
                compile_regex(pattern)
            except regex.error as exc:
                raise ValueError(f"[{i}] does not compile: {exc}") from None
        return v


class DetectorSpec(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$")
    category: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    description: str = Field(min_length=3)
    # each item a regex, or ``{regex: ..., prefilter: ..., fallback: ...}``: a pattern with
    # a prefilter of its own runs only on text where that prefilter matches (one of several
    # patterns of a detector that needs a shape the others do not); a ``fallback`` pattern
    # runs only where the detector's other patterns found nothing in the text (a looser
    # reading that must not widen what they found)
    patterns: list[str] = Field(min_length=1)
    # per pattern, its own prefilter or None, and whether it is a fallback (read from the
    # ``patterns`` mappings)
    pattern_prefilters: list[str | None] = []
    pattern_fallbacks: list[bool] = []
    keywords: list[str] = []
    prefilter: str | None = None
    context: Context = Context()
    validators: list[str] = []
    # structural checks that raise confidence rather than gate detection: a match that
    # fails one is still reported, at ``unverified_confidence``
    checks: list[str] = []
    confidence: float = Field(default=0.9, gt=0.0, le=1.0)
    unverified_confidence: float | None = Field(default=None, gt=0.0, le=1.0)
    # example values published in the provider's own documentation (AWS's
    # AKIAIOSFODNN7EXAMPLE): not reported unless a policy sets report_vendor_examples
    vendor_examples: list[str] = []
    # regexes a whole documented example value matches, where the provider marks its
    # examples in a fixed way (AWS writes EXAMPLE into every example id and key:
    # AIDA123456789EXAMPLE, AKIAEXAMPLE123456789): read as vendor_examples are
    vendor_example_shapes: list[str] = []
    examples: Examples

    @model_validator(mode="before")
    @classmethod
    def _pattern_mappings(cls, data: Any, info: ValidationInfo) -> Any:
        """``patterns`` items given as ``{regex, prefilter, fallback}`` mappings: the regexes
        stay in ``patterns``, the prefilters go to ``pattern_prefilters`` (checked like
        ``prefilter``) and the fallback marks to ``pattern_fallbacks``."""
        if not isinstance(data, dict) or not isinstance(data.get("patterns"), list):
            return data
        items = data["patterns"]
        if not any(isinstance(p, dict) for p in items):
            return data
        regexes: list[Any] = []
        gates: list[str | None] = []
        fallbacks: list[bool] = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                regexes.append(item)
                gates.append(None)
                fallbacks.append(False)
                continue
            unknown = set(item) - {"regex", "prefilter", "fallback"}
            if unknown or "regex" not in item:
                raise ValueError(
                    f"patterns[{i}]: a mapping has 'regex' and optionally 'prefilter' and 'fallback'"
                )
            if not isinstance(item.get("fallback", False), bool):
                raise ValueError(f"patterns[{i}].fallback: true or false")
            fallbacks.append(item.get("fallback", False))
            regexes.append(item["regex"])
            gate = item.get("prefilter")
            if gate is not None:
                try:
                    _check_prefilter(gate, _shapes_checked(info))
                except ValueError as exc:
                    raise ValueError(f"patterns[{i}].prefilter: {exc}") from None
            gates.append(gate)
        return {**data, "patterns": regexes, "pattern_prefilters": gates, "pattern_fallbacks": fallbacks}

    @field_validator("patterns", "vendor_example_shapes")
    @classmethod
    def _patterns_compile(cls, v: list[str]) -> list[str]:
        for i, pattern in enumerate(v):
            try:
                compile_regex(pattern)
            except regex.error as exc:
                raise ValueError(f"patterns[{i}] does not compile: {exc}") from None
        return v

    @field_validator("prefilter")
    @classmethod
    def _prefilter_compiles(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is not None:
            _check_prefilter(v, _shapes_checked(info))
        return v

    @field_validator("validators", "checks")
    @classmethod
    def _validators_known(cls, v: list[str]) -> list[str]:
        for name in v:
            if name not in VALIDATORS:
                known = ", ".join(sorted(VALIDATORS))
                raise ValueError(f"unknown validator {name!r} (known: {known})")
        return v

    @field_validator("keywords", "context")
    @classmethod
    def _keywords_nonempty(cls, v: Any) -> Any:
        if isinstance(v, list) and any(not k for k in v):
            raise ValueError("keywords must be non-empty strings")
        return v

    @model_validator(mode="after")
    def _has_trigger(self) -> DetectorSpec:
        if self.pattern_prefilters and len(self.pattern_prefilters) != len(self.patterns):
            raise ValueError("pattern_prefilters needs one entry (or null) per pattern")
        if self.pattern_fallbacks and len(self.pattern_fallbacks) != len(self.patterns):
            raise ValueError("pattern_fallbacks needs one entry per pattern")
        if self.pattern_fallbacks and all(self.pattern_fallbacks):
            raise ValueError("a fallback pattern needs another pattern to fall back from")
        if not (self.keywords or self.prefilter or self.context.keys or self.context.words):
            raise ValueError("needs keywords, prefilter or context keys/words, so the prefilter can skip it")
        if self.unverified_confidence is not None and not self.checks:
            raise ValueError("unverified_confidence needs checks")
        return self

    @property
    def confidence_unverified(self) -> float:
        """The confidence of a match that fails one of ``checks``."""
        if self.unverified_confidence is not None:
            return self.unverified_confidence
        return round(max(0.05, self.confidence - 0.2), 2)


def _shapes_checked(info: ValidationInfo) -> bool:
    """Whether each prefilter is compiled by Hyperscan on its own as it is read: yes for
    policies' and users' catalogs (an error then names its file and line); not for the
    built-in catalog, whose shapes Hyperscan meets when it compiles the prefilter database
    (one compile instead of one per shape; a failure there still names the detector)."""
    return not (info.context or {}).get("builtin", False)


def _check_prefilter(v: str, hyperscan_check: bool = True) -> None:
    """A prefilter is a plain regex that Python and Hyperscan (when installed) compile."""
    if regex.search(r"\(\?<?[=!]|\\[1-9]", v):
        raise ValueError("a prefilter is a plain regex: no lookaround or backreference")
    if regex.search(r"\(\?[aiLmsux]+\)", v):
        raise ValueError("a prefilter sets flags for a group only, as (?i:...), not (?i)")
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"does not compile: {exc}") from None
    if not hyperscan_check:
        return
    from redact.detect.prefilter import check_shape

    problem = check_shape(v)
    if problem:
        raise ValueError(problem)


def builtin_catalog_dir() -> Path:
    """``detectors/`` of a source checkout, else the copy installed inside the package."""
    return data_dir("detectors", "_catalog", "credit_card.yaml")


_FRAGMENT_REF = re.compile(r"\{\{([A-Za-z_]\w*)\}\}")
_FRAGMENT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def expand_fragments(text: str, fragments: Mapping[str, str]) -> str:
    """``text`` with each ``{{name}}`` replaced by ``(?:<fragment>)``; ValueError names
    an unknown fragment."""
    if "{{" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        body = fragments.get(m[1])
        if body is None:
            known = ", ".join(sorted(fragments)) or "none"
            raise ValueError(f"unknown fragment {{{{{m[1]}}}}} (known: {known})")
        return f"(?:{body})"

    return _FRAGMENT_REF.sub(one, text)


# a group of 20 or more plain words as its alternatives, not escaped: (?:shodan|finnhub|...)
_WORD_ALTERNATION = re.compile(r"(?<!\\)\((\?i?:)((?:\w+\|){19,}\w+)\)")


def factor_alternations(pattern: str) -> str:
    """``pattern`` with each group of 20 or more plain words as alternatives, written
    longest first and none shorter than 3 characters, as the tree of their shared prefixes
    (as ``(?:abc|abd|bcd)`` would be ``(?:ab(?:c|d)|bcd)``): the same words tried in the
    same order, a longer one before its own prefix, but read with one test per character
    where the regex module tried every word at every position (the 672 vendor names of
    ``api-vendor-key``: 262 µs per search of a 260-character value, 41 µs factored).
    Other groups are left as written: their order may say which word wins."""
    if "|" not in pattern:
        return pattern

    def factored(m: re.Match[str]) -> str:
        words = m[2].split("|")
        lengths = [len(w) for w in words]
        if min(lengths) < 3 or lengths != sorted(lengths, reverse=True):
            return m[0]  # (short codes, or an order that says which word is tried first)
        return f"({m[1]}{_prefix_tree(words)})"

    return _WORD_ALTERNATION.sub(factored, pattern)


def _prefix_tree(words: list[str]) -> str:
    """The regex text of ``words`` as a tree of their shared prefixes."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def written(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + written(node[ch]) for ch in sorted(k for k in node if k)]
        if not branches:
            return ""
        if "" in node:  # a word ends here: the longer ones first, then this one
            return "(?:" + "|".join(branches) + ")?"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return written(tree)


def _fragments_of(data: Any, lines: dict[Loc, int], source: str, into: dict[str, str]) -> None:
    """Add the ``fragments`` mapping of one loaded file to ``into`` (checked: names, regex
    text that compiles, no name defined twice)."""
    table = data.get("fragments") if isinstance(data, dict) else None
    if table is None:
        return
    if not isinstance(table, dict):
        line = line_of(lines, ("fragments",))
        raise CatalogError(f"{source}:{line}: 'fragments' must map names to regex text")
    for name, body in table.items():
        line = line_of(lines, ("fragments", name))
        if not isinstance(name, str) or not _FRAGMENT_NAME.match(name):
            raise CatalogError(f"{source}:{line}: fragment {name!r}: a name is lower_snake_case")
        if name in into:
            raise CatalogError(f"{source}:{line}: fragment {name!r}: defined twice")
        if not isinstance(body, str) or not body:
            raise CatalogError(f"{source}:{line}: fragment {name!r}: must be regex text")
        try:
            compile_regex(body)
        except regex.error as exc:
            raise CatalogError(f"{source}:{line}: fragment {name!r}: does not compile: {exc}") from None
        into[name] = body


@lru_cache(maxsize=1)
def _builtin_fragments() -> tuple[tuple[str, str], ...]:
    table: dict[str, str] = {}
    path = builtin_catalog_dir() / "fragments.yaml"
    if path.is_file():
        data, lines = _read_yaml(path)
        _fragments_of(data, lines, str(path), table)
    return tuple(table.items())


def builtin_fragments() -> dict[str, str]:
    """The built-in catalog's named fragments (``detectors/fragments.yaml``)."""
    return dict(_builtin_fragments())


def _expand_item(item: Any, fragments: Mapping[str, str]) -> tuple[Any, Loc, str | None]:
    """A detector mapping with ``{{name}}`` expanded in its patterns and prefilters, and
    where it failed: ``(item, field location, problem or None)``."""
    if not isinstance(item, dict):
        return item, (), None
    out = dict(item)
    try:
        if isinstance(out.get("prefilter"), str):
            out["prefilter"] = expand_fragments(out["prefilter"], fragments)
    except ValueError as exc:
        return item, ("prefilter",), str(exc)
    patterns = out.get("patterns")
    if isinstance(patterns, list):
        expanded: list[Any] = []
        for j, p in enumerate(patterns):
            field: Loc = ("patterns", j)
            try:
                if isinstance(p, str):
                    p = factor_alternations(expand_fragments(p, fragments))
                elif isinstance(p, dict):
                    p = dict(p)
                    for name in ("regex", "prefilter"):
                        if isinstance(p.get(name), str):
                            field = ("patterns", j, name)
                            p[name] = expand_fragments(p[name], fragments)
                    if isinstance(p.get("regex"), str):
                        p["regex"] = factor_alternations(p["regex"])
            except ValueError as exc:
                return item, field, str(exc)
            expanded.append(p)
        out["patterns"] = expanded
    return out, (), None


def parse_detectors(
    data: Any,
    lines: dict[Loc, int],
    source: str,
    root: Loc = (),
    fragments: Mapping[str, str] | None = None,
    builtin: bool = False,
) -> list[DetectorSpec]:
    """Validate a list of detector mappings (from a catalog file or a policy); ``{{name}}``
    in patterns and prefilters is one of ``fragments`` (default: the built-in ones).
    ``builtin``: the shipped catalog (its prefilters meet Hyperscan in the prefilter
    database, not one by one)."""
    if not isinstance(data, list):
        line = line_of(lines, root)
        raise CatalogError(f"{source}:{line}: 'detectors' must be a list of detector mappings")
    table = builtin_fragments() if fragments is None else fragments
    specs: list[DetectorSpec] = []
    for i, item in enumerate(data):
        loc: Loc = (*root, i)
        did = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
        item, where, problem = _expand_item(item, table)
        if problem is not None:
            line = line_of(lines, (*loc, *where))
            raise CatalogError(f"{source}:{line}: detector {did!r}: field {describe_loc(where)!r}: {problem}")
        try:
            specs.append(DetectorSpec.model_validate(item, context={"builtin": builtin}))
        except ValidationError as exc:
            err = exc.errors()[0]
            field_loc: Loc = tuple(err["loc"])
            field = describe_loc(field_loc) or "(detector)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                line = lines.get((*loc, *field_loc[:-1], field_loc[-1], "__key__"))
                msg = "unknown field"
            else:
                line = line_of(lines, (*loc, *field_loc))
            raise CatalogError(f"{source}:{line}: detector {did!r}: field {field!r}: {msg}") from None
    return specs


def _read_yaml(path: Path) -> tuple[Any, dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
        return load_with_lines(text)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from None
    except Exception as exc:  # yaml.YAMLError and friends
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise CatalogError(f"{path}:{line}: invalid YAML: {problem}") from None


def _read_catalog_file(path: Path) -> tuple[Any, dict[Loc, int]]:
    data, lines = _read_yaml(path)
    if not isinstance(data, dict) or not data or not set(data) <= {"detectors", "fragments"}:
        raise CatalogError(f"{path}:1: expected the top-level keys 'detectors' and/or 'fragments'")
    return data, lines


def load_detector_file(path: Path | str, fragments: Mapping[str, str] | None = None) -> list[DetectorSpec]:
    """The detectors of one catalog file; its patterns may use the built-in fragments, its
    own and ``fragments``."""
    path = Path(path)
    data, lines = _read_catalog_file(path)
    table = builtin_fragments() if fragments is None else dict(fragments)
    if path.resolve() != (builtin_catalog_dir() / "fragments.yaml").resolve():
        _fragments_of(data, lines, str(path), table)
    if "detectors" not in data:
        return []
    return parse_detectors(data["detectors"], lines, str(path), ("detectors",), table)


def load_catalog(paths: Iterable[Path] | None = None) -> list[DetectorSpec]:
    """Load and check every ``*.yaml`` under the given files/folders (default: built-in).
    Fragments defined in any of them (and the built-in ones) are known in all of them."""
    files: list[Path] = []
    for p in paths if paths is not None else [builtin_catalog_dir()]:
        p = Path(p)
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    shipped = paths is None
    builtin = (builtin_catalog_dir() / "fragments.yaml").resolve()
    loaded = [(f, *_read_catalog_file(f)) for f in files]
    table = builtin_fragments()
    for f, data, lines in loaded:
        if f.resolve() != builtin:
            _fragments_of(data, lines, str(f), table)
    specs: list[DetectorSpec] = []
    seen: dict[str, str] = {}
    for f, data, lines in loaded:
        if "detectors" not in data:
            continue
        for spec in parse_detectors(data["detectors"], lines, str(f), ("detectors",), table, shipped):
            if spec.id in seen:
                raise CatalogError(f"{f}: detector {spec.id!r}: field 'id': duplicate of {seen[spec.id]}")
            seen[spec.id] = str(f)
            specs.append(spec)
    return specs
