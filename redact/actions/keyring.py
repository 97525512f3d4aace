"""Keys for the tokenize and encrypt actions.

A policy names where each key lives (an environment variable or a file holding base64
text); :meth:`Keyring.load` reads and checks them all at once. Errors name the policy
source, the field and the variable or path, never the key material, and the keyring's
``repr`` lists key ids and sizes only.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from redact.errors import DecryptError, KeyringError

__all__ = [
    "KeyRef",
    "EncryptKeys",
    "KeyringConfig",
    "Keyring",
    "generate_key",
    "decode_key",
    "KEY_ID_PATTERN",
    "ENCRYPT_KEY_SIZES",
    "MIN_TOKENIZE_KEY_SIZE",
]

KEY_ID_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"
_KEY_ID = re.compile(KEY_ID_PATTERN)
ENCRYPT_KEY_SIZES = (32, 48, 64)  # AES-SIV: AES-128, AES-192, AES-256 (two keys each)
MIN_TOKENIZE_KEY_SIZE = 16
_GENERATED_SIZES = {"encrypt": 64, "tokenize": 32}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class KeyRef(_Strict):
    """Where one key's base64 text lives: exactly one of ``env`` (an environment variable
    name) or ``file`` (a path, relative paths resolved against the policy's folder)."""

    env: str | None = Field(default=None, min_length=1)
    file: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> KeyRef:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' or 'file'")
        return self

    def describe(self, base_dir: Path | None = None) -> str:
        """'environment variable 'X'' or 'file /path' (the resolved path)."""
        if self.env is not None:
            return f"environment variable {self.env!r}"
        return f"file {self.resolve(base_dir)}"

    def resolve(self, base_dir: Path | None = None) -> Path:
        assert self.file is not None
        path = Path(self.file).expanduser()
        if not path.is_absolute() and base_dir is not None:
            path = base_dir / path
        return path


class EncryptKeys(_Strict):
    """AES-SIV keys by id. New ciphertext uses ``active``; the others stay for decryption
    (rotation: add a key, make it active, drop the old one once nothing needs it)."""

    active: str = Field(pattern=KEY_ID_PATTERN)
    keys: dict[str, KeyRef] = Field(min_length=1)

    @field_validator("keys")
    @classmethod
    def _key_ids(cls, keys: dict[str, KeyRef]) -> dict[str, KeyRef]:
        for kid in keys:
            if not _KEY_ID.match(kid):
                raise ValueError(f"key id {kid!r} must match {KEY_ID_PATTERN}")
        return keys

    @model_validator(mode="after")
    def _active_is_known(self) -> EncryptKeys:
        if self.active not in self.keys:
            known = ", ".join(sorted(self.keys))
            raise ValueError(f"active key {self.active!r} is not one of the keys ({known})")
        return self


class KeyringConfig(_Strict):
    """The policy's ``keyring`` section."""

    tokenize: KeyRef | None = None
    encrypt: EncryptKeys | None = None


def decode_key(text: str) -> bytes:
    """Decode base64 key text: standard or URL-safe alphabet, padding optional, whitespace
    ignored. Raises ValueError (without echoing the text) when it is not base64."""
    compact = "".join(text.split()).rstrip("=")
    compact = compact.replace("-", "+").replace("_", "/")
    if not compact or len(compact) % 4 == 1:
        raise ValueError("not base64 text")
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64 text") from None


def generate_key(kind: Literal["encrypt", "tokenize"]) -> str:
    """Fresh random key text (standard base64): a 64-byte AES-SIV key for ``encrypt``,
    a 32-byte HMAC-SHA256 key for ``tokenize``."""
    if kind not in _GENERATED_SIZES:
        raise ValueError(f"unknown key kind {kind!r}; expected 'encrypt' or 'tokenize'")
    return base64.b64encode(secrets.token_bytes(_GENERATED_SIZES[kind])).decode("ascii")


def _check_encrypt_size(size: int) -> str | None:
    if size in ENCRYPT_KEY_SIZES:
        return None
    return (
        f"decodes to {size} bytes; an AES-SIV key must be 32, 48 or 64 bytes "
        "(generate one with `redact keygen encrypt`)"
    )


def _check_tokenize_size(size: int) -> str | None:
    if size >= MIN_TOKENIZE_KEY_SIZE:
        return None
    return (
        f"decodes to {size} bytes; a tokenize (HMAC) key must be at least "
        f"{MIN_TOKENIZE_KEY_SIZE} bytes (generate one with `redact keygen tokenize`)"
    )


class Keyring:
    """Resolved key material. Build it with :meth:`load` from a policy's
    :class:`KeyringConfig`, or directly with bytes (tests, programmatic use)."""

    __slots__ = ("_tokenize_key", "_encrypt_keys", "_active_kid")

    def __init__(
        self,
        *,
        tokenize_key: bytes | None = None,
        encrypt_keys: Mapping[str, bytes] | None = None,
        active_kid: str | None = None,
    ) -> None:
        keys = dict(encrypt_keys or {})
        if tokenize_key is not None and (problem := _check_tokenize_size(len(tokenize_key))):
            raise KeyringError(f"tokenize key {problem}")
        for kid, key in keys.items():
            if not _KEY_ID.match(kid):
                raise KeyringError(f"encryption key id {kid!r} must match {KEY_ID_PATTERN}")
            if problem := _check_encrypt_size(len(key)):
                raise KeyringError(f"encryption key {kid!r} {problem}")
        if active_kid is not None and active_kid not in keys:
            raise KeyringError(f"active encryption key {active_kid!r} is not one of the keys")
        if active_kid is None and len(keys) == 1:
            active_kid = next(iter(keys))
        self._tokenize_key = None if tokenize_key is None else bytes(tokenize_key)
        self._encrypt_keys = {kid: bytes(key) for kid, key in keys.items()}
        self._active_kid = active_kid

    @classmethod
    def load(
        cls,
        config: KeyringConfig | None,
        *,
        source: str = "policy",
        base_dir: Path | None = None,
    ) -> Keyring:
        """Read and check every key the config names. ``source`` (the policy file) prefixes
        error messages; relative ``file`` paths resolve against ``base_dir``."""
        if config is None:
            return cls()
        tokenize_key = None
        if config.tokenize is not None:
            tokenize_key = _read(config.tokenize, "keyring.tokenize", source, base_dir, _check_tokenize_size)
        encrypt_keys: dict[str, bytes] = {}
        active = None
        if config.encrypt is not None:
            for kid, ref in config.encrypt.keys.items():
                field = f"keyring.encrypt.keys.{kid}"
                encrypt_keys[kid] = _read(ref, field, source, base_dir, _check_encrypt_size)
            active = config.encrypt.active
        return cls(tokenize_key=tokenize_key, encrypt_keys=encrypt_keys, active_kid=active)

    @property
    def tokenize_key(self) -> bytes | None:
        return self._tokenize_key

    @property
    def active_kid(self) -> str | None:
        """The id of the key new ciphertext uses, or None without encryption keys."""
        return self._active_kid

    @property
    def key_ids(self) -> tuple[str, ...]:
        """The encryption key ids, sorted."""
        return tuple(sorted(self._encrypt_keys))

    def has_encrypt_key(self, kid: str) -> bool:
        return kid in self._encrypt_keys

    def encrypt_key(self, kid: str) -> bytes:
        """The AES-SIV key with this id; DecryptError naming the id when there is none."""
        try:
            return self._encrypt_keys[kid]
        except KeyError:
            known = ", ".join(self.key_ids) or "none"
            raise DecryptError(
                f"unknown encryption key id {kid!r} (keyring has: {known})", key_id=kid
            ) from None

    def __repr__(self) -> str:
        tok = "None" if self._tokenize_key is None else f"<{len(self._tokenize_key)} bytes>"
        enc = ", ".join(f"{kid!r}: <{len(self._encrypt_keys[kid])} bytes>" for kid in self.key_ids)
        return f"Keyring(tokenize={tok}, encrypt={{{enc}}}, active={self._active_kid!r})"

    def __copy__(self) -> Keyring:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, object]) -> Keyring:
        return self


def _read(
    ref: KeyRef,
    field: str,
    source: str,
    base_dir: Path | None,
    check: Callable[[int], str | None],
) -> bytes:
    where = ref.describe(base_dir)
    prefix = f"{source}: field {field!r}"
    if ref.env is not None:
        text = os.environ.get(ref.env)
        if text is None or not text.strip():
            state = "is not set" if text is None else "is empty"
            raise KeyringError(f"{prefix}: {where} {state}")
    else:
        path = ref.resolve(base_dir)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise KeyringError(f"{prefix}: cannot read file {path}: {reason}") from None
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            raise KeyringError(f"{prefix}: {where} does not hold base64 text") from None
        if not text.strip():
            raise KeyringError(f"{prefix}: {where} is empty")
    try:
        key = decode_key(text)
    except ValueError:
        raise KeyringError(f"{prefix}: the key in {where} is not valid base64") from None
    problem = check(len(key))
    if problem:
        raise KeyringError(f"{prefix}: the key in {where} {problem}")
    return key
