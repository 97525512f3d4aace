"""Mask the union: overlapping and adjacent findings leave nothing readable, and
redacting redacted output changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import string

import pytest

import redact
from redact.actions.keyring import generate_key

AKIA = "AKIAC2ZC2VXJLE7AXORH"
AWS_SECRET = "ol/3y5doLLT1PTpijwY0nGQs7zkPq/jri0gw3TMN"
JWT = (
    "eyJhbGciOiAiSFMyNTYiLCAidHlwIjogIkpXVCJ9.eyJzdWIiOiAiZmFrZS11c2VyIiwgImlhdCI6IDE3MDAwMDAwMDB9"
    ".zRWrwgCJIbuVsyWPbs2UFlpPQgBNZuinhlN5SgW6nAX"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAfakeFAKEfake0123456789abcdefghijklmnopqrstuvwxyzABCD\n"
    "-----END RSA PRIVATE KEY-----"
)


def _fake(n: int = 12, seed: int = 0) -> str:
    r = random.Random(seed)
    return "Fk" + "".join(r.choice(string.ascii_letters + string.digits) for _ in range(n))


def _redacted(value: str) -> str:
    return redact.redact({"v": value}).value["v"]


def test_uri_with_aws_key_pair_masks_both_parts():
    """``s3://AKIA...:<secret>@bucket``: the key id and the secret are both masked."""
    out = _redacted(f"s3://{AKIA}:{AWS_SECRET}@bucket/data")
    assert AKIA not in out and AWS_SECRET not in out
    assert out.endswith("@bucket/data")


def test_uri_password_and_query_password():
    """``postgresql://svc:PW@db/x?sslpassword=K`` masks PW and K."""
    pw, k = _fake(seed=1), _fake(seed=2)
    out = _redacted(f"postgresql://svc:{pw}@db/x?sslpassword={k}")
    assert pw not in out and k not in out
    assert out.startswith("postgresql://svc:") and "@db/x" in out


@pytest.mark.parametrize("sep", [";", "|", "&", " ", "\n", ", "])
def test_several_dsns_in_one_value(sep):
    """DSNs joined by ``;``, ``|``, ``&``, a space or a newline each lose their password."""
    pws = [_fake(seed=10 + i) for i in range(3)]
    value = sep.join(f"postgresql://u{i}:{pw}@h{i}.internal/db" for i, pw in enumerate(pws))
    out = _redacted(value)
    for pw in pws:
        assert pw not in out


def test_pem_followed_by_token():
    """A PEM block followed by ``token=eyJ...`` masks both."""
    out = _redacted(PEM + "\ntoken=" + JWT)
    assert "MIIEow" not in out and JWT[:20] not in out and JWT[-12:] not in out
    assert "\ntoken=" in out


def test_report_keeps_one_finding_per_span():
    """Reporting still resolves overlaps to one finding per claim."""
    findings = redact.scan(
        {"remote": f"https://user:{'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'}@github.com/o/r"}
    )
    assert [f.detector for f in findings] == ["github-classic-token"]


def test_adjacent_canary_pairs_leak_nothing():
    """Pairs of generated canaries written next to each other (separated by a space, ``;``,
    ``,``, ``/``, ``|`` or a newline) leave no canary readable after redaction."""
    r = random.Random(7)
    b62 = string.ascii_letters + string.digits

    def canaries() -> list[str]:
        return [
            "AKIA" + "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(16)),
            "ghp_" + "".join(r.choice(b62) for _ in range(36)),
            f"postgresql://svc:{_fake(seed=r.randrange(10**6))}@db.internal/x",
            f"{r.choice(['ann', 'bob'])}.{r.randrange(10**4)}@example.com",
            "password=" + _fake(seed=r.randrange(10**6)),
        ]

    leaks = []
    for _ in range(60):
        cs = canaries()
        a, b = r.sample(cs, 2)
        for sep in (" ", ";", ",", "/", "|", "\n"):
            value = a + sep + b
            out = _redacted(value)
            for c in (a, b):
                core = c.split("=", 1)[-1] if c.startswith("password=") else c
                if "://" in core:
                    core = core.split(":")[2].split("@")[0]
                if core in out:
                    leaks.append((sep, c[:4]))
    assert leaks == []


@pytest.mark.parametrize(
    "joiner", ["|", " | ", "\\n", "\\t", " "]
)  # fmt: skip
def test_assignments_joined_into_a_list_leave_each_value_readable_by_none(joiner: str) -> None:
    """``NAME=value`` items joined by a bar, an escaped line break or tab or a blank (a
    list a program prints, a repr of an env file): each value ends where the next item
    starts, whatever its form (a bar is no union type before an environment variable's
    name; a generated password's brackets are read within the line), and what follows an
    escaped line break is the next item, not the value's (a commit SHA stays)."""
    first, second = _fake(20, seed=1), "hcMNW{yTLvJ[7rGp"
    sha = "0d5f4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3"
    value = f"WEBHOOK_HMAC={first}{joiner}DB_PASSWORD={second}{joiner}GIT_SHA={sha}"
    out = _redacted(value)
    assert first not in out and second not in out
    assert f"GIT_SHA={sha}" in out


@pytest.mark.parametrize(
    "template",
    ["https://api.example.com/v1?q=oslo&key={a}&{b}", "https://example.com/cb#key={a}\\nTOKEN={b}",
     "https://example.com/cb?access_token={a}|{b}", "PHPSESSID={a}|https://x.example.com/{b}",
     "密码是{a};https://x.example.com/{b}", "https://mm.example.com/hooks/{a}|{b}",
     "x\\npostgres:5432:app:svc:{a}\\nTOKEN={b}", "DB=prod|db.example.com:5432:analytics:svc:{a}|TOKEN={b}",
     "name,value\\ndb_password,{a}\\napi_token,{b}", "WEBHOOK_HMAC={a}|{b}", "WEBHOOK_HMAC={a}&{b}",
     "ann.fake@example.com|svc:{a}@tcp(db.example.com:3306)/x?t={b}", "password:{a}|TOKEN={b}",
     "DBパスワード：{a}|EVENTHUB_KEY={b}", "x;encrypt=true\tPHPSESSID={a}\tTOKEN={b}",
     "password:{a}|deploy:{b}", "DBパスワード：{a}\\nhttps://x.example.com/{b}"],
)  # fmt: skip
def test_a_value_ends_where_its_syntax_or_the_next_item_says(template: str) -> None:
    """A URL's query or fragment parameter ends at ``&``, ``|`` or ``#``; an unquoted value
    at a ``&`` or ``|`` that starts a URL, a provider's prefixed token or the next ``name=``
    (glued to its name by ``:`` too, and then also at an escaped line break and at a ``|``
    before the next ``name:``); the word before a name is no qualifier of it when it
    is the value of the pair before (``encrypt=true PHPSESSID=``); a webhook's token
    at ``|``; a Go MySQL DSN starts after a list's joiner; a credential told in a sentence
    at a ``;`` right after it; ``.pgpass`` lines and CSV rows start after an escaped line
    break or a list's joiner: the token after each is masked too, with nothing of either
    left readable."""
    rng = random.Random(5)
    a, b = _fake(22, seed=3), "sqp_" + "".join(rng.choice("0123456789abcdef") for _ in range(40))
    value = template.format(a=a, b=b)
    out = _redacted(value)
    assert a not in out and b[4:] not in out, out


@pytest.mark.parametrize(
    "value",
    [
        f"s3://{AKIA}:{AWS_SECRET}@bucket",
        "postgresql://svc:Fk9fake77@db/x?sslpassword=Fk8fake66",
        PEM + "\ntoken=" + JWT,
        "db_password=Tr0ub4dor#3 host=db api_key: k3y-Fa4e9d2c1b",
        "mail alice.fake@example.com card 4111 1111 1111 1111",
        '{"db_url": "postgresql://svc:Fk9fake77@db/x", "db_url": "x"}',
        "relay ops@[192.0.2.10] accepted",
        "export LINODE_TOKEN=397c19fed2b0387319872276dec75e08d81fa06275bea2ad881f02d66e8cab87;1.2.3.4.5",
        'Authorization: Digest username="svc", realm="api", response="6629fae49393a05397450978507c4ef1"\\nconv1x1',
        "db_password:\n  desc: null\n  value: Xk9pLm2Qa77wQ\n",
        'Authorization: Hawk id="dh37", ts="1353832234", mac="6R4rV5iE+NPoym+Wwje="; pat=Fk8fake66|Password is: Fk9fake77x',
    ],
)
def test_apply_is_idempotent(value):
    """Redacting redacted output changes nothing and reports nothing new."""
    once = redact.redact({"v": value})
    twice = redact.redact(once.value)
    assert twice.value == once.value
    assert [d for d in twice.decisions if d.action != "allow"] == []


def test_tokenized_and_encrypted_outputs_are_not_redetected():
    """``tok:...``/``enc:v1:...`` inside a URI do not make the rest look like a credential."""
    for out in (
        "s3://[REDACTED:aws-access-key-id]:****@bucket",
        "postgresql://svc:tok:SECRET:0123456789abcdef@db/x",
    ):
        assert redact.scan({"v": out}) == []


def test_duplicate_keys_in_embedded_json_are_all_scanned():
    """A duplicate key in embedded JSON does not hide the first value."""
    text = '{"db_url": "postgresql://svc:Fk9fake77@db/x", "db_url": "x"}'
    out = redact.redact({"cfg": text})
    assert "Fk9fake77" not in out.value["cfg"]
    assert [d.category for d in out.decisions] == ["CONNECTION_STRING"]
    assert json.loads(out.value["cfg"].replace('"db_url": "x"', '"other": "x"'))


@pytest.mark.parametrize(
    "value",
    [
        "AKIAC2ZC2VXJLE7AXORH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",
        "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password=FkPtCEATBpBgvz",
        "ann.fake@example.compassword=FkPtCEATBpBgvz",
        "ann.fake@example.comAKIAC2ZC2VXJLE7AXORH",
        "AKIAC2ZC2VXJLE7AXORHpassword=FkPtCEATBpBgvz",
        "4111111111111111password=FkPtCEATBpBgvz",
        "52.94.236.248password=FkPtCEATBpBgvz",
    ],
)
def test_glued_provider_tokens_and_assignments(value):
    """Provider tokens with a distinctive prefix and credential assignments glued to the
    previous or next token without a separator are still masked; a credential's name
    glued after a number (a card, an address) is read from its first letter, as after a
    blank, while after an identifier's digits (``v2token``) the name is the identifier."""
    out = _redacted(value)
    for part in ("AKIAC2ZC2VXJLE7AXORH", "8aspm4G7VmSUfOoD6V1vrORcmn0iSH2JWh3d", "FkPtCEATBpBgvz",
                 "41111111111", "52.94.236.248"):  # fmt: skip
        assert part not in out
    assert redact.scan({"v": "v2token=FkPtCEATBpBgvz"}) == []


def _glue_canaries(r: random.Random) -> list[tuple[str, str]]:
    """(value, the part that must not be readable) of tokens whose alphabet holds ``-``,
    ``_``, ``.`` or ``+``, written in their providers' documented formats, and PII."""
    b62 = string.ascii_letters + string.digits

    def s(alphabet: str, n: int) -> str:
        return "".join(r.choice(alphabet) for _ in range(n))

    sg = f"SG.{s(b62 + '-_', 22)}.{s(b62 + '-_', 43)}"
    ant = f"sk-ant-api03-{s(b62 + '-_', 93)}AA"
    hf = "hf_" + s(string.ascii_letters, 34)
    gl = "glpat-" + s(b62 + "-_", 20)
    npm = "npm_" + s(b62, 36)
    stripe = "sk_live_" + s(b62, 24)
    mail = f"{s(string.ascii_lowercase, 7)}.{s(string.ascii_lowercase, 5)}@example.org"
    pw = "Fk" + s(b62, 12)
    uri = f"mysql://app:{pw}@db.internal:3306/prod"
    slack = f"xoxb-{s(string.digits, 12)}-{s(string.digits, 13)}-{s(b62, 24)}"
    return [
        (slack, slack[31:]),
        (sg, sg[3:]), (ant, ant[13:]), (hf, hf[3:]), (gl, gl[6:]), (npm, npm[4:]),
        (stripe, stripe[8:]), (mail, mail.split("@")[0]), (uri, pw),
    ]  # fmt: skip


@pytest.mark.parametrize("glue", ["-", "_", ".", "+"])
def test_tokens_glued_by_a_character_of_their_alphabet(glue: str) -> None:
    """Two values joined by ``- _ . +``, which a token's alphabet or a local part also
    holds: the provider's prefix and documented length say where a token starts and ends,
    and nothing of either value stays readable (8-character pieces)."""
    r = random.Random(11)
    leaks = []
    for _ in range(80):
        (a, sa), (b, sb) = r.sample(_glue_canaries(r), 2)
        out = _redacted(a + glue + b)
        for part in (sa, sb):
            if any(part[i : i + 8] in out for i in range(len(part) - 7)):
                leaks.append((a[:6], glue, b[:6]))
    assert leaks == []


@pytest.mark.parametrize(
    "before, value, masked",
    [
        ("note\\n", "jane.doe@example.org", "****@example.org"),
        ("cfg\\t", "4111111111111111", "************1111"),
        ("state%3D", "ghp_" + "8aspm4G7VmSUfOoD6V1vrORcmn0iSH2JWh3d", "[REDACTED:github-classic-token]"),
        ("list%20", "4111111111111111", "************1111"),
        ("x%0A", "DE89370400440532013000", "******************3000"),
        ("line\\r\\n", "password=Zq7xWp2KvN9r", "password=[REDACTED:secret-assignment]"),
    ],
)
def test_value_right_after_an_escape(before: str, value: str, masked: str) -> None:
    """An escaped line break or tab, or a percent-escape, right before a value is the
    separator it stands for: the value is found and the escape is kept as it was."""
    assert redact.redact({"notes": before + value}).value["notes"] == before + masked


@pytest.mark.parametrize(
    "before, value, masked",
    [
        ("load 100%", "AKIAC2ZC2VXJLE7AXORH", "[REDACTED:aws-access-key-id]"),
        ("ghp_x%", "DE89370400440532013000", "******************3000"),
        ("sk%", "425-42-9197", "***-**-9197"),  # (%42 would be "B": letters are never escaped)
        ("ratio 95%", "4111111111111111", "************1111"),
    ],
)
def test_value_right_after_a_percent_sign_that_escapes_nothing(before: str, value: str, masked: str) -> None:
    """A ``%`` before a value is a character of the text unless it opens an escape a URL
    encoder writes (RFC 3986 leaves letters and digits unescaped, so ``%AK``, ``%DE`` and
    ``%42`` open none): the value right after it is read."""
    assert redact.redact({"notes": before + value}).value["notes"] == before + masked


def test_a_value_is_never_read_from_inside_a_percent_escape() -> None:
    """``%20`` and ``%3D`` are a space and ``=``: a value starting at their digits is
    never read (``%204111...`` holds the card after the escape, not ``204111...``)."""
    card = "4111111111111111"
    assert redact.redact({"q": f"q=%20{card}"}).value["q"] == "q=%20************1111"
    assert redact.scan({"q": "id%3D4111%20x"}) == []


@pytest.mark.parametrize(
    "value, masked",
    [
        (
            "next=https%3A%2F%2Fy%2Fz%3Fapi_key%3DZq7xWp2KvN9rT",
            "next=https%3A%2F%2Fy%2Fz%3Fapi_key%3D[REDACTED:secret-assignment]",
        ),
        ("dsn=postgresql%3A%2F%2Fsvc%3AZq7xWp2KvN9rT%40db.internal%2Fx", "dsn=[REDACTED:secret-assignment]"),
        ("next=%2Fcb%3Fdb%3Dpostgresql%253A", "next=%2Fcb%3Fdb%3Dpostgresql%253A"),
        ("owner=jane.doe%40example.org&x=1", "owner=[REDACTED:email-address]&x=1"),
        ("progress 100% done, 50%", "progress 100% done, 50%"),
    ],
)
def test_url_encoded_values_are_read_decoded(value: str, masked: str) -> None:
    """A value holding percent-escapes of separators is also read URL-decoded; the hits
    are mapped back onto the encoded text, whose escapes outside them stay as they were."""
    assert redact.redact({"url": value}).value["url"] == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        (
            "{&quot;password&quot;: &quot;Zq7xWp2KvN9rT&quot;}",
            "{&quot;password&quot;: &quot;[REDACTED:secret-assignment]&quot;}",
        ),
        (
            "&lt;password&gt;Zq7xWp2KvN9rT&lt;/password&gt;",
            "&lt;password&gt;[REDACTED:secret-assignment]&lt;/password&gt;",
        ),
        ("&#x70;assword=Zq7xWp2KvN9rT", "&#x70;assword=[REDACTED:secret-assignment]"),
        ("owner=jane.doe&#64;example.org", "owner=[REDACTED:email-address]"),
        ("R&amp;D &lt;team&gt; &#169; 2025", "R&amp;D &lt;team&gt; &#169; 2025"),
    ],
)
def test_html_escaped_values_are_read_decoded(value: str, masked: str) -> None:
    """A value holding HTML or XML character references of ASCII characters (JSON or a
    config shown in an HTML report) is also read decoded; the hits are mapped back onto
    the escaped text, whose references outside them stay as they were."""
    assert redact.redact({"report": value}).value["report"] == masked


@pytest.mark.parametrize(
    "value, masked",
    [
        (
            r"{\u0022password\u0022: \u0022Zq7xWp2KvN9rT\u0022}",
            r"{\u0022password\u0022: \u0022[REDACTED:secret-assignment]\u0022}",
        ),
        (
            r"var cfg = '{\x22api_token\x22:\x22Zq7xWp2KvN9rT\x22}';",
            r"var cfg = '{\x22api_token\x22:\x22[REDACTED:secret-assignment]\x22}';",
        ),
        (r"owner=jane.doe\u0040example.org", "owner=[REDACTED:email-address]"),
        (r"C:\x64ata\tokens\run.txt", r"C:\x64ata\tokens\run.txt"),
    ],
)
def test_string_escaped_values_are_read_decoded(value: str, masked: str) -> None:
    """A value holding JSON's or JavaScript's string escapes of ASCII characters (a
    document inside a page's script, a string that is not a JSON document itself) is also
    read decoded; the hits are mapped back onto the escaped text."""
    assert redact.redact({"page": value}).value["page"] == masked


@pytest.mark.parametrize("levels", [2, 3, 4])
def test_json_escaped_several_times_is_read_undone(levels: int) -> None:
    """A JSON document in a string of a JSON log line, escaped again (three backslashes
    before each quote of ``"password":``): each level of escaping is also read undone (up to three more than the one the
    escape-aware patterns read), and the hit is mapped back onto the escaped text."""
    text = json.dumps({"password": "Zq7xWp2KvN9rT"})
    for _ in range(levels):
        text = json.dumps(text)
    out = redact.redact({"log": "event=" + text}).value["log"]
    assert "Zq7xWp2KvN9rT" not in out
    assert out == "event=" + text.replace("Zq7xWp2KvN9rT", "[REDACTED:secret-assignment]")


@pytest.mark.parametrize("joiner", ["", "_", "-"])
def test_tokens_glued_to_tokens_leave_no_signature_readable(joiner):
    """JWTs glued into one run by nothing, ``_`` or ``-`` (a signature's own characters;
    its length varies with the algorithm and key: 43, 86 and 342 characters here): no
    signature or payload is readable, and redacting the output changes nothing."""
    import base64

    r = random.Random(5)
    alphabet = string.ascii_letters + string.digits + "-_"

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    header = b64(b'{"alg":"HS256","typ":"JWT"}')
    for sizes in [(43, 43), (86, 342), (342, 43, 86)]:
        tokens, secrets = [], []
        for n in sizes:
            claims = b64(
                json.dumps({"sub": "".join(r.choice(string.ascii_lowercase) for _ in range(10))}).encode()
            )
            sig = "".join(r.choice(alphabet) for _ in range(n))
            tokens.append(f"{header}.{claims}.{sig}")
            secrets += [claims, sig[1:-1]]
        out = _redacted(joiner.join(tokens))
        assert [x for x in secrets if x in out] == []
        assert _redacted(out) == out


def _joined_values(r: random.Random) -> dict[str, tuple[str, str]]:
    """(value, the part that must stay unreadable) of provider tokens in their documented
    formats, an address, a card, an SSN and an IBAN, each generated."""
    import zlib

    from schwifty import IBAN

    from redact.detect.validators import base62, luhn_ok

    b62 = string.ascii_letters + string.digits

    def s(alphabet: str, n: int) -> str:
        return "".join(r.choice(alphabet) for _ in range(n))

    body = s(b62, 30)
    ghp = "ghp_" + body + base62(zlib.crc32(body.encode()), 6)
    card = next(c for c in ("4" + s(string.digits, 15) for _ in range(100)) if luhn_ok(c))
    iban = IBAN.generate("DE", bank_code=s(string.digits, 8), account_code=s(string.digits, 10)).compact
    values = {
        "ghp": ghp,
        "hf": "hf_" + s(string.ascii_letters, 34),
        "npm": "npm_" + s(b62, 36),
        "stripe": "sk_live_" + s(b62, 24),
        "sendgrid": f"SG.{s(b62 + '-_', 22)}.{s(b62 + '-_', 43)}",
        "openai": "sk-proj-" + s(b62, 48) + "T3BlbkFJ" + s(b62, 48),
        "mail": f"{s(string.ascii_lowercase, 7)}.{s(string.ascii_lowercase, 5)}@example.org",
        "card": card,
        "ssn": f"{r.randint(101, 665)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
        "iban": iban,
    }
    secret = {"mail": lambda v: v.split("@")[0], "card": lambda v: v[:12], "ssn": lambda v: v}
    return {k: (v, secret.get(k, lambda v: v[-16:])(v)) for k, v in values.items()}


@pytest.mark.parametrize("joiner", [".", "_", "-", "+", "/"])
def test_values_joined_by_one_character_leave_nothing_readable(joiner: str) -> None:
    """Every ordered pair of provider tokens (fixed or variable length), an address, a
    card, an SSN and an IBAN joined by one ``. _ - + /``: the glue checks know where each
    token ends and starts, so the value on either side is read, and no 8 characters of
    either stay readable (``ann@example.org.ghp_...``, ``hf_..._4111...``)."""
    r = random.Random(17)
    leaks = []
    names = sorted(_joined_values(r))
    for a in names:
        for b in names:
            if a == b:
                continue
            values = _joined_values(r)
            (va, sa), (vb, sb) = values[a], values[b]
            out = _redacted(va + joiner + vb)
            for name, part in ((a, sa), (b, sb)):
                if any(part[i : i + 8] in out for i in range(len(part) - 7)):
                    leaks.append((a, joiner, b, name))
    assert leaks == []


def test_address_joined_to_a_token_by_a_dot_is_read_up_to_its_domain() -> None:
    """``ann@example.org.ghp_...``: the address ends at ``.org`` (``ghp`` is the token's
    prefix, not a top-level domain) and the token is its own finding."""
    r = random.Random(3)
    token = _joined_values(r)["ghp"][0]
    value = f"ann.lee@example.org.{token}"
    found = {(f.detector, value[f.start : f.end]) for f in redact.scan({"v": value})}
    assert found == {("email-address", "ann.lee@example.org"), ("github-classic-token", token)}


def test_a_value_after_a_finding_and_a_slash_is_read() -> None:
    """``AIza.../4417...``: a ``/`` right after a finding that is no URI joins two values;
    the card after it is read and masked. A CIDR prefix length after an address is no
    other value, and a card in a URL's path with no finding before it stays a path."""
    from canaries import _luhn_digit

    r = random.Random(8)
    body = "4" + "".join(r.choice(string.digits) for _ in range(14))
    card = body + _luhn_digit(body)
    key = "AIza" + "".join(r.choice(string.ascii_letters + string.digits) for _ in range(35))
    for first in (key, "2a00:1450:c302:491f:10c5:12ce:8bf6:4321", "ann.lee@example.org"):
        value = f"{first}/{card}"
        found = {value[f.start : f.end] for f in redact.scan({"v": value})}
        assert {first, card} <= found, first
        out = redact.redact({"v": value}).value["v"]
        assert card[:8] not in out and card[8:] not in out
    assert [f.detector for f in redact.scan({"v": "10.0.0.0/8"})] == ["ip-private"]


def test_a_mask_over_several_findings_shows_none_of_them() -> None:
    """Where the masked span of an address also covers an overlapping finding, the mask
    keeps no domain: what it would show is another finding's characters."""
    from redact._redactor import _union
    from redact.actions.mask import Mask
    from redact.detect.engine import Hit

    scanner = redact.build_scanner()
    by_id = {d.id: d for d in scanner.engine.detectors}
    text = "ann@example.org.ghp_tail"
    mail = Hit(by_id["email-address"], 0, 19, 0, 19)
    token = Hit(by_id["github-classic-token"], 16, 24, 16, 24, shadow=True)
    ((start, end, action, span),) = _union(text, [(mail, Mask()), (token, Mask())], "/v", ("v",))
    assert (start, end, span.whole) == (0, 24, True)
    assert action.replace(span) == "[REDACTED:email-address]"
    ((_, _, _, alone),) = _union(
        "ann@example.org", [(Hit(by_id["email-address"], 0, 15, 0, 15), Mask())], "/v", ("v",)
    )
    assert not alone.whole and Mask().replace(alone) == "****@example.org"


def test_a_finding_inside_the_kept_part_of_a_mask_is_hidden() -> None:
    """An address whose domain is an address literal holds an IP address: the e-mail mask,
    which keeps the domain, would keep the IP readable, so it shows nothing."""
    out = redact.redact({"v": "relay ops@[192.0.2.10] accepted"}).value["v"]
    assert "ops" not in out and "192.0.2.10" not in out


@pytest.mark.parametrize(
    "template",
    [
        "acmeiot token = '{s}' | '{s}'",
        "DB_PASSWORD={s}  # rotated: {s} is the old one",
        '{{"token": "{s}", "note": "rotated {s} today"}}',
        "password: {s}\nretrying login with {s}",
    ],
)
def test_a_credential_repeated_in_its_value_is_masked_everywhere(
    template: str, tmp_path, monkeypatch
) -> None:
    """A credential found once is masked wherever else the same value repeats it, with the
    same action, and reported once; masking the output again changes nothing."""
    secret = _fake(16, seed=len(template))
    value = template.format(s=secret)
    result = redact.redact({"v": value})
    out = result.value["v"]
    assert secret not in out and out.count("[REDACTED:") >= 2, out
    assert len(result.decisions) < out.count("[REDACTED:")  # (the repetition is not reported again)
    assert _redacted(out) == out
    monkeypatch.setenv("T_TOKEN_KEY", generate_key("tokenize"))
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nactions:\n  SECRET: tokenize\nkeyring:\n  tokenize: {env: T_TOKEN_KEY}\n")
    tokenized = redact.redact({"v": value}, policy=redact.load_policy(path)).value["v"]
    tokens = re.findall(r"tok:SECRET:[0-9A-Za-z_-]+", tokenized)
    assert secret not in tokenized and len(tokens) >= 2 and len(set(tokens)) == 1, tokenized


def test_a_short_credential_is_not_looked_for_again() -> None:
    """Values shorter than 8 characters are not searched for elsewhere (they would mask
    common words), and the repetition never hides the rest of the text."""
    out = _redacted("password: Xk9#mP2 and Xk9#mP2 again")
    assert out.startswith("password: [REDACTED:") and out.endswith("and Xk9#mP2 again")


def test_a_word_as_a_password_is_not_looked_for_again() -> None:
    """A password that is a plain word (a container's default, ``postgres:postgres``) is
    masked where it was found, but not looked for elsewhere in the value: the URI's scheme,
    user and database keep their names, as across leaves."""
    out = _redacted("postgres://postgres:postgres@localhost:5432/postgres")
    assert out == "postgres://postgres:****@localhost:5432/postgres"


@pytest.mark.parametrize(
    "plain",
    [
        "password=Zq7xWp2KvN9rTb",
        "postgresql://svc:Zq7xWp2KvN9rTb@db.internal:5432/x",
        '{"db": {"password": "Zq7xWp2KvN9rTb"}}',
        "DATABASE_URL=mysql://app:Zq7xWp2KvN9rTb@db/x\nDEBUG=false\n",
    ],
)
@pytest.mark.parametrize("urlsafe", [False, True])
def test_base64_of_text_is_read_decoded(plain: str, urlsafe: bool) -> None:
    """A base64 token (standard or URL-safe) whose text holds a credential is masked
    whole, as a value and inside a line; base64 of binary, of digests and of text with no
    finding stays."""
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    token = encode(plain.encode()).decode()
    for value in (token, f"data:\n  config: {token}\n", f"--config-b64 {token.rstrip('=')} --epochs 3"):
        out = redact.redact({"v": value}).value["v"]
        assert token.rstrip("=") not in out and out != value, out
        assert _redacted(out) == out
    binary = random.Random(5).randbytes(30)
    for clean in (binary, b"epochs=3 lr=0.001 model=resnet50", hashlib.sha256(b"x").digest()):
        assert redact.scan({"v": encode(clean).decode()}) == []


@pytest.mark.parametrize(
    "kinds",
    [("ssn", "ssn", "card"), ("iban", "email", "iban"), ("iban", "ssn", "ssn"), ("card", "ssn", "iban")],
)
def test_three_values_glued_with_nothing_between(kinds: tuple[str, str, str]) -> None:
    """Three values glued with no separator: where a detector's boundary check refuses a
    neighbour's edge (an SSN's digits run on into a card), the text is read again with what
    was found blanked out, so nothing of any of them stays readable."""
    from canaries import Canaries, readable

    for seed in range(12):
        gen = Canaries(random.Random(seed))
        cs = [getattr(gen, kind)() for kind in kinds]
        out = _redacted("".join(c.value for c in cs))
        assert readable(cs, out) == [], (seed, kinds)


@pytest.mark.parametrize(
    ("kinds", "joiner"),
    [
        (("email", "email", "ssn"), "-"),
        (("email", "email"), "-"),
        (("email", "email", "email"), "@"),
        (("card", "uri"), "*"),
        (("email", "card"), "*"),
        (("card", "card"), "*"),
        (("ssn", "card"), "*"),
        (("slack", "uri", "ssn"), "-"),
    ],
)
def test_values_joined_by_a_dash_a_star_or_an_at_leave_nothing_readable(
    kinds: tuple[str, ...], joiner: str
) -> None:
    """Values joined by a character no detector's edge allows: addresses by ``-`` or ``@``
    (a domain would run into the next local part, which the mask keeps), a card next to
    another finding by ``*`` (a product only when the other operand is not a finding), a
    URI with credentials between a token and an SSN. What one reading finds is blanked
    with the joiner, so the neighbour is read on its own in the second reading."""
    from canaries import Canaries, readable

    for seed in range(12):
        gen = Canaries(random.Random(seed))
        cs = [getattr(gen, kind)() for kind in kinds]
        out = _redacted(joiner.join(c.value for c in cs))
        assert readable(cs, out) == [], (seed, kinds)


def test_a_card_in_a_product_stays_an_operand() -> None:
    """``4111...*x`` and ``x*4111...`` are arithmetic when the other operand is no finding."""
    assert redact.scan({"v": "g = 4111111111111111*t**16 + 7*t"}) == []
    assert redact.scan({"v": "n = rate*4111111111111111"}) == []


@pytest.mark.parametrize(
    ("kinds", "joiner"),
    [
        (("github", "ipv6"), ":"),
        (("slack", "ipv6"), ":"),
        (("card", "ipv6"), ":"),
        (("email", "phone"), "_"),
        (("github", "phone"), "."),
        (("iban", "phone"), "+"),
        (("uri", "phone"), "-"),
        (("uri", "phone"), "_"),
        (("uri", "ipv4"), "-"),
        (("email", "ipv4"), "."),
        (("email", "ipv4"), "-"),
    ],
)
def test_values_joined_by_a_colon_or_before_a_phone_number_leave_nothing_readable(
    kinds: tuple[str, ...], joiner: str
) -> None:
    """An IPv6 address joined by ``:`` to a finding before it (its own edge refuses a
    ``:``, which would continue its groups), and a phone number that starts with ``+`` or ``(``
    joined by ``_ . +`` to a finding before it: the finding read first is blanked with the
    joiner, and the address or number is read on its own. After a word and one joiner (a
    URI's database name, ``.../db-+44 20 ...``, ``.../db-52.1.2.3``) a phone number and an
    IPv4 address are read where they start; after an address's domain and a ``.``, a
    dotted quad ends the domain (no top-level domain is a number)."""
    from canaries import Canaries, readable

    for seed in range(12):
        gen = Canaries(random.Random(seed))
        cs = [getattr(gen, kind)() for kind in kinds]
        out = _redacted(joiner.join(c.value for c in cs))
        assert readable(cs, out) == [], (seed, kinds)


@pytest.mark.parametrize(
    "kinds",
    [
        ("email", "phone"),
        ("card", "phone"),
        ("ssn", "phone"),
        ("iban", "phone"),
        ("phone", "phone"),
        ("phone", "slack"),
        ("phone", "openai"),
        ("phone", "uri"),
        ("ssn", "phone", "slack"),
    ],
)
def test_values_glued_to_a_finding_with_nothing_between_are_cut_apart(kinds: tuple[str, ...]) -> None:
    """A value glued with no joiner to a finding, where its own left edge refuses the
    letter or digit before it: the text is cut where the finding ends or where the
    value's claim or provider prefix starts, and each piece is read on its own."""
    from canaries import Canaries, readable

    for seed in range(12):
        gen = Canaries(random.Random(seed))
        cs = [getattr(gen, kind)() for kind in kinds]
        value = "".join(c.value for c in cs)
        out = _redacted(value)
        assert readable(cs, out) == [], (seed, kinds)
        findings = redact.scan({"v": value})
        spans = [(f.start, f.end) for f in findings]
        assert len(spans) == len(set(spans)), (seed, kinds)  # (each reported once)


def test_a_grouped_value_glued_to_a_capitalised_word_ends_there() -> None:
    """A formatted phone number, a grouped card or IBAN, or a full IPv6 address glued to a
    capitalised word (a label, an IBAN's country code) ends where the word starts: nothing
    of either side stays readable. A small letter after digit groups still makes them part
    of a name."""
    from canaries import Canaries, Canary, readable

    def grouped(c: Canary) -> Canary:
        text = " ".join(c.value[i : i + 4] for i in range(0, len(c.value), 4))
        return Canary(c.kind, text, [text])

    for seed in range(12):
        gen = Canaries(random.Random(seed))
        phone, ssn, iban, card, ipv6 = gen.phone(), gen.ssn(), gen.iban(), gen.card(), gen.ipv6()
        address = Canary("ip", "81.2.69.160", ["81.2.69.160"])
        for cs, glue in [
            ([phone, ssn], "SSN "),
            ([phone, iban], ""),
            ([grouped(card), ssn], "SSN "),
            ([ipv6, grouped(iban)], ""),
            ([address, grouped(iban)], ""),
        ]:
            value = cs[0].value + glue + cs[1].value
            assert readable(cs, _redacted(value)) == [], (seed, value)
    assert redact.scan({"v": "id 415-555-0132abc"}) == []


def test_a_provider_prefix_glued_after_a_plain_word_is_not_cut_off() -> None:
    """Only a finding before it confirms a cut at a provider's prefix: a token glued
    after an ordinary word stays unread, as the detector's left edge says."""
    from canaries import Canaries

    for seed in range(12):
        gen = Canaries(random.Random(seed))
        token = gen.slack().value
        assert redact.scan({"v": "abc" + token}) == []
        phone = "(212) 555-0102"
        found = redact.scan({"v": phone + token})
        assert any(f.start == len(phone) and f.category == "SECRET" for f in found), seed  # (the token too)


def test_a_token_glued_after_a_connection_string_is_cut_off() -> None:
    """A provider token glued to the end of an Azure connection string: the finding
    before the cut (the account key) is in the same run of non-blank characters, which
    confirms the cut at the token's prefix."""
    from canaries import Canaries

    for seed in range(12):
        r = random.Random(seed)
        gen = Canaries(r)
        key = base64.b64encode(r.randbytes(64)).decode()
        conn = (
            f"DefaultEndpointsProtocol=https;AccountName=acct{seed};AccountKey={key};"
            "EndpointSuffix=core.windows.net"
        )
        for token in (gen.slack(), gen.openai()):
            out = _redacted(conn + token.value)
            assert key not in out and token.value[-12:] not in out, seed


def _catalog_token(detector: str) -> str:
    """The first positive example of ``detector`` that is a whole token on its own."""
    from redact.detect.catalog import load_catalog

    (spec,) = [s for s in load_catalog() if s.id == detector]
    return next(
        str(e.value)
        for e in spec.examples.positive
        if e.value == e.match and not e.key and "\n" not in str(e.value)
    )


@pytest.mark.parametrize(
    ("first", "joiner", "second"),
    [
        # each one's edge refuses the other (base64's / and + are both tokens' own
        # characters): neither is read on its own
        ("azure-cosmos-identifiable-key", "/", "flyio-macaroon-token"),
        ("adyen-api-key", "+", "azure-iot-identifiable-key"),
        # a fixed-length token run on into another with nothing between
        ("docker-hub-pat", "", "twilio-account-sid"),
        ("figma-pat", "", "databricks-token"),
        # the rest of a token left between two findings (base64 padding, then =)
        ("flyio-macaroon-token", "=", "hubspot-private-app-token"),
        # a finding, then the hex its pattern stopped before and a token glued to it
        ("slack-legacy-token", "", "octopus-deploy-api-key"),
        # through an id's ``:`` and a password hash's ``$``
        ("onepassword-secret-key", "", "asana-personal-access-token"),
        ("azure-batch-identifiable-key", "/", "password-hash"),
        ("neon-api-key", "/", "password-hash"),
    ],
)
def test_tokens_run_into_each_other_leave_nothing_readable(first: str, joiner: str, second: str) -> None:
    """Two of the catalog's provider tokens written into one run of token characters
    (nothing between them, or base64's ``/ + =``): no 12 characters of either stay
    readable, and redacting the output changes nothing."""
    a, b = _catalog_token(first), _catalog_token(second)
    out = _redacted(a + joiner + b)
    for token in (a, b):
        assert not any(token[i : i + 12] in out for i in range(len(token) - 11)), (token[:6], out)
    assert _redacted(out) == out


def test_a_token_run_on_keeps_its_neighbours_and_what_is_no_token() -> None:
    """Only a generated token is masked with a credential it touches: a URL's path after
    a token, the user of a URI, a file's extension, and the host after a command line's
    password stay; a token a few characters longer than its format is no finding."""
    r = random.Random(2)
    ghp = "ghp_" + "".join(r.choice(string.ascii_letters + string.digits) for _ in range(36))
    for value, kept in (
        (f"https://api.example.com/v1/{ghp}/status", ["https://api.example.com/v1/", "/status"]),
        (f"postgresql://svc_user:{ghp}@db.internal/x", ["postgresql://svc_user:", "@db.internal/x"]),
        (f"{ghp}.json", [".json"]),
        (f"docker login --password={ghp} ghcr.io", ["docker login --password=", " ghcr.io"]),
    ):
        out = _redacted(value)
        assert ghp[4:16] not in out
        assert [k for k in kept if k not in out] == [], out
    longer = "EAAAwXhhsV4sVqpNkaCwZg1FAKEe6G5cdE6ov1JRl5vhEj1C2b-nZHgE-a-qEIik5Xq"  # 3 past Square's 64
    assert [f.detector for f in redact.scan({"v": longer})] == []


def test_values_between_a_terminals_control_sequences_are_read() -> None:
    """Console output with colours (structlog's ConsoleRenderer, a coloured log, a
    tracker's captured output.log) and hyperlinks: the control sequences read as blanks,
    the values between them are found and masked, and the sequences stay as they were."""
    import structlog

    token = "Zq7xWp2KvN9rTbL4"
    line = structlog.dev.ConsoleRenderer(colors=True)(None, "info", {"event": "login", "api_key": token})
    assert "\x1b[" in line and token in line
    out = _redacted(line)
    assert token not in out and out.count("\x1b[") == line.count("\x1b[")
    card = "4111111111111111"
    for text in (f"\x1b[31m{card}\x1b[0m", f"\x1b]8;;https://x.example.com\x1b\\link\x1b]8;;\x1b\\ {card}"):
        assert _redacted(text) == text.replace(card, "************1111")


@pytest.mark.parametrize("joiner", ["|", "&"])
@pytest.mark.parametrize("kind", ["infisical", "doppler", "vault"])
def test_a_value_ends_at_a_token_whose_prefix_has_dots(joiner: str, kind: str) -> None:
    """A ``&`` or ``|`` before a token whose documented prefix is written with dots
    (Infisical's ``st.``, Doppler's ``dp.st.<config>.``, Vault's ``hvs.``) ends the value
    before it, as ``_`` and ``-`` prefixes do: neither credential stays readable."""
    rng = random.Random(kind)
    hexd, b62 = "0123456789abcdef", string.ascii_letters + string.digits

    def s(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    token = {
        "infisical": f"st.{s(hexd, 24)}.{s(hexd, 32)}.{s(hexd, 32)}",
        "doppler": f"dp.st.prd.{s(b62, 43)}",
        "vault": f"hvs.{s(b62, 90)}",
    }[kind]
    a = _fake(22, seed=7)
    out = _redacted(f"WEBHOOK_HMAC={a}{joiner}{token}")
    assert a not in out and token[-20:] not in out, out
