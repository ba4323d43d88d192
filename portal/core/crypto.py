"""Envelope encryption: the master key, data keys wrapped by it, sealed values, blind indexes.

The master key comes from ``PORTAL_MASTER_KEY`` (or ``PORTAL_MASTER_KEY_FILE``);
when neither is set, a key file is created in the data folder on first start,
readable by its owner only. It never reaches the database. It wraps data keys
(one per subject, plus the system's index key), which seal values with
AES-256-GCM bound to their place (table, column, row, subject). Rotating the
master key re-wraps data keys only; destroying a subject's data keys makes their
values unreadable everywhere. This module is pure computation; ``portal.core.keys``
stores the wrapped keys.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import json
import logging
import os
import secrets
import shlex
import stat
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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
    """The master key: the configured one, else the data folder's key file (made if absent).

    A key file other users may read is only warned about here; ``portal serve`` refuses
    to start with one (``open_to_others``)."""
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
    make_private_folder(data_dir)
    key = secrets.token_bytes(KEY_BYTES)
    # O_EXCL: two processes starting together cannot both write a key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return decode_key(path.read_text(encoding="ascii"))
    os.fchmod(fd, PRIVATE_FILE_MODE)  # the umask may have taken the owner's bits too
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
    log.warning(
        "created a new master key file %s (mode 600). Keep a copy apart from database backups: "
        "without it the encrypted data cannot be read.",
        path,
    )
    return key


# ------------------------------------------------------------------------- the data folder, its owner's only

# Whatever the umask: the data folder holds the key, the database and the outbox.
PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def make_private_folder(path: Path) -> None:
    """Make the folder ``path`` if it is missing, mode 700 whatever the umask (its missing
    parents are made as usual). A folder that exists is left as it is."""
    if path.is_dir():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=PRIVATE_FOLDER_MODE)
    except FileExistsError:
        return  # made a moment ago by another process
    # mkdir's mode is masked by the umask, which may also have taken the owner's bits.
    os.chmod(path, PRIVATE_FOLDER_MODE)


def make_private_file(path: Path) -> None:
    """Make the empty file ``path`` if it is missing, mode 600 whatever the umask.

    SQLite makes its ``-wal`` and ``-shm`` files with the database file's mode, so a
    database file made here first keeps them private too."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    except FileExistsError:
        return
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Exposed:
    """A file or folder of the portal that other users may read, write or enter."""

    path: Path
    mode: int
    folder: bool

    @property
    def wanted(self) -> int:
        return PRIVATE_FOLDER_MODE if self.folder else PRIVATE_FILE_MODE


def open_to_others(paths: Iterable[Path]) -> list[Exposed]:
    """Those of ``paths`` that exist and give group or others any right (missing ones are skipped)."""
    exposed = []
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            continue
        mode = stat.S_IMODE(status.st_mode)
        if mode & 0o077:
            exposed.append(Exposed(path, mode, stat.S_ISDIR(status.st_mode)))
    return exposed


def exposed_message(exposed: Sequence[Exposed]) -> str:
    """One line: what other users may reach, and the exact command that closes it."""
    names = ", ".join(f"{item.path} (mode {item.mode:o})" for item in exposed)
    commands = []
    for wanted in (PRIVATE_FOLDER_MODE, PRIVATE_FILE_MODE):
        paths = [shlex.quote(str(item.path)) for item in exposed if item.wanted == wanted]
        if paths:
            commands.append(f"chmod {wanted:o} " + " ".join(paths))
    return f"other users may read or change {names}; run: " + " && ".join(commands)


@functools.lru_cache(maxsize=64)
def derive_key(key: bytes, purpose: str, length: int = KEY_BYTES) -> bytes:
    """A key for one purpose only, derived from ``key`` with HKDF-SHA256.

    Only ever called with long-lived keys (the master key, the index key) and a few
    fixed purposes, so the results are kept: a page may need them hundreds of times."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"portal/{purpose}".encode())
    return hkdf.derive(key)


# --------------------------------------------------------------------------- master key id and wrapping

NONCE_BYTES = 12
KEY_ID_BYTES = 16
SEALED_VERSION = 1
_HEADER = 1 + KEY_ID_BYTES + NONCE_BYTES


class SealedValueError(ValueError):
    """A sealed value cannot be opened: altered, moved to another place, or its key is gone."""


class KeyDestroyedError(SealedValueError):
    """The data key a value names no longer exists: its owner's data was erased."""


def master_key_id(master_key: bytes) -> str:
    """A short public name for a master key, stored beside each key it wraps."""
    return hashlib.sha256(b"portal/master-key-id\x00" + master_key).hexdigest()[:16]


@functools.lru_cache(maxsize=4)
def _key_encryption_key(master_key: bytes) -> AESGCM:
    """The key that wraps data keys, derived once per master key (a page may unwrap hundreds)."""
    return AESGCM(derive_key(master_key, "wrap-data-keys"))


def wrap_key(master_key: bytes, key_id: str, data_key: bytes) -> bytes:
    """Encrypt a data key with the master key; the key id is bound as associated data."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    kek = _key_encryption_key(master_key)
    return nonce + kek.encrypt(nonce, data_key, f"portal/data-key/{key_id}".encode())


def unwrap_key(master_key: bytes, key_id: str, wrapped: bytes) -> bytes:
    kek = _key_encryption_key(master_key)
    try:
        return kek.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], f"portal/data-key/{key_id}".encode())
    except InvalidTag:
        raise MasterKeyError(f"data key {key_id} does not open with this master key") from None


# --------------------------------------------------------------------------- sealed values


@dataclass(frozen=True)
class Place:
    """Where a sealed value lives. It is the associated data: a value copied to
    another table, column, row or subject does not open there."""

    table: str
    column: str
    row: str
    subject: str

    def associated_data(self) -> bytes:
        parts = (self.table, self.column, str(self.row), self.subject)
        if any("\x00" in part for part in parts):
            raise ValueError("a place cannot contain NUL")
        return b"portal/v1\x00" + "\x00".join(parts).encode()


def seal(data_key: bytes, key_id: str, place: Place, plaintext: str) -> bytes:
    """AES-256-GCM with a fresh nonce: version, key id, nonce, then ciphertext and tag."""
    nonce = secrets.token_bytes(NONCE_BYTES)
    body = AESGCM(data_key).encrypt(nonce, plaintext.encode("utf-8"), place.associated_data())
    return bytes([SEALED_VERSION]) + bytes.fromhex(key_id) + nonce + body


def sealed_key_id(sealed: bytes) -> str:
    """The id of the key that sealed ``sealed``."""
    if len(sealed) <= _HEADER or sealed[0] != SEALED_VERSION:
        raise SealedValueError("not a sealed value")
    return sealed[1 : 1 + KEY_ID_BYTES].hex()


def open_sealed(data_key: bytes, place: Place, sealed: bytes) -> str:
    sealed_key_id(sealed)  # checks the header
    nonce = sealed[1 + KEY_ID_BYTES : _HEADER]
    try:
        plaintext = AESGCM(data_key).decrypt(nonce, sealed[_HEADER:], place.associated_data())
    except InvalidTag:
        raise SealedValueError("the value was altered or does not belong here") from None
    return plaintext.decode("utf-8")


# --------------------------------------------------------------------------- blind indexes


def normalise(value: str) -> str:
    """The form a look-up value is indexed in: trimmed, inner spaces collapsed, case folded."""
    return " ".join(value.split()).casefold()


def blind_index(index_key: bytes, purpose: str, value: str) -> str:
    """A keyed HMAC of the normalised value, with a key of its own per purpose.

    Only for identifiers (sign-in email, national health number), never for
    low-cardinality medical fields, which an index would give away.
    """
    key = derive_key(index_key, f"index/{purpose}")
    return hmac.new(key, normalise(value).encode("utf-8"), hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------- master key rotation (key file)

NEXT_KEY_FILE_NAME = "master.key.next"
PREVIOUS_KEY_FILE_NAME = "master.key.previous"


def _write_key_file(path: Path, key: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(fd, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(base64.b64encode(key).decode("ascii") + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def stage_next_master_key(data_dir: Path) -> bytes:
    """Make the next master key and write it beside the current one before anything
    is re-wrapped, so a crash half-way never leaves keys wrapped by a key that was lost.
    A staged key left by an interrupted rotation is used again."""
    path = data_dir / NEXT_KEY_FILE_NAME
    if path.exists():
        return decode_key(path.read_text(encoding="ascii"))
    key = secrets.token_bytes(KEY_BYTES)
    _write_key_file(path, key)
    return key


def promote_next_master_key(data_dir: Path) -> Path:
    """After the re-wrap committed: master.key becomes master.key.previous and the
    staged key becomes master.key. Returns the previous key's path."""
    current, previous = data_dir / KEY_FILE_NAME, data_dir / PREVIOUS_KEY_FILE_NAME
    os.replace(current, previous)
    os.replace(data_dir / NEXT_KEY_FILE_NAME, current)
    return previous


# --------------------------------------------------------------------------- signed values for the browser

SIGNED_MAX_LENGTH = 200


def _mac(master_key: bytes, purpose: str, payload: str) -> str:
    key = derive_key(master_key, f"signed/{purpose}")
    digest = hmac.new(key, payload.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def sign_value(master_key: bytes, purpose: str, payload: str) -> str:
    """``<payload>.<mac>``: a short state a browser keeps and gives back unchanged
    (a step of a journey, never a secret), bound to one purpose."""
    return f"{payload}.{_mac(master_key, purpose, payload)}"


def read_signed(master_key: bytes, purpose: str, value: str | None) -> str | None:
    """The payload of a value ``sign_value`` made for ``purpose``; None when it is
    missing, too long or altered."""
    if not value or len(value) > SIGNED_MAX_LENGTH:
        return None
    payload, _dot, mac = value.rpartition(".")
    if not hmac.compare_digest(mac.encode("utf-8"), _mac(master_key, purpose, payload).encode("utf-8")):
        return None
    return payload


# --------------------------------------------------------------------------- sealed views for addresses


def _view_aead(master_key: bytes, purpose: str) -> AESGCM:
    return AESGCM(derive_key(master_key, purpose))


def seal_view(master_key: bytes, account_id: uuid.UUID, purpose: str, values: list[str]) -> str:
    """A view's search words and choices as an opaque token for its address: what a person
    looks for is health data, and addresses stay in a browser's history and in logs."""
    payload = json.dumps(values).encode()
    nonce = secrets.token_bytes(12)
    sealed = nonce + _view_aead(master_key, purpose).encrypt(nonce, payload, str(account_id).encode())
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def open_view(
    master_key: bytes, account_id: uuid.UUID, purpose: str, token: str, count: int
) -> list[str] | None:
    """The ``count`` values ``seal_view`` sealed for this account and purpose, or None."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(
            _view_aead(master_key, purpose).decrypt(raw[:12], raw[12:], str(account_id).encode())
        )
    except (ValueError, TypeError, InvalidTag):
        return None
    if not isinstance(values, list) or len(values) != count:
        return None
    return [str(value) for value in values]
