"""``tokenize``: a keyed, deterministic token, the same for one value across runs."""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from redact._finding import _normalize
from redact.actions.base import Action, ActionParams, Span
from redact.errors import KeyringError

if TYPE_CHECKING:
    from typing_extensions import Self

    from redact.actions.keyring import Keyring

__all__ = ["Tokenize", "TokenizeParams", "token_for"]


class TokenizeParams(ActionParams):
    """``length``: hex characters of the HMAC-SHA256 digest kept in the token (16..64)."""

    length: int = Field(default=24, ge=16, le=64)


def token_for(key: bytes, category: str, text: str, length: int = 24) -> str:
    """``tok:<CATEGORY>:<hex>``: HMAC-SHA256(key, category NUL normalised text), truncated
    to ``length`` hex characters. Text is normalised as for fingerprints (digits only for
    cards and SSNs, so two layouts of one card give one token)."""
    msg = category.encode() + b"\0" + _normalize(category, text).encode("utf-8", "surrogatepass")
    return f"tok:{category}:{hmac.new(key, msg, hashlib.sha256).hexdigest()[:length]}"


class Tokenize(Action):
    """Replace the span with :func:`token_for` under the keyring's tokenize key."""

    name: ClassVar[str] = "tokenize"
    params_model: ClassVar[type[ActionParams]] = TokenizeParams

    __slots__ = ("_key", "_length")

    def __init__(self, params: ActionParams | None = None, *, key: bytes) -> None:
        super().__init__(params)
        assert isinstance(self.params, TokenizeParams)
        self._length = self.params.length
        self._key = bytes(key)

    @classmethod
    def bind(cls, params: ActionParams, keyring: Keyring) -> Self:
        key = keyring.tokenize_key
        if key is None:
            raise KeyringError(
                "action 'tokenize' needs a tokenize key, but the policy's keyring has none "
                "(add 'keyring.tokenize' with 'env' or 'file'; generate a key with `redact keygen tokenize`)"
            )
        return cls(params, key=key)

    def replace(self, span: Span) -> str:
        return token_for(self._key, span.category, span.text, self._length)
