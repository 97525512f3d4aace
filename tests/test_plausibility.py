"""Values found by key context must look like credentials: placeholders, references and
fillers are recognised precisely, and a real password containing template characters is not
mistaken for a placeholder."""

from __future__ import annotations

import pytest

import redact
from redact.detect.validators import credential_like, is_placeholder


@pytest.mark.parametrize(
    "value",
    ["${DB_PASSWORD}", "${{ secrets.TOKEN }}", "{{ vault_pw }}", "{% raw %}", "<password>", "<your key>",
     "****", "sk-...", "sk-proj-xxxxxxxx", "ghp_xxxxxxxxxxxxxxxxxxxx", "xxxx", "XXXXXXXX", "changeme",
     "change_me", "your-api-key", "your_password_here", "YOUR_TOKEN_HERE", "[REDACTED]", "$TOKEN",
     "%(password)s", "1111111111111111", "aaaaaaaaaaaaaaaa", "abababababab", "****1234"],
)  # fmt: skip
def test_placeholders(value):
    """Templates, masks, stand-in words, redaction outputs and fillers are placeholders."""
    assert is_placeholder(value)


@pytest.mark.parametrize(
    "value",
    ["Fk{{9xQ2!mZ", "pre${fix}Tr0ub4dor#3", "hunter2!", "T0p$ecret!", "Xk9#mP2$vLq", "p@ss{%w0rd"],
)
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
