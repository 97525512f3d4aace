"""Named validators: small predicates a detector's match must pass.

A detector names its validators in the catalog; each is a function of the
candidate (the reported text, the regex match, the whole value and its key).
They are the place for structure that a regex cannot express: checksums,
number ranges, header decoding, placeholder and reference filters.
"""

from __future__ import annotations

import ast
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

import regex

from redact.detect.keys import (
    KeyClass,
    classify_key,
    classify_words,
    credential_from_parent,
    is_bare_key,
    key_words,
    last_key_word,
    names_unknown_holder,
    split_segments,
    token_word_name,
    weak_credential_name,
)
from redact.leaves import SIBLING_CONTEXT, context_key

__all__ = [
    "Candidate",
    "VALIDATORS",
    "KEY_CLASSES",
    "AUTH_SCHEMES",
    "validator",
    "is_placeholder",
    "is_reference",
    "name_before",
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
    options: Mapping[str, Any] | None = None  # the engine's detection options (phone_region)
    # the leaf's key is a credential only because a parent names one (secrets.anthropic)
    from_parent: bool = False
    # the leaf's whole key where it names a holder the grammar does not know (acmeiot.key)
    holder: str = ""

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
# The opening brace of a format field ``{name}``, not of a braced random value (ODBC quotes
# a password in braces: ``PWD={Zq8mK2pLx9}``): a name with lower case, upper case and
# digits over 8 characters or more is a value. Shared by every template grammar.
FIELD_OPEN = r"\{(?!(?=[\w.]*?[a-z])(?=[\w.]*?[A-Z])(?=[\w.]*?\d)[\w.]{8,}\})"
# A placeholder is recognised by what the whole value (or the credential part) is: a
# template, a mask, a stand-in word or a redaction output. Containing "{{" is not enough.
_TEMPLATE = re.compile(
    r"""\$\{(?=[ \t]*[#!]?[A-Za-z_][\w.-]*[}:=?+\#%/^,@\[(\ \t|!*-]|[0-9@*\#?$!]\})[^{}\n]{0,256}\}+
                                    # ${VAR}, ${VAR:-x}, ${#VAR}, ${cfg.key}, ${file("x")}:
                                    # a name, then the end or an operator (${e]x...} is none)
      | \$\([^()\n]{0,256}\)          # $(command)
      | \{\{(?![^\n]{0,256}?\|[ \t]*default\b[ \t]*\(?[ \t]*["'][^"'\s])[^{}\n]{0,256}?\}\}
                                    # {{ template }} (no brace inside: {{h}o)...}} is none),
                                    # not one with a literal default; ${{ secrets.X }} too
      | \{%[^\n]{0,256}?%\}           # {% template %}
      | <%[=-]?[ \t][^%\n]{0,256}?[ \t]-?%>  # <%= expr %>: ERB, EJS, JSP and ASP tags
      | %\([A-Za-z_]\w{0,64}\)[sd]?   # %(name)s
      | """
    + FIELD_OPEN
    + r"""[A-Za-z_]\w{0,64}(?:\.\w{1,64}|\([^(){}\n]{0,64}\)|\[[^\[\]{}\n]{0,64}\]){0,8}
        (?:![rsa])?(?::(?![^{}\n%]*?[A-Za-z]{3})[^{}\n]{0,32})?\}
                                      # {name}, {cfg.user!r}, {self.token()}: a format
                                      # field (a spec has no word, but in a strftime
                                      # format: {password: Zq8mK2pLx9} is a YAML mapping)
      | %[sdr](?![A-Za-z0-9])         # %s: a printf-style field
      | </?[A-Za-z][\w .:/-]{0,64}>   # <password>, <your key>, </doc>
      | <\|[\w .:/-]{1,64}\|>          # <|image_pad|>: a tokenizer's special-token markup
      | \[REDACTED(?::[\w.-]{1,64})?\]  # redact's own mask output
      | tok:[A-Z_]{1,32}:[0-9a-f]{8,64}  # redact's tokenize output
      | enc:v[12]:[\w-]{1,64}:[A-Za-z0-9_=-]{8,}~?  # redact's encrypt output
    """,
    re.X,
)
_WHOLE_TEMPLATE = re.compile(
    r"""^(?:
        \$\{.*                   # ${VAR} (also truncated)
      | \$\(.*
      | \{\{(?!.*\|[ \t]*default\b[ \t]*\(?[ \t]*["'][^"'\s]).*
                                 # {{ template }} (also cut short by a value pattern), not
                                 # one with a literal default ({{ pw | default('v') }})
      | \{%.*
      | """
    + FIELD_OPEN
    + r"""[A-Za-z_][\w.]*\}  # {name}: a format field
      | \$[A-Za-z_][A-Za-z0-9_]*\$?  # $VAR, and $VAR$ (Visual Studio's and JetBrains' templates)
      | %[A-Za-z_][A-Za-z0-9_]*%  # %VAR% (Windows)
      | \{(?:env|file):[^{}\s]{1,256}\}  # {env:VAR}, {file:path}: a configuration's reference
      | @[A-Za-z_][\w.-]*@       # @VAR@: CMake's configure_file, autoconf, Maven's filtering
      | (?-i:__[A-Z][A-Z0-9_]*__)  # __VAR__ (upper-case): a token a release pipeline replaces
      | \[[A-Za-z _:.-]*\]       # [REDACTED], [hidden]
      | \{[A-Za-z][A-Za-z _:.-]*\s[A-Za-z _:.-]*\}  # {JSON STRING WITH CREDENTIALS}: words in braces
      | (?:vault|ssm|secretsmanager|keyvault|op|sm|kv|gcpsm|awssm|env|secret|secrets|azurekeyvault)://?.*
      | (?:vault|ssm|env|aws-sm|gcp-sm|sm|secret|file):[A-Za-z_/.~].*
      | @Microsoft\.KeyVault\(.*
      | (?:os\.environ|(?:os\.)?getenv\()
        (?!.*(?:[^=!<>]=[^=]|(?:,|\|\||\?\?|\?:|\bor\b)[ \t]*[@bBuU]?["'`])).*
                                 # a lookup, not an assignment of a literal or a literal
                                 # default (an argument, or after or / || / ?? / ?:)
      | (?:enc:v[12]|tok):.*     # redact's own encrypt / tokenize output
      | <<[-~<]?[ \t]*["']?[A-Za-z_]\w*["']?[ \t]*;?
                                 # a here-document's opener: its lines follow
    )$""",
    re.X | re.S | re.I,
)
# a mask: a run of mask characters with at most a short visible part (sk-..., ****1234)
_MASK_RUN = re.compile(r"\*{3,}|\.{3,}|…|•{2,}|#{4,}|(?i:x){4,}|_{4,}|-{4,}")
# the shortest run of each kind: where none occurs, there is nothing to search for
_MASK_SEEDS = ("***", "...", "…", "••", "####", "____", "----")
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
    if not any(seed in value for seed in _MASK_SEEDS) and "xxxx" not in value.lower():
        return False
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


@lru_cache(maxsize=32)  # several validators ask about the same value in a row
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


_COUNT_LOG = [0.0] + [k * math.log2(k) for k in range(1, 4097)]  # k * log2(k), looked up


def shannon_entropy(s: str) -> float:
    """Bits per character: ``log2(n) - sum(k * log2(k)) / n`` over the characters' counts."""
    n = len(s)
    if not n:
        return 0.0
    if n > 4096:
        return math.log2(n) - sum(k * math.log2(k) for k in map(s.count, set(s))) / n
    # (Counter is quicker for short strings, str.count over distinct characters for long)
    counts = Counter(s).values() if n <= 128 else map(s.count, set(s))
    return max(0.0, math.log2(n) - sum(map(_COUNT_LOG.__getitem__, counts)) / n)


def random_bits(s: str) -> float:
    """Bits per character of ``s`` as a sample of a random source. For hex (one case) the
    plug-in entropy with the Miller-Madow correction, ``(distinct - 1) / (2 n ln 2)``: a few
    draws from 16 digits cannot show them all, so 32 random hex digits give 3.61 bits on
    average, not 4, and 2% of them fall under 3.3 (15% of 24 digits); corrected, they sit
    near their source's 4 bits, while a repeated pattern (``deadbeefdeadbeef``) stays far
    below. The same for letters of one case with digits, at least 4 letters and 2 digits
    (``q7x0...``: 5.6% of 16 random ones fell under the bar, 1.7% now). Mixed-case
    alphabets are wide enough for the plain figure, which also keeps names built of words
    (``CreateSourceServerForDrs``) under the bar. Hex in dashed groups (a UUID) is judged
    by its digits."""
    if _ONE_CASE_HEX.fullmatch(s):
        s = s.replace("-", "")  # (a UUID's groups: the digits are the sample)
    elif not (_ONE_CASE_ALNUM.fullmatch(s) and _letters_and_digits(s)):
        return shannon_entropy(s)
    return shannon_entropy(s) + (len(set(s)) - 1) / (2 * len(s) * _LN2)


def _letters_and_digits(s: str) -> bool:
    digits = sum(ch.isdigit() for ch in s)
    return digits >= 2 and len(s) - digits >= 4


_ONE_CASE_HEX = re.compile(r"[0-9a-f]+(?:-[0-9a-f]+)*|[0-9A-F]+(?:-[0-9A-F]+)*")
_ONE_CASE_ALNUM = re.compile(r"[0-9a-z]+|[0-9A-Z]+")
_LN2 = math.log(2)


@validator
def entropy(c: Candidate) -> bool:
    """Random-looking: at least 3 bits per character, not a placeholder, and not a
    filler behind a prefix (``glc_1111...``: the part after the prefix is random too)."""
    span = c.span
    if shannon_entropy(span) < 3.0 or is_placeholder(span):
        return False
    body = re.split(r"[_-]", span, maxsplit=1)[-1] if len(span) > 12 else span
    return not (len(body) >= 12 and (is_filler(body) or shannon_entropy(body) < 2.5))


@validator
def not_a_name(c: Candidate) -> bool:
    """Not a name code gives (a type's CapWords, a snake_case variable): a 40-character
    ``ModelProviderServiceConfigProviderSecret`` is a type in an annotation."""
    return not (_looks_like_type_name(c.span) or _SNAKE_NAME.match(c.span))


@validator
def password_hash(c: Candidate) -> bool:
    """A password hash whose digest (the ``digest`` group) is random: not a filler
    (``$2b$12$aaaa...``) and at least 3 bits per character."""
    digest = c.match.group("digest") or ""
    return not is_filler(digest) and shannon_entropy(digest) >= 3.0


# ---------------------------------------------------------------- key names
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# (letters and digits of every script are kept, with their combining marks as the key
# grammar's words keep them: 電話番号, पासवर्ड and db_пароль name what they hold to the
# validators that read the key, as phone and db_password do)
_SEP = regex.compile(r"[\W_]+")


def normalize_key(key: str) -> str:
    """``dbPassword`` / ``db.password`` / ``DB-PASSWORD`` -> ``db_password``."""
    normalized: str = _SEP.sub("_", _CAMEL.sub("_", key).lower())
    return normalized.strip("_")


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
    "vapid scram-sha-1 scram-sha-256 aws4-hmac-sha256 aws ssws mac oauth oauth2 dpop gnap "
    "sharedkey sharedkeylite signature hmac jwt splunk genieacs"
)


_MARKER = "[REDACTED:"


# the word before an assignment's one-word name, a blank between them: the name's qualifier
# in prose and logs (``API key: v``, ``acmeiot token = 'v'``, ``CSRF token: v``)
# (a word glued after = or : is the value of the pair before, not a qualifier: encrypt=true)
_WORD_BEFORE = re.compile(r"(?<![\w.\-/$@=:])([A-Za-z][A-Za-z0-9]{1,30})[ \t]\Z")
# words before a name that say what the line is, not what the credential is: shell and code
# keywords, types, articles and verbs of prose
_NOT_QUALIFIERS = _words(
    "export set setx local declare typeset readonly let var val const def dim global static "
    "final internal protected string str int char auto env arg the a an this that these "
    "is are was be to of in on for with and or not no as if else return print echo"
)


# a property or a definition given on a command line: java -Dname=v, gradle -Pname=v,
# cmake -DNAME=v (one dash, the letter glued to the name)
_PROPERTY_FLAG = re.compile(r"(?:^|(?<=[\s\"'\[(,]))-[DP](?=[A-Za-z_])")
# the container a name is the subscript of, up to the name (acmeiot['key'], cfg["db"]["password"],
# params[:token]), searched in the 220 characters before the name
_SUBSCRIPT_OWNER = re.compile(
    r"(?<![\w.$@])[A-Za-z_][\w.]{0,100}(?:\[[^\[\]\r\n]{1,100}\]){0,4}\[[ \t]*:?[\"'`]?\Z"
)


def _own_credential_name(name: str) -> bool:
    """``name`` is a credential's own name, not one only a parent or a vendor's name gives."""
    return classify_key(name) is KeyClass.CREDENTIAL and not credential_from_parent(name)


def assignment_name(c: Candidate) -> str:
    """The assignment's name (the regex group ``name``) as the key grammar reads it: a name
    of one word written after a word and a blank (``API key``, ``acmeiot key``, ``CSRF
    token``) is that word's ``api_key``, ``acmeiot_key``, ``csrf_token``, as the same
    words are as a dict key. A bare ``key`` in a URL's query is the URL's key (``?key=``:
    an API key, when its value is a generated token)."""
    name: str = c.match.group("name")
    start = c.match.start("name")
    if start and c.text[start - 1] in "?&#" and is_bare_key(name):
        return f"url.{name}"  # ?key=, #key=: a key a URL holds (an API key), read as url_key
    if start and c.text[start - 1] in "[\"'`:":
        # (only after a "[" with nothing but blanks, a colon and a quote after it: a quoted
        # name in JSON or in prose is no subscript, and is not searched back for one)
        bracket = c.text.rfind("[", max(0, start - 220), start)
        if bracket >= 0 and not c.text[bracket + 1 : start].strip(" \t:\"'`"):
            owner = _SUBSCRIPT_OWNER.search(c.text, max(0, start - 220), start)
            if owner is not None:  # acmeiot['key'] is acmeiot.key, as nested dict keys hold it
                return f"{c.text[owner.start() : start]}{name}]"
    if (
        start
        and _PROPERTY_FLAG.match(c.text, start - 1)
        and _own_credential_name(name[1:])
        and not _own_credential_name(name)
    ):
        # -Dtoken=v, -PsonatypePassword=v, cmake -DAPI_KEY=v: a property defined on a
        # command line is named after the letter (-Password, a flag of its own, keeps it)
        return name[1:]
    if not name.isalpha() or start < 2 or c.text[start - 1] not in " \t":
        return name
    before = c.text[max(0, start - 80) : start]
    m = _WORD_BEFORE.search(before)
    if m is None or m.group(1).lower() in _NOT_QUALIFIERS:
        return name
    named = f"{m.group(1)}_{name}"
    if classify_key(named) is not KeyClass.CREDENTIAL:
        # a credential's name written in three words (mot de passe, pass phrase in two):
        # the words the grammar joins into one (motdepasse), as the key mot_de_passe is
        first = _WORD_BEFORE.search(before, 0, m.start())
        if first is not None and first.group(1).lower() not in _NOT_QUALIFIERS:
            three = f"{first.group(1)}_{named}"
            if classify_key(three) is KeyClass.CREDENTIAL:
                return three
    return named


@validator
def sensitive_name(c: Candidate) -> bool:
    """The assignment's name (the regex group ``name``: ``db_pass``, ``X-Api-Key``,
    ``--hf-token``, ``config.secrets.run_uuid``) is a credential key in the one key
    grammar, and the value is not a bare Authorization scheme word."""
    name = c.match.group("name")
    if name.endswith("]") and c.text.endswith(_MARKER, 0, c.match.start("name")):
        return False  # redaction output (``[REDACTED:slack-bot-token]=...``), not a name
    start = c.match.start("name")
    if c.text[max(0, start - 2) : start] == "::":
        return False  # the last part of a type path (AWS::IAM::AccessKey) names a kind of thing
    if classify_key(assignment_name(c)) is not KeyClass.CREDENTIAL:
        return False
    return not (c.span.lower() in AUTH_SCHEMES and c.text[c.end : c.end + 1] in (" ", "\t"))


# ---------------------------------------------------------------- credential values
# a subword of a tokenizer's vocabulary: SentencePiece's word-start mark (U+2581), GPT-2's
# byte-level space and newline (U+0120, U+010A), WordPiece's "##", BPE's "@@" continuation
_SUBWORD = re.compile(r"^(?:\u2581|\u0120|\u010a|##)[^\W\d_]+$|^[^\W\d_]+@@$")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$")  # 12_050 too
_BOOL_NULL = _words(
    "true false yes no on off none null nil n/a na nan undefined empty required optional "
    "auto default disabled enabled"
)
_ENV_NAME = re.compile(r"^_*[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_REFERENCE = re.compile(
    r"^(?:\./|\.\./|~/|file:|arn:aws[\w-]*:|projects/[^/]+/secrets/|https?://[^@\s]*$"
    r"|[A-Za-z]:\\|\\\\[\w.-]+\\"
    r"|[\w.-]+\.(?:pem|key|json|txt|ya?ml|env|p12|pfx|crt|cer|der|jks|keystore|cfg|ini|toml|gpg|asc)$)",
    re.I,
)
_PATH = re.compile(r"^/[\w.@-]+(?:/[\w.@-]*)*$")
_RANDOM_SEGMENT = re.compile(r"^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)[\w.@-]{12,}$")


_BLANK = re.compile(r"\s")


def _in_first_word(c: Candidate) -> bool:
    """The candidate starts in the text's first blank-separated word: a reference
    (``./secrets/db.txt``, ``C:\\keys\\api.txt``) can hold it, while a command whose first
    word is a path (``./train.sh --hf-token ...``) holds its arguments after a blank."""
    lead = len(c.text) - len(c.text.lstrip())
    blank = _BLANK.search(c.text, lead)
    return blank is None or c.start < blank.start()


def _looks_like_path(v: str) -> bool:
    """``/run/secrets/db``, not ``/o6OHn/2G2aq29clQm...`` (base64 that starts with a slash)."""
    return bool(_PATH.match(v)) and not any(_RANDOM_SEGMENT.match(p) for p in v.split("/"))


def is_reference(v: str) -> bool:
    """An environment variable name, a secret-manager path or a file path: it names a
    credential without holding one."""
    return bool(_ENV_NAME.match(v) or _REFERENCE.match(v) or _WHOLE_TEMPLATE.match(v) or _looks_like_path(v))


_HAS_DIGIT = re.compile(r"\d")
# basic, Energy-Based, read:org; "; send" (the code between two quoted strings); a word
# ending a sentence ("Set-Cookie: header.")
_LOWER_WORDS = re.compile(r"^[-_:;,]*[ \t]*[a-zA-Z](?:[a-z]|[-_ :][a-zA-Z])*[_:]*[.,;!?]?$")
# an option's name and its = with nothing after it: a command line being built (" --username=")
_OPTION_NAME = re.compile(r"^--?[A-Za-z][\w-]*=$")
# two or three words of letters: a name (kubernetes-namespaced, X-Custom-Authorization), not a
# passphrase (those have four words or more)
_NAME_WORDS = re.compile(r"^(?:[A-Z]*[a-z]+|[A-Z]+)(?:[-_: ](?:[A-Z]*[a-z]+|[A-Z]+)){1,2}$")
# the abbreviations without a vowel that names are written with (BytesOrStr, PyCAKey, CtxMgr)
_ABBREVIATIONS = frozenset((
    "str", "py", "ptr", "fn", "ctx", "cfg", "msg", "mgr", "src", "dst", "buf", "cls", "pkt", "db",
    "tz", "dt", "std", "cmd", "xml", "html", "url", "sql", "http", "rpc", "grpc", "tcp", "udp",
    "ssl", "tls", "rsa", "dsa", "ssh", "pgp", "gpg", "crl", "csr", "sha", "jwt", "jwk", "jws",
    "kms", "ts", "js", "fs",
))  # fmt: skip
# the words of two letters a type's name holds: short English words and abbreviations
_SHORT_TYPE_WORDS = sorted(
    {"or", "of", "to", "by", "at", "in", "on", "is", "as", "id", "if", "io"}
    | {w for w in _ABBREVIATIONS if len(w) == 2}
)
# a type name with acronyms (SSHKey, _PKIdentityArgument, XPathToken, _TokenT, BytesOrStr,
# PKCS7PrivateKeyTypes, EC2Instance, ApiGatewayV2HttpApi: an acronym may end in a number,
# and so may one capital after a word, never first: Q7Cyv... opens many a generated
# password; DisableLegacyAccessAPI, ObjectToJSON, TemporaryCredentialsOSS, BearerTokenV2:
# a common acronym or a version may end it, where any run of capitals would let through
# one random token in a hundred; never digits after a word, as people end their
# passwords: Welcome12, BlueSky2024); a word of 3 letters or more in it
_TYPE_NAME = re.compile(
    r"^_*(?:[A-Z]+[a-z]{2,}|(?:" + "|".join(w.title() for w in _SHORT_TYPE_WORDS) + r")(?=[A-Z]|$)"
    r"|[A-Z]{2,5}\d{1,5}(?=[A-Z])|(?<=[a-z])[A-Z]\d{1,5}(?=[A-Z]))+"
    r"(?:[A-Z]|API|URL|URI|JSON|XML|HTML|HTTPS?|SQL|CSV|UUID|ID|IO|UI|DB|OSS|SDK|V\d{1,2})?$"
)
_TYPE_WORD = re.compile(r"[a-z]{3}")
_ACRONYM_TYPE_NAME = re.compile(r"^_*(?:[A-Z]+[a-z]{2,})+[A-Z]?$")  # (SSHKey: no run of three)
_LONG_CAPS = re.compile(r"[A-Z]{7,}(?=[a-z])|[A-Z]{6,}(?![a-z])")  # an acronym of 6 or more
_WORD = re.compile(r"[A-Z]?[a-z]+")  # a word of a CapWords name, its capital included
_CLUSTER = re.compile(r"[b-df-hj-np-tv-xz]{5,}")  # 5 consonants in a row: no word part
# letter pairs that spell one consonant (passphrase: s-s-ph-r, four sounds, not five)
_DIGRAPHS = re.compile(r"ph|th|ch|sh|gh|ck|ng|wh")
_VOWELS = frozenset("aeiouy")  # (y as in Py, Sync, Crypt)
# words and nothing else, joined by - _ . or blanks (a header's name, a setting's name)
_WORDS_ONLY = re.compile(r"^[A-Za-z]+(?:[-_. ][A-Za-z]+)+$")
# a colour with style words ("bold #08547A", "#ansired"): a display style
_STYLE = re.compile(r"^(?:[a-z]+\s+)*#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6}|[a-z]+)(?:\s+[a-z]+)*$")
# a variable's name: snake_case letters (aws_secret_access_key, _api_key, cond_frame_outputs),
# a part's digits at its end or as one letter, a digit or two and one letter (oauth_m2m,
# eks_k8s_role, i18n_token: a numeronym; never a second run of digits, as in p4ssw0rd)
_SNAKE_PART = r"(?:[a-z]+\d*|[a-z]\d{1,2}[a-z]\d*)"
_SNAKE_NAME = re.compile(rf"^-?_*{_SNAKE_PART}(?:_+{_SNAKE_PART})+_*$")
# a class, type or field name: CapWords or camelCase letters (SpecialAudioToken, tokenUrl,
# DbPassword)
_CAP_WORDS = re.compile(r"^[A-Za-z][a-z]{2,}(?:[A-Z][a-z]+)+$|^[A-Z][a-z](?:[A-Z][a-z]{2,})+$")
# a date or an ISO 8601 timestamp (an expiry, a creation time)
_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"
)
# providers' documentation marks its sample credentials with the word, in any case
# (AKIAIOSFODNN7EXAMPLE, ...EXAMPLEKEY, AWS's "asdf34example", MyExamplePassword1!);
# never the reserved domain's name (db.example.com, ann@example.org)
_DOC_EXAMPLE = re.compile(r"(?<![.@])(?i:example)(?!\.[A-Za-z])")
# a content digest in its usual spellings: lineage, not a credential (an image reference
# pinned by digest, ``sha256:<hex>``, a Subresource Integrity value ``sha384-<base64>``)
_DIGEST = re.compile(
    r"^(?:[\w.\-/:]{1,256}@)?(?:sha1|sha224|sha256|sha384|sha512|md5|blake2b|blake3):[0-9a-fA-F]{32,128}$"
    r"|^(?:sha256|sha384|sha512)-[A-Za-z0-9+/]{43,86}={0,2}$"
)
_MASKED_PART = re.compile(r"(?i:x){8,}|\*{4,}|•{3,}")
# a part that stands in for one: words joined by blanks, - or _ in brackets, in one case
# (sk-[project-name]-..., token-<YOUR_ORG_ID>, [20 alnum])
_STAND_IN_PART = re.compile(
    r"[\[<](?:[a-z][a-z0-9]*(?:[ _-][a-z0-9]+)+|[A-Z][A-Z0-9]*(?:[ _-][A-Z0-9]+)+)[\]>]"
)
# the opening of a bracketed stand-in at the end of a span that a blank ended
_OPEN_STAND_IN = re.compile(r"[\[<][A-Za-z][A-Za-z0-9]*$")
_SENTENCE_WORD = re.compile(r"^[\W_]*(?:[A-Za-z][a-z]*|[A-Z]{2,})(?:'[a-z]+)?[\W_]*$")
_ESCAPED_EOL = re.compile(r"(?:\\+[nrt])+$")


def _looks_like_type_name(v: str) -> bool:
    """CapWords / camelCase letters whose every lower-case run is a pronounceable word part
    (has a vowel), whose acronyms have at most 5 capitals (``HTTPSHandler``) and whose
    words hold no 5 consonants in a row: ``SpecialAudioToken``, ``tokenUrl``, ``SSHKey``,
    ``StringLength``; a random mix of letters (``FkptgUzEjfebzJ``, ``FAKEADgeVNELcnfzecoM``)
    rarely is."""
    typed = _ACRONYM_TYPE_NAME.match(v) or (_TYPE_NAME.match(v) and _TYPE_WORD.search(v))
    if not (_CAP_WORDS.match(v) or typed) or _LONG_CAPS.search(v):
        return False
    return _pronounceable(v) and not any(_consonant_run(w) for w in _WORD.findall(v))


def _consonant_run(w: str) -> bool:
    """5 consonants in a row, a pair that spells one sound counted once: no word has them."""
    return _CLUSTER.search(_DIGRAPHS.sub("q", w.lower())) is not None


def _pronounceable(v: str) -> bool:
    """Every lower-case run of two or more letters, with the capital before it, has a
    vowel, as parts of words do (``Add``, ``Imports``)."""
    return all(
        _VOWELS.intersection(w.lower()) or w.lower() in _ABBREVIATIONS for w in _WORD.findall(v) if len(w) > 1
    )


_COUNTING = "0123456789abcdefghijklmnopqrstuvwxyz"
# each character's successors: the next one in 0-9a-z, and 0 again after 9 (1234567890)
# and after the last hex digit (0123456789abcdef0123...)
_COUNTING_NEXT = {a: {b} for a, b in zip(_COUNTING, _COUNTING[1:], strict=False)}
_COUNTING_NEXT["9"].add("0")
_COUNTING_NEXT["f"].add("0")


def _is_counting(s: str) -> bool:
    """Six or more characters, each one after the previous in ``0-9a-z`` (``123456``,
    ``abcdef``, the hex digits ``0123456789abcdef`` and again from 0) or each one before
    it (``fedcba9876543210``)."""
    if len(s) < 6:
        return False
    # (the first pair says which way it counts; the walk stops at the first step that
    # does not, so a long value costs a few comparisons, not a copy of all its pairs)
    first, second = s[0].lower(), s[1].lower()
    if second in _COUNTING_NEXT.get(first, _NO_SUCCESSOR):
        forward = True
    elif first in _COUNTING_NEXT.get(second, _NO_SUCCESSOR):
        forward = False
    else:
        return False
    prev = second
    for ch in s[2:]:
        ch = ch.lower()
        if (
            (ch not in _COUNTING_NEXT.get(prev, _NO_SUCCESSOR))
            if forward
            else (prev not in _COUNTING_NEXT.get(ch, _NO_SUCCESSOR))
        ):
            return False
        prev = ch
    return True


_NO_SUCCESSOR: frozenset[str] = frozenset()


# a type with its size or precision, as a schema declares a column (SQL's VARCHAR(255),
# SQLAlchemy's String(128), DECIMAL(10, 2))
_SIZED_TYPE = re.compile(r"[A-Za-z][A-Za-z ]{1,30}\([ \t]*\d{1,5}(?:[ \t]*,[ \t]*\d{1,3})?[ \t]*\)")


# the name of a cipher, a hash, a signature or a curve, with its size and mode (AES-256,
# AES-128-GCM, RSA-4096, ChaCha20-Poly1305, HS256, P-256, secp256k1): what a key is, not
# the key ("the encryption key is AES-256")
_ALGORITHM = re.compile(
    r"(?i:aes|rsa|dsa|ecdsa|ecdh|des|3des|tdes|sha|sha2|sha3|hmac|md5|chacha20|xchacha20|poly1305"
    r"|ed25519|ed448|x25519|x448|p|secp|blowfish|twofish|camellia|sm2|sm3|sm4|hs|rs|es|ps)"
    r"(?:[-_/ ]?\d{1,4}(?:[a-z]\d{1,2})?)?"
    r"(?:[-_/ ](?i:gcm|cbc|ctr|ecb|cfb|ofb|siv|ccm|poly1305|oaep|pss|pkcs1|pkcs1v15"
    r"|sha\d{1,3}|hmac|\d{2,4}))*"
)


def credential_like(value: str) -> bool:
    """A value that is itself a credential, not a placeholder, flag, number, reference,
    filler or word."""
    v = value.strip()
    if v.endswith(("\\n", "\\r", "\\t")):  # "KEY=value\n" in source text
        v = _ESCAPED_EOL.sub("", v)
    v = v.strip().strip("'\"")
    if len(v) < 6 or len(v) > 8192:
        return False
    if v.startswith("-----BEGIN"):  # a PEM block (its armour words are not prose)
        return pem_has_key_material(v)
    if v.lower() in _BOOL_NULL or v.lower() in AUTH_SCHEMES or _NUMBER.match(v):
        return False
    if _SUBWORD.match(v):
        return False  # a tokenizer's subword ("▁interna", "Ġworld", "##ing"), not a credential
    if _LOWER_WORDS.match(v) and len(v) < 16:  # "kerberos", "oauth-token", "basic"
        return False
    if _OPTION_NAME.match(v):
        return False
    if _CAPITALISED_WORD.match(v) and len(v) < 16:  # "Kerberos", a type name: one plain word
        return False
    if _SNAKE_NAME.match(v) or _looks_like_type_name(v):
        return False  # a variable or type name, not its value
    if _SIZED_TYPE.fullmatch(v):
        return False  # a column's type and size (varchar(255), NUMERIC(10, 2), String(128))
    if _ALGORITHM.fullmatch(v):
        return False  # a cipher's or a signature's name (AES-256-GCM, RSA-4096, HS256, P-256)
    if (_NAME_WORDS.match(v) and _pronounceable(v)) or _STYLE.match(v):
        return False
    if _WORDS_ONLY.match(v) and classify_words(v) in _NAMED_PAIR:
        return False  # a credential's or its setting's name (x-amz-security-token), not a value
    words = v.split()
    if len(words) >= 4 and all(w.strip(".,:;!?()").isalpha() for w in words):
        return False  # a sentence describing the secret, not the secret
    if len(words) >= 5 and sum(bool(_SENTENCE_WORD.match(w)) for w in words) >= 0.75 * len(words):
        return False  # prose with code or punctuation in it ("Auth configuration for `Api`.")
    if len(words) >= 3 and v[0].isupper() and v.endswith(".") and all(w.strip(".,").isalpha() for w in words):
        return False  # a short sentence: "The grant token."
    if _MASKED_PART.search(v) or (("[" in v or "<" in v) and _STAND_IN_PART.search(v)):
        return False  # a sample with a part masked out (...ZXXXXXXXXJnr...) or named
    if _TIMESTAMP.match(v) or _DOC_EXAMPLE.search(v) or _DIGEST.match(v):
        return False
    if _is_counting(re.split(r"[-_]", v)[-1]):
        return False  # a counting run after a prefix: sk-1234567890, key_abcdefgh
    if "..." in v or "\u2026" in v:
        return False  # an elided sample ("eyJ2IjoiMSIs...", "sk-...xyz1234"), not a whole credential
    m = _SCHEME_VALUE.match(v)
    if m and m.group(1).lower() in AUTH_SCHEMES:  # "Bearer %s", "Basic <token>": judge the credential part
        return credential_like(m.group(2))
    if is_placeholder(v) or is_reference(v):
        return False
    if looks_like_regex(v):
        return False  # a regular expression (a raw string: r"(?i)[a-f0-9]{40}"), not a value
    if len(v) >= 16:
        return True
    classes = (v != v.upper()) + (v != v.lower()) + (_HAS_DIGIT.search(v) is not None) + (not v.isalnum())
    return classes >= 2


# a regular expression: a group with flags, a non-capturing group or a lookaround, a
# repeated range in brackets (never in a password), or two of: a range in brackets, an
# escaped class (not a path's \\data), a counted repeat
_REGEX_GROUP = re.compile(
    r"\(\?(?:[:=!#>|]|<[=!]|P<|[aiLmsux-]+[):])|\[\^?[^\]\s]{0,32}\w-\w[^\]\s]{0,32}\][+*]"
)
_REGEX_SYNTAX = re.compile(
    r"\[\^?[^\]\s]{0,16}\w-\w[^\]\s]{0,16}\]|\\[dwsbDWSB](?![A-Za-z0-9])|\{\d{1,4}(?:,\d{0,4})?\}"
)


def looks_like_regex(value: str) -> bool:
    """``value`` is a regular expression (``(?i)[a-f0-9]{40}``), not a secret."""
    return _REGEX_GROUP.search(value) is not None or len(_REGEX_SYNTAX.findall(value)) >= 2


# A value with structure of its own: its credential part is what the in-text grammar
# finds there (name=value pairs, a header, a URI's password), so a credential key does
# not make the whole of it a credential.
_PAIR = re.compile(r"(?:^|[;&\s,?])([A-Za-z_][\w .-]{0,40}?)[ \t]*=(?!=|$)")
_HEADER = re.compile(r"^[A-Za-z][\w-]{1,40}:[ \t]")
_URI_AUTH = re.compile(r"://[^/@\s]*:[^@\s]*@")
# a URI with no user part (``postgresql:///db``, ``https://host/path?x=1``): what it may
# hold (a password parameter, a provider token, a webhook path) is for the URI's own detectors
_URI_NO_USER = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{1,30}://(?:/|[^/@\s?#]*(?:[/?#]|$))(?!\S*@)")
# a URI whose authority names a user and no password (postgresql://svc@db/x,
# mssql+pyodbc://@server/db?driver=...): no credential of its own (a password in its query
# is read by the URL detectors), unless the user is itself a generated token
# (https://<token>@dev.azure.com/...)
_URI_USER_ONLY = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]{1,30}://([^:/@\s?#]*)@[^/@\s?#]*(?:[/?#]\S*)?$")


def _uri_without_credential(v: str) -> bool:
    """``v`` is a URI with no password in its authority (none, or a user alone)."""
    if _URI_NO_USER.match(v):
        return True
    m = _URI_USER_ONLY.match(v)
    return m is not None and not generated_token(m[1])


_SCHEME_VALUE = re.compile(r"^([A-Za-z][\w-]{1,40})[ \t]+(\S.*)$")
# a database's address with no credential in it, under a name for one (a word of the
# key: dsn, tns, conn, url):
# Oracle Easy Connect (a dotted host or localhost[:port], or a one-label host with its
# port as a compose service's name is, oracle-db:1521; then /service[:server][/instance]
# [?params]; the port may be written as the word port) and a TNS connect descriptor with
# no PASSWORD; a user/password@ form is for the connection-string detectors
_ADDRESS_WORDS = frozenset(("dsn", "tns", "conn", "connection", "connstr", "url", "uri"))
_ADDRESS_ONLY = re.compile(
    r"^(?://)?(?:(?:[A-Za-z0-9][\w\-]*(?:\.[\w\-]+)+|localhost|\[[0-9A-Fa-f:.]+\])(?::(?:\d{1,5}|port))?"
    r"|[A-Za-z][\w\-]*:(?:\d{1,5}|port))/[A-Za-z][\w.$#\-]*"
    r"(?::[A-Za-z]+)?(?:/[\w.$#\-]+)?(?:\?[^\s@]*)?$"
    r"|^\(DESCRIPTION[ \t]*=(?![^@]*PASSWORD)[^@]*\)$",
    re.IGNORECASE,
)


_NAMED_PAIR = (KeyClass.CREDENTIAL, KeyClass.SETTING)


def structured_part(v: str) -> str | None:
    """For a value with structure, its credential part (``""`` when the in-text grammar
    decides, as for ``Server=x;Password=y``); None when the value is one token."""
    pairs = _PAIR.findall(v)
    if pairs and (len(pairs) >= 2 or classify_key(pairs[0].strip()) in _NAMED_PAIR):
        return ""  # the in-text grammar decides: Password=... is reported, XSRF-TOKEN=... is not
    if _HEADER.match(v) or _URI_AUTH.search(v) or _uri_without_credential(v):
        return ""
    m = _SCHEME_VALUE.match(v)
    if m and m.group(1).lower() in AUTH_SCHEMES:
        return m.group(2)
    return None


# Program text, not a value: a dotted name (self.config.token, tokenizer.image_token,
# torch.Tensor) whose parts are identifiers in the shapes code uses (snake_case,
# CapWords without digits, UPPER_CASE, an acronym with digits before CapWords:
# MLKEM1024P384PrivateKey); a random string with dots (Tr0ub.4dor) is not one.
# (each alternative reads a part one way only: no run of letters splits in several ways,
# which made a failed match exponential in the length of ``ABabABab...``)
_IDENT_PART = (
    r"_*(?:[a-z][a-z0-9_]*|[a-z]+(?:[A-Z][a-z]+)+|[A-Z]+[a-z]+(?:[A-Z][A-Za-z]*)?|[A-Z][A-Z0-9_]*"
    r"|[A-Z]+\d[A-Z0-9]*(?:[A-Z][a-z]+)+)"
)
_DOTTED_NAME = re.compile(
    rf"^(?:\.?{_IDENT_PART}(?:(?:\.|::){_IDENT_PART})+|\.{_IDENT_PART})(?::|:{_IDENT_PART})?$"
)  # (and an entry point's object after its module: basic-auth = mlflow.server.auth:create_app)
# a method or a module's function called, as the whole span (a line continued after it):
# base64.decodebytes(authorization).\
_DOTTED_CALL = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\([^()\r\n]{0,256}\)\.?\\?$")
# a call or a subscript right after a name: tokenize(text), kwargs.get("token"), enc["x"]
_CALLEE = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*$")
# a union type after a name: "secret: V1Secret | None"
_UNION_AFTER = re.compile(r"^[ \t]*\|[ \t]*[A-Za-z_]")
# ... whose next member is a type: None, a builtin's or a capitalised name (a shell pipes
# into a command, which is lower-case: | tee, | base64); a constant's or an environment
# variable's name, or a name given a value right after it, starts the next assignment of
# a list (TOKEN=Xq... | HEROKU_API_KEY=..., key=Xq... | Region: eu), and a member ends
# where a type does (a name glued to @ or / is a record's or a path's: key=Xq... | IR@...)
_UNION_MEMBER = re.compile(
    r"^[ \t]*\|[ \t]*(?:None|(?![A-Z0-9]*_[A-Z0-9_]*\b)[A-Z]\w*(?=[ \t]*(?:$|[|\]),;\r\n]|=[ \t]))"
    r"|(?:str|int|float|bool|bytes|dict|list|tuple|set|frozenset|object)\b)"
)
# a binary operator and the start of its other operand: the name before it is code's
_OPERAND_AFTER = re.compile(r"^[ \t]+(?:[-+*/%]|\|\||&&|\?\?|or|and)[ \t]+[\w(\[{'\"]")
# a generic or union type written as a string: "Optional[str]", "SpanToken | None"
_TYPE_EXPR = re.compile(
    r"^_*[A-Za-z]\w*(?:\[[\w\s,.|\[\]]*\])?(?:\s*\|\s*_*[A-Za-z]\w*(?:\[[\w\s,.|\[\]]*\])?)+$"
    r"|^_*[A-Za-z]\w*\[[\w\s,.|\[\]]*\]$"
)
_CAPITALISED_WORD = re.compile(r"^[A-Z]?[a-z]+$")

_TYPE_WORDS = re.compile(r"\w+")


def _type_word(word: str) -> bool:
    """A name a type expression is written with (``str``, ``None``, ``SpanToken``,
    ``V1Secret``), not a random run of letters and digits (``xfTg2mK|DH_t18U`` is a
    password with a bar in it)."""
    word = _API_VERSION.sub("", word)  # (V1Secret, V1beta1CronJob: a client's versioned types)
    return len(word) <= 3 or _looks_like_type_name(word) or (word.isalpha() and _pronounceable(word))


# (Kubernetes clients name their types after the API version: V1Secret, V2beta2Metric)
_API_VERSION = re.compile(r"^V\d+(?:(?:alpha|beta)\d+)?(?=[A-Z])")
# a parenthesised subexpression opened by a command's name, its arguments after a blank:
# PowerShell's (Verb-Noun ...) and $(...), a shell's $(cmd ...)
_OPENED_COMMAND = re.compile(r"^\$?\([A-Za-z_][A-Za-z_.]*(?:-[A-Za-z]+)?$")


def is_code_expression(span: str, following: str) -> bool:
    """The span is program text rather than a value: a dotted name, a type expression, or
    a name called, indexed or joined into a union type (``following``: the text after it)."""
    if _DOTTED_NAME.match(span) or _DOTTED_CALL.match(span):
        return True
    if _OPENED_COMMAND.match(span) and following[:1] in (" ", "\t"):
        return True  # -NewPassword (ConvertTo-SecureString ...), $(Get-Secret ...): a subexpression
    if _TYPE_EXPR.match(span) and all(map(_type_word, _TYPE_WORDS.findall(span))):
        return True
    if not _CALLEE.match(span):
        return False
    if following[:1] in ("(", "["):
        return True
    if _UNION_AFTER.match(following) and (_type_word(span) or _UNION_MEMBER.match(following)):
        return True  # secret: V1Secret | None (a random token piped on, TOKEN=Xq... | tee, is none)
    if _OPERAND_AFTER.match(following) and "_" in span and _words_joined(span):
        return True  # keys = id_CryptoPro_algorithms + (37,): a variable of words, joined
    # a blank before the call's parenthesis (GNU style: self.entry.get_text ()), after a
    # name code's shapes give (dotted, snake_case, a type's CapWords), never after a token
    # that a remark in parentheses follows ("token = Xk9pLm2Q (rotated daily)")
    return following.lstrip(" \t")[:2] == "()" and (
        "." in span or bool(_SNAKE_NAME.match(span)) or _looks_like_type_name(span)
    )


# a setting's name in snake case and = at a value's start (aws_iam_role=, role_arn=)
_SETTING_PAIR = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+){1,7}=")


def _names_a_reference(span: str) -> bool:
    """``span`` is one ``name=value`` pair whose value is a reference (an ARN, a path, a
    secret manager's name) and whose name is no credential's: Redshift's and Snowflake's
    ``CREDENTIALS 'aws_iam_role=arn:...'`` names a role to assume."""
    m = _SETTING_PAIR.match(span)
    if m is None or ";" in span:
        return False
    name = m.group()[:-1]
    return is_reference(span[m.end() :]) and classify_key(name) is not KeyClass.CREDENTIAL


@validator
def credential_value(c: Candidate) -> bool:
    """The span is credential-like and the value around it is not a reference (an ARN or a
    secret-manager path that merely names a secret)."""
    # (bounded: a long text is never stripped or matched per candidate; and only where the
    # candidate starts in the text's first word: a command after a path or a template
    # (./train.sh --token ..., ${PYTHON} train.py --api-key ...) and a file's lines after
    # a template's ({{- if .Values.db }} then password: ...) hold values of their own)
    if len(c.text) <= 512 and _in_first_word(c):
        text = c.text.strip()
        whole_ref = _REFERENCE.match(text) and not text[:8].lower().startswith(("http://", "https://"))
        # (a pattern's ``fallback_literal`` group: the span is the literal a whole template falls
        # back on, ${DB_PASSWORD:-v}, judged as a value)
        fallback = c.match is not None and "fallback_literal" in c.match.re.groupindex
        if not fallback and (is_placeholder(text) or whole_ref or _looks_like_path(text)):
            return False  # the whole value is a template, a redaction output or a reference
    if "`" in c.text and _command_substitution(c):
        return False  # PASS=`cat /run/secrets/db`: a command's output, read when the shell runs
    if c.span.startswith(_SSH_KEY_TYPES) and ssh_public_key(c.text, c.start):
        return False  # an OpenSSH public key line (authorized_keys): public by design
    cut = _OPEN_STAND_IN.search(c.span)
    if cut and _STAND_IN_PART.match(c.span[cut.start() :] + c.text[c.end : c.end + 64]):
        return False  # a stand-in in brackets cut at its blank: "--cookies [cyan]<NAME VALUE>"
    if is_code_expression(c.span, c.text[c.end : c.end + 16]):
        return False  # token = tokenize(text), key = self.config.key: code, not a value
    if _dashed(c) and not _dashed_credential(c.span):
        return False  # --password -v, --token -Dkey=value: the next flag, not a value
    if _ASSIGNMENT_OPENING.fullmatch(c.span.strip().strip("'\"`")):
        return False  # auth = "token=" + ...: the opening of an assignment a program builds
    if "=" in c.span and _names_a_reference(c.span):
        return False  # CREDENTIALS 'aws_iam_role=arn:aws:iam::...': a role named, no secret
    if c.match is not None and "name" in c.match.re.groupindex and _closes_literal(c):
        return False  # 'api_key=' + os.environ['K']: the quote after = ends the name's literal
    if _TEMPLATE_FILLED.match(c.text, c.end):
        return False  # key = '{0}-{1:015d}'.format(...), "%s:%s" % (...): a template code fills
    m = c.match
    bracketed = m is not None and "bracketed" in m.re.groupindex and m.group("bracketed") is not None
    if bracketed and not _bracketed_value(c.span):
        return False
    name = assignment_name(c) if m is not None and "name" in m.re.groupindex else None
    if name and _is_metavar(c.span, name):
        return False  # usage: train.py [--api-key API_KEY]: argparse's placeholder for the flag
    if name and _DOC_FIELD.search(c.text, max(0, m.start("name") - 80), m.start("name")):
        return False  # ":param token: REQUIRED. The token...": a docstring's field, not a value
    if name and "=" in c.span and _COOKIE_NAME.fullmatch(name):
        return False  # Cookie: a=b; sid=...: a cookie list, read pair by pair (cookie_pairs)
    from_parent = credential_from_parent(name) if name else c.from_parent
    holder = (name if names_unknown_holder(name) else "") if name else c.holder
    if _ADDRESS_ONLY.match(c.span.strip().strip("'\"")) and _ADDRESS_WORDS.intersection(
        key_words(name or c.key)
    ):
        return False  # dsn: db.example.com:1521/ORCLPDB1, an address with no credential
    if from_parent and holder:  # (acmeiot_key, acmeiot.key: only a generated token is one)
        if weak_credential_name(holder):  # (db_pw: a password's shape will do)
            return password_shaped(c.span) or generated_token(c.span)
        if token_word_name(holder):
            # GITHUB_PAT, QIANFAN_SK, SHODAN_API: a token, hex of a digest's length too; a
            # bare "sk" or "pat" may be a record's sort key (DynamoDB's pk/sk): not a
            # record key's shape; hex shorter than MD5's is an id there (RestApi: a
            # resource's 16-hex suffix, a span's id), as the name says no key
            if _SHORT_HEX.fullmatch(c.span.strip().strip("'\"`")):
                return False
            bare = len(key_words(split_segments(holder)[-1])) == 1
            return generated_token(c.span, bare=bare, digest=not bare)
        return generated_token(c.span, bare=is_bare_key(split_segments(holder)[-1]))
    if c.match is not None and "elided" in c.match.re.groupindex and c.match.group("elided") is not None:
        # a long value shown as its two ends around "..." (pydantic's repr of an input):
        # the ends are what is readable, and they are judged together
        return credential_like(c.span.replace("...", "", 1))
    if "{" in c.span and _INTERPOLATED.search(c.text, max(0, c.start - 4), c.start):
        # an f-string or an interpolated string ($"..."): its fields are code, and one
        # literal part between them must be a credential itself (f"{user}:{password}"
        # and f"share-{id}" are built from variables)
        parts = _FIELD.split(c.span.replace("{{", "").replace("}}", ""))
        return any(len(p := part.strip(_FIELD_GLUE)) >= 8 and credential_like(p) for part in parts)
    if c.start == 0 or (c.start <= 64 and not c.text[: c.start].strip()):  # the span is the whole value
        part = structured_part(c.span.strip())
        if part is not None:
            return bool(part) and credential_like(part)
    elif _uri_without_credential(c.span):
        return False  # dsn = "postgresql:///db" in text: as structured_part reads a whole value
    span = c.span.strip().strip("'\"")
    if span.isdigit() and span.isascii():
        return not from_parent and numeric_credential(span, name or c.key)
    if _DIGIT_GROUPS.fullmatch(span):  # (3166-1, 1234-5678: its digits are the credential, if any)
        return not from_parent and numeric_credential(_NOT_DIGIT.sub("", span), name or c.key)
    if from_parent and _DIGEST_HEX.fullmatch(span):
        return False  # (secrets.build_sourceversion: hex of a commit's length, lineage's shape)
    if credential_like(c.span):
        return not from_parent or token_like(c.span)
    return not from_parent and _passphrase(c, span, name or c.key)


def _is_metavar(span: str, name: str) -> bool:
    """``API_KEY`` after ``--api-key`` in a usage line (``[--api-key API_KEY]``): the name
    upper-cased with ``-`` as ``_``, which argparse shows for the flag's value."""
    value = span.rstrip("]").strip()
    return len(value) >= 2 and value == name.strip("-").upper().replace("-", "_")


def _dashed(c: Candidate) -> bool:
    """The pattern read a value that opens with ``-`` after a flag (its ``dashed`` group)."""
    m = c.match
    return m is not None and "dashed" in m.re.groupindex and m.group("dashed") is not None


def _dashed_credential(span: str) -> bool:
    """A value that opens with ``-`` after a credential's flag (``--password -Xk9!pQ2zLm``)
    is the credential when it cannot be another flag: no ``=`` (``-Dkey=value``), a digit
    or a symbol besides ``-`` and ``_`` (``-v``, ``-DskipTests``, ``--quiet`` have none),
    and the shape of a password or a generated token."""
    v = span[1:]
    if "=" in v or _FLAG_WORD.fullmatch(v):
        return False
    return password_shaped(v) or generated_token(v)


_FLAG_WORD = re.compile(r"[A-Za-z][A-Za-z_-]*")


# a name and = (or :), all the literal holds: what a program joins a value to
_ASSIGNMENT_OPENING = re.compile(r"[?&;]?[A-Za-z_][A-Za-z_.\-]{0,64}[=:]")


def _closes_literal(c: Candidate) -> bool:
    """The quote that opens the value right after the name's ``=`` or ``:`` closes the
    string literal the name itself sits in (``'?api_key=' + key``: an odd number of those
    quotes before the name on its line); what follows is code joining literals, and a
    literal joined right after is read by a pattern of its own."""
    start, text = c.match.start("name"), c.text
    m = _NAME_THEN_QUOTE.match(text, c.match.end("name"))
    if start < 0 or m is None or m.end() > c.start or text[m.end() : c.start].strip():
        return False  # (the quote must open the value: not "token=" + "v", read as joined)
    q = m[1]
    line = text.rfind("\n", 0, start) + 1
    opening = text.rfind(q, line, start)  # (the literal's opening quote, after a non-word
    # character and with no blank up to the name: not an apostrophe in "it's api_key=...")
    if opening < 0 or (opening > line and text[opening - 1].isalnum()):
        return False
    if any(ch.isspace() for ch in text[opening + 1 : start]):
        return False
    return text.count(q, line, start) % 2 == 1


_NAME_THEN_QUOTE = re.compile(r"[ \t]*[=:][ \t]*(['\"`])")


# a shell variable assigned with no blank around =, then a backquote (in double quotes or
# not): what follows is a command substitution, as $(...) is
_TICK_ASSIGN = re.compile(r'(?:^|[\s;&|(])(?:(?:export|local|readonly|declare)[ \t]+)?[A-Za-z_]\w*="?`?$')
# a program's name and its arguments (a backquoted value in a dotenv file, one token, is a value)
_COMMAND_LINE = re.compile(r"`?[a-z][\w.+-]*(?:[ \t]+[^\s`]+)+`?")


def _command_substitution(c: Candidate) -> bool:
    """The span is a shell's backquoted command substitution after ``NAME=``
    (``PASS=`cat /run/secrets/db```, ``TOKEN="`gh auth token`"``): a reference to what the
    command prints, not a value."""
    before = c.text[max(0, c.start - 128) : c.start]
    ticked = before.endswith("`") or (len(c.span) > 2 and c.span[0] == c.span[-1] == "`")
    return ticked and bool(_TICK_ASSIGN.search(before)) and bool(_COMMAND_LINE.fullmatch(c.span))


# the last word of a password's own name (not of a token's, a secret's or credentials',
# under which a type's name is common: credentials: DefaultAzureCredential)
_PASSWORD_WORDS = ("password", "passwd", "passwrd", "pwd", "pass", "passphrase", "passcode")
# the last word of a type's name that says what kind of thing it is (password: SecretStr,
# password: TextField, pwd: PathLike)
_TYPE_KIND_WORDS = frozenset(
    ("str", "string", "field", "input", "type", "text", "bytes", "like", "column", "widget",
     "value", "model", "schema", "class", "object", "dict", "list", "form", "entry", "param",
     "option", "arg", "args", "config", "settings", "handler", "provider", "manager", "factory",
     "validator", "hasher")
)  # fmt: skip
# a value written as one: the whole text, a quoted literal, an environment line's value
# or a command's flag's argument (never a YAML line or an annotation, name: Value, nor a
# class assigned, name = Value)
# (and a compose file's environment entry, an environment variable's name and its value
# on a line of their own: MYSQL_PASSWORD: wordpress, - POSTGRES_PASSWORD=postgres; a
# flag's name=value argument, --set auth.password=V, -Djavax.net.ssl.keyStorePassword=V;
# an XML element's whole text, <password>V</password>, with the closing tag checked
# after; a .netrc entry's password after its machine and login)
_ENV_OR_FLAG_BEFORE = re.compile(
    r"(?:^|[\s;])(?:export[ \t]+)?[A-Z][A-Z0-9_]*=$"
    r"|(?:^|\s)--?[A-Za-z][\w.-]*(?:[= ][A-Za-z][\w.-]*=|[= ])$"
    r"|(?:^|\n)[ \t]*(?:-[ \t]+)?[A-Z][A-Z0-9_]*:[ \t]+$"
    r"|(?:^|\s)(?:machine[ \t]+\S+|default)\s+login\s+\S+\s+password[ \t]+$"
)
# a flag and a blank, and what ends the flag's argument (the line, another flag, the
# command): a word after a flag in a sentence is prose
_FLAG_THEN_BLANK = re.compile(r"(?:^|\s)--?[A-Za-z][\w.-]*[ \t]+$")
_ARGUMENT_END = re.compile(r"[ \t]*(?:$|[\r\n;|&)`]|-)")
# a name at a line's start and its : or = (YAML, INI, properties): a lower-case word
# after it, all of the line, is its value (a type or a class is written capitalised)
_LINE_VALUE_BEFORE = re.compile(r"(?:^|\n)[ \t]*(?:-[ \t]+)?[A-Za-z][\w.-]*(?::[ \t]+|[ \t]*=[ \t]*)$")
# a name and = opening a form-encoded body or a query's pair
_FORM_PAIR_BEFORE = re.compile(r"(?:^|[?&])[A-Za-z][\w.\-\[\]]*=$")
_ELEMENT_OPEN = re.compile(r"<([A-Za-z][\w.:-]*)(?:[ \t][^<>]*)?>$")


_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def name_before(text: str, start: int) -> str | None:
    """The name that ``=`` or ``:`` assigns the value at ``start`` to in text
    (``workspace_id=``, ``checksum: ``, ``"seed": "``), read backwards from the value: a
    name of ``[A-Za-z_][\\w.-]*`` (at most 101 characters), blanks and one quote on
    either side of the sign; None where no such name is right before the value."""
    i = start
    if text[i - 1] in "\"'":
        i -= 1
    while i and text[i - 1] in " \t":
        i -= 1
    if not i or text[i - 1] not in "=:":
        return None
    i -= 1
    while i and text[i - 1] in " \t":
        i -= 1
    if i and text[i - 1] in "\"'":
        i -= 1
    end = i
    lo = max(0, end - 101)
    while i > lo and text[i - 1] in _NAME_CHARS:
        i -= 1
    if i == end or (i and text[i - 1] in _NAME_CHARS) or not (text[i].isalpha() or text[i] == "_"):
        return None
    return text[i:end]


def _passphrase(c: Candidate, span: str, key: str) -> bool:
    """Capitalised words joined (``CorrectHorseBatteryStaple``, ``WelcomeHome``) read as a
    type's name, words with blanks between them (``correct horse battery staple``) as
    prose, and one lower-case word (``sunshine``, ``postgres``) as a setting's word; under
    a password's own name, written as a value (the whole value or a quoted literal; joined
    words and a word also an environment line's value or a flag's argument), they are the
    password. Not so when a word of theirs names a credential or a setting
    (``SecretStr``, ``PasswordInput``, ``MaxLength``), the last one a kind of type
    (``TextField``), or, with blanks, when they read as a sentence or an instruction
    (function words, punctuation: ``see the vault``, ``not set``); a lower-case word is
    not one when it says how the password is given (``prompt``, ``keyring``, pg_hba's
    ``trust``) or stands in for one (``changeme``, ``example``)."""
    if not key or last_key_word(key) not in _PASSWORD_WORDS:
        return False
    # (one word in one case: sunshine, Sunshine, SUNSHINE)
    low = span.lower()
    word = _LOWER_WORD.fullmatch(low) is not None and (span.islower() or span.isupper() or span[1:].islower())
    if word and (
        # (pass names a pass of an algorithm too, forward_pass: fused; an environment
        # variable's name in capitals is a password's: RABBITMQ_DEFAULT_PASS=guest)
        (last_key_word(key) == "pass" and not _ENV_NAME.match(split_segments(key)[-1]))
        or low in _NO_WORD_PASSWORD
    ):
        return False
    if (len(span) < 8 and not word) or is_placeholder(span) or _DOC_EXAMPLE.search(span):
        return False
    if classify_words(span) is not KeyClass.NEUTRAL:
        return False
    spaced = " " in span.strip()
    if spaced and (last_key_word(key) == "pass" or not _spaced_passphrase(span)):
        return False  # ("pass" alone names a pass of an algorithm too: pass: forward backward)
    if (
        not spaced
        and not word
        and (not _looks_like_type_name(span) or _WORD.findall(span)[-1].lower() in _TYPE_KIND_WORDS)
    ):
        return False
    start, end = c.start, c.end
    while start < end and c.text[start] in "'\"`":
        start, end = start + 1, end - 1  # (a span that holds its quotes)
    whole = not c.text[:start].strip() and not c.text[end:].strip()
    before, after = c.text[start - 1 : start], c.text[end : end + 1]
    quoted = before in ("'", '"', "`") and after == before
    if spaced:
        return whole or quoted
    before_text = c.text[max(0, start - 128) : start]
    if word and _FLAG_THEN_BLANK.search(before_text) and not _ARGUMENT_END.match(c.text, end):
        return False  # "the --password option can't be used": a flag named in prose
    if whole or quoted or _ENV_OR_FLAG_BEFORE.search(before_text):
        return True
    if (
        span.islower()
        and word
        and _LINE_VALUE_BEFORE.search(before_text)
        and c.text[end : end + 1] in ("", "\n", "\r")
    ):
        return True  # a YAML, INI or properties line's whole value: password: tigerlily
    if (
        span.islower()
        and word
        and _FORM_PAIR_BEFORE.search(before_text)
        and c.text[end : end + 1] in ("", "&", "#")
    ):
        return True  # a form-encoded pair: password=sunshine&user=ml, ?user=ml&password=sunshine
    element = _ELEMENT_OPEN.search(before_text)
    return element is not None and c.text.startswith(f"</{element[1]}>", end)


# one word of 4 to 32 letters, a password's whole value (sunshine, postgres, tiger, admin;
# also capitalised or in capitals)
_LOWER_WORD = re.compile(r"[a-z]{4,32}")
# the words that say how a password is given or checked rather than being one: the
# command line's element that takes it (the --password option), the fields given with it
# (a list of a form's fields: ["password", "username"]), an interactive or stored source
# (prompt, keyring, a file or the environment), a state, the authentication methods of
# PostgreSQL's pg_hba.conf and of other servers' settings, and a redactor's word for it
_HOW_GIVEN = _words(
    "username usernames userid hostname database schema account domain realm tenant "
    "option options flag flags argument arguments parameter parameters switch field fields "
    "prompt stdin keyring keychain interactive generate generated random hidden masked "
    "redacted plaintext hashed encrypted unset inherit inherited missing provided manual "
    "external kerberos radius reject scram ldaps anonymous certificate client server "
    "text input plain hash mask show hide trust ident peer ldap cert sspi "
    # and what a log filter or a redactor writes in its place
    "filtered sanitized sanitised scrubbed censored obfuscated protected stripped elided "
    "withheld confidential nothing nopass nopassword "
    "secrets vaults envvar dotenv config settings ignore ignored allowed forbidden invalid"
)
# a diceware passphrase: 3 to 10 words of letters, numbers between them, no punctuation
_PASSPHRASE_WORD = re.compile(r"[A-Za-z]{2,12}|\d{1,6}")
# the words of a sentence or an instruction, which a passphrase drawn at random rarely holds
_FUNCTION_WORDS = frozenset(
    ("a", "an", "the", "of", "for", "to", "in", "on", "at", "by", "with", "from", "is", "are",
     "be", "was", "not", "no", "and", "or", "if", "your", "my", "our", "this", "that", "it",
     "as", "see", "use", "set", "enter", "ask", "here", "please", "change", "me", "required",
     "optional", "example", "default", "none", "null", "empty", "same", "unused", "disabled",
     "stored", "vault", "env", "environment", "variable", "file", "todo", "fixme", "tbd",
     "replace", "insert", "put", "goes", "type", "any", "some", "value", "string",
     # and the stand-ins of samples
     "foo", "bar", "baz", "qux", "lorem", "ipsum", "dolor", "sit", "amet", "dummy", "fake",
     "test", "sample", "placeholder", "changeme", "xxx", "password", "secret")
)  # fmt: skip
# every word that is no password of one word: a sentence's or a sample's, one that says
# how a password is given, a state, an authentication scheme
_NO_WORD_PASSWORD = _FUNCTION_WORDS | _HOW_GIVEN | _BOOL_NULL | AUTH_SCHEMES


def _spaced_passphrase(span: str) -> bool:
    """3 to 10 words and numbers with blanks between them, three distinct words at least,
    none of a sentence's, an instruction's or a sample's (``orbit tiger lamp 7 quilt``)."""
    words = span.split()
    if not 3 <= len(words) <= 10 or not all(_PASSPHRASE_WORD.fullmatch(w) for w in words):
        return False
    low = [w.lower() for w in words]
    if sum(w.isalpha() for w in words) < 3 or len(set(low)) < 3:
        return False  # (three distinct words at least: "xxx xxx xxx" is a mask)
    return not _FUNCTION_WORDS.intersection(low)


# the attributes of a cookie (RFC 6265's Set-Cookie attributes, RFC 2109's $-prefixed
# ones) say how to keep it, not what it holds; a session cookie's own name
_COOKIE_ATTRIBUTES = frozenset(
    ("path", "domain", "expires", "max-age", "samesite", "secure", "httponly", "priority",
     "partitioned", "version", "comment", "commenturl", "port", "discard")
)  # fmt: skip
_COOKIE_NAME = re.compile(r"(?i)(?:set[-_])?cookies?2?")
_SESSION_COOKIE = re.compile(r"(?i)sess|(?:^|[^a-z])sid$|sessid")


@validator
def cookie_pairs(c: Candidate) -> bool:
    """A cookie list (a ``Cookie`` header's ``name=value; ...``, a ``Set-Cookie`` line)
    holds a credential: a value under a credential's or a session's name that is
    credential-like, or a generated token under any other name that the key grammar does
    not call a setting or lineage (``csrftoken`` and ``XSRF-TOKEN`` are anti-forgery
    values, not credentials). Attributes (``Path``, ``$Version``) are skipped."""
    for pair in c.span.split(";"):
        name, eq, value = pair.strip().partition("=")
        name = name.strip()
        if not eq or not name or name.startswith("$") or name.lower() in _COOKIE_ATTRIBUTES:
            continue
        value = value.strip().strip('"')
        if len(value) < 6 or is_placeholder(value):
            continue
        key_class = classify_key(name)
        if key_class in (KeyClass.SETTING, KeyClass.LINEAGE):
            continue
        if key_class is KeyClass.CREDENTIAL or _SESSION_COOKIE.search(name):
            if credential_like(value):
                return True
        elif generated_token(value):
            return True
    return False


# the key types of OpenSSH public keys (RFC 4253, 5656, 8709, 8332; PROTOCOL.u2f), and
# their certificates (PROTOCOL.certkeys)
_SSH_KEY_TYPES = (
    "ssh-rsa",
    "ssh-dss",
    "ssh-ed25519",
    "ssh-ed448",
    "ecdsa-sha2-nistp",
    "sk-ssh-ed25519@",
    "sk-ecdsa-sha2-nistp256@",
)
_SSH_PUBLIC_KEY = re.compile(
    r"((?:ssh-(?:rsa|dss|ed25519|ed448)|ecdsa-sha2-nistp(?:256|384|521)"
    r"|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)(?:-cert-v01@openssh\.com)?)"
    r"[ \t]+(AAAA[A-Za-z0-9+/]{16,16384}={0,2})(?=[ \t\r\n\"'`]|$)"
)


def ssh_public_key(text: str, start: int = 0) -> bool:
    """``text`` holds an OpenSSH public key line at ``start``: a key type, then base64 whose
    first field (a length-prefixed string) repeats that type, as the wire format does."""
    m = _SSH_PUBLIC_KEY.match(text, start)
    if m is None:
        return False
    try:
        raw = base64.b64decode(m.group(2), validate=True)
    except (binascii.Error, ValueError):
        return False
    size = int.from_bytes(raw[:4], "big")
    return raw[4 : 4 + size] == m.group(1).encode("ascii")


# a docstring's field naming a parameter (reST/Sphinx :param [type] name:, Javadoc and
# JSDoc @param [{type}] name), right before the name
_DOC_FIELD = re.compile(
    r"(?:^|(?<=[\s*/\"']))(?::(?:param|parameter|arg|argument|key|keyword|type|ivar|cvar|var|vartype)"
    r"|@(?:param|arg|argument|property|prop))[ \t]+(?:\{[^{}\r\n]{0,64}\}[ \t]+|[\w\[\], .|]{0,64}[ \t]+)?$"
)
# a string literal's closing quote, then the call or operator that fills it as a template
_TEMPLATE_FILLED = re.compile(r"""["'`][ \t]*(?:\.format(?:_map)?\(|%[ \t]*[(\w])""")
_BRACKET = re.compile(r"[{}()\[\]<>]")
_CODE_HEAD = re.compile(r"[A-Za-z_.]*")


# what tells a generated password from code in a config line's bracketed value
_OPERATORS = frozenset("~!@#$%^&*?|")
_ALNUM = re.compile(r"[A-Za-z0-9]")
_LIST_SEPARATOR = re.compile(r"[;,&]+")
_PLAIN_ITEM = re.compile(r"[\w.+-]*(?:=[\w.+-]*)?")  # (and a name=word pair: a=b,c=d)
_LETTER_RUN = re.compile(r"[A-Za-z]{3,}")


def _bracketed_value(v: str) -> bool:
    """A token holding brackets or braces reads as a value, not code, when it has 8
    characters or more and either something before the first bracket that is not a name
    (``Union[str,``, ``self.tokens[i``, ``(domain,``: a type, a subscript, a tuple) and no
    end as code goes on (``,`` ``(``), or what code never writes: a closing bracket before
    any opening one with more after it (``P}8od...``), three kinds of operator
    (``M(O<~!>K[0<)0*=``), a run of letters no name is made of
    (``(K1?J3Q{B{Z2liqAtDdn``: a generated password's symbols), or no expression a parser
    reads (crossed brackets, symbols in a row: ``odvy{-FI}WJfe95:k3q3``). A token holding
    ``;``, ``,`` or ``&`` and no bracket is a value unless it is a list of names, words,
    numbers, versions or ``name=word`` pairs (``basic,digest``, ``read,write``)."""
    if len(v) < 8 or "[REDACTED" in v:
        return False  # (short, or holding redact's own mask: its output read again)
    first = _BRACKET.search(v)
    if first is None:  # (; , or & alone: a list of names and numbers is no value, and one
        # that ends a statement or an item is read by the other forms without its ; or ,)
        return v[-1] not in ",;" and not all(_list_item(p) for p in _LIST_SEPARATOR.split(v))
    head = v[: first.start()]
    if v[-1] not in ",;:([{" and head and not _code_head(head):
        return True
    if first.group() in ")]}" and _ALNUM.search(v, first.end()):
        return True
    if len(_OPERATORS.intersection(v)) >= 3:
        return True  # three kinds of operator with no blank between them: no line of code
    return any(not _code_word(w) for w in _LETTER_RUN.findall(v)) or not _reads_as_expression(v)


_CLOSES = {"(": ")", "[": "]", "{": "}"}


def _reads_as_expression(v: str) -> bool:
    """The token parses as an expression once the brackets it leaves open are closed
    (and an operator or a keyword argument's ``=`` it ends with, before a literal, is
    dropped): a call, a subscript, a literal or an operation on names (``cfg[0][1](x)``,
    ``Dict[str,List[int]]``, ``self.get(name``, ``Token(type=``), as code cut at a blank or a
    quote does; a generated password's symbols in a row (``odvy{-FI}WJfe95:k3q3``) do not."""
    stack: list[str] = []
    for i, ch in enumerate(v):
        if ch in _CLOSES:
            stack.append(_CLOSES[ch])
        elif ch in ")]}":  # (which one: the parse tells crossed brackets)
            if not stack:  # closing what was opened before the token (api_token), ...):
                if _ALNUM.search(v, i):  # code's, unless more follows (5C}OO]Pm)
                    return False
                v = v[:i]  # (the expression is what comes before)
                break
            stack.pop()
    closers = "".join(reversed(stack))
    for head in (v, v.rstrip("=,:+-*/%|&<>!")):  # (cut before a literal: Token(type="", ...)
        try:
            ast.parse(head + closers, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # (nested past the parser's depth: no code a line holds)
        return True
    return False


def _list_item(p: str) -> bool:
    """An item of a list code or a setting writes: a name, a word, a number or a version,
    alone or after a name and ``=``."""
    return bool(_PLAIN_ITEM.fullmatch(p)) and all(_code_word(w) for w in _LETTER_RUN.findall(p))


def _code_word(w: str) -> bool:
    """Letters a name in code is made of: a constant's capitals, a short abbreviation
    (``pwd``, ``cfg``), a pronounceable word in one case or capitalised, a type's name."""
    if w.isupper() or (w.islower() and len(w) <= 4):
        return True
    if w.islower():  # (xstrdup, strncpy: C's names hold long runs of consonants)
        return _pronounceable(w)
    if w.istitle():
        return _pronounceable(w) and not _consonant_run(w)
    return _looks_like_type_name(w)


def _code_head(head: str) -> bool:
    """The part before a bracket is a name code writes: dotted or snake, a type's name, or
    a pronounceable word in one case or capitalised (``self.tokens``, ``Union``, ``dict``),
    not letters at random (``hcMNW``)."""
    if not _CODE_HEAD.fullmatch(head):
        return False
    if "." in head or "_" in head or _looks_like_type_name(head):
        return True
    return _pronounceable(head) and (head.islower() or head.istitle())


_TOKEN_ALPHABET = re.compile(r"[A-Za-z0-9+/=_-]{16,512}")


def generated_token(value: str, bare: bool = False, digest: bool = False) -> bool:
    """A value a machine generated as a credential: 16 or more characters of a token's
    alphabet (base64, base64url, hex, with dashes: no dots, so no dotted name), letters with
    digits or with both cases, random (3.3 bits per character or more), not a name, a
    filler, a counting run or hex of a commit's or a content digest's length (what lineage
    looks like). Under a ``bare`` key (``acmeiot.key``), which may be a record's, neither
    MD5's length in hex nor a UUID nor a ULID, the shapes of a cache's or a record's key. With
    ``digest``, where a credential's own name says what the value is, hex of a digest's
    length is a key too."""
    v = value.strip().strip("'\"`")
    if not _TOKEN_ALPHABET.fullmatch(v) or not credential_like(v) or not token_like(v):
        return False
    has_digit = any(ch.isdigit() for ch in v)
    if not any(ch.isalpha() for ch in v) or (not has_digit and (v.islower() or v.isupper())):
        return False
    if not has_digit and _words_joined(v):
        return False  # (LicenseRef-Proprietary, Default_AccessPolicy: words, no token)
    if (not digest and _DIGEST_HEX.fullmatch(v)) or (bare and _RECORD_KEY.fullmatch(v)):
        return False  # lineage's shape, or under a bare key a record's or a cache's key
    # (hex, dashed or not, is judged by its corrected figure against a lower bar: 1 in 2,000
    # random UUIDs and 1 in 2,500 random 32-digit hex fell under 3.3, 1 in 100,000 under
    # 3.1, while a repeated pattern, deadbeef..., stays far below either)
    bar = _HEX_RANDOM if _ONE_CASE_HEX.fullmatch(v) else 3.3
    return random_bits(v) >= bar and not _is_counting(v)


_HEX_RANDOM = 3.1


def _words_joined(v: str) -> bool:
    """Letters that are words joined by ``-``, ``_`` or ``/``, each part a type's CapWords
    name, a pronounceable lower-case word or an acronym of at most 5 capitals
    (``LicenseRef-scancode-public``, ``OpenGroup-BSD-like``, a secret manager's name
    ``tutorials/MyFirstSecret``)."""
    parts = [p for p in _PART_SEPARATOR.split(v) if p]
    return all(_looks_like_type_name(p) or _lower_word(p) or _ACRONYM.fullmatch(p) for p in parts)


_ACRONYM = re.compile(r"[A-Z]{2,5}")


def _lower_word(p: str) -> bool:
    """Lower-case letters with a vowel and no 5 consonants in a row, as a word has."""
    return p.islower() and _pronounceable(p) and not _consonant_run(p)


_PART_SEPARATOR = re.compile(r"[-_/]+")


def password_shaped(value: str) -> bool:
    """One token of 8 or more characters with both cases and a digit or a symbol, random
    (3 bits per character or more): how a chosen or generated password looks, unlike a
    name made of words and numbers (``conv1x1``, ``ResNet50``)."""
    v = value.strip().strip("'\"`")
    if len(v) < 8 or not credential_like(v) or not token_like(v):
        return False
    if v.islower() or v.isupper() or v.isalpha():  # (one case, or letters alone)
        return False
    return shannon_entropy(v) >= 3.0


@validator
def generated(c: Candidate) -> bool:
    """The span is a token a machine generated (``generated_token``), as an API vendor
    issues keys that carry no prefix of their own. After a name that says which
    credential it is (the regex group ``kind``: ``api key``, ``access token``,
    ``password``), hex of a commit's or a digest's length is one too, as it is under the
    same name as a key (``api_key: <40 hex>``); so under a key that ends with such a word,
    where the pattern reads the whole value under its key (the regex group ``keyed``)."""
    m = c.match
    if m is not None and "name" in m.re.groupindex and m.group("name") is not None:
        # a bare key, token or secret after a word (fennimo token, acmeiot key): the name
        # the two make is judged as a dict key is, and so is the value under it
        name = assignment_name(c)
        if classify_key(name) is not KeyClass.CREDENTIAL:
            return False  # (pagination token, cache key, the key: no credential's name)
        if credential_from_parent(name):  # an unknown vendor's key: never lineage's hex
            return generated_token(c.span, bare=is_bare_key(split_segments(name)[-1]))
        # hex of a digest's length after a token or a secret, never after a key (signing
        # key, private key: hex there is a key's public fingerprint)
        return generated_token(c.span, digest=m.group("name").lower() != "key")
    named = m is not None and "kind" in m.re.groupindex and m.group("kind") is not None
    if m is not None and "keyed" in m.re.groupindex:
        # (the whole value under the key that selected the pattern: the key's last word,
        # glued or not, says which credential it is, shodan_api_key or FINNHUBKEY as
        # "shodan api key" in text)
        named = c.key.lower().endswith(_KIND_WORDS)
    return generated_token(c.span, digest=named)


# the last words of a key that say which credential its value is
_KIND_WORDS = ("key", "keys", "token", "tokens", "secret", "pat", "password")


# hex shorter than MD5's: an id (a span's, a resource's suffix), where a name does not say key
_SHORT_HEX = re.compile(r"[0-9a-fA-F]{1,31}")
# 40, 64 or 128 hex digits of one case: a commit (SHA-1) or a content digest (SHA-256,
# SHA-512). 32 (MD5's length) is also the commonest shape of a vendor's API key, and reads
# as one under a vendor's name
_DIGEST_HEX = re.compile(r"[0-9a-f]{40}|[0-9A-F]{40}|(?:[0-9a-f]{64}|[0-9A-F]{64}){1,2}")
# (MD5's length in hex, a UUID, a ULID: what a cache's or a record's key looks like)
_RECORD_KEY = re.compile(
    r"[0-9a-f]{32}|[0-9A-F]{32}|[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}|[0-7][0-9A-HJKMNP-TV-Z]{25}"
)


# a name whose last word says a value of digits alone is the credential: a PIN or a
# numeric password from 6 digits, a numeric token or secret from 16
_DIGIT_PASSWORD_WORDS = (*_PASSWORD_WORDS, "pin")
_DIGIT_TOKEN_WORDS = ("secret", "token", "key", "apikey", "auth", "credential", "credentials")


def numeric_credential(digits: str, name: str) -> bool:
    """``digits`` (ASCII digits only) under the credential name ``name`` is the credential
    itself: a PIN or numeric password (``DB_PASSWORD=83749202``) or a long numeric token,
    not a counting run, a filler or a calendar date."""
    words = key_words(name) if name else []
    last = words[-1] if words else ""  # (one word may hold two: PGPASSWORD, apitoken)
    if last.endswith(_DIGIT_PASSWORD_WORDS):
        least = 6
    elif last.endswith(_DIGIT_TOKEN_WORDS):
        least = 16
    else:
        return False
    if len(digits) < least or len(digits) > 128 or is_filler(digits) or _is_counting(digits):
        return False
    return not (len(digits) == 8 and _YYYYMMDD.match(digits))


_DIGIT_GROUPS = re.compile(r"[0-9]+(?:[-.:/ ][0-9]+)+")
_NOT_DIGIT = re.compile(r"[^0-9]")
_YYYYMMDD = re.compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])$")


# what separates the parts of a name-like value (fp16-mixed, ACME-1234, 2.3.0+cu121)
_VALUE_PARTS = re.compile(r"[-_.:/+=@]+")
# a part that is a word, a word with a short number (bfloat16, cu121, v3) and maybe a
# letter after it (Conv2d, Inception5b), a number and maybe a letter (7c), or dimensions
# (3x3, 1024x512): the parts of layer and model names
_WORDISH = re.compile(
    r"(?:[a-z]+|[A-Z]+|[A-Z][a-z]+)(?:\d{0,3}|\d{1,2}[a-z])|v?\d{1,6}|\d{1,2}[a-z]|\d{1,4}x\d{1,4}"
)
_BASE64ISH = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")


def token_like(value: str) -> bool:
    """A value held as a credential under a name that says nothing by itself, only its
    parent does (``secrets.anthropic``): one token, not a list, a path or a version, and
    not made of words and short numbers (``ACME-1234``, ``fp16-mixed``, ``q_proj,k_proj``,
    ``2.3.0+cu121``); what is left reads as random (a key, a password with symbols)."""
    v = value.strip().strip("'\"`")
    if not v or "," in v or any(ch.isspace() for ch in v):
        return False
    if "/" in v and not _BASE64ISH.fullmatch(v):
        return False  # a path or a reference (an AWS secret key's / is base64)
    return not all(_WORDISH.fullmatch(p) for p in _VALUE_PARTS.split(v) if p)


# the opening of an interpolated string right before a value: Python's f"" (rf, fr),
# C#'s $"" ($@, @$), JavaScript's template literal
_INTERPOLATED = re.compile(r"(?:(?<![A-Za-z0-9_])(?:[fF][rR]?|[rR][fF])|\$@?|@\$)[\"']$|`$")
# one field of it: {expr}, nested braces one level deep ({x:{width}})
_FIELD = re.compile(r"\{(?:[^{}]|\{[^{}]*\})*\}|\$\{[^{}]*\}")
_FIELD_GLUE = " \t-_:./,;=@?&"


# (a Unicode ``\w`` is str.isalnum() or "_", a Unicode ``\s`` str.isspace())
_NOT_B64 = re.compile(r"[^\w+/=]+|_+")
_SPACE = re.compile(r"\s+")


_B64_PEM = "LS0tLS1CRUdJTi"  # "-----BEGIN" in base64, from the first character
_PRIVATE_HEADER = re.compile(
    r"-----BEGIN[ A-Z0-9]{0,20} PRIVATE KEY(?: BLOCK)?-----|-----BEGIN OpenVPN Static key V1-----"
)


@validator
def pem_body(c: Candidate) -> bool:
    """A PEM block carries key material: at least 16 base64 characters after the header,
    not a mask or a stand-in (``...``, ``<key>``, ``xxxx``). A block written in base64
    (a Kubernetes secret's ``data``, a CI variable) is decoded first and must be a private
    key's block."""
    if c.span.startswith(_B64_PEM):
        armour = _b64_text(c.span)
        if armour is None or _PRIVATE_HEADER.match(armour) is None:
            return False
        return pem_has_key_material(armour)
    return pem_has_key_material(c.span)


def _der_length(data: bytes, at: int) -> tuple[int, int] | None:
    """A DER length at ``data[at]``: ``(length, offset of the contents)``, or None."""
    if at >= len(data):
        return None
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if not 1 <= count <= 3 or at + 1 + count > len(data):
        return None
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


@validator
def der_private_key(c: Candidate) -> bool:
    """Base64 of a private key in DER: one SEQUENCE spanning all the bytes, opened by a
    version INTEGER 0 or 1 and followed by what a private key holds next, PKCS#8's
    algorithm SEQUENCE, PKCS#1's modulus INTEGER or SEC 1's private key OCTET STRING (a
    certificate or a public key opens with a SEQUENCE, an RSA public key with the
    modulus: neither is read)."""
    try:
        data = base64.b64decode(c.span, validate=True)
    except (ValueError, binascii.Error):
        return False
    if len(data) < 40 or data[0] != 0x30:
        return False
    head = _der_length(data, 1)
    if head is None or head[0] + head[1] != len(data):
        return False
    at = head[1]
    version, after = data[at : at + 3], data[at + 3 : at + 4]
    return version in (b"\x02\x01\x00", b"\x02\x01\x01") and after in (b"\x30", b"\x02", b"\x04")


@validator
def base64_json_credential(c: Candidate) -> bool:
    """A base64 value that decodes to a JSON object holding a credential: a member whose
    name the key grammar reads as a credential (``password``, ``auth``, ``private_key``,
    ``client_secret``), at any depth, whose value looks like one. A Docker
    ``.dockerconfigjson``, a service account's key file or a connection profile encoded
    for a CI variable or a Kubernetes secret."""
    text = _b64_text(c.span.replace("-", "+").replace("_", "/"), limit=1 << 20, encoding="utf-8")
    if text is None:
        return False
    try:
        obj = json.loads(text)
    except ValueError:
        return False
    return _holds_credential(obj, 0)


def _holds_credential(obj: object, depth: int) -> bool:
    """A member of ``obj`` (at any depth) is a credential by its name, read with the
    context its siblings give as everywhere else (a ``value`` beside its ``key``, a JSON
    Web Key's ``d`` beside its ``kty``)."""
    if depth > 16:
        return False
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, str):
                name = str(k)
                if name in SIBLING_CONTEXT:
                    name = context_key(obj, name)
                if classify_key(name) is KeyClass.CREDENTIAL and credential_like(v):
                    return True
            elif _holds_credential(v, depth + 1):
                return True
    elif isinstance(obj, list):
        return any(_holds_credential(v, depth + 1) for v in obj[:1000])
    return False


def _b64_text(value: str, limit: int = 65536, encoding: str = "ascii") -> str | None:
    """``value`` (base64, line breaks allowed, padding optional) decoded as text, or None;
    past ``limit`` characters the decoded text is cut short."""
    data = _SPACE.sub("", value)
    data = data[:limit].rstrip("=") if len(data) <= limit else data[: limit - limit % 4]
    if len(data) % 4 == 1:  # (no whole byte in a last single character)
        data = data[:-1]
    data += "=" * (-len(data) % 4)
    try:
        return base64.b64decode(data, validate=True).decode(encoding, errors="strict")
    except (ValueError, UnicodeDecodeError):
        return None


def pem_has_key_material(span: str) -> bool:
    """The PEM armour ``span`` holds key material, not a header alone or a stand-in body."""
    head_end = span.find("-----", 10)
    body = span[head_end + 5 :] if head_end >= 0 else span
    end = body.find("-----END")
    if end >= 0:
        body = body[:end]
    body = body.replace("\\n", "\n")
    b64 = _NOT_B64.sub("", body)  # the alphanumerics (str.isalnum) and + / =
    if len(b64) < 16:
        return False
    core = _SPACE.sub("", body)
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


# ---------------------------------------------------------------- SSN
@validator
def ssn(c: Candidate) -> bool:
    """SSA rules: area not 000, 666 or 900-999; group not 00; serial not 0000."""
    return ssn_ok(_digits(c.span))


def ssn_ok(d: str) -> bool:
    """Nine digits an SSN may be under the SSA rules for issued numbers (no area 000, 666
    or 900-999, no group 00, no serial 0000), and not a number the SSA voided after it was
    printed as a sample (078-05-1120 on a wallet insert, 219-09-9999 in its own pamphlet)
    nor a filler: one digit repeated, or the digits counting (123-45-6789), as a counting
    run is no credential either."""
    if len(d) != 9 or not d.isdigit():
        return False
    area, group, serial = int(d[:3]), int(d[3:5]), int(d[5:])
    if area in (0, 666) or area >= 900 or group == 0 or serial == 0:
        return False
    return d not in _SSN_VOIDED and len(set(d)) > 1 and not _is_counting(d)


_SSN_VOIDED = frozenset(["078051120", "219099999"])


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


_NOT_A_BASIC_VALUE = re.compile(r"[=()${}<>\[\]]")


_AUTH_PARAM_VALUE = re.compile(r'=[ \t]*"?([^",]*)')


_CALL_OR_INDEX = re.compile(r"[(\[]")


def _header_value_is_code(c: Candidate) -> bool:
    """A value with no scheme that code writes, not a header's: a name or an attribute
    (``{"Authorization": header}``, ``"authorization": self.authorization,``), or a call or
    subscript of one (``kwargs.get("authorization")``, ``authorization[1].encode()``)."""
    core = c.span.rstrip(",;)}] \t")
    head = _CALL_OR_INDEX.split(core, 1)[0]
    if head != core:
        return is_code_expression(head, core[len(head) :])
    return bool(core) and (not credential_like(core) or is_code_expression(core, c.text[c.end : c.end + 16]))


@validator
def basic_auth(c: Candidate) -> bool:
    """A ``Basic`` credential decodes to ``user:password``, or is not base64 at all and
    looks like a credential itself (a token or password sent unencoded); other schemes
    pass, and so does a list of parameters unless every value stands in."""
    groups = c.match.groupdict()
    if groups.get("params") is not None:  # k="v", k="v": not when every value stands in
        return not all(is_placeholder(v) for v in _AUTH_PARAM_VALUE.findall(c.span))
    scheme = groups.get("scheme") or ""
    if not scheme and _header_value_is_code(c):
        return False
    if scheme.lower() != "basic":
        # "Authorization": "Bearer " + token: the scheme word alone is no credential
        if c.span.lower() in AUTH_SCHEMES or is_placeholder(c.span):
            return False
        # after a word no scheme is, the value is judged as one: "Authorization: the
        # caller must be an admin" is a docstring's sentence
        return scheme.lower() in AUTH_SCHEMES or credential_like(c.span)
    try:
        decoded = base64.b64decode(c.span + "=" * (-len(c.span) % 4), validate=True).decode()
    except (ValueError, binascii.Error):
        # not base64: a credential sent as it is (upper and lower case and digits, as
        # generated ones have), not code, a challenge's parameters or a description
        # (``base64(user:pass)``, ``realm="x"``, ``${B64}``, ``base64-encoded-user:pass``)
        span = c.span
        return (
            not _NOT_A_BASIC_VALUE.search(span)
            and span != span.lower()
            and span != span.upper()
            and _HAS_DIGIT.search(span) is not None
            and credential_like(span)
        )
    except UnicodeDecodeError:
        return False
    return ":" in decoded and not is_placeholder(decoded.split(":", 1)[1])
