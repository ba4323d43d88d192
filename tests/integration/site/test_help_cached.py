"""Help points are read once per worker, not on every view of /help: counted in statements.

A change made by an operator's command shows at once in the process that made it (it
forgets its copy); a change made elsewhere (another process) shows once the copy is older
than ``HELP_POINTS_SECONDS``. Each test puts the demo help points back as they were.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from portal.site import services
from portal.site.tables import HelpPoint
from tests.integration.core.test_query_budget import counting

GUERET = "fs-gueret"
ITS_HOURS = services.DEMO_HELP_POINTS[0]["hours_en"]
NEW_HOURS = "Monday to Saturday, 8 am to 8 pm"


@pytest.fixture
def app(make_client: Any) -> Iterator[Any]:
    client = make_client(default_locale="en")
    yield client
    client.blocking_portal.call(_put_back)


async def _put_back() -> None:
    async with HelpPoint._meta.db.transaction():
        await services.seed_demo_help_points()


def statements(client: Any, path: str) -> tuple[int, str]:
    with counting(client) as sent:
        response = client.get(path)
    assert response.status_code == 200
    return len(sent), response.text


def change_hours_elsewhere(client: Any, hours: str) -> None:
    """What another process (another worker, an operator's SQL) does: write the table."""

    async def go() -> None:
        async with HelpPoint._meta.db.transaction():
            await HelpPoint.update({HelpPoint.hours_en: hours}).where(HelpPoint.slug == GUERET)

    client.blocking_portal.call(go)


def test_help_pages_read_the_help_points_once(app):
    first, page = statements(app, "/help")
    assert first == 1 and "France Services Guéret" in page
    for path in ("/help", "/help?department=23&page=1", "/help?department=19", "/help?page=2"):
        count, page = statements(app, path)
        assert count == 0, path
    assert "Ussel" in page or "Paris" in page  # page 2 of every department
    count, page = statements(app, "/help?department=23&page=1")
    assert count == 0 and "Guéret" in page and "Ussel" not in page


def test_a_change_made_elsewhere_shows_once_the_copy_is_old_enough(app, monkeypatch):
    assert ITS_HOURS in statements(app, "/help?department=23")[1]
    change_hours_elsewhere(app, NEW_HOURS)
    count, page = statements(app, "/help?department=23")
    assert count == 0 and ITS_HOURS in page  # for at most HELP_POINTS_SECONDS
    monkeypatch.setattr(services, "HELP_POINTS_SECONDS", 0.0)  # the copy is now too old
    count, page = statements(app, "/help?department=23")
    assert count == 1 and NEW_HOURS in page and ITS_HOURS not in page


def test_the_operators_command_drops_the_copy_of_its_own_process(app):
    change_hours_elsewhere(app, NEW_HOURS)
    assert NEW_HOURS in statements(app, "/help?department=23")[1]
    assert statements(app, "/help?department=23")[0] == 0
    # `portal demo` puts the demo help points back: this process shows them at once.
    app.blocking_portal.call(_put_back)
    count, page = statements(app, "/help?department=23")
    assert count == 1 and ITS_HOURS in page and NEW_HOURS not in page


def test_each_engine_reads_its_own_help_points(make_client):
    """A new app (a test's, a command's) never shows what another engine read."""
    first = make_client(default_locale="en")
    assert statements(first, "/help")[0] in (0, 1)
    assert statements(first, "/help")[0] == 0
    second = make_client(default_locale="en")
    assert statements(second, "/help")[0] == 1
