"""redact apply / decrypt / gate / keygen / policy check / policy schema from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from redact.cli import main

ROOT = Path(__file__).resolve().parents[1]
POLICIES = ROOT / "policies"
PG = "postgresql://svc:Xk9pLm2Qa@db.internal:5432/features"
SHA = "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def _keys() -> dict[str, str]:
    tok = run("keygen", "tokenize").output.strip()
    enc = run("keygen", "encrypt").output.strip()
    return {"REDACT_TOKENIZE_KEY": tok, "REDACT_KEY_K2025": enc}


def test_apply_json_default_policy(tmp_path):
    """apply writes a redacted copy; everything else is equal in value; the summary on stderr
    names pointers, never values; two runs give identical bytes."""
    src = tmp_path / "run.json"
    doc = {"params": {"db": PG, "lr": 0.001, "epochs": 10, "flag": True, "none": None}, "tags": {"c": SHA}}
    src.write_text(json.dumps(doc))
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    res = run("apply", str(src), "-o", str(out1))
    assert res.exit_code == 0, res.output
    run("apply", str(src), "-o", str(out2))
    assert out1.read_bytes() == out2.read_bytes()
    red = json.loads(out1.read_text())
    assert red["params"]["db"] == "postgresql://svc:****@db.internal:5432/features"
    red["params"]["db"] = PG
    assert red == doc
    assert "/params/db: CONNECTION_STRING" in res.output and "Xk9pLm2Qa" not in res.output


def test_apply_jsonl_and_yaml(tmp_path):
    """JSONL stays one document a line; YAML stays YAML with key order kept."""
    jl = tmp_path / "runs.jsonl"
    jl.write_text(json.dumps({"a": PG}) + "\n" + json.dumps({"b": "4111111111111111"}) + "\n")
    res = run("apply", str(jl))
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert lines == [{"a": "postgresql://svc:****@db.internal:5432/features"}, {"b": "************1111"}]
    y = tmp_path / "cfg.yaml"
    y.write_text("z: 1\ndb: " + PG + "\na: [x, y]\n")
    out = tmp_path / "out.yaml"
    assert run("apply", str(y), "-o", str(out)).exit_code == 0
    assert list(yaml.safe_load(out.read_text())) == ["z", "db", "a"]


def test_apply_team_policy_then_decrypt(tmp_path):
    """With the team example: encrypt/tokenize under keys from the environment, then
    decrypt restores the encrypted field; a wrong key fails with exit 1."""
    env = _keys()
    src = tmp_path / "run.json"
    doc = {"params": {"owner": "CUST-00421337", "mail": "alice@example.com", "lr": 0.1},
           "tags": {"mlflow.source.git.commit": SHA}}  # fmt: skip
    src.write_text(json.dumps(doc))
    out = tmp_path / "red.json"
    team = str(POLICIES / "examples" / "team.yaml")
    res = run("apply", str(src), "--policy", team, "-o", str(out), env=env)
    assert res.exit_code == 0, res.output
    red = json.loads(out.read_text())
    assert red["params"]["owner"].startswith("enc:v2:k2025:")
    assert red["params"]["mail"].startswith("tok:EMAIL_ADDRESS:")
    dec = run("decrypt", str(out), "--policy", team, env=env)
    assert dec.exit_code == 0, dec.output
    assert json.loads(dec.stdout)["params"]["owner"] == "CUST-00421337"
    one = run(
        "decrypt", "--value", red["params"]["owner"], "--pointer", "/params/owner", "--policy", team, env=env
    )
    assert one.stdout.strip() == "CUST-00421337"
    wrong = run(
        "decrypt", str(out), "--policy", team, env={**env, "REDACT_KEY_K2025": _keys()["REDACT_KEY_K2025"]}
    )
    assert wrong.exit_code == 1 and "k2025" in wrong.output and "CUST-" not in wrong.output


def test_apply_refuses_when_blocked(tmp_path):
    """A block action refuses the file: exit 1, nothing written."""
    src = tmp_path / "run.json"
    src.write_text(json.dumps({"lr": 0.1}))
    out = tmp_path / "out.json"
    res = run("apply", str(src), "--policy", str(POLICIES / "strict.yaml"), "-o", str(out))
    assert res.exit_code == 1 and "KEY_NOT_ALLOWED" in res.output and not out.exists()


def test_gate(tmp_path):
    """gate exits 1 listing what is missing, 0 when every required field is there."""
    env = _keys()
    team = str(POLICIES / "examples" / "team.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"tags": {"mlflow.source.git.commit": SHA}}))
    res = run("gate", str(bad), "--policy", team, env=env)
    assert res.exit_code == 1
    assert "required *dataset_digest (dataset snapshot): missing" in res.output
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"tags": {"mlflow.source.git.commit": SHA},
                                "params": {"dataset_digest": "sha256:" + "a" * 64, "env_digest": "b" * 64}}))  # fmt: skip
    assert run("gate", str(good), "--policy", team, env=env).exit_code == 0


def test_policy_check_and_schema():
    """policy check: 0 for valid files (built-ins and examples), 1 naming file and line for
    invalid ones; policy schema prints a JSON Schema that rejects unknown fields."""
    files = [str(p) for p in sorted(POLICIES.rglob("*.yaml"))]
    ok = run("policy", "check", *files)
    assert ok.exit_code == 0, ok.output
    bad = run("policy", "check", str(ROOT / "fixtures" / "policies" / "bad_action.yaml"))
    assert bad.exit_code == 1 and "bad_action.yaml:3: field 'actions.CREDIT_CARD.keep_last'" in bad.output
    schema = json.loads(run("policy", "schema").output)
    assert schema["additionalProperties"] is False and "keys" in schema["properties"]
    assert "source" not in schema["properties"]
