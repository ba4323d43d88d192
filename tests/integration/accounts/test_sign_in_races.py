"""Tries sent all at once against a live portal (``portal serve``, one worker), on SQLite
and on PostgreSQL: the lock-out holds however many arrive together.

What is asserted is what the server answered, never how long it took: a try that was
checked answers 400 ("not right"), a try refused without being checked answers 429.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator

import asyncpg
import httpx
import pytest

from bench.common import Server, portal_server
from portal.accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE
from portal.core import throttle
from tests.conftest import POSTGRES_ADMIN_URL, REQUIRE_POSTGRES, _postgres, _postgres_reachable

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EMAIL = str(next(iter(DEMO_PEOPLE.values())).identity.email)
AT_ONCE = 40


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    """A live portal that takes the address a local proxy names (so each try may come
    from an address of its own)."""
    settings = {"PORTAL_TRUSTED_PROXIES": "127.0.0.1"}
    if request.param == "sqlite":
        with portal_server(settings=settings) as live:
            yield live
        return
    if not _postgres_reachable():
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL is required but not reachable at {POSTGRES_ADMIN_URL}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}")
    name = f"portal_race_{secrets.token_hex(4)}"
    asyncio.run(_postgres(f"CREATE DATABASE {name}"))
    try:
        with portal_server(POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", settings) as live:
            yield live
    finally:
        try:
            asyncio.run(_postgres(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        except asyncpg.PostgresError:
            pass


async def _all_at_once(server: Server, tries: list[tuple[str, str, str]]) -> list[int]:
    """Send every (address, identifier, password) try at the same moment; their statuses."""
    limits = httpx.Limits(max_connections=len(tries), max_keepalive_connections=len(tries))
    async with httpx.AsyncClient(base_url=server.base_url, limits=limits, timeout=120) as client:
        await client.get("/sign-in")
        token = client.cookies["csrftoken"]
        start = asyncio.Event()

        async def one(address: str, identifier: str, password: str) -> int:
            await start.wait()
            response = await client.post(
                "/sign-in",
                data={"_csrf_token": token, "identifier": identifier, "password": password},
                headers={"X-Forwarded-For": address},
            )
            return response.status_code

        tasks = [asyncio.create_task(one(*attempt)) for attempt in tries]
        await asyncio.sleep(0.2)  # every task waits at the start line
        start.set()
        return list(await asyncio.gather(*tasks))


def test_forty_wrong_passwords_at_once_from_forty_addresses_check_at_most_five(server: Server) -> None:
    tries = [(f"10.1.0.{n}", EMAIL, f"wrong guess {n}") for n in range(AT_ONCE)]
    statuses = asyncio.run(_all_at_once(server, tries))
    assert set(statuses) <= {400, 429}, statuses
    assert statuses.count(400) <= throttle.FREE_FAILURES, statuses
    assert statuses.count(429) >= AT_ONCE - throttle.FREE_FAILURES
    # The account is locked now: the right password, from yet another address, is refused unchecked.
    assert asyncio.run(_all_at_once(server, [("10.1.1.1", EMAIL, DEMO_PASSWORD)])) == [429]


def test_a_hundred_tries_at_once_from_one_address_check_at_most_five(server: Server) -> None:
    tries = [("10.2.0.1", f"nobody{n}@example.org", "wrong guess") for n in range(100)]
    statuses = asyncio.run(_all_at_once(server, tries))
    assert set(statuses) <= {400, 429}, statuses
    assert statuses.count(400) <= throttle.FREE_FAILURES, statuses
    # Another address is not locked by it.
    assert asyncio.run(_all_at_once(server, [("10.2.0.2", "nobody@example.org", "wrong")])) == [400]
