"""An analyst sees counts, never a record: every page that shows or changes someone's
record is missing for them, and the policy allows them nothing in anyone's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from portal.circle.services import add_to_circle
from portal.core.access import Action, Actor, Area, Role, decide
from tests.conftest import csrf
from tests.people import make_person, portal_client, run, sign_in_as


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _patient(app: Any) -> UUID:
    patient = make_person(app, given_names="Odile", family_name="Vasseur")
    doctor = make_person(app, Role.PROFESSIONAL, profession="general_practitioner")

    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=doctor, joined_by="invited")

    run(app, go)
    return patient


def test_an_analyst_reaches_no_page_of_a_record(app):
    patient = _patient(app)
    analyst = make_person(app, Role.ANALYST, given_names="Luc", family_name="Moreau")
    sign_in_as(app, analyst, Role.ANALYST)
    assert app.get("/agency").status_code == 200
    for path in (
        "/space",
        "/space/documents",
        "/space/profile",
        "/space/messages",
        "/space/close",
        "/pro",
        f"/pro/patients/{patient}",
        f"/pro/patients/{patient}/profile",
        f"/pro/patients/{patient}/notes",
        "/mediator",
    ):
        answer = app.get(path, follow_redirects=False)
        assert answer.status_code == 404, path
        assert "Vasseur" not in answer.text
    for path in (f"/mediator/invitations/{patient}/letter", f"/pro/patients/{patient}/documents"):
        assert app.post(path, data={"_csrf_token": csrf(app)}).status_code == 404, path


def test_the_policy_allows_an_analyst_nothing_in_anyone_s_record(app):
    patient = _patient(app)
    analyst = Actor(account_id=make_person(app, Role.ANALYST), role=Role.ANALYST)

    async def allowed() -> list[tuple[Area, Action]]:
        return [
            (area, action)
            for area in Area
            for action in Action
            if await decide(analyst, patient, area, action)
        ]

    assert run(app, allowed) == []
