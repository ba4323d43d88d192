"""The demo people: they sign in, Jeanne's care circle is there, and the database
holds none of their identity in plain text."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from piccolo.table import Table

from portal.accounts.demo import DEMO_PASSWORD, DEMO_PEOPLE, seed_demo_people
from portal.circle.demo import seed_demo_circle
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from portal.piccolo_app import APP_CONFIG
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.people import portal_client, run


@pytest.fixture
def app(make_client: Any) -> Any:
    client = portal_client(make_client)

    async def seed() -> None:
        async with client.app.state.engine.transaction():
            await seed_demo_people(Keyring(TEST_MASTER_KEY))
            await seed_demo_circle(Keyring(TEST_MASTER_KEY))

    run(client, seed)
    return client


def _sign_in(app: Any, email: str) -> Any:
    data = {"_csrf_token": csrf(app), "identifier": email, "password": DEMO_PASSWORD}
    assert app.post("/sign-in", data=data, follow_redirects=False).status_code == 303
    message = next(m for m in read_outbox(app.app.state.settings.outbox_dir, limit=50) if m.to == email)
    code = "".join(re.search(r"\b(\d{3}) (\d{3})\b", message.body).groups())  # type: ignore[union-attr]
    return app.post("/sign-in/code", data={"_csrf_token": csrf(app), "code": code}, follow_redirects=False)


def test_jeanne_signs_in_and_finds_her_doctor_and_pharmacist(app):
    signed = _sign_in(app, "jeanne.dupont@example.org")
    assert signed.status_code == 303
    home = app.get("/", follow_redirects=True)
    assert page(home).text("main .lead") == "Hello Jeanne Dupont."
    circle = page(app.get("/space/circle"))
    members = circle.texts("main ul.rows > li.row .row-title")
    assert "Dr Anne Martin, general practitioner" in members and "Paul Girard, pharmacist" in members
    assert any(
        "they said they saw you for a consultation" in row for row in circle.texts("main ul.rows > li.row")
    )
    activity = page(app.get("/space/activity")).texts(".activity-item .activity-text")
    assert "You added Dr Anne Martin, general practitioner to your care circle." in activity


def test_seeding_again_adds_nobody(app):
    async def again() -> int:
        async with app.app.state.engine.transaction():
            return await seed_demo_people(Keyring(TEST_MASTER_KEY)) + await seed_demo_circle(
                Keyring(TEST_MASTER_KEY)
            )

    assert run(app, again) == 0


def _identity_values() -> list[str]:
    values = []
    for person in DEMO_PEOPLE.values():
        for name in ("family_name", "given_names", "nir", "email", "mobile", "postal_address", "rpps"):
            value = getattr(person.identity, name)
            if value:
                values.extend(value.split("\n"))
    return values


def test_no_identity_value_is_stored_in_plain_text(app, database_url):
    async def every_row() -> str:
        dump = []
        for table in APP_CONFIG.table_classes:
            assert issubclass(table, Table)
            dump.append(repr(await table.select()))
        return "\n".join(dump)

    dump = run(app, every_row)
    raw = b""
    if database_url.startswith("sqlite"):
        path = Path(database_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    for value in _identity_values():
        assert value not in dump, value
        assert value.encode() not in raw, value
