"""The escapes a value may hold its characters in, as the scanner reads them decoded and
as the mask keeps them whole: URL percent-escapes, HTML and XML character references,
JSON's, JavaScript's and Python's string escapes, a level of backslash escaping and the
escaped separators of Java's .properties files."""

from __future__ import annotations

import re

__all__ = [
    "PERCENT_SEPARATOR",
    "PERCENT_ASCII",
    "ENCODED_ASCII_HEX",
    "ENTITY_ASCII",
    "CODE_ESCAPE",
    "BACKSLASH_ESCAPE",
    "PROPERTY_ESCAPE",
    "LINE_BREAK_ESCAPE",
    "LINE_ESCAPE",
    "ANY_ESCAPE",
    "percent_char",
    "entity_char",
    "code_escape_char",
    "second_char",
    "line_escape_char",
    "escape_char",
]

# URL-encoded text (a query string, a redirect URL, a DSN given as a parameter): a value
# holding a percent-escape of a separator or of ``@ : / = & ?`` is also read decoded
PERCENT_SEPARATOR = re.compile(r"%(?:2[0-9A-Fa-f]|3[A-Fa-f]|40|5[BbDd]|7[BbDd])")
PERCENT_ASCII = re.compile(r"%[0-7][0-9A-Fa-f]")
# the two hex digits after % that URL encoders write for an ASCII character: controls,
# punctuation and blanks; letters and digits, which RFC 3986 leaves unescaped, never
# (``%41`` in text is a % and two characters, not an escaped "A")
ENCODED_ASCII_HEX = r"[01][0-9A-Fa-f]|2[0-9A-Fa-f]|3[A-Fa-f]|40|5[B-Fb-f]|60|7[B-Fb-f]"
# HTML- or XML-escaped text (JSON or a config shown in an HTML report, an XML attribute):
# the character references of ASCII characters are also read decoded
ENTITY_ASCII = re.compile(
    r"&(?:quot|apos|amp|lt|gt|#[xX]0*[0-7][0-9A-Fa-f]|#0*(?:[1-9]\d?|1[01]\d|12[0-7]));"
)
_ENTITY_NAMES = {"quot": '"', "apos": "'", "amp": "&", "lt": "<", "gt": ">"}
# string escapes of ASCII characters (JSON's \u0022 in a page's script or in a string that
# is not a JSON document, JavaScript's and Python's \x22) are also read decoded
CODE_ESCAPE = re.compile(r"\\(?:u00|x)[0-7][0-9A-Fa-f]")
# JSON escaped more than once (a JSON document in a string of a JSON log line, itself in a
# string): where an escaped backslash comes before a quote, one level of escaping is also
# read undone
BACKSLASH_ESCAPE = re.compile(r"\\[\\\"/]")
# Java's .properties files (java.util.Properties.store, Spark's and Hadoop's tools) escape
# the separators : = # ! in values too: jdbc\:mysql\://db\:3306/x?password\=...
PROPERTY_ESCAPE = re.compile(r"\\[:=#!]")
# the escaped line breaks and tabs of a string's repr, a JSON log line or a C string (a
# YAML manifest, a .pgpass file or a CSV table logged as a Python repr:
# ``{'manifest': 'env:\n- name: DB_PASSWORD\n  value: ...'}``): text holding an escaped
# line break is also read with them decoded, so what was written line by line reads as
# lines; an escaped backslash is one character (``\\n`` is a backslash and an n)
LINE_BREAK_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[nr]")
LINE_ESCAPE = re.compile(r"\\[nrt\\]")
_LINE_CHARS = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\"}
# any one of them (the mask takes each whole)
ANY_ESCAPE = re.compile(
    "|".join(p.pattern for p in (PERCENT_ASCII, ENTITY_ASCII, CODE_ESCAPE, BACKSLASH_ESCAPE, PROPERTY_ESCAPE))
)


def percent_char(escape: str) -> str:
    return chr(int(escape[1:3], 16))


def entity_char(escape: str) -> str:
    name = escape[1:-1]
    if name[0] != "#":
        return _ENTITY_NAMES[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def code_escape_char(escape: str) -> str:
    return chr(int(escape[-2:], 16))


def second_char(escape: str) -> str:
    return escape[1]


def line_escape_char(escape: str) -> str:
    return _LINE_CHARS[escape[1]]


def escape_char(escape: str) -> str:
    """The character one escape that ``ANY_ESCAPE`` matched stands for."""
    if escape[0] == "%":
        return percent_char(escape)
    if escape[0] == "&":
        return entity_char(escape)
    return code_escape_char(escape) if escape[1] in "ux" else second_char(escape)
