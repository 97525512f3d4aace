"""The redact scan command: formats, pointers, exit codes, precise input errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from redact.cli import main

ROOT = Path(__file__).resolve().parents[1]
CARD = "4111111111111111"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_example_data_findings_and_exit_code():
    """The README's example export yields findings (exit 1) without printing any plaintext."""
    res = run("scan", str(ROOT / "fixtures" / "examples"))
    assert res.exit_code == 1, res.output
    assert "CONNECTION_STRING" in res.output and "finding(s)" in res.output
    export = json.loads((ROOT / "fixtures/examples/mlflow_export.json").read_text())
    assert "Qx7-fake-Pw2" in json.dumps(export)
    assert "Qx7-fake-Pw2" not in res.output and "4111 1111" not in res.output


def test_json_format_and_jsonl_pointers(tmp_path):
    """--format json lists findings with file and pointer; JSONL pointers start with the line index."""
    f = tmp_path / "runs.jsonl"
    f.write_text(json.dumps({"lr": 0.1}) + "\n\n" + json.dumps({"params": {"card": CARD}}) + "\n")
    res = run("scan", "--format", "json", str(f))
    assert res.exit_code == 1
    (row,) = json.loads(res.output)["findings"]
    assert row["file"] == str(f)
    assert row["pointer"] == "/2/params/card"
    assert row["line"] == 3
    assert set(row) == {
        "file",
        "line",
        "pointer",
        "key",
        "category",
        "detector",
        "start",
        "end",
        "confidence",
        "fingerprint",
    }
    assert CARD not in res.output


def test_yaml_and_folders_clean_exit_zero(tmp_path):
    """A folder of clean YAML, JSON and text exits 0 (a file left out by --exclude is not read)."""
    (tmp_path / "a.yaml").write_text("lr: 0.001\ngit_commit: " + "ab" * 20 + "\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text('{"optimizer": "adam"}')
    (tmp_path / "notes.txt").write_text("nothing to see\n")
    (tmp_path / "ignored.txt").write_text(CARD)
    res = run("scan", "--exclude", "ignored.txt", str(tmp_path))
    assert res.exit_code == 0, res.output
    assert "No findings." in res.output


def test_invalid_json_names_file_and_line(tmp_path):
    """Malformed input exits 2 with file and line in the message."""
    f = tmp_path / "bad.json"
    f.write_text('{\n  "a": 1,\n  "b": \n}\n')
    res = run("scan", str(f))
    assert res.exit_code == 2
    assert f"{f}:4: invalid JSON" in res.output


def test_invalid_jsonl_and_yaml_lines(tmp_path):
    """JSONL and YAML errors name their line too."""
    j = tmp_path / "x.jsonl"
    j.write_text('{"a": 1}\n{"a": \n')
    y = tmp_path / "y.yaml"
    y.write_text("a: 1\nb: [1, 2\n")
    assert f"{j}:2: invalid JSON" in run("scan", str(j)).output
    res = run("scan", str(y))
    assert res.exit_code == 2 and f"{y}:3: invalid YAML" in res.output


def test_missing_path_and_usage_errors(tmp_path):
    """A missing file or a bad option exits 2."""
    res = run("scan", str(tmp_path / "nope.json"))
    assert res.exit_code == 2 and "no such file" in res.output
    assert run("scan", "--format", "xml", str(tmp_path)).exit_code == 2
    assert run("scan").exit_code == 2


def test_console_script_installed():
    """The installed `redact` entry point runs (module form as a fallback)."""
    out = subprocess.run(
        [sys.executable, "-m", "redact.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert "redact" in out.stdout
