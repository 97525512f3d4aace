"""``redact fix`` killed (SIGKILL) at every injected crash point never strands a store.

For each point of :data:`redact.fix.CRASH_POINTS`, a real ``redact fix`` subprocess is
killed there; then, on copies of the crashed state, a plain re-run, ``--resume`` and
``--rollback`` must each bring the store to a consistent state (every file either the
original or the fixed one, never half), the plain re-run and ``--resume`` to exactly the
fully fixed store, ``--rollback`` to the original; a second run then changes nothing;
no journal is left beside the store after success; backups are 0600 files in 0700
folders. Fake secrets are generated per run.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from redact.cli import main
from redact.fix import CRASH_AT_ENV, CRASH_ENV, CRASH_POINTS

ROOT = Path(__file__).resolve().parents[1]


def _fake(n: int = 12) -> str:
    return "FAKE" + secrets.token_hex(n // 2)


def _make_store(folder: Path) -> dict[str, bytes]:
    """A folder of JSON/YAML exports with generated fake secrets (and IP addresses behind
    URI credentials, which a first redaction must not leave for a second one)."""
    folder.mkdir()
    password, user = _fake(), "u" + secrets.token_hex(4)
    (folder / "run1.json").write_text(
        json.dumps(
            {
                "params": {"db": f"postgresql://svc:{password}@10.1.2.3:5432/x", "lr": 0.01},
                "tags": {
                    "owner": f"{user}@example.com",
                    "git_commit": "3e1f0c9a7b2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f",
                },
            },
            indent=2,
        )
        + "\n"
    )
    (folder / "run2.yaml").write_text(
        f"api: http://admin:{_fake()}@192.168.7.9:8080/v1\ncard: '4111111111111111'\n"
    )
    (folder / "clean.yaml").write_text("lr: 0.1\n")
    (folder / "runs.jsonl").write_text(
        "".join(json.dumps({"i": i, "uri": f"redis://:{_fake()}@10.0.0.{i}:6379"}) + "\n" for i in range(3))
    )
    return _tree(folder)


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _cli(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["fix", *args])
    return res.exit_code, res.output


def _crash(store: Path, point: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), CRASH_AT_ENV: point}
    env.pop(CRASH_ENV, None)
    return subprocess.run(
        [sys.executable, "-m", "redact.cli", "fix", str(store)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """A template store (copied per case) and its fully fixed bytes."""
    base = tmp_path_factory.mktemp("template")
    original = _make_store(base / "store")
    fixed_copy = tmp_path_factory.mktemp("fixed") / "store"
    shutil.copytree(base / "store", fixed_copy)
    code, out = _cli(str(fixed_copy))
    assert code == 0, out
    fixed = _tree(fixed_copy)
    assert fixed != original
    return base / "store", fixed


def _check_private_backups(parent: Path) -> None:
    for d in parent.glob("store.redact-backup-*"):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700, d
        for f in d.rglob("*"):
            if f.is_file():
                assert stat.S_IMODE(f.stat().st_mode) == 0o600, f


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_every_crash_point_is_recoverable_by_rerun_resume_or_rollback(
    point: str, expected: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """SIGKILL at ``point``: the store is consistent, and each recovery path ends in the
    fixed (re-run, resume) or original (rollback) store, after which a run changes nothing."""
    template, fixed = expected
    original = _tree(template)
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    shutil.copytree(template, crashed / "store")
    proc = _crash(crashed / "store", point)
    assert proc.returncode == -9, (point, proc.returncode, proc.stderr[-2000:])
    state = _tree(crashed / "store")
    for name, data in state.items():  # each file whole: the original or the fixed one
        assert data in (original[name], fixed[name]), (point, name)
    _check_private_backups(crashed)

    saved = tmp_path / "saved"
    shutil.copytree(crashed, saved, symlinks=True)
    for mode in ("rerun", "resume", "rollback"):
        case = crashed  # the same paths each time: the journal records absolute ones
        shutil.rmtree(case)
        shutil.copytree(saved, case, symlinks=True)
        store = case / "store"
        journal = case / "store.redact-fix.jsonl"
        interrupted = journal.exists() and journal.read_text().strip() != ""
        if mode == "rerun":
            code, out = _cli(str(store))
            assert code == 0, (point, out)
            assert _tree(store) == fixed, point
        elif mode == "resume":
            code, out = _cli(str(store), "--resume")
            if code == 2:  # nothing to resume: no change was journaled; a re-run finishes
                assert "nothing to resume" in out, (point, out)
                assert _tree(store) == state
                code, out = _cli(str(store))
            assert code == 0, (point, out)
            assert _tree(store) == fixed, point
        else:
            code, out = _cli(str(store), "--rollback")
            if code == 2:  # nothing was changed, so nothing to roll back
                assert "nothing to roll back" in out, (point, out)
                assert state == original, point
            else:
                assert code == 0, (point, out)
            assert _tree(store) == original, (point, interrupted)
            code, out = _cli(str(store))
            assert code == 0, (point, out)
            assert _tree(store) == fixed, point
        assert not journal.exists(), (point, mode)
        assert not list(case.glob(".*.tmp")), (point, mode)
        code, out = _cli(str(store), "--format", "json", "--verify")
        assert code == 0, (point, mode, out)
        report = json.loads(out)
        assert report["summary"]["changes"] == 0 and report["verify"]["ok"], (point, mode)
        assert _tree(store) == fixed
        _check_private_backups(case)


@pytest.mark.parametrize("content", ["", '{"type": "begin", "vers'])
def test_a_journal_without_a_begin_record_means_nothing_was_done(
    content: str, expected: tuple[Path, dict[str, bytes]], tmp_path: Path
) -> None:
    """A journal left empty or with a torn first record (a crash while it was created) is
    recognised as "nothing was done": every mode clears it instead of refusing."""
    template, fixed = expected
    for args in ((), ("--resume",), ("--rollback",)):
        case = tmp_path / ("case" + "".join(args))
        case.mkdir()
        shutil.copytree(template, case / "store")
        journal = case / "store.redact-fix.jsonl"
        journal.write_text(content)
        code, out = _cli(str(case / "store"), *args)
        assert "nothing had changed" in out, (args, out)
        assert not journal.exists()
        if not args:
            assert code == 0 and _tree(case / "store") == fixed
        else:
            assert code == 2 and _tree(case / "store") == _tree(template)  # nothing to resume / roll back


def test_verify_reports_changes_not_in_place_and_values_left(tmp_path: Path) -> None:
    """``verify_target`` re-reads the store: a planned change that is not in place and a
    value a new plan would still change are both reported (and ``--verify`` exits 1)."""
    from redact.fix import open_target, run_target, verify_target
    from redact.policy import load_policy

    original = _make_store(tmp_path / "store")
    policy = load_policy("default")
    target = open_target(str(tmp_path / "store"))
    report = run_target(target, policy, verify=True)
    assert report.verification is not None and report.verification.ok
    assert report.verification.checked == len(report.changes) > 0
    (tmp_path / "store" / "run2.yaml").write_bytes(original["run2.yaml"])  # a writer undoes one
    again = verify_target(target, policy, report.changes)
    assert again.mismatched == ["run2.yaml"] and [c.where() for c in again.remaining] == ["run2.yaml"]
    code, out = _cli(str(tmp_path / "store"), "--dry-run", "--verify")
    assert code == 1


# ---------------------------------------------------------------------- SQLite
def _make_db(path: Path) -> None:
    """A small database with the MLflow tables fix reads (the columns it uses)."""
    import sqlite3

    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL);
        CREATE TABLE runs (run_uuid TEXT PRIMARY KEY, name TEXT, user_id TEXT, experiment_id INTEGER);
        CREATE TABLE params (key TEXT, value TEXT, run_uuid TEXT, PRIMARY KEY (key, run_uuid));
        CREATE TABLE tags (key TEXT, value TEXT, run_uuid TEXT, PRIMARY KEY (key, run_uuid));
        """
    )
    con.execute("INSERT INTO experiments VALUES (1, ?)", (f"churn by {secrets.token_hex(4)}@example.com",))
    for i in range(4):
        run = secrets.token_hex(16)
        con.execute("INSERT INTO runs VALUES (?, ?, ?, 1)", (run, f"run-{i}", "alice"))
        con.executemany(
            "INSERT INTO params VALUES (?, ?, ?)",
            [
                ("db", f"postgresql://svc:{_fake()}@10.9.{i}.1:5432/x", run),
                ("lr", "0.01", run),
                ("card", "4111111111111111", run),
            ],
        )
        con.execute(
            "INSERT INTO tags VALUES (?, ?, ?)", ("owner", f"{secrets.token_hex(5)}@example.com", run)
        )
    con.commit()
    con.close()


def _dump_db(path: Path) -> list[tuple[str, ...]]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows: list[tuple[str, ...]] = []
        for table in ("experiments", "runs", "params", "tags"):
            rows.extend((table, *map(str, r)) for r in con.execute(f"SELECT * FROM {table} ORDER BY 1, 2"))
        return rows
    finally:
        con.close()


@pytest.fixture(scope="module")
def sqlite_expected(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[tuple[str, ...]]]:
    """A template database folder (copied per case) and the rows of its fixed copy."""
    template = tmp_path_factory.mktemp("db-template")
    _make_db(template / "mlflow.db")
    done = tmp_path_factory.mktemp("db-fixed") / "db"
    shutil.copytree(template, done)
    assert _cli(str(done / "mlflow.db"))[0] == 0
    return template, _dump_db(done / "mlflow.db")


# the points inside and between SQL batches (the others are store-independent, above)
@pytest.mark.parametrize("point", ["begin", "journaled", "change", "finish"])
def test_sqlite_store_recovers_from_every_crash_point(
    point: str, sqlite_expected: tuple[Path, list[tuple[str, ...]]], tmp_path: Path
) -> None:
    """The same for an SQLite store: after SIGKILL at ``point`` the database is intact and
    each row is original or fixed (batches are transactions); a re-run or --resume ends
    fixed, --rollback original; then a run changes nothing."""
    template, fixed = sqlite_expected
    original = _dump_db(template / "mlflow.db")
    assert fixed != original
    crashed = tmp_path / "crashed"
    shutil.copytree(template, crashed)
    proc = _crash(crashed / "mlflow.db", point)
    assert proc.returncode == -9, (point, proc.stderr[-2000:])
    state = _dump_db(crashed / "mlflow.db")
    assert all(row in original or row in fixed for row in state), point
    saved = tmp_path / "saved"
    shutil.copytree(crashed, saved)
    for mode in ("rerun", "resume", "rollback"):
        shutil.rmtree(crashed)
        shutil.copytree(saved, crashed)
        db = str(crashed / "mlflow.db")
        if mode == "rerun":
            code, out = _cli(db)
        elif mode == "resume":
            code, out = _cli(db, "--resume")
            if code == 2 and "nothing to resume" in out:
                code, out = _cli(db)
        else:
            code, out = _cli(db, "--rollback")
            if code == 2 and "nothing to roll back" in out:
                assert state == original
                code = 0
            else:
                assert _dump_db(crashed / "mlflow.db") == original, (point, out)
            code, out = _cli(db)
        assert code == 0, (point, mode, out)
        assert _dump_db(crashed / "mlflow.db") == fixed, (point, mode)
        assert not (crashed / "mlflow.db.redact-fix.jsonl").exists()
        code, out = _cli(db, "--format", "json", "--verify")
        assert code == 0 and json.loads(out)["summary"]["changes"] == 0, (point, mode, out)
