"""Both prefilters (Hyperscan and the Aho-Corasick + regex fallback) select the same detectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redact._build import builtin_specs
from redact._scanner import Scanner
from redact.detect.engine import Engine
from redact.detect.prefilter import HAVE_HYPERSCAN

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus" / "labelled.json"


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="Hyperscan is not installed on this platform")
def test_fallback_prefilter_gives_identical_findings():
    """On the labelled corpus, the Python prefilter and Hyperscan produce identical findings."""
    runs = json.loads(CORPUS.read_text())["runs"]
    fast = Scanner(Engine(builtin_specs(), prefilter="hyperscan")).scan(runs)
    slow = Scanner(Engine(builtin_specs(), prefilter="python")).scan(runs)
    assert fast == slow
    assert len(fast) > 1000


def test_python_prefilter_examples():
    """Every catalog example holds with the fallback prefilter too."""
    from redact._build import example_failures

    for spec in builtin_specs():
        scanner = Scanner(Engine([spec], prefilter="python"))
        assert example_failures(spec, scanner) == [], spec.id


def test_prefilter_must_be_a_plain_regex():
    """A prefilter with lookaround fails to load with the detector named."""
    from redact.detect.catalog import parse_detectors
    from redact.errors import CatalogError

    spec = {
        "id": "demo",
        "category": "SECRET",
        "description": "demo",
        "patterns": ["x"],
        "prefilter": "(?<!a)x",
        "examples": {
            "positive": [{"value": "x", "reason": "r1r"}],
            "negative": [{"value": "y", "reason": "r2r"}],
        },
    }
    with pytest.raises(
        CatalogError, match="detector 'demo': field 'prefilter': a prefilter is a plain regex"
    ):
        parse_detectors([spec], {}, "inline")
