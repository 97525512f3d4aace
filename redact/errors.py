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
