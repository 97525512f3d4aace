"""Module layering: the pipeline and the stores/report packages import one way only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "redact"


def _imports(path: Path) -> set[str]:
    """Every ``redact.*`` module a file imports, at the top or inside a function."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("redact"):
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("redact"))
    return out


def _module(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def test_build_does_not_import_the_redactor():
    """``redact._build`` (scanner construction) never imports ``redact._redactor``, which
    imports it: the Redactor cache lives in ``redact._redactors``."""
    assert not any(m.startswith("redact._redactor") for m in _imports(ROOT / "_build.py"))


def test_stores_never_import_report():
    """No module of ``redact.stores`` imports ``redact.report`` (report imports stores):
    Result and safe_source live in ``redact._result`` below both."""
    offenders = {
        _module(p): sorted(m for m in _imports(p) if m.startswith("redact.report"))
        for p in (ROOT / "stores").glob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_result_composes_finding():
    """A report row holds its Finding and reads its fields through, rather than copying them."""
    from redact import Finding
    from redact._result import Result

    f = Finding("/a", "a", "SECRET", "d", 0, 3, 0.9, "f" * 32)
    r = Result("x.json", f, 2)
    assert r.finding is f and (r.pointer, r.category, r.fingerprint, r.line) == ("/a", "SECRET", "f" * 32, 2)
    assert "pointer" not in Result.__dataclass_fields__
