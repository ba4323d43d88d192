"""Where sessions are kept: the database (the ``Session`` table) by default, or Redis when
``PORTAL_REDIS_URL`` is set. Both stores answer the same calls (``SessionStore``).

Only the SHA-256 of a session's token is stored (``hash_token``), so a copy of the store
(a stolen database, a Redis dump) opens no session. The database store runs its queries
in the request's transaction, so reading a session costs no extra connection, and its
read is SQL written once (``db.Statement``): every signed-in request sends it.
``portal.core.sessions`` is how the rest of the portal uses them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from uuid import UUID

from portal.core import db

if TYPE_CHECKING:
    from portal.settings import Settings

log = logging.getLogger(__name__)

TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    """What the store keeps instead of the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _as_uuid(value: object) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


def as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class SessionRecord:
    """What a store keeps about one session (under the hash of its token)."""

    account_id: UUID
    role: str
    kiosk: bool
    created_at: datetime
    last_seen_at: datetime
    acting_for: UUID | None = None  # a carer in the space of the person they help


@dataclass(frozen=True)
class SessionInfo:
    """A live session, as ``touch_or_expire`` found it."""

    account_id: UUID
    role: str
    kiosk: bool
    created_at: datetime
    last_seen_at: datetime
    expires_in_seconds: int
    """Seconds until the session ends if nothing happens: the idle time-out, or the
    absolute limit when that comes first."""
    acting_for: UUID | None = None


class SessionStore:
    """Where sessions live. Subclasses keep records under token hashes."""

    def __init__(self, idle: timedelta, max_age: timedelta, kiosk_idle: timedelta | None = None) -> None:
        self.idle = idle
        self.max_age = max_age
        # A session begun on a shared kiosk terminal ends sooner (PORTAL_KIOSK_IDLE_MINUTES).
        self.kiosk_idle = kiosk_idle or idle

    def idle_for(self, record: SessionRecord) -> timedelta:
        """The idle time-out of ``record``: a kiosk's, or everyone else's."""
        return self.kiosk_idle if record.kiosk else self.idle

    def touch_every(self, record: SessionRecord) -> timedelta:
        """How often ``last_seen_at`` moves: once a minute, or a sixth of a shorter time-out
        (a kiosk's 3 minutes: every 30 seconds), so a session never ends much too early."""
        return min(TOUCH_EVERY, self.idle_for(record) / 6)

    def ttl(self, record: SessionRecord, now: datetime) -> timedelta:
        """How long ``record`` may live from ``now`` if nothing touches it again."""
        return min(record.last_seen_at + self.idle_for(record), record.created_at + self.max_age) - now

    async def create(self, token_hash: str, record: SessionRecord) -> None:
        raise NotImplementedError

    async def load(self, token_hash: str) -> SessionRecord | None:
        raise NotImplementedError

    async def touch(self, token_hash: str, record: SessionRecord, now: datetime) -> None:
        """Set ``last_seen_at`` to ``now``; do nothing if the session is gone meanwhile."""
        raise NotImplementedError

    async def delete(self, token_hash: str) -> None:
        raise NotImplementedError

    async def delete_all_of(self, account_id: UUID) -> None:
        """End every session of an account (a new password, a closed space)."""
        raise NotImplementedError

    async def close(self) -> None:
        """Release what the store holds (connections)."""


class DatabaseSessionStore(SessionStore):
    """Sessions in the ``Session`` table, in the caller's transaction when there is one."""

    async def create(self, token_hash: str, record: SessionRecord) -> None:
        from portal.core.tables import Session

        # Sessions nobody came back to would stay forever: sweep them as new ones begin.
        await Session.delete().where(
            (Session.last_seen_at < record.created_at - max(self.idle, self.kiosk_idle))
            | (Session.created_at < record.created_at - self.max_age)
        )
        await Session.insert(
            Session(
                token_hash=token_hash,
                account=record.account_id,
                role=record.role,
                kiosk=record.kiosk,
                acting_for=record.acting_for,
                created_at=record.created_at,
                last_seen_at=record.last_seen_at,
            )
        )

    async def load(self, token_hash: str) -> SessionRecord | None:
        from portal.core.tables import Session

        row = await _SESSION.first(Session._meta.db, token_hash)
        if row is None:
            return None
        return SessionRecord(
            account_id=_as_uuid(row["account"]),
            role=row["role"],
            kiosk=bool(row["kiosk"]),
            created_at=as_utc(row["created_at"]),
            last_seen_at=as_utc(row["last_seen_at"]),
            acting_for=_as_uuid(row["acting_for"]) if row["acting_for"] else None,
        )

    async def touch(self, token_hash: str, record: SessionRecord, now: datetime) -> None:
        from portal.core.tables import Session

        try:
            # On a page that only reads, on the side: it commits at once, and holds no lock
            # while the page is made.
            async with db.aside(Session._meta.db):
                await Session.update({Session.last_seen_at: now}).where(Session.token_hash == token_hash)
        except sqlite3.OperationalError as exc:
            # The write lock stayed taken past the engine's time-out. One of several requests
            # of this browser moves the time; the others need not, and must not fail the page.
            log.info("session touch skipped: %s", exc)

    async def delete(self, token_hash: str) -> None:
        from portal.core.tables import Session

        async with db.aside(Session._meta.db):  # a session found ended, on any page
            await Session.delete().where(Session.token_hash == token_hash)

    async def delete_all_of(self, account_id: UUID) -> None:
        from portal.core.tables import Session

        await Session.delete().where(Session.account == account_id)


_SESSION = db.Statement(
    "SELECT account, role, kiosk, created_at, last_seen_at, acting_for FROM session WHERE token_hash = {}"
)


class RedisSessionStore(SessionStore):
    """Sessions in Redis: JSON under ``<prefix><hash>``, living no longer than they may,
    and each account's token hashes in a set under ``<prefix>account:<id>``, so all of
    an account's sessions can be ended at once."""

    def __init__(
        self,
        url: str,
        idle: timedelta,
        max_age: timedelta,
        prefix: str = "portal:session:",
        kiosk_idle: timedelta | None = None,
    ) -> None:
        super().__init__(idle, max_age, kiosk_idle)
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url)
        self.prefix = prefix

    def _key(self, token_hash: str) -> str:
        return self.prefix + token_hash

    @staticmethod
    def _dump(record: SessionRecord) -> str:
        return json.dumps(
            {
                "account": str(record.account_id),
                "role": record.role,
                "kiosk": record.kiosk,
                "acting_for": str(record.acting_for) if record.acting_for else None,
                "created_at": record.created_at.isoformat(),
                "last_seen_at": record.last_seen_at.isoformat(),
            }
        )

    def _seconds(self, record: SessionRecord, now: datetime) -> int:
        return max(1, int(self.ttl(record, now).total_seconds()))

    def _account_key(self, account_id: UUID) -> str:
        return f"{self.prefix}account:{account_id}"

    async def create(self, token_hash: str, record: SessionRecord) -> None:
        account_key = self._account_key(record.account_id)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._key(token_hash), self._dump(record), ex=self._seconds(record, record.created_at))
            pipe.sadd(account_key, token_hash)
            # No session lives longer than max_age: neither does the set of an account's sessions.
            pipe.expire(account_key, int(self.max_age.total_seconds()))
            await pipe.execute()

    async def load(self, token_hash: str) -> SessionRecord | None:
        raw = await self.redis.get(self._key(token_hash))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return SessionRecord(
                account_id=UUID(data["account"]),
                role=str(data["role"]),
                kiosk=bool(data["kiosk"]),
                created_at=as_utc(datetime.fromisoformat(data["created_at"])),
                last_seen_at=as_utc(datetime.fromisoformat(data["last_seen_at"])),
                acting_for=UUID(data["acting_for"]) if data.get("acting_for") else None,
            )
        except (ValueError, KeyError, TypeError):
            return None

    async def touch(self, token_hash: str, record: SessionRecord, now: datetime) -> None:
        touched = replace(record, last_seen_at=now)
        # xx: only if it still exists, so a touch racing a sign-out cannot bring it back.
        await self.redis.set(
            self._key(token_hash), self._dump(touched), ex=self._seconds(touched, now), xx=True
        )

    async def delete(self, token_hash: str) -> None:
        await self.redis.delete(self._key(token_hash))

    async def delete_all_of(self, account_id: UUID) -> None:
        account_key = self._account_key(account_id)
        members = await self.redis.smembers(account_key)
        hashes = [h.decode() if isinstance(h, bytes) else str(h) for h in members]
        await self.redis.delete(account_key, *(self._key(h) for h in hashes))

    async def close(self) -> None:
        await self.redis.aclose()


def store_for(settings: Settings) -> SessionStore:
    """The store the settings describe: Redis when ``redis_url`` is set, else the database."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    max_age = timedelta(hours=settings.session_max_hours)
    kiosk_idle = timedelta(minutes=settings.kiosk_idle_minutes)
    if settings.redis_url:
        return RedisSessionStore(settings.redis_url, idle, max_age, kiosk_idle=kiosk_idle)
    return DatabaseSessionStore(idle, max_age, kiosk_idle)
