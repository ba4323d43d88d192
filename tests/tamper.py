"""Change the audit trail as someone with the database's files or its owner's password could.

The append-only triggers are got out of the way first, to prove the hash chain catches what
the triggers did not stop. On SQLite the file is the test's own, so the triggers stay dropped;
on PostgreSQL they are off for the one transaction only.
"""

from __future__ import annotations

from pathlib import Path

import aiosqlite
import asyncpg

TABLES = ("audit_event", "audit_seal")


async def as_database_owner(
    sqlite_path: Path | None, database_url: str, sql: str, *args: object
) -> list[dict[str, object]]:
    """Run ``sql`` (``?`` placeholders) past the append-only triggers and commit; the rows it
    returns."""
    if sqlite_path is not None:
        async with aiosqlite.connect(sqlite_path) as conn:
            conn.row_factory = aiosqlite.Row
            for table in TABLES:
                for change in ("update", "delete"):
                    await conn.execute(f"DROP TRIGGER IF EXISTS {table}_no_{change}")
            rows = await conn.execute_fetchall(sql, args)
            await conn.commit()
        return [dict(row) for row in rows]
    for number in range(1, len(args) + 1):
        sql = sql.replace("?", f"${number}", 1)
    conn = await asyncpg.connect(database_url)
    try:
        async with conn.transaction():
            for table in TABLES:
                await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
            fetched = await conn.fetch(sql, *args)
            for table in TABLES:
                await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return [dict(row) for row in fetched]
    finally:
        await conn.close()
