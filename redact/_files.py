"""Read JSON, JSONL and YAML files (and folders of them) as documents to scan."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from redact._yaml import DataLoader
from redact.errors import InputError

__all__ = ["SUFFIXES", "iter_files", "read_documents", "parse_documents", "is_templated", "application_tags"]

SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".yaml": "yaml", ".yml": "yaml"}


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """The given files, and the JSON/JSONL/YAML files below the given folders, sorted."""
    for p in paths:
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file())
        elif p.is_file():
            yield p
        else:
            raise InputError(f"{p}: no such file or folder")


def read_documents(path: Path) -> Iterator[tuple[tuple[int, ...], Any]]:
    """Yield (pointer prefix, document): one per file, one per line for JSONL."""
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: unsupported file type (use .json, .jsonl or .yaml)")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    yield from parse_documents(text, kind, str(path))


def application_tags(text: str) -> list[str]:
    """The YAML tags of ``text`` that are not standard YAML (``!function``, ``!Ref``, ...),
    sorted; reading ignores them, so a rewritten file would not keep them."""
    found: set[str] = set()
    try:
        stack = [n for n in yaml.compose_all(text, Loader=DataLoader) if n is not None]
    except yaml.YAMLError:
        return []
    while stack:
        node = stack.pop()
        if not node.tag.startswith("tag:yaml.org,2002:") or node.tag.startswith("tag:yaml.org,2002:python/"):
            found.add(node.tag)
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                stack.extend((k, v))
    return sorted(found)


def is_templated(text: str) -> bool:
    """Helm / Jinja / Go templates: YAML-looking text that is not YAML until rendered."""
    return "{{" in text or "{%" in text


def parse_documents(text: str, kind: str, where: str) -> Iterator[tuple[tuple[int, ...], Any]]:
    """The documents of ``text`` read as ``kind`` (json, jsonl, yaml). YAML tags the safe
    loader does not know are ignored (:class:`redact._yaml.DataLoader`). Raises
    InputError naming ``where`` and the line."""
    if kind == "json":
        try:
            yield (), json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    elif kind == "jsonl":
        for i, row in enumerate(text.splitlines()):
            if not row.strip():
                continue
            try:
                doc = json.loads(row)
            except json.JSONDecodeError as exc:
                raise InputError(f"{where}:{i + 1}: invalid JSON: {exc.msg}") from None
            yield (i,), doc
    else:
        try:
            docs = list(yaml.load_all(text, Loader=DataLoader))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else "?"
            problem = getattr(exc, "problem", None) or exc
            raise InputError(f"{where}:{line}: invalid YAML: {problem}") from None
        except (TypeError, ValueError) as exc:  # e.g. a date the safe loader cannot build
            raise InputError(f"{where}: invalid YAML: {type(exc).__name__}") from None
        if len(docs) == 1:
            yield (), docs[0]
        else:
            for i, doc in enumerate(docs):
                yield (i,), doc
