"""Text that is a Python literal (a dict's or a list's ``str()``, as MLflow stores a nested
parameter; a string's ``repr``), and text whose line breaks are escaped, read as the
structure or the lines it writes: one key grammar for a mapping and for its ``str()``."""

from __future__ import annotations

import random
import string

import pytest

import redact
from redact._jsontext import JObj, JStr, parse_python_literal

_R = random.Random(11)


def _token(n: int = 24) -> str:
    return "".join(_R.choice(string.ascii_letters + string.digits) for _ in range(n))


FAKE_PW = "Fk9" + _token(10)
SHA = "".join(_R.choice("0123456789abcdef") for _ in range(40))

# mappings and lists as a program holds them; each one's str() must read as it does
STRUCTURES = [
    {"secrets": {"acmeiot": _token(), "run_uuid": SHA[:32]}},
    {"db": {"password": FAKE_PW, "host": "db.example.com"}, "lr": 0.01, "epochs": 3},
    {"owner": "ann.fake@example.com", "id2label": {0: "NEG", 1: "POS"}, "shape": (3, 224, 224)},
    ["--password", FAKE_PW, "--lr", "0.1", "--seed", "7"],
    {"git": {"commit": SHA}, "config.secrets.code.revision": SHA, "tags": {"team", "ml"}},
    {"note": 'it\'s a "quoted" note\twith escapes\n', "api_key": "sk-proj-" + _token(48)},
    {"by_user": {"jane.fake@example.org": 0.93}, "flags": [True, False, None, float("inf")]},
]


@pytest.mark.parametrize("value", STRUCTURES, ids=range(len(STRUCTURES)))
def test_a_mappings_str_reads_as_the_mapping(value) -> None:
    """``redact(str(x))`` is ``str(redact(x))``: each leaf of the literal is read under
    its key path (``secrets.acmeiot`` holds a credential, ``secrets.run_uuid`` lineage),
    keys as text, and the masks land on the same characters."""
    as_text = redact.redact({"v": str(value)}).value["v"]
    assert as_text == str(redact.redact({"v": value}).value["v"])
    found = sorted((f.category, f.detector) for f in redact.scan({"v": str(value)}))
    assert found == sorted((f.category, f.detector) for f in redact.scan({"v": value}))


def test_lineage_in_a_literal_stays_and_a_parent_given_credential_is_found() -> None:
    text = str(STRUCTURES[0])
    out = redact.redact({"v": text}).value["v"]
    assert STRUCTURES[0]["secrets"]["acmeiot"] not in out  # type: ignore[index]
    assert SHA[:32] in out


MULTILINE = {
    "k8s-env": "env:\n- name: DB_PASSWORD\n  value: {pw}\n- name: HOME\n  value: /root\n",
    "wandb-config": "db_password:\n  desc: null\n  value: {pw}\nlr:\n  value: 0.01\n",
    "csv": "service,password\nmlflow,{pw}\nwandb,Zq{pw}\n",
    "pgpass": "db.example.com:5432:app:svc:{pw}\nreplica.example.com:5432:*:ro:Zq{pw}\n",
    "heredoc": 'password = <<EOT\n{pw}\nEOT\nregion = "eu-west-1"\n',
    "next-line": "password:\n  {pw}\nuser: svc\n",
    "redis": "bind 10.0.0.5\nrequirepass {pw}\nmaxmemory 2gb\n",
    "netrc": "machine api.example.com\n  login svc\n  password {pw}\n",
}


@pytest.mark.parametrize("name", sorted(MULTILINE))
def test_a_strings_repr_reads_as_its_lines(name: str) -> None:
    """A multi-line text logged as a repr (line breaks escaped, quotes around it) is
    masked as the text itself is: ``redact(repr(t)) == repr(redact(t))``."""
    text = MULTILINE[name].format(pw=FAKE_PW)
    out = redact.redact({"v": repr(text)}).value["v"]
    assert FAKE_PW not in out
    assert out == repr(redact.redact({"v": text}).value["v"])


@pytest.mark.parametrize("name", ["k8s-env", "pgpass", "heredoc", "netrc", "redis"])
def test_escaped_line_breaks_in_a_log_line_read_as_lines(name: str) -> None:
    """Text that is no literal but holds escaped line breaks (a log line with a manifest
    printed by a program) is also read with them decoded: what was written line by line
    is read as lines, and the mask covers the escapes' source characters only where a
    credential was."""
    text = MULTILINE[name].format(pw=FAKE_PW)
    line = "2024-06-03 10:00:00 INFO applying " + text.replace("\n", "\\n") + " (dry run)"
    out = redact.redact({"v": line}).value["v"]
    assert FAKE_PW not in out
    assert out.startswith("2024-06-03 10:00:00 INFO applying ") and out.endswith(" (dry run)")
    assert redact.redact({"v": out}).value["v"] == out  # (idempotent)


def test_an_escaped_backslash_before_n_is_no_line_break() -> None:
    """``\\\\n`` is a backslash and an n: no line starts there (a Windows path's ``\\new``)."""
    text = r"path=C:\\new\\nested password:" + FAKE_PW
    out = redact.redact({"v": text}).value["v"]
    assert FAKE_PW not in out and out.startswith(r"path=C:\\new\\nested password:")


@pytest.mark.parametrize(
    ("text", "kept"),
    [("Namespace(lr=0.1, hf_token='%s', seed=7)", "seed=7"),
     ("Config(db=DB(host='db.example.com', secrets=Secrets(acmeiot='%s', run_uuid='" + SHA[:32] + "')), "
      "dtype=torch.float32)", SHA[:32]),
     ("os.environ.get('DB_PASSWORD', '%s')", "os.environ.get('DB_PASSWORD', '"),
     ("{'when': datetime.date(2024, 6, 3), 'cfg': Cfg('bert', token='%s')}", "datetime.date(2024, 6, 3)")],
)  # fmt: skip
def test_an_objects_repr_as_a_call_reads_as_its_fields(text: str, kept: str) -> None:
    """An object's repr written as a call (``argparse.Namespace``, a dataclass) is read as
    ``vars``/``asdict`` would give it, each keyword argument under its name and its
    parents' (``secrets.acmeiot`` a credential, ``secrets.run_uuid`` lineage); code's calls
    are read as text too (a default given to ``os.environ.get`` for a password)."""
    secret = _token() if "acmeiot" in text else FAKE_PW  # (a vendor-less name: a generated token)
    value = text % secret
    out = redact.redact({"v": value}).value["v"]
    assert secret not in out and kept in out, out
    assert redact.redact({"v": out}).value["v"] == out


@pytest.mark.parametrize(
    "text",
    ["{'a': <Color.RED: 1>, 'password': '%s'}", "[<object at 0x7f>, 'password=%s']",
     "{'a' 'b', 'password': '%s'}", "{'a': 1 'password': '%s'}", "('unclosed', 'password=%s'"],
)  # fmt: skip
def test_what_is_no_literal_is_read_as_text(text: str) -> None:
    """An object's ``<...>`` repr or a broken literal is no literal: the text is read as
    text, and the credential in it is found as before."""
    value = text % FAKE_PW
    assert parse_python_literal(value) is None
    out = redact.redact({"v": value}).value["v"]
    assert FAKE_PW not in out


def test_literal_offsets_map_every_decoded_character() -> None:
    """Each decoded character of a string literal maps to the characters of the source
    that wrote it (escapes included), for random strings of quotes, backslashes, line
    breaks, non-ASCII and astral characters, bytes and numbers as keys."""
    import ast

    alphabet = string.ascii_letters + "'\"\\\n\t\x00é€😀 {}[](),:"
    r = random.Random(3)

    def text() -> str:
        return "".join(r.choice(alphabet) for _ in range(r.randrange(0, 12)))

    for _ in range(300):
        value = {text(): [text(), text().encode("utf-8"), (r.randrange(100), text())], r.randrange(9): text()}
        source = repr(value)
        doc = parse_python_literal(source)
        assert isinstance(doc, JObj)
        stack: list = [doc]
        while stack:
            node = stack.pop()
            if isinstance(node, JObj):
                stack.extend(x for pair in node for x in pair)
            elif isinstance(node, list):
                stack.extend(node)
            elif isinstance(node, JStr) and node.raw[:1] in "'\"":
                quote = node.raw[0]
                for i, ch in enumerate(node.value):
                    piece = source[node.to_outer(i) : node.to_outer(i + 1)]
                    decoded = ast.literal_eval(quote + piece + quote)
                    if isinstance(decoded, bytes):  # (a bytes literal's escape: one byte)
                        decoded = decoded.decode("latin-1")
                    assert decoded == ch, (source, i)


def test_the_benchmark_runs_str_reads_as_the_runs() -> None:
    """Each run of the labelled benchmark corpus (params, tags, nested configs with
    secrets, PII and lineage) gives the same findings, by category and detector, as a
    mapping and as its ``str()``."""
    from collections import Counter

    from benchmarks import corpus

    runs, _ = corpus.generate(80, 5)
    scanner = redact.build_scanner()
    for run in runs:
        as_text = Counter((f.category, f.detector) for f in scanner.scan({"v": str(run)}))
        assert as_text == Counter((f.category, f.detector) for f in scanner.scan({"v": run}))


@pytest.mark.parametrize("form", ["native", "json", "repr"])
def test_a_name_value_pair_is_a_mappings_member(form: str) -> None:
    """A sequence of two whose first item is a key's name (``dict.items()``, an
    ``OrderedDict``, a list of HTTP headers, ``[["api_key", ...]]``) has its second read
    under that name, as a mapping's member is; a lineage pair and a list of two names stay."""
    import json

    token = _token()
    doc = {
        "items": [("password", FAKE_PW), ("user", "svc")],
        "headers": [["X-Api-Key", token]],
        "pair": ("db_password", FAKE_PW),
        "lineage": [("commit", SHA)],
        "fields": ["password", "username"],
    }
    value = {"native": doc, "json": json.dumps(doc), "repr": str(doc)}[form]
    out = redact.redact({"v": value}).value["v"]
    text = json.dumps(out) if form == "native" else out
    assert FAKE_PW not in text and token not in text
    assert SHA in text and "username" in text and "svc" in text
    assert redact.redact({"v": out}).value["v"] == out


def test_the_catalogs_examples_read_alike_as_mappings_and_as_their_str() -> None:
    """Every example of the catalog, under its key, nested and in a list, gives the same
    findings by category as a mapping and as the mapping's ``str()``."""
    from collections import Counter

    scanner = redact.build_scanner()
    differ = []
    for spec in redact.load_catalog():
        for example in [*spec.examples.positive, *spec.examples.negative]:
            doc = {example.key or "value": example.value}
            for value in (doc, {"cfg": doc}, [doc]):
                native = Counter(f.category for f in scanner.scan({"v": value}))
                if native != Counter(f.category for f in scanner.scan({"v": str(value)})):
                    differ.append((spec.id, example.reason))
    assert differ == []
