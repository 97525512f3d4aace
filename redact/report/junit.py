"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure, CircleCI).

One ``<testsuite>`` per source, one ``<testcase>`` per (source, pointer) leaf, one
``<failure>`` per finding at that leaf. With no findings there is one passing test case,
so a clean scan shows as a pass rather than as an empty report.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby
from typing import TextIO

from redact.report.base import Result, Rule, sort_results

__all__ = ["write"]

# characters XML 1.0 cannot carry at all (keys can hold control characters)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    rows = sort_results(results)
    root = ET.Element("testsuites", {"name": "redact", "tests": "0", "failures": str(len(rows))})
    tests = 0
    if not rows:
        suite = ET.SubElement(
            root,
            "testsuite",
            {"name": "redact", "tests": "1", "failures": "0", "errors": "0", "skipped": "0"},
        )
        ET.SubElement(suite, "testcase", {"classname": "redact", "name": "no findings"})
        tests = 1
    for source, in_source in groupby(rows, key=lambda r: r.source):
        found = list(in_source)
        leaves = [(p, list(g)) for p, g in groupby(found, key=lambda r: r.pointer)]
        tests += len(leaves)
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": _x(source),
                "tests": str(len(leaves)),
                "failures": str(len(found)),
                "errors": "0",
                "skipped": "0",
            },
        )
        for pointer, at_leaf in leaves:
            attrs = {"classname": _x(source), "name": _x(pointer or "/"), "file": _x(source)}
            if at_leaf[0].line is not None:
                attrs["line"] = str(at_leaf[0].line)
            case = ET.SubElement(suite, "testcase", attrs)
            for r in at_leaf:
                failure = ET.SubElement(
                    case,
                    "failure",
                    {
                        "type": r.category,
                        "message": _x(f"{r.category} found by {r.detector} at {pointer or '/'}"),
                    },
                )
                failure.text = _x(
                    f"category={r.category} detector={r.detector} key={r.key} span={r.start}:{r.end} "
                    f"confidence={r.confidence:.2f} fingerprint={r.fingerprint}"
                )
    root.set("tests", str(tests))
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
