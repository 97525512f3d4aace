"""Policy files: which detectors run, how confident a finding must be, which key signs
fingerprints. Validated by pydantic with unknown fields rejected; errors name the
file, line and field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from redact._yaml import Loc, line_of, load_with_lines
from redact.errors import PolicyError

__all__ = ["Policy", "DetectorSelection", "NERSettings", "FingerprintSettings", "load_policy"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DetectorSelection(_Strict):
    """``enable``/``disable`` take detector ids or category names; ``custom`` holds
    detector definitions of the catalog's shape (their examples are checked at load)."""

    enable: list[str] = []
    disable: list[str] = []
    min_confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    custom: list[dict[str, Any]] = []


class NERSettings(_Strict):
    """PERSON detection through Presidio's spaCy NER: off unless enabled, needs a model."""

    enabled: bool = False
    model: str = "en_core_web_sm"
    min_score: float = Field(default=0.85, ge=0.0, le=1.0)


class FingerprintSettings(_Strict):
    """Key the fingerprints with a secret read from an environment variable or a file."""

    key_env: str | None = None
    key_file: str | None = None


class Policy(_Strict):
    version: Literal[1] = 1
    name: str = "default"
    detectors: DetectorSelection = DetectorSelection()
    ner: NERSettings = NERSettings()
    fingerprint: FingerprintSettings = FingerprintSettings()
    max_depth: int = Field(default=100, ge=1, le=10000)
    timeout_seconds: float = Field(default=2.0, gt=0.0, le=600.0)
    source: str | None = Field(default=None, exclude=True)

    def fingerprint_key(self) -> bytes | None:
        fp = self.fingerprint
        if fp.key_env:
            value = os.environ.get(fp.key_env)
            if not value:
                raise PolicyError(
                    f"{self.source or 'policy'}: field 'fingerprint.key_env': "
                    f"environment variable {fp.key_env!r} is not set"
                )
            return value.encode()
        if fp.key_file:
            try:
                return Path(fp.key_file).expanduser().read_bytes().strip()
            except OSError as exc:
                raise PolicyError(
                    f"{self.source or 'policy'}: field 'fingerprint.key_file': cannot read "
                    f"{fp.key_file}: {exc.strerror}"
                ) from None
        return None


def _field(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy file; errors read ``file:line: field 'x': problem``."""
    p = Path(path)
    try:
        data, lines = load_with_lines(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PolicyError(f"{p}: cannot read: {exc.strerror}") from None
    except Exception as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else "?"
        raise PolicyError(f"{p}:{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PolicyError(f"{p}:1: a policy is a mapping of fields")
    try:
        policy = Policy.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc: Loc = tuple(err["loc"])
        if err["type"] == "extra_forbidden":
            line = lines.get((*loc, "__key__")) or line_of(lines, loc[:-1])
            msg = "unknown field"
        else:
            line = line_of(lines, loc)
            msg = err["msg"].removeprefix("Value error, ")
        raise PolicyError(f"{p}:{line}: field {_field(loc)!r}: {msg}") from None
    policy = policy.model_copy(update={"source": str(p)})
    if policy.detectors.custom:  # check custom detectors now, with their lines
        from redact.detect.catalog import parse_detectors

        parse_detectors(policy.detectors.custom, lines, str(p), ("detectors", "custom"))
    return policy
