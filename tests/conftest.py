"""Test session set-up: the project fingerprint key lives in a temporary configuration
folder, never in the real home (subprocesses, such as the MLflow test server, inherit it);
the compiled catalog is cached in the checkout's .pytest_cache, not in the home's cache;
third-party libraries the tests drive send no telemetry (there is no network here)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

_CONFIG = tempfile.mkdtemp(prefix="redact-test-config-")
atexit.register(shutil.rmtree, _CONFIG, True)  # (the session's key goes with it)
os.environ["XDG_CONFIG_HOME"] = _CONFIG
os.environ.pop("REDACT_FINGERPRINT_KEY", None)
# (kept between sessions: a later session, and every subprocess, loads what one compiled)
os.environ["REDACT_CACHE_DIR"] = str(Path(__file__).resolve().parents[1] / ".pytest_cache" / "redact-build")
# Comet and W&B report their own errors to Sentry, MLflow sends usage telemetry, unless
# these are off (the trackers themselves run offline or on loopback in the tests).
os.environ["COMET_ERROR_TRACKING_ENABLE"] = "false"
os.environ["WANDB_ERROR_REPORTING"] = "false"
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
os.environ["DO_NOT_TRACK"] = "true"
