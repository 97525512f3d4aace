"""``encrypt``: deterministic authenticated encryption (AES-SIV) bound to the field.

A token reads ``enc:v1:<key id>:<base64url, no padding>``. The span's JSON pointer is the
associated data, so a token decrypts only at the pointer it was made for, under the key it
names; anything else (tampering, a move, another key) raises DecryptError.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import TYPE_CHECKING, ClassVar

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from pydantic import Field

from redact.actions.base import Action, ActionParams, Span
from redact.actions.keyring import KEY_ID_PATTERN
from redact.errors import DecryptError, KeyringError

if TYPE_CHECKING:
    from typing_extensions import Self

    from redact.actions.keyring import Keyring

__all__ = [
    "Encrypt",
    "EncryptParams",
    "TOKEN_PREFIX",
    "TOKEN_RE",
    "encrypt_text",
    "decrypt_token",
    "decrypt_text",
    "is_token",
]

TOKEN_PREFIX = "enc:v1:"
TOKEN_RE = re.compile(r"enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)")
_SIV_TAG = 16  # bytes of synthetic IV in front of every ciphertext
_MIN_B64 = 22  # base64 characters of a 16-byte ciphertext (empty plaintext)


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


def _seal(aead: AESSIV, kid: str, text: str, pointer: str) -> str:
    return f"{TOKEN_PREFIX}{kid}:{_b64encode(aead.encrypt(_utf8(text), [_utf8(pointer)]))}"


def encrypt_text(key: bytes, kid: str, text: str, pointer: str) -> str:
    """The ``enc:v1`` token of ``text`` under ``key`` (id ``kid``) bound to ``pointer``."""
    return _seal(AESSIV(key), kid, text, pointer)


def is_token(text: str) -> bool:
    """Whether ``text`` is exactly one ``enc:v1`` token."""
    return TOKEN_RE.fullmatch(text) is not None


def _failure(kid: str, pointer: str) -> DecryptError:
    return DecryptError(
        f"cannot decrypt an enc:v1 token with key {kid!r} at pointer {pointer!r}: the ciphertext was "
        "altered, moved from another pointer, or made under a different key",
        key_id=kid,
        pointer=pointer,
    )


def _open(aead: AESSIV, b64: str, pointer: str) -> str | None:
    try:
        ct = _b64decode(b64)
    except (binascii.Error, ValueError):
        return None
    if len(ct) < _SIV_TAG:
        return None
    try:
        plain = aead.decrypt(ct, [_utf8(pointer)])
    except InvalidTag:
        return None
    return plain.decode("utf-8", "surrogatepass")


def decrypt_token(token: str, pointer: str, keyring: Keyring) -> str:
    """The plaintext of one ``enc:v1`` token made at ``pointer``.

    DecryptError (naming the key id and pointer) when the key id is unknown, or the token
    was altered, moved or made under another key; or when ``token`` is not a token.
    """
    m = TOKEN_RE.fullmatch(token.strip())
    if m is None:
        raise DecryptError(f"the value at pointer {pointer!r} is not an enc:v1 token", pointer=pointer)
    kid, b64 = m.groups()
    key = _key(keyring, kid, pointer)
    plain = _open(AESSIV(key), b64, pointer)
    if plain is None:
        raise _failure(kid, pointer)
    return plain


def decrypt_text(text: str, pointer: str, keyring: Keyring) -> str:
    """``text`` with every ``enc:v1`` token inside it decrypted (for instance a connection
    string whose password was encrypted). Text without tokens comes back unchanged.

    A token directly followed by letters, digits, ``-`` or ``_`` is told apart from them by
    its authentication tag. Raises DecryptError like :func:`decrypt_token`.
    """
    out: list[str] = []
    pos = 0
    while (m := TOKEN_RE.search(text, pos)) is not None:
        kid, b64 = m.groups()
        key = _key(keyring, kid, pointer)
        aead = AESSIV(key)
        b64_start = m.start(2)
        # Longest first: the whole run, then shorter runs in case the original text went on
        # with base64url characters right after the span.
        for end in range(m.end(2), b64_start + _MIN_B64 - 1, -1):
            plain = _open(aead, text[b64_start:end], pointer)
            if plain is not None:
                break
        else:
            raise _failure(kid, pointer)
        out.append(text[pos : m.start()])
        out.append(plain)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _key(keyring: Keyring, kid: str, pointer: str) -> bytes:
    try:
        return keyring.encrypt_key(kid)
    except DecryptError as exc:
        raise DecryptError(f"{exc} at pointer {pointer!r}", key_id=kid, pointer=pointer) from None


class Encrypt(Action):
    """Replace the span with its ``enc:v1`` token under the pinned or active key, bound to
    the span's pointer. Deterministic: one value at one pointer gives one token per key."""

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

    def replace(self, span: Span) -> str:
        return _seal(self._aead, self._kid, span.text, span.pointer)

    def __repr__(self) -> str:
        return f"Encrypt(key_id={self._kid!r})"
