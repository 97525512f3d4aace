"""A disk cache of what building a scanner compiles, so a new process does not compile it.

Compiling the catalog takes seconds: its Hyperscan databases (the prefilter, the key
gate), the check that Hyperscan compiles each prefilter of a custom catalog, and well
over a thousand patterns that the ``regex`` module parses in Python. Loading them back takes
milliseconds. Each entry is stored under a name derived from everything that shapes it
(its expressions, ids and flags; the Hyperscan or ``regex`` build, the Python version,
the machine and the CPU's feature flags), with a SHA-256 of its bytes that is checked
before it is used. An entry that is missing, unreadable, damaged or built for another
platform is compiled again: the cache never changes what is detected, only how long the
first scanner of a process takes to build.

A pattern is stored as the ``regex`` module's own pickled form of a compiled pattern
(its code, groups and flags, as ``copyreg`` gives it), written with ``marshal``, which
builds plain data and never calls code; it is rebuilt by the callable ``regex``
registers for unpickling, and used only when its text is the one asked for.

Where: ``$REDACT_CACHE_DIR``, else ``$XDG_CACHE_HOME/redact``, else ``~/.cache/redact``;
``REDACT_CACHE_DIR=`` (empty) turns the cache off. The folder is created private to the
user (0700), and a folder or a file that another user owns or that others may write is
never read: an entry planted there could make the prefilter skip detectors. The cache
holds compiled detector patterns only, never a scanned value. At most ``_KEEP``
files of each kind (databases, pattern and width tables, shape verdicts) are kept, the
least recently used removed first, and files of earlier versions' formats are removed.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import logging
import marshal
import os
import platform
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import regex

__all__ = [
    "cache_dir",
    "compiled_database",
    "shape_checked",
    "compile_regex",
    "pattern_width",
    "save_tables",
]

_log = logging.getLogger("redact.cache")
_MAGIC = b"redact-build-cache 1\n"
_KEEP = 12  # files of each kind kept (a catalog's prefilter and key gate per version and policy)
_lock = threading.Lock()


def cache_dir() -> Path | None:
    """The cache folder (created, private to the user), or None when it is turned off or
    cannot be used."""
    configured = os.environ.get("REDACT_CACHE_DIR")
    if configured is not None:
        if not configured.strip():
            return None
        folder = Path(configured).expanduser()
    else:
        try:
            base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        except (RuntimeError, KeyError):  # (no home: a container's user without an entry)
            return None
        folder = Path(base) / "redact"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder.stat()):
            _log.debug("cache folder %s is not private to this user: not used", folder)
            return None
    except OSError:
        return None
    return folder


def _private(st: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else (POSIX; elsewhere, always)."""
    if not hasattr(os, "getuid"):
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


@lru_cache(maxsize=1)
def _platform_key() -> bytes:
    """What a database depends on besides its patterns: the Hyperscan build, the machine
    and the CPU's feature flags (a database compiled for AVX2 does not run without it)."""
    try:
        import hyperscan

        version = str(getattr(hyperscan, "__version__", "?"))
    except ImportError:  # (patterns are cached without Hyperscan too)
        version = "none"
    flags = ""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    flags = " ".join(sorted(line.partition(":")[2].split()))
                    break
    except OSError:
        flags = platform.processor()
    parts = (version, platform.machine(), platform.system(), flags)
    return "\n".join(parts).encode()


def _name(kind: str, material: Sequence[bytes]) -> str:
    h = hashlib.sha256(_MAGIC + _platform_key())
    for part in material:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return f"{kind}-{h.hexdigest()[:40]}"


def compiled_database(expressions: Sequence[bytes], ids: Sequence[int], flags: Sequence[int]) -> Any:
    """A block-mode Hyperscan database of ``expressions``, loaded from the cache when an
    identical one was compiled before, else compiled (hyperscan.error propagates) and
    stored."""
    import hyperscan

    def compile_() -> Any:
        db = hyperscan.Database()
        db.compile(expressions=list(expressions), ids=list(ids), elements=len(ids), flags=list(flags))
        return db

    folder = cache_dir()
    if folder is None:
        return compile_()
    material = [b"block"] + [b"%d:%d:" % (i, f) + e for e, i, f in zip(expressions, ids, flags, strict=True)]
    path = folder / (_name("hs", material) + ".db")
    blob = _read(path)
    if blob is not None:
        try:
            db = hyperscan.loadb(blob, hyperscan.HS_MODE_BLOCK)
            hyperscan.Scratch(db)  # (fails on a database this CPU cannot run)
            _touch(path)
            return db
        except Exception:  # damaged or foreign: compile it again below
            _log.debug("cached database %s not usable: compiled again", path.name)
    db = compile_()
    _write(path, hyperscan.dumpb(db), prune=True)
    return db


def _read(path: Path) -> bytes | None:
    """The checked payload of a cache file, or None (absent, not ours, damaged)."""
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _private(os.fstat(f.fileno())):
                return None
            data = f.read()
    except OSError:
        return None
    head = len(_MAGIC)
    if not data.startswith(_MAGIC) or len(data) < head + 32:
        return None
    digest, payload = data[head : head + 32], data[head + 32 :]
    if hashlib.sha256(payload).digest() != digest:
        return None
    return payload


def _write(path: Path, payload: bytes, prune: bool = False) -> None:
    """Store ``payload`` atomically (a reader sees the old file or the new one, whole)."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        with os.fdopen(fd, "wb") as f:
            f.write(_MAGIC + hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
        tmp = None
        if prune:
            _prune(path.parent)
    except OSError:
        _log.debug("could not store %s in the cache", path.name)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(path)


# what the cache holds, each kind pruned on its own; and what earlier versions stored
# that nothing reads now (the custom shapes' verdicts as text)
_KINDS = ("hs-*.db", "regex-*.bin", "facts-*.bin", "shapes-*.bin")
_RETIRED = ("shapes-*.txt",)


def _prune(folder: Path) -> None:
    """Keep the ``_KEEP`` most recently written or used files of each kind (a table per
    version of ``regex``, Python and the platform, a database per catalog and policy too),
    and none of what earlier versions stored and nothing reads now."""
    for kind in _KINDS:
        try:
            files = sorted(folder.glob(kind), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[_KEEP:]:
                old.unlink()
        except OSError:
            pass
    for kind in _RETIRED:
        for old in folder.glob(kind):
            with contextlib.suppress(OSError):
                old.unlink()


# ------------------------------------------------------------------ tables
class _Table:
    """A dict of plain data kept in one cache file with ``marshal``: read once per
    process, and written back by :meth:`save` when this process added entries. Past
    ``limit`` entries only those this process used are kept."""

    def __init__(self, kind: str, version: str, limit: int) -> None:
        self._kind, self._version, self._limit = kind, version.encode(), limit
        self._data: dict[str, Any] | None = None
        self._used: set[str] = set()
        self._dirty = False

    def _path(self, folder: Path) -> Path:
        return folder / (_name(self._kind, [self._version]) + ".bin")

    def _loaded(self) -> dict[str, Any]:
        if self._data is None:
            self._data = {}
            folder = cache_dir()
            blob = _read(self._path(folder)) if folder is not None else None
            if blob:
                try:
                    data = marshal.loads(blob)
                except Exception:  # (not a table written by this build)
                    data = None
                if isinstance(data, dict):
                    self._data = data
        return self._data

    def get(self, key: str) -> Any:
        with _lock:
            self._used.add(key)
            return self._loaded().get(key)

    def put(self, key: str, value: Any) -> None:
        with _lock:
            self._used.add(key)
            self._loaded()[key] = value
            self._dirty = True

    def save(self) -> None:
        with _lock:
            if not self._dirty or self._data is None:
                return
            self._dirty = False
            folder = cache_dir()
            if folder is None:
                return
            if len(self._data) > self._limit:
                self._data = {k: v for k, v in self._data.items() if k in self._used}
            try:
                blob = marshal.dumps(self._data)
            except ValueError:
                return
            _write(self._path(folder), blob, prune=True)


# ------------------------------------------------------------------ shape verdicts
# Checking that Hyperscan compiles each prefilter of a custom catalog (a policy's, a
# user's file), one database each, takes tens of milliseconds a shape: the shapes that
# compiled are remembered (by their SHA-256, per platform), so a later process checks only
# new shapes. (The built-in catalog's shapes meet Hyperscan in the prefilter database only.)
_verdicts = _Table("shapes", "single-match", 100_000)


def shape_checked(pattern: str, check: Callable[[str], str | None]) -> str | None:
    """``check(pattern)`` (why Hyperscan cannot compile it, or None), answered from the
    remembered verdicts when this shape compiled before on this platform."""
    digest = hashlib.sha256(pattern.encode("utf-8", "surrogatepass")).hexdigest()
    if _verdicts.get(digest) is True:
        return None
    problem = check(pattern)
    if problem is None:
        _verdicts.put(digest, True)
        _verdicts.save()  # (a catalog may be read with no scanner built after it)
    return problem


# ------------------------------------------------------------------ regex patterns
_compiled: dict[str, regex.Pattern[str]] = {}  # this process' compiled patterns
# the stored pickled forms, by pattern (20,000 kept; past it, only this process' own)
_regexes = _Table("regex", f"{regex.__version__} {sys.version_info[:2]} {marshal.version}", 20_000)
# what Python's own parser reads of a pattern (its least width), by kind and pattern
_facts = _Table("facts", f"{sys.version_info[:3]} {marshal.version}", 50_000)


def _reduced(compiled: regex.Pattern[str]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    """``(rebuild, data)``: how pickle stores a compiled pattern (``regex`` registers it
    with ``copyreg``)."""
    reduce: Callable[[Any], Any] = copyreg.dispatch_table[regex.Pattern]
    rebuild, data = reduce(compiled)[:2]
    return rebuild, data


@lru_cache(maxsize=1)
def _rebuilder() -> Callable[..., Any]:
    """The callable ``regex`` registers to rebuild a pickled pattern from its data."""
    return _reduced(regex.compile(""))[0]


def compile_regex(pattern: str) -> regex.Pattern[str]:
    """``regex.compile(pattern)``, once per process, rebuilt from the disk cache when it
    was compiled before (regex.error propagates)."""
    found = _compiled.get(pattern)
    if found is not None:
        return found
    stored = _regexes.get(pattern)
    compiled = None
    if isinstance(stored, tuple):
        try:
            compiled = _rebuilder()(*stored)
        except Exception:  # (a form of another build of regex: compiled again below)
            compiled = None
        if not isinstance(compiled, regex.Pattern) or compiled.pattern != pattern:
            compiled = None
    if compiled is None:
        compiled = regex.compile(pattern)
        _regexes.put(pattern, _reduced(compiled)[1])
    _compiled[pattern] = compiled
    return compiled


def pattern_width(pattern: str, compute: Callable[[str], int]) -> int:
    """``compute(pattern)``, the least width of a pattern as Python's parser reads it
    (a pure function of the text and the Python version), remembered in the cache."""
    stored = _facts.get("width\0" + pattern)
    if type(stored) is int:
        return stored
    width = compute(pattern)
    _facts.put("width\0" + pattern, width)
    return width


def save_tables() -> None:
    """Store the patterns compiled and the widths read since the tables were read (when
    there are new ones)."""
    _regexes.save()
    _facts.save()
