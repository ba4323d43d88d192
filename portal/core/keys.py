"""Data keys in the database, wrapped by the master key, and the keyring that uses them.

A ``Keyring`` serves one unit of work (a request, a command): it loads and
unwraps the keys it needs once, makes an owner's key on first use, seals and
opens values, and computes blind indexes with the system's index key. Queries
run in the caller's transaction, so a key made for a new row lands with it.
"""

from __future__ import annotations

import secrets
from typing import Any

from portal.core.crypto import (
    KEY_BYTES,
    KeyDestroyedError,
    MasterKeyError,
    Place,
    SealedValueError,
    blind_index,
    master_key_id,
    open_sealed,
    seal,
    sealed_key_id,
    unwrap_key,
    wrap_key,
)
from portal.core.db import Statement
from portal.core.tables import DataKey


def key_owner(account_id: object) -> str:
    """The owner name of an account's data keys, the subject its values are sealed to,
    and how the audit trail names the account (``account:<uuid>``)."""
    return f"account:{account_id}"


# The owner of the key behind every blind index. It is a data key like the
# others, so rotating the master key keeps every index valid.
INDEX_KEY_OWNER = "system:blind-index"


# Sent on most pages: as SQL written once (``Statement``), not built by Piccolo each time.
_NEWEST_KEY = Statement("SELECT key_id, wrapped FROM data_key WHERE owner = {} ORDER BY id DESC LIMIT 1")
_KEY_BY_ID = Statement("SELECT owner, wrapped FROM data_key WHERE key_id = {}")


class Keyring:
    """The data keys of one unit of work, unwrapped on first use."""

    def __init__(self, master_key: bytes) -> None:
        self._master_key = master_key
        self._master_key_id = master_key_id(master_key)
        self._keys: dict[str, bytes] = {}
        self._owner_of: dict[str, str] = {}
        self._current: dict[str, str] = {}

    def _remember(self, key_id: str, owner: str, wrapped: bytes) -> bytes:
        key = unwrap_key(self._master_key, key_id, wrapped)
        self._keys[key_id] = key
        self._owner_of[key_id] = owner
        return key

    async def key_for(self, owner: str, *, create: bool = True) -> tuple[str, bytes]:
        """The owner's newest data key, made (and stored wrapped) if they have none;
        with ``create=False``, ``KeyDestroyedError`` instead (to read what was sealed)."""
        key_id = self._current.get(owner)
        if key_id is not None:
            return key_id, self._keys[key_id]
        row = await _NEWEST_KEY.first(DataKey._meta.db, owner)
        if row is None and not create:
            raise KeyDestroyedError(f"{owner} has no data key: it was destroyed")
        if row is None:
            key_id, key = secrets.token_hex(16), secrets.token_bytes(KEY_BYTES)
            wrapped = wrap_key(self._master_key, key_id, key)
            await DataKey.insert(
                DataKey(key_id=key_id, owner=owner, wrapped=wrapped, master_key_id=self._master_key_id)
            )
            self._keys[key_id], self._owner_of[key_id] = key, owner
        else:
            key_id = row["key_id"]
            key = self._remember(key_id, owner, bytes(row["wrapped"]))
        self._current[owner] = key_id
        return key_id, key

    def take_wrapped(self, owner: str, key_id: str, wrapped: bytes) -> None:
        """Take a key that came with the rows it opens (one query instead of two)."""
        if key_id not in self._keys:
            self._remember(key_id, owner, bytes(wrapped))

    async def preload(self, owners: list[str]) -> None:
        """Fetch the keys of many owners in one query (a page that opens many values)."""
        wanted = [owner for owner in dict.fromkeys(owners) if owner not in self._current]
        if not wanted:
            return
        rows = (
            await DataKey.select(DataKey.key_id, DataKey.owner, DataKey.wrapped)
            .where(DataKey.owner.is_in(wanted))
            .order_by(DataKey._meta.primary_key)
        )
        for row in rows:  # oldest first: the newest of each owner ends up current
            self._remember(row["key_id"], row["owner"], bytes(row["wrapped"]))
            self._current[row["owner"]] = row["key_id"]

    async def _key_by_id(self, key_id: str) -> tuple[str, bytes]:
        if key_id not in self._keys:
            row = await _KEY_BY_ID.first(DataKey._meta.db, key_id)
            if row is None:
                raise KeyDestroyedError("the key of this value was destroyed")
            self._remember(key_id, row["owner"], bytes(row["wrapped"]))
        return self._owner_of[key_id], self._keys[key_id]

    async def seal(self, place: Place, plaintext: str) -> bytes:
        """Seal ``plaintext`` for ``place`` with its subject's data key."""
        key_id, key = await self.key_for(place.subject)
        return seal(key, key_id, place, plaintext)

    async def open(self, place: Place, sealed: bytes) -> str:
        """Open a value sealed for ``place``; raise ``SealedValueError`` if it was not."""
        owner, key = await self._key_by_id(sealed_key_id(sealed))
        if owner != place.subject:
            raise SealedValueError("the value was sealed for another subject")
        return open_sealed(key, place, sealed)

    async def index(self, purpose: str, value: str) -> str:
        """The blind index of ``value`` for look-ups of one kind (``purpose``)."""
        _key_id, key = await self.key_for(INDEX_KEY_OWNER)
        return blind_index(key, purpose, value)


# Where a request keeps its keyring (``keyring_of``): in the request's own state, so it
# lives and dies with the request (and a request run again as a writer starts afresh).
REQUEST_KEYRING = "portal_keyring"


def keyring_of(request: Any) -> Keyring:
    """The request's one keyring, made at its first use: the door, the acting banner and
    the handler share it, so a page fetches and unwraps each data key once. It is never
    kept beyond the request; a command or a task makes its own ``Keyring``."""
    state = request.scope.setdefault("state", {})
    keyring = state.get(REQUEST_KEYRING)
    if not isinstance(keyring, Keyring):
        keyring = Keyring(request.app.state.master_key)
        state[REQUEST_KEYRING] = keyring
    return keyring


async def destroy_keys_of(owner: str) -> int:
    """Erase an owner's data: delete their data keys. Returns how many were destroyed."""
    if owner == INDEX_KEY_OWNER:
        raise ValueError("the index key is not a subject's key")
    count = int(await DataKey.count().where(DataKey.owner == owner))
    await DataKey.delete().where(DataKey.owner == owner)
    return count


async def rewrap_all(old_master_key: bytes, new_master_key: bytes) -> int:
    """Wrap every data key under ``new_master_key`` instead of the old one.

    Keys already wrapped by the new key are left as they are, so a rotation
    interrupted half-way can simply be run again. Returns how many were re-wrapped.
    """
    old_id, new_id = master_key_id(old_master_key), master_key_id(new_master_key)
    if old_id == new_id:
        raise ValueError("the new master key is the same as the old one")
    strangers = await DataKey.count().where(DataKey.master_key_id.not_in([old_id, new_id]))
    if strangers:
        raise MasterKeyError(f"{strangers} data keys are wrapped by neither key; nothing was changed")
    rows = await DataKey.select(
        DataKey._meta.primary_key.as_alias("id"), DataKey.key_id, DataKey.wrapped
    ).where(DataKey.master_key_id == old_id)
    for row in rows:
        key = unwrap_key(old_master_key, row["key_id"], bytes(row["wrapped"]))
        await DataKey.update(
            {DataKey.wrapped: wrap_key(new_master_key, row["key_id"], key), DataKey.master_key_id: new_id}
        ).where(DataKey._meta.primary_key == row["id"])
    return len(rows)
