"""Plain-path sources: files (JSON, JSONL, YAML, TOML, CSV/TSV, ``.env``, notebooks, any
other text) and folders.

A folder is walked (sorted; symlinked folders, links to files inside the folder and
``.git``/``.hg``/``.svn`` are not followed; :class:`FileSelect` applies ``--include``,
``--exclude`` and ``.redactignore``);
an MLflow file store (``mlruns``: an experiment folder or run folder too) or a W&B run
folder met on the way is read as runs by :mod:`redact.stores.mlflow_files` /
:mod:`redact.stores.wandb_files` instead of as files. Binary files (a NUL byte in the
first 8 KiB) are skipped and counted. A structured file that does not parse is read as
text, so nothing in it goes unscanned, and reported as unreadable; templated YAML (Helm,
Jinja: ``{{`` or ``{%``) is read as text without a report. YAML application tags
(``!function``, ``!Ref``, ``!!python/...``) are ignored and their content read. Every
file record carries its lines, and the inline ``redact:allow`` comments of its text:

* JSON, JSONL, YAML: :func:`lines_for` (nodes composed, not constructed);
* any other text file (``.txt``, ``.log``, ``.ini``, ``.cfg``, ``.properties``, ``.sh``,
  unknown extensions): one document ``{"<line number>": line}`` per 2,000 lines, so the
  pointer is ``/<line>`` and findings carry the column too;
* Jupyter notebooks (``.ipynb``): cell sources and text outputs, at their pointers in the
  notebook's JSON (``/cells/3/source/2``); images are not read;
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
import json
import os
import re
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml

from redact._files import SUFFIXES, is_templated, parse_documents
from redact._yaml import Loc, _index, _Loader, line_of
from redact.errors import InputError
from redact.leaves import split_pointer
from redact.stores.base import Allows, LineLookup, LocLines, Record, ScanStats, Skipped, Task

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = [
    "plan",
    "file_kind",
    "read_file",
    "read_text_as",
    "read_text_file",
    "read_env",
    "read_csv",
    "read_toml",
    "toml_lines",
    "lines_for",
    "lines_in_text",
    "inline_allows",
    "FileSelect",
    "KINDS",
]

KINDS = ("json", "jsonl", "yaml", "toml", "csv", "tsv", "env", "wandb", "sqlite", "notebook", "text")


_BINARY_SNIFF = 8192
_TEXT_CHUNK = 2000  # lines per record of a text file
_SKIP_DIRS = frozenset({".git", ".hg", ".svn"})
_ALLOW = re.compile(r"redact:allow\b(?:[ \t]+([A-Za-z0-9][\w.-]*(?:[ \t]*,[ \t]*[A-Za-z0-9][\w.-]*)*))?")


def file_kind(path: Path) -> str:
    """The reader for ``path`` by its name: a structured kind, or ``text`` for any other
    file (read line by line when it is not binary)."""
    suffix = path.suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    if suffix in (".toml", ".csv", ".tsv", ".wandb"):
        return suffix[1:]
    if suffix in (".db", ".sqlite", ".sqlite3"):
        return "sqlite"
    if suffix == ".ipynb":
        return "notebook"
    name = path.name.lower()
    if name in (".env", ".envrc") or name.startswith(".env.") or suffix == ".env":
        return "env"
    return "text"


def inline_allows(text: str, first_line: int = 1) -> dict[int, frozenset[str]]:
    """``{line: names}`` of the ``redact:allow`` comments in ``text`` (an empty set: every
    detector; else the detector ids or categories named after it, comma-separated)."""
    out: dict[int, frozenset[str]] = {}
    if "redact:allow" not in text:
        return out
    for n, line in enumerate(text.split("\n"), first_line):
        m = _ALLOW.search(line)
        if m is not None:
            names = m.group(1)
            out[n] = frozenset(x.strip() for x in names.split(",")) if names else frozenset()
    return out


# ---------------------------------------------------------------------------- selection
class FileSelect:
    """Which files of a folder are read: ``include`` globs (any, when given), minus
    ``exclude`` globs and the patterns of ``.redactignore`` files, all with ``.gitignore``
    semantics (:mod:`pathspec`): a pattern without ``/`` matches a name at any depth, a
    trailing ``/`` only folders, ``!`` re-includes. Globs are matched against the path
    relative to the folder given to the scan (a file given by name: relative to the
    working folder); a ``.redactignore`` in that folder and one in the working folder
    apply, each relative to where it lies."""

    def __init__(self, include: Sequence[str] = (), exclude: Sequence[str] = (), ignore_files: bool = True):
        import pathspec

        self._spec = pathspec.GitIgnoreSpec
        self.include = self._spec.from_lines(include) if include else None
        self.exclude = self._spec.from_lines(exclude) if exclude else None
        self.ignore_files = ignore_files
        self._ignores: dict[Path, Any] = {}

    def _ignore_spec(self, folder: Path) -> Any:
        key = folder.resolve()
        if key not in self._ignores:
            f = key / ".redactignore"
            spec = None
            if self.ignore_files and f.is_file():
                try:
                    spec = self._spec.from_lines(f.read_text(encoding="utf-8-sig").splitlines())
                except (OSError, UnicodeDecodeError) as exc:
                    raise InputError(f"{f}: cannot read: {exc}") from None
            self._ignores[key] = spec
        return self._ignores[key]

    def skips(self, path: Path, top: Path, is_dir: bool = False) -> bool:
        """Whether ``path`` (below ``top``, the folder given to the scan) is left out."""
        suffix = "/" if is_dir else ""
        rel = _relative(path, top)
        if self.exclude is not None and self.exclude.match_file(rel + suffix):
            return True
        for base in dict.fromkeys((top.resolve(), Path.cwd().resolve())):
            spec = self._ignore_spec(base)
            if spec is not None:
                under = _relative(path, base, none_outside=True)
                if under is not None and spec.match_file(under + suffix):
                    return True
        return bool(not is_dir and self.include is not None and not self.include.match_file(rel))


def _relative(path: Path, base: Path, none_outside: bool = False) -> Any:
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return None if none_outside else path.name


# ---------------------------------------------------------------------------- planning
def plan(
    source: str, parts: int = 1, *, select: FileSelect | None = None, stats: ScanStats | None = None
) -> Iterator[Task]:
    """Tasks for a path: a file, a store folder, or a folder walked for both. ``select``
    leaves files out (counted in ``stats.skipped["ignored"]``)."""
    path = Path(source)
    if path.is_dir():
        yield from _plan_dir(path, parts, select, stats)
    elif path.is_file():
        if select is not None and select.skips(path, Path.cwd()):
            if stats is not None:
                stats.skip("ignored")
            return
        if file_kind(path) == "sqlite":
            from redact.stores import mlflow_sql

            if mlflow_sql.is_mlflow_sqlite(path):
                yield from mlflow_sql.plan_path(path, parts)
                return
            raise InputError(f"{path}: an SQLite database without MLflow's tables")
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


def _plan_dir(top: Path, parts: int, select: FileSelect | None, stats: ScanStats | None) -> Iterator[Task]:
    tasks = _store_tasks(top, parts)
    if tasks is not None:
        yield from tasks
        return
    from redact.stores import mlflow_artifacts

    if mlflow_artifacts.is_artifact_root(top):  # <experiment>/<run>/artifacts/: text artifacts
        yield from mlflow_artifacts.plan_artifact_root(top, str(top))
        return

    def skip(reason: str) -> None:
        if stats is not None:
            stats.skip(reason)

    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        keep = []
        for name in sorted(dirnames):
            sub = here / name
            if sub.is_symlink() or name in _SKIP_DIRS:
                continue
            if select is not None and select.skips(sub, top, is_dir=True):
                skip("ignored")
                continue
            store = _store_tasks(sub, parts)
            if store is None:
                keep.append(name)
            else:
                yield from store
        dirnames[:] = keep
        for name in sorted(filenames):
            f = here / name
            if name == ".redactignore" or not f.is_file() or _duplicate_link(f, top):
                continue
            if select is not None and select.skips(f, top):
                skip("ignored")
                continue
            if file_kind(f) == "sqlite":  # MLflow databases only; other SQLite files are not metadata
                from redact.stores import mlflow_sql

                if mlflow_sql.is_mlflow_sqlite(f):
                    yield from mlflow_sql.plan_path(f, parts)
                else:
                    skip("binary")
            else:
                yield functools.partial(read_file, str(f))


def _duplicate_link(f: Path, top: Path) -> bool:
    """A symlink to a file inside the scanned folder (read there already)."""
    if not f.is_symlink():
        return False
    try:
        f.resolve().relative_to(top.resolve())
    except (ValueError, OSError):
        return False
    return True


# ---------------------------------------------------------------------------- reading
def read_file(path_text: str) -> Iterator[Record]:
    """The records of one file (by :func:`file_kind`). A binary file raises
    :class:`Skipped`; a structured file that does not parse is read as text (so nothing in
    it goes unscanned) and then reported with :class:`InputError`; templated YAML (Helm,
    Jinja) is read as text without an error."""
    path = Path(path_text)
    kind = file_kind(path)
    if kind in ("csv", "tsv"):
        yield from read_csv(path, "\t" if kind == "tsv" else ",")
        return
    if kind == "wandb":
        from redact.stores import wandb_files

        yield from wandb_files.read_log_file(path)
        return
    if kind == "env":
        yield from read_env(path)
        return
    if kind == "text":
        yield from read_text_file(path)
        return
    text = _read_text(path)
    yield from read_text_as(text, kind, path_text, path)


def read_text_as(text: str, kind: str, source: str, path: Path | None = None) -> Iterator[Record]:
    """Records of ``text`` read as ``kind`` (json, jsonl, yaml, toml, notebook, env, text),
    reported as ``source``; lines from ``path`` when given (read again only for findings),
    else from ``text``. What does not parse is read as text, then reported."""
    allows = inline_allows(text) or None
    if kind in ("json", "jsonl", "yaml"):
        if path is not None:
            lines: LineLookup = functools.partial(_json_yaml_lines, path)
        else:
            lines = functools.partial(_text_lines, text, kind)
        try:
            docs = list(parse_documents(text, kind, source))
        except InputError:
            if kind == "yaml" and is_templated(text):  # Helm / Jinja: text until rendered
                yield from _text_records(text.split("\n"), source, 1, allows)
                return
            yield from _text_records(text.split("\n"), source, 1, allows)
            raise
        for prefix, doc in docs:
            yield Record(source, prefix, doc, lines, allows)
    elif kind == "toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"at line (\d+)", str(exc))
            msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
            yield from _text_records(text.split("\n"), source, 1, allows)
            raise InputError(f"{source}:{m.group(1) if m else '?'}: invalid TOML: {msg}") from None
        yield Record(source, (), doc, LocLines(toml_lines(text)), allows)
    elif kind == "notebook":
        yield from _read_notebook(text, source, path, allows)
    elif kind == "env":
        yield from _env_records(text, source, allows)
    else:
        yield from _text_records(text.split("\n"), source, 1, allows)


def _text_lines(text: str, kind: str, pointers: Sequence[str]) -> dict[str, int]:
    return lines_in_text(text, kind, pointers)


class _LineNumbers:
    """Lines of text records: the first pointer segment is the line number."""

    __slots__ = ()

    def __call__(self, pointers: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in pointers:
            head = p[1:].split("/", 1)[0]
            out[p] = int(head) if head.isdigit() else 1
        return out


_LINE_NUMBERS = _LineNumbers()


def _text_records(lines: Sequence[str], source: str, first: int, allows: Allows | None) -> Iterator[Record]:
    """One record per ``_TEXT_CHUNK`` lines: ``{"<line number>": line}`` for non-blank lines."""
    for start in range(0, len(lines), _TEXT_CHUNK):
        doc = {
            str(first + start + i): line.rstrip("\r")
            for i, line in enumerate(lines[start : start + _TEXT_CHUNK])
            if line.strip()
        }
        if doc:
            yield Record(source, (), doc, _LINE_NUMBERS, allows, columns=True)


def _is_binary(head: bytes) -> bool:
    """Binary as git decides it: a NUL byte in the first 8 KiB (UTF-16 text counts too)."""
    return b"\0" in head


def read_text_file(path: Path) -> Iterator[Record]:
    """Any other file, line by line (streamed, bounded memory); binary files raise
    :class:`Skipped`. Bytes that are not UTF-8 are replaced, so offsets stay per line."""
    source = str(path)
    try:
        with path.open("rb") as fh:
            if _is_binary(fh.read(_BINARY_SNIFF)):
                raise Skipped(source, "binary")
            fh.seek(0)
            first = 1
            chunk: list[str] = []
            bom = True
            for raw in fh:
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                if bom:
                    line, bom = line.removeprefix("\ufeff"), False
                chunk.append(line)
                if len(chunk) == _TEXT_CHUNK:
                    allows = inline_allows("\n".join(chunk), first) or None
                    yield from _text_records(chunk, source, first, allows)
                    first += len(chunk)
                    chunk = []
            if chunk:
                allows = inline_allows("\n".join(chunk), first) or None
                yield from _text_records(chunk, source, first, allows)
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None


def _read_notebook(text: str, source: str, path: Path | None, allows: Allows | None) -> Iterator[Record]:
    """A Jupyter notebook: cell sources and text outputs (streams, ``text/*`` and JSON
    data, tracebacks), at their pointers in the notebook's JSON; images are not read."""
    try:
        nb = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}:{exc.lineno}: invalid notebook JSON: {exc.msg}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells", []), list):
        raise InputError(f"{source}: not a Jupyter notebook (no cells list)")
    cells: list[Any] = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            cells.append(None)
            continue
        kept: dict[str, Any] = {"source": cell.get("source", "")}
        outputs: list[dict[str, Any] | None] = []
        for out in cell.get("outputs", []) or []:
            if not isinstance(out, dict):
                outputs.append(None)
                continue
            o: dict[str, Any] = {k: out[k] for k in ("text", "ename", "evalue", "traceback") if k in out}
            data = out.get("data")
            if isinstance(data, dict):
                o["data"] = {
                    mime: v for mime, v in data.items() if mime.startswith("text/") or mime.endswith("json")
                }
            outputs.append(o)
        if outputs:
            kept["outputs"] = outputs
        cells.append(kept)
    doc: dict[str, Any] = {"cells": cells}
    if isinstance(nb.get("metadata"), dict):
        doc["metadata"] = nb["metadata"]
    lines: LineLookup
    if path is not None:
        lines = functools.partial(_json_yaml_lines, path)
    else:
        lines = functools.partial(_text_lines, text, "json")
    yield Record(source, (), doc, lines, allows)


# ---------------------------------------------------------------------------- lines
def _loc_for(pointer: str, lines: dict[Loc, int], skip: int = 0) -> int | None:
    """The line of the deepest node on ``pointer`` (segments after the first ``skip``)."""
    try:
        segments = split_pointer(pointer)[skip:]
    except ValueError:
        return None
    loc: tuple[int | str, ...] = ()
    for seg in segments:
        if seg.isdigit() and (*loc, int(seg)) in lines:
            loc = (*loc, int(seg))
        elif (*loc, seg) in lines:
            loc = (*loc, seg)
        else:
            break
    return line_of(lines, loc)


def _first_index(pointer: str) -> int | None:
    head = pointer[1:].split("/", 1)[0] if pointer.startswith("/") else ""
    return int(head) if head.isdigit() else None


def lines_for(path: Path, pointers: Iterable[str]) -> dict[str, int]:
    """The 1-based line of each pointer's leaf in ``path``.

    JSONL: the record's line (index + 1). JSON (read as YAML) and YAML: the line of the
    node ``redact._yaml`` records for the pointer's path; 1 when the file cannot be mapped.
    """
    kind = SUFFIXES.get(path.suffix.lower()) or ("json" if path.suffix.lower() == ".ipynb" else "yaml")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return {p: 1 for p in pointers}
    return lines_in_text(text, kind, pointers)


def lines_in_text(text: str, kind: str, pointers: Iterable[str]) -> dict[str, int]:
    """:func:`lines_for` on ``text`` already read. Nodes are composed, never constructed,
    so application tags do not matter."""
    wanted = sorted(set(pointers))
    if kind == "jsonl":
        out: dict[str, int] = {}
        for p in wanted:
            index = _first_index(p)
            out[p] = index + 1 if index is not None else 1
        return out
    try:
        docs: list[dict[Loc, int]] = []
        for node in yaml.compose_all(text, Loader=_Loader):
            lines: dict[Loc, int] = {}
            if node is not None:
                _index(node, (), lines)
            docs.append(lines)
    except Exception:  # unreadable as YAML (JSON that YAML rejects, tabs, ...): line 1
        return {p: 1 for p in wanted}
    multi = len(docs) > 1
    out = {}
    for p in wanted:
        line: int | None = None
        if multi:
            index = _first_index(p)
            if index is not None and index < len(docs):
                line = _loc_for(p, docs[index], skip=1)
        elif docs:
            line = _loc_for(p, docs[0])
        out[p] = line or 1
    return out


def _json_yaml_lines(path: Path, pointers: Sequence[str]) -> dict[str, int]:
    return lines_for(path, pointers)


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
    yield from read_text_as(_read_text(path), "toml", str(path), path)


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
    text = _read_text(path)
    yield from _env_records(text, str(path), inline_allows(text) or None)


def _env_records(text: str, source: str, allows: Allows | None) -> Iterator[Record]:
    items = parse_env(text, source)
    last: dict[str, tuple[str, int]] = {}
    shadowed: list[tuple[str, str, int]] = []
    for key, value, line in items:
        if key in last:
            old = last[key]
            shadowed.append((key, old[0], old[1]))
        last[key] = (value, line)
    doc = {k: v for k, (v, _) in last.items()}
    yield Record(source, (), doc, LocLines({(k,): line for k, (_, line) in last.items()}), allows)
    for key, value, line in shadowed:
        yield Record(source, (), {key: value}, LocLines({(key,): line}, default=line), allows)
