"""Policy files for scanning: detector selection, custom detectors, fingerprint keys, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import redact
from redact.errors import PolicyError

POLICIES = Path(__file__).resolve().parents[1] / "fixtures" / "policies"
DOC = {
    "owner": "CUST-00421337",
    "phone": "+1 415-555-0132",
    "host": "10.20.30.40",
    "card": "4111111111111111",
}


def test_team_policy_selects_and_adds_detectors(monkeypatch):
    """disable drops categories and ids; custom detectors load with their examples checked."""
    monkeypatch.setenv("REDACT_TEST_FP_KEY", "fake-fingerprint-key")
    policy = redact.load_policy(POLICIES / "team.yaml")
    findings = redact.scan(DOC, policy=policy)
    assert sorted((f.pointer, f.category) for f in findings) == [
        ("/card", "CREDIT_CARD"),
        ("/owner", "CUSTOMER_ID"),
    ]
    default_fp = {f.pointer: f.fingerprint for f in redact.scan(DOC)}
    card = next(f for f in findings if f.pointer == "/card")
    assert card.fingerprint != default_fp["/card"]  # keyed by the policy's key


def test_missing_fingerprint_key_fails_to_load(monkeypatch):
    """A policy naming a key that is not set fails to load, naming the variable; without
    key resolution (policy check in CI) it loads."""
    monkeypatch.delenv("REDACT_TEST_FP_KEY", raising=False)
    with pytest.raises(PolicyError, match="'REDACT_TEST_FP_KEY' is not set"):
        redact.load_policy(POLICIES / "team.yaml")
    assert redact.load_policy(POLICIES / "team.yaml", resolve_keys=False).name == "team"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("bad_field.yaml", "bad_field.yaml:4: field 'detectors.min_confidense': unknown field"),
        (
            "bad_value.yaml",
            "bad_value.yaml:3: field 'detectors.min_confidence': Input should be less than or equal to 1",
        ),
    ],
)
def test_policy_errors_name_file_line_and_field(name, message):
    """Unknown fields and bad values name the file, line and field."""
    with pytest.raises(PolicyError) as info:
        redact.load_policy(POLICIES / name)
    assert str(info.value).endswith(message) or message in str(info.value), str(info.value)


def test_custom_detector_examples_checked_at_load():
    """A custom detector whose own positive example does not match fails at load."""
    policy = redact.load_policy(POLICIES / "bad_custom.yaml")
    with pytest.raises(PolicyError, match=r"detector 'customer-id'.*examples.positive\[0\].*not detected"):
        redact.build_scanner(policy)


def test_unknown_detector_name_in_selection():
    """Naming a detector or category that does not exist is an error, not a silent no-op."""
    policy = redact.Policy.model_validate({"detectors": {"disable": ["NOT_A_THING"]}})
    with pytest.raises(PolicyError, match="unknown detector or category 'NOT_A_THING'"):
        redact.build_scanner(policy)


def test_cli_scan_with_policy(tmp_path, monkeypatch):
    """redact scan --policy applies the policy's selection."""
    import json

    from click.testing import CliRunner

    from redact.cli import main

    monkeypatch.setenv("REDACT_TEST_FP_KEY", "fake-fingerprint-key")
    f = tmp_path / "doc.json"
    f.write_text(json.dumps(DOC))
    res = CliRunner().invoke(
        main, ["scan", "--format", "json", "--policy", str(POLICIES / "team.yaml"), str(f)]
    )
    assert res.exit_code == 1, res.output
    assert sorted(r["category"] for r in json.loads(res.output)["findings"]) == ["CREDIT_CARD", "CUSTOMER_ID"]
    bad = CliRunner().invoke(main, ["scan", "--policy", str(POLICIES / "bad_field.yaml"), str(f)])
    assert bad.exit_code == 2 and "bad_field.yaml:4" in bad.output
