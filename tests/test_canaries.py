"""Canaries through every door: values generated at test time in documented shapes (see
``canaries.py``), logged as values, inside text and as dict keys, then every byte each door
wrote (stores with their WAL, artifact roots, run folders, captured stdout/stderr, log
files, exception texts) searched for every canary, raw, URL-encoded, JSON-escaped and
base64: none may be readable, and the lineage values (a commit SHA, a sha256 digest, a run
id, a UUID under ``config.secrets.run_uuid``) must be there unchanged."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

mlflow = pytest.importorskip("mlflow")  # first: its entry points import the redact+ stores

from canaries import SEED, Canaries, Canary, Lineage, leaks  # noqa: E402

import redact  # noqa: E402

ROUNDS = 2  # sets of canaries per door: 10 values and 7 keys each

# the tracker fixtures and helpers of their own tests (real libraries, offline)
from test_trackers import _offline, all_bytes, comet, dvc_door, no_network, tb_door  # noqa: E402,F401
from test_wandb import Env, env, read_records  # noqa: E402,F401


class Plant:
    """One door's canaries: values, keys, and the documents and texts that carry them."""

    def __init__(self, rounds: int = ROUNDS) -> None:
        gen = Canaries()
        self.gen = gen
        self.values: list[Canary] = [c for _ in range(rounds) for c in gen.one_of_each()]
        self.keys: list[Canary] = [c for _ in range(rounds) for c in gen.key_safe()]
        self.lineage = Lineage()

    @property
    def all(self) -> list[Canary]:
        return self.values + self.keys

    def params(self) -> dict[str, Any]:
        return {(c.key if c.key != "value" else c.kind) + f"_{i}": c.value for i, c in enumerate(self.values)}

    def text(self) -> str:
        return " ; ".join(c.value for c in self.values)

    def by_key(self) -> dict[str, float]:
        return {c.value: 0.5 + i for i, c in enumerate(self.keys)}

    def document(self) -> dict[str, Any]:
        return {
            "params": self.params(),
            "note": self.text(),
            "per_user": self.by_key(),
            "nested": {"owners": {c.value: {"role": "admin"} for c in self.keys}},
            "config": self.lineage.config(),
            "config.secrets.run_uuid": self.lineage.run_uuid,
        }

    def check(self, blob: bytes, *, lineage: bool = True) -> None:
        found = leaks(self.all, blob)
        assert found == [], f"readable canaries: {found}"
        if lineage:
            assert self.lineage.missing(blob) == [], "lineage changed or lost"


def test_redact_api() -> None:
    """``redact.redact`` of a document with canaries as values, in text and as keys."""
    p = Plant()
    out = redact.redact(p.document()).value
    p.check(json.dumps(out).encode() + repr(out).encode())
    assert out["config"] == p.lineage.config() and out["config.secrets.run_uuid"] == p.lineage.run_uuid


def test_guard() -> None:
    """A function wrapped by ``guard`` receives no canary."""
    from redact.integrations.guard import guard

    seen: list[str] = []

    @guard
    def sink(record: dict[str, Any]) -> None:
        seen.append(json.dumps(record))

    p = Plant()
    sink(p.document())
    p.check("".join(seen).encode())


# --------------------------------------------------------------------------- structlog
def _connect(dsn: str, token: str, owner: str) -> None:
    raise ConnectionError(f"cannot reach {dsn} for {owner} with {token}")


@pytest.mark.parametrize("renderer", ["console", "json"])
@pytest.mark.parametrize("show_locals", [False, True])
def test_structlog(renderer: str, show_locals: bool) -> None:
    """structlog with RedactProcessor then ConsoleRenderer or JSONRenderer: the event (keys
    included) and an exception whose message and frame locals hold canaries."""
    from redact.integrations.structlog import RedactProcessor

    out = io.StringIO()
    render = (
        structlog.dev.ConsoleRenderer(colors=False)
        if renderer == "console"
        else structlog.processors.JSONRenderer()
    )
    structlog.configure(
        processors=[structlog.processors.add_log_level, RedactProcessor(show_locals=show_locals), render],
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    p = Plant(1)
    try:
        log = structlog.get_logger()
        log.info("training", **{k: v for k, v in p.document().items() if k.isidentifier()})
        log.info("per user", **p.by_key())
        uri, token, email = (
            next(c for c in p.values if c.kind == k).value for k in ("uri", "github", "email")
        )
        try:
            _connect(uri, token, email)
        except ConnectionError:
            log.exception("failed")
    finally:
        structlog.reset_defaults()
    text = out.getvalue()
    assert "ConnectionError" in text and "_connect" in text  # the traceback is kept
    p.check(text.encode(), lineage=False)
    assert p.lineage.sha in text


# --------------------------------------------------------------------------- stdlib logging
def test_logging_install(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``install()``: a file handler and a stream handler added before and after it, the
    message arguments, extras (their names too) and a traceback."""
    from redact.integrations import logging as rl

    stream = io.StringIO()
    log = logging.getLogger("canary.logging")
    log.handlers[:] = []
    log.propagate = False
    log.setLevel(logging.INFO)
    early = logging.StreamHandler(stream)
    log.addHandler(early)
    p = Plant(1)
    rl.install()
    try:
        late = logging.FileHandler(tmp_path / "app.log")
        late.setFormatter(logging.Formatter("%(message)s %(per_user)s"))
        log.addHandler(late)
        log.info("config %s", json.dumps(p.document()), extra={"per_user": p.by_key()})
        log.warning("note: %s", p.text(), extra={"per_user": ""})
        try:
            _connect(*(next(c for c in p.values if c.kind == k).value for k in ("uri", "github", "email")))
        except ConnectionError:
            log.exception("failed", extra={"per_user": ""})
        late.close()
    finally:
        rl.uninstall()
        log.handlers[:] = []
    blob = stream.getvalue().encode() + (tmp_path / "app.log").read_bytes()
    captured = capsys.readouterr()
    assert b"Traceback" in blob
    p.check(blob + captured.out.encode() + captured.err.encode())


# --------------------------------------------------------------------------- MLflow


@pytest.fixture(scope="module")
def mlflow_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One ``redact+sqlite`` store for the module (creating MLflow's schema takes seconds)."""
    return tmp_path_factory.mktemp("canary-mlflow") / "mlflow.db"


@pytest.fixture
def mlflow_uri(mlflow_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    import mlflow.tracking.fluent

    from redact.integrations.mlflow import uninstall_tracing

    monkeypatch.chdir(tmp_path)
    for var in ("REDACT_POLICY", "MLFLOW_TRACKING_URI", "MLFLOW_REGISTRY_URI", "MLFLOW_EXPERIMENT_ID"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(mlflow.tracking.fluent, "_active_experiment_id", None)
    uri = f"redact+sqlite:///{mlflow_db}"
    mlflow.set_tracking_uri(uri)
    yield uri
    while mlflow.active_run():
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
    uninstall_tracing()


def _mlflow_bytes(db: Path, *roots: Path) -> bytes:
    out = []
    for f in db.parent.glob(db.name + "*"):  # the database, its -wal and -shm
        out.append(f.read_bytes())
    for root in roots:
        out.extend(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())
    return b"\n".join(out)


def test_mlflow_redact_sqlite(
    mlflow_uri: str, mlflow_db: Path, capfd: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Through ``redact+sqlite``: experiment and run names, params (values and keys),
    metrics keyed by canaries at several steps, tags, ``log_dict`` of a Hydra-like config,
    ``log_text`` and a traced function with nested spans. Keys holding a canary are stored
    under valid MLflow names, one per key, the same at every step; a read by the logged key
    finds them."""
    from mlflow import MlflowClient

    p = Plant()
    email = next(c for c in p.values if c.kind == "email").value
    mlflow.set_experiment(f"canaries {p.gen.word()} {email}")

    @mlflow.trace(span_type="TOOL")
    def lookup(query: str, api_key: str) -> dict[str, Any]:
        return {"rows": [c.value for c in p.values], "commit": p.lineage.sha}

    @mlflow.trace(span_type="AGENT")
    def agent(question: str) -> str:
        mlflow.update_current_trace(tags={"customer": email})
        lookup(question, api_key=p.values[2].value)
        return "done"

    with mlflow.start_run(run_name=f"run for {email}") as run:
        mlflow.log_params(p.params())
        mlflow.log_param("git_commit", p.lineage.sha)
        mlflow.log_param("config.secrets.run_uuid", p.lineage.run_uuid)
        mlflow.log_param("dataset_digest", p.lineage.digest)
        mlflow.log_param("parent_run_id", p.lineage.run_id)
        for c in p.keys[:3]:
            mlflow.log_param(c.value, "x")
        for step in range(3):
            mlflow.log_metrics(p.by_key(), step=step)
            mlflow.log_metric(f"loss/{email}", 0.1 * step, step=step)
        mlflow.set_tags({f"owner:{c.value}": c.value for c in p.keys[:4]})
        mlflow.set_tag("note", p.text())
        mlflow.log_dict(
            {"db": {"url": p.values[5].value}, "owners": p.by_key(), **p.lineage.config()}, "config.yaml"
        )
        mlflow.log_text(p.text(), "notes/run.txt")
        agent(f"who is {email}?")
    mlflow.flush_trace_async_logging(terminate=False)
    client = MlflowClient()
    data = client.get_run(run.info.run_id).data
    assert len(history := client.get_metric_history(run.info.run_id, f"loss/{email}")) == 3, history
    acc = [k for k in data.metrics if not k.startswith("loss/")]
    assert len(acc) == len(p.keys) and all(
        len(client.get_metric_history(run.info.run_id, k)) == 3 for k in acc
    )
    assert data.params["git_commit"] == p.lineage.sha
    assert data.params["config.secrets.run_uuid"] == p.lineage.run_uuid
    art_root = Path(run.info.artifact_uri.replace("file://", ""))
    captured = capfd.readouterr()
    p.check(_mlflow_bytes(mlflow_db, art_root) + captured.out.encode() + captured.err.encode())


# --------------------------------------------------------------------------- W&B
def test_wandb_offline(env: Env) -> None:  # noqa: F811
    """W&B offline: config, history (keys too), summary, a console print and a Table: no
    canary in any file under the W&B folder nor in the reassembled transaction log."""
    import wandb

    from redact.integrations.wandb import install

    p = Plant()
    install()
    run = wandb.init(config=p.document())
    other = p.gen.email()  # the same domain as the first: both mask to loss/****@<domain>
    other.value = other.value.split("@")[0] + "@" + p.keys[4].value.split("@")[1]
    for step in range(2):
        run.log({**p.by_key(), f"loss/{p.keys[4].value}": 0.1 * step})
        run.log({f"loss/{other.value}": 0.2 * step})  # alone in its call: still its own series
    run.summary.update({"best": p.by_key(), "note": p.text()})
    print("training with", p.text())
    run.log({"t": wandb.Table(columns=["who", "n"], data=[[c.value, i] for i, c in enumerate(p.keys)])})
    run.log({"m": wandb.Table(columns=["owners"], data=[[p.by_key()]])})
    run.finish()
    wandb.teardown()
    (folder,) = sorted((env.root / "wandb").glob("offline-run-*"))
    (log,) = folder.glob("run-*.wandb")
    blob = b"\n".join(q.read_bytes() for q in sorted(env.root.rglob("*")) if q.is_file())
    rec = read_records(log)
    p.check(blob + rec.payload)
    assert leaks([other], blob + rec.payload) == []
    series = {k for row in rec.history for k in row if k.startswith("loss/")}
    assert len(series) == 2 and all(k.startswith("loss/****@") for k in series), series


# --------------------------------------------------------------------------- Comet, DVCLive, tensorboardX
def test_comet_offline(tmp_path: Path, comet: Any) -> None:  # noqa: F811
    """Comet OfflineExperiment: parameters (keys too), metrics keyed by canaries, text,
    console output; the archive (unpacked) holds no canary."""
    p = Plant()
    exp = _offline(comet, tmp_path, auto_output_logging="simple")
    exp.set_name(f"run {p.keys[4].value}")
    exp.log_parameters({**p.params(), **p.lineage.config()})
    exp.log_parameters({c.value: 1 for c in p.keys})
    exp.log_metrics(p.by_key(), step=1)
    exp.log_metric(f"loss/{p.keys[4].value}", 0.5)
    exp.log_text(p.text())
    print("training with", p.text())
    exp.end()
    blobs = all_bytes(tmp_path / "comet")
    p.check(b"\n".join(blobs.values()), lineage=False)
    assert p.lineage.sha.encode() in b"\n".join(blobs.values())


def test_dvclive(tmp_path: Path, dvc_door: Any) -> None:  # noqa: F811
    """DVCLive: params (keys too), metrics named by canaries, the experiment message."""
    from dvclive import Live

    p = Plant()
    with Live(dir=str(tmp_path / "live"), save_dvc_exp=False, exp_message=p.text()) as live:
        live.log_params({**p.params(), **p.lineage.config(), "owners": p.by_key()})
        for c in p.keys:
            live.log_metric(c.value, 0.5)
        live.log_metric(f"loss/{p.keys[4].value}", 0.5)
        live.next_step()
    p.check(b"\n".join(all_bytes(tmp_path).values()), lineage=False)
    assert p.lineage.sha.encode() in b"\n".join(all_bytes(tmp_path).values())


def test_tensorboardx(tmp_path: Path, tb_door: Any) -> None:  # noqa: F811
    """tensorboardX: hparams (names too), text, scalar tags named by canaries."""
    from tensorboardX import SummaryWriter

    p = Plant()
    with SummaryWriter(logdir=str(tmp_path / "tb")) as w:
        w.add_hparams({**p.params(), **{c.value: 1 for c in p.keys}, "git_commit": p.lineage.sha}, {"m": 1.0})
        w.add_text("notes", p.text())
        for c in p.keys:
            w.add_scalar(c.value, 0.5, 1)
        w.add_scalar(f"loss/{p.keys[4].value}", 0.5, 1)
    blob = b"\n".join(all_bytes(tmp_path / "tb").values())
    p.check(blob, lineage=False)
    assert p.lineage.sha.encode() in blob


def test_canaries_are_in_their_shapes() -> None:
    """The generator makes what the doors must catch: each value alone is detected, and
    the leak search finds a planted value in every encoding (the checks above can fail)."""
    import base64
    from urllib.parse import quote

    p = Plant(1)
    for c in p.all:
        assert redact.scan({c.key: c.value}), c.kind
        for form in (
            c.secret[0].encode(),
            quote(c.secret[0], safe="").encode(),
            base64.b64encode(c.secret[0].encode()),
        ):
            assert leaks([c], b"x" + form + b"x"), c.kind
    assert sys.modules["canaries"].SEED >= 0


# --------------------------------------------------------------------------- overlapping and adjacent layouts
SEPARATED = [";", "|", "&", " ", "\n", ",", "=", ":"]


def test_layouts_through_redact_leave_nothing_readable() -> None:
    """Pairs and triples of canaries joined by ``; | & , = : space newline``, a URI around a
    provider token, a password followed by query parameters, several DSNs, a PEM block
    followed by a JWT, an AWS key id glued to its secret: no canary nor any 8-character
    piece of its secret is readable after ``redact.redact``, and redacting the output
    changes nothing."""
    from canaries import layouts, readable

    gen = Canaries()
    cases = layouts(gen, joiners=SEPARATED) + layouts(gen, joiners=SEPARATED)
    assert len(cases) > 80
    for text, cs in cases:
        out = redact.redact({"value": text}).value["value"]
        assert readable(cs, out) == [], (f"seed {SEED}", [c.kind for c in cs])
        assert redact.redact({"value": out}).value["value"] == out, [c.kind for c in cs]


ESCAPED = ["\\n", "\\t", "\\r\\n", "%20", "%0A", "%2C", "%3D", "%26"]


def test_layouts_joined_by_escapes_leave_nothing_readable() -> None:
    """Canaries joined by an escaped line break or tab (text logged as a repr or escaped
    JSON: ``a\\nghp_...``) or by a percent-escape (a URL-encoded query: ``%3Dghp_...``):
    the escape counts as the separator it stands for, so nothing is readable, and
    redacting the output changes nothing."""
    from canaries import layouts, readable

    gen = Canaries()
    cases = layouts(gen, joiners=ESCAPED)
    assert len(cases) > 50
    for text, cs in cases:
        out = redact.redact({"value": text}).value["value"]
        assert readable(cs, out) == [], (f"seed {SEED}", [c.kind for c in cs])
        assert redact.redact({"value": out}).value["value"] == out, [c.kind for c in cs]


def test_url_encoded_layouts_leave_nothing_readable() -> None:
    """The same layouts URL-encoded, as a query parameter or a redirect URL's query (a
    value holding percent-escapes of separators is also read decoded): no canary is
    readable in any form, and redacting the output changes nothing."""
    from urllib.parse import quote

    from canaries import layouts, leaks

    gen = Canaries()
    for text, cs in layouts(gen, joiners=[" ", ";", "&", "\n"], per_joiner=2):
        for value in (
            f"q={quote(text, safe='')}",
            "https://app.example/cb?next=" + quote(f"https://x.example/?v={text}", safe=""),
        ):
            out = redact.redact({"url": value}).value["url"]
            assert leaks(cs, out.encode()) == [], [c.kind for c in cs]
            assert redact.redact({"url": out}).value["url"] == out, [c.kind for c in cs]


def test_layouts_through_redact_sqlite(mlflow_uri: str, mlflow_db: Path) -> None:
    """The same layouts as params and tags through ``redact+sqlite``: the database file and
    its WAL hold no readable canary."""
    from canaries import layouts, readable

    gen = Canaries()
    cases = layouts(gen, joiners=SEPARATED)
    mlflow.set_experiment("canary-layouts")
    with mlflow.start_run():
        mlflow.log_params({f"value_{i}": t for i, (t, _) in enumerate(cases)})
        mlflow.set_tags({f"note_{i}": t for i, (t, _) in enumerate(cases)})
    blob = _mlflow_bytes(mlflow_db).decode("utf-8", "replace")
    found = [k for _, cs in cases for k in readable(cs, blob)]
    assert found == []


def test_email_followed_by_colon() -> None:
    """``jane@example.com:<token>``: the address is masked (only an scp-style remote or a
    host and port after ``user@host:`` is a host), and the token too."""
    from canaries import readable

    gen = Canaries()
    email, token = gen.email(), gen.github()
    out = redact.redact({"value": f"{email.value}:{token.value}"}).value["value"]
    assert readable([email, token], out) == []
    kept = "git@github.com:org/repo.git deploy@build.example.com:22 me@x.io:~/app"
    assert redact.redact({"value": kept}).value["value"] == kept


def test_email_followed_by_at() -> None:
    """``jane@example.com@<ssn>``: the address (and the SSN) are masked."""
    from canaries import readable

    gen = Canaries()
    email = gen.email()
    out = redact.redact({"value": email.value + "@" + gen.ssn().value}).value["value"]
    assert readable([email], out) == []


def test_canaries_glued_without_separator() -> None:
    """An IBAN glued to the next token (``DE..xoxb-..``) is masked, and so is the token."""
    from canaries import readable

    gen = Canaries()
    iban, slack = gen.iban(), gen.slack()
    out = redact.redact({"value": iban.value + slack.value}).value["value"]
    assert readable([iban, slack], out) == []


@pytest.mark.parametrize("joiner", ["", "_", ".", "+", "/", "-"])
def test_every_pair_of_canaries_glued(joiner: str) -> None:
    """Every ordered pair of canary kinds glued with no separator, or joined by one of
    ``_ . + / -`` (characters that also go on inside identifiers, so a card or an SSN is
    read there only next to another complete finding): an IBAN, a card, an SSN, an e-mail
    address, a URI and provider tokens, each before and after the others, and each after
    itself. Neither canary is readable, and redacting the output changes nothing."""
    from canaries import readable

    gen = Canaries()
    makers = {"github": gen.github, "slack": gen.slack, "openai": gen.openai, "uri": gen.uri,
              "card": gen.card, "ssn": gen.ssn, "email": gen.email, "iban": gen.iban,
              "aws": lambda: gen.aws()[0]}  # fmt: skip
    leaks = []
    for a in makers:
        for b in makers:
            for _ in range(2):
                ca, cb = makers[a](), makers[b]()
                out = redact.redact({"value": ca.value + joiner + cb.value}).value["value"]
                leaks += [(a, b, k) for k in readable([ca, cb], out)]
                assert redact.redact({"value": out}).value["value"] == out, (a, b)
    assert leaks == [], f"seed {SEED}"


def test_chains_of_three_glued_values() -> None:
    """Three canaries glued with no separator, the first two of kinds whose structure says
    where they end (provider tokens, a compact IBAN, a URI with credentials), the third of
    any kind: a value glued after a finding that is itself glued after another is read
    too; none is readable and redacting the output changes nothing. (Digit runs after
    digits and addresses after addresses have no such structure: see the pairs above.)"""
    from canaries import readable

    gen = Canaries()
    makers = {"github": gen.github, "slack": gen.slack, "openai": gen.openai, "uri": gen.uri,
              "iban": gen.iban, "aws": lambda: gen.aws()[0]}  # fmt: skip
    last = {**makers, "card": gen.card, "ssn": gen.ssn, "email": gen.email}
    leaks = []
    for a in makers:
        for b in makers:
            for c in last:
                cs = [makers[a](), makers[b](), last[c]()]
                out = redact.redact({"value": "".join(x.value for x in cs)}).value["value"]
                leaks += [(a, b, c, k) for k in readable(cs, out)]
                assert redact.redact({"value": out}).value["value"] == out, (a, b, c)
    assert leaks == [], f"seed {SEED}"


def test_chains_of_three_joined_by_one_character() -> None:
    """Three canaries joined by one of ``_ . + / -``, the first two provider tokens, cards,
    SSNs or compact IBANs, the third of any kind (``ghp_..._4485.../536-90-4410``): a card
    or SSN counts as joined to a finding when the value on the other side of its joiner is
    one, also when that value is itself joined to the next (and ``<card>/<card>`` is not a
    ratio); none is readable and redacting the output changes nothing."""
    from canaries import readable

    gen = Canaries()
    makers = {"github": gen.github, "slack": gen.slack, "aws": lambda: gen.aws()[0], "card": gen.card,
              "ssn": gen.ssn, "iban": gen.iban}  # fmt: skip
    last = {**makers, "email": gen.email}
    leaks = []
    for joiner in "_.+/-":
        for a in makers:
            for b in makers:
                for c in last:
                    cs = [makers[a](), makers[b](), last[c]()]
                    out = redact.redact({"value": joiner.join(x.value for x in cs)}).value["value"]
                    leaks += [(a, b, c, joiner, k) for k in readable(cs, out)]
                    assert redact.redact({"value": out}).value["value"] == out, (a, b, c, joiner)
    assert leaks == [], f"seed {SEED}"


def test_value_starting_inside_a_rejected_candidate() -> None:
    """An AWS key id whose last characters open another country's IBAN (``...GF23``),
    glued to a German IBAN and a card: the card-after-IBAN candidate read from ``GF``
    fails, and the search goes on inside it, so the IBAN and the card after it are read."""
    from canaries import B32, readable

    gen = Canaries()
    for _ in range(5):
        key_id = "AKIA" + gen._s(B32, 12) + "GF23"
        cs = [Canary("aws-key-id", key_id, [key_id]), gen.iban(), gen.card()]
        out = redact.redact({"value": "".join(c.value for c in cs)}).value["value"]
        assert readable(cs, out) == [], f"seed {SEED}"
        assert redact.redact({"value": out}).value["value"] == out


def test_marker_then_equals_is_idempotent() -> None:
    """``<token>=<e-mail>`` redacts to ``[REDACTED:slack-bot-token]=****@...``; a second
    pass does not read the marker as an assignment to a name ending in ``token``."""
    gen = Canaries()
    once = redact.redact({"value": f"{gen.slack().value}={gen.email().value}"}).value["value"]
    assert redact.redact({"value": once}).value["value"] == once


def test_series_names_are_stable_and_distinct(tmp_path: Path, tb_door: Any) -> None:  # noqa: F811
    """Two users' ``loss/<e-mail>`` logged in separate calls (their masks look alike) stay
    two series, each under the same name at every step, with neither address readable."""
    import struct

    from tensorboardX import SummaryWriter
    from tensorboardX.proto import event_pb2

    gen = Canaries()
    a, b = gen.email(), gen.email()
    b.value = b.value.split("@")[0] + "@" + a.value.split("@")[1]  # both mask alike
    with SummaryWriter(logdir=str(tmp_path / "tb")) as w:
        for step in range(3):
            w.add_scalar(f"loss/{a.value}", 0.1 * step, step)
            w.add_scalar(f"loss/{b.value}", 0.2 * step, step)
    steps: dict[str, list[int]] = {}
    for f in (tmp_path / "tb").rglob("events.out.tfevents.*"):
        data, pos = f.read_bytes(), 0
        while pos < len(data):  # TFRecord: length, its CRC, the event, its CRC
            (n,) = struct.unpack("<Q", data[pos : pos + 8])
            event = event_pb2.Event.FromString(data[pos + 12 : pos + 12 + n])
            pos += 16 + n
            for v in event.summary.value:
                steps.setdefault(v.tag, []).append(event.step)
    tags = list(steps)
    assert len(tags) == 2 and all(v == [0, 1, 2] for v in steps.values()), steps
    assert all(t.startswith("loss/") for t in tags), tags  # tensorboardX folds '*', '@' and '~' to '_'
    assert leaks([a, b], b"\n".join(all_bytes(tmp_path / "tb").values())) == []
