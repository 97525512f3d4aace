"""Validators for connection strings and command lines that carry a credential.

The catalog's patterns (``detectors/connection_string.yaml``) find the credential span;
these checks decide whether the match is one: the credential is not a stand-in (a
template, a mask, a documentation word), and the text around the match is the kind of
connection string or command the pattern assumes. Every look-around is bounded, so the
cost per match is constant and a scan stays linear in the length of the value.
"""

from __future__ import annotations

import re

import ahocorasick

from redact.detect.pii import is_ipv6_address
from redact.detect.validators import (
    FIELD_OPEN,
    Candidate,
    credential_like,
    generated_token,
    is_placeholder,
    is_reference,
    password_shaped,
    validator,
)

__all__ = ["is_stand_in", "TEMPLATE_ONLY"]

# A credential that IS a template, a reference or a mask (the whole of it): ``${X}``,
# ``{{ x }}``, ``<password>``, ``****``, ``%(x)s``. A password that merely contains
# ``${`` or ``{{`` among other characters is a password.
TEMPLATE_ONLY = re.compile(
    r"""^(?:
        \$\{\{[^}]*\}\}                  # ${{ secrets.X }}
      | \$\{[^{}]*\}                     # ${VAR}, ${VAR:-default}
      | \$\{[A-Za-z_][\w.:-]*            # ${VAR cut short
      | \$\([^()]*\)? | \$\(.*\)         # $(command)
      | \$[A-Za-z_][A-Za-z0-9_]*         # $VAR
      | %[A-Za-z_][A-Za-z0-9_]*%         # %VAR%
      | \{\{[^{}]*(?:\}\}?)?              # {{ template }} (also cut short at a space)
      | \{%[^%]*%\}                      # {% template %}
      | """
    + FIELD_OPEN
    + r"""[A-Za-z_][\w.]*\}                # {name}
      | %\([^)]*\)[sdr]? | %s            # %(name)s
      | <[^<>]*>                         # <password>
      | \[[A-Za-z _:.-]*\]               # [REDACTED], [REDACTED:detector]
      | (.)\1{2,}                        # ****, xxxx, ....
      | \*{3,}.{0,8}                     # a masked value with a visible tail (****#)
      | (?:enc:v[12]|tok):\S*           # this library's own encrypt / tokenize output
    )$""",
    re.X | re.S,
)
# Documentation stand-ins written in place of a password.
_STAND_IN_WORDS = frozenset(
    [
        "password", "passwd", "pass", "pwd", "secret", "passw0rd", "changeme", "change_me",
        "change-me", "changeit", "redacted", "masked", "hidden", "placeholder", "example",
        "dummy", "none", "null", "empty", "yourpassword", "your_password", "your-password",
        "mypassword", "my_password", "my-password", "token", "apikey", "api_key",
    ]
)  # fmt: skip
_STAND_IN_SHAPE = re.compile(
    r"^(?:your|my|the|enter|insert)[_-]?[a-z]*(?:pass|pwd|secret|token|key)[a-z_-]*$", re.I
)


def is_stand_in(value: str) -> bool:
    """True when the whole credential is a template, a reference, a mask or a stand-in word."""
    v = value.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1].strip()
    if not v:
        return True
    if TEMPLATE_ONLY.match(v):
        return True
    low = v.lower()
    if low in _STAND_IN_WORDS or _STAND_IN_SHAPE.match(low):
        return True
    # the one placeholder grammar of credentials found by context: masks with a short
    # visible part (sk_live_xxxx..., hf_xxxx...), fillers (glc_1111...), stand-in words
    # (REPLACE_ME), environment variable names and secret-manager references
    return is_placeholder(v) or is_reference(v)


@validator
def connection_credential(c: Candidate) -> bool:
    """The credential span is a real value, not a template, mask or stand-in; where the
    pattern marks it ``plausible`` (a value read by its position alone), one that looks
    like a credential itself; where it marks it ``shaped`` (a flag many tools use for
    other things), one shaped as a password or a generated token."""
    if is_stand_in(c.span):
        return False
    m = c.match
    if m is None:
        return True
    groups = m.re.groupindex
    if "shaped" in groups and m.group("shaped") is not None:
        return password_shaped(c.span) or generated_token(c.span)
    if "plausible" not in groups or m.group("plausible") is None:
        return True
    return credential_like(c.span)


@validator
def device_secret(c: Candidate) -> bool:
    """A secret in a network device's configuration: not a stand-in, and, where the
    grammar would also read prose (an unquoted Junos value, its ``plausible`` group),
    a value that looks like a credential itself: :func:`connection_credential`'s test."""
    return connection_credential(c)


@validator
def pgbouncer_auth_line(c: Candidate) -> bool:
    """A line of PgBouncer's auth file: an md5 or SCRAM secret is one by its shape; a
    plain-text password must look like a credential (``"en" "English"`` is a label)."""
    if c.match.group("hash") is not None:
        return True
    return not is_stand_in(c.span) and credential_like(c.span)


# ---------------------------------------------------------------- URI userinfo
_PORT_PATH = re.compile(r"^\d{1,5}(?:/|$)")


# string literals joined in code: around a variable concatenated ('+pw+'), a list's comma
_QUOTE_JOIN = re.compile(r"['`][ \t]*\+[^'`]{1,256}\+[ \t]*['`]|['`][ \t]*,[ \t]*['`]")


@validator
def uri_userinfo(c: Candidate) -> bool:
    """``scheme://user:password@host``: not a template, not code joining string literals
    around a variable, and not a look-alike in which the
    "password" is a port and a path (``http://host:8080/a@v2``) or a repository path in
    an scp-like git remote (``git+ssh://git@host:org/repo.git@v1``). With no host
    (``postgresql://user:pw@/db?host=/socket``, as libpq allows) the password must look
    like a credential itself: other URL schemes put other things there
    (``github://org:repo@/path``, ``sqlite+pysqlcipher://:passphrase@/file``)."""
    pw = c.span
    if is_stand_in(pw) or _PORT_PATH.match(pw):
        return False
    if ("'" in pw or "`" in pw) and ((pw[0] in "'`" and pw[-1] in "'`") or _QUOTE_JOIN.search(pw)):
        return False  # a quote closing a literal: 'mysql://user:'+pw+'@host', 'http://h:8080','a@b'
    if not c.match.group("host") and not credential_like(pw):
        return False
    if _DATABRICKS_PROFILE.match(c.text, c.end) and _MLFLOW_ARTIFACT.search(
        c.text, max(0, c.match.start() - 16), c.match.start("user")
    ):
        return False  # models://scope:prefix@databricks/...: a secret scope and a key prefix
    if "/" in pw:
        user = c.match.group("user") or ""
        scheme = c.text[c.match.start() : c.match.start("user")].lower()
        if "@" in user or "ssh" in scheme or "git" in scheme or pw.endswith(".git") or ".git/" in pw:
            return False
    return True


# MLflow's artifact URIs on Databricks name a CLI profile or a secret scope and a key prefix
# as their userinfo, the host being the word databricks: dbfs://, runs://, models://
# scope:prefix@databricks/... (mlflow.utils.uri); the secret itself stays in the scope
_DATABRICKS_PROFILE = re.compile(r"@databricks(?:-uc)?(?=[/?#\s\"'`]|$)")
_MLFLOW_ARTIFACT = re.compile(r"(?<![\w+.-])(?:dbfs|runs|models)://$")


# ---------------------------------------------------------------- URI / JDBC parameters
_TOKEN_BREAK = re.compile(r"[\s\"'<>]")


@validator
def uri_parameter(c: Candidate) -> bool:
    """A ``?password=`` / ``;password=`` parameter inside a URI or JDBC URL: the same
    whitespace-delimited token holds ``://`` or ``jdbc:`` (looked up within 1 KB)."""
    if is_stand_in(c.span):
        return False
    start = c.match.start()
    lo = max(0, start - 1024)
    text = c.text
    i = text.rfind("://", lo, start)
    if i < 0:
        i = text.rfind("jdbc:", lo, start)
        if i < 0:
            i = text.rfind("JDBC:", lo, start)
    return i >= 0 and _TOKEN_BREAK.search(text, i, start) is None


# ---------------------------------------------------------------- key=value connection strings
_KV_NAMES = (
    "server", "data source", "datasource", "host", "hostname", "hostaddr", "address", "addr",
    "network address", "driver", "dsn", "uid", "user id", "userid", "user", "username",
    "database", "initial catalog", "dbname", "account", "accountname", "port", "provider",
    "protocol", "sslmode", "warehouse", "role", "schema", "service_name", "sid",
    "integrated security", "encrypt", "trustservercertificate", "connect timeout",
)  # fmt: skip
_KV_AUTOMATON = ahocorasick.Automaton()
for _name in _KV_NAMES:
    for _needle in (_name + "=", _name + " ="):
        _KV_AUTOMATON.add_word(_needle, len(_needle))
_KV_AUTOMATON.make_automaton()
_WINDOW = 256
_KEY_LEFT = frozenset(";\t\n\r \"'{")


def _has_kv_key(window: str) -> bool:
    """``window`` (lower-cased) holds ``name=`` for a connection key at a key boundary."""
    for end, length in _KV_AUTOMATON.iter(window):
        start = end - length + 1
        if start == 0 or window[start - 1] in _KEY_LEFT:
            return True
    return False


_CODE_LITERALS = frozenset(("none", "null", "nil", "undefined", "true", "false"))
_CHAINED = re.compile(r"[ \t]=")  # (a = b = c: the next assignment of a chain)
# a name, an attribute, a subscript or a call opened (auth_info[2], self.pw, SecretStr(
_CODE_VALUE = re.compile(r"[A-Za-z_][\w.]*(?:\[[^\]]{0,64}\]|\((?:[^)]{0,64}\))?)*")
_REDACTED_PARENS = re.compile(r"\((?i:redacted|hidden|masked|omitted)\)")


# an ODBC value in braces, a } inside it doubled; a format field as the one template
# grammar reads it ({Q7x...9}, mixed case and digits over 8 characters, is a value)
_ODBC_BRACED = re.compile(r"\{(?:[^}]|\}\})+\}")
_FORMAT_FIELD = re.compile(FIELD_OPEN + r"[A-Za-z_][\w.]*\}")


@validator
def kv_connection_string(c: Candidate) -> bool:
    """``Password=`` / ``Pwd=`` with another connection key (server, host, user id, ...)
    within 256 characters on either side: an ADO.NET, ODBC, libpq or Snowflake string. An
    ODBC value in braces (``Pwd={{e9F...}``, ``Pwd={%1_v...}``, a ``}`` doubled inside) is
    judged without them."""
    if _ODBC_BRACED.fullmatch(c.span):  # (a format field, {password}, is a template)
        inner = c.span[1:-1].replace("}}", "}")
        return not (is_stand_in(inner) or _FORMAT_FIELD.fullmatch(c.span)) and _near_kv_key(c)
    if is_stand_in(c.span):
        return False
    # code, not a connection string: a default in a signature (password=None,), a chained
    # assignment (userid = password = ssl = None)
    if c.span.rstrip(",) \t").lower() in _CODE_LITERALS or _CHAINED.search(c.span):
        return False
    value = c.span.rstrip(",>")
    while value.endswith(")") and value.count(")") > value.count("("):
        value = value[:-1]  # (the call's own closing parenthesis)
    if _REDACTED_PARENS.fullmatch(value) or is_stand_in(value):
        return False  # password=(redacted)> in a repr, password=password, in a call
    kwargs = c.span.endswith(",") or c.text[c.match.start() - 1 : c.match.start()] == ","
    if (kwargs or value.endswith("(")) and _CODE_VALUE.fullmatch(value):
        return False  # user=user, password=auth_info[2], password=SecretStr('***'): code
    return _near_kv_key(c)


def _near_kv_key(c: Candidate) -> bool:
    """Another connection key within ``_WINDOW`` characters on either side of the match."""
    start, end = c.match.start(), c.match.end()
    text = c.text
    return _has_kv_key(text[max(0, start - _WINDOW) : start + 1].lower()) or _has_kv_key(
        text[end - 1 : end + _WINDOW].lower()
    )


# ---------------------------------------------------------------- .pgpass lines
_HOSTLIKE = re.compile(r"^(?:\*|localhost|[\w-]+(?:\.[\w-]+)+|\[[0-9A-Fa-f:.]+\])$", re.I)


@validator
def pgpass_line(c: Candidate) -> bool:
    """``hostname:port:database:username:password``: the host is a host name, an address
    or ``*``, the port a port or ``*``, and the password not a stand-in. A host of one
    label (``db``, ``postgres``: a service's name in Docker or Kubernetes) needs a password
    that reads as a credential (``encoder:12:attn:q:weight`` is a parameter's path)."""
    host, port = c.match.group("host"), c.match.group("port")
    if port != "*" and not 0 < int(port) < 65536:
        return False
    whole = c.match.group(0)
    tail = _HEX_TAIL.search(host)
    if tail and is_ipv6_address(tail.group() + whole[len(host) :]):
        # (an IPv6 address after a dot or glued to a word, x.2a00:1450::200e: no fields)
        return False
    if not _HOSTLIKE.match(host):
        # (the file escapes a : in a password as \:, so more fields are an IPv6 address)
        return bool(_SERVICE_NAME.match(host)) and not _BARE_COLON.search(c.span) and credential_like(c.span)
    return len(c.span) >= 3 and not is_stand_in(c.span)


_SERVICE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")
_HEX_TAIL = re.compile(r"[0-9A-Fa-f]{1,4}$")  # (an IPv6 address's first group, at most)
_BARE_COLON = re.compile(r"(?<!\\):")


# ---------------------------------------------------------------- command lines
_SEGMENT_BREAK = re.compile(r"[\n|;&`]|\$\(")

_TOOLS = {
    "login": re.compile(
        r"(?i)(?<![\w-])(?:(?:docker|podman|nerdctl|buildah|skopeo|oras|finch|crane)(?:\.exe)?\b.*\blogin"
        r"|helm\s+registry\s+login)\b"
    ),
    "curl": re.compile(r"(?i)(?<![\w-])curl(?:\.exe)?\b"),
    "wget": re.compile(r"(?i)(?<![\w-])wget2?\b"),
    "sshpass": re.compile(r"(?i)(?<![\w-])sshpass\b"),
    "mysql": re.compile(r"(?i)(?<![\w-])(?:mysql\w*|mariadb[\w-]*)\b"),
    "mongo": re.compile(r"(?i)(?<![\w-])mongo\w*\b"),
    "redis": re.compile(r"(?i)(?<![\w-])redis-cli\b"),
    "sqlcmd": re.compile(r"(?i)(?<![\w-])(?:sqlcmd|bcp|osql|tsql|isql)\b"),
    "ldap": re.compile(r"(?i)(?<![\w-])ldap(?:search|modify|add|delete|passwd|whoami|compare|modrdn|exop)\b"),
    "openssl": re.compile(r"(?i)(?<![\w-])openssl\b"),
    "az": re.compile(r"(?i)(?<![\w-])az(?:\.cmd)?\s+login\b"),
    "keytool": re.compile(r"(?i)(?<![\w-])(?:keytool|jarsigner)(?:\.exe)?\b"),
    "nuget": re.compile(r"(?i)(?<![\w.-])nuget(?:\.exe)?(?=\s)"),
    # (a command word followed by a blank: never a file name or part of a URL)
    "zip": re.compile(r"(?i)(?<![\w.-])(?:zip|unzip|zipcloak)(?:\.exe)?(?=\s)"),
    "7z": re.compile(r"(?i)(?<![\w.-])7z[arz]?(?:\.exe)?(?=\s)"),
    "ssh-keygen": re.compile(r"(?i)(?<![\w.-])ssh-keygen(?:\.exe)?(?=\s)"),
    "twine": re.compile(r"(?i)(?<![\w.-])twine(?=\s)"),
    "mosquitto": re.compile(r"(?i)(?<![\w.-])mosquitto_(?:pub|sub|rr)(?:\.exe)?(?=\s)"),
    "rdesktop": re.compile(r"(?i)(?<![\w.-])rdesktop(?=\s)"),
    "freerdp": re.compile(r"(?i)(?<![\w.-])(?:x|wl|sdl-)?freerdp[23]?(?:\.exe)?(?=\s)"),
    "psexec": re.compile(r"(?i)(?<![\w.-])psexec(?:64)?(?:\.exe)?(?=\s)"),
    "ncftp": re.compile(r"(?i)(?<![\w.-])ncftp(?:get|put|ls|batch)?(?=\s)"),
    "lftp": re.compile(r"(?i)(?<![\w.-])lftp(?=\s)"),
    "smb": re.compile(r"(?i)(?<![\w.-])(?:smbclient|rpcclient|smb(?:get|cacls|tree|cquotas|map))(?=\s)"),
    "httpie": re.compile(r"(?i)(?<![\w./-])(?:https?|httpie)(?=\s)"),
    "putty": re.compile(r"(?i)(?<![\w.-])(?:pscp|plink|psftp)(?:\.exe)?(?=\s)"),
    "cqlsh": re.compile(r"(?i)(?<![\w.-])cqlsh(?:\.py)?(?=\s)"),
    "beeline": re.compile(r"(?i)(?<![\w.-])beeline(?=\s)"),
    "rabbitmqadmin": re.compile(r"(?i)(?<![\w.-])rabbitmqadmin(?:\.py)?(?=\s)"),
    "oc": re.compile(r"(?i)(?<![\w.-])oc(?:\.exe)?\s+login\b"),
    "ipmitool": re.compile(r"(?i)(?<![\w.-])ipmitool(?=\s)"),
    "vsql": re.compile(r"(?i)(?<![\w.-])vsql(?=\s)"),
    "rar": re.compile(r"(?i)(?<![\w.-])(?:un)?rar(?:\.exe)?(?=\s)"),
    "p4": re.compile(r"(?i)(?<![\w.-])p4(?:\.exe)?(?=\s)"),
    "etcdctl": re.compile(r"(?i)(?<![\w.-])etcdctl(?:\.exe)?(?=\s)"),
    # (shadow-utils: -p / --password take the password as crypt(3) hashed it)
    "useradd": re.compile(r"(?<![\w.-])(?:useradd|usermod)(?=\s)"),
    # Windows commands whose switches take a password (case-insensitive, as cmd reads them)
    "schtasks": re.compile(r"(?i)(?<![\w.-])schtasks(?:\.exe)?(?=\s)"),
    "sqlpackage": re.compile(r"(?i)(?<![\w.-])sqlpackage(?:\.exe)?(?=\s)"),
    "netdom": re.compile(r"(?i)(?<![\w.-])netdom(?:\.exe)?(?=\s)"),
    "winrs": re.compile(r"(?i)(?<![\w.-])winrs(?:\.exe)?(?=\s)"),
}
_TOOL_NEEDLES = {
    "login": ("docker", "podman", "nerdctl", "buildah", "skopeo", "oras", "finch", "crane", "helm"),
    "curl": ("curl",),
    "wget": ("wget",),
    "sshpass": ("sshpass",),
    "mysql": ("mysql", "mariadb"),
    "mongo": ("mongo",),
    "redis": ("redis-cli",),
    "sqlcmd": ("sqlcmd", "bcp", "osql", "tsql", "isql"),
    "ldap": ("ldap",),
    "openssl": ("openssl",),
    "az": ("az",),
    "keytool": ("keytool", "jarsigner"),
    "nuget": ("nuget",),
    "zip": ("zip",),
    "7z": ("7z",),
    "ssh-keygen": ("ssh-keygen",),
    "twine": ("twine",),
    "mosquitto": ("mosquitto_",),
    "rdesktop": ("rdesktop",),
    "freerdp": ("freerdp",),
    "psexec": ("psexec",),
    "ncftp": ("ncftp",),
    "lftp": ("lftp",),
    "smb": ("smb", "rpcclient"),
    "httpie": ("http",),
    "putty": ("pscp", "plink", "psftp"),
    "cqlsh": ("cqlsh",),
    "beeline": ("beeline",),
    "rabbitmqadmin": ("rabbitmqadmin",),
    "oc": ("oc",),
    "ipmitool": ("ipmitool",),
    "vsql": ("vsql",),
    "rar": ("rar",),
    "p4": ("p4",),
    "etcdctl": ("etcdctl",),
    "useradd": ("useradd", "usermod"),
    "schtasks": ("schtasks",),
    "sqlpackage": ("sqlpackage",),
    "netdom": ("netdom",),
    "winrs": ("winrs",),
}
# (flag, how the value is attached) -> the tools for which that flag carries a password.
# "sep": ``-p VALUE`` or ``--password=VALUE``; "eq": only ``--flag=VALUE``; "attached":
# ``-pVALUE``; "userpass": ``-u user:VALUE``; "usercomma": ``-u user,VALUE`` (lftp);
# "userpct": ``-U user%VALUE`` (Samba's tools); "switch": a Windows command's switch,
# ``/RP VALUE`` or ``/sp:VALUE`` (the flag lower-cased, as cmd reads switches in any case).
_FLAG_TOOLS: dict[tuple[str, str], tuple[str, ...]] = {
    ("-p", "sep"): (
        "login",
        "sshpass",
        "mongo",
        "az",
        "twine",
        "rdesktop",
        "psexec",
        "ncftp",
        "cqlsh",
        "beeline",
        "rabbitmqadmin",
        "oc",
        "useradd",
    ),
    ("-p", "attached"): ("mysql", "sshpass", "7z", "rar"),
    ("-hp", "attached"): ("rar",),
    ("-pw", "sep"): ("putty",),
    ("/p:", "attached"): ("freerdp",),
    ("/rp", "switch"): ("schtasks",),  # the run-as user's password (/RU)
    ("/p", "switch"): ("schtasks",),  # the password of /U
    ("/sp", "switch"): ("sqlpackage",),  # /SourcePassword:
    ("/tp", "switch"): ("sqlpackage",),  # /TargetPassword:
    ("/passwordd", "switch"): ("netdom",),  # the password of /UserD
    ("/passwordo", "switch"): ("netdom",),  # the password of /UserO
    ("-p", "switch"): ("winrs",),  # -p:PASSWORD
    ("-password", "switch"): ("winrs",),
    ("--password", "sep"): (
        "login",
        "mongo",
        "wget",
        "az",
        "twine",
        "cqlsh",
        "rabbitmqadmin",
        "oc",
        "etcdctl",
        "useradd",
    ),
    ("--password", "eq"): ("mysql",),  # (and every tool of "sep": --password=PW is theirs too)
    ("--pw", "sep"): ("mosquitto",),
    ("-N", "sep"): ("ssh-keygen",),
    ("--http-password", "sep"): ("wget",),
    ("--http-password", "eq"): ("wget",),
    ("--ftp-password", "sep"): ("wget",),
    ("--ftp-password", "eq"): ("wget",),
    ("--proxy-password", "sep"): ("wget",),
    ("--proxy-password", "eq"): ("wget",),
    ("-a", "sep"): ("redis",),
    ("--pass", "sep"): ("redis",),
    ("--pass", "eq"): ("redis",),
    ("-P", "sep"): ("sqlcmd", "zip", "ssh-keygen", "mosquitto", "ipmitool", "p4"),
    ("-P", "attached"): ("sqlcmd",),
    ("-w", "sep"): ("ldap", "vsql"),
    ("-u", "userpass"): ("curl",),
    ("--user", "userpass"): ("curl", "etcdctl"),
    ("-U", "userpass"): ("curl",),
    ("--proxy-user", "userpass"): ("curl",),
    ("-a", "userpass"): ("httpie",),
    ("--auth", "userpass"): ("httpie",),
    ("-u", "usercomma"): ("lftp",),
    ("-U", "userpct"): ("smb",),
    ("--user", "userpct"): ("smb",),
    ("-passin", "sep"): ("openssl",),
    ("-passout", "sep"): ("openssl",),
    ("-pass", "sep"): ("openssl",),
    ("-k", "sep"): ("openssl", "nuget"),
    **{
        (f"-{p}", "sep"): ("keytool",)
        for p in ("storepass", "keypass", "srcstorepass", "deststorepass", "srckeypass", "destkeypass")
    },
}


# the words a sentence goes on with after naming a flag ("p4 -P and ...", "zip -P or -e")
_PROSE_WORDS = frozenset(
    [
        "a", "an", "and", "as", "at", "by", "for", "from", "in", "is", "it", "of", "on", "or",
        "that", "the", "then", "to", "was", "when", "where", "which", "with",
    ]
)  # fmt: skip


def _command_before(c: Candidate, limit: int = 1024) -> str:
    """The lower-cased text of the current shell command: back to a newline, pipe, ``;``,
    ``&``, backquote or ``$(`` (at most ``limit`` characters)."""
    start = c.match.start()
    text = c.text
    lo = max(0, start - limit)
    cut = max(text.rfind(ch, lo, start) for ch in "\n|;&`") + 1
    sub = text.rfind("$(", lo, start)
    if sub >= 0:
        cut = max(cut, sub + 2)
    return text[max(cut, lo) : start].lower()


@validator
def cli_password(c: Candidate) -> bool:
    """A password passed on a command line by a flag that takes one for the command in
    the same shell segment: ``docker login -p``, ``curl -u user:pw``, ``sshpass -p``,
    ``mysql -pPW`` / ``--password=PW``, ``redis-cli -a``, ``mongosh -p``, ``sqlcmd -P``,
    ``ldapsearch -w``, ``openssl -passin pass:PW`` / ``enc -k PW``, ``wget --password``,
    ``az login -p``, ``keytool``/``jarsigner -storepass``, ``nuget push -k``, ``zip -P``,
    ``7z -pPW``, ``ssh-keygen -N``/``-P``,
    ``twine -p``, ``mosquitto_pub -P``, ``rdesktop -p``, ``xfreerdp /p:PW``, ``psexec -p``,
    ``ncftp -p``, ``lftp -u user,PW``, ``smbclient -U user%PW``, HTTPie ``-a user:PW``,
    PuTTY's ``-pw``, ``cqlsh -p``, ``beeline -p``, ``rabbitmqadmin -p``, ``oc login -p``,
    ``ipmitool -P``, ``vsql -w``, ``tsql``/``isql -P``, ``rar -pPW``/``-hpPW``, Perforce's
    ``p4 -P``, ``neo4j-admin set-initial-password``, ``etcdctl --user user:PW`` /
    ``--password``, ``useradd``/``usermod -p`` (a crypt hash), ZooKeeper's ``addauth
    digest USER:PW``, Windows switches (``schtasks /RP``, ``SqlPackage /sp:``, ``netdom
    /PasswordD:``, ``winrs -p:``); an
    argument read by its position alone (its ``plausible`` group: ``wandb login KEY``,
    ``vault login TOKEN``) must look like a credential itself; a
    pattern that names the command itself (its ``direct`` group: ``sqlplus user/PW@db``,
    ``htpasswd -b``, ``net user NAME PW``) needs no flag."""
    if is_stand_in(c.span):
        return False
    groups = c.match.groupdict()
    if groups.get("plausible") is not None:  # an argument read by its position only
        return credential_like(c.span)
    if groups.get("direct") is not None:
        return True
    flag = groups.get("flag") or ""
    if groups.get("comma") is not None:
        how = "usercomma"
    elif groups.get("pct") is not None:
        how = "userpct"
    elif groups.get("user") is not None or groups.get("userpass") is not None:
        how = "userpass"
    elif groups.get("switch") is not None:
        how, flag = "switch", flag.lower()
    elif groups.get("attached") is not None:
        how = "attached"
    else:
        how = "eq" if c.text[c.match.end("flag") : c.match.end("flag") + 1] == "=" else "sep"
    if how == "sep" and c.span.lower() in _PROSE_WORDS:
        return False  # "Perforce's p4 -P and neo4j-admin ...": a sentence naming the flag
    tools = set(_FLAG_TOOLS.get((flag, how), ()))
    if how == "eq":
        tools |= set(_FLAG_TOOLS.get((flag, "sep"), ()))
    if not tools:
        return False
    if flag.startswith("-pass") and c.text[c.start - 5 : c.start] != "pass:":
        return False  # openssl takes pass:, env:, file:, fd: and stdin; only pass: is the password
    command = _command_before(c)
    return any(any(n in command for n in _TOOL_NEEDLES[t]) and _TOOLS[t].search(command) for t in tools)
