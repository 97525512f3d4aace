"""The detector catalog: every example holds, malformed definitions fail precisely."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from redact._build import builtin_specs, example_failures
from redact.detect.catalog import load_catalog, load_detector_file
from redact.errors import CatalogError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "catalog"
SPECS = builtin_specs()


@pytest.mark.parametrize("spec", SPECS, ids=[s.id for s in SPECS])
def test_detector_examples(spec):
    """Each detector reports its positive examples and none of its negative ones."""
    assert example_failures(spec) == []


def test_catalog_breadth():
    """The catalog covers the promised categories and at least 40 SECRET formats."""
    cats = {s.category for s in SPECS}
    assert {
        "CREDIT_CARD",
        "US_SSN",
        "CONNECTION_STRING",
        "SECRET",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "IP_ADDRESS",
        "IBAN_CODE",
    } <= cats
    secrets = [s for s in SPECS if s.category == "SECRET"]
    assert len(secrets) >= 40, len(secrets)
    assert len({s.id for s in SPECS}) == len(SPECS)


def test_every_detector_declares_examples_with_reasons():
    """Every example carries a reason (the catalog documents itself)."""
    for s in SPECS:
        for ex in [*s.examples.positive, *s.examples.negative]:
            assert ex.reason.strip()


BAD = {
    "bad_validator.yaml": "bad_validator.yaml:7: detector 'demo-token': field 'validators': "
    "unknown validator 'crc33'",
    "bad_regex.yaml": "bad_regex.yaml:6: detector 'demo-token': field 'patterns': "
    "patterns[0] does not compile",
    "bad_unknown_field.yaml": "bad_unknown_field.yaml:8: detector 'demo-token': "
    "field 'keywordz': unknown field",
    "bad_category.yaml": "bad_category.yaml:3: detector 'demo-token': field 'category': "
    "String should match pattern",
    "bad_no_examples.yaml": "bad_no_examples.yaml:2: detector 'demo-token': field 'examples': Field required",
    "bad_no_trigger.yaml": "bad_no_trigger.yaml:2: detector 'demo-token': field '(detector)': "
    "needs keywords, prefilter or context keys/words",
    "bad_yaml.yaml": "bad_yaml.yaml:6: invalid YAML",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_detector_message(name):
    """A malformed detector names the file, line, detector id and field."""
    with pytest.raises(CatalogError) as info:
        load_detector_file(FIXTURES / name)
    message = str(info.value)
    assert message.startswith(str(FIXTURES / name.split(":")[0])), message
    assert BAD[name] in message, message


def test_duplicate_ids_rejected(tmp_path):
    """Two detectors with one id cannot both load."""
    src = (FIXTURES / "good.yaml").read_text()
    (tmp_path / "a.yaml").write_text(src)
    (tmp_path / "b.yaml").write_text(src)
    with pytest.raises(CatalogError, match="duplicate"):
        load_catalog([tmp_path])


def test_good_fixture_loads_and_detects():
    """A well-formed custom catalog file loads and its examples hold."""
    (spec,) = load_detector_file(FIXTURES / "good.yaml")
    assert spec.id == "demo-token"
    assert example_failures(spec) == []


def test_failed_check_lowers_confidence_instead_of_dropping() -> None:
    """A distinctive prefix with the right shape is reported even when its checksum fails,
    at the detector's unverified confidence."""
    import redact

    good = redact.scan({"t": "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"})
    bad = redact.scan({"t": "ghp_MEhEmTyIx1QrwZxf6BektI7lLvkjWxAAAAAA"})
    assert [f.detector for f in good] == ["github-classic-token"] == [f.detector for f in bad]
    assert good[0].confidence == 0.99 and bad[0].confidence == 0.85


def test_vendor_examples_are_opt_in() -> None:
    """Values providers publish as documentation examples are not reported unless a policy
    sets report_vendor_examples."""
    import redact
    from redact.policy import Policy

    value = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE"}
    assert not [f for f in redact.scan(value) if f.detector == "aws-access-key-id"]
    opted = Policy.model_validate({"detectors": {"report_vendor_examples": True}})
    assert [f.detector for f in redact.scan(value, opted) if f.detector == "aws-access-key-id"] == [
        "aws-access-key-id"
    ]


def test_vendor_example_shapes_are_opt_in() -> None:
    """A value of the shape a provider gives all its documentation examples (AWS writes
    EXAMPLE into them) is an example too, by any detector, unless a policy opts in."""
    import redact
    from redact.policy import Policy

    value = {
        "temporary_key_id": "ASIA123456789EXAMPLE",
        "url": "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIAEXAMPLE123456789%2F20210621",
        "aws_secret_access_key": "Zq3dE5fG7hI9jK1lM3nO5pQ7rS9tU1EXAMPLEKEY",
    }
    assert redact.scan(value) == []
    opted = Policy.model_validate({"detectors": {"report_vendor_examples": True}})
    assert {f.pointer for f in redact.scan(value, opted)} == {
        "/temporary_key_id",
        "/url",
        "/aws_secret_access_key",
    }
    # a real key id never holds the word: AWS's ids are random
    assert [f.detector for f in redact.scan({"v": "AKIAC2ZC2VXJLE7AXORH"})] == ["aws-access-key-id"]


def test_vendor_examples_are_examples_wherever_they_appear() -> None:
    """A provider's documented example value is not reported by any detector (a URI's
    password, a generic credential key, an assignment in text), unless a policy opts in."""
    import redact
    from redact.policy import Policy

    example = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret key
    value = {
        "db_url": f"postgresql://ml:{example}@db.internal/x",
        "password": example,
        "env": f"AWS_SECRET_ACCESS_KEY='{example}'",
    }
    assert redact.scan(value) == []
    opted = Policy.model_validate({"detectors": {"report_vendor_examples": True}})
    # (a bare value under a credential key is also read as a documentation sample by the
    # credential grammar itself, opted in or not)
    assert {f.pointer for f in redact.scan(value, opted)} >= {"/db_url", "/env"}


def test_unverified_confidence_needs_checks() -> None:
    """unverified_confidence without checks is a catalog error naming the field."""
    from redact.detect.catalog import parse_detectors

    entry = {
        "id": "x-token",
        "category": "SECRET",
        "description": "test entry",
        "keywords": ["x_"],
        "patterns": ["x_[a-z]{8}"],
        "unverified_confidence": 0.5,
        "examples": {
            "positive": [{"value": "x_abcdefgh", "reason": "shape"}],
            "negative": [{"value": "y", "reason": "other"}],
        },
    }
    with pytest.raises(CatalogError, match="unverified_confidence needs checks"):
        parse_detectors([entry], {}, "t.yaml")


def _entry(patterns: list) -> dict:
    return {
        "id": "x-token", "category": "SECRET", "description": "test entry", "keywords": ["x_"],
        "patterns": patterns,
        "examples": {"positive": [{"value": "x_abcdefgh", "reason": "shape"}],
                     "negative": [{"value": "y", "reason": "other"}]},
    }  # fmt: skip


@pytest.mark.parametrize("kind", ["hyperscan", "python"])
def test_a_pattern_with_its_own_prefilter_runs_only_where_it_matches(kind: str) -> None:
    """A ``{regex, prefilter}`` pattern runs only on text where its own prefilter matches
    (with either prefilter implementation); the detector's other patterns are not gated."""
    from redact.detect.catalog import parse_detectors
    from redact.detect.engine import Engine
    from redact.detect.prefilter import HAVE_HYPERSCAN

    if kind == "hyperscan" and not HAVE_HYPERSCAN:
        pytest.skip("Hyperscan is not installed")
    specs = parse_detectors(
        [_entry([r"x_[a-z]{8}", {"regex": r"x_[0-9]{8}", "prefilter": r"x_\d+-ok"}])], {}, "t.yaml"
    )
    assert specs[0].patterns == [r"x_[a-z]{8}", r"x_[0-9]{8}"]
    engine = Engine(specs, prefilter=kind)
    assert [h.end for h in engine.find("x_abcdefgh")] == [10]
    assert engine.find("x_12345678") == []  # its own prefilter does not match: not run
    assert [(h.start, h.end) for h in engine.find("x_12345678-ok")] == [(0, 10)]


def test_a_fallback_pattern_runs_only_where_the_others_found_nothing() -> None:
    """A ``fallback`` pattern is read only where the detector's other patterns found
    nothing in the text, so it never widens what they found."""
    from redact.detect.catalog import parse_detectors
    from redact.detect.engine import Engine

    specs = parse_detectors(
        [_entry([r"x_[a-z]{8}", {"regex": r"x_[a-z0-9]{8,}", "fallback": True}])], {}, "t.yaml"
    )
    assert specs[0].pattern_fallbacks == [False, True]
    engine = Engine(specs)
    assert [(h.start, h.end) for h in engine.find("x_abcdefgh")] == [(0, 10)]  # not (0, 12)...
    assert [(h.start, h.end) for h in engine.find("x_abcdefgh99")] == [(0, 10)]
    assert [(h.start, h.end) for h in engine.find("x_12345678")] == [(0, 10)]  # the fallback
    with pytest.raises(CatalogError, match="a fallback pattern needs another pattern"):
        parse_detectors([_entry([{"regex": r"x_[a-z]{8}", "fallback": True}])], {}, "t.yaml")


@pytest.mark.parametrize(
    ("pattern", "is_glued"),
    [
        (r"(?<![A-Za-z0-9_])(?P<secret>hf_[A-Za-z]{34})(?![A-Za-z0-9_])", True),
        (r"(?i)(?<![a-z0-9_])(?P<secret>(?:sk|rk)_live_[a-z0-9]{24})(?![a-z0-9_])", True),
        (r"(?<![A-Za-z0-9_])(?P<key>token)\s*=\s*(?P<secret>\S+)", False),  # after a key name
        (r"(?P<secret>gh[pousr]_[A-Za-z0-9]{36})", False),  # no boundaries to relax
        # a right boundary that ends one alternative, not the pattern
        (
            r"(?<![A-Za-z0-9_-])(?P<secret>xoxb-[0-9]{12}-(?:[A-Za-z0-9]{24}(?![A-Za-z0-9_-])|x(?P<gr>)))",
            True,
        ),
    ],
)
def test_glue_aware_forms_relax_only_a_tokens_own_boundaries(pattern: str, is_glued: bool) -> None:
    """The glue-aware form of a pattern relaxes its leading and right one-class
    boundaries only when the reported token starts right after the leading one."""
    import regex

    from redact.detect.engine import glue_boundaries

    glued = glue_boundaries(pattern)
    assert (glued != pattern) is is_glued
    if is_glued:
        samples = {
            "hf_": "hf_" + "Ab" * 17,
            "_live_": "sk_live_" + "a1" * 12,
            "xoxb-": "xoxb-123456789012-" + "aB3" * 8,
        }
        token = next(t for marker, t in samples.items() if marker in pattern)
        assert regex.search(pattern, f"x_{token}_y") is None
        assert regex.search(glued, f"x_{token}_y")["secret"] == token


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (
            {"regex": "x_[0-9]{8}", "prefilter": "(?=x)"},
            "patterns[1].prefilter: a prefilter is a plain regex",
        ),
        ({"regex": "x_[0-9]{8}", "prefilter": "(?i)x_"}, "patterns[1].prefilter: a prefilter sets flags"),
        ({"pattern": "x_[0-9]{8}"}, "patterns[1]: a mapping has 'regex'"),
        ({"regex": "x_[0-9]{8}", "fallback": "yes"}, "patterns[1].fallback: true or false"),
    ],
)
def test_a_bad_pattern_prefilter_is_a_catalog_error(pattern: dict, message: str) -> None:
    """A per-pattern prefilter is checked like a detector's and the error names the
    pattern."""
    from redact.detect.catalog import parse_detectors

    with pytest.raises(CatalogError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse_detectors([_entry([r"x_[a-z]{8}", pattern])], {}, "t.yaml")


@pytest.mark.parametrize("where", ["detector", "pattern"])
def test_a_shape_hyperscan_cannot_compile_is_named(where: str) -> None:
    """A prefilter Python compiles but Hyperscan does not (one that matches the empty
    string): a policy's or user's detector fails as it is read, with its file and line;
    the built-in catalog's shapes are compiled together in the prefilter database, and a
    failure there names the detector and the field."""
    from redact.detect.catalog import parse_detectors
    from redact.detect.engine import Engine
    from redact.detect.prefilter import HAVE_HYPERSCAN

    if not HAVE_HYPERSCAN:
        pytest.skip("Hyperscan is not installed")
    if where == "detector":
        entry = {**_entry([r"x_[a-z]{8}"]), "prefilter": "(?:x_)*"}
        field = "prefilter"
    else:
        entry = _entry([r"x_[a-z]{8}", {"regex": "x_[0-9]{8}", "prefilter": "(?:x_)*"}])
        field = r"patterns\[1\]\.prefilter"
    with pytest.raises(
        CatalogError, match=r"^t\.yaml:\w+: detector 'x-token': field .*Hyperscan cannot compile it"
    ):
        parse_detectors([entry], {}, "t.yaml")
    specs = parse_detectors([entry], {}, "t.yaml", builtin=True)  # (not compiled one by one)
    with pytest.raises(
        CatalogError, match=rf"^detector 'x-token': field '{field}': Hyperscan cannot compile it"
    ):
        Engine(specs, prefilter="hyperscan")
    assert Engine(specs, prefilter="python").find("x_abcdefgh")  # (the fallback has no such limit)


def test_the_builtin_catalog_is_not_compiled_shape_by_shape(tmp_path: Path) -> None:
    """Reading the built-in catalog compiles no prefilter in Hyperscan on its own (its
    shapes meet Hyperscan once, in the prefilter database); a user's catalog file is
    checked shape by shape, and a shape that compiled is remembered in the build cache
    (a later process does not compile it again)."""
    import subprocess
    import sys

    from redact.detect.prefilter import HAVE_HYPERSCAN

    code = (
        "import redact.detect.prefilter as P\n"
        "calls = []\n"
        "real = P._compile_problem\n"
        "P._compile_problem = lambda p: calls.append(p) or real(p)\n"
        "from redact.detect.catalog import load_catalog\n"
        "import sys\n"
        "load_catalog()\n"
        "print(len(calls))\n"
        "load_catalog([sys.argv[1]])\n"
        "print(len(calls))\n"
    )
    catalog = tmp_path / "mine.yaml"
    entry = {**_entry([r"x_[a-z]{8}"]), "prefilter": r"x_\d+-ok"}
    catalog.write_text(json.dumps({"detectors": [entry]}), encoding="utf-8")
    env = {**os.environ, "REDACT_CACHE_DIR": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code, str(catalog)], capture_output=True, text=True, env=env, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    assert runs == ([["0", "1"], ["0", "0"]] if HAVE_HYPERSCAN else [["0", "0"], ["0", "0"]])


def test_fragments_expand_in_patterns_and_prefilters(tmp_path: Path) -> None:
    """``{{name}}`` in a pattern or a prefilter is the named fragment as a group; a catalog
    folder may define fragments of its own, and the built-in ones are known everywhere."""
    from redact.detect.catalog import builtin_fragments, parse_detectors
    from redact.detect.engine import Engine

    assert {"credential_stem", "string_prefix"} <= set(builtin_fragments())
    (tmp_path / "fragments.yaml").write_text("fragments:\n  x_body: '[a-z]{8}'\n")
    entry = _entry([{"regex": r"x_{{x_body}}(?![a-z])", "prefilter": r"x_{{x_body}}"}])
    (tmp_path / "x.yaml").write_text(json.dumps({"detectors": [entry]}))
    (spec,) = load_catalog([tmp_path])
    assert spec.patterns == [r"x_(?:[a-z]{8})(?![a-z])"]
    assert spec.pattern_prefilters == [r"x_(?:[a-z]{8})"]
    engine = Engine([spec])
    assert [(h.start, h.end) for h in engine.find("id x_abcdefgh")] == [(3, 13)]
    # a policy's custom detector sees the built-in fragments
    (custom,) = parse_detectors([_entry([r"(?i:{{credential_stem}})=x_[a-z]{8}"])], {}, "policy.yaml")
    assert "(?:pass|pwd|" in custom.patterns[0]


def test_an_unknown_or_repeated_fragment_is_a_catalog_error(tmp_path: Path) -> None:
    """An unknown ``{{name}}`` names the file, line, detector and field; a fragment
    defined twice, or one that does not compile, names the file and line."""
    (tmp_path / "x.yaml").write_text(
        "detectors:\n"
        "  - id: x-token\n"
        "    category: SECRET\n"
        "    description: test entry\n"
        "    keywords: [x_]\n"
        "    patterns:\n"
        "      - 'x_[a-z]{8}'\n"
        "      - {regex: 'x_{{no_such}}', prefilter: 'x_'}\n"
        "    examples: {positive: [{value: x_abcdefgh, reason: shape}], negative: [{value: y, reason: other}]}\n"
    )
    with pytest.raises(CatalogError) as info:
        load_detector_file(tmp_path / "x.yaml")
    assert str(info.value).startswith(
        f"{tmp_path / 'x.yaml'}:8: detector 'x-token': field 'patterns[1].regex'"
    )
    assert (
        "unknown fragment {{no_such}} (known: credential_stem, pem_private_base64, string_prefix, value_stop)"
        in str(info.value)
    )
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "a.yaml").write_text("fragments:\n  credential_stem: 'x'\n")
    with pytest.raises(CatalogError, match=r"a\.yaml:2: fragment 'credential_stem': defined twice"):
        load_catalog([bad])
    (bad / "a.yaml").write_text("fragments:\n  ok: 'x'\n  broken: '(x'\n")
    with pytest.raises(CatalogError, match=r"a\.yaml:3: fragment 'broken': does not compile"):
        load_catalog([bad])


def test_the_credential_stem_fragment_is_the_assignment_detectors_keywords() -> None:
    """The in-text assignment forms pre-select names by the credential stems, and the
    prefilter finds them by the secret-assignment detector's keywords: the two lists are
    one (each stem written out), and every credential word and pair of words of the key
    grammar holds one."""
    import regex

    from redact.detect import keys
    from redact.detect.catalog import builtin_fragments

    stems = builtin_fragments()["credential_stem"]
    # has(?:l|ł)o, and the letters with case outside ASCII spelt in both cases ((?:п|П)арол);
    # honeycomb[-_]?team (Honeycomb's X-Honeycomb-Team header) by its vendor's name
    written = {"haslo", "hasło", "парол", "Парол", "лозинк", "Лозинк", "şifre", "Şifre", "honeycomb"}
    written |= {"токен", "Токен", "секрет", "Секрет", "recovery", "backup"}
    literal = {s for s in stems.split("|") if regex.fullmatch(r"\w+", s)}  # (vowel signs too)
    (spec,) = [s for s in SPECS if s.id == "secret-assignment"]
    assert set(spec.keywords) == literal | written
    stem = regex.compile(f"(?i:{stems})")
    assert [w for w in keys._CRED_WORDS | keys._TOKEN_WORDS if not stem.search(w)] == []
    assert [p for p in keys._CRED_PAIRS if not stem.search("_".join(p))] == []
    scripts = keys._SCRIPT_PASSWORDS + keys._SCRIPT_CREDENTIALS
    assert [w for w in scripts if not stem.search(w) or not stem.search(w.upper())] == []


def test_long_word_alternations_are_factored_into_the_same_words() -> None:
    """A group of many plain words is compiled as the tree of their shared prefixes: it
    matches exactly the same words (in any case under ``(?i:``), finds the same leftmost
    match in text, and leaves short groups and escaped parentheses as written."""
    import random

    import regex

    from redact.detect.catalog import factor_alternations

    rng = random.Random(20261203)
    words = sorted({"".join(rng.choice("abcdefgh") for _ in range(rng.randint(3, 7))) for _ in range(300)})
    words.sort(key=lambda w: (-len(w), w))  # (the longest first, as the catalog writes them)
    flat = "(?i:" + "|".join(words) + ")"
    factored = factor_alternations(flat)
    assert factored != flat and factored.startswith("(?i:")
    whole_flat, whole_factored = regex.compile(flat + r"\Z"), regex.compile(factored + r"\Z")
    for _ in range(3000):
        w = "".join(rng.choice("abcdefghi") for _ in range(rng.randint(1, 8)))
        assert bool(whole_flat.match(w)) == bool(whole_factored.match(w)), w
        assert bool(whole_factored.match(w.upper())) == bool(whole_flat.match(w.upper())), w
    in_flat, in_factored = regex.compile(flat), regex.compile(factored)
    for _ in range(1000):
        text = " ".join(rng.choice(words) + rng.choice(["", "x", "ab"]) for _ in range(3))
        a, b = in_flat.search(text), in_factored.search(text)
        assert (a and a.span()) == (b and b.span()), text
    assert factor_alternations("(?:ab|ac|b)") == "(?:ab|ac|b)"  # (short: as written)
    assert factor_alternations(r"\(?:" + "|".join(words) + ")").startswith(r"\(?:")
    unsorted = "(?:" + "|".join(sorted(words)) + ")"  # (an order of its own: as written)
    assert factor_alternations(unsorted) == unsorted
    codes = "(?:" + "|".join(f"{a}{b}" for a in "ABCDE" for b in "ABCDE") + ")"
    assert factor_alternations(codes) == codes


def test_api_vendor_names_are_listed_alike_wherever_the_detector_needs_them():
    """``api-vendor-key`` names its vendors in the ``api_vendor`` fragment (its patterns),
    its prefilter keywords, its context words and its context key regex: the four lists
    hold the same names, so a vendor added to one is read in every form."""
    path = Path(__file__).resolve().parents[1] / "detectors" / "providers_saas.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fragment = data["fragments"]["api_vendor"]
    assert fragment.startswith("(?i:") and fragment.endswith(")")
    names = set(fragment[4:-1].split("|"))
    (spec,) = [d for d in data["detectors"] if d["id"] == "api-vendor-key"]
    (keys,) = spec["context"]["keys"]
    listed = re.match(r"\(\?:\^\|_\)\(\?:([a-z0-9|]+)\)", keys)
    assert listed is not None, keys[:40]
    assert len(names) > 500
    assert set(listed[1].split("|")) == names
    assert {w.lower() for w in spec["keywords"]} == names
    assert {w.lower() for w in spec["context"]["words"]} == names
