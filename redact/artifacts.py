"""Text files (tracker artifacts) redacted into a copy, whatever their size.

``redact_file(src, dst, redactor)`` writes the redacted copy of ``src`` to ``dst`` and
returns what happened (never the plaintext). The format comes from the file name, then
from the first bytes:

==========================  ===========================================================
format                      how
==========================  ===========================================================
binary (images, pickles,    passed unchanged (nothing written to ``dst``)
archives, weights, or NUL
bytes in the first 8 KiB)
JSON, YAML, notebooks       parsed whole up to ``artifacts.max_bytes``, so keys (and
                            parents) give context; a ``log_table`` JSON is read as rows
                            with its column names as keys; rewritten only when a value
                            changed; then line by line like text (YAML comments)
CSV, TSV                    streamed row by row, the header's names as keys
everything else             streamed line by line (``k=v``, ``k: v``, ``"k": "v"`` and
(``.txt .log .md .env``     ``--k v`` are keys inside text): ``.jsonl``, INI/CFG, TOML,
``.ini .toml .jsonl`` ...)  ``.properties``, logs, code
==========================  ===========================================================

Memory is bounded for line formats: a line longer than ``artifacts.max_line_bytes`` is
cut at its last blank or separator before the limit. A structured file above the cap is
redacted as text (``over_cap: text``, the default), refused (``block``) or passed
(``pass``). A structured file that does not parse is redacted as text: it is never
passed raw. Bytes that are not UTF-8 survive unchanged (surrogate escapes).
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import hmac
import io
import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

from redact._redactor import Decision, Redactor
from redact.errors import Blocked, RedactError

__all__ = ["ArtifactBlocked", "FileOutcome", "file_kind", "redact_file", "redact_text"]

Kind = Literal["binary", "text", "json", "yaml", "table"]

_BINARY = frozenset(
    [
        "png",
        "jpg",
        "jpeg",
        "gif",
        "bmp",
        "webp",
        "tif",
        "tiff",
        "ico",
        "svgz",
        "pkl",
        "pickle",
        "pt",
        "pth",
        "bin",
        "safetensors",
        "onnx",
        "h5",
        "hdf5",
        "keras",
        "npy",
        "npz",
        "parquet",
        "arrow",
        "feather",
        "orc",
        "avro",
        "zip",
        "gz",
        "tgz",
        "bz2",
        "xz",
        "zst",
        "lz4",
        "tar",
        "7z",
        "rar",
        "whl",
        "egg",
        "so",
        "dll",
        "dylib",
        "exe",
        "pb",
        "tflite",
        "ckpt",
        "joblib",
        "mp3",
        "wav",
        "flac",
        "ogg",
        "mp4",
        "avi",
        "mov",
        "mkv",
        "webm",
        "pdf",
        "db",
        "sqlite",
        "sqlite3",
        "lance",
        "tfrecord",
        "msgpack",
        "ttf",
        "woff",
        "woff2",
        "otf",
        "class",
        "jar",
        "pyc",
    ]
)
_JSON = frozenset({"json", "ipynb"})
_YAML = frozenset({"yaml", "yml"})
_TABLE = {"csv": ",", "tsv": "\t"}
_SNIFF = 8192
_BATCH_LINES = 512
_BATCH_BYTES = 1 << 20
_CUT = b" \t,;&"
_DROPPED_LINE = "[REDACTED:dropped]"
_KEYS = [str(i) for i in range(_BATCH_LINES)]


class ArtifactBlocked(Blocked):
    """A file the policy refuses: a ``block`` action, or a structured file over the cap
    with ``over_cap: block``. Names the file and the detector, never the value."""


@dataclass
class FileOutcome:
    """What ``redact_file`` did: no plaintext, only counts."""

    kind: Kind
    changed: bool = False
    decisions: int = 0
    categories: Counter[str] = field(default_factory=Counter)
    over_cap: bool = False
    found: list[Decision] = field(default_factory=list, repr=False)
    """Every decision that is not ``allow``, its pointer inside the file (a line number
    for text, ``/<row>/<column>`` for tables, the JSON pointer for structured files)."""

    def _add(self, decisions: list[Decision], base: str = "") -> None:
        self.decisions += len(decisions)
        for d in decisions:
            if d.action != "allow":
                self.categories[d.category] += 1
                self.found.append(dataclasses.replace(d, pointer=base + d.pointer) if base else d)


def _suffix(name: str) -> str:
    base = os.path.basename(name).lower()
    return base.rsplit(".", 1)[1] if "." in base.strip(".") else ""


def file_kind(path: str | os.PathLike[str], name: str | None = None) -> Kind:
    """How ``path`` is read: by its name (``name`` when given), then by its first bytes."""
    ext = _suffix(name or os.fspath(path))
    if ext in _BINARY:
        return "binary"
    with open(path, "rb") as f:
        head = f.read(_SNIFF)
    if b"\x00" in head:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the sniff limit
            return "binary"
    if ext in _JSON:
        return "json"
    if ext in _YAML:
        return "yaml"
    if ext in _TABLE:
        return "table"
    return "text"


# ---------------------------------------------------------------------- lines
def _pieces(src: IO[bytes], limit: int) -> Iterator[bytes]:
    """Lines of ``src`` (terminators kept), a longer line cut at its last separator."""
    carry = b""
    while True:
        piece = src.readline(limit)
        if not piece:
            if carry:
                yield carry
            return
        buf = carry + piece
        carry = b""
        if buf.endswith(b"\n") or len(buf) < limit:
            yield buf
            continue
        cut = max(buf.rfind(bytes([c])) for c in _CUT)
        if cut > 0 and len(buf) - cut - 1 < limit // 2:
            yield buf[: cut + 1]
            carry = buf[cut + 1 :]
        else:
            yield buf


def _split_eol(line: str) -> tuple[str, str]:
    if line.endswith("\r\n"):
        return line[:-2], "\r\n"
    if line.endswith("\n") or line.endswith("\r"):
        return line[:-1], line[-1]
    return line, ""


def _redact_lines(
    redactor: Redactor, lines: list[str], outcome: FileOutcome, where: str, first: int = 1
) -> list[str]:
    """Lines (terminators kept) redacted as ``{"<line number>": text}``."""
    bodies = {}
    ends = []
    for i, line in enumerate(lines):
        body, end = _split_eol(line)
        ends.append(end)
        if body:
            bodies[_KEYS[i]] = body
    if not bodies:
        return lines
    result = _run(redactor, bodies, outcome, where, offset=first)
    out = []
    for i, line in enumerate(lines):
        key = _KEYS[i]
        if key not in bodies:
            out.append(line)
        elif key not in result:
            out.append(_DROPPED_LINE + ends[i])
        else:
            out.append(str(result[key]) + ends[i])
    return out


def _renumber(d: Decision, offset: int) -> Decision:
    head, _, rest = d.pointer[1:].partition("/")
    return dataclasses.replace(d, pointer=f"/{int(head) + offset}" + (f"/{rest}" if rest else ""))


def _run(
    redactor: Redactor,
    value: Any,
    outcome: FileOutcome,
    where: str,
    base: str = "",
    offset: int | None = None,
) -> Any:
    """``value`` redacted; with ``offset``, its first key is a batch index (``"0"``...):
    reported as the line or row number ``offset + index`` (keys stay few and stable, so
    per-key caches of the scanner do not grow with the file)."""
    try:
        res = redactor.redact(value)
    except Blocked as exc:
        raise ArtifactBlocked(
            f"{where}{exc.pointer}", exc.category, exc.detector,
            f"blocked: {where} holds a value the policy blocks ({exc.category}, detector {exc.detector})",
        ) from None  # fmt: skip
    decisions = res.decisions if offset is None else [_renumber(d, offset) for d in res.decisions]
    outcome._add(decisions, base)
    if res.changed:
        outcome.changed = True
    return res.value


def _stream_text(
    redactor: Redactor, src: IO[bytes], dst: IO[bytes], outcome: FileOutcome, where: str, limit: int
) -> None:
    batch: list[str] = []
    size = 0
    first = [1]

    def flush() -> None:
        for line in _redact_lines(redactor, batch, outcome, where, first[0]):
            dst.write(line.encode("utf-8", "surrogateescape"))
        first[0] += len(batch)
        batch.clear()

    for raw in _pieces(src, limit):
        batch.append(raw.decode("utf-8", "surrogateescape"))
        size += len(raw)
        if len(batch) >= _BATCH_LINES or size >= _BATCH_BYTES:
            flush()
            size = 0
    if batch:
        flush()


# ---------------------------------------------------------------------- tables
def _column_names(header: list[str]) -> list[str]:
    return [h if h and h not in header[:j] else f"column_{j}" for j, h in enumerate(header)]


def _row_dict(names: list[str], row: list[str]) -> dict[str, str]:
    return {names[j] if j < len(names) else f"column_{j}": c for j, c in enumerate(row)}


def _stream_table(
    redactor: Redactor, src: IO[bytes], dst: IO[bytes], outcome: FileOutcome, where: str, delimiter: str
) -> None:
    reader = csv.reader(io.TextIOWrapper(src, "utf-8", "surrogateescape", newline=""), delimiter=delimiter)
    out = io.TextIOWrapper(dst, "utf-8", "surrogateescape", newline="", write_through=True)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    header: list[str] | None = None
    batch: list[list[str]] = []
    first = [2]  # row numbers as lines: the header is row 1

    def flush() -> None:
        assert header is not None
        names = _column_names(header)
        rows = {_KEYS[i]: _row_dict(names, r) for i, r in enumerate(batch)}
        red = _run(redactor, rows, outcome, where, offset=first[0])
        for i, row in enumerate(batch):
            new = red.get(_KEYS[i], {})
            keys = [names[j] if j < len(names) else f"column_{j}" for j in range(len(row))]
            writer.writerow([new.get(k, _DROPPED_LINE) for k in keys])
        first[0] += len(batch)
        batch.clear()

    for row in reader:
        if header is None:
            (line,) = _redact_lines(redactor, [delimiter.join(row)], outcome, where) if row else [""]
            header = row if line == delimiter.join(row) else next(csv.reader([line], delimiter=delimiter), [])
            writer.writerow(header)
            continue
        batch.append(row)
        if len(batch) >= _BATCH_LINES:
            flush()
    if batch:
        flush()
    out.detach()


# ---------------------------------------------------------------------- structured
def _notebook_blobs(doc: Any) -> list[tuple[dict[str, Any], str, Any]]:
    """Image and other binary outputs of a notebook, set aside while it is redacted."""
    blobs = []
    cells = doc.get("cells") if isinstance(doc, dict) else None
    for cell in cells if isinstance(cells, list) else ():
        if not isinstance(cell, dict):
            continue
        holders = [o.get("data") for o in cell.get("outputs") or () if isinstance(o, dict)]
        holders += list((cell.get("attachments") or {}).values())
        for data in holders:
            if isinstance(data, dict):
                for k in list(data):
                    if k.startswith(("image/", "application/pdf")) and k != "image/svg+xml":
                        blobs.append((data, k, data[k]))
                        data[k] = ""
    return blobs


def _redact_doc(redactor: Redactor, doc: Any, outcome: FileOutcome, where: str) -> Any:
    if (
        isinstance(doc, dict)
        and isinstance(doc.get("columns"), list)
        and isinstance(doc.get("data"), list)
        and all(isinstance(r, list) for r in doc["data"])
    ):  # mlflow.log_table: rows under their column names
        cols = [str(c) for c in doc["columns"]]
        rows = [dict(zip(cols, r, strict=False)) for r in doc["data"]]
        rest = {k: v for k, v in doc.items() if k != "data"}
        red_rest = _run(redactor, rest, outcome, where)
        red_rows = _run(redactor, rows, outcome, where + "/data", "/data")
        if len(red_rows) != len(rows):
            red_rows = [{} for _ in rows]
        data = [[new.get(c) for c in cols[: len(r)]] for r, new in zip(doc["data"], red_rows, strict=True)]
        return {**red_rest, "data": data}
    return _run(redactor, doc, outcome, where)


def _document(text: str, kind: Kind) -> Any:
    """The JSON or YAML document in ``text`` (a mapping or a list), or None when it does
    not parse or is a bare scalar."""
    try:
        if kind == "json":
            doc = json.loads(text)
        else:
            import yaml

            doc = yaml.safe_load(text)
    except Exception:
        return None
    return None if doc is None or isinstance(doc, (str, int, float, bool)) else doc


def _structured(
    redactor: Redactor, text: str, kind: Kind, ext: str, outcome: FileOutcome, where: str
) -> str | None:
    """The redacted text of a JSON or YAML document, or None when it does not parse."""
    doc = _document(text, kind)
    if doc is None:
        return None
    blobs = _notebook_blobs(doc) if ext == "ipynb" else []
    probe = FileOutcome(kind)
    red = _redact_doc(redactor, doc, probe, where)
    for holder, k, v in blobs:
        holder[k] = v
    outcome.decisions += probe.decisions
    outcome.categories.update(probe.categories)
    outcome.found.extend(probe.found)
    if not probe.changed:
        return text
    outcome.changed = True
    if blobs:
        red = _restore_blobs(red, doc)
    if kind == "json":
        stripped = text.lstrip()
        indent = None if "\n" not in text.strip() else _json_indent(stripped)
        dumped = json.dumps(red, indent=indent, ensure_ascii=False)
    else:
        import yaml

        dumped = yaml.safe_dump(red, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return dumped + ("\n" if text.endswith("\n") and not dumped.endswith("\n") else "")


def _restore_blobs(red: Any, original: Any) -> Any:
    """Put a notebook's binary outputs (unchanged in ``original``) back into ``red``."""
    cells_r, cells_o = (red or {}).get("cells"), (original or {}).get("cells")
    if not isinstance(cells_r, list) or not isinstance(cells_o, list) or len(cells_r) != len(cells_o):
        return red
    for cr, co in zip(cells_r, cells_o, strict=True):
        if not isinstance(cr, dict) or not isinstance(co, dict):
            continue
        for outs_r, outs_o in ((cr.get("outputs"), co.get("outputs")),):
            if isinstance(outs_r, list) and isinstance(outs_o, list) and len(outs_r) == len(outs_o):
                for o_r, o_o in zip(outs_r, outs_o, strict=True):
                    _copy_blobs(o_r.get("data") if isinstance(o_r, dict) else None, o_o.get("data"))
        att_r, att_o = cr.get("attachments"), co.get("attachments")
        if isinstance(att_r, dict) and isinstance(att_o, dict):
            for name, data in att_o.items():
                _copy_blobs(att_r.get(name), data)
    return red


def _copy_blobs(dst: Any, src: Any) -> None:
    if isinstance(dst, dict) and isinstance(src, dict):
        for k, v in src.items():
            if k.startswith(("image/", "application/pdf")) and k != "image/svg+xml" and k in dst:
                dst[k] = v


def _json_indent(text: str) -> int:
    lines = text.splitlines()
    for line in lines[1:3]:
        n = len(line) - len(line.lstrip(" "))
        if n:
            return n
    return 2


def redact_text(text: str, redactor: Redactor, *, name: str = "", where: str = "") -> tuple[str, FileOutcome]:
    """The redacted form of a whole text held in memory (``log_text``, a config string),
    read as the file ``name`` would be."""
    ext = _suffix(name)
    kind: Kind = "json" if ext in _JSON else "yaml" if ext in _YAML else "text"
    outcome = FileOutcome(kind)
    where = where or (name or "text")
    if kind != "text":
        red = _structured(redactor, text, kind, ext, outcome, where)
        if red is not None:
            text = red
        else:
            outcome.kind = "text"
    src = io.BytesIO(text.encode("utf-8", "surrogateescape"))
    dst = io.BytesIO()
    _stream_text(redactor, src, dst, outcome, where, 1 << 20)
    return dst.getvalue().decode("utf-8", "surrogateescape"), outcome


def redact_file(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    redactor: Redactor,
    *,
    name: str | None = None,
    where: str | None = None,
    over_cap: str | None = None,
) -> FileOutcome:
    """Write the redacted copy of ``src`` to ``dst`` (not for binary files: nothing is
    written and ``kind`` is ``binary``). ``name`` is the file's name in the tracker (its
    format), ``where`` how errors name it. Raises :class:`ArtifactBlocked` on a block;
    any other failure raises :class:`~redact.errors.RedactError` and ``dst`` must not be
    used (fail closed). ``over_cap`` overrides the policy's ``artifacts.over_cap``."""
    name = name or os.path.basename(os.fspath(src))
    where = where or name
    settings = redactor.policy.artifacts
    kind = file_kind(src, name)
    outcome = FileOutcome(kind)
    if kind == "binary":
        return outcome
    ext = _suffix(name)
    try:
        if kind in ("json", "yaml"):
            size = os.path.getsize(src)
            if size > settings.max_bytes:
                outcome.over_cap = True
                mode = over_cap or settings.over_cap
                if mode == "block":
                    raise ArtifactBlocked(
                        where, "ARTIFACT_OVER_CAP", "artifacts.max_bytes",
                        f"blocked: {where} is {size} bytes, above the policy's artifacts.max_bytes "
                        f"({settings.max_bytes}) for structured files (artifacts.over_cap: block)",
                    )  # fmt: skip
                if mode == "pass":
                    outcome.kind = "binary"
                    return outcome
                kind = outcome.kind = "text"
            else:
                text = Path(src).read_bytes().decode("utf-8", "surrogateescape")
                red = _structured(redactor, text, kind, ext, outcome, where)
                if red is None:
                    outcome.kind = "text"
                    red = text
                with open(dst, "wb") as out:
                    _stream_text(
                        redactor, io.BytesIO(red.encode("utf-8", "surrogateescape")), out, outcome,
                        where, settings.max_line_bytes,
                    )  # fmt: skip
                return outcome
        if kind == "table":
            try:
                with open(src, "rb") as f, open(dst, "wb") as out:
                    _stream_table(redactor, f, out, outcome, where, _TABLE[ext])
                return outcome
            except csv.Error:  # a cell over the csv module's limit, a stray quote: as text
                outcome = FileOutcome("text")
        with open(src, "rb") as f, open(dst, "wb") as out:
            _stream_text(redactor, f, out, outcome, where, settings.max_line_bytes)
        return outcome
    except RedactError:
        raise
    except OSError:
        raise
    except Exception as exc:  # fail closed: the copy is not to be used
        raise RedactError(f"{where}: redaction failed ({type(exc).__name__}); not written") from None


# ---------------------------------------------------------------------- reading (scan)
def file_digest(path: str | os.PathLike[str], key: bytes | None = None) -> str:
    """A 128-bit digest of a file's bytes, streamed (keyed HMAC-SHA256 when ``key``)."""
    h: Any = hmac.new(key, digestmod=hashlib.sha256) if key is not None else hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return str(h.hexdigest()[:32])


def iter_documents(
    path: str | os.PathLike[str], redactor_policy_artifacts: Any, name: str | None = None
) -> Iterator[Any]:
    """The documents to scan in a file, streamed: ``{"<line>": text}`` pages for text,
    ``{"<row>": {column: cell}}`` pages for tables (row 1 is the header), the parsed
    document for JSON and YAML under the cap (else pages of lines); nothing for binary
    files. Pointers inside the file are those :func:`redact_file` reports."""
    settings = redactor_policy_artifacts
    name = name or os.path.basename(os.fspath(path))
    kind = file_kind(path, name)
    if kind == "binary":
        return
    if kind in ("json", "yaml"):
        if os.path.getsize(path) <= settings.max_bytes:
            doc = _document(Path(path).read_bytes().decode("utf-8", "surrogateescape"), kind)
            if doc is not None:
                if _suffix(name) == "ipynb":
                    _notebook_blobs(doc)
                yield doc
                return
        elif settings.over_cap == "pass":
            return
    if kind == "table":
        try:
            yield from _table_pages(path, _TABLE[_suffix(name)])
            return
        except csv.Error:
            pass
    with open(path, "rb") as f:
        page: dict[str, str] = {}
        size = 0
        for n, raw in enumerate(_pieces(f, settings.max_line_bytes), start=1):
            body = _split_eol(raw.decode("utf-8", "surrogateescape"))[0]
            if body:
                page[str(n)] = body
                size += len(raw)
            if len(page) >= _BATCH_LINES or size >= _BATCH_BYTES:
                yield page
                page, size = {}, 0
        if page:
            yield page


def _table_pages(path: str | os.PathLike[str], delimiter: str) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as f:
        reader = csv.reader(io.TextIOWrapper(f, "utf-8", "surrogateescape", newline=""), delimiter=delimiter)
        header: list[str] | None = None
        page: dict[str, Any] = {}
        for n, row in enumerate(reader, start=1):
            if header is None:
                header = row
                page["1"] = delimiter.join(row)
                continue
            page[str(n)] = _row_dict(_column_names(header), row)
            if len(page) >= _BATCH_LINES:
                yield page
                page = {}
        if page:
            yield page
