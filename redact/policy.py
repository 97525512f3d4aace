"""Policy files: what may be logged, what happens to each kind of sensitive value, and
which provenance fields must be present.

A policy is YAML validated by pydantic with unknown fields rejected; errors read
``file:line: field 'x': problem``. ``extends:`` names a built-in (``default``, ``strict``)
or a path (relative to the extending file). Merging is predictable: mappings merge
recursively, and any other value (a scalar or a list) in the extending file replaces the
parent's. Keys for tokenize/encrypt are references (environment variables or files),
never material; they are resolved when the policy loads.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from fnmatch import translate
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from redact._fpkey import FingerprintKey, default_key
from redact._yaml import Loc, data_dir, describe_loc, line_of, load_with_lines
from redact.actions.keyring import KeyringConfig
from redact.errors import PolicyError

__all__ = [
    "Policy",
    "DetectorSelection",
    "KeyRules",
    "TrustedKey",
    "RequiredField",
    "ActionSpec",
    "NERSettings",
    "FingerprintSettings",
    "load_policy",
    "load_policy_text",
    "policy_text",
    "builtin_policy_dir",
    "compile_key_pattern",
    "compile_format",
    "FORMATS",
]

# Named formats for trusted lineage keys and required fields.
FORMATS: dict[str, str] = {
    "git_sha": r"[0-9a-f]{7,40}",
    "git_sha_full": r"[0-9a-f]{40}",
    "sha256": r"(?:sha256:)?[0-9a-f]{64}",
    "md5": r"(?:md5:)?[0-9a-f]{32}",
    "run_id": r"[0-9a-f]{32}",
    "uuid": r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
    "docker_digest": r"(?:[\w.\-/:]+@)?sha256:[0-9a-f]{64}",
    "semver": r"v?\d+\.\d+\.\d+(?:[-+][\w.\-]+)?",
    "non_empty": r"(?s).*\S.*",
}


def compile_format(fmt: str) -> re.Pattern[str]:
    """A named format, or ``re:<regex>`` (matched against the whole value)."""
    if fmt.startswith("re:"):
        return re.compile(fmt[3:])
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (known: {', '.join(sorted(FORMATS))}, or re:<regex>)")
    return re.compile(FORMATS[fmt])


def compile_key_pattern(pattern: str) -> tuple[bool, Callable[[str], bool]]:
    r"""``(on_pointer, test)`` for a key rule.

    ``/params/*`` is a glob on the JSON pointer; ``re:^params\.`` a regex searched in the
    dotted key path; anything else a glob on the whole dotted key path (``params.*password*``).
    """
    if pattern.startswith("re:"):
        rx = re.compile(pattern[3:])
        return False, lambda s: rx.search(s) is not None
    glob = re.compile(translate(pattern))
    return pattern.startswith("/"), lambda s: glob.match(s) is not None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_patterns(v: list[str]) -> list[str]:
    for i, p in enumerate(v):
        try:
            compile_key_pattern(p)
        except re.error as exc:
            raise ValueError(f"[{i}] does not compile: {exc}") from None
    return v


def _check_values(v: list[str]) -> list[str]:
    for i, p in enumerate(v):
        if p.startswith("re:"):
            try:
                re.compile(p[3:])
            except re.error as exc:
                raise ValueError(f"[{i}] does not compile: {exc}") from None
    return v


class _KeyFormat(_Strict):
    key: str
    format: str

    @field_validator("key")
    @classmethod
    def _key(cls, v: str) -> str:
        return _check_patterns([v])[0]

    @field_validator("format")
    @classmethod
    def _format(cls, v: str) -> str:
        compile_format(v)
        return v


class TrustedKey(_KeyFormat):
    """A lineage key whose value passes unscanned when it has the expected format."""


class RequiredField(_KeyFormat):
    """A provenance field that must be present and well-formed (the lineage gate)."""

    format: str = "non_empty"
    description: str = ""


class KeyRules(_Strict):
    """Rules on key paths (dotted globs, ``/pointer`` globs or ``re:`` regexes).

    ``allow`` is the allowlist: when it is not empty, leaves whose key matches none of its
    patterns get the ``unknown`` treatment. ``deny`` patterns always act on the value
    (with ``deny_action``). ``trusted`` lineage keys skip scanning while their value has
    the expected format; otherwise they are scanned like any other.
    """

    allow: list[str] = []
    unknown: Literal["allow", "redact", "drop", "block"] = "redact"
    deny: list[str] = []
    deny_action: Literal["mask", "tokenize", "encrypt", "drop", "block"] = "mask"
    trusted: list[TrustedKey] = []

    @field_validator("allow", "deny")
    @classmethod
    def _patterns(cls, v: list[str]) -> list[str]:
        return _check_patterns(v)


class DetectorSelection(_Strict):
    """``enable``/``disable`` take detector ids or category names; ``custom`` holds
    detector definitions of the catalog's shape (their examples are checked at load);
    ``allowed_values`` (exact text, or ``re:<regex>`` matched against the detected text)
    win over detection. ``phone_region`` (an ISO 3166-1 alpha-2 code libphonenumber
    knows, e.g. ``DE``) makes national phone formats of that region detectable."""

    enable: list[str] = []
    disable: list[str] = []
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    allowed_values: list[str] = []
    # report values that providers publish as documentation examples (AKIAIOSFODNN7EXAMPLE)
    report_vendor_examples: bool = False
    custom: list[dict[str, Any]] = []
    phone_region: str | None = None

    @field_validator("allowed_values")
    @classmethod
    def _values(cls, v: list[str]) -> list[str]:
        return _check_values(v)

    @field_validator("phone_region")
    @classmethod
    def _region(cls, v: str | None) -> str | None:
        if v is None:
            return v
        import phonenumbers

        region = v.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ValueError(
                f"unknown region {v!r}: expected an ISO 3166-1 alpha-2 code that libphonenumber "
                "supports (e.g. DE, FR, GB, IN)"
            )
        return region

    def detection_options(self) -> dict[str, Any]:
        """The options the detection engine hands to validators."""
        return {"phone_region": self.phone_region} if self.phone_region else {}


class ActionSpec(_Strict):
    """One action with its parameters (validated against the action's own model)."""

    action: str
    params: dict[str, Any] = {}

    @model_validator(mode="before")
    @classmethod
    def _from_short_forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"action": data}
        if isinstance(data, dict) and "params" not in data:
            rest = {k: v for k, v in data.items() if k != "action"}
            return {"action": data.get("action"), "params": rest}
        return data

    @model_validator(mode="after")
    def _params_valid(self) -> ActionSpec:
        from redact.actions import params_model

        params_model(self.action).model_validate(self.params)
        return self


class NERSettings(_Strict):
    """PERSON detection through Presidio's spaCy NER: off unless enabled, needs a model."""

    enabled: bool = False
    model: str = "en_core_web_sm"
    min_score: float = Field(default=0.85, ge=0.0, le=1.0)


class FingerprintSettings(_Strict):
    """Key the fingerprints with a secret read from an environment variable or a file
    (default: the project key, ``REDACT_FINGERPRINT_KEY`` or a file in the user's
    configuration folder; see :mod:`redact._fpkey`)."""

    key_env: str | None = None
    key_file: str | None = None


class ArtifactSettings(_Strict):
    """How text artifacts (files logged to a tracker) are redacted.

    Line formats (text, logs, ``.env``, INI, TOML, CSV, JSONL, ...) stream line by line
    whatever their size. Structured formats (JSON, YAML, notebooks) are parsed whole, so
    their keys give context, up to ``max_bytes``; above it ``over_cap`` decides: ``text``
    redacts them line by line like any text file, ``block`` refuses the upload, ``pass``
    uploads them unchanged (an explicit opt-out)."""

    max_bytes: int = Field(default=64 * 1024 * 1024, ge=0)
    over_cap: Literal["text", "block", "pass"] = "text"
    max_line_bytes: int = Field(default=1024 * 1024, ge=1024)


class Policy(_Strict):
    version: Literal[1] = 1
    name: str = "default"
    description: str = ""
    extends: str | None = None
    summary: Literal["silent", "info", "debug"] = "info"
    on_error: Literal["mask", "block"] = "mask"
    keys: KeyRules = KeyRules()
    detectors: DetectorSelection = DetectorSelection()
    actions: dict[str, ActionSpec] = {"default": ActionSpec(action="mask")}
    keyring: KeyringConfig | None = None
    required: list[RequiredField] = []
    ner: NERSettings = NERSettings()
    fingerprint: FingerprintSettings = FingerprintSettings()
    artifacts: ArtifactSettings = ArtifactSettings()
    max_depth: int = Field(default=100, ge=1, le=10000)
    timeout_seconds: float = Field(default=2.0, gt=0.0, le=600.0)
    _source: str | None = PrivateAttr(default=None)

    @property
    def source(self) -> str | None:
        """The file this policy was loaded from (None when built in code)."""
        return self._source

    @field_validator("actions")
    @classmethod
    def _actions(cls, v: dict[str, ActionSpec]) -> dict[str, ActionSpec]:
        for target in v:
            if target != "default" and not re.match(r"^(?:[A-Z][A-Z0-9_]*|[a-z0-9][a-z0-9-]*)$", target):
                raise ValueError(f"{target!r} is neither 'default', a CATEGORY nor a detector-id")
        if "default" not in v:
            v = {**v, "default": ActionSpec(action="mask")}
        return v

    def fingerprint_key(self) -> bytes:
        """The key of every fingerprint: the one the policy names, else the project key
        (:mod:`redact._fpkey`). Fingerprints are never unkeyed."""
        return self.fingerprint_key_info().key

    def fingerprint_key_info(self) -> FingerprintKey:
        fp = self.fingerprint
        if fp.key_env:
            value = os.environ.get(fp.key_env)
            if not value:
                raise PolicyError(
                    f"{self.source or 'policy'}: field 'fingerprint.key_env': "
                    f"environment variable {fp.key_env!r} is not set"
                )
            return FingerprintKey(value.encode(), "policy", f"environment variable {fp.key_env}")
        if fp.key_file:
            path = Path(fp.key_file).expanduser()
            base = self.base_dir()
            if not path.is_absolute() and base is not None and not path.exists():
                path = base / path
            try:
                key = path.read_bytes().strip()
            except OSError as exc:
                raise PolicyError(
                    f"{self.source or 'policy'}: field 'fingerprint.key_file': cannot read "
                    f"{fp.key_file}: {exc.strerror}"
                ) from None
            if not key:
                raise PolicyError(f"{self.source or 'policy'}: field 'fingerprint.key_file': {path} is empty")
            return FingerprintKey(key, "policy", f"file {path}")
        return default_key()

    def base_dir(self) -> Path | None:
        return Path(self.source).resolve().parent if self.source else None


def builtin_policy_dir() -> Path:
    """``policies/`` of a source checkout, else the copy installed inside the package."""
    return data_dir("policies", "_policies", "default.yaml")


def _read(path: Path) -> tuple[dict[str, Any], dict[Loc, int]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror}") from None
    return _parse(text, str(path))


def _parse(text: str, where: str) -> tuple[dict[str, Any], dict[Loc, int]]:
    try:
        data, lines = load_with_lines(text)
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise PolicyError(f"{where}:{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{where}:1: a policy is a mapping of fields")
    return data, lines


def _validate(path: Path | str, data: dict[str, Any], lines: dict[Loc, int]) -> Policy:
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc: Loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            line = lines.get((*loc, "__key__")) or line_of(lines, loc[:-1])
            msg = "unknown field"
        else:
            line = line_of(lines, loc)
            msg = err["msg"].removeprefix("Value error, ")
        raise PolicyError(f"{path}:{line}: field {describe_loc(loc)!r}: {msg}") from None


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in child.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _resolve(path: Path, chain: tuple[Path, ...]) -> dict[str, Any]:
    """The raw mapping of ``path`` merged over everything it extends (each file checked)."""
    if path in chain:
        raise PolicyError(f"{path}:1: field 'extends': cycle through {' -> '.join(map(str, chain))}")
    data, lines = _read(path)
    return _extend(path, data, lines, path.parent, (*chain, path))


def _extend(
    where: Path | str, data: dict[str, Any], lines: dict[Loc, int], base: Path, chain: tuple[Path, ...]
) -> dict[str, Any]:
    """``data`` (checked on its own) merged over the policy its ``extends`` names, a
    built-in or a path relative to ``base``."""
    policy = _validate(where, data, lines)  # every file of the chain is valid on its own
    if policy.detectors.custom:
        from redact.detect.catalog import parse_detectors

        parse_detectors(policy.detectors.custom, lines, str(where), ("detectors", "custom"))
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if "/" in parent or parent.endswith((".yaml", ".yml")):
        target = (base / parent).resolve()
    else:
        target = builtin_policy_dir() / f"{parent}.yaml"
        if not target.is_file():
            known = ", ".join(sorted(p.stem for p in builtin_policy_dir().glob("*.yaml")))
            line = lines.get(("extends",))
            raise PolicyError(
                f"{where}:{line}: field 'extends': unknown built-in policy {parent!r} "
                f"(built-in: {known}; use a path for a file)"
            )
    return _merge(_resolve(target, chain), data)


def load_policy(path: str | os.PathLike[str], *, resolve_keys: bool = True) -> Policy:
    """Read, merge (``extends``) and validate a policy file, or a built-in by name.

    With ``resolve_keys`` (the default) the keys it references must be readable now: a
    policy that needs a missing key fails to load.
    """
    p = Path(path)
    if not p.suffix and not p.exists() and (builtin_policy_dir() / f"{p}.yaml").is_file():
        p = builtin_policy_dir() / f"{p}.yaml"
    merged = _resolve(p.resolve() if p.exists() else p, ())
    policy = Policy.model_validate(merged)
    policy._source = str(p)
    if resolve_keys:
        from redact.actions.keyring import Keyring

        Keyring.load(policy.keyring, source=str(p), base_dir=policy.base_dir())
        if policy.fingerprint.key_env or policy.fingerprint.key_file:
            policy.fingerprint_key()
    return policy


def load_policy_text(
    text: str,
    *,
    source: str = "<policy text>",
    base_dir: str | os.PathLike[str] | None = None,
    resolve_keys: bool = True,
) -> Policy:
    """A policy from YAML (or JSON) text, checked as :func:`load_policy` checks a file.

    ``source`` names it in error messages; ``extends`` and relative key files are resolved
    against ``base_dir`` (default: the working folder).
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    data, lines = _parse(text, source)
    policy = Policy.model_validate(_extend(source, data, lines, base, ()))
    policy._source = source
    if resolve_keys:
        from redact.actions.keyring import Keyring

        Keyring.load(policy.keyring, source=source, base_dir=base)
        policy.fingerprint_key()
    return policy


def policy_text(policy: Policy) -> str:
    """``policy`` as self-contained JSON text for :func:`load_policy_text`: ``extends``
    already merged, key files as absolute paths. It holds key references, never keys."""
    data = policy.model_dump(mode="json", exclude={"extends"})
    base = policy.base_dir()
    ring = data.get("keyring") or {}
    refs = [ring.get("tokenize")] + list(((ring.get("encrypt") or {}).get("keys") or {}).values())
    for ref in refs:
        if ref and ref.get("file"):
            path = Path(ref["file"]).expanduser()
            ref["file"] = str(path if path.is_absolute() or base is None else (base / path).resolve())
    fp = data.get("fingerprint") or {}
    if fp.get("key_file"):
        fp["key_file"] = str(Path(fp["key_file"]).expanduser().resolve())
    return json.dumps(data, sort_keys=True, separators=(",", ":"))
