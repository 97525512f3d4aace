"""Provider breadth: how many credential formats the catalog knows, that each documents
itself, that fillers after a provider prefix are not secrets, and that lineage values
(commit SHAs, digests, run ids, UUIDs) never match any provider format."""

from __future__ import annotations

import base64
import random
import uuid
from collections import Counter
from pathlib import Path

import pytest

import redact
from redact._build import builtin_specs
from redact._scanner import Scanner
from redact.detect.engine import Engine

SPECS = builtin_specs()
CATALOG = Path(__file__).resolve().parents[1] / "detectors"

# SECRET detectors that recognise a generic shape rather than one provider's format:
# not counted as provider formats.
GENERIC = frozenset(
    [
        "jwt",
        "pem-private-key",
        "authorization-header",
        "sensitive-key-value",
        "secret-assignment",
        "api-vendor-key",
    ]
)


def provider_formats() -> list:
    """One detector per provider credential format: every SECRET detector but the generic ones."""
    return [s for s in SPECS if s.category == "SECRET" and s.id not in GENERIC]


def provider_catalog() -> list:
    """The detectors of the provider catalog files (secrets_providers.yaml, providers_*.yaml)."""
    from redact.detect.catalog import load_detector_file

    files = [CATALOG / "secrets_providers.yaml", *sorted(CATALOG.glob("providers_*.yaml"))]
    return [spec for f in files for spec in load_detector_file(f)]


def test_at_least_200_provider_formats() -> None:
    """The catalog knows at least 200 provider credential formats (one detector each)."""
    formats = provider_formats()
    assert len(formats) >= 200, len(formats)
    assert len({s.id for s in formats}) == len(formats)


def test_every_domain_file_is_populated() -> None:
    """Each provider domain file (cloud, AI, data, dev/ops, SaaS) holds a real share of the formats."""
    from redact.detect.catalog import load_detector_file

    counts = {
        p.stem.removeprefix("providers_"): len(load_detector_file(p))
        for p in sorted(CATALOG.glob("providers_*.yaml"))
    }
    assert set(counts) == {"cloud", "ai", "data", "devops", "saas"}, counts
    assert all(n >= 20 for n in counts.values()), counts


def test_every_provider_format_has_examples_both_ways() -> None:
    """Every detector of the provider catalog files carries at least two positive and two
    negative examples."""
    thin = [s.id for s in provider_catalog() if len(s.examples.positive) < 2 or len(s.examples.negative) < 2]
    assert thin == []


# ------------------------------------------------------------------ fillers
FILLERS = "x0 1aAX-"


def _prefix(spec) -> str | None:
    """The literal prefix of ``spec``'s first positive match (its keyword, in the source case)."""
    for ex in spec.examples.positive:
        m = ex.match if ex.match is not None else str(ex.value)
        for kw in sorted(spec.keywords, key=len, reverse=True):
            if m.lower().startswith(kw.lower()) and len(kw) >= 3:
                return m[: len(kw)] + ("|" + m[len(kw) :])
    return None


FILLER_CASES = []
for _s in provider_catalog():
    _p = _prefix(_s)
    if _p:
        _head, _body = _p.split("|", 1)
        FILLER_CASES.append((_s, _head, len(_body)))


@pytest.mark.parametrize("spec,head,n", FILLER_CASES, ids=[c[0].id for c in FILLER_CASES])
def test_prefix_followed_by_filler_is_not_a_secret(spec, head: str, n: int) -> None:
    """A provider prefix followed by a run of one character (``glc_1111...``, ``AIzaaaa...``)
    of the documented length is a placeholder, not a credential."""
    scanner = Scanner(Engine([spec]))
    for ch in FILLERS.replace(" ", ""):
        value = head + ch * n
        assert not scanner.scan({"value": value}), (spec.id, ch)


# ------------------------------------------------------------------ lineage
NEUTRAL_KEYS = ["value", "notes", "checkpoint", "config.model.revision", "params.data.version", "tags.source"]
LINEAGE_KEYS = [
    "git_commit",
    "mlflow.source.git.commit",
    "run_id",
    "parent_run_id",
    "dataset_sha256",
    "dataset_fingerprint",
    "image_digest",
    "docker_image",
    "env_digest",
    "config.code.revision",
    "config.data.checksum",
    "wandb.run_id",
]


def lineage_values(rng: random.Random, n: int) -> list[str]:
    def hexs(k: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(k))

    makers = [
        lambda: hexs(40),
        lambda: hexs(40).upper(),
        lambda: hexs(64),
        lambda: hexs(64).upper(),
        lambda: "sha256:" + hexs(64),
        lambda: hexs(32),
        lambda: str(uuid.UUID(int=rng.getrandbits(128))),
        lambda: uuid.UUID(int=rng.getrandbits(128)).hex,
        lambda: hexs(rng.randint(7, 12)),
        lambda: f"registry.example.com/team/train@sha256:{hexs(64)}",
        lambda: f"ghcr.io/example/img:1.{rng.randint(0, 9)}@sha256:{hexs(64)}",
        lambda: "".join(rng.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(8)),
        lambda: "sha512-" + base64.b64encode(rng.randbytes(64)).decode(),
        lambda: "sha1-" + base64.b64encode(rng.randbytes(20)).decode(),
        lambda: "md5:" + hexs(32),
        lambda: f"runs:/{hexs(32)}/model",
        lambda: f"conda-lock:sha256:{hexs(64)}",
        lambda: f"built from {hexs(7)} on main, data {hexs(12)}",
        lambda: "".join(rng.choice("0123456789" * 9 + "abcdef") for _ in range(40)),
        lambda: base64.b64encode(rng.randbytes(32)).decode(),
    ]
    return [makers[i % len(makers)]() for i in range(n)]


def test_lineage_sweep_has_no_finding() -> None:
    """5,000 random lineage values under neutral and lineage keys, nested and flattened:
    no detector reports anything."""
    rng = random.Random(8)
    values = lineage_values(rng, 5000)
    keys = NEUTRAL_KEYS + LINEAGE_KEYS
    doc: dict[str, list[str]] = {k: [] for k in keys}
    for i, v in enumerate(values):
        doc[keys[i % len(keys)]].append(v)
    findings = redact.scan(doc)
    assert Counter(f.detector for f in findings) == Counter()


def test_lineage_sweep_provider_detectors_under_credential_parents() -> None:
    """Under flattened keys whose parents say "secrets" (``config.secrets.run_uuid``), no
    provider format fires on a lineage value."""
    rng = random.Random(9)
    values = lineage_values(rng, 2000)
    keys = [
        "config.secrets.run_uuid",
        "config.SECRETS.CONDA_LOCK",
        "config.secrets.code.revision",
        "secrets.git_sha",
    ]
    scanner = Scanner(Engine(provider_formats()))
    hits = [
        (k, f.detector)
        for i, v in enumerate(values)
        for k in [keys[i % len(keys)]]
        for f in scanner.scan({k: v})
    ]
    assert hits == []


def _bare_examples(spec) -> list[str]:
    """Positive examples that are the token alone (no key, the whole value reported)."""
    return [
        ex.value
        for ex in spec.examples.positive
        if not ex.key
        and isinstance(ex.value, str)
        and ex.match in (None, ex.value)
        and ex.value.isprintable()
    ]


GLUED = [
    s
    for s in SPECS
    if s.category == "SECRET" and any("(?P<gl>)" in p for p in s.patterns) and _bare_examples(s)
]


@pytest.mark.parametrize("spec", GLUED, ids=[s.id for s in GLUED])
def test_prefixed_tokens_glued_after_a_finding(spec):
    """A provider token with a documented prefix glued after a complete finding (a card
    number, an e-mail address) is reported with its own span; glued after a word that is
    no finding it is not (where its plain pattern needs a separator)."""
    scanner = Scanner(Engine([spec]))
    token = _bare_examples(spec)[0]
    for head in ("4111111111111111", "ann.fake@example.com"):
        if head[-1].isdigit() == token[0].isdigit():
            continue  # two digit runs (or two words) read as one
        found = [token == (head + token)[f.start : f.end] for f in scanner.scan({"v": head + token})]
        assert any(found), head[:4]
    plain = [p for p in spec.patterns if "(?P<gl>)" not in p or not p.startswith("(?<=")]
    if all("A-Za-z0-9" in p.split(")", 1)[0] for p in plain):
        assert not any(
            (("runZq7" + token)[f.start : f.end] == token) for f in scanner.scan({"v": "runZq7" + token})
        )


@pytest.mark.parametrize(
    ("value", "key", "found"),
    [
        ("shodan {tok}", "notes", True),
        ("finnhub: {tok}", "notes", True),
        ('{{"virustotal": "{uuid}"}}', "cfg", True),
        ("Tiingo API token {tok} for prices", "log", True),
        ("{tok}", "openweathermap", True),
        ("{tok}", "config.opencage", True),
        ("shodan {sha}", "notes", False),  # a commit's hex after the name
        ("shodan search apache", "notes", False),
        ("{tok}", "checkpoint", False),
        ("{tok}", "shodan_model", False),
        ('"SalesforceOauth2ProviderConfig": {{', "schema", False),
        ("{sha}", "openweathermap", False),
        # the key's kind after the vendor's name says which credential the hex is, as under
        # api_key: in text and as the key above the value
        ("shodan_key: {sha}", "notes", True),
        ("finnhub key: {sha}", "log", True),
        ("{sha}", "shodan_key", True),
        ("{sha}", "config.FINNHUBKEY", True),
        ("{sha}", "shodan_model_key", False),
        # vendors with detectors of their own, by their name alone in text
        ("pinecone: {uuid}", "log", True),
        ("datadog = {tok}", "notes", True),
        ("heroku {uuid}", "notes", True),
        ("docker: {tok}", "log", False),  # (a word of computing, not only a vendor)
        ("sentry {sha}", "log", False),
    ],
)
def test_a_key_without_a_prefix_beside_its_vendors_name(value: str, key: str, found: bool) -> None:
    """A vendor that issues keys without a prefix: its name alone, or a key named after it,
    says the generated token beside it is its key; never a commit's hex nor words."""
    rng = random.Random(8)
    tok = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789") for _ in range(32))
    sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
    text = value.format(tok=tok, sha=sha, uuid=uuid.UUID(int=rng.getrandbits(128), version=4))
    hits = [f for f in redact.scan({key: text}) if f.detector == "api-vendor-key"]
    assert bool(hits) is found, text


def test_private_keys_as_base64_of_der_and_public_material_stays() -> None:
    """Every private key format cryptography writes in DER (PKCS#8 and the traditional
    PKCS#1 / SEC 1 / DSA forms), as base64 without a PEM header, is a secret; the public
    key and a self-signed certificate of the same key are not."""
    import base64
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.x509.oid import NameOID

    keys = [
        rsa.generate_private_key(65537, 2048),
        ec.generate_private_key(ec.SECP256R1()),
        ed25519.Ed25519PrivateKey.generate(),
    ]
    for key in keys:
        for fmt in (ser.PrivateFormat.PKCS8, ser.PrivateFormat.TraditionalOpenSSL):
            if isinstance(key, ed25519.Ed25519PrivateKey) and fmt is ser.PrivateFormat.TraditionalOpenSSL:
                continue  # (Ed25519 has no traditional form)
            b64 = base64.b64encode(key.private_bytes(ser.Encoding.DER, fmt, ser.NoEncryption())).decode()
            assert [f.detector for f in redact.scan({"env": f"SIGNING_KEY={b64}"})] == ["der-private-key"]
            assert b64 not in redact.redact({"cfg": {"blob": b64}}).value["cfg"]["blob"]
        public = key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo)
        assert redact.scan({"blob": base64.b64encode(public).decode()}) == []
    key = keys[1]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.test")])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    assert redact.scan({"x5c": [base64.b64encode(cert.public_bytes(ser.Encoding.DER)).decode()]}) == []
