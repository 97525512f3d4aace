"""Properties of redaction over random nested values with planted, generated secrets.

For values hypothesis builds (dicts, lists, tuples, strings, numbers, None) with fake
secrets of every kind planted at random places (Luhn-valid card numbers, SSNs, e-mail
addresses, URI credentials in front of IP addresses, provider-shaped keys, passwords,
phone numbers, IBANs):

- no planted plaintext is left anywhere in ``redact(x)`` (value or decisions);
- redaction is idempotent: ``redact(redact(x)) == redact(x)``;
- with ``encrypt`` for every finding, decrypting the result gives ``x`` back;
- ``scan`` and ``redact`` raise only ``redact.errors`` types, also for odd values (huge
  integers, objects whose ``__str__``/``__repr__`` raise, cycles, deep nesting).

The example counts and the disabled deadline keep the whole file well under a minute.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import random
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import redact
from redact.actions import decrypt_tree
from redact.errors import RedactError

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)

_DIGITS = string.digits
_B32 = string.ascii_uppercase + "234567"
_ALNUM = string.ascii_letters + string.digits


def _luhn(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body + "0")):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return body + str((10 - total % 10) % 10)


def _iban_de(bank: str, account: str) -> str:
    bban = bank + account
    rearranged = bban + "1314" + "00"  # D=13, E=14
    check = 98 - int(rearranged) % 97
    return f"DE{check:02d}{bban}"


def _random_chars(alphabet: str, n: int, seed: int) -> str:
    """``n`` characters drawn from ``alphabet`` by a PRNG seeded with ``seed``: shrinking the
    seed never turns a planted secret into filler (``AKIA2222...``) that is not a secret."""
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(n))


seed = st.integers(0, 2**64)
card = st.builds(lambda d: _luhn("4" + d), st.text(_DIGITS, min_size=14, max_size=14))
ssn = st.builds(
    lambda a, g, s: f"{a:03d}-{g:02d}-{s:04d}",
    st.integers(1, 899).filter(lambda a: a != 666),
    st.integers(1, 99),
    st.integers(1, 9999),
)
# a digit in the local part: the neutral text values (letters, no digits) never contain it
email = st.builds(
    lambda u, n: f"{u}{n}@example.com",
    st.text(string.ascii_lowercase, min_size=6, max_size=12),
    st.integers(0, 9),
)
# a digit at the end: letters alone can spell a CapWords type name (``FAKEJbcdeWxyzaLmn``),
# which the credential grammar reads as code, not as a credential, by design
password = st.builds(
    lambda n, k, d: "FAKE" + _random_chars(_ALNUM, n, k) + str(d),
    st.integers(10, 20),
    seed,
    st.integers(0, 9),
)
uri = st.builds(
    lambda p, a, b: f"postgresql://svc:{p}@10.{a}.{b}.7:5432/features",
    password,
    st.integers(0, 255),
    st.integers(0, 255),
)
aws = st.builds(lambda k: "AKIA" + _random_chars(_B32, 16, k), seed)
phone = st.builds(lambda n: f"+1 415 555 {n:04d}", st.integers(100, 9999))
iban = st.builds(
    _iban_de, st.text(_DIGITS, min_size=8, max_size=8), st.text(_DIGITS, min_size=10, max_size=10)
)

# (key that gives context, generator, the plaintext that must vanish)
PLANTS: list[tuple[str, Any]] = [
    ("card_number", card),
    ("ssn", ssn),
    ("owner_email", email),
    ("db_url", uri),
    ("aws_access_key_id", aws),
    ("password", password),
    ("phone", phone),
    ("iban", iban),
]


def _needle(key: str, value: str) -> str:
    if key == "db_url":
        return value.split(":", 2)[2].split("@", 1)[0]  # the password
    if key == "owner_email":
        return value.split("@", 1)[0]
    return value


planted = st.sampled_from(range(len(PLANTS))).flatmap(
    lambda i: PLANTS[i][1].map(lambda v, i=i: (PLANTS[i][0], v))
)
neutral_key = st.sampled_from(["lr", "epochs", "optimizer", "notes", "layers", "name", "seed", "run"])
scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-1000, 1000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(string.ascii_letters + " ._-", max_size=20),
)


def _tree(leaf: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        leaf,
        lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(neutral_key, kids, max_size=4)),
        max_leaves=12,
    )


@st.composite
def documents(draw: st.DrawFn) -> tuple[Any, list[str]]:
    """A random nested value with 1-4 planted secrets under keys that name them."""
    base = draw(st.dictionaries(neutral_key, _tree(scalar), max_size=4))
    needles = []
    for i, (key, value) in enumerate(draw(st.lists(planted, min_size=1, max_size=4))):
        holder: Any = base
        for _ in range(draw(st.integers(0, 2))):
            holder = holder.setdefault(f"section{i}", {})
            if not isinstance(holder, dict):
                break
        if not isinstance(holder, dict):
            holder = base
        holder[key] = value
        needles.append(_needle(key, value))
    return base, needles


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=repr)


@SETTINGS
@given(documents())
def test_no_planted_plaintext_survives_redaction(doc: tuple[Any, list[str]]) -> None:
    """Every planted secret is gone from the redacted value and from its decisions."""
    value, needles = doc
    result = redact.redact(value)
    out = _text(result.value) + repr(result.decisions)
    for needle in needles:
        assert needle not in out


@SETTINGS
@given(documents())
def test_redaction_is_idempotent(doc: tuple[Any, list[str]]) -> None:
    """Redacting a redacted value changes nothing (so a second `fix` changes nothing)."""
    once = redact.redact(doc[0]).value
    assert redact.redact(once).value == once


@pytest.fixture(scope="module")
def encrypting() -> redact.Policy:
    os.environ["REDACT_TEST_PROPERTY_KEY"] = base64.b64encode(os.urandom(64)).decode()
    os.environ["REDACT_TEST_PROPERTY_TOK"] = base64.b64encode(os.urandom(32)).decode()
    return redact.Policy.model_validate(
        {
            "summary": "silent",
            "actions": {"default": "encrypt"},
            "keyring": {
                "encrypt": {"active": "p1", "keys": {"p1": {"env": "REDACT_TEST_PROPERTY_KEY"}}},
                "tokenize": {"env": "REDACT_TEST_PROPERTY_TOK"},
            },
        }
    )


@SETTINGS
@given(doc=documents())
def test_decrypting_an_encrypted_value_gives_it_back(
    encrypting: redact.Policy, doc: tuple[Any, list[str]]
) -> None:
    """With encrypt for every finding, no plaintext is left and decryption restores the
    value exactly (several tokens in one field included)."""
    value, needles = doc
    redactor = redact.Redactor(encrypting)
    encrypted = redactor.redact(value).value
    text = _text(encrypted)
    for needle in needles:
        assert needle not in text
    assert decrypt_tree(encrypted, redactor.keyring) == value


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _cyclic(items: list[Any]) -> Any:
    items = list(items)
    items.append(items)
    return {"loop": items}


def _deep(depth: int) -> Any:
    v: Any = "FAKE-leaf"
    for _ in range(depth):
        v = {"d": v}
    return v


odd = st.one_of(
    st.integers(min_value=10**4300, max_value=10**4400),
    st.builds(_Unprintable),
    st.lists(scalar, max_size=3).map(_cyclic),
    st.integers(90, 400).map(_deep),
    st.binary(max_size=20),
    st.frozensets(st.integers(-5, 5), max_size=3),
    st.tuples(st.text(max_size=5), st.integers()),
    st.floats(),
    st.text(max_size=30),
)


@SETTINGS
@given(st.dictionaries(neutral_key, st.one_of(odd, _tree(odd)), max_size=4), planted)
def test_only_redact_errors_escape_and_nothing_raw_is_returned(
    value: dict[str, Any], plant: tuple[str, str]
) -> None:
    """Odd values never raise a bare Python exception from scan or redact; redaction of
    them still removes the planted secret next to them."""
    key, secret = plant
    value = {**value, key: secret}
    with contextlib.suppress(RedactError):
        redact.scan(value)
    result = redact.redact(value)  # on_error: mask, so odd parts are masked, not raised
    assert _needle(key, secret) not in _text(result.value)


CATEGORIES = [
    "CONNECTION_STRING",
    "CREDIT_CARD",
    "EMAIL_ADDRESS",
    "IBAN_CODE",
    "IP_ADDRESS",
    "PHONE_NUMBER",
    "SECRET",
    "US_SSN",
]
_redactors: dict[tuple[frozenset[str], str], redact.Redactor] = {}


def _redactor(disabled: frozenset[str], action: str, encrypting: redact.Policy) -> redact.Redactor:
    key = (disabled, action)
    if key not in _redactors:
        _redactors[key] = redact.Redactor(
            encrypting.model_copy(
                update={
                    "actions": {
                        "default": redact.Policy().actions["default"].model_copy(update={"action": action})
                    },
                    "detectors": redact.Policy().detectors.model_copy(update={"disable": sorted(disabled)}),
                }
            )
        )
    return _redactors[key]


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    doc=documents(),
    disabled=st.frozensets(st.sampled_from(CATEGORIES), max_size=3),
    action=st.sampled_from(["mask", "tokenize", "encrypt"]),
)
def test_idempotent_for_any_detector_selection_and_action(
    encrypting: redact.Policy, doc: tuple[Any, list[str]], disabled: frozenset[str], action: str
) -> None:
    """Whatever detectors are switched off and whichever action applies, a second pass
    changes nothing (so a second `fix` with that policy changes nothing)."""
    redactor = _redactor(disabled, action, encrypting)
    once = redactor.redact(doc[0]).value
    assert redactor.redact(once).value == once


_READERS: dict[str, tuple[Any, redact.Redactor]] = {}


@SETTINGS
@given(documents(), st.booleans(), st.booleans(), st.booleans())
def test_embedded_json_reads_the_same_with_either_parser(
    doc: tuple[Any, list[str]], planted_too: bool, ascii_only: bool, pretty: bool
) -> None:
    """A JSON document inside a string is first read with the json module's C parser (its
    findings need no offsets when it has none); what a scan reports and what redaction
    writes are exactly what the offset-keeping parser alone gives, with or without
    planted secrets, escapes (``ensure_ascii``) or indentation."""
    from redact._scanner import Scanner

    value, _ = doc
    if not planted_too:
        value = {k: v for k, v in value.items() if k not in dict(PLANTS) and not k.startswith("section")}
    text = json.dumps(value, ensure_ascii=ascii_only, indent=2 if pretty else None, default=repr)
    outer = {"config": text}

    def read(mode: str) -> tuple[list[tuple[str, str, int, int]], Any]:
        if mode not in _READERS:  # one scanner and redactor per mode: no memo of the other's
            _READERS[mode] = (redact.build_scanner(), redact.Redactor())
        scanner, redactor = _READERS[mode]
        found = [(f.pointer, f.detector, f.start, f.end) for f in scanner.scan(outer)]
        return found, redactor.redact(outer).value

    fast = read("fast")
    original = Scanner._embedded_clean
    try:
        Scanner._embedded_clean = lambda self, text, key, deadline: None  # type: ignore[method-assign]
        slow = read("offsets only")
    finally:
        Scanner._embedded_clean = original  # type: ignore[method-assign]
    assert fast == slow
    if planted_too:
        assert fast[0]  # (the planted secrets are found: the comparison is not vacuous)
