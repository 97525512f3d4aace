"""RFC 6901 JSON pointers and dotted key paths for leaves of nested values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = ["pointer", "key_path", "escape", "unescape", "split_pointer", "context_key"]

Segment = str | int


def escape(segment: Segment) -> str:
    s = str(segment)
    if "~" in s or "/" in s:
        s = s.replace("~", "~0").replace("/", "~1")
    return s


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def pointer(path: Sequence[Segment]) -> str:
    """``["params", "db", 0]`` -> ``/params/db/0`` (the empty path is ``""``, the root)."""
    return "".join("/" + escape(p) for p in path)


def split_pointer(ptr: str) -> list[str]:
    if ptr == "":
        return []
    if not ptr.startswith("/"):
        raise ValueError("a JSON pointer starts with '/'")
    return [unescape(p) for p in ptr[1:].split("/")]


def key_path(path: Sequence[Segment]) -> str:
    """``["params", "db", 0, "url"]`` -> ``params.db[0].url``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        else:
            out += f".{p}" if out else str(p)
    return out


def context_key(mapping: Any, key: str) -> str:
    """The key name that gives context to ``mapping[key]``.

    Exports of tracking stores list params and tags as ``{"key": "db_password", "value":
    "..."}`` pairs (MLflow's REST API and exports, many YAML dumps): the ``value`` is read
    under the name its sibling ``key`` (or ``name``) gives.
    """
    if key == "value":
        named = mapping.get("key")
        if type(named) is not str:
            named = mapping.get("name")
        if type(named) is str:
            return named
    return key
