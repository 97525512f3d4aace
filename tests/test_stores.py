"""``redact scan SOURCE...``: MLflow stores (SQLite, file store, REST server), W&B offline
run folders, TOML/CSV/.env files, through :mod:`redact.stores`.

Real components only: stores made through MLflow's own client (``MlflowClient`` on a
``sqlite:///`` and a ``file:///`` tracking URI), a real ``mlflow server`` over the SQLite
store, and a run folder written by real wandb in offline mode (in a child process that
never imports redact, so no redact integration is active). Fake secrets are generated and
planted through every door: params, tags, run names, experiment names and tags (a deleted
experiment too), dataset sources and input tags, registered-model tags and descriptions,
model-version sources and tags. Every planted value must be reported with a pointer that
names the run (or experiment, or model) and the field, in the right category; lineage
(git SHAs, dataset digests, run ids) and clean values must not.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

pytest.importorskip("mlflow")

from benchmarks.corpus import github_checksum, luhn_valid  # noqa: E402
from redact._build import get_scanner  # noqa: E402
from redact.cli import main  # noqa: E402
from redact.report import collect, safe_source  # noqa: E402
from redact.stores import iter_records, plan  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "fixtures" / "report" / "sarif-schema-2.1.0.json"


def _catalog_github_token() -> str:
    """The GitHub classic token of the catalog's own positive example (a valid checksum)."""
    entries = yaml.safe_load((ROOT / "detectors" / "secrets_core.yaml").read_text(encoding="utf-8"))
    entries = entries["detectors"] if isinstance(entries, dict) else entries
    spec = next(e for e in entries if e["id"] == "github-classic-token")
    return str(spec["examples"]["positive"][0]["value"])


GH = _catalog_github_token()


class Fakes:
    """Freshly generated fake secrets and personal data (each call a new value)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.made: list[str] = []

    def _rand(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def _keep(self, value: str) -> str:
        self.made.append(value)
        return value

    def password(self) -> str:
        return self._keep(self._rand(string.ascii_letters + string.digits, 16))

    def pg(self) -> str:
        return f"postgresql://svc:{self.password()}@db.internal:5432/features"

    def card(self) -> str:
        partial = "4" + self._rand(string.digits, 14)
        return self._keep(next(partial + d for d in string.digits if luhn_valid(partial + d)))

    def email(self) -> str:
        return self._keep(self._rand(string.ascii_lowercase, 10) + "@example.org")

    def github(self) -> str:
        body = self._rand(string.ascii_letters + string.digits, 30)
        return self._keep("ghp_" + body + github_checksum(body))

    def sha(self) -> str:
        return self._rand("0123456789abcdef", 40)


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def findings(*args: str) -> list[dict[str, Any]]:
    res = run("scan", "--format", "json", *args)
    assert res.exit_code in (0, 1), res.output
    rows: list[dict[str, Any]] = json.loads(res.output)["findings"]
    return rows


def pointer_categories(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for r in rows:
        out.setdefault(r["pointer"], set()).add(r["category"])
    return out


# --------------------------------------------------------------------------- MLflow stores
@dataclass
class Store:
    uri: str
    expected: dict[str, str]  # pointer -> category
    clean: list[str]  # pointers of clean and lineage values
    secrets: list[str]
    run_id: str = ""
    deleted_experiment: str = ""
    deleted_run: str = ""
    run_ids: list[str] = field(default_factory=list)


def populate(uri: str, fakes: Fakes, *, extra_runs: int = 0) -> Store:
    """Plant fake secrets through MlflowClient; return what must (not) be reported."""
    from mlflow import MlflowClient
    from mlflow.entities import Dataset, DatasetInput, InputTag, Param, RunTag

    c = MlflowClient(tracking_uri=uri, registry_uri=uri)
    expected: dict[str, str] = {}
    exp = c.create_experiment(
        f"churn by {fakes.email()}", tags={"owner": fakes.email(), "team": "ml-platform"}
    )
    expected |= {
        f"/experiments/{exp}/name": "EMAIL_ADDRESS",
        f"/experiments/{exp}/tags/owner": "EMAIL_ADDRESS",
    }
    gone = c.create_experiment(f"old {fakes.email()}", tags={"warehouse": fakes.pg()})
    gone_run = c.create_run(gone, run_name="legacy")
    c.log_param(gone_run.info.run_id, "billing", fakes.card())
    c.delete_experiment(gone)
    expected |= {
        f"/experiments/{gone}/name": "EMAIL_ADDRESS",
        f"/experiments/{gone}/tags/warehouse": "CONNECTION_STRING",
        f"/runs/{gone_run.info.run_id}/params/billing": "CREDIT_CARD",
    }
    sha, digest = fakes.sha(), fakes.sha()[:8]
    baseline = c.create_run(exp, run_name="baseline")
    r = c.create_run(exp, run_name=f"eval for {fakes.email()}", tags={"mlflow.source.git.commit": sha})
    rid = r.info.run_id
    c.log_batch(
        rid,
        params=[
            Param("db_url", fakes.pg()),
            Param("billing_card", fakes.card()),
            Param("lr", "0.001"),
            Param("optimizer", "adamw"),
            Param("git_commit", sha),
            Param("dataset_digest", f"sha256:{fakes.sha()}{fakes.sha()[:24]}"),
            Param("parent_run_id", baseline.info.run_id),
        ],
        tags=[RunTag("ci.token", GH), RunTag("stage", "eval")],
    )
    dataset = Dataset(
        name="transactions",
        digest=digest,
        source_type="external",
        source=json.dumps({"uri": fakes.pg()}),
        schema=json.dumps({"mlflow_colspec": [{"type": "long", "name": "amount"}]}),
        profile=json.dumps({"num_rows": 1200}),
    )
    c.log_inputs(
        rid,
        datasets=[
            DatasetInput(
                dataset,
                tags=[InputTag("mlflow.data.context", "training"), InputTag("curator", fakes.email())],
            )
        ],
    )
    c.set_terminated(rid)
    expected |= {
        f"/runs/{rid}/name": "EMAIL_ADDRESS",
        f"/runs/{rid}/tags/mlflow.runName": "EMAIL_ADDRESS",
        f"/runs/{rid}/params/db_url": "CONNECTION_STRING",
        f"/runs/{rid}/params/billing_card": "CREDIT_CARD",
        f"/runs/{rid}/tags/ci.token": "SECRET",
        f"/runs/{rid}/inputs/0/source": "CONNECTION_STRING",
        f"/runs/{rid}/inputs/0/tags/curator": "EMAIL_ADDRESS",
    }
    scratch = c.create_run(exp, run_name="scratch")
    c.log_param(scratch.info.run_id, "warehouse_url", fakes.pg())
    c.delete_run(scratch.info.run_id)
    expected[f"/runs/{scratch.info.run_id}/params/warehouse_url"] = "CONNECTION_STRING"
    run_ids = [baseline.info.run_id, rid, scratch.info.run_id, gone_run.info.run_id]
    for i in range(extra_runs):  # clean runs: more than one page when pages are small
        extra = c.create_run(exp, run_name=f"sweep-{i}")
        c.log_batch(extra.info.run_id, params=[Param("lr", str(0.1 / (i + 1))), Param("seed", str(i))])
        run_ids.append(extra.info.run_id)
    c.create_registered_model(
        "churn-model", tags={"contact": fakes.email()}, description=f"test card {fakes.card()}"
    )
    c.create_model_version(
        "churn-model",
        source=f"s3://svc:{fakes.password()}@models/churn/1",
        run_id=rid,
        tags={"approver": fakes.email(), "commit": sha},
        description="approved",
    )
    expected |= {
        "/registered_models/churn-model/tags/contact": "EMAIL_ADDRESS",
        "/registered_models/churn-model/description": "CREDIT_CARD",
        "/registered_models/churn-model/versions/1/source": "CONNECTION_STRING",
        "/registered_models/churn-model/versions/1/storage_location": "CONNECTION_STRING",
        "/registered_models/churn-model/versions/1/tags/approver": "EMAIL_ADDRESS",
    }
    clean = [
        f"/runs/{rid}/params/{k}"
        for k in ("lr", "optimizer", "git_commit", "dataset_digest", "parent_run_id")
    ] + [
        f"/runs/{rid}/tags/mlflow.source.git.commit",
        f"/runs/{rid}/tags/stage",
        f"/runs/{rid}/inputs/0/digest",
        f"/runs/{rid}/inputs/0/schema",
        f"/experiments/{exp}/tags/team",
        "/registered_models/churn-model/versions/1/tags/commit",
    ]
    return Store(uri, expected, clean, list(fakes.made), rid, str(gone), scratch.info.run_id, run_ids)


@pytest.fixture(scope="module")
def mlflow_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("mlflow")
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(root)  # MLflow's default artifact root is ./mlruns
        for var in ("MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID", "REDACT_POLICY"):
            mp.delenv(var, raising=False)
        mp.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # the file store is opt-in in MLflow 3
        mp.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
        yield root


@pytest.fixture(scope="module")
def sql_store(mlflow_env: Path) -> Store:
    db = mlflow_env / "mlflow.db"
    return populate(f"sqlite:///{db}", Fakes(11), extra_runs=5)


@pytest.fixture(scope="module")
def file_store(mlflow_env: Path) -> Store:
    return populate((mlflow_env / "mlruns").as_uri(), Fakes(12))


def test_sqlite_store_reports_each_planted_value_by_run_and_field(sql_store: Store) -> None:
    """Every planted value in a SQLite store is found, with a pointer naming the run (or
    experiment, or model) and the field, and the right category; nothing else is reported;
    the report holds no plaintext and names the store without credentials."""
    rows = findings(sql_store.uri)
    got = pointer_categories(rows)
    assert got == {p: {c} for p, c in sql_store.expected.items()}
    assert {r["file"] for r in rows} == {safe_source(sql_store.uri)}
    text = json.dumps(rows)
    assert not [s for s in sql_store.secrets if s in text]


def test_lineage_and_clean_values_are_not_reported(sql_store: Store, file_store: Store) -> None:
    """Git SHAs, dataset digests, run ids, schemas and clean params produce no finding, in
    either store."""
    for store in (sql_store, file_store):
        got = pointer_categories(findings(store.uri))
        assert not [p for p in store.clean if p in got]
        assert not [p for p in got if p.endswith(("/artifact_uri", "/artifact_location", "/user_id"))]


def test_deleted_experiments_and_runs_are_read(sql_store: Store, file_store: Store) -> None:
    """A deleted experiment (its name, tags and runs) and a deleted run are still in the
    store, so they are scanned: SQL lifecycle_stage rows and the file store's .trash."""
    for store in (sql_store, file_store):
        got = pointer_categories(findings(store.uri))
        exp = store.deleted_experiment
        assert got[f"/experiments/{exp}/name"] == {"EMAIL_ADDRESS"}
        assert got[f"/experiments/{exp}/tags/warehouse"] == {"CONNECTION_STRING"}
        assert got[f"/runs/{store.deleted_run}/params/warehouse_url"] == {"CONNECTION_STRING"}


def test_file_store_by_uri_and_by_path(file_store: Store) -> None:
    """The file store gives the same findings through its file:// URI and its mlruns path
    (plain folder), and they are exactly the planted ones."""
    by_uri = findings(file_store.uri)
    path = file_store.uri.removeprefix("file://")
    by_path = findings(path)
    assert pointer_categories(by_uri) == {p: {c} for p, c in file_store.expected.items()}
    assert [(r["pointer"], r["fingerprint"]) for r in by_uri] == [
        (r["pointer"], r["fingerprint"]) for r in by_path
    ]
    assert {r["file"] for r in by_path} == {path}


def test_one_record_per_run_and_paging(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs stream as one record each (prefix ("runs", run_id)); tiny pages and run-id
    ranges (as --jobs uses) read every run exactly once and find the same."""
    import redact.stores.mlflow_sql as mlflow_sql

    runs = [r.prefix for r in iter_records(sql_store.uri) if r.prefix[:1] == ("runs",)]
    assert sorted(p[1] for p in runs) == sorted(sql_store.run_ids) and all(len(p) == 2 for p in runs)
    scanner = get_scanner()
    whole = collect([sql_store.uri], scanner)
    monkeypatch.setattr(mlflow_sql, "PAGE", 2)
    tasks = list(plan(sql_store.uri, parts=4))
    ranged = [t for t in tasks if getattr(t, "func", None) is mlflow_sql._runs_task]
    assert len(ranged) == 4
    seen = [r.prefix[1] for t in ranged for r in t()]
    assert sorted(seen) == sorted(sql_store.run_ids)
    assert collect([sql_store.uri], scanner) == whole


def test_sqlalchemy_reader_matches_sqlite3(sql_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SQLAlchemy path (used for PostgreSQL and MySQL: quoted identifiers, schema
    inspection, text queries) reads the same as the sqlite3 path, shown on SQLite."""
    import redact.stores.mlflow_sql as mlflow_sql

    scanner = get_scanner()
    native = collect([sql_store.uri], scanner)
    monkeypatch.setattr(mlflow_sql, "NATIVE_SQLITE", False)
    assert collect([sql_store.uri], scanner) == native


def test_sarif_and_json_on_store_sources(sql_store: Store) -> None:
    """--format sarif on a store is schema-valid, points at the store URI without a region
    (no line), and names the field as the logical location; json gives file and pointer."""
    jsonschema = pytest.importorskip("jsonschema")
    res = run("scan", "--format", "sarif", sql_store.uri)
    assert res.exit_code == 1, res.output
    log = json.loads(res.output)
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
    assert [e.message for e in validator.iter_errors(log)] == []
    results = log["runs"][0]["results"]
    assert len(results) == len(sql_store.expected)
    for r in results:
        (loc,) = r["locations"]
        assert loc["physicalLocation"] == {"artifactLocation": {"uri": safe_source(sql_store.uri)}}
        assert loc["logicalLocations"][0]["fullyQualifiedName"] in sql_store.expected
    assert not [s for s in sql_store.secrets if s in res.output]
    rows = findings(sql_store.uri)
    assert {r["pointer"] for r in rows} == set(sql_store.expected)


def test_rest_server_reads_like_the_database(sql_store: Store, tmp_path: Path) -> None:
    """A real mlflow server over the SQLite store, read over REST (MlflowClient, paged,
    ViewType.ALL), reports what the database does (the REST API has no storage_location)."""
    from mlflow_server import MlflowServer

    db_path = sql_store.uri.removeprefix("sqlite:///")
    server = MlflowServer(tmp_path / "server", f"sqlite:///{db_path}").start()
    try:
        server.wait_ready()
        rows = findings(server.url)
    finally:
        server.stop()
    want = {(r["pointer"], r["fingerprint"]) for r in findings(sql_store.uri)}
    want = {w for w in want if not w[0].endswith("/storage_location")}
    assert {(r["pointer"], r["fingerprint"]) for r in rows} == want
    assert {r["file"] for r in rows} == {server.url}


def test_store_errors_name_the_source_without_credentials(tmp_path: Path) -> None:
    """Missing databases, non-MLflow databases, unknown schemes and unreachable servers
    exit 2 with a message naming the source, never its password."""
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    cases = {
        f"sqlite:///{tmp_path}/missing.db": "no such SQLite database",
        f"sqlite:///{other}": "not an MLflow tracking database",
        "ftp://user:Hunter2pw@host/x": "unsupported source",
        "mysql://svc:Hunter2pw@127.0.0.1:1/mlflow": "",
        str(tmp_path / "missing-folder"): "no such file or folder",
    }
    for source, message in cases.items():
        res = run("scan", source)
        assert res.exit_code == 2, (source, res.output)
        assert message in res.output and "Hunter2pw" not in res.output


def test_baseline_accepts_store_sources(sql_store: Store, tmp_path: Path) -> None:
    """`redact baseline` reads store sources; scanning with that baseline reports nothing new."""
    base = tmp_path / "baseline.json"
    assert run("baseline", sql_store.uri, "-o", str(base)).exit_code == 0
    entries = json.loads(base.read_text())["findings"]
    assert len(entries) == len(sql_store.expected)
    res = run("scan", sql_store.uri, "--baseline", str(base))
    assert res.exit_code == 0 and "No findings." in res.output


# --------------------------------------------------------------------------- W&B
WANDB_SCRIPT = """
import json, os, sys
import wandb

plant = json.loads(os.environ["PLANT"])
run = wandb.init(
    project="redact-test",
    name=plant["name"],
    notes=plant["notes"],
    tags=["baseline"],
    config=plant["config"],
)
for step in range(2):
    run.log({"loss": 0.5 / (step + 1), "reviewer": plant["reviewer"]})
run.summary["contact"] = plant["contact"]
run.finish()
assert "redact" not in sys.modules and not any(m.startswith("redact.") for m in sys.modules)
print(run.id)
"""


@dataclass
class WandbRun:
    folder: Path
    run_id: str
    plant: dict[str, Any]
    secrets: list[str]


@pytest.fixture(scope="module")
def wandb_run(tmp_path_factory: pytest.TempPathFactory) -> WandbRun:
    """An offline run written by real wandb in a child process that never imports redact."""
    pytest.importorskip("wandb")
    root = tmp_path_factory.mktemp("wandb")
    fakes = Fakes(13)
    plant = {
        "name": f"eval by {fakes.email()}",
        "notes": f"ci token {GH}",
        "config": {
            "db_url": fakes.pg(),
            "payment": {"card": fakes.card()},
            "lr": 0.001,
            "optimizer": "adamw",
            "git_commit": fakes.sha(),
            "dataset_digest": "sha256:" + fakes.sha() + fakes.sha()[:24],
            "parent_run_id": fakes.sha()[:32],
        },
        "reviewer": fakes.email(),
        "contact": fakes.email(),
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WANDB_", "REDACT_"))}
    env.update(
        {
            "PLANT": json.dumps(plant),
            "WANDB_MODE": "offline",
            "WANDB_DIR": str(root),
            "WANDB_SILENT": "true",
            "WANDB_DISABLE_GIT": "true",
            "WANDB_DISABLE_CODE": "true",
            "WANDB_ERROR_REPORTING": "false",
            "WANDB_BASE_URL": "http://127.0.0.1:9",
            "WANDB_CACHE_DIR": str(root / "cache"),
            "WANDB_CONFIG_DIR": str(root / "config"),
            "WANDB_DATA_DIR": str(root / "data"),
            "WANDB_ARTIFACT_DIR": str(root / "artifacts"),
        }
    )
    script = root / "train.py"
    script.write_text(textwrap.dedent(WANDB_SCRIPT))
    out = subprocess.run(
        [sys.executable, str(script)], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-3000:]
    run_id = out.stdout.strip().splitlines()[-1]
    (folder,) = sorted((root / "wandb").glob(f"*run-*-{run_id}"))
    return WandbRun(folder, run_id, plant, list(fakes.made))


def test_wandb_offline_run_folder(wandb_run: WandbRun) -> None:
    """A real offline run folder (redact's W&B integration not installed, so the values
    are in W&B's files as logged) is read as a run: config, name, notes, history, summary
    and the debug log are reported by run id and field; lineage and clean config values
    are not; the report holds no plaintext."""
    log = next(wandb_run.folder.glob("*.wandb")).read_bytes()
    assert wandb_run.plant["config"]["db_url"].encode() in log  # nothing redacted it
    rows = findings(str(wandb_run.folder))
    got = pointer_categories(rows)
    rid = wandb_run.run_id
    want = {
        f"/runs/{rid}/config/db_url": "CONNECTION_STRING",
        f"/runs/{rid}/config/payment/card": "CREDIT_CARD",
        f"/runs/{rid}/name": "EMAIL_ADDRESS",
        f"/runs/{rid}/notes": "SECRET",
        f"/runs/{rid}/history/0/reviewer": "EMAIL_ADDRESS",
        f"/runs/{rid}/history/1/reviewer": "EMAIL_ADDRESS",
        f"/runs/{rid}/summary/reviewer": "EMAIL_ADDRESS",
        f"/runs/{rid}/summary/contact": "EMAIL_ADDRESS",
    }
    for pointer, category in want.items():
        assert category in got.get(pointer, set()), (pointer, sorted(got))
    debug = [p for p in got if p.startswith(f"/runs/{rid}/logs/debug.log/")]
    assert debug and any("CONNECTION_STRING" in got[p] for p in debug)
    assert all(p.startswith(f"/runs/{rid}/") for p in got)
    for key in ("lr", "optimizer", "git_commit", "dataset_digest", "parent_run_id"):
        assert f"/runs/{rid}/config/{key}" not in got
    assert not [p for p in got if p.startswith((f"/runs/{rid}/metadata", f"/runs/{rid}/history/0/loss"))]
    assert {r["file"] for r in rows} == {str(wandb_run.folder)}
    assert not [s for s in wandb_run.secrets if s in json.dumps(rows)]


def test_wandb_parent_folder_reads_each_run_once(wandb_run: WandbRun) -> None:
    """Scanning the whole WANDB_DIR finds the run folder (not the latest-run symlink nor
    the top-level debug-log links a second time) and nothing else."""
    top = wandb_run.folder.parent
    assert (top / "latest-run").is_symlink()
    whole = findings(str(top.parent))
    one = findings(str(wandb_run.folder))
    assert whole == one


def test_wandb_json_files_without_the_log(
    wandb_run: WandbRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a decodable .wandb log (no wandb installed, or none written), a run folder's
    config.yaml, wandb-summary.json, wandb-metadata.json and output.log are read instead,
    with the same pointers; the missing reader is warned about."""
    import redact.stores.wandb_files as wandb_files

    folder = tmp_path / wandb_run.folder.name
    shutil.copytree(wandb_run.folder, folder, symlinks=True)
    files = folder / "files"
    files.mkdir(exist_ok=True)
    cfg = wandb_run.plant["config"]
    (files / "config.yaml").write_text(
        yaml.safe_dump(
            {"wandb_version": 1, "_wandb": {"value": {"cli_version": "0.31.0"}}}
            | {k: {"desc": None, "value": v} for k, v in cfg.items()}
        )
    )
    (files / "wandb-summary.json").write_text(
        json.dumps({"contact": wandb_run.plant["contact"], "loss": 0.25})
    )
    (files / "wandb-metadata.json").write_text(
        json.dumps({"program": "train.py", "email": wandb_run.plant["reviewer"]})
    )
    (files / "output.log").write_text(f"epoch 1\nconnecting to {cfg['db_url']}\n")
    monkeypatch.setattr(wandb_files, "_proto", lambda: None)
    with pytest.warns(UserWarning, match="wandb is not installed"):
        got = pointer_categories(findings(str(folder)))
    rid = wandb_run.run_id
    assert got[f"/runs/{rid}/config/db_url"] == {"CONNECTION_STRING"}
    assert got[f"/runs/{rid}/config/payment/card"] == {"CREDIT_CARD"}
    assert got[f"/runs/{rid}/summary/contact"] == {"EMAIL_ADDRESS"}
    assert got[f"/runs/{rid}/metadata/email"] == {"EMAIL_ADDRESS"}
    assert got[f"/runs/{rid}/output/1"] == {"CONNECTION_STRING"}
    assert f"/runs/{rid}/config/git_commit" not in got and f"/runs/{rid}/name" not in got


# --------------------------------------------------------------------------- files
def test_toml_csv_env_files_with_lines(tmp_path: Path) -> None:
    """TOML (tables, arrays of tables, arrays, inline tables), CSV (a row per document,
    multi-line cells), .env and other text files are read with the line of each finding."""
    f = Fakes(21)
    pg, card, email1, email2, email3, email4 = f.pg(), f.card(), f.email(), f.email(), f.email(), f.email()
    (tmp_path / "train.toml").write_text(
        textwrap.dedent(
            f"""\
            title = "train"
            [database]
            url = "{pg}"          # a comment
            [[jobs]]
            name = "a"
            [[jobs]]
            name = "b"
            owner = "{email1}"
            [jobs.env]
            card = "{card}"
            [tool]
            emails = [
              "clean",
              "{email2}",
            ]
            inline = {{ contact = "{email3}", n = 1 }}
            "quoted.key" = \"\"\"
            multi [not = a table]
            line\"\"\"
            after = 'x{email4}'
            """
        )
    )
    card2, email5, gh = f.card(), f.email(), f.github()
    (tmp_path / "people.csv").write_text(
        f'name,email,card,notes\nalice,{email5},,ok\n\nbob,"",{card2},"multi\nline"\ncarol,,,"token {gh}"\n'
    )
    pg2, pg3, gh2, email6 = f.pg(), f.pg(), f.github(), f.email()
    (tmp_path / ".env").write_text(
        textwrap.dedent(
            f"""\
            # deployment settings
            export DB_URL={pg2}
            API_TOKEN="{gh2}"  # inline comment
            EMPTY=
            MULTI="first line
            second {email6}"
            LR=0.001
            DB_URL={pg3}
            {f.pg()}
            """
        )
    )
    (tmp_path / "notes.txt").write_text(card)  # any other text file: read line by line
    got = {(Path(r.source).name, r.pointer, r.category, r.line) for r in collect([tmp_path], get_scanner())}
    assert got == {
        ("train.toml", "/database/url", "CONNECTION_STRING", 3),
        ("train.toml", "/jobs/1/owner", "EMAIL_ADDRESS", 8),
        ("train.toml", "/jobs/1/env/card", "CREDIT_CARD", 10),
        ("train.toml", "/tool/emails/1", "EMAIL_ADDRESS", 14),
        ("train.toml", "/tool/inline/contact", "EMAIL_ADDRESS", 16),
        ("train.toml", "/tool/after", "EMAIL_ADDRESS", 20),
        ("people.csv", "/0/email", "EMAIL_ADDRESS", 2),
        ("people.csv", "/1/card", "CREDIT_CARD", 4),
        ("people.csv", "/2/notes", "SECRET", 6),
        (".env", "/DB_URL", "CONNECTION_STRING", 2),
        (".env", "/DB_URL", "CONNECTION_STRING", 8),
        (".env", "/API_TOKEN", "SECRET", 3),
        (".env", "/MULTI", "EMAIL_ADDRESS", 5),
        (".env", "/9", "CONNECTION_STRING", 9),
        ("notes.txt", "/1", "CREDIT_CARD", 1),
    }


def test_env_values_are_parsed_like_a_shell(tmp_path: Path) -> None:
    """.env parsing: export prefix, quotes (escapes in double quotes only), inline
    comments after unquoted values, values across lines, a later assignment wins."""
    from redact.stores.files import parse_env

    text = 'export A=1\nB="x\\"y\\n" # c\nC=\'raw\\n\'\nD=plain # comment\nE=a#b\nF="two\nlines"\nA=2\n'
    assert parse_env(text) == [
        ("A", "1", 1),
        ("B", 'x"y\n', 2),
        ("C", "raw\\n", 3),
        ("D", "plain", 4),
        ("E", "a#b", 5),
        ("F", "two\nlines", 6),
        ("A", "2", 8),
    ]
    env = tmp_path / "prod.env"
    env.write_text(text)
    (doc,) = [r.document for r in iter_records(str(env)) if r.document.get("B")]
    assert doc["A"] == "2"
    bad = tmp_path / ".env.local"
    bad.write_text('OK=1\nX="never closed\n')
    res = run("scan", str(bad))
    assert res.exit_code == 2 and f"{bad}:2: unterminated" in res.output


def test_invalid_toml_and_csv_name_file_and_line(tmp_path: Path) -> None:
    """Malformed TOML and CSV exit 2 naming the file and line."""
    t = tmp_path / "bad.toml"
    t.write_text('a = 1\nb = "x\n')
    res = run("scan", str(t))
    assert res.exit_code == 2 and f"{t}:2: invalid TOML" in res.output
    c = tmp_path / "bad.csv"
    c.write_bytes(b"a,b\n1,\xff\n")
    res = run("scan", str(c))
    assert res.exit_code == 2 and f"{c}" in res.output and "UTF-8" in res.output


# --------------------------------------------------------------------------- together
def test_all_sources_together_and_jobs_2_is_identical(
    sql_store: Store, file_store: Store, wandb_run: WandbRun, tmp_path: Path
) -> None:
    """`redact scan sqlite:///x.db path/mlruns run_folder/ configs/` in every format gives
    byte-identical reports with --jobs 2 (several processes) and one process; file sources
    keep their lines, store sources have none; a folder holding an MLflow database and
    an mlruns folder reads them as stores (their meta.yaml files are not plain YAML)."""
    configs = tmp_path / "configs"
    configs.mkdir()
    card = Fakes(31).card()
    (configs / "train.yaml").write_text(f"run:\n  lr: 0.1\n  card: '{card}'\n")
    (configs / "app.toml").write_text(f'[billing]\ncard = "{card}"\n')
    mlruns = file_store.uri.removeprefix("file://")
    sources = [sql_store.uri, mlruns, str(wandb_run.folder), str(configs)]
    for fmt in ("json", "sarif", "table", "junit", "markdown"):
        one = run("scan", "--format", fmt, *sources)
        two = run("scan", "--format", fmt, "--jobs", "2", *sources)
        assert one.exit_code == two.exit_code == 1, (fmt, one.output, two.output)
        assert one.output == two.output, fmt
    results = collect(sources, get_scanner(), jobs=2)
    assert results == collect(sources, get_scanner())
    lines = {r.source: r.line for r in results}
    assert lines[str(configs / "train.yaml")] == 3 and lines[str(configs / "app.toml")] == 2
    assert {r.line for r in results if not r.source.startswith(str(configs))} == {None}
    project = Path(mlruns).parent  # holds mlflow.db and mlruns/
    stores = {r.source for r in collect([project], get_scanner())}
    assert stores == {str(project / "mlflow.db"), str(project / "mlruns")}


def test_progress_only_on_a_terminal(sql_store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    """When enabled (a terminal) a rich bar shows tasks done of the total, records and
    findings so far and the rate, and is wiped at the end; without a terminal (as under
    CliRunner or in CI) nothing is written."""
    import io

    from redact.stores import Progress

    out = io.StringIO()
    bar = Progress(True, out)
    bar.start(safe_source(sql_store.uri), 3)
    bar.update(records=3, findings=1, tasks=1, force=True)
    bar.close()
    text = out.getvalue()
    assert "redact" in text and "1/3" in text and "3 records 1 found" in text and "/s" in text
    assert "\x1b[2K" in text  # transient: erased when done
    collect([sql_store.uri], get_scanner(), progress=False)
    res = CliRunner().invoke(main, ["scan", sql_store.uri])
    assert "records" not in res.output
    assert capsys.readouterr().err == ""
