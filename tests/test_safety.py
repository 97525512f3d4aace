"""The scanner's own safety: linear time on adversarial text, timeouts fail closed."""

from __future__ import annotations

import base64
import json
import random
import time

import pytest

import redact
from redact._build import builtin_specs
from redact._scanner import Scanner
from redact.detect.engine import Engine

MB = 1_000_000


def _adversarial() -> list[str]:
    r = random.Random(1)
    b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return [
        "1" * MB,
        "1 " * (MB // 2),
        "1-" * (MB // 2),
        "a@a." * (MB // 4),
        "a@" * (MB // 2),
        "".join(r.choice(b64) for _ in range(MB)),
        ":" * MB,
        "1." * (MB // 2),
        "https://a:" * (MB // 10),
        "password=" * (MB // 9),
        "-----BEGIN PRIVATE KEY-----" + "A" * (MB - 27),
        " " * MB,
        "a:b:c:d:" * (MB // 8),
        "ghp_" * (MB // 4),
        "eyJ" * (MB // 3),
        "sk-ant-" * (MB // 7),
        "[" * (MB // 2) + "]" * (MB // 2),
        '{"a": ' * (MB // 12) + "1" + "}" * (MB // 12),
    ]


def _ordinary() -> str:
    """1 MB of ordinary run-metadata text: clean params and tags as JSON lines, the kind of
    text a long config or log value holds (numbers, paths, hosts, dates, digests)."""
    r = random.Random(2)
    lines, n = [], 0
    while n < MB:
        run = {
            "run_id": f"{r.getrandbits(128):032x}",
            "lr": r.random() / 100,
            "batch_size": r.choice([16, 32, 64]),
            "epochs": r.randint(1, 99),
            "optimizer": r.choice(["adam", "sgd", "adamw"]),
            "model": "bert-base-uncased",
            "train_path": f"s3://bucket/data/{r.randint(1, 999)}/train.parquet",
            "started": f"2024-06-{r.randint(10, 28)}T10:00:00Z",
            "host": f"gpu-node-{r.randint(1, 64)}",
            "git_commit": f"{r.getrandbits(160):040x}",
            "rows": r.randint(10**5, 10**7),
            "note": "baseline with larger batch and cosine schedule",
        }
        line = json.dumps(run)
        lines.append(line)
        n += len(line) + 1
    return "\n".join(lines)[:MB]


def _dense(size: int) -> list[str]:
    """Text made of real candidates: every match is validated, and reported if it holds."""
    return [
        ("4111 1111 1111 1111 " * (size // 20 + 1))[:size],
        ("1.1.1.1 " * (size // 8 + 1))[:size],
        ("+1 415-555-0132 " * (size // 16 + 1))[:size],
    ]


def _time(values: list[str]) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        for v in values:
            redact.scan({"value": v})
        best = min(best, time.perf_counter() - t)
    return best / len(values)


def test_adversarial_text_is_at_most_10x_ordinary():
    """1 MB of long digit runs, spaced digits, a@a.a chains, base64-like runs and repeated
    keywords costs at most 10x the time of 1 MB of ordinary metadata text (a ratio measured
    in one run, not a timing bar)."""
    ordinary = _time([_ordinary()])
    for value in _adversarial():
        ratio = _time([value]) / ordinary
        assert ratio <= 10, (value[:12], round(ratio, 1))


def test_dense_candidates_scale_linearly():
    """Text packed with genuine candidates (card numbers, IP-shaped versions, phone numbers)
    costs time in proportion to its size: 1 MB takes at most 8x what 250 kB takes (4x is
    linear, 16x quadratic), so validation and overlap resolution never go quadratic."""
    small, large = _dense(MB // 4), _dense(MB)
    for s, big in zip(small, large, strict=True):
        ratio = _time([big]) / _time([s])
        assert ratio <= 8, (big[:12], round(ratio, 1))


def test_timeout_marks_value_sensitive():
    """A pattern that runs out of time reports the whole value as sensitive, never clean."""
    scanner = Scanner(Engine(builtin_specs(), timeout=1e-9))
    text = "card 4111 1111 1111 1111 " * 2000
    (f,) = scanner.scan({"v": text})
    assert (f.detector, f.category, f.start, f.end) == ("guard-timeout", "SECRET", 0, len(text))


def _embedded_json(size: int) -> str:
    """JSON text with escapes before every hit and a credential or address in every record."""
    r = random.Random(3)
    items, n = [], 0
    while n < size:
        record = {
            "note": 'say "hi" \u00e9\\n\t',
            "db_url": f"postgresql://svc:Fk{r.randrange(10**8)}x@db/x",
            "mail": f"a{r.randrange(10**6)}@example.com",
        }
        item = json.dumps(record, ensure_ascii=True)
        items.append(item)
        n += len(item) + 2
    return "[" + ", ".join(items) + "]"


def _python_literal(size: int) -> str:
    """A dict's str() with escapes in its strings and a credential and an address in every
    record, under the size embedded documents are parsed up to."""
    r = random.Random(4)
    records, n = [], 2
    while True:
        record = {
            "note": 'it\'s "quoted" \u00e9\n\t',
            "db_url": f"postgresql://svc:Fk{r.randrange(10**8)}x@db/x",
            "mail": f"a{r.randrange(10**6)}@example.com",
            "shape": (3, 224, 224),
        }
        item = f"'r{len(records)}': {record!r}"
        if n + len(item) + 2 > size * 0.98:
            return "{" + ", ".join(records) + "}"
        records.append(item)
        n += len(item) + 2


def _best_once(value: str) -> float:
    t = time.perf_counter()
    redact.scan({"value": value})
    return time.perf_counter() - t


@pytest.mark.parametrize(
    "name",
    [
        "embedded-json",
        "password-spaces",
        "cards",
        "ips",
        "emails",
        "emails-joined-by-at",
        "jdbc-password",
        "sql-identified-by",
        "escaped-json-password",
        "double-escaped-json-password",
        "backslash-quote-flood",
        "yaml-block-scalar",
        "tight-colon",
        "uri-password-of-at-signs",
        "base64-credentials",
        "base64-text",
        "csv-password-column",
        "csv-escaped-line-breaks",
        "assignments-escaped-line-breaks",
        "python-literal",
        "yaml-argument-lists",
        "inline-argument-lists",
    ],
)
def test_adversarial_megabyte_within_5x_of_ordinary(name):
    """1 MB of embedded JSON with escapes and thousands of hits, repeated ``password   =   ``,
    repeated ``jdbc:password=``, dense cards / IPs / e-mails, a CSV table of credentials,
    lines joined by escaped line breaks, a dict's str() with escapes and thousands of
    hits, and thousands of commands in exec form (YAML sequences, inline lists) each cost at most 5x the time of 1 MB of ordinary metadata, measured as a ratio
    in one run (best of 3)."""
    values = {
        "embedded-json": _embedded_json(MB),
        "password-spaces": ("password   =   " * (MB // 15 + 1))[:MB],
        "jdbc-password": ("jdbc:password=" * (MB // 14 + 1))[:MB],
        "sql-identified-by": ("create user x identified by " * (MB // 28 + 1))[:MB],
        "escaped-json-password": ('\\"password\\": ' * (MB // 16 + 1))[:MB],
        "double-escaped-json-password": ('\\\\\\"password\\\\\\": ' * (MB // 20 + 1))[:MB],
        "backslash-quote-flood": ('\\\\\\\\"' * (MB // 9 + 1))[:MB],
        "yaml-block-scalar": ("password: |\n  x\n" * (MB // 17 + 1))[:MB],
        "tight-colon": ("password:" * (MB // 9 + 1))[:MB],
        "uri-password-of-at-signs": ("postgresql://u:" + "a@" * (MB // 2))[:MB],
        "cards": ("4111 1111 1111 1111 " * (MB // 20 + 1))[:MB],
        "ips": ("10.1.2.3 " * (MB // 9 + 1))[:MB],
        "emails": ("a.b@example.com " * (MB // 16 + 1))[:MB],
        "emails-joined-by-at": ("a.b@example.com@" * (MB // 16 + 1))[:MB],
        "base64-credentials": ((base64.b64encode(b"password=Fk7xWp2KvN9rT").decode() + " ") * (MB // 33 + 1))[
            :MB
        ],
        "base64-text": ((base64.b64encode(b"epochs=3 lr=0.01 model=x").decode() + "\n") * (MB // 33 + 1))[
            :MB
        ],
        "csv-password-column": ("service,password\nmlflow,Zq8mK2pLx9Tq\n" * (MB // 36 + 1))[:MB],
        "csv-escaped-line-breaks": ("service,password\\nmlflow,Zq8mK2pLx9Tq\\n" * (MB // 38 + 1))[:MB],
        "assignments-escaped-line-breaks": ("password=Zq8mK2pLx9Tq\\n" * (MB // 23 + 1))[:MB],
        "python-literal": _python_literal(MB),
        "yaml-argument-lists": ("- mysql\n- -u\n- root\n- -pZq8mK2pLx9Tq\n\n" * (MB // 36 + 1))[:MB],
        "inline-argument-lists": ('CMD ["mysql", "-u", "root", "-pZq8mK2pLx9Tq"]\n' * (MB // 43 + 1))[:MB],
    }
    ordinary_text, value = _ordinary(), values[name]
    ordinary = adversarial = float("inf")
    for _ in range(3):  # interleaved, so a change in machine load hits both alike
        ordinary = min(ordinary, _best_once(ordinary_text))
        adversarial = min(adversarial, _best_once(value))
    ratio = adversarial / ordinary
    assert ratio <= 5, (name, round(ratio, 2))


def test_embedded_json_offsets_are_exact_with_many_escapes():
    """Offsets of findings after many escape sequences map exactly into the outer text."""
    text = _embedded_json(20_000)
    found = redact.scan({"v": text})
    assert found
    for f in found:
        inner = json.loads('"' + text[f.start : f.end] + '"')
        assert inner.startswith("Fk") or "@example.com" in inner


def test_embedded_json_parse_times_out_closed():
    """Parsing embedded JSON sits under the time guard: past the deadline the value is
    reported sensitive whole, never clean."""
    scanner = Scanner(Engine(builtin_specs(), timeout=1e-9))
    text = json.dumps([{"k": i} for i in range(5000)])
    (f,) = scanner.scan({"v": text})
    assert (f.detector, f.start, f.end) == ("guard-timeout", 0, len(text))


@pytest.mark.parametrize("layout", ["block", "section"])
def test_a_dump_of_parent_named_credentials_is_masked_whole_and_cheaply(layout):
    """An INI section or a named block holding more values under a parent-given
    credential's name than a text is read for (each read as a credential's value, one by
    one) is masked whole, as text too dense with findings is, and costs about what
    ordinary text of its size does; one holding a few is read pair by pair."""
    pairs = [f"acme{i} = Zq8mK2pLx9Tq{i:06d}" for i in range(400)]
    body = "\n".join(f"  {p}" for p in pairs)
    text = f"secrets {{\n{body}\n}}" if layout == "block" else f"[secrets]\n{body}\n"
    (f,) = redact.scan({"v": text})
    assert (f.detector, f.start, f.end) == ("guard-dense", 0, len(text))
    few = text.replace("\n".join(f"  {p}" for p in pairs[3:]), "  region = eu")
    assert len(redact.scan({"v": few})) == 3
    ordinary = _ordinary()[: len(text)]
    a = b = float("inf")
    for _ in range(3):
        a, b = min(a, _fresh_scan(text)), min(b, _fresh_scan(ordinary))
    assert a / b <= 5, round(a / b, 2)


def _fresh_scan(value: str) -> float:
    scanner = redact.build_scanner()  # (no memo of what an earlier scan read)
    t = time.perf_counter()
    scanner.scan({"value": value})
    return time.perf_counter() - t


def test_dense_findings_mask_the_value_whole():
    """Past the per-value cap on findings, the value is reported sensitive whole."""
    text = "4111 1111 1111 1111 " * 20_000
    (f,) = redact.scan({"v": text})
    assert (f.detector, f.start, f.end) == ("guard-dense", 0, len(text))
