"""Self-checks of the labelled accuracy corpus generator (benchmarks/corpus.py).

These tests do not need the detection engine: they pin that the held-out corpus is
deterministic, fully labelled, big and balanced enough, and that its labels are
*true* (every sensitive leaf really holds a checksum-valid / parseable instance of
its category, and no CLEAN leaf accidentally holds one). Failure messages show
pointers only, never the generated values.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import random
import re
import zlib
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load_corpus_module():  # noqa: ANN201 - the benchmarks' corpus generator module
    from benchmarks import corpus

    return corpus


corpus = _load_corpus_module()

SENSITIVE = corpus.CATEGORIES


class _Generated(tuple):
    """(runs, labels, values, by_label) whose repr never prints corpus values."""

    def __repr__(self) -> str:
        return f"<generated corpus: {len(self[1])} labelled leaves>"


@pytest.fixture(scope="module")
def generated():
    runs, labels = corpus.generate(400, 7)
    values = dict(corpus.iter_leaves(runs))
    by_label: dict[str, list[str]] = {}
    for pointer, label in labels.items():
        by_label.setdefault(label, []).append(pointer)
    return _Generated((runs, labels, values, by_label))


def _text(value) -> str:
    return value if isinstance(value, str) else json.dumps(value)


# ------------------------------------------------------------------ checksum helpers

# contiguous 12-19 digits, or the printed groupings 4-4-4-4(-3), 4-6-5 / 4-6-4 and 6-13
_CARD_CANDIDATE = re.compile(
    r"(?<![\d.])(?:\d{12,19}"
    r"|\d{4}(?:([ -])\d{4}){2}\1\d{1,4}(?:\1\d{1,3})?"
    r"|\d{4}([ -])\d{6}\2\d{4,5}"
    r"|\d{6}[ -]\d{13})(?![\d])"
)
_SSN_CANDIDATE = re.compile(r"(?<!\d)(\d{3})([- ])(\d{2})\2(\d{4})(?!\d)")
_IBAN_CANDIDATE = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{1,4}){3,8}\b")


def _card_numbers(text: str) -> list[str]:
    """Structurally valid card numbers (brand IIN + length + Luhn) in ``text``.

    Digit runs that are the fractional part of a decimal (``0.4111111111111111``)
    are not candidates.
    """
    out = []
    for m in _CARD_CANDIDATE.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if corpus.card_brand(digits):
            out.append(digits)
    return out


def _ssns(text: str) -> list[str]:
    return [
        m.group(1) + m.group(3) + m.group(4)
        for m in _SSN_CANDIDATE.finditer(text)
        if corpus.ssn_valid(m.group(1) + m.group(3) + m.group(4))
    ]


def _ibans(text: str) -> list[str]:
    found = []
    for m in _IBAN_CANDIDATE.finditer(text):
        cand = m.group().replace(" ", "")
        # try every prefix length, IBANs can be followed by more alnum groups
        for end in range(len(cand), 14, -1):
            if corpus.iban_valid(cand[:end]):
                found.append(cand[:end])
                break
    return found


# ------------------------------------------------------------------ checksum unit tests


def test_luhn_known_vectors():
    """Luhn implementation agrees with well-known valid/invalid vectors."""
    assert corpus.luhn_valid("79927398713")
    assert not corpus.luhn_valid("79927398710")
    assert corpus.card_brand("4111111111111111") == "visa"
    assert corpus.card_brand("378282246310005") == "amex"
    assert corpus.card_brand("5555555555554444") == "mastercard"
    assert corpus.card_brand("2223003122003222") == "mastercard"
    assert corpus.card_brand("6011111111111117") == "discover"
    assert corpus.card_brand("3530111333300000") == "jcb"
    assert corpus.card_brand("36259600000004") == "diners"
    assert corpus.card_brand("4111111111111112") is None
    assert corpus.card_brand("1700000000123456789") is None  # no issuer for 1x


def test_iban_mod97_known_vectors():
    """mod-97 IBAN check agrees with the ISO 13616 examples."""
    assert corpus.iban_valid("GB82 WEST 1234 5698 7654 32")
    assert corpus.iban_valid("DE89370400440532013000")
    assert not corpus.iban_valid("DE89370400440532013001")


def test_ssn_rules():
    """SSA validity: area not 000/666/9xx, group not 00, serial not 0000."""
    assert corpus.ssn_valid("123-45-6789")
    for bad in ("000-12-3456", "666-12-3456", "912-34-5678", "123-00-4567", "123-45-0000"):
        assert not corpus.ssn_valid(bad), bad


def test_github_checksum_matches_crc32_base62():
    """GitHub classic-token checksum = base62(crc32(body)) left-padded to 6 chars."""
    body = "a" * 30
    crc = zlib.crc32(body.encode())
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    out = ""
    while crc:
        crc, r = divmod(crc, 62)
        out = alphabet[r] + out
    assert corpus.github_checksum(body) == out.rjust(6, "0")


# ------------------------------------------------------------------ determinism / shape


def test_deterministic_and_independent_of_global_random():
    """Same seed -> identical output, regardless of the global random state; seeds differ."""
    random.seed(1)
    a = corpus.generate(30, 11)
    state = random.getstate()
    random.seed(999)
    b = corpus.generate(30, 11)
    assert a == b
    random.setstate(state)
    corpus.generate(5, 1)
    assert random.getstate() == state, "generate() must not touch the global random module"
    assert corpus.generate(30, 12) != a


def test_json_round_trip_is_lossless(generated):
    """The corpus is pure JSON (str keys, no tuples/NaN), so the fixture file is exact."""
    runs, labels, _, _ = generated
    assert json.loads(json.dumps(runs)) == runs


def test_every_scalar_leaf_is_labelled(generated):
    """labels has exactly one entry per scalar leaf pointer, with a known label."""
    runs, labels, values, _ = generated
    assert set(values) == set(labels)
    assert set(labels.values()) <= set(corpus.LABELS)
    string_or_int = [p for p, v in values.items() if isinstance(v, (str, int)) and not isinstance(v, bool)]
    assert len(string_or_int) >= 15_000


def test_pointer_escaping_is_exercised(generated):
    """Keys containing '/' and '~' appear, so RFC 6901 escaping is tested."""
    _, labels, _, _ = generated
    assert any("~1" in p for p in labels)
    assert any("~0" in p for p in labels)
    assert any("~1" in p and labels[p] == "SECRET" for p in labels)


def test_label_proportions(generated):
    """~85% CLEAN, ~5% LINEAGE, ~10% sensitive with >= 80 leaves per category."""
    _, labels, _, by_label = generated
    n = len(labels)
    counts = Counter(labels.values())
    assert 40 * 400 <= n <= 60 * 400
    assert 0.80 <= counts["CLEAN"] / n <= 0.90
    assert 0.03 <= counts["LINEAGE"] / n <= 0.08
    sensitive = sum(counts[c] for c in SENSITIVE)
    assert 0.07 <= sensitive / n <= 0.13
    for cat in SENSITIVE:
        assert counts[cat] >= 80, cat
    # int leaves are present for cards and SSNs
    assert any(isinstance(v, int) for p, v in generated[2].items() if labels[p] == "CREDIT_CARD")


def test_fixture_is_small_enough():
    """Pretty-printed fixture stays well under ~6 MB."""
    runs, labels = corpus.generate(400, 7)
    size = len(json.dumps({"runs": runs, "labels": labels}, indent=1).encode())
    assert size < 6_000_000


# ------------------------------------------------------------------ labels are true


def test_credit_card_leaves_hold_valid_cards_across_brands(generated):
    """Every CREDIT_CARD leaf holds a Luhn-valid number with a real IIN; all brands appear."""
    _, _, values, by_label = generated
    bad, brands = [], Counter()
    for p in by_label["CREDIT_CARD"]:
        cards = _card_numbers(_text(values[p]))
        if not cards:
            bad.append(p)
        for c in cards:
            brands[corpus.card_brand(c)] += 1
    assert not bad, f"CREDIT_CARD leaves without a valid card: {bad[:20]}"
    for brand in ("visa", "mastercard", "amex", "discover", "jcb", "diners", "unionpay"):
        assert brands[brand] >= 5, brand
    mc2 = [
        c
        for p in by_label["CREDIT_CARD"]
        for c in _card_numbers(_text(values[p]))
        if 2221 <= int(c[:4]) <= 2720
    ]
    assert mc2, "2-series Mastercard range missing"


def test_ssn_leaves_hold_valid_ssns(generated):
    """Every US_SSN leaf holds an SSA-valid SSN (dashed/spaced, or 9 bare digits, ssn key)."""
    _, _, values, by_label = generated
    bad = []
    for p in by_label["US_SSN"]:
        v = values[p]
        text = _text(v)
        if _ssns(text):
            continue
        bare = str(v).zfill(9) if isinstance(v, int) else text
        if (
            re.fullmatch(r"\d{9}", bare)
            and corpus.ssn_valid(bare)
            and re.search(r"ssn|social_security", p.lower().rsplit("/", 1)[-1])
        ):
            continue
        bad.append(p)
    assert not bad, f"US_SSN leaves without a valid SSN: {bad[:20]}"


def test_iban_leaves_hold_mod97_valid_ibans(generated):
    """Every IBAN_CODE leaf holds a mod-97-valid IBAN; several countries, spaced and compact."""
    _, _, values, by_label = generated
    bad, countries, spaced = [], Counter(), 0
    for p in by_label["IBAN_CODE"]:
        found = _ibans(_text(values[p]))
        if not found:
            bad.append(p)
        for f in found:
            countries[f[:2]] += 1
        spaced += bool(re.search(r"[A-Z]{2}\d{2} [A-Z0-9]{4} ", _text(values[p])))
    assert not bad, f"IBAN_CODE leaves without a valid IBAN: {bad[:20]}"
    assert len(countries) >= 8
    assert spaced >= 20


def test_phone_leaves_hold_valid_numbers(generated):
    """Every PHONE_NUMBER leaf contains a number libphonenumber considers valid."""
    phonenumbers = pytest.importorskip("phonenumbers")
    _, _, values, by_label = generated
    bad, regions = [], Counter()
    for p in by_label["PHONE_NUMBER"]:
        text = _text(values[p]).replace("tel:", " ")
        ok = False
        for m in phonenumbers.PhoneNumberMatcher(text, "US"):
            if phonenumbers.is_valid_number(m.number):
                ok = True
                regions[phonenumbers.region_code_for_number(m.number)] += 1
        if not ok:
            bad.append(p)
    assert not bad, f"PHONE_NUMBER leaves without a valid number: {bad[:20]}"
    assert len(regions) >= 8


_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = re.compile(r"(?<![0-9A-Fa-f:])[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![0-9A-Fa-f:])")


def _ips(text: str) -> list[str]:
    out = []
    for m in list(_IPV4.finditer(text)) + list(_IPV6.finditer(text)):
        with contextlib.suppress(ValueError):
            out.append(str(ipaddress.ip_address(m.group())))
    return out


def test_ip_leaves_hold_valid_addresses(generated):
    """Every IP_ADDRESS leaf holds a valid IPv4/IPv6 address; both families appear."""
    _, _, values, by_label = generated
    bad, v6 = [], 0
    for p in by_label["IP_ADDRESS"]:
        found = _ips(_text(values[p]))
        if not found:
            bad.append(p)
        v6 += any(":" in f for f in found)
    assert not bad, f"IP_ADDRESS leaves without an address: {bad[:20]}"
    assert v6 >= 30


_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


def test_email_leaves_hold_addresses_on_example_domains(generated):
    """Every EMAIL_ADDRESS leaf holds an address, and only on example.* domains."""
    _, _, values, by_label = generated
    bad = []
    for p in by_label["EMAIL_ADDRESS"]:
        found = _EMAIL.findall(_text(values[p]))
        if not found or not all(
            re.search(r"(^|\.)example\.(com|org|net|io)$", f.split("@")[1]) for f in found
        ):
            bad.append(p)
    assert not bad, f"EMAIL_ADDRESS leaves failing: {bad[:20]}"


def test_github_classic_tokens_have_valid_checksums(generated):
    """Every gh[pousr]_ token in SECRET leaves carries a correct CRC32/base62 checksum."""
    _, _, values, by_label = generated
    seen, bad = 0, []
    for p in by_label["SECRET"]:
        for tok in re.findall(r"\bgh[pousr]_[A-Za-z0-9]{36}\b", _text(values[p])):
            seen += 1
            body = tok[4:34]
            if corpus.github_checksum(body) != tok[34:]:
                bad.append(p)
    assert seen >= 10
    assert not bad, f"bad GitHub checksums at {bad}"


def test_jwts_have_real_json_headers(generated):
    """JWTs in SECRET leaves decode to a JSON header with alg/typ."""
    import base64

    _, _, values, by_label = generated
    seen = 0
    for p in by_label["SECRET"]:
        for tok in re.findall(r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", _text(values[p])):
            head = tok.split(".")[0]
            header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
            assert header["typ"] == "JWT" and "alg" in header, p
            seen += 1
    assert seen >= 10


_ALLOWED_HOST = re.compile(
    r"(^|\.)(example\.(com|org|net|io)|internal|local|core\.windows\.net|servicebus\.windows\.net)$"
    r"|^(hooks\.slack\.com|xy\d{5}\.eu-west-1)$"
)


def test_connection_strings_use_fake_hosts(generated):
    """URL-style CONNECTION_STRING leaves only point at example/internal/fake hosts."""
    _, _, values, by_label = generated
    bad = []
    for p in by_label["CONNECTION_STRING"]:
        for url in re.findall(r"[a-z][a-z0-9+.-]*://[^\s'\",]+", _text(values[p])):
            host = urlsplit(url.replace("jdbc:", "")).hostname or ""
            if host and not _ALLOWED_HOST.search(host):
                bad.append((p, host))
    assert not bad, f"unexpected hosts: {bad[:20]}"


def test_sensitive_families_are_varied(generated):
    """Secrets / connection strings cover the requested provider and scheme families."""
    _, _, values, by_label = generated
    secrets = "\n".join(_text(values[p]) for p in by_label["SECRET"])
    missing = [
        needle
        for needle in (
            "AKIA",
            "ASIA",
            "ghp_",
            "github_pat_",
            "glpat-",
            "xoxb-",
            "hooks.slack.com",
            "sk_live_",
            "sk-proj-",
            "sk-ant-api03-",
            "hf_",
            "AIza",
            "ya29.",
            "dapi",
            "SG.",
            "npm_",
            "pypi-AgEIcHlwaS5vcmc",
            "hvs.",
            "dop_v1_",
            "PRIVATE KEY-----",
            "Bearer ",
            "eyJ",
        )
        if needle not in secrets
    ]
    assert not missing
    conns = "\n".join(_text(values[p]) for p in by_label["CONNECTION_STRING"])
    missing = [
        needle
        for needle in (
            "postgresql",
            "mysql",
            "mssql",
            "oracle",
            "mongodb://",
            "mongodb+srv://",
            "redis://:",
            "amqp",
            "ftp://",
            "ldap",
            "https://",
            "jdbc:",
            "Password=",
            "Pwd=",
            "AccountKey=",
            "sig=",
            "snowflake://",
            "%",
        )
        if needle not in conns
    ]
    assert not missing


# ------------------------------------------------------------------ clean / lineage are clean


def test_clean_leaves_hold_no_valid_card_ssn_or_iban(generated):
    """No CLEAN leaf accidentally contains a valid card, SSA-valid SSN or mod-97 IBAN."""
    _, _, values, by_label = generated
    bad = []
    for p in by_label["CLEAN"]:
        v = values[p]
        if isinstance(v, float) or v is None or isinstance(v, bool):
            continue
        text = _text(v)
        if _card_numbers(text):
            bad.append((p, "card"))
        if _ssns(text):
            bad.append((p, "ssn"))
        if _ibans(text):
            bad.append((p, "iban"))
    assert not bad, f"CLEAN leaves that are actually sensitive: {bad[:20]}"


def test_clean_corpus_contains_the_hard_negatives(generated):
    """The CLEAN set includes the decoys a naive scanner trips on."""
    _, _, values, by_label = generated
    clean = [_text(values[p]) for p in by_label["CLEAN"]]
    joined = "\n".join(clean)
    missing = [
        needle
        for needle in (
            "0.4111111111111111",
            "${DB_PASSWORD}",
            "{{ secret }}",
            "****",
            "<redacted>",
            "${oc.env:",
            "${{ secrets.",
            "git@github.com:",
            "8.6.1.6",
            "000-",
            "666-",
            "BEGIN CERTIFICATE",
            "postgresql://svc:${DB_PASSWORD}@",
            "abfss://",
        )
        if needle not in joined
    ]
    assert not missing
    ns = [
        v
        for p in by_label["CLEAN"]
        if isinstance(v := values[p], int) and not isinstance(v, bool) and len(str(v)) == 19
    ]
    assert ns, "nanosecond timestamps missing"
    assert any(values[p] == "OPENAI_API_KEY" for p in by_label["CLEAN"])
    assert any(re.fullmatch(r"\$[A-Z][A-Z0-9_]*", t) for t in clean)
    assert any(re.fullmatch(r"\$\{[A-Z][A-Z0-9_]*\}", t) for t in clean)
    assert any(
        values[p] is None or isinstance(values[p], bool)
        for p in by_label["CLEAN"]
        if "password" in p.rsplit("/", 1)[-1]
    )
    assert any(re.fullmatch(r"\d{16}", t) and not corpus.luhn_valid(t) for t in clean)


def test_lineage_has_digit_runs_and_all_shapes(generated):
    """LINEAGE covers 40/short SHAs, sha256 digests, image digests, UUIDs, with long digit runs."""
    _, _, values, by_label = generated
    lin = [_text(values[p]) for p in by_label["LINEAGE"]]
    assert sum(bool(re.search(r"\d{10,}", t)) for t in lin) >= 50
    assert any(re.fullmatch(r"[0-9a-f]{40}", t) for t in lin)
    assert any(re.fullmatch(r"[0-9a-f]{7}", t) for t in lin)
    assert any(t.startswith("sha256:") for t in lin)
    assert any("@sha256:" in t for t in lin)
    assert any(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", t) for t in lin)
    assert any(t.startswith("built from ") for t in lin)


def test_single_label_per_leaf_is_unambiguous(generated):
    """No SECRET leaf embeds an e-mail-shaped substring and no LINEAGE id is all digits,
    so a correct engine never has to report a second category on one leaf."""
    _, _, values, by_label = generated
    email_like = [p for p in by_label["SECRET"] if _EMAIL.search(_text(values[p]))]
    assert not email_like, f"SECRET leaves with an e-mail-like substring: {email_like[:20]}"
    digits_only = [p for p in by_label["LINEAGE"] if re.fullmatch(r"\d{9,}", _text(values[p]))]
    assert not digits_only, f"all-digit LINEAGE leaves: {digits_only[:20]}"
