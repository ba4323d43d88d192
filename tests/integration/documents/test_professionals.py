"""A professional of the circle deposits documents and reads what the patient lets them:
the patient is told without content, sees it marked new, can hide it but not delete it;
only its author withdraws it; hidden documents, the bin and blocked professionals are
enforced by the server."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from portal.circle.services import add_to_circle, set_blocked
from portal.core.access import Role
from portal.core.keys import key_owner
from portal.core.notify import read_outbox
from portal.core.tables import AuditEvent
from portal.documents.tables import Document
from tests.conftest import csrf
from tests.people import make_person, portal_client, run, sign_in_as

PDF = b"%PDF-1.4\n" + b"y" * 2048


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _doctor(app: Any, profession: str = "general_practitioner") -> uuid.UUID:
    return make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession=profession
    )


def _join(app: Any, patient: uuid.UUID, professional: uuid.UUID) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=professional, joined_by="invited")

    run(app, go)


def _deposit(app: Any, patient: uuid.UUID, **fields: str) -> Any:
    data = {
        "_csrf_token": csrf(app),
        "title": "Compte rendu de consultation",
        "category": "reports",
        "date-day": "12",
        "date-month": "11",
        "date-year": "2026",
        **fields,
    }
    files = {"file": ("cr.pdf", PDF, "application/pdf")}
    return app.post(f"/pro/patients/{patient}/documents", data=data, files=files, follow_redirects=False)


def _documents(app: Any, patient: uuid.UUID) -> list[dict[str, Any]]:
    return run(app, lambda: Document.select().where(Document.patient == patient))


@pytest.fixture
def people(app: Any) -> dict[str, uuid.UUID]:
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    doctor = _doctor(app)
    _join(app, patient, doctor)
    return {"patient": patient, "doctor": doctor}


def test_a_deposit_reaches_the_patient_marked_new_and_tells_them_without_content(app, people):
    patient, doctor = people["patient"], people["doctor"]
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert f'href="/pro/patients/{patient}"' in app.get("/pro").text
    page = app.get(f"/pro/patients/{patient}")
    assert page.status_code == 200 and "Jeanne Dupont" in page.text
    response = _deposit(app, patient)
    assert response.status_code == 303 and response.headers["location"].endswith("?done=deposited")
    [row] = _documents(app, patient)
    assert row["author_role"] == "professional" and row["is_new"] and not row["hidden"]
    outbox = read_outbox(app.app.state.settings.outbox_dir, limit=50)
    assert outbox[0].subject == "A new document is in your health space"
    assert "Compte rendu" not in outbox[0].body and "Martin" not in outbox[0].body
    # The patient sees it, new, by Dr Martin; opening it is no longer new.
    sign_in_as(app, patient)
    library = app.get("/space/documents").text
    assert "1 new" in library and 'class="tag tag-new"' in library
    assert "Added by Dr Anne Martin, general practitioner" in library
    view = app.get(f"/space/documents/{row['id']}")
    assert "only they can withdraw it" in view.text and "Put it in the bin" not in view.text
    assert 'class="tag tag-new"' not in app.get("/space/documents").text
    # The patient cannot delete it, only hide it.
    assert (
        app.post(f"/space/documents/{row['id']}/delete", data={"_csrf_token": csrf(app)}).status_code == 404
    )
    assert app.post(f"/space/documents/{row['id']}/hide", data={"_csrf_token": csrf(app)}).status_code == 200
    activity = app.get("/space/activity").text
    assert (
        "Dr Anne Martin, general practitioner added the document “Compte rendu de consultation” to your space."
        in activity
    )


def test_a_professional_never_gets_a_hidden_document_or_one_in_the_bin(app, people):
    patient, doctor = people["patient"], people["doctor"]
    sign_in_as(app, patient)
    data = {
        "_csrf_token": csrf(app),
        "title": "Mon journal",
        "category": "other",
        "date-day": "1",
        "date-month": "1",
        "date-year": "2026",
    }
    added = app.post(
        "/space/documents/add",
        data=data,
        files={"file": ("j.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    mine = re.search(r"/space/documents/([0-9a-f-]{36})", added.headers["location"]).group(1)
    app.post(f"/space/documents/{mine}/hide", data={"_csrf_token": csrf(app)})
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert "Mon journal" not in app.get(f"/pro/patients/{patient}").text
    assert app.get(f"/pro/patients/{patient}/documents/{mine}/file").status_code == 404
    denied = run(
        app,
        lambda: AuditEvent.count().where(
            (AuditEvent.actor == key_owner(doctor))
            & (AuditEvent.outcome == "denied")
            & (AuditEvent.object_id == f"document:{mine}")
        ),
    )
    assert denied == 1
    # Shown again: the doctor may download it, and the download is audited.
    sign_in_as(app, patient)
    app.post(f"/space/documents/{mine}/show", data={"_csrf_token": csrf(app)})
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    download = app.get(f"/pro/patients/{patient}/documents/{mine}/file")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")
    sign_in_as(app, patient)
    app.post(f"/space/documents/{mine}/delete", data={"_csrf_token": csrf(app)})
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert app.get(f"/pro/patients/{patient}/documents/{mine}/file").status_code == 404


def test_a_blocked_or_outside_professional_sees_nothing(app, people):
    patient, doctor = people["patient"], people["doctor"]
    stranger = _doctor(app)
    sign_in_as(app, stranger, Role.PROFESSIONAL)
    assert app.get(f"/pro/patients/{patient}").status_code == 404
    assert _deposit(app, patient).status_code == 404
    run(app, lambda: set_blocked(patient=patient, professional=doctor, blocked=True))
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert app.get(f"/pro/patients/{patient}").status_code == 404
    assert _deposit(app, patient).status_code == 404
    assert _documents(app, patient) == []


def test_a_profession_without_the_documents_area_gets_nothing(app, people):
    patient, doctor = people["patient"], people["doctor"]
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    _deposit(app, patient)
    [row] = _documents(app, patient)
    physio = _doctor(app, "physiotherapist")
    _join(app, patient, physio)
    sign_in_as(app, physio, Role.PROFESSIONAL)
    # The patient's page is there (messages, profile, notes) but holds no document.
    page = app.get(f"/pro/patients/{patient}")
    assert page.status_code == 200 and "Compte rendu de consultation" not in page.text
    assert "Deposit a document" not in page.text and "/documents/" not in page.text
    assert app.get(f"/pro/patients/{patient}/documents/{row['id']}/file").status_code == 404
    deposit = app.post(f"/pro/patients/{patient}/documents", data={"_csrf_token": csrf(app)})
    assert deposit.status_code == 404
    withdraw = app.post(
        f"/pro/patients/{patient}/documents/{row['id']}/withdraw", data={"_csrf_token": csrf(app)}
    )
    assert withdraw.status_code == 404 and len(_documents(app, patient)) == 1
    # Each try was refused by the door, for the documents area, and audited.
    refused = run(
        app,
        lambda: AuditEvent.count().where(
            (AuditEvent.actor == key_owner(physio))
            & (AuditEvent.area == "documents")
            & (AuditEvent.outcome == "denied")
        ),
    )
    assert refused == 3


def test_the_professional_reads_who_added_each_document(app, people):
    patient, doctor = people["patient"], people["doctor"]
    sign_in_as(app, patient)
    data = {
        "_csrf_token": csrf(app),
        "title": "Mon carnet",
        "category": "other",
        "date-day": "1",
        "date-month": "1",
        "date-year": "2026",
    }
    app.post("/space/documents/add", data=data, files={"file": ("c.pdf", PDF, "application/pdf")})
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    _deposit(app, patient)
    page = app.get(f"/pro/patients/{patient}").text
    assert "Added by Jeanne Dupont" in page and "Added by you" in page


def test_only_the_author_withdraws_a_document(app, people):
    patient, doctor = people["patient"], people["doctor"]
    pharmacist = _doctor(app, "pharmacist")
    _join(app, patient, pharmacist)
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    _deposit(app, patient)
    [row] = _documents(app, patient)
    sign_in_as(app, pharmacist, Role.PROFESSIONAL)
    page = app.get(f"/pro/patients/{patient}").text
    assert "Compte rendu de consultation" in page and "Withdraw it" not in page
    path = f"/pro/patients/{patient}/documents/{row['id']}/withdraw"
    assert app.post(path, data={"_csrf_token": csrf(app)}).status_code == 404
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    withdrawn = app.post(path, data={"_csrf_token": csrf(app)})
    assert withdrawn.status_code == 200 and "The document is withdrawn and erased." in withdrawn.text
    assert _documents(app, patient) == []


def test_a_bad_deposit_is_explained_and_nothing_is_stored(app, people):
    sign_in_as(app, people["doctor"], Role.PROFESSIONAL)
    data = {
        "_csrf_token": csrf(app),
        "title": "",
        "category": "reports",
        "date-day": "1",
        "date-month": "1",
        "date-year": "2026",
    }
    files = {"file": ("x.pdf", b"<html>not a pdf</html>", "application/pdf")}
    response = app.post(f"/pro/patients/{people['patient']}/documents", data=data, files=files)
    assert response.status_code == 400
    assert 'href="#file"' in response.text and 'href="#title"' in response.text
    assert _documents(app, people["patient"]) == []
