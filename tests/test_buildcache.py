"""The disk cache of the compiled catalog (redact/detect/_buildcache.py): a new process
loads what an earlier one compiled, finds exactly what a compiling one finds, and never
uses an entry that is damaged, foreign, or in a folder others may write."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path

import pytest
import regex

from redact.detect import _buildcache

# a process that builds the default scanner and prints its findings on fixed values, how
# many catalog patterns it compiled and how many pattern widths it parsed; with FORBID_COMPILE set, compiling a Hyperscan
# database fails it
_CHILD = r"""
import json, os, sys
import hyperscan, regex
import redact
from redact.detect import _buildcache, engine
compiled = []
widths = []
parsed = engine._parsed_min_width
engine._parsed_min_width = lambda p: widths.append(p) or parsed(p)
plain = regex.compile
def counted(pattern, *a, **k):
    compiled.append(pattern)
    return plain(pattern, *a, **k)
regex.compile = counted
if os.environ.get("FORBID_COMPILE"):
    def forbidden(*a, **k):
        raise AssertionError("a Hyperscan database was compiled")
    hyperscan.Database = forbidden
scanner = redact.build_scanner()
catalog = [p for p in compiled if p in _buildcache._compiled]
values = json.loads(sys.argv[1])
found = sorted((f.pointer, f.detector, f.start, f.end) for f in scanner.scan(values))
print(json.dumps({"findings": found, "catalog_patterns_compiled": len(catalog), "widths_parsed": len(widths)}))
"""

_VALUES = {
    "db": "postgresql://svc:Zq8vT2pX7mW4@db.internal:5432/app",
    "token": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "note": "card 4111 1111 1111 1111, mail jane.doe@example.org, ip 203.0.113.7",
    "config.secrets.run_uuid": "3f2a9c0e1b7d4e8f9a6b5c4d3e2f1a0b",
}


def _child(folder: Path, forbid: bool = False) -> dict[str, object]:
    env = {**os.environ, "REDACT_CACHE_DIR": str(folder)}
    if forbid:
        env["FORBID_COMPILE"] = "1"
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, json.dumps(_VALUES)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_a_new_process_loads_the_compiled_catalog_and_finds_the_same(tmp_path: Path) -> None:
    """The first process compiles and stores the databases, the pattern table and the
    patterns' widths (the built-in catalog's shapes are checked by compiling its database:
    no verdicts of their own); a second one builds its scanner without compiling any
    Hyperscan database or any catalog pattern, or parsing any width, and reports the same
    findings. Entries whose bytes are damaged, or whose checked payload is not a database
    or a table of this build, are compiled again, with the same findings."""
    folder = tmp_path / "cache"
    first = _child(folder)
    assert first["findings"], "the fixed values hold findings"
    names = sorted(p.name.split("-")[0] for p in folder.iterdir())
    assert names == ["facts", "hs", "hs", "regex"]
    assert first["widths_parsed"] > 500
    second = _child(folder, forbid=True)
    assert second == {"findings": first["findings"], "catalog_patterns_compiled": 0, "widths_parsed": 0}

    for i, entry in enumerate(sorted(folder.iterdir())):
        data = entry.read_bytes()
        if i % 2:  # a flipped byte: the digest no longer holds
            entry.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
        else:  # a well-formed entry holding something else
            _buildcache._write(entry, b"\x00not a database or a table\x00" * 64)
    third = _child(folder)
    assert third["findings"] == first["findings"]
    assert third["catalog_patterns_compiled"] > 0  # (the table was compiled again)
    assert third["widths_parsed"] > 0
    assert _child(folder, forbid=True)["findings"] == first["findings"]  # and stored again


def test_cached_patterns_are_the_patterns_compiled() -> None:
    """A pattern rebuilt from its stored form (through marshal, as on disk) has the text,
    flags and groups of the pattern it was stored from, and finds the same spans in every
    catalog example."""
    from redact._build import builtin_specs

    specs = builtin_specs()
    texts = [str(e.value) for s in specs for e in (*s.examples.positive, *s.examples.negative)]
    patterns = [p for s in specs for p in s.patterns]
    assert len(patterns) > 500
    rebuild = _buildcache._rebuilder()
    for pattern in patterns:
        fresh = regex.compile(pattern)
        again = rebuild(*marshal.loads(marshal.dumps(_buildcache._reduced(fresh)[1])))
        assert (again.pattern, again.flags, again.groupindex) == (
            fresh.pattern,
            fresh.flags,
            fresh.groupindex,
        )
    sample = patterns[:: max(1, len(patterns) // 120)]
    for pattern in sample:
        fresh = regex.compile(pattern)
        again = rebuild(*marshal.loads(marshal.dumps(_buildcache._reduced(fresh)[1])))
        for text in texts:
            a, b = fresh.search(text), again.search(text)
            assert (a and a.span()) == (b and b.span()), pattern


def test_a_folder_others_may_write_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache folder that others may write is never read (an entry planted there could
    make the prefilter skip detectors), nor a file in it that others may write."""
    if not hasattr(os, "getuid"):
        pytest.skip("POSIX permissions")
    folder = tmp_path / "shared"
    folder.mkdir()
    monkeypatch.setenv("REDACT_CACHE_DIR", str(folder))
    assert _buildcache.cache_dir() == folder
    folder.chmod(0o777)
    assert _buildcache.cache_dir() is None
    folder.chmod(0o700)
    entry = folder / "hs-x.db"
    _buildcache._write(entry, b"payload")
    assert _buildcache._read(entry) == b"payload"
    entry.chmod(0o666)
    assert _buildcache._read(entry) is None


def test_an_empty_setting_turns_the_cache_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """REDACT_CACHE_DIR set to nothing turns the cache off; unset, the cache lives under
    XDG_CACHE_HOME."""
    monkeypatch.setenv("REDACT_CACHE_DIR", "")
    assert _buildcache.cache_dir() is None
    monkeypatch.delenv("REDACT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _buildcache.cache_dir() == tmp_path / "redact"
    assert (tmp_path / "redact").stat().st_mode & 0o077 == 0


def test_each_kind_keeps_its_most_recent_files_and_retired_formats_go(tmp_path: Path) -> None:
    """Writing an entry keeps the ``_KEEP`` most recently used files of each kind
    (databases, pattern and width tables, shape verdicts: a new ``regex`` or Python
    version names new tables, and the old ones go in time), never another kind's, and
    removes what earlier versions stored that nothing reads now."""
    keep = _buildcache._KEEP
    for kind, suffix in (("hs", "db"), ("regex", "bin"), ("facts", "bin")):
        for i in range(keep + 3):
            path = tmp_path / f"{kind}-{i:040x}.{suffix}"
            path.write_bytes(b"x")
            os.utime(path, (1_000_000 + i, 1_000_000 + i))
    (tmp_path / f"shapes-{0:040x}.txt").write_text("retired")
    other = tmp_path / "notes.txt"
    other.write_text("not ours")
    _buildcache._write(tmp_path / f"shapes-{1:040x}.bin", b"payload", prune=True)
    for kind in ("hs", "regex", "facts"):
        left = sorted(p.name for p in tmp_path.glob(f"{kind}-*"))
        assert len(left) == keep, kind
        assert left[0].startswith(f"{kind}-{3:040x}")  # (the 3 least recently used went)
    assert [p.name for p in tmp_path.glob("shapes-*")] == [f"shapes-{1:040x}.bin"]
    assert other.exists()
