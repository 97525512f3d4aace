"""`redact scan` on the inputs people have: bad, binary, templated and tagged files, text,
notebooks, standard input, include/exclude/.redactignore, inline allows, strict gates and
one-line user errors."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from redact.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _fake_pg() -> tuple[str, str]:
    """A fake PostgreSQL URI with a random password (and the password)."""
    rng = random.Random(11)
    pw = "FAKE" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(12))
    return f"postgresql://svc:{pw}@db.internal:5432/mlflow", pw


PG, PW = _fake_pg()


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def _findings(res) -> list[dict]:
    return json.loads(res.stdout)["findings"]


@pytest.fixture()
def mixed(tmp_path: Path) -> Path:
    """A folder of good, tagged, templated, broken and binary files."""
    d = tmp_path / "configs"
    d.mkdir()
    (d / "task.yaml").write_text(
        "task: arc\nprocess_docs: !function utils.process_docs\n"
        f"bucket: !Ref DataBucket\nobj: !!python/object:os.system {{cmd: ls}}\ndb: {PG}\n"
    )
    (d / "vault.yml").write_text("greeting: !vault |\n  hello world\npath: ${oc.env:HOME}\n")
    (d / "chart.yaml").write_text(
        'apiVersion: v2\nmetadata:\n  name: {{ .Values.name }}\n  {{- include "labels" . | nindent 4 }}\n'
        f"env:\n  DB: {PG}\n"
    )
    (d / "broken.json").write_text('{\n  "a": 1,\n  "url": "' + PG + '",\n')
    (d / "weights.bin").write_bytes(b"\x00\x01\x02" + os.urandom(4000))
    (d / "app.ini").write_text(f"[db]\nurl = {PG}\n")
    return d


def test_bad_inputs_are_reported_counted_and_the_rest_scanned(mixed: Path):
    """Every readable file is scanned; a broken file is reported as file:line: reason (and
    its text still scanned); binaries are skipped with a count; exit 2 for the unreadable
    input, 1 with --ignore-unreadable (findings decide). Tags are ignored, content read;
    Helm templates fall back to the text reader without an error."""
    res = run("scan", "--format", "json", str(mixed))
    assert res.exit_code == 2, res.output
    files = {Path(f["file"]).name for f in _findings(res)}
    assert files == {"task.yaml", "chart.yaml", "broken.json", "app.ini"}
    assert f"redact: error: {mixed / 'broken.json'}:4: invalid JSON" in res.stderr
    assert "1 input(s) could not be read; 1 binary file(s) skipped" in res.stderr
    assert "chart.yaml" not in res.stderr and "task.yaml" not in res.stderr
    assert PW not in res.output
    ok = run("scan", "--ignore-unreadable", str(mixed))
    assert ok.exit_code == 1 and "redact: warning:" in ok.stderr


def test_custom_tags_construct_nothing(tmp_path: Path):
    """`!!python/object/apply:os.system` is read as plain data: nothing runs."""
    marker = tmp_path / "ran"
    (tmp_path / "evil.yaml").write_text(f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    res = run("scan", str(tmp_path / "evil.yaml"))
    assert res.exit_code == 0, res.output
    assert not marker.exists()


def test_text_files_lines_and_columns(tmp_path: Path):
    """Other text files are read line by line: pointer /<line>, line and column in JSON and
    in the table."""
    f = tmp_path / "train.log"
    f.write_text(f"epoch 1 loss 0.3\n\nconnecting to {PG} now\n")
    res = run("scan", "--format", "json", str(f))
    (row,) = _findings(res)
    assert (row["pointer"], row["line"], row["column"]) == ("/3", 3, row["start"] + 1)
    line = f.read_text().splitlines()[2]
    assert PW in line[row["start"] : row["end"]] and line[row["start"] : row["end"]] in PG
    table = run("scan", str(f)).stdout
    assert "LINE" in table.splitlines()[0] and f" 3:{row['column']} " in table


def test_notebook_cells_and_outputs(tmp_path: Path):
    """Notebook cell sources and text outputs are scanned at their JSON pointers; images are not."""
    nb = {
        "cells": [
            {"cell_type": "markdown", "source": ["# title\n"], "metadata": {}},
            {
                "cell_type": "code",
                "source": ["import os\n", f"uri = '{PG}'\n"],
                "outputs": [
                    {"output_type": "stream", "name": "stdout", "text": ["ok\n", f"{PG}\n"]},
                    {"output_type": "display_data", "data": {"image/png": "iVBORw0KGgo" + "A" * 200}},
                ],
                "metadata": {},
                "execution_count": 1,
            },
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    f = tmp_path / "explore.ipynb"
    f.write_text(json.dumps(nb, indent=1))
    res = run("scan", "--format", "json", str(f))
    pointers = sorted(r["pointer"] for r in _findings(res))
    assert pointers == ["/cells/1/outputs/0/text/1", "/cells/1/source/1"]
    assert all(r["line"] > 1 for r in _findings(res))


def test_stdin_scan_and_apply():
    """`redact scan -` and `redact apply -` read standard input (JSON, YAML or text)."""
    res = run("scan", "--format", "json", "-", stdin=json.dumps({"db": PG}))
    (row,) = _findings(res)
    assert res.exit_code == 1 and row["file"] == "<stdin>" and row["pointer"] == "/db"
    txt = run("scan", "--format", "json", "-", stdin=f"hello\nurl {PG}\n")
    assert [r["pointer"] for r in _findings(txt)] == ["/2"]
    named = run("scan", "--format", "json", "--stdin-name", "x.env", "-", stdin=f"DB_URL={PG}\n")
    assert [r["pointer"] for r in _findings(named)] == ["/DB_URL"]
    out = run("apply", "-", stdin=f"db: {PG}\nlr: 0.1\n")
    assert out.exit_code == 0 and PW not in out.stdout and "lr: 0.1" in out.stdout
    lines = run("apply", "-", stdin=f"first\nurl {PG}\n")
    assert lines.stdout.startswith("first\nurl ") and PW not in lines.stdout


def test_include_exclude_and_redactignore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """--include/--exclude globs and .redactignore (gitignore syntax) leave files out, counted."""
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "repo"
    (d / "vendor").mkdir(parents=True)
    (d / "a.yaml").write_text(f"db: {PG}\n")
    (d / "b.txt").write_text(f"{PG}\n")
    (d / "vendor" / "c.yaml").write_text(f"db: {PG}\n")
    (d / "keep.log").write_text(f"{PG}\n")
    (d / ".redactignore").write_text("vendor/\n*.log\n!keep.log\n")
    names = lambda res: sorted(Path(r["file"]).name for r in _findings(res))  # noqa: E731
    res = run("scan", "--format", "json", "repo")
    assert names(res) == ["a.yaml", "b.txt", "keep.log"] and "1 ignored file(s) skipped" in res.stderr
    assert names(run("scan", "--format", "json", "--include", "*.yaml", "repo")) == ["a.yaml"]
    assert names(run("scan", "--format", "json", "--exclude", "*.txt", "repo")) == ["a.yaml", "keep.log"]
    every = run("scan", "--format", "json", "--no-redactignore", "repo")
    assert names(every) == ["a.yaml", "b.txt", "c.yaml", "keep.log"]


def test_inline_allow_suppresses_and_is_reported(tmp_path: Path):
    """`redact:allow` on a line suppresses its findings (optionally one detector): listed
    as suppressed in JSON and SARIF (kind inSource), left out of the table, never failing."""
    f = tmp_path / "settings.env"
    f.write_text(f"A={PG}  # redact:allow\nB={PG}  # redact:allow email-address\n")
    res = run("scan", "--format", "json", str(f))
    rows = {r["pointer"]: r for r in _findings(res)}
    assert rows["/A"].get("suppressed") is True and "suppressed" not in rows["/B"]
    assert res.exit_code == 1  # /B is not allowed for its detector
    only = tmp_path / "ok.yaml"
    only.write_text(f"db: {PG}  # redact:allow uri-credentials\n")
    quiet = run("scan", str(only))
    assert quiet.exit_code == 0 and "No findings." in quiet.stdout
    sarif = json.loads(run("scan", "--format", "sarif", str(only)).stdout)
    (result,) = sarif["runs"][0]["results"]
    assert result["suppressions"][0]["kind"] == "inSource"


@pytest.mark.parametrize("spec", ["SECRETS", "FOO", "SECRET,EMAIL", "secret", "confidence>0.5"])
def test_fail_on_rejects_unknown_names_with_the_valid_ones(tmp_path: Path, spec: str):
    """A typo in --fail-on is a usage error (exit 2) listing the valid categories."""
    f = tmp_path / "a.yaml"
    f.write_text(f"db: {PG}\n")
    res = run("scan", "--fail-on", spec, str(f))
    assert res.exit_code == 2, res.output
    (line,) = res.stderr.strip().splitlines()
    assert line.startswith("redact: error: Invalid value for --fail-on: ")
    if "confidence" not in spec:
        assert "CONNECTION_STRING" in line and "EMAIL_ADDRESS" in line


def test_fail_on_accepts_categories_and_detector_ids(tmp_path: Path):
    """Valid categories and detector ids gate as asked."""
    f = tmp_path / "a.yaml"
    f.write_text(f"db: {PG}\n")
    assert run("scan", "--fail-on", "EMAIL_ADDRESS", str(f)).exit_code == 0
    assert run("scan", "--fail-on", "CONNECTION_STRING", str(f)).exit_code == 1
    assert run("scan", "--fail-on", "uri-credentials", str(f)).exit_code == 1
    assert run("scan", "--format", "xml", str(f)).exit_code == 2


def test_user_errors_are_one_line_exit_2(tmp_path: Path):
    """Usage mistakes and input errors: one `redact: error:` line, exit 2, no traceback."""
    for args in (
        ["scan", str(tmp_path / "missing.json")],
        ["scan", "--policy", str(tmp_path / "nope.yaml"), str(tmp_path)],
        ["scan", "--bogus", str(tmp_path)],
        ["scan"],
        ["apply", str(tmp_path / "missing.json")],
    ):
        res = run(*args)
        assert res.exit_code == 2, (args, res.output)
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("redact: error: "), (args, res.stderr)


def test_missing_extra_names_the_install_command():
    """Without MLflow installed, reading a server says which extra to install, in one line."""
    code = (
        "import sys; sys.modules['mlflow'] = None\n"
        "from redact.cli import main\n"
        "main(['scan', 'http://127.0.0.1:9/'])\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert p.returncode == 2, p.stderr
    assert p.stderr.strip().splitlines() == [
        'redact: error: http://127.0.0.1:9/: reading an MLflow server needs mlflow: pip install "redact-ml[mlflow]"'
    ]


def test_fix_without_policy_uses_the_default(tmp_path: Path):
    """`redact fix` without --policy runs with the built-in default policy (no traceback)."""
    f = tmp_path / "run.json"
    f.write_text(json.dumps({"params": {"db": PG}}))
    res = run("fix", "--dry-run", "--format", "json", str(f))
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and PW not in res.output


def test_apply_warns_that_yaml_tags_are_not_kept(tmp_path: Path):
    """`redact apply` on YAML with application tags redacts it and says the tags are lost."""
    f = tmp_path / "task.yaml"
    f.write_text(f"fn: !function utils.process\ndb: {PG}\n")
    res = run("apply", str(f))
    assert res.exit_code == 0 and PW not in res.stdout and "fn: utils.process" in res.stdout
    assert f"redact: warning: {f}: YAML tags are not kept in the output (!function)" in res.stderr


def test_bare_command_prints_its_help():
    """`redact` with no command prints the command list (as click does), not a one-line error."""
    res = run()
    assert res.exit_code in (0, 2) and "Commands:" in res.output and "redact: error" not in res.output
