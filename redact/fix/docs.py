"""Fix JSON, JSONL and YAML files (or folders of them) in place.

Each document is redacted whole, as ``redact apply`` does (pointers from the document's
root; for JSONL the line's index first), and a file that changes is rewritten the way
``redact apply`` writes it (JSON with two-space indents, one JSON object a line, YAML
through ``safe_dump`` in key order): values the policy leaves alone come out equal, and
a file with nothing to change is not touched at all. A drop removes the key, as in
``apply``; a block is applied as mask (and recorded).

The journal holds one record per file: its fingerprint before, and the SHA-256 of the
new content (not the content: it may be large, and the backup has the old one).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from redact._files import SUFFIXES, iter_files, read_documents
from redact.errors import InputError
from redact.fix.changes import Change, FixError, sha256_text
from redact.fix.field import FieldRedactor
from redact.fix.filestore import atomic_write, backup_files, restore_files
from redact.fix.target import Progress, Target

__all__ = ["DocsTarget", "render_documents"]


def render_documents(kind: str, docs: list[Any]) -> str:
    """The text ``redact apply`` writes for these documents."""
    if kind == "jsonl":
        return "".join(json.dumps(doc, ensure_ascii=False) + "\n" for doc in docs)
    if kind == "json":
        return json.dumps(docs[0], indent=2, ensure_ascii=False) + "\n"
    if len(docs) == 1:
        return str(yaml.safe_dump(docs[0], sort_keys=False, allow_unicode=True))
    return str(yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True))


def _own_file(rel: Path) -> bool:
    """fix's own journals and backups (a backup holds the original values: never fix it)."""
    return ".redact-fix." in rel.name or any(".redact-backup-" in p for p in rel.parts[:-1])


class DocsTarget(Target):
    """A JSON/JSONL/YAML file, or a folder of them."""

    kind = "files"

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        if self.path.is_file() and self.path.suffix.lower() not in SUFFIXES:
            raise InputError(
                f"{path}: not a store fix knows (an MLflow SQLite file or mlruns folder, "
                "a database URI, or .json/.jsonl/.yaml files)"
            )
        self.root = self.path if self.path.is_dir() else self.path.parent
        self.source = str(self.path)
        self.name = self.path.name
        self.location = self.path.parent

    def plan(self, redactor: FieldRedactor) -> list[Change]:
        changes = []
        for f in iter_files([self.path]):
            rel = f.relative_to(self.root).as_posix()
            if _own_file(f.relative_to(self.root)):
                continue
            location = {"file": rel}
            try:
                text = f.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue  # read_documents names the line; unreadable files are skipped here
            if redactor.is_done(location, text):
                continue
            kind = SUFFIXES[f.suffix.lower()]
            docs, decisions, policy_actions = [], [], []
            for prefix, doc in read_documents(f):
                new, ds, pas = redactor.document(doc, prefix)
                docs.append(new)
                decisions.extend(ds)
                policy_actions.extend(pas)
            if not decisions:
                continue
            new_text = render_documents(kind, docs)
            if new_text == text:
                continue
            changes.append(
                Change(
                    location=location,
                    pointer="",
                    op="rewrite",
                    old_fingerprint=redactor.fingerprint(text),
                    new_sha256=sha256_text(new_text),
                    decisions=tuple(decisions),
                    policy_actions=tuple(policy_actions),
                    old=text,
                    payload=new_text,
                )
            )
        return changes

    def backup(self, changes: list[Change], dest: Path) -> dict[str, Any]:
        return backup_files(self.root, changes, dest)

    def apply(self, batch: list[Change], progress: Progress) -> None:
        for c in batch:
            f = self.root / str(c.location["file"])
            if f.read_bytes().decode("utf-8") != c.old:
                raise FixError(f"{f}: changed since the plan (a concurrent writer?)")
            atomic_write(f, str(c.payload).encode("utf-8"))
            progress.step()

    def current(self, change: Change) -> Any:
        try:
            return (self.root / str(change.location["file"])).read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None

    def prepare(self) -> None:
        for tmp in self.root.rglob(".*.redact-tmp") if self.path.is_dir() else ():
            tmp.unlink()
        tmp_one = self.root / f".{self.path.name}.redact-tmp"
        if tmp_one.is_file():
            tmp_one.unlink()

    def restore(self, backup: Path, manifest: dict[str, Any]) -> list[str]:
        count = restore_files(self.root, backup, manifest)
        self.prepare()
        return [f"{count} file(s) restored from {backup}"]
