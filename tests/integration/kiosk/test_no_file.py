"""On a kiosk nothing leaves as a file, by one rule (``KioskMiddleware``): the profile
summary as a PDF to keep, the agenda's calendar, a document or a conversation's attachment
downloaded, for a patient and for a professional alike, answer 303 to /kiosk/no-file and
send none of the file's bytes. What a page shows in itself (a PDF to print, the frame of a
document) still shows. The library keeps its own kinder page (print it, or, for the
person themselves, send it to their own phone: never for a carer acting for someone)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from portal.circle.services import add_to_circle
from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.sessions import cookie_name, start_session
from portal.documents.changes import add_document
from portal.documents.details import Details
from portal.kiosk.tables import KioskLink
from portal.messages import services as messages
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.people import act_for, delegate, make_person, portal_client, run, sign_in_as

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"k" * 3000
NO_FILE = "/kiosk/no-file"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _kiosk_session(client: Any, account_id: uuid.UUID, role: Role = Role.PATIENT) -> None:
    async def go() -> str:
        async with client.app.state.engine.transaction():
            return await start_session(client.app.state.sessions, account_id, role, kiosk=True)

    token = run(client, go)
    client.cookies.clear()
    client.cookies.set(cookie_name(client.app.state.settings), token, domain=client.base_url.host)


@pytest.fixture
def record(app: Any) -> dict[str, uuid.UUID]:
    """A patient with a document, in a conversation with her doctor that carries it."""
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )

    async def go() -> dict[str, uuid.UUID]:
        keyring = Keyring(TEST_MASTER_KEY)
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=doctor, joined_by="invited")
            document = await add_document(
                keyring,
                patient=patient,
                author=patient,
                author_role="patient",
                details=Details("Prise de sang", "lab_results", "2026-03-03", "application/pdf"),
                content=PDF,
            )
            conversation = await messages.start(
                keyring,
                patient=patient,
                author=patient,
                professionals=[doctor],
                subject="Résultats",
                body="Voici ma prise de sang.",
                attachments=[document],
            )
        return {"patient": patient, "doctor": doctor, "document": document, "conversation": conversation}

    return run(app, go)


def _refused_as_no_file(response: Any) -> None:
    assert response.status_code == 303, response.status_code
    assert response.headers["location"] == NO_FILE
    assert response.content == b""
    assert "content-disposition" not in response.headers


def _attachment(record: dict[str, uuid.UUID], side: str) -> str:
    return f"/{side}/messages/{record['conversation']}/attachments/{record['document']}"


def _patient_files(record: dict[str, uuid.UUID]) -> list[str]:
    return ["/space/profile/summary.pdf", "/space/agenda.ics"]


def _professional_files(record: dict[str, uuid.UUID]) -> list[str]:
    patient = record["patient"]
    return [
        f"/pro/patients/{patient}/documents/{record['document']}/file",
        f"/pro/patients/{patient}/profile/summary.pdf",
    ]


def test_a_patient_on_a_kiosk_gets_no_file_by_any_address(app, record):
    _kiosk_session(app, record["patient"])
    for path in _patient_files(record):
        _refused_as_no_file(app.get(path, follow_redirects=False))
    # The library's own download says more: print it, or send it to one's phone; no byte of it.
    document = record["document"]
    library = app.get(f"/space/documents/{document}/file?download=1", follow_redirects=False)
    assert library.status_code == 403 and library.headers["content-type"].startswith("text/html")
    assert b"%PDF" not in library.content and "attachment" not in library.headers.get(
        "content-disposition", ""
    )
    assert page(library).form_values('main form[action="/kiosk/phone"]')["document"] == str(document)


def test_a_professional_on_a_kiosk_gets_no_file_by_any_address(app, record):
    _kiosk_session(app, record["doctor"], Role.PROFESSIONAL)
    for path in _professional_files(record):
        _refused_as_no_file(app.get(path, follow_redirects=False))


def test_a_conversations_attachment_leaves_no_file_on_a_kiosk_for_either_side(app, record):
    """Like a library document: the page that offers to print it (and, to the patient, to
    send it to her phone) instead of the file."""
    _kiosk_session(app, record["patient"])
    patient = app.get(_attachment(record, "space"), follow_redirects=False)
    assert patient.status_code == 403 and PDF not in patient.content
    assert "Send it to my phone" in page(patient).texts("main h2")
    _kiosk_session(app, record["doctor"], Role.PROFESSIONAL)
    doctor = app.get(_attachment(record, "pro"), follow_redirects=False)
    assert doctor.status_code == 403 and PDF not in doctor.content
    assert "Send it to my phone" not in doctor.text


def test_what_a_page_shows_in_itself_still_shows_on_a_kiosk(app, record):
    _kiosk_session(app, record["patient"])
    summary = app.get("/space/profile/summary.pdf?show=1", follow_redirects=False)
    assert summary.status_code == 200 and summary.content.startswith(b"%PDF")
    assert summary.headers["content-disposition"].startswith("inline")
    frame = app.get(f"/space/documents/{record['document']}/file", follow_redirects=False)
    assert frame.status_code == 200 and frame.content == PDF
    assert frame.headers["content-disposition"].startswith("inline")
    assert frame.headers["cache-control"] == "no-store"
    _kiosk_session(app, record["doctor"], Role.PROFESSIONAL)
    pro_summary = app.get(f"/pro/patients/{record['patient']}/profile/summary.pdf?show=1")
    assert pro_summary.status_code == 200 and pro_summary.content.startswith(b"%PDF")


def test_the_same_addresses_download_at_home(app, record):
    sign_in_as(app, record["patient"])
    for path in [*_patient_files(record), _attachment(record, "space")]:
        response = app.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert response.headers["content-disposition"].startswith("attachment"), path
    sign_in_as(app, record["doctor"], Role.PROFESSIONAL)
    for path in [*_professional_files(record), _attachment(record, "pro")]:
        response = app.get(path, follow_redirects=False)
        assert response.status_code == 200, path
        assert response.headers["content-disposition"].startswith("attachment"), path


def test_the_no_file_page_says_why_and_leads_back(app, record):
    anonymous = app.get(NO_FILE)
    assert anonymous.status_code == 200
    assert page(anonymous).heading == "Files are not saved on a shared computer"
    assert page(anonymous).links("main")["Go back"] == "/kiosk"
    _kiosk_session(app, record["patient"])
    followed = app.get("/space/agenda.ics")
    assert followed.status_code == 200 and str(followed.url).endswith(NO_FILE)
    assert page(followed).heading == "Files are not saved on a shared computer"
    assert page(followed).links("main")["Go back"] == "/space"
    _kiosk_session(app, record["doctor"], Role.PROFESSIONAL)
    assert page(app.get(NO_FILE)).links("main")["Go back"] == "/pro"


def test_a_carer_on_a_kiosk_may_print_but_is_never_offered_to_send_to_a_phone(app, record):
    patient, document = record["patient"], record["document"]
    carer = make_person(app, given_names="Claire", family_name="Dupont")
    delegate(app, patient, carer, "documents:read")
    act_for(app, carer, patient, kiosk=True)
    refused = app.get(f"/space/documents/{document}/file?download=1", follow_redirects=False)
    assert refused.status_code == 403 and b"%PDF" not in refused.content
    assert page(refused).links("main")["Print the document"] == f"/space/documents/{document}/print"
    assert 'action="/kiosk/phone"' not in refused.text and "Send it to my phone" not in refused.text
    sent = app.post("/kiosk/phone", data={"_csrf_token": csrf(app), "document": str(document)})
    assert sent.status_code == 404
    assert run(app, lambda: KioskLink.count().where(KioskLink.document == document)) == 0
    # The patient herself, on the same kiosk, is offered both.
    _kiosk_session(app, patient)
    own = app.get(f"/space/documents/{document}/file?download=1", follow_redirects=False)
    assert page(own).form_values('main form[action="/kiosk/phone"]')["document"] == str(document)
    assert page(own).links("main")["Print the document"] == f"/space/documents/{document}/print"
