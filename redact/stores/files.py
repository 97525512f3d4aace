"""Plain-path sources: files (JSON, JSONL, YAML, TOML, CSV/TSV, ``.env``) and folders.

A folder is walked (sorted, symlinked folders are not followed); an MLflow file store
(``mlruns``: an experiment folder or run folder too) or a W&B run folder met on the way is
read as runs by :mod:`redact.stores.mlflow_files` / :mod:`redact.stores.wandb_files`
instead of as files. Files of other types are skipped in folders; given by name they are
an input error. Every file record carries its lines:

* JSON, JSONL, YAML: :func:`redact.report.base.lines_for` (as before);
* TOML: the line of each key, array item and inline-table key;
* CSV/TSV: one document per data row, keyed by the header (duplicate or empty column
  names become ``name_<column>`` / ``<column>``, 0-based); the prefix is the 0-based data
  row index (blank rows are skipped and not counted); the line is the row's first line;
* an MLflow SQLite database (``.db``, ``.sqlite``, ``.sqlite3``; in folders only when it
  holds MLflow's tables): read as :mod:`redact.stores.mlflow_sql` does, reported under its
  path;
* ``.env`` (``.env``, ``.env.*``, ``*.env``, ``.envrc``): ``KEY=VALUE`` lines, ``export``
  prefix, single/double/backtick quotes (double-quoted escapes, values across lines),
  ``#`` comments (inline after whitespace when unquoted); one document ``{KEY: value}``
  (the last assignment wins, as in a shell; earlier assignments of a key are scanned too,
  as documents of their own); a line that is not an assignment is scanned as text under
  its line number (``/12``), so a stray credential is not skipped.
"""

from __future__ import annotations

import csv
import functools
import os
import re
import sys
from array import array
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from redact._files import SUFFIXES, read_documents
from redact._yaml import Loc
from redact.errors import InputError
from redact.leaves import split_pointer
from redact.report import base as report_base
from redact.stores.base import LocLines, Record, Task

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["plan", "file_kind", "read_file", "read_env", "read_csv", "read_toml", "toml_lines", "KINDS"]

KINDS = ("json", "jsonl", "yaml", "toml", "csv", "tsv", "env", "wandb", "sqlite")


def file_kind(path: Path) -> str | None:
    """The reader for ``path`` by its name, or None when it is not a supported file."""
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix in (".toml", ".csv", ".tsv", ".wandb"):
        return suffix[1:]
    if suffix in (".db", ".sqlite", ".sqlite3"):
        return "sqlite"
    name = path.name.lower()
    if name in (".env", ".envrc") or name.startswith(".env.") or suffix == ".env":
        return "env"
    return None


# ---------------------------------------------------------------------------- planning
def plan(source: str, parts: int = 1) -> Iterator[Task]:
    """Tasks for a path: a file, a store folder, or a folder walked for both."""
    path = Path(source)
    if path.is_dir():
        yield from _plan_dir(path, parts)
    elif path.is_file():
        kind = file_kind(path)
        if kind is None:
            raise InputError(
                f"{path}: unsupported file type "
                "(use .json, .jsonl, .yaml, .toml, .csv, .tsv, .env, .wandb or an MLflow .db)"
            )
        if kind == "sqlite":
            from redact.stores import mlflow_sql

            yield from mlflow_sql.plan_path(path, parts)
        else:
            yield functools.partial(read_file, str(path))
    else:
        raise InputError(f"{path}: no such file or folder")


def _store_tasks(folder: Path, parts: int) -> Iterator[Task] | None:
    """Tasks of the store ``folder`` is (MLflow file store or W&B run), or None."""
    from redact.stores import mlflow_files, wandb_files

    if wandb_files.is_run_dir(folder):
        return wandb_files.plan_run(folder, str(folder))
    kind = mlflow_files.store_kind(folder)
    if kind is not None:
        return mlflow_files.plan_path(folder, str(folder), parts, kind)
    return None


def _plan_dir(top: Path, parts: int) -> Iterator[Task]:
    tasks = _store_tasks(top, parts)
    if tasks is not None:
        yield from tasks
        return
    from redact.stores import mlflow_artifacts

    if mlflow_artifacts.is_artifact_root(top):  # <experiment>/<run>/artifacts/: text artifacts
        yield from mlflow_artifacts.plan_artifact_root(top, str(top))
        return
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            sub = here / name
            if sub.is_symlink():
                continue
            store = _store_tasks(sub, parts)
            if store is None:
                keep.append(name)
            else:
                yield from store
        dirnames[:] = keep
        for name in sorted(filenames):
            f = here / name
            kind = file_kind(f)
            if kind == "sqlite":  # MLflow databases only; other SQLite files are not metadata
                from redact.stores import mlflow_sql

                if mlflow_sql.is_mlflow_sqlite(f):
                    yield from mlflow_sql.plan_path(f, parts)
            elif kind is not None and f.is_file():
                yield functools.partial(read_file, str(f))


# ---------------------------------------------------------------------------- reading
def read_file(path_text: str) -> Iterator[Record]:
    """The records of one file (by :func:`file_kind`)."""
    path = Path(path_text)
    kind = file_kind(path)
    if kind in ("json", "jsonl", "yaml"):
        lines = functools.partial(_json_yaml_lines, path)
        for prefix, doc in read_documents(path):
            yield Record(path_text, prefix, doc, lines)
    elif kind == "toml":
        yield from read_toml(path)
    elif kind in ("csv", "tsv"):
        yield from read_csv(path, "\t" if kind == "tsv" else ",")
    elif kind == "env":
        yield from read_env(path)
    elif kind == "wandb":
        from redact.stores import wandb_files

        yield from wandb_files.read_log_file(path)
    else:
        raise InputError(f"{path}: unsupported file type")


def _json_yaml_lines(path: Path, pointers: Sequence[str]) -> dict[str, int]:
    return report_base.lines_for(path, pointers)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


# ---------------------------------------------------------------------------- TOML
def read_toml(path: Path) -> Iterator[Record]:
    text = _read_text(path)
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise InputError(f"{path}:{m.group(1) if m else '?'}: invalid TOML: {msg}") from None
    yield Record(str(path), (), doc, LocLines(toml_lines(text)))


_BARE = re.compile(r"[A-Za-z0-9_-]+")
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|x([0-9A-Fa-f]{2})|(.))", re.S)
_SIMPLE = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\", "e": "\x1b"}


def _unescape(s: str) -> str:
    def sub(m: re.Match[str]) -> str:
        code = m.group(1) or m.group(2) or m.group(3)
        if code:
            return chr(int(code, 16))
        return _SIMPLE.get(m.group(4), m.group(4))

    return _ESCAPE.sub(sub, s)


class _TomlLocator:
    """Walks (already valid) TOML text and records the line of every key, table header,
    array item and inline-table key, as ``{loc: line}``."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0
        self.line = 1
        self.locs: dict[Loc, int] = {}
        self.aot: dict[Loc, int] = {}

    # low level
    def _peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j] if j < len(self.t) else ""

    def _advance(self, k: int = 1) -> None:
        self.line += self.t.count("\n", self.i, self.i + k)
        self.i += k

    def _skip_blank(self, newlines: bool) -> None:
        while self.i < len(self.t):
            c = self.t[self.i]
            if c in " \t\r" or (newlines and c == "\n"):
                self._advance()
            elif c == "#":
                end = self.t.find("\n", self.i)
                self.i = len(self.t) if end < 0 else end
                if not newlines:
                    return
            else:
                return

    def _string(self) -> str:
        t = self.t
        if t.startswith('"""', self.i) or t.startswith("'''", self.i):
            q = t[self.i : self.i + 3]
            j = self.i + 3
            while True:
                end = t.find(q, j)
                if end < 0:
                    raise ValueError("unterminated string")
                if q == '"""':
                    k = end - 1
                    slashes = 0
                    while k >= self.i + 3 and t[k] == "\\":
                        slashes += 1
                        k -= 1
                    if slashes % 2:
                        j = end + 1
                        continue
                while t.startswith(q[0], end + 3):  # up to two quotes belong to the value
                    end += 1
                break
            self._advance(end + 3 - self.i)
            return ""
        q = t[self.i]
        j = self.i + 1
        while j < len(t) and t[j] != q and t[j] != "\n":
            j += 2 if q == '"' and t[j] == "\\" else 1
        raw = t[self.i + 1 : j]
        self._advance(j + 1 - self.i)
        return _unescape(raw) if q == '"' else raw

    def _key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self._skip_blank(False)
            c = self._peek()
            if c in ('"', "'"):
                parts.append(self._string())
            else:
                m = _BARE.match(self.t, self.i)
                if not m:
                    raise ValueError("expected a key")
                parts.append(m.group())
                self.i = m.end()
            self._skip_blank(False)
            if self._peek() == ".":
                self.i += 1
                continue
            return parts

    def _resolve(self, path: Sequence[str]) -> Loc:
        loc: Loc = ()
        for seg in path:
            loc = (*loc, seg)
            if loc in self.aot:
                loc = (*loc, self.aot[loc])
        return loc

    def _set(self, base: Loc, path: Sequence[str]) -> Loc:
        loc = base
        for seg in path:
            loc = (*loc, seg)
            self.locs.setdefault(loc, self.line)
        return loc

    def _value(self, loc: Loc) -> None:
        c = self._peek()
        if c in ('"', "'"):
            self._string()
        elif c == "[":
            self._advance()
            index = 0
            while True:
                self._skip_blank(True)
                if self._peek() in ("]", ""):
                    self._advance()
                    return
                item = (*loc, index)
                self.locs.setdefault(item, self.line)
                self._value(item)
                index += 1
                self._skip_blank(True)
                if self._peek() == ",":
                    self._advance()
        elif c == "{":
            self._advance()
            while True:
                self._skip_blank(True)
                if self._peek() in ("}", ""):
                    self._advance()
                    return
                sub = self._set(loc, self._key())
                self._skip_blank(False)
                self._advance()  # '='
                self._skip_blank(False)
                self._value(sub)
                self._skip_blank(True)
                if self._peek() == ",":
                    self._advance()
        else:
            m = re.compile(r"[^,\]}\n#]*").match(self.t, self.i)
            self.i = m.end() if m else self.i + 1

    def run(self) -> dict[Loc, int]:
        table: Loc = ()
        try:
            while True:
                self._skip_blank(True)
                if self.i >= len(self.t):
                    break
                if self._peek() == "[":
                    double = self._peek(1) == "["
                    self.i += 2 if double else 1
                    path = self._key()
                    self.i += 2 if double else 1
                    if double:
                        base = (*self._resolve(path[:-1]), path[-1])
                        index = self.aot.get(base, -1) + 1
                        self.aot[base] = index
                        self.locs.setdefault(base, self.line)
                        table = (*base, index)
                    else:
                        table = self._resolve(path)
                    self.locs.setdefault(table, self.line)
                    continue
                loc = self._set(table, self._key())
                self._skip_blank(False)
                self._advance()  # '='
                self._skip_blank(False)
                self._value(loc)
        except (ValueError, IndexError):  # a construct this walker does not know: keep what it has
            pass
        return self.locs


def toml_lines(text: str) -> dict[Loc, int]:
    """``{loc: line}`` for a TOML document (locs as in :mod:`redact._yaml`)."""
    return _TomlLocator(text).run()


# ---------------------------------------------------------------------------- CSV
class _RowLines:
    """Lines of CSV records: the first segment of a pointer is the data-row index."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows = array("L")

    def __call__(self, pointers: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in pointers:
            try:
                head = split_pointer(p)[0]
                out[p] = self.rows[int(head)]
            except (ValueError, IndexError):
                out[p] = 1
        return out


def _columns(header: list[str]) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    for j, raw in enumerate(header):
        name = raw.strip()
        if not name:
            name = str(j)
        elif name in seen:
            name = f"{name}_{j}"
        seen.add(name)
        names.append(name)
    return names


def read_csv(path: Path, delimiter: str = ",") -> Iterator[Record]:
    """One record per data row, streamed; lines are known per row."""
    lines = _RowLines()
    source = str(path)
    prev = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            try:
                header = next(reader)
            except StopIteration:
                return
            names = _columns(header)
            prev = reader.line_num
            for row in reader:
                start, prev = prev + 1, reader.line_num
                if not row or all(not cell for cell in row):
                    continue
                doc: dict[str, Any] = {}
                for j, cell in enumerate(row):
                    doc[names[j] if j < len(names) else str(j)] = cell
                index = len(lines.rows)
                lines.rows.append(start)
                yield Record(source, (index,), doc, lines)
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except csv.Error as exc:
        raise InputError(f"{path}:{prev + 1}: invalid CSV: {exc}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


# ---------------------------------------------------------------------------- .env
_ASSIGN = re.compile(r"[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*")
_DQ_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "$": "$", "`": "`"}


def _dq_unescape(s: str) -> str:
    return re.sub(r"\\(.)", lambda m: _DQ_ESCAPES.get(m.group(1), "\\" + m.group(1)), s, flags=re.S)


def parse_env(text: str, where: str = "<env>") -> list[tuple[str, str, int]]:
    """``[(key, value, line)]`` in file order; a non-assignment line is ``(str(line), text, line)``."""
    out: list[tuple[str, str, int]] = []
    lines = text.split("\n")
    n = 0
    while n < len(lines):
        raw = lines[n].rstrip("\r")
        lineno = n + 1
        n += 1
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        m = _ASSIGN.match(raw)
        if m is None:
            out.append((str(lineno), stripped, lineno))
            continue
        key, rest = m.group(1), raw[m.end() :]
        quote = rest[:1]
        if quote in ('"', "'", "`"):
            body = rest[1:]
            while True:
                end = _closing_dq(body) if quote == '"' else body.find(quote)
                if end >= 0:
                    break
                if n >= len(lines):
                    raise InputError(f"{where}:{lineno}: unterminated {quote} quoted value")
                body += "\n" + lines[n].rstrip("\r")
                n += 1
            value = body[:end]
            out.append((key, _dq_unescape(value) if quote == '"' else value, lineno))
        else:
            value = re.split(r"[ \t]+#", rest, maxsplit=1)[0].strip()
            out.append((key, value, lineno))
    return out


def _closing_dq(body: str) -> int:
    i = 0
    while i < len(body):
        if body[i] == "\\":
            i += 2
            continue
        if body[i] == '"':
            return i
        i += 1
    return -1


def read_env(path: Path) -> Iterator[Record]:
    """The file's assignments as one document; shadowed earlier assignments as their own."""
    items = parse_env(_read_text(path), str(path))
    source = str(path)
    last: dict[str, tuple[str, int]] = {}
    shadowed: list[tuple[str, str, int]] = []
    for key, value, line in items:
        if key in last:
            old = last[key]
            shadowed.append((key, old[0], old[1]))
        last[key] = (value, line)
    doc = {k: v for k, (v, _) in last.items()}
    yield Record(source, (), doc, LocLines({(k,): line for k, (_, line) in last.items()}))
    for key, value, line in shadowed:
        yield Record(source, (), {key: value}, LocLines({(key,): line}, default=line))
