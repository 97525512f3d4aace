#!/usr/bin/env python
"""Throughput, CPU and memory of ``redact.spark.scan_dataframe`` against the single-process scan.

Usage::

    python benchmarks/bench_spark.py                       # 10,000,000 values, Markdown
    python benchmarks/bench_spark.py --values 2000000      # smaller
    python benchmarks/bench_spark.py --json                # machine-readable results
    python benchmarks/bench_spark.py --data /tmp/runs      # keep (and reuse) the table
    python benchmarks/bench_spark.py --runs "local[1],local[2]" --conf spark.x=y

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
  (``Dataset.to_batches``, 10,000 rows a batch, cells converted by ``arrow_to_python``, one
  ``Scanner.scan`` per cell), one core; the policy is compiled inside the timing.
* ``local[1]`` / ``local[2]``: ``scan_dataframe(df, id_cols=["run_id"]).count()`` on a
  fresh session per master, ``--repeat`` passes (default 3), timed from the action to its
  result. The first pass also starts the Python workers and warms the JVM's JIT and code
  generation: the best of the later passes is reported. Each pass scans with a policy of
  its own, so every worker compiles it within the pass and starts with an empty memo of
  clean values, as a job that scans a table once does (with one policy, a later pass
  finds the earlier pass's values memoised and measures a warm cache).
* CPU accounting, per pass: the CPU seconds (user + system) of the JVM (driver and
  executor in local mode) and of every Python worker process (Spark's worker daemon and
  the workers it forks), read from their cumulative ``cpu_times`` with psutil every 0.05 s
  and at the start and end of the pass (a process that exits between two samples loses
  at most 0.05 s); the JVM's time split by thread (Linux ``/proc``): ``tasks`` (executor
  task threads: Parquet decoding, rows to Arrow batches, reading the results), ``GC``,
  ``JIT`` (C1/C2 compiler threads) and ``other``; the driver's Python side; and the CPU
  that other programs used meanwhile (the machine's busy time minus ours). From these:
  cores busy (our CPU seconds / wall seconds), the JVM's share of our CPU, values per
  CPU second of the Python workers, and the share of task slots running a task (Spark's
  status tracker, polled every 0.1 s: a straggler tail or task launches show as idle).
* Memory: the largest resident set of any Python worker process, and of the JVM,
  sampled with the CPU; measured on the full table and on a quarter of it, with
  ``local[2]``. A worker keeps the policy of the previous pass compiled too.

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


# ---------------------------------------------------------------------------- CPU and memory
def _kind(p: Any) -> str | None:
    """``jvm``, ``worker`` (a Python worker or Spark's worker daemon) or None."""
    name = p.name()
    if "java" in name:
        return "jvm"
    cmd = " ".join(p.cmdline())
    if "pyspark" in cmd or "python" in name:
        return "worker"
    return None


class Sampler(threading.Thread):
    """CPU seconds and peak RSS of this process's descendants, by kind (the JVM, the Python
    workers), sampled every ``interval`` seconds with psutil.

    The CPU time of a process is read from its cumulative ``cpu_times`` (user + system)
    at each sample and the last reading of each process is kept: a process that exits
    between two samples loses at most ``interval`` of CPU. Spark reuses its Python workers
    (``spark.python.worker.reuse``), so workers live as long as the session and every
    pass is read in full. :meth:`mark` takes a synchronous sample and returns the totals
    by kind (and this process's own CPU, the driver's Python side): the difference of two
    marks is the CPU of what ran between them."""

    def __init__(self, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.worker_peak = 0
        self.jvm_peak = 0
        self.workers_seen: set[int] = set()
        self.cpu: dict[int, tuple[str, float]] = {}
        self.sampling_cpu = 0.0  # the sampler's own CPU (in this process)
        self._procs: dict[int, tuple[Any, str]] = {}
        self._lock = threading.Lock()
        self._done = threading.Event()

    def sample(self) -> None:
        import psutil

        t0 = time.thread_time()
        me = psutil.Process()
        with self._lock:
            for p in me.children(recursive=True):
                try:
                    known = self._procs.get(p.pid)
                    if known is None or known[0].create_time() != p.create_time():
                        kind = _kind(p)
                        if kind is None:
                            continue
                        self._procs[p.pid] = known = (p, kind)
                    proc, kind = known
                    with proc.oneshot():
                        rss = proc.memory_info().rss
                        t = proc.cpu_times()
                except psutil.Error:
                    continue
                self.cpu[p.pid] = (kind, t.user + t.system)
                if kind == "jvm":
                    self.jvm_peak = max(self.jvm_peak, rss)
                else:
                    self.worker_peak = max(self.worker_peak, rss)
                    self.workers_seen.add(p.pid)
            self.sampling_cpu += time.thread_time() - t0

    def mark(self) -> dict[str, float]:
        """CPU seconds so far: ``jvm``, ``workers`` (all Python workers), ``driver``, the
        JVM's threads by group (``jvm.tasks``, ``jvm.gc``, ``jvm.jit``, ``jvm.other``) and
        the whole ``machine``."""
        self.sample()
        with self._lock:
            out = {"jvm": 0.0, "workers": 0.0, "driver": time.process_time() - self.sampling_cpu}
            out["machine"] = machine_busy()
            for g in ("tasks", "gc", "jit", "other"):
                out[f"jvm.{g}"] = 0.0
            for pid, (kind, seconds) in self.cpu.items():
                out["jvm" if kind == "jvm" else "workers"] += seconds
                if kind == "jvm":
                    for g, v in jvm_threads(pid).items():
                        if g != "other":
                            out[f"jvm.{g}"] += v
            # the rest of the JVM's time (threads that exited are counted here too)
            out["jvm.other"] = out["jvm"] - out["jvm.tasks"] - out["jvm.gc"] - out["jvm.jit"]
        return out

    def run(self) -> None:
        while not self._done.is_set():
            self.sample()
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


class Slots(threading.Thread):
    """How busy the task slots are: the running tasks of the active stages, polled every
    ``interval`` seconds through Spark's status tracker. :meth:`share` is the mean share of
    the ``slots`` running a task since :meth:`reset` (idle slots: a straggler tail, the
    driver planning, task launches)."""

    def __init__(self, sc: Any, slots: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.tracker = sc.statusTracker()
        self.slots = slots
        self.interval = interval
        self._busy = 0
        self._samples = 0
        self._done = threading.Event()

    def reset(self) -> None:
        self._busy = self._samples = 0

    def share(self) -> float:
        return round(self._busy / (self._samples * self.slots), 3) if self._samples else 0.0

    def run(self) -> None:
        while not self._done.is_set():
            try:
                infos = [self.tracker.getStageInfo(i) for i in self.tracker.getActiveStageIds()]
                active = sum(i.numActiveTasks for i in infos if i is not None)
            except Exception:  # the session is stopping
                break
            self._busy += min(active, self.slots)
            self._samples += 1
            self._done.wait(self.interval)

    def stop(self) -> None:
        self._done.set()
        self.join()


JVM_THREAD_GROUPS = (
    ("gc", ("GC Thread", "G1 ", "VM Thread", "VM Periodic")),
    ("jit", ("C1 CompilerThre", "C2 CompilerThre")),
    ("tasks", ("Executor task",)),
)


def jvm_threads(pid: int) -> dict[str, float]:
    """CPU seconds of a JVM's threads by group (Linux ``/proc``; empty elsewhere):
    ``tasks`` (the executor's task threads, which decode Parquet and write Arrow batches
    to the Python workers), ``gc``, ``jit`` and ``other``."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        group = next((g for g, prefixes in JVM_THREAD_GROUPS if name.startswith(prefixes)), "other")
        out[group] = out.get(group, 0.0) + seconds
    return out


def machine_busy() -> float:
    """CPU seconds the whole machine has been busy (every process, every core)."""
    import psutil

    t = psutil.cpu_times()
    return sum(getattr(t, f, 0.0) for f in ("user", "nice", "system", "irq", "softirq", "steal"))


def cpu_between(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    """CPU seconds by kind between two marks; ``others``: the rest of the machine's busy
    time (other programs sharing the cores, and this process's sampler)."""
    d = {k: b[k] - a[k] for k in a}
    machine = d.pop("machine")
    d["others"] = max(0.0, machine - sum(v for k, v in d.items() if "." not in k))
    return {k: round(v, 2) for k, v in d.items()}


# ---------------------------------------------------------------------------- children
def child_single(data: Path) -> dict[str, Any]:
    import pyarrow.dataset as ds

    from redact._build import build_scanner
    from redact.policy import Policy
    from redact.spark import arrow_to_python

    dataset = ds.dataset(str(data), format="parquet")
    t0, c0, m0 = time.perf_counter(), time.process_time(), machine_busy()
    scanner = build_scanner(Policy(name="bench-single"))  # as in each Spark worker: in the timing
    findings = rows = 0
    for batch in dataset.to_batches(batch_size=10000, columns=["params", "tags", "config"]):
        rows += batch.num_rows
        for column in ("params", "tags", "config"):
            for value in arrow_to_python(batch.column(column)):
                if value is not None:
                    findings += len(scanner.scan(value, (column,)))
    seconds = time.perf_counter() - t0
    cpu = time.process_time() - c0
    others = max(0.0, machine_busy() - m0 - cpu)
    return {
        "rows": rows,
        "findings": findings,
        "seconds": seconds,
        "cpu": {"workers": round(cpu, 2), "others": round(others, 2)},
    }


def spark_conf(total_bytes: int, cores: int) -> dict[str, str]:
    """The session settings of the Spark runs (``--conf`` adds or overrides)."""
    return {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": "2g",
        "spark.sql.files.maxPartitionBytes": str(max(1 << 20, total_bytes // 32)),
    }


def child_spark(
    data: Path, master: str, fraction: float, repeat: int, extra: dict[str, str]
) -> dict[str, Any]:
    from pyspark.sql import SparkSession

    from redact.policy import Policy
    from redact.spark import scan_dataframe

    files = sorted(str(p) for p in data.glob("*.parquet"))
    files = files[: max(1, round(len(files) * fraction))]
    total = sum(os.path.getsize(f) for f in files)
    cores = int(master[len("local[") : -1]) if master.startswith("local[") else 1
    builder = SparkSession.builder.master(master)
    for k, v in {**spark_conf(total, cores), **extra}.items():
        builder = builder.config(k, v)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    sampler = Sampler()
    sampler.start()
    slots = Slots(spark.sparkContext, cores)
    slots.start()
    df = spark.read.parquet(*files)
    rows = df.count()
    passes = []
    for i in range(repeat):  # the first pass also starts workers and warms the JVM's JIT
        # a policy of its own per pass: each pass compiles it in every worker and starts
        # with an empty memo of clean values, as a job that scans a table once does (with
        # one policy, a later pass would find the earlier pass's values memoised)
        policy = Policy(name=f"bench-pass-{i}")
        before = sampler.mark()
        slots.reset()
        t0 = time.perf_counter()
        findings = scan_dataframe(df, id_cols=["run_id"], policy=policy).count()
        seconds = time.perf_counter() - t0
        busy = slots.share()
        passes.append({"seconds": seconds, "cpu": cpu_between(before, sampler.mark()), "slots_busy": busy})
    # the first pass starts the workers and warms the JVM: the best of the later ones
    best = min(passes[1:] or passes, key=lambda p: p["seconds"])
    slots.stop()
    sampler.stop()
    partitions = df.rdd.getNumPartitions()
    spark.stop()
    return {
        "rows": rows,
        "findings": findings,
        "seconds": best["seconds"],
        "cpu": best["cpu"],
        "slots_busy": best["slots_busy"],
        "all_seconds": [round(p["seconds"], 1) for p in passes],
        "partitions": partitions,
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
RUNS = {
    "single": ("single", "", 1.0),
    "local[1]": ("spark", "local[1]", 1.0),
    "local[2]": ("spark", "local[2]", 1.0),
    "local[2] quarter table": ("spark", "local[2]", 0.25),
}


def summarise(name: str, r: dict[str, Any]) -> dict[str, Any]:
    """Throughput and the CPU accounting of one run."""
    values = r["rows"] * VALUES_PER_ROW
    cpu = r["cpu"]
    total = sum(v for k, v in cpu.items() if k != "others" and "." not in k)
    out = {**r, "values": values, "values_per_s": round(values / r["seconds"])}
    out["cpu_total"] = round(total, 2)
    out["cores_busy"] = round(total / r["seconds"], 2)
    if cpu.get("workers"):
        out["values_per_worker_cpu_s"] = round(values / cpu["workers"])
    if "jvm" in cpu:
        out["jvm_share"] = round(cpu["jvm"] / total, 3) if total else 0.0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--values", type=int, default=10_000_000, help="values in the table (100 a row)")
    ap.add_argument("--data", type=Path, default=None, help="table folder to keep and reuse")
    ap.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    ap.add_argument(
        "--repeat", type=int, default=3, help="scans per Spark run (the best after the first is reported)"
    )
    ap.add_argument(
        "--runs", default=",".join(RUNS), help=f"comma-separated runs to measure (of: {', '.join(RUNS)})"
    )
    ap.add_argument(
        "--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting for the Spark runs"
    )
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    extra = dict(c.split("=", 1) for c in args.conf)
    if args.child:
        kind, data = args.child[0], Path(args.child[1])
        if kind == "single":
            out = child_single(data)
        else:
            conf = json.loads(args.child[5])
            out = child_spark(data, args.child[2], float(args.child[3]), int(args.child[4]), conf)
        print(json.dumps(out))
        return

    runs = [r.strip() for r in args.runs.split(",") if r.strip()]
    unknown = [r for r in runs if r not in RUNS]
    if unknown:
        raise SystemExit(f"unknown runs: {', '.join(unknown)} (known: {', '.join(RUNS)})")
    tmp = None
    data = args.data
    if data is None:
        tmp = tempfile.TemporaryDirectory(prefix="redact-bench-spark-")
        data = Path(tmp.name) / "runs"
    made = None
    if not data.exists() or not any(data.glob("*.parquet")):
        made = make_table(data, args.values)
    measured: dict[str, dict[str, Any]] = {}
    for name in runs:
        kind, master, fraction = RUNS[name]
        if kind == "single":
            r = run_child("single", str(data))
        else:
            r = run_child("spark", str(data), master, str(fraction), str(args.repeat), json.dumps(extra))
        measured[name] = summarise(name, r)
    rows = max(r["rows"] for r in measured.values())
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "table": {"rows": rows, "values": rows * VALUES_PER_ROW, "made": made},
        "conf": extra,
        **measured,
    }
    rate = {k: v["values_per_s"] for k, v in measured.items()}
    per_cpu = {k: v.get("values_per_worker_cpu_s") for k, v in measured.items()}
    if "local[1]" in rate and "local[2]" in rate:
        result["speedup local[2]/local[1]"] = round(rate["local[2]"] / rate["local[1]"], 2)
    if "single" in rate:
        for name in ("local[1]", "local[2]"):
            if name in rate:
                slots = int(name[6:-1])
                result[f"per-core {name} / single"] = round(rate[name] / slots / rate["single"], 2)
                if per_cpu.get(name):
                    result[f"per worker CPU {name} / single"] = round(per_cpu[name] / per_cpu["single"], 2)
    # what the CPU seconds allow on otherwise idle cores (contention does not enter): a
    # Python worker uses at most one core, the session at most its slots plus the JVM's
    # threads, the machine at most os.cpu_count() cores
    cores = os.cpu_count() or 1

    def per_value(name: str) -> tuple[float, float]:
        r = measured[name]
        cpu = r["cpu"]
        return cpu["workers"] / r["values"], (cpu.get("jvm", 0.0) + cpu.get("driver", 0.0)) / r["values"]

    def ideal_rate(name: str) -> float:
        w, j = per_value(name)
        slots = int(name[6:-1])
        return 1 / max(w / slots, (w + j) / cores)

    if "local[1]" in measured and "local[2]" in measured:
        result["CPU bound: speedup local[2]/local[1]"] = round(
            ideal_rate("local[2]") / ideal_rate("local[1]"), 2
        )
    if "single" in measured and "local[2]" in measured:
        single_cpu = measured["single"]["cpu"]["workers"] / measured["single"]["values"]
        result["CPU bound: per-core local[2] / single"] = round(ideal_rate("local[2]") / 2 * single_cpu, 2)
    result["load average at the end"] = os.getloadavg()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"table: {rows:,} rows, {rows * VALUES_PER_ROW:,} values ({result['machine']})")
        if extra:
            print(f"conf: {extra}")
        print(
            "\n| run | seconds | values/s | findings | CPU s: Python workers "
            "| CPU s: JVM (tasks / GC / JIT / other) | CPU s: driver "
            "| task slots busy | cores busy | JVM share | values per worker CPU s | CPU s: other programs "
            "| peak worker RSS | peak JVM RSS |"
        )
        print("|---" + "|---:" * 13 + "|")
        for name, r in measured.items():
            cpu = r["cpu"]

            def cell(v: Any, fmt: str = "{}") -> str:
                return "-" if v is None else fmt.format(v)

            cells = [
                name,
                f"{r['seconds']:.1f}",
                f"{r['values_per_s']:,}",
                f"{r['findings']:,}",
                cell(cpu.get("workers"), "{:.1f}"),
                "-"
                if "jvm" not in cpu
                else f"{cpu['jvm']:.1f} ({cpu.get('jvm.tasks', 0):.1f} / {cpu.get('jvm.gc', 0):.1f} / "
                f"{cpu.get('jvm.jit', 0):.1f} / {cpu.get('jvm.other', 0):.1f})",
                cell(cpu.get("driver"), "{:.1f}"),
                cell(r.get("slots_busy"), "{:.0%}"),
                cell(r.get("cores_busy"), "{:.2f}"),
                cell(r.get("jvm_share"), "{:.0%}"),
                cell(r.get("values_per_worker_cpu_s"), "{:,}"),
                cell(cpu.get("others"), "{:.1f}"),
                cell(r.get("worker_peak_mb"), "{} MB"),
                cell(r.get("jvm_peak_mb"), "{} MB"),
            ]
            print("| " + " | ".join(cells) + " |")
        print()
        for k, v in result.items():
            if k.startswith(("speedup", "per-core", "per worker", "CPU bound")):
                print(f"- {k}: {v}")
        print(
            f"- load average at the end: {', '.join(f'{x:.1f}' for x in result['load average at the end'])}"
        )
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
