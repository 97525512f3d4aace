"""Fingerprints are keyed by default and cannot be checked against guesses.

The project key comes from ``REDACT_FINGERPRINT_KEY`` or a file created on first use in
the user's configuration folder (here a temporary ``XDG_CONFIG_HOME``, never the real
home), 0600 in a 0700 folder; its id (not the key) is recorded in baselines; a baseline
made with another key, or a version 1 (unkeyed) baseline, is a clear error. For planted
low-entropy values (SSN, card, phone, IBAN), the unkeyed digest of earlier versions
appears in no output: scan JSON, SARIF, JUnit, baselines, fix reports and journals,
decisions and debug audit events.
"""

from __future__ import annotations

import hashlib
import json
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from click.testing import CliRunner

import redact
from redact import _build, _fpkey, _redactors
from redact._finding import _DOMAIN, _normalize, fingerprint
from redact.cli import main

SSN, CARD, PHONE, IBAN = "212-67-8901", "4111 1111 1111 1111", "+1 415 555 0134", "DE89370400440532013000"
PLANTED = {"US_SSN": SSN, "CREDIT_CARD": CARD, "PHONE_NUMBER": PHONE, "IBAN_CODE": IBAN}


def _unkeyed(category: str, text: str) -> str:
    """The digest earlier versions wrote: enumerable for low-entropy values."""
    msg = category.encode() + b"\0" + _normalize(category, text).encode()
    return hashlib.sha256(_DOMAIN + b"\0" + msg).hexdigest()[:32]


def _fresh() -> None:
    _fpkey.reset()
    _build._cache.clear()
    _redactors._redactors.clear()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private configuration folder and no key in the environment."""
    home = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    monkeypatch.delenv(_fpkey.ENV, raising=False)
    _fresh()
    yield home
    _fresh()


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, list(args))
    return res.exit_code, res.output


def test_project_key_is_created_privately_on_first_use(config: Path) -> None:
    """The first fingerprint creates <config>/redact/fingerprint.key (0600, folder 0700);
    later fingerprints use it; the environment variable takes precedence."""
    fp = fingerprint("US_SSN", SSN)
    key_file = config / "redact" / "fingerprint.key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert fp != _unkeyed("US_SSN", SSN)
    assert fingerprint("US_SSN", SSN) == fp == fingerprint("US_SSN", SSN, key_file.read_bytes().strip())
    key = _fpkey.default_key()
    assert key.origin == "file" and key.id in repr(key) and key.key.decode() not in repr(key)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(_fpkey.ENV, "FAKE-ci-secret-key")
        assert fingerprint("US_SSN", SSN) != fp
        assert _fpkey.default_key().origin == "env"


def test_policy_named_keys_keep_working(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy's fingerprint.key_env is used instead of the project key."""
    monkeypatch.setenv("TEAM_FP_KEY", "FAKE-team-key")
    policy = redact.Policy.model_validate({"fingerprint": {"key_env": "TEAM_FP_KEY"}})
    (finding,) = redact.scan({"ssn": SSN}, policy)
    assert finding.fingerprint == fingerprint("US_SSN", SSN, b"FAKE-team-key")
    assert finding.fingerprint != fingerprint("US_SSN", SSN)


def _planted_files(folder: Path) -> Path:
    folder.mkdir()
    (folder / "people.json").write_text(
        json.dumps({"ssn": SSN, "card": CARD, "phone": PHONE, "iban": IBAN, "lr": 0.1}, indent=2) + "\n"
    )
    return folder


def test_no_output_carries_an_unkeyed_digest(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The earlier unkeyed digest of each planted SSN, card, phone number and IBAN is in
    no report format, baseline, fix report, fix journal, decision or debug audit event;
    the keyed fingerprint is what they carry."""
    data = _planted_files(tmp_path / "data")
    unkeyed = {_unkeyed(c, v) for c, v in PLANTED.items()} | {_unkeyed(c, v)[:12] for c, v in PLANTED.items()}
    keyed = {fingerprint(c, v) for c, v in PLANTED.items()}
    outputs: dict[str, str] = {}
    for fmt in ("json", "sarif", "junit", "table", "markdown"):
        code, outputs[fmt] = _run("scan", "--format", fmt, str(data))
        assert code == 1, outputs[fmt]
    code, _ = _run("baseline", str(data), "-o", str(tmp_path / "baseline.json"))
    assert code == 0
    outputs["baseline"] = (tmp_path / "baseline.json").read_text()
    code, outputs["fix"] = _run("fix", str(data), "--format", "json")
    assert code == 0, outputs["fix"]
    outputs["journal"] = (tmp_path / "data.redact-backup-1" / "journal.jsonl").read_text()
    policy = redact.Policy.model_validate({"summary": "debug"})
    with structlog.testing.capture_logs() as events:
        result = redact.Redactor(policy).redact({"ssn": SSN, "card": CARD, "phone": PHONE, "iban": IBAN})
    outputs["decisions"] = repr(result.decisions)
    outputs["audit"] = repr(events)
    for name, text in outputs.items():
        for digest in unkeyed:
            assert digest not in text, (name, digest)
    for name in ("json", "sarif", "baseline", "decisions", "audit"):
        assert keyed & set(_hexes(outputs[name])), name


def _hexes(text: str) -> list[str]:
    import re

    return re.findall(r"[0-9a-f]{32}", text)


def test_baselines_record_the_key_id_stay_byte_stable_and_refuse_another_key(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same key: byte-identical baselines that hold the key id (never the key). Another
    key, or a version 1 baseline: exit 2 naming the baseline file."""
    data = _planted_files(tmp_path / "data")
    b1, b2 = tmp_path / "b1.json", tmp_path / "b2.json"
    assert _run("baseline", str(data), "-o", str(b1))[0] == 0
    assert _run("baseline", str(data), "-o", str(b2))[0] == 0
    assert b1.read_bytes() == b2.read_bytes()
    doc = json.loads(b1.read_text())
    key = _fpkey.default_key()
    assert doc["version"] == 2 and doc["fingerprint_key_id"] == key.id
    assert key.key.decode() not in b1.read_text()
    assert _run("scan", "--baseline", str(b1), str(data))[0] == 0

    monkeypatch.setenv(_fpkey.ENV, "FAKE-another-key")
    _fresh()
    code, out = _run("scan", "--baseline", str(b1), str(data))
    assert code == 2 and str(b1) in out and key.id in out and "fingerprint key" in out

    old = tmp_path / "v1.json"
    old.write_text(json.dumps({"baseline": "redact", "version": 1, "identity": [], "findings": []}))
    code, out = _run("scan", "--baseline", str(old), str(data))
    assert code == 2 and str(old) in out and "re-create" in out


def test_without_a_lasting_key_fingerprints_stay_keyed_and_baselines_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When no key file can be created (the configuration folder is not writable), the
    process keys fingerprints with a random key of its own, and `redact baseline` refuses
    to write a baseline nobody could use (exit 2, naming the variable to set)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(blocker))
    monkeypatch.delenv(_fpkey.ENV, raising=False)
    _fresh()
    try:
        key = _fpkey.default_key()
        assert key.origin == "ephemeral" and _fpkey.is_ephemeral(key.id)
        assert fingerprint("US_SSN", SSN) != _unkeyed("US_SSN", SSN)
        data = _planted_files(tmp_path / "data")
        code, out = _run("baseline", str(data), "-o", str(tmp_path / "b.json"))
        assert code == 2 and _fpkey.ENV in out and not (tmp_path / "b.json").exists()
    finally:
        _fresh()
