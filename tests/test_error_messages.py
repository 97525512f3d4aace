"""Credentials quoted in validators' error messages: each message is produced by the real
library (click, argparse, jsonschema, OmegaConf, attrs, pytest), so a change of its format
shows here, and no copy of the value may stay readable after redaction."""

from __future__ import annotations

import argparse
import contextlib
import io
import secrets
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import attrs
import click
import jsonschema
import pytest
from click.testing import CliRunner
from omegaconf import OmegaConf

import redact


def _password() -> str:
    return "Fk" + secrets.token_urlsafe(12) + "!7"  # generated for the test


def _token() -> str:
    return secrets.token_hex(4) + "Zq" + secrets.token_urlsafe(16)


def _readable(message: str, value: str) -> bool:
    return value in redact.redact({"error": message}).value["error"]


def test_click_and_argparse_name_the_option_and_quote_the_value() -> None:
    token, password = _token(), _password()

    @click.command()
    @click.option("-k", "--api-key", type=click.Choice(["a", "b"]))
    def cli(api_key: str) -> None:  # pragma: no cover - refused before it runs
        pass

    out = CliRunner().invoke(cli, ["--api-key", token]).output
    assert token in out and not _readable(out, token)

    parser = argparse.ArgumentParser(prog="train")
    parser.add_argument("-p", "--db-password", type=int)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), pytest.raises(SystemExit):
        parser.parse_args(["--db-password", password])
    assert password in err.getvalue() and not _readable(err.getvalue(), password)


def test_config_validators_quote_the_value_and_name_the_key() -> None:
    password, token = _password(), _token()
    with pytest.raises(jsonschema.ValidationError) as schema_error:
        jsonschema.validate(
            {"db": {"password": password}},
            {"properties": {"db": {"properties": {"password": {"type": "string", "minLength": 64}}}}},
        )
    message = str(schema_error.value)
    assert message.count(password) == 2 and not _readable(message, password)  # (the first line too)

    @dataclass
    class DB:
        password: int = 0

    cfg = OmegaConf.structured(DB)
    with pytest.raises(Exception) as omega_error:
        cfg.password = password
    assert password in str(omega_error.value) and not _readable(str(omega_error.value), password)

    @attrs.define
    class Client:
        token: int = attrs.field(validator=attrs.validators.instance_of(int))

    with pytest.raises(TypeError) as attrs_error:
        Client(token)  # type: ignore[arg-type]
    assert token in str(attrs_error.value) and not _readable(str(attrs_error.value), token)


def test_pytests_explanation_of_an_attribute(tmp_path: Path) -> None:
    token = _token()
    (tmp_path / "test_settings.py").write_text(
        textwrap.dedent(
            f"""
            class Settings:
                api_key = {token!r}

            def test_prefix():
                settings = Settings()
                assert settings.api_key.startswith("sk-")
            """
        )
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1 and f"where {token!r} = " in run.stdout
    assert not _readable(run.stdout, token)


@pytest.mark.parametrize(
    "message",
    [
        "Error: Invalid value for '--epochs': {v} is not a valid integer.",
        "Error: Invalid value for '--max-tokens': {v} is not a valid integer.",
        "train: error: argument --run-name: invalid choice: {v} (choose from 'a')",
        "ValidationError: Value {v} of type 'str' could not be converted to Integer\n    full_key: trainer.seed",
        "E   +  where {v} = <app.Run object at 0x7f62>.run_name",
    ],
)
def test_a_parameter_that_names_no_credential_keeps_its_value(message: str) -> None:
    """The same messages about a setting or a run's name: the value stays (a run name may
    be any generated string)."""
    value = repr(_token())
    text = message.format(v=value)
    assert redact.scan({"error": text}) == []
