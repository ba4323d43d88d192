"""One transaction, hence one connection, per request; WAL on SQLite."""

from __future__ import annotations

import sqlite3

import aiosqlite
import pytest
from litestar import Request, get, post

from portal.site.tables import HelpPoint
from tests.conftest import csrf


def test_sqlite_runs_in_wal_mode(client, settings):
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    with sqlite3.connect(settings.sqlite_path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_request_shares_one_connection_between_its_queries(client):
    engine = client.app.state.engine

    @get("/test-connections", opt={"public": True})
    async def connections() -> dict[str, object]:
        seen = []
        for _ in range(3):
            await HelpPoint.count()
            txn = engine.current_transaction.get()
            seen.append(id(txn.connection) if txn else None)
        return {"connections": seen}

    client.app.register(connections)
    seen = client.get("/test-connections").json()["connections"]
    assert None not in seen and len(set(seen)) == 1


@pytest.fixture
def sqlite_connections(settings, monkeypatch):
    """Counts the SQLite connections opened (each one is a thread and a file open)."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    opened = []
    real_connect = aiosqlite.connect

    def counting_connect(*args, **kwargs):
        opened.append(1)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr("piccolo.engine.sqlite.aiosqlite.connect", counting_connect)
    return opened


def test_requests_on_sqlite_use_connections_kept_from_before(client, sqlite_connections):
    for _ in range(20):
        client.get("/help?department=23")  # a count, a select of departments, a page of rows
    # One at most (none when one was kept from the set-up), not one per request.
    assert len(sqlite_connections) <= 1


def test_a_kept_sqlite_connection_runs_only_the_queries(client, settings):
    """No ``PRAGMA foreign_keys`` before every query: it was set once, when the connection opened."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    engine = client.app.state.engine
    statements: list[str] = []

    async def watch() -> None:
        connection = await engine.get_connection()
        await connection._execute(connection._conn.set_trace_callback, statements.append)
        assert (await connection.execute_fetchall("PRAGMA foreign_keys"))[0]["foreign_keys"] == 1
        await engine.put_back(connection)

    with client.portal() as portal:
        portal.call(engine.close_kept)
        portal.call(watch)
    statements.clear()
    client.get("/help?department=23")
    assert statements and not [s for s in statements if s.upper().startswith("PRAGMA")]


def test_a_page_that_reads_nothing_opens_no_connection(client, sqlite_connections):
    client.get("/accessibility")
    assert sqlite_connections == []


def test_a_transaction_opened_inside_a_request_joins_the_request_one(client):
    engine = client.app.state.engine

    @get("/test-nested", opt={"public": True})
    async def nested() -> dict[str, bool]:
        await HelpPoint.count()
        outer = engine.current_transaction.get()
        async with engine.transaction() as inner:
            await HelpPoint.count()
        return {"same": inner is outer}

    client.app.register(nested)
    assert client.get("/test-nested").json() == {"same": True}


def test_a_write_is_committed_before_the_answer_leaves(client):
    @post("/test-phone", opt={"public": True}, status_code=200)
    async def write(request: Request) -> str:
        phone = request.query_params["phone"]
        await HelpPoint.update({HelpPoint.phone: phone}).where(HelpPoint.slug == "msp-tulle")
        return "done"

    @get("/test-phone", opt={"public": True})
    async def read() -> str:
        row = await HelpPoint.select(HelpPoint.phone).where(HelpPoint.slug == "msp-tulle").first()
        return str(row["phone"])

    client.app.register(write)
    client.app.register(read)
    token = {"x-csrftoken": csrf(client)}
    before = client.get("/test-phone").text
    try:
        assert client.post("/test-phone", params={"phone": "05 55 99 99 99"}, headers=token).text == "done"
        assert client.get("/test-phone").text == "05 55 99 99 99"
    finally:
        client.post("/test-phone", params={"phone": before}, headers=token)


def test_a_request_gives_back_the_sqlite_write_lock_for_slow_work(client, settings):
    """While a request hashes a password, another writer must not wait for it."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    from portal.core.db import release_write_lock
    from portal.core.tables import AttemptCounter

    @post("/test-release", opt={"public": True}, status_code=200)
    async def release() -> dict[str, bool]:
        await AttemptCounter.insert(AttemptCounter(key="test-release-before", failures=1))
        await release_write_lock(client.app.state.engine)
        # Another connection can write now (it would time out at once if the lock were held),
        # and it sees what the request wrote before giving the lock back.
        with sqlite3.connect(settings.sqlite_path, timeout=0) as other:
            other.execute("BEGIN IMMEDIATE")
            seen = other.execute(
                "SELECT count(*) FROM attempt_counter WHERE key = 'test-release-before'"
            ).fetchone()[0]
            other.execute("INSERT INTO attempt_counter (key, failures) VALUES ('test-release-other', 1)")
            other.execute("COMMIT")
        # The request goes on writing in a transaction of its own.
        await AttemptCounter.insert(AttemptCounter(key="test-release-after", failures=1))
        return {"seen": seen == 1}

    client.app.register(release)
    assert client.post("/test-release", headers={"x-csrftoken": csrf(client)}).json() == {"seen": True}
    with sqlite3.connect(settings.sqlite_path) as conn:
        keys = {
            row[0] for row in conn.execute("SELECT key FROM attempt_counter WHERE key LIKE 'test-release-%'")
        }
    assert keys == {"test-release-before", "test-release-other", "test-release-after"}


def test_a_request_never_joins_a_transaction_left_over_from_the_one_before(client):
    """uvicorn may run a keep-alive connection's next request in the previous request's
    context; its finished transaction must not be reused (it answered 500 "no active
    connection" after a large upload)."""
    import httpx

    engine = client.app.state.engine

    async def go() -> int:
        async with engine.transaction():
            await HelpPoint.count()
            stale = engine.current_transaction.get()
        engine.current_transaction.set(stale)
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as other:
            response = await other.get("/help?department=23")
        engine.current_transaction.set(None)
        return response.status_code

    assert client.blocking_portal.call(go) == 200
