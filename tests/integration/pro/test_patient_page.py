"""A professional's page of one patient: the documents when their profession may read them,
and, for a physiotherapist (no documents), the page with the links to the areas they may use."""

from __future__ import annotations

from typing import Any

import pytest

from portal.circle.services import add_to_circle, set_blocked
from portal.core.access import Role
from tests.people import make_person, portal_client, run, sign_in_as


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _circle(app: Any, patient: Any, professional: Any, blocked: bool = False) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=professional, joined_by="invited")
            if blocked:
                await set_blocked(patient=patient, professional=professional, blocked=True)

    run(app, go)


def test_a_physiotherapist_reaches_the_page_without_the_documents(app: Any) -> None:
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    physio = make_person(
        app, Role.PROFESSIONAL, given_names="Marc", family_name="Kiné", profession="physiotherapist"
    )
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    _circle(app, patient, physio)
    _circle(app, patient, doctor)
    sign_in_as(app, physio, Role.PROFESSIONAL)
    page = app.get(f"/pro/patients/{patient}")
    assert page.status_code == 200
    assert f'href="/pro/patients/{patient}/notes"' in page.text
    assert 'id="document-list"' not in page.text and '/documents"' not in page.text
    app.cookies.clear()
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert 'id="document-list"' in app.get(f"/pro/patients/{patient}").text


def test_a_blocked_physiotherapist_gets_nothing(app: Any) -> None:
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    physio = make_person(
        app, Role.PROFESSIONAL, given_names="Marc", family_name="Kiné", profession="physiotherapist"
    )
    _circle(app, patient, physio, blocked=True)
    sign_in_as(app, physio, Role.PROFESSIONAL)
    assert app.get(f"/pro/patients/{patient}").status_code == 404


def test_a_blocked_doctor_finds_nothing_of_the_patient_on_her_page_or_in_the_list(app: Any) -> None:
    from uuid import uuid4

    from portal.core.keys import key_owner
    from portal.core.tables import AuditEvent

    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    other = make_person(app, given_names="Paul", family_name="Lefort")
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    _circle(app, patient, doctor, blocked=True)
    _circle(app, other, doctor)
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    # The list names the patients who keep her, and nothing of the one who blocked her.
    home = app.get("/pro")
    assert home.status_code == 200 and "Paul Lefort" in home.text
    assert "Dupont" not in home.text and str(patient) not in home.text
    # Her page, and anything under it, is missing; each refusal is audited.
    for path in (
        f"/pro/patients/{patient}",
        f"/pro/patients/{patient}?q=x&page=2",
        f"/pro/patients/{patient}/documents/{uuid4()}/file",
    ):
        answer = app.get(path, follow_redirects=False)
        assert answer.status_code == 404, path
        assert "Dupont" not in answer.text
    denied = run(
        app,
        lambda: AuditEvent.count().where(
            (AuditEvent.actor == key_owner(doctor))
            & (AuditEvent.subject == key_owner(patient))
            & (AuditEvent.outcome == "denied")
        ),
    )
    assert denied == 3
