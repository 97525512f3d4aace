"""Test session set-up: the project fingerprint key lives in a temporary configuration
folder, never in the real home (subprocesses, such as the MLflow test server, inherit it)."""

from __future__ import annotations

import os
import tempfile

_CONFIG = tempfile.mkdtemp(prefix="redact-test-config-")
os.environ["XDG_CONFIG_HOME"] = _CONFIG
os.environ.pop("REDACT_FINGERPRINT_KEY", None)
