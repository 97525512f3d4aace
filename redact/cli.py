"""The ``redact`` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from redact import __version__
from redact._build import get_scanner
from redact._files import iter_files, read_documents
from redact.errors import RedactError
from redact.policy import load_policy

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redact")
def main() -> None:
    """Find and remove secrets and personal data in ML experiment metadata."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Policy file (default: the built-in default policy).",
)
def scan(paths: tuple[Path, ...], fmt: str, policy_path: Path | None) -> None:
    """Scan JSON, JSONL and YAML files (or folders of them) for secrets and PII.

    Exit status: 0 when clean, 1 when something was found, 2 on usage or input errors.
    Reports show where a finding is and a fingerprint, never the detected text.
    """
    try:
        scanner = get_scanner(load_policy(policy_path) if policy_path else None)
        rows: list[dict[str, Any]] = []
        for f in iter_files(list(paths)):
            for prefix, doc in read_documents(f):
                for finding in scanner.scan(doc, prefix):
                    rows.append({"file": str(f), **finding.to_dict()})
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if fmt == "json":
        click.echo(json.dumps({"findings": rows}, indent=2))
    else:
        _table(rows)
    sys.exit(EXIT_FINDINGS if rows else EXIT_CLEAN)


def _table(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("No findings.")
        return
    cols = ("file", "pointer", "category", "detector", "span", "confidence", "fingerprint")
    data = [
        (
            r["file"],
            r["pointer"] or "/",
            r["category"],
            r["detector"],
            f"{r['start']}:{r['end']}",
            f"{r['confidence']:.2f}",
            r["fingerprint"][:12],
        )
        for r in rows
    ]
    widths = [max(len(c), *(len(row[i]) for row in data)) for i, c in enumerate(cols)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
    for row in data:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    by_cat: dict[str, int] = {}
    for r in rows:
        by_cat[r["category"]] = by_cat.get(r["category"], 0) + 1
    summary = ", ".join(f"{n} {c}" for c, n in sorted(by_cat.items()))
    click.echo(f"\n{len(rows)} finding(s): {summary}")


if __name__ == "__main__":  # pragma: no cover
    main()
