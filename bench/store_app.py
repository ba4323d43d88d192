"""A bare Litestar app storing an uploaded file unencrypted: the baseline of ``bench.documents``.

One route, ``POST /store``, reads the same multipart form the portal's
``POST /space/documents/add`` gets (a ``file`` part and a few fields), and inserts
the file's bytes, in 1 MiB chunks, into a SQLite table (WAL mode), in one
transaction on a connection opened for the request (aiosqlite, as the portal's
SQLite engine does). It answers 303, as the portal does. There is no middleware:
no session, CSRF, access check, encryption, sealed details nor audit event;
whatever the portal costs beyond this route is its own work.

The database file is ``$BENCH_STORE_DB`` (default ``store.sqlite3`` in the
current folder). Run it as uvicorn does in the benchmark::

    BENCH_STORE_DB=/tmp/store.sqlite3 .venv/bin/python -m uvicorn bench.store_app:app --port 8002
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import aiosqlite
from litestar import Litestar, Request, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException
from litestar.response import Redirect

CHUNK_BYTES = 1024 * 1024  # as portal.documents.storage.CHUNK_BYTES
MAX_BODY_BYTES = 25_000_000  # as the portal's default PORTAL_MAX_BODY_BYTES
MAX_FILE_BYTES = 20_000_000  # as the portal's default PORTAL_MAX_DOCUMENT_BYTES


def database_path() -> Path:
    return Path(os.environ.get("BENCH_STORE_DB", "store.sqlite3"))


def create_tables() -> None:
    with sqlite3.connect(database_path()) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(
            "CREATE TABLE IF NOT EXISTS stored_file "
            "(id TEXT PRIMARY KEY, title TEXT NOT NULL, size INTEGER NOT NULL, chunk_count INTEGER NOT NULL)"
        )
        conn.execute(
            "CREATE TABLE IF NOT EXISTS stored_chunk (id INTEGER PRIMARY KEY, "
            "file TEXT NOT NULL REFERENCES stored_file(id), position INTEGER NOT NULL, data BLOB NOT NULL)"
        )
        conn.execute("CREATE INDEX IF NOT EXISTS stored_chunk_file ON stored_chunk(file)")


@get("/healthz", media_type="text/plain")
async def healthz() -> str:
    return "ok"


@post("/store", status_code=303)
async def store(request: Request[Any, Any, Any]) -> Redirect:
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ClientException("no file")
    content = await upload.read(MAX_FILE_BYTES + 1)
    if not content or len(content) > MAX_FILE_BYTES:
        raise ClientException("empty or too big")
    title = str(form.get("title", ""))
    file_id = str(uuid.uuid4())
    count = max(1, -(-len(content) // CHUNK_BYTES))
    async with aiosqlite.connect(database_path(), timeout=30) as conn:
        await conn.execute("BEGIN IMMEDIATE")
        await conn.execute(
            "INSERT INTO stored_file (id, title, size, chunk_count) VALUES (?, ?, ?, ?)",
            (file_id, title, len(content), count),
        )
        await conn.executemany(
            "INSERT INTO stored_chunk (file, position, data) VALUES (?, ?, ?)",
            (
                (file_id, position, content[position * CHUNK_BYTES : (position + 1) * CHUNK_BYTES])
                for position in range(count)
            ),
        )
        await conn.commit()
    return Redirect(path=f"/stored/{file_id}", status_code=303)


app = Litestar(
    route_handlers=[healthz, store],
    on_startup=[create_tables],
    request_max_body_size=MAX_BODY_BYTES,
    openapi_config=None,
    debug=False,
)
