"""The one key grammar: the same classifier for dict keys, flattened keys and names in text."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid

import pytest
import yaml

import redact
from redact.detect.keys import KeyClass, classify_key, credential_from_parent, key_words, split_segments

SECRET = "Fk9-fake-Zq2mW7xP"  # credential-like, obviously fake


@pytest.mark.parametrize(
    "key",
    [
        "password", "db_password", "dbPassword", "DB-PASSWORD", "db_pass", "pwd", "passwd", "creds",
        "credentials", "auth", "user_auth", "dsn", "conn_str", "connection_string", "apikey", "api_key",
        "apiKey", "X-Api-Key", "account_key", "accountKey", "azurestorageaccountkey", "access_key",
        "private-key", "private_key", "signing_key", "master_key", "client_key", "encryption_key",
        "client_secret", "secret", "hf_token", "access_token", "refresh_token", "PGPASSWORD",
        "MYSQL_PWD", "REDISCLI_AUTH", "secrets.db_password", "config.secrets.api_key",
        "secrets.anthropic", "a[0].password", "a/b/password", "a__b__password", "Authorization",
        "SharedAccessKey", "sas_token", "password2", "psk", "wpa_psk", "my_password_for_django",
        "api_key_for_openai", "encryption_key_b64", "master_key_base64", "gcp_sa_key", "storepass",
        "recovery_codes", "snmp_community", "community_string", "pswd", "db_pswd", "pword", "psword",
        # the secret that signs CSRF tokens, and a password hash's pepper
        "csrf_secret", "WTF_CSRF_SECRET_KEY", "CSRF_SECRET_KEY", "password_pepper", "PEPPER_KEY",
        # names that end with what the token is for
        "TF_TOKEN_app_terraform_io", "POETRY_PYPI_TOKEN_PYPI", "POETRY_PYPI_TOKEN_INTERNAL",
    ],
)  # fmt: skip
def test_credential_keys(key):
    """Credential names, abbreviations and qualified keys in every spelling are credentials."""
    assert classify_key(key) is KeyClass.CREDENTIAL


@pytest.mark.parametrize(
    "key",
    [
        "max_tokens", "max_new_tokens", "num_tokens", "token_count", "tokenizer", "tokenizer_name",
        "pagination_token", "next_token", "csrf_token", "csrfmiddlewaretoken", "public_key", "key_id",
        "access_key_id", "secret_name", "secret_arn", "password_min_length", "api_key_env",
        "auth_type", "auth_mode", "use_auth_token", "pass_rate", "author", "key", "sort.key", "keyword",
        "token_cache_key", "password_policy", "psk_mode", "max_tokens_for_generation", "key_for_sorting",
        # units of text, not credentials: a tokenizer's special tokens and token sequences
        "image_token", "video_token", "eot_token", "embed_tokens", "past_seen_tokens",
        "query_tokens", "prefix_tokens", "config.embed_tokens.weight", "loss_per_token",
        # public keys, however the name is written
        "pub_key", "pubKey", "pubkey", "signing_pubkey", "sshpubkey", "gpgpublickey", "verifyingkey",
        # a CSRF token and its cookie are handed to the browser; a pepper alone is a word
        "xsrf_token", "csrf_cookie", "CSRF_COOKIE_NAME", "anti_forgery_token", "pepper", "black_pepper",
    ],
)  # fmt: skip
def test_lookalike_keys_are_not_credentials(key):
    """Settings about credentials and words that merely contain a credential word are not
    credential keys."""
    assert classify_key(key) is not KeyClass.CREDENTIAL


@pytest.mark.parametrize(
    "key",
    [
        "git_commit", "mlflow.source.git.commit", "run_id", "parent_run_id", "run_uuid",
        "config.secrets.run_uuid", "config.SECRETS.CONDA_LOCK", "config.secrets.code.revision",
        "dataset_fingerprint", "env_digest", "checksum", "image_digest", "secrets.sha",
        "config.secrets.data.md5", "secrets.weights_sha256", "creds.sha1", "auth.crc32",
        "secrets.integrity", "params.auth.blake2b", "secrets.git_short", "auth.git_describe",
        "credentials.xxhash", "config.secrets.murmur3", "secrets.sha256_b64", "auth.digest_base64",
    ],
)  # fmt: skip
def test_lineage_keys_win_over_a_secrets_parent(key):
    """A flattened key is judged by its last meaningful segment: a run id, digest or
    revision under a ``secrets`` parent is lineage, not a credential."""
    assert classify_key(key) is KeyClass.LINEAGE


def test_segments_and_words():
    """Flattened keys split on ``.``, ``/``, ``__`` and ``[n]``; words on case and separators."""
    assert split_segments("config.secrets[0].db__password") == ["config", "secrets", "db", "password"]
    assert key_words("X-Api-Key2") == ["x", "api", "key"]
    assert key_words("dbPassword") == ["db", "password"]


def test_neutral_leaf_under_secrets_parent_is_a_credential_but_not_a_host():
    """``secrets.anthropic`` holds a credential; ``secrets.db_host`` does not, nor do the
    public parts of cryptography and the artifacts a secret sits beside."""
    assert classify_key("secrets.anthropic") is KeyClass.CREDENTIAL
    assert classify_key("secrets.db_host") is KeyClass.NEUTRAL
    for key in ("secrets.salt", "auth.signature", "creds.nonce", "creds.image", "secrets.cache_key",
                "config.secrets.openai.model", "creds.git.remote", "secrets.hf_repo", "secrets.pod_uid"):  # fmt: skip
        assert classify_key(key) is KeyClass.NEUTRAL, key


@pytest.mark.parametrize("key", ["api_key_v2", "API_KEY_V3", "token_v10", "db_password_v1"])
def test_a_version_suffix_keeps_a_credential_key(key):
    """``api_key_v2``: a version after the credential word names the credential itself."""
    assert classify_key(key) is KeyClass.CREDENTIAL


def test_a_normalised_key_keeps_the_letters_of_every_script():
    """``normalize_key`` (what the validators read a key by) keeps letters and digits of any
    script with their combining marks, as the key grammar's words do: a key in another
    script was normalised to nothing (``電話番号`` -> ``""``, ``db_пароль`` -> ``db``)."""
    from redact.detect.validators import normalize_key

    assert normalize_key("DB-Password") == "db_password"
    assert normalize_key("電話番号") == "電話番号"
    assert normalize_key("db_пароль") == "db_пароль"
    assert normalize_key("पासवर्ड") == "पासवर्ड"


def test_digest_algorithm_names_keep_their_digits():
    """``md5``, ``sha256``: the digits are part of the word (``password2`` drops them)."""
    assert key_words("data_md5") == ["data", "md5"]
    assert key_words("weightsSha256") == ["weights", "sha256"]
    assert key_words("password2") == ["password"]


@pytest.mark.parametrize(
    "name",
    ["creds", "private-key", "db_pass", "user_auth", "PGPASSWORD", "X-Api-Key", "accountKey", "conn_str",
     "pass_phrase", "mot_de_passe", "Kennwort", "db_passwort", "contraseña", "senha", "wachtwoord",
     "lösenord", "hasło", "HASŁO", "salasana", "adgangskode", "heslo", "jelszó", "sifre", "wpa_psk",
     "пароль", "ПАРОЛЬ", "db_пароль", "парола", "лозинка", "密码", "数据库密码", "密碼", "パスワード",
     "DBパスワード", "비밀번호", "סיסמה", "पासवर्ड", "รหัสผ่าน", "şifre", "db_key", "DATABASE_KEY",
     "privkey", "dbpass", "keypass", "otp_seed", "totpSeed", "db_pw", "ADMIN_PW", "X-Honeycomb-Team",
     "API密钥", "访问令牌", "アクセストークン", "秘密鍵", "토큰", "비밀키", "токен", "ТОКЕН", "секрет", "secreto",
     "segredo", "jeton", "requirepass", "masterauth", "palavra-passe", "basic.auth.user.info",
     "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "ssh_private_key_content", "ldap_default_authtok"],
)  # fmt: skip
def test_one_grammar_dict_key_flattened_key_and_text(name):
    """A name works in text iff it works as a dict key: nested, flattened, ``k=v``,
    ``k: v``, JSON fragment, env line, CLI flag and header forms all report the value
    (a database client's password variable as a connection-string credential)."""
    category = ["CONNECTION_STRING"] if name == "PGPASSWORD" else ["SECRET"]
    assert [f.category for f in redact.scan({name: SECRET})] == category
    assert [f.category for f in redact.scan({f"config.{name}": SECRET})] == category
    for text in (
        f"{name}={SECRET}",
        f"{name}: {SECRET}",
        f'{{"{name}": "{SECRET}", "x": 1',
        f"export {name}={SECRET}",
        f"run --{name} {SECRET} --lr 0.1",
        f"run --{name}={SECRET}",
    ):
        found = redact.scan({"note": text})
        assert [text[f.start : f.end] for f in found] == [SECRET], text


@pytest.mark.parametrize(
    ("key", "segments", "cls"),
    [
        ('cfg["db_password"]', ["cfg", "db_password"], KeyClass.CREDENTIAL),
        ("cfg['db']['password']", ["cfg", "db", "password"], KeyClass.CREDENTIAL),
        ("user[password]", ["user", "password"], KeyClass.CREDENTIAL),
        ("params[:api_key]", ["params", "api_key"], KeyClass.CREDENTIAL),
        ('secrets[ "run_uuid" ]', ["secrets", "run_uuid"], KeyClass.LINEAGE),
        ('tags["git_sha"]', ["tags", "git_sha"], KeyClass.LINEAGE),
        ('gen["max_tokens"]', ["gen", "max_tokens"], KeyClass.SETTING),
        ("items[0].password", ["items", "password"], KeyClass.CREDENTIAL),
        ("items[-1][*].name", ["items", "name"], KeyClass.NEUTRAL),
        ("opt[lr]", ["opt", "lr"], KeyClass.NEUTRAL),
    ],
)  # fmt: skip
def test_a_subscripts_name_is_a_segment_as_after_a_dot(key: str, segments: list[str], cls: KeyClass) -> None:
    """``a["b"]``, ``a[b]`` and ``a[:b]`` are ``a.b``; an index (``[0]``, ``[-1]``,
    ``[*]``) holds no name. A subscript is how a query (Rails' ``user[password]=``),
    Ruby, PHP and Python write the same key a dict nests."""
    assert split_segments(key) == segments
    assert classify_key(key) is cls
    assert classify_key(key) is classify_key(".".join(segments))


@pytest.mark.parametrize(
    "text",
    [
        "vendor[access_token] = {s}",
        "acmeiot[key] = {s}",
        "acmeiot['key'] = '{s}'",
        "https://app.example.com/session?user[password]={s}&user[email_hint]=x",
    ],
)
def test_a_credential_named_by_a_subscript_in_text(text: str) -> None:
    """A name written with a subscript in text is judged as its dotted form: a generated
    token under ``acmeiot[key]`` is ``acmeiot.key``'s, as nested dict keys hold it."""
    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    line = text.format(s=token)
    assert token not in redact.redact({"log": line}).value["log"], line


@pytest.mark.parametrize("text", ["acmeiot[key] = {s}", "acmeiot['key'] = '{s}'", "sort['key'] = '{s}'"])
def test_a_bare_subscript_key_needs_a_generated_token(text: str) -> None:
    """Under ``acmeiot[key]`` as under ``acmeiot.key``, a record's key shape (MD5's length
    in hex) is not a credential; under a kind of key (``sort``) nothing is."""
    assert redact.scan({"log": text.format(s="3f2a9c1d4e5b6a7f8091a2b3c4d5e6f7")}) == []
    if text.startswith("sort"):
        assert redact.scan({"log": text.format(s="Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk")}) == []


def test_every_credential_word_in_every_casing_works_in_text_as_it_does_as_a_key() -> None:
    """The whole credential vocabulary of the grammar (its words, ``<qualifier> key``,
    ``<qualifier> token``, ``<qualifier> secret``, with and without a word before), in
    snake, upper, kebab, camel and Pascal case, under a generated token: each text form
    reports the value exactly when the name as a dict key does (the in-text stems spell
    a letter with case outside ASCII in both cases, ``HASŁO``, ``ПАРОЛЬ``)."""
    from redact.detect import keys

    token = "hX7pQ2mZ9vL4kR8sT1wY6nB3cF5dG0jAe4Ur"
    qualifiers = ["api", "private", "secret", "access", "signing", "encryption", "master", "client", "app",
                  "account", "storage", "service", "license", "session", "webhook", "deploy", "ssh", "hmac",
                  "shared", "admin", "auth", "consumer", "jwt", "db", "openai", "stripe", "wandb"]  # fmt: skip
    words = sorted(keys._CRED_WORDS | keys._TOKEN_WORDS | keys._WEAK_CRED_WORDS)
    names: list[list[str]] = [[w] for w in words] + [["prod", w] for w in words]
    names += [p for q in qualifiers for p in ([q, "key"], ["my", q, "key"], [q, "token"], [q, "secret"])]
    mismatches = []
    for parts in names:
        for name in (
            "_".join(parts),
            "_".join(parts).upper(),
            "-".join(parts),
            parts[0] + "".join(p.capitalize() for p in parts[1:]),
            "".join(p.capitalize() for p in parts),
        ):
            as_key = bool(redact.scan({name: token}))
            for text in (
                f"{name}={token}",
                f"{name} = '{token}'",
                f'got {{"{name}": "{token}", "x": 1',
                f"{name}: {token}",
                f"export {name}={token}",
                f'{name} := "{token}"',
                f"train.py --{name} {token}",
            ):
                if bool(redact.scan({"log": text})) != as_key:
                    mismatches.append((text.replace(token, "<token>"), as_key))
    assert mismatches == []
    assert len(names) > 250


@pytest.mark.parametrize(
    "name",
    ["max_tokens", "csrf_token", "secret_name", "tokenizer", "config.secrets.run_uuid", "max_pass_phrase",
     "contraseña_minima", "networth", "pw_kernel", "seed", "random_seed"],
)  # fmt: skip
def test_lookalikes_pass_as_dict_key_and_in_text(name):
    """A lookalike or lineage name reports nothing, as a key or in text."""
    assert redact.scan({name: SECRET}) == []
    assert redact.scan({"note": f"{name}={SECRET}"}) == []
    assert redact.scan({"note": f"{name}: {SECRET}"}) == []


def test_flattened_lineage_keys_stay_clean_and_unchanged():
    """MLflow-style flattened params under a ``secrets`` parent: run ids, environment
    digests and revisions are neither reported nor changed; the password is."""
    params = {
        "config.secrets.run_uuid": "7f3c2a9e4b1d4e0f8a6b5c4d3e2f1a0b",
        "config.SECRETS.CONDA_LOCK": "sha256:" + "9a" * 32,
        "config.secrets.code.revision": "281220e087835b92558589eaff309cad68386d07",
        "secrets.db_password": SECRET,
    }
    found = redact.scan({"params": params})
    assert [(f.pointer, f.category) for f in found] == [("/params/secrets.db_password", "SECRET")]
    out = redact.redact({"params": params}).value["params"]
    assert {k: v for k, v in out.items() if k != "secrets.db_password"} == {
        k: v for k, v in params.items() if k != "secrets.db_password"
    }
    assert SECRET not in json.dumps(out)


@pytest.mark.parametrize(
    ("section", "name", "value"),
    [("secrets", "acmeiot", SECRET), ("credentials", "acmeiot", f'"{SECRET}"'), ("api", "key", SECRET),
     ("acmeiot", "key", SECRET), ('remote "acme"', "token", SECRET), ("[secrets]", "acmeiot", SECRET),
     ("secrets", "run_uuid", "7f3c2a9e4b1d4e0f8a6b5c4d3e2f1a0b"), ("sort", "key", "name"),
     ("secrets", "region", "eu-west-1"), ("auth", "provider", "google"), ("tokenizer", "pad_token", "<pad>")],
)  # fmt: skip
def test_an_ini_or_toml_section_is_its_names_parent(section: str, name: str, value: str) -> None:
    """A name under an INI or TOML section's header is read as the flattened key
    ``section.name`` is, and as the nested mapping's leaf: ``[secrets]`` then
    ``acmeiot = <token>`` holds a credential, ``[api]`` qualifies a bare ``key``, lineage
    under ``[secrets]`` stays, and so do settings and lookalikes."""
    text = f"# settings\n[{section}]\n{name} = {value}\nregion = eu\n"
    bare = section.strip("[]").split()[0]  # ([[secrets]]: a TOML array of tables)
    as_mapping = redact.scan({bare: {name: value.strip('"')}})
    found = redact.scan({"cfg": text})
    assert bool(found) == bool(as_mapping), (found, as_mapping)
    if found:
        assert SECRET not in redact.redact({"cfg": text}).value["cfg"]
        assert [text[f.start : f.end] for f in found] == [SECRET]


@pytest.mark.parametrize(
    ("text", "found"),
    [('secrets {{\n  acmeiot = "{s}"\n  run_uuid = "7f3c2a9e4b1d4e0f8a6b5c4d3e2f1a0b"\n}}', True),
     ('db_password = {{\n  value = "{s}"\n}}', True),
     ("const config = {{ secrets: {{ acmeiot: '{s}' }}, lr: 0.1 }};", True),
     ('akka {{ remote {{ acme {{ key = "{s}" }} }} }}', True),
     ('api {{\n  key: "{s}"\n}}', True),
     ('"secrets": {{"acmeiot": "{s}"}}, "lr": 0.1', True),
     ('items = [{{ secrets {{ acmeiot = "{s}" }} }}, {{ name = "x" }}]', True),
     ('{{ {{ acmeiot = "{s}" }} }}', False),
     ('sort {{ key = "{s}" }}', False),
     ('secrets {{ region = "eu-west-1", path = "/run/secrets/db" }}', False),
     ('model {{ name = "bert", tokenizer {{ pad_token = "<pad>" }} }}', False),
     ("sub pass {{\n  my $self = shift;\n  my $e = '{s}';\n}}", False),
     ("sub get_credentials {{\n  $self->{{user}} = 'Xk9pLm2Qa77wQx';\n  key => '{s}',\n}}", False),
     ('"simple_pass": {{"code": "pass\\n", "lines": 1}}', False),
     ("secrets {{\n  acmeiot = {s}\n  region = us-east-1\n}}", True),
     ("acmeiot {{ api {{ key = {s} }} }}", True),
     ("secrets {{ acmeiot = var.acmeiot_token }}", False),
     ("const cfg = {{ secrets: {{ acmeiot: process.env.ACMEIOT_KEY }} }}", False),
     ("secrets {{ acmeiot = ACMEIOT_TOKEN_FROM_ENV }}", False),
     ("secrets {{\n  acmeiot = /run/secrets/acmeiot\n}}", False)],
)  # fmt: skip
def test_a_named_block_is_its_names_parent(text: str, found: bool) -> None:
    """A name inside named blocks (HCL's and HOCON's ``secrets { ... }``, a JavaScript
    object literal, a JSON fragment) is read under the blocks' names, as the nested
    mapping's leaf is: ``secrets`` then ``acmeiot`` holds a credential, ``api`` qualifies
    a bare ``key``, quoted or not (HOCON's unquoted strings); lineage, settings, a kind of
    key and lookalikes stay clean, and so does code: a function's body (``sub pass {``), a
    variable or a member (``$self``, ``->``, ``var.x``, ``process.env.X``), an expression,
    a hash's ``=>``, a path."""
    value = text.format(s=SECRET)
    hits = redact.scan({"cfg": value})
    assert [value[f.start : f.end] for f in hits] == ([SECRET] if found else [])


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("config.secrets.BUILD_SOURCEVERSION", "281220e087835b92558589eaff309cad68386d07"),
        ("secrets.layer", "9a" * 32),
        ("auth.pod", "trainer-68e90478b1-8xrlg"),
    ],
)
def test_a_parent_given_credential_is_never_lineage_shaped(key: str, value: str) -> None:
    """Under a credential parent, a leaf the grammar does not know holds a credential only
    when the value reads as one: hex of a commit's or a digest's length is lineage's shape,
    and a pod's generated name is where a job runs."""
    assert redact.scan({key: value}) == []
    assert redact.scan({"cfg": json.dumps({key: value})}) == []
    assert redact.scan({"secrets.anthropic": "Qm9vLWZha2UtY3JlZHM"})  # a token still is one


def test_provider_token_under_lineage_key_is_still_a_secret():
    """A distinctive provider token is reported even under a lineage key."""
    found = redact.scan({"git_commit": "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"})
    assert [f.detector for f in found] == ["github-classic-token"]


def test_empty_value_never_borrows_the_next_line():
    """``KEY=`` followed by a newline is empty: the next line is not its value."""
    assert redact.scan({"env": "API_KEY=\nOTHER=Xk9pLm2Qa77"}) == []
    assert redact.scan({"env": "password:\n  host: db.internal"}) == []
    assert redact.scan({"env": "password:\nhost: db.internal"}) == []
    # (a YAML sequence is the key's value, read item by item; prose listing rules is not)
    assert [f.detector for f in redact.scan({"env": "password:\n  - Xk9pLm2Qa77\n"})] == ["secret-assignment"]
    assert redact.scan({"doc": "Password:\n- Required\n- at least 12 characters\n"}) == []


@pytest.mark.parametrize(
    "text",
    ["password:\n  Xk9pLm2Qa77!\nuser: svc", "db:\n  api_key:\n    'Xk9pLm2Qa77!'\n  host: db.internal",
     "auth_token:\n    Xk9pLm2Qa77!"],
)  # fmt: skip
def test_a_yaml_scalar_on_the_line_after_its_key(text):
    """A YAML scalar written on the line after a credential name, indented deeper, is that
    name's value (YAML reads ``password:\n  X`` as ``password: X``)."""
    out = redact.redact({"cfg": text}).value["cfg"]
    assert "Xk9pLm2Qa77" not in out and ("host: db.internal" in out or "host" not in text)


@pytest.mark.parametrize(
    "text",
    ["db_password:\n  desc: null\n  value: Xk9pLm2Qa77wQ\n",
     "wandb_version: 1\napi_key:\n  desc: null\n  value: Zq8mK2pLx9Tq7Wb4Rt6Y\nlr:\n  desc: null\n  value: 0.001\n",
     "secrets:\n  acmeiot: Zq8mK2pLx9Tq7Wb4Rt6Y\n  model: gpt-4o\n",
     "creds:\n  - user: svc\n    acmeiot: Zq8mK2pLx9Tq7Wb4Rt6Y\n",
     "secrets:\n  acmeiot: \"Zq8m\\u004b2pLx9Tq7Wb4Rt6Y\"\n",
     "kind: ConfigMap\n---\ncredentials:\n  acmeiot: Zq8mK2pLx9Tq7Wb4Rt6Y\n",
     "inputs:\n  db_password:\n    description: the database's\n    default: Xk9pLm2Qa77wQ\n",
     "on:\n  workflow_dispatch:\n    inputs:\n      api_token:\n        default: Zq8mK2pLx9Tq7Wb4Rt6Y\n",
     "jobs:\n  - name: train\n    secrets:\n      acmeiot: Zq8mK2pLx9Tq7Wb4Rt6Y\n",
     "shodan:\n  url: https://api.example.com\n  key: Zq8mK2pLx9Tq7Wb4Rt6Y\n",
     "apis:\n  - account:\n      key: Zq8mK2pLx9Tq7Wb4Rt6Y\n"],
)  # fmt: skip
def test_yaml_text_nesting_leaves_under_a_credential_reads_them_as_a_mapping_does(text):
    """YAML text nests leaves under a credential's name as a mapping does (W&B's
    config.yaml writes each parameter as ``name: {desc, value}``): they are read under
    their key path, with the answers the parsed mapping gets; masking the output again
    changes nothing (``[REDACTED:x]`` is a flow sequence to YAML)."""
    assert any(redact.scan(doc) for doc in yaml.safe_load_all(text))
    out = redact.redact({"cfg": text}).value["cfg"]
    assert "Xk9pLm2Qa77" not in out and "2pLx9Tq7Wb4" not in out, out
    assert redact.redact({"cfg": out}).value["cfg"] == out
    lineage = "secrets:\n  run_uuid: 3f9a2c71b04e8d16a5c7e92f0d4b1a68\n  git_sha: 94ed2de4e4c9f6551fa0a9203d5fed766c9567df\n"
    assert redact.scan({"cfg": lineage}) == []


def test_yaml_text_is_parsed_only_under_a_credential_and_not_deeply_nested() -> None:
    """Only YAML text nesting keys under a credential's name is parsed, and not past 256
    flow brackets (libyaml's time grows with the square of their nesting)."""
    from redact._scanner import _nests_under_credential

    assert _nests_under_credential("db_password:\n  value: [a, b]\n")
    assert not _nests_under_credential("model:\n  name: resnet\n  lr: 0.1\n")
    assert not _nests_under_credential("sort:\n  key: created_at\n  order: desc\n")
    assert not _nests_under_credential("db_password:\n  value: " + "[" * 300 + "]" * 300 + "\n")


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("Authorization: AWS4-HMAC-SHA256 Credential=AKIAFAKE7EXAMPLE2Q3/20240101/us-east-1/s3/aws4_request, "
         "SignedHeaders=host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
         "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"),
        ("Authorization: Negotiate YIIFAKEgYJKoZIhvcSAQICAQBuggFAKE", "YIIFAKEgYJKoZIhvcSAQICAQBuggFAKE"),
        ("Authorization: ApiKey RkFLRS1hcGkta2V5LWZvci10ZXN0cw", "RkFLRS1hcGkta2V5LWZvci10ZXN0cw"),
        ("X-Api-Key: 7fA9c2e1B4d6f8a0", "7fA9c2e1B4d6f8a0"),
        ("GET /v1/items?access_token=Fk9dmQ2xLp7Z&page=2", "Fk9dmQ2xLp7Z"),
    ],
)  # fmt: skip
def test_headers_and_query_parameters(text, secret):
    """Authorization with any scheme, API-key headers and query parameters are redacted."""
    out = redact.redact({"log": text}).value["log"]
    assert secret not in out


@pytest.mark.parametrize(
    "key",
    ["tokens", "api_tokens", "github_tokens", "access_tokens", "hf_token", "bot_token",
     "slack_bot_token", "secrets.tokens.github", "user_tokens"],
)  # fmt: skip
def test_credential_tokens_stay_credentials(key):
    """Only tokens that are units of text become settings: a plural after a credential
    qualifier or provider (``api_tokens``, ``github_tokens``) and every singular token not
    named after a kind of text (``hf_token``, ``bot_token``) still hold credentials."""
    assert classify_key(key) is KeyClass.CREDENTIAL


@pytest.mark.parametrize(
    "key",
    ["definitions.Password.$ref", "definitions.ApiKey.pattern", "secrets.required",
     "Credentials.Expiration", "ListApiKeys.limit_key", "ListApiKeys.result_key",
     "ClientRequestToken", "idempotency_token", "change_token", "AWS::IAM::AccessKey",
     "ClientToken", "CreationToken", "LockToken", "client_token",
     "types.AWS::SecretsManager::Secret"],
)  # fmt: skip
def test_schema_words_and_idempotency_tokens_are_not_credentials(key):
    """Under a credential parent, a leaf that describes the field (a schema reference, a
    pattern, a timestamp, a paginator's key) holds no credential; a token that makes a
    request idempotent (AWS's ``ClientToken``), a lock's token, a client token (public by
    its providers' account) and a namespaced type name (``AWS::IAM::AccessKey``) are not
    either."""
    assert classify_key(key) is not KeyClass.CREDENTIAL


# first words of catalog ids that are not a vendor, or a vendor whose name is a plain word
# that also names other keys (scale_key, segment_key; a Kafka or Redis key is a record key)
_NOT_VENDOR_QUALIFIERS = set(
    [
        "age",
        "base64",
        "box",
        "cli",
        "cookie",
        "credit",
        "curl",
        "db",
        "defined",
        "der",
        "drone",
        "echoed",
        "email",
        "go",
        "harness",
        "iban",
        "intra42",
        "ip",
        "jwt",
        "kv",
        "ldap",
        "linear",
        "lob",
        "modal",
        "neon",
        "network",
        "new",
        "kafka",
        "notion",
        "octopus",
        "openvpn",
        "oracle",
        "pem",
        "pgbouncer",
        "phone",
        "presigned",
        "prefect",
        "putty",
        "railway",
        "readme",
        "redis",
        "render",
        "resend",
        "scale",
        "segment",
        "sensitive",
        "sql",
        "square",
        "svn",
        "together",
        "uri",
        "url",
        "us",
    ]
)


def test_every_catalog_vendor_qualifies_key():
    """ "<vendor>_key" is a credential for every provider of the catalog: the key grammar
    and the catalog name the same vendors."""
    from redact.detect.catalog import load_catalog

    vendors = {spec.id.split("-")[0] for spec in load_catalog()} - _NOT_VENDOR_QUALIFIERS
    missing = sorted(
        v
        for v in vendors
        if classify_key(f"{v}_key") is not KeyClass.CREDENTIAL or credential_from_parent(f"{v}_key")
    )
    assert not missing, f"add these vendors to _KEY_QUALIFIERS in redact/detect/keys.py: {missing}"
    for word in ("scale", "segment", "box", "sort", "cache", "partition", "kafka", "redis", "rng"):
        assert classify_key(f"{word}_key") is not KeyClass.CREDENTIAL


@pytest.mark.parametrize(
    "name", ["PASSWORD_ADMIN", "DB_PASSWORD_ROOT", "pg_password_superuser", "token_service"]
)
def test_a_credential_word_followed_by_whose_it_is_names_the_credential(name):
    """A word after a credential's word makes a setting about it (``password_min_length``,
    ``secret_name``), unless it says whose the credential is, an account or a role
    (``PASSWORD_ADMIN``, ``DB_PASSWORD_ROOT``): a credential as a dict key and in text."""
    assert classify_key(name) is KeyClass.CREDENTIAL
    secret = "Tq7vL2mX9pZr4Kq8"
    assert redact.scan({name: secret}) and redact.scan({"log": f"{name}={secret}"})
    assert (
        redact.scan({name: "enabled"}) == [] and redact.scan({name: "https://auth.example.com/token"}) == []
    )
    for setting in ("password_secure", "password_min_length", "secret_name", "password_hash"):
        assert classify_key(setting) is KeyClass.SETTING


@pytest.mark.parametrize("name", ["acmeiot_key", "zorblaxKey", "FENNIMO_KEY", "quillo-key", "acmeiot.key"])
def test_a_key_named_after_an_unknown_holder_needs_a_credential_value(name):
    """``<name>_key`` after a name the grammar does not know (a vendor's) holds a
    credential only when the value reads as one: a random token is reported, in a
    mapping and in text; words, a version, a path, a date and hex of a digest's length are
    not."""
    assert classify_key(name) is KeyClass.CREDENTIAL and credential_from_parent(name)
    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    assert [f.detector for f in redact.scan({name: token})] == ["sensitive-key-value"]
    assert token not in redact.redact({"log": f'{name} = "{token}"'}).value["log"]
    digest = "9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d"  # a SHA-1's shape: lineage, never a key by name alone
    for value in ("north-eu", "v2.3.1", "keys/acmeiot.pem", "2024-06-01", "backup", "tone-C-major", digest):
        assert redact.scan({name: value}) == []
        assert redact.scan({"log": f"{name}: {value}"}) == []


@pytest.mark.parametrize(
    ("glued", "apart"),
    [("APISECRET", "API_SECRET"), ("openaikey", "openai_key"), ("webhooksecret", "webhook_secret"),
     ("SERVICETOKEN", "SERVICE_TOKEN"), ("clienttoken", "client_token"), ("ACCOUNTSECRET", "ACCOUNT_SECRET"),
     ("zorblax_apisecret", "zorblax_api_secret")],
)  # fmt: skip
def test_a_known_qualifier_glued_to_key_secret_or_token_is_the_same_key(glued: str, apart: str) -> None:
    """``APISECRET`` is ``API_SECRET``: a qualifier the grammar knows (``api``, a vendor,
    ``webhook``, ``client``), glued in one case to the word, names the same credential or
    setting, and hex of a digest's length under it is as much a credential as under the
    name written apart."""
    assert (classify_key(glued), credential_from_parent(glued)) == (
        classify_key(apart),
        credential_from_parent(apart),
    )
    digest_shaped = "e990ba532357f13d8d229c084147a0d806f9b75b"  # generated, a SHA-1's length
    for text in ("{k}={v}", "export {k}={v}", "{k}: {v}"):
        assert bool(redact.scan({"log": text.format(k=glued, v=digest_shaped)})) is bool(
            redact.scan({"log": text.format(k=apart, v=digest_shaped)})
        ), text


@pytest.mark.parametrize("name", ["FENNIMOTOKEN", "acmeiotsecret", "QUILLOKEY", "zorblaxkey"])
def test_a_name_glued_to_token_secret_or_key_in_one_case_is_an_unknown_holder(name):
    """``SHODANTOKEN``, written in one case with nothing between the name and the word,
    reads as ``SHODAN_TOKEN`` would for a name the grammar does not know: a generated
    token under it is a credential, as a dict key, an environment line, a flag, a
    header and a JSON member alike; words and a digest are not."""
    assert classify_key(name) is KeyClass.CREDENTIAL and credential_from_parent(name)
    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    flag = name.lower()
    for doc in (
        {name: token},
        {"log": f"export {name}={token}"},
        {"log": f"--{flag} {token}"},
        {"log": f"X-{flag}: {token}"},
        {"log": json.dumps({name: token})},
    ):
        assert token not in json.dumps(redact.redact(doc).value), doc
    digest = "9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d"
    for value in ("north-eu", "v2.3.1", "backup", digest):
        assert redact.scan({name: value}) == [] and redact.scan({"log": f"{name}={value}"}) == []


@pytest.mark.parametrize(
    ("name", "vendor"),
    [("finnhubKey", "finnhub"), ("ETSY_KEY", "etsy"), ("kucoin-key", "kucoin"), ("SHODANTOKEN", "shodan"),
     ("FINNHUBKEY", "finnhub"), ("todoist_api_token", "todoist")],
)  # fmt: skip
def test_a_key_naming_a_known_vendor_and_the_keys_kind_holds_hex_too(name, vendor):
    """A vendor the catalog reads keys of by name (``api-vendor-key``), then the key's kind
    (``key``, ``token``), written apart or glued: hex of a digest's length is that vendor's
    key (many vendors issue 40 or 64 hex), as under ``api_key``, in a mapping and in text;
    the vendor's name alone before a digest, or a word after it, is still no key."""
    digest = "9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b1d"  # generated, a SHA-1's length
    assert redact.scan({name: digest}) and redact.scan({"log": f"{name}={digest}"})
    for key in (vendor, f"{vendor}_model", f"{vendor}_keyboard"):
        assert redact.scan({key: digest}) == [], key
        assert redact.scan({"log": f"{key} {digest}"}) == [], key


@pytest.mark.parametrize("vendor", ["pinecone", "datadog", "Kaggle", "COHERE", "config.postmark"])
def test_a_vendors_name_alone_as_a_key_holds_its_generated_token(vendor):
    """A config that names the vendor and holds its key under the name alone
    (``{"pinecone": "<uuid>"}``) holds a credential when the value is a generated token,
    nested and flattened alike; a model's name, a project's, a number, a path and hex of a
    commit's length under the same name are not."""
    assert classify_key(vendor) is KeyClass.CREDENTIAL and credential_from_parent(vendor)
    for token in (str(uuid.uuid4()), secrets.token_hex(16), "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"):
        assert token not in json.dumps(redact.redact({vendor: token}).value), (vendor, token)
        assert token not in json.dumps(redact.redact({"settings": {vendor: token}}).value)
    for value in (
        "gpt-4o-mini",
        "my-project-123456",
        "meta-llama/Llama-2-7b",
        "12.5",
        hashlib.sha1(b"x").hexdigest(),
    ):
        assert redact.scan({vendor: value}) == [], (vendor, value)


@pytest.mark.parametrize(
    "name",
    [
        "nexttoken", "PAGETOKEN", "cachekey", "SORTKEY", "imagetoken", "monkey", "hotkey", "createsecret",
        "getfederationtoken", "rotateencryptionkey", "iterkeys", "sortedkeys",
    ],
)  # fmt: skip
def test_a_kind_of_key_or_token_glued_to_the_word_holds_no_credential(name):
    """A glued name whose first part says what kind of key or token it is (a page's, a
    cache's, an image's) or what an operation does with it (an API's ``createsecret``, a
    function's ``iterkeys``), a plural, and English words that end in ``key``, stay
    settings and words."""
    assert classify_key(name) is not KeyClass.CREDENTIAL
    assert redact.scan({name: "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"}) == []


@pytest.mark.parametrize("qualifier", ["account", "access", "private", "api", "secret"])
def test_a_qualifier_one_segment_up_qualifies_a_bare_key(qualifier):
    """``account.key`` reads as ``account_key`` flattened, nested, in embedded JSON and in
    text; ``cache.key`` and ``sort.key`` stay record keys in every form."""
    assert classify_key(f"{qualifier}.key") is KeyClass.CREDENTIAL
    forms = [
        {f"{qualifier}.key": SECRET},
        {qualifier: {"key": SECRET}},
        {"cfg": json.dumps({qualifier: {"key": SECRET}})},
        {"cfg": {"storage": {qualifier: {"Key": SECRET}}}},
    ]
    for obj in forms:
        assert SECRET not in json.dumps(redact.redact(obj).value), obj
    for word in ("cache", "sort", "partition", "dataset"):
        assert classify_key(f"{word}.key") is not KeyClass.CREDENTIAL
        clean = {word: {"key": SECRET}}
        assert redact.scan(clean) == [] and redact.scan({f"{word}.key": SECRET}) == []


def test_azure_storage_account_key_property_names_end_with_a_host():
    """Hadoop/Spark name an Azure storage key after the account's endpoint
    (``fs.azure.account.key.<account>.dfs.core.windows.net``): the host is not a key word."""
    for service in ("dfs", "blob"):
        name = f"spark.hadoop.fs.azure.account.key.mlstore01.{service}.core.windows.net"
        assert classify_key(name) is KeyClass.CREDENTIAL
        assert redact.scan({name: SECRET})
        text = f"<property><name>{name}</name><value>{SECRET}</value></property>"
        assert SECRET not in redact.redact({"site": text}).value["site"]
    assert (
        classify_key("fs.azure.account.auth.type.mlstore01.dfs.core.windows.net") is not KeyClass.CREDENTIAL
    )


@pytest.mark.parametrize(
    ("key", "inherited"),
    [("secrets.anthropic", True), ("config.secrets.cudnn", True), ("SECRETS__OPENAI", True),
     ("secrets.db_password", False), ("creds.value", False), ("db_password", False), ("params.lr", False)],
)  # fmt: skip
def test_a_credential_given_by_a_parent_is_told_apart(key: str, inherited: bool) -> None:
    """A neutral leaf under a credential parent holds a credential, but only its parent
    says so: such a value must read as a credential itself (``token_like``)."""
    from redact.detect.keys import credential_from_parent

    assert credential_from_parent(key) is inherited
    if inherited:
        assert classify_key(key) is KeyClass.CREDENTIAL
        found = redact.scan({key: "fp16-mixed", f"{key}_2": "Qm9vLWZha2UtY3JlZHM"})
        assert [f.key for f in found] == [f"{key}_2"]


@pytest.mark.parametrize(
    ("line", "credential"),
    [
        ("API key: {s}", True),
        ("api key = '{s}'", True),
        ("acmeiot key = '{s}'", True),
        ("Storage account key: {s}", True),
        ("Mot de passe : {s}", True),
        ("palavra passe: {s}", True),
        ("sort de passe: {s}", False),
        ("export TOKEN={s}", True),
        ("CSRF token: {s}", False),
        ("next page token = '{s}'", False),
        ("sort key: {s}", False),
        ("public key: {s}", False),
    ],
)
def test_a_name_after_a_word_and_a_blank_reads_as_one_key(line: str, credential: bool) -> None:
    """In text, ``API key``, ``CSRF token`` are read as the keys ``api_key`` and
    ``csrf_token`` are: the word before a one-word name qualifies it, unless it is a
    keyword of a shell or a language (``export TOKEN=...``)."""
    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    found = redact.scan({"log": line.format(s=token)})
    assert bool(found) is credential, found


def test_a_bare_key_under_an_unknown_name_is_that_names_key() -> None:
    """``{"acmeiot": {"key": ...}}`` reads as ``acmeiot_key`` nested, flattened and in
    embedded JSON: a generated token is a credential; a record's or a cache's key shape
    (MD5's length in hex, a UUID) and a bare key under a kind of key (``sort``) are not."""
    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    for obj in (
        {"acmeiot": {"key": token}},
        {"acmeiot.key": token},
        {"cfg": json.dumps({"acmeiot": {"key": token}})},
    ):
        assert token not in json.dumps(redact.redact(obj).value), obj
    for value in ("3f2a9c1d4e5b6a7f8091a2b3c4d5e6f7", "123e4567-e89b-12d3-a456-426614174000"):
        assert redact.scan({"acmeiot": {"key": value}}) == []
    for word in ("sort", "cache", "partition", "params", "tags", "items"):
        assert redact.scan({word: {"key": token}}) == []
        assert redact.scan({"cfg": json.dumps({word: {"key": token}})}) == []


@pytest.mark.parametrize(
    ("value", "credential"),
    [("Tq7vL2mX!9pZ", True), ("x7Yq2LmZ9pQ4", True), ("conv1x1", False), ("ResNet50", False),
     ("depthwise", False), ("hunter22", False), ("3", False), ("fp16-mixed", False)],
)  # fmt: skip
def test_pw_names_a_password_only_when_the_value_has_a_passwords_shape(value: str, credential: bool) -> None:
    """``pw`` is also "pointwise" in ML configs, ``psw`` a processor's status word: under
    ``pw``, ``db_pw``, ``psw`` or ``user_psw`` a value is a password when it has one's shape
    (both cases, a digit or a symbol, random), in text too."""
    for key in ("pw", "db_pw", "psw", "user_psw"):
        assert bool(redact.scan({key: value})) is credential, (key, value)
        assert bool(redact.scan({"note": f"{key}={value}"})) is credential, (key, value)


@pytest.mark.parametrize(
    ("value", "credential"),
    [("q7Xv2LmW9pTz4Rk8Bn3Yc6Hd1Jf5Gs0Aw2Ee7Ui4Oo9P", True), ("15425996f75fd84cea651769219573c19360c2da", True),
     ("*.py", False), ("^[a-z_][a-z0-9_]*$", False), ("model_checkpoint_epoch", False), ("changeme", False),
     ("Tq7vL2mX!9pZ", False)],
)  # fmt: skip
def test_pat_and_sk_name_a_token_only_when_the_value_is_one(value: str, credential: bool) -> None:
    """``pat`` ends the names of personal access tokens (``GITHUB_PAT``,
    ``AZURE_DEVOPS_EXT_PAT``) and of patterns in code (``file_pat``), ``sk`` those of an
    AK/SK pair's secret key (``QIANFAN_SK``, in camel case ``qianfanSk``) and of sort
    keys: under them a value is a credential when it is a generated token (hex of a
    commit's length too, as under a token), as a dict key, flattened and in text (where a
    camel-case ``Sk`` ends a name as ``_sk`` does); ``path``, ``pattern``, ``task`` and
    ``diskSize`` are neither."""
    for key in (
        "GITHUB_PAT",
        "AZURE_DEVOPS_EXT_PAT",
        "file_pat",
        "devops.github_pat",
        "githubPat",
        "QIANFAN_SK",
        "qianfanSk",
        "qianfanSK",
    ):
        assert bool(redact.scan({key: value})) is credential, (key, value)
        assert bool(redact.scan({"note": f"export {key.replace('.', '_')}={value}"})) is credential, (
            key,
            value,
        )
    for key in ("path", "file_path", "pattern", "compat", "task", "disk", "diskSize", "TASK", "riskScore"):
        assert redact.scan({"note": f"{key} = {value}"}) == [], (key, value)


@pytest.mark.parametrize(
    "key", ["ACMEGEO_API", "weatherApi", "ACME_OAUTH", "S3_ACCESS", "config.vendor.geo_api"]
)
def test_api_oauth_and_access_end_a_keys_name_when_the_value_is_a_token(key: str) -> None:
    """A vendor's key is often named without its last word (``SHODAN_API``,
    ``ACME_OAUTH``, ``S3_ACCESS``): under such a name a generated token, hex of MD5's and
    a commit's length too, is a credential, as a dict key, flattened and in text. A URL,
    a boolean, a version, a date, a type's name (``ApiGatewayV2HttpApi``) or hex shorter
    than MD5's (a resource's or a span's id) is what these names hold otherwise."""
    token = "hX7pQ2mZ9vL4kR8sT1wY6nB3cF5dG0jA"
    for value in (token, "3f2a9c0e1b7d4e8f9a6b5c4d3e2f1a0b", "aabfe228f219e9cb0eb53f16947ccf25ec84d8db"):
        assert redact.scan({key: value}), (key, value)
        assert redact.scan({"note": f"export {key.replace('.', '_')}={value}"}), (key, value)
    for value in (
        "https://api.example.com/v1",
        "true",
        "v2.1.0",
        "2024-06-03T10:00:00Z",
        "ApiGatewayV2HttpApi",
        "DisableLegacyAccessAPI",
        "b507ba6256e35f11",
        "public-read",
    ):
        assert redact.scan({key: value}) == [], (key, value)
        assert redact.scan({"note": f"{key}: {value}"}) == [], (key, value)
    assert redact.scan({"note": f"def f(self, {key.rsplit('.')[-1]}: ApiGatewayV2HttpApi) -> None:"}) == []


@pytest.mark.parametrize("key", ["secret_id", "VAULT_SECRET_ID", "vault.approle.secret_id", "secretId"])
def test_a_secret_id_is_a_credential_when_the_value_is_a_generated_token(key: str) -> None:
    """A Vault AppRole's SecretID (a UUID) logs a role in; AWS Secrets Manager's
    ``SecretId``, a Key Vault secret's id and a GCP ``secret_id`` name a stored secret (a
    path, an ARN, a URL, a word). Under the name, as a dict key and in text, the value
    decides; what is said about a SecretID (``secret_id_accessor``) is no credential."""
    token = str(uuid.uuid4())
    for doc in ({key: token}, {"log": f"{key.rsplit('.')[-1]}={token}"}, {"log": f'"{key}": "{token}"'}):
        assert token not in str(redact.redact(doc).value), (key, doc)
    for value in (
        "tutorials/MyFirstSecret",
        "prod/ml/wandb-key",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf",
        "https://ml-vault.vault.azure.net/secrets/db-pass/4387e9f3d6e14c459867679a90fd0f79",
        "projects/123/secrets/db-pass/versions/latest",
        "db-password",
    ):
        assert redact.scan({key: value}) == [], (key, value)
        assert redact.scan({"log": f'{key} = "{value}"'}) == [], (key, value)
    assert redact.scan({"secret_id_accessor": token}) == []
    assert classify_key("secret_id_accessor") is KeyClass.SETTING


def test_terraforms_host_token_variable_is_a_credential() -> None:
    """Terraform's CLI reads a host's token from ``TF_TOKEN_<host>`` (dots as ``_``)."""
    token = secrets.token_hex(20)
    for doc in ({"TF_TOKEN_app_terraform_io": token}, {"log": f"export TF_TOKEN_tfe_example_com={token}"}):
        assert token not in str(redact.redact(doc).value)
    assert classify_key("tf_token_app_terraform_io") is KeyClass.CREDENTIAL


@pytest.mark.parametrize(
    "key", ["hmac", "WEBHOOK_HMAC", "refresh", "google.refresh", "license", "WANDB_LICENSE", "licence"]
)
def test_hmac_refresh_and_license_closing_a_name_hold_a_generated_token(key: str) -> None:
    """``hmac``, ``refresh`` and ``license`` end a key's or a secret's name with its last
    word left off, and a setting's name too: a generated token under them is a
    credential, as a dict key and in text alike; a setting's value and a licence's SPDX
    identifier are not, nor, under the word alone, a digest or a UUID (under a vendor's
    name, hex of a digest's length is the commonest shape of its key, as under
    ``GITHUB_PAT``)."""
    token = secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
    for doc in (
        {key: token},
        {"log": f"{key}={token}"},
        {"log": f'"{key}": "{token}"'},
        {"log": f"--{key} {token}"},
    ):
        assert redact.redact(doc).value != doc, (key, "token")
    clean = [
        "MIT",
        "Apache-2.0",
        "LicenseRef-Proprietary",
        "LicenseRef-scancode-public-domain",
        "OpenGroup-BSD-like",
        "LicenseRef-LGPL-with-exception",
        "30s",
        "sha256",
        "on_change",
    ]
    digests = [
        "d41d8cd98f00b204e9800998ecf8427e",
        str(uuid.uuid4()),
        hashlib.sha256(token.encode()).hexdigest(),
    ]
    for value in clean + (digests if "_" not in key else []):
        assert redact.scan({key: value}) == [], (key, value)
        assert redact.scan({"log": f"{key}: {value}"}) == [], (key, value)
    if "_" in key:
        assert redact.scan({key: digests[0]}) != []


@pytest.mark.parametrize(
    "value",
    [
        "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        "3f2a9c0e-1b7d-4e8f-9a6b-5c4d3e2f1a0b",
        "d41d8cd98f00b204e9800998ecf8427e",
    ],
)
def test_a_bare_sk_may_be_a_records_sort_key(value: str) -> None:
    """A bare ``sk`` (or ``pat``) is also a record's sort key, as DynamoDB's single-table
    designs name it beside ``pk``: a ULID, a UUID or MD5's length in hex under it is the
    record's key; a generated token is still a credential."""
    for key in ("sk", "pat"):
        assert redact.scan({"pk": "USER#1042", key: value}) == []
        assert redact.scan({key: "q7Xv2LmW9pTz4Rk8Bn3Yc6Hd1Jf5Gs0"}) != []


@pytest.mark.parametrize(
    ("key", "credential"),
    [("sessionid", True), ("JSESSIONID", True), ("PHPSESSID", True), ("cookies.sessionid", True),
     ("session_id", False), ("sessionId", False), ("SessionId", False), ("session", False)],
)  # fmt: skip
def test_a_frameworks_session_cookie_is_a_credential_by_its_value(key: str, credential: bool) -> None:
    """The session cookies of web frameworks, in the frameworks' own case, hold a bearer
    credential when the value is a generated token; an API's ``sessionId`` field and a
    trace's ``session_id`` are identifiers."""
    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    assert bool(redact.scan({key: token})) is credential
    assert bool(redact.scan({"log": f"GET /x?{key}={token} HTTP/1.1"})) is credential
    assert redact.scan({key: "fp16-mixed"}) == []


@pytest.mark.parametrize("flow", [False, True])
def test_a_flag_and_its_value_as_items_of_a_yaml_sequence(flow: bool) -> None:
    """A container's args as PyYAML writes them, block or flow style: the item after a
    credential's flag is read under the flag's name, the other items stay."""
    import yaml

    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    spec = {
        "containers": [{"name": "train", "args": ["--epochs", "3", "--hf-token", token, "--port", "8080"]}]
    }
    text = yaml.safe_dump(spec, default_flow_style=flow)
    out = redact.redact({"manifest": text}).value["manifest"]
    assert token not in out
    assert out == text.replace(token, "[REDACTED:secret-assignment]")


def test_a_credential_field_of_a_multipart_form_body() -> None:
    """A multipart body (RFC 7578) as requests prepares it, raw and as the bytes repr a
    debug log prints: the part named after a credential holds one; the other fields and a
    file's part stay."""
    import requests

    token = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    for field in ("api_key", "user[password]"):
        body = (
            requests.Request(
                "POST",
                "https://api.example.com/upload",
                data={field: token, "user": "svc"},
                files={"cfg": ("c.txt", b"x")},
            )
            .prepare()
            .body
        )
        assert isinstance(body, bytes)
        for text in (body.decode(), f"send: {body!r}"):
            out = redact.redact({"log": text}).value["log"]
            assert token not in out and "svc" in out, (field, text[:60])
