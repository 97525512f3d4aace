"""Dict keys are scanned like values, and a policy's action applies to a key."""

from __future__ import annotations

import json

import pytest

import redact
from redact.errors import Blocked

EMAIL = "alice.fake@example.com"
TOKEN = "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"


def _policy(action: str) -> redact.Policy:
    return redact.Policy.model_validate({"actions": {"default": "mask", "EMAIL_ADDRESS": action}})


def test_scan_reports_findings_in_keys_without_showing_them():
    """A finding in a key has ``in_key=True``, offsets into the key, and a pointer in
    which the key appears redacted (pointers of values below it too)."""
    doc = {"per_user": {EMAIL: {"loss": 0.1, "ssn": "536-90-4410"}}}
    findings = redact.scan(doc)
    key_f = [f for f in findings if f.in_key]
    assert [(f.category, f.start, f.end) for f in key_f] == [("EMAIL_ADDRESS", 0, len(EMAIL))]
    assert key_f[0].pointer == "/per_user/[REDACTED:email-address]"
    ssn = [f for f in findings if f.category == "US_SSN"]
    assert ssn[0].pointer == "/per_user/[REDACTED:email-address]/ssn" and not ssn[0].in_key
    assert EMAIL not in repr(findings)


def test_mask_keeps_the_entry_under_a_redacted_key():
    """mask: the entry stays, under the masked key; values are kept; deterministic."""
    doc = {"metrics": {EMAIL: 0.93, "bob.fake@example.org": 0.5, "acc": 1}, TOKEN: "x"}
    a = redact.redact(doc)
    b = redact.redact(doc)
    assert a.value == b.value
    assert a.value["metrics"] == {"****@example.com": 0.93, "****@example.org": 0.5, "acc": 1}
    assert a.value["[REDACTED:github-classic-token]"] == "x"
    assert EMAIL not in json.dumps(a.value) and TOKEN not in json.dumps(a.value)
    assert all(d.in_key for d in a.decisions)
    assert EMAIL not in repr(a.decisions)


def test_colliding_redacted_keys_lose_no_entry():
    """Two keys that mask to the same text both stay, under distinct deterministic keys."""
    doc = {"a.fake@example.com": 1, "b.fake@example.com": 2, "****@example.com": 3}
    out = redact.redact(doc).value
    assert sorted(out.values()) == [1, 2, 3]
    assert len(out) == 3
    assert redact.redact(doc).value == out
    assert not any("a.fake" in k or "b.fake" in k for k in out)


def test_tokenize_key_is_deterministic(tmp_path, monkeypatch):
    """tokenize: the key becomes its token; the same key gives the same token."""
    from redact.actions import generate_key

    monkeypatch.setenv("T_TOKEN_KEY", generate_key("tokenize"))
    path = tmp_path / "p.yaml"
    path.write_text(
        "version: 1\nactions:\n  EMAIL_ADDRESS: tokenize\nkeyring:\n  tokenize: {env: T_TOKEN_KEY}\n"
    )
    policy = redact.load_policy(path)
    r1 = redact.redact({EMAIL: 1}, policy=policy).value
    r2 = redact.redact({EMAIL: 1}, policy=policy).value
    assert r1 == r2 and list(r1)[0].startswith("tok:") and EMAIL not in json.dumps(r1)


def test_drop_removes_the_entry_and_block_raises_without_the_key():
    """drop removes the entry; block raises Blocked whose message and pointer hold no key."""
    out = redact.redact({"m": {EMAIL: 1, "acc": 2}}, policy=_policy("drop")).value
    assert out == {"m": {"acc": 2}}
    with pytest.raises(Blocked) as info:
        redact.redact({"m": {EMAIL: 1}}, policy=_policy("block"))
    assert EMAIL not in str(info.value) and EMAIL not in info.value.pointer
    assert info.value.pointer == "/m/[REDACTED:email-address]"


def test_lineage_looking_keys_are_unchanged():
    """Keys that are commit SHAs, digests or run ids are not changed."""
    doc = {"281220e087835b92558589eaff309cad68386d07": 1, "7f3c2a9e4b1d4e0f8a6b5c4d3e2f1a0b": 2,
           "sha256:" + "9a" * 32: 3}  # fmt: skip
    assert redact.redact(doc).value == doc
    assert redact.scan(doc) == []


def test_keys_inside_embedded_json_are_scanned():
    """A key inside JSON text is scanned too (offsets into the outer string)."""
    text = json.dumps({EMAIL: {"loss": 0.1}})
    found = redact.scan({"metrics_json": text})
    assert [text[f.start : f.end] for f in found] == [EMAIL]
    assert EMAIL not in redact.redact({"metrics_json": text}).value["metrics_json"]


@pytest.mark.parametrize(
    "key",
    [
        "acc/4111111111111111",
        "loss.536-90-4410",
        "by_user/alice.fake@example.com",
        "runs/x/4111-1111-1111-1111",
        "by_ip.8.8.8.8",  # (the address's own dots: the run of segments that are no words)
        "card_4111111111111111_total",  # (glued to the name's words by _)
        "acc_536-90-4410",
    ],
)
def test_segments_of_path_like_keys_are_scanned(key):
    """A per-user metric key such as ``acc/<card>`` or ``loss.<ssn>`` is found: each segment
    of a flattened or path-like key is scanned on its own as well as the whole key, and the
    redacted key keeps the path around the masked part."""
    findings = redact.scan({key: 0.5})
    assert findings and all(f.in_key for f in findings)
    (redacted,) = redact.redact({key: 0.5}).value
    assert redacted.startswith(key.split("/")[0].split(".")[0].split("_")[0])
    assert (
        "4111111111111111" not in redacted and "536-90-4410" not in redacted and "alice.fake" not in redacted
    )


def test_segments_of_lineage_paths_stay_clean():
    """Segments of path-like keys that hold lineage (a commit SHA, a run id, a digest) give
    no finding."""
    for key in (
        "runs/4f3a9c2b8d1e7f6a5b4c3d2e1f0a9b8c7d6e5f4a/loss",
        "config.secrets.run_uuid",
        "models/sha256:" + "ab" * 32,
        "ckpt/epoch_12.step_4000",
        "model.layers.10.mlp.gate_proj.weight",
        "eval/2024-01-15/acc",
        "blocks.0.attn.qkv.weight_0.1.2.3",
    ):
        assert redact.scan({key: 1}) == []
