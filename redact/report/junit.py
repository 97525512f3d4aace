"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure, CircleCI).

Valid against the JUnit schema Jenkins' xUnit plugin validates with (``junit-10.xsd``,
vendored in ``fixtures/report``): one ``<testsuite>`` per source, one ``<testcase>`` per
finding with exactly one ``<failure>``, so ``tests`` and ``failures`` agree at every
level (a CI server never sees more failures than test cases). A test case is named by
the finding's pointer and detector; its class name is the source, and its failure says
where (``file:line`` when known) and what, with the keyed fingerprint, never the value.
With no findings there is one passing test case, so a clean scan shows as a pass.
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


def _suite(root: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    return ET.SubElement(
        root,
        "testsuite",
        {"name": _x(name), "tests": str(tests), "failures": str(failures), "errors": "0", "skipped": "0"},
    )


def write(results: Sequence[Result], catalog: Sequence[Rule], out: TextIO) -> None:
    rows = sort_results(results)
    total = max(len(rows), 1)
    root = ET.Element(
        "testsuites", {"name": "redact", "tests": str(total), "failures": str(len(rows)), "errors": "0"}
    )
    if not rows:
        suite = _suite(root, "redact", 1, 0)
        ET.SubElement(suite, "testcase", {"classname": "redact", "name": "no findings"})
    for source, in_source in groupby(rows, key=lambda r: r.source):
        found = list(in_source)
        suite = _suite(root, source, len(found), len(found))
        for r in found:
            where = r.pointer or "/"
            at = f"{source}:{r.line}" if r.line is not None else source
            case = ET.SubElement(
                suite,
                "testcase",
                {"classname": _x(source), "name": _x(f"{where} {r.detector} {r.start}:{r.end}")},
            )
            failure = ET.SubElement(
                case,
                "failure",
                {"type": r.category, "message": _x(f"{r.category} found by {r.detector} at {where}")},
            )
            failure.text = _x(
                f"{at} pointer={where} category={r.category} detector={r.detector} key={r.key} "
                f"span={r.start}:{r.end} confidence={r.confidence:.2f} fingerprint={r.fingerprint}"
            )
    ET.indent(root, space="  ")
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
