"""The audit trail's chains: how an event is hashed and linked to the one before it.

This module holds what the recording (``portal.core.audit``) and the seals and the
verification (``portal.core.audit_seals``) share: the hash of an event, the chain it
belongs to, the format tags, and the transaction and lock a writer of the trail takes.

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
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from portal.core.tables import AuditEvent

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event: there is no event before it."""

FORMAT = "portal-audit-2"
"""Written first into every hashed serialisation, so a future format cannot be
mistaken for this one."""

LEGACY_FORMAT = "portal-audit-1"
"""The format of events recorded before there were chains (``chain`` is NULL)."""

CHAINS = 64
"""How many chains events are spread over. Changing it later is safe: a person's new
events then go to another chain, which links on from its own newest event."""

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
