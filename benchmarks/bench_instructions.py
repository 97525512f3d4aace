#!/usr/bin/env python
"""Instructions executed by one cold scan of the benchmark corpus, counted by callgrind.

Usage::

    python benchmarks/bench_instructions.py [SOURCE_TREE ...]

Timings on a shared machine vary by a third through the day; an instruction count does
not. For each source tree (a checkout of this project; default: this one) a fresh Python
process, with ``PYTHONHASHSEED=0``, builds a scanner, scans the corpus once untimed (lazy
loads of the libraries), builds a new scanner, empties redact's process-wide caches and
scans the corpus again inside ``functools.reduce``, after a full garbage collection (so
that the builds' garbage is not collected inside the scan); callgrind counts only what
runs inside that call (``--toggle-collect=functools_reduce``). Needs valgrind; takes about
ten minutes per tree. Compare two versions as a ratio of their counts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import functools, gc, sys
sys.path.insert(0, {root!r})
from benchmarks import corpus
from benchmarks.bench_scan import _clear_redact_caches
import redact
assert redact.__file__.startswith({root!r}), redact.__file__
runs = corpus.generate(400, 7)[0]
redact.build_scanner().scan(runs)
scanner = redact.build_scanner()
_clear_redact_caches()
gc.collect()  # (the builds' garbage is collected here, not inside the counted scan)
functools.reduce(lambda _, s: s.scan(runs), [scanner], None)
"""


def count(root: Path) -> int:
    """Instructions of one cold scan with the redact package of ``root``."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp, "cold.py")
        script.write_text(_CHILD.format(root=str(root)))
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={tmp}/callgrind.out",
                os.path.realpath(sys.executable),
                str(script),
            ],
            cwd=tmp,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            capture_output=True,
            text=True,
            check=True,
        )
    m = re.search(r"Collected\s*:\s*(\d+)", out.stderr)
    if m is None:
        raise SystemExit(f"callgrind reported no count for {root}")
    return int(m.group(1))


def main(argv: list[str]) -> int:
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    roots = [Path(a).resolve() for a in argv] or [ROOT]
    counts = [count(r) for r in roots]
    for root, n in zip(roots, counts, strict=True):
        ratio = f"  {n / counts[0]:.3f}x the first" if len(counts) > 1 else ""
        print(f"{n / 1e9:.3f} G instructions  {root}{ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
