"""``encrypt``: deterministic authenticated encryption (AES-SIV) bound to the field.

A token reads ``enc:v2:<key id>:<base64url, no padding>~`` (the ``~`` ends it, so the
text after a token can never be read as part of it). Each token is authenticated
together with (AES-SIV associated data):

- the field's path with its types: a list index and a dict key with the same digits
  are different paths (``[["k", "l"], ["i", 0]]`` vs ``[["k", "l"], ["k", "0"]]``);
- its ordinal among the tokens of the field (0, 1, ...);
- the field's layout: the exact text around and between its tokens.

So a token decrypts only in the field it was made for, at its place in that field, and
only while the rest of that field is unchanged: a token moved to another field, two
tokens swapped within a field or across fields, a token truncated or with characters
appended, and any edit of the text around the tokens all raise DecryptError, as do
tampering and the wrong key. What is not protected: the field's path itself is supplied
by the reader (the store's structure is not authenticated), and removing a whole field
is not detected.

``enc:v1`` tokens (bound to the pointer text only) made by earlier versions still
decrypt; new ones are never made.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from pydantic import Field

from redact.actions.base import Action, ActionParams, Span
from redact.actions.keyring import KEY_ID_PATTERN
from redact.errors import DecryptError, KeyringError
from redact.leaves import pointer as render_pointer
from redact.leaves import split_pointer

if TYPE_CHECKING:
    from typing_extensions import Self

    from redact.actions.keyring import Keyring

__all__ = [
    "Encrypt",
    "EncryptParams",
    "FieldPath",
    "TOKEN_PREFIX",
    "TOKEN_RE",
    "TOKEN_RE_V1",
    "encrypt_text",
    "decrypt_token",
    "decrypt_text",
    "decrypt_tree",
    "is_token",
    "render_field",
    "typed_path",
]

TOKEN_PREFIX = "enc:v2:"
TOKEN_END = "~"
TOKEN_RE = re.compile(r"enc:v2:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)~")
TOKEN_RE_V1 = re.compile(r"enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)")
_SIV_TAG = 16  # bytes of synthetic IV in front of every ciphertext
_MIN_B64 = 22  # base64 characters of a 16-byte ciphertext (empty plaintext)
_DOMAIN = b"redact.encrypt.v2"

# A field's path: an RFC 6901 pointer (every segment a dict key), or the segments with
# their types (str: dict key, int: list index).
FieldPath = str | Sequence[str | int]


class EncryptParams(ActionParams):
    """``key_id`` pins the key new ciphertext uses (default: the keyring's active key)."""

    key_id: str | None = Field(default=None, pattern=KEY_ID_PATTERN)


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    """Strict: only the canonical unpadded base64url form of some bytes is accepted."""
    if len(text) % 4 == 1:
        raise ValueError("impossible base64 length")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64encode(data) != text:
        raise ValueError("non-canonical base64")
    return data


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def typed_path(path: FieldPath) -> tuple[str | int, ...]:
    """The segments of ``path`` with their types (a str pointer: every segment a key)."""
    if isinstance(path, str):
        try:
            return tuple(split_pointer(path))
        except ValueError:
            raise DecryptError(f"{path!r} is not a JSON pointer (it starts with '/')", pointer=path) from None
    return tuple(p if isinstance(p, str) or (type(p) is int) else str(p) for p in path)


def _shown(path: FieldPath) -> str:
    return path if isinstance(path, str) else render_pointer(typed_path(path))


def _associated(path: tuple[str | int, ...], ordinal: int, pieces: Sequence[str]) -> list[bytes]:
    segments = [["i", p] if isinstance(p, int) else ["k", p] for p in path]
    return [
        _DOMAIN,
        _utf8(json.dumps(segments, ensure_ascii=True, separators=(",", ":"))),
        str(ordinal).encode("ascii"),
        _utf8(json.dumps(list(pieces), ensure_ascii=True, separators=(",", ":"))),
    ]


def _seal(
    aead: AESSIV, kid: str, text: str, path: tuple[str | int, ...], ordinal: int, pieces: Sequence[str]
) -> str:
    ct = aead.encrypt(_utf8(text), _associated(path, ordinal, pieces))
    return f"{TOKEN_PREFIX}{kid}:{_b64encode(ct)}{TOKEN_END}"


def encrypt_text(key: bytes, kid: str, text: str, pointer: FieldPath) -> str:
    """The ``enc:v2`` token of ``text`` as the whole value of the field at ``pointer``."""
    return _seal(AESSIV(key), kid, text, typed_path(pointer), 0, ("", ""))


def is_token(text: str) -> bool:
    """Whether ``text`` is exactly one ``enc:v2`` (or legacy ``enc:v1``) token."""
    return TOKEN_RE.fullmatch(text) is not None or TOKEN_RE_V1.fullmatch(text) is not None


def _failure(kid: str, path: FieldPath, version: str = "v2") -> DecryptError:
    shown = _shown(path)
    return DecryptError(
        f"cannot decrypt an enc:{version} token with key {kid!r} at pointer {shown!r}: the token or the "
        "text around it was altered, the token was moved from another field or place, or it was made "
        "under a different key",
        key_id=kid,
        pointer=shown,
    )


def _open(aead: AESSIV, b64: str, ad: list[bytes]) -> str | None:
    try:
        ct = _b64decode(b64)
    except (binascii.Error, ValueError):
        return None
    if len(ct) < _SIV_TAG:
        return None
    try:
        plain = aead.decrypt(ct, ad)
    except InvalidTag:
        return None
    return plain.decode("utf-8", "surrogatepass")


def _key(keyring: Keyring, kid: str, path: FieldPath) -> bytes:
    try:
        return keyring.encrypt_key(kid)
    except DecryptError as exc:
        shown = _shown(path)
        raise DecryptError(f"{exc} at pointer {shown!r}", key_id=kid, pointer=shown) from None


def _split(text: str) -> tuple[list[str], list[re.Match[str]]]:
    """The pieces of text around the v2 tokens of ``text``, and the tokens. Raises
    DecryptError for an ``enc:v2:`` that does not start a well-formed token."""
    pieces: list[str] = []
    tokens: list[re.Match[str]] = []
    pos = 0
    for m in TOKEN_RE.finditer(text):
        pieces.append(text[pos : m.start()])
        tokens.append(m)
        pos = m.end()
    pieces.append(text[pos:])
    return pieces, tokens


def _check_grammar(pieces: list[str], path: FieldPath) -> None:
    for piece in pieces:
        if TOKEN_PREFIX in piece:
            shown = _shown(path)
            raise DecryptError(
                f"a malformed enc:v2 token at pointer {shown!r} (characters missing or added)", pointer=shown
            )


def decrypt_token(token: str, pointer: FieldPath, keyring: Keyring) -> str:
    """The plaintext of one token that is the whole value of the field at ``pointer``.

    DecryptError (naming the key id and pointer) when ``token`` is not exactly one token
    (no surrounding characters), the key id is unknown, or the token was altered, moved or
    made under another key.
    """
    m = TOKEN_RE.fullmatch(token)
    if m is None:
        if TOKEN_RE_V1.fullmatch(token) is not None:
            return _decrypt_v1(token, pointer, keyring, whole=True)
        shown = _shown(pointer)
        raise DecryptError(f"the value at pointer {shown!r} is not an enc:v2 token", pointer=shown)
    return decrypt_text(token, pointer, keyring)


def decrypt_text(text: str, pointer: FieldPath, keyring: Keyring) -> str:
    """``text`` (the whole value of the field at ``pointer``) with every token decrypted
    (for instance a connection string whose password was encrypted); text without tokens
    comes back unchanged. Raises DecryptError like :func:`decrypt_token`, and when the
    text around the tokens differs from the text they were made in."""
    path = typed_path(pointer)
    pieces, tokens = _split(text)
    _check_grammar(pieces, pointer)
    out = [_decrypt_v1_in(pieces[0], pointer, keyring)]
    for i, m in enumerate(tokens):
        kid, b64 = m.groups()
        plain = _open(AESSIV(_key(keyring, kid, pointer)), b64, _associated(path, i, pieces))
        if plain is None:
            raise _failure(kid, pointer)
        out.append(plain)
        out.append(_decrypt_v1_in(pieces[i + 1], pointer, keyring))
    return "".join(out)


def decrypt_tree(value: Any, keyring: Keyring, path: Sequence[str | int] = ()) -> Any:
    """A copy of a nested value (dicts, lists, strings, ...) with every string holding a
    token decrypted at its own typed path (``path`` prefixes it, as it prefixed the
    redaction). Raises DecryptError like :func:`decrypt_text`."""
    segments = list(path)

    def walk(v: Any) -> Any:
        if isinstance(v, dict):
            out = {}
            for k, item in v.items():
                segments.append(k if isinstance(k, str) else str(k))
                out[k] = walk(item)
                segments.pop()
            return out
        if isinstance(v, list):
            items = []
            for i, item in enumerate(v):
                segments.append(i)
                items.append(walk(item))
                segments.pop()
            return items
        if isinstance(v, str) and "enc:v" in v:
            return decrypt_text(v, tuple(segments), keyring)
        return v

    return walk(value)


# ---------------------------------------------------------------------- legacy enc:v1
def _decrypt_v1(token: str, pointer: FieldPath, keyring: Keyring, *, whole: bool) -> str:
    m = TOKEN_RE_V1.fullmatch(token)
    assert m is not None
    kid, b64 = m.groups()
    ptr = _shown(pointer)
    plain = _open(AESSIV(_key(keyring, kid, pointer)), b64, [_utf8(ptr)])
    if plain is None:
        raise _failure(kid, pointer, "v1")
    return plain


def _decrypt_v1_in(text: str, pointer: FieldPath, keyring: Keyring) -> str:
    """Legacy tokens inside ``text``: each bound to the pointer text only; the token is
    the longest run of base64url characters that authenticates."""
    if "enc:v1:" not in text:
        return text
    ptr = _utf8(_shown(pointer))
    out: list[str] = []
    pos = 0
    while (m := TOKEN_RE_V1.search(text, pos)) is not None:
        kid, _ = m.groups()
        aead = AESSIV(_key(keyring, kid, pointer))
        b64_start = m.start(2)
        for end in range(m.end(2), b64_start + _MIN_B64 - 1, -1):
            plain = _open(aead, text[b64_start:end], [ptr])
            if plain is not None:
                break
        else:
            raise _failure(kid, pointer, "v1")
        out.append(text[pos : m.start()])
        out.append(plain)
        pos = end
    out.append(text[pos:])
    return "".join(out)


# ---------------------------------------------------------------------- fields
Replacement = tuple[int, int, Action, Span]


def render_field(
    text: str, replacements: Sequence[Replacement], path: FieldPath
) -> tuple[str, list[tuple[int, int, int]]]:
    """``text`` with each ``(start, end, action, span)`` (non-overlapping) replaced by the
    action's output; ``encrypt`` tokens are sealed last, bound to the field's path, their
    ordinal and the finished text around them. Also returns the unchanged stretches as
    ``(out_start, orig_start, length)``. ValueError when the text around the tokens holds
    something that reads as a token (it could not be decrypted)."""
    fpath = typed_path(path)
    # parts: (orig_start, text) for unchanged text, (-1, text) for an action's output,
    # (-2 - i, "") for the i-th token (sealed once the text around it is known)
    parts: list[tuple[int, str]] = []
    seals: list[tuple[Encrypt, Span]] = []
    pos = 0
    for start, end, action, span in sorted(replacements, key=lambda r: r[0]):
        if start < pos:
            raise ValueError("overlapping replacements")
        parts.append((pos, text[pos:start]))
        if isinstance(action, Encrypt):
            parts.append((-2 - len(seals), ""))
            seals.append((action, span))
        else:
            parts.append((-1, action.replace(span)))
        pos = end
    parts.append((pos, text[pos:]))
    pieces = [""]
    for origin, chunk in parts:
        if origin <= -2:
            pieces.append("")
        else:
            pieces[-1] += chunk
    tokens = [action.seal(span.text, fpath, i, pieces) for i, (action, span) in enumerate(seals)]
    out: list[str] = []
    stretches: list[tuple[int, int, int]] = []
    at = 0
    for origin, chunk in parts:
        if origin <= -2:
            chunk = tokens[-2 - origin]
        elif origin >= 0 and chunk:
            stretches.append((at, origin, len(chunk)))
        out.append(chunk)
        at += len(chunk)
    result = "".join(out)
    if tokens and _split(result)[0] != pieces:
        raise ValueError("the text around an encrypted span reads as a token")
    return result, stretches


class Encrypt(Action):
    """Replace the span with its ``enc:v2`` token under the pinned or active key, bound to
    the field (see the module documentation). Deterministic: one value in one field gives
    one token per key."""

    name: ClassVar[str] = "encrypt"
    params_model: ClassVar[type[ActionParams]] = EncryptParams

    __slots__ = ("_kid", "_aead")

    def __init__(self, params: ActionParams | None = None, *, kid: str, key: bytes) -> None:
        super().__init__(params)
        self._kid = kid
        self._aead = AESSIV(bytes(key))

    @property
    def key_id(self) -> str:
        return self._kid

    @classmethod
    def bind(cls, params: ActionParams, keyring: Keyring) -> Self:
        assert isinstance(params, EncryptParams)
        kid = params.key_id or keyring.active_kid
        if kid is None:
            raise KeyringError(
                "action 'encrypt' needs an encryption key, but the policy's keyring has none "
                "(add 'keyring.encrypt' with 'active' and 'keys'; generate a key with "
                "`redact keygen encrypt`)"
            )
        if not keyring.has_encrypt_key(kid):
            known = ", ".join(keyring.key_ids) or "none"
            raise KeyringError(
                f"action 'encrypt' pins key_id {kid!r}, which is not in 'keyring.encrypt.keys' "
                f"(known: {known})"
            )
        return cls(params, kid=kid, key=keyring.encrypt_key(kid))

    def seal(self, text: str, path: tuple[str | int, ...], ordinal: int, pieces: Sequence[str]) -> str:
        """The token of ``text`` as token ``ordinal`` of the field at ``path`` whose text
        around its tokens is ``pieces``."""
        return _seal(self._aead, self._kid, text, path, ordinal, pieces)

    def replace(self, span: Span) -> str:
        """The token of ``span`` as the whole value of its field."""
        path = span.path if span.path is not None else typed_path(span.pointer)
        return self.seal(span.text, path, 0, ("", ""))

    def __repr__(self) -> str:
        return f"Encrypt(key_id={self._kid!r})"
