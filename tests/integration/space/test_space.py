"""The patient's home page and closing a space for good."""

from __future__ import annotations

from typing import Any

import pytest

from portal.accounts.tables import Account, Identity
from portal.circle.services import add_to_circle
from portal.circle.tables import CircleMember
from portal.core.access import Action, Actor, Area, Role, decide
from portal.core.keys import key_owner
from portal.core.tables import DataKey, Session
from portal.documents.tables import Document
from tests.conftest import csrf
from tests.html import page
from tests.people import PASSWORD, act_for, delegate, make_person, portal_client, run, sign_in_as
from tests.trail import audit_events


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def test_a_signed_in_person_starts_on_their_own_home_page(app):
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    sign_in_as(app, patient)
    home = app.get("/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/space"
    shown = page(app.get("/space"))
    assert shown.text("main .lead") == "Hello Jeanne Dupont."
    cards = [link["href"] for link in shown.all("main .cards .card-title a")]
    assert "/space/activity" in cards and "/space/circle" in cards


def test_the_space_is_for_patients_only(app):
    doctor = make_person(app, Role.PROFESSIONAL, profession="general_practitioner")
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert app.get("/space").status_code == 404
    assert app.get("/space/close").status_code == 404
    assert app.get("/", follow_redirects=False).headers["location"] == "/pro"


def test_without_a_session_the_space_asks_to_sign_in(app):
    response = app.get("/space/close", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=%2Fspace%2Fclose"


def _close(app: Any, **data: str) -> Any:
    return app.post("/space/close", data={"_csrf_token": csrf(app), **data}, follow_redirects=False)


def test_closing_needs_the_password(app):
    patient = make_person(app, password=PASSWORD)
    sign_in_as(app, patient)
    assert "Everything in your space is erased for good" in page(app.get("/space/close")).text("main")
    empty = _close(app, password="")
    assert empty.status_code == 400
    assert page(empty).field_error("password") == "Type your password to close your space."
    wrong = _close(app, password="not my password")
    assert (
        wrong.status_code == 400
        and page(wrong).field_error("password") == "This is not your password. Try again."
    )
    shown = _close(app, password="typed so far", show="1")
    box = page(shown).one("input#password")
    assert shown.status_code == 200 and (box["type"], box["value"]) == ("text", "typed so far")
    assert run(app, lambda: Account.select(Account.status).where(Account.id == patient).first())[
        "status"
    ] == ("active")


def test_closing_erases_the_space_by_destroying_its_keys(app):
    patient = make_person(app, password=PASSWORD)
    doctor = make_person(app, Role.PROFESSIONAL, profession="general_practitioner")

    async def join() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=doctor, joined_by="invited")

    run(app, join)
    token = sign_in_as(app, patient)
    added = app.post(
        "/space/documents/add",
        data={
            "_csrf_token": csrf(app),
            "title": "Radio",
            "category": "imaging",
            "date-day": "1",
            "date-month": "2",
            "date-year": "2026",
        },
        files={"file": ("radio.pdf", b"%PDF-1.4 radio", "application/pdf")},
        follow_redirects=False,
    )
    document_id = added.headers["location"].split("/")[3].split("?")[0]
    other_browser = sign_in_as(app, patient)
    assert token != other_browser
    response = _close(app, password=PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/space/closed"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    owner = key_owner(patient)

    async def after() -> dict[str, Any]:
        return {
            "account": await Account.select().where(Account.id == patient).first(),
            "identity": await Identity.count().where(Identity.account == patient),
            "keys": await DataKey.count().where(DataKey.owner == owner),
            "circle": await CircleMember.count().where(CircleMember.patient == patient),
            "sessions": await Session.count().where(Session.account == patient),
            "documents": await Document.count().where(Document.patient == patient),
            "document keys": await DataKey.count().where(DataKey.owner == f"document:{document_id}"),
        }

    state = run(app, after)
    assert state["account"]["status"] == "closed" and state["account"]["email_index"] is None
    assert state["identity"] == state["keys"] == state["circle"] == state["sessions"] == 0
    assert state["documents"] == state["document keys"] == 0
    assert len(audit_events(app, subject=owner, action="close")) == 1  # the proof
    assert page(app.get("/space/closed")).heading == "Your space is closed"
    assert app.get("/space", follow_redirects=False).status_code == 303


def test_a_carers_home_lists_only_the_parts_of_the_space_she_may_read(app):
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    carer = make_person(app, given_names="Claire", family_name="Dupont")
    delegate(app, patient, carer, "notes:read,catalogue:write")
    act_for(app, carer, patient)
    home = app.get("/space")
    assert home.status_code == 200
    assert "Hello" not in home.text and page(home).has("#acting-banner")
    cards = [link["href"] for link in page(home).all("main .cards .card-title a")]
    for shown in ("/space/notes", "/space/catalogue"):
        assert shown in cards, shown
    for hidden in (
        "/space/documents",
        "/space/messages",
        "/space/profile",
        "/space/agenda",
        "/space/circle",
        "/space/activity",
        "/space/carers",
        "/space/helping",
        "/space/close",
    ):
        assert f'href="{hidden}"' not in home.text, hidden


def test_a_carer_never_closes_the_space_she_helps_in(app):
    patient = make_person(app, password=PASSWORD)
    carer = make_person(app, given_names="Claire", password=PASSWORD)
    # Even a legal representative, who has every area a delegation may give.
    delegate(app, patient, carer, "", legal_representative=True)
    act_for(app, carer, patient)
    assert app.get("/space/close").status_code == 404
    for password in (PASSWORD, "anything"):
        assert _close(app, password=password).status_code == 404
    for person in (patient, carer):
        status = run(
            app, lambda person=person: Account.select(Account.status).where(Account.id == person).first()
        )
        assert status["status"] == "active"
    # The policy says no as well, whatever a guard in front of it says.
    proxy = Actor(account_id=carer, role=Role.LEGAL_REPRESENTATIVE)
    for action in (Action.READ, Action.WRITE):
        assert not run(app, lambda action=action: decide(proxy, patient, Area.ACCOUNT, action))
