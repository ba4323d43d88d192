"""The portal's Piccolo engines: kept connections, lazy transactions, statements sent as is.

Connections are kept and used again. On PostgreSQL that is asyncpg's pool. On SQLite,
Piccolo would open a connection (a thread, and SQLite reading the schema again) for every
transaction and for every query outside one, and send ``PRAGMA foreign_keys = 1`` before
every query: ``PortalSQLiteEngine`` keeps the connections it opened (``SQLITE_KEEP`` at
most) and hands them out again, sets the pragma once when it opens one, and runs a query
in one trip to the connection's thread. Writers still take turns: a transaction that
writes begins IMMEDIATE and waits (up to the engine's timeout) for the one writer before
it. ``bench/db_connections.py`` measures the difference.

A request's transaction is lazy (``_LazyStart``): it begins at the request's first query.
``portal.core.db`` is what the rest of the portal uses: the engine's choice, the request's
transaction, ``aside`` and ``apart``, ``Statement``.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiosqlite
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.querystring import QueryString

if TYPE_CHECKING:
    from portal.core.db import Statement

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class _LazyStart:
    """Mixin for Piccolo transactions: BEGIN waits for the first query.

    Entering only makes the transaction current; ``start`` (called by the
    engine before a query) takes a connection and begins. Committing or rolling
    back a transaction that never started does nothing.

    ``pause`` ends what was begun so far (commit, or roll back) and keeps the
    connection: the next query begins a new transaction on it. That is how a
    request lets go of SQLite's write lock before slow work (``release_write_lock``)
    and keeps a block's work apart from the rest of the request (``apart``).
    """

    engine: Any
    connection: Any
    context: Any
    _committed: bool
    _rolled_back: bool
    _parent: Any
    _open = False  # a transaction is begun on the connection and not yet ended
    _wrote = False  # the transaction begun holds (or asked for) the write lock
    reads_only = False  # the transaction of a request that only reads (GET, HEAD)
    _aside = 0  # blocks of ``aside`` under way

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
        if self.connection is None:
            self.connection = await self.get_connection()  # type: ignore[attr-defined]
        if not self._open:
            await self._begin()
            self._open = True

    async def _begin(self) -> None:
        raise NotImplementedError

    async def _end(self, keep: bool) -> None:
        raise NotImplementedError

    async def pause(self, *, keep: bool = True) -> None:
        """End the transaction begun so far (commit it, or roll it back when not ``keep``)."""
        if self._open:
            self._open = False
            self._wrote = False
            await self._end(keep)

    async def commit(self) -> None:
        await self.pause()
        self._committed = True

    async def rollback(self) -> None:
        await self.pause(keep=False)
        self._rolled_back = True

    async def savepoint(self, name: str | None = None) -> Any:
        await self.start()
        return await super().savepoint(name)  # type: ignore[misc]

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._parent is None and self._open and (self._committed or self._rolled_back):
            # Queries run after the answer (a background task) began a transaction again:
            # end it too, or the connection goes back to the pool with it still open.
            await self.pause(keep=exc is None)
        if self._parent is not None or self.started:
            return bool(await super().__aexit__(exc_type, exc, tb))  # type: ignore[misc]
        self.engine.current_transaction.reset(self.context)
        return exc is None


class _KeptSQLiteTransaction(SQLiteTransaction):
    """A SQLite transaction whose connection goes back to the engine's keeping, not closed."""

    engine: PortalSQLiteEngine

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        if self._parent:
            return exc is None
        try:
            if exc is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            if self.connection is not None:
                await self.engine.put_back(self.connection)
            self.engine.current_transaction.reset(self.context)
        return exc is None


class _LazySQLiteTransaction(_LazyStart, _KeptSQLiteTransaction):
    async def _begin(self) -> None:
        await self.begin()
        self._wrote = self.transaction_type is TransactionType.immediate

    async def _end(self, keep: bool) -> None:
        await self.connection.execute("COMMIT" if keep else "ROLLBACK")


class _LazyPostgresTransaction(_LazyStart, PostgresTransaction):
    async def _begin(self) -> None:
        self.transaction = self.connection.transaction()
        await self.begin()

    async def _end(self, keep: bool) -> None:
        await (self.transaction.commit() if keep else self.transaction.rollback())


_WRITES = frozenset({"INSERT", "UPDATE", "DELETE"})


def _first_word(querystring: Any) -> str:
    """The statement's first word ("SELECT", "UPDATE"...), in capitals. Piccolo marks only
    inserts as writes (``query_type``); an update or a delete is "generic" like a select,
    so the words themselves are read: the template's, or its first part's when the
    template begins with one (an update is "{} WHERE {}", its first part "UPDATE ...")."""
    while True:
        template = querystring.template.lstrip()
        if template.startswith("{}") and querystring.args and isinstance(querystring.args[0], QueryString):
            querystring = querystring.args[0]
            continue
        return template[:6].upper()


class _StartsLazyTransactions:
    """Mixin for engines: a query inside a lazy transaction starts it first.

    It also notes, in ``writes_in_reads``, a write that a page which only reads makes
    in its own transaction rather than ``aside``: on SQLite such a write fails when
    someone else wrote since the page began reading (and the page runs again), and it
    holds the write lock while the page renders. Tests keep the list empty.
    """

    current_transaction: Any
    writes_in_reads: list[str]

    async def run_querystring(self, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        current = self.current_transaction.get()
        if isinstance(current, _LazyStart):
            await current.start()
            if _first_word(querystring) in _WRITES:
                table = querystring.table
                self._wrote(
                    current, str(table._meta.tablename) if table is not None else str(querystring)[:40]
                )
        return await super().run_querystring(querystring, *args, **kwargs)  # type: ignore[misc]

    async def run_ddl(self, ddl: str, *args: Any, **kwargs: Any) -> Any:
        current = self.current_transaction.get()
        if isinstance(current, _LazyStart):
            await current.start()
            if ddl.lstrip()[:6].upper() in _WRITES:
                self._wrote(current, " ".join(ddl.split()[:3]))
        return await super().run_ddl(ddl, *args, **kwargs)  # type: ignore[misc]

    def _wrote(self, current: _LazyStart, table: str) -> None:
        """The request's transaction wrote (it holds SQLite's write lock until it ends)."""
        current._wrote = True
        if current.reads_only and not current._aside:
            self.writes_in_reads.append(table)

    async def run_statement(self, statement: Statement, args: Sequence[Any]) -> list[dict[str, Any]]:
        """Send a ``Statement`` as it is, in the current transaction when there is one."""
        current = self.current_transaction.get()
        if isinstance(current, _LazyStart):
            await current.start()
        sql = statement.sql_for(self.engine_type)  # type: ignore[attr-defined]
        if current is not None:
            rows = await self._run_in_transaction(current.connection, sql, args)
        else:
            rows = await self._run_outside(sql, args)
        return self.transform_response_to_dicts(rows)  # type: ignore[attr-defined]

    async def _run_in_transaction(self, connection: Any, sql: str, args: Sequence[Any]) -> Any:
        raise NotImplementedError

    async def _run_outside(self, sql: str, args: Sequence[Any]) -> Any:
        raise NotImplementedError


_READ_ONLY = "_portal_read_only"  # set on a kept connection that found its file read-only

SQLITE_KEEP = 16
"""Idle SQLite connections an engine keeps for later (each is a thread and an open file)."""


class PortalSQLiteEngine(_StartsLazyTransactions, SQLiteEngine):
    """Piccolo's SQLite engine, with its connections kept and used again (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writes_in_reads = []
        self._idle: list[aiosqlite.Connection] = []
        self._idle_lock = threading.Lock()  # tests drive one engine from several event loops
        self.connections_opened = 0

    async def get_connection(self) -> aiosqlite.Connection:
        """A kept connection, or a new one: foreign keys on, rows as dicts, and a thread
        that does not keep the process alive once everything else has stopped."""
        with self._idle_lock:
            connection = self._idle.pop() if self._idle else None
        if connection is not None:
            return connection
        connection = aiosqlite.connect(**self.connection_kwargs)
        connection._thread.daemon = True  # set before the thread starts, when awaited
        await connection
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        if not os.access(self.path, os.W_OK):
            # SQLite opens a file it may not write read-only, and it stays so: not kept.
            setattr(connection, _READ_ONLY, True)
        self.connections_opened += 1
        return connection

    async def put_back(self, connection: aiosqlite.Connection) -> None:
        """Keep ``connection`` for a later query, or close it: when it is still inside a
        transaction (something went wrong half-way) or enough are kept already."""
        with self._idle_lock:
            keep = (
                not connection.in_transaction
                and not getattr(connection, _READ_ONLY, False)
                and len(self._idle) < SQLITE_KEEP
            )
            if keep:
                self._idle.append(connection)
        if not keep:
            await connection.close()

    async def close_kept(self) -> None:
        with self._idle_lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        # One trip to the connection's thread (execute and fetch together); foreign keys
        # were switched on when the connection was opened.
        try:
            return await connection.execute_fetchall(query, args or [])
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc):
                # SQLite opened the file read-only (its mode then) and stays so: neither this
                # connection nor those kept (opened as it was) are used again, so the next
                # opens the file as it is by then (an operator may have fixed its mode).
                setattr(connection, _READ_ONLY, True)
                await self.close_kept()
            raise

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        # Outside a transaction: a kept connection in autocommit mode (Piccolo's default
        # isolation_level=None), so the statement is committed when it returns.
        connection = await self.get_connection()
        try:
            return await self._run_in_existing_connection(connection, query, args)
        finally:
            await self.put_back(connection)

    async def _run_in_transaction(self, connection: Any, sql: str, args: Sequence[Any]) -> Any:
        return await self._run_in_existing_connection(connection, sql, list(args))

    async def _run_outside(self, sql: str, args: Sequence[Any]) -> Any:
        return await self._run_in_new_connection(sql, list(args))

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _KeptSQLiteTransaction(
            engine=self, transaction_type=transaction_type, allow_nested=allow_nested
        )

    def request_transaction(self, method: str, *, writer: bool = False) -> Any:
        # Reads take no write lock until they write; writers queue at BEGIN
        # instead of failing half-way when another writer holds the lock.
        deferred = method in SAFE_METHODS and not writer
        kind = TransactionType.deferred if deferred else TransactionType.immediate
        transaction = _LazySQLiteTransaction(engine=self, transaction_type=kind)
        transaction.reads_only = method in SAFE_METHODS
        return transaction


class PortalPostgresEngine(_StartsLazyTransactions, PostgresEngine):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.writes_in_reads = []

    async def _run_in_transaction(self, connection: Any, sql: str, args: Sequence[Any]) -> Any:
        return await connection.fetch(sql, *args)

    async def _run_outside(self, sql: str, args: Sequence[Any]) -> Any:
        if self.pool:
            return await self._run_in_pool(sql, list(args))
        return await self._run_in_new_connection(sql, list(args))

    def request_transaction(self, method: str, *, writer: bool = False) -> Any:
        transaction = _LazyPostgresTransaction(engine=self)
        transaction.reads_only = method in SAFE_METHODS
        return transaction


PortalEngine = PortalSQLiteEngine | PortalPostgresEngine
