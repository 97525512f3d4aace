"""End to end: ``redact apply`` (default policy) over the labelled corpus, as JSON, JSONL and YAML.

The corpus (``fixtures/corpus/labelled.json``: ``{"runs": [...], "labels": {pointer: label}}``,
pointers relative to the list of runs) is written to a temporary file in three shapes and
run through the real command line (``click.testing.CliRunner`` on ``redact.cli.main``, and
once in a child process, ``python -m redact.cli``), with no ``--policy``:

* ``json``: ``{"runs": runs}`` (label pointers get the prefix ``/runs``);
* ``jsonl``: one run per line (JSONL pointers start with the line index, as the labels do);
* ``yaml``: ``{"runs": runs[:40]}``, a smaller slice (PyYAML is slow on the full corpus).

What must change and what must not is computed from the labels (the numbers, credentials,
schemes and hosts are located in each labelled leaf by this module's own rules); what the
tool says it did (the decision lines on stderr) and ``redact.scan`` of the input (the
"detected text" of (a)) are checked against them:

(a) no CREDIT_CARD, US_SSN, CONNECTION_STRING or SECRET leaf stays readable: the leaf
    changed and holds none of the detected text; cards and SSNs show at most their last
    4 digits; connection strings keep scheme and host but lose the credential;
(b) at most 0.3% of CLEAN leaves changed;
(c) LINEAGE leaves are byte-for-byte unchanged;
(d) everything not redacted is equal (type and value of every scalar, nested structure,
    key order), and what changed is exactly what the decisions on stderr name;
(e) applying twice gives byte-identical files (also in another process, other hash seed);
(f) ``redact.scan`` of the output finds no CREDIT_CARD, US_SSN, CONNECTION_STRING or SECRET.

Failure messages name pointers, categories and detector ids only, never a value: checks
collect value-free problem strings and fail through ``pytest.fail``; the data holders
have value-free ``repr``s.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner

import redact
from redact.cli import main

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "corpus" / "labelled.json"

PROTECTED = ("CREDIT_CARD", "US_SSN", "CONNECTION_STRING", "SECRET")
CLEAN_CHANGE_CEILING = 0.003
YAML_RUNS = 40
WINDOW = 5  # cards and SSNs: no run of this many of the original's digits may survive
MAX_LISTED = 40
FORMATS = ("json", "jsonl", "yaml")


# --------------------------------------------------------------------------- helpers


def _load_corpus_module():  # noqa: ANN201 - the benchmarks' corpus generator module
    from benchmarks import corpus

    return corpus


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _leaves(obj: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(RFC 6901 pointer, value) of every scalar leaf (str, int, float, bool, None)."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _leaves(v, f"{prefix}/{_escape(str(k))}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _leaves(v, f"{prefix}/{i}")
    else:
        yield prefix, obj


def _same(a: Any, b: Any) -> bool:
    """Equal in type and value (floats by repr, so -0.0 and nan count too)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return repr(a) == repr(b) or (math.isnan(a) and math.isnan(b))
    return bool(a == b)


def _bytes(v: Any) -> bytes:
    return json.dumps(v, ensure_ascii=False).encode("utf-8")


def _text(v: Any) -> str:
    """A leaf as the scanner reads it: ints as their decimal text."""
    return v if isinstance(v, str) else str(v)


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _windows(digits: str, n: int = WINDOW) -> set[str]:
    return {digits[i : i + n] for i in range(len(digits) - n + 1)}


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        shown = "\n  ".join(problems[:MAX_LISTED])
        more = f"\n  ... and {len(problems) - MAX_LISTED} more" if len(problems) > MAX_LISTED else ""
        pytest.fail(f"{title}: {len(problems)} problem(s)\n  {shown}{more}", pytrace=False)


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into output unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


# ----------------------------------------------------- what the labels say is sensitive

_CARD_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
_SSN_GROUPED = re.compile(r"(?<!\d)(\d{3})([- ])(\d{2})\2(\d{4})(?!\d)")
_SSN_BARE = re.compile(r"(?<!\d)\d{9}(?!\d)")
_URI = re.compile(r"""[A-Za-z][A-Za-z0-9+.-]*://[^\s'"<>\\]+""")
_ORACLE_THIN = re.compile(r"thin:[^/@\s'\";]+/(?P<cred>[^@\s'\";]+)@")
_KV_CREDENTIAL = re.compile(
    r"""(?i)(?<![A-Za-z])(?:password|pwd|accountkey|sharedaccesskey|sig)="""
    r"""(?P<cred>\{[^}]*\}|[^;&\s'"]+)"""
)


def _card_spans(text: str, corpus: Any) -> list[tuple[int, int]]:
    """Spans of the structurally valid card numbers in ``text`` (IIN, length, Luhn)."""
    return [m.span() for m in _CARD_RUN.finditer(text) if corpus.card_brand(_digits(m.group()))]


def _ssn_spans(text: str, corpus: Any) -> list[tuple[int, int]]:
    """Spans of the SSA-valid SSNs in ``text``: 3-2-4 dashed or spaced, else 9 bare digits."""
    out = [m.span() for m in _SSN_GROUPED.finditer(text) if corpus.ssn_valid(m.group())]
    if not out:
        out = [m.span() for m in _SSN_BARE.finditer(text) if corpus.ssn_valid(m.group())]
    return out


def _keep_last_four(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with every digit of every span but the span's last 4 digits hidden: the
    most a correct redaction may leave readable."""
    chars = list(text)
    for start, end in spans:
        positions = [i for i in range(start, end) if chars[i].isdigit()]
        for i in positions[:-4]:
            chars[i] = "*"
    return "".join(chars)


@dataclass(frozen=True, repr=False)
class Credential:
    start: int  # span of the credential in the leaf's text, as written there
    end: int
    scheme: str = ""  # URI credentials: scheme and host (the netloc after the userinfo)
    host: str = ""


def _uri_credentials(text: str) -> list[Credential]:
    """Passwords in ``scheme://user:password@host`` URIs (percent-encoded as written)."""
    out = []
    for m in _URI.finditer(text):
        try:
            parts = urlsplit(m.group())
        except ValueError:
            continue
        userinfo, at, host = parts.netloc.rpartition("@")
        user, colon, password = userinfo.partition(":")
        if at and colon and password:
            start = m.start() + m.group().index(parts.netloc) + len(user) + 1
            out.append(Credential(start, start + len(password), parts.scheme.lower(), host.lower()))
    return out


def _other_credentials(text: str) -> list[Credential]:
    """Credentials written as ``key=value`` (JDBC, ADO.NET/ODBC, Azure, SAS) or Oracle thin."""
    out = []
    for rx in (_KV_CREDENTIAL, _ORACLE_THIN):
        for m in rx.finditer(text):
            start, end = m.span("cred")
            if text[start] == "{" and text[end - 1] == "}":
                start, end = start + 1, end - 1
            if end > start:
                out.append(Credential(start, end))
    return out


def _uri_hosts(text: str) -> set[tuple[str, str]]:
    hosts = set()
    for m in _URI.finditer(text):
        try:
            parts = urlsplit(m.group())
        except ValueError:
            continue
        hosts.add((parts.scheme.lower(), parts.netloc.rpartition("@")[2].lower()))
    return hosts


def _replace_spans(text: str, spans: list[tuple[int, int]], with_: str) -> str:
    for start, end in sorted(set(spans), reverse=True):
        text = text[:start] + with_ + text[end:]
    return text


CRED_WINDOW = 6  # connection strings: no run of this many characters of a credential survives


# --------------------------------------------------------------------------- fixtures


@dataclass(repr=False)
class Corpus:
    runs: list[Any]
    labels: dict[str, str]

    def __repr__(self) -> str:
        return f"<Corpus {len(self.runs)} runs, {len(self.labels)} labelled leaves>"


@dataclass(repr=False)
class Applied:
    """One ``redact apply`` of one shape of the corpus; every pointer is a file pointer."""

    fmt: str
    in_path: Path
    out_path: Path
    out_bytes: bytes
    in_doc: Any  # what was written (jsonl: the list of line documents)
    out_doc: Any  # what came out, read back the same way
    labels: dict[str, str]
    before: dict[str, Any]
    after: dict[str, Any]
    decisions: dict[str, set[str]]  # pointer -> "CATEGORY (detector)" reported on stderr
    decision_lines: list[str]
    detected: dict[str, list[tuple[str, str, int, int]]]  # pointer -> (category, detector, start, end)

    def __repr__(self) -> str:
        return f"<Applied {self.fmt}: {len(self.before)} leaves, {len(self.decisions)} redacted>"

    def labelled(self, *cats: str) -> list[str]:
        return [p for p, label in self.labels.items() if label in cats]

    def why(self, ptr: str) -> str:
        """Value-free description of what the tool did at ``ptr``."""
        det = sorted(self.decisions.get(ptr, ()))
        return ", ".join(det) if det else "no decision"


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return Corpus(data["runs"], data["labels"])


@pytest.fixture(scope="module")
def corpus_mod() -> Any:
    return _load_corpus_module()


def _write_input(fmt: str, runs: list[Any], path: Path) -> Any:
    if fmt == "json":
        doc: Any = {"runs": runs}
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    elif fmt == "jsonl":
        doc = list(runs)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in runs), encoding="utf-8")
    else:
        doc = {"runs": runs[:YAML_RUNS]}
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return doc


def _read_output(fmt: str, path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if fmt == "json":
        return json.loads(text)
    if fmt == "jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return yaml.safe_load(text)


def _file_labels(fmt: str, labels: dict[str, str]) -> dict[str, str]:
    if fmt == "json":
        return {"/runs" + p: label for p, label in labels.items()}
    if fmt == "jsonl":
        return dict(labels)
    return {"/runs" + p: label for p, label in labels.items() if int(p.split("/", 2)[1]) < YAML_RUNS}


_DECISION = re.compile(r"^(?P<ptr>.*): (?P<cat>[A-Z][A-Z0-9_]*) \((?P<det>[^()]*)\) -> (?P<act>[a-z]+)$")


def _apply(in_path: Path, out_path: Path) -> tuple[list[str], str]:
    """Run ``redact apply IN -o OUT`` through CliRunner; the decision lines and the summary."""
    res = _runner().invoke(main, ["apply", str(in_path), "-o", str(out_path)])
    stderr = res.stderr
    if res.exit_code != 0:
        last = stderr.strip().splitlines()[-1:] if stderr.strip() else []
        pytest.fail(f"redact apply {in_path.name}: exit {res.exit_code}; stderr ends {last}", pytrace=False)
    prefix = f"{in_path}: "
    lines = [ln for ln in stderr.splitlines() if ln.startswith(prefix)]
    summary = next((ln for ln in stderr.splitlines() if ln.startswith("redact: ")), "")
    return lines, summary


def _run_shape(fmt: str, corpus: Corpus, tmp: Path) -> Applied:
    """Write one shape of the corpus, apply, read everything back (pointers in file terms)."""
    in_path, out_path = tmp / f"runs.{fmt}", tmp / f"redacted.{fmt}"
    in_doc = _write_input(fmt, corpus.runs, in_path)
    lines, summary = _apply(in_path, out_path)

    decisions: dict[str, set[str]] = defaultdict(set)
    bad_lines = 0
    for ln in lines:
        m = _DECISION.match(ln[len(f"{in_path}: ") :])
        if m is None:
            bad_lines += 1
            continue
        decisions[m["ptr"]].add(f"{m['cat']} ({m['det']}) -> {m['act']}")
    if bad_lines or summary != f"redact: {len(lines)} decision(s) in {in_path}":
        pytest.fail(
            f"{fmt}: {bad_lines} unparsable decision line(s), or the summary miscounts", pytrace=False
        )

    detected: dict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    for f in redact.scan(in_doc):
        detected[f.pointer].append((f.category, f.detector, f.start, f.end))

    out_bytes = out_path.read_bytes()
    out_doc = _read_output(fmt, out_path)
    return Applied(
        fmt=fmt,
        in_path=in_path,
        out_path=out_path,
        out_bytes=out_bytes,
        in_doc=in_doc,
        out_doc=out_doc,
        labels=_file_labels(fmt, corpus.labels),
        before=dict(_leaves(in_doc)),
        after=dict(_leaves(out_doc)),
        decisions=dict(decisions),
        decision_lines=lines,
        detected=dict(detected),
    )


@pytest.fixture(scope="module")
def shapes(corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Lazily applied shapes, one apply per shape per module."""
    cache: dict[str, Applied] = {}

    def get(fmt: str) -> Applied:
        if fmt not in cache:
            cache[fmt] = _run_shape(fmt, corpus, tmp_path_factory.mktemp(f"apply_{fmt}"))
        return cache[fmt]

    return get


@pytest.fixture(params=FORMATS)
def applied(request: pytest.FixtureRequest, shapes: Any) -> Applied:
    return shapes(request.param)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- harness


def test_labels_cover_every_input_leaf(applied: Applied) -> None:
    """Harness check: the written file holds exactly the labelled leaves (pointers mapped to
    file coordinates), and the YAML shape reads back to the same values; otherwise every
    other check of this module would compare the wrong leaves."""
    problems = [f"{p}: leaf without a label" for p in applied.before if p not in applied.labels]
    problems += [f"{p}: label without a leaf" for p in applied.labels if p not in applied.before]
    if applied.fmt == "yaml":
        reread = yaml.safe_load(applied.in_path.read_text(encoding="utf-8"))
        back = dict(_leaves(reread))
        problems += [
            f"{p} ({applied.labels.get(p)}): the YAML input does not read back equal"
            for p, v in applied.before.items()
            if p not in back or not _same(v, back[p])
        ]
    _fail(f"{applied.fmt}: labels vs input leaves", problems)


# --------------------------------------------------------------------------- (a)


def test_protected_leaves_changed_and_detected_text_gone(applied: Applied) -> None:
    """(a) Every CREDIT_CARD, US_SSN, CONNECTION_STRING and SECRET leaf comes out changed and
    holds neither its whole original text nor any span ``redact.scan`` detects in the input."""
    problems = []
    for p in applied.labelled(*PROTECTED):
        cat = applied.labels[p]
        before, after = applied.before[p], applied.after.get(p)
        found = applied.detected.get(p, [])
        where = (
            f"{p} [{cat}] ({applied.why(p)}; input findings: "
            + (", ".join(sorted({f"{c}/{d}" for c, d, _, _ in found})) or "none")
            + ")"
        )
        if p not in applied.after:
            problems.append(f"{where}: leaf missing from the output")
            continue
        if _same(before, after):
            problems.append(f"{where}: unchanged")
            continue
        in_text, out_text = _text(before), _text(after)
        if in_text in out_text:
            problems.append(f"{where}: the whole original value is still in the output leaf")
        for c, d, start, end in found:
            if in_text[start:end] and in_text[start:end] in out_text:
                problems.append(f"{where}: detected span {start}:{end} ({c}/{d}) still readable")
    _fail(f"{applied.fmt}: protected leaves", problems)


def test_cards_and_ssns_show_at_most_last_four_digits(applied: Applied, corpus_mod: Any) -> None:
    """(a) For every CREDIT_CARD and US_SSN leaf, no 5 consecutive digits of the original
    number (located from the label: IIN+length+Luhn, or SSA rules; plus the spans the
    scanner detects) appear in the output's digit string, so at most the last 4 digits stay
    visible. A 5-digit window also present in the leaf's own context digits (``batch 326:
    ***-**-7144`` holds ``67144``) counts only beyond its occurrences in the leaf with every
    number masked down to its last 4 digits."""
    problems = []
    for p in applied.labelled("CREDIT_CARD", "US_SSN"):
        cat = applied.labels[p]
        in_text = _text(applied.before[p])
        spans = (_card_spans if cat == "CREDIT_CARD" else _ssn_spans)(in_text, corpus_mod)
        spans += [(s, e) for c, _, s, e in applied.detected.get(p, []) if c == cat]
        spans = sorted({(s, e) for s, e in spans if len(_digits(in_text[s:e])) >= WINDOW})
        if not spans:
            problems.append(f"{p} [{cat}]: harness found no number in the labelled leaf")
            continue
        out_digits = _digits(_text(applied.after.get(p, "")))
        allowed_digits = _digits(_keep_last_four(in_text, spans))
        for i, (s, e) in enumerate(spans):
            number = _digits(in_text[s:e])
            leaked = [w for w in _windows(number) if out_digits.count(w) > allowed_digits.count(w)]
            if leaked:
                problems.append(
                    f"{p} [{cat}] ({applied.why(p)}) number #{i} ({len(number)} digits): "
                    f"{len(leaked)} run(s) of {WINDOW} of its digits still in the output"
                )
    _fail(f"{applied.fmt}: card/SSN digits visible", problems)


def test_connection_strings_keep_scheme_and_host_not_credential(applied: Applied) -> None:
    """(a) For every CONNECTION_STRING leaf: each URI credential (``scheme://user:pw@host``)
    is gone while a URI with the same scheme and host (the netloc after the userinfo) stays;
    ``key=value`` credentials (JDBC ``password=``, ``Pwd=``, ``AccountKey=``,
    ``SharedAccessKey=``, SAS ``sig=``) and Oracle thin passwords are gone too. "Gone": no run
    of 6 characters of the credential (nor its percent-decoded form) appears in the output
    more often than in the leaf with every credential replaced by ``****``."""
    problems = []
    for p in applied.labelled("CONNECTION_STRING"):
        in_text = _text(applied.before[p])
        out_text = _text(applied.after.get(p, ""))
        uris, others = _uri_credentials(in_text), _other_credentials(in_text)
        if not uris and not others:
            problems.append(f"{p} [CONNECTION_STRING]: harness found no credential in the labelled leaf")
            continue
        ideal = _replace_spans(in_text, [(c.start, c.end) for c in uris + others], "****")
        out_hosts = _uri_hosts(out_text)
        for kind, creds in (("URI", uris), ("key=value", others)):
            for i, c in enumerate(creds):
                tag = f"{p} [CONNECTION_STRING] ({applied.why(p)}) {kind} credential #{i}"
                if c.scheme and (c.scheme, c.host) not in out_hosts:
                    problems.append(f"{tag}: scheme '{c.scheme}' and host not kept")
                cred = in_text[c.start : c.end]
                forms = {cred, unquote(cred)}
                runs = {w for f in forms for w in (_windows(f, CRED_WINDOW) or {f})}
                leaked = [w for w in runs if out_text.count(w) > ideal.count(w)]
                if leaked:
                    problems.append(f"{tag}: {len(leaked)} run(s) of its characters still in the output")
    _fail(f"{applied.fmt}: connection strings", problems)


# --------------------------------------------------------------------------- (b) (c) (d)


def test_clean_leaves_changed_at_most_0_3_percent(applied: Applied) -> None:
    """(b) At most 0.3% of the CLEAN leaves (decoys included) differ after apply."""
    clean = applied.labelled("CLEAN")
    changed = [p for p in clean if p not in applied.after or not _same(applied.before[p], applied.after[p])]
    if len(changed) > CLEAN_CHANGE_CEILING * len(clean):
        _fail(
            f"{applied.fmt}: {len(changed)}/{len(clean)} CLEAN leaves changed "
            f"({100 * len(changed) / len(clean):.2f}% > {100 * CLEAN_CHANGE_CEILING:.1f}%)",
            [f"{p} [CLEAN]: {applied.why(p)}" for p in changed],
        )


def test_lineage_leaves_byte_identical(applied: Applied) -> None:
    """(c) No LINEAGE leaf (git SHAs, run ids, digests, UUIDs) changes: same type, and the
    same UTF-8 bytes as a JSON scalar."""
    problems = []
    for p in applied.labelled("LINEAGE"):
        before, after = applied.before[p], applied.after.get(p)
        same = p in applied.after and _same(before, after) and _bytes(before) == _bytes(after)
        if not same:
            problems.append(f"{p} [LINEAGE]: changed ({applied.why(p)})")
    _fail(f"{applied.fmt}: lineage leaves touched", problems)


def _structure(a: Any, b: Any, ptr: str, out: list[str]) -> None:
    if isinstance(a, dict):
        if not isinstance(b, dict):
            out.append(f"{ptr or '/'}: mapping became {type(b).__name__}")
            return
        if list(a) != list(b):
            out.append(f"{ptr or '/'}: keys or key order differ")
        for k in a:
            if k in b:
                _structure(a[k], b[k], f"{ptr}/{_escape(str(k))}", out)
    elif isinstance(a, list):
        if not isinstance(b, list):
            out.append(f"{ptr or '/'}: list became {type(b).__name__}")
            return
        if len(a) != len(b):
            out.append(f"{ptr or '/'}: list length {len(a)} became {len(b)}")
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _structure(x, y, f"{ptr}/{i}", out)
    elif isinstance(b, (dict, list)):
        out.append(f"{ptr or '/'}: scalar became {type(b).__name__}")


def test_everything_not_redacted_is_equal(applied: Applied) -> None:
    """(d) Same nested structure (mapping keys in the same order, list lengths, containers
    stay containers); every scalar leaf the decisions on stderr do not name is equal in type
    and value (floats, ints, bools, nulls, strings); every leaf they name did change, into a
    string."""
    problems: list[str] = []
    _structure(applied.in_doc, applied.out_doc, "", problems)
    for p, before in applied.before.items():
        label = applied.labels.get(p, "?")
        if p not in applied.after:
            problems.append(f"{p} [{label}]: leaf missing from the output")
            continue
        after = applied.after[p]
        if p in applied.decisions:
            if _same(before, after):
                problems.append(f"{p} [{label}] ({applied.why(p)}): a decision names it but it is unchanged")
            elif not isinstance(after, str):
                problems.append(f"{p} [{label}] ({applied.why(p)}): redacted into {type(after).__name__}")
        elif not _same(before, after):
            problems.append(
                f"{p} [{label}]: changed without a decision "
                f"({type(before).__name__} -> {type(after).__name__})"
            )
    problems += [
        f"{p}: decision for a pointer that is not a leaf"
        for p in applied.decisions
        if p not in applied.before
    ]
    _fail(f"{applied.fmt}: values outside the redactions", problems)


# --------------------------------------------------------------------------- (e)


def test_apply_twice_byte_identical(applied: Applied) -> None:
    """(e) A second ``redact apply`` of the same file writes a byte-identical output and
    reports the same decisions."""
    again = applied.out_path.with_name(f"again.{applied.fmt}")
    lines, _ = _apply(applied.in_path, again)
    if again.read_bytes() != applied.out_bytes:
        a, b = applied.out_bytes.splitlines(), again.read_bytes().splitlines()
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        pytest.fail(f"{applied.fmt}: second apply differs, first at output line {first + 1}", pytrace=False)
    if lines != applied.decision_lines:
        pytest.fail(f"{applied.fmt}: second apply reports other decisions", pytrace=False)


def test_apply_in_a_child_process_matches(shapes: Any) -> None:
    """(e) ``python -m redact.cli apply`` of the JSON shape in a fresh interpreter with
    another hash seed writes the same bytes as the in-process run and reports the same
    decisions (nothing depends on set/dict hashing or process state)."""
    applied: Applied = shapes("json")
    out = applied.out_path.with_name("child.json")
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "2718"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-m", "redact.cli", "apply", str(applied.in_path), "-o", str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=applied.in_path.parent,
        timeout=300,
    )
    if proc.returncode != 0:
        last = proc.stderr.strip().splitlines()[-1:]
        pytest.fail(f"child apply: exit {proc.returncode}; stderr ends {last}", pytrace=False)
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith(f"{applied.in_path}: ")]
    if out.read_bytes() != applied.out_bytes:
        pytest.fail("child-process apply wrote different bytes than the in-process apply", pytrace=False)
    if lines != applied.decision_lines:
        pytest.fail("child-process apply reported other decisions", pytrace=False)


# --------------------------------------------------------------------------- (f)


def test_rescan_of_output_finds_nothing_protected(applied: Applied) -> None:
    """(f) ``redact.scan`` of the redacted output reports no CREDIT_CARD, US_SSN,
    CONNECTION_STRING or SECRET anywhere (masks are not mistaken for credentials and
    nothing was left behind)."""
    problems = [
        f"{f.pointer} [{applied.labels.get(f.pointer, '?')}]: {f.category} ({f.detector}) at {f.start}:{f.end}"
        for f in redact.scan(applied.out_doc)
        if f.category in PROTECTED
    ]
    _fail(f"{applied.fmt}: re-scan of the output", problems)


def test_every_protected_label_gets_a_decision(applied: Applied) -> None:
    """(a), from the tool's side: every CREDIT_CARD, US_SSN, CONNECTION_STRING and SECRET
    leaf has a decision of its own category on stderr (so the summary is a faithful audit)."""
    problems = []
    for p in applied.labelled(*PROTECTED):
        cat = applied.labels[p]
        if not any(d.startswith(f"{cat} (") for d in applied.decisions.get(p, ())):
            problems.append(f"{p} [{cat}]: {applied.why(p)}")
    _fail(f"{applied.fmt}: protected leaves without a decision of their category", problems)
