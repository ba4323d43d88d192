"""The "my care circle" page: adding a professional by RPPS number, blocking,
unblocking and taking out, with plain forms and with htmx, and the policy after each."""

from __future__ import annotations

from typing import Any

import pytest

from portal.circle.services import add_to_circle, circle_standing
from portal.core.access import Action, Actor, Area, Role, decide
from portal.core.keys import key_owner
from tests.conftest import csrf
from tests.html import page
from tests.people import (
    act_for,
    delegate,
    luhn_rpps,
    make_person,
    portal_client,
    run,
    sign_in_as,
    unique_rpps,
)
from tests.trail import audit_events


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _doctor(app: Any, rpps: str | None = None) -> Any:
    return make_person(
        app,
        Role.PROFESSIONAL,
        given_names="Anne",
        family_name="Martin",
        profession="general_practitioner",
        rpps=rpps or unique_rpps(),
        place_of_practice="Maison de santé, Guéret",
    )


def _join(app: Any, patient: Any, professional: Any, joined_by: str = "invited") -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=professional, joined_by=joined_by)

    run(app, go)


def _standing(app: Any, patient: Any, professional: Any) -> str:
    return run(app, lambda: circle_standing(patient=patient, professional=professional))


def _may_read(app: Any, patient: Any, professional: Any) -> bool:
    doctor = Actor(account_id=professional, role=Role.PROFESSIONAL, profession="general_practitioner")
    return bool(run(app, lambda: decide(doctor, patient, Area.DOCUMENTS, Action.READ)))


def _post(app: Any, path: str, htmx: bool = False, **data: str) -> Any:
    headers = {"HX-Request": "true"} if htmx else {}
    return app.post(path, data={"_csrf_token": csrf(app), **data}, headers=headers, follow_redirects=False)


def _circle_events(app: Any, patient: Any) -> list[str]:
    return [action for (action,) in audit_events(app, "action", subject=patient, area="circle")]


def test_a_patient_adds_their_doctor_by_rpps_number_after_seeing_who_it_is(app):
    rpps = unique_rpps()
    doctor = _doctor(app, rpps)
    patient = make_person(app)
    sign_in_as(app, patient)
    assert "Nobody yet." in page(app.get("/space/circle")).text("main")
    # Typed with spaces, as printed on a prescription.
    spaced = f"{rpps[:3]} {rpps[3:7]} {rpps[7:]}"
    found = app.get("/space/circle/find", params={"rpps": spaced})
    assert found.status_code == 200
    said = " ".join(page(found).summary().values())
    assert "Dr Anne Martin" in said and "Maison de santé, Guéret" in said
    assert _standing(app, patient, doctor) == "outside"
    added = _post(app, "/space/circle/add", professional=str(doctor))
    assert added.status_code == 303 and added.headers["location"] == "/space/circle?done=add"
    assert _standing(app, patient, doctor) == "member" and _may_read(app, patient, doctor)
    shown = page(app.get("/space/circle?done=add"))
    assert "The professional joined your care circle." in shown.text("#circle-banner")
    assert shown.text("main ul.rows > li.row .row-title") == "Dr Anne Martin, general practitioner"
    assert "You added them on" in shown.text("main ul.rows > li.row")
    assert "already in your care circle" in page(app.get("/space/circle/find", params={"rpps": rpps})).text(
        "main"
    )
    assert _circle_events(app, patient) == ["circle.add"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the RPPS number: it has 11 digits."),
        ("1234", "An RPPS number has 11 digits. Check each digit."),
        ("10003456788", "The last digit does not match the RPPS number. Check each digit."),
        (luhn_rpps("1000000000"), "No professional with this number uses the health space yet."),
    ],
)
def test_a_wrong_rpps_number_is_explained_at_the_field(app, typed, message):
    patient = make_person(app)
    sign_in_as(app, patient)
    response = app.get("/space/circle/find", params={"rpps": typed})
    shown = page(response)
    assert response.status_code == 400 and message in shown.field_error("rpps")
    assert shown.one("input#rpps")["value"] == typed and list(shown.error_summary()) == ["rpps"]


def test_only_an_active_professional_can_be_added(app):
    patient, other_patient = make_person(app), make_person(app)
    sign_in_as(app, patient)
    assert _post(app, "/space/circle/add", professional=str(other_patient)).status_code == 404
    assert _post(app, "/space/circle/add", professional="not-an-id").status_code == 404
    assert _standing(app, patient, other_patient) == "outside"


def test_blocking_takes_effect_at_once_and_unblocking_gives_access_back(app):
    doctor, patient = _doctor(app), make_person(app)
    _join(app, patient, doctor)
    sign_in_as(app, patient)
    blocked = _post(app, f"/space/circle/{doctor}/block")
    assert blocked.status_code == 303 and blocked.headers["location"] == "/space/circle?done=block"
    assert _standing(app, patient, doctor) == "blocked" and not _may_read(app, patient, doctor)
    shown = page(app.get("/space/circle?done=block"))
    assert "The professional is blocked" in shown.text("#circle-banner")
    assert shown.text("main ul.rows > li.row .tag-warning").startswith("Blocked since")
    assert shown.has(f'main li.row form[action="/space/circle/{doctor}/unblock"]')
    # With htmx, the row comes back in place, saying what changed.
    row = _post(app, f"/space/circle/{doctor}/unblock", htmx=True)
    assert row.status_code == 200 and "<html" not in row.text
    assert page(row).text('li.row [role="status"]') == "Done: unblocked."
    assert page(row).has(f'li.row form[action="/space/circle/{doctor}/block"]')
    assert _standing(app, patient, doctor) == "member" and _may_read(app, patient, doctor)
    # Unblocking twice changes nothing and records nothing more.
    _post(app, f"/space/circle/{doctor}/unblock")
    assert _circle_events(app, patient) == ["circle.block", "circle.unblock"]


def test_a_declared_consultation_is_shown_and_can_be_undone(app):
    doctor, patient = _doctor(app), make_person(app)
    _join(app, patient, doctor, joined_by="declared")
    sign_in_as(app, patient)
    shown = page(app.get("/space/circle"))
    assert "they said they saw you for a consultation" in shown.text("main ul.rows > li.row")
    assert (
        shown.text(f'form[action="/space/circle/{doctor}/remove"] button') == "This was not me: take them out"
    )
    row = _post(app, f"/space/circle/{doctor}/remove", htmx=True)
    assert "no longer in your care circle" in page(row).text('li.row [role="status"]')
    assert _standing(app, patient, doctor) == "outside" and not _may_read(app, patient, doctor)
    assert _circle_events(app, patient) == ["circle.remove"]


def test_nobody_changes_another_patients_circle(app):
    doctor, patient, other = _doctor(app), make_person(app), make_person(app)
    _join(app, other, doctor)
    sign_in_as(app, patient)
    assert _post(app, f"/space/circle/{doctor}/block").status_code == 404
    assert _post(app, f"/space/circle/{doctor}/delete").status_code == 404
    assert _standing(app, other, doctor) == "member"
    assert "Dr Anne Martin" not in app.get("/space/circle").text


def test_professionals_and_mediators_have_no_circle_page(app):
    doctor = _doctor(app)
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert app.get("/space/circle").status_code == 404
    mediator = make_person(app, Role.MEDIATOR)
    sign_in_as(app, mediator, Role.MEDIATOR)
    assert app.get("/space/circle").status_code == 404
    assert page(app.get("/space/circle")).heading == "We cannot find this page"


def test_a_carer_never_sees_nor_changes_the_circle(app):
    rpps = unique_rpps()
    doctor, patient = _doctor(app, rpps), make_person(app)
    carer = make_person(app, given_names="Claire")
    _join(app, patient, doctor)
    # A legal representative has every area a delegation may give: never the circle.
    delegate(app, patient, carer, "", legal_representative=True)
    act_for(app, carer, patient)
    refused = app.get("/space/circle")
    assert refused.status_code == 404 and "Dr Anne Martin" not in refused.text
    assert app.get("/space/circle/find", params={"rpps": rpps}).status_code == 404
    for change in ("block", "remove"):
        assert _post(app, f"/space/circle/{doctor}/{change}").status_code == 404
        assert _post(app, f"/space/circle/{doctor}/{change}", htmx=True).status_code == 404
    other = _doctor(app)
    assert _post(app, "/space/circle/add", professional=str(other)).status_code == 404
    assert _standing(app, patient, doctor) == "member" and _standing(app, patient, other) == "outside"
    assert _circle_events(app, patient) == []
    proxy = Actor(account_id=carer, role=Role.LEGAL_REPRESENTATIVE)
    for action in (Action.READ, Action.WRITE):
        assert not run(app, lambda action=action: decide(proxy, patient, Area.CIRCLE, action))


def test_a_change_to_someone_outside_the_circle_is_refused_and_audited(app):
    doctor, patient = _doctor(app), make_person(app)
    sign_in_as(app, patient)
    assert _post(app, f"/space/circle/{doctor}/block").status_code == 404
    assert _post(app, f"/space/circle/{doctor}/promote").status_code == 404
    rows = audit_events(app, "outcome", "object_id", subject=patient, area="circle")
    assert rows == [("denied", key_owner(doctor))] * 2
