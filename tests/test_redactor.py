"""redact.redact and the Redactor: actions per category, key rules, allowed values, block,
drop, types, determinism, fail-closed behaviour and the audit trail."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import redact
from redact.actions import generate_key
from redact.errors import Blocked, DecryptError

POLICIES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
PG = "postgresql://svc:Xk9pLm2Qa@db.internal:5432/features"
CARD = "4111-1111-1111-1111"
GH = "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"
SHA = "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"


def test_default_policy_masks_per_category():
    """The default policy needs no keys and masks by type: cards keep the last 4 digits,
    connection strings keep scheme/user/host/database, secrets name their detector."""
    doc = {
        "params": {
            "db": PG,
            "card": CARD,
            "ssn": "536-90-4410",
            "tok": GH,
            "lr": 0.001,
            "git_commit": SHA,
            "n": 12,
            "ok": True,
            "none": None,
        }
    }
    result = redact.redact(doc)
    assert result.value == {"params": {
        "db": "postgresql://svc:****@db.internal:5432/features",
        "card": "****-****-****-1111",
        "ssn": "***-**-4410",
        "tok": "[REDACTED:github-classic-token]",
        "lr": 0.001, "git_commit": SHA, "n": 12, "ok": True, "none": None,
    }}  # fmt: skip
    assert doc["params"]["db"] == PG  # the input is not modified
    assert {(d.pointer, d.action) for d in result.decisions} == {
        ("/params/db", "mask"), ("/params/card", "mask"), ("/params/ssn", "mask"), ("/params/tok", "mask"),
    }  # fmt: skip


def test_decisions_and_logs_never_hold_plaintext():
    """Decisions, their repr and the audit events name pointer, category, detector, action and
    fingerprint, never the detected text."""
    policy = redact.load_policy(POLICIES / "rules.yaml")
    doc = {"params": {"db": PG, "tok": GH, "mail": "alice@example.com"}}
    with capture_logs() as logs:
        result = redact.redact(doc, policy=policy)
    blob = repr(result.decisions) + json.dumps([d.to_dict() for d in result.decisions]) + repr(logs)
    for secret in ("Xk9pLm2Qa", GH, "alice@example.com", "alice"):
        assert secret not in blob
    events = [e for e in logs if e["event"] == "redact.decision"]
    assert {e["pointer"] for e in events} == {"/params/db", "/params/tok", "/params/mail"}
    assert all(e["fingerprint"] and e["action"] for e in events)
    assert [e["event"] for e in logs].count("redact.summary") == 1


def test_summary_silent_logs_nothing():
    """summary: silent emits no audit events (the decisions are still returned)."""
    policy = redact.Policy.model_validate({"summary": "silent"})
    with capture_logs() as logs:
        result = redact.Redactor(policy).redact({"db": PG})
    assert logs == [] and len(result.decisions) == 1


def test_key_rules_allow_unknown_deny_trusted():
    """Allowlisted keys are scanned; unknown keys get `unknown` (drop here); deny masks
    whatever the value; a trusted lineage key passes only when its value has the format."""
    policy = redact.load_policy(POLICIES / "rules.yaml")
    doc = {
        "params": {"lr": "0.1", "private_notes": "nothing secret"},
        "tags": {"git_commit": SHA},
        "config": {"x": "y"},
        "debug": {"anything": "at all"},
    }
    result = redact.redact(doc, policy=policy)
    assert result.value == {
        "params": {"lr": "0.1", "private_notes": "[REDACTED:key-deny]"},
        "tags": {"git_commit": SHA},
        "config": {"x": "y"},
        "debug": {},
    }
    actions = {(d.pointer, d.category, d.action) for d in result.decisions}
    assert actions == {("/params/private_notes", "KEY_DENIED", "mask"),
                       ("/debug/anything", "KEY_NOT_ALLOWED", "drop")}  # fmt: skip


def test_trusted_key_with_wrong_format_is_scanned():
    """A trusted key whose value does not have its format is scanned like any other key."""
    policy = redact.load_policy(POLICIES / "rules.yaml")
    result = redact.redact({"tags": {"git_commit": f"see {PG}"}}, policy=policy)
    assert result.value["tags"]["git_commit"] == "see postgresql://svc:****@db.internal:5432/features"


def test_allowed_values_win_over_detection():
    """Exact and regex allowed values are left alone; other addresses are not."""
    policy = redact.load_policy(POLICIES / "rules.yaml")
    doc = {"params": {"a": "ml-team@example.com", "b": "bot@noreply.example.com", "c": "carol@example.com"}}
    value = redact.redact(doc, policy=policy).value["params"]
    assert value["a"] == "ml-team@example.com" and value["b"] == "bot@noreply.example.com"
    assert value["c"] == "****@example.com"


def test_drop_block_and_allow_actions():
    """drop removes the field, allow records without changing, block raises Blocked and
    returns nothing."""
    policy = redact.load_policy(POLICIES / "rules.yaml")
    doc = {"params": {"phone": "+1 415-555-0132", "iban": "DE89370400440532013000", "keep": "x"}}
    result = redact.redact(doc, policy=policy)
    assert result.value == {"params": {"iban": "DE89370400440532013000", "keep": "x"}}
    assert {(d.category, d.action) for d in result.decisions} == {
        ("PHONE_NUMBER", "drop"),
        ("IBAN_CODE", "allow"),
    }
    with pytest.raises(Blocked) as info:
        redact.redact({"params": {"k": "AKIAZ7FAKEKEY3QRT5WX"}}, policy=policy)
    assert info.value.pointer == "/params/k" and "AKIA" not in str(info.value)


def test_extends_merges_predictably():
    """A child policy merges mappings and replaces scalars: it keeps the parent's actions
    and allowlist and overrides `unknown`."""
    policy = redact.load_policy(POLICIES / "child.yaml")
    assert policy.keys.unknown == "block" and policy.keys.allow == ["params.*", "tags.*", "/config/*"]
    assert policy.actions["PHONE_NUMBER"].action == "drop"
    assert policy.actions["EMAIL_ADDRESS"].action == "mask"
    with pytest.raises(Blocked):
        redact.redact({"elsewhere": "x"}, policy=policy)


def test_builtin_strict_blocks_unknown_keys():
    """strict is allowlist-only: a key outside its allowlist blocks the call."""
    strict = redact.load_policy("strict")
    assert redact.redact({"mlflow.runName": "x"}, policy=strict).value == {"mlflow.runName": "x"}
    with pytest.raises(Blocked, match="KEY_NOT_ALLOWED"):
        redact.redact({"lr": 0.1}, policy=strict)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_action.yaml", "bad_action.yaml:3: field 'actions.CREDIT_CARD.keep_last': Input should be less than or equal to 4"),
        ("bad_action_name.yaml", "bad_action_name.yaml:3: field 'actions.SECRET': unknown action 'shred'; known actions: mask, tokenize, encrypt, drop, block, allow"),
        ("bad_extends.yaml", "bad_extends.yaml:2: field 'extends': unknown built-in policy 'lenient' (built-in: default, strict; use a path for a file)"),
        ("bad_format.yaml", "bad_format.yaml:4: field 'keys.trusted[0].format': unknown format 'sha999'"),
        ("needs_key.yaml", "needs_key.yaml: field 'keyring.tokenize': environment variable 'REDACT_TEST_MISSING_TOKEN_KEY' is not set"),
        ("loop_a.yaml", "field 'extends': cycle through"),
    ],
)  # fmt: skip
def test_invalid_policies_exact_messages(name, message, monkeypatch):
    """Invalid policy files fail to load with the file, line, field and problem."""
    monkeypatch.delenv("REDACT_TEST_MISSING_TOKEN_KEY", raising=False)
    with pytest.raises(redact.RedactError) as info:
        redact.load_policy(POLICIES / name)
    assert message in str(info.value)


@pytest.fixture
def keyed_policy(tmp_path, monkeypatch):
    monkeypatch.setenv("T_TOKEN_KEY", generate_key("tokenize"))
    monkeypatch.setenv("T_ENC_K1", generate_key("encrypt"))
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nactions:\n  EMAIL_ADDRESS: tokenize\n  CONNECTION_STRING: encrypt\n"
        "keyring:\n  tokenize: {env: T_TOKEN_KEY}\n  encrypt: {active: k1, keys: {k1: {env: T_ENC_K1}}}\n"
    )
    return path


def test_tokenize_and_encrypt_are_deterministic_and_decrypt(keyed_policy):
    """Same input and keys give the same output (safe for immutable params); encrypted
    credentials decrypt at their pointer and fail when moved."""
    doc = {"params": {"mail": "alice@example.com", "db": PG}}
    a = redact.redact(doc, policy=redact.load_policy(keyed_policy)).value
    b = redact.Redactor(redact.load_policy(keyed_policy)).redact(doc).value
    assert a == b
    assert a["params"]["mail"].startswith("tok:EMAIL_ADDRESS:")
    assert (
        a["params"]["db"].startswith("postgresql://svc:enc:v2:k1:") and "Xk9pLm2Qa" not in a["params"]["db"]
    )
    policy = redact.load_policy(keyed_policy)
    assert redact.decrypt(a["params"]["db"], "/params/db", policy) == PG
    with pytest.raises(DecryptError):
        redact.decrypt(a["params"]["db"], "/params/other", policy)
    assert redact.scan(a) == []  # redacted output is not detected again


def test_types_are_kept_where_unchanged():
    """Tuples, sets, dataclasses and pydantic models come back in their type; unchanged
    leaves are the same objects."""

    @dataclasses.dataclass(frozen=True)
    class Conf:
        db: str
        lr: float = 0.1

    marker = object()
    doc = {"t": (CARD, 1), "s": frozenset({"a"}), "c": Conf(db=PG), "m": marker}
    value = redact.redact(doc).value
    assert value["t"] == ("****-****-****-1111", 1)
    assert value["s"] == frozenset({"a"})
    assert isinstance(value["c"], Conf) and value["c"].db.endswith("****@db.internal:5432/features")
    assert value["m"] is marker


def test_a_set_nothing_was_masked_in_comes_back_in_its_order():
    """A set or a frozenset whose members all stay comes back iterating as it did (a set
    rebuilt from its sorted members may iterate otherwise under another hash seed, and its
    str() would then differ from the str() of the value redacted as text); a set is a
    copy, never the caller's object; a set with a masked member is rebuilt."""
    words = {f"tag{i}" for i in range(40)}
    for value in (set(words), frozenset(words)):
        out = redact.redact({"v": value}).value["v"]
        assert type(out) is type(value) and list(out) == list(value)
        assert out is value if type(value) is frozenset else out is not value
    masked = redact.redact({"v": {"ann.fake@example.com", "ml"}}).value["v"]
    assert type(masked) is set and "ml" in masked and "ann.fake@example.com" not in masked


def test_a_named_tuple_is_read_as_its_fields_and_comes_back_in_its_type():
    """A namedtuple's or a typing.NamedTuple's fields are read under their names, as a
    dataclass's are (a password field is a credential's, whatever it holds), and the
    redacted value is the same type; an unchanged one is the same object, also when a
    field holds an array."""
    import collections
    import typing

    db = collections.namedtuple("db", "host password")

    class Serving(typing.NamedTuple):
        api_key: str
        weights: list[float]

    secret = "Zq8mK2pLx9TqWv4R"
    doc = {"db": db("db.internal", secret), "serving": [Serving(secret, [0.1]), Serving("local", [0.2])]}
    found = redact.scan(doc)
    assert [(f.pointer, f.key) for f in found] == [
        ("/db/password", "db.password"),
        ("/serving/0/api_key", "serving[0].api_key"),
    ]
    value = redact.redact(doc).value
    assert (
        type(value["db"]) is db and value["db"].host == "db.internal" and secret not in value["db"].password
    )
    first, second = value["serving"]
    assert type(first) is Serving and secret not in first.api_key and first.weights == [0.1]
    assert second is doc["serving"][1]
    clean = {"db": db("db.internal", "see vault")}
    assert redact.redact(clean).value["db"] is clean["db"]


def test_embedded_json_is_redacted_in_place():
    """A finding inside JSON text is replaced inside the string, which stays valid JSON."""
    text = json.dumps({"serving": {"api_key": "k3y-Fake-9d2c1b7a", "lr": 0.1}})
    out = redact.redact({"config": text}).value["config"]
    assert json.loads(out) == {"serving": {"api_key": "[REDACTED:sensitive-key-value]", "lr": 0.1}}


def test_fail_closed_on_detector_fault(monkeypatch):
    """If detection raises, the value is masked whole (on_error: mask) or the call blocked
    (on_error: block): the raw value is never returned. Keys are scanned too, so a key
    that could not be inspected is masked as well."""
    redactor = redact.Redactor(redact.load_policy("default"))

    def boom(*args, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(redactor.scanner, "scan_text", boom)
    result = redactor.redact({"v": "anything at all"})
    assert result.value == {"[REDACTED:guard-error]": "[REDACTED:guard-error]"}
    assert result.decisions[0].detector == "guard-error"
    blocking = redact.Redactor(redact.Policy.model_validate({"on_error": "block"}))
    monkeypatch.setattr(blocking.scanner, "scan_text", boom)
    with pytest.raises(Blocked, match="guard-error"):
        blocking.redact({"v": "anything"})


def test_check_required():
    """The lineage gate reports missing and malformed provenance fields."""
    policy = redact.Policy.model_validate({"required": [
        {"key": "*git.commit", "format": "git_sha_full", "description": "code commit"},
        {"key": "*dataset_digest", "format": "sha256"},
    ]})  # fmt: skip
    ok = {"tags": {"mlflow.source.git.commit": SHA}, "params": {"dataset_digest": "sha256:" + "ab" * 32}}
    assert redact.check_required(ok, policy) == []
    bad = {"tags": {"mlflow.source.git.commit": "main"}}
    assert [str(p) for p in redact.check_required(bad, policy)] == [
        "*git.commit (code commit): malformed (expected git_sha_full)",
        "*dataset_digest: missing",
    ]


def test_touching_findings_are_masked_each_by_its_own_action():
    """An e-mail address glued to an SSN: the address mask keeps its domain, the SSN mask
    its last four digits; neither mask shows the other value (touching findings are two
    replacements, not one under the address mask)."""
    out = redact.redact({"v": "ann.fake@example.com536-90-4410"}).value["v"]
    assert "ann.fake" not in out and "536-90" not in out
    assert out == "****@example.com***-**-4410"


def _password(seed: int) -> str:
    """A generated password: letters of both cases, digits and a symbol (never a real one)."""
    import random
    import string

    rng = random.Random(seed)
    body = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(11))
    return f"{body[:4]}#{body[4:]}7Q"


def test_a_credential_repeated_in_another_leaf_is_masked_there():
    """A password found under its key is masked wherever else the same call repeats it, with
    no context of its own (a command line, a log line, a list, embedded JSON), and each
    repetition is a decision; a lineage leaf and a longer token that holds it stay."""
    pw = _password(1)
    doc = {
        "params": {"db_password": pw, "lr": 0.1},
        "cmd": f"mysql -h db -u svc {pw} --batch",
        "logs": ["connected", f"retry with {pw}"],
        "extra": json.dumps({"note": f"used {pw}"}),
        "run_id": pw,
        "tag": f"x{pw}y",
    }
    result = redact.redact(doc)
    out = result.value
    assert out["params"]["db_password"] == "[REDACTED:sensitive-key-value]"
    assert out["cmd"] == "mysql -h db -u svc [REDACTED:sensitive-key-value] --batch"
    assert out["logs"] == ["connected", "retry with [REDACTED:sensitive-key-value]"]
    assert json.loads(out["extra"]) == {"note": "used [REDACTED:sensitive-key-value]"}
    assert out["run_id"] == pw and out["tag"] == f"x{pw}y"
    assert {d.pointer for d in result.decisions} == {"/params/db_password", "/cmd", "/logs/1", "/extra"}
    assert all(d.category == "SECRET" for d in result.decisions)
    assert pw not in repr(result.decisions)
    again = redact.redact(out)
    assert again.value == out and not again.decisions  # idempotent on its own output


def test_a_repeated_credential_follows_the_policy_and_words_are_not_looked_for(monkeypatch):
    """The repetition gets the action its detector has (one token for both places; drop
    drops the other field too); a password that is a plain word (``postgres``) is not
    looked for in the other leaves, where the word means something else."""
    pw = _password(2)
    doc = {"db_password": pw, "log": f"auth {pw} ok"}
    monkeypatch.setenv("T_TOKEN_KEY", generate_key("tokenize"))
    policy = redact.Policy.model_validate(
        {"actions": {"SECRET": "tokenize"}, "keyring": {"tokenize": {"env": "T_TOKEN_KEY"}}}
    )
    out = redact.redact(doc, policy=policy).value
    token = out["db_password"]
    assert token.startswith("tok:SECRET:") and out["log"] == f"auth {token} ok"
    dropped = redact.redact(doc, policy=redact.Policy.model_validate({"actions": {"SECRET": "drop"}}))
    assert dropped.value == {}
    words = {"db_password": "postgres", "engine": "postgres"}
    assert redact.redact(words).value["engine"] == "postgres"
