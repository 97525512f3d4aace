"""The ``redact`` command line."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import structlog
import yaml

from redact import __version__
from redact._build import build_scanner, get_redactor, get_scanner
from redact._files import SUFFIXES, read_documents
from redact._redactor import Decision, check_required
from redact.errors import Blocked, DecryptError, RedactError
from redact.policy import Policy, load_policy

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


def _policy_option(help: str, required: bool = False) -> Callable[[F], F]:
    """The ``--policy`` option every command shares."""
    return click.option(
        "--policy", "policy_path", type=click.Path(path_type=Path), default=None, required=required, help=help
    )


def _output_option(help: str) -> Callable[[F], F]:
    """The ``-o/--output`` file option of the commands that write one."""
    return click.option(
        "-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None, help=help
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redact")
def main() -> None:
    """Find and remove secrets and personal data in ML experiment metadata."""
    if not structlog.is_configured():  # audit events go to stderr, never into the output
        # the stream is looked up per event, so a redirected stderr is honoured
        structlog.configure(logger_factory=lambda *args: structlog.PrintLogger(sys.stderr))


_JOBS = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Scan in this many processes (0: one per CPU).",
)


# ---------------------------------------------------------------------------- --spark
_SPARK = click.option(
    "--spark",
    "spark_master",
    is_flag=False,
    flag_value="local[*]",
    default=None,
    metavar="[MASTER]",
    help="Run on Apache Spark over Parquet files or folders (Delta tables when delta-spark "
    "is installed); MASTER defaults to local[*]. Needs the `spark` extra and Java.",
)


def _spark_args(master: str | None, args: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]]:
    """``--spark PATH``: no MASTER was given, the word after --spark is a path."""
    from redact.spark import looks_like_master

    if master is not None and not looks_like_master(master):
        return "local[*]", (master, *args)
    return master, args


def _spark_apply(master: str, args: tuple[str, ...], output: Path | None, policy_path: Path | None) -> None:
    from redact.spark import SparkRedactError, apply_path

    if output is not None:
        args = (*args, str(output))
    if len(args) != 2:
        raise click.UsageError("apply --spark takes IN and OUT (a table and the folder to write)")
    src, out = args
    try:
        counts = apply_path(src, out, _policy_or_default(policy_path), master)
    except SparkRedactError as exc:
        refused = str(exc).startswith("blocked:")
        click.echo(f"redact: {'refused' if refused else 'error'}: {src}: {exc}", err=True)
        sys.exit(EXIT_FINDINGS if refused else EXIT_ERROR)
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    for column, category, detector, action, n in counts:
        click.echo(f"{src}: {column}: {category} ({detector}) -> {action}: {n}", err=True)
    click.echo(f"redact: {sum(c[-1] for c in counts)} decision(s) in {src}, written to {out}", err=True)


def _collect(paths: tuple[str, ...], policy: Policy | None, jobs: int) -> Any:
    from redact.report import collect

    workers = jobs or os.cpu_count() or 1
    return collect(paths, get_scanner(policy), jobs=workers, progress=sys.stderr.isatty(), policy=policy)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="SOURCE...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "sarif", "junit", "markdown"]),
    default="table",
    show_default=True,
    help="Report format.",
)
@_policy_option("Policy file (default: the built-in default policy).")
@_output_option("Write the report to this file (default: standard output).")
@click.option(
    "--baseline",
    "baseline_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Report only findings not in this baseline (made by `redact baseline`).",
)
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    metavar="CATEGORY,...|confidence>=N",
    help="Exit 1 only when a reported finding matches: any of these categories and/or at "
    "least this confidence (default: any finding).",
)
@_JOBS
@_SPARK
def scan(
    paths: tuple[str, ...],
    fmt: str,
    policy_path: Path | None,
    output: Path | None,
    baseline_path: Path | None,
    fail_on: tuple[str, ...],
    jobs: int,
    spark_master: str | None,
) -> None:
    """Scan SOURCEs for secrets and PII.

    A SOURCE is a file (JSON, JSONL, YAML, TOML, CSV/TSV, .env), a folder of them (MLflow
    mlruns folders and W&B run folders in it are read as runs), or an MLflow tracking
    URI: sqlite:///mlflow.db, postgresql://..., mysql://..., http(s)://server, file:///mlruns.

    With --spark, each SOURCE is a Parquet file or folder (or a Delta table), scanned on
    Spark; pointers read /<run_id or row>/<column>/<pointer in the value>.

    Exit status: 0 when clean, 1 when something was found, 2 on usage or input errors.
    Reports show where a finding is and a fingerprint, never the detected text.
    """
    from redact.report import Baseline, FailOn, catalog_for, write_report

    try:
        failing = FailOn.parse(fail_on)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fail-on") from None
    try:
        policy = load_policy(policy_path) if policy_path else None
        if spark_master is not None:
            from redact.spark import scan_paths

            spark_master, paths = _spark_args(spark_master, paths)
            results = scan_paths(paths, policy, spark_master or "local[*]")
        else:
            results = _collect(paths, policy, jobs)
        if baseline_path is not None:
            results = Baseline.load(baseline_path).new(results)
        catalog = catalog_for(policy) if fmt == "sarif" else []
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    _emit(lambda out: write_report(fmt, results, catalog, out), output)
    sys.exit(EXIT_FINDINGS if failing.fails(results) else EXIT_CLEAN)


def _emit(write: Any, output: Path | None) -> None:
    """Run ``write(stream)`` on standard output, or on ``output`` (replaced atomically);
    a file that cannot be written exits 2."""
    if output is None:
        write(sys.stdout)
        return
    tmp = output.with_name(output.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="\n") as fh:
            write(fh)
        os.replace(tmp, output)
    except OSError as exc:
        click.echo(f"redact: error: {output}: cannot write: {exc.strerror}", err=True)
        sys.exit(EXIT_ERROR)


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="SOURCE...")
@_policy_option("Policy file (default: the built-in default policy); scan with the same one.")
@_output_option("Baseline file to write (default: standard output).")
@_JOBS
def baseline(paths: tuple[str, ...], policy_path: Path | None, output: Path | None, jobs: int) -> None:
    """Record today's findings as known, for `redact scan --baseline FILE`.

    The file lists fingerprints with their detector, category, source and pointer (never
    the values, no timestamps, no line numbers), sorted, so re-runs are byte-identical.
    A finding is known by (fingerprint, detector, pointer): moving a file or reformatting
    it does not make its findings new. Exit status: 0 written, 2 usage or input errors.
    """
    from redact.report import Baseline

    try:
        policy = load_policy(policy_path) if policy_path else None
        known = Baseline.from_results(_collect(paths, policy, jobs))
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    text = known.dumps()
    _emit(lambda out: out.write(text), output)
    if output is not None:
        click.echo(f"redact: {len(known)} known finding(s) written to {output}", err=True)


def _policy_or_default(path: Path | None) -> Policy:
    return load_policy(path if path is not None else "default")


def _write_documents(kind: str, docs: list[tuple[tuple[int, ...], Any]], out: Path | None) -> None:
    if kind == "jsonl":
        text = "".join(json.dumps(doc, ensure_ascii=False) + "\n" for _, doc in docs)
    elif kind == "json":
        text = json.dumps(docs[0][1], indent=2, ensure_ascii=False) + "\n"
    else:
        dump = [doc for _, doc in docs]
        if len(dump) == 1:
            text = yaml.safe_dump(dump[0], sort_keys=False, allow_unicode=True)
        else:
            text = yaml.safe_dump_all(dump, sort_keys=False, allow_unicode=True)
    if out is None:
        click.echo(text, nl=False)
    else:
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.argument("spark_out", required=False, metavar="[OUT]")
@_policy_option("Policy file (default: the built-in default policy).")
@_output_option("Where to write the redacted file (default: standard output).")
@_SPARK
def apply(
    path: Path, spark_out: str | None, policy_path: Path | None, output: Path | None, spark_master: str | None
) -> None:
    """Write a redacted copy of a JSON, JSONL or YAML file.

    Values the policy leaves alone come out equal to the input. A summary of the
    decisions (pointers, categories, actions; never the values) goes to standard error.
    With --spark: `apply --spark [MASTER] IN OUT` redacts the Parquet (or Delta) table IN
    on Spark into the new folder OUT and prints decision counts per column.
    Exit status: 0 done, 1 a block action refused the file, 2 usage or input errors.
    """
    if spark_master is not None:
        master, args = _spark_args(spark_master, (str(path), *([spark_out] if spark_out else [])))
        _spark_apply(master or "local[*]", args, output, policy_path)
        return
    if spark_out is not None:
        raise click.UsageError("OUT is for --spark; write a file with -o")
    if path.is_dir():
        raise click.UsageError(f"{path} is a folder (a Parquet table needs --spark)")
    try:
        redactor = get_redactor(_policy_or_default(policy_path))
        kind = SUFFIXES.get(path.suffix.lower(), "")
        docs: list[tuple[tuple[int, ...], Any]] = []
        decisions: list[tuple[tuple[int, ...], Decision]] = []
        for prefix, doc in read_documents(path):
            result = redactor.redact(doc)
            docs.append((prefix, result.value))
            decisions.extend((prefix, d) for d in result.decisions)
    except Blocked as exc:
        click.echo(f"redact: refused: {path}: {exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    _write_documents(kind, docs, output)
    for prefix, d in decisions:
        ptr = "".join(f"/{p}" for p in prefix) + d.pointer
        click.echo(f"{path}: {ptr or '/'}: {d.category} ({d.detector}) -> {d.action}", err=True)
    click.echo(f"redact: {len(decisions)} decision(s) in {path}", err=True)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@_policy_option("The policy whose keyring holds the keys.", required=True)
@click.option("--value", default=None, help="Decrypt one value instead of a file.")
@click.option("--pointer", default=None, help="With --value: the JSON pointer it was encrypted at.")
@_output_option("Where to write the decrypted file (default: standard output).")
def decrypt(
    path: Path | None, policy_path: Path, value: str | None, pointer: str | None, output: Path | None
) -> None:
    """Decrypt enc:v1 values, in a file (each at its own pointer) or one --value.

    Exit status: 0 done, 1 a value could not be decrypted (tampered, moved, wrong key),
    2 usage or input errors.
    """
    from redact.actions import decrypt_text

    try:
        keyring = get_redactor(load_policy(policy_path)).keyring
        if value is not None:
            if pointer is None or path is not None:
                raise click.UsageError("--value needs --pointer and no PATH")
            click.echo(decrypt_text(value, pointer, keyring))
            return
        if path is None:
            raise click.UsageError("give a PATH or --value")
        docs = [(prefix, _decrypt_tree(doc, [], keyring)) for prefix, doc in read_documents(path)]
    except DecryptError as exc:
        click.echo(f"redact: cannot decrypt: {exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    _write_documents(SUFFIXES.get(path.suffix.lower(), ""), docs, output)


def _decrypt_tree(v: Any, path: list[Any], keyring: Any) -> Any:
    from redact.actions import decrypt_text
    from redact.leaves import pointer

    if isinstance(v, dict):
        out = {}
        for k, item in v.items():
            path.append(str(k))
            out[k] = _decrypt_tree(item, path, keyring)
            path.pop()
        return out
    if isinstance(v, list):
        items = []
        for i, item in enumerate(v):
            path.append(i)
            items.append(_decrypt_tree(item, path, keyring))
            path.pop()
        return items
    if isinstance(v, str) and "enc:v1:" in v:
        return decrypt_text(v, pointer(path), keyring)
    return v


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_policy_option("Policy file (or a built-in name: default, strict).", required=True)
def gate(path: Path, policy_path: Path) -> None:
    """Check the policy's required provenance fields in a run's metadata (JSON/YAML, or
    JSONL with one run a line). Exit status: 0 all present, 1 something is missing or
    malformed, 2 usage or input errors."""
    try:
        policy = load_policy(policy_path, resolve_keys=False)
        failed = False
        for prefix, doc in read_documents(path):
            where = f"{path}" + (f" line {prefix[0] + 1}" if prefix else "")
            for problem in check_required(doc, policy):
                failed = True
                click.echo(f"{where}: required {problem}")
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    if not policy.required:
        click.echo(f"redact: {policy_path} lists no required fields", err=True)
    sys.exit(EXIT_FINDINGS if failed else EXIT_CLEAN)


@main.command()
@click.argument("kind", type=click.Choice(["encrypt", "tokenize"]))
def keygen(kind: str) -> None:
    """Print a new random key (base64) for the encrypt or tokenize action. Store it in
    your secret manager and reference it from the policy's keyring."""
    from redact.actions import generate_key

    click.echo(generate_key(kind))  # type: ignore[arg-type]


@main.group()
def policy() -> None:
    """Validate policy files and print their JSON Schema."""


@policy.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--keys/--no-keys",
    default=False,
    show_default=True,
    help="Also resolve the keys the policy references (needs them present).",
)
def policy_check(files: tuple[Path, ...], keys: bool) -> None:
    """Validate policy files: fields, patterns, actions and their parameters, custom
    detectors and their examples. Exit status: 0 all valid, 1 any invalid."""
    bad = 0
    for f in files:
        try:
            pol = load_policy(f, resolve_keys=keys)
            build_scanner(pol)
            if keys:
                get_redactor(pol)
        except RedactError as exc:
            bad += 1
            click.echo(f"invalid: {exc}")
        else:
            click.echo(f"ok: {f}")
    sys.exit(1 if bad else 0)


@policy.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema of policy files (for editors)."""
    click.echo(json.dumps(Policy.model_json_schema(), indent=2))


@main.command("fix")
@click.argument("source")
@_policy_option("Policy file (or a built-in name: default, strict).", required=True)
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing (no backup).")
@click.option(
    "--backup-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to create the backup in (default: next to the store).",
)
@click.option("--resume", is_flag=True, help="Finish an interrupted fix (with its journal and backup).")
@click.option(
    "--rollback",
    is_flag=True,
    help="Restore the last fix's backup (what was written since is lost) and remove its journal.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Report format.",
)
def fix_command(
    source: str,
    policy_path: Path,
    dry_run: bool,
    backup_dir: Path | None,
    resume: bool,
    rollback: bool,
    fmt: str,
) -> None:
    """Rewrite leaked values in place in SOURCE with the policy's actions.

    SOURCE: an MLflow backend store (sqlite:///mlflow.db or its path, postgresql://...,
    an mlruns folder or file:///...), or JSON/JSONL/YAML files (a file or a folder).
    A tracking server's http(s):// URI is refused: fix needs database access.

    First a backup (<store>.redact-backup-N, next to the store or in --backup-dir; it
    holds the original values: destroy it once the fix is verified), then a journal
    (<store>.redact-fix.jsonl: fingerprints and pointers, never plaintext) written
    before each change. A drop deletes params and tags and masks fields that cannot be
    removed; a block is applied as mask (the report says so). Keys and lineage never
    change, nor do clean values. Re-running changes nothing. Stop writers (the
    tracking server) while fix runs.

    Exit status: 0 done (or nothing to change), 1 --dry-run found values to change,
    2 usage or input errors (REST URIs, an interrupted fix to --resume or --rollback).
    """
    from redact.fix import fix as run_fix

    if resume and rollback:
        raise click.UsageError("--resume and --rollback exclude each other")
    try:
        report = run_fix(
            source,
            load_policy(policy_path),
            dry_run=dry_run,
            backup_dir=backup_dir,
            resume=resume,
            rollback=rollback,
        )
    except RedactError as exc:
        click.echo(f"redact: error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except OSError as exc:
        click.echo(f"redact: error: {exc.filename or source}: {exc.strerror}", err=True)
        sys.exit(EXIT_ERROR)
    click.echo(report.render_json() if fmt == "json" else report.render_table(), nl=False)
    sys.exit(EXIT_FINDINGS if dry_run and report.changes else EXIT_CLEAN)


if __name__ == "__main__":  # pragma: no cover
    main()
