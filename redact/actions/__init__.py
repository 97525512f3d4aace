"""Redaction actions: one small class each, parameters validated when the policy loads.

``ACTIONS`` maps names to classes, :func:`params_model` gives the pydantic model a policy
validates an action's parameters with, and :func:`build_action` binds an action to its
validated parameters and the keys it needs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from redact.actions.allow import Allow
from redact.actions.base import Action, ActionParams, NoParams, Span
from redact.actions.block import Block
from redact.actions.drop import Drop
from redact.actions.encrypt import (
    Encrypt,
    EncryptParams,
    decrypt_text,
    decrypt_token,
    decrypt_tree,
    is_token,
)
from redact.actions.keyring import EncryptKeys, KeyRef, Keyring, KeyringConfig, generate_key
from redact.actions.mask import Mask, MaskParams
from redact.actions.tokenize import Tokenize, TokenizeParams
from redact.errors import PolicyError

__all__ = [
    "ACTIONS",
    "Action",
    "ActionParams",
    "Allow",
    "Block",
    "Drop",
    "Encrypt",
    "EncryptKeys",
    "EncryptParams",
    "KeyRef",
    "Keyring",
    "KeyringConfig",
    "Mask",
    "MaskParams",
    "NoParams",
    "Span",
    "Tokenize",
    "TokenizeParams",
    "build_action",
    "decrypt_text",
    "decrypt_token",
    "decrypt_tree",
    "generate_key",
    "is_redacted",
    "is_token",
    "params_model",
]

ACTIONS: dict[str, type[Action]] = {cls.name: cls for cls in (Mask, Tokenize, Encrypt, Drop, Block, Allow)}


_REDACTED = re.compile(
    r"enc:v2:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]{22,}~"  # encrypt
    r"|enc:v1:[A-Za-z0-9_-]{1,32}:[A-Za-z0-9_-]{22,}"  # encrypt, earlier versions
    r"|tok:[^:\s]+:[0-9a-f]{16,64}"  # tokenize
    r"|\[REDACTED:[^\]\s]*\]"  # mask, labelled placeholder
    r"|\*{4}"  # mask, credential
)


def is_redacted(text: str) -> bool:
    """Whether ``text`` is exactly an output of encrypt, tokenize or a mask placeholder, so a
    Redactor running over already-redacted data can leave it alone (the scanner reports
    ``enc:``/``tok:`` values under credential keys and in connection strings)."""
    return _REDACTED.fullmatch(text) is not None


def _unknown(name: object) -> str:
    return f"unknown action {name!r}; known actions: {', '.join(ACTIONS)}"


def params_model(name: str) -> type[ActionParams]:
    """The pydantic model of ``name``'s parameters; ValueError listing the known actions
    when there is no such action (so it reads as a validation error inside a policy)."""
    try:
        return ACTIONS[name].params_model
    except (KeyError, TypeError):
        raise ValueError(_unknown(name)) from None


def build_action(name: str, params: Mapping[str, Any] | ActionParams | None, keyring: Keyring) -> Action:
    """Validate ``params`` for action ``name`` and bind the keys it needs from ``keyring``.

    Raises PolicyError for an unknown action or invalid parameters (the pydantic
    ValidationError is the ``__cause__``), KeyringError when the action needs a key the
    keyring lacks.
    """
    cls = ACTIONS.get(name)
    if cls is None:
        raise PolicyError(_unknown(name))
    model = cls.params_model
    if params is None:
        params = {}
    if isinstance(params, ActionParams):
        if not isinstance(params, model):
            raise PolicyError(
                f"action {name!r} takes {model.__name__} parameters, not {type(params).__name__}"
            )
        validated = params
    else:
        try:
            validated = model.model_validate(dict(params))
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'params'}: "
                f"{'unknown parameter' if err['type'] == 'extra_forbidden' else err['msg']}"
                for err in exc.errors()
            )
            raise PolicyError(f"action {name!r}: invalid parameters: {problems}") from exc
    return cls.bind(validated, keyring)
