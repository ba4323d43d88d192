"""Database engine choice, migrations, and one connection per request.

The embedded default is a SQLite file in WAL mode in the data folder; a
``postgresql://`` URL selects PostgreSQL with a connection pool.

Piccolo runs each query on a fresh connection unless a transaction is open
(on SQLite that is a new aiosqlite thread per query). ``RequestTransaction``
therefore gives each request one transaction: every query of the request shares
its connection, the request's writes land together or not at all, and the
commit happens before the response starts, so a person never sees "saved" for
something that was not. The transaction takes its connection at the request's
first query, so a page that reads nothing costs nothing.
``bench/db_connections.py`` measures the difference.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from portal.settings import Settings

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _LazyStart:
    """Mixin for Piccolo transactions: BEGIN waits for the first query.

    Entering only makes the transaction current; ``start`` (called by the
    engine before a query) takes a connection and begins. Committing or rolling
    back a transaction that never started does nothing.
    """

    engine: Any
    connection: Any
    context: Any
    _committed: bool
    _rolled_back: bool
    _parent: Any

    async def __aenter__(self) -> Any:
        if self._parent is not None:
            return self._parent
        self.connection = None
        self.context = self.engine.current_transaction.set(self)
        return self

    @property
    def started(self) -> bool:
        return self.connection is not None

    async def start(self) -> None:
        raise NotImplementedError

    async def commit(self) -> None:
        if self.started:
            await super().commit()  # type: ignore[misc]
        self._committed = True

    async def rollback(self) -> None:
        if self.started:
            await super().rollback()  # type: ignore[misc]
        self._rolled_back = True

    async def savepoint(self, name: str | None = None) -> Any:
        await self.start()
        return await super().savepoint(name)  # type: ignore[misc]

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._parent is not None or self.started:
            return bool(await super().__aexit__(exc_type, exc, tb))  # type: ignore[misc]
        self.engine.current_transaction.reset(self.context)
        return exc is None


class _LazySQLiteTransaction(_LazyStart, SQLiteTransaction):
    _paused = False

    async def start(self) -> None:
        if not self.started:
            self.connection = await self.get_connection()
            await self.begin()
        elif self._paused:
            self._paused = False
            await self.begin()

    async def pause(self) -> None:
        """Commit what was done so far, so the write lock is free; the next query begins again."""
        if self.started and not self._paused:
            await self.connection.execute("COMMIT")
            self._paused = True

    async def commit(self) -> None:
        if self._paused:
            self._committed = True
            return
        await super().commit()

    async def rollback(self) -> None:
        if self._paused:
            self._rolled_back = True
            return
        await super().rollback()


class _LazyPostgresTransaction(_LazyStart, PostgresTransaction):
    async def start(self) -> None:
        if not self.started:
            self.connection = await self.get_connection()
            self.transaction = self.connection.transaction()
            await self.begin()


class _StartsLazyTransactions:
    """Mixin for engines: a query inside a lazy transaction starts it first."""

    current_transaction: Any

    async def run_querystring(self, *args: Any, **kwargs: Any) -> Any:
        current = self.current_transaction.get()
        if isinstance(current, _LazyStart):
            await current.start()
        return await super().run_querystring(*args, **kwargs)  # type: ignore[misc]

    async def run_ddl(self, *args: Any, **kwargs: Any) -> Any:
        current = self.current_transaction.get()
        if isinstance(current, _LazyStart):
            await current.start()
        return await super().run_ddl(*args, **kwargs)  # type: ignore[misc]


class PortalSQLiteEngine(_StartsLazyTransactions, SQLiteEngine):
    def request_transaction(self, method: str) -> Any:
        # Reads take no write lock until they write; writers queue at BEGIN
        # instead of failing half-way when another writer holds the lock.
        kind = TransactionType.deferred if method in SAFE_METHODS else TransactionType.immediate
        return _LazySQLiteTransaction(engine=self, transaction_type=kind)


class PortalPostgresEngine(_StartsLazyTransactions, PostgresEngine):
    def request_transaction(self, method: str) -> Any:
        return _LazyPostgresTransaction(engine=self)


PortalEngine = PortalSQLiteEngine | PortalPostgresEngine


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


def engine_for(settings: Settings) -> PortalEngine:
    """The Piccolo engine the settings describe (nothing is opened yet)."""
    url = settings.database_url
    if url and url.startswith(("postgres://", "postgresql://")):
        return PortalPostgresEngine(config={"dsn": url})
    path = settings.sqlite_path
    if path is None:
        raise ValueError("PORTAL_DATABASE_URL must start with postgresql:// or sqlite:///")
    path.parent.mkdir(parents=True, exist_ok=True)
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


async def ping(engine: Engine) -> None:
    """Raise unless the database answers a trivial query."""
    await engine.run_ddl("SELECT 1")


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

    def _transaction(self, method: str) -> Any:
        return self.engine.request_transaction(method)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        # A server may run a connection's next request in the context of the one before
        # (uvicorn on asyncio after a large body: CPython #140947, uvicorn #2167): that
        # request's finished transaction must not be taken for this one's parent.
        self.engine.current_transaction.set(None)
        async with self._transaction(scope["method"]) as txn:  # type: ignore[typeddict-item]
            finished = False

            async def send_after_commit(message: Message) -> None:
                nonlocal finished
                if message["type"] == "http.response.start" and not finished:
                    finished = True
                    if message["status"] >= 500:
                        await txn.rollback()
                    else:
                        await txn.commit()
                await send(message)

            await self.app(scope, receive, send_after_commit)
