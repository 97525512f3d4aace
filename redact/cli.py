"""The ``redact`` command line."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml

from redact import __version__
from redact._build import build_scanner, get_scanner
from redact._files import SUFFIXES, read_documents
from redact._redactor import Decision, check_required
from redact._redactors import get_redactor
from redact.errors import Blocked, DecryptError, RedactError
from redact.policy import Policy, load_policy

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])
FORMATS = ("table", "json", "sarif", "junit", "markdown", "html")
STDIN = "-"

# the extra that brings each optional module (for the one-line install hint)
_EXTRAS = {"mlflow": "mlflow", "sqlalchemy": "mlflow", "wandb": "wandb", "google": "wandb"}


def fail(message: str) -> None:
    """The one way a command reports a user's error: ``redact: error: ...``, exit 2."""
    click.echo(f"redact: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def missing_module_message(exc: ImportError) -> str:
    """``... needs mlflow: pip install "redact-ml[mlflow]"`` for a missing optional module."""
    top = (exc.name or "").split(".")[0]
    extra = _EXTRAS.get(top)
    if extra is None:
        return f"a required module is not installed ({exc.name or exc}): pip install redact-ml"
    return f'this needs {top}, which is not installed: pip install "redact-ml[{extra}]"'


_NO_ARGS: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


class _Group(click.Group):
    """Runs commands so that every user error is one ``redact: error:`` line, exit 2:
    usage mistakes, input errors, missing optional dependencies. Never a traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            rv = super().main(*args, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.exceptions.Abort:
            click.echo("redact: error: aborted", err=True)
            sys.exit(130)
        except _NO_ARGS as exc:  # `redact` or `redact policy` alone: the help, as click prints it
            ctx = getattr(exc, "ctx", None)
            click.echo(ctx.get_help() if ctx is not None else exc.format_message(), err=True)
            sys.exit(EXIT_ERROR)
        except click.ClickException as exc:
            fail(" ".join(exc.format_message().split()))
        except RedactError as exc:
            fail(str(exc))
        except ImportError as exc:
            if (exc.name or "").split(".")[0] in ("redact", ""):
                raise  # our own bug: a traceback is the right report
            fail(missing_module_message(exc))
        except BrokenPipeError:  # `redact scan ... | head`
            sys.stderr.close()
            sys.exit(EXIT_ERROR)
        sys.exit(rv if isinstance(rv, int) else EXIT_CLEAN)


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


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="redact")
@click.option(
    "-v",
    "--verbose",
    count=True,
    help="Show the audit trail on standard error (-v: one summary per redaction, -vv: every "
    "decision). Pointers, categories and fingerprints only, never values.",
)
def main(verbose: int) -> None:
    """Find and remove secrets and personal data in ML experiment metadata."""
    if verbose:
        from redact._audit import logger

        handler = logging.StreamHandler()  # stderr, looked up now (honours redirection)
        handler.setFormatter(logging.Formatter("redact: audit: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose > 1 else logging.INFO)


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


_INCLUDE = click.option(
    "--include",
    multiple=True,
    metavar="GLOB",
    help="Read only files matching this glob in folders (.gitignore syntax; repeatable).",
)
_EXCLUDE = click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Leave out files and folders matching this glob (.gitignore syntax; repeatable). "
    "Patterns in a .redactignore file (the scanned folder's and the working folder's) apply too.",
)
_NO_IGNORE = click.option(
    "--no-redactignore", "no_ignore_file", is_flag=True, help="Do not read .redactignore files."
)
_STDIN_NAME = click.option(
    "--stdin-name",
    default=None,
    metavar="NAME",
    help="With '-': read standard input as a file of this name (its extension picks the "
    "reader; default: JSON, JSONL or YAML when it parses as one, else text).",
)


def _collect(
    paths: Sequence[str],
    policy: Policy | None,
    jobs: int,
    stats: Any = None,
    select: Any = None,
    stdin_name: str | None = None,
) -> Any:
    from redact.report import collect

    workers = jobs or os.cpu_count() or 1
    files = [p for p in paths if p != STDIN]
    scanner = get_scanner(policy)
    progress = sys.stderr.isatty()
    results = list(
        collect(files, scanner, jobs=workers, progress=progress, policy=policy, stats=stats, select=select)
        if files
        else []
    )
    if STDIN in paths:
        from redact.report import sort_results
        from redact.stores import scan_records
        from redact.stores.files import read_text_as

        name, kind, text = _read_stdin(stdin_name)
        piped = scan_records(read_text_as(text, kind, name), scanner, stats=stats)
        results = sort_results(set(results) | set(piped))
    return results


def _read_stdin(stdin_name: str | None) -> tuple[str, str, str]:
    """(display name, reader kind, text) of standard input."""
    from redact.stores.files import file_kind

    data = sys.stdin.buffer.read() if hasattr(sys.stdin, "buffer") else sys.stdin.read().encode()
    if b"\0" in data[:8192]:
        raise click.UsageError("standard input is binary, not text")
    text = data.decode("utf-8-sig", errors="replace")
    if stdin_name:
        return stdin_name, file_kind(Path(stdin_name)), text
    return "<stdin>", _sniff(text), text


def _sniff(text: str) -> str:
    """json, jsonl or yaml when ``text`` parses as that (YAML only as a mapping or list), else text."""
    from redact._files import parse_documents

    stripped = text.strip()
    if not stripped:
        return "text"
    for kind in ("json", "jsonl", "yaml"):
        try:
            docs = list(parse_documents(text, kind, "<stdin>"))
        except RedactError:
            continue
        if kind != "yaml" or any(isinstance(d, (dict, list)) for _, d in docs):
            return kind
    return "text"


def _select(include: tuple[str, ...], exclude: tuple[str, ...], no_ignore_file: bool) -> Any:
    from redact.stores.files import FileSelect

    return FileSelect(include, exclude, ignore_files=not no_ignore_file)


def _known_names(policy: Policy | None) -> tuple[set[str], set[str]]:
    """(categories, detector ids) a scan under ``policy`` can report."""
    from redact.report import catalog_for

    specs = catalog_for(policy)
    return {s.category for s in specs}, {s.id for s in specs}


def _report_inputs(stats: Any, ignore_unreadable: bool) -> bool:
    """Print what could not be read (``file:line: reason``) and what was skipped, on
    stderr; True when the scan must exit 2 for it."""
    word = "warning" if ignore_unreadable else "error"
    for problem in stats.problems:
        click.echo(f"redact: {word}: {problem}", err=True)
    parts = []
    if len(stats.problems) > 1 or (stats.problems and stats.skipped):
        parts.append(f"{len(stats.problems)} input(s) could not be read")
    for reason, n in sorted(stats.skipped.items()):
        parts.append(f"{n} {reason} file(s) skipped")
    if parts:
        click.echo("redact: " + "; ".join(parts), err=True)
    return bool(stats.problems) and not ignore_unreadable


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="SOURCE...")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="Report format (html: one self-contained page for people).",
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
    metavar="NAME,...|confidence>=N",
    help="Exit 1 only when a reported finding matches: any of these categories or detector "
    "ids and/or at least this confidence (default: any finding). Unknown names are an error.",
)
@click.option(
    "--ignore-unreadable",
    is_flag=True,
    help="Inputs that cannot be read are reported as warnings; the findings alone decide the "
    "exit status (default: exit 2 when any input could not be read).",
)
@_INCLUDE
@_EXCLUDE
@_NO_IGNORE
@_STDIN_NAME
@_JOBS
@_SPARK
def scan(
    paths: tuple[str, ...],
    fmt: str,
    policy_path: Path | None,
    output: Path | None,
    baseline_path: Path | None,
    fail_on: tuple[str, ...],
    ignore_unreadable: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_ignore_file: bool,
    stdin_name: str | None,
    jobs: int,
    spark_master: str | None,
) -> None:
    """Scan SOURCEs for secrets and PII.

    A SOURCE is a file, a folder, '-' (standard input), or an MLflow tracking URI:
    sqlite:///mlflow.db, postgresql://..., mysql://..., http(s)://server, file:///mlruns.
    Files: JSON, JSONL, YAML (application tags such as !Ref are ignored, their content
    read; Helm/Jinja templates are read as text), TOML, CSV/TSV, .env, notebooks, and any
    other text file line by line (binary files are skipped and counted). In folders,
    MLflow mlruns folders and W&B run folders are read as runs.

    A finding on a line carrying `redact:allow` (optionally `redact:allow DETECTOR`) is
    suppressed: listed as such in JSON, SARIF and HTML, left out elsewhere, never failing.

    With --spark, each SOURCE is a Parquet file or folder (or a Delta table), scanned on
    Spark; pointers read /<run_id or row>/<column>/<pointer in the value>.

    Exit status: 0 when clean, 1 when something was found, 2 on usage errors or when an
    input could not be read (each is reported as file:line: reason on standard error; the
    other inputs are still scanned and reported; see --ignore-unreadable).
    Reports show where a finding is and a fingerprint, never the detected text.
    """
    from redact.report import Baseline, FailOn, catalog_for, write_report
    from redact.stores import ScanStats

    policy = load_policy(policy_path) if policy_path else None
    categories, detectors = _known_names(policy)
    try:
        failing = FailOn.parse(fail_on, categories=categories, detectors=detectors)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--fail-on") from None
    stats = ScanStats()
    known_findings = (  # a baseline made with another fingerprint key fails before the scan
        Baseline.load(baseline_path, key_id=get_scanner(policy).fingerprint_key_id)
        if baseline_path is not None
        else None
    )
    if spark_master is not None:
        from redact.spark import scan_paths

        spark_master, paths = _spark_args(spark_master, paths)
        results = scan_paths(paths, policy, spark_master or "local[*]")
    else:
        results = _collect(paths, policy, jobs, stats, _select(include, exclude, no_ignore_file), stdin_name)
    if known_findings is not None:
        results = known_findings.new(results)
    catalog = catalog_for(policy) if fmt == "sarif" else []
    shown = results if fmt in ("json", "sarif", "html") else [r for r in results if not r.suppressed]
    _emit(lambda out: write_report(fmt, shown, catalog, out), output)
    if _report_inputs(stats, ignore_unreadable):
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if failing.fails(r for r in results if not r.suppressed) else EXIT_CLEAN)


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
        fail(f"{output}: cannot write: {exc.strerror}")


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="SOURCE...")
@_policy_option("Policy file (default: the built-in default policy); scan with the same one.")
@_output_option("Baseline file to write (default: standard output).")
@_INCLUDE
@_EXCLUDE
@_NO_IGNORE
@_JOBS
def baseline(
    paths: tuple[str, ...],
    policy_path: Path | None,
    output: Path | None,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    no_ignore_file: bool,
    jobs: int,
) -> None:
    """Record today's findings as known, for `redact scan --baseline FILE`.

    The file lists fingerprints with their detector, category, source and pointer (never
    the values, no timestamps, no line numbers), sorted, so re-runs are byte-identical.
    A finding is known by (fingerprint, detector, pointer): moving a file or reformatting
    it does not make its findings new. Exit status: 0 written, 2 usage or input errors.
    """
    from redact.report import Baseline

    policy = load_policy(policy_path) if policy_path else None
    select = _select(include, exclude, no_ignore_file)
    results = _collect(paths, policy, jobs, select=select)
    known = Baseline.from_results(
        [r for r in results if not r.suppressed], key_id=get_scanner(policy).fingerprint_key_id
    )
    text = known.dumps()
    _emit(lambda out: out.write(text), output)
    if output is not None:
        click.echo(f"redact: {len(known)} known finding(s) written to {output}", err=True)


def _policy_or_default(path: Path | None) -> Policy:
    """The policy at ``path``, or the built-in default one (what every command uses
    when --policy is not given)."""
    return load_policy(path if path is not None else "default")


def _write_documents(kind: str, docs: list[tuple[tuple[int, ...], Any]], out: Path | None) -> None:
    if kind == "jsonl":
        text = "".join(json.dumps(doc, ensure_ascii=False) + "\n" for _, doc in docs)
    elif kind == "json":
        text = json.dumps(docs[0][1], indent=2, ensure_ascii=False) + "\n"
    elif kind == "text":
        text = "".join(line + "\n" for _, line in docs)
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
        try:
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, out)
        except OSError as exc:
            fail(f"{out}: cannot write: {exc.strerror}")


def _warn_tags(name: str, text: str) -> None:
    from redact._files import application_tags

    tags = application_tags(text)
    if tags:
        click.echo(
            f"redact: warning: {name}: YAML tags are not kept in the output ({', '.join(tags[:5])})", err=True
        )


def _apply_documents(path: str, stdin_name: str | None) -> tuple[str, str, list[tuple[tuple[int, ...], Any]]]:
    """(display name, kind, documents) for ``apply``: a JSON/JSONL/YAML file, or standard
    input read as such (or as text lines, each a document of its own)."""
    from redact._files import parse_documents

    if path != STDIN:
        p = Path(path)
        kind = SUFFIXES.get(p.suffix.lower(), "")
        docs = list(read_documents(p))
        if kind == "yaml":
            _warn_tags(path, p.read_text(encoding="utf-8-sig"))
        return path, kind, docs
    name, kind, text = _read_stdin(stdin_name)
    if kind in ("json", "jsonl", "yaml"):
        docs = list(parse_documents(text, kind, name))
        if kind == "yaml":
            _warn_tags(name, text)
        return name, kind, docs
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return name, "text", [((i,), line) for i, line in enumerate(lines)]


@main.command()
@click.argument("path", metavar="PATH|-")
@click.argument("spark_out", required=False, metavar="[OUT]")
@_policy_option("Policy file (default: the built-in default policy).")
@_output_option("Where to write the redacted file (default: standard output).")
@_STDIN_NAME
@_SPARK
def apply(
    path: str,
    spark_out: str | None,
    policy_path: Path | None,
    output: Path | None,
    stdin_name: str | None,
    spark_master: str | None,
) -> None:
    """Write a redacted copy of a JSON, JSONL or YAML file, or of standard input ('-':
    JSON, JSONL or YAML when it parses as one, else text redacted line by line).

    Values the policy leaves alone come out equal to the input. A summary of the
    decisions (pointers, categories, actions; never the values) goes to standard error.
    With --spark: `apply --spark [MASTER] IN OUT` redacts the Parquet (or Delta) table IN
    on Spark into the new folder OUT and prints decision counts per column.
    Exit status: 0 done, 1 a block action refused the file, 2 usage or input errors.
    """
    if spark_master is not None:
        master, args = _spark_args(spark_master, (path, *([spark_out] if spark_out else [])))
        _spark_apply(master or "local[*]", args, output, policy_path)
        return
    if spark_out is not None:
        raise click.UsageError("OUT is for --spark; write a file with -o")
    if path != STDIN and Path(path).is_dir():
        raise click.UsageError(f"{path} is a folder (a Parquet table needs --spark)")
    redactor = get_redactor(_policy_or_default(policy_path))
    name, kind, inputs = _apply_documents(path, stdin_name)
    docs: list[tuple[tuple[int, ...], Any]] = []
    decisions: list[tuple[tuple[int, ...], Decision]] = []
    try:
        for prefix, doc in inputs:
            result = redactor.redact(doc)
            docs.append((prefix, result.value))
            decisions.extend((prefix, d) for d in result.decisions)
    except Blocked as exc:
        click.echo(f"redact: refused: {name}: {exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    _write_documents(kind, docs, output)
    for prefix, d in decisions:
        ptr = "".join(f"/{p}" for p in prefix) + d.pointer
        click.echo(f"{name}: {ptr or '/'}: {d.category} ({d.detector}) -> {d.action}", err=True)
    click.echo(f"redact: {len(decisions)} decision(s) in {name}", err=True)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@_policy_option("The policy whose keyring holds the keys.", required=True)
@click.option("--value", default=None, help="Decrypt one value instead of a file.")
@click.option("--pointer", default=None, help="With --value: the JSON pointer it was encrypted at.")
@_output_option("Where to write the decrypted file (default: standard output).")
def decrypt(
    path: Path | None, policy_path: Path, value: str | None, pointer: str | None, output: Path | None
) -> None:
    """Decrypt enc:v2 (and legacy enc:v1) values, in a file (each at its own place) or one
    --value. --pointer is an RFC 6901 pointer whose segments are all keys
    (/params/db_url), or a JSON list of segments, numbers for list indices
    ('["runs", 0, "db_url"]').

    Exit status: 0 done, 1 a value could not be decrypted (tampered, moved, wrong key),
    2 usage or input errors.
    """
    from redact.actions import decrypt_text

    try:
        keyring = get_redactor(load_policy(policy_path)).keyring
        if value is not None:
            if pointer is None or path is not None:
                raise click.UsageError("--value needs --pointer and no PATH")
            click.echo(decrypt_text(value, _pointer_arg(pointer), keyring))
            return
        if path is None:
            raise click.UsageError("give a PATH or --value")
        docs = [(prefix, _decrypt_tree(doc, [], keyring)) for prefix, doc in read_documents(path)]
    except DecryptError as exc:
        click.echo(f"redact: cannot decrypt: {exc}", err=True)
        sys.exit(EXIT_FINDINGS)
    _write_documents(SUFFIXES.get(path.suffix.lower(), ""), docs, output)


def _pointer_arg(text: str) -> Any:
    """``--pointer``: an RFC 6901 pointer, or a JSON list of segments (ints: indices)."""
    if text.lstrip().startswith("["):
        try:
            segments = json.loads(text)
        except json.JSONDecodeError:
            raise click.BadParameter("not a JSON list of segments", param_hint="--pointer") from None
        if not isinstance(segments, list) or not all(isinstance(p, str) or type(p) is int for p in segments):
            raise click.BadParameter("a JSON list of strings and integers", param_hint="--pointer")
        return segments
    return text


def _decrypt_tree(v: Any, path: list[Any], keyring: Any) -> Any:
    from redact.actions import decrypt_tree

    return decrypt_tree(v, keyring, path)


@main.command()
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@_policy_option("Policy file (or a built-in name: default, strict).", required=True)
def gate(path: Path, policy_path: Path) -> None:
    """Check the policy's required provenance fields in a run's metadata (JSON/YAML, or
    JSONL with one run a line). Exit status: 0 all present, 1 something is missing or
    malformed, 2 usage or input errors."""
    policy = load_policy(policy_path, resolve_keys=False)
    failed = False
    for prefix, doc in read_documents(path):
        where = f"{path}" + (f" line {prefix[0] + 1}" if prefix else "")
        for problem in check_required(doc, policy):
            failed = True
            click.echo(f"{where}: required {problem}")
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


@policy.command("explain")
@click.argument("policy_file", metavar="POLICY")
@click.argument("sample", metavar="SAMPLE")
@click.option(
    "--run",
    "run_id",
    default=None,
    metavar="RUN_ID",
    help="The run to explain when SAMPLE is an MLflow store (a tracking URI or an mlruns folder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
def policy_explain(policy_file: str, sample: str, run_id: str | None, fmt: str) -> None:
    """For each leaf of SAMPLE: its pointer, the key rule of POLICY that applies and the
    decision (actions on its findings, or keep). Nothing is changed or written, no value
    is shown.

    SAMPLE is a file (JSON, JSONL, YAML, TOML, .env, ...), or an MLflow store with --run:
    the run is explained with the pointers the MLflow door uses (/params/<key>,
    /tags/<key>, /inputs/...). POLICY is a file or a built-in name (default, strict).
    Exit status: 0 done, 2 usage or input errors.
    """
    from redact._explain import explain
    from redact.stores import iter_records

    pol = load_policy(policy_file)
    redactor = get_redactor(pol)
    rows: list[tuple[str, str, str]] = []
    if run_id is not None:
        found = next((r for r in iter_records(sample) if tuple(r.prefix) == ("runs", run_id)), None)
        if found is None:
            raise click.UsageError(f"{sample}: no run {run_id!r}")
        docs: list[tuple[str, Any]] = [("", found.document)]
    else:
        if "://" in sample or Path(sample).is_dir():
            raise click.UsageError("SAMPLE is a store or folder: name the run with --run RUN_ID")
        from redact.leaves import pointer
        from redact.stores.files import read_file

        docs = [(pointer(r.prefix), r.document) for r in read_file(sample)]
    for prefix, doc in docs:
        for e in explain(doc, pol, redactor):
            rows.append((prefix + e.pointer if prefix else e.pointer, e.rule, e.decision))
    if fmt == "json":
        click.echo(json.dumps([{"pointer": p, "rule": r, "decision": d} for p, r, d in rows], indent=2))
        return
    head = ("POINTER", "KEY RULE", "DECISION")
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(head)]
    for row in (head, *rows):
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


@policy.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema of policy files (for editors)."""
    click.echo(json.dumps(Policy.model_json_schema(), indent=2))


@main.command("fix")
@click.argument("source")
@_policy_option("Policy file (or a built-in name: default, strict; default: the built-in default policy).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing (no backup).")
@click.option(
    "--backup-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to create the backup in (default: next to the store).",
)
@click.option(
    "--resume",
    is_flag=True,
    help="Finish an interrupted fix (with its journal and backup); a plain re-run does the same.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Afterwards, re-read the store: every planned change must be in place and nothing left "
    "to change (exit 1 otherwise).",
)
@click.option(
    "--rollback",
    is_flag=True,
    help="Restore the backup of an interrupted fix, or of the last completed one (what was "
    "written since is lost).",
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
    policy_path: Path | None,
    dry_run: bool,
    backup_dir: Path | None,
    resume: bool,
    verify: bool,
    rollback: bool,
    fmt: str,
) -> None:
    """Rewrite leaked values in place in SOURCE with the policy's actions.

    SOURCE: an MLflow backend store (sqlite:///mlflow.db or its path, postgresql://...,
    an mlruns folder or file:///...), or JSON/JSONL/YAML files (a file or a folder).
    A tracking server's http(s):// URI is refused: fix needs database access.

    First a backup (<store>.redact-backup-N, 0600 files in a 0700 folder, next to the
    store or in --backup-dir; it holds the original values: destroy it once the fix is
    verified), then a journal (<store>.redact-fix.jsonl: keyed fingerprints and
    pointers, never plaintext) written before each change and moved into the backup
    after success. After a crash, a plain re-run or --resume finishes the fix, and
    --rollback restores the backup. A drop deletes params and tags and masks fields that cannot be
    removed; a block is applied as mask (the report says so). Keys and lineage never
    change, nor do clean values. Re-running changes nothing. Stop writers (the
    tracking server) while fix runs.

    Exit status: 0 done (or nothing to change), 1 --dry-run found values to change or
    --verify failed, 2 usage or input errors (REST URIs, an interrupted fix made with
    another policy).
    """
    from redact.fix import fix as run_fix

    if resume and rollback:
        raise click.UsageError("--resume and --rollback exclude each other")
    policy = _policy_or_default(policy_path)  # as apply: the built-in default without --policy
    try:
        report = run_fix(
            source,
            policy,
            dry_run=dry_run,
            backup_dir=backup_dir,
            resume=resume,
            rollback=rollback,
            verify=verify,
        )
    except OSError as exc:
        fail(f"{exc.filename or source}: {exc.strerror}")
    click.echo(report.render_json() if fmt == "json" else report.render_table(), nl=False)
    failed = report.verification is not None and not report.verification.ok
    sys.exit(EXIT_FINDINGS if (dry_run and report.changes) or failed else EXIT_CLEAN)


if __name__ == "__main__":  # pragma: no cover
    main()
