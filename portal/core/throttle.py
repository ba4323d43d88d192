"""Rate limits and progressive lock-out: every try is counted *before* it is checked.

A key is a keyed hash (``Keyring.index("throttle", ...)``) of what is counted: an
account, a client address, an identifier. ``attempt(keys)`` reserves one try on
every key, in one statement per key that cannot race (an upsert whose ``WHERE``
admits the try: the database decides, not Python that read a row a moment earlier), and
commits it at once, before the slow check (a password hash) begins. So forty
guesses sent at the same instant get at most ``FREE_FAILURES`` checks between
them: the others are refused without anything being checked. The try then ends
as one of:

- ``failed()``: it counts as a failure; from the ``FREE_FAILURES``-th failure in
  a window of ``WINDOW`` on, the key is locked for ``FIRST_LOCK``, doubled at each
  further failure, up to ``LONGEST_LOCK``. After a lock ends, one try at a time;
- ``succeeded(forget=...)``: it does not count; the keys in ``forget`` start afresh
  (with the request's own transaction);
- ``withdrawn()``: it was not a guess after all (an expired code): it does not count.

The count starts again only after a quiet ``WINDOW``, since the window began and
since the last lock ended, so someone who fails once more each time a lock ends
keeps doubling the lock instead of getting fresh tries. A try whose request died
before it ended (a crashed worker) stops holding its place after ``ABANDONED``.

Times are kept as integer milliseconds since the epoch, so the conditions read
the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from litestar import Request

from portal.core import db
from portal.core.i18n import ngettext
from portal.core.tables import AttemptCounter

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 5
FIRST_LOCK = timedelta(minutes=1)
LONGEST_LOCK = timedelta(hours=1)
ABANDONED = timedelta(minutes=1)

_NAME = re.compile(r"\{(\w+)\}")


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


def _now_ms(now: datetime | None = None) -> int:
    return int((now.timestamp() if now else time.time()) * 1000)


HELP_LINE = "0 800 00 00 00"


def address_of(request: Request[Any, Any, Any]) -> str:
    """The client's address as the server sees it (behind a declared proxy, the one it names)."""
    return request.client.host if request.client else "unknown"


def too_many_tries(lock: timedelta) -> str:
    """What a person is told when a lock refuses their try: how long to wait, whom to call."""
    minutes = max(1, math.ceil(lock.total_seconds() / 60))
    return ngettext(
        "Too many tries. For your safety, wait %(minutes)d minute and try again, or call us on %(phone)s.",
        "Too many tries. For your safety, wait %(minutes)d minutes and try again, or call us on %(phone)s.",
        minutes,
        minutes=minutes,
        phone=HELP_LINE,
    )


class Locked(Exception):
    """The key may not try now; ``lock`` says for how long."""

    def __init__(self, lock: timedelta) -> None:
        super().__init__(f"locked for {lock}")
        self.lock = lock


def lock_length(failures: int) -> timedelta | None:
    """How long ``failures`` failures in a window lock a key for (None: not locked)."""
    if failures < FREE_FAILURES:
        return None
    # Capped exponent: past the longest lock, doubling further changes nothing.
    doublings = min(failures - FREE_FAILURES, 16)
    return min(FIRST_LOCK * 2**doublings, LONGEST_LOCK)


# Each statement names its values ``{name}``: ``_run`` binds them as parameters.
#
# Taking a place is one statement per key: it makes the key's row, or starts its window
# afresh after a quiet WINDOW (since the window began and since the last lock ended, with
# no try under way), or takes a place when the key is not locked and the failures so far
# plus the tries under way stay under the free ones (or, after a lock ended, when no other
# try is under way). No row comes back when the key refuses. The fragments below are
# constants pasted in before the statement is sent (never a value).
_LIVE = "(CASE WHEN attempt_counter.reserved_at_ms < {stale} THEN 0 ELSE attempt_counter.pending END)"
_QUIET = (
    "({now} - (CASE WHEN attempt_counter.locked_until_ms > attempt_counter.window_started_ms "
    "THEN attempt_counter.locked_until_ms ELSE attempt_counter.window_started_ms END) >= {window} "
    "AND _LIVE = 0)"
).replace("_LIVE", _LIVE)
_TAKE_PLACE = """
INSERT INTO attempt_counter (key, failures, pending, window_started_ms, locked_until_ms, reserved_at_ms)
VALUES ({key}, 0, 1, {now}, NULL, {now})
ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN _QUIET THEN 0 ELSE attempt_counter.failures END,
    window_started_ms = CASE WHEN _QUIET THEN {now} ELSE attempt_counter.window_started_ms END,
    locked_until_ms = CASE WHEN _QUIET THEN NULL ELSE attempt_counter.locked_until_ms END,
    pending = CASE WHEN _QUIET THEN 1 ELSE _LIVE + 1 END,
    reserved_at_ms = {now}
WHERE _QUIET
    OR ((attempt_counter.locked_until_ms IS NULL OR attempt_counter.locked_until_ms <= {now})
        AND (attempt_counter.failures + _LIVE < {free}
             OR (attempt_counter.failures >= {free} AND _LIVE = 0)))
RETURNING key
""".replace("_QUIET", _QUIET).replace("_LIVE", _LIVE)
_LOCKED_UNTIL = "SELECT locked_until_ms FROM attempt_counter WHERE key = {key}"
_FAIL = """
UPDATE attempt_counter
SET failures = failures + 1, pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END
WHERE key = {key} RETURNING failures
"""
_LOCK = """
UPDATE attempt_counter SET locked_until_ms = {until}
WHERE key = {key} AND (locked_until_ms IS NULL OR locked_until_ms < {until})
"""
_RELEASE = """
UPDATE attempt_counter SET pending = CASE WHEN pending > 0 THEN pending - 1 ELSE 0 END WHERE key = {key}
"""
_FORGET = "DELETE FROM attempt_counter WHERE key = {key}"


async def _run(template: str, **values: object) -> list[dict[str, object]]:
    """One statement, each ``{name}`` of ``template`` bound as a parameter (never pasted in)."""
    order: list[object] = []

    def placeholder(match: re.Match[str]) -> str:
        order.append(values[match.group(1)])
        return "{}"

    rows: list[dict[str, object]] = await AttemptCounter.raw(_NAME.sub(placeholder, template), *order)
    return rows


async def _take_place(key: str, now: int) -> bool:
    stale = now - _ms(ABANDONED)
    return bool(
        await _run(_TAKE_PLACE, key=key, now=now, window=_ms(WINDOW), free=FREE_FAILURES, stale=stale)
    )


@dataclass(frozen=True)
class Attempt:
    """A try that holds a place on each of ``keys`` until it ends."""

    keys: tuple[str, ...]

    async def failed(self, now: datetime | None = None) -> timedelta | None:
        """Count the try as a failure; the longest lock it caused (None: none)."""
        at, longest = _now_ms(now), None
        async with db.apart(AttemptCounter._meta.db):
            for key in self.keys:
                rows = await _run(_FAIL, key=key)
                lock = lock_length(int(str(rows[0]["failures"]))) if rows else None
                if lock is not None:
                    await _run(_LOCK, key=key, until=at + _ms(lock))
                    longest = max(longest or lock, lock)
        return longest

    async def succeeded(self, *, forget: Iterable[str] = ()) -> None:
        """The try was right: it does not count, and the keys in ``forget`` start afresh.

        Part of the request's own transaction (one commit less): until it commits, the place
        stays taken, which only ever refuses more; if the request fails, the place is given
        back after ``ABANDONED``. A failure, by contrast, is committed at once (``failed``).
        """
        forgotten = set(forget)
        for key in self.keys:
            await _run(_FORGET if key in forgotten else _RELEASE, key=key)

    async def withdrawn(self) -> None:
        """The try was no guess (an expired or used code): it does not count."""
        await self.succeeded()


async def attempt(keys: Iterable[str], now: datetime | None = None) -> Attempt:
    """Take a place for one try on every key, committed at once, or raise ``Locked``.

    The keys are taken in a fixed order (sorted), all or none: when one refuses, the
    places taken on the others are given back in the same transaction.
    """
    ordered = tuple(sorted(set(keys)))
    at = _now_ms(now)
    async with db.apart(AttemptCounter._meta.db):
        for key in ordered:
            if not await _take_place(key, at):
                # No lock yet: every free try is under way at this very moment; wait as for a first lock.
                raise Locked(await locked_for(key, now) or FIRST_LOCK)
    return Attempt(ordered)


async def locked_for(key: str, now: datetime | None = None) -> timedelta | None:
    """How much longer ``key`` stays locked, or None when it may try now (to show, not to decide)."""
    at = _now_ms(now)
    rows = await _run(_LOCKED_UNTIL, key=key)
    until = rows[0]["locked_until_ms"] if rows else None
    if isinstance(until, int) and until > at:
        return timedelta(milliseconds=until - at)
    return None
