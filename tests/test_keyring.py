"""The keyring: key references in a policy, loading from environment variables and files,
errors that name the field and the variable or path but never the material, safe repr."""

from __future__ import annotations

import base64
import os
import pickle

import pytest
from pydantic import ValidationError

from redact.actions import EncryptKeys, KeyRef, Keyring, KeyringConfig, generate_key
from redact.errors import DecryptError, KeyringError, PolicyError

SOURCE = "policies/team.yaml"


def _b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def _material_forms(key: bytes) -> list[str]:
    """Every way key bytes could show up in text."""
    return [
        _b64(key),
        _b64(key).rstrip("="),
        base64.urlsafe_b64encode(key).decode().rstrip("="),
        key.hex(),
        repr(key),
    ]


def _config(**data: object) -> KeyringConfig:
    return KeyringConfig.model_validate(data)


# --- configuration models -------------------------------------------------------------


def test_keyref_needs_exactly_one_source():
    """A KeyRef names an environment variable or a file, not both and not neither."""
    assert KeyRef(env="X").env == "X"
    assert KeyRef(file="k.b64").file == "k.b64"
    with pytest.raises(ValidationError, match="exactly one"):
        KeyRef()
    with pytest.raises(ValidationError, match="exactly one"):
        KeyRef(env="X", file="k.b64")


def test_config_models_reject_unknown_fields():
    """Typos in the keyring section (extra fields) are validation errors, at every level."""
    with pytest.raises(ValidationError, match="extra"):
        KeyRef.model_validate({"env": "X", "value": "c2VjcmV0"})
    with pytest.raises(ValidationError, match="extra"):
        _config(tokenise={"env": "X"})
    with pytest.raises(ValidationError, match="extra"):
        _config(encrypt={"active": "k1", "keys": {"k1": {"env": "X"}}, "rotate": True})


def test_encrypt_keys_active_must_be_a_known_id():
    """``active`` must be one of ``keys``; the message lists the known ids."""
    with pytest.raises(ValidationError, match=r"active key 'k3' is not one of the keys \(k1, k2\)"):
        EncryptKeys.model_validate({"active": "k3", "keys": {"k1": {"env": "A"}, "k2": {"env": "B"}}})


@pytest.mark.parametrize("kid", ["", "has space", "a:b", "x" * 33, "ключ"])
def test_encrypt_key_ids_are_restricted(kid):
    """Key ids match ^[A-Za-z0-9_-]{1,32}$ (they appear inside enc:v2:<kid>: tokens)."""
    with pytest.raises(ValidationError):
        EncryptKeys.model_validate({"active": kid, "keys": {kid: {"env": "A"}}})


def test_encrypt_keys_need_at_least_one_key():
    """An encrypt section without keys is rejected."""
    with pytest.raises(ValidationError):
        EncryptKeys.model_validate({"active": "k1", "keys": {}})


# --- loading ----------------------------------------------------------------------------


def test_load_from_env_and_file(tmp_path, monkeypatch):
    """Keys load from an env var and from a file relative to base_dir; standard and
    URL-safe base64, with or without padding and surrounding whitespace, all decode."""
    tok, k1, k2 = os.urandom(32), os.urandom(64), os.urandom(32)
    monkeypatch.setenv("REDACT_TEST_TOK", base64.urlsafe_b64encode(tok).decode().rstrip("="))
    monkeypatch.setenv("REDACT_TEST_K1", "  " + _b64(k1) + "\n")
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "k2.b64").write_text(_b64(k2) + "\n")
    config = _config(
        tokenize={"env": "REDACT_TEST_TOK"},
        encrypt={"active": "k2", "keys": {"k1": {"env": "REDACT_TEST_K1"}, "k2": {"file": "keys/k2.b64"}}},
    )
    ring = Keyring.load(config, source=SOURCE, base_dir=tmp_path)
    assert ring.tokenize_key == tok
    assert ring.active_kid == "k2"
    assert ring.key_ids == ("k1", "k2")
    assert ring.encrypt_key("k1") == k1
    assert ring.encrypt_key("k2") == k2


def test_absolute_file_path_ignores_base_dir(tmp_path):
    """An absolute ``file`` path is used as is, whatever base_dir says."""
    key = os.urandom(48)
    path = tmp_path / "k.b64"
    path.write_text(_b64(key))
    config = _config(encrypt={"active": "k", "keys": {"k": {"file": str(path)}}})
    assert Keyring.load(config, base_dir=tmp_path / "elsewhere").encrypt_key("k") == key


def test_load_none_gives_an_empty_keyring():
    """A policy without a keyring section loads to a keyring with no keys."""
    ring = Keyring.load(None)
    assert ring.tokenize_key is None
    assert ring.active_kid is None
    assert ring.key_ids == ()


def test_missing_env_var_names_source_field_and_variable(monkeypatch):
    """An unset variable fails the load, naming the policy, the field and the variable."""
    monkeypatch.setenv("REDACT_TEST_K1", _b64(os.urandom(64)))
    monkeypatch.delenv("REDACT_TEST_K2_MISSING", raising=False)
    config = _config(
        encrypt={
            "active": "k1",
            "keys": {"k1": {"env": "REDACT_TEST_K1"}, "k2": {"env": "REDACT_TEST_K2_MISSING"}},
        }
    )
    with pytest.raises(KeyringError) as info:
        Keyring.load(config, source=SOURCE)
    msg = str(info.value)
    assert msg.startswith(f"{SOURCE}: field 'keyring.encrypt.keys.k2'")
    assert "environment variable 'REDACT_TEST_K2_MISSING' is not set" in msg
    assert isinstance(info.value, PolicyError)


def test_empty_env_var_is_an_error(monkeypatch):
    """A variable set to blanks is reported as empty, with the field and variable."""
    monkeypatch.setenv("REDACT_TEST_TOK", "  \n")
    with pytest.raises(KeyringError, match=r"'keyring.tokenize'.*'REDACT_TEST_TOK' is empty"):
        Keyring.load(_config(tokenize={"env": "REDACT_TEST_TOK"}), source=SOURCE)


def test_unreadable_file_names_field_and_path(tmp_path):
    """A missing key file fails the load, naming the field and the resolved path."""
    config = _config(tokenize={"file": "nope/tok.b64"})
    with pytest.raises(KeyringError) as info:
        Keyring.load(config, source=SOURCE, base_dir=tmp_path)
    msg = str(info.value)
    assert f"{SOURCE}: field 'keyring.tokenize'" in msg
    assert f"cannot read file {tmp_path / 'nope' / 'tok.b64'}" in msg


def test_directory_instead_of_file_is_unreadable(tmp_path):
    """A path that is a directory is reported as unreadable, naming the path."""
    config = _config(encrypt={"active": "k1", "keys": {"k1": {"file": str(tmp_path)}}})
    with pytest.raises(KeyringError, match=rf"'keyring.encrypt.keys.k1': cannot read file {tmp_path}"):
        Keyring.load(config, source=SOURCE)


@pytest.mark.parametrize("size", [16, 31, 33, 63, 65, 128])
def test_wrong_length_encrypt_key_names_field_and_variable(monkeypatch, size):
    """AES-SIV keys must be 32, 48 or 64 bytes; the error names field, variable and size,
    never the key."""
    key = os.urandom(size)
    monkeypatch.setenv("REDACT_TEST_K1", _b64(key))
    config = _config(encrypt={"active": "k1", "keys": {"k1": {"env": "REDACT_TEST_K1"}}})
    with pytest.raises(KeyringError) as info:
        Keyring.load(config, source=SOURCE)
    msg = str(info.value)
    assert "field 'keyring.encrypt.keys.k1'" in msg
    assert "environment variable 'REDACT_TEST_K1'" in msg
    assert f"decodes to {size} bytes" in msg and "32, 48 or 64" in msg
    assert not any(form in msg for form in _material_forms(key))


def test_short_tokenize_key_in_file_names_field_and_path(tmp_path):
    """HMAC keys must be at least 16 bytes; the error names field and file, not the key."""
    key = os.urandom(8)
    (tmp_path / "tok.b64").write_text(_b64(key))
    config = _config(tokenize={"file": "tok.b64"})
    with pytest.raises(KeyringError) as info:
        Keyring.load(config, source=SOURCE, base_dir=tmp_path)
    msg = str(info.value)
    assert "field 'keyring.tokenize'" in msg and str(tmp_path / "tok.b64") in msg
    assert "decodes to 8 bytes" in msg and "at least 16" in msg
    assert not any(form in msg for form in _material_forms(key))


@pytest.mark.parametrize("text", ["not base64 at all!", "abcde", "é" * 40, "c2VjcmV0$$"])
def test_malformed_key_text_is_reported_without_echoing_it(monkeypatch, text):
    """Text that is not base64 fails with the field and variable, never the text."""
    monkeypatch.setenv("REDACT_TEST_TOK", text)
    with pytest.raises(KeyringError) as info:
        Keyring.load(_config(tokenize={"env": "REDACT_TEST_TOK"}), source=SOURCE)
    msg = str(info.value)
    assert "'keyring.tokenize'" in msg and "'REDACT_TEST_TOK'" in msg and "not valid base64" in msg
    assert text not in msg


def test_binary_key_file_is_rejected(tmp_path):
    """A file of raw bytes (not base64 text) is rejected, naming the path."""
    (tmp_path / "raw.key").write_bytes(b"\xff\xfe" + os.urandom(62))
    config = _config(encrypt={"active": "k1", "keys": {"k1": {"file": "raw.key"}}})
    with pytest.raises(KeyringError, match="does not hold base64 text"):
        Keyring.load(config, base_dir=tmp_path)


# --- the Keyring object -----------------------------------------------------------------


def test_repr_lists_ids_and_sizes_only(monkeypatch):
    """repr/str of a keyring show key ids, sizes and the active id, never key material."""
    tok, k1, k2 = os.urandom(32), os.urandom(64), os.urandom(32)
    ring = Keyring(tokenize_key=tok, encrypt_keys={"k1": k1, "k2": k2}, active_kid="k2")
    text = repr(ring) + str(ring) + f"{ring!r}"
    assert (
        repr(ring)
        == "Keyring(tokenize=<32 bytes>, encrypt={'k1': <64 bytes>, 'k2': <32 bytes>}, active='k2')"
    )
    for key in (tok, k1, k2):
        assert not any(form in text for form in _material_forms(key))


def test_unknown_key_id_raises_decrypt_error_naming_it():
    """encrypt_key of an id the keyring lacks raises DecryptError naming the id."""
    ring = Keyring(encrypt_keys={"k1": os.urandom(64)})
    with pytest.raises(DecryptError, match=r"unknown encryption key id 'k9' \(keyring has: k1\)") as info:
        ring.encrypt_key("k9")
    assert info.value.key_id == "k9"


def test_direct_construction_validates_sizes_and_active():
    """Building a Keyring from bytes applies the same size rules; one key is active alone."""
    with pytest.raises(KeyringError, match="decodes to 20 bytes"):
        Keyring(encrypt_keys={"k1": os.urandom(20)})
    with pytest.raises(KeyringError, match="at least 16"):
        Keyring(tokenize_key=b"short")
    with pytest.raises(KeyringError, match="'k2' is not one of the keys"):
        Keyring(encrypt_keys={"k1": os.urandom(32)}, active_kid="k2")
    with pytest.raises(KeyringError, match="must match"):
        Keyring(encrypt_keys={"bad id": os.urandom(32)})
    assert Keyring(encrypt_keys={"only": os.urandom(32)}).active_kid == "only"
    assert Keyring(encrypt_keys={"a": os.urandom(32), "b": os.urandom(32)}).active_kid is None


def test_keyring_errors_pickle_with_their_attributes():
    """DecryptError keeps key_id and pointer across pickling (process pools)."""
    err = DecryptError("cannot decrypt", key_id="k1", pointer="/a/b")
    back = pickle.loads(pickle.dumps(err))
    assert (str(back), back.key_id, back.pointer) == ("cannot decrypt", "k1", "/a/b")


# --- key generation ---------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "size"), [("encrypt", 64), ("tokenize", 32)])
def test_generate_key_gives_fresh_loadable_keys(monkeypatch, kind, size):
    """generate_key returns standard base64 of a fresh key of the right size, which the
    keyring loads as is."""
    first, second = generate_key(kind), generate_key(kind)
    assert first != second
    assert len(base64.b64decode(first, validate=True)) == size
    monkeypatch.setenv("REDACT_TEST_GEN", first)
    if kind == "encrypt":
        config = _config(encrypt={"active": "g", "keys": {"g": {"env": "REDACT_TEST_GEN"}}})
        assert len(Keyring.load(config).encrypt_key("g")) == size
    else:
        assert Keyring.load(_config(tokenize={"env": "REDACT_TEST_GEN"})).tokenize_key is not None


def test_generate_key_rejects_unknown_kinds():
    """Only 'encrypt' and 'tokenize' keys exist."""
    with pytest.raises(ValueError, match="unknown key kind"):
        generate_key("fingerprint")  # type: ignore[arg-type]
