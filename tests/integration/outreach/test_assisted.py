"""A mediator's session: the place where she works today, and activating a space with the
person beside her (the code filled in from a sealed ticket, never in an address; the
person types their date of birth and password), recorded as an assisted activation."""

from __future__ import annotations

import io
import re
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from portal.accounts.tables import Account
from portal.core.access import Action, Actor, Area, Role, decide
from portal.core.keys import key_owner
from portal.core.sessions import cookie_name
from portal.outreach.assisted import ASSISTED_COOKIE, PLACE_COOKIE
from portal.outreach.tables import AssistedActivation
from tests.conftest import csrf
from tests.html import page as html_page
from tests.integration.outreach.helpers import BIRTH, field_value, form_action, hidden, invite
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PASSWORD = "violet harbour teapot lantern"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def mediator(app: Any) -> UUID:
    account = make_person(
        app,
        Role.MEDIATOR,
        given_names="Sophie",
        family_name="Bernard",
        place_of_practice="France Services, 23200 Aubusson",
    )
    sign_in_as(app, account, Role.MEDIATOR)
    return account


class Journey:
    """Requests one by one, following redirects by hand, remembering every address asked for."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.addresses: list[str] = []

    def _follow(self, response: Any) -> Any:
        while response.status_code in (301, 302, 303, 307):
            location = response.headers["location"]
            self.addresses.append(location)
            response = self.client.get(location, follow_redirects=False)
        return response

    def get(self, path: str) -> Any:
        self.addresses.append(path)
        return self._follow(self.client.get(path, follow_redirects=False))

    def post(self, path: str, data: dict[str, str]) -> Any:
        self.addresses.append(path)
        sent = self.client.post(path, data={"_csrf_token": csrf(self.client), **data}, follow_redirects=False)
        return sent if sent.status_code == 400 else self._follow(sent)


def _letter_code(pdf: bytes) -> str:
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    found = re.search(r"\b(\d{4}) (\d{4}) (\d{4})\b", text)
    assert found, text
    return "".join(found.groups())


def _events(app: Any, actor: UUID, action: str) -> list[dict[str, Any]]:
    return audit_events(app, actor=actor, action=action)


def _assisted(app: Any, account: UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = run(
        app, lambda: AssistedActivation.select().where(AssistedActivation.account == account).first()
    )
    return row


def _status(app: Any, account: UUID) -> str:
    row = run(app, lambda: Account.select(Account.status).where(Account.id == account).first())
    return str(row["status"])


def _state_place(app: Any, journey: Journey, place: str = "Médiathèque de Felletin") -> None:
    home = journey.post("/mediator/place", {"place": place, "department": "23"})
    assert home.status_code == 200 and place in home.text
    assert PLACE_COOKIE in app.cookies


def test_the_mediator_says_where_she_works_today_once_per_session(app, mediator):
    home = app.get("/mediator")
    # Her usual place is offered first.
    assert field_value(home.text, "place") == "France Services, 23200 Aubusson"
    assert html_page(home).one('select[name="department"] option[value="23"]').has_attr("selected")
    wrong = app.post("/mediator/place", data={"_csrf_token": csrf(app), "place": " ", "department": "99"})
    assert wrong.status_code == 400
    assert 'href="#place"' in wrong.text and 'href="#department"' in wrong.text
    long_name = "x" * 121
    kept = app.post(
        "/mediator/place", data={"_csrf_token": csrf(app), "place": long_name, "department": "23"}
    )
    assert kept.status_code == 400 and long_name in kept.text
    journey = Journey(app)
    _state_place(app, journey)
    assert 'data-place-department="23"' in app.get("/mediator").text
    # A new session (signing in again) asks again.
    sign_in_as(app, mediator, Role.MEDIATOR)
    assert "data-place-department" not in app.get("/mediator").text
    assert 'action="/mediator/place"' in app.get("/mediator").text


def test_a_mediator_activates_a_space_with_the_person_beside_her(app, mediator):
    journey = Journey(app)
    _state_place(app, journey)
    result = journey.post("/mediator/invite", {})  # nothing typed: the form again, with errors
    assert result.status_code == 400
    result = invite(app)
    assert result.status_code == 200
    activate = form_action(result.text, "/activate")
    account = UUID(activate.split("/")[3])
    ticket = hidden(result.text, "ticket")
    # The letter printed from the result page carries the invitation's own code: no new code.
    letter = app.post(form_action(result.text, "/letter"), data={"_csrf_token": csrf(app), "ticket": ticket})
    assert letter.headers["content-type"] == "application/pdf"
    code = _letter_code(letter.content)
    assert code not in result.text and " ".join([code[:4], code[4:8], code[8:]]) not in result.text
    assert not _events(app, mediator, "reissue_code")
    assert _events(app, mediator, "letter.print")

    # "Activate now with the person": the activation's first page, the code filled in.
    page = journey.post(activate, {"ticket": ticket})
    assert page.status_code == 200 and journey.addresses[-1] == "/activate"
    assert field_value(page.text, "code").replace(" ", "") == code
    assert 'class="assisted-notice"' in page.text
    assert ASSISTED_COOKIE in app.cookies
    # The person types their date of birth.
    dates = {"dob-day": BIRTH["dob-day"], "dob-month": BIRTH["dob-month"], "dob-year": BIRTH["dob-year"]}
    page = journey.post("/activate", {"code": field_value(page.text, "code"), **dates})
    assert journey.addresses[-1] == "/activate/codes"
    page = journey.post("/activate/codes", {"channel": "sms"})
    assert journey.addresses[-1] == "/activate/password"
    assert 'class="assisted-notice"' in page.text  # "Let the person type their password themselves"
    journey.post("/activate/password", {"password": PASSWORD})
    assert journey.addresses[-1] == "/activate/terms"
    done = journey.post("/activate/terms", {"accept": "yes"})
    # The space is open; the mediator is still the one signed in on her computer.
    assert journey.addresses[-1] == "/mediator/activated" and done.status_code == 200
    assert 'href="/mediator/tour"' in done.text
    assert app.get("/mediator").status_code == 200
    assert _status(app, account) == "active"
    row = _assisted(app, account)
    assert row is not None
    assert row["mediator"] == mediator and row["place"] == "Médiathèque de Felletin"
    assert row["department"] == "23" and row["at"] is not None
    event = next(e for e in _events(app, mediator, "activate.assisted") if e["subject"] == key_owner(account))
    assert event["outcome"] == "allowed"
    # The code never appeared in an address.
    assert journey.addresses and not any(
        code in a.replace(" ", "").replace("%20", "") for a in journey.addresses
    )
    assert not any(part in a for a in journey.addresses for part in (code[:4] + code[4:8], code[4:]))
    # A mediator never reaches a record, not even one she helped open.
    sophie = Actor(account_id=mediator, role=Role.MEDIATOR)
    for area in Area:
        for action in Action:
            assert not run(app, lambda area=area, action=action: decide(sophie, account, area, action))
    assert app.post(activate, data={"_csrf_token": csrf(app), "ticket": ticket}).status_code == 404


def test_a_person_with_a_letter_activates_beside_the_mediator(app, mediator):
    journey = Journey(app)
    _state_place(app, journey, "Mairie de Bourganeuf")
    result = invite(app)
    code = _letter_code(
        app.post(form_action(result.text, "/letter"), data={"_csrf_token": csrf(app)}).content
    )
    account = UUID(form_action(result.text, "/activate").split("/")[3])
    # Another day: "Help the person open their space"; the person types the code from the letter.
    page = journey.post("/mediator/assist", {})
    assert journey.addresses[-1] == "/activate" and field_value(page.text, "code") == ""
    assert 'class="assisted-notice"' in page.text
    journey.post("/activate", {"code": code, **BIRTH})
    journey.post("/activate/codes", {"channel": "sms"})
    journey.post("/activate/password", {"password": PASSWORD})
    journey.post("/activate/terms", {"accept": "yes"})
    assert journey.addresses[-1] == "/mediator/activated"
    row = _assisted(app, account)
    assert row and row["place"] == "Mairie de Bourganeuf" and row["mediator"] == mediator


def test_an_activation_nobody_helped_with_is_not_counted_as_assisted(app, mediator):
    result = invite(app)
    code = _letter_code(
        app.post(form_action(result.text, "/letter"), data={"_csrf_token": csrf(app)}).content
    )
    account = UUID(form_action(result.text, "/activate").split("/")[3])
    app.cookies.clear()  # the person, at home, in their own browser
    journey = Journey(app)
    page = journey.get("/activate")
    assert 'class="assisted-notice"' not in page.text
    journey.post("/activate", {"code": code, **BIRTH})
    journey.post("/activate/codes", {"channel": "sms"})
    journey.post("/activate/password", {"password": PASSWORD})
    journey.post("/activate/terms", {"accept": "yes"})
    assert journey.addresses[-1] == "/activate/done"
    assert _assisted(app, account) is None and _status(app, account) == "active"


def test_a_forged_or_foreign_assisted_mark_counts_for_nothing(app, mediator):
    journey = Journey(app)
    _state_place(app, journey)
    first = invite(app)
    ticket = hidden(first.text, "ticket")
    second = invite(app)
    other_account = UUID(form_action(second.text, "/activate").split("/")[3])
    other_code = _letter_code(
        app.post(form_action(second.text, "/letter"), data={"_csrf_token": csrf(app)}).content
    )
    # The mark names the first space; the person activates the second one.
    journey.post(form_action(first.text, "/activate"), {"ticket": ticket})
    journey.post("/activate", {"code": other_code, **BIRTH})
    journey.post("/activate/codes", {"channel": "sms"})
    journey.post("/activate/password", {"password": PASSWORD})
    journey.post("/activate/terms", {"accept": "yes"})
    assert journey.addresses[-1] == "/activate/done"
    assert _assisted(app, other_account) is None
    # A mark that was tampered with opens nothing.
    app.cookies.set(ASSISTED_COOKIE, "not-a-sealed-value", domain=app.base_url.host)
    assert 'class="assisted-notice"' not in app.get("/activate").text


def test_a_ticket_of_another_mediator_or_space_fills_in_nothing(app, mediator):
    journey = Journey(app)
    _state_place(app, journey)
    first = invite(app)
    second = invite(app)
    # The first space's ticket sent for the second space: the person types their code.
    page = journey.post(form_action(second.text, "/activate"), {"ticket": hidden(first.text, "ticket")})
    assert field_value(page.text, "code") == ""
    # Another mediator may not start the activation of a space she did not make (audited).
    other = make_person(app, Role.MEDIATOR)
    sign_in_as(app, other, Role.MEDIATOR)
    denied = app.post(
        form_action(first.text, "/activate"),
        data={"_csrf_token": csrf(app), "ticket": hidden(first.text, "ticket")},
        follow_redirects=False,
    )
    assert denied.status_code == 404
    assert any(e["outcome"] == "denied" for e in _events(app, other, "write"))


def test_without_a_place_the_mediator_is_asked_for_one(app):
    mediator = make_person(app, Role.MEDIATOR)  # no usual place
    sign_in_as(app, mediator, Role.MEDIATOR)
    result = invite(app)
    assert "data-place" not in result.text
    answer = app.post(
        form_action(result.text, "/activate"),
        data={"_csrf_token": csrf(app), "ticket": hidden(result.text, "ticket")},
        follow_redirects=False,
    )
    assert answer.status_code == 400 and 'href="#place"' in answer.text
    assert ASSISTED_COOKIE not in app.cookies
    assert app.post("/mediator/assist", data={"_csrf_token": csrf(app)}).status_code == 400


def test_the_mediator_pages_and_records_are_out_of_reach_of_others_and_of_her(app, mediator):
    patient = make_person(app, given_names="Gaspard", family_name="Vautrin")
    # A mediator reaches no patient's pages, nor the agency's.
    for path in (
        "/space",
        "/space/documents",
        "/space/messages",
        "/pro",
        f"/pro/patients/{patient}",
        "/agency",
    ):
        assert app.get(path, follow_redirects=False).status_code == 404, path
    # Nobody else reaches the mediator's pages.
    sign_in_as(app, patient)
    for path in ("/mediator", "/mediator/tour", "/mediator/tour/documents", "/mediator/activated"):
        assert app.get(path, follow_redirects=False).status_code == 404, path
    for path in ("/mediator/place", "/mediator/assist", "/mediator/tour"):
        assert app.post(path, data={"_csrf_token": csrf(app)}, follow_redirects=False).status_code == 404
    app.cookies.delete(cookie_name(app.app.state.settings))
    answer = app.get("/mediator", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")
