"""``redact scan`` and ``redact fix`` against a real PostgreSQL server.

Skipped unless ``REDACT_TEST_POSTGRES_URL`` names a server and a role that may create
databases (``.ci/run`` installs PostgreSQL and sets it), for example
``postgresql://redact:redact-test@127.0.0.1:5432/redact_test``. A template database is
created per module, MLflow builds its schema there (``MlflowClient``) and fake secrets are
planted as in ``tests/test_fix.py`` next to clean values and lineage; each test gets its
own copy (``CREATE DATABASE ... TEMPLATE``), and every database is dropped at teardown.
"""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

URL_ENV = "REDACT_TEST_POSTGRES_URL"
BASE_URL = os.environ.get(URL_ENV, "").strip()
if not BASE_URL:
    pytest.skip(
        f"{URL_ENV} is not set (a PostgreSQL URL whose role may create databases, "
        "e.g. postgresql://redact:redact-test@127.0.0.1:5432/redact_test)",
        allow_module_level=True,
    )
pytest.importorskip("mlflow")
pytest.importorskip("psycopg2", reason="the PostgreSQL driver: pip install psycopg2-binary")

import sqlalchemy  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Dataset, DatasetInput, InputTag, Param, RunTag  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from redact.cli import main  # noqa: E402
from redact.fix import CRASH_ENV  # noqa: E402
from redact.report.base import safe_source  # noqa: E402
from tests.test_fix import CARD, CLEAN_PARAMS, SHA, TOKEN, _word  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


PASSWORD = _word(4, string.ascii_uppercase) + _word(4, string.digits) + _word(6)
EMAIL = f"{_word(10)}@example.com"
PG_URL = f"postgresql://svc_feat:{PASSWORD}@db.internal:5432/features"
MODEL_URL = f"https://deploy:{PASSWORD}@models.example.com/fraud/1"
NEEDLES = [PASSWORD, CARD, TOKEN, EMAIL, EMAIL.split("@")[0]]


@dataclass(frozen=True)
class Planted:
    exp: str
    run: str  # the run with secrets
    clean: str  # the clean run
    model: str  # the logged model


# ---------------------------------------------------------------------- helpers
def _db_url(name: str) -> str:
    return make_url(BASE_URL).set(database=name).render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    engine = sqlalchemy.create_engine(BASE_URL, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(sql)
    finally:
        engine.dispose()


def _query(url: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(sqlalchemy.text(sql), params or {})]
    finally:
        engine.dispose()


def _create_db(template: str | None = None) -> str:
    name = f"redact_test_{uuid.uuid4().hex[:12]}"
    if template:
        _admin(  # CREATE DATABASE ... TEMPLATE needs the template without sessions
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"
        )
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return name


def _drop_db(name: str) -> None:
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _text_columns(url: str) -> list[tuple[str, str]]:
    return _query(
        url,
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
        "AND data_type IN ('text', 'character varying') ORDER BY 1, 2",
    )


def _leaks(url: str) -> set[tuple[str, str, str]]:
    """(table, column, needle) for every planted plaintext still in a text column."""
    found = set()
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        with engine.connect() as conn:
            for table, col in _text_columns(url):
                sql = sqlalchemy.text(f'SELECT count(*) FROM "{table}" WHERE "{col}" LIKE :n')
                for needle in NEEDLES:
                    if conn.execute(sql, {"n": f"%{needle}%"}).scalar():
                        found.add((table, col, needle))
    finally:
        engine.dispose()
    return found


def _disk_leaks(url: str) -> set[str] | None:
    """The planted plaintexts still in the database's files (after a CHECKPOINT), or None
    when the server's data directory is not readable here (a remote server, not root)."""
    _admin("CHECKPOINT")
    rows = _query(
        url,
        "SELECT current_setting('data_directory'), oid FROM pg_database WHERE datname = current_database()",
    )
    folder = Path(rows[0][0]) / "base" / str(rows[0][1])
    try:
        data = b"".join(f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file())
    except OSError:
        return None
    return {n for n in NEEDLES if n.encode() in data}


def _dump(url: str) -> dict[str, list[str]]:
    """Every row of every table (sorted), for exact comparisons."""
    tables = _query(
        url,
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
        "AND table_type = 'BASE TABLE'",
    )
    return {t: sorted(repr(r) for r in _query(url, f'SELECT * FROM "{t}"')) for (t,) in tables}


def _client(url: str) -> MlflowClient:
    return MlflowClient(tracking_uri=url, registry_uri=url)


def _runs(client: MlflowClient) -> dict[str, Any]:
    exps = client.search_experiments()
    runs = client.search_runs([e.experiment_id for e in exps])
    return {
        r.info.run_id: (sorted(r.data.params), sorted(r.data.tags), len(r.inputs.dataset_inputs))
        for r in runs
    }


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _fix_json(url: str, *args: str) -> tuple[int, dict[str, Any]]:
    result = _cli("fix", url, "--policy", "default", "--format", "json", *args)
    assert result.stdout.strip(), result.stderr
    return result.exit_code, json.loads(result.stdout)


def _fix_process(url: str, *args: str, crash_after: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop(CRASH_ENV, None)
    if crash_after is not None:
        env[CRASH_ENV] = str(crash_after)
    return subprocess.run(
        [sys.executable, "-m", "redact.cli", "fix", url, "--policy", "default", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def _plant(client: MlflowClient) -> Planted:
    """The secrets of tests/test_fix.py through every door, next to clean values and lineage."""
    exp = client.create_experiment(f"churn owned by {EMAIL}", tags={"contact": EMAIL, "team": "vision"})
    run = client.create_run(exp, run_name=f"load from {PG_URL}")
    rid = run.info.run_id
    client.log_batch(
        rid,
        params=[
            Param("db_url", PG_URL),
            Param("card", CARD),
            *(Param(k, v) for k, v in CLEAN_PARAMS.items()),
        ],
        tags=[RunTag("gh_token", TOKEN), RunTag("owner", EMAIL), RunTag("mlflow.source.git.commit", SHA)],
    )
    client.log_inputs(
        rid,
        datasets=[
            DatasetInput(
                Dataset(
                    name="features",
                    digest="d41d8cd9",
                    source_type="postgres",
                    source=PG_URL,
                    profile=json.dumps({"rows": 10, "owner": EMAIL}),
                ),
                tags=[InputTag("mlflow.data.context", "training"), InputTag("owner", EMAIL)],
            )
        ],
    )
    clean = client.create_run(exp, run_name="clean-baseline")
    client.log_batch(
        clean.info.run_id,
        params=[Param(k, v) for k, v in CLEAN_PARAMS.items()],
        tags=[RunTag("mlflow.source.git.commit", SHA)],
    )
    model = client.create_logged_model(
        exp, name="fraud", params={"db": PG_URL}, tags={"owner": EMAIL, "sha": SHA}
    )
    client.create_registered_model("fraud-model", tags={"owner": EMAIL}, description=f"token {TOKEN}")
    client.create_model_version(
        "fraud-model",
        source=MODEL_URL,
        run_id=rid,
        tags={"card": CARD, "commit": SHA},
        description=f"promoted by {EMAIL}",
    )
    return Planted(exp, rid, clean.info.run_id, model.model_id)


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Planted]]:
    """A fresh database on the server with MLflow's schema and the planted values (the
    template of each test's copy); dropped at teardown."""
    try:
        _admin("SELECT 1")
    except Exception as exc:  # the URL is set, so a dead server is a failure, not a skip
        pytest.fail(f"{URL_ENV}: cannot reach the server ({type(exc).__name__})")
    name = _create_db()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(tmp_path_factory.mktemp("pg-artifacts"))  # MLflow's default artifact root
            for var in (
                "MLFLOW_TRACKING_URI",
                "MLFLOW_REGISTRY_URI",
                "MLFLOW_EXPERIMENT_ID",
                "REDACT_POLICY",
            ):
                mp.delenv(var, raising=False)
            mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
            mp.setenv("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool")  # no idle sessions on the copies
            planted = _plant(_client(_db_url(name)))
        yield name, planted
    finally:
        _drop_db(name)


@pytest.fixture
def store(
    template: tuple[str, Planted], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Planted]]:
    """A copy of the template database (its URL), dropped after the test; the working
    directory (where fix puts its journal and backup) is the test's tmp_path."""
    monkeypatch.chdir(tmp_path)
    for var in ("REDACT_POLICY", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", CRASH_ENV):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("MLFLOW_SQLALCHEMYSTORE_POOLCLASS", "NullPool")
    name = _create_db(template[0])
    try:
        yield _db_url(name), template[1]
    finally:
        _drop_db(name)


# ---------------------------------------------------------------------- scan
def test_scan_finds_each_planted_value_by_run_and_field(store: tuple[str, Planted]) -> None:
    """``redact scan postgresql://... --format json`` reports every planted value with the
    right category and a pointer naming the run (experiment, model) and the field; clean
    values and lineage (git SHA tag, sha256 digest param) are not reported; the report
    holds no plaintext and names the store without its password."""
    url, p = store
    result = _cli("scan", url, "--format", "json")
    assert result.exit_code == 1, result.output
    rows = json.loads(result.stdout)["findings"]
    got: dict[str, set[str]] = {}
    for r in rows:
        got.setdefault(r["pointer"], set()).add(r["category"])
    run, exp, mv = f"/runs/{p.run}", f"/experiments/{p.exp}", "/registered_models/fraud-model"
    expected = {
        f"{exp}/name": "EMAIL_ADDRESS",
        f"{exp}/tags/contact": "EMAIL_ADDRESS",
        f"{run}/name": "CONNECTION_STRING",
        f"{run}/tags/mlflow.runName": "CONNECTION_STRING",
        f"{run}/params/db_url": "CONNECTION_STRING",
        f"{run}/params/card": "CREDIT_CARD",
        f"{run}/tags/gh_token": "SECRET",
        f"{run}/tags/owner": "EMAIL_ADDRESS",
        f"{run}/inputs/0/source": "CONNECTION_STRING",
        f"{run}/inputs/0/profile": "EMAIL_ADDRESS",
        f"{run}/inputs/0/tags/owner": "EMAIL_ADDRESS",
        f"/logged_models/{p.model}/params/db": "CONNECTION_STRING",
        f"/logged_models/{p.model}/tags/owner": "EMAIL_ADDRESS",
        f"{mv}/description": "SECRET",
        f"{mv}/tags/owner": "EMAIL_ADDRESS",
        f"{mv}/versions/1/source": "CONNECTION_STRING",
        f"{mv}/versions/1/storage_location": "CONNECTION_STRING",
        f"{mv}/versions/1/description": "EMAIL_ADDRESS",
        f"{mv}/versions/1/tags/card": "CREDIT_CARD",
    }
    assert got == {k: {v} for k, v in expected.items()}
    for rid in (p.run, p.clean):  # clean values and lineage
        for key in CLEAN_PARAMS:
            assert f"/runs/{rid}/params/{key}" not in got
        assert f"/runs/{rid}/tags/mlflow.source.git.commit" not in got
    assert not any(n in result.stdout for n in NEEDLES)
    assert {r["file"] for r in rows} == {safe_source(url)}
    password = make_url(url).password
    assert not password or password not in result.stdout
    short = _cli("scan", "postgres://" + url.split("://", 1)[1], "--format", "json")  # the short scheme
    assert short.exit_code == 1, short.output
    assert sorted(r["pointer"] for r in json.loads(short.stdout)["findings"]) == sorted(
        r["pointer"] for r in rows
    )


# ---------------------------------------------------------------------- fix
def test_fix_redacts_in_place_keeps_clean_values_and_is_idempotent(store: tuple[str, Planted]) -> None:
    """``redact fix postgresql://... --policy default``: MLflow reads every run back with
    the secrets redacted and clean values and lineage unchanged; no table row holds a
    planted plaintext any more (LIKE over every text column); a second fix changes
    nothing; ``--rollback`` writes the original rows back."""
    url, p = store
    original = _dump(url)
    assert _leaks(url)
    assert _disk_leaks(url) in (None, set(NEEDLES))  # the on-disk check sees them before
    before = _runs(_client(url))

    code, report = _fix_json(url)
    assert code == 0 and report["kind"] == "postgresql" and report["summary"]["changes"] >= 15
    assert not any(n in json.dumps(report) for n in NEEDLES)
    password = make_url(url).password
    assert (
        not password
        or password not in json.dumps(report) + (Path(report["backup"]) / "journal.jsonl").read_text()
    )
    assert json.loads((Path(report["backup"]) / "manifest.json").read_text())["mode"] == "rows"
    assert _leaks(url) == set(), "a planted plaintext survived in a table"
    assert _disk_leaks(url) in (None, set()), "old row versions survived VACUUM FULL in the table files"

    client = _client(url)
    assert _runs(client) == before
    run = client.get_run(p.run)
    masked = "postgresql://svc_feat:****@db.internal:5432/features"
    assert run.info.run_name == f"load from {masked}" == run.data.tags["mlflow.runName"]
    assert run.data.params["db_url"] == masked
    assert run.data.params["card"] == "************1111"
    assert run.data.tags["gh_token"] == "[REDACTED:github-classic-token]"
    assert run.inputs.dataset_inputs[0].dataset.source == masked
    assert client.get_experiment(p.exp).name == "churn owned by ****@example.com"
    assert (
        client.get_model_version("fraud-model", "1").source
        == "https://deploy:****@models.example.com/fraud/1"
    )
    assert TOKEN not in (client.get_registered_model("fraud-model").description or "")
    for rid in (p.run, p.clean):  # clean values and lineage, unchanged
        data = client.get_run(rid).data
        assert {k: data.params[k] for k in CLEAN_PARAMS} == CLEAN_PARAMS
        assert data.tags["mlflow.source.git.commit"] == SHA
    assert client.get_model_version("fraud-model", "1").tags["commit"] == SHA

    fixed = _dump(url)
    code, second = _fix_json(url)
    assert code == 0 and second["summary"]["changes"] == 0 and second["backup"] is None
    assert _dump(url) == fixed

    rolled = _cli("fix", url, "--policy", "default", "--rollback")
    assert rolled.exit_code == 0, rolled.stderr
    assert _dump(url) == original


def test_crash_mid_fix_leaves_a_readable_store_that_rolls_back_or_resumes(store: tuple[str, Planted]) -> None:
    """``REDACT_FIX_CRASH_AFTER=2`` kills fix after the second change: MLflow still reads
    every run, ``--rollback`` restores the original rows, after a second crash ``--resume``
    completes the fix (no plaintext left, the journal archived with the backup), and after a
    third a plain re-run finishes it too."""
    url, _ = store
    original = _dump(url)
    before = _runs(_client(url))

    crashed = _fix_process(url, crash_after=2)
    assert crashed.returncode == 1, crashed.stderr
    journal = next(Path.cwd().glob("*.redact-fix.jsonl"))
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    assert records[-1]["type"] != "end"
    assert _runs(_client(url)) == before
    assert _leaks(url)  # the batch in flight was rolled back

    rolled = _fix_process(url, "--rollback")
    assert rolled.returncode == 0, rolled.stderr
    assert _dump(url) == original and not journal.exists()

    assert _fix_process(url, crash_after=2).returncode == 1
    resumed = _fix_process(url, "--resume", "--format", "json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["mode"] == "resume"
    assert _leaks(url) == set()
    # the tables fixed before the crash are vacuumed too (no old row versions on disk)
    assert _disk_leaks(url) in (None, set())
    assert _runs(_client(url)) == before
    assert not journal.exists()
    archived = Path(json.loads(resumed.stdout)["backup"]) / "journal.jsonl"
    assert json.loads(archived.read_text().splitlines()[-1])["type"] == "end"
    again = _fix_process(url, "--format", "json")
    assert again.returncode == 0 and json.loads(again.stdout)["summary"]["changes"] == 0
    assert _fix_process(url, "--rollback").returncode == 0 and _dump(url) == original
    assert _fix_process(url, crash_after=2).returncode == 1
    plain = _fix_process(url, "--format", "json")
    assert plain.returncode == 0, plain.stderr
    assert _leaks(url) == set() and not journal.exists()
