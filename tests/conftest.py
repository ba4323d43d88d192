"""Shared fixtures: real databases (a SQLite file, and PostgreSQL when reachable) and a
Litestar test client that runs the page check on every HTML page it receives."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar.testing import TestClient

from portal.app import create_app
from portal.core import db
from portal.core.tables import AttemptCounter
from portal.settings import Settings
from portal.site.services import seed_demo_help_points
from tests.pagecheck import check_page

# One master key for every test that seals values: the session's databases are shared, and
# the system's index key, made by whichever test comes first, must open for all of them.
TEST_MASTER_KEY = bytes(range(32))

POSTGRES_ADMIN_URL = os.environ.get("PORTAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE_POSTGRES = os.environ.get("PORTAL_REQUIRE_POSTGRES") == "1"


async def _postgres(query: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
    try:
        await conn.execute(query)
    finally:
        await conn.close()


def _postgres_reachable() -> bool:
    try:
        asyncio.run(_postgres("SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    return True


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh, migrated database of each kind, for the whole session."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.sqlite'}"
        asyncio.run(_migrate_and_seed(url, tmp_path_factory.mktemp("data")))
        yield url
        return
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    name = f"portal_test_{secrets.token_hex(4)}"
    asyncio.run(_postgres(f"CREATE DATABASE {name}"))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(_migrate_and_seed(url, tmp_path_factory.mktemp("data")))
    yield url
    asyncio.run(_postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def _migrate_and_seed(url: str, data_dir: Path) -> None:
    """Migrate, then load the demo help points (public data every test may read)."""
    engine = db.engine_for(_settings(data_dir, url))
    await db.migrate(engine)
    async with engine.transaction():
        await seed_demo_help_points()


def _settings(data_dir: Path, url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": url,
        "migrate_on_start": False,
        **overrides,
    }
    return Settings(**values)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return _settings(tmp_path / "data", database_url)


@pytest.fixture
def engine(settings: Settings) -> Any:
    """The engine of the session's database, bound to every table, for service-level tests."""
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    return engine


class CheckedClient(TestClient):  # type: ignore[type-arg]
    """A test client that runs the page check on every HTML response."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        response = super().request(*args, **kwargs)
        if response.headers.get("content-type", "").startswith("text/html") and "<html" in response.text:
            check_page(response.text)
        return response


async def _forget_tries() -> None:
    await AttemptCounter.delete(force=True)


@pytest.fixture
def make_client(settings: Settings) -> Iterator[Any]:
    """Build a started client for ``settings`` with some of them changed."""
    clients: list[CheckedClient] = []

    def make(**overrides: Any) -> CheckedClient:
        app = create_app(Settings(**{**settings.__dict__, **overrides}))
        client = CheckedClient(app, base_url=overrides.pop("base_url", "http://testserver.local"))
        client.__enter__()
        # Every test client comes from the same address: each test starts with no try counted.
        client.blocking_portal.call(_forget_tries)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Any) -> CheckedClient:
    client: CheckedClient = make_client()
    return client


def csrf(client: TestClient) -> str:  # type: ignore[type-arg]
    """The CSRF token a page would have put in its forms (fetching a page if needed)."""
    if "csrftoken" not in client.cookies:
        client.get("/")
    return str(client.cookies["csrftoken"])


# A real SMTP server on 127.0.0.1, for every test that sends mail.
from tests.smtp import smtp_server  # noqa: E402, F401
