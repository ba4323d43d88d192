"""Rate limits and progressive lock-out, counted in the ``Throttle`` table.

A key is a keyed hash (``Keyring.index("throttle", ...)``) of what is counted: an
account, a client address. Failures count in a window of ``WINDOW``; from the
``FREE_FAILURES``-th one on, the key is locked for ``FIRST_LOCK``, doubled at
each further failure, up to ``LONGEST_LOCK``. While a key is locked nothing is
checked (no password verified), so a guesser gets nowhere faster by insisting.

The count starts again only after a quiet ``WINDOW``: since the window began,
and since the last lock ended. So someone who fails once more each time a lock
ends keeps doubling the lock instead of getting five fresh tries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.core.tables import Throttle

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def lock_length(failures: int) -> timedelta | None:
    """How long ``failures`` failures in a window lock a key for (None: not locked)."""
    if failures < FREE_FAILURES:
        return None
    # Capped exponent: past the longest lock, doubling further changes nothing.
    doublings = min(failures - FREE_FAILURES, 16)
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)


async def locked_for(key: str, now: datetime | None = None) -> timedelta | None:
    """How much longer ``key`` stays locked, or None when it may try now."""
    now = now or datetime.now(UTC)
    row = await Throttle.select(Throttle.locked_until).where(Throttle.key == key).first()
    until = _utc(row["locked_until"]) if row else None
    if until is None or until <= now:
        return None
    return until - now


async def record_failure(key: str, now: datetime | None = None) -> timedelta | None:
    """Count one failure for ``key``; return the lock it now has (None: not locked)."""
    now = now or datetime.now(UTC)
    row = await Throttle.select().where(Throttle.key == key).first()
    if row is None:
        # Two first failures at once: one row, both counted by the increment below.
        await Throttle.insert(Throttle(key=key, failures=0, window_started_at=now)).on_conflict(
            target=Throttle.key, action="DO NOTHING"
        )
        row = {"window_started_at": now, "locked_until": None}
    started = _utc(row["window_started_at"]) or now
    last_lock = _utc(row["locked_until"])
    quiet_since = max(started, last_lock) if last_lock else started
    if now - quiet_since >= WINDOW:
        await Throttle.update(
            {Throttle.failures: 1, Throttle.window_started_at: now, Throttle.locked_until: None}
        ).where(Throttle.key == key)
        return lock_length(1)
    # An increment in the database, so two failures at once both count.
    await Throttle.update({Throttle.failures: Throttle.failures + 1}).where(Throttle.key == key)
    failures = await Throttle.select(Throttle.failures).where(Throttle.key == key).first()
    lock = lock_length(int(failures["failures"]) if failures else 1)
    if lock is not None:
        await Throttle.update({Throttle.locked_until: now + lock}).where(Throttle.key == key)
    return lock


async def reset(key: str) -> None:
    """Forget the failures of ``key`` (after a success)."""
    await Throttle.delete().where(Throttle.key == key)
