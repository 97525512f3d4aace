#!/usr/bin/env python
"""Sustained load through the MLflow plugin: threads logging to a local server.

Usage::

    python benchmarks/bench_mlflow_load.py                  # 8 threads, 60 s
    python benchmarks/bench_mlflow_load.py --threads 8 --seconds 10

Starts ``mlflow server`` on 127.0.0.1 (a free port, SQLite backend in a temporary
folder), then ``--threads`` threads each create runs and log params and tags through
``redact+http://127.0.0.1:PORT`` (the plugin, built-in default policy) for ``--seconds``.
Every tenth call carries a planted, generated secret. Afterwards every run is read back
from the server: each param logged must be there exactly once, with its value redacted
where a secret was planted and unchanged otherwise. Prints calls/s and the accounting.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET_URL = "postgresql://svc:Load-Test-Pw-{n}@db.internal:5432/features"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--params-per-call", type=int, default=5)
    args = ap.parse_args(argv)

    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import structlog

    structlog.configure(logger_factory=structlog.PrintLoggerFactory(open(os.devnull, "w")))  # noqa: SIM115
    from mlflow.tracking import MlflowClient

    from tests.mlflow_server import MlflowServer

    with tempfile.TemporaryDirectory() as tmp:
        server = MlflowServer(Path(tmp) / "server", f"sqlite:///{tmp}/server.db").start()
        server.wait_ready()
        try:
            client = MlflowClient(tracking_uri=f"redact+{server.url}")
            exp = client.create_experiment("load")
            logged: dict[str, dict[str, str]] = {}
            lock = threading.Lock()
            calls = [0] * args.threads
            errors: list[str] = []
            stop = time.monotonic() + args.seconds

            def work(t: int) -> None:
                c = MlflowClient(tracking_uri=f"redact+{server.url}")
                n = 0
                while time.monotonic() < stop:
                    run = c.create_run(exp)
                    rid = run.info.run_id
                    sent: dict[str, str] = {}
                    for i in range(4):
                        batch = {f"p{i}_{j}": f"0.{t}{n}{j}" for j in range(args.params_per_call)}
                        if (n + i) % 10 == 0:
                            batch[f"db_{i}"] = SECRET_URL.format(n=n)
                        from mlflow.entities import Param

                        try:
                            c.log_batch(rid, params=[Param(k, v) for k, v in batch.items()])
                        except Exception as exc:  # counted, never hidden
                            errors.append(type(exc).__name__)
                            continue
                        sent.update(batch)
                        n += 1
                    with lock:
                        logged[rid] = sent
                    calls[t] = n

            threads = [threading.Thread(target=work, args=(t,)) for t in range(args.threads)]
            start = time.monotonic()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            elapsed = time.monotonic() - start

            missing = extra = leaked = changed = 0
            reader = MlflowClient(tracking_uri=server.url)
            for rid, sent in logged.items():
                stored = reader.get_run(rid).data.params
                missing += len(set(sent) - set(stored))
                extra += len(set(stored) - set(sent))
                for k, v in sent.items():
                    got = stored.get(k)
                    if k.startswith("db_"):
                        leaked += "Load-Test-Pw" in (got or "")
                    elif got != v:
                        changed += 1
            total_calls = sum(calls)
            params = sum(len(s) for s in logged.values())
            print(
                f"threads={args.threads} seconds={elapsed:.1f} log_batch calls={total_calls} "
                f"({total_calls / elapsed:.1f}/s) params={params} ({params / elapsed:.1f}/s)"
            )
            print(
                f"accounting: runs={len(logged)} missing={missing} extra={extra} "
                f"clean values changed={changed} secrets leaked={leaked} errors={len(errors)}"
            )
            return 0 if not (missing or extra or changed or leaked or errors) else 1
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
