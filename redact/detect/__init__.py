"""Detection: the catalog, the prefilter, the engine and the named validators."""

from redact.detect import provider_checks as _provider_checks  # noqa: F401  (registers validators)
