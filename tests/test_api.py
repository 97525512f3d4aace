"""The public API surface is explicit and pinned."""

import redact


def test_all_is_pinned():
    """Changing the public API is a deliberate act: __all__ is pinned here."""
    assert sorted(redact.__all__) == sorted(
        [
            "Finding",
            "Policy",
            "RedactError",
            "Scanner",
            "DetectorSpec",
            "build_scanner",
            "load_catalog",
            "load_policy",
            "scan",
            "__version__",
        ]
    )
    for name in redact.__all__:
        assert hasattr(redact, name)
