"""One key grammar: what a key name says about the value it holds.

The same classifier decides for a dict key at any depth, a flattened key
(``config.secrets.db_password``, ``a/b/c``, ``a__b``, ``a[0].b``) and a name seen inside
text (``db_pass=...``, ``--hf-token ...``, ``X-Api-Key: ...``, ``?access_token=...``).

A key is split into segments (``.``, ``/``, ``__``, ``[n]``, ``:``) and each segment into
words (snake, kebab, camel and upper case). The last meaningful segment decides; its
parents are context: a neutral last segment under a credential parent
(``secrets.anthropic``) holds a credential, but a lineage or setting segment keeps its
own meaning under any parent (``config.secrets.run_uuid`` is a run id).

Within a segment the *head* word decides: ``db_password`` is a credential, while
``password_min_length`` (a word after the credential word), ``max_tokens`` (a modifier
before it), ``tokenizer`` and ``csrf_token`` (lookalikes) are settings.
"""

from __future__ import annotations

import enum
import re
from functools import lru_cache

import regex

__all__ = [
    "SCRIPT_PHONE_WORDS",
    "KeyClass",
    "classify_key",
    "classify_words",
    "credential_from_parent",
    "key_words",
    "split_segments",
    "is_credential_key",
]


class KeyClass(enum.Enum):
    """What a key announces about its value."""

    CREDENTIAL = "credential"  # a password, token, API key, connection string
    LINEAGE = "lineage"  # commit SHAs, digests, run ids: must never be reported or changed
    SETTING = "setting"  # a setting about a credential (max_tokens, secret_name, key_id)
    EMAIL = "email"
    PHONE = "phone"
    SSN = "ssn"
    IP = "ip"
    NEUTRAL = "neutral"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# a subscript is a separator around the name it holds, quoted or not (a["b"], a[b], a[:b]:
# a.b, as a query's user[password]= or a config's cfg["db_password"] write it); an index
# holds no name (a[0], a[*], a[-1])
_SEGMENT_SPLIT = re.compile(r"""\[[ \t]*:?["'`]?|["'`]?[ \t]*\]|__|[./:\\>]""")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# (letters of any script stay in their word, with their combining marks: the regex
# module's \w holds the vowel signs of Devanagari and Thai, the re module's does not)
_WORD_SPLIT = regex.compile(r"[\W_]+")
_TRAILING_DIGITS = re.compile(r"(?<=[a-z])\d+$")

# segments that only wrap a value and say nothing about it
_WRAPPERS = _words(
    "value values val default current raw data content str string plaintext literal "
    "setting settings config cfg conf params param args arg env environ environment"
)

# a word that on its own names a credential
_CRED_WORDS = _words(
    "password passwd passwrd pwd pswd psword pword pass passphrase passcode secret secrets "
    "token tokens "
    "credential credentials cred creds apikey apikeys apitoken authtoken accesstoken "
    "refreshtoken bearertoken secretkey privatekey accesskey accountkey signingkey "
    "masterkey clientsecret appsecret appkey authkey sessiontoken dsn connstr connectionstring "
    "connstring sas sastoken auth authorization bearer cookie pgpass psk "
    # one-word compounds of a key or a password with what it opens (dbkey, privkey, keypass)
    "dbkey databasekey privkey clientkey servicekey dbpass databasepass keypass "
    # Java keytool's and jarsigner's store passwords (-storepass, -keypass)
    "storepass keystorepass truststorepass "
    # the bind and root passwords of LDAP clients and servers (ldap.conf, nslcd.conf,
    # slapd.conf); "pw" alone is weaker (_WEAK_CRED_WORDS)
    "bindpw rootpw rootbindpw "
    # the password directives of redis.conf (requirepass, and masterauth, the password a
    # replica gives its master), as Redis' --requirepass flag and CONFIG SET name them
    "requirepass masterauth "
    # an authentication token as PAM and SSSD name a password (ldap_default_authtok)
    "authtok "
    # the word for password in other languages written in Latin script (German, Spanish,
    # French, Portuguese, Dutch, Swedish, Polish, Finnish, Danish/Norwegian, Czech,
    # Hungarian, Turkish as identifiers write it); the secret-assignment detector's name
    # stems cover each
    "passwort kennwort contraseña contrasena motdepasse senha wachtwoord lösenord losenord "
    "hasło haslo salasana adgangskode passord heslo jelszó jelszo sifre "
    # Portuguese as Portugal writes it (palavra-passe)
    "palavrapasse "
    # the words for a secret and a token (Spanish and Italian secreto, Portuguese segredo,
    # French jeton)
    "secreto segredo jeton"
)
# words that end a credential's name only when the value shows it is one: "pw" (db_pw,
# admin_pw) is also "pointwise" in ML configs (pw_kernel, pw: 3), "psw" a processor's
# status word
_WEAK_CRED_WORDS = frozenset(["pw", "psw"])
# words that end a generated credential's name and other names alike: "pat" is a
# personal access token (GITHUB_PAT for R's gh and remotes, AZURE_DEVOPS_EXT_PAT for the
# Azure DevOps CLI, a GitLab or Databricks PAT) but also a pattern in code (file_pat,
# name_pat); "sk" is the secret key of an AK/SK pair, as Chinese clouds name it
# (QIANFAN_SK, HUAWEICLOUD_SDK_SK), and other things (a sort key); "api", "oauth" and
# "access" end the name of a vendor's key with its last word left off (SHODAN_API,
# ACME_OAUTH, S3_ACCESS) and of settings (base_api: https://..., use_oauth: true,
# last_access: 2024-06-03); so do "hmac", "refresh" and "license" (WEBHOOK_HMAC,
# GOOGLE_REFRESH, WANDB_LICENSE beside hmac: sha256, refresh: 30s, license: MIT): only a
# value shaped as a generated token is one ("session" alone names a trace's or a chat's
# session as often: only a framework's session cookie is a credential)
_TOKEN_WORDS = frozenset(["pat", "sk", "api", "oauth", "access", "hmac", "refresh", "license", "licence"])
# the last words under which the value decides (a credential's name, when it is one)
_VALUE_DECIDES = _WEAK_CRED_WORDS | _TOKEN_WORDS
# last words that name a generated credential as often as the name of a stored one: a Vault
# AppRole's SecretID (VAULT_SECRET_ID, approle.secret_id; a UUID) is a credential, while AWS
# Secrets Manager's SecretId, a Key Vault secret's id and a GCP secret_id name a secret (a
# path, an ARN, a URL, a word): only a value shaped as a generated token is one
_VALUE_DECIDES_ENDS = (("secret", "id"),)


def _value_decides(words: list[str]) -> bool:
    """The last words name a credential only when the value shows it is one."""
    return bool(words) and (words[-1] in _VALUE_DECIDES or tuple(words[-2:]) in _VALUE_DECIDES_ENDS)


# the vendors whose keys the catalog's detectors read: "<vendor>_key" is that vendor's
# credential, and so is the vendor's name alone as a key when the value is a generated
# token ({"pinecone": "<uuid>"}); plain words (box, linear, scale, segment) are left out,
# since "scale_key" or "segment_key" name other things (tests/test_keys.py keeps the list
# in step with the catalog)
_VENDOR_NAMES = _words(
    "sendgrid stripe openai anthropic wandb kaggle hf comet neptune pinecone "
    "cohere mistral groq serp tavily firebase mapbox algolia datadog newrelic sentry "
    "twilio mailgun mailchimp slack discord telegram github gitlab npm pypi docker heroku "
    "vercel netlify cloudflare digitalocean linode "
    "ably adafruit adobe adyen airtable alibaba amplitude anaconda ansible anyscale "
    "artifactory asana assemblyai atlassian authress aws azure bitbucket braintree brevo buildkite "
    "bundler cerebras circleci "
    "cisco clearml clickhouse clojars cloudant codecov coinbase confluent contentful crates "
    "databricks dbt deepgram deepseek doppler dropbox duffel dynatrace e2b easypost elastic "
    "elevenlabs facebook fastly feishu figma firecrawl fireworks flutterwave flyio frameio "
    "gocardless google gcp grafana hashicorp helicone hetzner heygen honeycomb hubspot huggingface "
    "ibm ifttt ipsec infisical influxdb infracost intercom jenkins jfrog jina langfuse langsmith "
    "launchdarkly mailersend maxmind messagebird microsoft mixpanel mongodb ngrok nuget nvidia "
    "okta openrouter openshift pagerduty paystack perplexity plaid planetscale postman posthog "
    "postmark pulumi pusher qdrant rapidapi razorpay replicate rubygems runwayml scaleway "
    "scalingo sendbird serpapi settlemint shippo shopify snowflake snyk softlayer sonar sonarqube "
    "sourcegraph splunk stability supabase tailscale tencent terraform travis twitch twitter "
    "typeform upstash vault voyage vultr weaviate wecom xai yandex zapier zendesk zoom"
)
# "<qualifier> key" names a key (api key, account key); a bare "key" does not
_KEY_QUALIFIERS = _VENDOR_NAMES | _words(
    "api private secret access signing encryption master client app account storage "
    "service license session webhook deploy deployment ssh gpg pgp hmac shared admin auth "
    "consumer subscription primary secondary sas x decryption encrypt decrypt root jwt b64 base64 "
    # a cloud service account's key (gcp_sa_key)
    "sa "
    "db database priv "
    # Adafruit IO's key names (X-AIO-Key, IO_KEY; adafruit_io_key)
    "aio io "
    "aes fernet cipher ingest ingestion write read management mgmt host function "
    "functions dd cf do rsa ec ed25519 user "
    # a pepper: the secret a password hash is keyed with, kept apart from the hashes
    "pepper"
)
# the word for password in other scripts, also at the end of a compound written without a
# separator as those scripts write identifiers (数据库密码, DBパスワード, 데이터베이스비밀번호):
# Russian/Ukrainian, Bulgarian, Serbian/Macedonian, Chinese (simplified and traditional),
# Japanese, Korean, Hebrew, Hindi, Thai, and Turkish with its cedilla
_SCRIPT_PASSWORDS = (
    "пароль", "парола", "лозинка", "密码", "密碼", "パスワード", "비밀번호", "סיסמה", "סיסמא",
    "पासवर्ड", "รหัสผ่าน", "şifre",
)  # fmt: skip
# ... and the words for a token, a secret and a secret key in those scripts (API密钥,
# 访问令牌, アクセストークン, 秘密鍵, 토큰, 비밀키, токен, секрет), at a compound's end too
_SCRIPT_CREDENTIALS = (
    "令牌", "密钥", "秘钥", "密鑰", "トークン", "シークレット", "秘密鍵", "토큰", "시크릿", "비밀키",
    "токен", "секрет",
)  # fmt: skip
# connection strings: "conn str", "connection string", "database url" with a credential
_CRED_PAIRS = frozenset(
    [("conn", "str"), ("conn", "string"), ("connection", "string"), ("connection", "str"),
     ("user", "auth"), ("basic", "auth"), ("http", "auth"), ("proxy", "auth"), ("db", "pass"),
     ("private", "key"), ("api", "token"), ("auth", "token"), ("id", "token"),
     # the shared seed of one-time passwords (RFC 4226/6238 authenticator apps)
     ("otp", "seed"), ("totp", "seed"), ("hotp", "seed"), ("mfa", "seed"),
     # an account's one-time recovery codes; SNMP's community string, its password
     ("recovery", "code"), ("recovery", "codes"), ("backup", "codes"), ("snmp", "community"),
     ("community", "string"),
     # Honeycomb's API key travels in its X-Honeycomb-Team header
     ("honeycomb", "team")]
)  # fmt: skip
# suffixes that make one lower-case word a credential (PGPASSWORD, azurestorageaccountkey)
_CRED_SUFFIXES = (
    "password", "passwd", "apikey", "accountkey", "accesskey", "secretkey", "privatekey",
    "authtoken", "accesstoken", "apitoken", "refreshtoken", "sessiontoken", "clientsecret",
    "appsecret", "appkey", "credentials", "pwd",
)  # fmt: skip
# words ending in "s" that are no plural of a credential word (the Sass stylesheet language)
_NOT_PLURALS = _words("sass")
# words after a credential word that still name the credential itself, or whose it is (an
# account or a role: PASSWORD_ADMIN, DB_PASSWORD_ROOT, token_service)
_VALUE_TAIL = _words(
    "value str string b64 base64 raw hex plain plaintext text data encoded literal header "
    "headers secret key token pass pwd password v v1 v2 v3 new old current prod production "
    "dev staging test live file_content content contents bytes pem der json full base "
    "admin root superuser master replica readonly service svc sa db database app pepper"
)
# words before a credential word that turn it into a setting or a lookalike
_MODIFIERS = _words(
    "max min num n per count total input output prompt completion special pad eos bos unk sep "
    "cls mask pagination page next prev previous continuation cursor csrf xsrf anti "
    "cancel cancellation cancelation sync resume stop start end vocab word sub bpe "
    "estimated used remaining reserved public pub verify verification has use require "
    "requires required is no without skip disable disabled enable enabled allow allowed "
    "reset forgot forgotten rotate rotation expire expiry expires expired generate "
    "generated length len strength policy hint hints rule rules sequence"
)
# modifiers that make only a token (or its cookie) a lookalike: a CSRF token is handed to
# the browser, while the secret that signs it (csrf_secret, WTF_CSRF_SECRET_KEY) is a
# credential
_TOKEN_MODIFIERS = _words("csrf xsrf anti")
_CSRF_VALUES = _words("token tokens cookie cookies")
# words before "token" / "tokens" that name something other than a credential: the tokens
# of a tokenizer (image_token, embed_tokens, eot_token) and idempotency tokens
_TEXT_TOKEN_KINDS = _words(
    "image img images video videos audio speech vision visual text texts word words char "
    "chars boi eoi boa eoa bov eov eot sot iou obj distillation prefix suffix query queries "
    "register registers patch patches embed embeds embedding embeddings past seen separator "
    "media placeholder unused added generation decoder encoder "
    # tokens that make a request idempotent or ordered, not authenticated (AWS's
    # ClientToken and CreationToken, a lock's LockToken); a client token is public by its
    # providers' own account (Meta: "not meant to be a secret"; Braintree's is handed to
    # the browser)
    "request idempotency idempotent change dedup deduplication client creation lock"
)
# whole words that look like a credential word but are not
_LOOKALIKES = _words(
    "tokenizer tokenizers tokenize tokenized tokenization detokenize passes passed "
    "passing passthrough bypass compass password_policy csrftoken csrfmiddlewaretoken "
    "xsrftoken secretary keyboard keyword keywords keystore authority author authors "
    "authored authoring authenticated authentication_method"
)
# words that make a segment lineage: commits, digests, locks, run ids
_LINEAGE_HEADS = _words(
    "commit commits sha sha1 sha224 sha256 sha384 sha512 md5 revision rev digest digests "
    "checksum checksums fingerprint fingerprints hash hashes crc crc32 xxh64 xxh128 blake2b "
    "blake2s blake3 etag lock lockfile conda_lock integrity "
    # the other content hashes of data tools (xxHash, MurmurHash, Adler-32, SHA-3) and the
    # checksum tools' names
    "xxhash xxh3 xxh32 murmur murmur3 murmurhash crc64 adler32 sha3 blake2 md5sum sha1sum "
    "sha256sum"
)
_LINEAGE_ID_OWNERS = _words(
    "run experiment exp parent trace span job artifact model dataset data version build "
    "pipeline step task workflow commit git source snapshot checkpoint ckpt image "
    "container request session_run"
)
_ID_WORDS = frozenset(["id", "ids", "uuid", "uuids", "guid", "runid"])
# what git names a commit by, after "git": git_short, git_describe (v1.2-14-gabc1234), git_head
# what follows a digest's name to say how it is written (sha256_hex, checksum_b64)
_DIGEST_FORMS = _words("short full hex b64 base64 id value")
_GIT_LINEAGE = _words("short full hex describe description head ref rev tag version")
_LINEAGE_WORDS = frozenset(["runid", "run_uuid", "runuuid", "gitsha", "gitcommit"])
# neutral words that, under a credential parent, still do not hold the credential
_NOT_SECRET_LEAF = _words(
    "host hostname port region zone user username login email name names type kind mode "
    "url uri endpoint path file dir enabled enable provider project bucket database db "
    "schema scheme driver id ids arn description desc help label version timeout ttl "
    "expiry expires created updated owner account tenant org organization scope scopes "
    "audience issuer algorithm algo format source backend store manager method "
    # words of a schema or a document describing a credential field
    "ref pattern regex regexp required title enum items properties const condition "
    "conditions resource resources limit result results message messages summary comment "
    "comments note notes doc docs documentation expiration date time status state "
    # properties of a text unit or a record (token.text, parser.token.symbol, tokens[0].count)
    "text symbol lemma span start end offset count length index position tag "
    # public parts of cryptography and artifacts a secret sits beside (secrets.salt,
    # auth.signature, creds.image, secrets.cache_key)
    "salt nonce iv signature image images registry cache "
    # where a job runs (secrets.pod: a pod's generated name)
    "pod pods replica replicas namespace "
    # what a run or a job names and identifies (secrets.openai.model, creds.git.remote)
    "model models remote repo repository artifact artifacts job jobs uid customer "
    "experiment pipeline idempotency"
)
_EMAIL_WORDS = frozenset(["email", "emails", "mail", "e_mail", "emailaddress", "mailaddress"])
_PHONE_WORDS = _words(
    "phone phones telephone tel mobile cell cellphone msisdn fax telefon telefono whatsapp "
    # a mobile phone in Spanish, Portuguese, Italian and German (telefono_movil, celular,
    # Handy, Mobil)
    "movil móvil celular cellulare handy mobil rufnummer landline"
)
# the words for a telephone in other scripts, anywhere in a compound written without a
# separator (携帯電話, 手机号码, 전화번호, мобильный): Chinese (simplified and traditional),
# Japanese, Korean, Russian, Arabic, Hindi; the phone detector's words in text too
SCRIPT_PHONE_WORDS = (
    "电话", "電話", "手机", "手機", "携帯", "전화", "휴대폰", "핸드폰", "телефон", "мобильн",
    "هاتف", "جوال", "موبايل", "फ़ोन", "फोन", "मोबाइल",
)  # fmt: skip
# words before a personal datum's name that make the key a count or a bound of them
_COUNT_HEADS = _words("num n nb count total max min")
# words after a personal datum's name that say only how it is held (phone_no, email_addr)
_PERSONAL_TAIL = _words("number numbers no nos num nr addr addrs address addresses")
# ... glued to the datum's name in one case (phonenumber, PHONENUMBER, Telefonnummer,
# mobileno): read apart, as phone_number is
_GLUED_PERSONAL_TAIL = re.compile(r"^(?P<head>[a-z]{2,}?)(?:numbers?|nummer|nos?|num|nr)$")
_SSN_WORDS = frozenset(["ssn", "ssns", "socsec", "tin"])
_SSN_ENDINGS = ("ssn_number", "social_security", "social_security_number", "tax_id", "taxpayer_id")
_IP_WORDS = frozenset(["ip", "ips", "ipv4", "ipv6", "ipaddr", "ipaddress"])


# a storage endpoint closing a Hadoop/Spark property name: an account's host, not a key word
_STORAGE_HOST = re.compile(
    r"\.[a-z0-9-]{1,63}\.(?:blob|dfs|file|queue|table|web)\.core\."
    r"(?:windows\.net|chinacloudapi\.cn|usgovcloudapi\.net|cloudapi\.de)$",
    re.I,
)
# a namespaced type name as the last segment (AWS::IAM::AccessKey, Vendor::Secret)
_TYPE_PATH = re.compile(r"(?:^|[./])[A-Z][A-Za-z0-9]*(?:::[A-Z][A-Za-z0-9]*)+$")


def split_segments(key: str) -> list[str]:
    """``config.secrets[0].db__password`` -> ``['config', 'secrets', 'db', 'password']``,
    ``cfg["db"][:password]`` -> ``['cfg', 'db', 'password']`` (non-empty segments, list
    indices dropped)."""
    return [s for s in _SEGMENT_SPLIT.split(key) if s and not _INDEX.fullmatch(s)]


_INDEX = re.compile(r"-?\d+|[*@]")  # a list's index or every item (items[0], items[-1], items[*])


# words whose digits are part of the name (digest algorithms, IP versions), not a counter
_DIGIT_WORDS = _words(
    "md5 sha1 sha224 sha256 sha384 sha512 crc32 xxh64 xxh128 blake2b blake2s blake3 ipv4 ipv6 "
    "b64 b32 b58 b85 base64 base32 base58 base85"
)
# the IP versions as names write them in CamelCase (IPv6Address, hostIPv4)
_IP_VERSION = re.compile(r"IPv(?=[46])")


def key_words(segment: str) -> list[str]:
    """``dbPassword`` / ``DB-PASSWORD`` / ``X-Api-Key2`` -> ``['db', 'password']`` /
    ``['x', 'api', 'key']`` (lower case, trailing digits of a word dropped, except in a
    digest algorithm's name: ``data.md5``)."""
    if "IPv" in segment:
        segment = _IP_VERSION.sub("_ipv", segment)
    words = _WORD_SPLIT.split(_CAMEL.sub("_", segment).lower())
    return [
        _TRAILING_DIGITS.sub("", w) if w[-1].isdigit() and w not in _DIGIT_WORDS else w
        for w in words
        if w and not w.isdigit()
    ]


def _is_cred_word(w: str) -> bool:
    if w in _LOOKALIKES:
        return False
    if _names_credential(w):
        return True
    # a plural (passwords, db_pwds, privatekeys)
    return w[-1:] == "s" and len(w) >= 4 and w not in _NOT_PLURALS and _names_credential(w[:-1])


def _names_credential(w: str) -> bool:
    if w in _CRED_WORDS or (len(w) > 5 and w.endswith(_CRED_SUFFIXES) and not w.endswith("keytoken")):
        return True
    return not w.isascii() and (w.endswith(_SCRIPT_PASSWORDS) or w.endswith(_SCRIPT_CREDENTIALS))


def _unglued(words: list[str]) -> list[str]:
    """``words`` with a known qualifier glued to ``key``, ``secret`` or ``token`` in one
    case read apart (``APISECRET``, ``openaikey``, ``webhooksecret``, ``clienttoken``):
    the same key as ``api_secret``, ``openai_key``, ``webhook_secret``, ``client_token``.
    A name the grammar does not know, glued the same way (``finnhubkey``), stays one word
    (``_glued_holder_key`` reads it); stems of one or two letters stay glued (``xkey``)."""
    if not any(len(w) >= 6 and w.endswith(_GLUED_ENDINGS) for w in words):
        return words
    out: list[str] = []
    for w in words:
        out.extend(_glued_parts(w))
    return out


def _glued_parts(w: str) -> tuple[str, ...]:
    if w.isalpha() and w not in _LOOKALIKES and w not in _KEY_ENDED_WORDS and w not in _CRED_WORDS:
        for ending in _GLUED_ENDINGS:
            stem = w[: -len(ending)]
            if w.endswith(ending) and len(stem) >= 3 and stem in _KEY_QUALIFIERS:
                return stem, ending
    return (w,)


def _classify_segment(words: list[str]) -> KeyClass:
    """The class one segment's words announce (``NEUTRAL`` when they say nothing)."""
    if not words:
        return KeyClass.NEUTRAL
    words = _unglued(words)
    if tuple(words[-2:]) in _VALUE_DECIDES_ENDS:
        return KeyClass.NEUTRAL  # (the value decides: _value_decides)
    if "for" in words[1:-1]:  # what the key is comes before what it is for (password_for_db)
        return _classify_segment(words[: words.index("for")])
    if (words[:2] == ["tf", "token"] and len(words) > 2) or (
        words[:3] == ["poetry", "pypi", "token"] and len(words) > 3
    ):
        # Terraform's TF_TOKEN_<host, dots as _> (app_terraform_io), Poetry's
        # POETRY_PYPI_TOKEN_<repository>: the token's name ends with what it is for
        return KeyClass.CREDENTIAL
    joined = "_".join(words)
    if joined in _LOOKALIKES or any(w in _LOOKALIKES for w in words[-1:]):
        return KeyClass.SETTING
    if joined in _LINEAGE_WORDS or "".join(words) in _LINEAGE_WORDS:
        return KeyClass.LINEAGE
    # the credential word nearest the end: "key" needs a qualifier before it; a credential
    # word written in parts ends the segment (pass_phrase, mot_de_passe, pass_word)
    pos = -1
    if any("".join(words[j:]) in _CRED_WORDS for j in range(len(words) - 1)):
        pos = len(words) - 1
    for i in range(len(words) - 1 if pos < 0 else -1, -1, -1):
        w = words[i]
        if _is_cred_word(w):
            pos = i
            break
        if w in ("key", "keys") and i > 0 and words[i - 1] in _KEY_QUALIFIERS:
            pos = i
            break
        if i > 0 and (words[i - 1], w) in _CRED_PAIRS:
            pos = i
            break
    head = words[-1]
    if pos >= 0:
        tail = words[pos + 1 :]
        if tail[-2:] == ["user", "info"] or tail[-1:] == ["userinfo"]:
            # the user information of RFC 3986, ``user:password``: the credential itself
            # (Confluent's basic.auth.user.info, SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO)
            tail = tail[:-2] if tail[-1] == "info" else tail[:-1]
        if not all(t in _VALUE_TAIL for t in tail):
            # a word after the credential word: a setting about it (password_min_length,
            # secret_name, api_key_env, token_count, password_hash)
            return KeyClass.SETTING
        if any(
            w in _MODIFIERS and (w not in _TOKEN_MODIFIERS or words[pos] in _CSRF_VALUES) for w in words[:pos]
        ):  # max_new_tokens, csrf_token, public_key
            return KeyClass.SETTING
        if words[pos] in ("token", "tokens") and pos > 0:
            before = words[:pos]
            if any(w in _TEXT_TOKEN_KINDS for w in before):  # image_token, embed_tokens
                return KeyClass.SETTING
            if words[pos] == "tokens" and not any(w in _KEY_QUALIFIERS or _is_cred_word(w) for w in before):
                # a plural after a plain word counts text units (past_seen_tokens,
                # prompt_tokens); credentials are "api_tokens", "github_tokens"
                return KeyClass.SETTING
        return KeyClass.CREDENTIAL
    if head in _LINEAGE_HEADS or (head in _ID_WORDS and len(words) > 1 and words[-2] in _LINEAGE_ID_OWNERS):
        return KeyClass.LINEAGE
    if head in _ID_WORDS and len(words) == 1:
        return KeyClass.NEUTRAL
    if len(words) > 1 and words[-2] in _LINEAGE_HEADS and head in _DIGEST_FORMS:
        return KeyClass.LINEAGE
    if len(words) > 1 and words[-2] == "git" and head in _GIT_LINEAGE:  # git_short, git_describe
        return KeyClass.LINEAGE
    return _personal_kind(words)


def _personal_kind(words: list[str]) -> KeyClass:
    """The kind of personal datum the words name, after the words that only say it is a
    number or an address (``phone_no``, ``mobileNumber``, ``email_addr``, ``IPAddr``,
    ``social_security_no``)."""
    end = len(words)
    if end > 1 and words[0] in _COUNT_HEADS:
        return KeyClass.NEUTRAL  # num_phones, max_emails, n_ips: how many, not which
    while end > 1 and words[end - 1] in _PERSONAL_TAIL:
        end -= 1
    head, joined = words[end - 1], "_".join(words[:end])
    if not head.isascii():
        if any(w in head for w in SCRIPT_PHONE_WORDS):
            return KeyClass.PHONE
    elif head not in _PHONE_WORDS and (glued := _GLUED_PERSONAL_TAIL.match(head)) is not None:
        head = glued["head"]
    if head in _EMAIL_WORDS or joined.endswith("email_address"):
        return KeyClass.EMAIL
    if head in _PHONE_WORDS or joined.endswith(("phone_number", "contact_number")):
        return KeyClass.PHONE
    if head in _SSN_WORDS or joined.endswith(_SSN_ENDINGS):
        return KeyClass.SSN
    if head in _IP_WORDS or joined.endswith(("ip_address", "ipv4_address", "ipv6_address")):
        return KeyClass.IP
    return KeyClass.NEUTRAL


def classify_words(text: str) -> KeyClass:
    """The class the words of ``text`` announce, read as one key segment
    (``x-amz-security-token``: a credential's name). Not memoised, unlike
    :func:`classify_key`: the text may be a value, which no cache of ours keeps."""
    return _classify_segment(key_words(text))


def classify_key(key: str) -> KeyClass:
    """The class of a key, a flattened key path or a name seen in text.

    >>> classify_key("config.secrets.run_uuid"), classify_key("secrets.db_password")
    (<KeyClass.LINEAGE: 'lineage'>, <KeyClass.CREDENTIAL: 'credential'>)
    """
    return _classify(key)[0]


def credential_from_parent(key: str) -> bool:
    """The key holds a credential only because a parent names one: its own last
    meaningful segment says nothing (``secrets.anthropic``, ``config.secrets.cudnn``), so
    the value itself must show it is a credential."""
    return _classify(key)[1]


@lru_cache(maxsize=16384)
def _classify(key: str) -> tuple[KeyClass, bool]:
    """``(class, whether a parent segment gave it)``."""
    if _TYPE_PATH.search(key):  # AWS::IAM::AccessKey: a kind of resource, not a credential
        return KeyClass.NEUTRAL, False
    key = _STORAGE_HOST.sub("", key)  # fs.azure.account.key.<account>.dfs.core.windows.net
    segments = split_segments(key)
    if not segments:
        return KeyClass.NEUTRAL, False
    # the last meaningful segment decides
    last = len(segments) - 1
    while last > 0 and "_".join(key_words(segments[last])) in _WRAPPERS:
        last -= 1
    words = key_words(segments[last])
    if last > 0 and is_bare_key(segments[last]) and qualifies_key(segments[last - 1]):
        # a qualifier one segment up counts as in the segment: account.key is account_key
        words = [key_words(segments[last - 1])[-1], *words]
    cls = _classify_segment(words)
    if cls is not KeyClass.NEUTRAL:
        return cls, False
    words = key_words(segments[last])
    if _value_decides(words):  # (db_pw, GITHUB_PAT, SHODAN_API, VAULT_SECRET_ID)
        return KeyClass.CREDENTIAL, True
    if _SESSION_COOKIE_NAME.fullmatch(segments[last]):
        # a web framework's session cookie (sessionid, JSESSIONID, PHPSESSID): a bearer
        # credential when the value is a generated token; session_id and an API's
        # sessionId field (a trace's, a chat's or a console's session) stay neutral
        return KeyClass.CREDENTIAL, True
    if words and (set(words) & _NOT_SECRET_LEAF):
        return KeyClass.NEUTRAL, False
    if (
        _unknown_holder_key(words)
        or _glued_holder_key(words)
        or _vendor_alone(words)
        or _bare_unknown_holder(segments, last)
    ):
        # "<name>_key" after a name the grammar does not know (a vendor: acmeiot_key,
        # finnhubKey), and a bare "key" under such a name (acmeiot.key): a credential
        # only when the value itself is a generated token
        return KeyClass.CREDENTIAL, True
    # a neutral leaf under a credential parent holds a credential (secrets.anthropic)
    for seg in segments[:last]:
        if _classify_segment(key_words(seg)) is KeyClass.CREDENTIAL:
            return KeyClass.CREDENTIAL, True
    return KeyClass.NEUTRAL, False


# the session cookies of web frameworks (Django, Java servlets, PHP, classic ASP), as
# names, cookie names and URL parameters (;jsessionid=, ?PHPSESSID=) write them, in the
# frameworks' own case
_SESSION_COOKIE_NAME = re.compile(
    r"(?:j|J|php|PHP)?sess(?:ion)?id|(?:J|PHP)?SESS(?:ION)?ID|ASPSESSIONID[A-Z]{0,8}"
)


# words before "key" that say what kind of key it is, none of them a credential: keys of
# tables, maps, sorts and caches, of objects in a store, of random generators, of a keyboard
# or a piece of music, of messages and settings
_KEY_KINDS = _words(
    "sort foreign partition partitioning cluster clustering join group grouping lookup map "
    "dict hash row column col index idx dedup dedupe routing shard sharding distribution "
    "order unique composite surrogate natural candidate compound parent child object objects "
    "blob s3 gcs file files metric metrics log logs param config setting env rng prng random "
    "seed jax hot shortcut music musical translation message i18n label field attr attribute "
    "property prop entry record table path prefix suffix namespace lease dim dimension "
    "feature features stratify stratification split target match merge sequence batch "
    "sample item event topic queue stream pubsub kafka redis memcache dataset data input "
    "output value tensor layer module state checkpoint ckpt model registry artifact run "
    "trace span step epoch version release variant experiment test flag toggle lang "
    "language locale scale segment box bbox anchor parameter option content chunk block "
    "frame document doc corpus trial study sweep branch code cache memo "
    # what a command does with keys (gpg --recv-keys FINGERPRINT)
    "recv receive send import export fetch get set add list show delete remove trust search "
    "refresh sync load save socket websocket"
)


# names of collections of records, whose members' "key" is each record's
_CONTAINERS = _words(
    "tags labels metrics fields attributes attrs properties props entries records rows "
    "items elements members options parameters columns annotations headers pairs list "
    "dict map mapping table index"
)


def _unknown_holder_key(words: list[str]) -> bool:
    """``<word>_key`` where ``word`` may name what the key opens (a vendor's name), not what
    kind of key it is (``sort_key``, ``rng_key``, ``cache_key``) nor a setting about it."""
    if len(words) < 2 or words[-1] not in ("key", "keys"):
        return False
    word = words[-2]
    return (
        len(word) >= 3
        and word.isalpha()
        and word not in _KEY_KINDS
        and not (word.endswith("s") and word[:-1] in _KEY_KINDS)  # (records_key, events_key)
        and word not in _MODIFIERS
        and word not in _TEXT_TOKEN_KINDS
        and word not in _LINEAGE_HEADS
        and word not in _LINEAGE_ID_OWNERS
        and word not in _ID_WORDS
    )


# the words a name may end with glued to what they open, in one case (SHODANTOKEN,
# acmesecret, FINNHUBKEY), and English words that end so and open nothing
_GLUED_ENDINGS = ("token", "secret", "key")  # (not the plurals: sortedkeys, argkeys)
_KEY_ENDED_WORDS = _words(
    "monkey donkey turkey jockey hockey whiskey whisky lackey flunkey malarkey turnkey "
    "latchkey passkey hotkey smokey"
)


_PUBLIC_STEMS = ("pub", "public", "verify", "verifying")
# what an API's operation or a function does with a key, glued before it (createsecret,
# getfederationtoken, rotateencryptionkey, iterkeys: an operation's name, not a holder's)
_VERB_STEMS = tuple(
    _words(
        "get set put add create delete del remove update list describe show fetch load save "
        "import export rotate revoke restore reset regenerate generate gen cancel associate "
        "disassociate register deregister unregister activate deactivate enable disable send "
        "receive recv exchange verify validate check iter call sync replicate synchronize "
        "derive open close hold view batch make new old all existing unknown"
    )
)


def _glued_holder_key(words: list[str]) -> bool:
    """The last word is a name glued to ``token``, ``secret`` or ``key`` in one case
    (``SHODANTOKEN``, ``acmesecret``, ``finnhubkey``), the first part not a kind of key,
    of token or a setting's word (``cachekey``, ``nexttoken``, ``imagetoken``): as
    ``<name>_key`` is, when the value is a generated token."""
    word = words[-1] if words else ""
    if not word.isalpha() or word in _LOOKALIKES or word in _KEY_ENDED_WORDS:
        return False
    for ending in _GLUED_ENDINGS:
        if word.endswith(ending):
            stem = word[: -len(ending)]
            if stem.endswith(_PUBLIC_STEMS):
                return False  # (sshpubkey, gpgpublickey: a public key)
            if stem not in _KEY_QUALIFIERS and stem.startswith(_VERB_STEMS):
                return False  # (createsecret, getnexttoken: an operation; openaikey stays)
            if ending == "key":
                return _unknown_holder_key([stem, "key"])
            return _unknown_holder_key([stem, "key"]) and stem not in _CONTAINERS
    return False


def _vendor_alone(words: list[str]) -> bool:
    """The key is a vendor's name alone (``pinecone``, ``datadog``), as a config names the
    credential it holds for that vendor."""
    return len(words) == 1 and words[0] in _VENDOR_NAMES


def _bare_unknown_holder(segments: list[str], last: int) -> bool:
    """``segments[last]`` is a bare ``key`` under a name that may be what it opens
    (``acmeiot.key``), not under a kind of key (``sort.key``, ``cache.key``). Alone, a
    ``key`` is a record's (its siblings may say otherwise: kaggle.json's username)."""
    if last == 0 or not is_bare_key(segments[last]):
        return False
    parent = key_words(segments[last - 1])
    if not parent or parent[-1] in _WRAPPERS or parent[-1] in _CONTAINERS:
        return False  # (params.key, tags.key, items.key: a record's key in a collection)
    # (under a credential's name, secrets.key, the parent says what it holds)
    return _classify_segment(parent) is KeyClass.NEUTRAL and _unknown_holder_key([*parent[-1:], "key"])


@lru_cache(maxsize=16384)
def qualifies_key(name: str) -> bool:
    """The last word of ``name`` qualifies a bare ``key`` below it: ``account`` holding
    ``key`` reads as ``account.key``, which is ``account_key``."""
    segments = split_segments(name)
    words = key_words(segments[-1]) if segments else []
    return bool(words) and words[-1] in _KEY_QUALIFIERS


@lru_cache(maxsize=4096)
def names_unknown_holder(key: str) -> bool:
    """The key holds a credential only as ``<name>_key`` after a name the grammar does not
    know (``acmeiot_key``), as a bare ``key`` under such a name (``acmeiot.key``) or by a
    weak word or a token's word (``db_pw``, ``GITHUB_PAT``): the value must show it is one."""
    segments = split_segments(key)
    if not segments:
        return False
    words = key_words(segments[-1])
    if _classify_segment(words) is not KeyClass.NEUTRAL:
        return False
    return (
        _value_decides(words)
        or _unknown_holder_key(words)
        or _glued_holder_key(words)
        or _vendor_alone(words)
        or _bare_unknown_holder(segments, len(segments) - 1)
    )


@lru_cache(maxsize=4096)
def last_key_word(key: str) -> str:
    """The last word of a key's last segment (``DB_PASSWORD`` -> ``password``), or ''."""
    segments = split_segments(key)
    words = key_words(segments[-1]) if segments else []
    return words[-1] if words else ""


def weak_credential_name(key: str) -> bool:
    """The key's last word names a credential only weakly (``db_pw``): the value must be
    shaped as a password or a generated token to be one."""
    return last_key_word(key) in _WEAK_CRED_WORDS


def token_word_name(key: str) -> bool:
    """The key's last word names a generated token, and other things too (``GITHUB_PAT``,
    ``SHODAN_API``): the value must be shaped as one, and hex of a digest's length is one,
    as under a token."""
    return last_key_word(key) in _TOKEN_WORDS


def is_bare_key(name: str) -> bool:
    """``key`` or ``keys`` alone, which names nothing without a qualifier."""
    return name.lower() in ("key", "keys")


def is_credential_key(key: str) -> bool:
    return classify_key(key) is KeyClass.CREDENTIAL
