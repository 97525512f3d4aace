"""Validators for personal data: payment cards, US SSNs, IBANs, phone numbers, e-mail
addresses and IP addresses by class.

Where a well-kept library holds the rules, it decides: ``schwifty`` (the national IBAN
registry with each country's BBAN structure), ``phonenumbers`` (libphonenumber's numbering
plans), ``idna`` (internationalised domain names), ``ipaddress`` (the IANA special-purpose
registries). Card networks are a small IIN table after ISO/IEC 7812 and the networks'
published ranges, checked after Luhn.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import idna
import phonenumbers
import regex
from schwifty import IBAN, registry
from schwifty.exceptions import SchwiftyException

from redact.detect.keys import SCRIPT_PHONE_WORDS, KeyClass, classify_key
from redact.detect.validators import Candidate, luhn_ok, name_before, ssn_ok, validator

__all__ = [
    "card_network_of",
    "finding_ends_at",
    "finding_starts_at",
    "iban_valid",
    "is_ipv6_address",
    "is_card_pair",
    "ip_class",
    "IP_CLASSES",
    "PHONE_REGIONS",
    "split_ipv6_runs",
]


_NOT_ASCII_DIGIT = re.compile(r"[^0-9]+")


def _digits(s: str) -> str:
    """The characters of ``s`` for which str.isdigit() holds (on ASCII text: 0-9)."""
    if s.isascii():
        return _NOT_ASCII_DIGIT.sub("", s)
    return "".join(ch for ch in s if ch.isdigit())


# ---------------------------------------------------------------- cards
_ELO = (
    (401178, 401179), (431274, 431274), (438935, 438935), (451416, 451416), (457393, 457393),
    (457631, 457632), (504175, 504175), (506699, 506778), (509000, 509999), (627780, 627780),
    (636297, 636297), (636368, 636368), (650031, 650033), (650035, 650051), (650405, 650439),
    (650485, 650538), (650541, 650598), (650700, 650718), (650720, 650727), (650901, 650978),
    (651652, 651679), (655000, 655019), (655021, 655058),
)  # fmt: skip
_ELO_STARTS = [lo for lo, _ in _ELO]  # (sorted and disjoint: one bisect finds the range)


def _is_elo(p6: int) -> bool:
    i = bisect.bisect_right(_ELO_STARTS, p6) - 1
    return i >= 0 and p6 <= _ELO[i][1]


def card_network_of(d: str) -> str | None:
    """The card network whose IIN range and length fit ``d`` (digits only), if any."""
    n = len(d)
    if n < 12 or n > 19:
        return None
    p2, p3, p4, p6 = int(d[:2]), int(d[:3]), int(d[:4]), int(d[:6])
    if d[0] == "1":
        return "uatp" if n == 15 else None
    if d[0] == "4" and n in (13, 16, 19):
        return "visa"  # Visa/Dankort (4571) and Elo's 4xxxxx ranges are 16-digit Visa numbers too
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "mastercard"
    if 2200 <= p4 <= 2204 and 16 <= n <= 19:
        return "mir"
    if p2 in (34, 37) and n == 15:
        return "amex"
    if p4 == 5019 and n == 16:
        return "dankort"
    if n == 16 and _is_elo(p6):
        return "elo"
    if p4 == 9792 and n == 16:
        return "troy"
    if (506099 <= p6 <= 506198 or 507865 <= p6 <= 507964) and n in (16, 18, 19):
        return "verve"
    # national schemes: Bulgaria's Borica (2205), Uzbekistan's UzCard (8600) and Humo (9860)
    if p4 == 2205 and n == 16:
        return "borica"
    if p4 in (8600, 9860) and n == 16:
        return "uzcard" if p4 == 8600 else "humo"
    if (p4 == 6011 or 644 <= p3 <= 649 or p2 == 65 or 622126 <= p6 <= 622925) and 16 <= n <= 19:
        return "discover"
    if (p2 in (60, 81, 82) or p3 in (508, 353, 356)) and n == 16:
        return "rupay"
    if (3528 <= p4 <= 3589 and 16 <= n <= 19) or (p4 in (1800, 2131) and n == 15):
        return "jcb"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39) or p4 == 3095) and 14 <= n <= 19:
        return "diners"
    if p2 == 62 and 16 <= n <= 19:
        return "unionpay"
    if 636 <= p3 <= 639 and 16 <= n <= 19:
        return "interpayment"
    if (p4 in (5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763) or 56 <= p2 <= 58) and 12 <= n <= 19:
        return "maestro"
    # the UK's Switch and Solo and Ireland's Laser, retired but still in old records and
    # test data: Switch 633110 and 6333, Solo 6334 and 6767, Laser 6304/6706/6709/6771
    if (p6 == 633110 or p4 in (6333, 6334, 6767, 6706, 6709, 6771)) and n in (16, 18, 19):
        return "switch-solo-laser"
    return None


# a separated IBAN-looking token that ends right before the candidate: "DE89 3704 " + digits
_IBAN_HEAD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?:[ .-][A-Za-z0-9]{4}){0,7}[ .-]$")


# Numbers that are not cards by what surrounds them: an operand of arithmetic
# (``106179944855977*uk_45``, ``x**2``, ``36287999999999999/36288000000000000``,
# ``S(180742845225803)/(10**12)``), a
# random seed (``default_rng(2435908729190400)``, ``seed = 3562050283508273023``) or one
# element of a bracketed list of numbers whose neighbours are not cards themselves
# (``Rational(385045107874520059, 390625000000000000)``, ``[5760336184031801, 3081]``).
_OPERAND_AFTER = re.compile(r"\)*(?:\*\*?[\w(]|/[\d(]|\^)")
# a magnetic stripe's track 1 after the card number: ^, the holder's name, ^ and the
# expiry date (ISO/IEC 7813), not a power
_TRACK_AFTER = re.compile(r"\^[^^\r\n]{2,26}\^\d{4}")
_OPERAND_BEFORE = re.compile(r"(?:[\w)]\*\*?|\^)\(*$")
# the seed word is a whole word of the name (``data_seed``, ``randomSeed``, ``np.random.seed``),
# never letters inside another word (``zqrngrf.com: 4111...`` is a host and a card)
_SEED_BEFORE = re.compile(
    r"(?:(?<![A-Za-z0-9])|(?<=_)|(?<=[a-z])(?=[SR]))(?i:seeds?|rng|random_?state)(?![a-z])"
    r"[\w.]*[\"']?[ \t]*[:=(][ \t]*[\"']?$"
)
_NUMBER = r"[-+]?\d[\d_]*(?:\.\d+)?(?:[eE][-+]?\d+)?"
# the numbers of a list before and after the candidate, and whether a bracket closes it
_LIST_BEFORE = re.compile(rf"(?P<open>[(\[{{]\s*)?(?:(?<![\w.]){_NUMBER}\s*,\s*)+$")
_LIST_AFTER = re.compile(rf"(?:\s*,\s*{_NUMBER}(?![\w.]))+(?P<close>\s*[)\]}}])?")
_LAST_NUMBER = re.compile(rf"({_NUMBER})\s*,\s*$")
_FIRST_NUMBER = re.compile(rf"\s*,\s*({_NUMBER})")
_OPEN = re.compile(r"[(\[{]\s*$")
_CLOSE = re.compile(r"\s*[)\]}]")


def _not_card(number: str) -> bool:
    d = _digits(number)
    return card_network_of(d) is None or not luhn_ok(d)


_CARD_LENGTHS = range(13, 20)  # the lengths the card patterns read as one number
_PAIR_LENGTHS = range(2 * _CARD_LENGTHS.start, 2 * _CARD_LENGTHS.stop - 1)  # 26..38


def is_card_pair(d: str) -> bool:
    """The digits ``d`` split in at least one place into two complete cards (each a known
    network's IIN range and length, Luhn-valid): two card numbers glued together."""
    if len(d) not in _PAIR_LENGTHS:
        return False
    for i in _CARD_LENGTHS:
        first, second = d[:i], d[i:]
        if (
            len(second) in _CARD_LENGTHS
            and card_network_of(first) is not None
            and card_network_of(second) is not None
            and luhn_ok(first)
            and luhn_ok(second)
        ):
            return True
    return False


def _in_numeric_context(c: Candidate) -> bool:
    """The candidate is an operand, a seed, or one number of a bracketed list of numbers
    whose neighbours are not cards."""
    before, after = c.before(64), c.after(64)
    divided = _OPERAND_AFTER.match(after) is not None and _TRACK_AFTER.match(after) is None
    if divided and after[:1] in "/*" and after[1:2] != "*" and finding_starts_at(c.text, c.end + 1):
        divided = False  # ``<card>/<card>``, ``<card>*<uri>``: two values joined, not a ratio or a product
    multiplied = _OPERAND_BEFORE.search(before) is not None
    if multiplied and before[-1:] == "*" and before[-2:-1] != "*" and finding_ends_at(c.text, c.start - 1):
        multiplied = False  # ``<e-mail>*<card>``: the operand before is a value of its own
    if divided or multiplied or _SEED_BEFORE.search(before):
        return True
    lb, la = _LIST_BEFORE.search(before), _LIST_AFTER.match(after)
    if lb is None and la is None:
        return False  # not in a list of numbers (``(4111111111111111)``)
    bracketed = (lb["open"] if lb else _OPEN.search(before)) or (la["close"] if la else _CLOSE.match(after))
    if not bracketed:
        return False  # a CSV row (``381,4111111111111111,32.00``)
    neighbours = [m[1] for m in (_LAST_NUMBER.search(before), _FIRST_NUMBER.match(after)) if m]
    return all(_not_card(n) for n in neighbours)  # a list of cards is a list of cards


def _card_digits(span: str) -> str | None:
    """The digits of a card's span written with one kind of separator throughout."""
    return None if len({ch for ch in span if not ch.isdigit()}) > 1 else _digits(span)


def _card_in_place(c: Candidate) -> bool:
    """Not digits read out of an IBAN before it (``DE89 3704 0044 0532 0130 00``), nor a
    number that its neighbours show to be arithmetic, a seed or an entry of a list."""
    return not _IBAN_HEAD.search(c.before(40)) and not _in_numeric_context(c)


@validator
def card_network(c: Candidate) -> bool:
    """Luhn-valid, a known network's IIN range and length, one separator throughout, not
    digits read out of an IBAN (``DE89 3704 0044 0532 0130 00``), and not a number that
    its neighbours show to be arithmetic, a seed or an entry of a list of numbers. A run
    of 26-38 digits counts as two glued cards when it splits into two (:func:`is_card_pair`)."""
    d = _card_digits(c.span)
    if d is None:
        return False
    if len(d) in _PAIR_LENGTHS and len(d) == len(c.span):
        if not is_card_pair(d):
            return False
    elif card_network_of(d) is None or not luhn_ok(d):
        return False
    return _card_in_place(c)


@validator
def card_other_network(c: Candidate) -> bool:
    """Luhn-valid, 13 to 19 digits, one separator throughout, in no IIN range the table
    lists (those are ``card_network``'s), in place as ``card_network`` asks: a card of a
    network the table does not list, which the detector reads only where a card is named."""
    d = _card_digits(c.span)
    if d is None or not 13 <= len(d) <= 19 or card_network_of(d) is not None or not luhn_ok(d):
        return False
    return _card_in_place(c)


# ---------------------------------------------------------------- IBAN
_IBAN_SEPARATORS = re.compile(r"[ .-]")


def iban_valid(value: str) -> bool:
    """The national registry (length and BBAN structure per country) and mod-97 agree."""
    compact = _IBAN_SEPARATORS.sub("", value).upper()
    try:
        IBAN(compact)
    except (SchwiftyException, ValueError):
        return False
    except Exception:  # an unexpected failure cannot show the value to be clean
        return True
    return True


@lru_cache(maxsize=512)
def iban_length(country: str) -> int | None:
    """The length of the country's IBANs in the registry (None when it has none)."""
    try:
        return int(registry.get_iban_spec(country.upper()).iban_length)
    except Exception:  # not a country of the registry
        return None


@lru_cache(maxsize=1)
def _iban_lengths() -> tuple[int, ...]:
    """Every length an IBAN has in the registry."""
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return tuple(sorted({n for a in letters for b in letters if (n := iban_length(a + b)) is not None}))


@validator
def iban_registry(c: Candidate) -> bool:
    """An IBAN in the national registry with a valid checksum; compact, or grouped by
    spaces, dashes or dots (one kind), upper or lower case (not mixed in the country code)."""
    span = c.span
    if len({ch for ch in span if ch in " .-"}) > 1:
        return False
    if not (span[:2].isupper() or span[:2].islower()):
        return False
    return iban_valid(span)


# ---------------------------------------------------------------- SSN (dotted forms)
# the SSA rules live in validators.ssn; dotted 123.45.6789 uses the same check.


# ---------------------------------------------------------------- glued values
# Two values written with no separator read as one token (``DE89...000xoxb-...``,
# ``4111...1111AKIA...``). A pattern marks the side on which its match touches another
# alphanumeric with an empty group (``gl`` on the left, ``gr`` on the right); the match
# counts only when the text on that side is itself a complete finding, recognised by its
# own structure: a card (IIN range, length and Luhn), an SSN (SSA rules), a compact IBAN
# of its registry length (mod-97), an e-mail address, a URI with credentials, or a
# provider token with a documented prefix and fixed shape. Digits glued to a word, an id
# with a letter suffix (``ORD-4111...X``) or a hex digest never read as a value.
_CARD_DIGITS = r"(\d{13,19}|\d{26,38})"  # one card, or two glued (:func:`is_card_pair`)
_SSN_PARTS = r"(\d{3})([- .])(\d{2})\2(\d{4})"
_EMAIL_ADDRESS = (  # local part @ labels . top-level domain
    r"[A-Za-z0-9_][A-Za-z0-9._%+-]{0,63}@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}"
)
# what follows a URI's scheme when it carries credentials, up to its host or path
_URI_AUTHORITY = r"://[^\s:@/]{0,256}:[^\s@/]{1,256}@[\w.~%-]{1,253}(?::\d{1,5})?(?:/[\w.~%-]*)*"
_CARD_TAIL = re.compile(rf"(?<![\w.])(?<!\d-){_CARD_DIGITS}$")
_CARD_HEAD = re.compile(rf"{_CARD_DIGITS}(?!\d|[.,]\d)")
_SSN_TAIL = re.compile(rf"(?<![\w./+-]){_SSN_PARTS}$")
_SSN_HEAD = re.compile(rf"{_SSN_PARTS}(?![\w]|[./-]\d)")
# the same, joined to what follows by one ``_ . + / -`` (checked to be a finding itself)
_CARD_JOINED_HEAD = re.compile(rf"{_CARD_DIGITS}(?=[_.+/-][A-Za-z0-9])")
_SSN_JOINED_HEAD = re.compile(rf"{_SSN_PARTS}(?=[_.+/-][A-Za-z0-9])")
_IBAN_TAIL = re.compile(r"(?<![A-Za-z0-9])(?:[A-Z]{2}\d{2}[A-Z0-9]{11,30}|[a-z]{2}\d{2}[a-z0-9]{11,30})$")
_IBAN_CARD_TAIL = re.compile(r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}[A-Z0-9]{11,30}\d{13,38}$")
_IBAN_COMPACT = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}|[a-z]{2}\d{2}[a-z0-9]{11,30}")
_EMAIL_TAIL = re.compile(rf"(?<![\w.%+-]){_EMAIL_ADDRESS}$")
_EMAIL_HEAD = re.compile(
    r"[A-Za-z0-9_][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2}"
)
# provider tokens whose documented prefix and fixed shape say where they start and end,
# each with the boundary it needs before it when nothing is glued on its left
_AWS_ID = r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}"  # (the aws-access-key-id detector's shape)
_FIXED_TOKENS = (
    (r"(?<![A-Z0-9])", _AWS_ID),
    (r"(?<![A-Za-z0-9])", r"gh[pousr]_[A-Za-z0-9]{36}"),
    (r"(?<![A-Za-z0-9_-])", r"xox[abeoprs]-\d{5,14}-(?:\d{5,14}-)?[A-Za-z0-9]{24}"),
    (r"(?<![A-Za-z0-9_-])", r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"),
)
# tokens whose prefix says where they start and whose alphabet and documented length say
# where they end when one ``_ . + / -`` (outside the alphabet, or after the longest body)
# joins them to the next value; the shapes of their detectors in the catalog
# (tests/test_pii.py checks each against its detector's positive examples)
_PREFIXED_TOKENS = (
    (r"(?<![A-Za-z0-9_])", r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"),
    (r"(?<![A-Za-z0-9_])", r"hf_[A-Za-z0-9]{30,40}"),
    (r"(?<![A-Za-z0-9_])", r"npm_[A-Za-z0-9]{36}"),
    (r"(?<![A-Za-z0-9_])", r"r8_[A-Za-z0-9]{37}"),
    (r"(?<![A-Za-z0-9_])", r"gsk_[A-Za-z0-9]{52}"),
    (r"(?<![A-Za-z0-9_])", r"lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}"),
    (r"(?<![A-Za-z0-9_])", r"do[por]_v1_[0-9a-f]{64}"),
    (r"(?<![A-Za-z0-9_])", r"[sr]k_(?:live|test)_[A-Za-z0-9]{20,247}"),
    (r"(?<![A-Za-z0-9_-])", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}"),
    (r"(?<![A-Za-z0-9_-])", r"sk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{93}AA"),
    (r"(?<![A-Za-z0-9_-])", r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,250}"),
    (r"(?<![A-Za-z0-9_-])", r"sk-or-v1-[0-9a-f]{64}"),
    (r"(?<![A-Za-z0-9_-])", r"pplx-[A-Za-z0-9]{48}"),
    (r"(?<![A-Za-z0-9_-])", r"nvapi-[A-Za-z0-9_-]{64}"),
    (r"(?<![A-Za-z0-9_-])", r"xai-[A-Za-z0-9]{60,100}"),
    (r"(?<![A-Za-z0-9_])", r"glpat-[A-Za-z0-9_-]{20,64}"),
    (r"(?<![A-Za-z0-9_.-])", r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
)
_ANY_FIXED_TOKEN = "|".join(shape for _, shape in _FIXED_TOKENS)
_TOKEN_TAIL = re.compile(
    "(?:" + "|".join(edge + shape for edge, shape in (*_FIXED_TOKENS, *_PREFIXED_TOKENS)) + ")$"
)
_TOKEN_HEAD = re.compile(
    rf"{_AWS_ID}(?![A-Z0-9])|gh[pousr]_[A-Za-z0-9]{{36}}|github_pat_[A-Za-z0-9]{{22}}_[A-Za-z0-9]{{59}}"
    r"|xox[abeoprs]-\d{5,14}-|sk-[A-Za-z0-9_-]{16,250}T3BlbkFJ|sk-(?:proj|svcacct|admin|ant-api\d\d)-[A-Za-z0-9_-]{40}"
    r"|eyJ[A-Za-z0-9_-]{8,}\.eyJ|[a-z][a-z0-9+.-]{1,30}://[^\s:/@]{1,128}:[^\s/@]{1,256}@"
    r"|(?:" + "|".join(shape for _, shape in _PREFIXED_TOKENS) + r")(?![A-Za-z0-9])"
)
# a URI with credentials whose host or path ends at the glue point
_URI_TAIL = re.compile(rf"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{{0,30}}{_URI_AUTHORITY}$")
_GLUE_WINDOW = 320  # characters looked at on either side of a glue point (the longest token's)
_URI_WINDOW = 1024
# the same findings glued on their left to another finding (a chain of three or more):
# shapes whose own structure says where they start, not digit runs after digits; each
# with the check its match must pass; the finding before ends where the match starts
_GLUED_TAILS: tuple[tuple[re.Pattern[str] | regex.Pattern[str], Callable[[Any], bool]], ...] = (
    (re.compile(rf"(?<=[A-Za-z]){_CARD_DIGITS}$"), lambda m: _card_or_pair(m[1])),  # after letters
    (re.compile(rf"(?<=[A-Za-z]){_SSN_PARTS}$"), lambda m: ssn_ok(m[1] + m[3] + m[4])),  # after letters
    # joined to the finding before by one ``_ . + / -`` (the match starts at the joiner)
    (re.compile(rf"(?<=[A-Za-z0-9])[_.+/-]{_CARD_DIGITS}$"), lambda m: _card_or_pair(m[1])),
    (re.compile(rf"(?<=[A-Za-z0-9])[_.+/-]{_SSN_PARTS}$"), lambda m: ssn_ok(m[1] + m[3] + m[4])),
    (re.compile(f"(?<=[A-Za-z0-9])[_.+/-](?:{_ANY_FIXED_TOKEN})$"), lambda m: True),
    (re.compile(f"(?:{_ANY_FIXED_TOKEN})$"), lambda m: True),  # its prefix says where it starts
    (  # an address right after a fixed-shape token: the token says where it starts
        regex.compile(f"(?<={_ANY_FIXED_TOKEN}){_EMAIL_ADDRESS}$"),
        lambda m: _tld_ok(m[0]),
    ),
)
# a URI with credentials glued on its left, directly or by one ``_ . + / -`` (the match
# starts at the joiner): its scheme must be a documented one
_GLUED_URI_TAIL = re.compile(
    r"(?:(?<=[A-Za-z0-9])[_.+/-])?(?:postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|oracle|mongodb(?:\+srv)?|rediss?|amqps?|kafka"
    rf"|s?ftp|ldaps?|snowflake|s3|https?)(?:\+[a-z0-9]{{1,16}})?{_URI_AUTHORITY}$"
)


def _tld_ok(address: str) -> bool:
    return address.rsplit(".", 1)[-1].lower() not in _NOT_TLD


def _iban_at(text: str) -> bool:
    """``text`` is one compact IBAN of its country's registry length."""
    n = iban_length(text[:2])
    return n == len(text) and (text[:2].isupper() or text[:2].islower()) and iban_valid(text)


def _card_or_pair(d: str) -> bool:
    """``d`` is one complete card or two glued (:func:`is_card_pair`)."""
    if len(d) in _PAIR_LENGTHS:
        return is_card_pair(d)
    return card_network_of(d) is not None and luhn_ok(d)


def finding_ends_at(text: str, pos: int, depth: int = 1) -> bool:
    """A complete card (or two glued, or one glued after a compact IBAN), SSN, compact
    IBAN, e-mail address, fixed-shape provider token or
    URI with credentials (its host or path) ends at ``pos`` of ``text``; with ``depth``,
    also one that is itself glued after a complete finding (a chain of three values)."""
    if _ends_strict(text, pos):
        return True
    return depth > 0 and _ends_glued(text, pos, depth)


def _ends_glued(text: str, pos: int, depth: int) -> bool:
    """A finding that begins right after another complete finding ends at ``pos``."""
    lo = max(0, pos - _GLUE_WINDOW)
    head = text[lo:pos]
    for tail, check in _GLUED_TAILS:
        m = tail.search(head)
        if m is not None and check(m) and finding_ends_at(text, lo + m.start(), depth - 1):
            return True
    for n in _iban_lengths():  # a compact IBAN: its country's registry length says where it starts
        if n <= pos and _iban_at(text[pos - n : pos]) and finding_ends_at(text, pos - n, depth - 1):
            return True
    ulo = max(0, pos - _URI_WINDOW)
    if "://" in text[ulo:pos]:
        m = _GLUED_URI_TAIL.search(text, ulo, pos)
        if m and finding_ends_at(text, m.start(), depth - 1):
            return True
    return False


def _ends_strict(text: str, pos: int) -> bool:
    head = text[max(0, pos - _GLUE_WINDOW) : pos]
    m = _CARD_TAIL.search(head)
    if m and _card_or_pair(m[1]):
        return True
    m = _IBAN_CARD_TAIL.search(head)
    if m:  # a card glued after a compact IBAN: the IBAN's registry length says where it starts
        n = iban_length(m[0][:2])
        if n is not None and m[0][n:].isdigit() and _card_or_pair(m[0][n:]) and _iban_at(m[0][:n]):
            return True
    m = _SSN_TAIL.search(head)
    if m and ssn_ok(m[1] + m[3] + m[4]):
        return True
    m = _IBAN_TAIL.search(head)
    if m and _iban_at(m[0]):
        return True
    if _TOKEN_TAIL.search(head):
        return True
    lo = max(0, pos - _URI_WINDOW)
    if "://" in text[lo:pos] and _URI_TAIL.search(text, lo, pos):
        return True
    m = _EMAIL_TAIL.search(head)
    return m is not None and _tld_ok(m[0])


def finding_starts_at(text: str, pos: int, depth: int = 1) -> bool:
    """A complete card (or two glued), SSN, compact IBAN of its registry length, IPv4 address,
    e-mail address or provider token with a documented prefix starts at ``pos`` of ``text``; with ``depth``,
    also a card or SSN that is itself joined by one ``_ . + / -`` to such a finding after it
    (a chain of three values)."""
    tail = text[pos : pos + _GLUE_WINDOW]
    m = _CARD_HEAD.match(tail)
    if m and _card_or_pair(m[1]):
        return True
    m = _SSN_HEAD.match(tail)
    if m and ssn_ok(m[1] + m[3] + m[4]):
        return True
    if depth > 0:
        m = _CARD_JOINED_HEAD.match(tail)
        if m and _card_or_pair(m[1]) and finding_starts_at(text, pos + m.end() + 1, depth - 1):
            return True
        m = _SSN_JOINED_HEAD.match(tail)
        if m and ssn_ok(m[1] + m[3] + m[4]) and finding_starts_at(text, pos + m.end() + 1, depth - 1):
            return True
    n = iban_length(tail[:2]) if tail[:2].isalpha() else None
    if n is not None and _IBAN_COMPACT.fullmatch(tail[:n]) and _iban_at(tail[:n]):
        return True
    m = _IPV4_HEAD.match(tail)
    if m and all(int(octet) <= 255 for octet in m.groups()):
        return True  # (ann@example.org.52.98.145.217: no domain's last label is a number)
    return bool(_TOKEN_HEAD.match(tail) or _EMAIL_HEAD.match(tail))


# a whole dotted quad, nothing of a longer number or a name after it
_IPV4_HEAD = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\w.]|\.\d)")


@validator
def glued(c: Candidate) -> bool:
    """Where the match touches another alphanumeric (the ``gl`` / ``gr`` marks of its
    pattern) or is joined to one by a single ``_ . + / -`` (``jl`` / ``jr``), the text on
    that side is a complete finding of its own."""
    m = c.match
    if m is None:
        return True
    groups = m.groupdict()
    if groups.get("gl") is not None and not finding_ends_at(c.text, m.start("gl")):
        return False
    if groups.get("jl") is not None and not finding_ends_at(c.text, m.start("jl") - 1):
        return False
    if groups.get("jr") is not None and not finding_starts_at(c.text, m.start("jr") + 1):
        return False
    if groups.get("gr") is None or finding_starts_at(c.text, m.start("gr")):
        return True
    # grouped (3782 822463 10005SSN ...): its groups say where it ends, so a capitalised
    # word glued after it is one too, as after a formatted phone number
    return _GROUPED.search(c.span) is not None and _CAPITAL_WORD.match(c.text, m.start("gr")) is not None


_GROUPED = re.compile(r"\d[ .-]\d")
_CAPITAL_WORD = re.compile(r"[A-Z](?![0-9])")


# ---------------------------------------------------------------- phone numbers
PHONE_REGIONS: frozenset[str] = frozenset(phonenumbers.SUPPORTED_REGIONS)
_COMMON_REGIONS = (
    "GB", "DE", "FR", "IN", "AU", "CA", "JP", "BR", "ES", "IT", "NL", "IL", "MX", "PL", "SE",
    "CH", "AT", "BE", "IE", "ZA", "SG", "NZ", "PT", "TR", "KR", "CN",
    "DK", "NO", "FI", "HK", "TW", "AR", "CO", "CL", "CZ", "GR", "HU", "RO", "UA", "AE", "SA",
    "EG", "NG", "KE", "PK", "PH", "MY", "TH", "ID", "VN",
)  # fmt: skip


def _national_prefix(region: str) -> str | None:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return meta.national_prefix if meta is not None else "0"


# the common regions whose numbers are written nationally with no trunk prefix (Spain,
# Italy, Mexico, Poland, Singapore, Portugal) and the North American plan, whose trunk 1
# is optional: a number in digit groups with no leading 0 is one of theirs
_NO_TRUNK_REGIONS = (*(r for r in _COMMON_REGIONS if _national_prefix(r) in (None, "1")), "US")
_ONE_DIGIT_GROUP = re.compile(r"(?<!\d)\d(?!\d)")
_YEARS = re.compile(r"^(?:19|20)\d\d[ ./-](?:19|20)\d\d$")
_ISO_DATE = re.compile(r"^\d{4}([./-])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])$")
_DATE = re.compile(r"^(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1(?:\d{2}|\d{4})$")
# a word that says the number next to it is a phone number
_PHONE_WORDS = re.compile(
    r"(?i)(?:phone|\bt[ée]l\b|tel\.|tel:|mobile|\bmob\b|\bcell|\bcall|\bfax|whatsapp|telefon|t[ée]l[ée]phone"
    r"|tel[ée]fono|\bhandy\b|contact|\bmobil|\bportable\b|\bcelular\b|\bm[óo]vil\b"
    r"|\b(?:rufnummer|nummer|num[ée]ro|n[úu]mero)\b|\blandline\b|\bsms\b"
    r"|\b(?:text|txt|reach|ring)(?:ed)?[ \t]+(?:me|us)\b"
    # the word in other scripts: Chinese, Japanese, Korean, Cyrillic, Arabic, Devanagari
    # (the key grammar's, as a phone key's name), and Russian's abbreviation
    r"|\bтел\b|" + "|".join(SCRIPT_PHONE_WORDS) + r"|\b(?:my|your|his|her|our|their|direct|office|home|work"
    r"|emergency)\s+(?:[a-z]+\s+)?(?:number|no\.|line)\b)"
)


# digit groups separated by spaces only, with more numbers right before or after: a list
_IN_NUMBER_RUN = re.compile(r"^\d+(?: \d+)+$")
_GROUPED_DECIMAL = re.compile(r"^\d+\.\d+(?: \d+)+$")
_YEAR_OPEN = re.compile(r"^\((?:19|20)\d\d\) ?\d{1,5}$")
_PAGE_RANGE_ON = re.compile(r"^(?:--?|\u2013|\u2014)\d")  # (-, --, an en or em dash, then the last page)
_SIGNED_DECIMAL = re.compile(r"^\+\d{1,3}\.\d+$")
_CITATION = re.compile(r"^\((?:19|20)\d\d\) ?\d{1,5}-\d{1,5}$")
_NUMBER_BEFORE = re.compile(r"\d[ \t]+$")
_NUMBER_AFTER = re.compile(r"^[ \t]+\d")


def _parse(span: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(span, region)
    except phonenumbers.NumberParseException:
        return None


@validator
def phone_number(c: Candidate) -> bool:
    """libphonenumber accepts the number. International (+) and formatted North American
    numbers need to be possible; national formats must be valid in the policy's region
    (``detectors.phone_region``) or, for ``(0...)`` forms, in a common region. A national
    number without a region in the policy (the ``national`` pattern) needs a phone word
    just before it (``tel:``, ``phone``, ``mobile``, ...) or a phone key, and a common
    region's plan; so does a number in digit groups with no trunk 0 (the ``grouped``
    pattern), which also needs seven digits or more and is never a date or a year span."""
    span = c.span
    if _IN_NUMBER_RUN.match(span) and (_NUMBER_BEFORE.search(c.before(8)) or _NUMBER_AFTER.match(c.after(8))):
        return False  # groups cut out of a list of numbers ("749 856 963 1070 1177")
    if _GROUPED_DECIMAL.match(span):
        return False  # a decimal with its digits grouped by spaces ("543.102 0504", "1.410 606 7873")
    if _CITATION.match(span) or (_YEAR_OPEN.match(span) and _PAGE_RANGE_ON.match(c.after(3))):
        return False  # a year and a page range ("Metrika 55 (2002) 111-123", "(1979) 1361--1372"): a citation
    if "." in span and ("-" in span or (" " in span and span[0] not in "(+")):
        return False  # dots mixed with dashes or blanks: a clause's number (DFARS 252.227-7014), a decimal
    if _SIGNED_DECIMAL.match(span):
        # +CC.NUMBER is EPP's form (RFC 5733: WHOIS records, +1.8005551212) and a signed
        # decimal's (delta: +1.2345678, valid in some country's plan one time in four):
        # a valid number that a phone word or a phone key says is one
        if _PHONE_WORDS.search(c.before(32)) is None and classify_key(c.key) is not KeyClass.PHONE:
            return False
        number = _parse(span, None)
        return number is not None and phonenumbers.is_valid_number(number)
    if _whole_value_under_phone_key(c, span):
        return True
    groups = c.match.groupdict()
    if groups.get("idd") is not None:  # 00 for +: the country's plan must accept the number
        number = _parse("+" + span[2:], None)
        return number is not None and phonenumbers.is_valid_number(number)
    region = c.options.get("phone_region") if c.options else None
    national = groups.get("national") is not None
    if national and _DATE.match(span):
        return False
    grouped = groups.get("grouped") is not None
    if grouped and (
        len(_digits(span)) < 7 or _ISO_DATE.match(span) or _DATE.match(span) or _YEARS.match(span)
    ):
        return False  # a short group, a date or a span of years (phone_verified: 2024-01-15)
    if not span.startswith("+") and region:
        number = _parse(span, region)
        if number is not None and phonenumbers.is_valid_number(number):
            return True
    if national or grouped:
        # without a region a national format is ambiguous; a phone word just before it
        # (``tel: 030 901820``) or a phone key (``{"phone": "0121 234 5678"}``) settles it
        # when some common region's plan accepts it. (A grouped number with no trunk 0,
        # ``612 34 56 78``, comes from a detector that needs that context to run.)
        said = (
            not national
            or _PHONE_WORDS.search(c.before(32)) is not None
            or classify_key(c.key) is KeyClass.PHONE
        )
        if not said:
            return False
        # a grouped number (no trunk 0) is national in a region that dials none, or an
        # international one written without its + (``tel: 972-2-5556789``, valid in the
        # plan of the country its first digits name); with a group of one digit it can
        # only be the latter (``2024 1 15`` is a date in no country's plan)
        if grouped and _ONE_DIGIT_GROUP.search(span):
            return _valid_international(span)
        if grouped:
            return (
                _valid_somewhere(span, _NO_TRUNK_REGIONS)
                or _valid_international(span)
                or _mobile_without_trunk(span)
            )
        return _valid_somewhere(span)
    digits = _digits(span)
    if (
        (span.startswith("+1") or not span.startswith("+"))
        and (len(digits) == 10 or (len(digits) == 11 and digits[0] == "1"))
        and any(ch in span for ch in "()-. ")
        and digits[-10] in "23456789"
    ):
        return True  # a formatted North American number: libphonenumber calls it possible
    number = _parse(span, None if span.startswith("+") else "US")
    if number is None:
        return False
    if (
        phonenumbers.is_possible_number(number)
        and (span.startswith("+") or any(ch in span for ch in "()-. "))
        and (span.startswith("+") or len(digits) in (10, 11))
    ):
        return True
    if phonenumbers.is_valid_number(number):
        return True
    if groups.get("bare") is not None and _mobile_without_trunk(span):
        return True  # (the bare detector runs only after a phone word or under a phone key)
    if not span.startswith(("(", "0")):  # other regions only for national formats
        return False
    return _valid_somewhere(span)


def _whole_value_under_phone_key(c: Candidate, span: str) -> bool:
    """The whole value under a phone key, 7 to 15 digits (E.164's most) in a phone's
    layout and no date: the key says it is a number, of whatever country's plan (a local
    555-1234, Bolivia's 71234567, Curaçao's 9 518 1234); a policy's region is not needed to
    read it, only to read a national number in running text. The key is a dict key, or
    the name a value is given in text and all of the value up to its line's end
    (``phone: 555-1234``, ``"mobile": "71234567",``), as the one key grammar reads both."""
    if c.text.strip() == span:
        key = c.key
    elif _LINE_VALUE_END.match(c.text, c.end):
        key = name_before(c.text, c.start) or ""
    else:
        return False
    if classify_key(key) is not KeyClass.PHONE:
        return False
    dated = _ISO_DATE.match(span) or _DATE.match(span) or _YEARS.match(span)
    return 7 <= len(_digits(span)) <= 15 and not dated


# what may follow a value that is all of its line's: its closing quote, a list's comma or
# a mapping's brace, blanks
_LINE_VALUE_END = re.compile(r"[\"']?[ \t]*[,;}\]]?[ \t]*(?:\r?\n|$)")

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _mobile_without_trunk(span: str) -> bool:
    """A mobile number of a common region written with all its national digits and no
    trunk prefix, as China's (138 0013 8000) and India's (98765 43210) are always
    written: only after a phone word or under a phone key, as its callers are."""
    digits = _digits(span)
    for region in _COMMON_REGIONS:
        number = _parse(digits, region)
        if (
            number is not None
            and str(number.national_number) == digits
            and phonenumbers.is_valid_number(number)
            and phonenumbers.number_type(number) in _MOBILE_TYPES
        ):
            return True
    return False


def _valid_international(span: str) -> bool:
    """Valid as an international number whose country code is written without ``+``."""
    number = _parse("+" + _digits(span), None)
    return number is not None and phonenumbers.is_valid_number(number)


def _valid_somewhere(span: str, regions: tuple[str, ...] = _COMMON_REGIONS) -> bool:
    """Valid under the numbering plan of one of the common regions."""
    for other in regions:
        number = _parse(span, other)
        if number is not None and phonenumbers.is_valid_number(number):
            return True
    return False


# ---------------------------------------------------------------- e-mail
# file extensions that are not top-level domains (weights@epoch10.ckpt is a file name; the
# e-mail pattern in detectors/email.yaml ends an address before them: keep the lists in step)
_NOT_TLD = frozenset(
    [
        "json", "yaml", "yml", "csv", "tsv", "txt", "ckpt", "pth", "pkl", "h5", "hdf5", "onnx",
        "npz", "npy", "parquet", "log", "py", "sh", "bin", "pb", "safetensors", "gguf", "tar",
        "gz", "bz2", "xz", "whl", "egg", "cfg", "ini", "toml", "lock", "jpg", "jpeg", "png",
    ]
)  # fmt: skip


@lru_cache(maxsize=4096)
def _idn_ok(domain: str) -> bool:
    """A domain with non-ASCII labels encodes under IDNA 2008 (UTS #46 mapping)."""
    try:
        idna.encode(domain, uts46=True)
    except idna.IDNAError:
        return False
    except UnicodeError:
        return False
    return True


# What follows ``user@host:`` when it is an scp-style remote or a host and port (not a
# credential or text glued to an address with ``:``): a path with a ``/`` or ``.git``, a
# port, or ``~``.
_HOST_TAIL = re.compile(r"(?:~|\d{1,5}(?=$|[\s/;,)\]\"'])|[\w.~-]*(?:/|\.git(?![\w-])))")
_HOST_ALIAS = re.compile(r"[-_][\w.-]*")  # ``github.com-work``: an SSH host alias after a domain
# the local part of an SSH extension's name (RFC 4250, 4.6.1: name@domain, as OpenSSH names
# its ciphers, MACs, key exchanges and key types: chacha20-poly1305@openssh.com,
# hmac-sha2-256-etm@openssh.com, ssh-ed25519-cert-v01@openssh.com): two or more of the
# primitives SSH's algorithm registries name, joined by dashes (a person's address is not)
_SSH_PRIMITIVE = (
    r"(?:sk-)?ssh|hmac|umac|aes\d{3}|chacha20|poly1305|curve(?:25519|448)|ed(?:25519|448)|ecdsa|rsa"
    r"|sha(?:1|2|256|384|512)|nistp\d{3}|sntrup761x25519|mlkem768x25519|diffie|hellman|group\d{1,2}"
    r"|exchange|gss|cert|v0\d|etm|gcm|ctr|cbc|\d{2,3}"
)
_SSH_ALGORITHM = re.compile(rf"(?i)(?:{_SSH_PRIMITIVE})(?:-(?:{_SSH_PRIMITIVE}))+")
# a remote login's target, user@host, right after the command and its options: OpenSSH's
# ssh, sftp, ssh-copy-id and autossh, mosh, telnet, rlogin (``ssh -p 2222 -i k.pem user@host``)
_LOGIN_WORDS = ("ssh", "sftp", "mosh", "telnet", "rlogin")  # (each command holds one)
_LOGIN_TARGET = re.compile(
    r"(?:^|[\s;&|(`])(?:ssh|autossh|mosh|sftp|ssh-copy-id|telnet|rlogin)(?:\.exe)?"
    r"(?:[ \t]+-[A-Za-z]+(?:[ \t]+(?!-)\S+)?)*[ \t]+$"
)


# ``user:password`` before a URI's host, read as the connection-string grammar reads it: a
# user without / ? # @, then a password that is not a port and a path (``host:8080/a``)
_USER_PASSWORD = re.compile(r"^[^:/?#@\s]*:(?!\d{1,5}(?:[/?#]|$))[^@\s]+$")


@validator
def email_address(c: Candidate) -> bool:
    """Not a URI's user part (``ssh://git@host``), a git remote (``git@host:org/repo``), an
    image digest or a file name that happens to contain ``@``; internationalised domains
    (``bücher.example``, ``xn--bcher-kva.example``) must be valid IDNA."""
    alias = _HOST_ALIAS.match(c.text, c.end)
    end = alias.end() if alias else c.end
    host = c.text.startswith(":", end) and not c.text.startswith("://", end)
    if host and _HOST_TAIL.match(c.text, end + 1):
        return False  # ``git@host:org/repo.git``, ``user@host:22``: a host, not an address
    head = c.before(256)
    if any(w in head for w in _LOGIN_WORDS) and _LOGIN_TARGET.search(head):
        return False  # ``ssh -i key.pem ubuntu@ec2-...amazonaws.com``: a login's user and host
    word = head[max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"), head.rfind('"')) + 1 :]
    scheme = word.rfind("://")
    if scheme >= 0:
        authority = word[scheme + 3 :]
        if not any(ch in authority for ch in "/?#=&"):
            return False  # the user part of a URI authority; an address in a path or query counts
        if _USER_PASSWORD.match(authority + c.span.rsplit("@", 1)[0]):
            return False  # the @ that ends user:password (a password with / ? # = & in it)
    local, _, domain = c.span.rpartition("@")
    tld = domain.rsplit(".", 1)[-1].lower()
    if tld in _NOT_TLD:
        return False
    if "-" in local and _SSH_ALGORITHM.fullmatch(local):
        return False  # chacha20-poly1305@openssh.com: an SSH extension's algorithm name
    if c.text[c.end : c.end + 1] in ("_", "-"):
        m = _TOKEN_HEAD.match(c.text, c.end - len(tld))
        if m and "://" not in m[0]:
            return False  # ``ann@example.org.ghp_...``: the last label is a token's prefix (the jr reading)
    if domain.isascii() and "xn--" not in domain.lower():
        return True
    return _idn_ok(domain.lower())


# ---------------------------------------------------------------- IP addresses
_IP_KEY = re.compile(
    r"ip|host|addr|server|endpoint|gateway|dns|proxy|peer|node|master|worker|bind|listen|subnet"
    r"|cidr|client|remote|origin|nameserver|resolver|router|inet|src|dst"
)
_VERSION_KEY = re.compile(
    r"version|cudnn|cuda|driver|release|nccl|tensorrt|firmware|bios|kernel|opset|sdk"
    r"|(?:^|_)(?:lib|trt|onnx)|(?:^|_)(?:ver|build|tag|tags|revision|rev)(?:_|$)"
)
_IP_WORDS = (
    "ip", "host", "addr", "server", "endpoint", "gateway", "dns", "proxy", "peer", "node", "bind",
    "listen", "subnet", "client", "remote", "inet", "src", "dst",
)  # fmt: skip
# words about connections before an address (not inside a name: "openid-connect-core")
_CONNECTION_WORDS = re.compile(
    r"(?<![\w-])(?:connect(?:s|ed|ing|ion)?|ping|route[ds]?|resolv\w*|firewall|allow(?:ed)?"
    r"|den(?:y|ied)|block(?:ed)?|packets?)(?![\w-])"
)
# right after an address: a port or a prefix length (8.8.8.8:53, 1.2.3.0/24), never after a version
_ADDRESS_TAIL = re.compile(r"\]?[:/]\d")
_IP_LOOKBEHIND = 40  # characters before an address searched for version words
_VERSION_WORDS = re.compile(r"(?:version|\bver\b|release|driver|cuda|cudnn|build|==|>=|<=|~=|!=)")
# right before a dotted quad: the name of a numbering (Section 22.1.4.1, OID 1.3.101.112,
# ObjectIdentifier("2.5.4.12")), or a package's name in a listing (``conda list``, ``pip
# list``: nvidia-cublas-cu12   12.1.3.1) before a number of a version's shape (two parts
# of one digit), unless the name is about addresses (db-host, peer_addr)
_NUMBERING_BEFORE = re.compile(r"(?:\bsections?|§|\boid|objectidentifier\(|\bchapter|\bclause)\W{0,3}$")
_PACKAGE_BEFORE = re.compile(r"(?:^|\s)([a-z][a-z0-9]*(?:[-_.][a-z0-9]+)+)[ \t]+$")
_NAME_PART = re.compile(r"[-_.]")
# a host's name, by its last label (a top-level domain or a private network's suffix), as
# a hosts file or a resolver's output puts it before its address; packages' dotted names
# end otherwise (ruamel.yaml, zope.interface)
_HOST_NAME = re.compile(
    r"\.(?:com|net|org|io|ai|dev|app|edu|gov|co|local|localdomain|internal|lan|corp|home|intranet)$"
)
# a product token's version (a browser's User-Agent: Chrome/119.0.0.0, HeadlessChrome/...)
_PRODUCT_BEFORE = re.compile(r"(?<![\w/.:-])[A-Z][A-Za-z]{1,30}/$")

_DOCUMENTATION = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32", "3fff::/20")
)

IP_CLASSES = ("public", "private", "loopback", "link-local", "documentation")


@lru_cache(maxsize=4096)
def _ip_key_kind(key: str) -> int:
    """1 when the key names a version, 2 when it names an address, else 0."""
    if _VERSION_KEY.search(key):
        return 1
    return 2 if _IP_KEY.search(key) else 0


def ip_class(addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """``documentation`` (RFC 5737 / 3849 / 9637), ``loopback``, ``link-local``, ``public``
    (globally reachable unicast) or ``private`` (every other range: RFC 1918, unique local,
    shared CGNAT space, multicast, reserved, unspecified)."""
    mapped = getattr(addr, "ipv4_mapped", None)
    if mapped is not None:
        addr = mapped
    if any(addr in net for net in _DOCUMENTATION):
        return "documentation"
    if addr.is_loopback:
        return "loopback"
    if addr.is_link_local:
        return "link-local"
    if addr.is_global and not addr.is_multicast:
        return "public"
    return "private"


def _address_context(kind: int, before: str) -> bool:
    """The key names an address, or the lower-cased text before a dotted quad holds an
    address's word (ip, host, peer, ...) or a connection's (connected, ping, route, ...)."""
    return kind == 2 or any(w in before for w in _IP_WORDS) or _CONNECTION_WORDS.search(before) is not None


def _ipv4_plausible(c: Candidate) -> ipaddress.IPv4Address | None:
    """Octets 0-255 without leading zeros, or all four padded to three digits
    (``010.001.020.003``, as fixed-width logs write them); not a version number
    (``cudnn 8.6.1.6``)."""
    parts = c.span.split(".")
    padded = all(len(p) == 3 for p in parts)
    if (not padded and any(len(p) > 1 and p[0] == "0" for p in parts)) or any(int(p) > 255 for p in parts):
        return None
    kind = _ip_key_kind(c.key)
    if kind == 1:
        return None
    raw = c.before(_IP_LOOKBEHIND)
    if _PRODUCT_BEFORE.search(raw):
        return None  # Chrome/119.0.0.0: a product's version in a User-Agent
    before = raw.lower()
    if _VERSION_WORDS.search(before) or _NUMBERING_BEFORE.search(before):
        return None
    short = sum(len(p) == 1 for p in parts)  # (one-digit parts: a version's mark)
    if (
        c.start >= 2
        and c.text[c.start - 1] == "-"
        and c.text[c.start - 2].isalpha()
        and (short >= 2 or _PLAIN_WORD_BEFORE.search(c.text, max(0, c.start - 64), c.start - 1))
        and not _address_context(kind, before)
    ):
        # a word, a hyphen and a version's shape name a thing and its version (nccl-2.18.3.1,
        # .../perl-5.6.78.9, #h-17.13.4.1), and a plain word its sizes (layers-64.64.64.64);
        # after an address's or a URL's word a dotted quad is a value glued on
        # (ann@example.org-52.1.2.3, .../db-52.1.2.3), and after an address's word one
        # (host-10.0.0.1)
        return None
    if short >= 2 and len(parts[0]) < 3:
        # (12.1.3.1, 8.9.2.26: a version's shape; a major version of three digits is none,
        # so "example.com 192.168.0.1", a hosts-style pair, is an address)
        m = _PACKAGE_BEFORE.search(before)
        if (
            m
            and not any(part.startswith(_IP_WORDS) for part in _NAME_PART.split(m[1]))
            and not _HOST_NAME.search(m[1])
        ):
            return None  # a package's version in a listing (a host's name before it: a hosts line)
    # one digit four times (8.8.8.8, 1.1.1.1) is an address: versions do not repeat so;
    # three leading one-digit parts otherwise are a version's or an X.500 OID's shape
    # (1.2.3.10, 2.5.4.41: an address only with an address's context; 10.0.0.1 is one)
    if (
        all(len(p) == 1 for p in parts[:3])
        and len(set(parts)) > 1
        and not (_address_context(kind, before) or _ADDRESS_TAIL.match(c.text, c.end))
    ):
        return None  # 1.2.3.4-shaped: a version more often than an address without "ip" nearby
    addr = ipaddress.IPv4Address(".".join(str(int(p)) for p in parts) if padded else c.span)
    return None if addr.is_unspecified else addr  # 0.0.0.0 (any address) names no host


# a run of letters, digits, _ and - up to the hyphen before a dotted quad, from a blank, a
# quote, a bracket, a separator of pairs or the text's start: a plain word, not a host, an
# address or a URL
_PLAIN_WORD_BEFORE = re.compile(r"(?:^|(?<=[\s\"'`(\[{,;=:|]))[\w-]{1,63}\Z")

# a word right before a short IPv6 address (1::8) that says it is one, as an IP key does
_ADDRESS_WORD = re.compile(r"(?i)\b(?:ip|ipv6|inet6?|addr(?:ess)?|host)\b\W{0,3}$")


def _ipv6_plausible(c: Candidate) -> ipaddress.IPv6Address | None:
    s = c.span
    if s.count(":") < 2:
        return None
    try:
        addr = ipaddress.IPv6Address(s)
    except ValueError:
        return None
    if addr.is_unspecified:
        return None
    if (
        sum(ch.isalnum() for ch in s) < 3
        and not addr.is_loopback
        and classify_key(c.key) is not KeyClass.IP
        and _ADDRESS_WORD.search(c.before(24)) is None
    ):
        return None  # (1::1, a::b: a scope operator's shape, unless the key or a word names an address)
    if s.endswith("::") and not any(ch.isdigit() for ch in s):
        return None  # a word of hex letters before ``::`` (``cafe::``, ``add::``): code, not a network
    return addr


# a run of colon-joined hex groups (five colons or more: two "::" forms and a colon)
# with nothing of an address's own around it; where it is no one address, it may be
# several joined by ":"
_IPV6_RUN = re.compile(r"(?<![\w:.%/\[])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){5,44}(?![\w:.%\]])")


def split_ipv6_runs(text: str) -> str:
    """``text`` with each run of colon-joined hex groups that is no one IPv6 address but
    reads whole as several (``<8 groups>:<8 groups>``, ``2001:db8::1:2001:db8::2``) cut
    into them: the colons that join the addresses read as blanks, one character for one, so
    every offset stays. A run whose groups all have two digits is a fingerprint or a list of
    MAC addresses (``43:51:...:a8``), and a part without a digit is a word of hex letters:
    neither is cut."""
    if text.count(":") < 5:
        return text
    cuts: list[int] = []
    for m in _IPV6_RUN.finditer(text):
        run = m.group()
        groups = run.split(":")
        if all(len(g) == 2 for g in groups if g) or is_ipv6_address(run):
            continue
        # (the colon after each address but the last)
        for end in (_addresses(tuple(groups)) or ())[:-1]:
            cuts.append(m.start() + len(":".join(groups[:end])))
    if not cuts:
        return text
    chars = list(text)
    for at in cuts:
        chars[at] = " "
    return "".join(chars)


def is_ipv6_address(s: str) -> bool:
    """``s`` is one IPv6 address, as ``ipaddress`` reads them."""
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


def _addresses(groups: tuple[str, ...]) -> tuple[int, ...] | None:
    """How ``groups`` split into two IPv6 addresses or more, each holding a digit: the
    index after each one's last group, or None. Of the ways to split, the one with the
    fewest addresses and, among those, the longest shortest address
    (``2001:db8::1`` and ``2001:db8::2``, not ``2001:db8::1:2001`` and ``db8::2``). Not
    memoised: no address is kept once the text is read."""
    n = len(groups)
    # best[i]: (score, ends) of the best split of groups[i:]; score = (-addresses, shortest)
    best: dict[int, tuple[tuple[int, int], tuple[int, ...]] | None] = {n: ((0, n), ())}
    for i in range(n - 1, -1, -1):
        found = None
        for j in range(i + 1, min(n, i + 9) + 1):  # (8 groups, and one more for "::" at an end)
            after = best.get(j)
            if after is None:
                continue
            part = ":".join(groups[i:j])
            if not (any(ch.isdigit() for ch in part) and is_ipv6_address(part)):
                continue
            (count, shortest), ends = after
            score = (count - 1, min(shortest, j - i))
            if found is None or score > found[0]:
                found = (score, (j, *ends))
        best[i] = found
    split = best[0]
    return split[1] if split is not None and len(split[1]) >= 2 else None


def _address(c: Candidate) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    return _ipv6_plausible(c) if ":" in c.span else _ipv4_plausible(c)


@lru_cache(maxsize=1024)  # the sibling detectors on the same matches (a value may list many)
def _address_class(span: str, key: str, before: str, after: str) -> str | None:
    """The class of a plausible address (None when implausible): the IP class detectors
    share one match, so it is worked out once, not once per class."""
    c = Candidate(span, None, before + span + after, len(before), len(before) + len(span), key)
    addr = _address(c)
    return None if addr is None else ip_class(addr)


def _class_validator(name: str) -> Callable[[Candidate], bool]:
    def check(c: Candidate) -> bool:
        return _address_class(c.span, c.key, c.before(_IP_LOOKBEHIND), c.after(3)) == name

    check.__name__ = "ip_" + name.replace("-", "_")
    check.__doc__ = f"A plausible IPv4/IPv6 address (not a version number) of class {name!r}."
    return validator(check)


for _name in IP_CLASSES:
    _class_validator(_name)
