"""redact.spark in Spark local mode (``local[2]``): findings and redactions equal those of
``redact.scan`` / ``redact.redact`` on the same data, lineage untouched, map keys, nested
types, fail-closed cells, blocks, keys kept out of the plan, and no plaintext in Spark's logs.

One SparkSession for the module; its JVM writes its console output (log4j, Python
worker stderr) to a file that the last tests read.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import string
import uuid
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'redact[spark]')")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("no Java runtime (java on PATH or JAVA_HOME): Spark cannot start", allow_module_level=True)

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner
from pyspark.errors import PythonException

import redact
import redact.spark as rs
from redact.actions import generate_key
from redact.leaves import split_pointer
from redact.policy import load_policy_text

# pyspark warns on each call about pandas versions it was not tested with (mapInArrow does not use pandas)
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")

KEY_ENV = "REDACT_TEST_SPARK_TOKENIZE_KEY"
TOKENIZE_KEY = generate_key("tokenize")
os.environ[KEY_ENV] = TOKENIZE_KEY  # before the JVM starts: local-mode workers inherit it

SCHEMA = (
    "run_id string, params map<string,string>, tags map<string,string>, config string, "
    "env struct<image:string, steps:array<struct<name:string, args:map<string,string>>>>"
)
RNG = random.Random(1234)


def _rand(n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def _hex(n: int) -> str:
    return _rand(n, "0123456789abcdef")


PLANTED: list[str] = []  # every planted secret or personal value (each appears in full)
LINEAGE: list[tuple[str, str, str]] = []  # (run_id, column, value) of lineage values
KEY_SECRET = "postgresql://svc:FAKE-keypass-" + _rand(8) + "@db.internal/app"  # a secret map key


def _row(i: int) -> dict[str, Any]:
    run_id = _hex(32)
    commit, digest, image_digest = _hex(40), "sha256:" + _hex(64), "sha256:" + _hex(64)
    params = {
        "lr": RNG.choice(["0.1", "0.001", "3e-4"]),
        "optimizer": RNG.choice(["adam", "sgd"]),
        "train_path": f"/data/shard-{i:05d}.parquet",
        "dataset_digest": digest,
        "run_uuid": str(uuid.UUID(int=RNG.getrandbits(128))),
        "parent_run_id": _hex(32),
    }
    tags = {"mlflow.source.git.commit": commit, "mlflow.runName": f"run-{i}"}
    config: dict[str, Any] = {"model": {"layers": 12}, "git_sha": commit, "data": {"digest": digest}}
    steps = [{"name": "train", "args": {"epochs": "3", "seed": str(i)}}]
    if i % 3 == 0:
        pw = "FAKE-" + _rand(12)
        params["db_url"] = f"postgresql://svc:{pw}@db.internal:5432/app"
        PLANTED.append(pw)
    if i % 4 == 1:
        key = "FAKE" + _rand(30)
        params["api_key"] = key
        PLANTED.append(key)
    if i % 5 == 2:
        email = f"fake.user{i}@example.com"
        tags["owner_email"] = email
        PLANTED.append(email)
    if i % 4 == 3:
        pw = "FAKE-" + _rand(14)
        config["db"] = {"password": pw}
        PLANTED.append(pw)
    if i % 6 == 5:
        tok = "FAKE" + _rand(28)
        steps.append({"name": "upload", "args": {"token": tok}})
        PLANTED.append(tok)
    for col, v in (("params", digest), ("params", params["run_uuid"]), ("params", params["parent_run_id"])):
        LINEAGE.append((run_id, col, v))
    LINEAGE.extend([(run_id, "tags", commit), (run_id, "config", commit), (run_id, "env", image_digest)])
    return {
        "run_id": run_id,
        "params": params,
        "tags": tags,
        "config": json.dumps(config),
        "env": {"image": f"registry.example.com/train@{image_digest}", "steps": steps},
    }


ROWS = [_row(i) for i in range(40)]
KEY_ROW = _row(40)
KEY_ROW["params"][KEY_SECRET] = "1"
ROWS.append(KEY_ROW)
COLUMNS = ("params", "tags", "config", "env")

TOKENIZE_POLICY = f"""
name: spark-tokenize
extends: default
summary: silent
keyring:
  tokenize: {{env: {KEY_ENV}}}
actions:
  SECRET: tokenize
  CONNECTION_STRING: tokenize
"""


@pytest.fixture(scope="module")
def log_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("spark-log") / "jvm.log"


@pytest.fixture(scope="module")
def spark(log_file: Path) -> Any:
    """One local[2] session; the JVM's stdout/stderr (log4j console, worker stderr) go to
    ``log_file``: the descriptors are redirected while the JVM is launched."""
    from pyspark.sql import SparkSession

    saved = os.dup(1), os.dup(2)
    fd = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        session = (
            SparkSession.builder.master("local[2]")
            .appName("redact-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "2")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "8")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .getOrCreate()
        )
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(fd)
        os.close(saved[0])
        os.close(saved[1])
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def runs(spark: Any) -> Any:
    return spark.createDataFrame(ROWS, SCHEMA).repartition(3)


def _expected_findings(rows: list[dict[str, Any]], policy: Any = None) -> set[tuple[Any, ...]]:
    """(run_id, column, pointer, detector, start, end) of redact.scan on each row's document."""
    out = set()
    for row in rows:
        doc = {c: row[c] for c in COLUMNS}
        for f in redact.scan(doc, policy):
            column, *rest = split_pointer(f.pointer)
            inner = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in rest)
            out.add((row["run_id"], column, inner, f.detector, f.start, f.end))
    return out


def _value_at(row: dict[str, Any], column: str, pointer: str) -> str | None:
    """The leaf a finding points at, or None when the pointer names a detected key (its
    segment is the key in redacted form, so it matches no key of the row)."""
    node: Any = row[column]
    for seg in split_pointer(pointer):
        if isinstance(node, list):
            node = node[int(seg)]
        elif isinstance(node, dict) and seg in node:
            node = node[seg]
        else:
            assert "[REDACTED:" in seg or "*" in seg, "a pointer that names no field"
            return None
    return node if isinstance(node, str) else str(node)


def _keys_scanned() -> bool:
    return bool(redact.scan({KEY_SECRET: "1"}))


def test_findings_equal_redact_scan(runs: Any) -> None:
    """scan_dataframe reports exactly the (id, column, pointer, detector, start, end) that
    redact.scan reports on the same rows as JSON-like documents, over maps, JSON text,
    structs of arrays of maps; every planted value is found; findings carry no plaintext."""
    found = rs.scan_dataframe(runs, id_cols=["run_id"]).collect()
    got = {(r.run_id, r.column, r.pointer, r.detector, r.start, r.end) for r in found}
    expected = _expected_findings(ROWS)
    assert got == expected
    texts = {(r.run_id, r.column, r.pointer, r.start, r.end) for r in found}
    by_id = {row["run_id"]: row for row in ROWS}
    leaves = {(_value_at(by_id[i], c, p), s, e) for i, c, p, s, e in texts}
    spans = {leaf[s:e] for leaf, s, e in leaves if leaf is not None}
    for planted in PLANTED:
        assert any(planted in span or span in planted for span in spans), "a planted value was missed"
    columns = {r.column for r in found}
    assert {"params", "tags", "config", "env"} <= columns
    dumped = json.dumps([r.asDict() for r in found])
    assert not any(p in dumped for p in PLANTED)


def test_no_lineage_finding(runs: Any) -> None:
    """Commit SHAs, sha256 digests, run ids and UUIDs, in maps, JSON text and structs, are
    never reported: every finding's span lies inside a planted value."""
    found = rs.scan_dataframe(runs, id_cols=["run_id"]).collect()
    by_id = {row["run_id"]: row for row in ROWS}
    lineage = {v for _, _, v in LINEAGE} | set(by_id)
    for r in found:
        leaf = _value_at(by_id[r.run_id], r.column, r.pointer)
        if leaf is None:  # a finding in a map key (its pointer holds the key redacted)
            continue
        text = leaf[r.start : r.end]
        assert not any(text in v or v in text for v in lineage)
        assert any(text in p or p in text for p in PLANTED) or text == KEY_SECRET or "FAKE" in text


def test_redact_writes_no_planted_value_and_keeps_lineage(spark: Any, runs: Any, tmp_path: Path) -> None:
    """redact_dataframe under a tokenize policy writes Parquet files holding no planted
    value, every lineage value unchanged, and each cell equal to redact.redact of it under
    the same policy (keys read from the executors' environment); equal secrets get equal
    tokens (joins still work)."""
    policy = load_policy_text(TOKENIZE_POLICY)
    plain = [r for r in ROWS if r is not KEY_ROW]
    df = spark.createDataFrame(plain, SCHEMA).repartition(2)
    out = tmp_path / "redacted"
    rs.redact_dataframe(df, policy=policy).write.option("compression", "none").parquet(str(out))
    blob = b"".join(p.read_bytes() for p in out.glob("*.parquet"))
    assert blob
    for planted in PLANTED:
        assert planted.encode() not in blob
    table = pq.read_table(out)
    rows = {r["run_id"]: r for r in table.to_pylist(maps_as_pydicts="strict")}
    assert len(rows) == len(plain)
    for run_id, column, value in LINEAGE:
        if run_id in rows:
            cell = rows[run_id][column]
            assert value in (json.dumps(cell) if not isinstance(cell, str) else cell)
    for original in plain:
        got = rows[original["run_id"]]
        for column in COLUMNS:
            assert got[column] == redact.redact({column: original[column]}, policy).value[column], column
    # the same secret in two rows: the same token
    dup = [dict(ROWS[0], run_id="a" * 32), dict(ROWS[0], run_id="b" * 32)]
    twice = rs.redact_dataframe(spark.createDataFrame(dup, SCHEMA), policy=policy).collect()
    assert twice[0].params == twice[1].params
    assert twice[0].params["db_url"] != ROWS[0]["params"]["db_url"]


def test_map_keys_are_scanned_like_dict_keys(spark: Any) -> None:
    """A map's keys go through the Scanner and Redactor as a dict's keys do: the findings
    and the redacted map equal redact.scan / redact.redact of the same dict, and a secret
    key is reported when the engine reports dict keys."""
    df = spark.createDataFrame([KEY_ROW], SCHEMA)
    found = {
        (r.run_id, r.column, r.pointer, r.detector, r.start, r.end)
        for r in rs.scan_dataframe(df, id_cols=["run_id"]).collect()
    }
    assert found == _expected_findings([KEY_ROW])
    redacted = rs.redact_dataframe(df, ["params"]).collect()[0].params
    assert redacted == redact.redact({"params": KEY_ROW["params"]}).value["params"]
    if not _keys_scanned():
        pytest.skip("this build's Scanner does not report secrets in dict keys")
    without = dict(KEY_ROW, params={k: v for k, v in KEY_ROW["params"].items() if k != KEY_SECRET})
    assert found > _expected_findings([without])
    assert KEY_SECRET not in redacted


def test_nested_types_redacted_in_place(spark: Any) -> None:
    """Arrays, structs, maps inside them and JSON text are redacted where the secret is;
    a dropped map entry disappears; a masked number becomes null; the decisions column
    lists each decision with its column and pointer, without plaintext."""
    policy = load_policy_text("extends: default\nsummary: silent\nactions:\n  EMAIL_ADDRESS: drop\n")
    email = "fake.person@example.com"
    pw = "FAKE-" + _rand(10)
    rows = [
        {
            "id": 1,
            "tags": {"owner": email, "team": "ml"},
            "items": ["ok", f"postgresql://u:{pw}@h/db"],
            "card": 4111111111111111,
            "st": {"inner": {"a": [f'{{"password": "{pw}"}}']}},
        }
    ]
    schema = "id int, tags map<string,string>, items array<string>, card long, st struct<inner:map<string,array<string>>>"
    out = rs.redact_dataframe(
        spark.createDataFrame(rows, schema),
        ["tags", "items", "card", "st"],
        policy=policy,
        decisions_col="decisions",
    ).collect()[0]
    assert out.tags == {"team": "ml"}
    assert (
        out["items"][0] == "ok"
        and pw not in out["items"][1]
        and out["items"][1].startswith("postgresql://u:")
    )
    assert out.card is None
    assert pw not in out.st.inner["a"][0] and "password" in out.st.inner["a"][0]
    decisions = {(d.column, d.pointer, d.action) for d in out.decisions}
    assert ("tags", "/owner", "drop") in decisions
    assert ("items", "/1", "mask") in decisions
    assert ("card", "", "mask") in decisions
    assert ("st", "/inner/a/0", "mask") in decisions
    assert not any(pw in str(d) or email in str(d) for d in out.decisions)


def test_fail_closed_cells_are_masked_and_counted(spark: Any) -> None:
    """A cell nested deeper than max_depth has its too-deep part replaced (null where a
    string cannot stand) and counted; a value whose detection times out is masked and counted; scan reports both
    as guard findings and counts them."""
    deep = load_policy_text("extends: default\nsummary: silent\nmax_depth: 2\n")
    pw = "FAKE-" + _rand(10)
    rows = [
        {"id": 1, "st": {"inner": {"a": [f"postgresql://u:{pw}@h/db"]}}, "s": f"postgresql://u:{pw}@h/db"}
    ]
    df = spark.createDataFrame(rows, "id int, st struct<inner:map<string,array<string>>>, s string")
    errors = spark.sparkContext.accumulator(0)
    out = rs.redact_dataframe(df, ["st", "s"], policy=deep, decisions_col="d", errors=errors).collect()[0]
    assert out.st is None or out.st.inner["a"] is None
    assert pw not in out.s
    assert ("st", "guard-error") in {(d.column, d.detector) for d in out.d}
    assert errors.value == 1
    slow = load_policy_text("extends: default\nsummary: silent\ntimeout_seconds: 0.000000001\n")
    errors = spark.sparkContext.accumulator(0)
    out = rs.redact_dataframe(df, ["s"], policy=slow, decisions_col="d", errors=errors).collect()[0]
    assert out.s == "[REDACTED:guard-timeout]"
    assert errors.value == 1
    errors = spark.sparkContext.accumulator(0)
    found = rs.scan_dataframe(df, ["st"], id_cols=["id"], policy=deep, errors=errors).collect()
    assert [(f.column, f.pointer, f.detector) for f in found] == [("st", "", "guard-error")]
    assert errors.value == 1


def test_block_fails_the_job_without_plaintext_or_nulls_the_cell(spark: Any) -> None:
    """on_block='fail': the job fails with an error naming column, category and detector
    and holding no plaintext; on_block='null': the cell becomes null with a block decision."""
    block = load_policy_text("extends: default\nsummary: silent\nactions:\n  CONNECTION_STRING: block\n")
    pw = "FAKE-blocked-" + _rand(8)
    df = spark.createDataFrame(
        [{"id": 1, "p": {"db": f"postgresql://u:{pw}@h/db"}}], "id int, p map<string,string>"
    )
    with pytest.raises(PythonException) as info:
        rs.redact_dataframe(df, ["p"], policy=block).collect()
    message = str(info.value)
    assert "blocked: column 'p' holds CONNECTION_STRING" in message
    assert pw not in message
    out = rs.redact_dataframe(df, ["p"], policy=block, on_block="null", decisions_col="d").collect()[0]
    assert out.p is None
    assert [(d.column, d.pointer, d.action) for d in out.d] == [("p", "/db", "block")]


def test_policy_compiled_once_per_worker(spark: Any) -> None:
    """Each Python worker compiles a policy once and reuses it for every later batch and
    task (8 partitions of several batches, two workers: at most one build per worker)."""
    policy = load_policy_text(f"name: once-{_hex(8)}\nsummary: silent\n")
    df = spark.createDataFrame(ROWS * 2, SCHEMA).repartition(8)
    assert rs.scan_dataframe(df, id_cols=["run_id"], policy=policy).count() > 0
    text, source = rs._policy_and_text(policy, "scan")
    key = rs._Job("scan", text, source, ()).cache_key

    def probe(batches: Any) -> Any:
        import os as _os

        import redact.spark as mod

        for _ in batches:
            pass
        yield pa.RecordBatch.from_pylist([{"pid": _os.getpid(), "builds": mod.build_counts.get(key, 0)}])

    seen = {
        r.pid: r.builds
        for r in spark.range(0, 8, numPartitions=8).mapInArrow(probe, "pid long, builds long").collect()
    }
    assert max(seen.values()) == 1
    assert sum(seen.values()) <= 2


def test_no_key_material_in_the_plan(spark: Any) -> None:
    """The function shipped to executors holds the policy's key references, never the
    key: the pickled command in the analyzed plan and its string form lack the key text
    and bytes."""
    policy = load_policy_text(TOKENIZE_POLICY)
    df = rs.redact_dataframe(spark.createDataFrame(ROWS[:2], SCHEMA), policy=policy)
    plan = df._jdf.queryExecution().analyzed()
    command = plan.functionExpr().func().command()
    if not isinstance(command, (bytes, bytearray)):  # Spark 4: a Scala Seq[Byte]
        command = command.toArray(spark._jvm.scala.reflect.ClassTag.Byte())
    command = bytes(command)
    assert KEY_ENV.encode() in command  # the reference travels
    key_bytes = redact.actions.keyring.decode_key(TOKENIZE_KEY)
    assert TOKENIZE_KEY.encode() not in command and key_bytes not in command
    assert TOKENIZE_KEY not in df._jdf.queryExecution().toString()


def test_cli_scan_and_apply_on_parquet(spark: Any, tmp_path: Path) -> None:
    """`redact scan --spark` reports the same findings as scan_dataframe in the usual
    formats (exit 1 when something is found); `redact apply --spark` writes a redacted
    Parquet copy with no planted value."""
    from redact.cli import main

    src = tmp_path / "runs.parquet"
    spark.createDataFrame(ROWS[:12], SCHEMA).write.parquet(str(src))
    result = CliRunner().invoke(main, ["scan", "--spark", "local[2]", "--format", "json", str(src)])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    findings = report["findings"] if isinstance(report, dict) else report
    expected = _expected_findings(ROWS[:12])
    assert len(findings) == len(expected)
    assert not any(p in result.output for p in PLANTED)
    out = tmp_path / "redacted"
    result = CliRunner().invoke(main, ["apply", "--spark", "local[2]", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out).to_pylist(maps_as_pydicts="strict")
    assert len(table) == 12
    dumped = json.dumps(table)
    assert not any(p in dumped for p in PLANTED)
    assert spark.sparkContext._jsc is not None  # the CLI left the running session alone


def test_spark_logs_hold_no_plaintext(spark: Any, log_file: Path) -> None:
    """Spark's driver log and the workers' stderr (everything the JVM wrote during this
    module, failed tasks included) hold no planted value."""
    block = load_policy_text("extends: default\nsummary: silent\nactions:\n  SECRET: block\n")
    with pytest.raises(PythonException):
        rs.redact_dataframe(spark.createDataFrame(ROWS[:4], SCHEMA), policy=block).collect()
    text = log_file.read_text(encoding="utf-8", errors="replace")
    assert "blocked: column" in text  # the failed task was logged
    for planted in [*PLANTED, KEY_SECRET, TOKENIZE_KEY]:
        assert planted not in text


def test_arrow_to_python_equals_to_pylist() -> None:
    """The workers' Arrow conversion equals pyarrow's to_pylist (maps as dicts) for maps,
    lists, structs, nulls at every level and sliced arrays."""
    t = pa.struct(
        [
            ("m", pa.map_(pa.string(), pa.list_(pa.string()))),
            ("l", pa.list_(pa.map_(pa.string(), pa.int64()))),
            ("s", pa.struct([("x", pa.int32()), ("b", pa.binary())])),
        ]
    )
    data = [
        {"m": {"a": ["b", None], "c": []}, "l": [{"x": 1}, None], "s": {"x": 3, "b": b"\x00"}},
        None,
        {"m": None, "l": None, "s": None},
        {"m": {}, "l": [], "s": {"x": None, "b": None}},
    ]
    arr = pa.array(data, type=t)
    for a in (arr, arr.slice(1), arr.slice(2, 2), arr.field("m"), arr.field("l").slice(1)):
        assert rs.arrow_to_python(a) == a.to_pylist(maps_as_pydicts="strict")


def _cell_by_cell(scanner: Any, column: str, arr: pa.Array) -> list[tuple[int, Any]]:
    """What a whole-cell scan of every cell reports: (row, findings or None when it raised)."""
    out = []
    for row, value in enumerate(arr.to_pylist(maps_as_pydicts="strict")):
        if value is None:
            continue
        try:
            findings = scanner.scan(value, (column,))
        except Exception:
            findings = None
        if findings is None or findings:
            out.append((row, findings))
    return out


class _FailOn:
    """The real Scanner, raising for any value that holds ``marker`` (a fault injected to
    pin fail-closed behaviour; everything else is scanned by the Scanner itself)."""

    def __init__(self, scanner: Any, marker: str) -> None:
        self.scanner, self.marker = scanner, marker

    def scan(self, value: Any, path: tuple[str, ...] = ()) -> Any:
        if self.marker in json.dumps(value):
            raise RuntimeError("injected")
        return self.scanner.scan(value, path)


def test_distinct_cells_scanned_once_report_as_whole_cells() -> None:
    """Workers scan each distinct string, integer and map (key, value) pair of a batch once
    and give every row that holds it its findings: the result equals a whole-cell scan of
    every cell, for repeated secrets, null maps, null items, empty maps, integer keys and
    values, sliced arrays, and maps with a ``value`` key (read with its ``key`` sibling as
    context, so scanned whole) or a ``key`` beside an account name (a key pair's key)."""
    from redact._build import build_scanner

    scanner = build_scanner(load_policy_text("name: distinct\nsummary: silent\n"))
    pw = "FAKE-" + _rand(12)
    url = f"postgresql://svc:{pw}@db.internal:5432/app"
    key = "FAKE" + _rand(30)
    secret_key = "postgresql://svc:FAKE-" + _rand(10) + "@db.internal/app"
    maps = [
        {"lr": "0.1", "db_url": url, "opt": "adam"},
        {"lr": "0.1", "opt": "adam"},
        None,
        {},
        {"db_url": url, "api_key": key, "note": None},
        {"key": "db_password", "value": "FAKE" + _rand(14)},
        {"value": "0.1", "lr": "0.1"},
        {secret_key: "1", "lr": "0.1"},
        {"api_key": key},
        {"username": "jdoe", "key": key},
        {"key": key, "lr": "0.1"},
    ] * 3
    strings = [url, "adam", None, url, f'{{"password": "{pw}", "lr": 0.1}}', "adam"] * 4
    numbers = [4111111111111111, 7, None, 4111111111111111, 12] * 3
    columns = {
        "params": pa.array(maps, pa.map_(pa.string(), pa.string())),
        "config": pa.array(strings, pa.string()),
        "card": pa.array(numbers, pa.int64()),
        "by_id": pa.array(
            [{4111111111111111: url, 3: "x"}, None, {3: "x"}] * 3, pa.map_(pa.int64(), pa.string())
        ),
        "counts": pa.array(
            [{"card": 4111111111111111, "n": 3}, {"n": 3}] * 3, pa.map_(pa.string(), pa.int64())
        ),
    }
    # a null map whose entries are not empty (Arrow allows it): its entries are not its values
    columns["masked"] = pa.MapArray.from_arrays(
        pa.array([0, 2, 4, 5], pa.int32()),
        pa.array(["lr", "db_url", "db_url", "api_key", "opt"]),
        pa.array(["0.1", url, url, key, "adam"]),
        mask=pa.array([False, True, False]),
    )
    assert [row for row, _ in rs._scan_column(scanner, "masked", columns["masked"])] == [0]
    for column, arr in columns.items():
        for a in (arr, arr.slice(1), arr.slice(2, 7)):
            assert rs._scan_column(scanner, column, a) == _cell_by_cell(scanner, column, a), column
    got = dict(rs._scan_column(scanner, "params", columns["params"]))
    assert {0, 4, 5, 8, 9} <= set(got) and not {1, 2, 3, 6, 10} & set(got)
    assert any(f.detector == "sensitive-key-value" for f in got[5])  # the `value` row, whole
    assert [f.pointer for f in got[9]] == ["/params/key"]  # a key pair's key, read with its sibling


def test_a_failing_entry_fails_its_whole_cell() -> None:
    """When scanning one (key, value) pair of a map raises, every row holding that pair gets
    one guard-error cell (None) and no other finding of that cell, as a whole-cell scan that
    raises; rows without it are reported as usual."""
    from redact._build import build_scanner

    scanner = _FailOn(build_scanner(load_policy_text("name: failing\nsummary: silent\n")), "BOOM")
    url = "postgresql://svc:FAKE-" + _rand(10) + "@db.internal/app"
    maps = [{"db_url": url, "x": "BOOM"}, {"db_url": url}, {"x": "BOOM"}, {"lr": "0.1"}, None]
    arr = pa.array(maps, pa.map_(pa.string(), pa.string()))
    got = rs._scan_column(scanner, "params", arr)
    assert [(row, f is None) for row, f in got] == [(0, True), (1, False), (2, True)]
    strings = pa.array(["BOOM", url, None, "BOOM"], pa.string())
    assert [(row, f is None) for row, f in rs._scan_column(scanner, "s", strings)] == [
        (0, True),
        (1, False),
        (3, True),
    ]


def test_repeated_values_reported_in_every_row(spark: Any) -> None:
    """The same secret in many rows of one batch and across batches is reported once per
    row that holds it, with that row's id (distinct values are scanned once per batch)."""
    copies = [dict(ROWS[0], run_id=_hex(32)) for _ in range(30)]
    df = spark.createDataFrame(copies, SCHEMA).repartition(2)
    found = rs.scan_dataframe(df, id_cols=["run_id"]).collect()
    per_row = {}
    for r in found:
        per_row.setdefault(r.run_id, set()).add((r.column, r.pointer, r.detector, r.start, r.end))
    one = {(c, p, d, s, e) for _, c, p, d, s, e in _expected_findings([ROWS[0]])}
    assert one and set(per_row) == {r["run_id"] for r in copies}
    assert all(v == one for v in per_row.values())


def test_worker_keeps_a_few_compiled_policies() -> None:
    """A worker keeps at most a few policies compiled (the oldest is dropped first), so a
    session that runs many policies does not grow its workers' memory without bound."""
    jobs = [
        rs._Job("scan", *rs._policy_and_text(load_policy_text(f"name: lru-{_hex(8)}\n"), "scan"), ())
        for _ in range(rs._COMPILED_MAX + 2)
    ]
    engines = [rs._engine(job) for job in jobs]
    kept = [job.cache_key for job in jobs if job.cache_key in rs._compiled]
    assert kept == [job.cache_key for job in jobs[-rs._COMPILED_MAX :]]
    assert rs._engine(jobs[-1]) is engines[-1]
