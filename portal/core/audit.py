"""The audit trail: append-only, hash-chained, and its verification.

Every read or write of health data records an event in the same transaction
as the read or write (DESIGN.md, "How a request flows"), so an action that is
rolled back leaves no event and an event never claims an action that did not
happen. ``record`` therefore uses the caller's transaction, and opens one of
its own only when there is none.

An event says who (``actor``, and ``on_behalf_of`` for a carer), whose record
(``subject``), where (``area``), what (``action``, ``object_id``) and how it
ended (``outcome``); never what the record contains. Every field is a short
identifier or a word from a fixed list, checked here, so no free text, hence
no health data, can reach the trail, which is neither encrypted nor erasable.

The chain. Each event stores ``prev_hash``, the hash of the event before it
(``GENESIS`` for the first), and ``hash``, the SHA-256 of a canonical
serialisation of ``prev_hash`` and every other field except ``id``. The id is
given by the database after the hash is computed, so it is only the storage
order; the order that counts is the chain's, and ``verify`` checks that the
storage order follows it. An event changed in any field no longer matches its
hash; an event removed, added or moved leaves the next event following the
wrong one.

What the chain cannot show on its own:

- events removed from the end: the trail that is left is a valid, shorter
  chain. ``portal audit verify`` prints the newest event's hash; a copy kept
  elsewhere (a ticket, a log, a printout) shows later that nothing was cut.
- a trail rewritten from some event to the end with every hash recomputed: the
  hash has no secret, so whoever can write the table and read this code can
  do it. The database triggers (see the migration that adds them) stop the
  application's own account and mistakes; only a copy of the newest hash kept
  outside the database stops someone who can drop them.

Two writers must never chain onto the same event. On PostgreSQL ``record``
takes a transaction-level advisory lock before reading the newest event, so
writers queue until the one before them commits. On SQLite one writer at a
time is the database's own rule; ``record`` takes the write lock before
reading the newest event, so a transaction queues there (up to the engine's
timeout) rather than failing later. A deferred SQLite transaction that has
already read, and sees another writer commit meanwhile, cannot take the write
lock at all: SQLite refuses with "database is locked" (SQLITE_BUSY_SNAPSHOT)
and the caller's transaction fails. The chain is never forked, but such a
caller should record its event before it reads, or write in an immediate
transaction, as requests that are not GET do.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from portal.core.tables import AuditEvent

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event: there is no event before it."""

FORMAT = "portal-audit-1"
"""Written first into every hashed serialisation, so a future format cannot be
mistaken for this one."""

AREAS = frozenset(
    {"documents", "messages", "profile", "agenda", "notes", "catalogue", "circle", "account", "system"}
)
"""The areas of DESIGN.md, and "system" for what the service does on its own."""

OUTCOMES = frozenset({"allowed", "denied", "failed"})

# An identifier is an opaque id such as "patient:8f3a2c" or "doc-1042": ASCII letters,
# digits and "_.:-" only. No spaces (so no sentences) and no "@" (so no email address).
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
# An action is a lower-case word or dotted name: "read", "download", "delegation.revoke".
_ACTION = re.compile(r"[a-z][a-z0-9_.-]{0,63}")

# The PostgreSQL advisory lock that serialises writers of the trail (any fixed
# 64-bit number that nothing else uses; these are the bytes of "p-audit1").
_POSTGRES_LOCK = int.from_bytes(b"p-audit1", "big")

_HASHED_FIELDS = (
    "prev_hash",
    "occurred_at",
    "actor",
    "on_behalf_of",
    "subject",
    "area",
    "action",
    "object_id",
    "outcome",
)


class AuditError(ValueError):
    """An event that may not be recorded: an unknown area or outcome, or something
    that is not an identifier. The message never repeats the value, which could be
    exactly the personal data that must not be written anywhere."""


@dataclass(frozen=True)
class VerifyResult:
    """What ``verify`` found: the whole trail intact, or the first event that breaks it."""

    ok: bool
    events: int
    """Events checked and found sound (all of them when ``ok``)."""
    broken_at: int | None = None
    reason: str | None = None
    last_id: int | None = None
    """The newest sound event (None when there is none)."""
    last_hash: str = GENESIS

    @property
    def message(self) -> str:
        if self.ok:
            return f"The audit trail is intact: {self.events} event{'' if self.events == 1 else 's'}."
        return f"The audit trail is broken at event #{self.broken_at}: {self.reason}"


def _now() -> datetime:
    """The time of an event: UTC, to the microsecond (both databases keep microseconds)."""
    return datetime.now(UTC)


def _canonical_time(value: datetime) -> str:
    # Always six digits of microseconds and an explicit UTC offset, however the
    # database handed the value back (SQLite drops ".000000", for one).
    if value.tzinfo is None:
        raise AuditError("audit times must carry their time zone")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def hash_of(event: Mapping[str, Any]) -> str:
    """The SHA-256 (hex) of an event's fields, ``prev_hash`` included, ``id`` excluded.

    The fields go into a JSON list in a fixed order, after a format tag: no two
    different events serialise the same way (a missing value is ``null``, never
    an empty string, and no separator can be forged inside a value).
    """
    values = [FORMAT] + [
        _canonical_time(event[name]) if name == "occurred_at" else event[name] for name in _HASHED_FIELDS
    ]
    serialised = json.dumps(values, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(serialised.encode("ascii")).hexdigest()


def _check(name: str, value: str | None, pattern: re.Pattern[str], *, optional: bool) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise AuditError(
            f"audit {name} must be an identifier (ASCII letters, digits, '_.:-', at most 64 characters)"
            if pattern is _IDENTIFIER
            else f"audit {name} must be a lower-case action name of at most 64 characters"
        )


def _validate(fields: Mapping[str, str | None]) -> None:
    if fields["area"] not in AREAS:
        raise AuditError(f"audit area must be one of {', '.join(sorted(AREAS))}")
    if fields["outcome"] not in OUTCOMES:
        raise AuditError(f"audit outcome must be one of {', '.join(sorted(OUTCOMES))}")
    _check("action", fields["action"], _ACTION, optional=False)
    _check("actor", fields["actor"], _IDENTIFIER, optional=False)
    for name in ("on_behalf_of", "subject", "object_id"):
        _check(name, fields[name], _IDENTIFIER, optional=True)


def _engine() -> Engine:
    engine: Engine = AuditEvent._meta.db
    return engine


def _write_transaction(engine: Engine) -> Any:
    """The caller's transaction when there is one (Piccolo joins it), else a new one.

    A new one on SQLite is IMMEDIATE: it takes the write lock at BEGIN.
    """
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def _lock_the_chain(engine: Engine) -> None:
    """Make every other writer of the trail wait until this transaction ends."""
    if engine.engine_type == "postgres":
        # Released by COMMIT or ROLLBACK, so the next writer reads this event as the newest.
        await AuditEvent.raw("SELECT pg_advisory_xact_lock({})", _POSTGRES_LOCK)
    elif isinstance(engine, SQLiteEngine):
        # A write that changes nothing still takes SQLite's write lock (waiting for
        # another writer if need be), so the newest event read next stays the newest
        # until this transaction ends. It matches no row, so no trigger fires.
        await AuditEvent.raw("DELETE FROM audit_event WHERE 0")


# While a carer acts for someone: (the carer's audit name, the helped person's). Set by the
# session middleware for the request; ``record`` then names the carer as the actor.
ACTING: ContextVar[tuple[str, str] | None] = ContextVar("portal_acting", default=None)


async def record(
    *,
    actor: str,
    area: str,
    action: str,
    outcome: str,
    subject: str | None = None,
    on_behalf_of: str | None = None,
    object_id: str | None = None,
) -> AuditEvent:
    """Append one event to the trail, in the current transaction, and return it.

    ``actor`` is who is signed in, ``on_behalf_of`` whom they act for (a carer's
    relative), ``subject`` whose record, ``object_id`` which thing in it (a
    document's id, say). All are opaque identifiers, never names, addresses or
    text: the trail is kept forever and is not encrypted. ``outcome`` is
    "allowed", "denied" or "failed", so refusals are kept too.

    The event is written in the caller's transaction: it is kept only if the
    caller's work is. Without a transaction, ``record`` opens its own. See the
    module's documentation for how concurrent writers are kept in one chain.
    """
    acting = ACTING.get()
    if acting is not None and on_behalf_of is None:
        # A carer in someone's space: what is done as that person is done by the carer.
        carer, helped = acting
        actor = carer if actor == helped else actor
        on_behalf_of = helped if actor == carer else None
    fields: dict[str, str | None] = {
        "actor": actor,
        "on_behalf_of": on_behalf_of,
        "subject": subject,
        "area": area,
        "action": action,
        "object_id": object_id,
        "outcome": outcome,
    }
    _validate(fields)
    engine = _engine()
    async with _write_transaction(engine):
        await _lock_the_chain(engine)
        newest = await AuditEvent.select(AuditEvent.hash).order_by(AuditEvent.id, ascending=False).first()
        values: dict[str, Any] = {
            **fields,
            "occurred_at": _now(),
            "prev_hash": newest["hash"] if newest else GENESIS,
        }
        values["hash"] = hash_of(values)
        event = AuditEvent(**values)
        await event.save()
    return event


async def _why_it_does_not_follow(row: Mapping[str, Any], previous_id: int | None) -> str:
    """Why an event whose content is sound does not follow the event stored before it."""
    if row["prev_hash"] == GENESIS:
        return f"it says it is the first event, but event #{previous_id} comes before it"
    followed = (
        await AuditEvent.select(AuditEvent.id)
        .where(AuditEvent.hash == row["prev_hash"])
        .order_by(AuditEvent.id)
        .first()
    )
    if followed is None:
        if previous_id is None:
            return "the events before it are missing"
        return f"the event it follows is missing (it does not follow event #{previous_id})"
    if followed["id"] > row["id"]:
        return f"it follows event #{followed['id']}, which is stored after it (the events are out of order)"
    return f"it follows event #{followed['id']}, not event #{previous_id} (an event was added in between)"


async def verify(*, batch_size: int = 1000) -> VerifyResult:
    """Walk the whole trail in id order, ``batch_size`` events at a time, and
    check that each event matches its hash and follows the one before it.

    Stops at the first broken event: what comes after it cannot be trusted to
    be judged against it. Events recorded during the walk are checked if the
    walk reaches them. See the module's documentation for what a sound chain
    does not prove.
    """
    columns = [AuditEvent.id, *(getattr(AuditEvent, name) for name in _HASHED_FIELDS), AuditEvent.hash]
    expected = GENESIS
    previous_id: int | None = None
    count = 0
    async with _engine().transaction():
        while True:
            query = AuditEvent.select(*columns).order_by(AuditEvent.id).limit(batch_size)
            if previous_id is not None:
                query = query.where(AuditEvent.id > previous_id)
            rows = await query
            for row in rows:
                if hash_of(row) != row["hash"]:
                    reason = "its content does not match its hash (the event was changed)"
                elif row["prev_hash"] != expected:
                    reason = await _why_it_does_not_follow(row, previous_id)
                else:
                    count += 1
                    expected = row["hash"]
                    previous_id = row["id"]
                    continue
                return VerifyResult(
                    ok=False,
                    events=count,
                    broken_at=row["id"],
                    reason=reason,
                    last_id=previous_id,
                    last_hash=expected,
                )
            if len(rows) < batch_size:
                return VerifyResult(ok=True, events=count, last_id=previous_id, last_hash=expected)
