"""Personal data through well-kept libraries: IBANs against schwifty's national registry,
card networks by IIN, dotted SSNs, phone numbers with a policy region (phonenumbers),
internationalised e-mail domains (idna), and IP addresses by class (one detector id per
class, so a policy acts per class). Lineage values stay untouched throughout.

IBANs and card numbers here are generated (random digits with valid check digits).
"""

from __future__ import annotations

import hashlib
import random
import re
import uuid

import pytest
from schwifty import IBAN

import redact
from redact._build import build_scanner
from redact.detect.pii import _NOT_TLD, card_network_of, iban_valid, ip_class
from redact.detect.validators import luhn_ok
from redact.errors import PolicyError
from redact.policy import Policy, load_policy

RNG = random.Random(8_675_309)


def cats(value: str, policy: Policy | None = None, key: str = "value") -> list[tuple[str, str, str]]:
    """(category, detector, matched text) of every finding in ``{key: value}``."""
    return [
        (f.category, f.detector, value[f.start : f.end]) for f in redact.scan({key: value}, policy=policy)
    ]


def luhn_number(prefix: str, length: int) -> str:
    """A random number with ``prefix`` and ``length`` digits whose Luhn check digit is valid."""
    body = prefix + "".join(RNG.choice("0123456789") for _ in range(length - len(prefix) - 1))
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def iban_with_bban(country: str, bban: str) -> str:
    """The IBAN of ``country`` with this BBAN and its computed check digits."""
    digits = "".join(str(int(ch, 36)) for ch in bban + country) + "00"
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def grouped(iban: str, sep: str) -> str:
    return sep.join(iban[i : i + 4] for i in range(0, len(iban), 4))


# ---------------------------------------------------------------- IBAN
@pytest.mark.parametrize(
    "country", ["LY", "DE", "GB", "FR", "EG", "RU", "SA", "BR", "SN", "MA", "IQ", "SO", "OM", "YE"]
)
def test_iban_national_registry(country):
    """IBANs of countries across the registry (Libya, Egypt, Russia, Somalia, ...) are found."""
    value = str(IBAN.random(country_code=country))
    assert cats(f"transfer to {value} today") == [("IBAN_CODE", "iban", value)]


@pytest.mark.parametrize("sep", [" ", "-", "."])
@pytest.mark.parametrize("case", [str.upper, str.lower])
def test_iban_separators_and_case(sep, case):
    """Grouped by spaces, dashes or dots, upper or lower case: one finding, the whole IBAN."""
    value = case(grouped(str(IBAN.random(country_code="DE")), sep))
    assert cats(f"IBAN: {value}, thanks") == [("IBAN_CODE", "iban", value)]


def test_iban_checksum_structure_and_mixed_separators():
    """A wrong check digit, a wrong BBAN structure, an unknown country and mixed
    separators are not IBANs."""
    good = str(IBAN.random(country_code="DE"))
    bad_check = good[:2] + f"{(int(good[2:4]) + 1) % 100:02d}" + good[4:]
    assert iban_valid(good) and not iban_valid(bad_check)
    assert cats(bad_check) == []
    assert not iban_valid("GB82WEST123456987654")  # too short for GB
    assert not iban_valid("XX82WEST12345698765432")  # no such country
    mixed = grouped(good, " ")
    mixed = mixed[:9].replace(" ", "-", 1) + mixed[9:]
    assert cats(mixed) == []


def test_no_card_number_read_out_of_an_iban():
    """A spaced IBAN whose digit groups would pass as a Visa or Dankort number yields the
    IBAN only; the same digits alone are a card."""
    for prefix in ("4", "5019", "2200"):
        card = luhn_number(prefix, 16)
        iban = iban_with_bban("DE", card + "12")
        assert iban_valid(iban)
        spaced = grouped(iban, " ")
        assert cats(f"pay {spaced} now") == [("IBAN_CODE", "iban", spaced)]
        assert cats(card) == [("CREDIT_CARD", "credit-card", card)]
        out = redact.redact({"v": spaced}).value["v"]
        assert card[:12] not in out.replace(" ", "")


# ---------------------------------------------------------------- cards
@pytest.mark.parametrize(
    "network, prefix, length",
    [
        ("uatp", "1", 15), ("dankort", "5019", 16), ("mir", "2200", 16), ("mir", "2204", 19),
        ("rupay", "81", 16), ("rupay", "82", 16), ("rupay", "508", 16), ("rupay", "60", 16),
        ("elo", "509", 16), ("elo", "636368", 16), ("troy", "9792", 16), ("visa", "4", 16),
        ("mastercard", "2221", 16), ("amex", "37", 15), ("jcb", "3530", 16), ("unionpay", "62", 19),
        ("verve", "506099", 16), ("verve", "506198", 19), ("verve", "507865", 16),
        ("borica", "2205", 16), ("uzcard", "8600", 16), ("humo", "9860", 16),
    ],
)  # fmt: skip
def test_card_networks(network, prefix, length):
    """IIN ranges of UATP, Dankort, Mir, RuPay, Elo, Troy, Verve, Borica, UzCard, Humo and the
    long-known networks, alone,
    grouped by fours and in a sentence."""
    number = luhn_number(prefix, length)
    assert card_network_of(number) is not None
    assert cats(number) == [("CREDIT_CARD", "credit-card", number)]
    if length == 16:
        spaced = grouped(number, " ")
        assert cats(f"card {spaced} exp 12/29") == [("CREDIT_CARD", "credit-card", spaced)]


@pytest.mark.parametrize("prefix", ["9704", "94", "1946", "9999"])
def test_a_card_of_an_unlisted_network_is_found_where_a_card_is_named(prefix):
    """A Luhn-valid number of a card's length whose IIN the network table does not list
    (a national scheme) is a card under a card's key or after a card's name; alone, or
    under another name, it is a number."""
    number = luhn_number(prefix, 16)
    assert card_network_of(number) is None
    found = [("CREDIT_CARD", "credit-card-other-network", number)]
    assert cats(number, key="card_number") == found
    assert cats(number, key="cc") == found
    spaced = grouped(number, " ")
    assert cats(f"Card number: {spaced}") == [("CREDIT_CARD", "credit-card-other-network", spaced)]
    assert cats(f"credit card # {spaced} exp 12/29") == [("CREDIT_CARD", "credit-card-other-network", spaced)]
    assert cats(f"PAN {number}") == found
    assert cats(number) == []
    assert cats(number, key="card_ts") == []
    assert cats(f"order {number} shipped") == []
    broken = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert cats(broken, key="card_number") == []


def test_a_spaced_card_followed_by_three_digits():
    """A 4-4-4-4 card followed by a three-digit group (a security code, a count) is the
    card, where the 19-digit reading of both fails Luhn; a valid 19-digit card in that
    layout is read whole."""
    for _ in range(20):
        number = luhn_number("4", 16)
        spaced = grouped(number, " ")
        if luhn_ok((spaced + " 123").replace(" ", "")):
            continue  # (the 19-digit reading is a valid card of its own)
        assert cats(f"{spaced} 123") == [("CREDIT_CARD", "credit-card", spaced)]
        assert cats(f"paid {spaced} 123 on 2024-05-01") == [("CREDIT_CARD", "credit-card", spaced)]
    n19 = luhn_number("62", 19)
    layout = f"{n19[:4]} {n19[4:8]} {n19[8:12]} {n19[12:16]} {n19[16:]}"
    assert cats(layout) == [("CREDIT_CARD", "credit-card", layout)]


def test_uatp_grouping_and_timestamps():
    """UATP's 4-5-6 layout is a card; 13-, 16- and 19-digit timestamps starting with 1 are not."""
    number = luhn_number("1", 15)
    layout = f"{number[:4]} {number[4:9]} {number[9:]}"
    assert cats(layout) == [("CREDIT_CARD", "credit-card", layout)]
    for ts in ("1700000000123", "1700000000123456", "1700000000123456789"):
        assert cats(ts) == []


@pytest.mark.parametrize(
    "value",
    ["0.4111111111111111", "4111111111111111.5", "run-41111111111111111111", "a4111111111111111f",
     "2024-4111111111111111", "9111111111111111", "4111 1111-1111 1111"],
)  # fmt: skip
def test_card_lookalikes(value):
    """Floats, identifiers, digests, dashed tails, unknown prefixes and mixed separators."""
    assert cats(value) == []


# ---------------------------------------------------------------- SSN
@pytest.mark.parametrize("sep", ["-", " ", "."])
def test_ssn_layouts(sep):
    """SSNs with dashes, spaces or dots; the mask keeps the separators and last four."""
    value = f"536{sep}90{sep}4410"
    assert cats(f"ssn {value}.") == [("US_SSN", "us-ssn", value)]
    assert redact.redact({"v": value}).value["v"] == f"***{sep}**{sep}4410"


@pytest.mark.parametrize(
    "value",
    [
        "000.12.3456",
        "666.12.3456",
        "912.34.5678",
        "536.00.4410",
        "536.90.0000",
        "536.90-4410",
        "v536.90.4410",
    ],
)
def test_dotted_ssn_keeps_ssa_rules(value):
    """Dotted numbers follow the SSA rules and the one-separator layout."""
    assert cats(value) == []


@pytest.mark.parametrize("value", ["078-05-1120", "219-09-9999", "123-45-6789", "111-11-1111", "777 77 7777"])
def test_ssns_the_ssa_voided_and_fillers_are_not_reported(value):
    """Numbers the SSA voided after printing them as samples, the digits counting up and
    one digit repeated are no one's SSN, under an SSN's key and in text alike; a number
    one digit away from them is."""
    assert redact.scan({"ssn": value}) == [] and cats(f"my ssn is {value}") == []
    near = value[:-1] + str((int(value[-1]) + 1) % 10)
    assert [f.category for f in redact.scan({"ssn": near})] == ["US_SSN"]


# ---------------------------------------------------------------- phone numbers
def test_phone_region_makes_national_formats_detectable():
    """With detectors.phone_region, national formats of that region are found; without it
    they are not (ambiguous), and a region applies to its own scanner only."""
    de = Policy.model_validate({"detectors": {"phone_region": "de"}})
    fr = Policy.model_validate({"detectors": {"phone_region": "FR"}})
    assert de.detectors.phone_region == "DE"
    berlin, paris = "030 901820", "01 42 68 53 00"
    assert cats(f"office {berlin}", de) == [("PHONE_NUMBER", "phone-number", berlin)]
    assert cats(f"office {berlin}") == []
    assert cats(f"bureau {paris}", fr) == [("PHONE_NUMBER", "phone-number", paris)]
    assert cats(f"bureau {paris}", de) == []
    # two scanners with different regions in one process
    s_de, s_fr = build_scanner(de), build_scanner(fr)
    assert s_de.scan({"v": berlin}) and not s_fr.scan({"v": berlin})
    assert s_fr.scan({"v": paris}) and not s_de.scan({"v": paris})


def test_phone_region_mobile_and_slash_formats():
    """German mobile and slash-separated national numbers under phone_region DE."""
    de = Policy.model_validate({"detectors": {"phone_region": "DE"}})
    for value in ("0151 23456789", "030/901820", "089-12345678"):
        assert cats(f"Kontakt: {value}", de) == [("PHONE_NUMBER", "phone-number", value)], value


def test_phone_region_rejects_unknown_regions(tmp_path):
    """An unknown region fails policy loading with file, line and field."""
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\ndetectors:\n  phone_region: ZZ\n")
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert f"{path}:3: field 'detectors.phone_region': unknown region 'ZZ'" in str(info.value)


def test_phone_national_format_after_a_phone_word():
    """Without a region, a national format counts only right after a phone word and when a
    common region's numbering plan accepts it; dates never do."""
    for value in ("030 901820", "020 7946 0958", "0151 23456789"):
        assert cats(f"Tel.: {value}") == [("PHONE_NUMBER", "phone-number", value)]
        assert cats(f"batch {value}") == []
    for date in ("01.02.2024", "31-12-2023", "07/08/24"):
        assert cats(f"call {date}") == []


_PHONE_REGIONS = (
    "US", "GB", "DE", "IL", "IN", "CA", "BR", "FR", "ES", "IT", "NL", "AU", "JP", "CN", "MX", "PL", "SE",
    "CH", "AT", "BE", "IE", "ZA", "KR", "TR", "AR", "PT", "DK", "NO", "FI", "NZ", "SG", "HK",
)  # fmt: skip


@pytest.mark.parametrize("region", _PHONE_REGIONS)
def test_national_numbers_of_many_regions_after_a_phone_word(region):
    """libphonenumber's example mobile and fixed-line numbers of 32 regions, written as each
    region writes them nationally (Sweden's ``08-12 34 56``, Austria's ``01 234567890``,
    Argentina's ``011 15-2345-6789``, Denmark's ``34 41 23 45`` with no trunk prefix),
    after a phone word, in English or another language: found without a policy region;
    the same digits after a word that says nothing of phones are not, unless
    formatted as a number is anywhere (an area code in parentheses, 3-3-4 groups)."""
    import phonenumbers

    for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
        example = phonenumbers.example_number_for_type(region, kind)
        number = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL)
        for sentence in (
            "Call me at {}",
            "my phone number is {}.",
            "tel {}",
            "Contact: {} (mobile)",
            "Telefon: {}",
        ):
            text = sentence.format(number)
            assert [f.category for f in redact.scan(text)] == ["PHONE_NUMBER"], (region, text)
        if not number.startswith("(") and not re.search(r"\d{3}[ .-]\d{3}[ .-]\d{4}$", number):
            # (an area code in parentheses and 3-3-4 groups are read as formatted numbers)
            assert redact.scan(f"batch {number}") == [], (region, number)


def test_digit_groups_after_words_that_are_not_a_phone_s_stay_clean():
    """Digit groups with no trunk 0 are a phone number only after a word for a phone
    itself (``tel``, ``mobile``, ``Telefon``): a protein's contacts, a count in another
    language or an id are not, though Denmark's or Norway's plan accepts the digits."""
    for text in ("contact residues 23 45 67 89", "numero di epoche 20 30 40 50", "contacts: 3412 5678 rows",
                 "portable 3434 5656", "nummer 2345 6789"):  # fmt: skip
        assert cats(text) == [], text
    for text in ("tel: 23 45 67 89", "Telefon 2345 6789", "mobile: 4061 2345"):
        assert [c[0] for c in cats(text)] == ["PHONE_NUMBER"], text


@pytest.mark.parametrize(
    "key",
    ["phone_no", "mobileNumber", "fax_number", "whatsapp_number", "tel_no", "phone_numbers", "cell_no",
     "phonenumber", "PHONENUMBER", "mobileno", "Telefonnummer", "handy", "telefono_movil", "celular",
     "電話番号", "电话", "手机号码", "携帯電話", "전화번호", "телефон"],
)  # fmt: skip
def test_a_phone_key_followed_by_number_or_no_is_a_phone_key(key):
    """``phone_no``, ``mobileNumber``, ``fax_number``: a phone's name then a word that only
    says it is a number reads as the phone's name, so a national format under it is found
    as under ``phone``; so does the same glued in one case (``phonenumber``,
    ``Telefonnummer``), a mobile phone's name in other languages, and the names of other
    scripts (``電話番号``, ``전화번호``), as the phone words of text are; ``cell_value`` and
    ``phone_id`` are no phone's names."""
    from redact.detect.keys import KeyClass, classify_key

    assert classify_key(key) is KeyClass.PHONE
    for value in ("030 901820", "020 7946 0958", "0151 23456789"):
        assert [f.category for f in redact.scan({key: value})] == ["PHONE_NUMBER"], (key, value)
        assert redact.scan({"phone_id": value}) == [] and redact.scan({"cell_value": value}) == []
    for key2, kind in (
        ("emailAddr", KeyClass.EMAIL),
        ("ip_addr", KeyClass.IP),
        ("social_security_no", KeyClass.SSN),
        ("ssnnumber", KeyClass.SSN),
        ("casino", KeyClass.NEUTRAL),
        ("serialnumber", KeyClass.NEUTRAL),
    ):
        assert classify_key(key2) is kind


def test_any_national_number_is_read_as_the_whole_value_under_a_phone_key():
    """Under a phone key the whole value, 7 to 15 digits in a phone's layout, is the phone
    number, whatever country's plan it follows (with no policy region only the common
    regions' plans were tried): a local 555-1234, Bolivia's 71234567, a first group of one
    digit; so is a value given to a phone key's name in text, all of its line
    (``phone: 555-1234``, JSON text). Six digits or fewer, a date, a count's key
    (``num_phones``), a value with more text after it on its line and the same value in
    a sentence with no phone word stay as they are."""
    from redact.detect.keys import KeyClass, classify_key

    for value in ("555-1234", "5551234", "71234567", "2 2123456", "9 518 1234", "6 71 23 45 67", "560 1234"):
        assert [f.category for f in redact.scan({"phone": value})] == ["PHONE_NUMBER"], value
        assert [f.category for f in redact.scan({"contact.mobile": value})] == ["PHONE_NUMBER"], value
        assert redact.scan({"note": f"batch {value} done"}) == [], value
    for text in ("phone: 555-1234", "contact:\n  mobile: 71234567\n", '{"phone": "9 518 1234", "x": 1}'):
        assert [f.category for f in redact.scan({"note": text})] == ["PHONE_NUMBER"], text
    for text in ("batch: 555-1234", "phone: 555-1234 ext 12 please", "phone_verified: 2024-01-15"):
        assert redact.scan({"note": text}) == [], text
    for value in ("712 345", "12 34 56", "2024-01-15", "15.01.2024", "2019-2024"):
        assert redact.scan({"phone": value}) == [], value
    for key in ("num_phones", "max_emails", "n_ips", "total_ssns"):
        assert classify_key(key) is KeyClass.NEUTRAL, key
        assert redact.scan({key: "71234567"}) == [], key


@pytest.mark.parametrize("value", ["+1 415-555-0132", "+44 20 7946 0958", "(415) 555-0132", "+49 30 901820"])
def test_phone_international_without_region(value):
    """International and formatted North American numbers need no region."""
    assert cats(value) == [("PHONE_NUMBER", "phone-number", value)]


@pytest.mark.parametrize("value", ["01.02.2024", "2024-01-15", "0.001", "10.0.0.5", "v1.2.3-456"])
def test_phone_lookalikes_even_with_region(value):
    """Dates, decimals, addresses and versions are not phone numbers, region or not."""
    de = Policy.model_validate({"detectors": {"phone_region": "DE"}})
    assert [c for c in cats(value, de) if c[0] == "PHONE_NUMBER"] == []


# ---------------------------------------------------------------- e-mail
@pytest.mark.parametrize(
    "address",
    ["user@xn--bcher-kva.example", "user@bücher.example", "ops@example.xn--p1ai", "ana@correo.españa.example",
     "data-team@example.co.uk"],
)  # fmt: skip
def test_email_internationalised_domains(address):
    """IDN domains in Unicode and punycode form; the mask keeps the domain."""
    assert cats(f"contact {address}, please") == [("EMAIL_ADDRESS", "email-address", address)]
    domain = address.split("@")[1]
    assert redact.redact({"v": address}).value["v"] == f"****@{domain}"


@pytest.mark.parametrize(
    "value",
    ["git@github.com:example-org/repo.git", "ssh://git@gitlab.example.com/group/repo",
     "registry.example.com/team/train@sha256:" + hashlib.sha256(b"x").hexdigest(), "torch@2.1.0",
     "weights@epoch10.ckpt", "user@xn--a.example", "postgresql://me@corp.example.com:Q7xk29dLm@db.example.com/x"],
)  # fmt: skip
def test_email_exclusions(value):
    """Git remotes, URI user parts, image digests, pins, file names, invalid punycode."""
    assert [c for c in cats(value) if c[0] == "EMAIL_ADDRESS"] == []


@pytest.mark.parametrize("ext", sorted(_NOT_TLD))
def test_address_in_a_file_name_ends_before_the_extension(ext):
    """A file named after an e-mail or IP address (``eval/ann@example.com.json``): the
    address is found up to its domain and the extension stays; no domain ends in one of these extensions
    (every extension the validator refuses as a top-level domain is one the pattern stops
    before); a file name with no domain before the extension is not an address."""
    name = f"eval/ann.fake@corp.example.com.{ext}"
    assert cats(name) == [("EMAIL_ADDRESS", "email-address", "ann.fake@corp.example.com")]
    assert redact.redact({"path": name}).value["path"] == f"eval/****@corp.example.com.{ext}"
    assert [c for c in cats(f"weights@best.{ext}") if c[0] == "EMAIL_ADDRESS"] == []
    # an address's file (logs/81.2.69.160.log) ends the same way; a version does not start
    assert cats(f"logs/81.2.69.160.{ext}") == [("IP_ADDRESS", "ip-public", "81.2.69.160")]
    assert cats(f"engine 11.5.9.0.{ext}x") == []


# ---------------------------------------------------------------- IP classes
@pytest.mark.parametrize(
    "address, klass",
    [
        ("81.2.69.160", "public"), ("2a00:1450:4001:82b::200e", "public"),
        ("10.12.3.45", "private"), ("172.20.14.3", "private"), ("192.168.1.20", "private"),
        ("100.64.12.9", "private"), ("fd12:3456:789a:1::1", "private"),
        ("127.0.0.1", "loopback"), ("::1", "loopback"),
        ("169.254.169.254", "link-local"), ("fe80::1ff:fe23:4567:890a", "link-local"),
        ("192.0.2.44", "documentation"), ("198.51.100.23", "documentation"), ("203.0.113.7", "documentation"),
        ("2001:db8:85a3::8a2e:370:7334", "documentation"), ("3fff:12::5", "documentation"),
    ],
)  # fmt: skip
def test_ip_classes(address, klass):
    """Each address is reported by the detector of its class, ip-<class>."""
    import ipaddress

    assert ip_class(ipaddress.ip_address(address)) == klass
    assert cats(f"host {address} up") == [("IP_ADDRESS", f"ip-{klass}", address)]


def test_every_ipv6_form_is_found():
    """Random IPv6 addresses in every form ``ipaddress`` reads (compressed, exploded,
    with an IPv4 tail, with a zone) pass the prefilter and are reported, embedded in text."""
    import ipaddress

    rng = random.Random(6)
    for _ in range(300):
        addr = ipaddress.IPv6Address(
            rng.getrandbits(128) if rng.random() < 0.5 else rng.getrandbits(48) << 80
        )
        groups = addr.exploded.split(":")
        tail = str(ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF))
        forms = [addr.compressed, addr.exploded, ":".join(groups[:6]) + ":" + tail,
                 ":".join(g.lstrip("0") or "0" for g in groups)]  # fmt: skip
        if "::" in addr.compressed:
            forms.append(addr.compressed + "%eth0")
        for form in forms:
            if ipaddress.IPv6Address(form).is_unspecified:
                continue
            found = [c for c in cats(f"peer {form} up") if c[0] == "IP_ADDRESS"]
            assert len(found) == 1 and form.startswith(found[0][2]), form


def test_a_remote_login_target_is_no_email_address():
    """``ssh [options] user@host`` (and sftp, ssh-copy-id, autossh, mosh, telnet): the user
    and host of a login, not an e-mail address; an address later on the line, in the
    remote command, still is."""
    for text in (
        "ssh ubuntu@ec2-198-51-100-7.compute-1.amazonaws.com",
        "ssh -o StrictHostKeyChecking=no -p 2222 -i k.pem trainer@gpu01.example.com 'nvidia-smi'",
        "ssh-copy-id -i ~/.ssh/id_ed25519.pub admin@bastion.example.com",
        "cd /srv && sftp svc@files.example.com",
    ):
        assert [c for c in cats(text) if c[0] == "EMAIL_ADDRESS"] == [], text
    found = cats("ssh host 'mail -s done bob@example.com'")
    assert found == [("EMAIL_ADDRESS", "email-address", "bob@example.com")]


def test_ssh_extension_names_are_no_email_addresses():
    """SSH names its extensions' algorithms ``name@domain`` (RFC 4250, 4.6.1), as in an
    sshd_config or an ssh -Q listing: primitives joined by dashes are no person's address;
    dashed addresses of people and teams still are."""
    line = (
        "Ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com\n"
        "MACs hmac-sha2-256-etm@openssh.com,umac-128-etm@openssh.com\n"
        "KexAlgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256@libssh.org\n"
        "HostKeyAlgorithms ssh-ed25519-cert-v01@openssh.com,sk-ssh-ed25519@openssh.com"
    )
    assert cats(line) == []
    for address in ("mary-ann@example.com", "rsa-team@example.com", "ssh-admins@example.org"):
        assert cats(f"owner: {address}") == [("EMAIL_ADDRESS", "email-address", address)]


def test_a_signed_decimal_is_no_phone_number():
    """``+CC.NUMBER`` is EPP's phone form (RFC 5733, WHOIS records) and a signed decimal's
    (``delta: +12.3456789``, valid in some country's plan one time in four): a phone
    number only under a phone's name, and valid."""
    rng = random.Random(5733)
    for _ in range(300):
        text = f"delta: +{rng.randrange(1, 100)}.{rng.randrange(10**6, 10**9)}"
        assert cats(text) == [], text
    assert cats('"PhoneNumber": "+1.8005551212"') == [("PHONE_NUMBER", "phone-number", "+1.8005551212")]
    assert [f.category for f in redact.scan({"fax": "+49.30901820"})] == ["PHONE_NUMBER"]
    assert redact.scan({"delta": "+1.8005551212"}) == []


def test_a_slice_after_a_name_is_no_ipv6_address():
    """``numeric[::1]``, ``arr[::1, :]``: a subscript's slice after a name, a ``]`` or a
    ``)`` (a docstring's type, numpy code) is not the loopback address; ``[::1]`` in a URL,
    after a blank or a sign still is."""
    for text in ("arr : numeric[::1]", "y = arr[::1, :]", "m[::1][0]", "f(x)[::1]"):
        assert cats(text) == [], text
    for text in ("http://[::1]:8080/", "listen [::1]:80", "x=[::1]", "'[::1]'"):
        assert cats(text) == [("IP_ADDRESS", "ip-loopback", "::1")], text


@pytest.mark.parametrize("key", ["ip", "ipv6", "server.ipv6", "IPv6Address", "host_ipv6_address", "peerIPv6"])
def test_a_short_ipv6_address_under_an_address_key_is_found(key):
    """``1::``, ``1::1`` and ``a::b`` are IPv6 addresses of three characters or fewer: under
    a key that names an address (``ipv6``, ``IPv6Address``) they are reported, and in text
    after a word that does (``ip: 1::8``, ``inet6 1::2/64``); in other text and under other
    keys they are a scope operator's shape and stay clean."""
    from redact.detect.keys import KeyClass, classify_key

    assert classify_key(key) is KeyClass.IP
    for value in ("1::", "1::1", "a::b"):
        assert [f.category for f in redact.scan({key: value})] == ["IP_ADDRESS"], (key, value)
        assert redact.scan({"description": value}) == [] and cats(f"use {value} here") == []
        assert cats(f"std::{value}") == [] and cats(f"x = {value}") == []
        for said in (f"ip: {value}", f"IPv6 address {value}", f"inet6 {value}/64", f"host={value}"):
            assert [c[0] for c in cats(said)] == ["IP_ADDRESS"], said


@pytest.mark.parametrize(
    "before, after",
    [("ip:", ""), ("src:", " up"), ("node.", ""), ("peer ", ": unreachable"), ("a\\n", "\\nb"),
     ("81.2.69.160:", ""), ("/0:", " x"), ("", ":ghp_x"), ("", ":SSN 1")],
)  # fmt: skip
def test_ipv6_next_to_a_colon_or_a_dot_is_found(before, after):
    """An IPv6 address after a name and a colon, a word and a dot, an escaped line break or
    an IPv4 address, or before a colon and a word, is read whole (and a dot before it does
    not make a .pgpass line of its groups); a colon with a hex group on its far side leaves
    the run ambiguous, but for a port (a decimal number and the end of the run) after the
    eighth group."""
    address = "2a00:1450:4001:82b:0:0:7f3:200e"
    value = before + address + after
    assert [c for c in cats(value) if c[2] == address] == [("IP_ADDRESS", "ip-public", address)]
    assert not [c for c in cats(value) if c[0] == "CONNECTION_STRING"]
    assert address not in redact.redact({"v": value}).value["v"]
    assert [c for c in cats("1:" + address) if c[0] == "IP_ADDRESS"] == []
    for ambiguous in (":1a", ":1:2", ":1.5"):
        assert [c for c in cats(address + ambiguous) if c[0] == "IP_ADDRESS"] == [], ambiguous
    assert [c[2] for c in cats(address + ":1") if c[0] == "IP_ADDRESS"] == [address]


def test_ipv6_addresses_joined_by_a_colon_are_read_apart():
    """A run of colon-joined hex groups that is no one address but reads whole as several
    (two full addresses, two compressed ones) is cut into them, each read and classed on
    its own; a fingerprint's two-digit groups and hex words without a digit are not."""
    import ipaddress

    rng = random.Random(9)
    for _ in range(20):
        first, second = (ipaddress.IPv6Address((0x2A00 << 112) | rng.getrandbits(112)).exploded for _ in "ab")
        found = [c for c in cats(f"peers {first}:{second}") if c[0] == "IP_ADDRESS"]
        assert found == [("IP_ADDRESS", "ip-public", first), ("IP_ADDRESS", "ip-public", second)]
    assert [c[1:] for c in cats("2001:db8::1:2001:db8::2")] == [
        ("ip-documentation", "2001:db8::1"),
        ("ip-documentation", "2001:db8::2"),
    ]
    assert [c[1:] for c in cats("fe80::1:fe80::2")] == [
        ("ip-link-local", "fe80::1"),
        ("ip-link-local", "fe80::2"),
    ]
    assert cats("43:51:43:a1:b5:fc:8b:b7:0a:3a:a9:b1:0f:66:73:a8") == []  # an MD5 fingerprint
    assert cats(":".join(["cafe", "babe", "dead", "beef"] * 4)) == []


@pytest.mark.parametrize(
    "before, after",
    [("+44 20 7946 0132", ""), ("core.windows.net", ""), ("sk_live_" + "Fz3K" * 6, ""), ("", "GB82 WEST"),
     ("", "AIza" + "Q7x" * 11 + "Qw"), ("net", "_tail")],
)  # fmt: skip
def test_a_full_ipv6_address_glued_to_a_value_or_a_word_is_masked(before, after):
    """Eight colon-joined groups are an address whatever touches them: glued after digits,
    a word or a token that could take its first group, or before a word, none of it stays
    readable."""
    address = "2a00:1450:4001:82b:0:0:7f3:200e"
    out = redact.redact({"v": before + address + after}).value["v"]
    assert not any(group in out for group in ("1450", "4001", "7f3", "200e")), out


@pytest.mark.parametrize(
    "before, after",
    [
        ("AUTOIP_", "_0"),
        ("a\\n", "\\nb"),
        ("ip:", ""),
        ("peer ", ","),
        ("host-", " up"),
        ("https://x.example.org/db-", ""),
    ],
)
def test_ipv4_after_an_underscore_or_an_escaped_line_break_is_found(before, after):
    """An IPv4 address joined to a word by ``_`` or after an escaped line break is read, and
    after a hyphen following a host's word or a URL's path."""
    value = f"{before}81.2.69.160{after}"
    assert cats(value) == [("IP_ADDRESS", "ip-public", "81.2.69.160")]


def test_ip_policy_acts_per_class():
    """A policy disables one class (ip-private) or allows another (ip-documentation) while
    the other classes stay masked."""
    policy = Policy.model_validate(
        {"detectors": {"disable": ["ip-private"]}, "actions": {"ip-documentation": "allow"}}
    )
    value = "peers 10.1.2.3 81.2.69.160 192.0.2.10"
    result = redact.redact({"v": value}, policy=policy)
    out = result.value["v"]
    assert "10.1.2.3" in out  # not detected
    assert "192.0.2.10" in out  # detected, allowed
    assert "81.2.69.160" not in out
    assert {d.detector: d.action for d in result.decisions} == {
        "ip-public": "mask",
        "ip-documentation": "allow",
    }


@pytest.mark.parametrize(
    "value, key",
    [("8.6.1.6", "cudnn_version"), ("cudnn 8.6.1.6", "value"), ("torch==2.1.0.10", "value"),
     ("v10.20.30.40", "value"), ("1.2.3.4.5", "value"), ("12:30:45", "value"), ("00:1a:2b:3c:4d:5e", "value"),
     ("nccl-2.18.3.1", "value"), ("/usr/local/perl-5.6.78.9", "value"), ("layers-64.64.64.64", "value"),
     ("dims:layers-64.64.64.64", "value")],
)  # fmt: skip
def test_ip_lookalikes(value, key):
    """Version numbers, times and MAC addresses are not addresses of any class; nor is a
    version or a list of sizes after a word and a hyphen (a host's word, an address or a
    URL before the hyphen make a dotted quad there one: ``host-10.0.0.1``)."""
    assert [c for c in cats(value, key=key) if c[0] == "IP_ADDRESS"] == []


# ---------------------------------------------------------------- lineage
def test_lineage_untouched():
    """Commit SHAs, sha256 digests, image digests, UUIDs, run ids and four-part version
    strings pass through redaction unchanged and produce no finding."""
    rng = random.Random(4)
    lineage = {
        "git_commit": "".join(rng.choice("0123456789abcdef") for _ in range(40)),
        "git_short": "".join(rng.choice("0123456789abcdef") for _ in range(8)),
        "dataset_digest": "sha256:" + hashlib.sha256(b"dataset-v3").hexdigest(),
        "image": "registry.example.com/team/train@sha256:" + hashlib.sha256(b"img").hexdigest(),
        "run_id": uuid.UUID(int=rng.getrandbits(128)).hex,
        "run_uuid": str(uuid.UUID(int=rng.getrandbits(128))),
        "cudnn": "8.6.1.6",
        "tensorrt": "8.6.1.6",
        "notes": "built from 3f9c2a1 on cuda 12.1.105 with cudnn 8.9.2.26",
        "env_digest": hashlib.md5(b"env").hexdigest(),
        "ckpt": "s3://bucket/ckpt/step-000123456789/model.safetensors",
    }
    for _ in range(200):
        lineage[f"sha_{_}"] = hashlib.sha1(str(rng.random()).encode()).hexdigest()
        lineage[f"uuid_{_}"] = str(uuid.UUID(int=rng.getrandbits(128)))
        lineage[f"hex32_{_}"] = uuid.UUID(int=rng.getrandbits(128)).hex
    assert redact.scan(lineage) == []
    assert redact.redact(lineage).value == lineage


# ---------------------------------------------------------------- glued values
def _iban(country: str) -> str:
    return str(IBAN.random(country_code=country, random=RNG))


def test_glued_iban_lengths_follow_the_registry():
    """Every catalog pattern that names IBAN countries at their exact length (the glued
    IBAN pattern, the card glued after an IBAN) and every prefilter that does, names every
    country of schwifty's registry at the registry's length, so no registry IBAN glued to
    another value is cut short or read too long."""
    import re
    import string

    from schwifty import registry

    from redact.detect.catalog import load_catalog

    def lengths(text: str) -> dict[str, int]:
        return {
            cc: int(n) + 4
            for ccs, n in re.findall(r"\(\?:([A-Z|]+)\)\\d\{2\}\[A-Z0-9\]\{(\d+)\}", text)
            for cc in ccs.split("|")
        }

    in_registry = {}
    for cc in (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase):
        try:
            in_registry[cc] = registry.get_iban_spec(cc).iban_length
        except Exception:
            continue
    carriers = []
    for spec in load_catalog():
        gates = spec.pattern_prefilters or [None] * len(spec.patterns)
        for pattern, gate in zip(spec.patterns, gates, strict=True):
            for text in (pattern, gate or ""):
                found = lengths(text)
                if found:
                    carriers.append(spec.id)
                    assert found == in_registry, spec.id
    # the glued IBAN (pattern and prefilter) and the card glued after an IBAN
    assert carriers.count("iban") == 2 and carriers.count("credit-card") == 1


@pytest.mark.parametrize("country", ["DE", "GB", "FR", "NL", "LY", "RU", "EG", "BR"])
def test_iban_glued_to_a_token_or_after_a_card(country):
    """An IBAN of any length glued to a provider token, or after a card number, is found
    with its exact span; glued to letters that are no finding it is not."""
    iban = _iban(country)
    card = luhn_number("4", 16)
    token = "AKIAC2ZC2VXJLE7AXORH"
    assert ("IBAN_CODE", "iban", iban) in cats(iban + token)
    assert ("IBAN_CODE", "iban", iban) in cats(card + iban)
    assert ("CREDIT_CARD", "credit-card", card) in cats(card + iban)
    assert [c for c in cats(iban + "abcdef") if c[0] == "IBAN_CODE"] == []


def test_glued_findings_on_either_side():
    """``finding_ends_at`` / ``finding_starts_at`` recognise a card (two glued cards, a
    card glued after an IBAN), an SSN, an IBAN, an e-mail address, a URI with credentials
    and fixed-shape tokens, and nothing in words, hex digests or Luhn-invalid digits."""
    from redact.detect.pii import finding_ends_at, finding_starts_at

    card, iban = luhn_number("51", 16), _iban("DE")
    for left in (card, "536-90-4410", iban, "ann.fake@example.com", "AKIAC2ZC2VXJLE7AXORH",
                 "postgresql://svc:Fk9fake77@db.internal:5432/runs", card + card, iban + card,
                 iban + card + card):  # fmt: skip
        assert finding_ends_at(left + "xyz", len(left)), left[:4]
    for right in (card, "536-90-4410", iban, "ann.fake@example.com", "AKIAC2ZC2VXJLE7AXORH", card + card,
                  "xoxb-072481465726-7947640719949-y28nY2NdFoVXFAKES2f0NiaP"):  # fmt: skip
        assert finding_starts_at("xyz" + right, 3), right[:4]
    bad = card[:-1] + str((int(card[-1]) + 1) % 10)  # Luhn fails
    for text in ("run", hashlib.sha256(b"x").hexdigest(), "ORD-", "v1.2", bad, card + bad, iban + bad):
        assert not finding_ends_at(text + "x", len(text)), text[:4]
    for text in ("abcdef0123", "X", bad, "536-90-44107"):
        assert not finding_starts_at("x" + text, 1), text[:4]


def test_card_glued_after_an_iban_of_every_registry_country():
    """A card glued right after a compact IBAN of any registry country (its length fixed by
    the registry, letters at its end included) is found with its exact span, and so is the
    IBAN; after a Luhn-invalid card or a bad IBAN nothing card-like is read."""
    import string

    from schwifty import registry

    card = luhn_number("4", 16)
    countries = []
    for cc in (a + b for a in string.ascii_uppercase for b in string.ascii_uppercase):
        try:
            registry.get_iban_spec(cc)
        except Exception:
            continue
        try:
            iban = _iban(cc)
        except ValueError:  # (schwifty's own generator fails for some countries in some releases)
            continue
        countries.append(cc)
        assert cats(iban + card) == [("IBAN_CODE", "iban", iban), ("CREDIT_CARD", "credit-card", card)], cc
    assert len(countries) > 100
    iban = _iban("DE")
    bad_iban = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
    assert [c for c in cats(bad_iban + card) if c[0] == "CREDIT_CARD"] == []
    assert [c for c in cats(iban + card[:-1] + str((int(card[-1]) + 1) % 10)) if c[0] == "CREDIT_CARD"] == []


@pytest.mark.parametrize(
    ("first", "second"),
    [(("4", 16), ("51", 16)), (("34", 15), ("6011", 16)), (("4", 13), ("4", 13)),
     (("62", 19), ("6011", 19)), (("36", 14), ("2221", 16))],
)  # fmt: skip
def test_two_glued_cards_are_one_finding(first, second):
    """Two cards of any networks glued into one run of 26-38 digits are one CREDIT_CARD
    finding over the whole run, masked but for its last four digits; the same run
    with a separator is two findings; glued after a word or inside a decimal it is none."""
    a, b = luhn_number(*first), luhn_number(*second)
    run = a + b
    assert cats(f"cards: {run}") == [("CREDIT_CARD", "credit-card", run)]
    assert redact.redact({"v": run}).value["v"] == "*" * (len(run) - 4) + run[-4:]
    assert cats(f"{a} {b}") == [("CREDIT_CARD", "credit-card", a), ("CREDIT_CARD", "credit-card", b)]
    assert cats(f"id{run}") == [] and cats(f"0.{run}") == []


def test_long_digit_runs_are_rarely_read_as_two_cards():
    """A random 32-digit number splits into two cards (IIN range, length and Luhn each)
    about 0.2% of the time; 128-bit integers (``uuid.int``: mostly 38-39 digits) far less,
    and under a lineage key never: lineage keys silence personal-data detectors."""
    rng = random.Random(20261130)
    numbers = ["".join(rng.choice("0123456789") for _ in range(32)) for _ in range(3000)]
    flagged = sum(1 for n in numbers if cats(f"total {n}"))
    assert flagged / len(numbers) < 0.01
    ints = [str(uuid.UUID(int=rng.getrandbits(128)).int) for _ in range(3000)]
    assert sum(1 for n in ints if cats(n)) / len(ints) < 0.002
    for key in ("run_id", "dataset_fingerprint", "trace_id"):
        assert [n for n in ints[:500] if cats(n, key=key)] == [], key


@pytest.mark.parametrize(
    "value",
    ["ann.fake@example.comjoe.x@example.org", "ann@example.comjoe@corp.example.co.uk",
     "a_b@example.orgz@example.com", "ann@example.com@example.org"],
)  # fmt: skip
def test_two_glued_addresses_are_one_finding(value):
    """Two addresses glued (the first domain runs into the second local part) are one
    EMAIL finding up to the second domain; the mask hides everything before the last
    ``@`` and keeps that domain, and masking again changes nothing."""
    assert cats(f"to: {value}, cc: ops") == [("EMAIL_ADDRESS", "email-address", value)]
    out = redact.redact({"v": value}).value["v"]
    assert out == "****@" + value.rsplit("@", 1)[1]
    assert redact.redact({"v": out}).value["v"] == out


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ("ann.fake@example.com@536-90-4410", ["ann.fake@example.com", "536-90-4410"]),
        ("git@github.com:example-org/repo.git", []),
        ("ann@example.comgit@github.com:org/repo.git", ["ann@example.comgit"]),
        ("https://ann@example.comjoe@example.org/x", []),
        ("registry.example.com/team/train@sha256:0f3c2a", []),
        ("ann@example.com@train@sha256:0f3c2a", ["ann@example.com"]),
        ("torch@2.1.0@mirror", []),
        ("ssh://git@gitlab.example.com/group/repo", []),
    ],
)
def test_glued_addresses_keep_remotes_digests_and_pins(value, found):
    """Two ``@`` in one word are two glued addresses only when a domain with a top-level
    domain follows the last; a git remote or host:port after it, a URI's user part, an
    image digest, a package pin or an SSN after ``@`` read as before."""
    assert [c[2] for c in cats(value)] == found


@pytest.mark.parametrize(
    "value",
    [
        "0.4111111111111111",
        "lr=0.4111111111111111",
        "1700000000123",
        "ORD-4111111111111111X",
        "run4111111111111111",
        "/mlruns/4111111111111111/artifacts",
        "dbfs:/databricks/mlflow-tracking/4111111111111111/0a1b2c/artifacts",
        "v1.4111111111111111",
        "4111111111111111e-5",
    ],
)
def test_glue_keeps_ids_decimals_and_paths_clean(value):
    """Decimal fractions, ids with a letter suffix, digits glued to a word and numeric ids
    in paths are not cards, however the glue rules read them."""
    assert [c for c in cats(value) if c[0] == "CREDIT_CARD"] == []


def test_lineage_values_stay_clean_with_glue():
    """Git SHAs, sha256 digests, run ids, UUIDs and docker digests whose digit runs pass
    Luhn and an IIN range are never reported, wherever a digit run sits in them."""
    found = []
    for _ in range(400):
        sha = hashlib.sha1(str(RNG.random()).encode()).hexdigest()
        digit_run = luhn_number("4", 16)
        pos = RNG.randint(0, 24)
        for value in (
            sha[:pos] + digit_run + sha[pos + 16 :],
            "sha256:"
            + hashlib.sha256(str(RNG.random()).encode()).hexdigest()[:40]
            + digit_run
            + "abcdef0123ab",
            uuid.UUID(int=RNG.getrandbits(128)).hex[:8] + digit_run + "ab0c1d2e",
        ):
            found += [c for c in cats(value, key="git_commit") + cats(value) if c[0] != "PHONE_NUMBER"]
    assert found == []


@pytest.mark.parametrize(
    "value",
    [
        "x = 4111111111111111*uk_45 + 17*uk_4",
        "ref = 4111111111111111/36288000000000000",
        "S(4111111111111111)/(10**12)",
        "rng = np.random.default_rng(4111111111111111)",
        "torch.manual_seed(4111111111111111)",
        "rs = np.random.RandomState(4111111111111111)",
        "cfg.randomSeed: 4111111111111111",
        "DATA_SEED=4111111111111111",
        "Rational(4111111111111111, 390625)",
        "(1, 4111111111111111, -53, 53)",
        "    4111111111111111, 308115465002673650])",
    ],
)
def test_numbers_in_arithmetic_seeds_and_lists_are_not_cards(value):
    """A number that is an operand of arithmetic, a random seed or one entry of a bracketed
    list of numbers is not a card."""
    assert [c for c in cats(value) if c[0] == "CREDIT_CARD"] == []


@pytest.mark.parametrize(
    "value",
    [
        "card 4111111111111111",
        "txn_id,card,amount\n381,4111111111111111,32.00",
        "cards [4111111111111111, 5555555555554444]",
        "card (4111111111111111)",
        "**4111111111111111**",
        "acct.4111111111111111",
    ],
)
def test_cards_in_text_tables_and_markup_stay_found(value):
    """CSV rows, a list of card numbers, one number in brackets, Markdown bold and a card
    after a word and a dot are still cards."""
    assert [c for c in cats(value) if c[0] == "CREDIT_CARD"] != []


@pytest.mark.parametrize(
    "value",
    [
        "ops.lead@zqrngrf.com:4111111111111111",
        "ops.lead@seedbank.example=4111111111111111",
        "brngx: 4111111111111111",
        "overseeding(4111111111111111)",
    ],
)
def test_seed_words_inside_other_words_do_not_hide_cards(value):
    """Only a whole word of the name before a number makes it a seed (``data_seed``,
    ``randomSeed``, ``default_rng``); the same letters inside a host or another word do
    not (``zqrngrf.com``, ``overseeding``)."""
    assert [c for c in cats(value) if c[0] == "CREDIT_CARD"] != []


@pytest.mark.parametrize(
    "value, category",
    [
        ("4111\u00a01111\u00a01111\u00a01111", "CREDIT_CARD"),
        ("4111\u20091111\u20091111\u20091111", "CREDIT_CARD"),
        ("IBAN DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000", "IBAN_CODE"),
        ("Tel.\u00a0+49\u202f30\u202f901820", "PHONE_NUMBER"),
        ("SSN 536\u00a090\u00a04410", "US_SSN"),
        ("db_password\u00a0=\u00a0Zq8mK2pLx9!", "SECRET"),
    ],
)
def test_unicode_spaces_separate_like_a_space(value, category):
    """No-break, thin and narrow no-break spaces (text copied from documents) group
    numbers and surround ``=`` as a space does; the mask keeps them where they were."""
    assert category in [c[0] for c in cats(value)]
    out = redact.redact({"value": value}).value["value"]
    assert [ch for ch in out if not ch.isascii()] == [ch for ch in value if not ch.isascii()]
    assert out != value


@pytest.mark.parametrize(
    "value, category",
    [
        ("SSN 536\u201390\u20134410", "US_SSN"),  # en dashes
        ("Tel. +1\u2011415\u2011555\u20110132", "PHONE_NUMBER"),  # non-breaking hyphens
        ("4111\u20101111\u20101111\u20101111", "CREDIT_CARD"),  # hyphens
        ("".join(chr(ord(d) + 0xFEE0) for d in "4111111111111111"), "CREDIT_CARD"),  # fullwidth
        (
            "IBAN \uff24\uff25\uff18\uff19\uff13\uff17\uff10\uff14\uff10\uff10\uff14\uff14\uff10\uff15\uff13\uff12\uff10\uff11\uff13\uff10\uff10\uff10",
            "IBAN_CODE",
        ),
        (
            "\uff4a\uff41\uff4e\uff45\uff20\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d",
            "EMAIL_ADDRESS",
        ),
        ("db_password\uff1dZq8mK2pLx9!", "SECRET"),  # a fullwidth equals sign
    ],
)
def test_unicode_dashes_and_fullwidth_forms_read_as_ascii(value, category):
    """Hyphens, en dashes and the minus sign separate as ``-`` does, and the fullwidth
    forms East Asian input methods type read as ASCII; every offset stays, so the finding
    spans the whole value written with them and the mask keeps the text around it."""
    whole = value.split(" ")[-1].split("\uff1d")[-1]  # the value after its label
    found = [value[f.start : f.end] for f in redact.scan({"value": value}) if f.category == category]
    assert whole in found
    out = redact.redact({"value": value}).value["value"]
    assert whole not in out and out[: len(value) - len(whole)] == value[: len(value) - len(whole)]


def test_the_em_dash_of_prose_is_not_a_separator():
    """An em dash joins clauses, not digit groups: numbers around it are not one SSN."""
    assert "US_SSN" not in [c[0] for c in cats("rows 536\u201490\u20144410")]


@pytest.mark.parametrize(
    "value",
    ["4111-1111-1111-1111-123", "4111 1111 1111 1111 12", "4111-1111-1111-1111-12"],
)
def test_a_grouped_card_followed_by_a_short_group_is_a_card(value):
    """A 4-4-4-4 card followed by a short group with the same separator (a security code,
    a count) is read as the card where the longer reading fails its checks."""
    out = redact.redact({"value": value}).value["value"]
    assert "4111" not in out[:15] and out.endswith(value[19:])


def test_seed_keys_are_not_cards():
    """A large integer under a seed key (``seed``, ``data_seed``, ``random_state``) is a
    seed, under another key a card."""
    assert cats("4111111111111111", key="data_seed") == []
    assert cats("4111111111111111", key="random_state") == []
    assert cats("4111111111111111", key="payment") != []


def test_a_name_in_text_silences_a_card_as_the_same_dict_key_does():
    """``workspace_id=<16 digits>`` in a log line is the id ``{"workspace_id": ...}`` is
    (one key grammar for keys in text and in mappings): Databricks numbers workspaces with
    16 digits, one in ten of them Luhn-valid; a card's own name keeps the card."""
    number = "4532015112830366"  # (Luhn-valid, a Visa IIN)
    for key in ("workspace_id", "workspaceId", "seed", "thread_id", "global_step"):
        assert cats(number, key=key) == [], key
        for line in (f"{key}={number}", f'"{key}": "{number}"', f"run started {key}: {number}"):
            assert cats(line) == [], line
    for line in (f"card={number}", f"payment_id: {number}", f"charged {number}"):
        assert [c[0] for c in cats(line)] == ["CREDIT_CARD"], line


@pytest.mark.parametrize("name", ["checksum", "commit", "dataset_fingerprint", "etag"])
def test_a_lineage_name_in_text_silences_personal_data_shapes_as_its_dict_key_does(name):
    """Under a lineage key only distinctive detectors run; after the same name and ``=``
    or ``:`` in a log line too (``checksum=<16 digits>`` is the checksum it says, as
    ``{"checksum": ...}`` and its JSON text are), while a credential with a structure of
    its own is still found there."""
    number = "4532015112830366"
    assert cats(number, key=name) == []
    for line in (f"{name}={number}", f"{name}: {number}", f'{{"{name}": "{number}"}}'):
        assert cats(line) == [], line
    secret = "Xk9pQ2zLm4Tr"
    found = cats(f"{name}=postgresql://svc:{secret}@db.internal/x")
    assert [c[2] for c in found] == [secret]


def test_prefixed_token_shapes_match_their_detectors_examples():
    """Each token shape the glue checks know (where a token ends or starts next to another
    value) reads its detector's documented positive examples whole."""
    import re as _re

    from redact.detect import pii
    from redact.detect.catalog import load_catalog

    examples = [
        ex.match or ex.value
        for spec in load_catalog()
        if spec.category == "SECRET"
        for ex in spec.examples.positive
    ]
    for _edge, shape in pii._PREFIXED_TOKENS:
        pattern = _re.compile(shape)
        assert any(pattern.fullmatch(x) for x in examples), shape


def test_a_magnetic_stripes_track_data_holds_its_card_number() -> None:
    """Track 1 (ISO/IEC 7813: ``%B``, the number, ``^``, the holder's name, ``^``, the
    expiry date) and track 2 (``;``, the number, ``=``) as a card reader hands them over:
    the number is a card; a card number raised to a power is still an operand."""
    number = "4539578763621486"  # Luhn-valid, Visa's range, generated
    for track in (f"%B{number}^DOE/JOHN Q^2512101000000000000000000?", f";{number}=25121010000000000000?"):
        found = [(f.category, track[f.start : f.end]) for f in redact.scan({"swipe": track})]
        assert ("CREDIT_CARD", number) in found, track
    assert redact.scan({"expr": f"x = {number}^2"}) == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("电话：138 0013 8000", "138 0013 8000"),  # a Chinese mobile, no trunk 0
        ("手机号码: 13800138000", "13800138000"),
        ("電話番号：090-1234-5678", "090-1234-5678"),  # Japan, trunk 0
        ("전화번호: 010-1234-5678", "010-1234-5678"),  # Korea
        ("هاتف: 0501234567", "0501234567"),  # Saudi Arabia
        ("फ़ोन: 98765 43210", "98765 43210"),  # an Indian mobile, no trunk 0
        ("tél : 06 12 34 56 78", "06 12 34 56 78"),  # French, the abbreviation with its accent
    ],
)
def test_a_national_number_after_the_word_for_phone_in_another_script(text: str, number: str) -> None:
    """The word for a phone or a mobile in Chinese, Japanese, Korean, Arabic, Hindi or
    French says a national number after it is one, as "phone" does; a mobile number of a
    common region written without a trunk prefix (China's, India's) is one too."""
    assert [(f.category, text[f.start : f.end]) for f in redact.scan({"contact": text})] == [
        ("PHONE_NUMBER", number)
    ]
    assert redact.scan({"contact": text.split(number)[0] + "2024 0115 1730"}) == []  # (no region's number)
