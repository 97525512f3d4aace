"""The HTML report: one self-contained page, rendered in real headless Chromium, showing
totals, the worst runs first and every finding's pointer and fingerprint, never a value."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from redact.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PW1, PW2 = "Hq3FAKEpw9Zt", "Lm8FAKEpw2Xk"
EMAIL = "jane.fake@example.org"


def _store(tmp_path: Path) -> tuple[str, str, str]:
    """A real MLflow SQLite store (MLflow's own schema) with planted fake values."""
    mlflow = pytest.importorskip("mlflow")
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(tracking_uri=uri)
    exp = client.create_experiment("fraud<script>alert(1)</script>")
    bad = client.create_run(exp, run_name="bad")
    client.log_param(bad.info.run_id, "db_url", f"postgresql://svc:{PW1}@db.internal/x")
    client.log_param(bad.info.run_id, "replica", f"mysql://svc:{PW2}@db2.internal/x")
    client.set_tag(bad.info.run_id, "owner_email", EMAIL)
    mild = client.create_run(exp, run_name="mild")
    client.set_tag(mild.info.run_id, "contact", EMAIL)
    client.create_run(exp, run_name="clean")
    return uri, bad.info.run_id, mild.info.run_id


def _render(page: Path, tmp: Path) -> str:
    """The DOM Chromium builds from the page, offline."""
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp}",
        "--dump-dom", page.as_uri(),
    ]  # fmt: skip
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, p.stderr[-2000:]
    return p.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian package chromium)")
def test_html_report_renders_totals_worst_runs_first_and_no_plaintext(tmp_path: Path):
    """Rendered by headless Chromium: the totals, the runs worst first, every finding's
    pointer and fingerprint; no planted value, no external asset, the experiment name's
    markup escaped (no script element)."""
    uri, bad, mild = _store(tmp_path)
    page = tmp_path / "report.html"
    res = CliRunner().invoke(main, ["scan", "--format", "html", "-o", str(page), uri])
    assert res.exit_code == 1, res.output
    raw = page.read_text(encoding="utf-8")
    assert not re.search(r"(src|href)\s*=|<script|<link|@import|url\(", raw, re.I)
    js = CliRunner().invoke(main, ["scan", "--format", "json", uri])
    findings = json.loads(js.stdout)["findings"]
    with tempfile.TemporaryDirectory() as profile:
        dom = _render(page, Path(profile))
    text = re.sub(r"<[^>]+>", " ", dom)
    for secret in (PW1, PW2, EMAIL, "jane.fake"):
        assert secret not in dom
    assert "<script" not in dom.lower()
    m = re.search(r'id="total-findings"><b>(\d+)</b>', dom)
    assert m and int(m.group(1)) == len(findings) == 4
    for f in findings:
        assert f["pointer"] in text and f["fingerprint"] in text
    for heading in ("By category", "By detector", "By experiment", "Runs, worst first"):
        assert heading in text
    assert "CONNECTION_STRING" in text and "EMAIL_ADDRESS" in text
    runs = re.search(r"<table id=\"?runs\"?>(.*?)</table>", dom, re.S)
    assert runs is not None
    order = re.findall(r"runs/([0-9a-f]{32})", runs.group(1))
    assert order[:2] == [bad, mild]


def test_html_escapes_everything():
    """Keys and pointers with markup are escaped: the page holds no element they could open."""
    import io

    from redact._finding import Finding
    from redact._result import Result
    from redact.report.html import write

    r = Result("a<b>.json", Finding("/x<img src=x>", "x<img src=x>", "SECRET", "d", 2, 9, 0.9, "f" * 32), 3)
    buf = io.StringIO()
    write([r], [], buf)
    assert "<img" not in buf.getvalue() and "&lt;img src=x&gt;" in buf.getvalue()
