"""A person's account is theirs alone. Someone acting for them (a carer, a legal
representative), even with every area delegated, never reaches the pages of the account:
closing the space, its activity, its carers, its circle, "your space is ready". Signing
out and "stay signed in" are about the session of whoever is signed in: the carer's."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from portal.accounts.tables import Account
from portal.core.access import Role
from portal.core.keys import key_owner
from portal.core.sessions import cookie_name
from tests.conftest import csrf
from tests.people import PASSWORD, act_for, delegate, make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

EVERY_AREA = "documents:write,messages:write,profile:write,agenda:write,notes:write,catalogue:write"
ACCOUNT_PAGES = ("/space/close", "/space/activity", "/space/carers", "/space/circle", "/activate/done")


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _status(app: Any, account: UUID) -> str:
    row = run(app, lambda: Account.select(Account.status).where(Account.id == account).first())
    return str(row["status"])


def _people(app: Any) -> tuple[UUID, UUID]:
    patient = make_person(app, given_names="Jeanne", family_name="Dupont", password=PASSWORD)
    carer = make_person(app, given_names="Claire", family_name="Dupont", password=PASSWORD)
    return patient, carer


@pytest.mark.parametrize("legal_representative", [False, True])
def test_someone_acting_for_a_person_never_reaches_their_account_pages(app, legal_representative):
    patient, carer = _people(app)
    delegate(app, patient, carer, EVERY_AREA, legal_representative=legal_representative)
    act_for(app, carer, patient)
    # She is in the space (a delegated area answers), not in the account.
    assert app.get("/space/documents", follow_redirects=False).status_code == 200
    for path in ACCOUNT_PAGES:
        assert app.get(path, follow_redirects=False).status_code == 404, path


@pytest.mark.parametrize("password_of", ["patient", "carer"])
def test_someone_acting_for_a_person_cannot_close_their_space(app, password_of):
    patient, carer = _people(app)
    delegate(app, patient, carer, EVERY_AREA, legal_representative=True)
    act_for(app, carer, patient)
    answer = app.post(
        "/space/close", data={"_csrf_token": csrf(app), "password": PASSWORD}, follow_redirects=False
    )
    assert answer.status_code == 404
    assert _status(app, patient) == "active" and _status(app, carer) == "active"
    # The patient, in her own space, reaches the page the carer did not.
    app.cookies.clear()
    sign_in_as(app, patient)
    assert app.get("/space/close", follow_redirects=False).status_code == 200


def test_the_space_is_ready_page_is_for_the_person_whose_space_it_is(app):
    patient, _carer = _people(app)
    sign_in_as(app, patient)
    assert app.get("/activate/done", follow_redirects=False).status_code == 200
    doctor = make_person(app, Role.PROFESSIONAL, profession="general_practitioner")
    app.cookies.clear()
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert app.get("/activate/done", follow_redirects=False).status_code == 404


def test_a_carer_signs_herself_out_not_the_person_she_helps(app):
    patient, carer = _people(app)
    delegate(app, patient, carer, "documents:read")
    act_for(app, carer, patient)
    assert (
        app.post("/session/extend", data={"_csrf_token": csrf(app)}, follow_redirects=False).status_code
        == 303
    )
    answer = app.post("/sign-out", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    events = audit_events(app, action="sign_out")
    mine = [e for e in events if key_owner(patient) in (e["actor"], e["subject"], e["on_behalf_of"])]
    # Who signed out is the carer, in her own name; the person she helped is only named as such.
    assert [(e["actor"], e["subject"]) for e in mine] == [(key_owner(carer), key_owner(carer))]
    app.cookies.delete(cookie_name(app.app.state.settings))
    assert app.get("/space/documents", follow_redirects=False).status_code == 303
