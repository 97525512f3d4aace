"""Accuracy gate on the labelled held-out corpus (fixtures/corpus/labelled.json).

The corpus (benchmarks/corpus.py, ``generate(400, 7)``) holds ~20k labelled leaves of
synthetic MLflow / W&B run metadata: ~85% CLEAN decoys, ~5% LINEAGE (git SHAs, run
ids, digests) and ~10% sensitive values across the 8 categories.

``redact.scan(runs)`` runs once per module. Metrics are computed on leaves, by JSON
pointer:

* recall(cat): a leaf labelled ``cat`` is found when some finding has its pointer and
  category ``cat``;
* precision: over distinct (pointer, category) pairs reported, a pair is correct when
  the leaf is labelled with that category (pairs on unlabelled pointers are wrong);
* lineage / clean: leaves of those labels that received any finding.

Failure messages name pointers, categories and detector ids only. They never include
the scanned values: the data objects below have value-free ``repr``s and every check
fails through ``pytest.fail`` with a message built from pointers.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "corpus" / "labelled.json"

from benchmarks.corpus import CATEGORIES  # noqa: E402

RECALL_FLOOR = {
    "CREDIT_CARD": 0.99,
    "US_SSN": 0.99,
    "CONNECTION_STRING": 0.99,
    "SECRET": 0.99,
    "EMAIL_ADDRESS": 0.97,
    "PHONE_NUMBER": 0.97,
    "IP_ADDRESS": 0.97,
    "IBAN_CODE": 0.97,
}
PRECISION_FLOOR = 0.98
CLEAN_HIT_CEILING = 0.003
MAX_LISTED = 60


def _load_corpus_module():  # noqa: ANN201 - the benchmarks' corpus generator module
    from benchmarks import corpus

    return corpus


@dataclass(repr=False)
class Corpus:
    runs: list
    labels: dict[str, str]
    leaf_types: dict[str, type]

    def __repr__(self) -> str:
        return f"<Corpus {len(self.runs)} runs, {len(self.labels)} labelled leaves>"


@dataclass(repr=False)
class ScanResult:
    corpus: Corpus
    # pointer -> {(category, detector)}
    hits: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    n_findings: int = 0

    def __repr__(self) -> str:
        return f"<ScanResult {self.n_findings} findings on {len(self.hits)} leaves>"

    def categories_at(self, pointer: str) -> set[str]:
        return {c for c, _ in self.hits.get(pointer, ())}

    def describe(self, pointer: str) -> str:
        hits = sorted(self.hits.get(pointer, ()))
        got = ", ".join(f"{c}<-{d}" for c, d in hits) or "no finding"
        label = self.corpus.labels.get(pointer, "UNLABELLED")
        return f"  {pointer}  [label {label}]  got: {got}"


def _pointers(labels: dict[str, str], label: str) -> list[str]:
    return [p for p, lab in labels.items() if lab == label]


def _listing(result: ScanResult, pointers: list[str]) -> str:
    shown = "\n".join(result.describe(p) for p in pointers[:MAX_LISTED])
    more = f"\n  ... and {len(pointers) - MAX_LISTED} more" if len(pointers) > MAX_LISTED else ""
    return shown + more


def _recall(result: ScanResult, cat: str) -> tuple[float, list[str], int]:
    wanted = _pointers(result.corpus.labels, cat)
    missed = [p for p in wanted if cat not in result.categories_at(p)]
    return (1 - len(missed) / len(wanted)) if wanted else 1.0, missed, len(wanted)


def _pairs(result: ScanResult) -> list[tuple[str, str]]:
    return sorted({(p, c) for p, hits in result.hits.items() for c, _ in hits})


def _summary(result: ScanResult) -> str:
    labels = result.corpus.labels
    lines = ["per-category recall / precision:"]
    pairs = _pairs(result)
    for cat in CATEGORIES:
        r, missed, n = _recall(result, cat)
        reported = [p for p, c in pairs if c == cat]
        ok = sum(labels.get(p) == cat for p in reported)
        prec = ok / len(reported) if reported else 1.0
        lines.append(
            f"  {cat:18s} recall {r:6.2%} ({n - len(missed)}/{n})  "
            f"precision {prec:6.2%} ({ok}/{len(reported)})"
        )
    return "\n".join(lines)


def _fail(message: str) -> None:
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)


# ------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    with FIXTURE.open(encoding="utf-8") as fh:
        data = json.load(fh)
    mod = _load_corpus_module()
    leaf_types = {p: type(v) for p, v in mod.iter_leaves(data["runs"])}
    return Corpus(runs=data["runs"], labels=data["labels"], leaf_types=leaf_types)


@pytest.fixture(scope="module")
def result(corpus: Corpus) -> ScanResult:
    import redact

    findings = redact.scan(corpus.runs)
    out = ScanResult(corpus=corpus, n_findings=len(findings))
    hits: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for f in findings:
        hits[f.pointer].add((f.category, f.detector))
    out.hits = dict(hits)
    return out


# ------------------------------------------------------------------ tests


def test_fixture_matches_generator(corpus: Corpus) -> None:
    """fixtures/corpus/labelled.json is exactly generate(400, 7): file and generator in sync."""
    __tracebackhide__ = True
    mod = _load_corpus_module()
    runs, labels = mod.generate(400, 7)
    if labels != corpus.labels:
        diff = sorted(set(labels) ^ set(corpus.labels)) or sorted(
            p for p in labels if labels[p] != corpus.labels.get(p)
        )
        _fail(
            "fixture labels differ from generate(400, 7) at "
            f"{len(diff)} pointers, e.g. {diff[:20]}; regenerate with "
            "`python benchmarks/corpus.py --write fixtures/corpus/labelled.json`"
        )
    if runs != corpus.runs:
        gen_leaves = dict(mod.iter_leaves(runs))
        file_leaves = dict(mod.iter_leaves(corpus.runs))
        diff = sorted(
            p
            for p in set(gen_leaves) | set(file_leaves)
            if gen_leaves.get(p, object()) != file_leaves.get(p, object())
        )
        _fail(
            f"fixture runs differ from generate(400, 7) at {len(diff)} leaves, e.g. {diff[:20]}; "
            "regenerate with `python benchmarks/corpus.py --write fixtures/corpus/labelled.json`"
        )


@pytest.mark.parametrize("category", CATEGORIES)
def test_recall_per_category(result: ScanResult, category: str) -> None:
    """Pins recall per category: >= 0.99 for cards, SSNs, connection strings and secrets,
    >= 0.97 for e-mail, phone, IP and IBAN (a leaf counts when a finding of that category
    points at it)."""
    __tracebackhide__ = True
    recall, missed, n = _recall(result, category)
    floor = RECALL_FLOOR[category]
    if recall < floor:
        _fail(
            f"{category} recall {recall:.2%} < {floor:.0%} ({len(missed)} of {n} leaves missed)\n"
            f"{_summary(result)}\nmissed leaves (what the engine reported there instead):\n"
            f"{_listing(result, missed)}"
        )


def test_overall_precision(result: ScanResult) -> None:
    """Pins overall precision >= 0.98 over distinct (pointer, category) findings: a finding is
    correct only when its leaf is labelled with its category."""
    __tracebackhide__ = True
    labels = result.corpus.labels
    pairs = _pairs(result)
    if not pairs:
        _fail("scan returned no findings at all")
    wrong = [(p, c) for p, c in pairs if labels.get(p) != c]
    precision = 1 - len(wrong) / len(pairs)
    if precision < PRECISION_FLOOR:
        by_label: dict[str, int] = defaultdict(int)
        for p, _ in wrong:
            by_label[labels.get(p, "UNLABELLED")] += 1
        wrong_ptrs = sorted({p for p, _ in wrong})
        _fail(
            f"precision {precision:.2%} < {PRECISION_FLOOR:.0%}: {len(wrong)} of {len(pairs)} "
            f"reported (pointer, category) pairs are wrong; wrong pairs by true label: "
            f"{dict(sorted(by_label.items()))}\n{_summary(result)}\nwrong leaves:\n"
            f"{_listing(result, wrong_ptrs)}"
        )


def test_no_findings_on_lineage(result: ScanResult) -> None:
    """Pins that lineage identifiers (git SHAs, run ids, UUIDs, sha256/md5 digests, image
    digests) are never reported, whatever digit runs they contain."""
    __tracebackhide__ = True
    lineage = _pointers(result.corpus.labels, "LINEAGE")
    touched = [p for p in lineage if p in result.hits]
    if touched:
        _fail(f"{len(touched)} of {len(lineage)} LINEAGE leaves got findings:\n{_listing(result, touched)}")


def test_clean_leaves_rarely_flagged(result: ScanResult) -> None:
    """Pins the false-positive rate on CLEAN decoys (placeholders, env refs, versions, timestamps,
    Luhn-invalid numbers, invalid SSNs, credential-free URIs...): at most 0.3% of CLEAN string/int
    leaves may receive any finding (findings on CLEAN float/bool/null leaves count too)."""
    __tracebackhide__ = True
    corpus = result.corpus
    clean = _pointers(corpus.labels, "CLEAN")
    denominator = sum(1 for p in clean if corpus.leaf_types[p] in (str, int))
    touched = sorted(p for p in clean if p in result.hits)
    rate = len(touched) / denominator
    if rate > CLEAN_HIT_CEILING:
        _fail(
            f"{len(touched)} of {denominator} CLEAN string/int leaves flagged ({rate:.3%} > "
            f"{CLEAN_HIT_CEILING:.1%}):\n{_listing(result, touched)}"
        )


def test_findings_point_at_labelled_leaves(result: ScanResult) -> None:
    """Pins that every finding's pointer is an RFC 6901 pointer to an existing scalar leaf of
    the scanned list (JSON-in-string findings point at the string leaf, not inside it)."""
    __tracebackhide__ = True
    unknown = sorted(p for p in result.hits if p not in result.corpus.labels)
    if unknown:
        _fail(f"{len(unknown)} findings point at pointers that are not leaves:\n{_listing(result, unknown)}")
