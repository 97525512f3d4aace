"""YAML loading that remembers the line of every node, for precise error messages."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import yaml

try:  # the C loader is several times faster; fall back to pure Python
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _Loader = yaml.SafeLoader

Loc = tuple[int | str, ...]


class DataLoader(_Loader):  # type: ignore[misc]
    """The safe loader for data files that may carry application tags (``!function``,
    ``!Ref``, ``!vault``, ``!!python/object:...``, ...): a tag it does not know is ignored
    and its node read as the plain scalar, list or mapping it is. Nothing is constructed
    beyond what the safe loader builds, so reading a file runs none of its code."""


def _plain(loader: Any, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None  # pragma: no cover - every node is one of the three


DataLoader.add_constructor(None, _plain)


def load_with_lines(text: str) -> tuple[Any, dict[Loc, int]]:
    """Parse one YAML document; return the data and a map from location to 1-based line.

    A location is the tuple of keys and list indices leading to a node, as in
    pydantic's error ``loc``; the map holds every mapping value and list item.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    lines: dict[Loc, int] = {}
    _index(node, (), lines)
    return data, lines


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines[loc] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            _index(value_node, (*loc, key), lines)
            # an error about the key itself (an unknown field) points at the key's line
            lines.setdefault((*loc, key, "__key__"), key_node.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines)


def line_of(lines: dict[Loc, int], loc: Loc) -> int | None:
    """The line of the deepest known node on the path ``loc``."""
    for n in range(len(loc), -1, -1):
        line = lines.get(tuple(loc[:n]))
        if line is not None:
            return line
    return None


def describe_loc(loc: Loc) -> str:
    """``("detectors", 0, "patterns")`` -> ``detectors[0].patterns`` (a field, for messages)."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def data_dir(folder: str, package: str, probe: str) -> Path:
    """``folder`` at the top of a source checkout (when it holds ``probe``), else the copy
    installed inside the package as ``redact.<package>``."""
    source = Path(__file__).resolve().parents[1] / folder
    if (source / probe).exists():
        return source
    return Path(str(importlib.resources.files("redact") / package))
