"""One exception tree for redact.

Messages name the file, line, detector id and field where they apply, and never
contain a scanned value or key material.
"""

from __future__ import annotations

__all__ = [
    "RedactError",
    "CatalogError",
    "PolicyError",
    "ScanError",
    "CycleError",
    "NestingError",
    "InputError",
    "NERUnavailable",
]


class RedactError(Exception):
    """Base class of every error raised by redact."""


class CatalogError(RedactError):
    """A detector definition is malformed (names file, line, detector id and field)."""


class PolicyError(RedactError):
    """A policy file is malformed (names file, line and field)."""


class ScanError(RedactError):
    """A value could not be walked."""


class CycleError(ScanError):
    """A container holds itself, directly or through its children."""


class NestingError(ScanError):
    """A value is nested deeper than the configured limit."""


class InputError(RedactError):
    """An input file could not be read or parsed (names file and line)."""


class NERUnavailable(RedactError):
    """Named-entity recognition was asked for, but no spaCy model is installed."""


# Redaction actions (redact.actions). Appended; the list above is extended here.
__all__ += ["Blocked", "DecryptError", "KeyringError"]


class Blocked(RedactError):
    """A field holds a finding whose action is ``block``.

    Carries ``pointer``, ``category`` and ``detector``; never the value.
    """

    def __init__(self, pointer: str, category: str, detector: str, message: str | None = None) -> None:
        self.pointer = pointer
        self.category = category
        self.detector = detector
        super().__init__(
            message or f"blocked: {category} found by detector {detector!r} at pointer {pointer!r}"
        )

    def __reduce__(self) -> tuple[type[Blocked], tuple[str, str, str, str]]:
        return (type(self), (self.pointer, self.category, self.detector, str(self)))


class DecryptError(RedactError):
    """An ``enc:`` token cannot be decrypted: unknown key id, tampered, truncated or
    extended, moved to another field or place, the text around it changed, or encrypted
    under another key. Names the key id and pointer, never plaintext
    or key bytes."""

    def __init__(self, message: str, *, key_id: str | None = None, pointer: str | None = None) -> None:
        self.key_id = key_id
        self.pointer = pointer
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_decrypt_error, (type(self), str(self), self.key_id, self.pointer))


def _rebuild_decrypt_error(
    cls: type[DecryptError], message: str, key_id: str | None, pointer: str | None
) -> DecryptError:
    return cls(message, key_id=key_id, pointer=pointer)


class KeyringError(PolicyError):
    """A key named by the policy's keyring is missing or malformed, or an action needs a key
    the keyring lacks. Names the policy source, the field and the environment variable or
    file, never the key material."""


# Lineage gate at model registration (redact.integrations.mlflow). Appended.
__all__ += ["LineageGateError"]


class LineageGateError(RedactError):
    """A model version was not registered: required provenance fields of the policy's
    ``required`` list are missing or malformed on its source run (or there is no run to
    check). ``problems`` lists them as ``key (description): problem``, never values."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)

    def __reduce__(self) -> tuple[object, ...]:
        return (type(self), (str(self), self.problems))
