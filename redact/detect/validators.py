"""Named validators: small predicates a detector's match must pass.

A detector names its validators in the catalog; each is a function of the
candidate (the reported text, the regex match, the whole value and its key).
They are the place for structure that a regex cannot express: checksums,
number ranges, header decoding, placeholder and reference filters.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = ["Candidate", "VALIDATORS", "KEY_CLASSES", "validator", "is_placeholder", "sensitive_key"]


@dataclass(slots=True)
class Candidate:
    """One regex match under test: ``span`` is the reported text, ``match`` the regex match."""

    span: str
    match: Any
    text: str
    start: int
    end: int
    key: str  # the leaf's key name, normalised to lower snake_case
    options: Mapping[str, Any] | None = None  # the engine's detection options (phone_region)

    def before(self, n: int) -> str:
        return self.text[max(0, self.start - n) : self.start]

    def after(self, n: int) -> str:
        return self.text[self.end : self.end + n]


Validator = Callable[[Candidate], bool]
VALIDATORS: dict[str, Validator] = {}


def validator(fn: Validator) -> Validator:
    VALIDATORS[fn.__name__] = fn
    return fn


def _digits(s: str) -> str:
    return "".join(ch for ch in s if ch.isdigit())


# ---------------------------------------------------------------- placeholders
_PLACEHOLDER = re.compile(
    r"""^(?:
        \$\{.*                   # ${VAR}, ${{ secrets.X }} (and truncated ones)
      | \$\(.*                   # $(command)
      | \$[A-Za-z_][A-Za-z0-9_]*  # $VAR
      | \{\{.*                   # {{ template }}
      | \{%.*                    # {% template %}
      | \{[A-Za-z_][\w.]*\}      # {name} format field
      | %\([^)]*\)s?             # %(name)s
      | <[^<>]*>?                # <password>
      | \[[A-Za-z _-]*\]        # [REDACTED]
      | (.)\1{2,}               # **** / xxxx / ....
      | (?:vault|ssm|secretsmanager|keyvault|op|sm|kv|gcpsm|awssm|env|secret|secrets)://?.*
      | (?:vault|ssm|env|aws-sm|gcp-sm):[A-Za-z_/].*
      | os\.environ.*
      | (?:enc:v[12]|tok):.*     # redact's own encrypt / tokenize output
    )$""",
    re.X | re.S,
)
_PLACEHOLDER_WORDS = re.compile(
    r"redacted|masked|placeholder|changeme|change_me|your[_-]|xxxx|\*\*\*|hidden|secret_here"
    r"|_here$|^password$|^passwd$|^pass$|^secret$|^token$|^dummy$|^none$|^null$",
    re.I,
)
_EMBEDDED_PLACEHOLDER = re.compile(r"\$\{|\{\{|\{%|%\(\w+\)|\*{4}|<redacted>|\[redacted\]", re.I)


def is_placeholder(value: str) -> bool:
    """True for template markers, environment references and masked values."""
    v = value.strip().strip("'\"")
    if not v:
        return True
    return bool(_PLACEHOLDER.match(v) or _PLACEHOLDER_WORDS.search(v))


@validator
def not_placeholder(c: Candidate) -> bool:
    return not is_placeholder(c.span)


def shannon_entropy(s: str) -> float:
    if not s:
        return 0.0
    n = len(s)
    return -sum(k / n * math.log2(k / n) for k in Counter(s).values())


@validator
def entropy(c: Candidate) -> bool:
    """Random-looking: at least 3 bits per character and not one repeated character."""
    return shannon_entropy(c.span) >= 3.0 and not is_placeholder(c.span)


# ---------------------------------------------------------------- key names
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEP = re.compile(r"[^a-z0-9]+")


def normalize_key(key: str) -> str:
    """``dbPassword`` / ``db.password`` / ``DB-PASSWORD`` -> ``db_password``."""
    return _SEP.sub("_", _CAMEL.sub("_", key).lower()).strip("_")


_SENSITIVE = re.compile(
    r"(?:^|_)(?:password|passwd|passwrd|pwd|passphrase|pass|secret|secrets|token|tokens"
    r"|credential|credentials|creds|apikey|api_?key|api_?token|auth|authorization|bearer"
    r"|(?:private|secret|access|signing|encryption|master|hmac|client|app|account|storage"
    r"|service|license|session|webhook|deploy|ssh|gpg)_?key|sas|sas_token|connection_?string"
    r"|conn_?str|dsn)(?:_|$)"
)
_NOT_SENSITIVE = re.compile(
    r"(?:^|_)(?:max|min|num|n|count|length|len|size|limit|type|kind|name|names|file|files|path"
    r"|dir|url|uri|endpoint|host|env|var|variable|ref|prefix|suffix|field|header|scheme|method"
    r"|mode|policy|rotation|expiry|expires|expiration|ttl|timeout|enabled|enable|required"
    r"|provider|manager|store|tokenizer|vocab|pad|eos|bos|unk|sep|cls|mask|special|embedding"
    r"|embeddings|budget|rate|per|position|positions|strength|format|version|length_min"
    r"|id|ids|index|idx|hash|usage|used|total|dropout|location|arn|description|desc|help"
    r"|label|regex|pattern|level|source|backend|algorithm|algo|bits|cache|digest|checksum"
    r"|fingerprint|sha|sha1|sha256|md5|commit)(?:_|$)"
)


@lru_cache(maxsize=8192)
def sensitive_key(normalized_key: str) -> bool:
    """A key name that announces a credential (``db_password``), not a setting about one
    (``password_min_length``, ``max_tokens``, ``api_key_env``, ``token_limit``)."""
    return bool(_SENSITIVE.search(normalized_key)) and not _NOT_SENSITIVE.search(normalized_key)


# Named key classes: predicates on a normalised key name, usable in a detector's
# context.keys as "@name". Evaluated once per distinct key (the engine caches them).
KEY_CLASSES: dict[str, Callable[[str], bool]] = {"credential": sensitive_key}


@validator
def sensitive_name(c: Candidate) -> bool:
    """The assignment's left side (the regex group ``name``, extended left over name
    characters: ``db_password``, ``max_tokens``) is a sensitive key name."""
    start = c.match.start("name")
    text = c.text
    while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_.-"):
        start -= 1
    return sensitive_key(normalize_key(text[start : c.match.end("name")]))


# ---------------------------------------------------------------- credential values
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_BOOL_NULL = frozenset(
    [
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "none",
        "null",
        "nil",
        "n/a",
        "na",
        "nan",
        "undefined",
        "empty",
        "required",
        "optional",
        "auto",
        "default",
        "disabled",
        "enabled",
    ]
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_REFERENCE = re.compile(
    r"^(?:\./|\.\./|~/|file:|arn:aws[\w-]*:|projects/[^/]+/secrets/|https?://[^@\s]*$"
    r"|[\w.-]+\.(?:pem|key|json|txt|ya?ml|env|p12|pfx|crt|cer|der|jks|keystore|cfg|ini|toml)$)",
    re.I,
)
_PATH = re.compile(r"^/[\w.@-]+(?:/[\w.@-]*)*$")
_RANDOM_SEGMENT = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[\w.@-]{12,}$")


def _looks_like_path(v: str) -> bool:
    """``/run/secrets/db``, not ``/o6OHn/2G2aq29clQm...`` (base64 that starts with a slash)."""
    return bool(_PATH.match(v)) and not any(_RANDOM_SEGMENT.match(p) for p in v.split("/"))


_LOWER_WORDS = re.compile(r"^[a-z]+(?:[-_ ][a-z]+)*$")


def credential_like(value: str) -> bool:
    """A value that is itself a credential, not a placeholder, flag, number, reference or word."""
    v = value.strip().strip("'\"")
    if len(v) < 6 or len(v) > 4096:
        return False
    if v.lower() in _BOOL_NULL or _NUMBER.match(v) or is_placeholder(v):
        return False
    if _EMBEDDED_PLACEHOLDER.search(v):  # a template with a placeholder for its secret part
        return False
    if _ENV_NAME.match(v) or _REFERENCE.match(v) or _looks_like_path(v):
        return False
    if len(v.split()) >= 4:  # a sentence describing the secret, not the secret
        return False
    if _LOWER_WORDS.match(v) and len(v) < 16:  # "kerberos", "oauth-token", "basic"
        return False
    classes = (
        any(ch.islower() for ch in v)
        + any(ch.isupper() for ch in v)
        + any(ch.isdigit() for ch in v)
        + any(not ch.isalnum() for ch in v)
    )
    return classes >= 2 or len(v) >= 16


@validator
def credential_value(c: Candidate) -> bool:
    """The span is credential-like and the value around it is not a reference (an ARN or a
    secret-manager path that merely names a secret)."""
    text = c.text.strip()
    if len(text) <= 512 and (is_placeholder(text) or _REFERENCE.match(text) or _looks_like_path(text)):
        return False  # the whole value is a template, a redaction output or a reference
    return credential_like(c.span)


# ---------------------------------------------------------------- cards
def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


@validator
def luhn(c: Candidate) -> bool:
    return luhn_ok(_digits(c.span))


# ---------------------------------------------------------------- SSN
@validator
def ssn(c: Candidate) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    d = _digits(c.span)
    if len(d) != 9:
        return False
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


# ---------------------------------------------------------------- GitHub
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


@validator
def github_crc32(c: Candidate) -> bool:
    """Classic GitHub tokens end in the base62 CRC32 of their 30 random characters."""
    body = c.span[4:]
    return len(body) == 36 and base62(zlib.crc32(body[:30].encode()), 6) == body[30:]


# ---------------------------------------------------------------- JWT
def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@validator
def jwt_header(c: Candidate) -> bool:
    """The first segment decodes to a JSON object naming an ``alg`` or ``typ``."""
    try:
        header = json.loads(_b64url(c.span.split(".", 1)[0]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and ("alg" in header or "typ" in header)


@validator
def basic_auth(c: Candidate) -> bool:
    """A ``Basic`` credential decodes to ``user:password``; other schemes pass."""
    scheme = c.match.groupdict().get("scheme") or ""
    if scheme.lower() != "basic":
        return not is_placeholder(c.span)
    try:
        decoded = base64.b64decode(c.span + "=" * (-len(c.span) % 4), validate=True).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return ":" in decoded and not is_placeholder(decoded.split(":", 1)[1])
