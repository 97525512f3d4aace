"""Canaries made at test time: random values in the shapes providers and standards
document (not values from any corpus), with the parts that must never be readable and
the encodings a door may write them in.

Shapes: AWS access key id (``AKIA`` + 16 of ``A-Z2-7``) and secret (40 of base64
characters), GitHub classic token (``ghp_`` + 30 base62 + 6 base62 of the CRC32 of
those 30), Slack bot token (``xoxb-`` digits ``-`` digits ``-`` 24 alphanumerics),
OpenAI-style key (``sk-`` ... ``T3BlbkFJ`` ...), a PostgreSQL URI with a password,
a Visa-range card number with its Luhn digit, an SSN (area 001-665/667-899, group and
serial non-zero), an e-mail address, a German IBAN (mod-97 check digits), phone
numbers in the fictional ranges regulators publish (Ofcom's ``020 7946 0xxx``, NANP's
``555-01xx``) and a global unicast IPv6 address (``2a00::/12`` + random groups).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import string
import uuid
import zlib
from dataclasses import dataclass, field
from urllib.parse import quote, quote_plus

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
ALNUM = string.ascii_letters + string.digits
B32 = string.ascii_uppercase + "234567"
SEED = int.from_bytes(os.urandom(4), "big")  # printed in failures, to reproduce a run


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = B62[r] + out
    return out.rjust(width, "0")


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return str((10 - total % 10) % 10)


@dataclass
class Canary:
    kind: str
    value: str  # what is logged
    secret: list[str]  # the parts that must never be readable
    key: str = "value"  # the dict key it is logged under (the context it needs, if any)


@dataclass
class Canaries:
    """A fresh set of canaries from one random generator."""

    rng: random.Random = field(default_factory=lambda: random.Random(SEED))

    def _s(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def word(self, n: int = 8) -> str:
        return self._s(string.ascii_lowercase, n)

    # ------------------------------------------------------------------ shapes
    def aws(self) -> tuple[Canary, Canary]:
        key_id = "AKIA" + self._s(B32, 16)
        secret = self._s(ALNUM + "/+", 39) + self._s(ALNUM, 1)
        # a bare 40-character secret is noise without its name: it is logged with it
        return (
            Canary("aws-key-id", key_id, [key_id]),
            Canary("aws-secret", f"AWS_SECRET_ACCESS_KEY={secret}", [secret], key="aws_secret_access_key"),
        )

    def github(self) -> Canary:
        body = self._s(B62, 30)
        token = "ghp_" + body + _base62(zlib.crc32(body.encode()), 6)
        return Canary("github", token, [token])

    def slack(self) -> Canary:
        token = f"xoxb-{self._s(string.digits, 12)}-{self._s(string.digits, 13)}-{self._s(ALNUM, 24)}"
        return Canary("slack", token, [token])

    def openai(self) -> Canary:
        key = f"sk-{self._s(ALNUM, 20)}T3BlbkFJ{self._s(ALNUM, 20)}"
        return Canary("openai", key, [key])

    def uri(self) -> Canary:
        pw = self._s(ALNUM, 14)
        value = f"postgresql://{self.word(6)}:{pw}@db-{self.word(5)}.internal:5432/{self.word(6)}"
        return Canary("uri", value, [pw])

    def card(self) -> Canary:
        body = "4" + self._s(string.digits, 14)
        number = body + _luhn_digit(body)
        return Canary("card", number, [number])

    def ssn(self) -> Canary:
        area = self.rng.choice([a for a in range(1, 900) if a != 666])
        ssn = f"{area:03d}-{self.rng.randint(1, 99):02d}-{self.rng.randint(1, 9999):04d}"
        return Canary("ssn", ssn, [ssn, ssn.replace("-", "")])

    def email(self) -> Canary:
        local = f"{self.word(6)}.{self.word(7)}"
        return Canary("email", f"{local}@{self.word(7)}.com", [local])

    def iban(self) -> Canary:
        bban = self._s(string.digits, 18)
        check = 98 - int(bban + "131400") % 97  # DE = 13 14, check digits 00
        iban = f"DE{check:02d}{bban}"
        return Canary("iban", iban, [iban])

    def phone(self) -> Canary:
        if self.rng.random() < 0.5:
            number = f"+44 20 7946 0{self._s(string.digits, 3)}"
        else:
            number = f"({self.rng.choice(['212', '415', '617'])}) 555-01{self._s(string.digits, 2)}"
        return Canary("phone", number, [number])

    def ipv6(self) -> Canary:
        address = (
            "2a0"
            + self._s("0123456789abcdef", 1)
            + ":"
            + ":".join(self._s("0123456789abcdef", 4) for _ in range(7))
        )
        return Canary("ipv6", address, [address])

    def ipv4(self) -> Canary:
        address = f"52.{self.rng.randint(10, 250)}.{self.rng.randint(10, 250)}.{self.rng.randint(10, 250)}"
        return Canary("ipv4", address, [address])

    def one_of_each(self) -> list[Canary]:
        key_id, secret = self.aws()
        return [key_id, secret, self.github(), self.slack(), self.openai(), self.uri(),
                self.card(), self.ssn(), self.email(), self.iban()]  # fmt: skip

    def key_safe(self) -> list[Canary]:
        """Canaries that are also plausible dict keys (a token, an e-mail, an SSN...)."""
        return [
            self.github(),
            self.slack(),
            self.card(),
            self.ssn(),
            self.email(),
            self.iban(),
            self.aws()[0],
        ]


def forms(text: str) -> set[bytes]:
    """The byte forms of ``text`` a door may write: raw, URL-encoded, JSON-escaped, base64."""
    out = {text, quote(text, safe=""), quote_plus(text), json.dumps(text)[1:-1]}
    raw = {t.encode() for t in out}
    raw.add(base64.b64encode(text.encode()))
    return raw


def leaks(canaries: list[Canary], blob: bytes) -> list[str]:
    """Which canaries (kind and index, never the value) are readable in ``blob``."""
    found = []
    for i, c in enumerate(canaries):
        for part in c.secret:
            if any(f in blob for f in forms(part)):
                found.append(f"{c.kind}#{i} (seed {SEED})")
                break
    return found


@dataclass(frozen=True)
class Lineage:
    sha: str = hashlib.sha1(os.urandom(16)).hexdigest()
    digest: str = "sha256:" + hashlib.sha256(os.urandom(16)).hexdigest()
    run_id: str = uuid.uuid4().hex
    run_uuid: str = str(uuid.uuid4())

    def config(self) -> dict[str, object]:
        return {
            "git_commit": self.sha,
            "dataset_digest": self.digest,
            "parent_run_id": self.run_id,
            "secrets": {"run_uuid": self.run_uuid},
        }

    def values(self) -> list[str]:
        return [self.sha, self.digest, self.run_id, self.run_uuid]

    def missing(self, blob: bytes) -> list[str]:
        return [v[:7] for v in self.values() if v.encode() not in blob]


# ---------------------------------------------------------------------- layouts
JOINERS = [";", "|", "&", " ", "\n", ",", ":", "@", "=", ""]


def _b64url(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(ALNUM + "-_") for _ in range(n))


def layouts(
    gen: Canaries, per_joiner: int = 4, joiners: list[str] = JOINERS
) -> list[tuple[str, list[Canary]]]:
    """Values holding two or three canaries side by side or nested, with the canaries
    each holds: pairs and triples joined by every joiner, a URI around a provider token,
    a password followed by query parameters, several DSNs, a PEM block followed by a JWT,
    and an AWS key id glued to its secret in an S3 URI (those nested forms always)."""
    rng = gen.rng
    makers = [gen.github, gen.slack, gen.openai, gen.uri, gen.card, gen.ssn, gen.email, gen.iban,
              lambda: gen.aws()[0]]  # fmt: skip
    out: list[tuple[str, list[Canary]]] = []
    for joiner in joiners:
        for n in [2] * per_joiner + [3]:
            cs = [rng.choice(makers)() for _ in range(n)]
            out.append((joiner.join(c.value for c in cs), cs))
    for _ in range(3):
        tok, pw, pw2 = gen.github(), gen._s(ALNUM, 12), gen._s(ALNUM, 12)
        out.append((f"https://{gen.word(5)}:{tok.value}@github.com/org/repo.git", [tok]))
        out.append(
            (
                f"postgresql://svc:{pw}@db.internal/x?sslpassword={pw2}&sslmode=require",
                [Canary("uri", "", [pw]), Canary("query-password", "", [pw2])],
            )
        )
        dsns = [gen.uri() for _ in range(3)]
        out.append((rng.choice([";", "|", "&", " ", "\n"]).join(d.value for d in dsns), dsns))
        body = "".join(rng.choice(ALNUM + "+/") for _ in range(64 * 8))
        pem_lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        pem = f"-----BEGIN RSA PRIVATE KEY-----\n{pem_lines}\n-----END RSA PRIVATE KEY-----"
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        claims = base64.urlsafe_b64encode(json.dumps({"sub": gen.word()}).encode()).decode().rstrip("=")
        jwt = f"{header}.{claims}.{_b64url(rng, 43)}"
        out.append(
            (
                f"{pem}\ntoken={jwt}",
                [Canary("pem", "", [body[64:128]]), Canary("jwt", "", [jwt.rsplit(".", 1)[1]])],
            )
        )
        key_id, secret = gen.aws()
        raw_secret = secret.secret[0]
        out.append((f"s3://{key_id.value}:{raw_secret}@{gen.word()}-bucket/data", [key_id, secret]))
    return out


def readable(canaries: list[Canary], text: str, window: int = 8) -> list[str]:
    """Canaries (kind only) of which the secret, or any ``window``-character piece of it,
    is readable in ``text``."""
    found = []
    for c in canaries:
        for s in c.secret:
            pieces = [s] if len(s) <= window else [s[i : i + window] for i in range(len(s) - window + 1)]
            if any(p in text for p in pieces):
                found.append(c.kind)
                break
    return found
