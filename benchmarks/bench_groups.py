#!/usr/bin/env python
"""Cold scan time of the benchmark corpus by group of values: clean, lineage, sensitive.

Usage::

    python benchmarks/bench_groups.py [--runs 400] [--seed 7] [--repeat 3]

Each str/int leaf of ``corpus.generate(runs, seed)`` becomes a one-key mapping under its
own key (the last token of its JSON pointer), and the leaves of each label group are
scanned in one ``scan`` call by a new scanner with redact's process-wide caches emptied,
as bench_scan.py's cold run does (CPU time, best of ``--repeat``). The sum of the groups
is close to a cold scan of the whole corpus; what each group costs per value says where
cold time goes.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import corpus  # noqa: E402
from benchmarks.bench_scan import _clear_redact_caches, _unescape  # noqa: E402


def groups(runs: list, labels: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"clean": [], "lineage": [], "sensitive": []}
    for pointer, value in corpus.iter_leaves(runs):
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            continue
        name = {"CLEAN": "clean", "LINEAGE": "lineage"}.get(labels[pointer], "sensitive")
        out[name].append({_unescape(pointer.rsplit("/", 1)[1]): value})
    return out


def cold_seconds(items: list[dict[str, Any]], repeat: int) -> float:
    import redact

    best = float("inf")
    for _ in range(repeat):
        scanner = redact.build_scanner()
        _clear_redact_caches()
        gc.collect()
        start = time.process_time()
        scanner.scan(items)
        best = min(best, time.process_time() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    runs, labels = corpus.generate(args.runs, args.seed)
    print("| group | values | cold ms | us per value |")
    print("|---|---:|---:|---:|")
    total_n, total_s = 0, 0.0
    for name, items in groups(runs, labels).items():
        seconds = cold_seconds(items, args.repeat)
        total_n, total_s = total_n + len(items), total_s + seconds
        print(f"| {name} | {len(items):,} | {seconds * 1e3:,.0f} | {seconds / len(items) * 1e6:,.1f} |")
    print(f"| all groups | {total_n:,} | {total_s * 1e3:,.0f} | {total_s / total_n * 1e6:,.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
