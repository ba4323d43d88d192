"""Keys: the master key that lives outside the database, and keys derived from it.

The master key comes from ``PORTAL_MASTER_KEY`` (or ``PORTAL_MASTER_KEY_FILE``);
when neither is set, a key file is created in the data folder on first start,
readable by its owner only. Every other secret (CSRF tokens now, blind indexes
and wrapped data keys later) is derived from it for one purpose, so a leak of
one derived key tells nothing about another.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)

KEY_BYTES = 32
KEY_FILE_NAME = "master.key"


class MasterKeyError(ValueError):
    """The master key is missing, unreadable or malformed."""


def decode_key(text: str) -> bytes:
    """Decode a base64 master key and check its length."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError("the master key is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(f"the master key must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def load_or_create_master_key(data_dir: Path, configured: str | None = None) -> bytes:
    """The master key: the configured one, else the data folder's key file (made if absent)."""
    if configured:
        return decode_key(configured)
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            log.warning(
                "master key file %s is readable by others (mode %o); run: chmod 600 %s", path, mode, path
            )
        return decode_key(path.read_text(encoding="ascii"))
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(KEY_BYTES)
    # O_EXCL: two processes starting together cannot both write a key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return decode_key(path.read_text(encoding="ascii"))
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
    log.warning(
        "created a new master key file %s (mode 600). Keep a copy apart from database backups: "
        "without it the encrypted data cannot be read.",
        path,
    )
    return key


def derive_key(master_key: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    """A key for one purpose only, derived from the master key with HKDF-SHA256."""
    return HKDF(
        algorithm=hashes.SHA256(), length=length, salt=None, info=f"portal/{purpose}".encode()
    ).derive(master_key)
