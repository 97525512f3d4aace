"""RFC 6901 JSON pointers and dotted key paths for leaves of nested values."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from redact.detect.keys import KeyClass, classify_key

__all__ = [
    "pointer",
    "key_path",
    "escape",
    "unescape",
    "split_pointer",
    "context_key",
    "SIBLING_CONTEXT",
    "SIBLING_NAMES",
    "flag_name",
    "pair_name",
    "item_name",
    "command_line",
    "named_fields",
    "ARGV_MAX",
    "MIN_INT",
]

Segment = str | int

# the smallest integer that can hold a finding (a card number or an SSN is longer): values
# and keys below it are not read
MIN_INT = 10**8


def escape(segment: Segment) -> str:
    s = str(segment)
    if "~" in s or "/" in s:
        s = s.replace("~", "~0").replace("/", "~1")
    return s


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def pointer(path: Sequence[Segment]) -> str:
    """``["params", "db", 0]`` -> ``/params/db/0`` (the empty path is ``""``, the root)."""
    return "".join("/" + escape(p) for p in path)


def split_pointer(ptr: str) -> list[str]:
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise ValueError("a JSON pointer starts with '/'")
    return [unescape(p) for p in ptr[1:].split("/")]


def key_path(path: Sequence[Segment]) -> str:
    """``["params", "db", 0, "url"]`` -> ``params.db[0].url``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


# a member holding a value, and the sibling members that can name it, in order: MLflow's
# and Kubernetes' {"key"/"name": ..., "value"/"val": ...}, a form's or a password
# manager's fields {"id"/"label"/"field": ..., "value": ...} (1Password's item JSON, HTML
# form dumps), a settings table's rows {"param"/"option"/"variable"/"property"/"setting":
# ..., "value": ...}, AWS tags {"Key": ..., "Value": ...},
# Elastic Beanstalk's option settings {"OptionName": ..., "Value": ...}, CloudFormation's
# {"ParameterKey": ..., "ParameterValue": ...}
_NAMED_BY: dict[str, tuple[str, ...]] = {
    "value": (
        "key",
        "name",
        "label",
        "id",
        "field",
        "param",
        "parameter",
        "option",
        "variable",
        "property",
        "setting",
    ),
    "val": ("key", "name"),
    "Value": ("Key", "Name", "OptionName"),
    "ParameterValue": ("ParameterKey",),
}
# the same names as a table's columns, in any case: a two-column export of settings
# (key,value / name;value) holds each value under the name in its row
VALUE_COLUMNS = frozenset(name.lower() for name in _NAMED_BY)
NAMER_COLUMNS = frozenset(name.lower() for names in _NAMED_BY.values() for name in names)
# the private members of a JSON Web Key (RFC 7517, 7518, 8037): beside its "kty" they are
# key material (RSA's private exponent and CRT values, an EC or OKP private key, the
# symmetric key of an "oct" key)
_JWK_PRIVATE = frozenset({"d", "p", "q", "dp", "dq", "qi", "k"})
# the members whose siblings give them their context (:func:`context_key`)
SIBLING_CONTEXT = frozenset({*_NAMED_BY, "key", *_JWK_PRIVATE})
# members that name whose credential a bare ``key`` beside them is: the account of a
# key pair (``{"username": ..., "key": ...}`` as in kaggle.json, ``{"email": ..., "key":
# ...}`` as Cloudflare's global API key, ``{"key_id": ..., "key": ...}`` key records)
IDENTITY_NAMES = (
    "username", "userName", "user_name", "user", "login", "email", "account", "accountName",
    "account_name", "client_id", "clientId", "access_key_id", "accessKeyId", "key_id", "keyId",
    "app_id", "appId",
)  # fmt: skip
# the name a bare ``key`` beside an account's member is read under: ``<holder>_key`` for a
# holder the key grammar does not know, so the value decides (a generated token)
IDENTITY_KEY = "identity_key"
# every sibling name :func:`context_key` looks at (what a reader of a document keeps)
SIBLING_NAMES = frozenset(
    {name for names in _NAMED_BY.values() for name in names} | {"key", "kty", *IDENTITY_NAMES}
)


def context_key(mapping: Any, key: str) -> str:
    """The key name that gives context to ``mapping[key]``.

    Exports of tracking stores list params and tags as ``{"key": "db_password", "value":
    "..."}`` pairs (MLflow's REST API and exports, many YAML dumps): the ``value`` is read
    under the name its sibling ``key`` (or ``name``) gives, and so are AWS tags
    (``Key``/``Value``), Elastic Beanstalk's option settings (``OptionName``/``Value``)
    and CloudFormation's parameters (``ParameterKey``/``ParameterValue``). A bare ``key``
    beside a member naming an account (:data:`IDENTITY_NAMES`) is that account's key
    when its value is a generated token (read as :data:`IDENTITY_KEY`, the key of a holder
    the grammar does not know): kaggle.json's 32 hex digits or Cloudflare's global API
    key are; a metric's name beside a user in an audit record (``{"user": ..., "key":
    "train/loss"}``) is a record's key. The private members of
    a JSON Web Key (``d``, ``p``, ``q``, ``dp``, ``dq``, ``qi``, ``k`` beside ``kty``) are
    read as ``private_key``.
    """
    names = _NAMED_BY.get(key)
    if names is not None:
        for name in names:
            named = mapping.get(name)
            if type(named) is str:
                return named
    elif key in _JWK_PRIVATE:
        if type(mapping.get("kty")) is str:
            return "private_key"
    elif key == "key":
        for name in IDENTITY_NAMES:
            if type(mapping.get(name)) is str:
                return IDENTITY_KEY
    return key


def flag_name(item: Any) -> str | None:
    """The option an item of an argument list names, when the next item is its value
    (``--db-password`` -> ``db-password``, ``-p`` -> ``p``): that item is read with it as
    its key, as ``--name value`` is on a command line. None for anything else (``--x=v``
    carries its own value; ``-1`` is a number)."""
    if type(item) is not str or item[:1] != "-" or "=" in item or len(item) > 82:
        return None
    name = item.lstrip("-")
    return name if name[:1].isalpha() else None


def pair_name(items: Any) -> str | None:
    """The name of a ``(name, value)`` pair, when ``items`` is one: a sequence of two
    whose first item is a string the key grammar reads as a key that says something
    (``('password', ...)`` in ``dict.items()``, an ``OrderedDict``'s repr, a list of HTTP
    headers, ``[["api_key", ...]]`` in JSON), so the second is read under it as a
    mapping's member is. None for anything else, and where the second item is too short
    a value to hold a finding a name would change (a pair of words, a shape)."""
    if len(items) != 2:
        return None
    second = items[1]
    if type(second) is not str and type(second) is not int:
        second = getattr(second, "value", None)  # (a parsed document's JStr, JNum)
    if type(second) is str:
        if len(second) < 6:
            return None
    elif type(second) is not int or abs(second) < MIN_INT:
        return None
    first = items[0]
    if type(first) is not str:
        first = getattr(first, "value", None)
    if type(first) is not str or _PAIR_NAME.fullmatch(first) is None:
        return None
    return first if classify_key(first) is not KeyClass.NEUTRAL else None


# what may name a pair's value: a key's name, not a path, a sentence or a number
_PAIR_NAME = re.compile(r"[A-Za-z_][\w.\-]{0,99}")


def item_name(prev: Any, index: int, pair: str | None) -> str | None:
    """The name the item at ``index`` of a list is read under, as a mapping's member is
    read under its key: the option before it (``prev``, the item before, or its text:
    ``["--db-password", value]``, :func:`flag_name`), or the name of a ``(name, value)``
    pair for its second item (``pair``, :func:`pair_name`); None for any other item."""
    if type(prev) is str and prev[:1] == "-":
        flag = flag_name(prev)
        if flag:
            return flag
    return pair if index == 1 else None


def command_line(texts: Sequence[Any]) -> tuple[str, list[int]] | None:
    """The command line an argument list stands for, with each item's offset in it: a
    Docker ``CMD`` or a Kubernetes container's ``command``/``args`` in exec form, a
    subprocess's argv (``["mysql", "-u", "root", "-pPW"]``, ``["curl", "-u", "u:PW", url]``).
    What a command makes of an argument (``-p`` is mysql's password, ``-u u:PW`` curl's
    credentials) is read from the line by the same detectors as a command written as text.
    The items are joined by spaces; one holding a blank or nothing is quoted as a shell
    would quote it (its offset is that of its text). None unless every item is a string
    (``texts`` may hold None for an item that is not) and one of them is an option (``-x``,
    ``--name``, a Windows switch ``/user:NAME``), or the first names a program that takes
    its logon as a bare argument (Oracle's clients: ``["sqlplus", "scott/PW@db"]``)."""
    n = len(texts)
    if n < 2 or n > ARGV_MAX:
        return None
    first = texts[0]
    option = type(first) is str and _program(first) in _LOGON_PROGRAMS
    for t in texts:
        if type(t) is not str or len(t) > _ARGV_ITEM_MAX:
            return None
        if not option and (
            (t[:1] == "-" and (t[1:2].isalpha() or (t[1:2] == "-" and t[2:3].isalpha())))
            or (t[:1] == "/" and _WINDOWS_SWITCH.match(t) is not None)
        ):
            option = True
    if not option:
        return None
    parts: list[str] = []
    offsets: list[int] = []
    at = 0
    for t in texts:
        if not t or _BLANK.search(t) is not None:
            quote = "'" if "'" not in t else '"'
            parts.append(quote + t + quote)
            offsets.append(at + 1)
        else:
            parts.append(t)
            offsets.append(at)
        at += len(parts[-1]) + 1
    return " ".join(parts), offsets


ARGV_MAX = 512  # items past which a list is data, not a command (a metric's history)
# a Windows switch with a value (net use's /user:NAME, msdeploy's /p:PW), not a path
_WINDOWS_SWITCH = re.compile(r"/[A-Za-z][A-Za-z-]{0,31}:")
_ARGV_ITEM_MAX = 4096
_BLANK = re.compile(r"\s")
# Oracle's clients, whose first argument is the logon user/password@database (SQL*Plus,
# SQL*Loader, Data Pump, RMAN, the original export and import)
_LOGON_PROGRAMS = frozenset(["sqlplus", "sqlldr", "expdp", "impdp", "rman", "exp", "imp"])


def _program(path: str) -> str:
    """A command's program by name: ``C:\\oracle\\bin\\SQLPLUS.EXE`` -> ``sqlplus``."""
    name = path.rsplit("/", 1)[-1].rsplit("\\", 1)[-1].lower()
    return name[:-4] if name.endswith(".exe") else name


def named_fields(v: Any) -> dict[str, Any] | None:
    """A named tuple's fields by name (``collections.namedtuple``, ``typing.NamedTuple``),
    walked as a dataclass's are so that each field's name is its value's key; None for
    anything else."""
    t = type(v)
    if t is tuple or not isinstance(v, tuple):
        return None
    names = getattr(t, "_fields", None)
    if type(names) is not tuple or len(names) != len(v) or not hasattr(t, "_make"):
        return None
    return dict(zip(names, v, strict=True))
