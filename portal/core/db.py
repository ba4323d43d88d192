"""The database as the portal uses it: the engine's choice, migrations, one transaction
per request, writes made apart or aside, and statements written once.

The embedded default is a SQLite file in WAL mode in the data folder; a
``postgresql://`` URL selects PostgreSQL with a connection pool. The engines themselves
(kept connections, lazy transactions) are in ``portal.core.engines``.

``RequestTransaction`` gives each request one transaction: every query of the
request shares its connection, the request's writes land together or not at all,
and the commit happens before the response starts, so a person never sees "saved"
for something that was not. The transaction takes its connection at the request's
first query, so a page that reads nothing costs nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

from portal.core import crypto
from portal.core.engines import (
    SAFE_METHODS,
    PortalEngine,
    PortalPostgresEngine,
    PortalSQLiteEngine,
    _LazySQLiteTransaction,
    _LazyStart,
)

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from portal.settings import Settings

log = logging.getLogger(__name__)


class Statement:
    """A read written once in SQL and sent as it is, for the few statements every page sends.

    Piccolo builds a query from its parts at every call: about 0.15 to 0.25 ms a statement
    here, several times what SQLite takes to run it, and a signed-in page sends the same
    few on every request (its session, its keys, its header's unread count). Those are
    written here once, with ``{}`` for each value as in Piccolo's ``raw``, and turned into
    each database's placeholders once. Rows come back as dicts, as from a Piccolo select.
    Only reads: a write goes through Piccolo, which notes writes made by pages that read.
    """

    def __init__(self, sql: str) -> None:
        if not sql.lstrip().upper().startswith("SELECT"):
            raise ValueError("a Statement only reads (SELECT)")
        parts = sql.split("{}")
        self.sql = sql
        self._sqlite = "?".join(parts)
        self._postgres = parts[0] + "".join(f"${n}{part}" for n, part in enumerate(parts[1:], start=1))

    def sql_for(self, engine_type: str) -> str:
        return self._postgres if engine_type in ("postgres", "cockroach") else self._sqlite

    async def rows(self, engine: Engine, *args: Any) -> list[dict[str, Any]]:
        return await engine.run_statement(self, args)  # type: ignore[attr-defined]

    async def first(self, engine: Engine, *args: Any) -> dict[str, Any] | None:
        found = await self.rows(engine, *args)
        return found[0] if found else None


async def release_write_lock(engine: Engine) -> None:
    """Before slow work that needs no database (a password hash, about 100 ms): on SQLite
    a request that writes holds the one write lock from its first query, so everyone
    else's writes would wait for that work. Commit what the request did so far; its
    next query begins again. On PostgreSQL nothing needs to happen: writers lock rows.

    Whatever was read before may have changed by the next query: use it only where
    that does not matter (a lock-out count read a moment earlier).
    """
    current = engine.current_transaction.get()
    if isinstance(current, _LazySQLiteTransaction):
        await current.pause()


@asynccontextmanager
async def apart(engine: Engine) -> AsyncIterator[None]:
    """Run the block as a transaction of its own, committed when the block ends (rolled
    back if it raises), whatever the request's transaction does afterwards: for what
    every other request must see at once and keep even if this request fails (a try
    counted before a password is checked, ``portal.core.throttle``).

    In a request, what the request did so far is committed first, and the block runs on
    the request's own connection (a second connection per request could starve the
    pool: every request waiting for one while holding one). Inside another transaction
    (a task's, another ``apart``), the block is simply part of it; outside any, it gets
    one of its own.
    """
    current = engine.current_transaction.get()
    if isinstance(current, _LazyStart):
        await current.pause()
        try:
            yield
        except BaseException:
            await current.pause(keep=False)
            raise
        await current.pause()
        return
    if current is not None:
        yield
        return
    if isinstance(engine, SQLiteEngine):
        transaction = engine.transaction(transaction_type=TransactionType.immediate)
    else:
        transaction = engine.transaction()
    async with transaction:
        yield


def may_write_elsewhere(engine: Engine) -> bool:
    """Whether a write made now would go ``aside``, and the request's transaction has not
    written nor asked for the write lock: a request that only reads (GET, HEAD), outside
    any ``aside`` block. Such a write may then be made on another connection and wait for
    the write lock there, without waiting for this very request."""
    current = engine.current_transaction.get()
    return (
        isinstance(current, _LazyStart) and current.reads_only and not current._aside and not current._wrote
    )


def holds_write_lock(engine: Engine) -> bool:
    """Whether the current transaction on SQLite holds its one write lock (it wrote), or takes
    it as it begins (IMMEDIATE): a writer that must keep others out need not ask again."""
    current = engine.current_transaction.get()
    if current is None:
        return False
    return getattr(current, "transaction_type", None) is TransactionType.immediate or bool(
        getattr(current, "_wrote", False)
    )


@asynccontextmanager
async def aside(engine: Engine) -> AsyncIterator[None]:
    """A write that a page which only reads makes on the side: an audit event, a session's
    last use, a message marked read.

    In the request of a page that only reads (GET, HEAD), the block runs ``apart``: a short
    transaction of its own, committed when the block ends, so no lock is held while the page
    goes on and, on SQLite, the write never meets a picture of the database that someone
    else changed since the page began reading. In a request that writes, or outside a
    request, the block is part of the current transaction, as any write.
    """
    current = engine.current_transaction.get()
    if not (isinstance(current, _LazyStart) and current.reads_only):
        yield
        return
    current._aside += 1
    try:
        if current._aside > 1:  # already apart
            yield
        else:
            async with apart(engine):
                yield
    finally:
        current._aside -= 1


def engine_for(settings: Settings) -> PortalEngine:
    """The Piccolo engine the settings describe (nothing is opened yet)."""
    url = settings.database_url
    if url and url.startswith(("postgres://", "postgresql://")):
        return PortalPostgresEngine(config={"dsn": url})
    path = settings.sqlite_path
    if path is None:
        raise ValueError("PORTAL_DATABASE_URL must start with postgresql:// or sqlite:///")
    # Made here first, mode 600 whatever the umask: SQLite then makes its -wal and -shm
    # files with the same mode (it would make the database 644 under the usual umask).
    crypto.make_private_folder(path.parent)
    crypto.make_private_file(path)
    # timeout: how long a writer waits for another writer before giving up.
    return PortalSQLiteEngine(path=str(path), timeout=30)


def bind_engine(engine: Engine) -> None:
    """Make every table of the portal, and Piccolo's migrations, use ``engine``."""
    from portal import piccolo_conf
    from portal.piccolo_app import APP_CONFIG

    piccolo_conf.DB = engine
    for table in APP_CONFIG.table_classes:
        table._meta.db = engine
    from piccolo.apps.migrations.tables import Migration

    Migration._meta.db = engine


async def prepare(engine: Engine) -> None:
    """Per-database set-up that must hold before any request: WAL on SQLite."""
    if isinstance(engine, SQLiteEngine):
        # WAL lets readers go on while one writer writes; the mode is stored in the file.
        with sqlite3.connect(engine.path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")


async def migrate(engine: Engine) -> None:
    """Run the migrations that have not run yet on ``engine``."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    bind_engine(engine)
    await prepare(engine)
    result = await run_forwards(app_name="portal")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")


async def start(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)


async def stop(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, PortalSQLiteEngine):
        await engine.close_kept()


# Set in the scope by the error handler when a request failed because SQLite would not let
# its read transaction write (``is_write_conflict``): ``RequestTransaction`` runs it again.
RUN_AGAIN_AS_WRITER = "portal.run_again_as_writer"


def is_write_conflict(exc: BaseException) -> bool:
    """SQLite refused a write: a transaction that had read saw another commit since (a busy
    snapshot, refused at once, whatever the timeout), or the lock stayed taken."""
    return isinstance(exc, sqlite3.OperationalError) and "database is locked" in str(exc)


# A write that changes nothing, on Piccolo's table of migrations: there in every migrated
# database, whatever the portal's own tables become.
HEALTH_PROBE = 'UPDATE "migration" SET "name" = "name" WHERE 1 = 0'


async def ping(engine: Engine) -> None:
    """Raise unless the database takes a write.

    The write changes nothing (an update of no row), yet it needs what any write needs:
    SQLite's write lock on a file it may write, a PostgreSQL transaction that is not
    read-only. It runs in a savepoint rolled back at once, inside the current transaction
    (a request's) or in one of its own, rolled back too: it leaves nothing, and a failed
    write leaves the transaction usable.
    """
    current = engine.current_transaction.get()
    if current is None:
        async with engine.transaction() as own:
            await engine.run_ddl(HEALTH_PROBE)
            await own.rollback()
        return
    savepoint = await current.savepoint("portal_health")
    try:
        await engine.run_ddl(HEALTH_PROBE)
    finally:
        await savepoint.rollback_to()
        await savepoint.release()


class RequestTransaction:
    """ASGI middleware: one database transaction, hence one connection, per request.

    The transaction starts at the request's first query (none for a page that
    reads nothing), commits just before the response starts, and rolls back
    when the response is a server error.
    """

    def __init__(
        self, app: ASGIApp, engine: PortalEngine, skip_prefixes: tuple[str, ...] = ("/static/",)
    ) -> None:
        self.app = app
        self.engine = engine
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        method = scope["method"]  # type: ignore[typeddict-item]
        if method not in SAFE_METHODS:
            await self._run(scope, receive, send, writer=False)
            return
        # A read that ends up writing (an audit event, a read mark) may find, on SQLite,
        # that someone else committed since it began reading: SQLite then refuses the
        # write. Such a request (it has no body) runs once more, from the start, as a
        # writer, which waits its turn instead; its first answer is never sent.
        first_try = dict(scope)
        first_try["state"] = dict(scope.get("state", {}))
        if await self._run(first_try, receive, send, writer=False, may_run_again=True):  # type: ignore[arg-type]
            log.info("%s %s ran again as a writer after a write conflict", method, scope["path"])
            await self._run(scope, receive, send, writer=True)

    async def _run(
        self, scope: Scope, receive: Receive, send: Send, *, writer: bool, may_run_again: bool = False
    ) -> bool:
        """Run the request in its transaction; True when it must run again (nothing was sent)."""
        # A server may run a connection's next request in the context of the one before
        # (uvicorn on asyncio after a large body: CPython #140947, uvicorn #2167): that
        # request's finished transaction must not be taken for this one's parent.
        self.engine.current_transaction.set(None)
        run_again = False
        async with self.engine.request_transaction(scope["method"], writer=writer) as txn:  # type: ignore[typeddict-item]
            finished = False

            async def send_after_commit(message: Message) -> None:
                nonlocal finished, run_again
                if run_again:
                    return  # the rest of an answer that is not sent
                if message["type"] == "http.response.start" and not finished:
                    finished = True
                    if message["status"] >= 500:
                        await txn.rollback()
                        if may_run_again and scope.get(RUN_AGAIN_AS_WRITER):
                            run_again = True
                            return
                    else:
                        await txn.commit()
                await send(message)

            await self.app(scope, receive, send_after_commit)
        return run_again
