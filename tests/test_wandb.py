"""The W&B integration against real wandb in offline mode.

Generated fake secrets (a postgres URL with a password, the Luhn-valid test card
4111111111111111, a GitHub-format token, an email address) go through every door
(``wandb.init`` arguments, settings and environment, config files, sweep parameters,
``run.log``, every form of ``run.config`` update, ``run.summary``, the run's name, notes
and tags); then every file W&B wrote (the ``.wandb`` transaction log, debug logs, output
log, caches) is read as raw bytes and must not hold any plaintext, while the clean and
lineage values (a 40-hex git SHA, a ``sha256:`` digest) are recorded unchanged. The
transaction log is also decoded, to show the redacted values were really recorded.
No network: offline mode, a closed local port as the server, and a socket guard.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

wandb = pytest.importorskip("wandb")

from canaries import Canaries, Canary, Lineage, leaks  # noqa: E402
from wandb.proto import wandb_internal_pb2 as pb  # noqa: E402
from wandb.sdk import wandb_config, wandb_init, wandb_run, wandb_settings, wandb_summary  # noqa: E402
from wandb.sdk.artifacts import artifact  # noqa: E402
from wandb.sdk.data_types import html, table  # noqa: E402
from wandb.sdk.data_types.base_types import media  # noqa: E402
from wandb.sdk.data_types.helper_types import bounding_boxes_2d, classes, image_mask  # noqa: E402
from wandb.sdk.lib import redirect  # noqa: E402

import redact  # noqa: E402
from redact.actions import generate_key  # noqa: E402
from redact.errors import Blocked, RedactError  # noqa: E402
from redact.integrations.guard import RedactionFailed  # noqa: E402
from redact.integrations.wandb import install, installed  # noqa: E402
from redact.policy import load_policy  # noqa: E402

PG_PASSWORD = "Pg-Fake-Pass-7731"
PG = f"postgresql://svc:{PG_PASSWORD}@db.internal:5432/features"
CARD = "4111111111111111"
CARD_SPACED = "4111 1111 1111 1111"
GH = "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"
EMAIL_USER = "jane.doe.4417"
EMAIL = f"{EMAIL_USER}@example.com"
PLAINTEXTS = {
    "postgres url": PG,
    "postgres password": PG_PASSWORD,
    "card": CARD,
    "spaced card": CARD_SPACED,
    "github token": GH,
    "email": EMAIL,
    "email user": EMAIL_USER,
}

PG_MASKED = "postgresql://svc:****@db.internal:5432/features"
CARD_MASKED = "************1111"
GH_MASKED = "[REDACTED:github-classic-token]"
EMAIL_MASKED = "****@example.com"

GIT_SHA = hashlib.sha1(b"redact wandb integration test").hexdigest()
DIGEST = "sha256:" + hashlib.sha256(b"features-v3.parquet").hexdigest()

SECRETS = {"db_url": PG, "billing_card": CARD, "gh_token": GH, "owner_email": EMAIL}
MASKED = {
    "db_url": PG_MASKED,
    "billing_card": CARD_MASKED,
    "gh_token": GH_MASKED,
    "owner_email": EMAIL_MASKED,
}
CLEAN = {"optimizer": "adamw", "lr": 0.0003, "epochs": 12, "git_commit": GIT_SHA, "dataset_digest": DIGEST}
LINEAGE = {"git sha": GIT_SHA, "dataset digest": DIGEST}

BLOCK_POLICY = """\
version: 1
name: block-secrets
extends: default
summary: silent
actions:
  CONNECTION_STRING: block
  SECRET: block
  CREDIT_CARD: block
  EMAIL_ADDRESS: block
"""

DROP_POLICY = """\
version: 1
name: drop-emails
extends: default
summary: silent
actions:
  EMAIL_ADDRESS: drop
"""

TOKENIZE_POLICY = """\
version: 1
name: tokenize-secrets
extends: default
summary: silent
actions:
  SECRET: tokenize
keyring:
  tokenize: {env: REDACT_TEST_TOKENIZE_KEY}
"""


# --------------------------------------------------------------------------- fixtures
@dataclass
class Env:
    root: Path  # WANDB_DIR: everything W&B writes lives under it
    inputs: Path  # files the tests hand to W&B (they hold plaintext on purpose)

    def policy(self, text: str, name: str) -> Path:
        path = self.inputs / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail any connection or lookup from this process to a non-loopback host."""
    attempts: list[str] = []
    loopback = {"127.0.0.1", "::1", "localhost"}
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in loopback:
            attempts.append(str(address[0]))
            raise OSError("network access is blocked in this test")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in loopback and host is not None:
            attempts.append(str(host))
            raise OSError("name lookups are blocked in this test")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield attempts
    assert attempts == [], f"network was attempted: {attempts}"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """Offline W&B writing only under tmp_path, no git, no code saving, no error
    reports, an unreachable local server, a fresh W&B singleton, nothing installed."""
    root, inputs = tmp_path / "wb", tmp_path / "in"
    root.mkdir()
    inputs.mkdir()
    for name in (
        "WANDB_API_KEY",
        "WANDB_NAME",
        "WANDB_NOTES",
        "WANDB_TAGS",
        "WANDB_RUN_GROUP",
        "WANDB_JOB_TYPE",
        "WANDB_SWEEP_ID",
        "WANDB_SWEEP_PARAM_PATH",
        "WANDB_CONFIG_PATHS",
        "WANDB_ENTITY",
        "REDACT_POLICY",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = {
        "WANDB_MODE": "offline",
        "WANDB_DIR": root,
        "WANDB_SILENT": "true",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DISABLE_CODE": "true",
        "WANDB_ERROR_REPORTING": "false",
        "WANDB_BASE_URL": "http://127.0.0.1:9",
        "WANDB_PROJECT": "redact-test",
        "WANDB_CACHE_DIR": root / "cache",
        "WANDB_CONFIG_DIR": root / "config",
        "WANDB_DATA_DIR": root / "data",
        "WANDB_ARTIFACT_DIR": root / "artifacts",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
    monkeypatch.chdir(inputs)  # config-defaults.yaml is looked up in the working directory
    wandb.teardown()  # a fresh singleton reads this environment
    try:
        yield Env(root, inputs)
    finally:
        handle = installed()
        if handle is not None:
            handle.uninstall()
        if wandb.run is not None:
            wandb.run.finish()
        wandb.teardown()


# --------------------------------------------------------------------------- reading what W&B wrote
@dataclass
class Recorded:
    """What one offline run's transaction log holds, decoded."""

    config: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)
    run: Any = None  # the last RunRecord
    payload: bytes = b""  # every record's bytes, joined across log blocks
    records: list[Any] = field(default_factory=list)  # every decoded Record


def _key(item: Any) -> str:
    return item.key or ".".join(item.nested_key)


def read_records(path: Path) -> Recorded:
    """Decode a ``.wandb`` file: a LevelDB-style log (7-byte W&B header, 32 KiB blocks of
    checksummed chunks) of ``wandb_internal_pb2.Record`` messages."""
    data = path.read_bytes()
    assert data[:4] == b":W&B"
    out = Recorded()
    pos, block, buf, payloads = 7, 32768, b"", []
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:  # block trailer padding
            pos += left
            continue
        _crc, length, kind = struct.unpack("<IHB", data[pos : pos + 7])
        if kind == 0 and length == 0:
            pos += left
            continue
        chunk = data[pos + 7 : pos + 7 + length]
        pos += 7 + length
        buf = chunk if kind in (1, 2) else buf + chunk  # FULL/FIRST start, MIDDLE/LAST add
        if kind not in (1, 4):
            continue
        payloads.append(buf)
        record = pb.Record()
        record.ParseFromString(buf)
        out.records.append(record)
        which = record.WhichOneof("record_type")
        if which == "run":
            out.run = record.run
            out.config.update({_key(i): json.loads(i.value_json) for i in record.run.config.update})
        elif which == "config":
            out.config.update({_key(i): json.loads(i.value_json) for i in record.config.update})
        elif which == "summary":
            out.summary.update({_key(i): json.loads(i.value_json) for i in record.summary.update})
        elif which == "history":
            out.history.append({_key(i): json.loads(i.value_json) for i in record.history.item})
    out.payload = b"\n".join(payloads)
    return out


def run_dir(env: Env) -> Path:
    """The one run folder, once W&B is done with it: run.finish() may return before the
    service has flushed the transaction log; teardown waits for the service to exit."""
    wandb.teardown()
    dirs = sorted((env.root / "wandb").glob("offline-run-*"))
    assert len(dirs) == 1, dirs
    return dirs[0]


def check_files(env: Env, *, lineage: bool = True) -> Recorded:
    """Every file under WANDB_DIR, as raw bytes, holds no plaintext (nor does the
    reassembled transaction log); lineage values are there unchanged. Returns the
    decoded transaction log."""
    folder = run_dir(env)
    (log,) = folder.glob("run-*.wandb")
    for expected in ("logs/debug.log", "logs/debug-internal.log"):
        assert (folder / expected).is_file(), expected
    rec = read_records(log)
    files = [p for p in env.root.rglob("*") if p.is_file()]
    assert len(files) >= 4
    blobs = {str(p.relative_to(env.root)): p.read_bytes() for p in files}
    blobs["<reassembled .wandb records>"] = rec.payload
    leaks = [
        (name, label)
        for name, blob in blobs.items()
        for label, text in PLAINTEXTS.items()
        if text.encode() in blob
    ]
    assert leaks == [], f"plaintext found (file, what): {leaks}"
    if lineage:
        everything = b"".join(blobs.values())
        for label, text in LINEAGE.items():
            assert text.encode() in everything, f"{label} missing"
    return rec


def assert_config(rec: Recorded, expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert rec.config.get(key) == value, key


# --------------------------------------------------------------------------- wandb.init
def _namespace() -> argparse.Namespace:
    return argparse.Namespace(**SECRETS, **CLEAN)


def _yaml_file(env: Env) -> str:
    path = env.inputs / "run-config.yaml"
    path.write_text(yaml.safe_dump({k: {"value": v} for k, v in {**SECRETS, **CLEAN}.items()}))
    return str(path)


@pytest.mark.parametrize("form", ["mapping", "yaml-path", "namespace"])
def test_init_config_is_redacted_with_its_keys_as_context(env: Env, form: str) -> None:
    """wandb.init(config=...) as a dict, a config-file path or an argparse namespace:
    secrets are masked before W&B logs or records the config; clean and lineage values
    (git SHA, dataset digest) are recorded unchanged."""
    install()
    config: Any = {
        "mapping": lambda: {**SECRETS, **CLEAN, "nested": {"dsn": PG, "emails": [EMAIL, "ok"]}},
        "yaml-path": lambda: _yaml_file(env),
        "namespace": _namespace,
    }[form]()
    run = wandb.init(config=config)
    assert run.config["db_url"] == PG_MASKED
    run.finish()
    rec = check_files(env)
    assert_config(rec, {**MASKED, **CLEAN})
    if form == "mapping":
        assert rec.config["nested"] == {"dsn": PG_MASKED, "emails": [EMAIL_MASKED, "ok"]}


def test_init_run_fields_are_redacted(env: Env) -> None:
    """wandb.init's name, notes, group and job_type (each as {"name": value}) and tags (a
    list) are redacted before W&B records the run."""
    install()
    run = wandb.init(
        name=f"sweep for {EMAIL}",
        notes=f"db {PG} token {GH}",
        group=f"card {CARD}",
        job_type=f"ci {GH}",
        tags=[EMAIL, "baseline", CARD_SPACED, GH],
        config=CLEAN,
    )
    assert run.name == f"sweep for {EMAIL_MASKED}"
    run.finish()
    rec = check_files(env)
    assert rec.run.display_name == f"sweep for {EMAIL_MASKED}"
    assert rec.run.notes == f"db {PG_MASKED} token {GH_MASKED}"
    assert rec.run.run_group == f"card {CARD_MASKED}"
    assert rec.run.job_type == f"ci {GH_MASKED}"
    assert list(rec.run.tags) == [EMAIL_MASKED, "baseline", "**** **** **** 1111", GH_MASKED]


def test_run_fields_from_environment_and_settings_are_redacted(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run fields that reach W&B through WANDB_NAME/WANDB_TAGS/WANDB_RUN_GROUP/
    WANDB_JOB_TYPE or wandb.Settings(run_notes=...) are redacted at make_run_settings."""
    monkeypatch.setenv("WANDB_NAME", f"run of {EMAIL}")
    monkeypatch.setenv("WANDB_TAGS", f"{GH},baseline")
    monkeypatch.setenv("WANDB_RUN_GROUP", f"card {CARD}")
    monkeypatch.setenv("WANDB_JOB_TYPE", f"sync {PG}")
    wandb.teardown()
    install()
    run = wandb.init(settings=wandb.Settings(run_notes=f"db {PG}"), config=CLEAN)
    run.finish()
    rec = check_files(env)
    assert rec.run.display_name == f"run of {EMAIL_MASKED}"
    assert list(rec.run.tags) == [GH_MASKED, "baseline"]
    assert rec.run.run_group == f"card {CARD_MASKED}"
    assert rec.run.job_type == f"sync {PG_MASKED}"
    assert rec.run.notes == f"db {PG_MASKED}"


def test_sweep_parameters_and_config_defaults_are_redacted(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep's parameter file (WANDB_SWEEP_PARAM_PATH: make_run_config, then the locked
    Config.merge_locked of Run init) and config-defaults.yaml (Config.update at Config
    creation) are redacted before wandb.init logs or records them; sweep keys stay locked."""
    sweep = env.inputs / "sweep-params.yaml"
    sweep.write_text(yaml.safe_dump({"wandb_version": 1, **{k: {"value": v} for k, v in SECRETS.items()}}))
    defaults = {"defaults_dsn": PG, "defaults_owner": EMAIL, "git_commit": GIT_SHA}
    (env.inputs / "config-defaults.yaml").write_text(
        yaml.safe_dump({k: {"value": v} for k, v in defaults.items()})
    )
    monkeypatch.setenv("WANDB_SWEEP_PARAM_PATH", str(sweep))
    wandb.teardown()
    install()
    run = wandb.init(config={"dataset_digest": DIGEST})
    assert set(SECRETS) <= set(run.config._locked)  # the sweep path really was taken
    run.finish()
    rec = check_files(env)
    assert_config(rec, {**MASKED, "defaults_dsn": PG_MASKED, "defaults_owner": EMAIL_MASKED})
    assert_config(rec, {"git_commit": GIT_SHA, "dataset_digest": DIGEST})


def test_values_redacted_on_the_way_in_are_not_redacted_again(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tokenize policy gives the init config and the sweep parameters exactly one token
    each: the inner seams skip what the outer seams redacted (init wrapper ->
    make_run_config, make_run_config -> Config.merge_locked), and a token is not
    tokenized again."""
    monkeypatch.setenv("REDACT_TEST_TOKENIZE_KEY", generate_key("tokenize"))
    policy = load_policy(env.policy(TOKENIZE_POLICY, "tokenize"))
    once = redact.redact({"db_password": "Fake-Sweep-Pass-93", "api_key": GH}, policy).value
    twice = redact.redact(once, policy).value
    assert twice == once  # redaction is idempotent
    sweep = env.inputs / "sweep-params.yaml"
    sweep.write_text(yaml.safe_dump({"wandb_version": 1, "db_password": {"value": "Fake-Sweep-Pass-93"}}))
    monkeypatch.setenv("WANDB_SWEEP_PARAM_PATH", str(sweep))
    wandb.teardown()
    install(policy)
    run = wandb.init(config={"api_key": GH, **CLEAN})
    run.finish()
    rec = check_files(env)
    assert rec.config["db_password"] == once["db_password"]
    assert rec.config["api_key"] == once["api_key"]


# --------------------------------------------------------------------------- run.log, config, summary
def test_log_dicts_are_redacted_numbers_pass_through(env: Env) -> None:
    """run.log (and wandb.log): string values inside the dict, nested dicts and lists are
    redacted; floats and small ints pass through; a card as a bare integer is masked."""
    install()
    run = wandb.init(config=CLEAN)
    run.log(
        {
            **SECRETS,
            "loss": 0.25,
            "step_count": 7,
            "card_as_int": int(CARD),
            "note": f"mail {EMAIL}",
            "eval": {"dsn": PG, "acc": 0.9},
            "samples": [GH, "ok"],
            "git_commit": GIT_SHA,
        }
    )
    wandb.log({"loss": 0.125, "dataset_digest": DIGEST, "who": EMAIL})
    run.finish()
    rec = check_files(env)
    first, second = rec.history[0], rec.history[1]
    for key, value in MASKED.items():
        assert first[key] == value
    assert first["loss"] == 0.25 and first["step_count"] == 7
    assert first["card_as_int"] == CARD_MASKED
    assert first["note"] == f"mail {EMAIL_MASKED}"
    assert first["eval.dsn"] == PG_MASKED and first["eval.acc"] == 0.9
    assert first["samples"] == [GH_MASKED, "ok"]
    assert first["git_commit"] == GIT_SHA
    assert second["loss"] == 0.125 and second["dataset_digest"] == DIGEST and second["who"] == EMAIL_MASKED
    assert rec.summary["owner_email"] == EMAIL_MASKED


def _set_items(run: Any, d: dict[str, Any]) -> None:
    for key, value in d.items():
        run.config[key] = value


def _set_attributes(run: Any, d: dict[str, Any]) -> None:
    for key, value in d.items():
        setattr(run.config, key, value)


CONFIG_DOORS: dict[str, Callable[[Any, dict[str, Any]], None]] = {
    "update": lambda run, d: run.config.update(d),
    "item": _set_items,
    "attribute": _set_attributes,
    "setdefaults": lambda run, d: run.config.setdefaults(d),
    "update_locked": lambda run, d: run.config.update_locked(d, user="sweep"),
    "merge_locked": lambda run, d: run.config.merge_locked(d, user="launch"),
    "wandb.config.update": lambda run, d: wandb.config.update(d),
}


@pytest.mark.parametrize("door", list(CONFIG_DOORS))
def test_config_updates_are_redacted(env: Env, door: str) -> None:
    """Every form of run.config update (update, item and attribute assignment,
    setdefaults, the locked updates of sweeps and Launch, the wandb.config global)
    records masked secrets and unchanged clean and lineage values."""
    install()
    run = wandb.init()
    CONFIG_DOORS[door](run, {**SECRETS, **CLEAN})
    assert run.config["gh_token"] == GH_MASKED
    run.finish()
    assert_config(check_files(env), {**MASKED, **CLEAN})


def test_summary_updates_are_redacted(env: Env) -> None:
    """run.summary item and attribute assignment, update(), and nested sub-dicts (with the
    parent keys in the pointer) are redacted."""
    install()
    run = wandb.init(config=CLEAN)
    run.summary["db_url"] = PG
    run.summary.gh_token = GH
    run.summary.update({"owner_email": EMAIL, "billing_card": CARD, "best_acc": 0.93, "git_commit": GIT_SHA})
    run.summary["eval"] = {"dsn": PG, "acc": 0.9}
    run.summary["eval"]["contact"] = EMAIL
    wandb.summary["dataset_digest"] = DIGEST
    run.finish()
    rec = check_files(env)
    for key, value in MASKED.items():
        assert rec.summary[key] == value
    assert rec.summary["best_acc"] == 0.93 and rec.summary["git_commit"] == GIT_SHA
    assert rec.summary["dataset_digest"] == DIGEST
    assert rec.summary["eval"] == {"dsn": PG_MASKED, "acc": 0.9}
    assert rec.summary["eval.contact"] == EMAIL_MASKED


def test_run_name_notes_and_tags_setters_are_redacted(env: Env) -> None:
    """Setting run.name, run.notes and run.tags after init redacts them too."""
    install()
    run = wandb.init(config=CLEAN)
    run.name = f"renamed for {EMAIL}"
    run.notes = f"dsn {PG} card {CARD}"
    run.tags = [GH, "final"]
    assert run.name == f"renamed for {EMAIL_MASKED}"
    run.finish()
    rec = check_files(env)
    assert rec.run.display_name == f"renamed for {EMAIL_MASKED}"
    assert rec.run.notes == f"dsn {PG_MASKED} card {CARD_MASKED}"
    assert list(rec.run.tags) == [GH_MASKED, "final"]


# --------------------------------------------------------------------------- block, drop, fail closed
BLOCK_DOORS: dict[str, Callable[[Any], None]] = {
    "config.update": lambda run: run.config.update({"lr_blocked": 0.5, "db_url": PG}),
    "config item": lambda run: run.config.__setitem__("gh_token", GH),
    "config attribute": lambda run: setattr(run.config, "owner_email", EMAIL),
    "update_locked": lambda run: run.config.update_locked({"lr_blocked": 0.5, "card": CARD}, user="sweep"),
    "log": lambda run: run.log({"lr_blocked": 0.5, "db_url": PG}),
    "summary": lambda run: run.summary.update({"lr_blocked": 0.5, "card": CARD}),
    "run.notes": lambda run: setattr(run, "notes", f"dsn {PG}"),
}


@pytest.mark.parametrize("door", list(BLOCK_DOORS))
def test_block_policy_raises_blocked_and_records_nothing(env: Env, door: str) -> None:
    """Under a block policy the call raises Blocked (no value in the message) and nothing
    of it is recorded, not even its clean keys; the run goes on."""
    install(env.policy(BLOCK_POLICY, "block"))
    run = wandb.init(config=CLEAN)
    with pytest.raises(Blocked) as info:
        BLOCK_DOORS[door](run)
    assert all(text not in str(info.value) for text in PLAINTEXTS.values())
    run.config.update({"after": "still-logging"})
    run.finish()
    rec = check_files(env)
    assert rec.config["after"] == "still-logging"
    assert "lr_blocked" not in rec.config and "lr_blocked" not in rec.summary
    assert all("lr_blocked" not in step for step in rec.history)
    assert rec.run.notes == ""


def test_blocked_init_starts_no_run(env: Env) -> None:
    """wandb.init with a blocked config value raises Blocked before W&B starts anything:
    no run, no run folder."""
    install(env.policy(BLOCK_POLICY, "block"))
    with pytest.raises(Blocked):
        wandb.init(config={"lr": 0.1, "db_url": PG})
    with pytest.raises(Blocked):
        wandb.init(name=f"run of {EMAIL}")
    assert wandb.run is None
    assert list(env.root.rglob("offline-run-*")) == []
    assert all(
        text.encode() not in p.read_bytes()
        for p in env.root.rglob("*")
        if p.is_file()
        for text in PLAINTEXTS.values()
    )


def test_drop_action_removes_the_key(env: Env) -> None:
    """A drop action removes the key: from config updates, item assignment (nothing is
    set), log dicts, summary updates and tags."""
    install(env.policy(DROP_POLICY, "drop"))
    run = wandb.init(config={"owner_email": EMAIL, "lr": 0.1}, tags=[EMAIL, "baseline"])
    run.config.update({"contact": EMAIL, "epochs": 3})
    run.config["reviewer"] = EMAIL
    assert "reviewer" not in run.config
    run.log({"who": EMAIL, "loss": 1.0})
    run.summary.update({"mail": EMAIL, "best": 2.0})
    run.finish()
    rec = check_files(env, lineage=False)
    assert rec.config["lr"] == 0.1 and rec.config["epochs"] == 3
    assert not {"owner_email", "contact", "reviewer"} & set(rec.config)
    assert rec.history[0] == {k: v for k, v in rec.history[0].items() if k != "who"}
    assert rec.history[0]["loss"] == 1.0
    assert "mail" not in rec.summary and rec.summary["best"] == 2.0
    assert list(rec.run.tags) == ["baseline"]


def test_redaction_failure_fails_closed(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """If redaction itself fails, the W&B call raises RedactionFailed and nothing raw is
    forwarded (config, log and summary alike)."""
    handle = install()
    run = wandb.init(config=CLEAN)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("detector bug")

    monkeypatch.setattr(handle._redactor, "redact", broken)
    with pytest.raises(RedactionFailed):
        run.config.update({"db_url": PG})
    with pytest.raises(RedactionFailed):
        run.log({"token": GH})
    with pytest.raises(RedactionFailed):
        run.summary["card"] = CARD
    monkeypatch.undo()
    run.finish()
    rec = check_files(env)
    assert "db_url" not in rec.config and "card" not in rec.summary


# --------------------------------------------------------------------------- install / uninstall
def _seams() -> dict[tuple[Any, str], Any]:
    """The attributes the integration patches, as W&B defines them."""
    owners = [
        (wandb_init, ["init"]),
        (wandb.sdk, ["init"]),
        (wandb, ["init"]),
        (wandb_init._WandbInit, ["make_run_settings", "make_run_config"]),
        (
            wandb_config.Config,
            ["__setitem__", "__setattr__", "update", "setdefaults", "update_locked", "merge_locked"],
        ),
        (wandb_summary.SummaryDict, ["update"]),
        (
            wandb_run.Run,
            [
                "_partial_history_callback",
                "name",
                "notes",
                "tags",
                "alert",
                "_restore",
                "_finish",
                "write_logs",
            ],
        ),
        (redirect.RedirectBase, ["__init__"]),
        (wandb_settings.Settings, ["to_proto"]),
        (table.Table, ["_to_table_json"]),
        (html.Html, ["__init__"]),
        (media.Media, ["__init__"]),
        (bounding_boxes_2d.BoundingBoxes2D, ["__init__"]),
        (image_mask.ImageMask, ["__init__"]),
        (classes.Classes, ["__init__"]),
        (artifact.Artifact, ["_add_local_file", "add_reference"]),
        (wandb_run, ["link_or_copy_with_policy"]),
    ]
    return {(owner, name): vars(owner)[name] for owner, names in owners for name in names}


def test_install_twice_is_idempotent_and_uninstall_restores_everything(env: Env) -> None:
    """A second install returns the same handle and wraps nothing twice (an explicit
    policy replaces the active one, a bare install() keeps it); uninstall puts back every original attribute, after which W&B records
    raw values again (its original behaviour)."""
    originals = _seams()
    first = install()
    second = install(env.policy(BLOCK_POLICY, "block"))  # an explicit policy replaces the active one
    third = install()  # a bare install keeps it
    assert first is second is third and first.policy.name == "block-secrets"
    for (owner, name), original in originals.items():
        current = vars(owner)[name]
        assert current is not original, name
        if isinstance(current, property):
            current, original = current.fset, original.fset
        assert current.__wrapped__ is original, name  # wrapped exactly once
    assert sorted(first.seams) == sorted(
        f"{o.__module__}.{o.__qualname__}.{n}" if isinstance(o, type) else f"{o.__name__}.{n}"
        for o, n in originals
    )
    first.uninstall()
    assert installed() is None and not first.installed
    for (owner, name), original in originals.items():
        assert vars(owner)[name] is original, name
    run = wandb.init(config={"gh_token": GH})
    run.config.update({"db_url": PG})
    run.finish()
    rec = read_records(next(run_dir(env).glob("run-*.wandb")))
    assert rec.config["db_url"] == PG and rec.config["gh_token"] == GH


def test_install_reads_policy_from_environment(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """install() with no policy uses REDACT_POLICY (a path or a built-in name), else the
    built-in default; the handle works as a context manager."""
    monkeypatch.setenv("REDACT_POLICY", str(env.policy(BLOCK_POLICY, "block")))
    with install() as handle:
        assert handle.policy.name == "block-secrets"
        with pytest.raises(Blocked):
            wandb_config.Config().update({"db_url": PG})
    assert installed() is None
    monkeypatch.delenv("REDACT_POLICY")
    with install() as handle:
        assert handle.policy.name == "default"


def test_missing_seam_patches_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a wandb version that lacks a seam, install raises RuntimeError and patches
    nothing (fail closed: no half-installed integration)."""
    originals = _seams()
    monkeypatch.delattr(wandb_config.Config, "merge_locked")
    with pytest.raises(RuntimeError, match="merge_locked"):
        install()
    assert installed() is None
    for (owner, name), original in originals.items():
        if name != "merge_locked":
            assert vars(owner)[name] is original, name


# --------------------------------------------------------------------------- console, metadata, media, artifacts
def _of_type(rec: Recorded, kind: str) -> list[Any]:
    return [getattr(r, kind) for r in rec.records if r.WhichOneof("record_type") == kind]


def _print_secrets() -> None:
    import sys

    run = wandb.init()
    print("connecting to", PG)
    print("db_password:", PG_PASSWORD)  # four writes: the key arrives apart from the value
    print(f"owner {EMAIL} card {CARD} commit {GIT_SHA}")
    sys.stderr.write(f"token {GH}\n")
    run.write_logs(f"note for {EMAIL}, card {CARD}")
    sys.stdout.write(f"last line {GH} {DIGEST}")  # no newline: forwarded when capture stops
    sys.stdout.flush()
    run.finish()


@pytest.mark.parametrize("console", ["wrap", "wrap_emu", "redirect"])
def test_console_output_is_redacted_in_output_log_and_records(
    env: Env, console: str, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """stdout/stderr captured by W&B (every capture mode) is redacted whole line by whole
    line before it reaches output.log or the console records of the .wandb file, a key
    printed apart from its value included; a last line without a newline is kept;
    run.write_logs text is redacted too."""

    monkeypatch.setenv("WANDB_CONSOLE", console)
    install()
    if console == "redirect":  # W&B captures file descriptors 1 and 2: not pytest's capture
        with request.getfixturevalue("capfd").disabled():
            _print_secrets()
    else:
        _print_secrets()
    rec = check_files(env)
    folder = run_dir(env)
    text = (folder / "files" / "output.log").read_text()
    assert PG_MASKED in text and "[REDACTED:github-classic-token]" in text and GIT_SHA in text
    assert "last line" in text and DIGEST in text
    if console == "wrap":  # raw console records in the transaction log
        lines = "".join(r.line for r in _of_type(rec, "output_raw"))
        assert PG_MASKED in lines and GIT_SHA in lines
    logged = [r for r in _of_type(rec, "output_logger")]
    assert logged and EMAIL_MASKED in str(logged)


def test_program_arguments_are_redacted_in_run_metadata(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """sys.argv as W&B records it (the environment record, wandb-metadata.json's args):
    ``--flag value``, ``--flag=value`` and ``key=value`` forms are redacted with their
    flag as the key; the git SHA argument is unchanged."""
    import sys

    argv = [
        "train.py",
        "--db-url",
        PG,
        f"--token={GH}",
        f"db.password={PG_PASSWORD}",
        "--data",
        DIGEST,
        "--commit",
        GIT_SHA,
    ]
    monkeypatch.setattr(sys, "argv", argv)
    install()
    run = wandb.init()
    run.finish()
    rec = check_files(env)
    environments = [e for e in _of_type(rec, "environment") if e.args]
    assert environments
    args = list(environments[-1].args)
    assert args[0] == "--db-url" and args[1] == PG_MASKED and args[-1] == GIT_SHA
    assert args[2].startswith("--token=") and "REDACTED" in args[2]
    assert args[3].startswith("db.password=") and PG_PASSWORD not in args[3]


def test_table_and_html_text_is_redacted(env: Env) -> None:
    """wandb.Table cells (with their column names as context), wandb.Html pages, given
    as a string, a file object or an .html file, and media captions are redacted in the
    files W&B writes; lineage cells are unchanged."""
    page = env.inputs / "report.html"
    page.write_text(f"<p>owner {EMAIL}</p>")
    install()
    run = wandb.init()
    tbl = wandb.Table(columns=["owner_email", "note", "git_commit"], data=[[EMAIL, f"token {GH}", GIT_SHA]])
    tbl.add_data("ops@example.org", f"dsn {PG}", DIGEST)
    import io

    import numpy as np

    run.log(
        {
            "runs": tbl,
            "page": wandb.Html(f"<b>{PG}</b> card {CARD}"),
            "page_io": wandb.Html(io.StringIO(f"<i>{GH}</i>")),
            "page_file": wandb.Html(str(page)),
            "image": wandb.Image(np.zeros((4, 4, 3), dtype=np.uint8), caption=f"owner {EMAIL} {GIT_SHA}"),
        }
    )
    run.finish()
    check_files(env)
    folder = run_dir(env)
    (table_file,) = folder.glob("files/media/table/*.table.json")
    data = json.loads(table_file.read_text())
    assert data["data"][0] == [EMAIL_MASKED, f"token {GH_MASKED}", GIT_SHA]
    assert data["data"][1][2] == DIGEST
    pages = " ".join(p.read_text() for p in folder.glob("files/media/html/*.html"))
    assert PG_MASKED in pages and EMAIL_MASKED in pages and GH_MASKED in pages


def test_image_box_and_mask_labels_and_classes_are_redacted(env: Env) -> None:
    """An image's box captions, box and mask class labels and class set are redacted in
    the box file and the run's history; coordinates, scores and class ids are kept."""
    import numpy as np

    install()
    run = wandb.init()
    box = {
        "position": {"minX": 0.1, "maxX": 0.4, "minY": 0.2, "maxY": 0.5},
        "class_id": 1,
        "box_caption": f"owner {EMAIL}",
        "scores": {"acc": 0.75},
    }
    boxes = {"predictions": {"box_data": [box], "class_labels": {1: f"by {EMAIL}", 2: "cat"}}}
    masks = {"ground_truth": {"mask_data": np.ones((4, 4), dtype=np.uint8), "class_labels": {0: "bg", 1: PG}}}
    classes = [{"id": 1, "name": f"dsn {PG}"}, {"id": 2, "name": "cat"}]
    image = np.zeros((4, 4, 3), dtype=np.uint8)
    logged = wandb.Image(image, boxes=boxes, masks=masks, classes=classes)
    class_set = logged._classes._class_set  # the given set and the masks' labels
    assert {"id": 1, "name": f"dsn {PG_MASKED}"} in class_set and classes[1] in class_set
    assert PG_PASSWORD not in json.dumps(class_set)
    run.log({"img": logged})
    run.finish()
    rec = check_files(env, lineage=False)
    (box_file,) = run_dir(env).glob("files/media/metadata/boxes2D/*.json")
    written = json.loads(box_file.read_text())
    assert written["box_data"] == [box | {"box_caption": f"owner {EMAIL_MASKED}"}]
    assert written["class_labels"] == {"1": f"by {EMAIL_MASKED}", "2": "cat"}
    labels = {k: v["value"] for k, v in rec.config["_wandb"]["mask/class_labels"].items()}
    assert labels == {"img_wandb_delimeter_ground_truth": {"0": "bg", "1": PG_MASKED}}


def test_alert_title_and_text_are_redacted(env: Env) -> None:
    """run.alert and wandb.alert: title and text are redacted before W&B records the
    alert; under a block policy the alert raises Blocked and nothing is sent."""
    install()
    run = wandb.init()
    run.alert(title=f"loss spike for {EMAIL}", text=f"check {PG}")
    wandb.alert(f"card {CARD}", text="retrying", level="WARN")
    run.finish()
    rec = check_files(env, lineage=False)
    alerts = [(a.title, a.text) for a in _of_type(rec, "alert")]
    assert alerts == [
        (f"loss spike for {EMAIL_MASKED}", f"check {PG_MASKED}"),
        (f"card {CARD_MASKED}", "retrying"),
    ]


def test_blocked_alert_is_not_sent(env: Env) -> None:
    install(env.policy(BLOCK_POLICY, "block"))
    run = wandb.init()
    with pytest.raises(Blocked):
        run.alert(title="db down", text=f"dsn {PG}")
    run.alert(title="db down", text="see the runbook")
    run.finish()
    rec = check_files(env, lineage=False)
    assert [(a.title, a.text) for a in _of_type(rec, "alert")] == [("db down", "see the runbook")]


def test_artifact_references_are_recorded_without_credentials(env: Env) -> None:
    """add_reference: a reference URI's password and an e-mail in its path are redacted
    in the manifest (reference, digest and entry path; the suffix keeps two users' entries
    apart and the extension last); a clean reference is unchanged."""
    install()
    run = wandb.init()
    art = wandb.Artifact("refs", type="dataset")
    art.add_reference(
        PG.replace("postgresql", "https").replace(":5432/features", "/data.csv"), checksum=False
    )
    art.add_reference(
        f"https://files.internal/users/{EMAIL}/part.csv", name=f"users/{EMAIL}/part.csv", checksum=False
    )
    art.add_reference(
        "https://files.internal/users/ops.9921@example.com/part.csv",
        name="users/ops.9921@example.com/part.csv",
        checksum=False,
    )
    art.add_reference(f"https://files.internal/clean/{GIT_SHA}/y.csv", checksum=False)
    entries = {str(e.path): e for e in art.manifest.entries.values()}
    run.log_artifact(art)
    run.finish()
    check_files(env, lineage=False)
    refs = sorted(e.ref for e in entries.values())
    assert "https://svc:****@db.internal/data.csv" in refs
    assert entries["y.csv"].ref == entries["y.csv"].digest == f"https://files.internal/clean/{GIT_SHA}/y.csv"
    users = [p for p in entries if p.startswith("users/")]
    assert len(users) == 2 and all(
        p.startswith("users/****@example.com/part~") and p.endswith(".csv") for p in users
    )


def test_artifact_text_files_are_redacted_binary_pass(env: Env) -> None:
    """Artifact.add_file, new_file and add_dir: text files (YAML, JSON, .env, notebooks)
    are replaced by redacted copies under the same artifact path; a binary file is added
    unchanged; the manifest digests are those of what is stored."""
    folder = env.inputs / "hydra"
    folder.mkdir()
    (folder / "config.yaml").write_text(
        f"db:\n  url: {PG}\n  password: {PG_PASSWORD}\ngit_commit: {GIT_SHA}\n"
    )
    (folder / ".env").write_text(f"GITHUB_TOKEN={GH}\nOWNER={EMAIL}\n")
    blob = bytes(range(256)) * 8
    (folder / "weights.bin").write_bytes(blob)
    params = env.inputs / "params.json"
    params.write_text(json.dumps({"db_url": PG, "dataset_digest": DIGEST}, indent=2))
    install()
    run = wandb.init()
    art = wandb.Artifact("training-config", type="config")
    art.add_file(str(params))
    art.add_dir(str(folder), name="hydra")
    with art.new_file("notes.md") as f:
        f.write(f"# run notes\nbilling card {CARD_SPACED}, token {GH}\n")
    assert art._tmp_dir is not None
    staged = [p.read_bytes() for p in Path(art._tmp_dir.name).rglob("*") if p.is_file()]
    assert staged and not [
        t for t in PLAINTEXTS.values() for b in staged if t.encode() in b
    ]  # redacted in place
    entries = {e.path: e for e in art.manifest.entries.values()}
    assert set(entries) == {"params.json", "hydra/config.yaml", "hydra/.env", "hydra/weights.bin", "notes.md"}
    stored = {p: Path(e.local_path).read_bytes() for p, e in entries.items()}
    assert stored["hydra/weights.bin"] == blob
    assert json.loads(stored["params.json"]) == {"db_url": PG_MASKED, "dataset_digest": DIGEST}
    assert GIT_SHA.encode() in stored["hydra/config.yaml"]
    for path, entry in entries.items():
        digest = hashlib.md5(stored[path]).digest()
        import base64

        assert entry.digest == base64.b64encode(digest).decode(), path
    run.log_artifact(art)
    run.finish()
    check_files(env)


def test_secrets_as_keys_in_tables_and_artifact_json(env: Env) -> None:
    """A secret used as a key inside a JSON artifact file or a table cell's dict does not
    reach the files W&B writes."""
    install()
    run = wandb.init()
    art = wandb.Artifact("keys", type="config")
    with art.new_file("keys.json") as f:
        f.write(json.dumps({EMAIL: 1, "nested": {GH: "x"}, "commit": GIT_SHA}))
    tbl = wandb.Table(columns=["meta"], data=[[{EMAIL: "owner"}]])
    run.log({"t": tbl})
    assert art._tmp_dir is not None
    staged = b"".join(p.read_bytes() for p in Path(art._tmp_dir.name).rglob("*") if p.is_file())
    assert b"commit" in staged and not [t for t in PLAINTEXTS.values() if t.encode() in staged]
    run.log_artifact(art)
    run.finish()
    check_files(env, lineage=False)
    everything = b"".join(p.read_bytes() for p in env.root.rglob("*") if p.is_file())
    assert GIT_SHA.encode() in everything


# --------------------------------------------------------------------------- run.save and log_code
def _leaks_under(root: Path, canaries: list[Canary]) -> list[str]:
    """Canaries readable (raw, URL-encoded, JSON-escaped, base64) in any file under
    ``root``, symlinks followed, the transaction log also reassembled."""
    found = [
        f"{c} in {p.relative_to(root)}"
        for p in sorted(root.rglob("*"))
        if p.is_file()
        for c in leaks(canaries, p.read_bytes())
    ]
    for log in root.rglob("run-*.wandb"):
        found += [f"{c} in records" for c in leaks(canaries, read_records(log).payload)]
    return found


def _save_inputs(env: Env, gen: Canaries, lineage: Lineage) -> tuple[list[Canary], bytes]:
    """A folder of inputs for run.save: YAML, .env, JSON in a subfolder, a file whose name
    holds glob characters, and a binary file; returns the canaries in them and the binary."""
    aws_id, aws_secret = gen.aws()
    cs = [gen.github(), gen.uri(), aws_id, aws_secret, gen.email(), gen.card(), gen.slack(), gen.openai()]
    folder = env.inputs / "cfg"
    (folder / "nested").mkdir(parents=True)
    (folder / "train.yaml").write_text(
        f"db:\n  url: {cs[1].value}\n  token: {cs[0].value}\ngit_commit: {lineage.sha}\n"
    )
    (folder / ".env").write_text(f"AWS_ACCESS_KEY_ID={aws_id.value}\n{aws_secret.value}\n")
    (folder / "nested" / "owner.json").write_text(
        json.dumps({"owner": cs[4].value, "card": cs[5].value, "dataset_digest": lineage.digest})
    )
    (folder / "notes[1].txt").write_text(f"slack {cs[6].value}\nopenai {cs[7].value}\n")
    (folder / "nested" / "loop").symlink_to(folder, target_is_directory=True)
    blob = bytes(range(256)) * 8
    (folder / "weights.bin").write_bytes(blob)
    return cs, blob


def test_run_save_writes_redacted_copies_binary_unchanged(env: Env) -> None:
    """run.save with a glob, an absolute glob with ``base_path``, an absolute literal name
    holding glob characters (``glob=False``, one folder level kept) and wandb.save: every text file in the run's files
    folder is a redacted copy (a regular file, never a link to the raw file), folders
    matched by the glob are copied file by file (links in them do not make it loop; saved
    again, their copies are replaced), a binary file is saved byte for byte, and
    no canary is readable in any byte under the W&B folder; lineage values are kept."""
    gen, lineage = Canaries(), Lineage()
    canaries, blob = _save_inputs(env, gen, lineage)
    install()
    run = wandb.init()
    saved = run.save("cfg/*", policy="now")
    saved += run.save(str(env.inputs / "cfg" / "*.yaml"), base_path=str(env.inputs / "cfg"), policy="now")
    saved += run.save(str(env.inputs / "cfg" / "notes[1].txt"), glob=False, policy="now")
    saved += wandb.save("cfg/.env", base_path="cfg", policy="now")
    files = Path(run.dir)
    assert {str(Path(p).relative_to(files)) for p in saved} == {
        "cfg/train.yaml", "cfg/nested", "cfg/notes[1].txt", "cfg/weights.bin", "train.yaml", ".env",
    }  # fmt: skip
    stored = {str(p.relative_to(files)): p for p in files.rglob("*") if p.is_file()}
    for name in ("cfg/train.yaml", "cfg/nested/owner.json", "cfg/notes[1].txt", "train.yaml", ".env"):
        assert not stored[name].is_symlink() and stored[name].stat().st_nlink == 1, name
        assert leaks(canaries, stored[name].read_bytes()) == [], name
        assert b"[REDACTED:" in stored[name].read_bytes() or b"****" in stored[name].read_bytes(), name
    assert stored["cfg/weights.bin"].read_bytes() == blob
    assert yaml.safe_load(stored["cfg/train.yaml"].read_text())["git_commit"] == lineage.sha
    assert json.loads(stored["cfg/nested/owner.json"].read_text())["dataset_digest"] == lineage.digest
    loop = files / "cfg" / "nested" / "loop"  # a link to the parent: copied once, not in circles
    assert not loop.is_symlink() and not (loop / "nested").exists()
    assert leaks(canaries, (loop / "train.yaml").read_bytes()) == []
    later = gen.github()
    canaries.append(later)
    (env.inputs / "cfg" / "nested" / "owner.json").write_text(json.dumps({"token": later.value}))
    run.save("cfg/nested")  # saved again: the folder's copies are replaced
    assert json.loads(stored["cfg/nested/owner.json"].read_text()) == {
        "token": "[REDACTED:github-classic-token]"
    }
    run.finish()
    run_dir(env)
    assert _leaks_under(env.root, canaries) == []


def test_files_written_into_run_dir_are_redacted_at_finish(env: Env) -> None:
    """Text files the application writes into ``run.dir`` itself (a log, JSON in a
    subfolder, a link to a file of its own) lose their canaries before W&B takes the
    folder; lineage, clean and binary files are unchanged; a link is replaced by a
    redacted file and its target (the user's file) is left as it was."""
    gen, lineage = Canaries(), Lineage()
    token, email, card = gen.github(), gen.email(), gen.card()
    mine = env.inputs / "notes.txt"
    mine.write_text(f"owner {email.value}\n")
    install()
    run = wandb.init()
    files = Path(run.dir)
    (files / "train.log").write_text(f"step 1 loss 0.3\ntoken={token.value}\ngit_sha {lineage.sha}\n")
    (files / "eval").mkdir()
    (files / "eval" / "result.json").write_text(json.dumps({"card": card.value, **lineage.config()}))
    (files / "clean.txt").write_text("step 2 loss 0.2\n")
    blob = bytes(range(256)) * 8
    (files / "weights.bin").write_bytes(blob)
    (files / "notes.txt").symlink_to(mine)
    run.finish()
    folder = run_dir(env)
    assert _leaks_under(folder, [token, email, card]) == []
    stored = folder / "files"
    assert f"git_sha {lineage.sha}" in (stored / "train.log").read_text()
    assert json.loads((stored / "eval" / "result.json").read_text())["git_commit"] == lineage.sha
    assert (stored / "clean.txt").read_text() == "step 2 loss 0.2\n"
    assert (stored / "weights.bin").read_bytes() == blob
    assert not (stored / "notes.txt").is_symlink()
    assert mine.read_text() == f"owner {email.value}\n"  # the user's own file is untouched


def test_run_dir_file_blocked_or_failing_is_withheld(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a ``block`` policy a file written into ``run.dir`` holding a secret is moved
    out of the files folder (``redact-withheld``), the run still finishes and finish then
    raises Blocked; a fault while redacting such a file withholds it the same way and
    raises RedactionFailed naming the file, never the value."""
    gen = Canaries()
    token = gen.github()
    install(env.policy(BLOCK_POLICY, "block"))
    run = wandb.init()
    (Path(run.dir) / "secret.log").write_text(f"token {token.value}\n")
    (Path(run.dir) / "clean.log").write_text("step 1\n")
    with pytest.raises(Blocked):
        run.finish()
    folder = run_dir(env)
    assert not (folder / "files" / "secret.log").exists()
    assert (folder / "files" / "clean.log").read_text() == "step 1\n"
    assert (folder / "redact-withheld" / "secret.log").exists()
    assert _leaks_under(folder / "files", [token]) == []

    import redact.integrations.wandb as door

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("detector bug")

    handle = install("default")
    run = wandb.init()
    (Path(run.dir) / "deep").mkdir()
    (Path(run.dir) / "deep" / "secret.log").write_text(f"token {token.value}\n")
    monkeypatch.setattr(door, "redact_file", broken)
    with pytest.raises(RedactionFailed) as err:
        run.finish()
    monkeypatch.undo()
    handle.uninstall()
    assert "deep/secret.log" in str(err.value) and leaks([token], str(err.value).encode()) == []
    wandb.teardown()
    (second,) = [d for d in sorted((env.root / "wandb").glob("offline-run-*")) if d != folder]
    assert not (second / "files" / "deep" / "secret.log").exists()
    assert (second / "redact-withheld" / "deep" / "secret.log").exists()
    assert _leaks_under(second / "files", [token]) == []


@pytest.mark.parametrize("policy", ["live", "now", "end"])
def test_run_save_policy_after_the_source_changes(env: Env, policy: str) -> None:
    """The policy reaches W&B unchanged in its files record. A ``live`` or ``end`` file
    edited after run.save is copied redacted again when the run finishes (the copy holds
    the last content, still without a canary); a ``now`` file keeps the content of the
    save, as W&B's own copies do."""
    gen = Canaries()
    first, second = gen.github(), gen.email()
    src = env.inputs / "progress.txt"
    src.write_text(f"epoch 1 token {first.value}\n")
    install()
    run = wandb.init()
    (saved,) = run.save(str(src), base_path=str(env.inputs), policy=policy)
    src.write_text(f"epoch 1 token {first.value}\nepoch 2 owner {second.value}\n")
    run.finish()
    folder = run_dir(env)
    text = (folder / "files" / "progress.txt").read_text()
    assert ("epoch 2" in text) is (policy != "now")
    assert _leaks_under(env.root, [first, second]) == []
    rec = read_records(next(folder.glob("run-*.wandb")))
    policies = {
        f.path: pb.FilesItem.PolicyType.Name(f.policy) for r in _of_type(rec, "files") for f in r.files
    }
    assert policies["progress.txt"] == policy.upper()


def test_run_save_block_and_fault_save_nothing(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a ``block`` policy run.save of a file holding a secret raises Blocked and
    writes nothing in the files folder; a fault while redacting raises a RedactError
    (naming no value) and writes nothing either."""
    gen = Canaries()
    token = gen.github()
    src = env.inputs / "secret.txt"
    src.write_text(f"token {token.value}\n")
    handle = install(env.policy(BLOCK_POLICY, "block"))
    run = wandb.init()
    with pytest.raises(Blocked):
        run.save(str(src), base_path=str(env.inputs))
    assert not os.path.lexists(Path(run.dir) / "secret.txt")
    install("default")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("detector bug")

    monkeypatch.setattr(handle._redactor, "redact", broken)
    with pytest.raises(RedactError) as err:
        run.save(str(src), base_path=str(env.inputs))
    assert leaks([token], str(err.value).encode()) == []
    assert not os.path.lexists(Path(run.dir) / "secret.txt")
    monkeypatch.undo()
    run.finish()
    run_dir(env)
    assert _leaks_under(env.root, [token]) == []


def test_log_code_files_are_redacted(env: Env) -> None:
    """run.log_code builds a code artifact through Artifact.add_file: a source file
    holding canaries is stored redacted (its manifest entry, staging and cache copies and
    the transaction log alike); a clean source file is stored unchanged."""
    gen = Canaries()
    canaries = [gen.github(), gen.uri(), gen.openai()]
    code = env.inputs / "code"
    code.mkdir()
    (code / "train.py").write_text(
        f'TOKEN = "{canaries[0].value}"\nDB_URL = "{canaries[1].value}"\n'
        f'client = OpenAI(api_key="{canaries[2].value}")\n'
    )
    clean = "def main() -> None:\n    print('hello')\n"
    (code / "util.py").write_text(clean)
    install()
    run = wandb.init()
    art = run.log_code(str(code))
    assert art is not None
    entries = {e.path: Path(e.local_path).read_bytes() for e in art.manifest.entries.values()}
    assert set(entries) == {"train.py", "util.py"}
    assert entries["util.py"] == clean.encode()
    assert leaks(canaries, entries["train.py"]) == [] and b"TOKEN = " in entries["train.py"]
    run.finish()
    run_dir(env)
    assert _leaks_under(env.root, canaries) == []
