"""``mask``: a type-aware, deterministic mask that keeps only what is safe to show."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator

from redact._escapes import ANY_ESCAPE, escape_char
from redact.actions.base import Action, ActionParams, Span

__all__ = ["Mask", "MaskParams", "MAX_KEEP", "CREDENTIAL_MASK"]

MAX_KEEP = 4  # never show more than the last four characters of a number
CREDENTIAL_MASK = "****"  # fixed: a masked credential does not reveal its length
_DEFAULT_KEEP = {"CREDIT_CARD": 4, "US_SSN": 4, "IBAN_CODE": 4, "PHONE_NUMBER": 2}


class MaskParams(ActionParams):
    """``char`` masks each hidden character (one character, not a digit or space).
    ``keep_last`` (0..4) overrides how many trailing letters/digits of cards, SSNs, IBANs
    and phone numbers stay visible (defaults: 4, and 2 for phone numbers)."""

    char: str = Field(default="*", min_length=1, max_length=1)
    keep_last: int | None = Field(default=None, ge=0, le=MAX_KEEP)

    @field_validator("char")
    @classmethod
    def _mask_char(cls, char: str) -> str:
        if char.isdigit() or char.isspace() or not char.isprintable():
            raise ValueError("the mask character must be printable, not a digit or whitespace")
        return char


class Mask(Action):
    """Cards, SSNs, IBANs: every letter and digit but the last ``keep_last`` (at most 4)
    becomes ``char``, separators stay (``**** **** **** 1111``, ``***-**-4410``). Phone
    numbers: the same, keeping 2 by default. Connection-string credentials: a fixed
    ``****``. E-mail addresses: ``****@domain``. Anything else: ``[REDACTED:<detector>]``.
    A span that also covers other findings (``Span.whole``) shows none of its characters.
    """

    name: ClassVar[str] = "mask"
    params_model: ClassVar[type[ActionParams]] = MaskParams

    __slots__ = ("_char", "_keep_last")

    def __init__(self, params: ActionParams | None = None) -> None:
        super().__init__(params)
        assert isinstance(self.params, MaskParams)
        self._char = self.params.char
        self._keep_last = self.params.keep_last

    def replace(self, span: Span) -> str:
        category = span.category
        if category in _DEFAULT_KEEP:
            keep = _DEFAULT_KEEP[category] if self._keep_last is None else self._keep_last
            if span.whole:  # other findings' characters in the span: show none
                keep = 0
            return _mask_alnum(span.text, min(keep, MAX_KEEP), self._char)
        if category == "CONNECTION_STRING":
            return CREDENTIAL_MASK
        if category == "EMAIL_ADDRESS" and not span.whole:
            _, at, domain = span.text.rpartition("@")
            if at and domain:
                return f"{CREDENTIAL_MASK}@{domain}"
        return f"[REDACTED:{span.detector}]"


_SHORT_CODE = 7  # letters and digits below which a mask keeps none


def _mask_alnum(text: str, keep: int, char: str) -> str:
    """Replace every letter and digit but the last ``keep`` with ``char``. At most half of
    them (rounded down, less one) stay visible, so a short value is never shown whole, and
    none of a value of fewer than ``_SHORT_CODE`` (a card's verification code, a PIN: one
    digit of three is a third of it).

    A finding read through an escape (a card in JSON text with ``\\u0020`` between its
    groups, a phone number URL-encoded as ``%2B1...``) has its escapes in ``text``: each
    escape is one character, kept whole when it stands for a separator and masked whole
    when it stands for a letter or a digit, so the text around stays well-formed JSON, a
    well-formed URL or HTML (``****\\u0020****...``, never a broken ``\\*****``)."""
    units = _units(text) if _ESCAPE_SEEDS.intersection(text) else [(ch, ch) for ch in text]
    total = sum(1 for _, ch in units if ch.isalnum())
    keep = max(0, min(keep, (total - 1) // 2)) if total >= _SHORT_CODE else 0
    hidden = total - keep
    out = []
    seen = 0
    for raw, ch in units:
        if ch.isalnum():
            out.append(char if seen < hidden else raw)
            seen += 1
        else:
            out.append(raw)
    return "".join(out)


def _units(text: str) -> list[tuple[str, str]]:
    """``text`` as (raw, character) pairs: one per character, one per escape the scanner
    reads decoded (:mod:`redact._escapes`)."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in ANY_ESCAPE.finditer(text):
        out.extend((ch, ch) for ch in text[pos : m.start()])
        out.append((m.group(), escape_char(m.group())))
        pos = m.end()
    out.extend((ch, ch) for ch in text[pos:])
    return out


_ESCAPE_SEEDS = frozenset("\\%&")  # (the first characters of every escape)
