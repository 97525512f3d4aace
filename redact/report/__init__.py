"""Reports of scan results: one small writer per format, all ``write(results, catalog, out)``.

``FORMATS`` is the registry (name -> writer); ``register`` adds one. Every writer sorts by
(source, pointer, start, detector) and writes no timestamp and no detected text: a
:class:`Result` does not carry any.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TextIO

from redact.report import html as _html
from redact.report import json as _json
from redact.report import junit as _junit
from redact.report import markdown as _markdown
from redact.report import sarif as _sarif
from redact.report import table as _table
from redact.report.base import FailOn, Result, Rule, Writer, collect, safe_source, sort_results
from redact.report.baseline import Baseline

__all__ = [
    "FORMATS",
    "Baseline",
    "FailOn",
    "Result",
    "Rule",
    "Writer",
    "catalog_for",
    "collect",
    "get_writer",
    "register",
    "safe_source",
    "sort_results",
    "write_report",
]

FORMATS: dict[str, Writer] = {
    "table": _table.write,
    "json": _json.write,
    "sarif": _sarif.write,
    "junit": _junit.write,
    "markdown": _markdown.write,
    "html": _html.write,
}


def register(name: str) -> Callable[[Writer], Writer]:
    """Decorator: add a writer to the registry under ``name``."""

    def deco(fn: Writer) -> Writer:
        FORMATS[name] = fn
        return fn

    return deco


def get_writer(name: str) -> Writer:
    try:
        return FORMATS[name]
    except KeyError:
        raise ValueError(f"unknown report format {name!r} (known: {', '.join(FORMATS)})") from None


def write_report(fmt: str, results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    get_writer(fmt)(results, catalog, out)


def catalog_for(policy: Any = None) -> list[Rule]:
    """The detectors a scan under ``policy`` can report: the built-in catalog plus the
    policy's custom detectors (the rules of a SARIF report)."""
    from redact._build import builtin_specs
    from redact.detect.catalog import parse_detectors

    specs: list[Rule] = list(builtin_specs())
    custom = getattr(getattr(policy, "detectors", None), "custom", None)
    if custom:
        specs.extend(parse_detectors(custom, {}, getattr(policy, "source", None) or "policy"))
    return specs
