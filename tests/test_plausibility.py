"""Values found by key context must look like credentials: placeholders, references and
fillers are recognised precisely, and a real password containing template characters is not
mistaken for a placeholder."""

from __future__ import annotations

import json
import random
import string
import uuid

import pytest

import redact
from redact.detect.validators import credential_like, is_placeholder


@pytest.mark.parametrize(
    "value",
    ["${DB_PASSWORD}", "${{ secrets.TOKEN }}", "{{ vault_pw }}", "{% raw %}", "<password>", "<your key>",
     "****", "sk-...", "sk-proj-xxxxxxxx", "ghp_xxxxxxxxxxxxxxxxxxxx", "xxxx", "XXXXXXXX", "changeme",
     "change_me", "your-api-key", "your_password_here", "YOUR_TOKEN_HERE", "[REDACTED]", "$TOKEN",
     "%(password)s", "1111111111111111", "aaaaaaaaaaaaaaaa", "abababababab", "****1234", "<<EOT",
     "<<-EOF", "<<~'SQL'", '<<"END";', "<<<EOT", "<%= ENV['DB_PASSWORD'] %>", "<%- secret %>",
     "@DB_PASSWORD@", "@db.password@", "__DB_PASSWORD__", "{env:OPENAI_API_KEY}", "{file:~/.secrets/key}",
     "$DB_PASSWORD$", "$safeprojectname$"],
)  # fmt: skip
def test_placeholders(value):
    """Templates, masks, stand-in words, redaction outputs and fillers are placeholders."""
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    ["Fk{{9xQ2!mZ", "pre${fix}Tr0ub4dor#3", "hunter2!", "T0p$ecret!", "Xk9#mP2$vLq", "p@ss{%w0rd", "<<Vq7#mK2pLx",
     "Ab<%cd%>ef9Xq", "@Zq8mK2pLx9@x", "__Zq8mK2pL9x__"],
)  # fmt: skip
def test_passwords_with_template_characters_are_not_placeholders(value):
    """Containing ``{{``, ``${`` or ``$`` does not make a value a placeholder."""
    assert not is_placeholder(value)
    assert credential_like(value)


@pytest.mark.parametrize(
    "value",
    ["OPENAI_API_KEY", "/run/secrets/db_password", "./keys/service.json", "~/.ssh/id_rsa",
     "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-FAKE", "projects/p/secrets/db/versions/1",
     "vault:secret/data/db#password", "op://vault/item/password", "C:\\secrets\\db.txt", "https://vault.example.com/v1/x"],
)  # fmt: skip
def test_references_are_not_credentials(value):
    """Environment variable names, secret-manager paths and file paths name a credential."""
    assert not credential_like(value)
    assert redact.scan({"db_password": value}) == []


@pytest.mark.parametrize(
    "value", ["AES-256", "AES-128-GCM", "RSA-4096", "ChaCha20-Poly1305", "HS256", "P-256", "secp256k1"]
)
def test_an_algorithms_name_is_no_credential(value: str) -> None:
    """A cipher's, a signature's or a curve's name says what a key is, not the key: "the
    encryption key is AES-256", ``signing_key: HS256``. A key's value beside it is read."""
    assert not credential_like(value)
    assert redact.scan({"note": f"the encryption key is {value}"}) == []
    assert redact.scan({"signing_key": value}) == []
    assert redact.scan({"note": "the encryption key is Xk9mQ2vLp7wZr4Tq"}) != []


@pytest.mark.parametrize(
    "name", ["Account key", "Storage account key", "Master key", "License key", "Service key"]
)
def test_a_qualified_keys_name_in_prose(name: str) -> None:
    """ "Account key - V", "Master key is V": the qualifiers of a key the key grammar knows
    name it in a sentence as "API key" does."""
    for text in (f"{name} - Xk9mQ2vLp7wZr4Tq", f"{name} is Xk9mQ2vLp7wZr4Tq"):
        assert "Xk9mQ2vLp7wZr4Tq" not in redact.redact({"note": text}).value["note"], text


def test_a_setting_naming_a_reference_is_no_credential() -> None:
    """Redshift's ``CREDENTIALS 'aws_iam_role=arn:...'`` names a role to assume: one
    ``name=value`` pair whose name is a setting's and whose value is a reference is no
    credential, while key pairs and a password that holds ``=`` still are."""
    assert (
        redact.scan(
            {"sql": "COPY t FROM 's3://b/k' CREDENTIALS 'aws_iam_role=arn:aws:iam::123456789012:role/x'"}
        )
        == []
    )
    assert redact.scan({"sql": "password=Fk9=arn:aws:x"}) != []
    keys = "CREDENTIALS 'aws_access_key_id=AKIAC2ZC2VXJLE7AXORH;aws_secret_access_key=Xk9mQ2vLp7wZr4TqXk9mQ2vLp7wZr4TqAbCdEfGh'"
    assert "Xk9mQ2vLp7wZr4Tq" not in redact.redact({"sql": keys}).value["sql"]


def _token() -> str:
    """A generated credential-shaped value: letters and digits, 18 characters."""
    return "Q7" + "".join(random.choice(string.ascii_letters + string.digits) for _ in range(16))


@pytest.mark.parametrize(
    "template",
    ["./train.sh --hf-token {v}", "~/bin/deploy --token={v} --env prod", "../scripts/run.sh API_KEY={v}",
     "C:\\ml\\run.exe --password {v}", "./gradlew -Pnexus.password={v} publish", "\\\\fs01\\tools\\sync.exe /password:{v}",
     "${{PYTHON}} train.py --hf-token {v}", "$(which python) train.py --api-key {v}", "env:PROD db_password={v}",
     "${{HEADER}}\npassword: {v}", "{{{{- if .Values.auth }}}}\nauth:\n  password: {v}\n{{{{- end }}}}"],
)  # fmt: skip
def test_a_command_whose_first_word_is_a_path_holds_its_arguments(template):
    """A path or a template as the first word of a command line (``./train.sh``,
    ``C:\\...``, ``${PYTHON}``) or as a file's first line (a Helm template's ``{{- if }}``)
    makes the text no reference or template as a whole: the credentials after it are found."""
    secret = _token()
    value = template.format(v=secret)
    assert [value[f.start : f.end] for f in redact.scan({"cmd": value})] == [secret]


@pytest.mark.parametrize(
    ("key", "value"),
    [("$ref", "#/definitions/SigV4Authorization"), ("source", "class BearerAuth(httpx.Auth):"),
     ("call", "authorization_url, redirect_uri=self.redirect_url,"), ("Authorization", "Bearer ${TOKEN}")],
)  # fmt: skip
def test_authorization_words_outside_the_key_are_no_header_value(key, value):
    """Only a value under an Authorization key is read as the header's value."""
    assert redact.scan({key: value}) == []


def test_an_authorization_value_under_its_key_is_read_as_the_header():
    """A header's value under its name as a key (a dict of headers, a JSON request) is
    read as the header is in text: an AWS Signature Version 4 value's parameters,
    signature included, are masked as one."""
    signature = "".join(random.choice("0123456789abcdef") for _ in range(64))
    value = (
        "AWS4-HMAC-SHA256 Credential=AKIAFAKE7EXAMPLE2Q3/20240101/us-east-1/s3/aws4_request, "
        f"SignedHeaders=host;x-amz-date, Signature={signature}"
    )
    assert [f.detector for f in redact.scan({"headers": {"Authorization": value}})] == ["authorization-value"]
    for doc in (
        {"headers": {"Authorization": value}},
        {"request": json.dumps({"headers": {"Authorization": value}})},
    ):
        out = json.dumps(redact.redact(doc).value)
        assert signature not in out and "AWS4-HMAC-SHA256" in out
    assert all(
        f.detector not in ("authorization-header", "authorization-value")
        for f in redact.scan({"note": value})
    )


@pytest.mark.parametrize(
    ("key", "template"),
    [("password", "${{DB_PASSWORD:-{v}}}"), ("spring.datasource.password", "${{DB_PASSWORD:{v}}}"),
     ("db.password", "${{oc.env:DB_PASSWORD,{v}}}"), ("cfg", "db:\n  password: ${{oc.env:DB_PASSWORD,{v}}}\n"),
     ("cfg", 'password: "${{oc.env:DB_PASSWORD,{v}}}"')],
)  # fmt: skip
def test_an_interpolations_literal_default_is_a_value(key, template):
    """The literal a template falls back on is judged as a value, under a dict key as in
    text: only it is masked, the variable's name stays."""
    secret = _token()
    value = template.format(v=secret)
    result = redact.redact({key: value})
    assert [value[d.start : d.end] for d in result.decisions] == [secret]
    assert "DB_PASSWORD" in result.value[key] and secret not in result.value[key]


@pytest.mark.parametrize(
    "template",
    ['password = "{s}"', "PASSWORD={s}", "api_key: {s}", '{{"db_pass": "{s}"}}', "<password>{s}</password>",
     'if db_pass == "{s}":', "password.equals('{s}')"],
)  # fmt: skip
def test_braces_and_dollars_inside_a_password_open_no_template(template):
    """A template is a whole expression of its grammar: ``${`` opens one only before a name
    and then an operator or its end (``${VAR}``, ``${VAR:-x}``, ``${#arr}``, ``${cfg.key}``,
    ``${file("x")}``), ``{{ ... }}`` holds no brace; a generated password that merely holds
    ``{{``, ``${`` and ``}}`` is the value, masked whole."""
    secret = "Zq{{8m}K)2${p]Lx(9[Tq>-_$#w4}}"
    value = template.format(s=secret)
    out = redact.redact({"v": value}).value["v"]
    assert "8m}K)2" not in out and "Lx(9[Tq" not in out, out
    assert redact.scan({"db_password": secret})


@pytest.mark.parametrize(
    "value", ["${{ secrets.DB_PASSWORD }}", "{{ .Values.db.password | quote }}", "${#DB_PASSWORD}", '${file("pw.txt")}',
              "${ var.db_password }", "{{{ db_password }}}"],
)  # fmt: skip
def test_a_templates_own_expressions_stay_templates(value):
    assert redact.scan({"db_password": value}) == []
    assert redact.scan({"v": f"password = {value}"}) == []


@pytest.mark.parametrize(
    "value", ["${DB_PASSWORD}", "${oc.env:DB_PASSWORD}", "${DB_PASSWORD:-changeme}", "${API_KEY:-}"]
)
def test_an_interpolation_without_a_credential_default_is_a_template(value):
    assert redact.scan({"db_password": value}) == []


@pytest.mark.parametrize(
    "template",
    ["API_KEY={v} | tee run.log", "TOKEN={v} | base64 -d", "--hf-token {v} | grep ok",
     "https://api.example.com/v1/x?q=oslo&key={v} | IR@ops", "api_key={v} | Build/42"],
)  # fmt: skip
def test_a_credential_piped_on_is_no_union_type(template):
    """A value a shell pipes on (``TOKEN=... | tee``) or a list goes on after
    (``| IR@...``, ``| Build/42``) is no type in a union (``secret: V1Secret | None``): a
    random token is not a type's name, and a type's name ends where a type does."""
    secret = _token()
    value = template.format(v=secret)
    assert [value[f.start : f.end] for f in redact.scan({"cmd": value})] == [secret]


@pytest.mark.parametrize("secret", ["Q70LTecRwobhqmsGab", "Q7GPFjecCUMEMayXaZ"])
def test_a_token_opening_with_a_capital_and_digits_is_no_versioned_type(secret):
    """Only Kubernetes' ``V<n>`` prefix marks a versioned type's name (``V1Secret | None``);
    a generated token that opens with another capital and digits, piped on, is the value."""
    value = f"API_KEY={secret} | tee run.log"
    assert [value[f.start : f.end] for f in redact.scan({"cmd": value})] == [secret]
    assert redact.scan({"cmd": "secret: V1Secret | None"}) == []


@pytest.mark.parametrize(
    "template",
    ['c.JupyterHub.cookie_secret = bytes.fromhex("{v}")', 'api_key = base64.b64decode("{v}")',
     'var jwtKey = []byte("{v}")', 'const secretKey = Buffer.from("{v}", "base64")',
     'byte[] secretKey = Base64.getDecoder().decode("{v}");', 'password: str = Field(default="{v}")',
     'api_key: SecretStr = Field("{v}", description="the key")', 'huggingface_hub.login("{v}")',
     'wandb.login(key="{v}", relogin=True)'],
)  # fmt: skip
def test_a_literal_converted_wrapped_or_logged_in_with_is_the_value(template):
    """A literal inside a call that only converts or wraps it (bytes.fromhex, a base64
    decoder, Go's []byte, a pydantic Field's default) is the assigned value; a login call
    given a token alone holds it (20 characters or more)."""
    secret = _token() + "Zq4w"
    value = template.format(v=secret)
    assert [value[f.start : f.end] for f in redact.scan({"src": value})] == [secret]


@pytest.mark.parametrize(
    "value",
    ['password: str = Field(default="")', 'password: str = Field(..., min_length=12)',
     "api_key = str(settings.api_key)", 'login("ml_engineer_2024")', 'wandb.login(anonymous="allow")'],
)  # fmt: skip
def test_conversions_of_names_and_short_logins_are_no_values(value):
    assert redact.scan({"src": value}) == []


@pytest.mark.parametrize(
    "password",
    [
        "odvy{-FI}WJfe95:k3q3",
        "UxgUk{E>~Bl4:,z]Rv_/<",
        "r(ss+EzdB!)6U8;2^a1EWI}",
        "Lkdea>5C}OO]Pm",
        "hcMNW{yTLvJ[7rGp",
    ],
)
@pytest.mark.parametrize(
    "template",
    [
        "DB_PASSWORD={p}",
        "password={p}",
        "cfg: password={p} host=db",
        "docker run -e POSTGRES_PASSWORD={p} pg",
    ],
)
def test_generated_passwords_with_brackets_are_values_not_code(template, password):
    """A generated password's brackets and symbols make no expression code could write
    (crossed brackets, symbols in a row): the whole token is masked, at a line's start or
    after a blank within it."""
    value = template.format(p=password)
    assert password not in redact.redact({"cfg": value}).value["cfg"]


@pytest.mark.parametrize(
    "value",
    ["tmpToken = Token(type=\"\", tag=\"\")", "run(url, api_token=api_token)", "x password=cfg[0][1](name)",
     "--token-validity-units AccessToken=minutes,IdToken=minutes", "y token=Dict[str,List[int]]"],
)  # fmt: skip
def test_code_with_brackets_after_a_credential_name_is_no_value(value):
    assert redact.scan({"src": value}) == []


@pytest.mark.parametrize(
    "value",
    [
        "secret: V1Secret | None",
        "token: SpanToken | None",
        "creds: Credentials | None = None",
        "secret: Global___GatewaySecretInfo | None = None",
    ],
)
def test_union_types_after_a_credential_name_are_code(value):
    assert redact.scan({"src": value}) == []


@pytest.mark.parametrize(
    "value",
    ["usage: train.py [-h] [--api-key API_KEY] [--exclude-secrets EXCLUDE_SECRETS]", "[--auth-token AUTH_TOKEN]",
     "  --db-password DB_PASSWORD  the database's password"],
)  # fmt: skip
def test_a_usage_lines_metavar_is_no_credential(value):
    """argparse shows a flag's value as the flag's name upper-cased (``--api-key API_KEY``),
    in brackets for an optional flag: a placeholder, not a credential."""
    assert redact.scan({"help": value}) == []


@pytest.mark.parametrize(
    ("key", "value", "found"),
    [("dsn", "postgresql:///features", []), ("pg_dsn", "postgresql://db.internal:5432/features", []),
     ("db_dsn", "postgresql://db/x?password=Xk9pLm2QaZ7r", ["url-password-param"]),
     ("dsn", "mysql://root:Xk9pLm2QaZ7r@db/x", ["uri-credentials"]),
     ("git_remote_token", "https://Xk9pLm2QaZ7rAbCdEf@github.com/org/repo.git", ["uri-token-user"]),
     ("dsn", "postgresql://svc@db.internal:5432/x?sslmode=require", [])],
)  # fmt: skip
def test_a_uri_under_a_credential_key_is_judged_by_what_it_holds(key, value, found):
    """A URI with no user part names where to connect, not how to log in: under a
    credential key it is reported only for a credential it holds (a password parameter,
    user:password@); a user with no password is none, and a token written as the user
    part still counts (the token alone)."""
    assert [f.detector for f in redact.scan({key: value})] == found


@pytest.mark.parametrize(
    ("key", "value"),
    [("api_key", "sk-..."), ("password", "<password>"), ("token", "<key>"), ("password", "changeme"),
     ("api_key", "1111111111111111111111"), ("auth_header", "Authorization: Basic ****"),
     ("headers", '{"Authorization": "Bearer {{ token }}"}'),
     ("conn_str", "Server=db;User Id=svc;Password=${SQL_PASSWORD};"),
     ("conn_str", "Server=tcp:db,1433;Database=f;Authentication=Active Directory Managed Identity;")],
)  # fmt: skip
def test_placeholders_under_credential_keys_are_not_reported(key, value):
    """A stand-in under a credential key, or a structured value whose credential part is a
    placeholder, reports nothing."""
    assert redact.scan({key: value}) == []


def test_structured_value_reports_only_its_credential_part():
    """Under a credential key, ``Server=...;Password=...`` reports the password, not the whole."""
    text = "Server=db.internal;User Id=svc;Password=Fake-Pa55-w0rd;"
    spans = {text[f.start : f.end] for f in redact.scan({"conn_str": text})}
    assert spans == {"Fake-Pa55-w0rd"}


@pytest.mark.parametrize(
    "text",
    ["-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
     "-----BEGIN PRIVATE KEY-----\n<your key here>\n-----END PRIVATE KEY-----",
     "-----BEGIN OPENSSH PRIVATE KEY-----"],
)  # fmt: skip
def test_pem_header_without_key_material(text):
    """A PEM header with no key material is not a secret."""
    assert redact.scan({"note": text}) == []


def test_csrf_token_is_not_a_credential():
    """CSRF tokens protect forms; they are not credentials, as a key or in text."""
    assert redact.scan({"csrf_token": "Zm9vYmFyYmF6cXV4MTIz"}) == []
    assert redact.scan({"form": "csrfmiddlewaretoken=Zm9vYmFyYmF6cXV4MTIz"}) == []


def test_long_password_is_reported():
    """Passwords longer than 256 characters are still credentials."""
    long_pw = "Fk9-" + "aB3$" * 100
    found = redact.scan({"db_password": long_pw})
    assert [(f.start, f.end) for f in found] == [(0, len(long_pw))]


@pytest.mark.parametrize(
    "line",
    [
        "tokens = tokenize(text)",
        "tokens = text.split()",
        "self.token = self.config.token",
        "token = kwargs.get('token')",
        "k_pass = self.norm(k_pass).view(batch, 1, -1)",
        "token = _CONTEXT_VAR.set(policy)",
        "tokens = self.textPreprocessor.tokenize(line)",
        "eot_token = self.encoder['<|endoftext|>']",
        "secret = aws_secret_access_key",
        "api_key=_api_key,",
        "storage_key = 'cond_frame_outputs'",
        "def f(token: SpecialAudioToken, size: int):",
        "embed_tokens: nn.Embedding",
        "marker_token = '<|image_pad|>'",
        "close_token = '</chunk>'",
        "pad_token=12_050,",
        "positions = {token: -index for index, token in enumerate(items)}",
        'Title: "Features, Not Tokens: Energy-Based Tuning"',
        '"  export SERVICE_API_KEY=your-api-key\\n"',
    ],
)  # fmt: skip
def test_program_text_is_not_a_credential(line):
    """Source code and prose assign names, calls, attribute paths, type names, numbers and
    special-token markup to credential-looking names; none of them is a credential value."""
    assert redact.scan({"source": line}) == []


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        ("password = 'Tr0ub.4dor'", "Tr0ub.4dor"),
        ("password: Tr0ub4dor (rotated)", "Tr0ub4dor"),
        ("api_key = 'Fk9dmQ2xLp7Z'", "Fk9dmQ2xLp7Z"),
        ("token = 'FAKEq8ZrT2vW9kLm'", "FAKEq8ZrT2vW9kLm"),
        ("passphrase: correct-horse-battery-staple", "correct-horse-battery-staple"),
    ],
)  # fmt: skip
def test_values_next_to_code_shapes_are_still_credentials(line, secret):
    """A random string with a dot or before a parenthesis is not a dotted name or a call."""
    spans = {line[f.start : f.end] for f in redact.scan({"source": line})}
    assert secret in spans


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        ("SessionToken", "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4"),
        ("PurchaseToken", "eyJ2IjoiMSIsInMiOjEsImMiOi..."),
        ("WebIdentityToken", "Atza%7CIQEBLjAsAhRFiXuWpXXXXXXXXJnrulxKDHwy87oGKPznh0D6"),
        ("SecretString", "{JSON STRING WITH CREDENTIALS}"),
        ("GrantToken", "The grant token."),
        ("Auth", "Configures authorization for your `HttpApi` resource, see the API Guide."),
        ("Credentials.Expiration", "2011-07-15T23:28:33.359Z"),
        ("PrivateKey", "-----BEGIN DSA PRIVATE KEY-----<a long private key string>-----END DSA PRIVATE KEY-----"),
        ("oauth_auth", "write:pets"),
        ("secrets.required", "tokenUrl"),
        ("cookie", "XSRF-TOKEN=Zm9vYmFyYmF6cXV4MTIzNDU2"),
    ],
)  # fmt: skip
def test_documentation_samples_are_not_credentials(key, value):
    """Reference documentation fills credential fields with marked samples (EXAMPLE, an
    elided or masked part, a stand-in in braces), prose, timestamps, scopes and field names;
    none of them is a credential."""
    assert redact.scan({key: value}) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("Password", "h]6EszR}vJ*m"),
        ("aws_secret_access_key", "Fk9/mQ2xLp7ZbW4vN8cR1tY6uI3oP5aS0dF2gH7j"),
        ("auth", "Tr0ub4dor and 3 more words"),
        ("PrivateKey", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKE\n-----END PRIVATE KEY-----"),
    ],
)  # fmt: skip
def test_credentials_beside_documentation_shapes_are_reported(key, value):
    """A random password, a key without a sample marker and a PEM block with key material
    under a credential key are still reported."""
    assert redact.scan({key: value}) != []


def test_scheme_word_concatenated_in_code_is_not_a_header_credential():
    """``"Authorization": "Bearer " + token`` in source text: the scheme word is no credential."""
    assert redact.scan({"source": 'headers = {"Authorization": "Bearer " + self.api_key}'}) == []


@pytest.mark.parametrize(
    "line",
    [
        "def f(self, token: XPathToken) -> None:",
        "secret: V1Secret | None = None,",
        'dsn: "Optional[str]" = None',
        "private_key = Ed25519PrivateKey.generate()",
        "auth = HTTPBasicAuth(user, password)",
        "def f(token: HTTPSHandler, secret: StringLength):",
        "RSAPrivateKey = rfc3447.RSAPrivateKey",
        "XSD_TOKEN = _XSD_TEMPLATE % 'token'",
        "ROOT_KEY = '__root__'",
        ":type host_key: :class:`SSHKey`",
        "'sas': 'sas::SasStyle'",
        'MLFLOW_AUTH_HEADER = "X-Custom-Authorization"',
        '_AWS_SECURITY_TOKEN_HEADER = "x-amz-security-token"',
        'ACL_CREDENTIALS = "Access-Control-Allow-Credentials"',
        "passphrase: _PassphraseArg, filename: str,",
        "def f(secret: CryptContext) -> None:",
        "TRACKING_AUTH=kubernetes-namespaced",
        'Token.Name.Builtin: "bold #08547A"',
        "const apiKey = 'sk-1234567890';",
        '{"api_key": "sk-...xyz1234"}',
        "id_CryptoPro_private_keys = id_CryptoPro_algorithms + (37,)",
        "secret_key = Default_SecretKey or fallback",
    ],
)  # fmt: skip
def test_type_names_styles_and_samples_in_code_are_not_credentials(line):
    """Type annotations, constructor calls, constants, reST roles, header names, two-word
    names, display styles, counting runs and elided samples beside credential-looking names
    are not credential values; nor are words that name a credential or its setting, nor
    type names whose words join consonants in digraphs (pass-phrase) or use y as a vowel."""
    assert redact.scan({"source": line}) == []


def test_random_letters_are_not_mistaken_for_type_names():
    """Random letter strings are credentials even when they start like a CapWords name: every
    lower-case run of a type name is pronounceable, its acronyms have at most 5 capitals
    and its words no 5 consonants in a row."""
    assert redact.scan({"password": "FkptgUzEjfebzJ"}) != []
    assert redact.scan({"password": "FAKEADgeVNELcnfzecoM"}) != []
    assert redact.scan({"source": "api_secret=QLQrATrNSwGRFRLE-cbHJw"}) != []
    # (a value joined to another by an operator is code only when it is a name of words)
    assert redact.scan({"source": "password = Tr0ub4dor_and3 + x"}) != []
    assert redact.scan({"source": "api_key: Xk9p_LmQ2_zzT - rotated"}) != []
    # words that name no credential are a passphrase
    assert redact.scan({"password": "correct-horse-battery-staple"}) != []
    assert redact.scan({"source": 'password = "tortilla-ranch-freight-hence"'}) != []


@pytest.mark.parametrize(
    "key, value",
    [("credentials", "TemporaryCredentialsOSS"), ("token", "BearerTokenV2"), ("auth", "ClientSDK"),
     ("token", "JWTBearerTokenValidatorV2"), ("credentials", "AwsCredentialsProviderV2")],
)  # fmt: skip
def test_a_type_name_ending_in_an_acronym_or_a_version_is_no_credential(key: str, value: str) -> None:
    """A class named with a version or a common acronym at its end is a type, under a
    credential's name too; a word and the digits people end a password with is not one."""
    assert redact.scan({key: value}) == []
    assert redact.scan({"log": f"{key}: {value}"}) == []
    for password in ("Welcome12", "BlueSky2024", "Sunshine7"):
        assert redact.scan({key: password}) != [], password


def test_code_between_two_quoted_strings_is_not_a_credential() -> None:
    """``expect "password:"; send "..."``: the text between the closing quote of one string
    and the opening quote of the next (``; send``) is code, never a quoted value."""
    assert not credential_like("; send")
    assert not credential_like(", then")
    text = 'expect -c \'spawn ssh ml@h; expect "password:"; send "x\\r"\''
    assert redact.scan({"script": text}) == []


@pytest.mark.parametrize(
    "template",
    [
        "fetch('https://api.example.com/v1?api_key=' + '{s}')",
        'String auth = "token=" + "{s}";',
        "url = base + '?access_token=' + \"{s}\" + '&page=2'",
        "const dsn = `password=` + `{s}`",
    ],
)
def test_a_literal_joined_after_a_credential_name_and_equals_is_the_credential(template: str) -> None:
    """A program building a query or a connection string joins a literal to the one that
    ends with ``api_key=``: the joined literal is the key. The quote after ``=`` ends the
    name's own literal, so what follows it up to the next quote is code, not a value
    (``'api_key=' + os.environ['K']``), and a literal holding only a name and ``=``
    (``"token="``) is no credential."""
    secret = "Zq8mK2pLx9Tq7Wb4Rt6Yh3Jk"
    text = template.format(s=secret)
    assert [text[f.start : f.end] for f in redact.scan({"code": text})] == [secret]
    for clean in (
        "q = 'api_key=' + os.environ['K']",
        "url = 'https://x.example.com/y?token=' + token + '&page=2'",
        'String auth = "token=" + tok;',
        "s = 'password=' + pw + ';'",
    ):
        assert redact.scan({"code": clean}) == [], clean
    quoted = "it's api_key='" + secret + "'"  # (an apostrophe in prose opens no literal)
    assert [quoted[f.start : f.end] for f in redact.scan({"note": quoted})] == [secret]


@pytest.mark.parametrize(
    ("value", "is_regex"),
    [(r"(?i)\b[a-f0-9]{40}\b", True), (r"(?:key|pwd|token)", True), (r"[-!#$%&*+.^_|~0-9a-zA-Z]+", True),
     (r"\d{3}-\d{2}", True), (r"(?P<user>\w+)", True),
     ("Zq8mK2pLx9!", False), ("ab{3}Xz9kqPw!", False), (r"C:\data\run-7", False), ("[a-z]Tq7vL2mX9", False)],
)  # fmt: skip
def test_regular_expressions_are_not_credentials(value: str, is_regex: bool) -> None:
    """A value written in regular-expression syntax (a group with flags or a lookaround, a
    repeated range, or two of its other constructs) is a pattern, not a secret; one brace
    or bracket in a password does not make it one."""
    from redact.detect.validators import looks_like_regex

    assert looks_like_regex(value) is is_regex
    if is_regex:
        assert not credential_like(value)


@pytest.mark.parametrize(
    ("line", "secret"),
    [('password = f"{user.name}:{user.password or \'\'}"', None),
     ('token = f"share-{run_id}-{stage}"', None),
     ('api_key = f"{prefix}{token_hex(16)}"', None),
     ('var password = $"{Env.User}:{Env.Pass}";', None),
     ("const token = `${scheme} ${value}`", None),
     ('password = f"Xk{salt}Zq8mK2pLx9!"', "Zq8mK2pLx9!"),
     ('api_key = rf"7fA9c2e1B4d6f8a0Qz"', "7fA9c2e1B4d6f8a0Qz"),
     ("const token = `Zq8mK2pLx9Wt`", "Zq8mK2pLx9Wt")],
)  # fmt: skip
def test_interpolated_strings_are_judged_by_their_literal_parts(line: str, secret: str | None) -> None:
    """In an f-string, a C# interpolated string or a template literal the fields are code:
    the value is a credential when a literal part between them is one."""
    out = redact.redact({"line": line}).value["line"]
    if secret is None:
        assert out == line
    else:
        assert secret not in out


def test_a_private_key_block_written_in_base64_is_a_private_key() -> None:
    """A PEM private key block encoded in base64, on one line (a Kubernetes secret's
    ``data``, a CI variable) or wrapped at 76 columns, is a private key; a certificate
    encoded the same way is not."""
    import base64
    import random
    import string

    rng = random.Random()
    body = "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(256))
    lines = "\n".join(body[i : i + 64] for i in range(0, len(body), 64))

    def encoded(kind: str) -> str:
        return base64.b64encode(f"-----BEGIN {kind}-----\n{lines}\n-----END {kind}-----\n".encode()).decode()

    key = encoded("OPENSSH PRIVATE KEY")
    out = redact.redact({"secret": f"data:\n  ssh-privatekey: {key}\n"}).value["secret"]
    assert key[20:60] not in out
    assert redact.scan({"v": encoded("CERTIFICATE")}) == []
    # wrapped at 76 columns (the base64 tool) inside a YAML block scalar
    lines = [key[i : i + 76] for i in range(0, len(key), 76)]
    block = "tls_key_b64: |\n" + "".join(f"  {line}\n" for line in lines) + "replicas: 2\n"
    out = redact.redact({"values": block}).value["values"]
    assert not any(line[8:40] in out for line in lines) and "replicas: 2" in out


@pytest.mark.parametrize("urlsafe", [False, True])
def test_base64_json_holding_a_credential_is_a_secret(urlsafe: bool) -> None:
    """A base64 value (standard, or URL-safe without padding) that decodes to JSON (UTF-8)
    with a credential member is reported; the same encoding of a config without one is not."""
    import base64
    import json
    import secrets

    def encode(obj: object) -> str:
        raw = json.dumps(obj, ensure_ascii=False).encode()
        return (
            base64.urlsafe_b64encode(raw).decode().rstrip("=") if urlsafe else base64.b64encode(raw).decode()
        )

    password = "Fk" + secrets.token_hex(8)
    profile = encode({"profiles": [{"name": "prod-zürich", "db": {"user": "svc", "password": password}}]})
    assert [f.detector for f in redact.scan({"v": f"PROFILE_B64={profile}"})] == ["base64-json-credentials"]
    assert redact.scan({"v": encode({"model": "resnet50", "max_tokens": 512, "tokenizer": "bpe"})}) == []
    # members read with the context their siblings give, as in a mapping or JSON text
    pair = encode({"params": [{"key": "db_password", "value": password}, {"key": "lr", "value": "0.1"}]})
    assert [f.detector for f in redact.scan({"v": pair})] == ["base64-json-credentials"]
    d = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    assert [f.detector for f in redact.scan({"v": encode({"kty": "EC", "crv": "P-256", "d": d})})] == [
        "base64-json-credentials"
    ]
    assert redact.scan({"v": encode({"params": [{"key": "lr", "value": password}]})}) == []


@pytest.mark.parametrize(
    "unit",
    ["LS0tLS1CRUdJTi" + "A" * 50 + "\n", "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0t" + "A" * 36 + "\n",
     "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0t" + "A" * 60 + " ", "eyJ" + "A" * 60 + " "],
)  # fmt: skip
def test_base64_candidates_are_read_in_linear_time(unit: str) -> None:
    """200 KB of base64 lines that start like a PEM block or a JSON object, but are
    neither, are read within the time guard and at most 20x the time of 200 KB of
    ordinary words (each run of lines is read once, not again from each line: that was
    quadratic and hit the guard). Loose bound, best of three, on a shared machine."""
    import random
    import string
    import time

    engine = redact.get_scanner().engine  # (the scanner's memo would answer a repeat)

    def best(text: str) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            hits = engine.find(text)
            times.append(time.perf_counter() - t0)
            assert not [h for h in hits if h.detector.id.startswith("guard-")]
        return min(times)

    rng = random.Random(7)
    words = " ".join(
        "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(2, 9))) for _ in range(40_000)
    )
    adversarial = unit * (200_000 // len(unit))
    ordinary = words[: len(adversarial)]
    assert best(adversarial) / max(best(ordinary), 0.002) < 20


@pytest.mark.parametrize(
    "key, value, found",
    [
        ("db_password", "83749202", True),
        ("PGPASSWORD", "40917362", True),
        ("passcode", "904417", True),
        ("api_token", "83749202837492028374", True),
        ("api_token", "83749202", False),  # a short number under a token's name: a count, an id
        ("password", "20240131", False),  # a date
        ("password", "123456", False),  # a counting run
        ("password", "98765432", False),
        ("password", "00000000", False),
        ("max_tokens", "40960000", False),
        ("password_min_length", "12345678", False),
        ("secrets.seed", "83749202837492028374", False),  # a secrets parent: the value must show it
    ],
)
def test_a_number_is_a_credential_only_under_a_name_that_makes_it_one(
    key: str, value: str, found: bool
) -> None:
    """Digits alone are a PIN or a numeric password under a password's name (from 6
    digits), a numeric token under a token's or a secret's (from 16); never a date, a
    counting run or a filler, and never a number under a setting's name."""
    assert bool(redact.scan({key: value})) is found
    assert bool(redact.scan({"log": f"{key}={value}"})) is found


@pytest.mark.parametrize(
    "value", ["0123456789abcdef", "fedcba9876543210", "0123456789abcdef0123456789abcdef", "abcdefghijkl"]
)
def test_the_alphabet_in_order_is_not_a_credential(value: str) -> None:
    """The hex digits or letters in order (either way, and again from 0) are a filler."""
    assert not credential_like(value)
    assert redact.scan({"acmeiot_key": value}) == []


@pytest.mark.parametrize("value", ["\u2581interna", "\u0120international", "\u010aHello", "##ing", "inter@@"])
def test_a_tokenizers_subword_is_not_a_credential(value: str) -> None:
    """A subword of a tokenizer's vocabulary under a ``token`` key (SentencePiece's word
    start, GPT-2's byte-level space, WordPiece's ``##``, BPE's ``@@``) is text, not a token
    that authenticates."""
    assert redact.scan({"token": value}) == []
    assert redact.scan({"token": value + "9Zq8DNxril3Rav"}) != []  # (digits and a random tail: a credential)


@pytest.mark.parametrize("value", ["xfTg2mK|DH_t18U", "Fk3v|Q9xLm2Zt", "Qm[9x]|Lp2Zt7"])
def test_a_password_with_a_bar_is_not_a_type_expression(value):
    """``Name | Name`` is a union type only when its parts are names a type is written
    with (``str|None``, ``V1Secret | None``); random parts are a password with a bar."""
    assert redact.scan({"password": value}) != []
    assert value not in redact.redact({"log": f'password = "{value}"'}).value["log"]
    assert redact.scan({"secret": "V1beta1Secret|None"}) == []


def _ssh_blob(key_type: str, body: bytes) -> str:
    import base64

    name = key_type.encode()
    return base64.b64encode(len(name).to_bytes(4, "big") + name + body).decode()


def test_an_openssh_public_key_is_public_unless_its_blob_names_another_type():
    """A public key line (``authorized_keys``, a deploy key's public half) under a key named
    as a credential is not one: its base64 starts with the key type it follows, as the wire
    format writes it. Random text after the same type word is still read as a credential."""
    body = bytes(range(32, 80))
    ed = f"ssh-ed25519 {_ssh_blob('ssh-ed25519', body)} ann@laptop"
    rsa = f"ssh-rsa {_ssh_blob('ssh-rsa', body * 8)}"
    for value in (ed, rsa):
        assert redact.scan({"ssh_key": value}) == []
        assert redact.scan({"cfg": f'deploy_key = "{value}"'}) == []
    forged = f"ssh-ed25519 {_ssh_blob('ssh-rsa', body)}"
    assert [f.detector for f in redact.scan({"ssh_key": forged})] == ["sensitive-key-value"]


def test_a_database_address_with_no_credential_is_no_secret_under_a_name_for_one():
    """Under a name for an address (``dsn``, ``conn_str``), Oracle Easy Connect and a TNS
    descriptor without a password hold no credential; the same shapes under a password's
    name, or a token that is no address, are still read."""
    tns = "(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=db.example.com)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=s)))"
    for key, value in (
        ("dsn", "db.example.com:1521/ORCLPDB1"),
        ("oracle_dsn", "localhost/XEPDB1"),
        ("dsn", tns),
        ("dsn", "oracle-db:1521/XEPDB1"),  # (a compose service's one-label host, with its port)
        ("conn_str", "hostname:port/myservice"),  # (the documented form's own words)
    ):
        assert redact.scan({key: value}) == []
        assert redact.scan({"cfg": f'{key} = "{value}"'}) == []
    for key, value in (
        ("password", "db.example.com/Xk9mP2vLq7"),
        ("password", "Xk9mP2/vLq7"),
        ("dsn", "Xk9mP2/vLq7"),
        ("dsn", "Xk9mP2:vLq7/Qz4"),  # (no port after the first colon)
        ("security_token", "api.example.com/Xk9mP2vLq7"),  # (a word of the key, not "uri" in it)
    ):
        assert [f.detector for f in redact.scan({key: value})] == ["sensitive-key-value"]
    assert [
        f.detector for f in redact.scan({"dsn": tns.replace("(CONNECT", "(PASSWORD=Xk9mP2vLq)(CONNECT")})
    ] == ["sensitive-key-value"]


def test_layer_names_under_a_weak_name_and_cut_stand_ins_are_no_credentials():
    """Under ``pw`` (pointwise, as often as password) a layer's name made of words, a
    number with a letter and kernel dimensions is no password; a random value is one. A
    bracketed stand-in that a blank cut (``[cyan]<NAME VALUE>``) is no value."""
    for name in ("Conv2d_3x3", "Mixed_7c", "Conv2d_1a_3x3"):
        assert redact.scan({"pw": name}) == []
        assert [f.detector for f in redact.scan({"password": name})] == ["sensitive-key-value"]
    assert [f.detector for f in redact.scan({"pw": "hunter2_3x3Qz"})] == ["sensitive-key-value"]
    assert redact.scan({"help": '"--cookies [cyan]<NAME VALUE> ...", "--auth [cyan]<USER PASS>"'}) == []
    assert [f.detector for f in redact.scan({"v": "--cookies [cyan]Xk9mP2vLq7Tz"})] != []


@pytest.mark.parametrize(
    "doc",
    [{"password": "CorrectHorseBatteryStaple"}, {"db_password": "WelcomeHomeAgain"},
     {"note": 'password = "CorrectHorseBatteryStaple"'}, {"note": '"passphrase": "WelcomeHomeAgain"'},
     {"note": "export DB_PASSWORD=CorrectHorseBatteryStaple"}, {"note": "mysql --password CorrectHorseBatteryStaple"}],
)  # fmt: skip
def test_a_passphrase_of_capitalised_words_under_a_passwords_name_is_a_password(doc: dict[str, str]) -> None:
    """Capitalised words joined read as a type's name, but under a password's own name and
    written as a value (the whole value, a quoted literal, an environment line, a flag's
    argument) they are the password."""
    found = redact.scan(doc)
    assert found and found[0].category in ("SECRET", "CONNECTION_STRING")


@pytest.mark.parametrize(
    "doc",
    [{"password": "sunshine"}, {"POSTGRES_PASSWORD": "postgres"}, {"db_password": "wordpress"},
     {"password": "admin"}, {"note": "password = 'tiger'"}, {"password": "Welcome"}, {"password": "LETMEIN"},
     {"body": "grant_type=password&username=ml&password=sunshine&client_id=x"},
     {"note": "export SMTP_PASS=sunshine"},
     {"note": "export DB_PASSWORD=sunshine"}, {"note": "password = 'letmein'"},
     {"note": "app --password sunshine"}, {"note": "environment:\n  MYSQL_PASSWORD: wordpress\n"},
     {"note": "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=postgres"},
     {"note": "spring:\n  datasource:\n    password: tigerlily\n"}, {"note": "signing.password=tigerlily"},
     {"note": "<server><id>x</id><password>tigerlily</password></server>"},
     {"note": "machine api.example.com login alice password tigerlily"},
     {"note": "helm install x --set auth.password=tigerlily"}, {"note": "mysql --password tigerlily -h db"}],
)  # fmt: skip
def test_one_lower_case_word_under_a_passwords_name_is_the_password(doc: dict[str, str]) -> None:
    """One lower-case word reads as a setting's word, but under a password's own name and
    written as a value (the whole value, a quoted literal, an environment line or a compose
    file's environment entry, a YAML, INI or properties line's whole value, an XML
    element's text, a .netrc entry, a flag's argument) it is the password."""
    found = redact.scan(doc)
    assert found and found[0].category in ("SECRET", "CONNECTION_STRING")


@pytest.mark.parametrize(
    "doc",
    [{"password": "changeme"}, {"password": "example"}, {"password": "prompt"}, {"password": "keyring"},
     {"password": "text"}, {"password": "trust"}, {"password": "none"}, {"password": "test"},
     {"password": "NONE"}, {"password": "Hidden"}, {"password": "REDACTED"}, {"password": "Passwort"},
     {"password": "filtered"}, {"password": "scrubbed"}, {"password": "protected"},
     {"forward_pass": "fused"}, {"note": "forward_pass: checkpoint"},
     {"note": "password: Welcome"},
     {"password": "required"}, {"password": "disabled"}, {"password": "secret"}, {"auth_method": "password"},
     {"pass": "forward"}, {"password_policy": "strict"}, {"password_hash": "bcrypt"},
     {"password": "credentials"}, {"note": "Password: reset"}, {"note": "password = CorrectHorse"},
     {"note": "the password is stored in the keyring"}, {"note": "use the --username and --password options"},
     {"note": "mysql --password options here"}],
)  # fmt: skip
def test_a_word_that_says_how_a_password_is_given_is_no_password(doc: dict[str, str]) -> None:
    """A stand-in, a source (``prompt``, ``keyring``), a state or a setting's word under a
    password's name, a word under ``pass`` (a pass of an algorithm) or under a setting's
    name, a word in prose (a flag named in a sentence, a word after it) and a class
    assigned stay as they are."""
    assert redact.scan(doc) == []


@pytest.mark.parametrize(
    "doc",
    [{"password": "SecretStr"}, {"password": "PasswordInput"}, {"password": "TextField"},
     {"password": "YourPasswordHere"}, {"password": "MyPassword"}, {"password": "ExamplePassword"},
     {"credentials": "DefaultAzureCredential"}, {"token": "AccessToken"}, {"auth": "OAuthSession"},
     {"note": "password: CorrectHorseBatteryStaple"}, {"note": "password = CorrectHorseBatteryStaple"},
     {"note": "def login(password: SecretStr = None):"}, {"note": "password = PasswordHasher()"}],
)  # fmt: skip
def test_type_names_under_credential_names_stay_code(doc: dict[str, str]) -> None:
    """A type's name stays code: under a token's, a secret's or credentials' name (where
    classes are common), with a word naming a credential or a kind of type, as a stand-in,
    and unquoted after ``name:`` or ``name =`` (an annotation, a class assigned)."""
    assert redact.scan(doc) == []


def test_a_capital_and_a_digit_open_a_password_not_a_type_name() -> None:
    """A capital with a number is part of a type's name after a word (``GatewayV2Http``)
    and as an acronym's end (``PKCS7``, ``EC2``), never as the first part: many generated
    passwords open with a capital and a digit (``Q7Cyv...``), and none of 2,000 such random
    passwords reads as a type name under a secret's name, as a dict key or in text, or as a
    command line's password."""
    import random
    import string

    for name in ("ApiGatewayV2HttpApi", "PKCS7PrivateKeyTypes", "EC2Instance"):
        assert redact.scan({"source": f"def f(self, secret: {name}) -> None:"}) == [], name
    r = random.Random(11)
    alnum = string.ascii_letters + string.digits
    missed = []
    for _ in range(2000):
        pw = r.choice(string.ascii_uppercase) + r.choice(string.digits)
        pw += r.choice(string.ascii_uppercase) + "".join(r.choice(alnum) for _ in range(11))
        for value in (
            {"api_secret": pw},
            {"note": f"client_secret: {pw}"},
            {"cmd": f"mc alias set store https://minio.example.com svc {pw} --api S3v4"},
        ):
            if not redact.scan(value):
                missed.append(pw)
    assert missed == []


def test_a_generated_password_of_many_symbols_is_read_whole_in_a_config_line() -> None:
    """Password managers and cloud secret generators draw from every printable symbol, so a
    password holds brackets, braces, ``; , &`` and operators in any order (``P}8od...``,
    ``(K1?J3Q{...``, ``.oC%z$%;N2...``). Unquoted in a YAML or an environment line, it is
    the whole value, never taken for code because it holds a bracket; lines of code and
    lists of names stay clean."""
    rng = random.Random(20261203)
    alphabet = string.ascii_letters + string.digits + "{}$()[]<>#%!@^&*-_=+~|;:,.?/"
    passwords = ["".join(rng.choice(alphabet) for _ in range(rng.randint(12, 40))) for _ in range(400)]
    missed = []
    for pw in passwords:
        for line in (f"DB_PASSWORD={pw}\nDB_HOST=db", f"db:\n  password: {pw}\n  host: db"):
            if line.startswith("db:") and (pw[0] in "[]{},>|*&!%@#-?:" or ": " in pw or " #" in pw):
                continue  # (not a plain YAML scalar: YAML asks for quotes there)
            out = redact.redact({"config": line}).value["config"]
            if any(pw[i : i + 8] in out for i in range(len(pw) - 7)):
                missed.append(pw)
    assert len(missed) <= 0.04 * 2 * len(passwords), missed[:5]
    for line in (
        "password=getpass()", "token=get_token(cfg)", "secret=Fernet.generate_key()", "password=str(uuid4())",
        "auth=basic,digest", "access=read,write", "key_order=id,name,email", "auth=oauth2,saml,ldap",
        "token_types=access,refresh,id", "tokens=tokenize(line);", "password:str=Field(...)", "key=(a,b)",
    ):  # fmt: skip
        assert redact.scan({"line": line}) == [], line


def test_a_generated_password_of_many_symbols_is_read_whole_in_source_and_markup() -> None:
    """The same passwords quoted in the assignments of a dozen languages and in an XML
    element, where an unescaped ``>`` is text (``<password>f>{!FP...</password>``), are
    masked whole."""
    rng = random.Random(20261204)
    alphabet = string.ascii_letters + string.digits + "{}[]()<>$#-_!%^&*+=.,:;?@~|/"
    forms = (
        'password = "{}"', "apikey = '{}'", 'String secret = "{}";', "$db_password = '{}';",
        'const token = "{}";', "export API_KEY='{}'", "'password' => '{}',", 'connect(password="{}")',
        "<password>{}</password>", '<add key="ApiKey" value="{}" />',
    )  # fmt: skip
    missed, tried = [], 0
    for _ in range(200):
        pw = "".join(rng.choice(alphabet) for _ in range(rng.randint(14, 40)))
        for form in forms:
            quote = form[form.index("{}") - 1]
            if (quote in "'\"" and quote in pw) or ("<" in form and ("<" in pw or "&" in pw)):
                continue  # (a quote ends the literal; markup escapes < and &)
            tried += 1
            line = form.format(pw)
            out = redact.redact({"source": line}).value["source"]
            if any(pw[i : i + 8] in out for i in range(len(pw) - 7)):
                missed.append(line)
    assert tried > 1000 and missed == [], missed[:5]


def test_a_passphrase_of_words_with_blanks_under_a_passwords_name() -> None:
    """A diceware passphrase (words drawn at random, blanks between them) under a
    password's own name, the whole value or a quoted literal, is the password; a sentence
    or an instruction (function words, punctuation), a mask of one word repeated, sample
    words and the same words under another name or unquoted in text are not."""
    rng = random.Random(4242)
    vocabulary = [
        "orbit",
        "tiger",
        "lamp",
        "quilt",
        "maple",
        "cobalt",
        "ember",
        "Falcon",
        "sonar",
        "7",
        "51",
        "prism",
    ]
    for _ in range(40):
        phrase = " ".join(rng.sample(vocabulary, rng.randint(3, 6)))
        if sum(w.isalpha() for w in phrase.split()) < 3:
            continue
        for doc in ({"password": phrase}, {"db_passphrase": phrase}, {"log": f'password = "{phrase}"'}):
            assert phrase not in str(redact.redact(doc).value), doc
    for doc in (
        {"password": "see the vault"}, {"password": "not set yet"}, {"password": "Enter your password"},
        {"password": "foo bar baz"}, {"password": "xxx xxx xxx"}, {"pass": "forward backward update"},
        {"description": "orbit tiger lamp quilt"}, {"log": "password = orbit tiger lamp quilt"},
        {"log": 'help="the password to use"'},
    ):  # fmt: skip
        assert redact.scan(doc) == [], doc


def test_random_hex_is_judged_by_its_source_not_its_sample() -> None:
    """32 random hex digits hold 4 bits each, but a sample that short shows 3.6 on
    average and under 3.3 in 2% of draws: every such key under a vendor's name is still
    a key, as are random letters of one case with digits, while hex or letters that
    repeat a pattern are not."""
    from redact.detect.validators import generated_token, shannon_entropy

    rng = random.Random(20261203)
    low = []
    while len(low) < 20:
        value = "".join(rng.choice("0123456789abcdef") for _ in range(32))
        if shannon_entropy(value) < 3.3:
            low.append(value)
    for value in low:
        assert generated_token(value), value
        assert redact.scan({"acmeiot_key": value}) != [], value
        assert redact.scan({"acmeiot_key": value.upper()}) != [], value
    for value in ("deadbeef" * 4, "0123456789abcdef" * 2, "00000000000000000000000000000a1f", "ab12" * 8):
        assert not generated_token(value), value
        assert redact.scan({"acmeiot_key": value}) == [], value
    # letters of one case with digits: 16 random ones show 3.6 bits on average
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    low = []
    while len(low) < 10:
        value = "".join(rng.choice(alphabet) for _ in range(16))
        if shannon_entropy(value) < 3.3 and sum(ch.isdigit() for ch in value) >= 2 and value[0].isalpha():
            low.append(value)
    for value in low:
        assert redact.scan({"acmeiot_key": value}) != [], value
        assert redact.scan({"acmeiot_key": value.upper()}) != [], value
    for value in ("abc123abc123abc123", "test1234test1234", "2454393389657273841385582j"):
        assert not generated_token(value), value


def test_random_uuids_and_hex_are_keys_even_in_their_rarest_samples() -> None:
    """Of random version-4 UUIDs and 32-digit hex, the samples whose corrected figure is
    lowest (1 in 2,000 under 3.3 bits) are still keys under a vendor's name; dashed hex
    that repeats a pattern is not."""
    from redact.detect.validators import generated_token, random_bits

    rng = random.Random(20261205)
    low: list[str] = []
    while len(low) < 5:
        value = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if random_bits(value) < 3.3:
            low.append(value)
    for value in [*low, "478d0891-945d-4d7f-bb9d-4574498b5bbb"]:
        assert generated_token(value), value
        assert redact.scan({"config.postmark": value}) != [], value
    for value in ("deadbeef-dead-4eef-8ead-beefdeadbeef", "abcdefab-cdef-4abc-8def-abcdefabcdef"):
        assert not generated_token(value), value


def test_a_flag_s_value_may_open_with_a_dash():
    """A credential flag's value that opens with ``-`` (``--password -Xk9!pQ2zLm``, one in
    94 generated passwords of many symbols) is the credential when it cannot be another
    flag: it has a digit or a symbol and a password's or a token's shape; ``-v``,
    ``-DskipTests``, ``-Dport=5432`` and ``--verbose`` after a flag that may take no value
    are the next flags."""
    rng = random.Random(94)
    for _ in range(10):
        body = "".join(rng.choice(string.ascii_letters + string.digits + "!%^") for _ in range(11))
        value = "-" + rng.choice(string.ascii_uppercase) + str(rng.randrange(10)) + body
        for line in (
            f"--password {value}",
            f"--password={value}",
            f"train.py --db-password {value} --epochs 3",
            f"--api-key {value}",
        ):
            out = redact.redact({"cmd": line}).value["cmd"]
            assert value[1:] not in out, line
    for line in (
        "train.py --password -v",
        "mysql --password -h db.example.com",
        "mvn deploy --password -DskipTests",
        "java --password -Dport=5432",
        "tool --token --verbose",
        "java --password -Xmx4g",
        "mysql --password -Danalytics_prod",
    ):
        assert redact.scan({"cmd": line}) == [], line


def test_a_heredoc_opener_is_no_value_and_its_lines_are():
    """A here-document assigned to a credential's name: the opener (``<<EOT``) is read as
    what it is, the lines up to the delimiter as the value, in a key/value line too."""
    text = 'password = <<EOT\nFake-Pa55 line one\nline two Hd7q\nEOT\nuser = "bob"\nhost = "db"'
    out = redact.redact({"note": text}).value["note"]
    assert out.startswith("password = <<EOT\n") and out.endswith('\nEOT\nuser = "bob"\nhost = "db"')
    assert "Fake-Pa55" not in out and "Hd7q" not in out
