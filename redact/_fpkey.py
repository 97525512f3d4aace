"""The project fingerprint key: every fingerprint redact writes is an HMAC under a secret.

Without a key, a fingerprint of a low-entropy value (an SSN, a card number with a known
issuer, a phone number) could be checked against guesses. So when a policy names no key
(``fingerprint.key_env`` / ``fingerprint.key_file``), the project key is used:

1. the environment variable ``REDACT_FINGERPRINT_KEY`` (any text; CI secrets go here), else
2. the file ``fingerprint.key`` in the user's configuration folder
   (``${XDG_CONFIG_HOME:-~/.config}/redact/`` on Linux; ``platformdirs.user_config_dir``
   elsewhere), created on first use with 32 random bytes (base64url text), mode 0600 in a
   0700 folder. It is never created inside a scanned tree.

When neither can be read nor created (a read-only home), the process uses a random key of
its own: fingerprints stay keyed, but are not comparable across processes, and
``redact baseline`` refuses to write a baseline with it.

A key is named by its *id*, a short hash of the key (never the key): baselines and fix
journals record it, so a scan with another key is a clear error instead of every finding
looking new.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ENV", "FingerprintKey", "default_key", "key_file_path", "key_id", "is_ephemeral", "reset"]

ENV = "REDACT_FINGERPRINT_KEY"
_FILE = "fingerprint.key"
_lock = threading.Lock()
_cache: dict[tuple[str | None, str], FingerprintKey] = {}
_ephemeral: FingerprintKey | None = None


@dataclass(frozen=True, slots=True, repr=False)
class FingerprintKey:
    """Key bytes, where they came from (``env``, ``file``, ``policy``, ``ephemeral``) and
    the key id. ``repr`` shows the id and origin only."""

    key: bytes
    origin: str
    where: str

    @property
    def id(self) -> str:
        return key_id(self.key)

    def __repr__(self) -> str:
        return f"FingerprintKey(id={self.id!r}, origin={self.origin!r}, where={self.where!r})"


def key_id(key: bytes) -> str:
    """A short public name of ``key``: 16 hex digits of a domain-separated SHA-256. The
    key is 32 random bytes (or a secret of the user's), so the id reveals nothing of it."""
    return hashlib.sha256(b"redact.fingerprint-key-id.v1\0" + key).hexdigest()[:16]


def key_file_path() -> Path:
    """Where the project key file lives (the user's configuration folder)."""
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg and os.name == "posix":
        return Path(xdg) / "redact" / _FILE
    try:
        import platformdirs

        return Path(platformdirs.user_config_dir("redact", appauthor=False)) / _FILE
    except ImportError:  # pragma: no cover - platformdirs is a dependency
        return Path.home() / ".config" / "redact" / _FILE


def _read_or_create(path: Path) -> bytes:
    """The key text in ``path``, creating it (0600 in a 0700 folder) when missing. Two
    processes creating it at once agree: the file appears whole (link of a fsynced temp
    file) and the loser reads the winner's key."""
    try:
        text = path.read_bytes().strip()
        if text:
            return text
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fresh = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=")
    tmp = path.with_name(f".{_FILE}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, fresh + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()
    text = path.read_bytes().strip()
    if not text:
        raise OSError(f"{path} is empty")
    return text


def default_key() -> FingerprintKey:
    """The project key (see the module documentation); cached per process."""
    global _ephemeral
    env = os.environ.get(ENV)
    if env is not None and env.strip():
        return FingerprintKey(env.strip().encode("utf-8"), "env", f"environment variable {ENV}")
    path = key_file_path()
    cache_key = (None, str(path))
    found = _cache.get(cache_key)
    if found is not None:
        return found
    with _lock:
        found = _cache.get(cache_key)
        if found is not None:
            return found
        try:
            found = FingerprintKey(_read_or_create(path), "file", f"file {path}")
        except OSError:
            if _ephemeral is None:
                _ephemeral = FingerprintKey(secrets.token_bytes(32), "ephemeral", "this process only")
            return _ephemeral
        _cache[cache_key] = found
        return found


def is_ephemeral(kid: str) -> bool:
    """Whether ``kid`` names this process's own random key (not reproducible elsewhere)."""
    return _ephemeral is not None and _ephemeral.id == kid


def reset() -> None:
    """Forget cached keys (tests that change ``XDG_CONFIG_HOME`` or the key file)."""
    with _lock:
        _cache.clear()
