"""Text files as tracker artifacts: redacted into copies, scanned, and fixed in place.

:mod:`redact.artifacts` on real files of every format (no tracker needed), then
``redact scan`` and ``redact fix`` on a real MLflow file store (written by MLflow itself)
and on a local artifact root: findings name ``/runs/<run_id>/artifacts/<path>/<inside>``,
fix rewrites only text artifacts that hold a finding (binary and clean files keep their
bytes), with the usual backup, journal, resume and rollback.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

import redact
from redact.artifacts import ArtifactBlocked, file_kind, redact_file, redact_text
from redact.fix import fix
from redact.integrations.guard import redactor_for
from redact.policy import Policy, load_policy
from redact.stores.base import iter_records

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_mlflow_doors import SHA, Secrets, write_hydra_folder, write_text_files  # noqa: E402


def test_formats_are_read_by_name_then_by_content(tmp_path: Path):
    """Known binary names pass, NUL bytes make a file binary, and text files get their
    reader from the extension (``.env`` and unknown names are text)."""
    cases = {
        "model.pkl": (b"text inside", "binary"),
        "blob": (b"\x00\x01\x02", "binary"),
        "c.yaml": (b"a: 1\n", "yaml"),
        "nb.ipynb": (b"{}", "json"),
        "t.tsv": (b"a\tb\n", "table"),
        ".env": (b"A=1\n", "text"),
        "NOTES": (b"hello\n", "text"),
    }
    for name, (data, kind) in cases.items():
        p = tmp_path / name
        p.write_bytes(data)
        assert file_kind(p) == kind, name


def test_every_text_format_is_redacted_and_keeps_its_form(tmp_path: Path):
    """Each format's redacted copy holds no planted secret; lineage, clean values and the
    file's shape (CSV columns, TOML tables, notebook images) survive."""
    s = Secrets()
    files = write_text_files(tmp_path / "in", s)
    redactor = redactor_for()
    out = tmp_path / "out"
    out.mkdir()
    for name, path in files.items():
        outcome = redact_file(path, out / name, redactor)
        if name == "weights.bin":
            assert outcome.kind == "binary" and not (out / name).exists()
            continue
        assert outcome.changed, name
        assert s.leaks((out / name).read_bytes()) == [], name
    assert (out / "users.csv").read_text().splitlines()[0] == "name,email,card"
    assert "[db]" in (out / "train.toml").read_text() and "db.internal" in (out / "train.toml").read_text()
    assert SHA in (out / "train.log").read_text()
    nb = json.loads((out / "analysis.ipynb").read_text())
    assert nb["cells"][0]["outputs"][0]["data"]["image/png"].startswith("iVBORw0KGgo")
    assert "DEBUG=1" in (out / ".env").read_text()


def test_redaction_is_deterministic(tmp_path: Path):
    """The same file redacts to the same bytes twice (MLflow artifacts can be re-logged)."""
    s = Secrets()
    files = write_text_files(tmp_path / "in", s)
    redactor = redactor_for()
    for name in ("settings.json", "users.csv", ".env"):
        redact_file(files[name], tmp_path / "a", redactor)
        redact_file(files[name], tmp_path / "b", redactor)
        assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


def test_large_text_file_streams_in_bounded_memory(tmp_path: Path):
    """A text artifact is redacted line by line: a 12 MB log (one secret near its end)
    is redacted with far less memory than its size."""
    s = Secrets()
    src = tmp_path / "big.log"
    line = "2024-01-01 12:00:00 INFO step=1 loss=0.1234 lr=0.01 " + "x" * 60 + "\n"
    with src.open("w") as f:
        for _ in range(12_000_000 // len(line)):
            f.write(line)
        f.write(f"connecting with password={s.password}\n")
    redactor = redactor_for()
    tracemalloc.start()
    outcome = redact_file(src, tmp_path / "out.log", redactor)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert outcome.changed and outcome.kind == "text"
    assert peak < 6_000_000, peak
    assert s.leaks((tmp_path / "out.log").read_bytes()) == []
    assert (tmp_path / "out.log").stat().st_size > 11_000_000


def test_over_cap_structured_file_follows_the_policy(tmp_path: Path):
    """Above ``artifacts.max_bytes`` a JSON file is redacted as text (default), refused
    (``over_cap: block``, naming the file and never the value) or passed (``pass``)."""
    s = Secrets()
    src = tmp_path / "cfg.json"
    src.write_text(json.dumps({"db": {"password": s.password}, "pad": "p" * 2000}, indent=2))
    for mode in ("text", "block", "pass"):
        policy = Policy(artifacts={"max_bytes": 1024, "over_cap": mode})  # type: ignore[arg-type]
        redactor = redact.Redactor(policy)
        out = tmp_path / f"out-{mode}.json"
        if mode == "block":
            with pytest.raises(ArtifactBlocked) as info:
                redact_file(src, out, redactor)
            assert "cfg.json" in str(info.value) and s.password not in str(info.value)
            continue
        outcome = redact_file(src, out, redactor)
        assert outcome.over_cap
        if mode == "text":
            assert s.leaks(out.read_bytes()) == []
        else:
            assert outcome.kind == "binary" and not outcome.changed


def test_unparsable_structured_file_is_redacted_as_text(tmp_path: Path):
    """A ``.json`` that does not parse is never passed raw: it is redacted line by line."""
    s = Secrets()
    text, outcome = redact_text(
        f'{{"db": {{"password": "{s.password}", "owner": "{s.email}",\n', redactor_for(), name="broken.json"
    )
    assert outcome.kind == "text" and outcome.changed
    assert s.leaks(text.encode()) == []


# ---------------------------------------------------------------------- scan and fix
def _mlflow_file_store(root: Path, s: Secrets) -> str:
    """A real MLflow file store with text and binary artifacts, written by MLflow in a
    subprocess (plain ``file:`` URI: nothing redacted on the way in)."""
    src = root / "src"
    write_text_files(src, s)
    write_hydra_folder(src / "run", s)
    script = f"""
import mlflow
mlflow.set_tracking_uri({(root / "mlruns").as_uri()!r})
with mlflow.start_run() as run:
    mlflow.log_param("lr", "0.01")
    mlflow.log_artifacts({str(src / "run" / ".hydra")!r}, ".hydra")
    for name in ("settings.json", "users.csv", ".env", "notes.txt", "weights.bin"):
        mlflow.log_artifact({str(src)!r} + "/" + name, "files")
print(run.info.run_id)
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MLFLOW_", "REDACT_"))}
    env.update(MLFLOW_ALLOW_FILE_STORE="true", MLFLOW_DISABLE_TELEMETRY="true")
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def test_scan_and_fix_rewrite_text_artifacts_of_a_file_store(tmp_path: Path):
    """``redact scan`` reports artifact findings under ``/runs/<id>/artifacts/<path>/...``;
    ``redact fix`` rewrites exactly the text artifacts that hold them (binary files keep
    their bytes), journals no plaintext, a second run changes nothing, and rollback puts
    every byte back."""
    s = Secrets()
    run_id = _mlflow_file_store(tmp_path, s)
    store = tmp_path / "mlruns"
    art = next(store.glob(f"*/{run_id}/artifacts"))
    before = {p: p.read_bytes() for p in store.rglob("*") if p.is_file()}
    assert s.leaks(b"".join(before.values())) != []

    pointers = set()
    scanner = redactor_for().scanner
    for rec in iter_records(str(store)):
        for f in scanner.scan(rec.document, rec.prefix):
            pointers.add(f.pointer)
    assert f"/runs/{run_id}/artifacts/.hydra/config.yaml/db/password" in pointers
    assert any(p.startswith(f"/runs/{run_id}/artifacts/files/users.csv/2/") for p in pointers)
    assert not any("weights.bin" in p for p in pointers)

    report = fix(str(store), load_policy("default"))
    changed = {c.location["file"] for c in report.changes if c.location.get("artifact")}
    assert f"{art.relative_to(store).as_posix()}/files/weights.bin" not in changed
    assert s.leaks(b"".join(p.read_bytes() for p in store.rglob("*") if p.is_file())) == []
    assert (art / "files" / "weights.bin").read_bytes() == before[art / "files" / "weights.bin"]
    journal = Path(report.journal or "").read_bytes()
    assert s.leaks(journal) == []
    assert "trainer.max_epochs=3" in (art / ".hydra" / "overrides.yaml").read_text()
    assert fix(str(store), load_policy("default")).changes == []

    fix(str(store), load_policy("default"), rollback=True)
    assert {p: p.read_bytes() for p in store.rglob("*") if p.is_file()} == before


def test_fix_of_a_local_artifact_root_resumes_after_a_crash(tmp_path: Path):
    """A bare artifact root (``<exp>/<run>/artifacts``, as a SQL-backed store or a server
    writes it) is its own fix source; a fix killed after one rewrite resumes and finishes,
    with no file half-written."""
    s = Secrets()
    root = tmp_path / "mlartifacts"
    for run in ("a1" * 16, "b2" * 16):  # MLflow run ids: 32 hex digits
        write_text_files(root / "1" / run / "artifacts", s)
    env = {
        **os.environ,
        "REDACT_FIX_CRASH_AFTER": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    cmd = [sys.executable, "-m", "redact.cli", "fix", "--policy", "default", str(root)]
    crashed = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert crashed.returncode != 0
    raw = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file())
    assert s.leaks(raw) != []  # not finished
    report = fix(str(root), load_policy("default"), resume=True)
    assert report.already_applied >= 1
    raw = b"".join(p.read_bytes() for p in root.rglob("*") if p.is_file() and "weights" not in p.name)
    assert s.leaks(raw) == []
    assert not list(root.rglob("*.redact-tmp"))
    shutil.rmtree(root)


def test_artifact_settings_are_validated_with_file_line_and_field(tmp_path: Path):
    """An unknown ``artifacts.over_cap`` fails to load, naming the file, line and field."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nartifacts:\n  over_cap: maybe\n")
    with pytest.raises(redact.errors.PolicyError) as info:
        load_policy(str(bad))
    assert f"{bad}:3: field 'artifacts.over_cap'" in str(info.value)


def test_a_folder_holding_some_artifacts_folder_is_scanned_whole(tmp_path: Path):
    """Only a folder that is nothing but ``<experiment id>/<run id>/artifacts/`` is read as an
    artifact root; a project folder that merely contains ``pkg/sdk/artifacts/`` is scanned
    file by file, so nothing else in it is skipped."""
    from redact.stores.mlflow_artifacts import is_artifact_root

    (tmp_path / "pkg" / "sdk" / "artifacts").mkdir(parents=True)
    (tmp_path / "settings.env").write_text("DB_PASSWORD=Zq8FAKEvLp2mXt9w\n")
    assert not is_artifact_root(tmp_path)
    root = tmp_path / "mlartifacts"
    (root / "3" / ("c3" * 16) / "artifacts").mkdir(parents=True)
    assert is_artifact_root(root)
    result = subprocess.run(
        [sys.executable, "-m", "redact.cli", "scan", "--format", "json", str(tmp_path)],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert any(f["file"].endswith("settings.env") for f in json.loads(result.stdout)["findings"])
