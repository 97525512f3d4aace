#!/usr/bin/env python
"""Throughput and memory of ``redact.spark.scan_dataframe`` against the single-process scan.

Usage::

    python benchmarks/bench_spark.py                       # 10,000,000 values, Markdown
    python benchmarks/bench_spark.py --values 1000000      # smaller
    python benchmarks/bench_spark.py --json                # machine-readable results
    python benchmarks/bench_spark.py --data /tmp/runs      # keep (and reuse) the table

What is measured (reported, nothing asserted; targets: ``local[2]`` at least 1.7x
``local[1]``, per-core throughput at least 70% of the single-process scan's, worker
memory flat in the table's size):

* The table: runs-shaped rows written as Parquet with pyarrow (16 files): ``run_id``
  (32 hex), ``params`` (map<string,string>, 60 entries), ``tags`` (map, 10 entries) and
  ``config`` (a JSON string with 30 leaves): 100 values a row besides the id. Values are
  typical of sweeps: repeated hyperparameters, run-specific seeds, paths with run ids, git
  SHAs and dataset digests, and in one run in 500 a planted fake connection string and a
  fake API key, so the scan has findings to report.
* ``single process``: the in-process Scanner over the same rows read with pyarrow
  (``iter_batches``, cells converted as the Spark workers convert them), one core.
* ``local[1]`` / ``local[2]``: ``scan_dataframe(df, id_cols=["run_id"]).count()`` on a
  fresh session per master, ``--repeat`` times (default 2), timed from the action to its
  result; the best is reported. The first pass also starts the Python workers, compiles
  the policy and warms the JVM's JIT and code generation: on a busy machine it took up to
  three times as long as the next.
* Memory: the largest resident set of any Python worker process, and of the JVM
  (driver and executor in local mode), sampled every 0.1 s with psutil; measured on the
  full table and on a quarter of it, with ``local[2]``.

Each measurement runs in a child process (``--child``) so sessions and memory do not mix.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PARAMS, TAGS, CONFIG = 60, 10, 30
VALUES_PER_ROW = PARAMS + TAGS + CONFIG
FILES = 16
_FAKE = "FAKE" + "pw"  # built at run time: no literal credential in the source


# ---------------------------------------------------------------------------- the table
def make_table(path: Path, values: int, seed: int = 11, secret_every: int = 500) -> dict[str, Any]:
    """``values // 100`` runs as Parquet files in ``path``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    rows = max(FILES, values // VALUES_PER_ROW)
    path.mkdir(parents=True, exist_ok=True)
    hexd = "0123456789abcdef"
    lrs = ["0.1", "0.01", "0.001", "0.0003", "3e-05"]
    opts = ["adam", "adamw", "sgd", "lion"]
    models = ["bert-base-uncased", "roberta-large", "resnet50", "gpt2-medium", "t5-small"]
    schema = pa.schema(
        [
            ("run_id", pa.string()),
            ("params", pa.map_(pa.string(), pa.string())),
            ("tags", pa.map_(pa.string(), pa.string())),
            ("config", pa.string()),
        ]
    )
    t0 = time.perf_counter()
    per_file = -(-rows // FILES)
    done = 0
    for f in range(FILES):
        batch: dict[str, list[Any]] = {"run_id": [], "params": [], "tags": [], "config": []}
        for i in range(done, min(rows, done + per_file)):
            run_id = "".join(rng.choice(hexd) for _ in range(32))
            commit = "".join(rng.choice(hexd) for _ in range(40))
            digest = "sha256:" + "".join(rng.choice(hexd) for _ in range(64))
            params = {f"hp_{k}": rng.choice(lrs) for k in range(20)}
            params.update({f"layer_{k}_units": str(rng.choice([64, 128, 256, 512])) for k in range(15)})
            params.update({f"opt_{k}": rng.choice(opts) for k in range(10)})
            params.update(
                {
                    "model": rng.choice(models),
                    "seed": str(rng.randrange(10**6)),
                    "train_path": f"s3://bucket/data/shard-{i % 1000:05d}.parquet",
                    "output_dir": f"/mnt/runs/{run_id}/out",
                    "git_commit": commit,
                    "dataset_digest": digest,
                    "parent_run_id": run_id,
                    "epochs": str(rng.randrange(1, 50)),
                    "warmup_ratio": str(rng.random())[:6],
                    "weight_decay": rng.choice(lrs),
                    "dropout": rng.choice(["0.0", "0.1", "0.2"]),
                    "precision": rng.choice(["bf16", "fp16", "32"]),
                    "num_workers": str(rng.choice([2, 4, 8])),
                    "run_name": f"sweep-{i}",
                    "notes": rng.choice(["baseline", "ablation: no dropout", "longer schedule"]),
                }
            )
            tags = {
                "mlflow.source.git.commit": commit,
                "mlflow.runName": f"sweep-{i}",
                "mlflow.user": rng.choice(["svc-train", "ci"]),
                "mlflow.source.type": "JOB",
                "team": rng.choice(["vision", "nlp"]),
                "stage": rng.choice(["dev", "prod"]),
                "dataset": rng.choice(["imagenet", "c4", "wiki"]),
                "image": f"registry.example.com/train@{digest}",
                "priority": str(rng.randrange(5)),
                "host": f"gpu-{rng.randrange(64)}",
            }
            config = {
                "model": {f"block_{k}": {"dim": rng.choice([256, 512]), "act": "gelu"} for k in range(6)},
                "data": {"path": f"/data/{i % 97}", "digest": digest, "split": "train", "shuffle": True},
                "optim": {"lr": float(rng.choice(lrs)), "betas": [0.9, 0.999], "name": rng.choice(opts)},
                "git_sha": commit,
                "run": run_id,
            }
            if i % secret_every == 0:
                params["db_url"] = f"postgresql://svc:{_FAKE}-{i}@db.internal:5432/app"
                params["api_key"] = "FAKE" + "".join(
                    rng.choice("abcdefghijkmnpqrstuvwxyz0123456789") for _ in range(32)
                )
            batch["run_id"].append(run_id)
            batch["params"].append(params)
            batch["tags"].append(tags)
            batch["config"].append(json.dumps(config))
        done += len(batch["run_id"])
        pq.write_table(pa.table(batch, schema=schema), path / f"part-{f:03d}.parquet", row_group_size=4096)
    return {"rows": done, "values": done * VALUES_PER_ROW, "seconds": round(time.perf_counter() - t0, 1)}


# ---------------------------------------------------------------------------- memory
class Sampler(threading.Thread):
    """Peak RSS of this process's Python worker descendants and of the JVM, every 0.1 s."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.worker_peak = 0
        self.jvm_peak = 0
        self.workers_seen: set[int] = set()
        self._done = threading.Event()

    def run(self) -> None:
        import psutil

        me = psutil.Process()
        while not self._done.is_set():
            for p in me.children(recursive=True):
                try:
                    rss = p.memory_info().rss
                    name = p.name()
                    cmd = " ".join(p.cmdline())
                except psutil.Error:
                    continue
                if "java" in name:
                    self.jvm_peak = max(self.jvm_peak, rss)
                elif "pyspark" in cmd or "python" in name:
                    self.worker_peak = max(self.worker_peak, rss)
                    self.workers_seen.add(p.pid)
            self._done.wait(0.1)

    def stop(self) -> None:
        self._done.set()
        self.join()


# ---------------------------------------------------------------------------- children
def child_single(data: Path) -> dict[str, Any]:
    import pyarrow.dataset as ds

    from redact._build import get_scanner
    from redact.spark import arrow_to_python

    scanner = get_scanner(None)
    scanner.scan({"warm": "up"})
    dataset = ds.dataset(str(data), format="parquet")
    t0 = time.perf_counter()
    findings = rows = 0
    for batch in dataset.to_batches(batch_size=10000):
        rows += batch.num_rows
        for column in ("params", "tags", "config"):
            for value in arrow_to_python(batch.column(column)):
                if value is not None:
                    findings += len(scanner.scan(value, (column,)))
    seconds = time.perf_counter() - t0
    return {"rows": rows, "findings": findings, "seconds": seconds}


def child_spark(data: Path, master: str, fraction: float, repeat: int) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    from redact.spark import scan_dataframe

    files = sorted(str(p) for p in data.glob("*.parquet"))
    files = files[: max(1, round(len(files) * fraction))]
    total = sum(os.path.getsize(f) for f in files)
    spark = (
        SparkSession.builder.master(master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", "2g")
        .config("spark.sql.files.maxPartitionBytes", str(max(1 << 20, total // 32)))
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(*files)
    rows = df.count()
    sampler = Sampler()
    sampler.start()
    times = []
    for _ in range(repeat):  # the first pass also starts workers and warms the JVM's JIT
        t0 = time.perf_counter()
        findings = scan_dataframe(df, id_cols=["run_id"]).count()
        times.append(time.perf_counter() - t0)
    seconds = min(times)
    sampler.stop()
    spark.stop()
    return {
        "rows": rows,
        "findings": findings,
        "seconds": seconds,
        "all_seconds": [round(t, 1) for t in times],
        "worker_peak_mb": round(sampler.worker_peak / 2**20, 1),
        "jvm_peak_mb": round(sampler.jvm_peak / 2**20, 1),
        "workers": len(sampler.workers_seen),
    }


def run_child(*args: str) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"bench child {args} failed")
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--values", type=int, default=10_000_000, help="values in the table (100 a row)")
    ap.add_argument("--data", type=Path, default=None, help="table folder to keep and reuse")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument("--repeat", type=int, default=2, help="scans per Spark run (the best is reported)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, data = args.child[0], Path(args.child[1])
        if kind == "single":
            out = child_single(data)
        else:
            out = child_spark(data, args.child[2], float(args.child[3]), int(args.child[4]))
        print(json.dumps(out))
        return

    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.TemporaryDirectory(prefix="redact-bench-spark-")
        data = Path(tmp.name) / "runs"
    made = None
    if not data.exists() or not any(data.glob("*.parquet")):
        made = make_table(data, args.values)
    single = run_child("single", str(data))
    rep = str(args.repeat)
    one = run_child("spark", str(data), "local[1]", "1", rep)
    two = run_child("spark", str(data), "local[2]", "1", rep)
    quarter = run_child("spark", str(data), "local[2]", "0.25", rep)
    values = single["rows"] * VALUES_PER_ROW

    def rate(r: dict[str, Any]) -> float:
        return r["rows"] * VALUES_PER_ROW / r["seconds"]

    result = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "table": {"rows": single["rows"], "values": values, "made": made},
        "single": {**single, "values_per_s": round(rate(single))},
        "local[1]": {**one, "values_per_s": round(rate(one))},
        "local[2]": {**two, "values_per_s": round(rate(two))},
        "local[2] quarter table": {**quarter, "values_per_s": round(rate(quarter))},
        "speedup local[2]/local[1]": round(rate(two) / rate(one), 2),
        "per-core local[1] / single": round(rate(one) / rate(single), 2),
        "per-core local[2] / single": round(rate(two) / 2 / rate(single), 2),
        "load average at the end": os.getloadavg(),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"table: {single['rows']:,} rows, {values:,} values ({result['machine']})\n")
        print("| run | seconds | values/s | findings | peak Python worker RSS | peak JVM RSS |")
        print("|---|---:|---:|---:|---:|---:|")
        for name in ("single", "local[1]", "local[2]", "local[2] quarter table"):
            r = result[name]
            worker = f"{r['worker_peak_mb']} MB" if "worker_peak_mb" in r else "-"
            jvm = f"{r['jvm_peak_mb']} MB" if "jvm_peak_mb" in r else "-"
            cells = [name, f"{r['seconds']:.1f}", f"{r['values_per_s']:,}", f"{r['findings']:,}", worker, jvm]
            print("| " + " | ".join(cells) + " |")
        print(
            f"\nlocal[2] / local[1]: {result['speedup local[2]/local[1]']}x; per core vs single process: "
            f"local[1] {result['per-core local[1] / single']}, "
            f"local[2] {result['per-core local[2] / single']}"
        )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
