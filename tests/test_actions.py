"""Redaction actions: parameter validation, type-aware masks, keyed tokens, AES-SIV
encryption bound to the JSON pointer (tamper, move, wrong key, rotation), leaf-level and
record-only actions, and that no output or repr leaks plaintext or key material."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import pickle
import random
import re
import string
from typing import Any

import pytest
from pydantic import ValidationError

from redact.actions import (
    ACTIONS,
    Action,
    Allow,
    Block,
    Drop,
    Encrypt,
    EncryptParams,
    Keyring,
    KeyringConfig,
    Mask,
    MaskParams,
    Span,
    Tokenize,
    TokenizeParams,
    build_action,
    decrypt_text,
    decrypt_token,
    is_redacted,
    is_token,
    params_model,
)
from redact.actions.encrypt import TOKEN_RE, render_field
from redact.errors import Blocked, DecryptError, KeyringError, PolicyError

TOKEN = re.compile(r"^enc:v2:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]+)~$")
CATEGORIES = [
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "PHONE_NUMBER",
    "CONNECTION_STRING",
    "EMAIL_ADDRESS",
    "SECRET",
    "PERSON",
    "IP_ADDRESS",
    "CUSTOMER_ID",
]


@pytest.fixture
def keys() -> dict[str, bytes]:
    return {"tok": os.urandom(32), "k1": os.urandom(64), "k2": os.urandom(64)}


@pytest.fixture
def ring(keys) -> Keyring:
    return Keyring(tokenize_key=keys["tok"], encrypt_keys={"k1": keys["k1"]}, active_kid="k1")


def span(text: str, category: str = "SECRET", detector: str = "test-detector", pointer: str = "/a") -> Span:
    return Span(text=text, category=category, detector=detector, pointer=pointer)


def _material_forms(key: bytes) -> list[str]:
    return [
        base64.b64encode(key).decode(),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        key.hex(),
        repr(key),
    ]


def _flip(token: str, index: int) -> str:
    """The token with one ciphertext byte flipped (re-encoded canonically)."""
    m = TOKEN.match(token)
    assert m is not None
    raw = bytearray(base64.urlsafe_b64decode(m.group(2) + "=" * (-len(m.group(2)) % 4)))
    raw[index % len(raw)] ^= 0x01
    body = base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    return f"enc:v2:{m.group(1)}:{body}~"


# --- generated values for property-style tests ---------------------------------------------


def _luhn_complete(digits: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(digits + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return digits + str((10 - total % 10) % 10)


def _card(rng: random.Random) -> str:
    body = _luhn_complete(rng.choice(["4", "51", "37", "6011"]) + "".join(rng.choices(string.digits, k=11)))
    body = body[:16] if len(body) > 16 else body
    layout = rng.choice(["plain", "space", "dash"])
    if layout == "plain":
        return body
    sep = " " if layout == "space" else "-"
    return sep.join(body[i : i + 4] for i in range(0, len(body), 4))


def _value(rng: random.Random, category: str) -> str:
    digits = lambda k: "".join(rng.choices(string.digits, k=k))  # noqa: E731
    letters = lambda k: "".join(rng.choices(string.ascii_letters, k=k))  # noqa: E731
    if category == "CREDIT_CARD":
        return _card(rng)
    if category == "US_SSN":
        sep = rng.choice(["-", " ", ""])
        return f"{rng.randint(1, 665):03d}{sep}{rng.randint(1, 99):02d}{sep}{rng.randint(1, 9999):04d}"
    if category == "IBAN_CODE":
        raw = "GB" + digits(2) + letters(4).upper() + digits(14)
        return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4)) if rng.random() < 0.5 else raw
    if category == "PHONE_NUMBER":
        return rng.choice(["+1 415-", "(212) ", "+44 20 ", ""]) + digits(3) + "-" + digits(4)
    if category == "CONNECTION_STRING":
        return letters(rng.randint(6, 20)) + rng.choice(["!", "#", "%", ""]) + digits(3)
    if category == "EMAIL_ADDRESS":
        return (
            f"{letters(rng.randint(3, 10)).lower()}.{letters(5).lower()}@example.{rng.choice(['com', 'org'])}"
        )
    if category == "SECRET":
        return rng.choice(["ghp_", "AKIA", "sk_live_", "xoxb-"]) + letters(rng.randint(16, 36)) + digits(4)
    if category == "PERSON":
        first, last = letters(rng.randint(4, 9)), letters(7)
        return f"{first.capitalize()} {last.capitalize()}"
    if category == "IP_ADDRESS":
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    return "CUST-" + digits(8)


def _generated(n: int = 60, seed: int = 20240611) -> list[Span]:
    rng = random.Random(seed)
    out = []
    for category in CATEGORIES:
        for i in range(n):
            out.append(
                span(_value(rng, category), category, f"det-{category.lower()}", f"/runs/{i}/params/x")
            )
    return out


# --- registry and parameter validation ------------------------------------------------------


def test_registry_names_and_flags():
    """Six actions by name; drop and block act on the whole field; allow only records."""
    assert list(ACTIONS) == ["mask", "tokenize", "encrypt", "drop", "block", "allow"]
    for name, cls in ACTIONS.items():
        assert cls.name == name and issubclass(cls, Action)
    assert {n for n, c in ACTIONS.items() if c.leaf_level} == {"drop", "block"}
    assert {n for n, c in ACTIONS.items() if not c.changes_value} == {"allow"}


def test_params_model_for_each_action_and_unknown_names():
    """params_model gives each action's pydantic model; an unknown name is a ValueError
    listing the known actions."""
    assert params_model("mask") is MaskParams
    assert params_model("tokenize") is TokenizeParams
    assert params_model("encrypt") is EncryptParams
    for name in ("drop", "block", "allow"):
        assert params_model(name).model_fields == {}
    with pytest.raises(ValueError, match="unknown action 'hash'; known actions: mask, tokenize, encrypt"):
        params_model("hash")


@pytest.mark.parametrize("name", list(ACTIONS))
def test_unknown_params_are_rejected(name):
    """Every action's parameter model forbids unknown fields (pydantic extra_forbidden)."""
    with pytest.raises(ValidationError) as info:
        params_model(name).model_validate({"keep_first": 2})
    assert info.value.errors()[0]["type"] == "extra_forbidden"


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("mask", {"char": ""}),
        ("mask", {"char": "**"}),
        ("mask", {"char": "7"}),
        ("mask", {"char": " "}),
        ("mask", {"keep_last": 9}),
        ("mask", {"keep_last": 5}),
        ("mask", {"keep_last": -1}),
        ("mask", {"keep_last": "all"}),
        ("tokenize", {"length": 15}),
        ("tokenize", {"length": 65}),
        ("encrypt", {"key_id": "no spaces"}),
        ("encrypt", {"key_id": "x" * 33}),
    ],
)
def test_bad_param_values_are_rejected(name, params):
    """Out-of-range or malformed parameter values fail pydantic validation."""
    with pytest.raises(ValidationError):
        params_model(name).model_validate(params)


def test_params_are_frozen():
    """Validated parameters cannot be changed after the policy loads."""
    params = MaskParams(keep_last=2)
    with pytest.raises(ValidationError):
        params.keep_last = 4  # type: ignore[misc]


def test_build_action_validates_and_wraps_errors(ring):
    """build_action accepts a mapping or a model; invalid params become a PolicyError naming
    the action and fields, with the ValidationError as its cause; unknown actions too."""
    assert isinstance(build_action("mask", {"keep_last": 2}, ring), Mask)
    assert isinstance(build_action("mask", MaskParams(char="#"), ring), Mask)
    assert isinstance(build_action("drop", None, ring), Drop)
    with pytest.raises(
        PolicyError, match=r"action 'mask': invalid parameters: keep_last: .*; bogus: unknown"
    ) as info:
        build_action("mask", {"keep_last": 9, "bogus": 1}, ring)
    assert isinstance(info.value.__cause__, ValidationError)
    with pytest.raises(PolicyError, match="unknown action 'hash'; known actions: mask"):
        build_action("hash", {}, ring)
    with pytest.raises(PolicyError, match="takes TokenizeParams parameters, not MaskParams"):
        build_action("tokenize", MaskParams(), ring)


def test_actions_needing_keys_fail_to_build_without_them():
    """tokenize and encrypt need keys: building them from a keyring without keys raises a
    KeyringError (a PolicyError) saying what to add; other actions need none."""
    empty = Keyring.load(None)
    with pytest.raises(KeyringError, match=r"'tokenize' needs a tokenize key.*keyring.tokenize"):
        build_action("tokenize", {}, empty)
    with pytest.raises(KeyringError, match=r"'encrypt' needs an encryption key.*keyring.encrypt"):
        build_action("encrypt", {}, empty)
    ring = Keyring(encrypt_keys={"k1": os.urandom(32)})
    with pytest.raises(KeyringError, match=r"pins key_id 'k7'.*known: k1"):
        build_action("encrypt", {"key_id": "k7"}, ring)
    for name in ("mask", "drop", "block", "allow"):
        assert build_action(name, {}, empty).name == name


# --- mask -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("category", "text", "expected"),
    [
        ("CREDIT_CARD", "4111 1111 1111 1111", "**** **** **** 1111"),
        ("CREDIT_CARD", "4111-1111-1111-1111", "****-****-****-1111"),
        ("CREDIT_CARD", "4111111111111111", "************1111"),
        ("US_SSN", "536-90-4410", "***-**-4410"),
        ("IBAN_CODE", "GB82 WEST 1234 5698 7654 32", "**** **** **** **** **54 32"),
        ("PHONE_NUMBER", "+1 415-555-0132", "+* ***-***-**32"),
        ("CONNECTION_STRING", "s3cr3t", "****"),
        ("CONNECTION_STRING", "a-much-longer-password-than-that", "****"),
        ("EMAIL_ADDRESS", "jane.doe@example.com", "****@example.com"),
        ("SECRET", "ghp_0123456789abcdefghijklmnopqrstuvwxyz", "[REDACTED:test-detector]"),
        ("PERSON", "Jane Doe", "[REDACTED:test-detector]"),
        ("IP_ADDRESS", "10.20.30.40", "[REDACTED:test-detector]"),
        ("CUSTOMER_ID", "CUST-00421337", "[REDACTED:test-detector]"),
    ],
)
def test_mask_is_type_aware(category, text, expected):
    """Numbers keep separators and their last 4 (phones 2); credentials get a fixed ****;
    e-mail keeps the domain; anything else gets a placeholder naming the detector."""
    assert Mask().replace(span(text, category)) == expected


def test_connection_string_mask_in_context():
    """Replacing the credential span of a connection string gives the documented result."""
    url = "postgresql://svc:s3cr3t@db:5432/features"
    start, end = 17, 23
    masked = url[:start] + Mask().replace(span(url[start:end], "CONNECTION_STRING")) + url[end:]
    assert masked == "postgresql://svc:****@db:5432/features"


def test_mask_params_char_and_keep_last():
    """char changes the mask character; keep_last chooses 0..4 visible characters."""
    card = span("4111 1111 1111 1111", "CREDIT_CARD")
    assert Mask(MaskParams(char="x")).replace(card) == "xxxx xxxx xxxx 1111"
    assert Mask(MaskParams(keep_last=0)).replace(card) == "**** **** **** ****"
    assert Mask(MaskParams(keep_last=2)).replace(card) == "**** **** **** **11"
    assert Mask(MaskParams(keep_last=4)).replace(span("+1 415-555-0132", "PHONE_NUMBER")) == "+* ***-***-0132"


def test_mask_never_keeps_more_than_four():
    """keep_last=9 fails validation, and with keep_last=4 (the most allowed) or the default,
    a masked card or SSN shows at most its last 4 digits, over many generated values."""
    with pytest.raises(ValidationError):
        MaskParams(keep_last=9)
    with pytest.raises(PolicyError):
        build_action("mask", {"keep_last": 9}, Keyring())
    masks = [Mask(), Mask(MaskParams(keep_last=4)), Mask(MaskParams(keep_last=3))]
    for s in _generated():
        if s.category not in ("CREDIT_CARD", "US_SSN"):
            continue
        digits = "".join(ch for ch in s.text if ch.isdigit())
        for mask in masks:
            out = mask.replace(s)
            shown = "".join(ch for ch in out if ch.isdigit())
            assert len(shown) <= 4 and digits.endswith(shown)
            assert len(out) == len(s.text)  # layout kept


def test_mask_never_shows_a_short_value_whole():
    """A short number keeps fewer than half its characters, and a code of fewer than seven
    (a card's verification code, a PIN, custom detectors' odd data) none at all."""
    assert Mask().replace(span("1234", "CREDIT_CARD")) == "****"
    assert Mask().replace(span("123", "CREDIT_CARD")) == "***"
    assert Mask().replace(span("12", "PHONE_NUMBER")) == "**"
    assert Mask().replace(span("7", "US_SSN")) == "*"
    assert Mask().replace(span("1234567", "PHONE_NUMBER")) == "*****67"


def test_mask_keeps_escapes_whole():
    """A number read through escapes (JSON's ``\\u0020``, URL-encoding's ``%20``, HTML's
    ``&#32;``) is masked escape by escape: separators stay whole, a digit written as an
    escape becomes one mask character, and the JSON text around stays valid."""
    import json

    import redact

    assert Mask().replace(span("4111\\u00201111\\u00201111\\u00201111", "CREDIT_CARD")) == (
        "****\\u0020****\\u0020****\\u00201111"
    )
    assert Mask().replace(span("4111%201111%201111%201111", "CREDIT_CARD")) == "****%20****%20****%201111"
    assert (
        Mask().replace(span("4111&#32;1111&#32;1111&#32;1111", "CREDIT_CARD"))
        == "****&#32;****&#32;****&#32;1111"
    )
    assert Mask().replace(span("\\u0034111 1111 1111 1111", "CREDIT_CARD")) == "**** **** **** 1111"
    text = '{"card": "4111\\u00201111\\u00201111\\u00201111", "ssn": "078\\u002d05\\u002d1121"}'
    out = redact.redact({"cfg": text}).value["cfg"]
    assert json.loads(out) == {"card": "**** **** **** 1111", "ssn": "***-**-1121"}


def test_mask_is_deterministic():
    """Masking one value twice gives the same text."""
    for s in _generated(5):
        assert Mask().replace(s) == Mask().replace(s)


# --- tokenize -------------------------------------------------------------------------------


def test_tokenize_format_and_spec(keys, ring):
    """tok:<CATEGORY>:<hex> where hex is HMAC-SHA256(key, category NUL normalised text)
    truncated to ``length`` (default 24): the documented construction, so tokens can be
    recomputed elsewhere."""
    action = build_action("tokenize", {}, ring)
    out = action.replace(span("jane.doe@Example.com", "EMAIL_ADDRESS"))
    digest = hmac.new(keys["tok"], b"EMAIL_ADDRESS\0jane.doe@example.com", hashlib.sha256).hexdigest()
    assert out == f"tok:EMAIL_ADDRESS:{digest[:24]}"
    long = build_action("tokenize", {"length": 64}, ring).replace(
        span("jane.doe@example.com", "EMAIL_ADDRESS")
    )
    assert long == f"tok:EMAIL_ADDRESS:{digest}"


def test_tokenize_is_deterministic_across_keyrings(monkeypatch, keys):
    """The same value and key give the same token from fresh keyrings loaded separately
    (joinable across runs)."""
    monkeypatch.setenv("REDACT_TEST_TOK", base64.b64encode(keys["tok"]).decode())
    config = KeyringConfig.model_validate({"tokenize": {"env": "REDACT_TEST_TOK"}})
    first = build_action("tokenize", {}, Keyring.load(config))
    second = build_action("tokenize", {}, Keyring.load(config))
    for s in _generated(5):
        assert first.replace(s) == second.replace(s)


def test_tokenize_normalises_layouts():
    """Two layouts of one card (or SSN) give one token; category separates equal texts."""
    action = Tokenize(key=os.urandom(32))
    a = action.replace(span("4111 1111 1111 1111", "CREDIT_CARD", pointer="/a"))
    b = action.replace(span("4111-1111-1111-1111", "CREDIT_CARD", pointer="/b"))
    assert a == b
    assert action.replace(span("536-90-4410", "US_SSN")) == action.replace(span("536904410", "US_SSN"))
    assert action.replace(span("536904410", "US_SSN")) != action.replace(span("536904410", "CUSTOMER_ID"))


def test_tokenize_depends_on_the_key():
    """Another key gives another token for the same value."""
    s = span("4111111111111111", "CREDIT_CARD")
    assert Tokenize(key=os.urandom(32)).replace(s) != Tokenize(key=os.urandom(32)).replace(s)


# --- encrypt --------------------------------------------------------------------------------


def test_encrypt_round_trip_and_format(ring):
    """enc:v2:<kid>:<base64url, no padding>~ that decrypt_token turns back into the text."""
    action = build_action("encrypt", {}, ring)
    for s in _generated(10):
        token = action.replace(s)
        m = TOKEN.match(token)
        assert m is not None and m.group(1) == "k1" and "=" not in token
        assert is_token(token)
        assert decrypt_token(token, s.pointer, ring) == s.text


def test_encrypt_round_trips_any_unicode(ring):
    """Non-ASCII text, lone surrogates and the empty string round-trip; pointers may be
    non-ASCII too."""
    action = build_action("encrypt", {}, ring)
    for text in ["", "pässwörd", "密码🙂", "bad\udcffsurrogate"]:
        s = span(text, pointer="/params/ключ~1x")
        assert decrypt_token(action.replace(s), s.pointer, ring) == text


def test_encrypt_is_deterministic_across_keyrings(monkeypatch, keys):
    """Same text, pointer and key give the same token, also from freshly loaded keyrings;
    another pointer gives another token."""
    monkeypatch.setenv("REDACT_TEST_K1", base64.b64encode(keys["k1"]).decode())
    config = KeyringConfig.model_validate(
        {"encrypt": {"active": "k1", "keys": {"k1": {"env": "REDACT_TEST_K1"}}}}
    )
    first = build_action("encrypt", {}, Keyring.load(config))
    second = build_action("encrypt", {}, Keyring.load(config))
    s = span("s3cr3t", "CONNECTION_STRING", pointer="/runs/0/params/db_url")
    assert first.replace(s) == second.replace(s)
    assert first.replace(s) != first.replace(
        span("s3cr3t", "CONNECTION_STRING", pointer="/runs/1/params/db_url")
    )


def test_tampered_ciphertext_fails(ring):
    """Flipping any byte of the ciphertext raises DecryptError naming key id and pointer,
    never the plaintext."""
    s = span("hunter2-password", pointer="/runs/0/params/pw")
    token = build_action("encrypt", {}, ring).replace(s)
    raw_len = len(base64.urlsafe_b64decode(TOKEN.match(token).group(2) + "=="))  # type: ignore[union-attr]
    for index in range(raw_len):
        with pytest.raises(DecryptError) as info:
            decrypt_token(_flip(token, index), s.pointer, ring)
        msg = str(info.value)
        assert "'k1'" in msg and "'/runs/0/params/pw'" in msg and s.text not in msg
        assert (info.value.key_id, info.value.pointer) == ("k1", s.pointer)


def test_truncated_or_non_canonical_tokens_fail(ring):
    """A shortened token fails; so does a non-canonical base64 spelling of the very same
    ciphertext (unused low bits of the last character set), so tokens are not malleable."""
    s = span("hunter2-password")  # 16 + 16 bytes of ciphertext: the last character has 2 spare bits
    token = build_action("encrypt", {}, ring).replace(s)
    for cut in (token[:-1], token[:-2] + "~", token[:-3] + "~"):
        with pytest.raises(DecryptError):
            decrypt_token(cut, s.pointer, ring)
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    spelled = token[:-2] + alphabet[alphabet.index(token[-2]) | 1] + "~"
    assert spelled != token
    body, other = (t.rsplit(":", 1)[1].rstrip("~") for t in (token, spelled))
    assert base64.urlsafe_b64decode(body + "=") == base64.urlsafe_b64decode(other + "=")
    with pytest.raises(DecryptError):
        decrypt_token(spelled, s.pointer, ring)


def test_moved_ciphertext_fails(ring):
    """A token copied to another pointer (another field) does not decrypt there."""
    s = span("hunter2-password", pointer="/runs/0/params/pw")
    token = build_action("encrypt", {}, ring).replace(s)
    with pytest.raises(DecryptError, match=r"key 'k1' at pointer '/runs/1/params/pw'"):
        decrypt_token(token, "/runs/1/params/pw", ring)


def test_wrong_key_fails(ring):
    """A keyring whose k1 holds other material cannot decrypt, and says which key."""
    s = span("hunter2-password")
    token = build_action("encrypt", {}, ring).replace(s)
    other = Keyring(encrypt_keys={"k1": os.urandom(64)})
    with pytest.raises(DecryptError, match=r"with key 'k1' at pointer '/a'"):
        decrypt_token(token, s.pointer, other)


def test_unknown_key_id_fails(ring):
    """A token naming a key id the keyring lacks raises DecryptError naming the id."""
    s = span("hunter2-password")
    token = build_action("encrypt", {}, ring).replace(s).replace("enc:v2:k1:", "enc:v2:k9:")
    with pytest.raises(DecryptError, match=r"unknown encryption key id 'k9'.* at pointer '/a'") as info:
        decrypt_token(token, s.pointer, ring)
    assert info.value.key_id == "k9"


def test_not_a_token_fails(ring):
    """decrypt_token of something that is not a token says so, without echoing it."""
    with pytest.raises(DecryptError, match="not an enc:v2 token") as info:
        decrypt_token("plain secret value", "/a", ring)
    assert "plain secret value" not in str(info.value)


def test_key_rotation(keys):
    """k1 active -> rotate to k2 with k1 kept: old tokens still decrypt, new ones use k2;
    k1 dropped: old tokens fail with DecryptError naming k1."""
    s = span("s3cr3t", "CONNECTION_STRING", pointer="/runs/0/params/db_url")
    v1 = Keyring(encrypt_keys={"k1": keys["k1"]}, active_kid="k1")
    old = build_action("encrypt", {}, v1).replace(s)
    assert old.startswith("enc:v2:k1:")

    v2 = Keyring(encrypt_keys={"k1": keys["k1"], "k2": keys["k2"]}, active_kid="k2")
    new = build_action("encrypt", {}, v2).replace(s)
    assert new.startswith("enc:v2:k2:")
    assert decrypt_token(old, s.pointer, v2) == s.text
    assert decrypt_token(new, s.pointer, v2) == s.text
    pinned = build_action("encrypt", {"key_id": "k1"}, v2).replace(s)
    assert pinned == old  # pinning the old key reproduces the old token

    v3 = Keyring(encrypt_keys={"k2": keys["k2"]}, active_kid="k2")
    assert decrypt_token(new, s.pointer, v3) == s.text
    with pytest.raises(DecryptError, match="unknown encryption key id 'k1'"):
        decrypt_token(old, s.pointer, v3)


def _field(ring: Keyring, text: str, spans: list[tuple[str, str]], path: Any) -> str:
    """``text`` with each (plaintext, category) span encrypted as the Redactor does it."""
    action = build_action("encrypt", {}, ring)
    reps = []
    for plain, category in spans:
        start = text.index(plain)
        reps.append((start, start + len(plain), action, Span(plain, category, "d", "/x")))
    return render_field(text, reps, path)[0]


def test_decrypt_text_restores_tokens_inside_text(ring):
    """decrypt_text decrypts every token inside a string (a connection string whose
    password was encrypted) and leaves text without tokens unchanged."""
    pointer = "/runs/0/params/db_url"
    url = "postgresql://svc:s3cr3t@db:5432/features"
    red = _field(ring, url, [("s3cr3t", "CONNECTION_STRING")], pointer)
    assert "s3cr3t" not in red and red.startswith("postgresql://svc:enc:v2:k1:")
    assert decrypt_text(red, pointer, ring) == url
    assert decrypt_text(url, pointer, ring) == url
    two = _field(ring, "user=alice pass=pw-1;", [("alice", "SECRET"), ("pw-1", "SECRET")], pointer)
    assert decrypt_text(two, pointer, ring) == "user=alice pass=pw-1;"
    with pytest.raises(DecryptError, match="at pointer '/elsewhere'"):
        decrypt_text(red, "/elsewhere", ring)


def test_decrypt_text_finds_token_end_before_word_characters(ring):
    """A token followed directly by letters, digits, '-' or '_' (the span ended inside a
    word) still decrypts, the following characters kept: the '~' ends every token."""
    for suffix in ["abc", "_x-9", "Q", "AAAA"]:
        text = _field(ring, "key=inner-secret" + suffix, [("inner-secret", "SECRET")], "/a")
        assert decrypt_text(text, "/a", ring) == "key=inner-secret" + suffix


def test_tokens_are_bound_to_their_field_place_and_surroundings(ring):
    """Strict decryption: characters appended to or cut from a token, edits of the text
    around it, two tokens swapped within a field or across fields, and a list index read
    as a dict key (or the reverse) are all rejected."""
    text = "a=alice-FAKE b=bob-FAKE-2"
    path = ["runs", 0, "note"]
    red = _field(ring, text, [("alice-FAKE", "SECRET"), ("bob-FAKE-2", "SECRET")], path)
    assert decrypt_text(red, path, ring) == text
    first, second = TOKEN_RE.findall(red)
    t1 = f"enc:v2:{first[0]}:{first[1]}~"
    t2 = f"enc:v2:{second[0]}:{second[1]}~"
    bad = [
        red + "x",  # appended after the last token
        red.replace("~", "A~", 1),  # a character appended inside a token
        red.replace("~", "", 1),  # the end mark missing
        red.replace(t1, t1[:-3] + "~"),  # truncated
        "x" + red,  # text before it
        red.replace("b=", "c="),  # the text between the tokens edited
        red.replace(t1, "\0").replace(t2, t1).replace("\0", t2),  # swapped within the field
    ]
    for value in bad:
        with pytest.raises(DecryptError):
            decrypt_text(value, path, ring)
    with pytest.raises(DecryptError):  # the same digits as a dict key
        decrypt_text(red, ["runs", "0", "note"], ring)
    with pytest.raises(DecryptError):
        decrypt_text(red, "/runs/0/note", ring)
    other = _field(
        ring,
        "a=alice-FAKE b=carol-FAKE",
        [("alice-FAKE", "SECRET"), ("carol-FAKE", "SECRET")],
        ["runs", 1, "note"],
    )
    o1 = TOKEN_RE.findall(other)[0]
    moved = red.replace(t1, f"enc:v2:{o1[0]}:{o1[1]}~")  # a token from another field, same place
    with pytest.raises(DecryptError):
        decrypt_text(moved, path, ring)


# --- drop, block, allow ---------------------------------------------------------------------


def test_block_raises_blocked_without_the_value():
    """block is leaf-level; its replace (if a Redactor called it) raises Blocked carrying
    pointer, category and detector, never the text."""
    action = build_action("block", {}, Keyring())
    assert isinstance(action, Block) and action.leaf_level
    s = span("ghp_notreallyasecretbutlonglonglong", "SECRET", "github-classic-token", "/runs/0/tags/t")
    with pytest.raises(Blocked) as info:
        action.replace(s)
    err = info.value
    assert (err.pointer, err.category, err.detector) == ("/runs/0/tags/t", "SECRET", "github-classic-token")
    assert s.text not in str(err) and "github-classic-token" in str(err)
    back = pickle.loads(pickle.dumps(err))
    assert (back.pointer, back.category, back.detector, str(back)) == (
        err.pointer,
        err.category,
        err.detector,
        str(err),
    )


def test_drop_and_allow():
    """drop is leaf-level (replace, unused, removes the span only); allow records only and
    returns the text unchanged."""
    s = span("jane@example.com", "EMAIL_ADDRESS")
    assert Drop.leaf_level and Drop().replace(s) == ""
    assert not Allow.changes_value and Allow().replace(s) == s.text


# --- leaks ----------------------------------------------------------------------------------


def test_no_output_contains_the_plaintext(ring):
    """For every value-changing action and every category, over many generated values, the
    output never contains the detected text (block raises instead)."""
    actions = [
        build_action("mask", {}, ring),
        build_action("mask", {"keep_last": 4, "char": "#"}, ring),
        build_action("tokenize", {}, ring),
        build_action("tokenize", {"length": 16}, ring),
        build_action("encrypt", {}, ring),
        build_action("drop", {}, ring),
    ]
    spans = _generated()
    assert len({s.text for s in spans}) > 500
    for action in actions:
        for s in spans:
            out = action.replace(s)
            assert s.text not in out, (action, s)
            assert s.text.lower() not in out.lower(), (action, s)
    block = build_action("block", {}, ring)
    for s in spans[::7]:
        with pytest.raises(Blocked) as info:
            block.replace(s)
        assert s.text not in str(info.value)


def test_outputs_are_recognised_as_redacted(ring):
    """is_redacted recognises every encrypt/tokenize output and mask placeholder, so a
    second pass can leave them alone; real values are not recognised."""
    mask, tok, enc = (build_action(n, {}, ring) for n in ("mask", "tokenize", "encrypt"))
    for s in _generated(10):
        assert is_redacted(tok.replace(s)) and is_redacted(enc.replace(s))
        assert not is_redacted(s.text)
        if s.category in ("SECRET", "PERSON", "IP_ADDRESS", "CONNECTION_STRING"):
            assert is_redacted(mask.replace(s))


def test_reprs_show_no_text_or_key_material(keys):
    """repr/str of spans, actions and keyrings never show the span text or key bytes."""
    ring = Keyring(
        tokenize_key=keys["tok"], encrypt_keys={"k1": keys["k1"], "k2": keys["k2"]}, active_kid="k2"
    )
    s = span("hunter2-password", "SECRET", "generic", "/p")
    assert repr(s) == "Span(category='SECRET', detector='generic', pointer='/p')"
    assert s.text not in str(s) and s.text not in f"{[s]}"
    built = [build_action(name, {}, ring) for name in ACTIONS]
    text = " ".join(repr(x) + str(x) for x in [ring, s, *built])
    for key in keys.values():
        assert not any(form in text for form in _material_forms(key))
    assert repr(built[1]) == "Tokenize(length=24)"
    assert repr(built[2]) == "Encrypt(key_id='k2')"
    assert isinstance(built[2], Encrypt) and built[2].key_id == "k2"
