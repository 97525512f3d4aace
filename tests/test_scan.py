"""redact.scan over nested values: pointers, offsets, embedded JSON, odd inputs, limits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
import uuid
from pathlib import Path

import pydantic
import pytest

import redact
from redact.errors import CycleError, NestingError

CARD = "4111111111111111"
PG = "postgresql://svc:Xk9pLm2Qa@db.internal:5432/features"


def cats(findings):
    return sorted((f.pointer, f.category) for f in findings)


def test_finding_fields_and_offsets():
    """A finding names pointer, key path, category, detector, span, confidence, fingerprint."""
    (f,) = redact.scan({"params": {"db": PG}})
    assert f.pointer == "/params/db"
    assert f.key == "params.db"
    assert f.category == "CONNECTION_STRING"
    assert f.detector == "uri-credentials"
    assert PG[f.start : f.end] == "Xk9pLm2Qa"
    assert 0 < f.confidence <= 1
    assert len(f.fingerprint) == 32


def test_pointer_escaping_and_lists():
    """Pointer segments escape '~' and '/' (RFC 6901); list items are indices."""
    findings = redact.scan({"a/b": {"c~d": [0, {"x": CARD}]}})
    assert [f.pointer for f in findings] == ["/a~1b/c~0d/1/x"]
    assert findings[0].key == "a/b.c~d[1].x"


def test_repr_never_shows_plaintext():
    """repr/str of findings hold no part of the detected text."""
    findings = redact.scan({"db": PG, "card": CARD, "mail": "alice@example.com"})
    assert len(findings) == 3
    text = repr(findings) + str(findings) + json.dumps([f.to_dict() for f in findings])
    for secret in ("Xk9pLm2Qa", CARD, "alice@example.com", "4111"):
        assert secret not in text


def test_fingerprint_stable_normalised_and_keyed():
    """Fingerprints are stable, equal for one card in two layouts, and change with a key."""
    a = redact.scan({"x": "4111 1111 1111 1111"})[0].fingerprint
    b = redact.scan({"y": CARD})[0].fingerprint
    assert a == b
    from redact._finding import fingerprint

    assert fingerprint("CREDIT_CARD", CARD) == a
    assert fingerprint("CREDIT_CARD", CARD, key=b"k1") != a
    assert fingerprint("CREDIT_CARD", CARD, key=b"k1") == fingerprint("CREDIT_CARD", CARD, b"k1")


def test_embedded_json_uses_inner_keys_and_outer_offsets():
    """JSON text in a string is scanned as JSON: inner keys give context, offsets are outer."""
    inner = {"serving": {"api_key": "k3y-Fake-9d2c1b7a", "git_commit": "a" * 40}}
    text = json.dumps(inner)
    (f,) = redact.scan({"config": text})
    assert f.pointer == "/config"
    assert text[f.start : f.end] == "k3y-Fake-9d2c1b7a"


def test_a_json_object_inside_text_reads_its_members_as_a_mapping_does():
    """A JSON object after a label or in a log line is read as embedded JSON too: its
    members give one another context (kaggle.json's ``key`` beside ``username``, a JSON Web
    Key's private ``k``), with offsets into the text; a record's ``key`` stays clean, and
    objects that do not parse are text."""
    key = "3f9a1c7e5b2d4f6a8c0e1b3d5f7a9c2e"
    text = f'saved kaggle.json: {{"username": "jdoe", "key": "{key}"}} ok {{not json'
    (f,) = redact.scan({"log": text})
    assert (f.detector, text[f.start : f.end]) == ("sensitive-key-value", key)
    jwk = 'jwk {"kty": "oct", "k": "GawgguFyGrWKav7AX4VKUg"} and {"a": [1, {"b": "jane@example.com"}]}'
    assert [jwk[f.start : f.end] for f in redact.scan({"log": jwk})] == [
        "GawgguFyGrWKav7AX4VKUg",
        "jane@example.com",
    ]
    assert redact.scan({"log": f'cache {{"key": "{key}", "ttl": 5}}'}) == []
    out = redact.redact({"log": text}).value["log"]
    assert (
        out == 'saved kaggle.json: {"username": "jdoe", "key": "[REDACTED:sensitive-key-value]"} ok {not json'
    )


def test_embedded_json_with_escapes_maps_offsets():
    """Offsets stay exact when the embedded JSON has escape sequences before the match."""
    text = json.dumps({"note": 'say "hi" \u00e9\\n', "password": "p\u00e4ss-W0rd!"}, ensure_ascii=True)
    (f,) = redact.scan({"cfg": text})
    assert json.loads('"' + text[f.start : f.end] + '"') == "p\u00e4ss-W0rd!"


def test_integer_leaves_and_floats():
    """Integers are scanned as decimal text; floats never are."""
    assert cats(redact.scan({"card": int(CARD)})) == [("/card", "CREDIT_CARD")]
    assert redact.scan({"x": 0.4111111111111111, "y": 4.111111111111111e15}) == []
    assert cats(redact.scan({"ssn": 536904410})) == [("/ssn", "US_SSN")]


def test_a_small_integer_is_read_under_a_name_that_says_what_it_is():
    """A number too small to be a card or an SSN is read where its name selects a detector
    by itself (a card's verification code, a password), in a mapping, in JSON text and
    through redaction; other small numbers (an epoch, a port under ``auth``, a token
    count) are not read."""
    doc = {"card": {"number": CARD, "cvc": 4821, "exp_month": 12}, "cvv": 123, "password": 84736251}
    assert sorted(cats(redact.scan(doc))) == [
        ("/card/cvc", "CREDIT_CARD"),
        ("/card/number", "CREDIT_CARD"),
        ("/cvv", "CREDIT_CARD"),
        ("/password", "SECRET"),
    ]
    out = redact.redact(doc).value
    assert "4821" not in str(out) and "123" not in str(out) and "84736251" not in str(out)
    assert out["card"]["exp_month"] == 12
    assert cats(redact.scan({"payment": json.dumps({"cvv": 123})})) == [("/payment", "CREDIT_CARD")]
    for flat in ("payment.card.cvc", "payment/card/cvc", "payment:cvc", "cards[0].cvv", "payment__cvv2"):
        assert cats(redact.scan({flat: 912})) == [(f"/{flat.replace('/', '~1')}", "CREDIT_CARD")], flat
    clean = {"epochs": 10, "auth": {"retries": 3, "port": 8080}, "tokens": 512, "max_tokens": 256, "phone": 7}
    assert redact.scan(clean) == [] and redact.redact(clean).value == clean


@dataclasses.dataclass
class Conf:
    db: str
    lr: float = 0.1


class Model(pydantic.BaseModel):
    token: str
    n: int = 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (b"card " + CARD.encode(), [("", "CREDIT_CARD")]),
        (b"\xff\xfe card " + CARD.encode(), [("", "CREDIT_CARD")]),
        (42, []),
        (1.5, []),
        (True, []),
        (None, []),
        (decimal.Decimal(CARD), [("", "CREDIT_CARD")]),
        (decimal.Decimal("0.4111111111111111"), []),
        (dt.datetime(2024, 1, 15, 10, 30), []),
        (dt.date(2024, 1, 15), []),
        (uuid.UUID(int=7), []),
        (Path("/data/alice@example.com/x.csv"), [("", "EMAIL_ADDRESS")]),
        ((CARD, "x"), [("/0", "CREDIT_CARD")]),
        (frozenset({CARD}), [("/0", "CREDIT_CARD")]),
        (Conf(db=PG), [("/db", "CONNECTION_STRING")]),
        (Model(token="Xk9#mP2$vLq"), [("/token", "SECRET")]),
        ("lone \ud800 surrogate " + CARD, [("", "CREDIT_CARD")]),
    ],
    ids=lambda v: type(v).__name__,
)
def test_odd_inputs_have_defined_behaviour(value, expected):
    """Bytes, numbers, Decimal, dates, UUIDs, paths, tuples, sets, dataclasses, pydantic
    models and lone surrogates are each scanned (or skipped) as documented."""
    assert cats(redact.scan(value)) == expected


def test_numpy_scalars_if_present():
    """numpy scalars and arrays are scanned through their Python values."""
    np = pytest.importorskip("numpy")
    assert cats(redact.scan({"a": np.int64(int(CARD)), "b": np.float64(0.41)})) == [("/a", "CREDIT_CARD")]


def test_large_string():
    """A 5 MB string is scanned whole: a card at its end is found."""
    text = ("lorem ipsum 0.001 " * 300_000)[:5_000_000] + " " + CARD
    findings = redact.scan({"blob": text})
    assert [(f.category, f.start) for f in findings] == [("CREDIT_CARD", len(text) - 16)]


def test_cycles_raise_a_redact_error():
    """A container that holds itself raises CycleError, not RecursionError."""
    a: dict = {"x": 1}
    a["self"] = a
    with pytest.raises(CycleError, match="/self"):
        redact.scan(a)
    lst: list = []
    lst.append(lst)
    with pytest.raises(CycleError):
        redact.scan(lst)


def test_shared_references_are_not_cycles():
    """The same child twice (a DAG) is scanned twice, not mistaken for a cycle."""
    child = {"card": CARD}
    assert len(redact.scan({"a": child, "b": child})) == 2


def test_nesting_limit():
    """Nesting deeper than the limit raises NestingError with the pointer."""
    deep: object = "x"
    for _ in range(150):
        deep = [deep]
    with pytest.raises(NestingError, match="deeper than 100"):
        redact.scan(deep)
    ok: object = CARD
    for _ in range(90):
        ok = {"k": ok}
    assert len(redact.scan(ok)) == 1


def test_unstringable_object_is_sensitive():
    """An object whose __str__ raises cannot be shown clean: it is reported."""

    class Bad:
        def __str__(self) -> str:
            raise RuntimeError("boom")

    (f,) = redact.scan({"x": Bad()})
    assert (f.pointer, f.detector, f.category) == ("/x", "guard-error", "SECRET")


def test_overlaps_resolve_to_one_finding():
    """A provider token inside a URL password is reported once, by the most confident detector."""
    findings = redact.scan({"remote": "https://user: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@github.com/o/r"})
    assert [(f.category, f.detector) for f in findings] == [("SECRET", "github-classic-token")]


def test_clean_memo_never_hides_a_finding():
    """Repeated values are memoised only when clean: a secret is found on every call, and a
    clean value under a credential key is not mistaken for the same value under another key."""
    scanner = redact.build_scanner()
    for _ in range(3):
        assert [f.category for f in scanner.scan({"db": PG})] == ["CONNECTION_STRING"]
    assert scanner.scan({"note": "Xk9#mP2$vLq"}) == []
    assert [f.category for f in scanner.scan({"password": "Xk9#mP2$vLq"})] == ["SECRET"]
    assert ("password", "Xk9#mP2$vLq") not in scanner._clean


def test_key_value_pairs_take_their_key_as_context():
    """MLflow-style exports list params as {"key": ..., "value": ...}: the value is read
    under its sibling key's name, in plain and in embedded JSON."""
    import json as _json

    doc = {"params": [{"key": "db_password", "value": "hunter2!x"}, {"key": "lr", "value": "0.1"},
                      {"name": "api_key", "value": "k3y-Fa4e9d2c1b"}]}  # fmt: skip
    assert [(f.pointer, f.category) for f in redact.scan(doc)] == [
        ("/params/0/value", "SECRET"),
        ("/params/2/value", "SECRET"),
    ]
    text = _json.dumps(doc)
    found = redact.scan({"export": text})
    assert [text[f.start : f.end] for f in found] == ["hunter2!x", "k3y-Fa4e9d2c1b"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Key", "Value"),
        ("Name", "Value"),
        ("OptionName", "Value"),
        ("ParameterKey", "ParameterValue"),
        ("label", "value"),
        ("id", "value"),
        ("field", "value"),
        ("param", "value"),
        ("option", "value"),
        ("variable", "value"),
        ("key", "val"),
    ],
)
def test_cloud_name_value_pairs_take_their_name_as_context(name: str, value: str) -> None:
    """AWS tags (``Key``/``Value``), Elastic Beanstalk's option settings
    (``OptionName``/``Value``), CloudFormation's parameters
    (``ParameterKey``/``ParameterValue``), a form's or a password manager's fields
    (``label``/``id``/``field`` and ``value``, 1Password's item JSON), a settings table's
    rows (``param``/``option``/``variable`` and ``value``) and ``key``/``val``: the value
    is read under the name beside it, in a mapping, in embedded JSON and when redacted;
    lineage and plain names stay."""
    import json as _json
    import secrets as _secrets

    pw = "FAKE-" + _secrets.token_urlsafe(12)
    sha = _secrets.token_hex(20)
    doc = {
        "tags": [
            {name: "DbPassword", value: pw},
            {name: "git_commit", value: sha},
            {name: "Name", value: "prod-db"},
        ]
    }
    assert [(f.pointer, f.category) for f in redact.scan(doc)] == [(f"/tags/0/{value}", "SECRET")]
    text = _json.dumps(doc)
    assert [text[f.start : f.end] for f in redact.scan({"export": text})] == [pw]
    out = redact.redact({"export": text, "doc": doc}).value
    assert pw not in str(out) and sha in out["export"] and out["doc"]["tags"][1][value] == sha


def test_the_private_members_of_a_json_web_key_are_key_material() -> None:
    """A JSON Web Key's private members (RFC 7517/7518/8037: RSA's ``d``, ``p``, ``q``,
    ``dp``, ``dq``, ``qi``, an EC or OKP key's ``d``, an ``oct`` key's ``k``) are
    reported and masked, in a mapping and in JSON text; its public members and a public
    key stay, and single-letter settings without a ``kty`` are not keys."""
    import base64
    import json as _json
    import os

    def b64(n: int) -> str:
        return base64.urlsafe_b64encode(os.urandom(n)).rstrip(b"=").decode()

    rsa = {"kty": "RSA", "kid": "k1", "n": b64(256), "e": "AQAB", "d": b64(256), "p": b64(128),
           "q": b64(128), "dp": b64(128), "dq": b64(128), "qi": b64(128)}  # fmt: skip
    ec = {"kty": "EC", "crv": "P-256", "x": b64(32), "y": b64(32), "d": b64(32)}
    okp = {"kty": "OKP", "crv": "Ed25519", "x": b64(32), "d": b64(32)}
    sym = {"kty": "oct", "alg": "HS256", "k": b64(32)}
    private = {"RSA": ["d", "p", "q", "dp", "dq", "qi"], "EC": ["d"], "OKP": ["d"], "oct": ["k"]}
    for jwk in (rsa, ec, okp, sym):
        want = sorted(f"/jwk/{m}" for m in private[jwk["kty"]])
        assert sorted(f.pointer for f in redact.scan({"jwk": jwk})) == want
        text = _json.dumps({"keys": [jwk]})
        assert sorted(text[f.start : f.end] for f in redact.scan({"jwks": text})) == sorted(
            jwk[m] for m in private[jwk["kty"]]
        )
        out = redact.redact({"jwk": jwk, "jwks": text}).value
        for m in private[jwk["kty"]]:
            assert jwk[m] not in str(out)
        assert all(out["jwk"][m] == v for m, v in jwk.items() if m not in private[jwk["kty"]])
    public = {k: v for k, v in rsa.items() if k in ("kty", "kid", "n", "e")}
    assert redact.scan({"jwk": public, "text": _json.dumps(public)}) == []
    assert redact.scan({"k": 5, "p": 0.9, "d": 3, "q": "Zq8mK2pLx9Tq7Wb4"}) == []


@pytest.mark.parametrize("identity", ["username", "email", "accessKeyId", "client_id", "login"])
def test_a_bare_key_beside_an_account_is_that_accounts_key(identity: str) -> None:
    """A key pair's ``key`` (kaggle.json's ``{"username": ..., "key": ...}``, an e-mail and
    a global API key) is a credential in a mapping, in embedded JSON and when redacted
    when it is a generated token; a metric's name beside an account and a ``key`` with no
    account beside it stay a record's key."""
    import json as _json
    import secrets as _secrets

    key = "FAKE" + _secrets.token_hex(14)
    doc = {identity: "jdoe", "key": key}
    assert [(f.pointer, f.detector) for f in redact.scan(doc)] == [("/key", "sensitive-key-value")]
    text = _json.dumps(doc)
    assert [text[f.start : f.end] for f in redact.scan({"cfg": text})] == [key]
    assert key not in str(redact.redact({"cfg": text, "pair": doc}).value)
    assert redact.scan({"name": "run-cache", "key": key}) == []
    assert redact.scan({identity: "jdoe", "key": "${KAGGLE_KEY}"}) == []
    # (a metric's or a record's name beside an account, as an audit record holds it)
    for name in ("train/loss", "val/acc_top1", "eval.mmlu.acc", "runs:/3f2a9c0e/model"):
        assert redact.scan({identity: "jdoe", "action": "log_metric", "key": name}) == [], name


@pytest.mark.parametrize("form", ["list", "json", "repr"])
def test_argument_lists_give_a_flag_s_value_the_flag_as_key(form: str) -> None:
    """A program's arguments as a list (``sys.argv``), as JSON text or as a list's repr:
    the item after ``--db-password`` or ``--token`` is read under that flag's name, as on
    a command line; settings and numbers stay."""
    import json as _json

    argv = [
        "train.py",
        "--db-password",
        "Hf8s9dfA7sdf9A8",
        "--lr",
        "0.1",
        "-p",
        "5432",
        "--token",
        "Zq7xWp2KvN9rT",
    ]
    value = {"list": argv, "json": _json.dumps(argv), "repr": repr(argv)}[form]
    out = redact.redact({"args": value}).value["args"]
    text = out if isinstance(out, str) else _json.dumps(out)
    assert "Hf8s9dfA7sdf9A8" not in text and "Zq7xWp2KvN9rT" not in text
    assert "0.1" in text and "5432" in text and "--db-password" in text
    assert redact.redact({"args": ["--max-tokens", "1024", "-1", "--seed", "42"]}).value["args"][1] == "1024"


def test_pydantic_validation_errors_hide_rejected_credentials() -> None:
    """A real pydantic ValidationError quotes the rejected input of each field; under a
    credential field it is masked, also when pydantic shows a long input cut to its two
    ends around ``...``; the input of a setting stays."""
    import secrets as _secrets

    import pydantic

    class Settings(pydantic.BaseModel):
        api_key: int
        db_password: int
        max_tokens: int

    key = "sk-proj-" + _secrets.token_urlsafe(40)
    password = "FAKE-" + _secrets.token_urlsafe(9)
    with pytest.raises(pydantic.ValidationError) as caught:
        Settings(api_key=key, db_password=password, max_tokens="lots")
    text = str(caught.value)
    assert key[:16] in text and password in text and "lots" in text
    out = redact.redact({"error": text}).value["error"]
    assert key[:16] not in out and key[-16:] not in out and password not in out
    assert "input_value='lots'" in out


def _session_id() -> str:
    import secrets

    return secrets.token_urlsafe(24)


@pytest.mark.parametrize(
    "form",
    [
        "Cookie: theme=dark; sessionid={sid}",
        'Cookie: $Version="1"; sessionid="{sid}"; $Path="/"',
        "curl -H 'Cookie: lang=en; connect.sid={sid}' https://api.example.com",
        "Set-Cookie: PHPSESSID={sid}; Path=/; HttpOnly",
    ],
)
def test_every_pair_of_a_cookie_list_is_read(form: str) -> None:
    """A session cookie anywhere in a cookie list is masked, not only the first pair (an
    attribute or a preference before it hid it)."""
    sid = _session_id()
    out = redact.redact({"log": form.format(sid=sid)})
    assert sid not in json.dumps(out.value)
    assert [d.detector for d in out.decisions] == ["cookie-header"]


def test_a_cookie_list_under_a_cookie_key_and_anti_forgery_values() -> None:
    """A value of cookie pairs under a ``Cookie`` key (a logged request's headers) is read
    pair by pair; a list holding only preferences and an anti-forgery token is clean."""
    sid = _session_id()
    out = redact.redact({"request": {"headers": {"Cookie": f"lang=en; sid={sid}"}}})
    assert sid not in json.dumps(out.value)
    assert redact.scan({"headers": {"Cookie": f"lang=en; csrftoken={sid}"}}) == []
    assert redact.scan({"log": f"Cookie: theme=dark; XSRF-TOKEN={sid}"}) == []


def test_a_data_frame_is_read_whole_by_column_and_a_series_by_label() -> None:
    """A pandas DataFrame is read as its columns by name, every row (its str() shows ten
    rows of a thousand, so what it hides was forwarded unread), and a Series as its values
    under their labels (a ``password`` label names its value)."""
    import pandas as pd

    rows = ["none"] * 1000
    rows[500] = "jane.doe.4417@example.com"
    frame = pd.DataFrame({"owner": rows, "n": range(1000)})
    assert "jane.doe" not in str(frame)  # (the row its str() does not show)
    found = redact.scan({"table": frame})
    assert [(f.pointer, f.category) for f in found] == [("/table/owner/500", "EMAIL_ADDRESS")]
    out = redact.redact({"table": frame}).value["table"]
    assert "jane.doe" not in str(out) and out["n"][999] == 999
    series = pd.Series({"password": "Zq8mK2pLx9TqWv4R", "lr": 0.1})
    assert [(f.pointer, f.key) for f in redact.scan({"s": series})] == [("/s/password", "s.password")]
    clean = pd.DataFrame({"lr": [0.1, 0.2]})
    assert redact.redact({"t": clean}).value["t"] is clean


def test_a_pyarrow_table_and_array_are_read_whole() -> None:
    """A pyarrow Table is read by column and an Array item by item, every row: their str()
    elides the middle of a long column."""
    import pyarrow as pa

    rows = ["none"] * 1000
    rows[500] = "jane.doe.4417@example.com"
    table = pa.table({"owner": rows, "n": list(range(1000))})
    assert "jane.doe" not in str(table)
    assert [f.pointer for f in redact.scan({"t": table})] == ["/t/owner/500"]
    assert [f.pointer for f in redact.scan({"a": pa.array(rows)})] == ["/a/500"]
    assert "jane.doe" not in str(redact.redact({"t": table}).value["t"])
