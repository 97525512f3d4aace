"""Fix MLflow file stores (an ``mlruns`` folder, or ``file:///...``).

Values, and the pointer each is redacted at (the MLflow plugin's document shape):

==================================================  ====================================
file                                                pointer
==================================================  ====================================
``<exp>/<run>/params/<key>``                        ``/params/<key>`` (drop deletes it)
``<exp>/<run>/tags/<key>``, ``<exp>/tags/<key>``    ``/tags/<key>`` (drop deletes it)
``<exp>/<run>/meta.yaml`` ``run_name``, ``user_id``  ``/tags/mlflow.runName``, ``/tags/mlflow.user``
``<exp>/meta.yaml`` ``name``                        ``/experiment/name``
``<exp>/datasets/<id>/meta.yaml`` ``name``,         ``/dataset/name``, ``/dataset/source``,
``source``, ``schema``, ``profile``                 ``/dataset/schema``, ``/dataset/profile``
``<exp>/<run>/inputs/<id>/meta.yaml`` ``tags.<k>``   ``/dataset/tags/<k>``
``<exp>/models/<id>/params|tags/<key>``             ``/params/<key>``, ``/tags/<key>``
``models/<name>/meta.yaml`` ``description``         ``/description``
``models/<name>/tags/<key>``                        ``/tags/<key>`` (drop deletes it)
``models/<name>/version-<n>/meta.yaml``             ``/description``, ``/source``,
``description``, ``source``, ``run_link``           ``/run_link``
``models/<name>/version-<n>/tags/<key>``            ``/tags/<key>`` (drop deletes it)
==================================================  ====================================

Deleted experiments (``.trash``) are fixed too. Keys (file names) never change; a param
or tag file is rewritten with the new value's UTF-8 bytes (MLflow writes no newline). In
a ``meta.yaml`` only the value's own characters are replaced (the other bytes of the file
stay as they are), and the result is re-read to check that only that field changed.
Every write goes to a temporary file in the same folder, fsynced, then renamed over the
old one (keeping its mode): a crash leaves the old file or the new one, never half of
one. The old contents can survive in the filesystem's free blocks and in snapshots;
rotate leaked credentials.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from redact.errors import InputError
from redact.fix.changes import Change, FixError
from redact.fix.field import RUN_NAME, USER, FieldRedactor
from redact.fix.journal import fsync_dir
from redact.fix.target import Progress, Target

__all__ = [
    "FileStoreTarget",
    "FolderTarget",
    "is_file_store",
    "yaml_field",
    "replace_yaml_field",
    "atomic_write",
]

_META = "meta.yaml"


def _load_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def is_file_store(path: Path) -> bool:
    """An ``mlruns`` folder: a ``.trash`` folder, or an experiment folder with a meta.yaml."""
    if (path / ".trash").is_dir():
        return True
    for child in path.iterdir():
        meta = child / _META
        if child.is_dir() and meta.is_file():
            data = _load_yaml(meta)
            if isinstance(data, dict) and "experiment_id" in data:
                return True
    return False


# ---------------------------------------------------------------------- YAML in place
def yaml_field(text: str, path: tuple[str, ...]) -> tuple[Any, int, int] | None:
    """The scalar at ``path`` of a YAML mapping: (value, start, end) offsets of its text."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    for part in path:
        if not isinstance(node, yaml.MappingNode):
            return None
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                node = value
                break
        else:
            return None
    if not isinstance(node, yaml.ScalarNode):
        return None
    loaded = yaml.safe_load(text)
    for part in path:
        loaded = loaded[part]
    return loaded, node.start_mark.index, node.end_mark.index


def _double_quoted(value: str) -> str:
    out = ['"']
    for ch in value:
        o = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif (
            o < 0x20
            or 0x7F <= o < 0xA0
            or o in (0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
            or 0xD800 <= o <= 0xDFFF
        ):
            out.append(f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _yaml_scalar(value: str | None) -> str:
    """``value`` as a one-line YAML scalar, in the style PyYAML (and so MLflow) would pick."""
    if value is None:
        return "null"
    dumped = yaml.safe_dump({"k": value}, allow_unicode=True, width=2**30, default_flow_style=False)
    if dumped.startswith("k: ") and dumped.count("\n") == 1:
        scalar = dumped[3:-1]
        if yaml.safe_load("k: " + scalar) == {"k": value}:
            return scalar
    return _double_quoted(value)


def replace_yaml_field(text: str, path: tuple[str, ...], new: str | None) -> str:
    """``text`` with the scalar at ``path`` replaced by ``new``; every other character
    stays. Raises FixError when the result does not read back as exactly that change."""
    found = yaml_field(text, path)
    if found is None:
        raise FixError(f"field {'.'.join(path)} not found")
    _, start, end = found
    old = text[start:end]
    trail = old[len(old.rstrip()) :]  # a block scalar's mark covers its line breaks
    out = text[:start] + _yaml_scalar(new) + trail + text[end:]
    expected = yaml.safe_load(text)
    node = expected
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = new
    if yaml.safe_load(out) != expected:
        raise FixError(f"field {'.'.join(path)}: the rewritten YAML does not read back as expected")
    return out


def backup_files(root: Path, changes: list[Change], dest: Path) -> dict[str, Any]:
    """Copy (and fsync) every file the changes touch below ``root`` into ``dest/files``."""
    files = sorted({str(c.location["file"]) for c in changes})
    for rel in files:
        target = dest / "files" / rel
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        copy_private(root / rel, target)
    fsync_dir(dest)
    return {"mode": "files", "root": str(root), "files": files}


def copy_private(src: Path, dest: Path) -> None:
    """Copy ``src`` to a new file ``dest`` created 0600 (it may hold plaintext), fsynced;
    the mode and times of ``src`` are recorded in the manifest's sense by restore."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, src.open("rb") as inp:
        shutil.copyfileobj(inp, out)
        out.flush()
        os.fsync(out.fileno())
    st = src.stat()
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns))


def restore_files(root: Path, backup: Path, manifest: dict[str, Any]) -> int:
    """Put back every file :func:`backup_files` saved; returns how many."""
    files = [str(f) for f in manifest.get("files", [])]
    for rel in files:
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, backup / "files" / rel)  # keeps the live file's mode
        st = (backup / "files" / rel).stat()
        os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    return len(files)


def atomic_write(path: Path, data: bytes | Path) -> None:
    """Replace ``path`` with ``data`` (bytes, or the content of a file, streamed):
    temporary file, fsync, rename, fsync the folder; the live file's mode is kept."""
    mode = path.stat().st_mode if path.exists() else None
    tmp = path.with_name(f".{path.name}.redact-tmp")
    with tmp.open("wb") as fh:
        if isinstance(data, Path):
            with data.open("rb") as src:
                shutil.copyfileobj(src, fh, 1 << 20)
        else:
            fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    if mode is not None:
        os.chmod(tmp, mode & 0o7777)
    os.replace(tmp, path)
    fsync_dir(path.parent)


# ---------------------------------------------------------------------- the store
class FolderTarget(Target):
    """A folder whose files a fix rewrites in place: backed up file by file, temporary
    files of an interrupted run removed, restored from the backup."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.source = str(self.root)
        self.name = self.root.name
        self.location = self.root.parent

    def backup(self, changes: list[Change], dest: Path) -> dict[str, Any]:
        return backup_files(self.root, changes, dest)

    def prepare(self) -> None:
        """Remove temporary files a crash left behind (MLflow would read them as params)."""
        for tmp in self.root.rglob(".*.redact-tmp"):
            tmp.unlink()

    def finish(self) -> list[str]:
        return ["old file contents may survive in the filesystem's free blocks or snapshots"]

    def restore(self, backup: Path, manifest: dict[str, Any]) -> list[str]:
        count = restore_files(self.root, backup, manifest)
        self.prepare()
        return [f"{count} file(s) of {self.root} restored from {backup}"]


class FileStoreTarget(FolderTarget):
    """An MLflow ``mlruns`` folder."""

    kind = "mlflow-files"

    def _rel(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    # ------------------------------------------------------------------ plan
    def plan(self, redactor: FieldRedactor) -> list[Change]:
        changes: list[Change] = []
        self._redactor = redactor
        self._out = changes
        for parent in (self.root, self.root / ".trash"):
            if not parent.is_dir():
                continue
            for exp in sorted(p for p in parent.iterdir() if p.is_dir()):
                if exp.name == ".trash" or (parent == self.root and exp.name == "models"):
                    continue
                self._experiment(exp)
        registry = self.root / "models"
        if registry.is_dir():
            for model in sorted(p for p in registry.iterdir() if p.is_dir()):
                self._registered_model(model)
        return changes

    def _experiment(self, exp: Path) -> None:
        meta = _load_yaml(exp / _META)
        if not isinstance(meta, dict) or "experiment_id" not in meta:
            return
        self._yaml(exp / _META, ("name",), ("experiment", "name"))
        self._kv(exp / "tags", "tags")
        datasets = exp / "datasets"
        if datasets.is_dir():
            for d in sorted(p for p in datasets.iterdir() if p.is_dir()):
                f = d / _META
                self._yaml(f, ("name",), ("dataset", "name"))
                self._yaml(f, ("source",), ("dataset", "source"))
                self._yaml(f, ("schema",), ("dataset", "schema"), nullable=True)
                self._yaml(f, ("profile",), ("dataset", "profile"), nullable=True)
        models = exp / "models"
        if models.is_dir():
            for m in sorted(p for p in models.iterdir() if p.is_dir()):
                self._kv(m / "params", "params")
                self._kv(m / "tags", "tags")
        for run in sorted(p for p in exp.iterdir() if p.is_dir()):
            run_meta = _load_yaml(run / _META)
            if not isinstance(run_meta, dict) or not ({"run_uuid", "run_id"} & set(run_meta)):
                continue
            self._yaml(run / _META, ("run_name",), ("tags", RUN_NAME))
            self._yaml(run / _META, ("user_id",), ("tags", USER))
            self._kv(run / "params", "params")
            self._kv(run / "tags", "tags")
            run_id = str(run_meta.get("run_id") or run_meta.get("run_uuid"))
            from redact.fix.artifacts import plan_artifacts

            self._out.extend(plan_artifacts(self._redactor, self.root, run / "artifacts", run_id))
            inputs = run / "inputs"
            if inputs.is_dir():
                for i in sorted(p for p in inputs.iterdir() if p.is_dir()):
                    data = _load_yaml(i / _META)
                    tags = data.get("tags") if isinstance(data, dict) else None
                    if isinstance(tags, dict):
                        for k in sorted(tags, key=str):
                            self._yaml(i / _META, ("tags", str(k)), ("dataset", "tags", str(k)))

    def _registered_model(self, model: Path) -> None:
        self._yaml(model / _META, ("description",), ("description",), nullable=True)
        self._kv(model / "tags", "tags")
        for v in sorted(p for p in model.iterdir() if p.is_dir() and p.name.startswith("version-")):
            f = v / _META
            self._yaml(f, ("description",), ("description",), nullable=True)
            self._yaml(f, ("source",), ("source",))
            self._yaml(f, ("storage_location",), ("source",))
            self._yaml(f, ("run_link",), ("run_link",), nullable=True)
            self._kv(v / "tags", "tags")

    def _kv(self, folder: Path, section: str) -> None:
        """Param or tag files below ``folder`` (a key with ``/`` is a nested path)."""
        if not folder.is_dir():
            return
        for f in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.endswith(".redact-tmp")):
            try:
                value = f.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            key = f.relative_to(folder).as_posix()
            path = (section, key)
            change = self._redactor.field(
                {"file": self._rel(f)},
                path,
                value,
                deletable=path not in {("tags", RUN_NAME), ("tags", USER)},
            )
            if change is not None:
                self._out.append(change)

    def _yaml(
        self, f: Path, field: tuple[str, ...], path: tuple[str, ...], *, nullable: bool = False
    ) -> None:
        if not f.is_file():
            return
        try:
            text = f.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return
        found = yaml_field(text, field)
        if found is None or not isinstance(found[0], str):
            return
        change = self._redactor.field(
            {"file": self._rel(f), "field": list(field)}, path, found[0], nullable=nullable
        )
        if change is not None:
            self._out.append(change)

    # ------------------------------------------------------------------ backup
    # ------------------------------------------------------------------ apply
    def apply(self, batch: list[Change], progress: Progress) -> None:
        for c in batch:
            if c.location.get("artifact"):  # a text artifact
                from redact.fix.artifacts import apply_artifact

                apply_artifact(self.root, c)
                progress.step()
                continue
            f = self.root / str(c.location["file"])
            try:
                text = f.read_bytes().decode("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise InputError(f"{f}: cannot read: {exc}") from None
            field = c.location.get("field")
            if field:
                found = yaml_field(text, tuple(field))
                if found is None or found[0] != c.old:
                    raise FixError(f"{f}: {'.'.join(field)} changed since the plan (a concurrent writer?)")
                atomic_write(f, replace_yaml_field(text, tuple(field), c.new).encode("utf-8"))
            else:
                if text != c.old:
                    raise FixError(f"{f}: changed since the plan (a concurrent writer?)")
                if c.op == "delete":
                    f.unlink()
                    fsync_dir(f.parent)
                else:
                    atomic_write(f, (c.new or "").encode("utf-8"))
            progress.step()

    def current(self, change: Change) -> Any:
        f = self.root / str(change.location["file"])
        try:
            text = f.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        field = change.location.get("field")
        if field:
            found = yaml_field(text, tuple(field))
            return None if found is None else found[0]
        return text
