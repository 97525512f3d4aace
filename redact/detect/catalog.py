"""The detector catalog: declarative detector definitions, validated when loaded.

Each YAML file in ``detectors/`` holds ``detectors: [...]``; a definition names its
id, category, patterns, prefilter keywords or shape, key-context rules, validator
names and its own positive and negative examples. A malformed definition fails
loading with ``file:line: detector 'id': field 'x': problem``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from redact._yaml import Loc, data_dir, describe_loc, line_of, load_with_lines
from redact.detect import connstr as _connstr  # noqa: F401  (registers its validators)
from redact.detect import pii as _pii  # noqa: F401  (registers its validators)
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
                regex.compile(pattern)
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
    examples: Examples

    @model_validator(mode="before")
    @classmethod
    def _pattern_mappings(cls, data: Any) -> Any:
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
                    _check_prefilter(gate)
                except ValueError as exc:
                    raise ValueError(f"patterns[{i}].prefilter: {exc}") from None
            gates.append(gate)
        return {**data, "patterns": regexes, "pattern_prefilters": gates, "pattern_fallbacks": fallbacks}

    @field_validator("patterns")
    @classmethod
    def _patterns_compile(cls, v: list[str]) -> list[str]:
        for i, pattern in enumerate(v):
            try:
                regex.compile(pattern)
            except regex.error as exc:
                raise ValueError(f"patterns[{i}] does not compile: {exc}") from None
        return v

    @field_validator("prefilter")
    @classmethod
    def _prefilter_compiles(cls, v: str | None) -> str | None:
        if v is not None:
            _check_prefilter(v)
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


def _check_prefilter(v: str) -> None:
    """A prefilter is a plain regex that Python and Hyperscan (when installed) compile."""
    if regex.search(r"\(\?<?[=!]|\\[1-9]", v):
        raise ValueError("a prefilter is a plain regex: no lookaround or backreference")
    if regex.search(r"\(\?[aiLmsux]+\)", v):
        raise ValueError("a prefilter sets flags for a group only, as (?i:...), not (?i)")
    try:
        re.compile(v)
    except re.error as exc:
        raise ValueError(f"does not compile: {exc}") from None
    from redact.detect.prefilter import check_shape

    problem = check_shape(v)
    if problem:
        raise ValueError(problem)


def builtin_catalog_dir() -> Path:
    """``detectors/`` of a source checkout, else the copy installed inside the package."""
    return data_dir("detectors", "_catalog", "credit_card.yaml")


def parse_detectors(data: Any, lines: dict[Loc, int], source: str, root: Loc = ()) -> list[DetectorSpec]:
    """Validate a list of detector mappings (from a catalog file or a policy)."""
    if not isinstance(data, list):
        line = line_of(lines, root)
        raise CatalogError(f"{source}:{line}: 'detectors' must be a list of detector mappings")
    specs: list[DetectorSpec] = []
    for i, item in enumerate(data):
        loc: Loc = (*root, i)
        did = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
        try:
            specs.append(DetectorSpec.model_validate(item))
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


def load_detector_file(path: Path | str) -> list[DetectorSpec]:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data, lines = load_with_lines(text)
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read: {exc.strerror}") from None
    except Exception as exc:  # yaml.YAMLError and friends
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise CatalogError(f"{path}:{line}: invalid YAML: {problem}") from None
    if not isinstance(data, dict) or set(data) != {"detectors"}:
        raise CatalogError(f"{path}:1: expected one top-level key 'detectors'")
    return parse_detectors(data["detectors"], lines, str(path), ("detectors",))


def load_catalog(paths: Iterable[Path] | None = None) -> list[DetectorSpec]:
    """Load and check every ``*.yaml`` under the given files/folders (default: built-in)."""
    files: list[Path] = []
    for p in paths if paths is not None else [builtin_catalog_dir()]:
        p = Path(p)
        files.extend(sorted(p.glob("*.yaml")) if p.is_dir() else [p])
    specs: list[DetectorSpec] = []
    seen: dict[str, str] = {}
    for f in files:
        for spec in load_detector_file(f):
            if spec.id in seen:
                raise CatalogError(f"{f}: detector {spec.id!r}: field 'id': duplicate of {seen[spec.id]}")
            seen[spec.id] = str(f)
            specs.append(spec)
    return specs
