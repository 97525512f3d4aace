#!/usr/bin/env python
"""Throughput and determinism of ``redact.redact`` vs Presidio's analyzer + anonymizer.

Usage::

    python benchmarks/bench_redact.py                 # Markdown report
    python benchmarks/bench_redact.py --limit 0       # Presidio on the full corpus too (slow)
    python benchmarks/bench_redact.py --json          # machine-readable results

What is measured (one process, one run):

* the labelled corpus from ``benchmarks/corpus.py`` (``generate(--runs, --seed)``); a
  *value* is one str or int leaf (bools, floats and nulls are not counted), its size is
  ``len(str(value).encode("utf-8"))``; MB = 10**6 bytes;
* one ``Redactor.redact(runs)`` call over the whole list of runs (what ``redact.redact``
  does with a cached Redactor), best of ``--repeat`` (default 3): cold (a new
  ``redact.Redactor(redact.load_policy("default"))`` each repetition, not timed to build)
  and warm (the same Redactor again, as in a long-lived logging hook); the same with an
  ``encrypt`` policy (the default policy with every action ``encrypt``, under a fixed test
  key) to compare with Presidio's ``encrypt`` operator;
* Presidio ``AnalyzerEngine`` built exactly as ``bench_scan.py`` builds it (predefined
  rule-based recognizers, spaCy NER removed, blank ``spacy.blank("en")`` pipeline, entities
  restricted to those that map onto redact's categories), ``analyze()`` once per value, then
  presidio-anonymizer's ``AnonymizerEngine.anonymize()`` on its results with the default
  operator (``replace``: ``<ENTITY_TYPE>``) and with ``encrypt`` (AES-CBC, fixed test key);
  timed per value on a seeded random sample of ``--limit`` values (default 3,000; 0 = all),
  analyzer alone, analyzer + anonymizer, and anonymizer alone (on precomputed results);
* determinism: redact redacts the corpus twice (same Redactor, and a new one) and compares
  the redacted leaves; Presidio anonymizes every sample value it found something in twice
  and compares the outputs (``encrypt`` draws a random IV, so it never repeats);
* what changed, from the corpus labels: the share of sensitive (8 categories), LINEAGE and
  CLEAN leaves whose value differs after redaction / anonymization.

Audit events of ``redact`` (the default policy's ``summary: info``, one per call) are
rendered as usual but written to the null device, so the cost is counted and the report
stays clean.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import random
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for _p in (ROOT, HERE):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from bench_scan import (  # noqa: E402  (after the path set-up)
    CATEGORIES,
    PRESIDIO_ENTITIES,
    WARMUP,
    _load_corpus,
    _version,
    build_presidio,
)

# Fixed, public test keys: benchmark only, never used for real data.
PRESIDIO_TEST_KEY = "bench-test-key-0"  # 16 characters = AES-128, as Presidio's encrypt wants
REDACT_TEST_KEY = base64.b64encode(bytes(range(64))).decode()  # 64-byte AES-SIV key
REDACT_KEY_ENV = "REDACT_BENCH_ENCRYPT_KEY"
ENCRYPT_POLICY = f"""\
version: 1
name: bench-encrypt
extends: default
description: Benchmark only - every action is encrypt, under a fixed test key.
actions:
  default: encrypt
  CREDIT_CARD: encrypt
  US_SSN: encrypt
  CONNECTION_STRING: encrypt
  EMAIL_ADDRESS: encrypt
  PHONE_NUMBER: encrypt
  IBAN_CODE: encrypt
keyring:
  encrypt:
    active: bench
    keys:
      bench: {{env: {REDACT_KEY_ENV}}}
"""


# --------------------------------------------------------------------------- helpers


def _quiet_audit() -> None:
    """Render redact's audit events as usual, into the null device."""
    import structlog

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(open(os.devnull, "w")))  # noqa: SIM115


def _changed_shares(
    before: dict[str, Any], after: dict[str, Any], labels: dict[str, str], pointers: list[str]
) -> dict[str, float | None]:
    """Share of sensitive / LINEAGE / CLEAN leaves (among ``pointers``) whose value changed."""
    groups: dict[str, list[bool]] = {"sensitive": [], "lineage": [], "clean": []}
    for p in pointers:
        label = labels[p]
        group = "lineage" if label == "LINEAGE" else "clean" if label == "CLEAN" else "sensitive"
        a, b = before[p], after.get(p)
        groups[group].append(type(a) is not type(b) or a != b)
    return {f"{g}_changed": (sum(v) / len(v) if v else None) for g, v in groups.items()}


# --------------------------------------------------------------------------- redact


def run_redact(runs: list[Any], policy: Any, repeat: int) -> dict[str, Any]:
    """Best-of-``repeat`` seconds of ``Redactor.redact(runs)``, cold and warm, plus the
    redacted value of each repetition for the determinism check."""
    import redact

    best_cold = best_warm = float("inf")
    outputs: list[str] = []
    result: Any = None
    for _ in range(repeat):
        redactor = redact.Redactor(policy)
        t0 = time.perf_counter()
        result = redactor.redact(runs)
        best_cold = min(best_cold, time.perf_counter() - t0)
        outputs.append(json.dumps(result.value, ensure_ascii=False, sort_keys=False))
        t0 = time.perf_counter()
        again = redactor.redact(runs)
        best_warm = min(best_warm, time.perf_counter() - t0)
        outputs.append(json.dumps(again.value, ensure_ascii=False, sort_keys=False))
    return {
        "cold_s": best_cold,
        "warm_s": best_warm,
        "value": result.value,
        "decisions": len(result.decisions),
        "outputs": outputs,
    }


def _redact_determinism(
    corpus: Any, runs: list[Any], outputs: list[str], labels: dict[str, str]
) -> dict[str, Any]:
    """Compare the redacted leaves of every repetition (same and new Redactors)."""
    before = dict(corpus.iter_leaves(runs))
    first = dict(corpus.iter_leaves(json.loads(outputs[0])))
    redacted = [p for p in before if type(before[p]) is not type(first.get(p)) or before[p] != first.get(p)]
    identical = len(redacted)
    for other in outputs[1:]:
        leaves = dict(corpus.iter_leaves(json.loads(other)))
        identical = min(identical, sum(1 for p in redacted if leaves.get(p) == first[p]))
    return {
        "compared": len(redacted),
        "identical": identical,
        "runs_compared": len(outputs),
        "byte_identical": len(set(outputs)) == 1,
    }


# --------------------------------------------------------------------------- Presidio


def run_presidio(sample: list[tuple[str, Any]], repeat: int) -> dict[str, Any]:
    """Analyzer alone, analyzer + anonymizer (replace, encrypt), anonymizer alone; per value,
    best of ``repeat`` rounds (the measurements interleaved round by round)."""
    from presidio_anonymizer import AnonymizerEngine
    from presidio_anonymizer.entities import OperatorConfig

    t0 = time.perf_counter()
    analyzer = build_presidio()
    anonymizer = AnonymizerEngine()  # type: ignore[no-untyped-call]
    build = time.perf_counter() - t0
    entities = list(PRESIDIO_ENTITIES)
    operators = {
        "replace": None,  # the engine's default operator: replace with <ENTITY_TYPE>
        "encrypt": {"DEFAULT": OperatorConfig("encrypt", {"key": PRESIDIO_TEST_KEY})},
    }
    texts = [(p, str(v)) for p, v in sample]

    def analyze(text: str) -> Any:
        return analyzer.analyze(text=text, language="en", entities=entities)

    for _, text in texts[:WARMUP]:  # lazy-loaded metadata (phonenumbers regions, tldextract)
        for ops in operators.values():
            anonymizer.anonymize(text, analyze(text), ops)

    best: dict[str, float] = {}

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, float("inf")), seconds)

    results: list[Any] = []
    first: dict[str, list[str]] = {}
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        results = [analyze(text) for _, text in texts]
        keep("analyze_s", time.perf_counter() - t0)
        for name, ops in operators.items():
            t0 = time.perf_counter()
            for _, text in texts:
                anonymizer.anonymize(text, analyze(text), ops)
            keep(f"{name}_pipeline_s", time.perf_counter() - t0)
            t0 = time.perf_counter()
            outs = [
                anonymizer.anonymize(text, res, ops).text
                for (_, text), res in zip(texts, results, strict=True)
            ]
            keep(f"{name}_anonymize_s", time.perf_counter() - t0)
            first.setdefault(name, outs)

    out: dict[str, Any] = {"build_s": build, **best, "found_values": sum(1 for r in results if r)}
    with_findings = [i for i, res in enumerate(results) if res]
    for name, ops in operators.items():
        # determinism: anonymize every value with a finding once more (same engine, same results)
        again = {i: anonymizer.anonymize(texts[i][1], results[i], ops).text for i in with_findings}
        out[f"{name}_determinism"] = {
            "compared": len(with_findings),
            "identical": sum(1 for i in with_findings if first[name][i] == again[i]),
        }
        out[f"{name}_after"] = {p: first[name][i] for i, (p, _) in enumerate(texts)}
    return out


# --------------------------------------------------------------------------- report


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "—" if x is None else format(x, fmt)


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def _det(d: dict[str, Any] | None) -> str:
    if not d:
        return "—"
    if not d["compared"]:
        return "n/a"
    verdict = "yes" if d["identical"] == d["compared"] else "no"
    return f"{verdict} ({d['identical']:,}/{d['compared']:,})"


def markdown(result: dict[str, Any]) -> str:
    c = result["corpus"]
    lines = [
        "## redact.redact vs Presidio analyzer + anonymizer",
        "",
        f"Corpus: `generate({c['runs']}, {c['seed']})`: {c['values']:,} values (str/int leaves, "
        f"{c['bytes'] / 1e6:.2f} MB) of {c['leaves']:,} labelled leaves; {c['sensitive']:,} sensitive, "
        f"{c['lineage']:,} lineage, {c['clean']:,} clean. Best of {c['repeat']}: redact on the full "
        f"corpus, Presidio per value on a seeded sample of {c['sample_values']:,} values "
        f"({c['sample_bytes'] / 1e6:.2f} MB){' (the full corpus)' if c['sample_is_full'] else ''}.",
        "",
        "| tool | evaluated on | values/s | MB/s | speed-up vs Presidio analyze + replace "
        "| same output twice | sensitive changed | lineage changed | clean changed |",
        "|---|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for t in result["tools"]:
        sp = t.get("speedup")
        lines.append(
            "| "
            + " | ".join(
                [
                    t["tool"],
                    t["evaluated_on"],
                    _num(t["values_per_s"]),
                    _num(t["mb_per_s"], ".2f"),
                    f"{sp:,.1f}×" if sp else "—",
                    _det(t.get("determinism")),
                    _pct(t.get("sensitive_changed")),
                    _pct(t.get("lineage_changed")),
                    _pct(t.get("clean_changed")),
                ]
            )
            + " |"
        )
    lines += [
        "",
        '"same output twice": redact rows compare every redacted leaf across '
        f"{result.get('redact_outputs_compared', 0)} redactions of the corpus (new and reused "
        "Redactors); Presidio rows anonymize each sample value that has a finding twice with the "
        "same engine. Presidio's `encrypt` is AES-CBC with a random IV, so the same value never "
        "encrypts the same way twice (no joins, no diffs across runs); redact's `encrypt` is "
        "AES-SIV bound to the JSON pointer, deterministic per key and field. `replace` and "
        "redact's `mask` are deterministic.",
        "",
        "Presidio has no SECRET or CONNECTION_STRING detector and sees each value without its "
        'key, so its "sensitive changed" is lower by construction. "anonymize only" rows time '
        "`AnonymizerEngine.anonymize()` on precomputed analyzer results. Engine builds are not "
        f"timed (Presidio analyzer + anonymizer: {result.get('presidio_build_s', 0):.2f} s).",
        "",
        f"Machine: {result['machine']['cpus']} CPU(s), Python {result['machine']['python']}, "
        f"{result['machine']['platform']}; versions: "
        + ", ".join(f"{k} {v}" for k, v in result["versions"].items())
        + ".",
    ]
    if result.get("notes"):
        lines += ["", *(f"Note: {n}" for n in result["notes"])]
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=400, help="runs to generate (default 400)")
    ap.add_argument("--seed", type=int, default=7, help="corpus seed (default 7)")
    ap.add_argument(
        "--limit", type=int, default=3000, help="values in the Presidio sample (0 = all; default 3000)"
    )
    ap.add_argument("--repeat", type=int, default=3, help="redact timing repetitions (best of)")
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--json", action="store_true", help="print machine-readable JSON instead of Markdown")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    _quiet_audit()

    import redact

    corpus = _load_corpus()  # type: ignore[no-untyped-call]
    runs, labels = corpus.generate(args.runs, args.seed)
    before = dict(corpus.iter_leaves(runs))
    leaves = [(p, v) for p, v in before.items() if isinstance(v, (str, int)) and not isinstance(v, bool)]
    size = {p: len(str(v).encode("utf-8")) for p, v in leaves}
    total_bytes = sum(size.values())
    all_ptrs = [p for p, _ in leaves]
    if args.limit and args.limit < len(leaves):
        idx = sorted(random.Random(12345).sample(range(len(leaves)), args.limit))  # as bench_scan
        sample = [leaves[i] for i in idx]
    else:
        sample = list(leaves)
    sample_ptrs = [p for p, _ in sample]
    sample_bytes = sum(size[p] for p in sample_ptrs)
    where_full = f"full corpus ({len(leaves):,})"
    where_sample = where_full if len(sample) == len(leaves) else f"sample ({len(sample):,})"
    counts = corpus.leaf_stats(labels)

    tools: list[dict[str, Any]] = []
    notes: list[str] = []

    def row(
        tool: str, seconds: float | None, n: int, nbytes: int, where: str, **extra: Any
    ) -> dict[str, Any]:
        out = {
            "tool": tool,
            "evaluated_on": where,
            "seconds": seconds,
            "values": n,
            "bytes": nbytes,
            "values_per_s": n / seconds if seconds else None,
            "mb_per_s": nbytes / 1e6 / seconds if seconds else None,
        }
        out.update(extra)
        tools.append(out)
        return out

    # ---- redact: default policy (mask), then every action encrypt
    os.environ[REDACT_KEY_ENV] = REDACT_TEST_KEY
    with tempfile.TemporaryDirectory() as tmp:
        enc_path = Path(tmp) / "bench-encrypt.yaml"
        enc_path.write_text(ENCRYPT_POLICY, encoding="utf-8")
        policies = {
            "mask (default policy)": redact.load_policy("default"),
            "encrypt": redact.load_policy(enc_path),
        }
        redact_outputs = 0
        for label, policy in policies.items():
            r = run_redact(runs, policy, args.repeat)
            after = dict(corpus.iter_leaves(r["value"]))
            det = _redact_determinism(corpus, runs, r["outputs"], labels)
            redact_outputs = det["runs_compared"]
            full = _changed_shares(before, after, labels, all_ptrs)
            for mode, seconds in (("cold: new Redactor", r["cold_s"]), ("warm: same Redactor", r["warm_s"])):
                row(
                    f"redact.redact, {label} ({mode})",
                    seconds,
                    len(leaves),
                    total_bytes,
                    where_full,
                    determinism={k: det[k] for k in ("compared", "identical")},
                    byte_identical_runs=det["byte_identical"],
                    decisions=r["decisions"],
                    **full,
                )
            if len(sample) < len(leaves):
                row(
                    f"redact.redact, {label} (changes on the sample)",
                    None,
                    len(sample),
                    sample_bytes,
                    where_sample,
                    note="same redaction as the full-corpus rows, restricted to the sample",
                    **_changed_shares(before, after, labels, sample_ptrs),
                )

    # ---- Presidio
    presidio_build = None
    base_vps = None
    if not args.skip_presidio:
        try:
            import presidio_anonymizer  # noqa: F401
        except ImportError:
            notes.append(
                "presidio-anonymizer is not installed (`pip install presidio-anonymizer`): "
                "Presidio rows skipped."
            )
        else:
            p = run_presidio(sample, args.repeat)
            presidio_build = p["build_s"]
            n = len(sample)
            sample_before = {ptr: str(v) for ptr, v in sample}
            row(
                "Presidio AnalyzerEngine (analyze only)",
                p["analyze_s"],
                n,
                sample_bytes,
                where_sample,
                values_with_findings=p["found_values"],
            )
            for name in ("replace", "encrypt"):
                changed = _changed_shares(sample_before, p[f"{name}_after"], labels, sample_ptrs)
                r_row = row(
                    f"Presidio analyze + anonymize ({name})",
                    p[f"{name}_pipeline_s"],
                    n,
                    sample_bytes,
                    where_sample,
                    determinism=p[f"{name}_determinism"],
                    **changed,
                )
                if name == "replace":
                    base_vps = r_row["values_per_s"]
                row(
                    f"Presidio anonymize only ({name})",
                    p[f"{name}_anonymize_s"],
                    n,
                    sample_bytes,
                    where_sample,
                    determinism=p[f"{name}_determinism"],
                )

    for t in tools:
        vps = t["values_per_s"]
        t["speedup"] = vps / base_vps if (vps and base_vps) else None

    result = {
        "corpus": {
            "runs": args.runs,
            "seed": args.seed,
            "leaves": len(labels),
            "values": len(leaves),
            "bytes": total_bytes,
            "sensitive": sum(counts[c] for c in CATEGORIES),
            "lineage": counts["LINEAGE"],
            "clean": counts["CLEAN"],
            "labels": counts,
            "sample_values": len(sample),
            "sample_bytes": sample_bytes,
            "sample_is_full": len(sample) == len(leaves),
            "repeat": args.repeat,
        },
        "tools": tools,
        "redact_outputs_compared": redact_outputs,
        "presidio_build_s": presidio_build,
        "notes": notes,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(terse=True),
        },
        "versions": {
            d: _version(d)
            for d in ("redact", "presidio_analyzer", "presidio_anonymizer", "spacy", "cryptography")
        },
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
