"""Labelled synthetic corpus of ML experiment-tracking metadata.

``generate(n_runs, seed)`` returns ``(runs, labels)``:

* ``runs`` is a list of run records shaped like MLflow / Weights & Biases exports
  (run ids, params, tags, nested Hydra/OmegaConf-like configs, environment dumps,
  W&B metadata and summaries);
* ``labels`` maps the RFC 6901 JSON pointer (relative to the list of runs, e.g.
  ``/12/params/db_url``) of *every* scalar leaf (str, int, float, bool, null) to one
  of the 8 sensitive categories, ``LINEAGE`` or ``CLEAN``.

Every sensitive value is synthesised from ``random.Random(seed)`` (random
characters, valid checksums, fictional phone ranges, documentation / private IP
ranges, example.* and *.internal hosts); none of them is a real credential.
The output is a pure function of ``(n_runs, seed)``: no global random state, no
clock, no environment.

A leaf carries exactly one label. Strings that hold JSON or free text are labelled
with the single non-clean category they contain (generators never mix two
non-clean categories in one leaf).
"""

# ruff: noqa: E501  (long lines are realistic value templates; splitting them hurts reading)
from __future__ import annotations

import base64
import json
import random
import re
import string
import uuid
import zlib
from typing import Any
from urllib.parse import quote

__all__ = [
    "CATEGORIES",
    "LABELS",
    "generate",
    "iter_leaves",
    "escape_pointer_token",
    "luhn_valid",
    "card_brand",
    "iban_valid",
    "ssn_valid",
    "github_checksum",
    "leaf_stats",
    "fixture_text",
]

CATEGORIES: tuple[str, ...] = (
    "CREDIT_CARD",
    "US_SSN",
    "CONNECTION_STRING",
    "SECRET",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "IP_ADDRESS",
    "IBAN_CODE",
)
LINEAGE = "LINEAGE"
CLEAN = "CLEAN"
LABELS: tuple[str, ...] = CATEGORIES + (LINEAGE, CLEAN)

_EMAIL_LIKE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

HEX = "0123456789abcdef"
DIGITS = "0123456789"
ALNUM = string.ascii_letters + string.digits
BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64URL = ALNUM + "-_"
B64 = ALNUM + "+/"
BASE36 = string.digits + string.ascii_lowercase


# --------------------------------------------------------------------------- checksums


def luhn_valid(digits: str) -> bool:
    """Luhn (mod 10) check of a string of decimal digits."""
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = ord(ch) - 48
        if i % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def _luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to ``partial``."""
    for d in DIGITS:
        if luhn_valid(partial + d):
            return partial + d
    raise AssertionError("unreachable")


def _luhn_break(number: str) -> str:
    """Return ``number`` with its last digit changed so that Luhn fails."""
    if not luhn_valid(number):
        return number
    last = (int(number[-1]) + 1 + (int(number[0]) % 8)) % 10
    out = number[:-1] + str(last)
    assert not luhn_valid(out)
    return out


_CARD_RULES: tuple[tuple[str, tuple[int, ...], Any], ...] = (
    # brand, allowed lengths, prefix predicate on the digit string
    ("visa", (13, 16, 19), lambda s: s[0] == "4"),
    ("mastercard", (16,), lambda s: 51 <= int(s[:2]) <= 55 or 2221 <= int(s[:4]) <= 2720),
    ("amex", (15,), lambda s: s[:2] in ("34", "37")),
    ("discover", (16, 19), lambda s: s[:4] == "6011" or s[:2] == "65" or 644 <= int(s[:3]) <= 649),
    ("jcb", (16, 17, 18, 19), lambda s: 3528 <= int(s[:4]) <= 3589),
    ("diners", (14, 16), lambda s: s[:2] in ("36", "38", "39") or 300 <= int(s[:3]) <= 305),
    ("unionpay", (16, 17, 18, 19), lambda s: s[:2] == "62"),
    (
        "maestro",
        (12, 13, 14, 15, 16, 17, 18, 19),
        lambda s: s[:4] in ("5018", "5020", "5038", "6304", "6759", "6761", "6763"),
    ),
)


def card_brand(digits: str) -> str | None:
    """Brand of a structurally valid card number (IIN + length + Luhn), else None."""
    if not digits.isdigit() or not luhn_valid(digits):
        return None
    for brand, lengths, pred in _CARD_RULES:
        if len(digits) in lengths and pred(digits):
            return brand
    return None


def _iban_digits(s: str) -> str:
    return "".join(str(int(c, 36)) for c in s)


def iban_valid(iban: str) -> bool:
    """ISO 13616 mod-97 check (spaces ignored)."""
    s = iban.replace(" ", "").upper()
    if len(s) < 15 or not s[:2].isalpha() or not s[2:4].isdigit() or not s.isalnum():
        return False
    return int(_iban_digits(s[4:] + s[:4])) % 97 == 1


def _iban_make(country: str, bban: str) -> str:
    check = 98 - int(_iban_digits(bban + country + "00")) % 97
    return f"{country}{check:02d}{bban}"


def ssn_valid(ssn: str) -> bool:
    """SSA structural validity of a 9-digit SSN (dashes / spaces ignored)."""
    s = ssn.replace("-", "").replace(" ", "")
    if len(s) != 9 or not s.isdigit():
        return False
    area, group, serial = s[:3], s[3:5], s[5:]
    if area in ("000", "666") or area[0] == "9":
        return False
    return group != "00" and serial != "0000"


def _base62(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out or "0"


def github_checksum(body: str) -> str:
    """6-char base62 CRC32 checksum of a GitHub classic token body (30 chars)."""
    return _base62(zlib.crc32(body.encode())).rjust(6, "0")


# --------------------------------------------------------------------------- pointers


def escape_pointer_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def iter_leaves(obj: Any, prefix: str = ""):
    """Yield ``(pointer, value)`` for every scalar leaf of a JSON-like object."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from iter_leaves(v, f"{prefix}/{escape_pointer_token(str(k))}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from iter_leaves(v, f"{prefix}/{i}")
    else:
        yield prefix, obj


class _T:
    """A scalar (or list / dict subtree) tagged with a non-clean label."""

    __slots__ = ("value", "label")

    def __init__(self, value: Any, label: str) -> None:
        self.value = value
        self.label = label


def _materialize(obj: Any, pointer: str, labels: dict[str, str], inherited: str | None) -> Any:
    if isinstance(obj, _T):
        return _materialize(obj.value, pointer, labels, obj.label)
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            out[k] = _materialize(v, f"{pointer}/{escape_pointer_token(k)}", labels, inherited)
        return out
    if isinstance(obj, list):
        return [_materialize(v, f"{pointer}/{i}", labels, inherited) for i, v in enumerate(obj)]
    labels[pointer] = inherited or CLEAN
    return obj


# --------------------------------------------------------------------------- pools

FIRST = [
    "jane",
    "john",
    "alex",
    "maria",
    "wei",
    "priya",
    "omar",
    "lena",
    "kenji",
    "sofia",
    "lucas",
    "amara",
    "noah",
    "zoe",
    "ivan",
    "fatima",
    "diego",
    "hannah",
    "raj",
    "elena",
    "tomasz",
    "aiko",
    "mateo",
    "ingrid",
    "kwame",
]
LAST = [
    "doe",
    "smith",
    "garcia",
    "chen",
    "patel",
    "kowalski",
    "nguyen",
    "muller",
    "rossi",
    "tanaka",
    "okafor",
    "silva",
    "berg",
    "ivanova",
    "haddad",
    "novak",
    "lee",
    "kim",
    "brown",
    "fischer",
    "o-neil",
    "van-dijk",
]
EMAIL_DOMAINS = [
    "example.com",
    "example.org",
    "example.net",
    "corp.example.com",
    "research.example.org",
    "ml.example.net",
    "mail.example.com",
    "labs.example.io",
]
MODELS = [
    "bert-base-uncased",
    "roberta-large",
    "distilbert-base-uncased",
    "gpt2",
    "meta-llama/Llama-2-7b-hf",
    "meta-llama/Meta-Llama-3-8B-Instruct",
    "mistralai/Mistral-7B-v0.1",
    "google/flan-t5-base",
    "facebook/opt-1.3b",
    "EleutherAI/pythia-410m",
    "openai/clip-vit-base-patch32",
    "microsoft/deberta-v3-base",
    "sentence-transformers/all-MiniLM-L6-v2",
    "tiiuae/falcon-7b",
    "Qwen/Qwen2-7B",
    "resnet50",
    "vit_base_patch16_224",
    "efficientnet_b0",
    "convnext_tiny",
    "xlm-roberta-base",
    "t5-small",
    "allenai/longformer-base-4096",
]
TOKENIZERS = [
    "bert-base-uncased",
    "meta-llama/Llama-2-7b-hf",
    "gpt2",
    "t5-small",
    "xlm-roberta-base",
    "cl100k_base",
    "o200k_base",
    "LlamaTokenizerFast",
    "PreTrainedTokenizerFast",
    "sentencepiece",
    "tiktoken:cl100k_base",
]
OPTIMIZERS = [
    "adamw",
    "adam",
    "sgd",
    "adafactor",
    "lion",
    "rmsprop",
    "AdamW",
    "adamw_torch_fused",
    "paged_adamw_8bit",
]
SCHEDULERS = [
    "cosine",
    "linear",
    "constant_with_warmup",
    "polynomial",
    "onecycle",
    "reduce_on_plateau",
    "cosine_with_restarts",
    "inverse_sqrt",
]
PRECISIONS = ["bf16-mixed", "16-mixed", "32", "fp16", "bf16", "tf32", "32-true"]
DATASETS = [
    "imdb",
    "glue/sst2",
    "squad_v2",
    "c4/en",
    "wikitext-103-raw-v1",
    "openwebtext",
    "cifar10",
    "imagenet-1k",
    "coco/2017",
    "librispeech_asr",
    "samsum",
    "cnn_dailymail/3.0.0",
    "tatsu-lab/alpaca",
    "HuggingFaceH4/ultrachat_200k",
    "criteo/day_23",
    "internal/clickstream_v4",
]
EXPERIMENTS = [
    "nlp-finetune",
    "llm-sft",
    "vision-baseline",
    "rec-sys-ctr",
    "asr-conformer",
    "fraud-detection-gbm",
    "churn-model",
    "ranker-v2",
    "summarization",
    "rlhf-reward-model",
    "/Users/ml-team/llm-eval",
    "/Shared/forecasting",
    "payments-risk",
    "search-relevance",
]
USERNAMES = [
    "jdoe",
    "asmith",
    "svc-ml-pipeline",
    "wchen",
    "ppatel",
    "mrossi",
    "ktanaka",
    "root",
    "ubuntu",
    "airflow",
    "svc_databricks_jobs",
    "lnovak",
    "gh-actions",
]
ADJ = [
    "honest",
    "fluent",
    "distinctive",
    "eager",
    "silver",
    "misty",
    "crimson",
    "vivid",
    "quiet",
    "bright",
    "ancient",
    "lucky",
    "stellar",
    "wild",
    "gentle",
    "bold",
]
NOUN = [
    "sunset",
    "wave",
    "river",
    "forest",
    "meadow",
    "galaxy",
    "thunder",
    "breeze",
    "mountain",
    "pond",
    "comet",
    "dew",
    "field",
    "frost",
    "shadow",
    "lake",
]
BUCKETS = [
    "ml-datasets-prod",
    "team-ml-artifacts",
    "research-scratch",
    "feature-store-exports",
    "llm-checkpoints",
    "eval-results-2024",
]
DB_HOSTS = [
    "db.internal",
    "pg-prod-1.data.internal",
    "feature-db.ml.internal",
    "warehouse.example.net",
    "mysql.example.com",
    "reporting.internal",
    "analytics-db.example.org",
    "pg.staging.internal",
    "metadata-db.corp.example.com",
]
CACHE_HOSTS = [
    "cache.internal",
    "redis-0.redis.ml.internal",
    "queue.example.com",
    "rabbit.internal",
    "broker.example.net",
]
STATUSES = ["FINISHED", "FINISHED", "FINISHED", "FAILED", "KILLED", "RUNNING"]
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-northeast-1"]
INSTANCE_TYPES = [
    "p4d.24xlarge",
    "g5.12xlarge",
    "p3.8xlarge",
    "a2-highgpu-8g",
    "Standard_ND96asr_v4",
    "n1-standard-16",
    "ml.g5.2xlarge",
    "trn1.32xlarge",
]
GPUS = [
    "NVIDIA A100-SXM4-80GB",
    "NVIDIA H100 80GB HBM3",
    "Tesla V100-SXM2-16GB",
    "NVIDIA A10G",
    "NVIDIA L4",
    "NVIDIA RTX A6000",
]
FOUR_PART_VERSIONS = [
    "8.6.1.6",
    "8.9.2.26",
    "8.9.7.29",
    "9.1.0.70",
    "10.2.0.19",
    "8.6.0.163",
    "8.5.3.1",
    "9.0.0.312",
    "10.0.1.6",
    "8.4.1.50",
]


class _Gen:
    def __init__(self, rng: random.Random) -> None:
        self.r = rng

    # ------------------------------------------------------------------ primitives
    def choice(self, seq):
        return self.r.choice(seq)

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def digits(self, n: int) -> str:
        return self.chars(DIGITS, n)

    def hexs(self, n: int, digit_runs: bool = True) -> str:
        """Random lowercase hex; ~30% of long ones get an embedded long digit run."""
        h = self.chars(HEX, n)
        if digit_runs and n >= 12 and self.r.random() < 0.3:
            run = self.r.randint(min(8, n - 2), min(16, n - 2))
            pos = self.r.randint(0, n - run)
            h = h[:pos] + self.digits(run) + h[pos + run :]
        if n <= 16 and not any(c in "abcdef" for c in h):
            # an all-digit short "hex" id could be a valid card number: keep one letter
            # (derived from the digits, so the random stream is not consumed)
            h = "abcdef"[int(h[0]) % 6] + h[1:]
        return h

    def prob(self, p: float) -> bool:
        return self.r.random() < p

    def person(self) -> tuple[str, str]:
        return self.choice(FIRST), self.choice(LAST)

    def date(self) -> str:
        return f"20{self.r.randint(22, 25)}-{self.r.randint(1, 12):02d}-{self.r.randint(1, 28):02d}"

    def clock(self) -> str:
        return f"{self.r.randint(0, 23):02d}:{self.r.randint(0, 59):02d}:{self.r.randint(0, 59):02d}"

    def iso_ts(self) -> str:
        frac = f".{self.digits(self.choice([3, 6]))}" if self.prob(0.4) else ""
        return f"{self.date()}T{self.clock()}{frac}{self.choice(['Z', '+00:00', '', '-07:00'])}"

    def epoch_s(self) -> int:
        return self.r.randint(1_672_531_200, 1_767_225_599)

    def clean_number(self, n: int) -> str:
        """n random digits, never a structurally valid card (Luhn always broken)."""
        first = self.choice("123456789")
        return _luhn_break(first + self.digits(n - 1))

    def word_name(self) -> str:
        return f"{self.choice(ADJ)}-{self.choice(NOUN)}-{self.r.randint(1, 999)}"

    def host(self) -> str:
        return self.choice(DB_HOSTS)

    def pw_token(self, lo: int = 12, hi: int = 28) -> str:
        """A random mixed-class password (no placeholder syntax)."""
        n = self.r.randint(lo, hi)
        punct = "!@#%^&*-_=+?.~"
        while True:
            s = self.choice(string.ascii_letters) + self.chars(ALNUM + punct + ALNUM, n - 1)
            if (
                any(c.islower() for c in s)
                and any(c.isupper() for c in s)
                and any(c.isdigit() for c in s)
                and any(c in punct for c in s)
                and "{{" not in s
                and "}}" not in s
                and not _EMAIL_LIKE.search(s)  # one label per leaf: no "x@y.zz" inside
            ):
                return s

    def url_password(self) -> str:
        """A password as it appears inside a URL: plain, or with percent-encoding."""
        if self.prob(0.5):
            return self.chars(ALNUM, self.r.randint(10, 24)) + self.chars("-_.~!*" + ALNUM, 3)
        raw = self.chars(ALNUM, self.r.randint(8, 18))
        for _ in range(self.r.randint(1, 3)):
            pos = self.r.randint(0, len(raw))
            raw = raw[:pos] + self.choice("@:/#?$%&+= ") + raw[pos:]
        return quote(raw, safe="-_.~!*")

    def db_user(self) -> str:
        return self.choice(
            [
                "svc_ml",
                "ml_reader",
                "feature_etl",
                "app",
                "admin",
                "jdoe",
                "mlflow",
                "etl-user",
                "analytics",
                "airflow",
                "sa",
            ]
        )

    # ------------------------------------------------------------------ lineage
    def lineage(self) -> tuple[str, Any, tuple[str, ...]]:
        """(key, value, placements) with the value labelled LINEAGE."""
        kind = self.r.randint(0, 21)
        if kind == 0:
            return "git_commit", self.hexs(40), ("param", "tag", "config")
        if kind == 1:
            return (
                self.choice(["code_version", "git_sha", "git_short_sha", "commit"]),
                self.hexs(self.choice([7, 7, 8, 12])),
                ("param", "tag", "config"),
            )
        if kind == 2:
            return "mlflow.parentRunId", self.hexs(32), ("tag",)
        if kind == 3:
            return (
                self.choice(["dataset_fingerprint", "dataset_digest", "data_version"]),
                "sha256:" + self.hexs(64),
                ("param", "tag", "config"),
            )
        if kind == 4:
            repo = self.choice(
                [
                    "registry.example.com/ml/train",
                    "ghcr.io/example-org/trainer",
                    "123456789012.dkr.ecr.us-east-1.amazonaws.com/ml-train",
                    "nvcr.io/nvidia/pytorch:24.01-py3",
                ]
            )
            return (
                self.choice(["image", "docker_image", "container_image"]),
                f"{repo}@sha256:{self.hexs(64)}",
                ("param", "tag", "config"),
            )
        if kind == 5:
            return (
                self.choice(["parent_run_id", "resumed_from_run", "source_run_id"]),
                self.hexs(32),
                ("param", "tag", "config"),
            )
        if kind == 6:
            return (
                self.choice(["run_uuid", "trial_id", "job_uuid", "request_id"]),
                self._uuid(),
                ("param", "tag", "config"),
            )
        if kind == 7:
            return (
                self.choice(["model_md5", "checkpoint_md5", "weights_md5", "data_md5"]),
                self.hexs(32),
                ("param", "config"),
            )
        if kind == 8:
            return (
                self.choice(["model_sha1", "file_sha1", "tokenizer_sha1"]),
                self.hexs(40),
                ("param", "config"),
            )
        if kind == 9:
            return (
                self.choice(["conda_env_hash", "environment_digest", "pip_lock_hash", "poetry_lock_sha256"]),
                self.choice(["", "sha256:"]) + self.hexs(64),
                ("param", "tag", "config"),
            )
        if kind == 10:
            return "dvc_md5", self.hexs(32) + self.choice(["", ".dir"]), ("param", "config")
        if kind == 11:
            short = self.hexs(self.choice([7, 8]))
            text = self.choice(
                [
                    f"built from {short}",
                    f"Rebuilt image from {short} after the tokenizer fix",
                    f"cherry-picked {short} onto release/2.3",
                    f"same as yesterday but with {short} reverted",
                ]
            )
            return (
                self.choice(["build_note", "notes", "mlflow.note.content"]),
                text,
                ("tag", "param"),
            )
        if kind == 12:
            return "model_revision", self.hexs(40), ("param", "config")
        if kind == 13:
            return (
                "requirements",
                (f"torch==2.1.2 --hash=sha256:{self.hexs(64)}"),
                ("param", "config"),
            )
        if kind == 14:
            return (
                self.choice(["wandb_run_id", "sweep_id", "wandb.run_id"]),
                self.chars(BASE36, 8),
                ("param", "tag", "config"),
            )
        if kind == 15:
            return (
                "resumed_from",
                f"Resumed from run {self.hexs(32)} at step {self.r.randint(1, 90) * 1000}",
                ("tag", "param"),
            )
        if kind == 16:
            return (
                "checkpoint_uri",
                f"s3://{self.choice(BUCKETS)}/ckpt/{self.hexs(32)}/model.safetensors",
                ("param", "config"),
            )
        if kind == 17:
            return "dataset_sha256", self.hexs(64), ("param", "config")
        if kind == 18:
            return (
                "lineage_json",
                json.dumps(
                    {
                        "git_commit": self.hexs(40),
                        "dataset": self.choice(DATASETS),
                        "dvc_md5": self.hexs(32),
                    }
                ),
                ("param", "tag"),
            )
        if kind == 19:
            return "hf_dataset_fingerprint", self.hexs(16), ("param", "config")
        if kind == 20:
            return "artifact_digest", self.hexs(32), ("param", "config")
        return "gpu_uuid", "GPU-" + self._uuid(), ("config",)

    def _uuid(self) -> str:
        u = str(uuid.UUID(int=self.r.getrandbits(128), version=4))
        if self.prob(0.15):
            # timestamp-looking ids (e.g. 20240115-1030-4xxx-...) with long digit runs
            d = self.date().replace("-", "")
            u = d + u[8:]
        return u

    # ------------------------------------------------------------------ sensitive
    def credit_card(self) -> tuple[str, Any, tuple[str, ...]]:
        brand = self.choice(["visa", "visa", "mc51", "mc2", "amex", "discover", "jcb", "diners", "unionpay"])
        if brand == "visa":
            num, groups = _luhn_complete("4" + self.digits(14)), (4, 4, 4, 4)
        elif brand == "mc51":
            num, groups = _luhn_complete(f"5{self.r.randint(1, 5)}" + self.digits(13)), (4, 4, 4, 4)
        elif brand == "mc2":
            num, groups = (
                _luhn_complete(str(self.r.randint(2221, 2720)) + self.digits(11)),
                (4, 4, 4, 4),
            )
        elif brand == "amex":
            num, groups = _luhn_complete(self.choice(["34", "37"]) + self.digits(12)), (4, 6, 5)
        elif brand == "discover":
            pre = self.choice(["6011", "65" + self.digits(2)])
            num, groups = _luhn_complete(pre + self.digits(11)), (4, 4, 4, 4)
        elif brand == "jcb":
            num, groups = (
                _luhn_complete(str(self.r.randint(3528, 3589)) + self.digits(11)),
                (4, 4, 4, 4),
            )
        elif brand == "diners":
            num, groups = _luhn_complete("36" + self.digits(11)), (4, 6, 4)
        else:
            if self.prob(0.25):
                num, groups = _luhn_complete("62" + self.digits(16)), (6, 13)
            else:
                num, groups = _luhn_complete("62" + self.digits(13)), (4, 4, 4, 4)
        assert card_brand(num)

        def grouped(sep: str) -> str:
            out, i = [], 0
            for g in groups:
                out.append(num[i : i + g])
                i += g
            return sep.join(out)

        fmt = self.r.randint(0, 9)
        if fmt == 0:
            return (
                self.choice(["card_number", "cc_num", "sample_pan", "test_card"]),
                int(num),
                ("config",),
            )
        if fmt in (1, 2):
            return (
                self.choice(["card_number", "cc", "payment_card", "pan", "sample_card", "customer_card"]),
                self.choice([num, grouped(" "), grouped("-")]),
                ("param", "config", "tag"),
            )
        if fmt == 3:
            v = grouped(self.choice([" ", "-"])) if self.prob(0.6) else num
            return (
                self.choice(["notes", "description", "mlflow.note.content", "debug"]),
                self.choice(
                    [
                        f"Charged test card {v} for the billing-model smoke test on {self.date()}.",
                        f"Failed sample #{self.r.randint(1, 9999)}: card={v}, amount={self.r.randint(1, 999)}.{self.digits(2)} USD",
                        f"customer pasted {v} into the free-text field, see ticket ML-{self.r.randint(100, 9999)}",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 4:
            return (
                self.choice(["query", "sql", "eval_query"]),
                self.choice(
                    [
                        f"INSERT INTO payments (id, pan, amount) VALUES ({self.r.randint(1, 99999)}, '{num}', 42.10)",
                        f"SELECT * FROM txns WHERE card_number = '{num}' AND ts > '{self.date()}'",
                    ]
                ),
                ("param", "config"),
            )
        if fmt == 5:
            return (
                self.choice(["sample_record", "payload", "example_row"]),
                json.dumps(
                    {
                        "id": self.r.randint(1, 10**6),
                        "amount": round(self.r.uniform(1, 500), 2),
                        "currency": "USD",
                        self.choice(["card", "card_number", "pan", "cc"]): self.choice([num, grouped(" ")]),
                        "label": self.r.randint(0, 1),
                    }
                ),
                ("param", "tag", "config"),
            )
        if fmt == 6:
            return (
                self.choice(["callback_url", "webhook_url", "checkout_url"]),
                f"https://pay.example.com/checkout?order={self.r.randint(1000, 99999)}&cc={num}&exp=12%2F29",
                ("param", "config"),
            )
        if fmt == 7:
            return (
                "csv_head",
                f"txn_id,card,amount\n{self.r.randint(1, 999)},{num},{self.r.randint(1, 300)}.00",
                ("param", "config"),
            )
        if fmt == 8:
            return self.choice(["cc_number", "card"]), int(num), ("config",)
        return self.choice(["billing.card", "card_on_file"]), grouped(" "), ("param", "config")

    def ssn(self) -> tuple[str, Any, tuple[str, ...]]:
        while True:
            area = self.r.randint(1, 899)
            if area != 666:
                break
        s = f"{area:03d}{self.r.randint(1, 99):02d}{self.r.randint(1, 9999):04d}"
        dashed, spaced = f"{s[:3]}-{s[3:5]}-{s[5:]}", f"{s[:3]} {s[3:5]} {s[5:]}"
        fmt = self.r.randint(0, 8)
        ssn_keys = [
            "ssn",
            "patient_ssn",
            "employee_ssn",
            "social_security_number",
            "applicant_ssn",
            "member.ssn",
            "SSN",
        ]
        if fmt in (0, 1):
            return self.choice(ssn_keys), dashed, ("param", "config", "tag")
        if fmt == 2:
            return self.choice(ssn_keys), spaced, ("param", "config")
        if fmt == 3:
            return (
                self.choice(ssn_keys),
                self.choice([s, int(s) if s[0] != "0" else s]),
                ("config", "param"),
            )
        if fmt == 4:
            return (
                self.choice(["notes", "description", "data_issue", "mlflow.note.content"]),
                self.choice(
                    [
                        f"Row {self.r.randint(1, 9999)} contained SSN {dashed}; dropped from training set.",
                        f"PII leak in batch {self.r.randint(1, 500)}: {dashed} (applicant table)",
                        f"verify applicant {self.choice(FIRST).title()} ssn {spaced} before retraining",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 5:
            return (
                self.choice(["sample_record", "payload"]),
                json.dumps(
                    {
                        "applicant_id": self.r.randint(1, 10**6),
                        "ssn": dashed,
                        "income": self.r.randint(20, 300) * 1000,
                        "approved": self.prob(0.5),
                    }
                ),
                ("param", "tag", "config"),
            )
        if fmt == 6:
            return "sql", f"SELECT score FROM credit WHERE ssn = '{dashed}'", ("param", "config")
        if fmt == 7:
            return (
                "csv_head",
                f"id,ssn,state\n{self.r.randint(1, 99)},{dashed},CA",
                ("param", "config"),
            )
        return self.choice(["taxpayer_ssn", "ssn_raw"]), dashed, ("config",)

    def connection_string(self) -> tuple[str, Any, tuple[str, ...]]:
        user, pw, host = self.db_user(), self.url_password(), self.host()
        db = self.choice(["features", "mlflow", "analytics", "prod", "warehouse", "events"])
        kind = self.r.randint(0, 23)
        if kind <= 2:
            scheme = self.choice(["postgresql", "postgresql+psycopg2", "postgres", "postgresql+asyncpg"])
            tail = self.choice(["", "?sslmode=require", "?sslmode=verify-full&application_name=train"])
            v = f"{scheme}://{user}:{pw}@{host}:5432/{db}{tail}"
        elif kind == 3:
            scheme = self.choice(["mysql", "mysql+pymysql", "mysql+mysqldb"])
            v = f"{scheme}://{user}:{pw}@{host}:3306/{db}?charset=utf8mb4"
        elif kind == 4:
            v = f"mssql+pyodbc://{user}:{pw}@{host}:1433/{db}?driver=ODBC+Driver+18+for+SQL+Server"
        elif kind == 5:
            v = f"{self.choice(['oracle+cx_oracle', 'oracle+oracledb'])}://{user}:{pw}@{host}:1521/?service_name=ORCLPDB1"
        elif kind == 6:
            v = (
                f"mongodb://{user}:{pw}@mongo-0.{host}:27017,mongo-1.{host}:27017/{db}"
                f"?replicaSet=rs0&authSource=admin"
            )
        elif kind == 7:
            v = f"mongodb+srv://{user}:{pw}@cluster0.{self.chars(BASE36, 5)}.example.com/{db}?retryWrites=true&w=majority"
        elif kind == 8:
            ch = self.choice(CACHE_HOSTS)
            v = self.choice(
                [
                    f"redis://:{pw}@{ch}:6379/0",
                    f"rediss://default:{pw}@{ch}:6380/1",
                    f"redis://{user}:{pw}@{ch}:6379",
                ]
            )
        elif kind == 9:
            v = f"{self.choice(['amqp', 'amqps'])}://{user}:{pw}@{self.choice(CACHE_HOSTS)}:5672/{self.choice(['ml', '%2F', 'celery'])}"
        elif kind == 10:
            v = self.choice(
                [
                    f"ftp://{user}:{pw}@ftp.example.com/uploads/{db}",
                    f"sftp://{user}:{pw}@sftp.partner.example.net:22/inbound",
                ]
            )
        elif kind == 11:
            v = f"{self.choice(['ldap', 'ldaps'])}://binduser:{pw}@ldap.corp.example.com:{self.choice(['389', '636'])}/dc=example,dc=com"
        elif kind == 12:
            v = self.choice(
                [
                    f"https://{user}:{pw}@mlflow.example.com",
                    f"https://{user}:{pw}@pypi.internal.example.com/simple",
                    f"http://{user}:{pw}@artifactory.example.net/artifactory/api/pypi/pypi/simple",
                    f"https://{user}:{pw}@grafana.ml.internal/api/datasources",
                ]
            )
        elif kind == 13:
            v = (
                f"snowflake://{user}:{pw}@xy{self.digits(5)}.eu-west-1/ANALYTICS/PUBLIC"
                f"?warehouse=COMPUTE_WH&role=ML_ENGINEER"
            )
        elif kind == 14:
            pj = self.chars(ALNUM, self.r.randint(12, 20)) + self.choice(["!", "#", "*", "-"])
            v = self.choice(
                [
                    f"jdbc:postgresql://{host}:5432/{db}?user={user}&password={pj}&ssl=true",
                    f"jdbc:mysql://{host}:3306/{db}?user={user}&password={pj}&useSSL=true",
                    f"jdbc:sqlserver://{host}:1433;databaseName={db};user={user};password={pj};encrypt=true",
                    f"jdbc:redshift://{host}:5439/dev?user={user}&password={pj}",
                ]
            )
        elif kind == 15:
            pj = self.chars(ALNUM, self.r.randint(10, 18))
            v = self.choice(
                [
                    f"jdbc:oracle:thin:{user}/{pj}@{host}:1521:ORCL",
                    f"jdbc:oracle:thin:{user}/{pj}@//{host}:1521/ORCLPDB1",
                ]
            )
        elif kind in (16, 17):
            pa = (
                self.chars(ALNUM, self.r.randint(12, 20))
                + self.choice(["!", "#", "$", "%", "&", "*", "@"])
                + self.chars(ALNUM, 3)
            )
            v = self.choice(
                [
                    f"Server=tcp:{host},1433;Initial Catalog={db};Persist Security Info=False;User ID={user};"
                    f"Password={pa};MultipleActiveResultSets=False;Encrypt=True;TrustServerCertificate=False;Connection Timeout=30;",
                    f"Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:{host},1433;Database={db};Uid={user};Pwd={pa};Encrypt=yes;",
                    f"Driver={{ODBC Driver 17 for SQL Server}};Server={host};Database={db};UID={user};PWD={{{pa};x}};",
                    f"Data Source={host}:1521/ORCLPDB1;User Id={user};Password={pa};",
                    f"Host={host};Port=5432;Database={db};Username={user};Password={pa}",
                ]
            )
        elif kind in (18, 19):
            key = base64.b64encode(self.r.randbytes(64)).decode()
            acct = "ml" + self.chars(string.ascii_lowercase + DIGITS, self.r.randint(6, 12))
            v = (
                f"DefaultEndpointsProtocol=https;AccountName={acct};AccountKey={key};"
                f"EndpointSuffix=core.windows.net"
            )
        elif kind == 20:
            sig = quote(base64.b64encode(self.r.randbytes(32)).decode(), safe="")
            acct = "ml" + self.chars(string.ascii_lowercase + DIGITS, 8)
            v = (
                f"https://{acct}.blob.core.windows.net/{self.choice(['datasets', 'models', 'logs'])}/train.parquet"
                f"?sv=2022-11-02&ss=b&srt=co&sp=rl&se={self.date()}T23:59:59Z&st={self.date()}T00:00:00Z"
                f"&spr=https&sig={sig}"
            )
        elif kind == 21:
            k = base64.b64encode(self.r.randbytes(32)).decode()
            v = (
                f"Endpoint=sb://ml-events-{self.chars(BASE36, 4)}.servicebus.windows.net/;"
                f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={k}"
            )
        elif kind == 22:
            v = f"clickhouse://{user}:{pw}@clickhouse.analytics.internal:9000/{db}"
        else:
            v = f"trino://{user}:{pw}@trino.example.com:443/hive/{db}"
        if kind <= 7 or kind in (13, 22, 23):
            plain_keys = [
                "db_url",
                "database_url",
                "sqlalchemy_url",
                "connection_string",
                "conn_str",
                "source_uri",
                "feature_store_uri",
                "dsn",
                "sqlalchemy.url",
                "warehouse_uri",
            ]
        elif kind in (8, 9):
            plain_keys = ["broker_url", "result_backend", "redis_url", "celery_broker", "queue_url"]
        elif kind in (10, 11):
            plain_keys = [
                "source_uri",
                "ldap_uri" if kind == 11 else "ftp_uri",
                "remote",
                "conn_str",
            ]
        elif kind == 12:
            plain_keys = [
                "tracking_uri",
                "index_url",
                "extra_index_url",
                "registry_url",
                "endpoint",
            ]
        elif kind in (14, 15):
            plain_keys = ["jdbc_url", "jdbc_uri", "spark.jdbc.url", "connection_string"]
        elif kind in (16, 17):
            plain_keys = ["connection_string", "conn_str", "odbc_connection", "sql_server_dsn"]
        elif kind in (18, 19):
            plain_keys = [
                "storage_connection_string",
                "azure_storage_connection_string",
                "connection_string",
            ]
        elif kind == 20:
            plain_keys = ["sas_url", "blob_url", "dataset_url"]
        else:
            plain_keys = [
                "eventhub_connection_string",
                "servicebus_connection",
                "connection_string",
            ]
        fmt = self.r.randint(0, 9)
        if fmt <= 5:
            return self.choice(plain_keys), v, ("param", "config", "tag", "env")
        if fmt == 6:
            return (
                self.choice(["notes", "error", "mlflow.note.content", "last_error"]),
                self.choice(
                    [
                        f"Could not connect to {v} (timeout after 30s), retrying",
                        f"OperationalError while reading features from {v}",
                        f"switched source to {v} for the backfill",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 7:
            return (
                self.choice(["db_config", "source_json", "datasource"]),
                json.dumps({"name": db, "kind": "sql", "uri": v, "pool_size": self.r.randint(1, 20)}),
                ("param", "tag", "config"),
            )
        if fmt == 8:
            return (
                "cmd",
                f"python etl.py --source '{v}' --since {self.date()} --workers {self.r.randint(1, 16)}",
                ("param", "tag", "config"),
            )
        return self.choice(["url", "uri"]), v, ("config",)

    def _gh_classic(self) -> str:
        body = self.chars(ALNUM, 30)
        return self.choice(["ghp_", "ghp_", "gho_", "ghs_", "ghu_"]) + body + github_checksum(body)

    def _jwt(self) -> str:
        def b64u(b: bytes) -> str:
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        header = {"alg": self.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"}
        if self.prob(0.3):
            header["kid"] = self.hexs(16, digit_runs=False)
        payload = {
            "sub": self.choice(USERNAMES),
            "iat": self.epoch_s(),
            "exp": self.epoch_s(),
            "aud": self.choice(["mlflow", "feature-store", "https://api.example.com"]),
            "jti": self._uuid(),
        }
        return ".".join(
            [
                b64u(json.dumps(header, separators=(",", ":")).encode()),
                b64u(json.dumps(payload, separators=(",", ":")).encode()),
                b64u(self.r.randbytes(self.choice([32, 64, 256]))),
            ]
        )

    def _pem(self) -> str:
        kind = self.choice(
            [
                "RSA PRIVATE KEY",
                "PRIVATE KEY",
                "EC PRIVATE KEY",
                "OPENSSH PRIVATE KEY",
                "ENCRYPTED PRIVATE KEY",
            ]
        )
        n = {"EC PRIVATE KEY": 121, "OPENSSH PRIVATE KEY": 400}.get(kind, self.choice([300, 600]))
        body = base64.b64encode(self.r.randbytes(n)).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n"

    def provider_token(self) -> tuple[str, str, str]:
        """(config key, env var name, token) for a provider-format token."""
        k = self.r.randint(0, 24)
        if k in (23, 24):
            return "github_token", self.choice(["GITHUB_TOKEN", "GH_TOKEN"]), self._gh_classic()
        if k == 0:
            return (
                "aws_access_key_id",
                "AWS_ACCESS_KEY_ID",
                self.choice(["AKIA", "ASIA"]) + self.chars(string.ascii_uppercase + "234567", 16),
            )
        if k == 1:
            return "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", self.chars(B64, 40)
        if k in (2, 3):
            return "github_token", "GITHUB_TOKEN", self._gh_classic()
        if k == 4:
            return (
                "github_token",
                "GH_TOKEN",
                "github_pat_" + self.chars(ALNUM, 22) + "_" + self.chars(ALNUM, 59),
            )
        if k == 5:
            return "gitlab_token", "GITLAB_TOKEN", "glpat-" + self.chars(ALNUM + "-_", 20)
        if k == 6:
            return (
                "slack_token",
                "SLACK_BOT_TOKEN",
                f"xoxb-{self.digits(12)}-{self.digits(13)}-{self.chars(ALNUM, 24)}",
            )
        if k == 7:
            return (
                "slack_webhook_url",
                "SLACK_WEBHOOK_URL",
                (
                    f"https://hooks.slack.com/services/T{self.chars(string.ascii_uppercase + DIGITS, 10)}"
                    f"/B{self.chars(string.ascii_uppercase + DIGITS, 10)}/{self.chars(ALNUM, 24)}"
                ),
            )
        if k == 8:
            return (
                "stripe_key",
                "STRIPE_SECRET_KEY",
                self.choice(["sk_live_", "rk_live_"]) + self.chars(ALNUM, self.choice([24, 99])),
            )
        if k == 9:
            if self.prob(0.7):
                tok = "sk-proj-" + self.chars(B64URL, 74) + "T3BlbkFJ" + self.chars(B64URL, 74)
            else:
                tok = "sk-" + self.chars(ALNUM, 20) + "T3BlbkFJ" + self.chars(ALNUM, 20)
            return "openai_api_key", "OPENAI_API_KEY", tok
        if k == 10:
            return (
                "anthropic_api_key",
                "ANTHROPIC_API_KEY",
                "sk-ant-api03-" + self.chars(B64URL, 93) + "AA",
            )
        if k == 11:
            return "hf_token", "HF_TOKEN", "hf_" + self.chars(string.ascii_letters, 34)
        if k == 12:
            return "google_api_key", "GOOGLE_API_KEY", "AIza" + self.chars(B64URL, 35)
        if k == 13:
            return (
                "gcp_access_token",
                "GOOGLE_OAUTH_ACCESS_TOKEN",
                "ya29." + self.chars(B64URL, self.r.randint(120, 200)),
            )
        if k == 14:
            return (
                "databricks_token",
                "DATABRICKS_TOKEN",
                "dapi" + self.hexs(32, digit_runs=False) + self.choice(["", "-2", "-3"]),
            )
        if k == 15:
            return "wandb_api_key", "WANDB_API_KEY", self.hexs(40)
        if k == 16:
            return (
                "sendgrid_api_key",
                "SENDGRID_API_KEY",
                f"SG.{self.chars(B64URL, 22)}.{self.chars(B64URL, 43)}",
            )
        if k == 17:
            return "npm_token", "NPM_TOKEN", "npm_" + self.chars(ALNUM, 36)
        if k == 18:
            return (
                "pypi_token",
                "TWINE_PASSWORD",
                "pypi-AgEIcHlwaS5vcmcCJD" + self.chars(B64URL, self.r.randint(120, 160)),
            )
        if k == 19:
            return "vault_token", "VAULT_TOKEN", "hvs." + self.chars(B64URL, self.choice([24, 91]))
        if k == 20:
            return "do_token", "DIGITALOCEAN_TOKEN", "dop_v1_" + self.hexs(64, digit_runs=False)
        if k == 21:
            return "jwt", "API_JWT", self._jwt()
        return (
            "client_secret",
            "AZURE_CLIENT_SECRET",
            self.chars(ALNUM, 3) + "8Q~" + self.chars(ALNUM + "_~.-", 34),
        )

    def secret(self) -> tuple[str, Any, tuple[str, ...]]:
        fmt = self.r.randint(0, 13)
        if fmt <= 3:  # provider token under its natural key / env var
            key, env, tok = self.provider_token()
            return (key, tok, ("param", "config", "tag")) if self.prob(0.5) else (env, tok, ("env",))
        if fmt <= 6:  # password / secret under a sensitive key
            key = self.choice(
                [
                    "password",
                    "db_password",
                    "api_key",
                    "client_secret",
                    "token",
                    "secret_key",
                    "access_token",
                    "auth_token",
                    "mlflow_tracking_password",
                    "smtp_password",
                    "redis_password",
                    "private_key_passphrase",
                    "db.password",
                    "signing_secret",
                    "webhook_secret",
                    "apiKey",
                    "DB_PASSWORD",
                    "MLFLOW_TRACKING_PASSWORD",
                ]
            )
            v = self.pw_token() if self.prob(0.6) else self.chars(ALNUM, self.r.randint(24, 48))
            places = ("env",) if key.isupper() else ("param", "config", "tag")
            return key, v, places
        if fmt == 7:  # token in free text / cli
            _, env, tok = self.provider_token()
            if env in ("WANDB_API_KEY", "AWS_SECRET_ACCESS_KEY"):
                return "cmd", f"{env}={tok} python train.py --epochs 3", ("param", "tag", "config")
            return (
                self.choice(["cmd", "notes", "mlflow.note.content", "launch_cmd"]),
                self.choice(
                    [
                        f"export {env}={tok}",
                        f"curl -H 'Authorization: Bearer {tok}' https://api.example.com/v1/models",
                        f"python train.py --token {tok} --lr 3e-4 --bs 32",
                        f"rotated key, old value was {tok}",
                    ]
                ),
                ("param", "tag", "config"),
            )
        if fmt == 8:  # Authorization header
            tok = self._jwt() if self.prob(0.5) else self.chars(B64URL, self.r.randint(32, 64))
            return (
                self.choice(["auth_header", "headers", "http_headers"]),
                self.choice(
                    [
                        f"Authorization: Bearer {tok}",
                        f"Bearer {tok}",
                        json.dumps({"Authorization": f"Bearer {tok}", "Content-Type": "application/json"}),
                    ]
                ),
                ("param", "config", "tag"),
            )
        if fmt == 9:  # PEM
            return (
                self.choice(["private_key", "ssh_key", "tls_key", "signing_key"]),
                self._pem(),
                ("config", "param"),
            )
        if fmt == 10:  # JSON string with nested secret
            key, _, tok = self.provider_token()
            inner_key = self.choice([key, "password", "api_key", "token"])
            return (
                self.choice(["client_config", "extra_json", "connector_json"]),
                json.dumps(
                    {
                        "endpoint": "https://api.example.com",
                        "timeout": self.r.randint(5, 60),
                        "auth": {inner_key: tok if inner_key == key else self.pw_token()},
                    }
                ),
                ("param", "tag", "config"),
            )
        if fmt == 11:  # hydra override with literal secret
            return (
                "overrides",
                [
                    f"trainer.max_epochs={self.r.randint(1, 50)}",
                    _T(f"db.password={self.pw_token()}", "SECRET"),
                    f"model={self.choice(['bert', 'llama', 'resnet'])}",
                ],
                ("config",),
            )
        if fmt == 12:  # flattened W&B-style key with a '/'
            return (
                self.choice(["db/password", "secrets/api_key", "auth/token", "s3/secret_access_key"]),
                self.pw_token(16, 32) if self.prob(0.5) else self.chars(B64, 40),
                ("config", "param"),
            )
        # JWT under a neutral-ish key
        return (
            self.choice(["id_token", "session", "service_account_jwt", "bearer"]),
            self._jwt(),
            ("param", "config", "tag"),
        )

    def email(self) -> tuple[str, Any, tuple[str, ...]]:
        def addr() -> str:
            first, last = self.person()
            local = self.choice(
                [
                    f"{first}.{last}",
                    f"{first}{last[0]}",
                    f"{first[0]}{last}",
                    f"{first}_{last}",
                    f"{first}.{last}+mlflow",
                    f"{first}{self.r.randint(1, 99)}",
                    f"{last}.{first}",
                ]
            )
            return f"{local}@{self.choice(EMAIL_DOMAINS)}"

        a = addr()
        fmt = self.r.randint(0, 9)
        if fmt <= 2:
            return (
                self.choice(
                    [
                        "owner",
                        "owner_email",
                        "author",
                        "contact",
                        "email",
                        "created_by",
                        "requested_by",
                        "reviewer",
                    ]
                ),
                a,
                ("param", "config", "tag"),
            )
        if fmt == 3:
            return "mlflow.user", a, ("tag",)
        if fmt == 4:
            first, last = self.person()
            return (
                self.choice(["git_author", "mlflow.source.git.author", "committer"]),
                f"{first.title()} {last.title()} <{a}>",
                ("tag", "param", "config"),
            )
        if fmt == 5:
            return (
                self.choice(["notes", "mlflow.note.content", "description"]),
                self.choice(
                    [
                        f"Owner: {a}. Ping before deleting artifacts.",
                        f"Ping {a} when the sweep finishes (ETA {self.date()}).",
                        f"approved by {a} on {self.date()}",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 6:
            return self.choice(["notify_emails", "alert_recipients"]), [a, addr()], ("config",)
        if fmt == 7:
            return (
                "alerting",
                json.dumps({"on_failure": True, "email": a, "slack": "#ml-alerts"}),
                ("param", "tag", "config"),
            )
        if fmt == 8:
            return "email", a, ("metadata",)
        return (
            self.choice(["MLFLOW_TRACKING_USERNAME", "GIT_AUTHOR_EMAIL", "ALERT_EMAIL"]),
            a,
            ("env",),
        )

    def phone(self) -> tuple[str, Any, tuple[str, ...]]:
        d = self.digits
        area = self.choice(
            [
                "201",
                "212",
                "305",
                "312",
                "415",
                "503",
                "617",
                "646",
                "650",
                "702",
                "713",
                "206",
                "404",
                "512",
                "720",
            ]
        )
        sub = f"01{d(2)}"
        c = self.r.randint(0, 17)
        if c <= 5:
            v = self.choice(
                [
                    f"+1 {area}-555-{sub}",
                    f"({area}) 555-{sub}",
                    f"+1 ({area}) 555-{sub}",
                    f"{area}-555-{sub}",
                    f"+1{area}555{sub}",
                    f"+1 {area} 555 {sub}",
                    f"{area}.555.{sub}",
                    f"1-{area}-555-{sub}",
                ]
            )
        elif c <= 7:
            v = self.choice(
                [
                    f"+44 20 7946 0{d(3)}",
                    f"+44 161 496 0{d(3)}",
                    f"+44 113 496 0{d(3)}",
                    f"+44 (0)20 7946 0{d(3)}",
                    f"+442079460{d(3)}",
                ]
            )
        elif c == 8:
            v = self.choice(
                [
                    f"+49 30 {self.choice('23456789')}{d(7)}",
                    f"+49 89 {self.choice('23456789')}{d(6)}",
                    f"+49 (0)30 {self.choice('23456789')}{d(3)} {d(4)}",
                ]
            )
        elif c == 9:
            v = f"+33 1 {d(2)} {d(2)} {d(2)} {d(2)}"
        elif c == 10:
            v = self.choice([f"+61 2 9{d(3)} {d(4)}", f"+61 3 9{d(3)} {d(4)}"])
        elif c == 11:
            v = f"+81 3-{self.choice('3456')}{d(3)}-{d(4)}"
        elif c == 12:
            v = f"+91 9{d(4)} {d(5)}"
        elif c == 13:
            v = f"+31 20 {self.choice('2345678')}{d(2)} {d(4)}"
        elif c == 14:
            v = f"+34 91{d(1)} {d(3)} {d(3)}"
        elif c == 15:
            v = f"+55 11 9{d(4)}-{d(4)}"
        elif c == 16:
            v = f"+353 1 {self.choice('2345678')}{d(2)} {d(4)}"
        else:
            v = self.choice(
                [
                    f"+41 44 {self.choice('2345678')}{d(2)} {d(2)} {d(2)}",
                    f"+39 06 {d(4)} {d(4)}",
                    f"+52 55 {self.choice('123456789')}{d(3)} {d(4)}",
                ]
            )
        fmt = self.r.randint(0, 7)
        if fmt <= 3:
            return (
                self.choice(
                    [
                        "phone",
                        "oncall_phone",
                        "contact_phone",
                        "mobile",
                        "sms_alert_to",
                        "pager",
                        "owner_phone",
                        "support.phone",
                    ]
                ),
                v,
                ("param", "config", "tag"),
            )
        if fmt == 4:
            return (
                self.choice(["notes", "mlflow.note.content", "oncall"]),
                self.choice(
                    [
                        f"On-call: {v} (ml-platform pager)",
                        f"If the job fails after {self.clock()} call {v}",
                        f"escalation: {self.choice(FIRST).title()} {v}, then #ml-oncall",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 5:
            return (
                "alerting",
                json.dumps({"sms": v, "retries": self.r.randint(1, 5)}),
                ("param", "tag", "config"),
            )
        if fmt == 6:
            return self.choice(["PAGER_NUMBER", "TWILIO_TO"]), v, ("env",)
        if v.startswith("+"):
            return (
                "tel_uri",
                "tel:" + v.replace(" ", "").replace("(", "").replace(")", "").replace("-", ""),
                ("config",),
            )
        return self.choice(["phone", "contact_phone"]), v, ("config",)

    def ip(self) -> tuple[str, Any, tuple[str, ...]]:
        r = self.r
        k = r.randint(0, 9)
        if k <= 2:
            v = f"10.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        elif k == 3:
            v = f"172.{r.randint(16, 31)}.{r.randint(0, 255)}.{r.randint(1, 254)}"
        elif k == 4:
            v = f"192.168.{r.randint(0, 255)}.{r.randint(1, 254)}"
        elif k == 5:
            v = f"{self.choice(['192.0.2', '198.51.100', '203.0.113'])}.{r.randint(1, 254)}"
        elif k == 6:
            v = (
                "2001:db8:"
                + ":".join(f"{r.randint(0, 0xFFFF):x}" for _ in range(2))
                + "::"
                + f"{r.randint(1, 0xFFFF):x}"
            )
        elif k == 7:
            v = "2001:0db8:" + ":".join(f"{r.randint(0, 0xFFFF):04x}" for _ in range(6))
        elif k == 8:
            v = (
                "fd"
                + f"{r.randint(0, 255):02x}:"
                + ":".join(f"{r.randint(0, 0xFFFF):x}" for _ in range(3))
                + "::"
                + f"{r.randint(1, 0xFF):x}"
            )
        else:
            v = "fe80::" + ":".join(f"{r.randint(0, 0xFFFF):x}" for _ in range(4))
        v6 = ":" in v
        fmt = r.randint(0, 9)
        if fmt <= 3:
            return (
                self.choice(
                    [
                        "host",
                        "master_addr",
                        "ip",
                        "node_ip",
                        "client_ip",
                        "head_node_ip",
                        "server_ip",
                        "bind_address",
                        "worker.ip",
                    ]
                ),
                v,
                ("param", "config", "tag"),
            )
        if fmt == 4:
            return (
                self.choice(["ray_address", "redis_host", "tracking_server"]),
                (f"[{v}]:{r.randint(1024, 65535)}" if v6 else f"{v}:{r.randint(1024, 65535)}"),
                ("param", "config"),
            )
        if fmt == 5:
            return (
                self.choice(["dashboard_url", "tracking_uri", "inference_url"]),
                (f"http://[{v}]:8265/" if v6 else f"http://{v}:{self.choice(['8265', '5000', '8080'])}/"),
                ("param", "config", "tag"),
            )
        if fmt == 6:
            return (
                self.choice(["notes", "mlflow.note.content", "incident"]),
                self.choice(
                    [
                        f"Worker {v} OOM at step {r.randint(1, 99) * 100}, restarted at {self.date()} {self.clock()}",
                        f"traffic from {v} excluded from the eval set",
                        f"NCCL timeout talking to {v} after {r.randint(1, 30)} min",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 7:
            return "worker_ips", [v, self.ip_plain()], ("config",)
        if fmt == 8:
            return self.choice(["MASTER_ADDR", "RAY_HEAD_IP", "NODE_IP"]), v, ("env",)
        return (
            "network",
            json.dumps({"interface": "eth0", "addr": v, "mtu": 9001}),
            ("param", "tag", "config"),
        )

    def ip_plain(self) -> str:
        return f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def iban(self) -> tuple[str, Any, tuple[str, ...]]:
        d, up = self.digits, string.ascii_uppercase
        c = self.r.randint(0, 10)
        if c <= 1:
            iban = _iban_make("DE", d(18))
        elif c == 2:
            iban = _iban_make("GB", self.choice(["NWBK", "BARC", "LOYD", "MIDL", "HBUK"]) + d(14))
        elif c == 3:
            iban = _iban_make("FR", d(10) + self.chars(up + DIGITS, 11) + d(2))
        elif c == 4:
            iban = _iban_make("ES", d(20))
        elif c == 5:
            iban = _iban_make("NL", self.choice(["ABNA", "INGB", "RABO", "TRIO"]) + d(10))
        elif c == 6:
            iban = _iban_make("IT", self.choice(up) + d(10) + self.chars(up + DIGITS, 12))
        elif c == 7:
            iban = _iban_make("BE", d(12))
        elif c == 8:
            iban = _iban_make("CH", d(5) + self.chars(up + DIGITS, 12))
        elif c == 9:
            iban = _iban_make("AT", d(16))
        else:
            iban = _iban_make("PL", d(24))
        assert iban_valid(iban)
        spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        v = spaced if self.prob(0.45) else iban
        fmt = self.r.randint(0, 6)
        if fmt <= 3:
            return (
                self.choice(
                    [
                        "iban",
                        "payout_iban",
                        "beneficiary_account",
                        "account_iban",
                        "refund_account",
                        "sample_iban",
                    ]
                ),
                v,
                ("param", "config", "tag"),
            )
        if fmt == 4:
            return (
                self.choice(["notes", "mlflow.note.content", "review"]),
                self.choice(
                    [
                        f"Refund payout to {v} flagged by fraud model v{self.r.randint(1, 9)}",
                        f"false positive: transfer {self.r.randint(10, 9999)} EUR to {v} was legit",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if fmt == 5:
            return (
                "sample_record",
                json.dumps(
                    {
                        "txn": self.r.randint(1, 10**7),
                        "iban": v,
                        "amount_eur": self.r.randint(1, 5000),
                    }
                ),
                ("param", "tag", "config"),
            )
        return "sql", f"SELECT * FROM transfers WHERE iban = '{iban}'", ("param", "config")

    # ------------------------------------------------------------------ hard clean negatives
    def hard_clean(self) -> tuple[str, Any, tuple[str, ...]]:
        r = self.r
        k = r.randint(0, 47)
        P = ("param", "config", "tag")
        if k == 0:
            return "password_min_length", self.choice([8, 10, 12, "8", "12"]), P
        if k == 1:
            return (
                self.choice(
                    [
                        "max_tokens",
                        "token_limit",
                        "num_tokens",
                        "max_new_tokens",
                        "tokens_per_batch",
                        "context_tokens",
                    ]
                ),
                self.choice([256, 512, 1024, 2048, 4096, 8192, 32768, r.randint(10**6, 10**9)]),
                ("config",),
            )
        if k == 2:
            return (
                self.choice(["max_tokens", "token_limit", "num_tokens", "max_new_tokens"]),
                str(self.choice([256, 1024, 4096, 128000])),
                ("param",),
            )
        if k == 3:
            return (
                self.choice(["tokenizer", "tokenizer_name", "tokenizer_name_or_path"]),
                self.choice(TOKENIZERS),
                P,
            )
        if k == 4:
            return (
                self.choice(["pad_token", "eos_token", "bos_token", "unk_token", "sep_token"]),
                self.choice(["<pad>", "</s>", "<s>", "[UNK]", "[SEP]", "<|endoftext|>", "<|eot_id|>"]),
                P,
            )
        if k == 5:
            key = self.choice(
                [
                    "password",
                    "db_password",
                    "client_secret",
                    "api_key",
                    "token",
                    "secret",
                    "redis_password",
                    "smtp_password",
                    "hf_token",
                    "wandb_api_key",
                    "openai_api_key",
                ]
            )
            env = {"password": "DB_PASSWORD", "token": "API_TOKEN", "secret": "APP_SECRET"}.get(
                key, key.upper()
            )
            return (
                key,
                self.choice(
                    [
                        f"${{{env}}}",
                        f"${env}",
                        f"${{oc.env:{env}}}",
                        f"${{oc.env:{env},null}}",
                        f"${{{{ secrets.{env} }}}}",
                        f"%({key})s",
                        f"env:{env}",
                        f"{{{{ {key} }}}}",
                        "{{ secret }}",
                        "****",
                        "********",
                        "***",
                        "<redacted>",
                        "[REDACTED]",
                        "<MASKED>",
                        "REPLACE_ME",
                        f"<your-{key.replace('_', '-')}>",
                        "xxxxxxxx",
                        "",
                        f"vault:secret/data/ml/{key}#value",
                    ]
                ),
                P,
            )
        if k == 6:
            return (
                self.choice(
                    [
                        "password",
                        "use_password",
                        "password_auth",
                        "token",
                        "api_key",
                        "use_auth_token",
                        "trust_remote_code",
                        "token_type_ids",
                    ]
                ),
                self.choice([None, True, False]),
                ("config",),
            )
        if k == 7:
            return self.choice(
                [
                    ("api_key_env", "OPENAI_API_KEY"),
                    ("api_key_env", "ANTHROPIC_API_KEY"),
                    ("token_env_var", "HF_TOKEN"),
                    ("token_env_var", "WANDB_API_KEY"),
                    ("password_env", "DB_PASSWORD"),
                    ("secret_env", "AWS_SECRET_ACCESS_KEY"),
                ]
            ) + (P,)
        if k == 8:
            return self.choice(
                [
                    ("secret_name", "prod/ml/db-credentials"),
                    ("secret_name", "ml-platform/hf-token"),
                    ("secret_ref", "projects/ml-prod/secrets/db-pass/versions/latest"),
                    ("secret_ref", "kv://ml-vault/hf-token"),
                    (
                        "secret_arn",
                        "arn:aws:secretsmanager:us-east-1:123456789012:secret:ml/db-AbCdEf",
                    ),
                    ("password_file", "/run/secrets/db_password"),
                    ("api_key_path", "~/.config/openai/key"),
                    ("token_path", "/var/run/secrets/kubernetes.io/serviceaccount/token"),
                    ("credentials_path", "~/.aws/credentials"),
                    ("netrc", "~/.netrc"),
                    ("keytab", "/etc/security/keytabs/ml.keytab"),
                    ("google_application_credentials", "/secrets/gcp/sa.json"),
                ]
            ) + (P,)
        if k == 9:
            h = self.host()
            return self.choice(
                [
                    ("db_url", f"postgresql://{h}:5432/features"),
                    ("sqlalchemy_url", f"postgresql+psycopg2://{h}/mlflow"),
                    ("database_url", f"mysql://{h}/metrics"),
                    ("broker_url", f"redis://{self.choice(CACHE_HOSTS)}:6379/0"),
                    ("result_backend", "amqp://rabbit.internal:5672/%2F"),
                    ("mongo_uri", "mongodb://mongo.internal:27017/experiments"),
                    ("tracking_uri", "https://mlflow.example.com"),
                    ("tracking_uri", "http://localhost:5000"),
                    ("tracking_uri", "databricks"),
                    ("tracking_uri", "databricks://ml-prod"),
                    ("backend_store_uri", "sqlite:///mlruns.db"),
                    ("artifact_uri", "file:///mnt/mlruns"),
                    ("db_url", f"postgresql://svc@{h}:5432/x"),
                    ("jdbc_url", f"jdbc:postgresql://{h}:5432/features?user=svc&ssl=true"),
                    (
                        "conn_str",
                        f"Server=tcp:{h},1433;Database=features;Authentication=Active Directory Managed Identity;",
                    ),
                    (
                        "odbc_connection",
                        f"Driver={{ODBC Driver 18 for SQL Server}};Server={h};Database=x;Trusted_Connection=yes;",
                    ),
                    ("ui_url", "http://mlflow.internal:5000/#/experiments/3"),
                ]
            ) + (P,)
        if k == 10:
            h = self.host()
            return self.choice(
                [
                    ("db_url", f"postgresql://svc:${{DB_PASSWORD}}@{h}:5432/x"),
                    ("database_url", f"mysql://app:{{{{ secret }}}}@{h}/app"),
                    ("db_url", f"postgresql://svc:****@{h}/x"),
                    ("db_url", f"postgresql://svc:<redacted>@{h}/x"),
                    ("broker_url", "redis://:${REDIS_PASSWORD}@cache.internal:6379/0"),
                    ("mongo_uri", "mongodb+srv://ml:${oc.env:MONGO_PW}@cluster0.example.com/db"),
                    ("conn_str", f"Server={h};User Id=svc;Password=${{SQL_PASSWORD}};"),
                    (
                        "jdbc_url",
                        f"jdbc:postgresql://{h}:5432/x?user=svc&password={{{{ secret }}}}",
                    ),
                    (
                        "storage_connection_string",
                        "DefaultEndpointsProtocol=https;AccountName=mlartifacts;"
                        "AccountKey=${AZURE_STORAGE_KEY};EndpointSuffix=core.windows.net",
                    ),
                    ("sqlalchemy_url", f"postgresql://svc:%(password)s@{h}/x"),
                    ("broker_url", "amqp://ml:${RABBIT_PASS}@rabbit.internal:5672/ml"),
                    ("db_url", f"postgresql://svc:***@{h}:5432/features"),
                ]
            ) + (P,)
        if k == 11:
            return (
                self.choice(
                    [
                        "data_path",
                        "train_path",
                        "output_dir",
                        "artifact_location",
                        "val_path",
                        "cache_dir",
                    ]
                ),
                self.choice(
                    [
                        "/data/train.parquet",
                        f"s3://{self.choice(BUCKETS)}/prefix/",
                        f"gs://{self.choice(BUCKETS)}/tfrecords/train-*.tfrecord",
                        f"abfss://datasets@mlstore{self.digits(2)}.dfs.core.windows.net/raw/{self.date()}/",
                        f"wasbs://models@mlstore{self.digits(2)}.blob.core.windows.net/bert/",
                        "hdfs://namenode:8020/data/clicks",
                        "dbfs:/mnt/ml/features",
                        "/mnt/hf-cache",
                        "./outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}",
                        f"s3://{self.choice(BUCKETS)}/runs/{self.date()}/",
                        "~/.cache/huggingface/hub",
                    ]
                ),
                P,
            )
        if k == 12:
            return (
                self.choice(["cudnn_version", "tensorrt_version", "trt_version", "cudnn", "libcudnn"]),
                self.choice(FOUR_PART_VERSIONS),
                P,
            )
        if k == 13:
            return (
                "build_info",
                self.choice(
                    [
                        f"Using cuDNN {self.choice(FOUR_PART_VERSIONS)} and TensorRT {self.choice(FOUR_PART_VERSIONS)}",
                        f"nvidia-cudnn-cu12=={self.choice(FOUR_PART_VERSIONS)}",
                        f"tensorrt {self.choice(FOUR_PART_VERSIONS)} / driver 535.104.05 / CUDA 12.2",
                    ]
                ),
                P,
            )
        if k == 14:
            return (
                self.choice(
                    [
                        "nccl_version",
                        "driver_version",
                        "torch_version",
                        "python_version",
                        "transformers_version",
                        "cuda_version",
                    ]
                ),
                self.choice(
                    [
                        "2.18.1",
                        "535.104.05",
                        "2.1.0+cu121",
                        "3.10.12",
                        "4.36.2",
                        "12.1.105",
                        "11.8",
                        "2.3.0.dev20240115",
                        "1.4.0rc1",
                    ]
                ),
                P,
            )
        if k == 15:
            return self.choice(["date", "created", "snapshot_date", "cutoff"]), self.date(), P
        if k == 16:
            return (
                self.choice(["start_ts", "created_at", "updated_at", "finished_at"]),
                self.iso_ts(),
                P,
            )
        if k == 17:
            return (
                self.choice(["epoch", "ts", "created_unix", "data_cutoff_epoch"]),
                self.epoch_s(),
                ("config",),
            )
        if k == 18:
            return (
                self.choice(["timestamp_ns", "event_time_ns", "ingest_ns"]),
                self.epoch_s() * 10**9 + r.randint(0, 10**9 - 1),
                ("config",),
            )
        if k == 19:
            return (
                self.choice(["timestamp_ns", "snapshot_ns"]),
                str(self.epoch_s() * 10**9 + r.randint(0, 10**9 - 1)),
                ("param", "tag"),
            )
        if k == 20:
            return (
                self.choice(["timestamp_ms", "mlflow.startTime"]),
                str(self.epoch_s() * 1000 + r.randint(0, 999)),
                ("param", "tag"),
            )
        if k == 21:
            h = self.choice(
                DB_HOSTS
                + CACHE_HOSTS
                + ["localhost", "mlflow.example.com", "trainer-0.trainer.svc.cluster.local"]
            )
            return (
                self.choice(["host", "endpoint", "server", "tracking_host", "redis_host"]),
                f"{h}:{self.choice([5432, 6379, 5000, 8080, 443, 29500, 3306])}",
                P,
            )
        if k == 22:
            return (
                self.choice(["notes", "mlflow.note.content", "description"]),
                self._clean_note(),
                ("tag", "param", "config"),
            )
        if k == 23:
            return (
                self.choice(["config_json", "optimizer_json", "extra_json"]),
                self._clean_json(),
                ("param", "tag", "config"),
            )
        if k == 24:
            return (
                self.choice(
                    [
                        "experiment_id",
                        "job_id",
                        "databricks_job_run_id",
                        "order_id",
                        "row_id",
                        "account_number_hash_bucket",
                        "shard_key",
                    ]
                ),
                self.clean_number(self.choice([13, 15, 16, 16, 16, 18, 19])),
                P,
            )
        if k == 25:
            n = self.clean_number(16)
            prefix = self.choice(["4", "51", "37", "6011", "35", "62"])
            n = _luhn_break(prefix + n[len(prefix) :])
            return (
                self.choice(["order_ref", "invoice_no", "tracking_number", "gift_code", "sample_id"]),
                self.choice(
                    [
                        n,
                        " ".join(n[i : i + 4] for i in range(0, 16, 4)),
                        "-".join(n[i : i + 4] for i in range(0, 16, 4)),
                    ]
                ),
                P,
            )
        if k == 26:
            n = self.clean_number(16)
            return self.choice(["row_id", "user_id_hash", "feature_hash"]), int(n), ("config",)
        if k == 27:
            bad = self.choice(
                [
                    f"000-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
                    f"666-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
                    f"9{r.randint(10, 99)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
                    f"{r.randint(100, 665)}-00-{r.randint(1000, 9999)}",
                    f"{r.randint(100, 665)}-{r.randint(10, 99)}-0000",
                ]
            )
            return (
                self.choice(["case_id", "ticket", "ref", "form_id", "claim_ref", "sample_id"]),
                bad,
                P,
            )
        if k == 28:
            return (
                self.choice(["ssn_mask", "ssn_format", "ssn_placeholder"]),
                self.choice(["XXX-XX-XXXX", "***-**-****", f"***-**-{self.digits(4)}", "###-##-####"]),
                P,
            )
        if k == 29:
            return self.choice(
                [
                    ("lr_milestones", "30-60-90"),
                    ("layer_sizes", "512-256-128-64"),
                    ("port_range", "8000-8100"),
                    ("resize", "1920x1080"),
                    ("seed_list", "0 1 2 3 42"),
                    ("gpu_ids", "0,1,2,3,4,5,6,7"),
                    ("aspect_ratio", "16:9"),
                    ("time_of_day", self.clock()),
                    ("arxiv_id", "2307.09288"),
                    ("image_size", "224x224"),
                    ("input_shape", "(32, 3, 224, 224)"),
                    (
                        "milestones",
                        f"{r.randint(1, 9) * 1000}-{r.randint(10, 19) * 1000}-{r.randint(20, 40) * 1000}",
                    ),
                    ("build_number", f"{self.date().replace('-', '')}.{r.randint(1, 9)}"),
                    (
                        "eval_steps_list",
                        f"{r.randint(1, 9) * 500} {r.randint(10, 19) * 500} {r.randint(20, 40) * 500}",
                    ),
                ]
            ) + (P,)
        if k == 30:
            return (
                self.choice(["mlflow.source.git.repoURL", "git_remote", "repo"]),
                self.choice(
                    [
                        "git@github.com:example-org/llm-train.git",
                        "git@gitlab.example.com:ml/ranker.git",
                        "ssh://git@gitlab.example.com:2222/ml/forecasting.git",
                        "https://github.com/example-org/llm-train.git",
                    ]
                ),
                ("tag", "param", "config"),
            )
        if k == 31:
            return self.choice(
                [
                    ("pip_requirement", "mylib @ git+https://github.com/example-org/mylib@v1.2.0"),
                    ("dependency", "torch@2.1.0"),
                    ("model_ref", "bert-base@main"),
                    ("artifact", "example-team/llm-sft/model:v3"),
                    ("dataset_artifact", "team/project/dataset:latest"),
                    ("registered_model", "models:/fraud-gbm@champion"),
                    ("model_uri", "runs:/<run_id>/model"),
                    ("decorator", "@torch.compile"),
                ]
            ) + (P,)
        if k == 32:
            return (
                self.choice(["notify", "email_template", "alert_email"]),
                self.choice(
                    [
                        "${oc.env:ALERT_EMAIL}",
                        "{user}@{domain}",
                        "<your-email>",
                        "#ml-alerts",
                        "@ml-oncall",
                        "slack:#ml-alerts",
                        "none",
                    ]
                ),
                P,
            )
        if k == 33:
            return (
                self.choice(["cudnn_version", "tensorrt_version"]),
                self.choice(FOUR_PART_VERSIONS),
                ("env",),
            )
        if k == 34:
            return (
                self.choice(["auth_header", "headers"]),
                self.choice(
                    [
                        "Authorization: Bearer ${TOKEN}",
                        "Authorization: Bearer <redacted>",
                        '{"Authorization": "Bearer {{ token }}"}',
                        "Authorization: Basic ****",
                        "Authorization: Bearer $MLFLOW_TRACKING_TOKEN",
                    ]
                ),
                P,
            )
        if k == 35:
            body = base64.b64encode(self.r.randbytes(self.choice([270, 400]))).decode()
            kind = self.choice(["CERTIFICATE", "PUBLIC KEY"])
            lines = [body[i : i + 64] for i in range(0, len(body), 64)]
            return (
                self.choice(["ca_cert", "tls_ca", "jwt_public_key", "ssl_ca"]),
                f"-----BEGIN {kind}-----\n" + "\n".join(lines) + f"\n-----END {kind}-----\n",
                ("config",),
            )
        if k == 36:
            return (
                self.choice(["color", "cmap", "palette"]),
                self.choice(["#1f77b4", "#ff7f0e", "viridis", "tab10", "#2ca02c"]),
                P,
            )
        if k == 37:
            return (
                self.choice(["aws_access_key_id", "AWS_ACCESS_KEY_ID_SOURCE"]),
                self.choice(["${AWS_ACCESS_KEY_ID}", "from-instance-profile", "<redacted>", "iam-role"]),
                P,
            )
        if k == 38:
            return self.choice(["region", "aws_region"]), self.choice(REGIONS), P
        if k == 39:
            return (
                self.choice(["cmd", "entrypoint", "launch_cmd"]),
                self.choice(
                    [
                        f"torchrun --nproc_per_node {self.choice([1, 2, 4, 8])} train.py trainer.max_epochs={r.randint(1, 30)} +experiment=bert",
                        f"python -m train --config configs/{self.choice(['bert', 'llama', 'resnet'])}.yaml --seed {r.randint(0, 9999)}",
                        f"accelerate launch --mixed_precision bf16 sft.py --token ${{HF_TOKEN}} --lr {self.choice(['1e-5', '2e-5', '3e-4'])}",
                        "deepspeed --num_gpus 8 train.py --deepspeed ds_config.json",
                    ]
                ),
                P,
            )
        if k == 40:
            return (
                self.choice(["password_policy", "auth"]),
                {
                    "min_length": self.choice([8, 12, 16]),
                    "require_digits": True,
                    "hash": self.choice(["argon2id", "bcrypt", "scrypt"]),
                    "reset_ttl_s": 3600,
                },
                ("config",),
            )
        if k == 41:
            return (
                self.choice(["tokens_seen", "total_tokens", "num_train_tokens"]),
                int(_luhn_break(str(r.randint(10**9, 10**13)))),
                ("config",),
            )
        if k == 42:
            return (
                self.choice(["iban_validation", "iban_country_allowlist"]),
                self.choice(["mod97", "DE,FR,NL,GB", "strict", "ISO 13616"]),
                P,
            )
        if k == 43:
            return self.choice(
                [
                    ("phone_feature", "phone_number_hash"),
                    ("phone_feature", "caller_country"),
                    ("ip_feature", "ip_geo_bucket"),
                    ("email_column", "email_domain_tld"),
                    ("email_feature", "has_valid_email"),
                ]
            ) + (P,)
        if k == 44:
            return (
                self.choice(["wandb_run_name", "run_name", "mlflow.runName"]),
                self.word_name(),
                ("tag", "param", "config"),
            )
        if k == 45:
            return (
                self.choice(["docker_image", "base_image"]),
                self.choice(
                    [
                        "nvcr.io/nvidia/pytorch:24.01-py3",
                        "pytorch/pytorch:2.1.2-cuda12.1-cudnn8-runtime",
                        "registry.example.com/ml/train:latest",
                        "python:3.11-slim",
                    ]
                ),
                P,
            )
        if k == 46:
            return (
                self.choice(["instance_type", "gpu", "accelerator_type"]),
                self.choice(INSTANCE_TYPES + GPUS),
                P,
            )
        return (
            self.choice(["ssn_column", "pii_columns"]),
            self.choice(["ssn", "applicant_ssn", "ssn,dob,phone", "none"]),
            P,
        )

    def _clean_note(self) -> str:
        r = self.r
        return self.choice(
            [
                f"Baseline run with {self.choice(SCHEDULERS)} schedule; warmup {r.randint(1, 20) * 100} steps. Compare to run {r.randint(1, 400)}.",
                f"Reran on {self.date()} after fixing the tokenizer padding bug (ML-{r.randint(100, 9999)}).",
                f"loss spiked at step {r.randint(1, 90) * 1000}, lowered lr to {self.choice(['1e-5', '3e-5', '5e-5'])} and resumed",
                f"eval on {self.choice(DATASETS)} v{r.randint(1, 5)}.{r.randint(0, 9)}: acc={r.random():.4f} f1={r.random():.4f}",
                f"Sweep {r.randint(1, 50)}/{r.randint(50, 100)} \u2014 seed {r.randint(0, 9999)}, {r.randint(1, 8)}x{self.choice(['A100', 'H100', 'V100'])}",
                "🚀 first run on the new cluster; throughput 3,412 samples/s",
                f"Data window {self.date()} to {self.date()}, {r.randint(10, 999)},{r.randint(100, 999)} rows after dedup.",
                "TODO: rotate the API key before sharing this run (key lives in Vault, not here).",
                "password reset flow excluded; phone and email features hashed upstream (salted SHA-256).",
                f"Dropped {r.randint(2, 99)} rows with malformed SSN fields (all masked as ***-**-****).",
                f"ckpt every {r.randint(1, 10) * 500} steps, keep last {r.randint(1, 5)}; {r.randint(2, 64)} GPUs, ETA {r.randint(1, 72)}h",
                f"Ticket ML-{r.randint(100, 9999)}: retrain after schema change on {self.date()} at {self.clock()} UTC",
            ]
        )

    def _clean_json(self) -> str:
        r = self.r
        return json.dumps(
            self.choice(
                [
                    {
                        "lr": self.choice([1e-5, 3e-4, 0.001]),
                        "betas": [0.9, 0.999],
                        "eps": 1e-08,
                        "weight_decay": self.choice([0.0, 0.01, 0.1]),
                    },
                    {
                        "tokenizer": self.choice(TOKENIZERS),
                        "max_length": self.choice([128, 512, 2048]),
                        "padding": "max_length",
                        "truncation": True,
                    },
                    {
                        "db": {
                            "host": self.host(),
                            "port": 5432,
                            "user": "svc",
                            "password": "${DB_PASSWORD}",
                        }
                    },
                    {
                        "max_tokens": 1024,
                        "temperature": 0.7,
                        "top_p": 0.95,
                        "api_key_env": "OPENAI_API_KEY",
                    },
                    {
                        "date": self.date(),
                        "rows": r.randint(10**5, 10**8),
                        "version": self.choice(FOUR_PART_VERSIONS[:3]),
                    },
                    {
                        "mlflow": {
                            "tracking_uri": "https://mlflow.example.com",
                            "experiment": self.choice(EXPERIMENTS),
                        }
                    },
                ]
            )
        )

    # ------------------------------------------------------------------ base (plain clean) fields
    def param_pool(self) -> list[tuple[str, Any]]:
        r = self.r
        return [
            ("learning_rate", self.choice([1e-5, 2e-5, 3e-5, 5e-5, 1e-4, 3e-4, 0.001, 0.01, 0.1])),
            ("batch_size", self.choice([8, 16, 32, 64, 128, 256, 512])),
            ("epochs", r.randint(1, 100)),
            ("optimizer", self.choice(OPTIMIZERS)),
            ("model_name", self.choice(MODELS)),
            ("seed", r.randint(0, 99999)),
            ("warmup_ratio", self.choice([0.03, 0.1, 0.4111111111111111, 0.06, 1 / 3])),
            ("weight_decay", self.choice([0.0, 0.01, 0.05, 0.1])),
            ("dropout", self.choice([0.0, 0.1, 0.2, 0.3, 0.5])),
            ("max_seq_length", self.choice([128, 256, 512, 1024, 2048, 4096])),
            ("gradient_accumulation_steps", self.choice([1, 2, 4, 8, 16])),
            ("lr_scheduler_type", self.choice(SCHEDULERS)),
            ("dataset", self.choice(DATASETS)),
            ("num_train_epochs", self.choice([1, 2, 3, 5, 10])),
            ("fp16", self.choice([True, False])),
            ("lora_r", self.choice([4, 8, 16, 64])),
            ("lora_alpha", self.choice([8, 16, 32, 128])),
            ("n_estimators", r.randint(50, 2000)),
            ("max_depth", r.randint(2, 16)),
            ("subsample", round(r.uniform(0.5, 1.0), 3)),
            ("temperature", self.choice([0.0, 0.2, 0.7, 1.0])),
            ("label_smoothing", self.choice([0.0, 0.1])),
            ("early_stopping_patience", r.randint(1, 10)),
            ("eval_steps", self.choice([100, 250, 500, 1000])),
            ("beta1", 0.9),
            ("beta2", self.choice([0.95, 0.98, 0.999])),
            ("adam_epsilon", self.choice([1e-8, 1e-6])),
            ("train_size", r.randint(1000, 10**7)),
            ("val_split", self.choice([0.1, 0.15, 0.2])),
            ("num_workers", self.choice([0, 2, 4, 8, 16])),
            ("precision", self.choice(PRECISIONS)),
            ("loss", self.choice(["cross_entropy", "focal", "mse", "bce_with_logits", "dpo"])),
        ]


def _put(d: dict, key: str, value: Any) -> None:
    if key not in d:
        d[key] = value
        return
    n = 2
    while f"{key}_{n}" in d:
        n += 1
    d[f"{key}_{n}"] = value


def _as_param(value: Any) -> Any:
    """MLflow params and tags are strings."""
    if isinstance(value, _T):
        return _T(_as_param(value.value), value.label)
    if isinstance(value, (dict, list)):
        return json.dumps(value) if not _contains_t(value) else value
    if value is None:
        return "None"
    return str(value)


def _contains_t(obj: Any) -> bool:
    if isinstance(obj, _T):
        return True
    if isinstance(obj, dict):
        return any(_contains_t(v) for v in obj.values())
    if isinstance(obj, list):
        return any(_contains_t(v) for v in obj)
    return False


_SENSITIVE_GEN = {
    "CREDIT_CARD": "credit_card",
    "US_SSN": "ssn",
    "CONNECTION_STRING": "connection_string",
    "SECRET": "secret",
    "EMAIL_ADDRESS": "email",
    "PHONE_NUMBER": "phone",
    "IP_ADDRESS": "ip",
    "IBAN_CODE": "iban",
}

# secrets and connection strings are the most varied families: give them more samples
_CATEGORY_WEIGHTS = (1.0, 0.9, 1.3, 1.6, 0.9, 0.9, 0.9, 0.9)

_CONFIG_SECTIONS = (
    "model",
    "data",
    "optimizer",
    "trainer",
    "logger",
    "db",
    "storage",
    "deploy",
    "callbacks",
    "feature_store",
)


def _make_run(g: _Gen, idx: int) -> dict:
    r = g.r
    wandb_style = r.random() < 0.3
    run: dict[str, Any] = {}
    if wandb_style:
        run["id"] = _T(g.chars(BASE36, 8), LINEAGE)
        run["name"] = g.word_name()
        run["entity"] = g.choice(["ml-team", "research", "example-org", "applied-ml"])
        run["project"] = g.choice(EXPERIMENTS).strip("/").replace("/", "-")
        run["state"] = g.choice(["finished", "finished", "crashed", "running", "failed"])
        run["created_at"] = g.iso_ts()
        run["tags"] = [
            g.choice(["baseline", "bf16", "sweep", "ablation", "prod-candidate", "lora"])
            for _ in range(r.randint(0, 3))
        ]
    else:
        run["run_id"] = _T(g.hexs(32), LINEAGE)
        run["experiment"] = g.choice(EXPERIMENTS)
        run["experiment_id"] = g.choice([str(r.randint(0, 999)), g.clean_number(16), g.clean_number(15)])
        run["status"] = g.choice(STATUSES)
        run["user"] = g.choice(USERNAMES)
        start = g.epoch_s() * 1000 + r.randint(0, 999)
        run["start_time"] = start
        run["end_time"] = start + r.randint(60_000, 86_400_000 * 3)
        run["params"] = {}
        run["tags"] = {
            "mlflow.source.name": g.choice(
                ["train.py", "notebooks/eda.ipynb", "sft.py", "pipelines/train_gbm.py"]
            ),
            "mlflow.source.type": g.choice(["LOCAL", "NOTEBOOK", "JOB", "PROJECT"]),
            "mlflow.runName": g.word_name(),
        }
        if r.random() < 0.6:
            run["tags"]["mlflow.source.git.commit"] = _T(g.hexs(40), LINEAGE)

    config: dict[str, Any] = {}
    config["model"] = {"name": g.choice(MODELS), "hidden_size": g.choice([256, 768, 1024, 4096])}
    if r.random() < 0.5:
        config["model"]["num_layers"] = g.choice([6, 12, 24, 32])
    config["data"] = {
        "train_path": f"s3://{g.choice(BUCKETS)}/{g.choice(DATASETS)}/train/",
        "max_seq_len": g.choice([512, 1024, 2048]),
    }
    config["optimizer"] = {
        "_target_": "torch.optim.AdamW",
        "lr": g.choice([1e-5, 3e-4, 0.001]),
        "betas": [0.9, g.choice([0.95, 0.999])],
    }
    config["trainer"] = {"max_epochs": r.randint(1, 50), "precision": g.choice(PRECISIONS)}
    if r.random() < 0.5:
        config["hydra"] = {
            "run": {"dir": "outputs/${now:%Y-%m-%d}/${now:%H-%M-%S}"},
            "job": {"name": g.choice(["train", "sft", "eval"])},
        }
    if r.random() < 0.3:
        config["mounts"] = {"~/.cache/huggingface": "/mnt/hf-cache", "/data/raw": "/mnt/raw"}
    config["env"] = {
        "CUDA_VISIBLE_DEVICES": g.choice(["0", "0,1", "0,1,2,3", "0,1,2,3,4,5,6,7"]),
        "HF_HOME": "/mnt/hf-cache",
    }
    if r.random() < 0.4:
        config["env"]["OMP_NUM_THREADS"] = str(g.choice([1, 4, 8, 16]))
    if r.random() < 0.25:
        config["env"]["NCCL_DEBUG"] = g.choice(["INFO", "WARN"])
    if r.random() < 0.25:
        config["env"]["AWS_DEFAULT_REGION"] = g.choice(REGIONS)
    run["config"] = config
    if wandb_style:
        run["metadata"] = {
            "os": g.choice(["Linux-5.15.0-1051-aws-x86_64-with-glibc2.35", "Linux-6.1.0-18-amd64-x86_64"]),
            "python": g.choice(["3.10.12", "3.11.7"]),
            "program": g.choice(["train.py", "sft.py"]),
            "args": ["--lr", g.choice(["3e-4", "1e-5"]), "--epochs", str(r.randint(1, 20))],
            "host": g.choice(["trainer-0", "gpu-node-17", "worker-3"]),
            "gpu_count": g.choice([1, 4, 8]),
            "gpu": g.choice(GPUS),
            "git": {
                "remote": "https://github.com/example-org/llm-train.git",
                "commit": _T(g.hexs(40), LINEAGE),
            },
        }
    summary = {
        "train/loss": round(r.uniform(0.01, 3), 4),
        "eval/accuracy": round(r.uniform(0.5, 0.99), 4),
        "_step": r.randint(100, 100000),
    }
    if wandb_style:
        summary["_timestamp"] = g.epoch_s() + round(r.random(), 3)
    run["summary"] = summary

    # plain clean fields
    pool = g.param_pool()
    r.shuffle(pool)
    n_plain = r.randint(3, 8)
    for key, value in pool[:n_plain]:
        if wandb_style:
            k = key if r.random() < 0.7 else f"{g.choice(['optimizer', 'trainer', 'data'])}/{key}"
            _put(config, k, value)
        else:
            _put(run["params"], key, _as_param(value))

    def place(key: str, value: Any, places: tuple[str, ...], label: str | None) -> None:
        wrapped = _T(value, label) if label else value
        avail = [
            p
            for p in places
            if not (wandb_style and p in ("param", "tag")) and not (not wandb_style and p == "metadata")
        ]
        if not avail:
            avail = ["config"]
        where = g.choice(avail)
        if where == "param":
            _put(run["params"], key, _as_param(wrapped))
        elif where == "tag":
            _put(run["tags"], key, _as_param(wrapped))
        elif where == "env":
            _put(
                config["env"],
                key if key.isupper() else key.upper().replace(".", "_").replace("/", "_"),
                _as_param(wrapped),
            )
        elif where == "metadata":
            _put(run["metadata"], key, wrapped)
        else:
            if wandb_style and r.random() < 0.35 and not isinstance(value, (list, dict)):
                _put(config, key, wrapped)
                return
            sec = g.choice(_CONFIG_SECTIONS)
            _put(config.setdefault(sec, {}), key, wrapped)

    # hard clean negatives
    for _ in range(r.randint(4, 9)):
        key, value, places = g.hard_clean()
        place(key, value, places, None)

    # extra lineage
    for _ in range(r.choice([0, 1, 1, 2, 2])):
        key, value, places = g.lineage()
        place(key, value, places, LINEAGE)

    # sensitive values (~10% of leaves)
    for _ in range(r.randint(3, 7)):
        cat = r.choices(CATEGORIES, weights=_CATEGORY_WEIGHTS)[0]
        key, value, places = getattr(g, _SENSITIVE_GEN[cat])()
        if isinstance(value, list) and any(isinstance(x, _T) for x in value):
            place(key, value, places, None)  # already tagged per element
        else:
            place(key, value, places, cat)
    if not wandb_style and not run["params"]:
        del run["params"]
    return run


def generate(n_runs: int = 400, seed: int = 7) -> tuple[list[dict], dict[str, str]]:
    """Generate ``n_runs`` labelled run records deterministically from ``seed``."""
    g = _Gen(random.Random(seed))
    tagged = [_make_run(g, i) for i in range(n_runs)]
    labels: dict[str, str] = {}
    runs = [_materialize(run, f"/{i}", labels, None) for i, run in enumerate(tagged)]
    return runs, labels


def leaf_stats(labels: dict[str, str]) -> dict[str, int]:
    """Number of leaves per label, in LABELS order."""
    out = {label: 0 for label in LABELS}
    for label in labels.values():
        out[label] += 1
    return out


def fixture_text(n_runs: int = 400, seed: int = 7) -> str:
    """The exact text of fixtures/corpus/labelled.json for ``(n_runs, seed)``."""
    runs, labels = generate(n_runs, seed)
    return json.dumps({"runs": runs, "labels": labels}, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - CLI
    import argparse

    ap = argparse.ArgumentParser(description="Generate the labelled accuracy corpus.")
    ap.add_argument("--runs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write", metavar="PATH", help="write {runs, labels} JSON (indent=1) to PATH")
    args = ap.parse_args(argv)
    runs, labels = generate(args.runs, args.seed)
    stats = leaf_stats(labels)
    total = sum(stats.values())
    for k, v in stats.items():
        print(f"{k:18s} {v:6d} {100 * v / total:5.1f}%")
    print(f"{'total':18s} {total:6d}  ({total / max(args.runs, 1):.1f} leaves/run)")
    if args.write:
        with open(args.write, "w", encoding="utf-8") as fh:
            fh.write(fixture_text(args.runs, args.seed))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
