"""``redact fix``: rewriting leaked values in place, in real MLflow stores and files.

Real components only: SQLite stores built by ``MlflowClient("sqlite:///...")`` (in WAL
mode, so the WAL is checked too), MLflow file stores, JSON/JSONL/YAML files, the real
``redact`` command (CliRunner, and a subprocess for the crash test). Fake secrets are
generated per test run (a postgres URL with a random password, a random e-mail address)
next to the catalog's fixed fakes (the Luhn-valid test card 4111111111111111 and a GitHub
token with a valid checksum); clean values and lineage (a 40-hex git SHA tag, a sha256
digest param) must come out byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import sqlite3
import string
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

pytest.importorskip("mlflow")

from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Dataset, DatasetInput, InputTag, Param, RunTag  # noqa: E402

from redact.cli import main  # noqa: E402
from redact.fix import CRASH_ENV, run_target  # noqa: E402
from redact.fix.filestore import replace_yaml_field  # noqa: E402
from redact.fix.sqlstore import SqlTarget  # noqa: E402
from redact.policy import load_policy  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SHA = "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"
DIGEST = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CARD = "4111111111111111"  # the Luhn-valid test card
TOKEN = "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"  # a fake with a valid CRC32, from the catalog
CLEAN_PARAMS = {"learning_rate": "0.01", "optimizer": "adam", "data_digest": DIGEST}

_rng = random.Random(int.from_bytes(os.urandom(8), "big"))


def _word(n: int, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


@dataclass(frozen=True)
class Secrets:
    """One generated set of fake secrets, and the plaintexts that must vanish."""

    password: str
    email: str

    @property
    def pg_url(self) -> str:
        return f"postgresql://svc_feat:{self.password}@db.internal:5432/features"

    @property
    def model_url(self) -> str:
        return f"https://deploy:{self.password}@models.example.com/fraud/1"

    @property
    def needles(self) -> list[bytes]:
        return [s.encode() for s in (self.password, CARD, TOKEN, self.email, self.email.split("@")[0])]


SECRETS = Secrets(
    password=_word(4, string.ascii_uppercase) + _word(4, string.digits) + _word(6),
    email=f"{_word(10)}@example.com",
)


# ---------------------------------------------------------------------- helpers
def _raw(*paths: Path) -> bytes:
    """Every byte of the given files (with an SQLite file's -wal/-shm/-journal) and folders."""
    out = b""
    for p in paths:
        files = sorted(p.rglob("*")) if p.is_dir() else [p, *p.parent.glob(p.name + "-*")]
        out += b"".join(f.read_bytes() for f in files if f.is_file())
    return out


def _leaks(data: bytes) -> list[bytes]:
    return [n for n in SECRETS.needles if n in data]


def _fix(*args: str) -> Result:
    return CliRunner().invoke(main, ["fix", *args], catch_exceptions=False)


def _fix_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = _fix(*args, "--format", "json")
    assert result.stdout.strip(), result.stderr
    return result.exit_code, json.loads(result.stdout)


def _dump(db: Path) -> list[str]:
    """The logical content of a database (schema and rows), for exact comparisons."""
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _plant(client: MlflowClient, registry: bool = True) -> None:
    """Secrets through every door fix rewrites, next to clean values and lineage."""
    s = SECRETS
    exp = client.create_experiment(f"churn owned by {s.email}", tags={"contact": s.email, "team": "vision"})
    run = client.create_run(exp, run_name=f"load from {s.pg_url}")
    rid = run.info.run_id
    client.log_batch(
        rid,
        params=[
            Param("db_url", s.pg_url),
            Param("card", CARD),
            *(Param(k, v) for k, v in CLEAN_PARAMS.items()),
        ],
        tags=[RunTag("gh_token", TOKEN), RunTag("owner", s.email), RunTag("mlflow.source.git.commit", SHA)],
    )
    client.log_inputs(
        rid,
        datasets=[
            DatasetInput(
                Dataset(
                    name="features",
                    digest="d41d8cd9",
                    source_type="postgres",
                    source=s.pg_url,
                    profile=json.dumps({"rows": 10, "owner": s.email}),
                ),
                tags=[InputTag("mlflow.data.context", "training"), InputTag("owner", s.email)],
            )
        ],
    )
    clean = client.create_run(exp, run_name="clean-baseline")
    client.log_batch(
        clean.info.run_id,
        params=[Param(k, v) for k, v in CLEAN_PARAMS.items()],
        tags=[RunTag("mlflow.source.git.commit", SHA)],
    )
    client.create_logged_model(
        exp, name="fraud", params={"db": s.pg_url}, tags={"owner": s.email, "sha": SHA}
    )
    if registry:
        client.create_registered_model("fraud-model", tags={"owner": s.email}, description=f"token {TOKEN}")
        client.create_model_version(
            "fraud-model",
            source=s.model_url,
            run_id=rid,
            tags={"card": CARD, "commit": SHA},
            description=f"promoted by {s.email}",
        )


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(autouse=True)
def _isolation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for var in ("REDACT_POLICY", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", CRASH_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # the file store is opt-in in MLflow 3


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One SQLite store with planted secrets, built once (MLflow's migrations are slow) and
    copied for each test. WAL mode: the latest writes sit in the -wal file."""
    folder = tmp_path_factory.mktemp("template")
    db = folder / "mlflow.db"
    uri = f"sqlite:///{db}"
    client = MlflowClient(uri, registry_uri=uri)
    client.search_experiments()  # creates the schema
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    keeper = sqlite3.connect(db)  # keeps the WAL file alive while the template is copied
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
    _plant(client)
    yield db
    keeper.close()


@pytest.fixture
def store(sqlite_template: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the template store (with its WAL), kept open by an idle reader so
    SQLite does not fold the WAL away before fix runs."""
    db = tmp_path / "store" / "mlflow.db"
    db.parent.mkdir()
    for suffix in ("", "-wal"):
        src = sqlite_template.with_name(sqlite_template.name + suffix)
        if src.exists():
            shutil.copy2(src, db.with_name(db.name + suffix))
    keeper = sqlite3.connect(db)
    keeper.execute("SELECT count(*) FROM sqlite_master").fetchall()
    yield db
    keeper.close()


def _client(db: Path) -> MlflowClient:
    uri = f"sqlite:///{db}"
    return MlflowClient(uri, registry_uri=uri)


def _runs(client: MlflowClient) -> dict[str, Any]:
    """Every run MLflow reads, as {run name: (param keys, tag keys)} per experiment."""
    exps = client.search_experiments()
    runs = client.search_runs([e.experiment_id for e in exps])
    return {
        r.info.run_id: (sorted(r.data.params), sorted(r.data.tags), len(r.inputs.dataset_inputs))
        for r in runs
    }


# ---------------------------------------------------------------------- SQLite
def test_sqlite_fix_removes_secrets_keeps_clean_values_and_mlflow_reads(store: Path) -> None:
    """A fix of a real MLflow SQLite store: no planted secret remains in the raw bytes of
    the .db or its WAL, clean values and lineage are byte-identical, MLflow reads every
    run with the same params and tags, the report and journal hold no plaintext, and the
    backup holds the original."""
    assert len(_leaks(_raw(store))) == len(SECRETS.needles)  # planted, in the db or its WAL
    assert store.with_name("mlflow.db-wal").stat().st_size > 0
    before = _runs(_client(store))
    clean_sql = (
        "SELECT run_uuid, key, CAST(value AS BLOB) FROM params WHERE key IN "
        "('learning_rate', 'optimizer', 'data_digest') UNION ALL SELECT run_uuid, key, "
        "CAST(value AS BLOB) FROM tags WHERE key = 'mlflow.source.git.commit' ORDER BY 1, 2"
    )
    clean_before = _rows(store, clean_sql)
    assert len(clean_before) == 8
    original = _dump(store)

    result = _fix(str(store), "--policy", "default", "--format", "json")
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert not _leaks(result.stdout.encode())
    where = {(c["location"]["table"], c["location"]["column"]) for c in report["changes"]}
    assert where >= {
        ("experiments", "name"), ("experiment_tags", "value"), ("runs", "name"), ("tags", "value"),
        ("params", "value"), ("datasets", "dataset_source"), ("datasets", "dataset_profile"),
        ("input_tags", "value"), ("logged_model_params", "param_value"), ("logged_model_tags", "tag_value"),
        ("registered_model_tags", "value"), ("registered_models", "description"),
        ("model_versions", "description"), ("model_versions", "source"), ("model_version_tags", "value"),
    }  # fmt: skip
    assert {c["op"] for c in report["changes"]} == {"update"}
    for c in report["changes"]:
        assert c["old_fingerprint"] and c["decisions"] and all(d["fingerprint"] for d in c["decisions"])
    pointers = {c["pointer"] for c in report["changes"]}
    assert {"/params/db_url", "/tags/gh_token", "/tags/mlflow.runName", "/experiment/name"} <= pointers
    assert {"/dataset/source", "/dataset/tags/owner", "/description", "/source"} <= pointers

    raw = _raw(store)
    assert not _leaks(raw), "a planted secret survived in the database bytes"
    wal = store.with_name("mlflow.db-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    assert not store.with_name("mlflow.db-journal").exists()
    assert _rows(store, "PRAGMA integrity_check") == [("ok",)]
    assert _rows(store, clean_sql) == clean_before  # byte for byte
    names = _rows(store, "SELECT name FROM runs ORDER BY name")
    assert names == [("clean-baseline",), ("load from postgresql://svc_feat:****@db.internal:5432/features",)]
    assert _rows(store, "SELECT value FROM params WHERE key = 'card'") == [("************1111",)]

    client = _client(store)
    assert _runs(client) == before  # every run, param key, tag key and dataset input
    run = next(
        r
        for r in client.search_runs([e.experiment_id for e in client.search_experiments()])
        if r.data.params.get("db_url")
    )
    assert client.get_run(run.info.run_id).data.tags["gh_token"] == "[REDACTED:github-classic-token]"
    assert run.data.tags["mlflow.runName"] == run.info.run_name
    assert (
        client.get_model_version("fraud-model", "1").source
        == "https://deploy:****@models.example.com/fraud/1"
    )

    journal = Path(report["journal"])  # after success, archived with the backup
    assert not store.with_name("mlflow.db.redact-fix.jsonl").exists()
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert not _leaks(journal.read_bytes())
    assert records[0]["type"] == "begin" and records[-1]["type"] == "end"
    assert sum(r["type"] == "change" for r in records) == len(report["changes"])

    backup = Path(report["backup"])
    assert backup.name == "mlflow.db.redact-backup-1" and backup.parent == store.parent
    assert journal == backup / "journal.jsonl"
    assert json.loads((backup / "manifest.json").read_text())["files"] == [
        "mlflow.db",
        "mlflow.db-wal",
        "mlflow.db-shm",
    ]
    assert len(_leaks(_raw(backup / "mlflow.db"))) == len(SECRETS.needles)  # the original, for rollback

    rolled = _fix(str(store), "--policy", "default", "--rollback")  # the newest complete backup
    assert rolled.exit_code == 0, rolled.stderr
    assert _dump(store) == original
    assert _runs(_client(store)) == before


def test_sqlite_second_run_and_dry_run_change_nothing(store: Path) -> None:
    """Idempotency: a second fix finds nothing and writes nothing (no backup, no journal
    change). ``--dry-run`` reports the changes (exit 1) without writing or backing up."""
    original = _dump(store)
    code, dry = _fix_json(str(store), "--policy", "default", "--dry-run")
    assert code == 1 and dry["dry_run"] and dry["summary"]["changes"] > 10
    assert dry["backup"] is None and dry["journal"] is None
    assert _dump(store) == original
    assert sorted(p.name for p in store.parent.iterdir()) == ["mlflow.db", "mlflow.db-shm", "mlflow.db-wal"]

    code, first = _fix_json(str(store), "--policy", "default")
    assert code == 0 and first["summary"]["changes"] == dry["summary"]["changes"]
    assert [c["where"] for c in first["changes"]] == [c["where"] for c in dry["changes"]]
    fixed = _dump(store)
    journal = Path(first["journal"]).read_bytes()
    digest = hashlib.sha256(store.read_bytes()).hexdigest()

    code, second = _fix_json(str(store), "--policy", "default")
    assert code == 0 and second["summary"]["changes"] == 0 and second["changes"] == []
    assert second["backup"] is None
    assert _dump(store) == fixed
    assert hashlib.sha256(store.read_bytes()).hexdigest() == digest
    assert Path(first["journal"]).read_bytes() == journal
    assert not store.with_name("mlflow.db.redact-fix.jsonl").exists()
    assert not store.with_name("mlflow.db.redact-backup-2").exists()
    result = _fix(str(store), "--policy", "default")
    assert result.exit_code == 0 and "0 value(s) changed" in result.stdout


def _drop_policy(folder: Path) -> Path:
    policy = folder / "policy.yaml"
    policy.write_text(
        textwrap.dedent(
            """\
            version: 1
            extends: default
            actions:
              SECRET: drop
              EMAIL_ADDRESS: drop
              CREDIT_CARD: block
            """
        )
    )
    return policy


def test_sqlite_drop_deletes_rows_and_block_is_applied_as_mask(store: Path, tmp_path: Path) -> None:
    """In fix context a drop deletes params and tags, masks fields that cannot be removed
    (run and experiment names) whole and clears optional ones; a block is applied as mask
    and the report records the policy's block. MLflow still reads the store."""
    policy = _drop_policy(tmp_path)
    code, report = _fix_json(str(store), "--policy", str(policy), "--backup-dir", str(tmp_path / "backups"))
    assert code == 0
    by_where = {c["where"]: c for c in report["changes"]}
    ops = {(c["location"]["table"], c["op"]) for c in report["changes"]}
    assert ("tags", "delete") in ops and ("experiment_tags", "delete") in ops
    assert ("registered_model_tags", "delete") in ops and ("input_tags", "delete") in ops
    card = next(c for w, c in by_where.items() if w.startswith("params[") and w.endswith("key=card].value"))
    assert [(d["action"], d["policy_action"]) for d in card["decisions"]] == [("mask", "block")]
    exp = next(c for w, c in by_where.items() if w.startswith("experiments["))
    assert exp["op"] == "update" and "masked whole" in exp["note"]
    desc = next(
        c for w, c in by_where.items() if w.startswith("model_versions[") and w.endswith(".description")
    )
    assert "cleared" in desc["note"]
    assert Path(report["backup"]).parent == tmp_path / "backups"

    assert _rows(store, "SELECT name FROM experiments WHERE name LIKE '%REDACTED%'") == [
        ("[REDACTED:email-address]",)
    ]
    assert _rows(store, "SELECT count(*) FROM tags WHERE key IN ('gh_token', 'owner')") == [(0,)]
    assert _rows(store, "SELECT value FROM params WHERE key = 'card'") == [("************1111",)]
    assert _rows(store, "SELECT description FROM model_versions") == [(None,)]
    assert not _leaks(_raw(store))
    client = _client(store)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()])
    assert len(runs) == 2
    assert all("gh_token" not in r.data.tags for r in runs)
    table = _fix(str(store), "--policy", str(policy))
    assert table.exit_code == 0 and "0 value(s) changed" in table.stdout


def test_row_backup_of_the_postgresql_path_restores_values_and_deleted_rows(
    store: Path, tmp_path: Path
) -> None:
    """The backup PostgreSQL gets (the rows to change, in ``rows.jsonl``, no file copy),
    exercised on SQLite through the same portable SQL: after a policy that deletes rows
    and masks others, ``--rollback`` writes back every old value and every deleted row."""
    policy = _drop_policy(tmp_path)
    original = _dump(store)
    target = SqlTarget(f"sqlite:///{store}", backup_mode="rows")
    try:
        report = run_target(target, load_policy(policy))
    finally:
        target.close()
    assert {c.op for c in report.changes} == {"update", "delete"}
    assert report.backup is not None
    backup = Path(report.backup)
    assert json.loads((backup / "manifest.json").read_text())["mode"] == "rows"
    assert sorted(p.name for p in backup.iterdir()) == ["journal.jsonl", "manifest.json", "rows.jsonl"]
    assert not _leaks(_raw(store))
    rows = [json.loads(line) for line in (backup / "rows.jsonl").read_text().splitlines()]
    assert len(rows) == len(report.changes) and sum("row" in r for r in rows) >= 4

    rolled = _fix(str(store), "--policy", str(policy), "--rollback")
    assert rolled.exit_code == 0, rolled.stderr
    assert sorted(_dump(store)) == sorted(original)  # re-inserted rows may sit elsewhere
    assert len(_leaks(_raw(store))) == len(SECRETS.needles)


# ---------------------------------------------------------------------- crash, resume, rollback
def _fix_process(db: Path, *args: str, crash_after: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_ENV, None)
    if crash_after is not None:
        env[CRASH_ENV] = str(crash_after)
    return subprocess.run(
        [sys.executable, "-m", "redact.cli", "fix", str(db), "--policy", "default", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_crash_mid_fix_leaves_a_consistent_store_that_resumes_or_rolls_back(store: Path) -> None:
    """``REDACT_FIX_CRASH_AFTER=3`` kills fix (``os._exit(1)``) after the third change,
    inside a table batch: the store stays consistent (integrity ok, MLflow reads it, the
    committed batches are fixed, the rest not yet), ``--rollback`` restores the original,
    and after a second crash ``--resume`` completes the fix with the crashed run's backup."""
    original = _dump(store)
    before = _runs(_client(store))
    journal = store.with_name("mlflow.db.redact-fix.jsonl")

    crashed = _fix_process(store, crash_after=3)
    assert crashed.returncode == 1, crashed.stderr
    assert _rows(store, "PRAGMA integrity_check") == [("ok",)]
    assert _runs(_client(store)) == before
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert records[-1]["type"] != "end"
    assert any(r["type"] == "applied" for r in records)  # the first batches committed...
    assert _leaks(_raw(store))  # ...the rest did not
    assert not _leaks(journal.read_bytes())
    assert _rows(store, "SELECT name FROM experiments WHERE name LIKE 'churn%'") == [
        ("churn owned by ****@example.com",)
    ]

    rolled = _fix_process(store, "--rollback")
    assert rolled.returncode == 0, rolled.stderr
    assert _dump(store) == original and not journal.exists()

    assert _fix_process(store, crash_after=3).returncode == 1
    resumed = _fix_process(store, "--resume", "--format", "json")
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["mode"] == "resume" and report["summary"]["already_applied"] >= 1
    assert report["backup"].endswith("mlflow.db.redact-backup-2")  # the backup of the crashed run
    assert not _leaks(_raw(store))
    assert _rows(store, "PRAGMA integrity_check") == [("ok",)]
    assert _runs(_client(store)) == before
    assert not journal.exists()
    assert json.loads(Path(report["journal"]).read_text().splitlines()[-1])["type"] == "end"
    again = _fix_process(store, "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["summary"]["changes"] == 0
    assert _fix_process(store, "--resume").returncode == 2  # nothing left to resume


def test_rest_server_is_refused() -> None:
    """A tracking server reached over REST cannot be fixed in place: exit 2, saying that
    database access is needed and where to point fix instead."""
    for uri in ("http://127.0.0.1:5000", "https://mlflow.example.com", "redact+https://mlflow.example.com"):
        result = _fix(uri, "--policy", "default")
        assert result.exit_code == 2
        assert "database access" in result.stderr and "backend store URI" in result.stderr


# ---------------------------------------------------------------------- file store
def _tree(root: Path) -> dict[str, bytes]:
    return {f.relative_to(root).as_posix(): f.read_bytes() for f in sorted(root.rglob("*")) if f.is_file()}


def test_file_store_fix_keeps_other_bytes_and_mlflow_reads(tmp_path: Path) -> None:
    """An MLflow file store (``mlruns``): params and tags files, ``meta.yaml`` fields (run
    name, experiment name, dataset source, model version source...) are rewritten with
    every other byte unchanged; MLflow reads every run; a second run changes nothing;
    ``--rollback`` restores every file byte for byte."""
    root = tmp_path / "mlruns"
    uri = root.as_uri()
    _plant(MlflowClient(uri, registry_uri=uri))
    original = _tree(root)
    assert _leaks(b"".join(original.values()))
    client = MlflowClient(uri, registry_uri=uri)
    before = _runs(client)

    code, report = _fix_json(uri, "--policy", "default")
    assert code == 0 and report["kind"] == "mlflow-files"
    assert not _leaks(json.dumps(report).encode())
    after = _tree(root)
    assert not _leaks(b"".join(after.values()))
    changed = {c["location"]["file"] for c in report["changes"]}
    assert set(after) == set(original)
    for rel, data in original.items():
        if rel not in changed:
            assert after[rel] == data, rel  # untouched, byte for byte
    fields = {
        (c["location"]["file"].rsplit("/", 1)[-1], tuple(c["location"].get("field") or ()))
        for c in report["changes"]
    }
    assert {
        ("meta.yaml", ("name",)),
        ("meta.yaml", ("run_name",)),
        ("meta.yaml", ("source",)),
        ("db_url", ()),
    } <= fields
    for rel in changed:
        if rel.endswith("meta.yaml"):
            old, new = original[rel].decode().splitlines(), after[rel].decode().splitlines()
            assert len(old) == len(new)
            diff = [i for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
            keys = {old[i].split(":", 1)[0].strip() for i in diff}
            assert keys <= {
                "name",
                "run_name",
                "source",
                "storage_location",
                "description",
                "profile",
                "owner",
            }, rel

    client = MlflowClient(uri, registry_uri=uri)
    assert _runs(client) == before
    run = next(
        r
        for r in client.search_runs([e.experiment_id for e in client.search_experiments()])
        if r.data.params.get("db_url")
    )
    assert run.info.run_name == "load from postgresql://svc_feat:****@db.internal:5432/features"
    assert run.data.tags["mlflow.runName"] == run.info.run_name
    assert run.data.params["data_digest"] == DIGEST and run.data.tags["mlflow.source.git.commit"] == SHA
    assert (
        run.inputs.dataset_inputs[0].dataset.source == "postgresql://svc_feat:****@db.internal:5432/features"
    )
    assert (
        client.get_model_version("fraud-model", "1").source
        == "https://deploy:****@models.example.com/fraud/1"
    )

    code, second = _fix_json(str(root), "--policy", "default")
    assert code == 0 and second["summary"]["changes"] == 0
    assert _tree(root) == after

    journal = tmp_path / "mlruns.redact-backup-1" / "journal.jsonl"
    assert not _leaks(journal.read_bytes()) and not (tmp_path / "mlruns.redact-fix.jsonl").exists()
    assert _fix(str(root), "--policy", "default", "--rollback").exit_code == 0
    assert _tree(root) == original


def test_yaml_field_replacement_keeps_the_rest_of_the_file() -> None:
    """The in-place YAML edit replaces only the value's characters, also for quoted,
    folded (multi-line) and nested values, and values that need quoting."""
    text = (
        "a: 1\nname: 'it''s a:b'\nlong: word word word\n  word word\n"
        "tags:\n  owner: x@example.com\n  other: keep\nz: end\n"
    )
    assert replace_yaml_field(text, ("name",), "clean") == text.replace("'it''s a:b'", "clean")
    out = replace_yaml_field(text, ("long",), "short: yes")
    assert (
        out
        == "a: 1\nname: 'it''s a:b'\nlong: 'short: yes'\ntags:\n  owner: x@example.com\n  other: keep\nz: end\n"
    )
    out = replace_yaml_field(text, ("tags", "owner"), "****@example.com")
    assert out == text.replace("x@example.com", "'****@example.com'")
    out = replace_yaml_field(text, ("z",), "line\nbreak\u2028")
    assert yaml.safe_load(out)["z"] == "line\nbreak\u2028" and out.startswith("a: 1\nname: 'it''s a:b'\n")
    assert yaml.safe_load(replace_yaml_field(text, ("name",), None))["name"] is None


# ---------------------------------------------------------------------- JSON / JSONL / YAML
def test_json_jsonl_yaml_files_are_rewritten_like_apply(tmp_path: Path) -> None:
    """Files are fixed in place exactly as ``redact apply`` writes them; a file without
    findings is not touched; a second run changes nothing; the backup restores them."""
    s = SECRETS
    folder = tmp_path / "exports"
    folder.mkdir()
    doc = {
        "params": {"db_url": s.pg_url, "lr": 0.01, "data_digest": DIGEST},
        "tags": {"commit": SHA, "owner": s.email},
    }
    (folder / "run.json").write_text(json.dumps(doc))
    (folder / "runs.jsonl").write_text(
        json.dumps({"card": CARD, "n": 1}) + "\n" + json.dumps({"token": TOKEN}) + "\n"
    )
    (folder / "config.yaml").write_text(f"# team config\ndb:\n  url: {s.pg_url}\nseed: 7\n")
    clean = folder / "clean.yaml"
    clean.write_text("# keep me\nlr: 0.01   # tuned\ncommit: " + SHA + "\n")
    original = _tree(folder)
    clean_stat = clean.stat()

    expected = {}
    for name in ("run.json", "runs.jsonl", "config.yaml"):
        out = tmp_path / f"applied-{name}"
        assert CliRunner().invoke(main, ["apply", str(folder / name), "-o", str(out)]).exit_code == 0
        expected[name] = out.read_bytes()

    code, report = _fix_json(str(folder), "--policy", "default")
    assert code == 0 and report["kind"] == "files"
    assert sorted(c["location"]["file"] for c in report["changes"]) == [
        "config.yaml",
        "run.json",
        "runs.jsonl",
    ]
    assert all(c["op"] == "rewrite" for c in report["changes"])
    pointers = {d["pointer"] for c in report["changes"] for d in c["decisions"]}
    assert {"/params/db_url", "/tags/owner", "/0/card", "/1/token", "/db/url"} <= pointers
    for name, data in expected.items():
        assert (folder / name).read_bytes() == data, name
    assert not _leaks(_raw(folder))
    assert clean.read_bytes() == original["clean.yaml"] and clean.stat().st_mtime_ns == clean_stat.st_mtime_ns
    fixed = json.loads((folder / "run.json").read_text())
    assert (
        fixed["params"]["data_digest"] == DIGEST
        and fixed["tags"]["commit"] == SHA
        and fixed["params"]["lr"] == 0.01
    )

    code, second = _fix_json(str(folder), "--policy", "default")
    assert code == 0 and second["summary"]["changes"] == 0
    assert _fix(str(folder), "--policy", "default", "--rollback").exit_code == 0
    assert _tree(folder) == original

    single = folder / "run.json"
    code, one = _fix_json(str(single), "--policy", "default")
    assert code == 0 and [c["location"]["file"] for c in one["changes"]] == ["run.json"]
    assert (folder / "run.json.redact-backup-1" / "files" / "run.json").read_bytes() == original["run.json"]
    code, rest = _fix_json(str(folder), "--policy", "default")  # fix's own backup and journal are skipped
    assert code == 0 and sorted(c["location"]["file"] for c in rest["changes"]) == [
        "config.yaml",
        "runs.jsonl",
    ]
    assert (folder / "run.json.redact-backup-1" / "files" / "run.json").read_bytes() == original["run.json"]

    clean.write_text(f"lr: 0.01\nowner: {s.email}\n")  # a new leak: a new backup, journal archived in it
    code, third = _fix_json(str(folder), "--policy", "default")
    assert code == 0 and [c["location"]["file"] for c in third["changes"]] == ["clean.yaml"]
    assert third["backup"] == str(tmp_path / "exports.redact-backup-3")
    assert (tmp_path / "exports.redact-backup-2" / "journal.jsonl").is_file()
    assert (
        json.loads((tmp_path / "exports.redact-backup-3" / "journal.jsonl").read_text().splitlines()[0])[
            "backup"
        ]
        == third["backup"]
    )
