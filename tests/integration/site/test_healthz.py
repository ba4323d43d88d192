"""/healthz tells the truth: 200 "ok" only when the database takes a write (one that changes
nothing) and the data folder a new file; else 503 and a few words, never a path or a trace."""

from __future__ import annotations

import asyncio
import ctypes
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from piccolo.apps.migrations.tables import Migration

from portal.app import create_app
from portal.core import db
from portal.settings import Settings
from tests.conftest import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES, CheckedClient, _postgres, _postgres_reachable
from tests.integration.core.test_cli import running_portal, serve_environment


def _no_leftovers(folder: Path) -> bool:
    return not list(folder.glob(".healthz-*"))


def test_it_says_ok_when_the_database_takes_a_write_and_the_folder_a_file(client, settings):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"
    assert response.headers["content-type"].startswith("text/plain")
    assert _no_leftovers(settings.data_dir)


def test_head_answers_the_same_without_a_body(client):
    response = client.head("/healthz")
    assert response.status_code == 200 and response.content == b""
    assert response.headers["content-type"].startswith("text/plain")


def test_a_data_folder_gone_is_a_503_with_a_short_reason(client, settings, caplog):
    moved = settings.data_dir.with_name("moved-away")
    settings.data_dir.rename(moved)
    try:
        response = client.get("/healthz")
        head = client.head("/healthz")
    finally:
        moved.rename(settings.data_dir)
    assert response.status_code == 503 and response.text == "data folder not writable"
    assert response.headers["content-type"].startswith("text/plain")
    assert head.status_code == 503 and head.content == b""
    # The operator finds the path in the log; the body names none.
    assert f"health check: cannot make a file in {settings.data_dir}: No such file" in caplog.text
    assert client.get("/healthz").text == "ok"


def test_the_write_changes_nothing_and_keeps_what_the_transaction_did_before(engine):
    """In a request's transaction the check's savepoint is rolled back, not the request's work."""
    name = f"healthz-{secrets.token_hex(4)}"

    async def run() -> tuple[int, int]:
        async with engine.request_transaction("POST") as transaction:
            await Migration.insert(Migration(name=name, app_name="healthz-test"))
            await db.ping(engine)
            await db.ping(engine)
            kept = await Migration.count().where(Migration.name == name)
            await transaction.rollback()
        await db.ping(engine)  # in a transaction of its own, outside any request
        return kept, await Migration.count().where(Migration.name == name)

    assert asyncio.run(run()) == (1, 0)


# --------------------------------------------------------------------------- PostgreSQL, read-only


@pytest.fixture
def read_only_postgres(tmp_path: Path) -> Iterator[str]:
    """A throwaway PostgreSQL database, migrated, then made read-only for every new session."""
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    name = f"portal_healthz_{secrets.token_hex(4)}"
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_postgres(f"CREATE DATABASE {name}"))
    try:
        engine = db.engine_for(Settings(data_dir=tmp_path / "data", database_url=url))
        asyncio.run(db.migrate(engine))
        asyncio.run(_postgres(f"ALTER DATABASE {name} SET default_transaction_read_only = on"))
        yield url
    finally:
        asyncio.run(_postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def test_on_postgresql_a_read_only_database_is_a_503(read_only_postgres, tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url=read_only_postgres, migrate_on_start=False)
    with CheckedClient(create_app(settings), base_url="http://testserver.local") as client:
        for _ in range(2):  # the check fails the same way each time: nothing was left broken
            response = client.get("/healthz")
            assert response.status_code == 503 and response.text == "database does not take writes"
        head = client.head("/healthz")
        assert head.status_code == 503 and head.content == b""
        # It still reads: a public page that only reads answers.
        assert client.get("/help").status_code == 200


def test_a_refused_write_leaves_the_request_transaction_usable(read_only_postgres, tmp_path):
    engine = db.engine_for(Settings(data_dir=tmp_path / "data", database_url=read_only_postgres))

    async def run() -> list[int]:
        await db.start(engine)
        try:
            with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                await db.ping(engine)  # in a transaction of its own
            async with engine.request_transaction("GET"):
                with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                    await db.ping(engine)
                # Without the savepoint: "current transaction is aborted".
                rows = await engine.run_ddl("SELECT 1 AS one")
                return [row["one"] for row in rows]
        finally:
            await db.stop(engine)

    assert asyncio.run(run()) == [1]


# --------------------------------------------------------------------------- SQLite, read-only file

PR_CAPBSET_DROP = 24
# CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER: what lets root ignore a file's mode.
ROOT_OVERRIDES = (1, 2, 3)


def _like_an_ordinary_user() -> Callable[[], None] | None:
    """For a server started by root (a container): run it without the powers that let root
    write a read-only file, as the portal runs in production, so a file's mode counts."""
    if os.geteuid() != 0:
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl

    def drop() -> None:
        for capability in ROOT_OVERRIDES:
            if prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
                raise OSError(ctypes.get_errno(), "cannot drop root's file overrides")

    return drop


def test_on_sqlite_a_read_only_database_file_or_data_folder_is_a_503(tmp_path):
    data, database = tmp_path / "data", tmp_path / "database" / "portal.sqlite"
    environ = serve_environment(
        data, PORTAL_DATABASE_URL=f"sqlite:///{database}", PORTAL_MIGRATE_ON_START="0"
    )
    migrated = subprocess.run(
        [sys.executable, "-m", "portal.cli", "migrate"], env=environ, capture_output=True, check=False
    )
    assert migrated.returncode == 0, migrated.stderr
    # Read-only from the start: a file made read-only while the portal runs may still be
    # written through a descriptor SQLite opened before (and reuses), which proves nothing.
    database.chmod(0o400)
    with running_portal(environ, tmp_path / "serve.log", preexec_fn=_like_an_ordinary_user()) as served:
        health = f"{served.base_url}/healthz"
        refused = httpx.get(health)
        assert refused.status_code == 503 and refused.text == "database does not take writes"
        head = httpx.head(health)
        assert head.status_code == 503 and head.content == b""
        assert httpx.get(f"{served.base_url}/help").status_code == 200  # it still reads
        # The operator's fix: the files SQLite made beside it meanwhile took the same mode.
        for path in database.parent.glob("portal.sqlite*"):
            path.chmod(0o600)
        assert httpx.get(health).text == "ok"

        data.chmod(0o500)
        refused = httpx.get(health)
        data.chmod(0o700)
        assert refused.status_code == 503 and refused.text == "data folder not writable"
        assert httpx.get(health).text == "ok"
        assert _no_leftovers(data)
    log = served.log()
    assert "the database does not take a write: attempt to write a readonly database" in log
    assert f"cannot make a file in {data}: Permission denied" in log
