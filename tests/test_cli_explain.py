"""`redact policy explain POLICY SAMPLE`: per leaf the pointer, the key rule that applied
and the decision, changing nothing and showing no value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from redact.cli import main

PW = "Zp4FAKEqq81Lm"
SHA = "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"


@pytest.fixture()
def sample(tmp_path: Path) -> Path:
    f = tmp_path / "run.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "params": {"lr": "0.1", "db_url": f"postgresql://svc:{PW}@db/x", "api_secret": "short"},
                "tags": {"mlflow.source.git.commit": SHA, "owner": "ml-team"},
            }
        )
    )
    return f


def _explain(*args: str) -> list[dict[str, str]]:
    res = CliRunner().invoke(main, ["policy", "explain", "--format", "json", *args])
    assert res.exit_code == 0, res.output
    assert PW not in res.output
    return json.loads(res.stdout)


def test_explain_lists_every_leaf_with_rule_and_decision(sample: Path):
    """Each leaf appears once with its pointer; a leaked URI is masked, lineage and clean
    values are kept; the file is unchanged."""
    before = sample.read_bytes()
    rows = {r["pointer"]: r for r in _explain("default", str(sample))}
    assert set(rows) == {
        "/params/lr", "/params/db_url", "/params/api_secret", "/tags/mlflow.source.git.commit", "/tags/owner",
    }  # fmt: skip
    assert rows["/params/db_url"]["decision"].startswith("mask CONNECTION_STRING")
    assert rows["/tags/mlflow.source.git.commit"]["decision"] == "keep"
    assert rows["/params/lr"] == {"pointer": "/params/lr", "rule": "none", "decision": "keep"}
    assert sample.read_bytes() == before


def test_explain_names_the_key_rule(sample: Path, tmp_path: Path):
    """Deny, allow-list (unknown keys) and trusted rules are named for the leaves they govern."""
    pol = tmp_path / "p.yaml"
    pol.write_text(
        yaml.safe_dump(
            {
                "name": "explain-test",
                "keys": {
                    "deny": ["params.api_*"],
                    "allow": ["params.*", "tags.mlflow.*"],
                    "unknown": "drop",
                    "trusted": [{"key": "tags.mlflow.source.git.commit", "format": "git_sha"}],
                },
            }
        )
    )
    rows = {r["pointer"]: r for r in _explain(str(pol), str(sample))}
    assert rows["/params/api_secret"]["rule"].startswith("deny 'params.api_*'")
    assert rows["/params/api_secret"]["decision"].startswith("mask KEY_DENIED")
    assert rows["/tags/owner"]["rule"] == "not in keys.allow -> unknown: drop"
    assert rows["/tags/owner"]["decision"].startswith("drop KEY_NOT_ALLOWED")
    assert rows["/tags/mlflow.source.git.commit"]["rule"].startswith("trusted")
    assert rows["/params/lr"]["rule"] == "allow 'params.*'"


def test_explain_a_store_run_uses_the_door_pointers(tmp_path: Path):
    """With an MLflow store and --run, pointers are the MLflow door's (/params/<key>)."""
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri)
    run = client.create_run(client.create_experiment("e"))
    client.log_param(run.info.run_id, "db_url", f"postgresql://svc:{PW}@db/x")
    rows = {r["pointer"]: r for r in _explain("default", uri, "--run", run.info.run_id)}
    assert rows["/params/db_url"]["decision"].startswith("mask CONNECTION_STRING")
    res = CliRunner().invoke(main, ["policy", "explain", "default", uri])
    assert res.exit_code == 2 and "--run" in res.stderr
