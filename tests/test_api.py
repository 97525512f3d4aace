"""The public API surface is explicit and pinned."""

import redact

PUBLIC = [
    "Decision", "DetectorSpec", "Finding", "GateProblem", "Policy", "RedactError", "RedactResult",
    "Redactor", "Scanner", "__version__", "build_scanner", "check_required", "decrypt",
    "load_catalog", "load_policy", "redact", "scan",
]  # fmt: skip


def test_all_is_pinned():
    """Changing the public API is a deliberate act: __all__ is pinned here."""
    assert sorted(redact.__all__) == sorted(PUBLIC)
    for name in redact.__all__:
        assert hasattr(redact, name)
