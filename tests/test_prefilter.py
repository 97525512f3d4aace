"""Both prefilters (Hyperscan and the Aho-Corasick + regex fallback) select the same detectors."""

from __future__ import annotations

import json
import re
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


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="Hyperscan is not installed on this platform")
def test_hyperscan_selects_whatever_the_reference_prefilter_selects():
    """The one Hyperscan database of every keyword and shape selects at least what the
    reference (Aho-Corasick and Python regexes over the same triggers) selects, for every
    catalog example alone and placed at other offsets in a longer value: a shape the
    database misses silently skips a detector (Hyperscan once missed a quoted name after a
    bracket that started 15 or more bytes into a value)."""
    specs = builtin_specs()
    fast = Engine(specs, prefilter="hyperscan").prefilter
    slow = Engine(specs, prefilter="python").prefilter
    values = [str(e.value) for spec in specs for e in (*spec.examples.positive, *spec.examples.negative)]
    values.append('props.setProperty("password", "Xq4Cpqk2vpT7LVtOF9")')
    missed = []
    for value in values:
        # (Hyperscan once missed /password: after a blank 24 or more bytes into a value)
        padded = [f"{'x' * k} {value}" for k in (15, 23, 31, 47)]
        for text in (value, f"note: {value}", *padded, f"{value} {'y' * 40} {value}"):
            lost = slow.select(text) - fast.select(text)
            if lost:
                missed.append((text[:80], sorted(lost)))
    assert not missed, missed[:10]


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


def _key_samples() -> list[str]:
    """Keys of the labelled corpus and of every catalog example, flattened and raw."""
    from redact.leaves import key_path

    keys: set[str] = set()

    def walk(v: object, path: list[str]) -> None:
        if isinstance(v, dict):
            for k, item in v.items():
                keys.add(str(k))
                keys.add(key_path([*path, str(k)]))
                walk(item, [*path, str(k)])
        elif isinstance(v, list):
            for item in v:
                walk(item, path)

    walk(json.loads(CORPUS.read_text())["runs"], [])
    for spec in builtin_specs():
        for ex in (*spec.examples.positive, *spec.examples.negative):
            keys.add(ex.key)
    return sorted(keys)


@pytest.mark.skipif(not HAVE_HYPERSCAN, reason="Hyperscan is not installed on this platform")
def test_key_gate_agrees_with_every_rule_tested_in_turn():
    """The one-pass key gate triggers and silences exactly the detectors that testing each
    key rule of the catalog in turn does, for every key of the corpus and the examples."""
    from redact.detect.keys import split_segments
    from redact.detect.validators import normalize_key

    engine = Engine(builtin_specs())
    gate = engine._key_gate
    keys = _key_samples()
    assert len(keys) > 500
    # (each key also deep in a flattened path: a match far into the key must be reported too)
    for key in [*keys, *(f"trainer.callbacks.logger.init_args.{k}" for k in keys)]:
        full = normalize_key(key)
        segments = split_segments(key)
        norm = normalize_key(segments[-1]) if segments else full
        assert gate.match(key, full, norm) == gate._match_each(key, full, norm), key


def test_long_values_are_remembered_by_digest_only():
    """A value longer than the short-value memo is scanned once: a second scan returns the
    same hits from a keyed digest, and the scanner keeps no copy of the text."""
    scanner = Scanner(Engine(builtin_specs()))
    clean = "step " * 200
    secret = "notes " * 60 + "password=FAKE-Zq8rW2xLp0vN7bTy " + "more " * 10
    first = [(h.detector.id, h.start, h.end) for h in scanner.scan_text(secret, "notes")]
    assert first
    assert scanner.scan_text(clean, "notes") == []
    calls = []
    find = scanner.engine.find
    scanner.engine.find = lambda text, key="": calls.append(text) or find(text, key)  # type: ignore[method-assign]
    again = [(h.detector.id, h.start, h.end) for h in scanner.scan_text(secret, "notes")]
    assert again == first
    assert scanner.scan_text(clean, "notes") == []
    assert calls == []
    assert all(clean not in memo and secret not in memo for memo in scanner._clean)
    assert len(scanner._clean_digests) == 1


def test_min_width_reads_regex_module_syntax():
    """The shortest-match bound survives branch resets and repeated group names, and never
    overstates a pattern with numbered backreferences."""
    from redact.detect.engine import _min_width

    assert _min_width(r"(?|a(?P<s>bc)|(?P<s>d))(?P=s)x") == 2
    assert _min_width(r"(?P<secret>\d{3}([- .])\d{2}\2\d{4})") == 11
    assert _min_width(r"(?P<q>a)(?P<r>bbbb)?\1") == 2
    assert _min_width(r"\(?|x") == 0  # an optional literal "(" or "x": no branch reset


def _corpus_strings(v: object) -> list[str]:
    if isinstance(v, dict):
        return [s for k, item in v.items() for s in (str(k), *_corpus_strings(item))]
    if isinstance(v, list):
        return [s for item in v for s in _corpus_strings(item)]
    return [v] if isinstance(v, str) else []


def test_wide_repeats_are_read_unbounded_and_select_a_superset():
    """Hyperscan reads a shape with its wide bounded repeats unbounded: braces in a class
    or escaped stay as they are, narrow repeats too; every catalog shape so read still
    matches wherever the shape does, on every catalog example and corpus value."""
    from redact.detect.prefilter import unbounded

    assert unbounded(r"a{1,1024}b(?:cd){0,300}") == "a{1,}b(?:cd){0,}"
    assert unbounded(r"[{1,100}]\{1,100\}x{2,16}") == r"[{1,100}]\{1,100\}x{2,16}"
    assert unbounded(r"[^\]{]{0,127}/[]a]{1,99}") == r"[^\]{]{0,}/[]a]{1,}"
    specs = builtin_specs()
    shapes = {s.prefilter for s in specs if s.prefilter} | {
        g for s in specs for g in s.pattern_prefilters if g
    }
    widened = {shape: re.compile(unbounded(shape)) for shape in shapes}
    assert sum(unbounded(shape) != shape for shape in shapes) >= 10
    texts = [str(ex.value) for s in specs for ex in (*s.examples.positive, *s.examples.negative)]
    texts += [v for v in _corpus_strings(json.loads(CORPUS.read_text())["runs"]) if len(v) < 2000]
    for shape, wide in widened.items():
        narrow = re.compile(shape)
        for text in texts:
            if narrow.search(text):
                assert wide.search(text), (shape, text)


def test_scanners_of_one_catalog_share_its_compiled_patterns():
    """Every scanner built from the same catalog shares its compiled regexes and Hyperscan
    databases (both immutable), so building another compiles nothing again; each scanner
    still keeps its own memo, and both give the same findings, also from two threads."""
    import threading

    import redact
    from redact.detect import _buildcache, prefilter

    redact.build_scanner()
    before = (len(_buildcache._compiled), prefilter._hs_compiled.cache_info().misses)
    a, b = redact.build_scanner(), redact.build_scanner()
    assert (len(_buildcache._compiled), prefilter._hs_compiled.cache_info().misses) == before
    assert all(
        pa is pb
        for da, db in zip(a.engine.detectors, b.engine.detectors, strict=True)
        for (pa, _), (pb, _) in zip(da.patterns, db.patterns, strict=True)
    )
    assert a is not b and a._clean is not b._clean
    if HAVE_HYPERSCAN:
        assert a.engine.prefilter._db is b.engine.prefilter._db  # type: ignore[attr-defined]
    doc = {"db": "postgresql://svc:FAKE-Zq8rW2xLp0vN7@db.internal/x", "owner": "jane@example.com", "lr": 0.1}
    results: dict[str, list[tuple[str, str]]] = {}

    def run(name: str, scanner: Scanner) -> None:
        results[name] = [(f.pointer, f.detector) for _ in range(50) for f in scanner.scan(doc)][:2]

    threads = [threading.Thread(target=run, args=(n, s)) for n, s in (("a", a), ("b", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results["a"] == results["b"] == [("/db", "uri-credentials"), ("/owner", "email-address")]
