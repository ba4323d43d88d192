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

The chains. Events are spread over ``CHAINS`` chains by their subject (or, with
none, their actor): every event of one person is in one chain, in order, and
writers for different people do not wait for each other. Each chain starts at
``GENESIS`` and links as above; ``chain`` is part of the hash, so an event
cannot be moved to another chain unseen. Events recorded before there were
chains have no ``chain`` (NULL, hashed without it, format ``portal-audit-1``):
they form the start of chain 0, which goes on from the newest of them.

Two writers must never chain onto the same event. On PostgreSQL ``record``
takes a transaction-level advisory lock on its chain before reading the
chain's newest event, so writers of one chain queue until the one before them
commits. On SQLite one writer at a time is the database's own rule; ``record``
takes the write lock before reading the newest event.

When it is written. In a request that changes something (POST and the like),
the event is written in the request's transaction: the change and its event
land together or not at all, and the chain's lock is held until the request
commits. A page that only reads (GET, HEAD) writes its events on the side
(``db.aside``): in a short transaction of their own, committed before
``record`` returns, so before any of the page leaves the server. A read event
therefore says that the reading was allowed and began; it is on disk even if
the page then fails half-way, and no lock of the trail is held while the page
is rendered. On SQLite, the read events of pages that ask at the same time are
written together, in one transaction (``_ReadEvents``): one write lock and one
commit for all of them, each page waiting for that commit.

Seals. ``seal`` appends to ``audit_seal`` the newest event of every chain,
chained to the seal before it. ``verify`` checks the seals' own chain and that
every head named by the newest seal is still there: events cut from the end of
any chain before the newest seal show. What was recorded after it is covered
by the next seal (``portal tasks`` makes one each time it runs;
``portal audit seal`` on demand). A copy of the newest seal's hash kept outside
the database (a ticket, a log, a printout) shows later that the seals
themselves were not rewritten.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import json
import re
import weakref
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from portal.core import db
from portal.core.actions import AuditAction, resolve
from portal.core.tables import AuditEvent, AuditSeal

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event: there is no event before it."""

FORMAT = "portal-audit-2"
"""Written first into every hashed serialisation, so a future format cannot be
mistaken for this one."""

LEGACY_FORMAT = "portal-audit-1"
"""The format of events recorded before there were chains (``chain`` is NULL)."""

SEAL_FORMAT = "portal-audit-seal-1"

CHAINS = 64
"""How many chains events are spread over. Changing it later is safe: a person's new
events then go to another chain, which links on from its own newest event."""

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

# The PostgreSQL advisory locks that serialise writers of one chain: (this number, the
# chain). Any fixed 32-bit number nothing else uses; these are the bytes of "paud".
_POSTGRES_LOCK = int.from_bytes(b"paud", "big")

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
    """What ``verify`` found: the whole trail intact, or the first thing that breaks it."""

    ok: bool
    events: int
    """Events checked and found sound (all of them when ``ok``)."""
    broken_at: int | None = None
    """The first broken event (None when the trail is sound, or when a seal is what breaks)."""
    reason: str | None = None
    last_id: int | None = None
    """The newest sound event (None when there is none)."""
    chains: int = 0
    seals: int = 0
    seal_id: int | None = None
    """The newest seal, whose hash a copy kept outside the database can be compared with."""
    seal_hash: str | None = None
    broken_seal: int | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return (
                f"The audit trail is intact: {self.events} event{'' if self.events == 1 else 's'}"
                f" in {self.chains} chain{'' if self.chains == 1 else 's'},"
                f" {self.seals} seal{'' if self.seals == 1 else 's'}."
            )
        where = f"seal #{self.broken_seal}" if self.broken_seal is not None else f"event #{self.broken_at}"
        return f"The audit trail is broken at {where}: {self.reason}"


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
    """The SHA-256 (hex) of an event's fields, ``prev_hash`` and ``chain`` included, ``id`` excluded.

    The fields go into a JSON list in a fixed order, after a format tag: no two
    different events serialise the same way (a missing value is ``null``, never
    an empty string, and no separator can be forged inside a value). An event
    without a chain is one recorded before there were chains: its format has no chain.
    """
    chain = event.get("chain")
    head: list[Any] = [LEGACY_FORMAT] if chain is None else [FORMAT, chain]
    values = head + [
        _canonical_time(event[name]) if name == "occurred_at" else event[name] for name in _HASHED_FIELDS
    ]
    serialised = json.dumps(values, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(serialised.encode("ascii")).hexdigest()


def chain_of(subject: str | None, actor: str) -> int:
    """The chain of an event: by its subject, else its actor (a fixed spread, not a secret)."""
    digest = hashlib.sha256((subject or actor).encode("ascii")).digest()
    return int.from_bytes(digest[:4], "big") % CHAINS


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


async def _lock_the_chain(engine: Engine, chain: int) -> None:
    """Make every other writer of ``chain`` wait until this transaction ends."""
    if engine.engine_type == "postgres":
        # Released by COMMIT or ROLLBACK, so the next writer reads this event as the newest.
        await AuditEvent.raw("SELECT pg_advisory_xact_lock({}, {})", _POSTGRES_LOCK, chain)
    elif isinstance(engine, SQLiteEngine):
        # A write that changes nothing still takes SQLite's write lock (waiting for
        # another writer if need be), so the newest event read next stays the newest
        # until this transaction ends. It matches no row, so no trigger fires.
        await AuditEvent.raw("DELETE FROM audit_event WHERE 0")


_NEWEST_IN_CHAIN = db.Statement("SELECT hash FROM audit_event WHERE chain = {} ORDER BY id DESC LIMIT 1")


async def _newest_hash(chain: int) -> str:
    """The hash of the newest event of ``chain`` (events from before the chains, for chain 0)."""
    newest = await _NEWEST_IN_CHAIN.first(AuditEvent._meta.db, chain)
    if newest is None and chain == 0:
        newest = (
            await AuditEvent.select(AuditEvent.hash)
            .where(AuditEvent.chain.is_null())
            .order_by(AuditEvent.id, ascending=False)
            .first()
        )
    return newest["hash"] if newest else GENESIS


# While a carer acts for someone: (the carer's audit name, the helped person's). Set by the
# session middleware for the request; ``record`` then names the carer as the actor.
ACTING: ContextVar[tuple[str, str] | None] = ContextVar("portal_acting", default=None)


async def record(
    *,
    actor: str,
    action: AuditAction | str,
    outcome: str,
    area: str | None = None,
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

    ``action`` is a declared action (``portal.core.actions``), which says its area;
    an action given by name needs ``area`` and must be declared too. An action, or an
    outcome of it, that nobody declared raises ``ActionError``: a programming error.

    The event is written in the caller's transaction: it is kept only if the
    caller's work is. Without a transaction, ``record`` opens its own; on a page
    that only reads, it is written on the side and committed at once. See the
    module's documentation for how concurrent writers are kept in their chain.
    """
    acting = ACTING.get()
    if acting is not None and on_behalf_of is None:
        # A carer in someone's space: what is done as that person is done by the carer.
        carer, helped = acting
        actor = carer if actor == helped else actor
        on_behalf_of = helped if actor == carer else None
    name = action.name if isinstance(action, AuditAction) else action
    fields: dict[str, str | None] = {
        "actor": actor,
        "on_behalf_of": on_behalf_of,
        "subject": subject,
        "area": action.area if isinstance(action, AuditAction) and area is None else area,
        "action": name,
        "object_id": object_id,
        "outcome": outcome,
    }
    _validate(fields)
    resolve(action, area, outcome)
    engine = _engine()
    if isinstance(engine, SQLiteEngine) and db.may_write_elsewhere(engine):
        return await _read_events().add(engine, fields)
    async with db.aside(engine), _write_transaction(engine):
        (event,) = await _append(engine, [fields])
    return event


async def _append(engine: Engine, events: list[dict[str, str | None]]) -> list[AuditEvent]:
    """Chain and insert ``events`` (checked fields), in order, in the current transaction."""
    chains = [chain_of(fields["subject"], str(fields["actor"])) for fields in events]
    if isinstance(engine, SQLiteEngine):
        await _lock_the_chain(engine, chains[0])  # the write lock covers every chain
    else:
        for chain in sorted(set(chains)):  # always in the same order: no two writers deadlock
            await _lock_the_chain(engine, chain)
    heads: dict[int, str] = {}
    written = []
    for fields, chain in zip(events, chains, strict=True):
        values: dict[str, Any] = {
            **fields,
            "chain": chain,
            "occurred_at": _now(),
            "prev_hash": heads[chain] if chain in heads else await _newest_hash(chain),
        }
        values["hash"] = heads[chain] = hash_of(values)
        event = AuditEvent(**values)
        await event.save()
        written.append(event)
    return written


class _ReadEvents:
    """The read events of one event loop's pages, written together (on SQLite).

    A page that only reads writes its events on the side, each in a short transaction
    of its own, and SQLite lets one writer write at a time: under load, pages queued
    in SQLite's busy handler, which sleeps 1, 2, 5… up to 100 ms between tries, and
    every event paid a commit of its own. Here the events of pages that ask while a
    write is under way wait in a list, and the next write takes the whole list: one
    write lock and one commit for all of them. Each page still goes on only once its
    event is committed (the guarantee the module's documentation gives).
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.waiting: list[tuple[dict[str, str | None], asyncio.Future[AuditEvent]]] = []
        self.writing: asyncio.Task[None] | None = None
        self.commits = 0  # transactions written (tests read it)

    def add(self, engine: Engine, fields: dict[str, str | None]) -> asyncio.Future[AuditEvent]:
        future: asyncio.Future[AuditEvent] = self.loop.create_future()
        self.waiting.append((fields, future))
        if self.writing is None:
            # In a context of its own: not inside the transaction of the page that asked.
            self.writing = self.loop.create_task(self._write(engine), context=contextvars.Context())
        return future

    async def _write(self, engine: Engine) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting, []
                try:
                    async with _write_transaction(engine):
                        events = await _append(engine, [fields for fields, _ in batch])
                except BaseException as exc:  # each page waiting fails as its own write would
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    if not isinstance(exc, Exception):
                        raise
                    continue
                self.commits += 1
                for (_, future), event in zip(batch, events, strict=True):
                    if not future.done():
                        future.set_result(event)
        finally:
            self.writing = None


_READ_EVENTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _ReadEvents] = weakref.WeakKeyDictionary()


def _read_events() -> _ReadEvents:
    """The waiting read events of the running event loop."""
    loop = asyncio.get_running_loop()
    found = _READ_EVENTS.get(loop)
    if found is None:
        found = _READ_EVENTS[loop] = _ReadEvents(loop)
    return found


async def _why_it_does_not_follow(row: Mapping[str, Any], previous_id: int | None) -> str:
    """Why an event whose content is sound does not follow the event stored before it in its chain."""
    if row["prev_hash"] == GENESIS:
        return f"it says it is the first event of its chain, but event #{previous_id} comes before it"
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


def _seal_hash(seal: Mapping[str, Any]) -> str:
    values = [SEAL_FORMAT, seal["prev_hash"], _canonical_time(seal["sealed_at"]), seal["heads"]]
    serialised = json.dumps(values, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(serialised.encode("ascii")).hexdigest()


async def seal() -> AuditSeal:
    """Append a seal naming the newest event of every chain (see the module's documentation).

    The heads are read in one statement, so from one picture of the database: within a
    chain, events commit in the order of their ids (its writers queue), so each head
    read is that chain's newest committed event, and whatever commits later follows it.
    """
    engine = _engine()
    async with _write_transaction(engine):
        if engine.engine_type == "postgres":
            await AuditSeal.raw("SELECT pg_advisory_xact_lock({}, -1)", _POSTGRES_LOCK)
        elif isinstance(engine, SQLiteEngine):
            await AuditSeal.raw("DELETE FROM audit_seal WHERE 0")
        rows = await AuditEvent.raw(
            "SELECT e.chain, e.id, e.hash FROM audit_event e JOIN "
            "(SELECT MAX(id) AS id FROM audit_event GROUP BY COALESCE(chain, 0)) m ON e.id = m.id"
        )
        heads = json.dumps(
            {
                str(row["chain"] or 0): [row["id"], row["hash"]]
                for row in sorted(rows, key=lambda r: r["chain"] or 0)
            },
            separators=(",", ":"),
            sort_keys=True,
        )
        previous = await AuditSeal.select(AuditSeal.hash).order_by(AuditSeal.id, ascending=False).first()
        values: dict[str, Any] = {
            "sealed_at": _now(),
            "heads": heads,
            "prev_hash": previous["hash"] if previous else GENESIS,
        }
        values["hash"] = _seal_hash(values)
        made = AuditSeal(**values)
        await made.save()
    return made


async def _check_seals() -> tuple[int, Mapping[str, Any] | None, VerifyResult | None]:
    """The seals' own chain: (how many, the newest, or what breaks it)."""
    expected, count, newest = GENESIS, 0, None
    for row in await AuditSeal.select().order_by(AuditSeal.id):
        if _seal_hash(row) != row["hash"]:
            reason = "its content does not match its hash (the seal was changed)"
        elif row["prev_hash"] != expected:
            reason = "it does not follow the seal before it (a seal was removed, added or moved)"
        else:
            expected, count, newest = row["hash"], count + 1, row
            continue
        return (
            count,
            newest,
            VerifyResult(ok=False, events=0, reason=reason, broken_seal=row["id"], seals=count),
        )
    return count, newest, None


async def verify(*, batch_size: int = 1000) -> VerifyResult:
    """Walk the whole trail in id order, ``batch_size`` events at a time, and
    check that each event matches its hash and follows the one before it in its
    chain; then that the seals are sound and every head the newest seal names is
    still there.

    Stops at the first broken event: what comes after it cannot be trusted to
    be judged against it. Events recorded during the walk are checked if the
    walk reaches them. See the module's documentation for what a sound trail
    does not prove.
    """
    columns = [
        AuditEvent.id,
        AuditEvent.chain,
        *(getattr(AuditEvent, name) for name in _HASHED_FIELDS),
        AuditEvent.hash,
    ]
    heads: dict[int, tuple[int, str]] = {}  # chain: (id, hash) of its newest sound event
    last_id: int | None = None
    count = 0
    async with _engine().transaction():
        seals, newest_seal, broken = await _check_seals()
        if broken is not None:
            return broken
        sealed: dict[int, tuple[int, str]] = {}  # event id: (chain, hash) the newest seal names
        if newest_seal is not None:
            sealed = {
                head[0]: (int(chain), head[1]) for chain, head in json.loads(newest_seal["heads"]).items()
            }
        while True:
            query = AuditEvent.select(*columns).order_by(AuditEvent.id).limit(batch_size)
            if last_id is not None:
                query = query.where(AuditEvent.id > last_id)
            rows = await query
            for row in rows:
                chain = row["chain"] or 0
                previous_id, expected = heads.get(chain, (None, GENESIS))
                if hash_of(row) != row["hash"]:
                    reason = "its content does not match its hash (the event was changed)"
                elif row["prev_hash"] != expected:
                    reason = await _why_it_does_not_follow(row, previous_id)
                else:
                    count += 1
                    heads[chain] = (row["id"], row["hash"])
                    last_id = row["id"]
                    if sealed.get(row["id"]) == (chain, row["hash"]):
                        del sealed[row["id"]]
                    continue
                return VerifyResult(
                    ok=False,
                    events=count,
                    broken_at=row["id"],
                    reason=reason,
                    last_id=last_id,
                    chains=len(heads),
                )
            if len(rows) < batch_size:
                break
    if sealed:
        event_id, (chain, _) = min(sealed.items())
        return VerifyResult(
            ok=False,
            events=count,
            reason=(
                f"it names event #{event_id} as the newest of chain {chain}, and that event is missing or"
                " different (events were cut from the end of the chain)"
            ),
            broken_seal=newest_seal["id"] if newest_seal else None,
            last_id=last_id,
            chains=len(heads),
            seals=seals,
        )
    return VerifyResult(
        ok=True,
        events=count,
        last_id=last_id,
        chains=len(heads),
        seals=seals,
        seal_id=newest_seal["id"] if newest_seal else None,
        seal_hash=newest_seal["hash"] if newest_seal else None,
    )
