#!/usr/bin/env python
"""Cost of the MLflow plugin: ``mlflow.log_params`` through ``redact+sqlite`` vs ``sqlite``.

Usage::

    python benchmarks/bench_mlflow.py               # Markdown report
    python benchmarks/bench_mlflow.py --json        # machine-readable results

What is measured (one process, one run, nothing asserted):

* ``mlflow.log_params(params, run_id=...)`` of 100 params (MLflow's limit for one batch)
  into a fresh run, on a plain ``sqlite:///`` store and on ``redact+sqlite:///`` (the
  plugin, built-in default policy), each in its own database file in a temporary folder.
  The two stores alternate call by call so that machine noise hits both; each gets one
  untimed warm-up call (store, tables and Redactor built). Reported: the median and best
  milliseconds per call, the ratio of the medians, and the added microseconds per value.
  Run creation is not timed.
* Two kinds of params: ``corpus`` takes 100 consecutive params of the labelled corpus
  (``benchmarks/corpus.py``; about 10% hold a planted secret or personal value, so the
  plugin also pays for masking them) with different values every repetition, as across
  real runs; ``clean`` is 100 short clean hyperparameter-like values, also different
  every repetition.
* The Redactor alone (what the plugin adds per logging call, without MLflow): one
  ``Redactor.redact({"params": {...}})`` of a typical small dict (8 clean short values),
  microseconds per call and per value, ``warm`` (the same dict again: the scanner's memo
  of clean (key, value) pairs answers) and ``distinct`` (new values every call).

Audit events (the default policy's ``summary: info``) are rendered into the null device.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
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

N_PARAMS = 100
SMALL = {
    "learning_rate": "0.001",
    "batch_size": "64",
    "optimizer": "adamw",
    "epochs": "20",
    "dropout": "0.1",
    "model_name": "resnet50",
    "seed": "42",
    "scheduler": "cosine",
}


def _quiet() -> None:
    import logging

    import structlog

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(open(os.devnull, "w")))  # noqa: SIM115
    import mlflow  # noqa: F401  (configures its loggers on import: quiet them after)

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


def corpus_param_sets(n_sets: int, seed: int) -> list[dict[str, str]]:
    """``n_sets`` dicts of 100 params each, from consecutive runs of the labelled corpus."""
    from corpus import generate

    n_runs, pool = n_sets * 10, []
    while len(pool) < n_sets * N_PARAMS:
        n_runs *= 2
        runs, _ = generate(n_runs, seed)
        pool = [(k, str(v)) for run in runs for k, v in (run.get("params") or {}).items()]
    sets = []
    for i in range(n_sets):
        chunk = pool[i * N_PARAMS : (i + 1) * N_PARAMS]
        params: dict[str, str] = {}
        for key, value in chunk:
            k, n = key, 1
            while k in params:  # keys repeat across runs; MLflow wants them unique per call
                n += 1
                k = f"{key}_{n}"
            params[k] = value[:6000]
        sets.append(params)
    return sets


def clean_param_sets(n_sets: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    names = ["lr", "batch_size", "epochs", "dropout", "weight_decay", "warmup_steps", "layers", "heads"]
    choices = ["adam", "sgd", "relu", "gelu", "cosine", "linear", "bf16", "fp32", "true", "false"]
    sets = []
    for _ in range(n_sets):
        params = {}
        for i in range(N_PARAMS):
            name = f"{names[i % len(names)]}_{i}"
            params[name] = rng.choice(
                [f"{rng.random():.6f}", str(rng.randrange(1, 4096)), rng.choice(choices)]
            )
        sets.append(params)
    return sets


def bench_log_params(param_sets: list[dict[str, str]], workdir: Path) -> dict[str, Any]:
    """Alternate plain / redact ``mlflow.log_params`` calls; the first set warms up."""
    import mlflow
    from mlflow import MlflowClient

    name = f"bench-{time.time_ns()}"
    stores = {
        "plain": f"sqlite:///{workdir / (name + '-plain.db')}",
        "redact": f"redact+sqlite:///{workdir / (name + '-redact.db')}",
    }
    clients = {k: MlflowClient(uri) for k, uri in stores.items()}
    experiments = {k: c.create_experiment(name) for k, c in clients.items()}
    times: dict[str, list[float]] = {"plain": [], "redact": []}
    for i, params in enumerate(param_sets):
        order = ["plain", "redact"] if i % 2 == 0 else ["redact", "plain"]
        for kind in order:
            run_id = clients[kind].create_run(experiments[kind]).info.run_id
            mlflow.set_tracking_uri(stores[kind])
            t0 = time.perf_counter()
            mlflow.log_params(params, run_id=run_id)
            elapsed = time.perf_counter() - t0
            if i > 0:  # set 0 is the warm-up
                times[kind].append(elapsed)
    mlflow.set_tracking_uri(None)
    plain, red = statistics.median(times["plain"]), statistics.median(times["redact"])
    return {
        "calls": len(times["plain"]),
        "plain_median_ms": plain * 1e3,
        "plain_best_ms": min(times["plain"]) * 1e3,
        "redact_median_ms": red * 1e3,
        "redact_best_ms": min(times["redact"]) * 1e3,
        "ratio_median": red / plain,
        "added_us_per_value": (red - plain) / N_PARAMS * 1e6,
    }


def bench_redactor(iterations: int, seed: int) -> dict[str, Any]:
    import redact

    redactor = redact.Redactor(redact.load_policy("default"))
    doc = {"params": dict(SMALL)}
    for _ in range(100):
        redactor.redact(doc)
    t0 = time.perf_counter()
    for _ in range(iterations):
        redactor.redact(doc)
    warm = (time.perf_counter() - t0) / iterations

    rng = random.Random(seed)
    docs = [
        {"params": {k: f"{v}-{rng.randrange(10**6)}" if i % 2 else f"{rng.random():.6f}"
                    for i, (k, v) in enumerate(SMALL.items())}}
        for _ in range(iterations)
    ]  # fmt: skip
    t0 = time.perf_counter()
    for d in docs:
        redactor.redact(d)
    distinct = (time.perf_counter() - t0) / iterations
    n = len(SMALL)
    return {
        "values_per_call": n,
        "warm_us_per_call": warm * 1e6,
        "warm_us_per_value": warm * 1e6 / n,
        "distinct_us_per_call": distinct * 1e6,
        "distinct_us_per_value": distinct * 1e6 / n,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--repeat", type=int, default=30, help="timed log_params calls per store and kind")
    ap.add_argument("--iterations", type=int, default=5000, help="Redactor calls per measurement")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    _quiet()

    import mlflow

    import redact

    results: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "mlflow": mlflow.__version__,
        "redact": redact.__version__,
        "params_per_call": N_PARAMS,
    }
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)  # MLflow's default artifact root is ./mlruns
        try:
            results["log_params"] = {
                "corpus": bench_log_params(corpus_param_sets(args.repeat + 1, args.seed), Path(tmp)),
                "clean": bench_log_params(clean_param_sets(args.repeat + 1, args.seed), Path(tmp)),
            }
        finally:
            os.chdir(cwd)
    results["redactor_small_dict"] = bench_redactor(args.iterations, args.seed)

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    env = f"mlflow {results['mlflow']}, Python {results['python']}, {results['machine']}"
    print(f"# MLflow plugin overhead ({env})\n")
    print(
        f"`mlflow.log_params` of {N_PARAMS} params into a new run, median of {args.repeat} calls per store:\n"
    )
    print("| params | sqlite ms (best) | redact+sqlite ms (best) | ratio | added µs/value |")
    print("|---|---:|---:|---:|---:|")
    for kind, r in results["log_params"].items():
        print(
            f"| {kind} | {r['plain_median_ms']:.2f} ({r['plain_best_ms']:.2f}) "
            f"| {r['redact_median_ms']:.2f} ({r['redact_best_ms']:.2f}) "
            f"| {r['ratio_median']:.2f}x | {r['added_us_per_value']:.1f} |"
        )
    r = results["redactor_small_dict"]
    print(f"\n`Redactor.redact` of a dict of {r['values_per_call']} clean short params:\n")
    print("| case | µs/call | µs/value |")
    print("|---|---:|---:|")
    print(f"| warm (same values again) | {r['warm_us_per_call']:.1f} | {r['warm_us_per_value']:.2f} |")
    print(
        f"| distinct values every call | {r['distinct_us_per_call']:.1f} | {r['distinct_us_per_value']:.2f} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
