"""Named validators: small predicates a detector's match must pass.

A detector names its validators in the catalog; each is a function of the
candidate (the reported text, the regex match, the whole value and its key).
They are the place for structure that a regex cannot express: checksums,
number ranges, header decoding, placeholder and reference filters.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import phonenumbers

from redact.detect.keys import KeyClass, classify_key

__all__ = [
    "Candidate",
    "VALIDATORS",
    "KEY_CLASSES",
    "AUTH_SCHEMES",
    "validator",
    "is_placeholder",
    "is_reference",
    "sensitive_key",
]


@dataclass(slots=True)
class Candidate:
    """One regex match under test: ``span`` is the reported text, ``match`` the regex match."""

    span: str
    match: Any
    text: str
    start: int
    end: int
    key: str  # the leaf's key name, normalised to lower snake_case

    def before(self, n: int) -> str:
        return self.text[max(0, self.start - n) : self.start]

    def after(self, n: int) -> str:
        return self.text[self.end : self.end + n]


Validator = Callable[[Candidate], bool]
VALIDATORS: dict[str, Validator] = {}


def validator(fn: Validator) -> Validator:
    VALIDATORS[fn.__name__] = fn
    return fn


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NON_DIGIT = re.compile(r"\D+")


def _digits(s: str) -> str:
    return _NON_DIGIT.sub("", s)


# ---------------------------------------------------------------- placeholders
# A placeholder is recognised by what the whole value (or the credential part) is: a
# template, a mask, a stand-in word or a redaction output. Containing "{{" is not enough.
_TEMPLATE = re.compile(
    r"""\$\{[^{}\n]{0,256}\}+          # ${VAR}, ${{ secrets.X }}
      | \$\([^()\n]{0,256}\)          # $(command)
      | \{\{[^\n]{0,256}?\}\}         # {{ template }}
      | \{%[^\n]{0,256}?%\}           # {% template %}
      | %\([A-Za-z_]\w{0,64}\)[sd]?   # %(name)s
      | <[A-Za-z][\w .:/-]{0,64}>     # <password>, <your key>
      | \[REDACTED(?::[\w.-]{1,64})?\]  # redact's own mask output
      | tok:[A-Z_]{1,32}:[0-9a-f]{8,64}  # redact's tokenize output
      | enc:v1:[\w-]{1,64}:[A-Za-z0-9_=-]{8,}  # redact's encrypt output
    """,
    re.X,
)
_WHOLE_TEMPLATE = re.compile(
    r"""^(?:
        \$\{.*                   # ${VAR} (also truncated)
      | \$\(.*
      | \{\{.*                   # {{ template }} (also cut short by a value pattern)
      | \{%.*
      | \{[A-Za-z_][\w.]*\}      # {name} format field
      | \$[A-Za-z_][A-Za-z0-9_]*  # $VAR
      | %[A-Za-z_][A-Za-z0-9_]*%  # %VAR% (Windows)
      | \[[A-Za-z _:.-]*\]       # [REDACTED], [hidden]
      | (?:vault|ssm|secretsmanager|keyvault|op|sm|kv|gcpsm|awssm|env|secret|secrets|azurekeyvault)://?.*
      | (?:vault|ssm|env|aws-sm|gcp-sm|sm|secret|file):[A-Za-z_/.~].*
      | @Microsoft\.KeyVault\(.*
      | os\.environ.*
      | (?:os\.)?getenv\(.*
    )$""",
    re.X | re.S | re.I,
)
# a mask: a run of mask characters with at most a short visible part (sk-..., ****1234)
_MASK_RUN = re.compile(r"\*{3,}|\.{3,}|…|•{2,}|#{4,}|(?i:x){4,}|_{4,}|-{4,}")
_STAND_IN = re.compile(
    r"""^(?:
        (?:your|my|the|some|insert|enter|put|add|replace)[\s_-]*(?:own[\s_-]*)?[a-z_ -]{0,40}?
          (?:key|token|secret|password|pass|pwd|passphrase|credentials?|id|here)(?:[\s_-]*here)?
      | [a-z_ -]{0,30}(?:_|-|\s)here
      | change[\s_-]?(?:me|it|this)(?:[\s_-]?please)?\d{0,4}
      | replace[\s_-]?(?:me|this)
      | placeholder | redacted | masked | hidden | removed | omitted | secret_here | notset | not[\s_-]?set
      | todo | tbd | fixme | dummy | example | sample | test | testing | foo | bar | foobar | xxx
      | none | null | nil | empty | undefined | unknown | n/?a | -
      | password | passwd | pass | pwd | secret | token | apikey | api[_-]key | key | credential | credentials
    )$""",
    re.X | re.I,
)
# the same character (or two alternating) over and over: 1111..., aaaa..., abab...
_FILLER = re.compile(r"^(.)\1{5,}$|^(..)\2{3,}$", re.S)


def is_template_only(value: str) -> bool:
    """The value is made of template expressions and at most a few other characters."""
    rest = _TEMPLATE.sub("", value)
    return len(rest) < len(value) and sum(ch.isalnum() for ch in rest) < 4


def is_masked(value: str) -> bool:
    """``****``, ``sk-...``, ``ghp_xxxxxxxx``, ``****1234``: a mask with a short visible part."""
    runs = _MASK_RUN.findall(value)
    if not runs:
        return False
    visible = _MASK_RUN.sub("", value)
    return sum(ch.isalnum() for ch in visible) <= 8


def is_filler(value: str) -> bool:
    """Low-information stand-ins: one or two characters repeated, or under 2 bits per
    character over 12 or more characters (``1111...``, ``aaaa...``, ``abababab``)."""
    if _FILLER.match(value) or len(set(value)) <= 2 and len(value) >= 4:
        return True
    return len(value) >= 12 and shannon_entropy(value) < 2.0


def is_placeholder(value: str) -> bool:
    """True when the whole value is a template, an environment reference, a mask, a
    stand-in word (``changeme``, ``your-api-key``, ``<password>``) or a redaction output."""
    v = value.strip().strip("'\"`").strip()
    if not v:
        return True
    if _WHOLE_TEMPLATE.match(v) or _STAND_IN.match(v):
        return True
    if _TEMPLATE.fullmatch(v) or is_template_only(v):
        return True
    return is_masked(v) or is_filler(v)


@validator
def not_placeholder(c: Candidate) -> bool:
    return not is_placeholder(c.span)


def shannon_entropy(s: str) -> float:
    if not s:
        return 0.0
    n = len(s)
    log2 = math.log2
    return -sum(k / n * log2(k / n) for k in map(s.count, set(s)))


@validator
def entropy(c: Candidate) -> bool:
    """Random-looking: at least 3 bits per character, not a placeholder, and not a
    filler behind a prefix (``glc_1111...``: the part after the prefix is random too)."""
    span = c.span
    if shannon_entropy(span) < 3.0 or is_placeholder(span):
        return False
    body = re.split(r"[_-]", span, maxsplit=1)[-1] if len(span) > 12 else span
    return not (len(body) >= 12 and (is_filler(body) or shannon_entropy(body) < 2.5))


# ---------------------------------------------------------------- key names
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_SEP = re.compile(r"[^a-z0-9]+")


def normalize_key(key: str) -> str:
    """``dbPassword`` / ``db.password`` / ``DB-PASSWORD`` -> ``db_password``."""
    return _SEP.sub("_", _CAMEL.sub("_", key).lower()).strip("_")


def sensitive_key(key: str) -> bool:
    """A key that announces a credential (``db_password``, ``secrets.anthropic``), not a
    setting about one (``password_min_length``, ``max_tokens``, ``api_key_env``) and not
    lineage (``config.secrets.run_uuid``). The one key grammar of :mod:`keys`."""
    return classify_key(key) is KeyClass.CREDENTIAL


# Named key classes: predicates on a key (the raw key or flattened key path), usable in a
# detector's context.keys as "@name". Evaluated once per distinct key (the engine caches).
KEY_CLASSES: dict[str, Callable[[str], bool]] = {
    "credential": sensitive_key,
    "lineage": lambda k: classify_key(k) is KeyClass.LINEAGE,
    "email": lambda k: classify_key(k) is KeyClass.EMAIL,
    "phone": lambda k: classify_key(k) is KeyClass.PHONE,
    "ssn": lambda k: classify_key(k) is KeyClass.SSN,
    "ip": lambda k: classify_key(k) is KeyClass.IP,
}

# schemes of an Authorization header: the credential follows them
AUTH_SCHEMES = _words(
    "basic bearer token digest negotiate ntlm kerberos apikey api-key key hoba mutual "
    "vapid scram-sha-1 scram-sha-256 aws4-hmac-sha256 aws ssws mac oauth dpop gnap "
    "sharedkey sharedkeylite signature hmac jwt splunk genieacs"
)


@validator
def sensitive_name(c: Candidate) -> bool:
    """The assignment's name (the regex group ``name``: ``db_pass``, ``X-Api-Key``,
    ``--hf-token``, ``config.secrets.run_uuid``) is a credential key in the one key
    grammar, and the value is not a bare Authorization scheme word."""
    name = c.match.group("name")
    if classify_key(name) is not KeyClass.CREDENTIAL:
        return False
    return not (c.span.lower() in AUTH_SCHEMES and c.text[c.end:c.end + 1] in (" ", "\t"))


# ---------------------------------------------------------------- credential values
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")
_BOOL_NULL = _words(
    "true false yes no on off none null nil n/a na nan undefined empty required optional "
    "auto default disabled enabled"
)
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_REFERENCE = re.compile(
    r"^(?:\./|\.\./|~/|file:|arn:aws[\w-]*:|projects/[^/]+/secrets/|https?://[^@\s]*$"
    r"|[A-Za-z]:\\|\\\\[\w.-]+\\"
    r"|[\w.-]+\.(?:pem|key|json|txt|ya?ml|env|p12|pfx|crt|cer|der|jks|keystore|cfg|ini|toml|gpg|asc)$)",
    re.I,
)
_PATH = re.compile(r"^/[\w.@-]+(?:/[\w.@-]*)*$")
_RANDOM_SEGMENT = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[\w.@-]{12,}$")


def _looks_like_path(v: str) -> bool:
    """``/run/secrets/db``, not ``/o6OHn/2G2aq29clQm...`` (base64 that starts with a slash)."""
    return bool(_PATH.match(v)) and not any(_RANDOM_SEGMENT.match(p) for p in v.split("/"))


def is_reference(v: str) -> bool:
    """An environment variable name, a secret-manager path or a file path: it names a
    credential without holding one."""
    return bool(_ENV_NAME.match(v) or _REFERENCE.match(v) or _WHOLE_TEMPLATE.match(v) or _looks_like_path(v))


_HAS_DIGIT = re.compile(r"\d")
_LOWER_WORDS = re.compile(r"^[a-z](?:[a-z]|[-_ ](?=[a-z]))*$")


def credential_like(value: str) -> bool:
    """A value that is itself a credential, not a placeholder, flag, number, reference,
    filler or word."""
    v = value.strip().strip("'\"")
    if len(v) < 6 or len(v) > 8192:
        return False
    if v.lower() in _BOOL_NULL or v.lower() in AUTH_SCHEMES or _NUMBER.match(v):
        return False
    if _LOWER_WORDS.match(v) and len(v) < 16:  # "kerberos", "oauth-token", "basic"
        return False
    words = v.split()
    if len(words) >= 4 and all(w.strip(".,:;!?()").isalpha() for w in words):
        return False  # a sentence describing the secret, not the secret
    if is_placeholder(v) or is_reference(v):
        return False
    if len(v) >= 16:
        return True
    classes = (v != v.upper()) + (v != v.lower()) + (_HAS_DIGIT.search(v) is not None) + (not v.isalnum())
    return classes >= 2


# A value with structure of its own: its credential part is what the in-text grammar
# finds there (name=value pairs, a header, a URI's password), so a credential key does
# not make the whole of it a credential.
_PAIR = re.compile(r"(?:^|[;&\s,?])([A-Za-z_][\w .-]{0,40}?)[ \t]*=(?!=|$)")
_HEADER = re.compile(r"^[A-Za-z][\w-]{1,40}:[ \t]")
_URI_AUTH = re.compile(r"://[^/@\s]*:[^@\s]*@")
_SCHEME_VALUE = re.compile(r"^([A-Za-z][\w-]{1,40})[ \t]+(\S.*)$")


def structured_part(v: str) -> str | None:
    """For a value with structure, its credential part (``""`` when the in-text grammar
    decides, as for ``Server=x;Password=y``); None when the value is one token."""
    pairs = _PAIR.findall(v)
    if pairs and (len(pairs) >= 2 or classify_key(pairs[0].strip()) is KeyClass.CREDENTIAL):
        return ""
    if _HEADER.match(v) or _URI_AUTH.search(v):
        return ""
    m = _SCHEME_VALUE.match(v)
    if m and m.group(1).lower() in AUTH_SCHEMES:
        return m.group(2)
    return None


@validator
def credential_value(c: Candidate) -> bool:
    """The span is credential-like and the value around it is not a reference (an ARN or a
    secret-manager path that merely names a secret)."""
    if len(c.text) <= 512:  # bounded: a long text is never stripped or matched per candidate
        text = c.text.strip()
        whole_ref = _REFERENCE.match(text) and not text[:8].lower().startswith(("http://", "https://"))
        if is_placeholder(text) or whole_ref or _looks_like_path(text):
            return False  # the whole value is a template, a redaction output or a reference
    if c.start == 0 or (c.start <= 64 and not c.text[: c.start].strip()):  # the span is the whole value
        part = structured_part(c.span.strip())
        if part is not None:
            return bool(part) and credential_like(part)
    return credential_like(c.span)


@validator
def pem_body(c: Candidate) -> bool:
    """A PEM block carries key material: at least 16 base64 characters after the header,
    not a mask or a stand-in (``...``, ``<key>``, ``xxxx``)."""
    span = c.span
    head_end = span.find("-----", 10)
    body = span[head_end + 5 :] if head_end >= 0 else span
    end = body.find("-----END")
    if end >= 0:
        body = body[:end]
    body = body.replace("\\n", "\n")
    b64 = "".join(ch for ch in body if ch.isalnum() or ch in "+/=")
    if len(b64) < 16:
        return False
    core = "".join(ch for ch in body if not ch.isspace())
    return not (is_masked(core) or is_filler(b64) or _TEMPLATE.fullmatch(core.strip()))


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


def card_brand(d: str) -> str | None:
    """The card network whose IIN range and length fit ``d`` (digits only), if any."""
    n = len(d)
    p2, p3, p4, p6 = int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    if d[0] == "4" and n in (13, 16, 19):
        return "visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "mastercard"
    if p2 in (34, 37) and n == 15:
        return "amex"
    if (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925) and 16 <= n <= 19:
        return "discover"
    if (3528 <= p4 <= 3589 and 16 <= n <= 19) or (p4 in (1800, 2131) and n == 15):
        return "jcb"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39) or p4 == 3095) and 14 <= n <= 19:
        return "diners"
    if p2 == 62 and 16 <= n <= 19:
        return "unionpay"
    if (p4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763) or 56 <= p2 <= 58) and 12 <= n <= 19:
        return "maestro"
    return None


@validator
def card_iin(c: Candidate) -> bool:
    """Known network prefix and length; grouped forms use one separator throughout."""
    seps = {ch for ch in c.span if not ch.isdigit()}
    if len(seps) > 1:
        return False
    return card_brand(_digits(c.span)) is not None


# ---------------------------------------------------------------- SSN
@validator
def ssn(c: Candidate) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    d = _digits(c.span)
    if len(d) != 9:
        return False
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    return area not in (0, 666) and area < 900 and group != 0 and serial != 0


# ---------------------------------------------------------------- IBAN
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_ok(value: str) -> bool:
    s = value.replace(" ", "").upper()
    if _IBAN_LENGTHS.get(s[:2]) != len(s):
        return False
    rearranged = s[4:] + s[:4]
    try:
        number = int("".join(str(int(ch, 36)) for ch in rearranged))
    except ValueError:
        return False
    return number % 97 == 1


@validator
def iban(c: Candidate) -> bool:
    return iban_ok(c.span)


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


# ---------------------------------------------------------------- e-mail
_NOT_TLD = frozenset(
    [
        "json",
        "yaml",
        "yml",
        "csv",
        "tsv",
        "txt",
        "ckpt",
        "pth",
        "pkl",
        "h5",
        "hdf5",
        "onnx",
        "npz",
        "npy",
        "parquet",
        "log",
        "py",
        "sh",
        "bin",
        "pb",
        "safetensors",
        "gguf",
        "tar",
        "gz",
        "bz2",
        "xz",
        "whl",
        "egg",
        "cfg",
        "ini",
        "toml",
        "lock",
    ]
)


@validator
def email(c: Candidate) -> bool:
    """Not a URI's user part (``ssh://git@host``), a git remote (``git@host:org/repo``)
    or a file name that happens to contain ``@``."""
    if c.after(1) == ":" and not c.after(2)[1:].isspace():
        return False
    head = c.before(256)
    word = head[max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"), head.rfind('"')) + 1 :]
    scheme = word.rfind("://")
    if scheme >= 0 and not any(ch in word[scheme + 3 :] for ch in "/?#=&"):
        return False  # the user part of a URI authority; an address in a path or query counts
    tld = c.span.rsplit(".", 1)[-1].lower()
    return tld not in _NOT_TLD


# ---------------------------------------------------------------- IP addresses
_IP_KEY = re.compile(
    r"ip|host|addr|server|endpoint|gateway|dns|proxy|peer|node|master|worker|bind|listen|subnet"
    r"|cidr|client|remote|origin|nameserver|resolver|router|inet|src|dst"
)
_VERSION_KEY = re.compile(
    r"version|cudnn|cuda|driver|release|nccl|tensorrt|firmware|bios|kernel|opset|sdk"
    r"|(?:^|_)(?:lib|trt|onnx)|(?:^|_)(?:ver|build|tag|tags|revision|rev)(?:_|$)"
)
_IP_WORDS = (
    "ip",
    "host",
    "addr",
    "server",
    "endpoint",
    "gateway",
    "dns",
    "proxy",
    "peer",
    "node",
    "bind",
    "listen",
    "subnet",
    "client",
    "remote",
    "inet",
    "src",
    "dst",
)
_VERSION_WORDS = ("version", "ver ", "release", "driver", "cuda", "cudnn", "build", "==", ">=", "<=", "~=")


@lru_cache(maxsize=4096)
def _ip_key_kind(key: str) -> int:
    """1 when the key names a version, 2 when it names an address, else 0."""
    if _VERSION_KEY.search(key):
        return 1
    return 2 if _IP_KEY.search(key) else 0


@validator
def ipv4(c: Candidate) -> bool:
    """Octets 0-255 without leading zeros; not a version number (``cudnn 8.6.1.6``)."""
    parts = c.span.split(".")
    if any(len(p) > 1 and p[0] == "0" for p in parts) or any(int(p) > 255 for p in parts):
        return False
    kind = _ip_key_kind(c.key)
    if kind == 1:
        return False
    before = c.before(24).lower()
    if any(w in before for w in _VERSION_WORDS):
        return False
    if all(len(p) == 1 for p in parts):
        # 1.2.3.4-shaped: a version more often than an address unless something says "ip"
        return kind == 2 or any(w in before for w in _IP_WORDS)
    return True


@validator
def ipv6(c: Candidate) -> bool:
    s = c.span
    if s.count(":") < 2 or sum(ch.isalnum() for ch in s) < 3:
        return False
    try:
        addr = ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return not addr.is_unspecified


# ---------------------------------------------------------------- phone numbers
_PHONE_REGIONS = ("US", "GB", "DE", "FR", "IN", "AU", "CA", "JP", "BR", "ES", "IT", "NL")


@validator
def phone(c: Candidate) -> bool:
    """libphonenumber accepts the number: possible for an international (+) or North
    American number with its format as evidence; valid in some common region otherwise."""
    span = c.span
    digits = _digits(span)
    if (
        (span.startswith("+1") or not span.startswith("+"))
        and (len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"))
        and any(ch in span for ch in "()-. ")
        and digits[-10] in "23456789"
    ):
        return True  # a formatted North American number: libphonenumber calls it possible
    try:
        number = phonenumbers.parse(span, None if span.startswith("+") else "US")
    except phonenumbers.NumberParseException:
        return False
    if (
        phonenumbers.is_possible_number(number)
        and (span.startswith("+") or any(ch in span for ch in "()-. "))
        and (span.startswith("+") or len(_digits(span)) in (10, 11))
    ):
        return True
    if phonenumbers.is_valid_number(number):
        return True
    if not span.startswith(("(", "0")):  # other regions only for national formats
        return False
    for region in _PHONE_REGIONS[1:]:
        try:
            if phonenumbers.is_valid_number(phonenumbers.parse(span, region)):
                return True
        except phonenumbers.NumberParseException:
            continue
    return False


# ---------------------------------------------------------------- connection strings
_KV_CONN = re.compile(
    r"(?i)(?:^|;)\s*(?:server|data source|host|hostname|address|addr|network address|driver"
    r"|dsn|uid|user id|userid|user|username|database|initial catalog|dbname|account"
    r"|accountname|port|provider|protocol)\s*="
)


@validator
def kv_connection(c: Candidate) -> bool:
    """``Password=`` belongs to a ``key=value;`` connection string with another known key
    (looked for within 256 characters of the match, so the check stays linear in long text)."""
    near = c.text[max(0, c.start - 256) : c.end + 256]
    return bool(_KV_CONN.search(near)) and not is_placeholder(c.span)
