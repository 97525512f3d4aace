"""The Finding record. It holds where and what, never the detected text itself."""

from __future__ import annotations

import hmac
from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["Finding", "fingerprint"]

_DOMAIN = b"redact.fingerprint.v1"


@dataclass(frozen=True, slots=True)
class Finding:
    """A sensitive span inside one leaf of a scanned value.

    ``pointer`` is the RFC 6901 pointer to the leaf, ``key`` its dotted key path,
    ``start``/``end`` offsets into the leaf's string (``str()`` of a number).
    ``fingerprint`` identifies the detected text without revealing it. No field holds
    the text, so ``repr`` and ``str`` cannot leak it.

    ``in_key`` marks a finding in a dict key rather than in its value: ``start``/``end``
    are then offsets into the key. A pointer never shows a detected key: each detected
    key along it appears with its sensitive spans replaced (``/[REDACTED:email]/loss``).
    """

    pointer: str
    key: str
    category: str
    detector: str
    start: int
    end: int
    confidence: float
    fingerprint: str
    in_key: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _normalize(category: str, text: str) -> str:
    if category in ("CREDIT_CARD", "US_SSN"):
        return "".join(ch for ch in text if ch.isdigit())
    if category == "PHONE_NUMBER":
        return "".join(ch for ch in text if ch.isdigit() or ch == "+")
    if category == "IBAN_CODE":
        return text.replace(" ", "").upper()
    if category == "EMAIL_ADDRESS":
        return text.lower()
    return text


def fingerprint(category: str, text: str, key: bytes | None = None) -> str:
    """A stable 128-bit hex digest of the detected text (normalised per category).

    Always keyed (HMAC-SHA256): with ``key`` None, the project key of
    :mod:`redact._fpkey` is used. Without the key, low-entropy values such as card
    numbers or SSNs cannot be checked against guesses.
    """
    if key is None:
        from redact._fpkey import default_key

        key = default_key().key
    msg = category.encode() + b"\0" + _normalize(category, text).encode("utf-8", "surrogatepass")
    return hmac.digest(key, _DOMAIN + b"\0" + msg, "sha256").hex()[:32]
