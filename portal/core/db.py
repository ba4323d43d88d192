"""Database engine choice, migrations, and one connection per request.

The embedded default is a SQLite file in WAL mode in the data folder; a
``postgresql://`` URL selects PostgreSQL with a connection pool.

Piccolo runs each query on a fresh connection unless a transaction is open
(on SQLite that is a new aiosqlite thread per query). ``RequestTransaction``
therefore opens one transaction per request: every query of the request shares
its connection, the request's writes land together or not at all, and the
commit happens before the response starts, so a person never sees "saved" for
something that was not. ``bench/db_connections.py`` measures the difference.
"""

from __future__ import annotations

import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from portal.settings import Settings

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def engine_for(settings: Settings) -> Engine:
    """The Piccolo engine the settings describe (nothing is opened yet)."""
    url = settings.database_url
    if url and url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config={"dsn": url})
    path = settings.sqlite_path
    if path is None:
        raise ValueError("PORTAL_DATABASE_URL must start with postgresql:// or sqlite:///")
    path.parent.mkdir(parents=True, exist_ok=True)
    # timeout: how long a writer waits for another writer before giving up.
    return SQLiteEngine(path=str(path), timeout=30)


def bind_engine(engine: Engine) -> None:
    """Make every table of the portal, and Piccolo's migrations, use ``engine``."""
    from portal import piccolo_conf
    from portal.piccolo_app import APP_CONFIG

    piccolo_conf.DB = engine
    for table in APP_CONFIG.table_classes:
        table._meta.db = engine
    from piccolo.apps.migrations.tables import Migration

    Migration._meta.db = engine


def is_sqlite(engine: Engine) -> bool:
    return isinstance(engine, SQLiteEngine)


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


class RequestTransaction:
    """ASGI middleware: one database transaction, hence one connection, per request.

    Reads open a deferred transaction (SQLite takes no write lock until a write);
    other methods open an immediate one so two writers queue instead of failing
    half-way. The transaction commits just before the response starts, or rolls
    back when the response is a server error.
    """

    def __init__(self, app: ASGIApp, engine: Engine, skip_prefixes: tuple[str, ...] = ("/static/",)) -> None:
        self.app = app
        self.engine = engine
        self.skip_prefixes = skip_prefixes

    def _transaction(self, method: str) -> Any:
        if isinstance(self.engine, SQLiteEngine):
            kind = TransactionType.deferred if method in SAFE_METHODS else TransactionType.immediate
            return self.engine.transaction(transaction_type=kind)
        return self.engine.transaction()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
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
