"""The audit trail's seals, and its verification (``verify``).

Seals. ``seal`` appends to ``audit_seal`` the newest event of every chain,
chained to the seal before it. ``verify`` checks the seals' own chain and that
every head named by the newest seal is still there: events cut from the end of
any chain before the newest seal show. What was recorded after it is covered
by the next seal (``portal tasks`` makes one each time it runs;
``portal audit seal`` on demand). A copy of the newest seal's hash kept outside
the database (a ticket, a log, a printout) shows later that the seals
themselves were not rewritten.

Verification. ``verify`` walks the whole trail in id order and checks that each
event matches its hash and follows the one before it in its chain (see
``portal.core.audit_chain`` for the chains and what they cannot show), then that
the newest seal's heads are all there. It only reads. ``portal.core.audit``
records the events and gives these names too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from piccolo.engine.sqlite import SQLiteEngine

from portal.core.audit_chain import (
    _HASHED_FIELDS,
    _POSTGRES_LOCK,
    GENESIS,
    _canonical_time,
    _engine,
    _now,
    _write_transaction,
    hash_of,
)
from portal.core.tables import AuditEvent, AuditSeal

SEAL_FORMAT = "portal-audit-seal-1"


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


@dataclass
class _Walk:
    """Where ``verify``'s walk through the events stands."""

    sealed: dict[int, tuple[int, str]]
    """Event id: (chain, hash), of the heads the newest seal names and the walk has not met yet."""
    heads: dict[int, tuple[int, str]] = field(default_factory=dict)
    """Chain: (id, hash) of its newest sound event."""
    last_id: int | None = None
    count: int = 0


def _named_by(newest_seal: Mapping[str, Any] | None) -> dict[int, tuple[int, str]]:
    """The heads the newest seal names, by event id: (chain, hash)."""
    if newest_seal is None:
        return {}
    return {head[0]: (int(chain), head[1]) for chain, head in json.loads(newest_seal["heads"]).items()}


async def _broken_event(walk: _Walk, row: Mapping[str, Any]) -> VerifyResult | None:
    """Check one event against its hash and its chain: take it into ``walk``, or say what breaks."""
    chain = row["chain"] or 0
    previous_id, expected = walk.heads.get(chain, (None, GENESIS))
    if hash_of(row) != row["hash"]:
        reason = "its content does not match its hash (the event was changed)"
    elif row["prev_hash"] != expected:
        reason = await _why_it_does_not_follow(row, previous_id)
    else:
        walk.count += 1
        walk.heads[chain] = (row["id"], row["hash"])
        walk.last_id = row["id"]
        if walk.sealed.get(row["id"]) == (chain, row["hash"]):
            del walk.sealed[row["id"]]
        return None
    return VerifyResult(
        ok=False,
        events=walk.count,
        broken_at=row["id"],
        reason=reason,
        last_id=walk.last_id,
        chains=len(walk.heads),
    )


async def _walk_events(walk: _Walk, batch_size: int) -> VerifyResult | None:
    """Every event in id order, ``batch_size`` at a time, until the first broken one."""
    columns = [
        AuditEvent.id,
        AuditEvent.chain,
        *(getattr(AuditEvent, name) for name in _HASHED_FIELDS),
        AuditEvent.hash,
    ]
    while True:
        query = AuditEvent.select(*columns).order_by(AuditEvent.id).limit(batch_size)
        if walk.last_id is not None:
            query = query.where(AuditEvent.id > walk.last_id)
        rows = await query
        for row in rows:
            broken = await _broken_event(walk, row)
            if broken is not None:
                return broken
        if len(rows) < batch_size:
            return None


def _judged(walk: _Walk, seals: int, newest_seal: Mapping[str, Any] | None) -> VerifyResult:
    """The verdict once every event is sound: sound, unless a head the newest seal names is gone."""
    if walk.sealed:
        event_id, (chain, _) = min(walk.sealed.items())
        return VerifyResult(
            ok=False,
            events=walk.count,
            reason=(
                f"it names event #{event_id} as the newest of chain {chain}, and that event is missing or"
                " different (events were cut from the end of the chain)"
            ),
            broken_seal=newest_seal["id"] if newest_seal else None,
            last_id=walk.last_id,
            chains=len(walk.heads),
            seals=seals,
        )
    return VerifyResult(
        ok=True,
        events=walk.count,
        last_id=walk.last_id,
        chains=len(walk.heads),
        seals=seals,
        seal_id=newest_seal["id"] if newest_seal else None,
        seal_hash=newest_seal["hash"] if newest_seal else None,
    )


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
    async with _engine().transaction():
        seals, newest_seal, broken = await _check_seals()
        if broken is not None:
            return broken
        walk = _Walk(sealed=_named_by(newest_seal))
        broken = await _walk_events(walk, batch_size)
        if broken is not None:
            return broken
    return _judged(walk, seals, newest_seal)
