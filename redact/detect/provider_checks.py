"""Validators and structural checks for provider credential formats.

Registered by name in :data:`redact.detect.validators.VALIDATORS` when this module is
imported (``redact.detect`` imports it, so every catalog load has them). Checks named in
a detector's ``checks`` raise confidence; names in ``validators`` gate the match.
"""

from __future__ import annotations

import base64
import binascii
import re

from redact.detect.validators import Candidate, credential_like, generated_token, is_placeholder, validator

__all__ = [
    "mixed_case",
    "not_all_hex",
    "bedrock_key_marker",
    "base64_json_body",
    "discord_token_id",
    "bundler_credential",
]

_HEX_ONLY = re.compile(r"^[0-9a-fA-F_.:-]+$")


@validator
def mixed_case(c: Candidate) -> bool:
    """Random base62 bodies carry upper and lower case letters; words and hex do not."""
    s = c.span
    return any(ch.isupper() for ch in s) and any(ch.islower() for ch in s)


@validator
def not_all_hex(c: Candidate) -> bool:
    """Not a run of hex digits: a prefix that is itself hex (``4b1d``) must not turn
    digests and commit SHAs into findings."""
    return not _HEX_ONLY.match(c.span)


def _b64decode(s: str) -> bytes:
    s = s.rstrip("=")
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=False)


@validator
def bedrock_key_marker(c: Candidate) -> bool:
    """Amazon Bedrock long-term API keys: ``ABSK`` + base64 of ``BedrockAPIKey-...``."""
    try:
        return _b64decode(c.span[4:])[:14] == b"BedrockAPIKey-"
    except (ValueError, binascii.Error):
        return False


@validator
def base64_json_body(c: Candidate) -> bool:
    """The part after the first ``_`` decodes (base64) to a JSON object opening."""
    body = c.span.split("_", 1)[-1].split("_", 1)[0]
    try:
        return _b64decode(body)[:2] in (b'{"', b"{ ")
    except (ValueError, binascii.Error):
        return False


@validator
def discord_token_id(c: Candidate) -> bool:
    """Discord bot tokens open with the base64 of the bot's numeric user id (17-20 digits)."""
    head = c.span.split(".", 1)[0]
    try:
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
    except (ValueError, binascii.Error):
        return False
    return 17 <= len(raw) <= 20 and raw.isdigit()


@validator
def bundler_credential(c: Candidate) -> bool:
    """A Bundler source credential: ``username:password`` whose password (or, in the
    ``TOKEN:x-oauth-basic`` form, whose username) is a credential, or one generated token;
    not a setting's value (``development:test``, ``true``, a path) nor a reference."""
    v = c.span.strip().strip("'\"")
    if not v or is_placeholder(v):
        return False
    user, sep, password = v.partition(":")
    if sep:
        return credential_like(password) or credential_like(user)
    return generated_token(v)
