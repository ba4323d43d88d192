"""The audit trail on a real database: events chain, and tampering shows.

Each test starts from an empty trail: on SQLite a new migrated file, on PostgreSQL
the session database with its trail emptied. The tampering helper works as someone
with direct database access would: it gets the append-only triggers out of the way
first, to prove the chain catches what the triggers did not stop.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import json
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from litestar import Request, Response, get, post
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.sqlite import TransactionType

from portal.cli import main
from portal.core import audit, db
from portal.core.audit import GENESIS, AuditError, hash_of, record, verify
from portal.core.tables import AuditEvent, AuditSeal
from portal.settings import Settings
from tests.conftest import csrf
from tests.tamper import as_database_owner

# A declared action (portal.core.access's refusals): ``record`` refuses any other.
EVENT = {"actor": "pro:7c1e", "area": "documents", "action": "read", "outcome": "denied"}


async def _as_database_owner(settings: Settings, sql: str, *args: Any) -> None:
    await as_database_owner(settings.sqlite_path, settings.database_url, sql, *args)


@pytest.fixture
async def trail(settings: Settings, tmp_path) -> AsyncIterator[Settings]:
    """Settings of a database with an empty audit trail, its engine bound and started."""
    if settings.sqlite_path is not None:
        settings = dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path / 'audit.sqlite'}")
        engine = db.engine_for(settings)
        await db.migrate(engine)
    else:
        await _as_database_owner(settings, "TRUNCATE audit_event, audit_seal RESTART IDENTITY")
        engine = db.engine_for(settings)
        db.bind_engine(engine)
    await db.start(engine)
    yield settings
    await db.stop(engine)


def _write_transaction() -> Any:
    engine = AuditEvent._meta.db
    if engine.engine_type == "sqlite":
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def _three_events() -> list[AuditEvent]:
    return [
        await record(**EVENT, subject="patient:a1", object_id="doc-1"),
        await record(
            **{**EVENT, "actor": "carer:9d", "action": "write"},
            on_behalf_of="patient:a1",
            subject="patient:a1",
        ),
        await record(**{**EVENT, "area": "messages", "outcome": "denied"}, subject="patient:a1"),
    ]


async def _row(event_id: int) -> dict[str, Any]:
    row = await AuditEvent.select().where(AuditEvent.id == event_id).first()
    assert row is not None
    return row


async def test_an_event_recorded_in_a_transaction_that_rolls_back_is_not_kept(trail):
    class Failed(Exception):
        pass

    with pytest.raises(Failed):
        async with _write_transaction():
            event = await record(**EVENT, subject="patient:a1")
            assert await AuditEvent.exists().where(AuditEvent.id == event.id)
            raise Failed
    assert await AuditEvent.count() == 0


async def test_each_event_follows_the_one_before_it(trail):
    first, second, third = await _three_events()
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert len({first.hash, second.hash, third.hash}) == 3
    stored = await _row(second.id)
    assert stored["actor"] == "carer:9d" and stored["on_behalf_of"] == "patient:a1"
    assert hash_of(stored) == stored["hash"] == second.hash


def test_an_event_recorded_during_a_request_is_kept_only_if_the_request_succeeds(trail, make_client):
    client = make_client(database_url=trail.database_url)

    @post("/test-audit", opt={"public": True}, status_code=200)
    async def act(request: Request) -> Response[str]:
        await record(**EVENT, subject="patient:a1", object_id=request.query_params["doc"])
        return Response("done", status_code=500 if request.query_params.get("fail") else 200)

    @get("/test-audit", opt={"public": True})
    async def look() -> str:
        await record(**{**EVENT, "action": "write"}, subject="patient:a1")  # in a GET's deferred transaction
        return (await verify()).message

    client.app.register(act)
    client.app.register(look)
    token = {"x-csrftoken": csrf(client)}
    assert client.post("/test-audit", params={"doc": "doc-1"}, headers=token).status_code == 200
    assert client.post("/test-audit", params={"doc": "doc-2", "fail": "1"}, headers=token).status_code == 500
    assert client.get("/test-audit").text == "The audit trail is intact: 2 events in 1 chain, 0 seals."


@pytest.mark.parametrize(
    "when",
    [
        datetime(2026, 11, 25, 9, 30, 0, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 30, 0, 999999, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 30, 0, 1, tzinfo=UTC),
    ],
)
async def test_the_time_of_an_event_reads_back_to_the_microsecond(trail, monkeypatch, when):
    monkeypatch.setattr(audit, "_now", lambda: when)
    event = await record(**EVENT)
    stored = await _row(event.id)
    assert stored["occurred_at"] == when and stored["occurred_at"].utcoffset() == timedelta(0)
    assert hash_of(stored) == event.hash
    assert (await verify()).ok


async def test_an_event_recorded_outside_any_transaction_gets_its_own(trail):
    await record(**EVENT)
    await record(**EVENT)
    assert (await verify()).events == 2


@pytest.mark.parametrize(
    "change",
    [
        {"area": "billing"},
        {"outcome": "ok"},
        {"action": "read the blood test results"},
        {"action": "Read"},
        {"actor": "Jeanne Dupont"},
        {"actor": "jeanne@example.org"},
        {"actor": ""},
        {"subject": "patient:" + "a" * 60},
        {"object_id": "diabète"},
        {"on_behalf_of": "ma fille"},
    ],
)
async def test_only_known_words_and_short_identifiers_are_recorded(trail, change):
    with pytest.raises(AuditError) as raised:
        await record(**{**EVENT, **change})
    value = next(iter(change.values()))
    assert not value or value not in str(raised.value)  # the refusal never repeats what it refused
    assert await AuditEvent.count() == 0


async def test_an_untouched_trail_is_intact_however_many_pages_it_takes(trail):
    assert await verify() == audit.VerifyResult(ok=True, events=0)
    events = [await record(**EVENT, subject=f"patient:{n % 3}", object_id=f"doc-{n}") for n in range(9)]
    for batch_size in (1, 2, 5, 1000):
        result = await verify(batch_size=batch_size)
        assert result.ok and result.events == 9
        assert result.last_id == events[-1].id


def _changed(value: Any) -> Any:
    if isinstance(value, int):  # the chain
        return value + 1
    if isinstance(value, datetime):
        return value + timedelta(microseconds=1)
    if value is None:
        return "patient:z9"
    if len(value) == 64:  # a hash
        return ("1" if value[0] == "0" else "0") + value[1:]
    return value + "x"


async def test_an_event_changed_in_any_field_breaks_the_trail_there(trail):
    _, second, _ = await _three_events()
    original = await _row(second.id)
    for column in [name for name in original if name != "id"]:
        await _as_database_owner(
            trail, f"UPDATE audit_event SET {column} = ? WHERE id = ?", _changed(original[column]), second.id
        )
        result = await verify()
        assert not result.ok, column
        assert result.broken_at == second.id, column
        assert "does not match its hash" in result.reason, column
        await _as_database_owner(
            trail, f"UPDATE audit_event SET {column} = ? WHERE id = ?", original[column], second.id
        )
        assert (await verify()).ok, column


async def test_an_event_removed_from_the_middle_breaks_the_trail_at_the_next_one(trail):
    _, second, third = await _three_events()
    await _as_database_owner(trail, "DELETE FROM audit_event WHERE id = ?", second.id)
    result = await verify()
    assert (result.ok, result.broken_at, result.events) == (False, third.id, 1)
    assert result.reason.startswith("the event it follows is missing")
    assert result.message.startswith(f"The audit trail is broken at event #{third.id}: the event it follows")


async def test_events_removed_from_the_start_break_the_trail_at_the_first_one_left(trail):
    first, second, _ = await _three_events()
    await _as_database_owner(trail, "DELETE FROM audit_event WHERE id = ?", first.id)
    result = await verify()
    assert (result.ok, result.broken_at) == (False, second.id)
    assert result.reason == "the events before it are missing"


async def test_an_event_removed_from_the_end_shows_only_once_it_is_sealed(trail):
    _, second, third = await _three_events()
    # Not sealed yet: the chain alone cannot see it.
    await _as_database_owner(trail, "DELETE FROM audit_event WHERE id = ?", third.id)
    result = await verify()
    assert result.ok and result.events == 2 and result.last_id == second.id
    # Sealed, then cut: the seal names a newest event that is no longer there.
    newest = await record(**EVENT, subject="patient:a1")
    made = await audit.seal()
    assert (await verify()).ok
    await _as_database_owner(trail, "DELETE FROM audit_event WHERE id = ?", newest.id)
    result = await verify()
    assert (result.ok, result.broken_seal, result.broken_at) == (False, made.id, None)
    assert result.reason == (
        f"it names event #{newest.id} as the newest of chain {newest.chain}, and that event is missing"
        " or different (events were cut from the end of the chain)"
    )


async def test_a_forged_event_slipped_in_breaks_the_trail_at_the_event_after_it(trail):
    first, second, third = await _three_events()
    await _as_database_owner(trail, "UPDATE audit_event SET id = id + 1000 WHERE id = ?", third.id)
    forged = {
        "occurred_at": second.occurred_at + timedelta(seconds=1),
        "actor": "pro:7c1e",
        "on_behalf_of": None,
        "subject": "patient:a1",
        "area": "documents",
        "action": "read",
        "object_id": "doc-1",
        "outcome": "allowed",
        "prev_hash": second.hash,
        "chain": second.chain,
    }
    forged["hash"] = hash_of(forged)
    columns = ", ".join(["id", *forged])
    await _as_database_owner(
        trail,
        f"INSERT INTO audit_event ({columns}) VALUES ({', '.join('?' * (len(forged) + 1))})",
        third.id,
        *forged.values(),
    )
    result = await verify()
    assert (result.ok, result.broken_at, result.events) == (False, third.id + 1000, 3)
    assert (
        result.reason
        == f"it follows event #{second.id}, not event #{third.id} (an event was added in between)"
    )


async def test_two_events_swapped_break_the_trail_at_the_first_of_them(trail):
    _, second, third = await _three_events()
    for old, new in [(second.id, -1), (third.id, second.id), (-1, third.id)]:
        await _as_database_owner(trail, "UPDATE audit_event SET id = ? WHERE id = ?", new, old)
    result = await verify()
    assert (result.ok, result.broken_at) == (False, second.id)
    assert (
        result.reason
        == f"it follows event #{third.id}, which is stored after it (the events are out of order)"
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_event SET outcome = 'denied'",
        "DELETE FROM audit_event",
        "UPDATE audit_event SET outcome = 'denied' WHERE id < 0",
        "TRUNCATE audit_event",
    ],
)
async def test_the_database_refuses_to_change_or_remove_events(trail, statement):
    if trail.sqlite_path is not None and ("TRUNCATE" in statement or "id < 0" in statement):
        pytest.skip("SQLite has no TRUNCATE and no statement triggers: the chain is its protection")
    await _three_events()
    with pytest.raises(
        (sqlite3.IntegrityError, asyncpg.RaiseError), match="audit events cannot be changed or removed"
    ):
        await AuditEvent.raw(statement)
    result = await verify()
    assert result.ok and result.events == 3


@pytest.mark.parametrize("people", [1, 3, 20])
@pytest.mark.parametrize("writers", [2, 20])
async def test_writers_at_the_same_time_never_follow_the_same_event(trail, writers, people):
    async def write(n: int) -> None:
        async with _write_transaction():
            await asyncio.sleep(0)
            await record(**EVENT, subject=f"patient:{n % people}")
            await asyncio.sleep(0)

    await asyncio.gather(*(write(n) for n in range(writers)))
    result = await verify()
    assert result.ok and result.events == writers


async def test_on_sqlite_deferred_transactions_queue_for_the_trail_too(trail):
    if trail.sqlite_path is None:
        pytest.skip("SQLite only")
    engine = AuditEvent._meta.db

    async def write(n: int) -> None:
        async with engine.transaction(transaction_type=TransactionType.deferred):
            await record(**EVENT, subject=f"patient:{n}")

    await asyncio.gather(*(write(n) for n in range(10)))
    result = await verify()
    assert result.ok and result.events == 10


async def test_on_sqlite_a_stale_deferred_transaction_fails_rather_than_fork_the_trail(trail):
    if trail.sqlite_path is None:
        pytest.skip("SQLite only")
    engine = AuditEvent._meta.db
    await record(**EVENT)
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        async with engine.transaction(transaction_type=TransactionType.deferred):
            await AuditEvent.count()  # this transaction now reads an old picture of the database
            # Another writer, outside this transaction, records an event meanwhile.
            await asyncio.create_task(record(**EVENT), context=contextvars.Context())
            await record(**EVENT)
    result = await verify()
    assert result.ok and result.events == 2


@pytest.fixture
def cli_env(trail, monkeypatch, tmp_path):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.setenv("PORTAL_DATABASE_URL", trail.database_url)
    return trail


async def test_audit_verify_says_the_trail_is_intact_and_exits_0(cli_env, capsys):
    *_, third = await _three_events()
    assert await asyncio.to_thread(main, ["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "The audit trail is intact: 3 events in 1 chain, 0 seals." in out
    assert f"Newest event: #{third.id}\n" in out


async def test_audit_verify_names_the_first_broken_event_and_exits_1(cli_env, capsys):
    _, second, _ = await _three_events()
    await _as_database_owner(
        cli_env, "UPDATE audit_event SET subject = ? WHERE id = ?", "patient:c3", second.id
    )
    assert await asyncio.to_thread(main, ["audit", "verify"]) == 1
    assert capsys.readouterr().out == (
        f"The audit trail is broken at event #{second.id}: "
        "its content does not match its hash (the event was changed)\n"
    )


# --------------------------------------------------------------------------- chains and seals


def _subject_in_chain(chain: int) -> str:
    return next(f"patient:{n}" for n in range(10_000) if audit.chain_of(f"patient:{n}", "x") == chain)


async def test_each_person_s_events_form_their_own_chain(trail):
    a, b = _subject_in_chain(5), _subject_in_chain(6)
    first_a, first_b, second_a, second_b = [
        await record(**EVENT, subject=subject) for subject in (a, b, a, b)
    ]
    assert (first_a.chain, first_b.chain) == (5, 6)
    assert first_a.prev_hash == first_b.prev_hash == GENESIS
    assert (second_a.prev_hash, second_b.prev_hash) == (first_a.hash, first_b.hash)
    result = await verify()
    assert (result.ok, result.events, result.chains) == (True, 4, 2)


async def test_an_event_moved_to_another_chain_breaks_the_trail(trail):
    first, second, _ = await _three_events()
    await _as_database_owner(
        trail, "UPDATE audit_event SET chain = ? WHERE id = ?", first.chain + 1, second.id
    )
    result = await verify()
    assert (result.ok, result.broken_at) == (False, second.id)


async def test_events_from_before_the_chains_are_the_start_of_chain_0(trail):
    # Recorded by the portal before there were chains: no chain, hashed without one.
    prev = GENESIS
    for n in range(2):
        old = {**EVENT, "on_behalf_of": None, "subject": f"patient:old{n}", "object_id": None}
        old.update(occurred_at=datetime(2026, 11, 1, tzinfo=UTC), prev_hash=prev)
        old["hash"] = prev = hash_of(old)
        columns = ", ".join(old)
        await _as_database_owner(
            trail, f"INSERT INTO audit_event ({columns}) VALUES ({', '.join('?' * len(old))})", *old.values()
        )
    in_chain_0 = await record(**EVENT, subject=_subject_in_chain(0))
    elsewhere = await record(**EVENT, subject=_subject_in_chain(1))
    assert (in_chain_0.prev_hash, elsewhere.prev_hash) == (prev, GENESIS)
    result = await verify()
    assert (result.ok, result.events, result.chains) == (True, 4, 2)


async def test_seals_chain_and_name_every_chain_s_newest_event(trail):
    a, b = _subject_in_chain(3), _subject_in_chain(4)
    events = [await record(**EVENT, subject=subject) for subject in (a, b, a)]
    first = await audit.seal()
    assert json.loads(first.heads) == {
        "3": [events[2].id, events[2].hash],
        "4": [events[1].id, events[1].hash],
    }
    assert first.prev_hash == GENESIS
    later = await record(**EVENT, subject=b)
    second = await audit.seal()
    assert second.prev_hash == first.hash
    assert json.loads(second.heads)["4"] == [later.id, later.hash]
    result = await verify()
    assert (result.ok, result.seals, result.seal_id, result.seal_hash) == (True, 2, second.id, second.hash)


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        ("UPDATE audit_seal SET heads = '{}' WHERE id = ?", "its content does not match its hash"),
        ("DELETE FROM audit_seal WHERE id = ?", "it does not follow the seal before it"),
    ],
)
async def test_a_seal_changed_or_removed_breaks_the_trail(trail, tamper, reason):
    await _three_events()
    _, second, third = [await audit.seal() for _ in range(3)]
    await _as_database_owner(trail, tamper, second.id)
    result = await verify()
    # A seal changed breaks at itself; one removed, at the seal after it.
    assert (result.ok, result.broken_seal) == (False, third.id if "DELETE" in tamper else second.id)
    assert result.reason.startswith(reason)


async def test_the_database_refuses_to_change_or_remove_seals(trail):
    await _three_events()
    await audit.seal()
    for statement in ("UPDATE audit_seal SET heads = '{}'", "DELETE FROM audit_seal"):
        with pytest.raises(
            (sqlite3.IntegrityError, asyncpg.RaiseError), match="cannot be changed or removed"
        ):
            await AuditSeal.raw(statement)


async def test_audit_seal_prints_the_seal_and_verify_names_it(cli_env, capsys):
    await _three_events()
    assert await asyncio.to_thread(main, ["audit", "seal"]) == 0
    made = await AuditSeal.select().first()
    assert capsys.readouterr().out == (
        f"Sealed the newest event of every chain: seal #{made['id']}, hash {made['hash']}\n"
    )
    assert await asyncio.to_thread(main, ["audit", "verify"]) == 0
    assert f"Newest seal: #{made['id']}, hash {made['hash']}\n" in capsys.readouterr().out


# --------------------------------------------------------------------------- a page that reads


async def _another_writer_can_write(settings: Settings, chain: int) -> bool:
    """Whether a writer outside the request could write the trail's chain right now."""
    if settings.sqlite_path is not None:
        conn = sqlite3.connect(settings.sqlite_path, timeout=0)
        try:
            conn.execute("BEGIN IMMEDIATE")  # fails at once if anyone holds the write lock
            conn.rollback()
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()
    conn = await asyncpg.connect(settings.database_url)
    try:
        taken = await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", audit._POSTGRES_LOCK, chain)
        if taken:
            await conn.execute("SELECT pg_advisory_unlock($1, $2)", audit._POSTGRES_LOCK, chain)
        return bool(taken)
    finally:
        await conn.close()


async def _events_seen_from_outside(settings: Settings) -> int:
    if settings.sqlite_path is not None:
        with sqlite3.connect(settings.sqlite_path) as conn:
            return int(conn.execute("SELECT count(*) FROM audit_event").fetchone()[0])
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM audit_event"))
    finally:
        await conn.close()


def test_a_page_that_reads_commits_its_event_at_once_and_holds_no_lock_after(trail, make_client):
    client = make_client(database_url=trail.database_url)
    subject = _subject_in_chain(7)

    @get("/test-read", opt={"public": True})
    async def read(request: Request) -> Response[dict[str, object]]:
        await AuditEvent.count()  # the page has begun reading
        await record(**EVENT, subject=subject)
        seen = {
            # What another connection sees while the page is still being made.
            "committed": await _events_seen_from_outside(trail),
            "free": await _another_writer_can_write(trail, 7),
        }
        return Response(seen, status_code=500 if request.query_params.get("fail") else 200)

    client.app.register(read)
    assert client.get("/test-read").json() == {"committed": 1, "free": True}
    # A page that fails after the reading began keeps its event: the reading was allowed.
    assert client.get("/test-read", params={"fail": "1"}).status_code == 500
    assert client.app.state.engine.writes_in_reads == []
    assert asyncio.run(_events_seen_from_outside(trail)) == 2


async def _read_page(engine: Any, subject: str, seen: list[int]) -> None:
    """What a page that only reads does: record its event, read on."""
    async with engine.request_transaction("GET"):
        await record(**EVENT, subject=subject)
        await AuditEvent.count()
        seen.append(await _events_seen_from_outside_sqlite(engine.path))


def _events_seen_from_outside_sqlite(path: str) -> Any:
    async def count() -> int:
        with sqlite3.connect(path) as conn:
            return int(conn.execute("SELECT count(*) FROM audit_event").fetchone()[0])

    return count()


async def test_on_sqlite_the_events_of_pages_reading_at_once_are_written_in_one_commit(trail, monkeypatch):
    """Eight pages ask at once: their eight events go in one transaction, not eight
    queued in SQLite's busy handler; each page goes on only once its event is committed,
    and the chains are sound. (Pages that ask while a write is under way wait for the
    next one, which takes all of them.) That transaction begins holding the write lock:
    it sends no empty write to take it."""
    if trail.sqlite_path is None:
        pytest.skip("SQLite only: on PostgreSQL each chain has its own lock")
    engine = AuditEvent._meta.db
    subjects = [_subject_in_chain(n % 3) for n in range(8)]  # some chains twice or more
    await record(**EVENT, subject=subjects[0])  # one commit of its own (outside a page)
    commits = audit._read_events().commits
    raw_sql: list[str] = []
    real_raw = AuditEvent.raw

    def raw(sql: str, *args: Any) -> Any:
        raw_sql.append(sql)
        return real_raw(sql, *args)

    monkeypatch.setattr(AuditEvent, "raw", raw)
    seen: list[int] = []
    await asyncio.gather(*(_read_page(engine, subject, seen) for subject in subjects))
    assert audit._read_events().commits == commits + 1
    assert "DELETE FROM audit_event WHERE 0" not in raw_sql
    assert seen == [9] * 8  # every page found all nine events committed when it went on
    result = await verify()
    assert result.ok and result.events == 9 and result.chains == 3


async def test_on_sqlite_a_failed_write_of_read_events_fails_each_page_that_waited(trail, monkeypatch):
    if trail.sqlite_path is None:
        pytest.skip("SQLite only")
    engine = AuditEvent._meta.db

    async def refused(*args: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(audit, "_append", refused)
    outcomes = await asyncio.gather(
        *(_read_page(engine, f"patient:{n}", []) for n in range(3)), return_exceptions=True
    )
    assert [type(outcome) for outcome in outcomes] == [sqlite3.OperationalError] * 3
    monkeypatch.undo()
    await _read_page(engine, "patient:1", [])  # the next page writes as usual
    assert (await verify()).events == 1


def test_a_page_that_wrote_in_its_own_transaction_records_its_read_event_there(trail, make_client):
    """A page that reads but has written in its own transaction (an update: Piccolo marks only
    inserts as writes) holds SQLite's write lock: its read event must not wait for another
    connection to get that lock (which would wait for this very page), and the update is
    noted as a write a reading page should have made aside."""
    client = make_client(database_url=trail.database_url)
    engine = client.app.state.engine

    @get("/test-wrote-then-read", opt={"public": True})
    async def wrote_then_read() -> dict[str, int]:
        await record(**EVENT, subject="patient:w1")
        await AuditSeal.count()
        await Migration.raw(db.HEALTH_PROBE)  # an update (of no row), in the page's own transaction
        await record(**EVENT, subject="patient:w2")
        return {"events": await AuditEvent.count()}

    client.app.register(wrote_then_read)
    assert client.get("/test-wrote-then-read").json() == {"events": 2}
    assert len(engine.writes_in_reads) == 1 and "migration" in engine.writes_in_reads[0]
    engine.writes_in_reads.clear()
