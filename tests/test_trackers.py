"""Doors for Comet (OfflineExperiment), TensorBoard (tensorboardX), DVCLive and Neptune
(offline mode), each against
the real library writing to a temporary folder: fake secrets go in through the logging
calls, then every byte the tracker wrote (Comet's archive unpacked) is searched for the
plaintext, and the lineage values (a 40-hex commit SHA, a sha256 digest, a run id) must be
there unchanged."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import socket
import subprocess
import sys
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

GH = "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"  # GitHub-format, random body: fake
PG_PASSWORD = "Pg-Fake-Pass-7731"
PG = f"postgresql://svc:{PG_PASSWORD}@db.internal:5432/features"
EMAIL_USER = "jane.doe.4417"
EMAIL = f"{EMAIL_USER}@example.com"
CARD = "4111111111111111"
PLAINTEXTS = {"github token": GH, "postgres password": PG_PASSWORD, "email": EMAIL_USER, "card": CARD}
GIT_SHA = hashlib.sha1(b"redact tracker doors").hexdigest()
DIGEST = "sha256:" + hashlib.sha256(b"features-v3.parquet").hexdigest()
RUN_ID = uuid.UUID(int=0x5EED_CAFE_F00D_1234_5678_9ABC_DEF0_1234).hex
LINEAGE = {"git sha": GIT_SHA, "dataset digest": DIGEST, "run id": RUN_ID}
PARAMS = {
    "db_url": PG,
    "owner_email": EMAIL,
    "api_token": GH,
    "billing_card": CARD,
    "git_commit": GIT_SHA,
    "dataset_digest": DIGEST,
    "parent_run_id": RUN_ID,
    "lr": 0.001,
    "optimizer": "adamw",
}


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any connection or lookup from this process to a non-loopback host."""
    real_connect = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
            raise OSError("network access is blocked in this test")
        real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    yield


def all_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``, zip archives also unpacked member by member."""
    out: dict[str, bytes] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        out[str(p.relative_to(folder))] = data
        if zipfile.is_zipfile(p):
            with zipfile.ZipFile(p) as z:
                for name in z.namelist():
                    out[f"{p.name}!{name}"] = z.read(name)
    return out


def check_folder(folder: Path, *, lineage: bool = True) -> dict[str, bytes]:
    blobs = all_bytes(folder)
    assert blobs, "the tracker wrote nothing"
    leaks = [(n, label) for n, b in blobs.items() for label, t in PLAINTEXTS.items() if t.encode() in b]
    assert leaks == [], f"plaintext found (file, what): {leaks}"
    if lineage:
        everything = b"".join(blobs.values())
        missing = [label for label, t in LINEAGE.items() if t.encode() not in everything]
        assert missing == [], f"lineage missing: {missing}"
    return blobs


# --------------------------------------------------------------------------- tensorboardX
tbx = pytest.importorskip("tensorboardX")


@pytest.fixture
def tb_door() -> Iterator[Any]:
    from redact.integrations import tensorboardx

    handle = tensorboardx.install()
    yield handle
    handle.uninstall()


def test_tensorboardx_hparams_text_and_tags(tmp_path: Path, tb_door: Any) -> None:
    """add_hparams, add_text, add_scalar(s) tags: the event files hold no plaintext and the
    lineage hyperparameters unchanged."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(logdir=str(tmp_path / "tb")) as w:
        w.add_hparams(PARAMS, {"hparam/accuracy": 0.9}, name="trial-1")
        w.add_text("notes", f"connecting to {PG} as {EMAIL}, token {GH}, commit {GIT_SHA}")
        w.add_scalar(f"loss/{EMAIL}", 0.5, 1)
        w.add_scalars("train", {"acc": 0.9, f"card {CARD}": 1.0}, 1)
    blobs = check_folder(tmp_path / "tb")
    assert any(b"****@example.com" in b for b in blobs.values())


def test_tensorboardx_uninstall_restores(tmp_path: Path) -> None:
    """After uninstall the original methods are back (and raw values are written again),
    so the test above can fail."""
    from tensorboardX import SummaryWriter

    from redact.integrations import tensorboardx

    original = SummaryWriter.__dict__["add_text"]
    handle = tensorboardx.install()
    assert tensorboardx.install() is handle and SummaryWriter.__dict__["add_text"] is not original
    handle.uninstall()
    assert SummaryWriter.__dict__["add_text"] is original and tensorboardx.installed() is None
    with SummaryWriter(logdir=str(tmp_path / "raw")) as w:
        w.add_text("notes", f"token {GH}")
    assert any(GH.encode() in b for b in all_bytes(tmp_path / "raw").values())


def test_tensorboardx_secret_as_hparam_name(tmp_path: Path, tb_door: Any) -> None:
    """A secret used as a hyperparameter name does not reach the event files."""
    from tensorboardX import SummaryWriter

    with SummaryWriter(logdir=str(tmp_path / "tb")) as w:
        w.add_hparams({EMAIL: 1, GH: "x", "git_commit": GIT_SHA, "run": RUN_ID, "d": DIGEST}, {"m": 1.0})
    check_folder(tmp_path / "tb")


def test_tensorboardx_embedding_metadata(tmp_path: Path, tb_door: Any) -> None:
    """add_embedding labels, one column or several under headers (the header is the
    context), are redacted in metadata.tsv and stay aligned with the points; lineage
    labels are unchanged."""
    import numpy as np
    from tensorboardX import SummaryWriter

    mat = np.zeros((3, 2))
    with SummaryWriter(logdir=str(tmp_path / "tb")) as w:
        w.add_embedding(mat, metadata=[EMAIL, GIT_SHA, "cat"], tag="people")
        rows = [[EMAIL, "a"], [PG, "b"], [RUN_ID, "c"]]
        w.add_embedding(mat, metadata=rows, metadata_header=["owner", "split"], global_step=1, tag="multi")
    check_folder(tmp_path / "tb", lineage=False)
    (single,) = (tmp_path / "tb").rglob("00000/people/metadata.tsv")
    assert single.read_text().splitlines() == ["****@example.com", GIT_SHA, "cat"]
    (multi,) = (tmp_path / "tb").rglob("00001/multi/metadata.tsv")
    lines = multi.read_text().splitlines()
    assert lines[0] == "owner\tsplit" and lines[1] == "****@example.com\ta" and lines[3] == f"{RUN_ID}\tc"
    assert lines[2] == f"{PG.replace(PG_PASSWORD, '****')}\tb"


# --------------------------------------------------------------------------- DVCLive
@pytest.fixture
def dvc_door(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    pytest.importorskip("dvclive")
    from redact.integrations import dvclive

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DVCLIVE_LOGLEVEL", "ERROR")
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    handle = dvclive.install()
    yield handle
    handle.uninstall()


def test_dvclive_params_metrics_and_message(tmp_path: Path, dvc_door: Any) -> None:
    """log_params, log_param (nested too), log_metric names and the experiment message:
    params.yaml, metrics and report hold no plaintext; lineage params are unchanged."""
    from dvclive import Live

    with Live(dir=str(tmp_path / "live"), save_dvc_exp=False, report="md", exp_message=f"by {EMAIL}") as live:
        live.log_params(PARAMS)
        live.log_param("nested", {"db": {"password": PG_PASSWORD, "url": PG}})
        live.log_metric(f"acc/{EMAIL}", 0.9)
        live.next_step()
    import yaml

    params = yaml.safe_load((tmp_path / "live" / "params.yaml").read_text())
    assert params["git_commit"] == GIT_SHA and params["parent_run_id"] == RUN_ID and params["lr"] == 0.001
    assert params["db_url"] == "postgresql://svc:****@db.internal:5432/features"
    check_folder(tmp_path)  # the working directory too (dvc.yaml)


def test_dvclive_secret_as_param_name(tmp_path: Path, dvc_door: Any) -> None:
    """A secret used as a parameter name does not reach params.yaml."""
    from dvclive import Live

    with Live(dir=str(tmp_path / "live"), save_dvc_exp=False) as live:
        live.log_params({EMAIL: 1, "git_commit": GIT_SHA, "run": RUN_ID, "d": DIGEST, "x": {GH: 1}})
    check_folder(tmp_path)


def test_dvclive_plots_images_and_artifact_metadata(tmp_path: Path, dvc_door: Any) -> None:
    """log_plot points (a list of dicts and a DataFrame), axis keys, title and labels;
    log_image names; log_artifact description, labels and meta in dvc.yaml: no plaintext
    anywhere; lineage in the points is unchanged and a renamed key is renamed in x too."""
    import numpy as np
    import pandas as pd
    from dvc.repo import Repo
    from dvclive import Live

    Repo.init(str(tmp_path), no_scm=True)
    model = tmp_path / "model.bin"
    model.write_bytes(b"\0" * 16)
    points = [{"step": 1, "owner": EMAIL, "commit": GIT_SHA}, {"step": 2, "owner": "ops", "commit": GIT_SHA}]
    frame = pd.DataFrame({EMAIL: [1, 2], "acc": [0.5, 0.75]})
    with Live(dir=str(tmp_path / "live"), save_dvc_exp=False) as live:
        live.log_plot("owners", points, x="step", y="commit", title=f"runs of {EMAIL}", y_label=f"dsn {PG}")
        live.log_plot("per_user", frame, x=EMAIL, y="acc")
        live.log_image(f"samples/{EMAIL}.png", np.zeros((4, 4, 3), dtype=np.uint8))
        live.log_artifact(
            str(model),
            type="model",
            desc=f"trained by {EMAIL}",
            labels=[GH, "prod"],
            meta={"db": PG},
            cache=False,
        )
    check_folder(tmp_path, lineage=False)
    assert not [p for p in tmp_path.rglob("*") if EMAIL_USER in p.name]  # the image's file name
    custom = tmp_path / "live" / "plots" / "custom"
    owners = json.loads((custom / "owners.json").read_text())
    assert [p["owner"] for p in owners] == ["****@example.com", "ops"] and owners[0]["commit"] == GIT_SHA
    rows = json.loads((custom / "per_user.json").read_text())
    import yaml

    dvc_yaml = yaml.safe_load((tmp_path / "dvc.yaml").read_text())
    (plot,) = [
        next(iter(p.values()))
        for p in dvc_yaml["plots"]
        if isinstance(p, dict) and "per_user" in next(iter(p))
    ]
    assert plot["x"] in rows[0] and plot["x"] == "****@example.com"
    assert dvc_yaml["artifacts"]["model"]["labels"] == ["[REDACTED:github-classic-token]", "prod"]
    assert dvc_yaml["artifacts"]["model"]["desc"] == "trained by ****@example.com"


# --------------------------------------------------------------------------- Comet
@pytest.fixture
def comet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    comet_ml = pytest.importorskip("comet_ml")
    from redact.integrations import comet as door

    for name in ("COMET_API_KEY", "COMET_WORKSPACE", "COMET_PROJECT_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COMET_OFFLINE_DIRECTORY", str(tmp_path / "comet"))
    monkeypatch.setenv("COMET_DISABLE_AUTO_LOGGING", "1")
    monkeypatch.setenv("COMET_LOGGING_CONSOLE", "critical")
    monkeypatch.setenv("COMET_INI", str(tmp_path / "none.config"))
    handle = door.install()
    yield comet_ml
    handle.uninstall()


def _offline(comet_ml: Any, tmp_path: Path, **kwargs: Any) -> Any:
    return comet_ml.OfflineExperiment(
        project_name="redact-test",
        workspace="redact",
        offline_directory=str(tmp_path / "comet"),
        log_git_metadata=False,
        log_git_patch=False,
        log_code=False,
        log_env_host=False,
        log_env_gpu=False,
        log_env_cpu=False,
        log_env_network=False,
        log_env_disk=False,
        display_summary_level=0,
        **kwargs,
    )


def test_comet_offline_experiment(tmp_path: Path, comet: Any) -> None:
    """Parameters, others, name, tags, metrics, text, HTML, assets (a text file, in-memory
    data) and captured console output of an OfflineExperiment: the archive holds no
    plaintext; lineage values are unchanged; a binary asset is kept as it is."""
    exp = _offline(comet, tmp_path, auto_output_logging="simple")
    exp.set_name(f"run for {EMAIL}")
    exp.add_tag(f"owner:{EMAIL}")
    exp.log_parameters(PARAMS)
    exp.log_parameter("db_password", PG_PASSWORD)
    exp.log_other("owner", EMAIL)
    exp.log_others({"card": CARD, "git_commit": GIT_SHA})
    exp.log_metric(f"acc/{EMAIL}", 0.9)
    exp.log_text(f"token {GH} for {EMAIL}")
    exp.log_html(f"<p>{PG}</p>")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"db:\n  url: {PG}\n  password: {PG_PASSWORD}\ncommit: {GIT_SHA}\n")
    exp.log_asset(str(cfg))
    exp.log_asset_data({"token": GH, "run_id": RUN_ID}, name="meta.json")
    blob = bytes(range(256)) * 4
    (tmp_path / "w.bin").write_bytes(blob)
    exp.log_asset(str(tmp_path / "w.bin"))
    print(f"training with {PG} and card {CARD}")
    exp.end()
    blobs = check_folder(tmp_path / "comet")
    assert any(b"****@example.com" in b for b in blobs.values())
    assert any(b == blob for b in blobs.values())
    assert cfg.read_text().count(PG_PASSWORD) == 2  # the user's own file is untouched


_COMET_CHILD = r"""
import os, sys, secrets, string
import comet_ml
from redact.integrations import comet as door
door.install()
exp = comet_ml.OfflineExperiment(
    project_name="redact-test", workspace="redact", offline_directory=sys.argv[1],
    log_git_metadata=False, log_git_patch=False, log_code=False, log_env_host=False,
    log_env_gpu=False, log_env_cpu=False, log_env_network=False, log_env_disk=False,
    display_summary_level=0, auto_output_logging=False,
)
path = os.path.join(sys.argv[2], "config.yaml")
token = "ghp_" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(36))
with open(path, "w") as f:
    f.write("token: " + token + "\n")
exp.log_asset(path)
exp.end()
"""


def test_comet_copies_leave_no_folder_behind(tmp_path: Path) -> None:
    """A process that uploads a redacted copy of a text asset leaves no folder of copies
    in the temporary folder once it exits: Comet deletes each copy after archiving it,
    and the door removes the folders left empty."""
    pytest.importorskip("comet_ml")
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMET_")}
    env.update(
        TMPDIR=str(temp),
        COMET_DISABLE_AUTO_LOGGING="1",
        COMET_LOGGING_CONSOLE="critical",
        COMET_INI=str(tmp_path / "none.config"),
    )
    done = subprocess.run(
        [sys.executable, "-c", _COMET_CHILD, str(tmp_path / "comet"), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert list((tmp_path / "comet").glob("*.zip")), "the offline archive was written"
    assert [p.name for p in temp.iterdir() if p.name.startswith("redact-comet-")] == []


def test_comet_secret_as_parameter_name(tmp_path: Path, comet: Any) -> None:
    """A secret used as a parameter or "other" name does not reach the archive."""
    exp = _offline(comet, tmp_path, auto_output_logging=False)
    exp.log_parameters({EMAIL: 1, "git_commit": GIT_SHA, "run": RUN_ID, "d": DIGEST})
    exp.log_other(GH, "x")
    exp.end()
    check_folder(tmp_path / "comet")


def test_comet_program_arguments(tmp_path: Path, comet: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The system details Comet collects itself: the program's arguments (``--flag value``
    with the flag as context, ``--flag=value``) are redacted; the SHA argument is
    unchanged."""
    import json
    import sys

    monkeypatch.setattr(sys, "argv", ["train.py", "--db-url", PG, f"--token={GH}", "--commit", GIT_SHA])
    exp = comet.OfflineExperiment(
        project_name="redact-test",
        workspace="redact",
        offline_directory=str(tmp_path / "comet"),
        log_git_metadata=False,
        log_code=False,
        display_summary_level=0,
        auto_output_logging=False,
        log_env_details=True,
        log_env_host=True,
    )
    exp.log_parameter("dataset_digest", DIGEST)
    exp.log_parameter("run_id", RUN_ID)
    exp.end()
    blobs = check_folder(tmp_path / "comet")
    (messages,) = [b for n, b in blobs.items() if n.endswith("!messages.json")]
    details = [json.loads(x)["payload"] for x in messages.decode().splitlines() if '"system_details"' in x]
    assert details and details[0]["command"][:3] == ["train.py", "--db-url", PG.replace(PG_PASSWORD, "****")]
    assert details[0]["command"][-1] == GIT_SHA


# --------------------------------------------------------------------------- Neptune
def _neptune_offline(neptune: Any, folder: Path, monkeypatch: pytest.MonkeyPatch, **capture: bool) -> Any:
    """An offline Neptune run stored under ``folder``/.neptune, with no credentials from
    the environment, no git reference and no hardware metrics."""
    monkeypatch.chdir(folder)  # offline runs are stored under ./.neptune
    for name in ("NEPTUNE_API_TOKEN", "NEPTUNE_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    return neptune.init_run(
        mode="offline",
        project="redact/test",
        source_files=[],
        capture_hardware_metrics=False,
        git_ref=False,
        **capture,
    )


@pytest.fixture
def neptune_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    neptune = pytest.importorskip("neptune")
    from redact.integrations import neptune as door

    handle = door.install()
    yield _neptune_offline(neptune, tmp_path, monkeypatch, capture_stdout=True, capture_stderr=True)
    handle.uninstall()


def test_neptune_offline_run(tmp_path: Path, neptune_run: Any) -> None:
    """A mapping of parameters, single fields, string series, tags, an uploaded text file,
    in-memory text and captured console output of an offline run: the run's folder holds
    no plaintext; lineage values are unchanged; a binary upload is kept as it is."""
    from neptune.types import File

    run = neptune_run
    run["parameters"] = PARAMS
    run["parameters/db_password"] = PG_PASSWORD
    run["owner"] = EMAIL
    run["sys/tags"].add([f"owner:{EMAIL}", "baseline"])
    run["notes"].append(f"token {GH}")
    run["notes"].append(f"commit {GIT_SHA}")
    cfg = tmp_path / "config.yaml"
    cfg.write_text(f"db:\n  url: {PG}\n  password: {PG_PASSWORD}\ncommit: {GIT_SHA}\n")
    run["config"].upload(str(cfg))
    run["report"].upload(File.from_content(f"card {CARD} for {EMAIL}", extension="txt"))
    blob = bytes(range(256)) * 4
    run["weights"].upload(File.from_content(blob, extension="bin"))
    print(f"training with {PG} and card {CARD}")
    run.stop()
    cfg.unlink()  # the user's own input file, which holds the plaintext on purpose
    blobs = check_folder(tmp_path)
    assert any(b"****@example.com" in b for b in blobs.values())
    assert any(b == blob for b in blobs.values())


def test_neptune_secret_as_field_name(tmp_path: Path, neptune_run: Any) -> None:
    """A secret used as a key of an assigned mapping (it becomes a field name) does not
    reach the run's folder."""
    neptune_run["parameters"] = {EMAIL: 1, "git_commit": GIT_SHA, "run": RUN_ID, "d": DIGEST, "x": {GH: 1}}
    neptune_run.stop()
    check_folder(tmp_path)


def _neptune_paths(folder: Path) -> list[list[str]]:
    """The field paths of the operations in the offline runs' queues under ``folder``."""
    paths = []
    for log in sorted(folder.rglob("data-*.log")):
        for line in log.read_text().splitlines():
            with contextlib.suppress(ValueError, AttributeError):
                paths.append(json.loads(line)["obj"]["path"])
    return paths


def test_neptune_field_paths_written_as_strings(tmp_path: Path, neptune_run: Any) -> None:
    """A field path holding a finding (``run[f"users/{email}/loss"]``, a DSN split on its
    slashes) is recorded redacted, with a suffix that keeps every operation on one field in
    one series and two users' fields apart; lineage in a path is unchanged."""
    other = "ops.team.9921@example.com"
    neptune_run[f"users/{EMAIL}/loss"].append(0.5)
    neptune_run[f"users/{EMAIL}/loss"].append(0.25)
    neptune_run[f"users/{other}/loss"].append(0.75)
    neptune_run[f"dsn/{PG}"] = 1
    neptune_run[f"commits/{GIT_SHA}"] = "ok"
    neptune_run.stop()
    check_folder(tmp_path, lineage=False)
    paths = _neptune_paths(tmp_path)
    users = [p for p in paths if p[:1] == ["users"]]
    assert len(users) == 3 and users[0] == users[1] != users[2]
    assert users[0][1] == "****@example.com" and users[0][2].startswith("loss~")
    assert ["commits", GIT_SHA] in paths
    assert any(p[0] == "dsn" and "svc:****@db.internal:5432" in p for p in paths)


def test_neptune_dropped_field_path_is_not_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under a drop policy an operation on a field path holding a finding is not recorded."""
    neptune = pytest.importorskip("neptune")
    from redact.integrations import neptune as door

    policy = tmp_path / "drop.yaml"
    policy.write_text(
        "version: 1\nname: drop\nextends: default\nsummary: silent\nactions:\n  EMAIL_ADDRESS: drop\n"
    )
    with door.install(str(policy)):
        run = _neptune_offline(neptune, tmp_path, monkeypatch)
        run[f"users/{EMAIL}/loss"].append(0.5)
        run["users/total"] = 1
        run.stop()
    paths = _neptune_paths(tmp_path)
    assert ["users", "total"] in paths and not any(p[:1] == ["users"] and len(p) == 3 for p in paths)
    check_folder(tmp_path, lineage=False)
