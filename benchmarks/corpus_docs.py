"""A second labelled corpus, written from public format documentation.

Where ``benchmarks/corpus.py`` simulates whole runs with hand-written value templates,
this corpus is built the other way round, so the two share no template and no value
generator:

* ``FORMATS``: one row per documented layout of a credential or identifier. A layout is
  a small grammar (literal parts and ``(alphabet, length)`` parts) transcribed from the
  provider's or standard's public documentation of the format (token prefixes, lengths,
  alphabets, check digits), with the environment variable or key name the provider's
  docs use for it.
* ``CARRIERS``: the ways ML metadata holds a value: a param under its key, a flattened
  config key (``config.openai.api_key``), an env line, a shell ``export``, a JSON string,
  a YAML text block, a CLI flag, an HTTP header, a log tail.
* ``NEGATIVES``: hard negatives of the same kinds: the documentation's own placeholders
  and example values, lineage values under flattened and ``secrets``-parented keys,
  lookalike keys (``max_tokens``, ``csrf_token``, ``public_key``), versions, digests.

``build(seed)`` crosses formats with the carriers that suit them and returns
``(runs, expected)``: a list of ``{"run_id", "params"}`` records and, for every param
pointer, the set of categories it must be reported with (empty for negatives) plus the
case's format name. ``score(findings, expected)`` computes recall per category and per
format, precision over (pointer, category) pairs, and findings on lineage and clean values.

Every value is generated from ``random.Random(seed)`` in the documented shape; none is
a live credential.
"""

# ruff: noqa: E501  (documented layouts read best on one line)
from __future__ import annotations

import base64
import json
import random
import string
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FORMATS", "NEGATIVES", "build", "score", "Score", "main"]

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIG = string.digits
ALNUM = UPPER + LOWER + DIG
HEXL = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = UPPER + "234567"
BECH32 = "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"
CRYPT64 = "./" + DIG + UPPER + LOWER  # the alphabet of crypt(3) hashes

Part = "str | tuple[str, int] | Callable[[random.Random], str]"


def _draw(rng: random.Random, parts: Iterable[Any]) -> str:
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif callable(p):
            out.append(p(rng))
        else:
            alphabet, n = p
            out.append("".join(rng.choice(alphabet) for _ in range(n)))
    return "".join(out)


def _b62(n: int) -> str:
    digits = DIG + UPPER + LOWER
    s = ""
    while n:
        n, r = divmod(n, 62)
        s = digits[r] + s
    return s.rjust(6, "0")


def _github(prefix: str) -> Callable[[random.Random], str]:
    """GitHub's documented token layout: prefix, 30 random base62, 6-character CRC32."""

    def make(rng: random.Random) -> str:
        body = "".join(rng.choice(ALNUM) for _ in range(30))
        return f"{prefix}{body}{_b62(zlib.crc32(body.encode()))}"

    return make


def _b64json(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")


def _b64url(rng: random.Random, n: int) -> str:
    """``n`` random bytes in unpadded base64url, as JOSE writes them."""
    return base64.urlsafe_b64encode(bytes(rng.getrandbits(8) for _ in range(n))).rstrip(b"=").decode()


def _jwt(rng: random.Random) -> str:
    header = _b64json({"alg": rng.choice(["HS256", "RS256", "ES256"]), "typ": "JWT"})
    payload = _b64json(
        {"sub": str(rng.randint(10**6, 10**9)), "iat": rng.randint(1_600_000_000, 1_800_000_000)}
    )
    sig = "".join(rng.choice(URLSAFE) for _ in range(43))
    return f"{header}.{payload}.{sig}"


def _pem(kind: str) -> Callable[[random.Random], str]:
    def make(rng: random.Random) -> str:
        body = base64.b64encode(
            bytes(rng.getrandbits(8) for _ in range(rng.choice([120, 240, 600])))
        ).decode()
        lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        return f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----"

    return make


def _pem_base64(rng: random.Random) -> str:
    """A private key's PEM block encoded in base64 on one line, as ``kubectl create secret``
    writes a secret's ``data`` and as CI variables hold files."""
    return base64.b64encode((_pem("PRIVATE KEY")(rng) + "\n").encode()).decode()


def _dockerconfigjson(rng: random.Random) -> str:
    """A Docker ``config.json`` in base64 (a ``kubernetes.io/dockerconfigjson`` secret): the
    registry's ``auth`` member is base64 of ``user:password``."""
    user = "ci-" + "".join(rng.choice(LOWER) for _ in range(6))
    password = "".join(rng.choice(ALNUM) for _ in range(20))
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    config = {"auths": {"registry.example.com": {"username": user, "password": password, "auth": auth}}}
    return base64.b64encode(json.dumps(config).encode()).decode()


def _sentry_org(rng: random.Random) -> str:
    payload = _b64json(
        {
            "iat": rng.randint(1_700_000_000, 1_800_000_000),
            "url": "https://sentry.io",
            "region_url": "https://us.sentry.io",
            "org": "ml-team",
        }
    )
    return f"sntrys_{payload}_{''.join(rng.choice(ALNUM) for _ in range(43))}"


def _grafana_cloud(rng: random.Random) -> str:
    return "glc_" + _b64json(
        {
            "o": str(rng.randint(10**5, 10**6)),
            "n": "stack-token",
            "k": "".join(rng.choice(ALNUM) for _ in range(24)),
            "m": {"r": "prod-us-east-0"},
        }
    )


def _one_password(rng: random.Random) -> str:
    return "ops_" + _b64json(
        {
            "signInAddress": "my.1password.com",
            "userAuth": {
                "method": "SRPg-4096",
                "alg": "PBES2g-HS256",
                "iterations": 650000,
                "salt": "".join(rng.choice(URLSAFE) for _ in range(22)),
            },
            "email": "svc@1passwordserviceaccounts.com",
            "srpX": "".join(rng.choice(HEXL) for _ in range(64)),
            "muk": {
                "alg": "A256GCM",
                "ext": True,
                "k": "".join(rng.choice(URLSAFE) for _ in range(43)),
                "key_ops": ["encrypt", "decrypt"],
                "kty": "oct",
                "kid": "mp",
            },
            "secretKey": "A3-XXXXXX",
            "throttleSecret": {
                "seed": "".join(rng.choice(HEXL) for _ in range(64)),
                "deviceUuid": "".join(rng.choice(LOWER + DIG) for _ in range(26)),
            },
            "deviceUuid": "".join(rng.choice(LOWER + DIG) for _ in range(26)),
        }
    )


def _discord_bot(rng: random.Random) -> str:
    uid = str(rng.randint(10**17, 10**18))
    return f"{base64.b64encode(uid.encode()).decode().rstrip('=')}.{''.join(rng.choice(URLSAFE) for _ in range(6))}.{''.join(rng.choice(URLSAFE) for _ in range(38))}"


def _azure_client_secret(rng: random.Random) -> str:
    chars = ALNUM + "_~.-"
    return (
        "".join(rng.choice(chars) for _ in range(3))
        + rng.choice(DIG)
        + "Q~"
        + "".join(rng.choice(chars) for _ in range(34))
    )


def _azure_storage_key(rng: random.Random) -> str:
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(64))).decode()


@dataclass(frozen=True)
class Format:
    """One documented layout: ``name``, its category, the grammar, the env/key name the
    provider's documentation uses, and whether the layout alone identifies it (a
    distinctive prefix) or it needs its key name next to it."""

    name: str
    category: str
    parts: tuple[Any, ...]
    env: str
    distinctive: bool = True
    header: str = ""  # an HTTP header that carries it, when documented

    def make(self, rng: random.Random) -> str:
        return _draw(rng, self.parts)


S = "SECRET"
F = Format
# fmt: off
FORMATS: tuple[Format, ...] = (
    # --- cloud
    F("aws-access-key-id", S, ("AKIA", (B32, 16)), "AWS_ACCESS_KEY_ID"),
    F("aws-temporary-key-id", S, ("ASIA", (B32, 16)), "AWS_ACCESS_KEY_ID"),
    F("aws-secret-access-key", S, ((B64, 40),), "AWS_SECRET_ACCESS_KEY", distinctive=False),
    F("aws-bedrock-api-key", S, ("ABSK", (B64, 108)), "AWS_BEARER_TOKEN_BEDROCK"),
    F("gcp-api-key", S, ("AIza", (URLSAFE, 35)), "GOOGLE_API_KEY"),
    F("gcp-oauth-client-secret", S, ("GOCSPX-", (URLSAFE, 28)), "GOOGLE_CLIENT_SECRET"),
    F("gcp-oauth-access-token", S, ("ya29.", (URLSAFE, 120)), "GOOGLE_OAUTH_ACCESS_TOKEN", header="Authorization: Bearer"),
    F("azure-ad-client-secret", S, (_azure_client_secret,), "AZURE_CLIENT_SECRET"),
    F("azure-storage-account-key", S, (_azure_storage_key,), "AZURE_STORAGE_KEY", distinctive=False),
    F("alibaba-access-key-id", S, ("LTAI", (ALNUM, 20)), "ALIBABA_CLOUD_ACCESS_KEY_ID"),
    F("tencent-secret-id", S, ("AKID", (ALNUM, 32)), "TENCENTCLOUD_SECRET_ID"),
    F("digitalocean-pat", S, ("dop_v1_", (HEXL, 64)), "DIGITALOCEAN_TOKEN"),
    F("digitalocean-oauth", S, ("doo_v1_", (HEXL, 64)), "DIGITALOCEAN_ACCESS_TOKEN"),
    F("heroku-api-key", S, (lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),), "HEROKU_API_KEY", distinctive=False),
    F("fly-io-token", S, ("fo1_", (URLSAFE, 43)), "FLY_API_TOKEN"),
    F("netlify-pat", S, ("nfp_", (ALNUM, 36)), "NETLIFY_AUTH_TOKEN"),
    F("vercel-token", S, ((ALNUM, 24),), "VERCEL_TOKEN", distinctive=False),
    F("cloudflare-api-token", S, ((URLSAFE, 40),), "CLOUDFLARE_API_TOKEN", distinctive=False),
    F("cloudflare-global-api-key", S, ((HEXL, 37),), "CLOUDFLARE_API_KEY", distinctive=False),
    F("terraform-cloud-token", S, ((ALNUM, 14), ".atlasv1.", (ALNUM, 67)), "TFE_TOKEN"),
    F("pulumi-access-token", S, ("pul-", (HEXL, 40)), "PULUMI_ACCESS_TOKEN"),
    F("tailscale-auth-key", S, ("tskey-auth-", (ALNUM, 12), "CNTRL-", (ALNUM, 33)), "TS_AUTHKEY"),
    # --- AI / ML
    F("openai-project-key", S, ("sk-proj-", (URLSAFE, 58), "T3BlbkFJ", (URLSAFE, 58)), "OPENAI_API_KEY", header="Authorization: Bearer"),
    F("openai-service-account-key", S, ("sk-svcacct-", (URLSAFE, 58), "T3BlbkFJ", (URLSAFE, 58)), "OPENAI_API_KEY"),
    F("openai-admin-key", S, ("sk-admin-", (URLSAFE, 58), "T3BlbkFJ", (URLSAFE, 58)), "OPENAI_ADMIN_KEY"),
    F("openai-legacy-key", S, ("sk-", (ALNUM, 20), "T3BlbkFJ", (ALNUM, 20)), "OPENAI_API_KEY"),
    F("anthropic-api-key", S, ("sk-ant-api03-", (URLSAFE, 93), "AA"), "ANTHROPIC_API_KEY", header="x-api-key:"),
    F("anthropic-admin-key", S, ("sk-ant-admin01-", (URLSAFE, 93), "AA"), "ANTHROPIC_ADMIN_KEY", header="x-api-key:"),
    F("huggingface-token", S, ("hf_", (UPPER + LOWER, 34)), "HF_TOKEN", header="Authorization: Bearer"),
    F("huggingface-org-token", S, ("api_org_", (UPPER + LOWER, 34)), "HUGGINGFACE_ORG_TOKEN"),
    F("groq-api-key", S, ("gsk_", (ALNUM, 52)), "GROQ_API_KEY"),
    F("e2b-api-key", S, ("e2b_", (HEXL, 40)), "E2B_API_KEY", header="X-API-Key:"),
    F("replicate-api-token", S, ("r8_", (ALNUM, 37)), "REPLICATE_API_TOKEN"),
    F("perplexity-api-key", S, ("pplx-", (ALNUM, 48)), "PERPLEXITY_API_KEY"),
    F("xai-api-key", S, ("xai-", (ALNUM, 80)), "XAI_API_KEY"),
    F("openrouter-api-key", S, ("sk-or-v1-", (HEXL, 64)), "OPENROUTER_API_KEY"),
    F("nvidia-api-key", S, ("nvapi-", (URLSAFE, 64)), "NVIDIA_API_KEY"),
    F("pinecone-api-key", S, ("pcsk_", (ALNUM, 6), "_", (ALNUM, 63)), "PINECONE_API_KEY"),
    F("langsmith-personal-key", S, ("lsv2_pt_", (HEXL, 32), "_", (HEXL, 10)), "LANGSMITH_API_KEY"),
    F("langsmith-service-key", S, ("lsv2_sk_", (HEXL, 32), "_", (HEXL, 10)), "LANGCHAIN_API_KEY"),
    F("databricks-pat", S, ("dapi", (HEXL, 32)), "DATABRICKS_TOKEN", header="Authorization: Bearer"),
    F("elevenlabs-api-key", S, ("sk_", (HEXL, 48)), "ELEVENLABS_API_KEY", header="xi-api-key:"),
    F("cohere-api-key", S, ((ALNUM, 40),), "COHERE_API_KEY", distinctive=False),
    F("mistral-api-key", S, ((ALNUM, 32),), "MISTRAL_API_KEY", distinctive=False),
    F("together-api-key", S, ((HEXL, 64),), "TOGETHER_API_KEY", distinctive=False),
    F("deepseek-api-key", S, ("sk-", (HEXL, 32)), "DEEPSEEK_API_KEY", distinctive=False),
    F("wandb-api-key", S, ((HEXL, 40),), "WANDB_API_KEY", distinctive=False),
    F("kaggle-key", S, ((HEXL, 32),), "KAGGLE_KEY", distinctive=False),
    F("comet-api-key", S, ((ALNUM, 25),), "COMET_API_KEY", distinctive=False),
    F("neptune-api-token", S, (lambda r: _b64json({"api_address": "https://app.neptune.ai", "api_url": "https://app.neptune.ai", "api_key": str(uuid.UUID(int=r.getrandbits(128), version=4))}),), "NEPTUNE_API_TOKEN"),
    # --- data platforms
    F("supabase-pat", S, ("sbp_", (HEXL, 40)), "SUPABASE_ACCESS_TOKEN"),
    F("planetscale-token", S, ("pscale_tkn_", (URLSAFE, 43)), "PLANETSCALE_SERVICE_TOKEN"),
    F("planetscale-password", S, ("pscale_pw_", (URLSAFE, 43)), "DATABASE_PASSWORD"),
    F("airtable-pat", S, ("pat", (ALNUM, 14), ".", (HEXL, 64)), "AIRTABLE_API_KEY"),
    F("notion-integration-token", S, ("ntn_", (DIG, 11), (ALNUM, 35)), "NOTION_TOKEN"),
    F("confluent-api-secret", S, ((B64, 64),), "CONFLUENT_CLOUD_API_SECRET", distinctive=False),
    F("snowflake-password", S, ((ALNUM + "!#%", 20),), "SNOWFLAKE_PASSWORD", distinctive=False),
    F("elastic-api-key", S, (lambda r: base64.b64encode(("".join(r.choice(URLSAFE) for _ in range(20)) + ":" + "".join(r.choice(URLSAFE) for _ in range(22))).encode()).decode(),), "ELASTIC_API_KEY", distinctive=False, header="Authorization: ApiKey"),
    # --- source hosting, registries, CI
    F("github-classic-pat", S, (_github("ghp_"),), "GITHUB_TOKEN", header="Authorization: token"),
    F("github-oauth-token", S, (_github("gho_"),), "GH_TOKEN"),
    F("github-app-installation-token", S, (_github("ghs_"),), "GITHUB_TOKEN"),
    F("github-app-user-token", S, (_github("ghu_"),), "GITHUB_TOKEN"),
    F("github-refresh-token", S, (_github("ghr_"),), "GITHUB_REFRESH_TOKEN"),
    F("github-fine-grained-pat", S, ("github_pat_", (ALNUM, 22), "_", (ALNUM, 59)), "GITHUB_TOKEN", header="Authorization: Bearer"),
    F("gitlab-pat", S, ("glpat-", (URLSAFE, 20)), "GITLAB_TOKEN", header="PRIVATE-TOKEN:"),
    F("gitlab-deploy-token", S, ("gldt-", (URLSAFE, 20)), "CI_DEPLOY_PASSWORD"),
    F("gitlab-runner-token", S, ("glrt-", (URLSAFE, 20)), "RUNNER_TOKEN"),
    F("gitlab-feed-token", S, ("glft-", (URLSAFE, 20)), "GITLAB_FEED_TOKEN"),
    F("gitlab-oauth-secret", S, ("gloas-", (HEXL, 64)), "GITLAB_OAUTH_SECRET"),
    F("bitbucket-app-password", S, ("ATBB", (ALNUM, 32)), "BITBUCKET_APP_PASSWORD"),
    F("atlassian-api-token", S, ("ATATT3", (URLSAFE, 177), "=", (HEXL.upper(), 8)), "JIRA_API_TOKEN"),
    F("jfrog-api-key", S, ("AKCp", (ALNUM, 69)), "ARTIFACTORY_API_KEY"),
    F("docker-hub-pat", S, ("dckr_pat_", (URLSAFE, 27)), "DOCKERHUB_TOKEN"),
    F("npm-token", S, ("npm_", (ALNUM, 36)), "NPM_TOKEN"),
    F("crates-io-api-token", S, ("cio", (ALNUM, 32)), "CARGO_REGISTRY_TOKEN"),
    F("pypi-token", S, ("pypi-AgEIcHlwaS5vcmc", (URLSAFE, 70)), "TWINE_PASSWORD"),
    F("rubygems-api-key", S, ("rubygems_", (HEXL, 48)), "GEM_HOST_API_KEY"),
    F("postman-api-key", S, ("PMAK-", (HEXL, 24), "-", (HEXL, 34)), "POSTMAN_API_KEY", header="X-Api-Key:"),
    F("circleci-pat", S, ("CCIPAT_", (ALNUM, 22), "_", (HEXL, 40)), "CIRCLECI_TOKEN", header="Circle-Token:"),
    F("buildkite-token", S, ("bkua_", (HEXL, 40)), "BUILDKITE_API_TOKEN"),
    F("sonarqube-token", S, ("squ_", (HEXL, 40)), "SONAR_TOKEN"),
    F("vault-service-token", S, ("hvs.", (URLSAFE, 24)), "VAULT_TOKEN", header="X-Vault-Token:"),
    F("vault-batch-token", S, ("hvb.", (URLSAFE, 138)), "VAULT_TOKEN"),
    F("doppler-service-token", S, ("dp.st.", (LOWER, 3), ".", (ALNUM, 40)), "DOPPLER_TOKEN"),
    F("doppler-personal-token", S, ("dp.pt.", (ALNUM, 43)), "DOPPLER_TOKEN"),
    F("1password-service-account", S, (_one_password,), "OP_SERVICE_ACCOUNT_TOKEN"),
    F("age-secret-key", S, ("AGE-SECRET-KEY-1", (BECH32, 58)), "SOPS_AGE_KEY"),
    # --- observability, ops
    F("sentry-user-token", S, ("sntryu_", (HEXL, 64)), "SENTRY_AUTH_TOKEN"),
    F("sentry-org-token", S, (_sentry_org,), "SENTRY_AUTH_TOKEN"),
    F("grafana-cloud-token", S, (_grafana_cloud,), "GRAFANA_CLOUD_TOKEN"),
    F("grafana-service-account-token", S, ("glsa_", (ALNUM, 32), "_", (HEXL, 8)), "GRAFANA_TOKEN", header="Authorization: Bearer"),
    F("new-relic-user-key", S, ("NRAK-", (UPPER + DIG, 27)), "NEW_RELIC_API_KEY", header="Api-Key:"),
    F("new-relic-insert-key", S, ("NRII-", (URLSAFE, 32)), "NEW_RELIC_INSERT_KEY"),
    F("datadog-api-key", S, ((HEXL, 32),), "DD_API_KEY", distinctive=False, header="DD-API-KEY:"),
    F("datadog-app-key", S, ((HEXL, 40),), "DD_APP_KEY", distinctive=False, header="DD-APPLICATION-KEY:"),
    F("pagerduty-api-key", S, ((URLSAFE, 20),), "PAGERDUTY_TOKEN", distinctive=False),
    F("okta-api-token", S, ("00", (URLSAFE, 40)), "OKTA_API_TOKEN", distinctive=False, header="Authorization: SSWS"),
    F("auth0-client-secret", S, ((URLSAFE, 64),), "AUTH0_CLIENT_SECRET", distinctive=False),
    # --- messaging
    F("slack-bot-token", S, ("xoxb-", (DIG, 12), "-", (DIG, 13), "-", (ALNUM, 24)), "SLACK_BOT_TOKEN", header="Authorization: Bearer"),
    F("slack-user-token", S, ("xoxp-", (DIG, 12), "-", (DIG, 12), "-", (DIG, 13), "-", (HEXL, 32)), "SLACK_USER_TOKEN"),
    F("slack-app-token", S, ("xapp-1-A", (UPPER + DIG, 10), "-", (DIG, 13), "-", (HEXL, 64)), "SLACK_APP_TOKEN"),
    F("slack-refresh-token", S, ("xoxe-1-", (ALNUM, 140)), "SLACK_REFRESH_TOKEN"),
    F("slack-webhook", S, ("https://hooks.slack.com/services/T", (UPPER + DIG, 10), "/B", (UPPER + DIG, 10), "/", (ALNUM, 24)), "SLACK_WEBHOOK_URL"),
    F("discord-bot-token", S, (_discord_bot,), "DISCORD_TOKEN", header="Authorization: Bot"),
    F("discord-webhook", S, ("https://discord.com/api/webhooks/", (DIG, 19), "/", (URLSAFE, 68)), "DISCORD_WEBHOOK_URL"),
    F("telegram-bot-token", S, ((DIG, 10), ":AA", (URLSAFE, 33)), "TELEGRAM_BOT_TOKEN"),
    F("twilio-api-key-sid", S, ("SK", (HEXL, 32)), "TWILIO_API_KEY"),
    F("twilio-auth-token", S, ((HEXL, 32),), "TWILIO_AUTH_TOKEN", distinctive=False),
    F("sendgrid-api-key", S, ("SG.", (URLSAFE, 22), ".", (URLSAFE, 43)), "SENDGRID_API_KEY", header="Authorization: Bearer"),
    F("mailgun-api-key", S, ("key-", (HEXL, 32)), "MAILGUN_API_KEY", distinctive=False),  # "key-" alone is too common
    F("mailchimp-api-key", S, ((HEXL, 32), "-us", lambda r: str(r.randint(1, 21))), "MAILCHIMP_API_KEY"),
    F("postmark-server-token", S, (lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4)),), "POSTMARK_SERVER_TOKEN", distinctive=False, header="X-Postmark-Server-Token:"),
    # --- payments, commerce, SaaS
    F("stripe-secret-key", S, ("sk_live_", (ALNUM, 99)), "STRIPE_SECRET_KEY", header="Authorization: Bearer"),
    F("stripe-restricted-key", S, ("rk_live_", (ALNUM, 99)), "STRIPE_API_KEY"),
    F("stripe-webhook-secret", S, ("whsec_", (ALNUM, 32)), "STRIPE_WEBHOOK_SECRET"),
    F("square-access-token", S, ("EAAA", (URLSAFE, 60)), "SQUARE_ACCESS_TOKEN"),
    F("shopify-access-token", S, ("shpat_", (HEXL, 32)), "SHOPIFY_ACCESS_TOKEN", header="X-Shopify-Access-Token:"),
    F("shopify-shared-secret", S, ("shpss_", (HEXL, 32)), "SHOPIFY_API_SECRET"),
    F("braintree-access-token", S, ("access_token$production$", (LOWER + DIG, 16), "$", (HEXL, 32)), "BRAINTREE_ACCESS_TOKEN"),
    F("linear-api-key", S, ("lin_api_", (ALNUM, 40)), "LINEAR_API_KEY"),
    F("figma-pat", S, ("figd_", (URLSAFE, 40)), "FIGMA_TOKEN"),
    F("mapbox-secret-token", S, ("sk.eyJ1IjoibWwtdGVhbSIsImEiOiJ", (ALNUM, 20), "In0.", (URLSAFE, 22)), "MAPBOX_SECRET_TOKEN"),
    F("hubspot-private-app-token", S, ("pat-na1-", lambda r: str(uuid.UUID(int=r.getrandbits(128), version=4))), "HUBSPOT_ACCESS_TOKEN"),
    F("contentful-pat", S, ("CFPAT-", (URLSAFE, 43)), "CONTENTFUL_MANAGEMENT_TOKEN"),
    F("prefect-api-key", S, ("pnu_", (ALNUM, 36)), "PREFECT_API_KEY"),
    F("dropbox-short-lived-token", S, ("sl.", (URLSAFE, 135)), "DROPBOX_ACCESS_TOKEN"),
    F("posthog-personal-api-key", S, ("phx_", (ALNUM, 47)), "POSTHOG_PERSONAL_API_KEY", header="Authorization: Bearer"),
    F("helicone-api-key", S, ("sk-helicone-", (LOWER + DIG, 7), "-", (LOWER + DIG, 7), "-", (LOWER + DIG, 7), "-", (LOWER + DIG, 7)), "HELICONE_API_KEY", header="Helicone-Auth: Bearer"),
    # --- structure
    F("jwt", S, (_jwt,), "ACCESS_TOKEN", header="Authorization: Bearer"),
    F("pem-rsa-private-key", S, (_pem("RSA PRIVATE KEY"),), "PRIVATE_KEY"),
    F("pem-private-key", S, (_pem("PRIVATE KEY"),), "TLS_PRIVATE_KEY"),
    F("pem-openssh-private-key", S, (_pem("OPENSSH PRIVATE KEY"),), "SSH_PRIVATE_KEY"),
    F("pem-ec-private-key", S, (_pem("EC PRIVATE KEY"),), "EC_PRIVATE_KEY"),
    F("pem-private-key-base64", S, (_pem_base64,), "TLS_KEY_B64"),
    F("dockerconfigjson-base64", S, (_dockerconfigjson,), "DOCKER_CONFIG_JSON"),
    # --- password hashes (crypt(3) / passlib's Modular Crypt Format, Django)
    F("bcrypt-password-hash", S, ("$2b$12$", (CRYPT64, 53)), "ADMIN_PASSWORD_HASH"),
    F("sha512-crypt-hash", S, ("$6$", (CRYPT64, 16), "$", (CRYPT64, 86)), "ROOT_PASSWORD_HASH"),
    F("argon2id-hash", S, ("$argon2id$v=19$m=65536,t=3,p=4$", (ALNUM + "+/", 22), "$", (ALNUM + "+/", 43)), "JUPYTER_PASSWORD"),
    F("django-pbkdf2-hash", S, ("pbkdf2_sha256$870000$", (ALNUM, 22), "$", (B64, 43), "="), "USER_PASSWORD_HASH"),
)
# fmt: on


# ---------------------------------------------------------------- credentials in assignments
def _password(rng: random.Random) -> str:
    """A password as password generators make them: mixed classes, 12-32 characters."""
    n = rng.randint(12, 32)
    pool = ALNUM + "!#%^*_-+=.~"
    while True:
        s = "".join(rng.choice(pool) for _ in range(n))
        if any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s):
            return s


def _word(rng: random.Random) -> str:
    """A password of one lower-case word, as people choose them: 6-12 letters of syllables."""
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(rng.randint(3, 6)))


# A word password's layouts, written as each format's documentation writes a value: the
# official postgres and mysql images' compose files, Spring's properties and YAML, Maven's
# settings.xml, .netrc, kubectl's --from-literal, Helm's --set, the JVM's keystore property.
WORD_PASSWORDS: tuple[tuple[str, str], ...] = (
    ("param", "{v}"),
    (
        "compose-env",
        "services:\n  db:\n    image: postgres\n    environment:\n      POSTGRES_PASSWORD: {v}\n",
    ),
    ("compose-env-list", "environment:\n  - MYSQL_ROOT_PASSWORD={v}\n"),
    ("spring-properties", "spring.datasource.password={v}"),
    ("spring-yaml", "spring:\n  datasource:\n    username: ml\n    password: {v}\n"),
    (
        "maven-settings",
        "<server>\n  <id>nexus</id>\n  <username>deploy</username>\n  <password>{v}</password>\n</server>",
    ),
    ("netrc", "machine api.example.com login trainer password {v}"),
    ("kubectl-literal", "kubectl create secret generic db --from-literal=password={v}"),
    ("helm-set", "helm install db bitnami/postgresql --set auth.password={v}"),
    ("jvm-keystore", "java -Djavax.net.ssl.keyStorePassword={v} -jar trainer.jar"),
    ("python-literal", 'conn = connect(user="ml", password="{v}")'),
)
# and the words in those places that are no password: a stand-in, how the password is
# given, a flag named in a sentence
WORD_NOT_PASSWORDS: tuple[tuple[str, str], ...] = (
    ("password", "changeme"),
    ("password", "prompt"),
    ("password", "keyring"),
    ("notes", "POSTGRES_PASSWORD=example"),
    ("notes", "use the --username and --password options"),
    ("notes", "authentication:\n  password: required\n"),
)


# Key names and layouts that announce a credential in text (documented config syntaxes:
# dotenv, shell, YAML, INI, TOML, properties, CLI flags, HTTP headers).
ASSIGNMENTS: tuple[tuple[str, str], ...] = (
    ("dotenv", "DB_PASSWORD={v}"),
    ("dotenv-pass", "DB_PASS={v}"),
    ("shell-export", 'export SERVICE_SECRET="{v}"'),
    ("yaml-password", "database:\n  host: db.internal\n  password: {v}\n"),
    ("yaml-private-key", "signing:\n  private-key: {v}\n"),
    ("yaml-creds", "creds: {v}"),
    ("ini-passwd", "[mysql]\nuser = trainer\npasswd = {v}\n"),
    ("toml-token", 'api_token = "{v}"'),
    ("properties", "spring.datasource.password={v}"),
    ("json-user-auth", '{{"user_auth": "{v}"}}'),
    ("json-client-secret", '{{"clientSecret": "{v}"}}'),
    ("python-kwarg", 'client = Client(api_key="{v}")'),
    ("cli-password", "python load.py --password {v} --rows 10"),
    ("cli-password-eq", "python load.py --db-password={v}"),
    ("cli-token", "trainer run --auth-token {v}"),
    ("header-api-key", "X-Api-Key: {v}"),
    ("header-bearer", "Authorization: Bearer {v}"),
    ("header-token", "Authorization: Token {v}"),
    ("url-query", "https://api.example.com/v1/items?api_key={v}&limit=10"),
    ("pgpassword", "PGPASSWORD={v} psql -h db.internal -U ml"),
    ("mysql-pwd", "MYSQL_PWD={v}"),
    ("redis-auth", "REDISCLI_AUTH={v}"),
    ("docker-login", "docker login -u ci-bot -p {v} registry.example.com"),
    ("sshpass", "sshpass -p {v} ssh -l trainer gpu-17"),
    ("python-raw-string", 'password = r"{v}"'),
    ("csharp-verbatim", 'var password = @"{v}";'),
    ("yaml-next-line", "database:\n  password:\n    {v}\n  user: trainer\n"),
    # a Chef resource's attribute (name, blank, literal), an LDAP-style pw abbreviation,
    # a database's key (detect-secrets' keyword list: db_key, priv_key, key_pass)
    ("chef-attribute", "user 'trainer' do\n  password '{v}'\n  action :create\nend"),
    ("dotenv-pw", "ADMIN_PW={v}"),
    ("yaml-db-key", "cache:\n  db_key: {v}\n"),
    ("ini-key-pass", "[tls]\nkey_pass = {v}\n"),
    # properties and definitions given on a command line (java -D, cmake -D), and a
    # credential's identifier in a sentence of a note
    ("jvm-system-property", "java -Dtoken={v} -jar trainer.jar"),
    ("cmake-define", "cmake -DAPI_KEY={v} .."),
    ("note-identifier", "note: the db_password is {v} until rotation"),
    # RFC 3986's user information as Confluent's Schema Registry clients name it, SSSD's
    # authentication token, and a name of three words (French) before a colon
    ("confluent-user-info", "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO=svc-ml:{v}"),
    ("sssd-authtok", "[domain/corp]\nldap_default_authtok = {v}\n"),
    ("french-three-words", "Mot de passe : {v}"),
)

CONNECTIONS: tuple[tuple[str, str], ...] = (
    ("postgresql-uri", "postgresql://ml_user:{v}@db.internal:5432/features"),
    ("postgresql-psycopg-uri", "postgresql+psycopg2://ml_user:{v}@db.internal/features"),
    ("mysql-uri", "mysql+pymysql://trainer:{v}@mysql.internal:3306/runs"),
    ("mongodb-srv", "mongodb+srv://atlas-user:{v}@cluster0.ab1cd.mongodb.net/ml?retryWrites=true&w=majority"),
    ("redis-uri", "redis://default:{v}@redis-12000.c1.us-east-1-2.ec2.cloud.redislabs.com:12000"),
    ("rediss-empty-user", "rediss://:{v}@cache.internal:6380/0"),
    ("amqp-uri", "amqp://worker:{v}@rabbit.internal:5672/vhost"),
    (
        "mssql-odbc",
        "Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:sql.internal,1433;Database=runs;Uid=trainer;Pwd={v};Encrypt=yes;",
    ),
    ("ado-net", "Server=sql.internal;Database=runs;User Id=trainer;Password={v};"),
    ("jdbc-params", "jdbc:postgresql://db.internal:5432/runs?user=ml&password={v}"),
    ("jdbc-sqlserver", "jdbc:sqlserver://sql.internal:1433;databaseName=runs;user=ml;password={v};"),
    ("snowflake-uri", "snowflake://ml_user:{v}@xy12345.eu-west-1/ANALYTICS/PUBLIC?warehouse=WH"),
    ("https-basic", "https://builder:{v}@artifacts.example.com/simple/"),
    ("git-clone", "git clone https://oauth2:{v}@gitlab.example.com/ml/train.git"),
    ("curl-user", "curl -u admin:{v} https://registry.example.com/v2/_catalog"),
    ("pgpass", "db.internal:5432:features:ml_user:{v}"),
    ("ldap-bind", "ldap://cn=admin,dc=example,dc=com:{v}@ldap.example.com:389"),
    ("redis-stackexchange", "cache.internal:6380,password={v},ssl=True,abortConnect=False"),
    (
        "kafka-jaas",
        'org.apache.kafka.common.security.plain.PlainLoginModule required username="svc-ml" password="{v}";',
    ),
    ("postgresql-unix-socket", "postgresql://ml_user:{v}@/features?host=/var/run/postgresql"),
    ("postgres-sslpassword", "postgresql://ml_user@db.internal/features?sslmode=verify-full&sslpassword={v}"),
    ("oracle-easy-connect", "sqlplus -s ml_user/{v}@//db.internal:1521/FEATURES"),
    ("go-mysql-dsn", "ml_user:{v}@tcp(mysql.internal:3306)/runs?parseTime=true"),
    ("curlrc", 'user = "builder:{v}"'),
    ("cisco-username-secret", "hostname edge-01\nusername netops privilege 15 secret 0 {v}\n"),
    ("snmp-community", "snmp-server community {v} RO 10"),
    ("ipsec-secrets-psk", 'gw.example.com : PSK "{v}"'),
    ("pgbouncer-userlist", '"ml_user" "{v}"'),
    ("nslcd-bindpw", "binddn cn=nslcd,dc=example,dc=com\nbindpw {v}"),
    (
        "oracle-connect-descriptor",
        "sqlplus ml_user/{v}@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.internal)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=features)))",
    ),
    # LDAP simple binds as go-ldap's Bind(username, password) and PHP's ldap_bind(link, dn,
    # password) take them
    ("go-ldap-bind", 'err = l.Bind("cn=read-only-admin,dc=example,dc=com", "{v}")'),
    ("php-ldap-bind", '$ok = ldap_bind($ds, "uid=svc,ou=people,dc=example,dc=com", "{v}");'),
)


def _azure_conn(rng: random.Random) -> tuple[str, str]:
    key = _azure_storage_key(rng)
    return (
        f"DefaultEndpointsProtocol=https;AccountName=mlartifacts;AccountKey={key};EndpointSuffix=core.windows.net",
        key,
    )


def _servicebus(rng: random.Random) -> tuple[str, str]:
    key = _azure_storage_key(rng)[:44]
    return (
        f"Endpoint=sb://ml-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}",
        key,
    )


def _cosmos(rng: random.Random) -> tuple[str, str]:
    key = _azure_storage_key(rng)
    return f"AccountEndpoint=https://ml-cosmos.documents.azure.com:443/;AccountKey={key};", key


# ---------------------------------------------------------------- PII from standards
def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + "".join(rng.choice(DIG) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


# IIN ranges and lengths as the networks publish them (ISO/IEC 7812 registrations).
CARD_IINS: tuple[tuple[str, Callable[[random.Random], str], tuple[int, ...]], ...] = (
    ("visa", lambda r: "4", (16,)),
    ("mastercard-51-55", lambda r: str(r.randint(51, 55)), (16,)),
    ("mastercard-2-series", lambda r: str(r.randint(2221, 2720)), (16,)),
    ("amex", lambda r: r.choice(["34", "37"]), (15,)),
    ("discover", lambda r: r.choice(["6011", "65", str(r.randint(644, 649))]), (16,)),
    ("jcb", lambda r: str(r.randint(3528, 3589)), (16,)),
    ("diners", lambda r: r.choice(["36", "38", str(r.randint(300, 305))]), (14,)),
    ("unionpay", lambda r: "62" + str(r.randint(10, 99)), (16, 19)),
    ("uatp", lambda r: "1" + str(r.randint(10, 99)), (15,)),
    ("dankort", lambda r: "5019", (16,)),
    ("mir", lambda r: str(r.randint(2200, 2204)), (16,)),
    ("rupay", lambda r: r.choice(["60", "652", "81", "82", "508"]), (16,)),
    ("elo", lambda r: r.choice(["636368", "438935", "504175", "451416", "636297", "50671"]), (16,)),
    ("troy", lambda r: "9792", (16,)),
    ("maestro", lambda r: r.choice(["6759", "6761", "5018", "5020", "5038", "6304"]), (16, 19)),
)

# IBAN BBAN layouts from the SWIFT IBAN registry: (country, [(kind, length)]) with
# kind n = digits, a = upper-case letters, c = alphanumerics. Countries without a
# national check digit inside the BBAN, so a random BBAN is a valid IBAN.
IBAN_LAYOUTS: tuple[tuple[str, tuple[tuple[str, int], ...]], ...] = (
    ("DE", (("n", 18),)),
    ("GB", (("a", 4), ("n", 14))),
    ("NL", (("a", 4), ("n", 10))),
    ("CH", (("n", 5), ("c", 12))),
    ("AT", (("n", 16),)),
    ("IE", (("a", 4), ("n", 14))),
    ("LU", (("n", 3), ("c", 13))),
    ("LY", (("n", 21),)),
    ("LT", (("n", 16),)),
    ("LV", (("a", 4), ("c", 13))),
    ("SA", (("n", 2), ("c", 18))),
    ("AE", (("n", 19),)),
    ("QA", (("a", 4), ("c", 21))),
    ("KW", (("a", 4), ("c", 22))),
    ("TR", (("n", 5), ("n", 1), ("c", 16))),
    ("CY", (("n", 8), ("c", 16))),
    ("BH", (("a", 4), ("c", 14))),
    ("IL", (("n", 19),)),
    ("RO", (("a", 4), ("c", 16))),
    ("BG", (("a", 4), ("n", 6), ("c", 8))),
)


def _iban(rng: random.Random, country: str, layout: tuple[tuple[str, int], ...]) -> str:
    alphabets = {"n": DIG, "a": UPPER, "c": UPPER + DIG}
    bban = "".join("".join(rng.choice(alphabets[k]) for _ in range(n)) for k, n in layout)
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(numeric) % 97
    return f"{country}{check:02d}{bban}"


def _ssn(rng: random.Random) -> tuple[int, int, int]:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            return area, rng.randint(1, 99), rng.randint(1, 9999)


# ---------------------------------------------------------------- carriers
@dataclass(frozen=True)
class Case:
    key: str
    value: Any
    categories: frozenset[str]
    name: str  # the format or negative family
    # a credential that either category describes (an account key inside a connection
    # string): found when any of them is reported
    any_of: bool = False


def _secret_cases(rng: random.Random, fmt: Format) -> list[Case]:
    v = fmt.make(rng)
    env = fmt.env
    provider = fmt.name.split("-")[0]
    cats = frozenset({fmt.category})
    out = [
        Case(env.lower(), v, cats, fmt.name),
        Case(f"config.{provider}.{env.lower()}", v, cats, fmt.name),
        Case("env", f"{env}={v}", cats, fmt.name),
        Case("setup_script", f'export {env}="{v}"\npython train.py --epochs 3', cats, fmt.name),
        Case("config_json", json.dumps({provider: {env.lower(): v}, "lr": 0.0003}), cats, fmt.name),
        Case("config_yaml", f"{provider}:\n  {env.lower()}: {v}\nseed: 42\n", cats, fmt.name),
    ]
    if fmt.header:
        out.append(Case("request_headers", f"{fmt.header} {v}", cats, fmt.name))
    if fmt.distinctive:
        out += [
            Case("notes", v, cats, fmt.name),
            Case(
                "log_tail",
                f"2025-03-04 10:12:55,101 INFO client ready using credential {v} (rotated weekly)",
                cats,
                fmt.name,
            ),
            Case("command", f"python train.py --credential {v} --epochs 3", cats, fmt.name),
        ]
    return out


def _pii_cases(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for brand, iin, lengths in CARD_IINS:
        for _ in range(4):
            n = _luhn_complete(rng, iin(rng), rng.choice(lengths))
            grouped = " ".join(n[i : i + 4] for i in range(0, len(n), 4))
            for key, value in (
                ("card_number", n),
                ("payment", f"charged card {grouped} for the annotation batch"),
                ("billing_json", json.dumps({"card": "-".join(n[i : i + 4] for i in range(0, len(n), 4))})),
            ):
                out.append(Case(key, value, frozenset({"CREDIT_CARD"}), f"card-{brand}"))
    for i in range(40):
        a, g, s = _ssn(rng)
        forms = (f"{a:03d}-{g:02d}-{s:04d}", f"{a:03d} {g:02d} {s:04d}", f"{a:03d}.{g:02d}.{s:04d}")
        out.append(
            Case(
                "applicant_ssn",
                forms[i % 3],
                frozenset({"US_SSN"}),
                "ssn-" + ("dashed", "spaced", "dotted")[i % 3],
            )
        )
        out.append(
            Case("notes", f"employee SSN {forms[i % 3]} verified", frozenset({"US_SSN"}), "ssn-in-text")
        )
        out.append(Case("ssn", f"{a:03d}{g:02d}{s:04d}", frozenset({"US_SSN"}), "ssn-bare-under-key"))
    locals_ = ("j.doe", "annotator+batch7", "ml.ops", "first_last", "x")
    domains = (
        "example.com",
        "mail.example.org",
        "corp.example.co.uk",
        "xn--bcher-kva.example",
        "xn--mller-kva.example.de",
        "bücher.example",
        "例え.jp",
    )
    for loc in locals_:
        for dom in domains:
            addr = f"{loc}@{dom}"
            name = "email-idn" if ("xn--" in dom or not dom.isascii()) else "email"
            out.append(Case("owner", addr, frozenset({"EMAIL_ADDRESS"}), name))
            out.append(
                Case("notes", f"contact {addr} for access", frozenset({"EMAIL_ADDRESS"}), name + "-in-text")
            )
    import phonenumbers

    for region in ("US", "GB", "DE", "FR", "IN", "BR", "JP", "AU", "ES", "IT", "NL", "CA", "MX", "ZA", "SG"):
        ex = phonenumbers.example_number_for_type(
            region, phonenumbers.PhoneNumberType.MOBILE
        ) or phonenumbers.example_number(region)
        for fmt_name, fmt in (
            ("e164", phonenumbers.PhoneNumberFormat.E164),
            ("international", phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        ):
            text = phonenumbers.format_number(ex, fmt)
            out.append(Case("contact_phone", text, frozenset({"PHONE_NUMBER"}), f"phone-{fmt_name}"))
            out.append(
                Case(
                    "notes",
                    f"call {text} if the job fails",
                    frozenset({"PHONE_NUMBER"}),
                    f"phone-{fmt_name}-in-text",
                )
            )
    for _ in range(10):
        nanp = f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(0, 9999):04d}"
        out.append(Case("phone", nanp, frozenset({"PHONE_NUMBER"}), "phone-nanp-national"))
    # national formats under a phone's name as a database column or another language
    # writes it (one word, or another script)
    for region, key in (
        ("GB", "phonenumber"),
        ("DE", "Telefonnummer"),
        ("JP", "電話番号"),
        ("KR", "전화번호"),
    ):
        ex = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
        national = phonenumbers.format_number(ex, phonenumbers.PhoneNumberFormat.NATIONAL)
        out.append(Case(key, national, frozenset({"PHONE_NUMBER"}), "phone-national-under-key"))
    for _ in range(12):
        pub = f"{rng.choice([23, 34, 52, 81, 104, 151, 185])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        priv = rng.choice(
            [
                f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            ]
        )
        v6 = ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(8))
        out += [
            Case("server_ip", pub, frozenset({"IP_ADDRESS"}), "ipv4-public"),
            Case("worker_host", priv, frozenset({"IP_ADDRESS"}), "ipv4-private"),
            Case("notes", f"ssh into {pub} to inspect the node", frozenset({"IP_ADDRESS"}), "ipv4-in-text"),
            Case("peer_address", v6, frozenset({"IP_ADDRESS"}), "ipv6"),
            Case("dist_url", f"tcp://{priv}:29500", frozenset({"IP_ADDRESS"}), "ipv4-in-url"),
        ]
    for country, layout in IBAN_LAYOUTS:
        for _ in range(3):
            iban = _iban(rng, country, layout)
            spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
            dashed = "-".join(iban[i : i + 4] for i in range(0, len(iban), 4))
            out += [
                Case("payout_iban", iban, frozenset({"IBAN_CODE"}), f"iban-{country}"),
                Case("notes", f"refund to {spaced} this week", frozenset({"IBAN_CODE"}), "iban-spaced"),
                Case("bank_account", dashed, frozenset({"IBAN_CODE"}), "iban-dashed"),
            ]
            if len(iban) % 4 not in (0, 1):
                # the last characters in two groups, as some statements print them
                head, tail = spaced.rsplit(" ", 1)
                split = f"{head[:-1]} {head[-1]}{tail}" if len(tail) < 3 else f"{head} {tail[:-1]} {tail[-1]}"
                out.append(
                    Case("notes", f"IBAN: {split} (statement)", frozenset({"IBAN_CODE"}), "iban-short-groups")
                )
    return out


CREDENTIAL = frozenset({"CONNECTION_STRING", "SECRET"})


def _credential_cases(rng: random.Random) -> list[Case]:
    out: list[Case] = []
    for _ in range(4):
        for name, layout in ASSIGNMENTS:
            cat = (
                "CONNECTION_STRING"
                if name in {"pgpassword", "mysql-pwd", "redis-auth", "docker-login", "sshpass"}
                else "SECRET"
            )
            out.append(Case("notes", layout.format(v=_password(rng)), frozenset({cat}), f"assign-{name}"))
        for name, layout in WORD_PASSWORDS:
            key = "db_password" if name == "param" else "notes"
            out.append(Case(key, layout.format(v=_word(rng)), frozenset({"SECRET"}), f"word-{name}"))
        for name, layout in CONNECTIONS:
            out.append(
                Case(
                    "db_url" if "://" in layout else "notes",
                    layout.format(v=_password(rng)),
                    frozenset({"CONNECTION_STRING"}),
                    f"conn-{name}",
                )
            )
        for name, maker in (
            ("azure-storage", _azure_conn),
            ("azure-servicebus", _servicebus),
            ("azure-cosmos", _cosmos),
        ):
            conn, _key = maker(rng)
            out.append(Case("storage_connection", conn, CREDENTIAL, f"conn-{name}", any_of=True))
        key = _azure_storage_key(rng)
        out += [
            Case("azure.storage.account_key", key, frozenset({"SECRET"}), "azure-account-key-flattened"),
            Case(
                "config_json",
                json.dumps({"storage": {"accountKey": key}}),
                frozenset({"SECRET"}),
                "azure-account-key-json",
            ),
            Case("env", f"AZURESTORAGEACCOUNTKEY={key}", CREDENTIAL, "azure-account-key-env", any_of=True),
        ]
        # two DSNs in one value, and a provider token inside a URI
        a, b = _password(rng), _password(rng)
        sep = rng.choice([";", "|", " ", "\n", "&"])
        out.append(
            Case(
                "replicas",
                f"postgresql://a:{a}@db1.internal/x{sep}postgresql://b:{b}@db2.internal/x",
                frozenset({"CONNECTION_STRING"}),
                "conn-two-dsns",
            )
        )
        kid = "AKIA" + "".join(rng.choice(B32) for _ in range(16))
        sec = "".join(rng.choice(B64) for _ in range(40))
        out.append(
            Case("bucket", f"s3://{kid}:{sec}@ml-datasets/train", CREDENTIAL, "conn-s3-keys", any_of=True)
        )
    # a GCP service-account key file logged as JSON text
    for _ in range(4):
        sa = {
            "type": "service_account",
            "project_id": "ml-prod-123456",
            "private_key_id": "".join(rng.choice(HEXL) for _ in range(40)),
            "private_key": _pem("PRIVATE KEY")(rng) + "\n",
            "client_email": "trainer@ml-prod-123456.iam.gserviceaccount.com",
            "client_id": str(rng.randint(10**20, 10**21)),
            "token_uri": "https://oauth2.googleapis.com/token",
        }
        out.append(
            Case(
                "gcp_credentials",
                json.dumps(sa),
                frozenset({"SECRET", "EMAIL_ADDRESS"}),
                "gcp-service-account-json",
            )
        )
        # a private JSON Web Key (RFC 7517/7518): an EC key's "d" beside its "kty"
        x, y, d = (_b64url(rng, 32) for _ in range(3))
        jwk = {"kty": "EC", "crv": "P-256", "kid": "signing-1", "x": x, "y": y, "d": d}
        out.append(Case("signing_jwks", json.dumps({"keys": [jwk]}), frozenset({"SECRET"}), "jwk-private-ec"))
        # Oracle's unquoted password, an identifier (CREATE USER ... IDENTIFIED BY name)
        ident = (
            rng.choice(UPPER + LOWER) + "".join(rng.choice(ALNUM + "_") for _ in range(11)) + rng.choice(DIG)
        )
        out.append(
            Case(
                "migration_sql",
                f"CREATE USER ml_reader IDENTIFIED BY {ident} DEFAULT TABLESPACE users;",
                frozenset({"SECRET"}),
                "oracle-unquoted-password",
            )
        )
        # a numeric password (a PIN-like database password) under a password's name
        pin = "".join(rng.choice("0123456789") for _ in range(8))
        while pin[:2] in ("19", "20"):  # (a date is not one)
            pin = "".join(rng.choice("0123456789") for _ in range(8))
        out.append(Case("db_password", pin, frozenset({"SECRET"}), "numeric-password"))
        out.append(Case("notes", f"export PGPASSWORD={pin}", CREDENTIAL, "numeric-password-env", any_of=True))
        # a generated token under "<vendor>_key" for a vendor no detector names
        tok = "".join(rng.choice(ALNUM) for _ in range(32))
        out.append(Case("notes", f"ACME_CLOUD_KEY={tok}", frozenset({"SECRET"}), "unknown-vendor-key-env"))
        out.append(Case("acmeCloudKey", tok, frozenset({"SECRET"}), "unknown-vendor-key"))
        # ... nested under the vendor's name, a bare key in a URL's query, a name of two
        # words in a log line, a literal a credential's name falls back on in code
        out.append(
            Case(
                "config_json",
                json.dumps({"acmecloud": {"key": tok}}),
                frozenset({"SECRET"}),
                "unknown-vendor-nested-key",
            )
        )
        out.append(
            Case(
                "request_url",
                f"https://api.acme.example/v1/forecast?q=oslo&key={tok}",
                frozenset({"SECRET"}),
                "url-query-key",
            )
        )
        out.append(
            Case(
                "log_tail",
                f"[DEBUG] loaded config, API key: {tok}",
                frozenset({"SECRET"}),
                "two-word-name-log",
            )
        )
        # a key an API vendor issues without a prefix, beside the vendor's name alone
        out.append(
            Case(
                "log_tail",
                f"geo: using opencage {tok} (free tier)",
                frozenset({"SECRET"}),
                "vendor-name-key-text",
            )
        )
        out.append(Case("openweathermap", tok, frozenset({"SECRET"}), "vendor-name-key-param"))
        pw = _password(rng)
        out.append(
            Case(
                "source",
                f"$db = new PDO($dsn, 'svc', getenv('DB_PASSWORD') ?: '{pw}');",
                frozenset({"SECRET"}),
                "fallback-literal",
            )
        )
        # a Kubernetes Secret's data: base64 of an env file holding a DSN
        env = f"DATABASE_URL=postgresql://svc:{_password(rng)}@db.internal:5432/features\nDEBUG=false\n"
        out.append(
            Case(
                "env_file_b64",
                base64.b64encode(env.encode()).decode(),
                frozenset({"CONNECTION_STRING"}),
                "base64-text-dsn",
            )
        )
    return out


# ---------------------------------------------------------------- hard negatives
def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(HEXL) for _ in range(n))


def _lineage(rng: random.Random) -> list[Case]:
    out = []
    none: frozenset[str] = frozenset()
    for _ in range(30):
        sha, run_id, digest = _hex(rng, 40), _hex(rng, 32), _hex(rng, 64)
        u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        out += [
            Case("mlflow.source.git.commit", sha, none, "lineage-commit"),
            Case("config.secrets.code.revision", sha, none, "lineage-flattened-secrets-parent"),
            Case("config.secrets.run_uuid", u, none, "lineage-flattened-secrets-parent"),
            Case("config.SECRETS.CONDA_LOCK", f"sha256:{digest}", none, "lineage-flattened-secrets-parent"),
            Case("secrets/dataset_fingerprint", digest, none, "lineage-flattened-secrets-parent"),
            Case("run_id", run_id, none, "lineage-run-id"),
            Case("image", f"ghcr.io/ml/trainer@sha256:{digest}", none, "lineage-docker-digest"),
            Case("dataset.digest", f"md5:{_hex(rng, 32)}", none, "lineage-digest"),
            Case("git_short", sha[:7], none, "lineage-short-sha"),
            Case("env_hash", _hex(rng, 16), none, "lineage-env-hash"),
            Case(
                "config_json",
                json.dumps({"secrets": {"revision": sha, "run_uuid": u}}),
                none,
                "lineage-json-secrets-parent",
            ),
            Case("parent_run", f"runs:/{run_id}/model", none, "lineage-model-uri"),
            Case("dvc_md5", _hex(rng, 32), none, "lineage-digest"),
        ]
    return out


DOC_PLACEHOLDERS = (
    "YOUR_API_KEY",
    "<your-api-key>",
    "<password>",
    "<key>",
    "sk-...",
    "${OPENAI_API_KEY}",
    "{{ secrets.HF_TOKEN }}",
    "${{ secrets.WANDB_API_KEY }}",
    "****",
    "********",
    "changeme",
    "xxxxxxxxxxxxxxxx",
    "your-token-here",
    "REPLACE_ME",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "os.environ['DB_PASSWORD']",
    "vault:secret/data/ml#password",
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:ml/db-AbCdEf",
    "projects/ml-prod/secrets/db-password/versions/latest",
    "/run/secrets/db_password",
    "DB_PASSWORD",
    "%(db_password)s",
    "glc_11111111111111111111111111111111",
    "AIzaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
    "null",
    "none",
    "true",
)

LOOKALIKES: tuple[tuple[str, Any], ...] = (
    ("max_tokens", 4096),
    ("max_new_tokens", "512"),
    ("tokenizer", "bert-base-uncased"),
    ("tokenizer_name", "meta-llama/Llama-3.1-8B"),
    ("pad_token", "<pad>"),
    ("eos_token", "</s>"),
    ("token_count", 1834221),
    ("password_min_length", 12),
    ("secret_name", "prod/ml/db-password"),
    ("key_id", "key-2024-rotation"),
    ("api_key_env", "OPENAI_API_KEY"),
    ("auth_type", "oauth2"),
    ("auth_method", "token"),
    ("token_limit", "128000"),
    ("num_keys", 64),
    ("passage_tokens", "[CLS] the quick brown fox [SEP]"),
    ("keyboard_layout", "us"),
    ("monkey_patch", "true"),
    ("sort_key", "created_at"),
    ("primary_key", "run_id"),
    ("cache_key", "resnet50-imagenet-v2"),
    ("public_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeFakeFakeFakeFakeFakeFakeFakeFakeFake ml@laptop"),
    ("certificate", "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUFAKE\n-----END CERTIFICATE-----"),
    ("pem_header_only", "-----BEGIN RSA PRIVATE KEY-----"),
    ("cudnn_version", "8.9.7.29"),
    ("driver", "535.129.03"),
    ("python_version", "3.11.7"),
    ("torch", "2.3.1+cu121"),
    ("lr", 0.0003),
    ("seed", 1234567890),
    ("timestamp", "2025-03-04T10:12:55.101Z"),
    ("epoch_ms", 1741083175101),
    ("model_uri", "s3://ml-models/resnet50/v3/model.pt"),
    ("hf_model", "mistralai/Mistral-7B-Instruct-v0.3"),
    ("git_remote", "git@github.com:ml-team/trainer.git"),
    ("remote", "ssh://git@gitlab.example.com/ml/train.git"),
    ("artifact", "checkpoint@epoch=10.ckpt"),
    ("requirement", "transformers==4.44.2"),
    ("tracking_uri", "http://mlflow.internal:5000"),
    ("empty_env", "DB_PASSWORD=\nDB_HOST=db.internal"),
    ("sql", "SELECT * FROM runs WHERE id = 12345"),
    ("notes", "rotate the api key every 90 days; see the runbook"),
    ("description", "token classification with BERT"),
)


def _negatives(rng: random.Random) -> list[Case]:
    none: frozenset[str] = frozenset()
    out = [Case(key, value, none, "lookalike-" + key) for key, value in LOOKALIKES]
    out += [Case(key, value, none, "word-not-password") for key, value in WORD_NOT_PASSWORDS]
    for i, ph in enumerate(DOC_PLACEHOLDERS):
        out += [
            Case("api_key", ph, none, "placeholder"),
            Case("config.openai.api_key", ph, none, "placeholder-flattened"),
            Case("env", f"DB_PASSWORD={ph}", none, "placeholder-env"),
            Case(
                "db_url",
                f"postgresql://ml:{ph}@db.internal/x" if i % 2 else "postgresql://ml@db.internal/x",
                none,
                "placeholder-dsn",
            ),
        ]
    for _ in range(20):
        out.append(Case("csrf_token", _hex(rng, 40), none, "lookalike-csrf"))
        out.append(
            Case(
                "pagination_token", _b64json({"offset": rng.randint(0, 10**6)}), none, "lookalike-pagination"
            )
        )
        n = _luhn_complete(rng, "4", 16)
        out.append(Case("order_id", f"ORD-{n}X", none, "lookalike-digits-in-id"))
        # kinds of key that open nothing, holding random-looking values
        out.append(Case("partition_key", _hex(rng, 32), none, "lookalike-record-key"))
        out.append(Case("notes", f"rng_key = {rng.randint(0, 2**32)}", none, "lookalike-rng-key"))
        out.append(Case("sort_key", "created_at", none, "lookalike-sort-key"))
        tok = "".join(rng.choice(ALNUM) for _ in range(24))
        out.append(
            Case("cache_json", json.dumps({"cache": {"key": tok}}), none, "lookalike-nested-cache-key")
        )
        out.append(
            Case(
                "request_url",
                f"https://cache.internal/get?key={_hex(rng, 32)}",
                none,
                "lookalike-url-md5-key",
            )
        )
        out.append(Case("log_tail", f"CSRF token: {_hex(rng, 40)}", none, "lookalike-csrf-text"))
        text = (
            f"epochs={rng.randint(1, 99)} lr=0.{rng.randint(1, 999):03d} model=resnet{rng.choice([18, 50])}"
        )
        out.append(Case("args_b64", base64.b64encode(text.encode()).decode(), none, "lookalike-base64-text"))
        out.append(Case("notes", f"pinned shodan {_hex(rng, 40)}", none, "lookalike-vendor-name-commit"))
        # pw as pointwise (a layer's name or size), a key a template fills in code
        out.append(
            Case("pw", rng.choice(["conv1x1", "depthwise", "ResNet50", "fp16-mixed"]), none, "lookalike-pw")
        )
        out.append(
            Case(
                "source",
                f"db_key = '{{0}}-{{1:0{rng.randint(8, 16)}d}}'.format(prefix, num)",
                none,
                "lookalike-template-format",
            )
        )
    return out


NEGATIVES = ("lineage", "placeholders", "lookalikes")


def build(
    seed: int = 2026, per_format: int = 3
) -> tuple[list[dict[str, Any]], dict[str, tuple[frozenset[str], str]]]:
    """The corpus: ``runs`` and, per param pointer, (expected categories, case family); a
    family whose name ends in ``|any`` is found when any of its categories is reported."""
    rng = random.Random(seed)
    cases: list[Case] = []
    for fmt in FORMATS:
        for _ in range(per_format):
            cases += _secret_cases(rng, fmt)
    cases += _credential_cases(rng) + _pii_cases(rng) + _lineage(rng) + _negatives(rng)
    runs: list[dict[str, Any]] = []
    expected: dict[str, tuple[frozenset[str], str]] = {}
    for i, case in enumerate(cases):
        run_id = _hex(rng, 32)
        runs.append({"run_id": run_id, "params": {case.key: case.value, "epochs": 3}})
        expected[f"/{i}/params/{_escape(case.key)}"] = (
            case.categories,
            case.name + ("|any" if case.any_of else ""),
        )
        expected[f"/{i}/run_id"] = (frozenset(), "lineage-run-id")
        expected[f"/{i}/params/epochs"] = (frozenset(), "clean")
    return runs, expected


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


@dataclass
class Score:
    recall: dict[str, tuple[int, int]] = field(default_factory=dict)  # category -> (found, total)
    per_family: dict[str, tuple[int, int]] = field(default_factory=dict)
    reported: int = 0  # distinct (pointer, category) pairs
    wrong: int = 0  # pairs whose category the leaf does not hold
    negative_hits: dict[str, int] = field(default_factory=dict)  # family -> leaves with a finding
    negatives: int = 0

    def recall_of(self, category: str) -> float:
        found, total = self.recall.get(category, (0, 0))
        return found / total if total else 1.0

    @property
    def precision(self) -> float:
        return 1 - self.wrong / self.reported if self.reported else 1.0


def score(findings: Iterable[Any], expected: dict[str, tuple[frozenset[str], str]]) -> Score:
    got: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        got[f.pointer].add(f.category)
    s = Score()
    rec: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    fam: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ptr, (cats, family) in expected.items():
        found = got.get(ptr, set())
        if not cats:
            s.negatives += 1
            if found:
                s.negative_hits[family] = s.negative_hits.get(family, 0) + 1
            continue
        ok = bool(cats & found) if family.endswith("|any") else cats <= found
        for c in cats:
            rec[c][1] += 1
            rec[c][0] += ok if family.endswith("|any") else c in found
        fam[family][1] += 1
        fam[family][0] += ok
    for ptr, found in got.items():
        cats = expected.get(ptr, (frozenset(), "unknown"))[0]
        s.reported += len(found)
        s.wrong += len(found - cats)
    s.recall = {k: (v[0], v[1]) for k, v in sorted(rec.items())}
    s.per_family = {k: (v[0], v[1]) for k, v in sorted(fam.items())}
    return s


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - a report for people
    import argparse

    import redact

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument(
        "--misses", action="store_true", help="list families below 100%% recall and negative families hit"
    )
    args = ap.parse_args(argv)
    runs, expected = build(args.seed)
    s = score(redact.scan(runs), expected)
    print(
        f"cases: {sum(1 for c, _ in expected.values() if c)} positive leaves, {s.negatives} negative leaves"
    )
    for cat, (found, total) in s.recall.items():
        print(f"  recall {cat:<18} {found:>5}/{total:<5} {found / total:7.2%}")
    print(f"  precision (pairs)         {s.precision:7.2%}  ({s.wrong} wrong of {s.reported})")
    print(f"  negative leaves flagged   {sum(s.negative_hits.values())}/{s.negatives}")
    if args.misses:
        for family, (found, total) in s.per_family.items():
            if found < total:
                print(f"  miss {family:<40} {found}/{total}")
        for family, n in sorted(s.negative_hits.items()):
            print(f"  flagged negative {family:<30} {n}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
