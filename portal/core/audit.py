"""The audit trail: every event recorded, appended to its chain.

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

Events are hash-chained, in ``CHAINS`` chains by subject: how an event is hashed
and linked, and what a chain cannot show, is ``portal.core.audit_chain``'s; the
seals and ``verify`` are ``portal.core.audit_seals``'s. Both are given here too
(``audit.verify``, ``audit.seal``, ``audit.hash_of``...).

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
"""

from __future__ import annotations

import asyncio
import contextvars
import re
import weakref
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine

from portal.core import db
from portal.core.actions import AuditAction, resolve
from portal.core.audit_chain import _POSTGRES_LOCK as _POSTGRES_LOCK
from portal.core.audit_chain import CHAINS as CHAINS
from portal.core.audit_chain import FORMAT as FORMAT
from portal.core.audit_chain import GENESIS as GENESIS
from portal.core.audit_chain import LEGACY_FORMAT as LEGACY_FORMAT
from portal.core.audit_chain import AuditError as AuditError
from portal.core.audit_chain import _engine as _engine
from portal.core.audit_chain import _now as _now
from portal.core.audit_chain import _write_transaction as _write_transaction
from portal.core.audit_chain import chain_of as chain_of
from portal.core.audit_chain import hash_of as hash_of
from portal.core.audit_seals import SEAL_FORMAT as SEAL_FORMAT
from portal.core.audit_seals import VerifyResult as VerifyResult
from portal.core.audit_seals import seal as seal
from portal.core.audit_seals import verify as verify
from portal.core.tables import AuditEvent

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


async def _lock_the_chain(engine: Engine, chain: int) -> None:
    """Make every other writer of ``chain`` wait until this transaction ends."""
    if engine.engine_type == "postgres":
        # Released by COMMIT or ROLLBACK, so the next writer reads this event as the newest.
        await AuditEvent.raw("SELECT pg_advisory_xact_lock({}, {})", _POSTGRES_LOCK, chain)
    elif isinstance(engine, SQLiteEngine) and not db.holds_write_lock(engine):
        # A write that changes nothing still takes SQLite's write lock (waiting for
        # another writer if need be), so the newest event read next stays the newest
        # until this transaction ends. It matches no row, so no trigger fires. A
        # transaction that wrote, or began IMMEDIATE, holds the lock already.
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
