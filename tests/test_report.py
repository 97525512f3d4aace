"""Reports of scan results: formats, goldens, SARIF schema, baselines, --fail-on, pre-commit.

Regenerate the golden files after an intended format change with
``python -m tests.test_report --regen`` (then review the diff).
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import shlex
import shutil
import string
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from redact._finding import Finding
from redact.cli import main
from redact.report import FORMATS, Baseline, FailOn, Result, catalog_for, collect, get_writer
from redact.report.base import lines_for, relative_uri, safe_source

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "report"
SCHEMA = FIXTURES / "sarif-schema-2.1.0.json"
GOLDEN = {
    "table": "golden.table.txt",
    "json": "golden.json",
    "sarif": "golden.sarif",
    "junit": "golden.junit.xml",
    "markdown": "golden.md",
}


# ----------------------------------------------------------------------------- fixed input
@dataclass(frozen=True)
class Spec:
    """A catalog entry as the writers see it (a DetectorSpec has the same fields)."""

    id: str
    category: str
    description: str
    confidence: float


CATALOG = [
    Spec("uri-credentials", "CONNECTION_STRING", "Passwords in scheme://user:password@host URIs.", 0.95),
    Spec("credit-card", "CREDIT_CARD", "Card numbers. Luhn plus real IIN ranges and lengths.", 0.95),
    Spec("email-address", "EMAIL_ADDRESS", "Email addresses (not git remotes or digests).", 0.9),
    Spec("phone-number", "PHONE_NUMBER", "Formatted phone numbers checked by libphonenumber.", 0.85),
    Spec("us-ssn", "US_SSN", "US social security numbers under SSA validity rules.", 0.9),
]


def _row(
    source: str,
    pointer: str,
    line: int | None,
    key: str,
    category: str,
    detector: str,
    start: int,
    end: int,
    confidence: float,
    fp: str,
) -> Result:
    return Result(source, Finding(pointer, key, category, detector, start, end, confidence, fp), line)


def fixed_results() -> list[Result]:
    """A fixed, deliberately unsorted set of results covering the formats' edge cases: two
    findings at one leaf, a JSONL record, a key needing escapes in XML/Markdown, a store
    URI with credentials (which must not survive), and a detector the catalog lacks."""
    return [
        _row("logs/runs.jsonl", "/2/params/card", 3, "[2].params.card", "CREDIT_CARD", "credit-card",
               0, 16, 0.95, "af2d2eeb47dd92532d21085357ceedbf"),
        _row("exports/mlflow_export.json", "/runs/1/params/notes", 32, "runs[1].params.notes", "US_SSN",
               "us-ssn", 42, 53, 0.9, "e35620bde55f0d3910f23a3e0835c0e1"),
        _row("exports/mlflow_export.json", "/runs/0/params/db_url", 12, "runs[0].params.db_url",
               "CONNECTION_STRING", "uri-credentials", 21, 33, 0.95, "08c35bfa47aeb9eaaa06991a8cdf5a27"),
        _row("exports/mlflow_export.json", "/runs/1/params/notes", 32, "runs[1].params.notes",
               "PHONE_NUMBER", "phone-number", 12, 27, 0.85, "5b32087ef7d43ccc488ea6564fa57971"),
        _row("configs/train.yaml", "/tags/owner|<a&b>~1x", 4, "tags.owner|<a&b>/x", "EMAIL_ADDRESS",
               "email-address", 0, 24, 0.9, "397bb86128d6719d6a4cb04836741250"),
        _row("mlflow+postgresql://svc:hunter2@db.internal:5432/mlflow?sslpassword=x#frag",
               "/runs/4f1c/params/token", None, "runs.4f1c.params.token", "SECRET", "guard-timeout",
               0, 40, 1.0, "0d1c2b3a49586776f5e4d3c2b1a0f9e8"),
    ]  # fmt: skip


def render(fmt: str, results: list[Result], catalog: list) -> str:
    buf = io.StringIO()
    get_writer(fmt)(results, catalog, buf)
    return buf.getvalue()


def regen() -> None:
    """Rewrite the golden files from the fixed input."""
    for fmt, name in GOLDEN.items():
        (FIXTURES / name).write_text(render(fmt, fixed_results(), CATALOG), encoding="utf-8", newline="\n")
        print(f"wrote {FIXTURES / name}")


# ----------------------------------------------------------------------------- goldens
@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_golden_files_byte_for_byte(fmt):
    """Each writer's output for the fixed input equals its golden file byte for byte
    (regenerate with `python -m tests.test_report --regen`)."""
    golden = (FIXTURES / GOLDEN[fmt]).read_bytes()
    assert render(fmt, fixed_results(), CATALOG).encode("utf-8") == golden


@pytest.mark.parametrize("fmt", sorted(GOLDEN))
def test_order_is_stable_whatever_the_input_order(fmt):
    """Reports sort by (source, pointer, start, detector): shuffled input, same bytes."""
    results = fixed_results()
    expected = render(fmt, results, CATALOG)
    for seed in range(5):
        random.Random(seed).shuffle(results)
        assert render(fmt, results, CATALOG) == expected


def test_goldens_hold_no_timestamps_absolute_paths_or_credentials():
    """Goldens are reproducible anywhere: no dates, no absolute paths, and the store URI
    lost its password and query."""
    for name in GOLDEN.values():
        text = (FIXTURES / name).read_text(encoding="utf-8")
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text), name
        assert str(ROOT) not in text and "file://" not in text and "/home/" not in text, name
        assert "hunter2" not in text and "sslpassword" not in text and "svc:" not in text, name
        assert "mlflow+postgresql://db.internal:5432/mlflow" in text, name


def test_registry_lists_every_format_and_the_cli_offers_them():
    """The registry holds the six formats and `redact scan --format` accepts each."""
    assert set(FORMATS) == {"table", "json", "sarif", "junit", "markdown", "html"}
    with pytest.raises(ValueError, match="unknown report format"):
        get_writer("xml")
    res = CliRunner().invoke(main, ["scan", "--help"])
    assert "table|json|sarif|junit|markdown|html" in res.output


# ----------------------------------------------------------------------------- SARIF
def _validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(validator, doc) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_sarif_schema_fixture_is_the_official_file():
    """The vendored schema is the OASIS SARIF 2.1.0 (errata 01) schema, unmodified."""
    import hashlib

    data = SCHEMA.read_bytes()
    assert (
        hashlib.sha256(data).hexdigest() == "ddddcccbf95c7c50c037b5b07eff4140556278ca574ff374db46786b5fce7949"
    )
    schema = json.loads(data)
    assert schema["id"].endswith("/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json")


def test_sarif_golden_and_real_scan_validate_against_the_official_schema(tmp_path):
    """SARIF output (the golden, a real scan with the full catalog, an empty scan) is valid
    SARIF 2.1.0 per the official JSON schema."""
    validator = _validator()
    golden = json.loads((FIXTURES / "golden.sarif").read_text(encoding="utf-8"))
    assert _errors(validator, golden) == []
    res = CliRunner().invoke(main, ["scan", "--format", "sarif", str(ROOT / "fixtures" / "examples")])
    assert res.exit_code == 1, res.output
    real = json.loads(res.output)
    assert _errors(validator, real) == []
    (tmp_path / "clean.yaml").write_text("lr: 0.1\n")
    res = CliRunner().invoke(main, ["scan", "--format", "sarif", str(tmp_path / "clean.yaml")])
    assert res.exit_code == 0
    empty = json.loads(res.output)
    assert _errors(validator, empty) == [] and empty["runs"][0]["results"] == []


def test_sarif_schema_rejects_broken_logs():
    """The schema check has teeth: a result without a message, or a bad level, fails it."""
    validator = _validator()
    doc = json.loads((FIXTURES / "golden.sarif").read_text(encoding="utf-8"))
    del doc["runs"][0]["results"][0]["message"]
    assert _errors(validator, doc)
    doc = json.loads((FIXTURES / "golden.sarif").read_text(encoding="utf-8"))
    doc["runs"][0]["results"][0]["level"] = "fatal"
    assert _errors(validator, doc)


def test_sarif_rules_results_and_fingerprints():
    """One rule per catalog detector (plus detectors the catalog lacks); each result's
    ruleIndex points at its rule, and carries the pointer and fingerprint but no value."""
    doc = json.loads(render("sarif", fixed_results(), CATALOG))
    driver = doc["runs"][0]["tool"]["driver"]
    assert (
        driver["name"] == "redact" and driver["version"] and driver["informationUri"].startswith("https://")
    )
    ids = [r["id"] for r in driver["rules"]]
    assert ids == [s.id for s in CATALOG] + ["guard-timeout"]
    for rule in driver["rules"]:
        assert {
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "help",
            "properties",
            "defaultConfiguration",
        } <= set(rule)
        assert rule["properties"]["category"] in rule["properties"]["tags"]
    for res in doc["runs"][0]["results"]:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        loc = res["locations"][0]
        region = loc["physicalLocation"].get("region")
        if res["ruleId"] == "guard-timeout":  # the store URI: no line, so no region
            assert region is None
        else:
            assert region["startLine"] >= 1 and region["startColumn"] == 1
        assert loc["logicalLocations"][0]["fullyQualifiedName"].startswith("/")
        assert len(res["partialFingerprints"]["redact/v2"]) == 32
    full = json.loads(render("sarif", [], catalog_for()))
    from redact._build import builtin_specs

    assert [r["id"] for r in full["runs"][0]["tool"]["driver"]["rules"]] == [s.id for s in builtin_specs()]


def test_sarif_includes_a_policys_custom_detectors(tmp_path):
    """A policy's custom detectors become SARIF rules too, and the log stays schema-valid."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "version: 1\n"
        "detectors:\n"
        "  custom:\n"
        "    - id: customer-id\n"
        "      category: CUSTOMER_ID\n"
        "      description: Internal customer ids (CUST- and eight digits).\n"
        "      keywords: [cust-]\n"
        "      patterns: ['(?<![A-Za-z0-9])(?P<secret>CUST-\\d{8})(?!\\d)']\n"
        "      examples:\n"
        "        positive: [{value: 'owner CUST-00421337', reason: a customer id}]\n"
        "        negative: [{value: 'CUST-123', reason: too short}]\n"
    )
    data = tmp_path / "run.json"
    data.write_text('{"tags": {"owner": "CUST-12345678"}}')
    res = _run("scan", "--format", "sarif", "--policy", str(policy), str(data))
    assert res.exit_code == 1, res.output
    doc = json.loads(res.output)
    assert _errors(_validator(), doc) == []
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    (result,) = doc["runs"][0]["results"]
    assert rules[result["ruleIndex"]]["id"] == "customer-id"
    assert rules[result["ruleIndex"]]["properties"]["category"] == "CUSTOMER_ID"
    assert "CUST-12345678" not in res.output


def test_sarif_uris_are_relative_to_the_working_folder(tmp_path, monkeypatch):
    """Artifact URIs are relative to the cwd when the file lies below it, file: URIs
    otherwise, and store URIs keep their scheme and host but lose credentials."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub dir").mkdir()
    inside = tmp_path / "sub dir" / "a.json"
    assert relative_uri(str(inside)) == "sub%20dir/a.json"
    assert relative_uri("sub dir/a.json") == "sub%20dir/a.json"
    outside = tmp_path.parent / "elsewhere.json"
    assert relative_uri(str(outside)).startswith("file:///")
    assert safe_source("postgresql://svc:pw@db:5432/x?password=y") == "postgresql://db:5432/x"
    assert safe_source("runs/a.json") == "runs/a.json"


# ----------------------------------------------------------------------------- lines
def test_lines_for_json_yaml_jsonl_and_multidocument_yaml(tmp_path):
    """Results carry the 1-based line of their leaf: JSON and YAML through the YAML line
    map, JSONL as index + 1, multi-document YAML per document; 1 when unmappable."""
    card = _fake_secrets(1)["card"]
    j = tmp_path / "a.json"
    j.write_text(json.dumps({"runs": [{"lr": 0.1}, {"params": {"lr": 1, "card": card}}]}, indent=2))
    y = tmp_path / "b.yaml"
    y.write_text(f"run:\n  params:\n    lr: 0.1\n    card: '{card}'\n")
    jl = tmp_path / "c.jsonl"
    jl.write_text('{"a": 1}\n\n' + json.dumps({"card": card}) + "\n")
    multi = tmp_path / "d.yaml"
    multi.write_text(f"a: 1\n---\nb: 2\nparams:\n  card: '{card}'\n")
    odd = tmp_path / "e.json"  # surrogate escapes: valid JSON, rejected by YAML
    odd.write_text('{"note": "\\ud83d\\ude00",\n "card": "' + card + '"}\n')
    from redact._build import get_scanner

    got = {(Path(r.source).name, r.pointer): r.line for r in collect([tmp_path], get_scanner())}
    assert got == {
        ("a.json", "/runs/1/params/card"): 9,
        ("b.yaml", "/run/params/card"): 4,
        ("c.jsonl", "/2/card"): 3,
        ("d.yaml", "/1/params/card"): 5,
        ("e.json", "/card"): 1,
    }
    assert lines_for(tmp_path / "b.yaml", ["/run/params/missing/deeper"]) == {"/run/params/missing/deeper": 3}


def test_lines_are_computed_only_for_files_with_findings(tmp_path, monkeypatch):
    """Clean files are read once, for scanning; only files with findings are re-read for lines."""
    import redact.stores.files as base

    (tmp_path / "clean.json").write_text('{"lr": 0.1}')
    (tmp_path / "dirty.json").write_text(json.dumps({"card": _fake_secrets(2)["card"]}))
    seen: list[str] = []
    real = base.lines_for
    monkeypatch.setattr(base, "lines_for", lambda path, ptrs: seen.append(path.name) or real(path, ptrs))
    from redact._build import get_scanner

    collect([tmp_path], get_scanner())
    assert seen == ["dirty.json"]


# ----------------------------------------------------------------------------- no plaintext
def _fake_secrets(seed: int) -> dict[str, str]:
    """Freshly generated fake secrets and PII that the built-in detectors report."""
    from benchmarks.corpus import github_checksum, luhn_valid

    rng = random.Random(seed)

    def rand(alphabet: str, n: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(n))

    body = rand(string.ascii_letters + string.digits, 30)
    partial = "4" + rand(string.digits, 14)
    card = next(partial + d for d in string.digits if luhn_valid(partial + d))
    return {
        "github": "ghp_" + body + github_checksum(body),
        "aws": "AKIA" + rand(string.ascii_uppercase + "234567", 16),
        "db_password": rand(string.ascii_letters + string.digits, 14),
        "card": card,
        "ssn": f"{rng.randint(100, 665):03d}-{rng.randint(10, 99):02d}-{rng.randint(1000, 9999):04d}",
        "email": rand(string.ascii_lowercase, 10) + "@example.org",
        "api_key": rand(string.ascii_letters + string.digits, 24),
    }


def _plant(folder: Path, s: dict[str, str]) -> dict[str, str]:
    """Write the secrets into JSON, JSONL and YAML files; return value -> where planted."""
    run = {
        "params": {
            "gh_pat": s["github"],
            "aws_access_key_id": s["aws"],
            "db": f"postgresql://svc:{s['db_password']}@db.internal:5432/x",
            "card": s["card"],
            "notes": f"customer ssn {s['ssn']}",
        },
        "tags": {"owner": s["email"], "config": json.dumps({"serving": {"api_key": s["api_key"]}})},
    }
    (folder / "export.json").write_text(json.dumps({"runs": [run]}, indent=2))
    (folder / "runs.jsonl").write_text('{"lr": 0.1}\n' + json.dumps(run) + "\n")
    (folder / "run.yaml").write_text(yaml.safe_dump(run, sort_keys=False))
    return s


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_plaintext_in_any_report_format(tmp_path, seed):
    """Generated fake secrets planted in JSON, JSONL and YAML are all reported, and none of
    them (nor any detected span) appears in any report format, in the baseline, or on
    standard error."""
    data = tmp_path / "data"
    data.mkdir()
    secrets = _plant(data, _fake_secrets(seed))
    runner = CliRunner()
    outputs: dict[str, str] = {}
    for fmt in FORMATS:
        res = runner.invoke(main, ["scan", "--format", fmt, str(data)])
        assert res.exit_code == 1, (fmt, res.output)
        outputs[fmt] = res.output
    out_file = tmp_path / "report.sarif"
    res = runner.invoke(main, ["scan", "--format", "sarif", "-o", str(out_file), str(data)])
    assert res.exit_code == 1 and res.output == ""
    outputs["sarif-file"] = out_file.read_text(encoding="utf-8")
    res = runner.invoke(main, ["baseline", str(data), "-o", str(tmp_path / "baseline.json")])
    assert res.exit_code == 0, res.output
    outputs["baseline"] = (tmp_path / "baseline.json").read_text(encoding="utf-8") + res.output

    # every planted value was found in every file (the check below is not vacuous)
    found = json.loads(outputs["json"])["findings"]
    assert {Path(f["file"]).name for f in found} == {"export.json", "runs.jsonl", "run.yaml"}
    detected = _detected_texts(found)
    for name, value in secrets.items():
        assert any(value in text or text in value for text in detected), name
    needles = set(secrets.values()) | detected
    for fmt, text in outputs.items():
        for needle in needles:
            assert needle not in text, (fmt, needle[:4])


def _detected_texts(found: list[dict]) -> set[str]:
    """The exact text of each reported span, read back from the scanned files."""
    from redact._files import read_documents
    from redact.leaves import split_pointer

    texts: set[str] = set()
    for f in found:
        path = Path(f["file"])
        for prefix, doc in read_documents(path):
            node = doc
            segments = split_pointer(f["pointer"])[len(prefix) :]
            if prefix and split_pointer(f["pointer"])[0] != str(prefix[0]):
                continue
            for seg in segments:
                node = node[int(seg)] if isinstance(node, list) else node[seg]
            texts.add(str(node)[f["start"] : f["end"]])
    assert all(len(t) >= 8 for t in texts)
    return texts


# ----------------------------------------------------------------------------- baselines
def _run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_baseline_is_byte_identical_across_runs_and_sorted(tmp_path, monkeypatch):
    """Two `redact baseline` runs write identical bytes: sorted, relative sources, no
    timestamps, no line numbers, no plaintext."""
    monkeypatch.chdir(tmp_path)
    data = Path("data")
    data.mkdir()
    secrets = _plant(data, _fake_secrets(4))
    assert _run("baseline", "data", "-o", "b1.json").exit_code == 0
    assert _run("baseline", str(tmp_path / "data"), "-o", "b2.json").exit_code == 0
    res = _run("baseline", "data")
    assert res.exit_code == 0
    one, two = Path("b1.json").read_bytes(), Path("b2.json").read_bytes()
    assert one == two == res.stdout.encode()
    doc = json.loads(one)
    assert doc["identity"] == ["fingerprint", "detector", "pointer"]
    entries = doc["findings"]
    assert entries and all(
        set(e) == {"category", "detector", "fingerprint", "pointer", "source"} for e in entries
    )
    assert entries == sorted(
        entries, key=lambda e: (e["source"], e["pointer"], e["detector"], e["category"], e["fingerprint"])
    )
    assert {e["source"] for e in entries} == {"data/export.json", "data/run.yaml", "data/runs.jsonl"}
    text = one.decode()
    assert '"line"' not in text and not re.search(r"\d{4}-\d{2}-\d{2}", text)
    assert not any(v in text for v in secrets.values())


def test_scan_with_baseline_reports_only_new_findings(tmp_path):
    """After a baseline, known findings are silent (exit 0); a new secret is the only one
    reported (exit 1)."""
    data = tmp_path / "data"
    data.mkdir()
    _plant(data, _fake_secrets(5))
    base = tmp_path / "baseline.json"
    assert _run("baseline", str(data), "-o", str(base)).exit_code == 0
    res = _run("scan", "--baseline", str(base), str(data))
    assert res.exit_code == 0, res.output
    assert "No findings." in res.output
    fresh = _fake_secrets(6)
    (data / "new.yaml").write_text(f"params:\n  lr: 0.1\n  card: '{fresh['card']}'\n")
    res = _run("scan", "--format", "json", "--baseline", str(base), str(data))
    assert res.exit_code == 1
    (row,) = json.loads(res.output)["findings"]
    assert row["pointer"] == "/params/card" and row["file"].endswith("new.yaml")
    # the same known value moved to another key is new too
    doc = json.loads((data / "export.json").read_text())
    doc["runs"][0]["params"]["card_moved"] = doc["runs"][0]["params"].pop("card")
    (data / "export.json").write_text(json.dumps(doc))
    (data / "new.yaml").unlink()
    res = _run("scan", "--format", "json", "--baseline", str(base), str(data))
    assert res.exit_code == 1
    assert [f["pointer"] for f in json.loads(res.output)["findings"]] == ["/runs/0/params/card_moved"]


def test_reformatted_or_moved_files_produce_no_new_findings(tmp_path):
    """Identity is (fingerprint, detector, pointer): re-indenting, reordering keys,
    rewriting JSON as YAML or moving the file to another folder changes nothing."""
    data = tmp_path / "data"
    data.mkdir()
    _plant(data, _fake_secrets(7))
    base = tmp_path / "baseline.json"
    assert _run("baseline", str(data), "-o", str(base)).exit_code == 0
    doc = json.loads((data / "export.json").read_text())
    reordered = {"runs": [dict(reversed(list(doc["runs"][0].items())))]}
    (data / "export.json").write_text(json.dumps(reordered, indent=7, sort_keys=True))
    y = yaml.safe_load((data / "run.yaml").read_text())
    (data / "run.yaml").write_text(yaml.safe_dump(y, default_flow_style=True, width=40))
    res = _run("scan", "--baseline", str(base), str(data))
    assert res.exit_code == 0, res.output
    moved = tmp_path / "elsewhere" / "deeper"
    moved.mkdir(parents=True)
    shutil.move(str(data / "export.json"), moved / "renamed.json")
    (moved / "as_yaml.yaml").write_text(yaml.safe_dump(reordered))
    res = _run("scan", "--baseline", str(base), str(data), str(moved))
    assert res.exit_code == 0, res.output


def test_bad_baseline_files_exit_2(tmp_path):
    """A missing, malformed or foreign baseline is an input error (exit 2) naming the file."""
    data = tmp_path / "a.json"
    data.write_text('{"lr": 0.1}')
    for name, text in [
        ("missing.json", None),
        ("bad.json", "{"),
        ("foreign.json", '{"findings": []}'),
        ("wrong.json", '{"baseline": "redact", "version": 1, "findings": [{"pointer": 1}]}'),
    ]:
        path = tmp_path / name
        if text is not None:
            path.write_text(text)
        res = _run("scan", "--baseline", str(path), str(data))
        assert res.exit_code == 2, (name, res.output)
        assert str(path) in res.output
    assert len(Baseline.load(_write(tmp_path / "ok.json", Baseline(key_id="0" * 16).dumps()))) == 0


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ----------------------------------------------------------------------------- --fail-on
def test_fail_on_categories_and_confidence_exit_codes(tmp_path):
    """--fail-on: exit 1 only when a reported finding matches a listed category and/or
    reaches the confidence; otherwise 0 (the report still lists everything). Default: any
    finding fails."""
    f = tmp_path / "run.yaml"
    f.write_text(f"owner: {_fake_secrets(8)['email']}\n")
    (only,) = json.loads(_run("scan", "--format", "json", str(f)).output)["findings"]
    assert only["category"] == "EMAIL_ADDRESS" and only["confidence"] < 1.0
    at, above = f"confidence>={only['confidence']}", f"confidence>={only['confidence'] + 0.001:.3f}"
    assert _run("scan", str(f)).exit_code == 1
    res = _run("scan", "--fail-on", "SECRET,CONNECTION_STRING", str(f))
    assert res.exit_code == 0 and "EMAIL_ADDRESS" in res.output
    assert _run("scan", "--fail-on", "SECRET", "--fail-on", "EMAIL_ADDRESS", str(f)).exit_code == 1
    assert _run("scan", "--fail-on", at, str(f)).exit_code == 1
    assert _run("scan", "--fail-on", above, str(f)).exit_code == 0
    assert _run("scan", "--fail-on", f"EMAIL_ADDRESS,{above}", str(f)).exit_code == 0
    assert _run("scan", "--fail-on", "EMAIL_ADDRESS, confidence >= 0.1", str(f)).exit_code == 1
    clean = tmp_path / "clean.json"
    clean.write_text('{"lr": 0.1}')
    assert _run("scan", "--fail-on", "confidence>=0", str(clean)).exit_code == 0


@pytest.mark.parametrize(
    "spec", ["secret", "confidence>=high", "confidence>=1.5", "confidence<0.5", "SECRET;PII"]
)
def test_fail_on_rejects_what_it_cannot_read(tmp_path, spec):
    """An unreadable --fail-on is a usage error (exit 2) naming the option."""
    f = tmp_path / "a.json"
    f.write_text("{}")
    res = _run("scan", "--fail-on", spec, str(f))
    assert res.exit_code == 2 and "--fail-on" in res.output


def test_fail_on_model():
    """FailOn: categories are alternatives, the confidence must also hold."""
    r = fixed_results()[0]  # CREDIT_CARD, 0.95
    assert FailOn.parse([]).matches(r)
    assert FailOn.parse(["CREDIT_CARD,SECRET"]).matches(r)
    assert not FailOn.parse(["SECRET"]).matches(r)
    assert FailOn.parse(["confidence>=0.95"]).matches(r)
    assert not FailOn.parse(["CREDIT_CARD,confidence>=0.96"]).matches(r)


# ----------------------------------------------------------------------------- CLI formats
def test_scan_output_file_and_formats_keep_exit_codes(tmp_path):
    """-o writes the report to a file (nothing on stdout); every format keeps the exit codes
    0 clean, 1 findings, 2 input errors."""
    dirty = tmp_path / "dirty.json"
    dirty.write_text(json.dumps({"card": _fake_secrets(9)["card"]}))
    clean = tmp_path / "clean.json"
    clean.write_text('{"lr": 0.1}')
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    for fmt in FORMATS:
        out = tmp_path / f"report.{fmt}"
        res = _run("scan", "--format", fmt, "-o", str(out), str(dirty))
        assert res.exit_code == 1 and res.output == "" and out.stat().st_size > 0, fmt
        assert _run("scan", "--format", fmt, str(clean)).exit_code == 0, fmt
        assert _run("scan", "--format", fmt, str(bad)).exit_code == 2, fmt
    xml_root = ET.fromstring((tmp_path / "report.junit").read_text(encoding="utf-8"))
    assert xml_root.get("failures") == "1"
    res = _run("scan", "-o", str(tmp_path / "no" / "such" / "dir" / "r.txt"), str(dirty))
    assert res.exit_code == 2 and "cannot write" in res.output


def _junit_schema() -> Any:
    xmlschema = pytest.importorskip("xmlschema")
    return xmlschema.XMLSchema(str(FIXTURES / "junit-10.xsd"))


def test_junit_structure():
    """JUnit: a testsuite per source and a testcase per finding with exactly one failure,
    so tests == failures at every level; a clean scan is one passing test case."""
    root = ET.fromstring(render("junit", fixed_results(), CATALOG))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == sorted({r.source for r in fixed_results()})
    assert root.get("failures") == root.get("tests") == str(len(fixed_results()))
    for suite in suites:
        cases = suite.findall("testcase")
        assert suite.get("tests") == suite.get("failures") == str(len(cases))
        assert all(len(c.findall("failure")) == 1 for c in cases)
    names = [(c.get("classname"), c.get("name")) for c in root.findall("testsuite/testcase")]
    assert len(names) == len(set(names)) == len(fixed_results())
    empty = ET.fromstring(render("junit", [], CATALOG))
    assert empty.get("tests") == "1" and empty.get("failures") == "0"


def test_junit_validates_against_the_ci_schema(tmp_path):
    """The golden, a real scan of the example files and an empty report are valid against
    the JUnit schema Jenkins' xUnit plugin uses (junit-10.xsd); the check has teeth (an
    attribute the schema lacks fails it)."""
    schema = _junit_schema()
    golden = (FIXTURES / "golden.junit.xml").read_text(encoding="utf-8")
    assert schema.is_valid(golden)
    res = CliRunner().invoke(main, ["scan", "--format", "junit", str(ROOT / "fixtures" / "examples")])
    assert res.exit_code == 1
    assert schema.is_valid(res.output), list(schema.iter_errors(res.output))[:1]
    root = ET.fromstring(res.output)
    assert int(root.get("failures")) == int(root.get("tests")) > 0
    assert schema.is_valid(render("junit", [], CATALOG))
    assert not schema.is_valid(golden.replace("<testcase ", '<testcase line="1" ', 1))


def test_json_report_states_its_format_version():
    """The JSON report names its format and version next to the findings."""
    doc = json.loads(render("json", fixed_results(), CATALOG))
    assert (doc["format"], doc["format_version"]) == ("redact-scan", 2)
    assert len(doc["findings"]) == len(fixed_results())


def test_markdown_limits_the_table():
    """Markdown lists counts per category and the first N findings, then says how many more."""
    many = [
        _row(f"f{i:03d}.json", "/k", 1, "k", "SECRET", "sensitive-key-value", 0, 8, 0.8, f"{i:032x}")
        for i in range(60)
    ]
    buf = io.StringIO()
    from redact.report.markdown import write

    write(many, CATALOG, buf, limit=50)
    text = buf.getvalue()
    assert "| SECRET | 60 |" in text and "…and 10 more" in text
    assert text.count("`sensitive-key-value`") == 50
    assert render("markdown", [], CATALOG) == "### redact: no findings\n"


# ----------------------------------------------------------------------------- pre-commit
def _hook() -> dict:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "redact-scan"]
    return hook


def test_pre_commit_hook_definition():
    """The redact-scan hook is a python hook running `redact scan` on JSON, JSONL and YAML."""
    hook = _hook()
    assert hook["language"] == "python" and hook["entry"] == "redact scan"
    files = re.compile(hook["files"])
    for name in ["a.json", "dir/b.jsonl", "c.yaml", "d.yml"]:
        assert files.search(name), name
    for name in ["e.txt", "f.json.bak", "g.py", "yaml"]:
        assert not files.search(name), name


def test_pre_commit_hook_entry_runs_on_a_folder_without_git(tmp_path):
    """Run the hook's entry as pre-commit would (entry + matching file names) in a folder
    that is not a git repository: 0 for clean files, 1 with a secret, 2 for broken input."""
    hook = _hook()
    argv = shlex.split(hook["entry"])
    exe = shutil.which(argv[0])
    cmd = [exe, *argv[1:]] if exe else [sys.executable, "-m", "redact.cli", *argv[1:]]
    work = tmp_path / "repo"
    work.mkdir()
    (work / "params.yaml").write_text("lr: 0.001\noptimizer: adam\n")
    (work / "metrics.json").write_text('{"loss": 0.12}')
    (work / "notes.txt").write_text(_fake_secrets(10)["card"])
    files = re.compile(hook["files"])

    def run_hook() -> subprocess.CompletedProcess[str]:
        names = sorted(p.name for p in work.iterdir() if p.is_file() and files.search(p.name))
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        return subprocess.run(cmd + names, cwd=work, capture_output=True, text=True, env=env, timeout=120)

    assert not (work / ".git").exists()
    res = run_hook()
    assert res.returncode == 0, res.stdout + res.stderr
    secrets = _fake_secrets(11)
    (work / "runs.jsonl").write_text(json.dumps({"params": {"token": secrets["github"]}}) + "\n")
    res = run_hook()
    assert res.returncode == 1 and "runs.jsonl" in res.stdout
    assert secrets["github"] not in res.stdout + res.stderr
    (work / "runs.jsonl").unlink()
    (work / "broken.yml").write_text("a: [1\n")
    res = run_hook()
    assert res.returncode == 2 and "broken.yml" in res.stderr


if __name__ == "__main__":  # pragma: no cover - the golden regeneration helper
    if "--regen" in sys.argv[1:]:
        regen()
    else:
        print("usage: python -m tests.test_report --regen")
