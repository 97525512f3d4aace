"""Lineage values reach the store unchanged: no finding on SHAs, digests, run ids, UUIDs."""

from __future__ import annotations

import hashlib
import random
import uuid

import redact

R = random.Random(20240601)


def _hex(bits: int) -> str:
    return format(R.getrandbits(bits), f"0{bits // 4}x")


def lineage_values() -> dict[str, list[str]]:
    n = 400
    sha1 = [_hex(160) for _ in range(n)]
    sha256 = [_hex(256) for _ in range(n)]
    digit_heavy = ["".join(R.choice("0123456789" * 9 + "abcdef") for _ in range(40)) for _ in range(n)]
    return {
        "git_commit": sha1 + digit_heavy,
        "mlflow.source.git.commit": [s[:7] for s in sha1] + [s[:12] for s in sha1],
        "dataset_fingerprint": ["sha256:" + s for s in sha256] + [s[:32] for s in sha256],
        "docker_image": [f"registry.example.com/team/train@sha256:{s}" for s in sha256],
        "image": [f"ghcr.io/example/img:1.2.3@sha256:{s}" for s in sha256[:50]],
        "run_id": [_hex(128) for _ in range(n)],
        "parent_run_id": [str(uuid.UUID(int=R.getrandbits(128))) for _ in range(n)],
        "checksum": [hashlib.md5(str(i).encode()).hexdigest() for i in range(n)]
        + ["md5:" + hashlib.md5(str(-i).encode()).hexdigest() for i in range(n)],
        "env_digest": ["conda-lock:sha256:" + s for s in sha256[:100]]
        + [f"pip-freeze-{s[:16]}" for s in sha256[:100]],
        "dvc": [f"md5: {hashlib.md5(str(i).encode()).hexdigest()}.dir" for i in range(100)],
        "notes": [
            f"built from {s[:7]} on branch main, data {t[:12]}" for s, t in zip(sha1, sha256, strict=True)
        ],
        "token_cache_key": [_hex(256) for _ in range(50)],
    }


def test_no_finding_on_lineage_values():
    """Thousands of generated lineage values, under lineage keys and in text: zero findings."""
    values = lineage_values()
    findings = redact.scan(values)
    assert [(f.pointer, f.detector) for f in findings] == []


def test_lineage_inside_embedded_json_and_lists():
    """Lineage inside JSON text and nested lists stays clean too."""
    import json

    values = lineage_values()
    doc = {"meta": json.dumps({k: v[:20] for k, v in values.items()}), "all": list(values.values())}
    assert redact.scan(doc) == []


def test_digests_under_credential_keys_are_not_credentials():
    """A content digest in its usual spellings (an image pinned by digest, ``sha256:<hex>``,
    a Subresource Integrity value) is lineage wherever it sits, even under a credential
    key; a random value under the same key is reported."""
    digest = hashlib.sha256(b"weights").hexdigest()
    sri = "sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K/uxy9rx7HNQlGYl1kPzQho1wx4JwY8wC"
    for value in (f"ghcr.io/org/train@sha256:{digest}", f"sha256:{digest}", sri):
        assert redact.scan({"secrets": {"image_ref": value}, "api_key": value}) == []
    assert [f.detector for f in redact.scan({"api_key": "Zq8uk0kv36EXyL87FAKE"})] == ["sensitive-key-value"]
