"""The MLflow plugin: ``redact+<scheme>`` tracking and model registry stores.

Real components only: MLflow's SQLite and file stores, and real ``mlflow server``
processes (one plain, used through ``redact+http://``; one running the plugin itself,
``--backend-store-uri redact+sqlite:///...``, used through plain ``http://``). Fake
secrets are generated per test run and planted through every door MLflow offers; the
raw bytes of each store (SQLite file and its WAL, the ``mlruns`` folder) must not hold
any of them, while clean values and lineage (git SHA, dataset digest, run id) arrive
unchanged.
"""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

pytest.importorskip("mlflow")

import mlflow  # noqa: E402
import mlflow.tracking.fluent  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Param, RunTag  # noqa: E402
from mlflow.exceptions import MlflowException  # noqa: E402
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore  # noqa: E402
from structlog.testing import capture_logs  # noqa: E402

import redact  # noqa: E402
from redact.errors import Blocked, LineageGateError, RedactError  # noqa: E402
from redact.integrations.mlflow import RedactingTrackingStore, build_tracking_store  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mlflow_server import MlflowServer  # noqa: E402

SHA = "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f"
DIGEST = "sha256:" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
CLEAN = {"learning_rate": "0.01", "optimizer": "adam", "batch_size": "32", "model_dir": "/data/models/v3"}

# ---------------------------------------------------------------------- fake secrets
_B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_rng = random.Random(int.from_bytes(os.urandom(8), "big"))


def _word(n: int, alphabet: str = string.ascii_lowercase) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def fake_password() -> str:
    return _word(4, string.ascii_uppercase) + _word(4, string.digits) + _word(6)


def fake_pg_url() -> str:
    return f"postgresql://svc_{_word(5)}:{fake_password()}@db.internal:5432/features"


def fake_card() -> str:
    """A Luhn-valid 16-digit Visa number (test range, never a real card)."""
    body = [4] + [_rng.randrange(10) for _ in range(14)]
    total = 0
    for i, d in enumerate(reversed(body)):
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def fake_github_token() -> str:
    """``ghp_`` + 30 random characters + the base62 CRC32 of those characters."""
    body = _word(30, string.ascii_letters + string.digits)
    n, check = zlib.crc32(body.encode()), ""
    while n:
        n, r = divmod(n, 62)
        check = _B62[r] + check
    return "ghp_" + body + check.rjust(6, "0")


def fake_email() -> str:
    return f"{_word(10)}@example.com"


def _secret_of(value: str) -> list[str]:
    """The plaintexts that must not reach the store: the value, and its secret core."""
    out = [value]
    if value.startswith("postgresql://") or value.startswith("https://"):
        out.append(value.split("://", 1)[1].split("@", 1)[0].split(":", 1)[1])  # the password
    elif value.endswith("@example.com"):
        out.append(value.split("@", 1)[0])  # the mailbox
    return out


@dataclass
class Plants:
    """Generated secrets, one set per door, so a leak names the door it came through."""

    by_door: dict[str, list[str]] = field(default_factory=dict)

    def add(self, door: str, value: str) -> str:
        self.by_door.setdefault(door, []).append(value)
        return value

    def pg(self, door: str) -> str:
        return self.add(door, fake_pg_url())

    def card(self, door: str) -> str:
        return self.add(door, fake_card())

    def gh(self, door: str) -> str:
        return self.add(door, fake_github_token())

    def email(self, door: str) -> str:
        return self.add(door, fake_email())

    def https(self, door: str, host: str) -> str:
        return self.add(door, f"https://deploy:{fake_password()}@{host}")

    def leaks(self, raw: bytes) -> list[str]:
        return sorted(
            f"{door}: {value[:12]}..."
            for door, values in self.by_door.items()
            for value in values
            if any(s.encode() in raw for s in _secret_of(value))
        )


def test_generated_secrets_are_detected():
    """The generators make values the scanner really reports (so the store assertions
    below cannot pass because a fake was malformed)."""
    cases = {
        fake_pg_url(): "CONNECTION_STRING",
        f"https://deploy:{fake_password()}@models.internal/m": "CONNECTION_STRING",
        fake_card(): "CREDIT_CARD",
        fake_github_token(): "SECRET",
        fake_email(): "EMAIL_ADDRESS",
    }
    for value, category in cases.items():
        found = {f.category for f in redact.scan({"value": value})}
        assert category in found, (category, found)


# ---------------------------------------------------------------------- fixtures
def _raw(*paths: Path) -> bytes:
    """Every byte of the given files and folders (an SQLite file with its -wal/-journal)."""
    out = b""
    for p in paths:
        candidates = [p, *p.parent.glob(p.name + "-*")] if not p.is_dir() else sorted(p.rglob("*"))
        for f in candidates:
            if f.is_file():
                out += f.read_bytes()
    return out


def _clear_store_caches() -> None:
    """MLflow caches one store per URI; a test that sets REDACT_POLICY needs a new one."""
    from mlflow.tracking._model_registry.utils import _get_store_registry
    from mlflow.tracking._tracking_service.utils import _tracking_store_registry

    type(_tracking_store_registry)._get_store_with_resolved_uri.cache_clear()
    type(_get_store_registry())._get_store_with_resolved_uri.cache_clear()


@pytest.fixture(autouse=True)
def _mlflow_isolation(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # MLflow's default artifact root is ./mlruns
    for var in ("REDACT_POLICY", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # the file store is opt-in in MLflow 3
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")  # a server error fails fast
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    _clear_store_caches()
    yield
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    _clear_store_caches()


@pytest.fixture
def use_policy(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], str]:
    """Write a policy file and point REDACT_POLICY at it (stores built afterwards use it)."""

    def use(text: str) -> str:
        path = tmp_path / "policy.yaml"
        path.write_text(textwrap.dedent(text))
        monkeypatch.setenv("REDACT_POLICY", str(path))
        return str(path)

    return use


SERVER_POLICY = """\
version: 1
name: server
extends: default
keys:
  deny: ["params.forbidden_*"]
  deny_action: block
required:
  - {key: "*mlflow.source.git.commit", format: git_sha_full, description: code commit}
  - {key: "*dataset_digest", format: sha256, description: dataset snapshot}
"""


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, MlflowServer]]:
    """Two real servers, started in parallel: ``plain`` (sqlite backend, used through
    ``redact+http://``) and ``plugin`` (``--backend-store-uri redact+sqlite:///``, a
    policy that blocks ``forbidden_*`` params and gates registration on a commit and a
    dataset digest, used through plain ``http://``)."""
    root = tmp_path_factory.mktemp("mlflow-servers")
    (root / "server-policy.yaml").write_text(SERVER_POLICY)
    plain = MlflowServer(root / "plain", f"sqlite:///{root}/plain/backend.db")
    plugin = MlflowServer(
        root / "plugin",
        f"redact+sqlite:///{root}/plugin/backend.db",
        env={"REDACT_POLICY": str(root / "server-policy.yaml")},
    )
    started = {"plain": plain.start(), "plugin": plugin.start()}
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda s: s.wait_ready(), started.values()))
        yield started
    finally:
        for s in started.values():
            s.stop()


@dataclass
class Backend:
    name: str
    uri: str  # what the client uses
    raw: Callable[[], bytes]  # the store's bytes as written


@pytest.fixture(params=["sqlite", "file", "http", "server-side"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    if request.param == "sqlite":
        db = tmp_path / "mlflow.db"
        return Backend("sqlite", f"redact+sqlite:///{db}", lambda: _raw(db))
    if request.param == "file":
        root = tmp_path / "mlruns-store"
        return Backend("file", f"redact+file://{root}", lambda: _raw(root))
    servers = request.getfixturevalue("servers")
    if request.param == "http":
        s = servers["plain"]
        return Backend("http", f"redact+{s.url}", lambda: _raw(s.root / "backend.db"))
    s = servers["plugin"]
    return Backend("server-side", s.url, lambda: _raw(s.root / "backend.db"))


# ---------------------------------------------------------------------- every door
def _plant_everything(uri: str, plants: Plants, tag: str) -> dict[str, str]:
    """Log through every door MLflow has for metadata; returns the ids to check."""
    import pandas as pd

    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    exp = mlflow.set_experiment(f"churn {plants.email('experiment name')} {tag}")
    mlflow.set_experiment_tags({"contact_db": plants.pg("set_experiment_tags")})
    other = client.create_experiment(f"scratch-{tag}", tags={"owner": plants.email("create_experiment tags")})
    client.rename_experiment(other, f"scratch {plants.email('rename_experiment')} {tag}")

    df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0.0, 1.0, 0.0]})
    dataset = mlflow.data.from_pandas(
        df, source=plants.https("log_input source", "data.internal/train.csv"), name="train"
    )
    with mlflow.start_run(
        run_name=f"baseline {plants.email('start_run run_name')}",
        tags={"billing_card": plants.card("start_run tags"), "mlflow.source.git.commit": SHA},
    ) as run:
        run_id = run.info.run_id
        mlflow.log_param("db_url", plants.pg("log_param"))
        mlflow.log_params(
            {
                **CLEAN,
                "git_commit": SHA,
                "dataset_digest": DIGEST,
                "card_number": plants.card("log_params"),
                "github_token": plants.gh("log_params"),
            }
        )
        mlflow.set_tag("owner", plants.email("set_tag"))
        mlflow.set_tags({"ci_token": plants.gh("set_tags"), "team": "churn"})
        client.log_batch(
            run_id,
            params=[Param("replica_url", plants.pg("log_batch params"))],
            tags=[RunTag("reviewer", plants.email("log_batch tags"))],
        )
        mlflow.log_params({"async_token": plants.gh("log_params async")}, synchronous=False).wait()
        mlflow.log_param("async_db", plants.pg("log_param async"), synchronous=False).wait()
        mlflow.set_tag("async_owner", plants.email("set_tag async"), synchronous=False).wait()
        mlflow.log_input(dataset, context="training", tags={"curator": plants.email("log_input tags")})
        mlflow.log_metric("accuracy", 0.91)
        model = mlflow.initialize_logged_model(
            name="churn-model",
            tags={"owner": plants.email("create_logged_model tags")},
            params={"feature_db": plants.pg("create_logged_model params"), "depth": "6"},
        )
        mlflow.log_model_params({"card": plants.card("log_model_params")}, model_id=model.model_id)
        mlflow.set_logged_model_tags(model.model_id, {"token": plants.gh("set_logged_model_tags")})
    # updates go to other objects, so that every planted value would stay visible if leaked
    with mlflow.start_run() as renamed:
        pass
    client.update_run(renamed.info.run_id, name=f"final {plants.email('update_run name')}")

    name = f"churn-{tag}"
    client.create_registered_model(
        name,
        tags={"db": plants.pg("create_registered_model tags")},
        description=f"ask {plants.email('create_registered_model description')}",
    )
    client.set_registered_model_tag(name, "token", plants.gh("set_registered_model_tag"))
    client.create_registered_model(f"{name}-b")
    client.update_registered_model(f"{name}-b", description=f"card {plants.card('update_registered_model')}")
    mv = client.create_model_version(
        name,
        source=plants.https("create_model_version source", "models.internal/churn"),
        run_id=run_id,
        tags={"token": plants.gh("create_model_version tags")},
        description=f"from {plants.pg('create_model_version description')}",
    )
    client.set_model_version_tag(name, mv.version, "owner", plants.email("set_model_version_tag"))
    mv2 = client.create_model_version(
        name, source=plants.https("create_model_version source v2", "models.internal/churn2"), run_id=run_id
    )
    client.update_model_version(name, mv2.version, description=f"by {plants.email('update_model_version')}")
    return {
        "run_id": run_id,
        "renamed_run_id": renamed.info.run_id,
        "experiment_id": exp.experiment_id,
        "model": name,
        "version": mv.version,
    }


def test_every_door_is_redacted_and_lineage_is_kept(backend: Backend):
    """Secrets planted through every metadata door (experiment name/tags, run name, start_run
    tags, log_param(s), set_tag(s), log_batch, async logging, log_input, logged-model
    params/tags, run rename, registry tags/descriptions/source) never reach the store's raw
    bytes, for the SQLite and file stores, a server used through redact+http, and a server
    running the plugin; clean params, the git SHA, the dataset digest and the run id arrive
    unchanged."""
    plants = Plants()
    ids = _plant_everything(backend.uri, plants, backend.name)
    raw = backend.raw()
    assert len(raw) > 2_000  # the store was really read
    assert plants.leaks(raw) == []

    for lineage in (SHA, DIGEST, ids["run_id"]):
        assert lineage.encode() in raw
    client = MlflowClient(tracking_uri=backend.uri, registry_uri=backend.uri)
    run = client.get_run(ids["run_id"])
    assert {k: run.data.params[k] for k in CLEAN} == CLEAN
    assert run.data.params["git_commit"] == SHA
    assert run.data.params["dataset_digest"] == DIGEST
    assert run.data.tags["mlflow.source.git.commit"] == SHA
    assert run.data.tags["team"] == "churn"
    assert run.data.metrics["accuracy"] == 0.91
    # masked, not dropped: the safe parts stay readable
    assert run.data.params["db_url"].endswith("****@db.internal:5432/features")
    assert run.data.params["card_number"].endswith(plants.by_door["log_params"][0][-4:])
    assert run.data.params["github_token"] == "[REDACTED:github-classic-token]"
    assert run.info.run_name.startswith("baseline ****@example.com")
    assert run.data.tags["mlflow.runName"] == run.info.run_name
    assert client.get_run(ids["renamed_run_id"]).info.run_name.startswith("final ****@example.com")
    (dataset_input,) = run.inputs.dataset_inputs
    assert dataset_input.dataset.name == "train"
    assert "deploy:****@data.internal" in dataset_input.dataset.source
    assert len(dataset_input.dataset.digest) >= 8 and dataset_input.dataset.digest.encode() in raw
    mv = client.get_model_version(ids["model"], ids["version"])
    assert mv.run_id == ids["run_id"]
    assert mv.source == "https://deploy:****@models.internal/churn"


def _genai_backend(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backend:
    """``redact+sqlite`` in process, ``redact+http`` to a plain server, or a server running
    the plugin (``server-side``)."""
    if kind == "sqlite":
        return Backend(
            "sqlite", f"redact+sqlite:///{tmp_path / 'genai.db'}", lambda: _raw(tmp_path / "genai.db")
        )
    servers = request.getfixturevalue("servers")
    s = servers["plain" if kind == "http" else "plugin"]
    uri = f"redact+{s.url}" if kind == "http" else s.url
    return Backend(kind, uri, lambda: _raw(s.root / "backend.db"))


@pytest.mark.parametrize("kind", ["sqlite", "http", "server-side"])
def test_genai_assessments_and_evaluation_datasets_are_redacted(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
):
    """Feedback and expectations (name, value, rationale, metadata, source), their update,
    and evaluation datasets (tags, records) reach the store redacted; trace ids stay."""
    from mlflow.entities import AssessmentSource, Feedback
    from mlflow.genai.datasets import create_dataset

    backend = _genai_backend(kind, tmp_path, request)
    plants = Plants()
    mlflow.set_tracking_uri(backend.uri)
    mlflow.set_experiment(f"genai-{kind}-{random.randrange(10**9)}")

    @mlflow.trace
    def answer(question: str) -> str:
        return question.upper()

    answer("q")
    mlflow.flush_trace_async_logging()
    trace_id = mlflow.get_last_active_trace_id()
    reviewer = plants.email("assessment source")
    feedback = mlflow.log_feedback(
        trace_id=trace_id,
        name="quality",
        value=f"ok, ask {plants.email('feedback value')}",
        rationale=f"checked against {plants.pg('feedback rationale')}",
        source=AssessmentSource(source_type="HUMAN", source_id=reviewer),
        metadata={"reviewer": plants.email("feedback metadata")},
    )
    mlflow.log_expectation(
        trace_id=trace_id,
        name="expected",
        value={"answer": f"card {plants.card('expectation value')}"},
        source=AssessmentSource(source_type="HUMAN", source_id="labeller"),
    )
    mlflow.update_assessment(
        trace_id=trace_id,
        assessment_id=feedback.assessment_id,
        assessment=Feedback(name="quality", value=f"token {plants.gh('updated feedback')}"),
    )
    dataset = create_dataset(name=f"eval-{kind}", tags={"owner": plants.email("dataset tags")})
    dataset.merge_records(
        [
            {
                "inputs": {"question": f"who is {plants.email('record inputs')}?"},
                "expectations": {"db": plants.pg("record")},
            }
        ]
    )
    raw = backend.raw()
    assert plants.leaks(raw) == []
    assert trace_id.encode() in raw and b"****@example.com" in raw
    stored = MlflowClient(tracking_uri=backend.uri).get_trace(trace_id).info.assessments
    assert {a.name for a in stored} == {"quality", "expected"}
    assert all(a.source.source_id in ("****@example.com", "labeller") for a in stored)


@pytest.mark.parametrize("kind", ["sqlite", "http", "server-side"])
def test_genai_issues_and_label_schemas_are_redacted(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
):
    """An issue's name, description, root causes, categories and author (issue discovery
    writes them from what traces showed) and its update, and a label schema's name and
    instruction, reach the store redacted; the issue keeps its id and status, positional
    arguments are bound by name, and a schema is found again by the name it was given."""
    from mlflow.entities.issue import IssueStatus
    from mlflow.genai.label_schemas import InputText, create_label_schema, get_label_schema
    from mlflow.tracing.client import TracingClient

    backend = _genai_backend(kind, tmp_path, request)
    plants = Plants()
    mlflow.set_tracking_uri(backend.uri)
    experiment_id = mlflow.set_experiment(f"issues-{kind}-{random.randrange(10**9)}").experiment_id
    client = TracingClient()
    issue = client._create_issue(
        experiment_id,
        f"answers leak {plants.email('issue name')}",
        f"the agent printed {plants.pg('issue description')}",
        root_causes=[f"tool output held {plants.gh('issue root cause')}", "prompt too long"],
        categories=["privacy"],
        created_by=plants.email("issue author"),
    )
    client.store.update_issue(
        issue.issue_id, IssueStatus.RESOLVED, description=f"card {plants.card('issue update')}"
    )
    schema_name = f"ask {plants.email('label schema name')}"
    schema = create_label_schema(
        schema_name,
        type="feedback",
        input=InputText(),
        instruction=f"escalate to {plants.email('label schema instruction')}",
        experiment_id=experiment_id,
    )
    assert get_label_schema(schema_name, experiment_id=experiment_id).schema_id == schema.schema_id
    raw = backend.raw()
    assert plants.leaks(raw) == []
    stored = client._get_issue(issue.issue_id)
    assert stored.name == "answers leak ****@example.com"
    assert stored.status == IssueStatus.RESOLVED
    assert "prompt too long" in stored.root_causes and stored.categories == ["privacy"]


def test_set_experiment_finds_the_experiment_it_created_under_a_redacted_name(tmp_path: Path):
    """An experiment name with an email is stored masked, and the lookup by name is redacted
    the same way, so set_experiment with the same name returns the same experiment."""
    mlflow.set_tracking_uri(f"redact+sqlite:///{tmp_path / 'mlflow.db'}")
    first = mlflow.set_experiment("churn for alice.smith@example.com")
    second = mlflow.set_experiment("churn for alice.smith@example.com")
    assert first.experiment_id == second.experiment_id
    assert first.name == "churn for ****@example.com"


def test_audit_events_name_pointers_never_plaintext(tmp_path: Path, use_policy: Callable[[str], str]):
    """Each logging call is one audit summary on the redact.audit logger; with a debug
    policy, decisions name /params/<key> and /tags/<key> and never hold the plaintext."""
    use_policy("version: 1\nextends: default\nsummary: debug\n")
    pg = fake_pg_url()
    mlflow.set_tracking_uri(f"redact+sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("audit")
    with mlflow.start_run(), capture_logs() as events:
        mlflow.log_params({"db_url": pg, "lr": "0.1"})
        mlflow.set_tag("owner_email", "someone@example.com")
    decisions = [e for e in events if e["event"] == "redact.decision"]
    assert [(d["pointer"], d["category"]) for d in decisions] == [
        ("/params/db_url", "CONNECTION_STRING"),
        ("/tags/owner_email", "EMAIL_ADDRESS"),
    ]
    assert [e["event"] for e in events].count("redact.summary") == 2
    assert pg.split(":")[2].split("@")[0] not in repr(events)
    assert "someone" not in repr(events)


def test_allowlist_policy_matches_params_and_tags_paths(tmp_path: Path, use_policy: Callable[[str], str]):
    """Values are redacted at params.<key> / tags.<key>, so a team policy that allowlists
    ``params.*`` and ``tags.*`` keeps clean values and MLflow's lineage tags as they are,
    and masks what is outside the list."""
    use_policy(
        """\
        version: 1
        extends: default
        keys:
          allow: ["params.*", "tags.*"]
          unknown: redact
          trusted:
            - {key: "*mlflow.source.git.commit", format: git_sha}
        """,
    )
    uri = f"redact+sqlite:///{tmp_path / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    exp = mlflow.set_experiment("allowlisted")
    with mlflow.start_run(tags={"mlflow.source.git.commit": SHA}) as run:
        mlflow.log_params(CLEAN)
    got = MlflowClient(uri).get_run(run.info.run_id)
    assert {k: got.data.params[k] for k in CLEAN} == CLEAN
    assert got.data.tags["mlflow.source.git.commit"] == SHA
    # the experiment name is not under params/tags: outside the allowlist, masked whole
    assert exp.name != "allowlisted"


def test_retried_param_is_identical_so_the_retry_succeeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_policy: Callable[[str], str]
):
    """Outputs are deterministic (masks, HMAC tokens, AES-SIV): logging the same param
    again, even through a new store and Redactor, writes the same value, so MLflow's
    immutable-param check passes instead of failing the retry."""
    from redact.actions import generate_key

    monkeypatch.setenv("T_TOKENIZE", generate_key("tokenize"))
    monkeypatch.setenv("T_ENCRYPT", generate_key("encrypt"))
    policy = use_policy(
        """\
        version: 1
        extends: default
        actions:
          CONNECTION_STRING: encrypt
          EMAIL_ADDRESS: tokenize
        keyring:
          tokenize: {env: T_TOKENIZE}
          encrypt: {active: k1, keys: {k1: {env: T_ENCRYPT}}}
        """,
    )
    uri = f"redact+sqlite:///{tmp_path / 'mlflow.db'}"
    pg, email = fake_pg_url(), fake_email()
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("retry")
    with mlflow.start_run() as run:
        for _ in range(2):
            mlflow.log_param("db_url", pg)
            mlflow.log_params({"owner": email, "lr": "0.1"})
    fresh = build_tracking_store(uri)  # a second store and Redactor: same outputs
    fresh.log_param(run.info.run_id, Param("db_url", pg))
    params = MlflowClient(uri).get_run(run.info.run_id).data.params
    assert params["db_url"].startswith("postgresql://svc_") and "enc:v2:k1:" in params["db_url"]
    assert params["owner"].startswith("tok:EMAIL_ADDRESS:")
    assert redact.decrypt(params["db_url"], "/params/db_url", policy) == pg
    with pytest.raises(MlflowException, match="Changing param values is not allowed"):
        fresh.log_param(run.info.run_id, Param("db_url", fake_pg_url()))  # backend errors pass through


def test_block_policy_raises_and_writes_nothing(tmp_path: Path, use_policy: Callable[[str], str]):
    """With SECRET: block, a token in log_param, log_params (sync and async) or set_tag raises
    Blocked in the caller and nothing of that call is written, clean values included."""
    use_policy("version: 1\nextends: default\nactions:\n  SECRET: block\n")
    db = tmp_path / "mlflow.db"
    uri = f"redact+sqlite:///{db}"
    token = fake_github_token()
    mlflow.set_tracking_uri(uri)
    mlflow.set_experiment("blocked")
    with mlflow.start_run() as run:
        with pytest.raises(Blocked) as info:
            mlflow.log_param("github_token", token)
        assert isinstance(info.value, MlflowException)  # a server answers 400, not 500
        assert info.value.pointer == "/params/github_token" and token not in str(info.value)
        with pytest.raises(Blocked):
            mlflow.log_params({"lr": "0.1", "github_token": token})
        with pytest.raises(Blocked):
            mlflow.log_params({"momentum": "0.9", "github_token": token}, synchronous=False)
        with pytest.raises(Blocked):
            mlflow.set_tag("ci", token)
        mlflow.log_param("ok", "1")
    got = MlflowClient(uri).get_run(run.info.run_id)
    assert got.data.params == {"ok": "1"}
    assert "ci" not in got.data.tags
    assert token.encode() not in _raw(db)


def test_blocked_assessment_and_dataset_record_write_nothing(
    tmp_path: Path, use_policy: Callable[[str], str]
):
    """With SECRET: block, a token in feedback or in an evaluation record raises Blocked
    and nothing of that call is written."""
    from mlflow.genai.datasets import create_dataset

    use_policy("version: 1\nextends: default\nactions:\n  SECRET: block\n")
    db = tmp_path / "mlflow.db"
    mlflow.set_tracking_uri(f"redact+sqlite:///{db}")
    mlflow.set_experiment("blocked-genai")
    token = fake_github_token()

    @mlflow.trace
    def answer(question: str) -> str:
        return question

    answer("q")
    mlflow.flush_trace_async_logging()
    trace_id = mlflow.get_last_active_trace_id()
    with pytest.raises(Blocked):
        mlflow.log_feedback(trace_id=trace_id, name="quality", value=f"leaked {token}")
    dataset = create_dataset(name="eval-blocked")
    with pytest.raises(Blocked):
        dataset.merge_records([{"inputs": {"question": "q"}, "expectations": {"token": token}}])
    assert MlflowClient(f"redact+sqlite:///{db}").get_trace(trace_id).info.assessments == []
    assert token.encode() not in _raw(db)


def test_server_running_the_plugin_blocks_with_a_400(servers: dict[str, MlflowServer]):
    """On `mlflow server --backend-store-uri redact+sqlite:///...` a blocked value fails the
    client's call with a 400 carrying the policy's message (never the value), and nothing
    is written."""
    s = servers["plugin"]
    client = MlflowClient(s.url)
    exp = client.create_experiment(f"server-block-{_word(6)}")
    run = client.create_run(exp)
    with pytest.raises(MlflowException) as info:
        client.log_batch(run.info.run_id, params=[Param("lr", "0.2"), Param("forbidden_x", "abc123")])
    assert info.value.error_code == "BAD_REQUEST"
    assert "/params/forbidden_x" in str(info.value) and "abc123" not in str(info.value)
    assert client.get_run(run.info.run_id).data.params == {}


def test_repeated_key_in_one_batch_gets_the_same_output_in_order():
    """A key given twice in one call (two datasets' names, a param repeated in a batch) is
    redacted in a second pass with the same pointer: equal inputs give equal outputs, the
    order is kept, and a dropped value is marked, not shifted."""
    from redact.integrations.mlflow import redact_fields
    from redact.integrations.mlflow._common import DROPPED

    policy = redact.Policy.model_validate({"keys": {"deny": ["params.secret_note"], "deny_action": "drop"}})
    redactor = redact.Redactor(policy)
    pg = fake_pg_url()
    out = redact_fields(
        redactor,
        [
            (("params", "db"), pg),
            (("params", "lr"), "0.1"),
            (("params", "db"), pg),
            (("params", "secret_note"), "x"),
            (("dataset", "name"), "train"),
            (("dataset", "name"), "test"),
            (("params", "none"), None),
        ],
    )
    assert out[0] == out[2] and out[0].endswith("****@db.internal:5432/features")
    assert out[1:] == ["0.1", out[2], DROPPED, "train", "test", None]


def test_redaction_failure_fails_closed(tmp_path: Path, use_policy: Callable[[str], str]):
    """A value redaction cannot walk whole (a list that contains itself) fails closed: with
    ``on_error: mask`` the cycle is masked where it sits and only masked text reaches the
    backend (which may still refuse a list); with ``on_error: block`` the call raises a
    RedactError. Nothing raw is stored either way."""
    uri = f"redact+sqlite:///{tmp_path / 'mlflow.db'}"
    client = MlflowClient(uri)
    run = client.create_run(client.create_experiment("fail-closed"))
    cyclic: list[object] = ["postgresql://svc:FAKEpw42@db/x"]
    cyclic.append(cyclic)
    with pytest.raises(Exception) as info:  # the backend's own error about a list value
        build_tracking_store(uri).log_param(run.info.run_id, Param("db_url", cyclic))  # type: ignore[arg-type]
    assert "FAKEpw42" not in str(info.value) and "[REDACTED:guard-error]" in str(info.value)
    use_policy("version: 1\nextends: default\non_error: block\n")
    with pytest.raises(RedactError):
        build_tracking_store(uri).log_param(run.info.run_id, Param("db_url", cyclic))  # type: ignore[arg-type]
    assert client.get_run(run.info.run_id).data.params == {}


GATE_POLICY = """\
version: 1
extends: default
required:
  - {key: "*mlflow.source.git.commit", format: git_sha_full, description: code commit}
  - {key: "*dataset_digest", format: sha256, description: dataset snapshot}
"""


@pytest.mark.parametrize("kind", ["sqlite", "http", "server-side"])
def test_lineage_gate_blocks_registration(
    kind: str, tmp_path: Path, servers: dict[str, MlflowServer], use_policy: Callable[[str], str]
):
    """With `required` fields in the policy, create_model_version checks the source run's
    params and tags: a malformed commit or a missing digest fails the call with a message
    naming each field (LineageGateError in the client; a 400 from a server running the
    plugin), a version without a source run is refused, and nothing is registered; a run
    with full provenance registers."""
    use_policy(GATE_POLICY)  # the plugin server has the same `required` in its own policy
    uri = {
        "sqlite": f"redact+sqlite:///{tmp_path / 'mlflow.db'}",
        "http": f"redact+{servers['plain'].url}",
        "server-side": servers["plugin"].url,
    }[kind]
    refused = MlflowException if kind == "server-side" else LineageGateError
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    exp = client.create_experiment(f"gate-{_word(8)}")
    bare = client.create_run(exp, tags={"mlflow.source.git.commit": "main"}).info.run_id
    good = client.create_run(exp, tags={"mlflow.source.git.commit": SHA}).info.run_id
    client.log_param(good, "dataset_digest", DIGEST)
    name = f"gated-{_word(8)}"
    client.create_registered_model(name)

    with pytest.raises(refused) as info:
        client.create_model_version(name, source=f"runs:/{bare}/model", run_id=bare)
    message = str(info.value)
    assert (
        f"model version of {name!r} was not registered: source run {bare} lacks required provenance"
        in message
    )
    assert "*mlflow.source.git.commit (code commit): malformed (expected git_sha_full)" in message
    assert "*dataset_digest (dataset snapshot): missing" in message
    assert isinstance(info.value, MlflowException) and info.value.error_code == "BAD_REQUEST"
    with pytest.raises(refused, match="names no source run"):
        client.create_model_version(name, source="https://models.internal/unknown")
    assert client.search_model_versions(f"name = '{name}'") == []

    mv = client.create_model_version(name, source=f"runs:/{good}/model", run_id=good)
    assert str(mv.version) == "1"


def test_artifacts_through_redact_http(servers: dict[str, MlflowServer], tmp_path: Path):
    """Under redact+http, log_text / log_artifact reach a --serve-artifacts server (whose
    artifact URIs are mlflow-artifacts:/) and read back; clean text artifacts are stored byte for byte."""
    s = servers["plain"]
    mlflow.set_tracking_uri(f"redact+{s.url}")
    mlflow.set_experiment(f"artifacts-{_word(6)}")
    local = tmp_path / "config.json"
    local.write_text(json.dumps({"epochs": 3}))
    with mlflow.start_run() as run:
        mlflow.log_text("hello artifacts", "notes/hello.txt")
        mlflow.log_artifact(str(local), "configs")
    assert run.info.artifact_uri.startswith("mlflow-artifacts:/")
    assert mlflow.artifacts.load_text(f"runs:/{run.info.run_id}/notes/hello.txt") == "hello artifacts"
    stored = list(s.artifacts.rglob("config.json"))
    assert len(stored) == 1 and json.loads(stored[0].read_text()) == {"epochs": 3}


def test_store_is_the_backend_class_for_mlflow(tmp_path: Path):
    """MLflow builds a RedactingTrackingStore for redact+sqlite, and branches that check the
    backend's class (isinstance SqlAlchemyStore) still see the wrapped store's class."""
    from mlflow.tracking._tracking_service.utils import _get_store

    store = _get_store(f"redact+sqlite:///{tmp_path / 'mlflow.db'}")
    assert type(store) is RedactingTrackingStore
    assert isinstance(store, SqlAlchemyStore)
    assert store.wrapped.__class__ is SqlAlchemyStore


def _run_script(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "REDACT_"))}
    return {**env, "MLFLOW_DISABLE_TELEMETRY": "true", **extra}


def test_new_user_training_script_needs_only_the_tracking_uri(tmp_path: Path):
    """An ordinary MLflow training script (no redact import, no code change) run with only
    MLFLOW_TRACKING_URI=redact+sqlite:///... set logs its config, tags and metrics; the
    secrets in its config never reach the database, its lineage does."""
    pg, token, email = fake_pg_url(), fake_github_token(), fake_email()
    script = textwrap.dedent(f"""
        import mlflow
        import numpy as np
        from sklearn.linear_model import LogisticRegression

        config = {{"learning_rate": 0.01, "max_iter": 50, "feature_store": {pg!r},
                   "hf_token": {token!r}, "dataset_digest": {DIGEST!r}}}
        mlflow.set_experiment("churn")
        with mlflow.start_run(run_name="baseline") as run:
            mlflow.log_params(config)
            mlflow.set_tags({{"owner": {email!r}, "mlflow.source.git.commit": {SHA!r}}})
            rng = np.random.default_rng(0)
            X = rng.normal(size=(64, 3)); y = (X[:, 0] > 0).astype(int)
            model = LogisticRegression(max_iter=config["max_iter"]).fit(X, y)
            mlflow.log_metric("accuracy", model.score(X, y))
            print("RUN", run.info.run_id)
    """)
    db = tmp_path / "mlflow.db"
    proc = _run_script(script, _clean_env(MLFLOW_TRACKING_URI=f"redact+sqlite:///{db}"), tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run_id = proc.stdout.split("RUN ")[1].split()[0]
    raw = _raw(db)
    for secret in (pg, pg.split(":")[2].split("@")[0], token, email):
        assert secret.encode() not in raw
    for lineage in (SHA, DIGEST, run_id):
        assert lineage.encode() in raw
    got = MlflowClient(f"sqlite:///{db}").get_run(run_id)  # read back without the plugin
    assert got.data.params["learning_rate"] == "0.01"
    assert got.data.params["feature_store"].endswith("****@db.internal:5432/features")
    assert got.data.tags["mlflow.source.git.commit"] == SHA
    assert got.data.metrics["accuracy"] > 0.5


def test_importing_the_plugin_before_mlflow_still_registers_it(tmp_path: Path):
    """``import redact.integrations.mlflow`` before ``import mlflow`` (the entry points load
    while the plugin is importing) still registers every redact+ scheme, without warnings."""
    script = textwrap.dedent("""
        import warnings
        warnings.simplefilter("error")
        import redact.integrations.mlflow
        import mlflow
        from mlflow.tracking._tracking_service.utils import _tracking_store_registry
        from mlflow.tracking._model_registry.utils import _get_store_registry
        print(sorted(s for s in _tracking_store_registry._registry if s.startswith("redact+")))
        print(sorted(s for s in _get_store_registry()._registry if s.startswith("redact+")))
    """)
    proc = _run_script(script, _clean_env(), tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected = str([f"redact+{s}" for s in ("file", "http", "https", "mysql", "postgresql", "sqlite")])
    assert proc.stdout.split("\n")[:2] == [expected, expected]


def test_a_password_repeated_in_another_param_of_the_batch_is_not_stored(tmp_path: Path):
    """``log_params`` sends one batch: a password logged under its key and again inside a
    command-line param (no context of its own there) reaches the SQLite store in neither."""
    db = tmp_path / "mlflow.db"
    mlflow.set_tracking_uri(f"redact+sqlite:///{db}")
    pw = _word(6) + "#" + _word(5, string.digits) + _word(3, string.ascii_uppercase)
    with mlflow.start_run() as run:
        mlflow.log_params({"db_password": pw, "launch_cmd": f"loader --user svc --secret-file - {pw}"})
    params = MlflowClient().get_run(run.info.run_id).data.params
    assert params["launch_cmd"] == "loader --user svc --secret-file - [REDACTED:sensitive-key-value]"
    assert pw.encode() not in _raw(db)
