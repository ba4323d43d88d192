"""A carer in the library of the person they help: only through the door. A documents
delegation read only lets them look, never add, hide, bin or restore; without the
documents area every page of the library is missing for them; what they add is theirs,
and everyone reads who added it as it is."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from portal.circle.services import add_to_circle
from portal.core.access import Role
from portal.core.keys import key_owner
from portal.core.tables import AuditEvent
from portal.documents.tables import Document
from tests.conftest import csrf
from tests.people import act_for, delegate, make_person, portal_client, run, sign_in_as

PDF = b"%PDF-1.4\n" + b"z" * 2048


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def people(app: Any) -> dict[str, uuid.UUID]:
    return {
        "patient": make_person(app, given_names="Jeanne", family_name="Dupont"),
        "carer": make_person(app, given_names="Claire", family_name="Dupont"),
    }


def _form(app: Any, **fields: str) -> dict[str, str]:
    return {
        "_csrf_token": csrf(app),
        "title": "Ordonnance du Dr Petit",
        "category": "prescriptions",
        "date-day": "2",
        "date-month": "2",
        "date-year": "2026",
        **fields,
    }


def _add(app: Any, **fields: str) -> Any:
    return app.post(
        "/space/documents/add",
        data=_form(app, **fields),
        files={"file": ("o.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )


def _added_id(response: Any) -> uuid.UUID:
    found = re.search(r"/space/documents/([0-9a-f-]{36})", response.headers["location"])
    assert found, response.text
    return uuid.UUID(found.group(1))


def _patients_document(app: Any, patient: uuid.UUID) -> uuid.UUID:
    sign_in_as(app, patient)
    document = _added_id(_add(app, title="Prise de sang"))
    app.cookies.clear()
    return document


def _rows(app: Any, patient: uuid.UUID) -> list[dict[str, Any]]:
    return run(app, lambda: Document.select().where(Document.patient == patient))


def test_a_carer_with_documents_read_only_reads_but_never_changes(app, people):
    patient, carer = people["patient"], people["carer"]
    document = _patients_document(app, patient)
    delegate(app, patient, carer, "documents:read")
    act_for(app, carer, patient)
    library = app.get("/space/documents")
    assert library.status_code == 200 and "Prise de sang" in library.text
    # What the patient added reads with the patient's name, and nothing to change is offered.
    assert "Added by Jeanne Dupont" in library.text
    assert 'href="/space/documents/add"' not in library.text
    assert 'action="/space/documents/settings"' not in library.text
    page = app.get(f"/space/documents/{document}")
    assert page.status_code == 200
    assert f"/space/documents/{document}/hide" not in page.text
    assert f"/space/documents/{document}/delete" not in page.text
    assert app.get(f"/space/documents/{document}/print").status_code == 200
    download = app.get(f"/space/documents/{document}/file?download=1")
    assert download.status_code == 200 and download.content == PDF
    assert app.get("/space/documents/bin").status_code == 200
    # Writing, by any address, is not there for them.
    assert app.get("/space/documents/add").status_code == 404
    assert _add(app).status_code == 404
    for change in ("hide", "show", "delete", "restore"):
        response = app.post(f"/space/documents/{document}/{change}", data={"_csrf_token": csrf(app)})
        assert response.status_code == 404, change
    settings = app.post("/space/documents/settings", data={"_csrf_token": csrf(app), "hide_by_default": "1"})
    assert settings.status_code == 404
    [row] = _rows(app, patient)
    assert not row["hidden"] and row["deleted_at"] is None
    # Their reading is audited under their name, in the patient's record.
    downloads = run(
        app,
        lambda: AuditEvent.select(AuditEvent.actor).where(
            (AuditEvent.subject == key_owner(patient)) & (AuditEvent.action == "document.download")
        ),
    )
    assert [r["actor"] for r in downloads] == [key_owner(carer)]
    refused = run(
        app,
        lambda: AuditEvent.count().where(
            (AuditEvent.actor == key_owner(carer))
            & (AuditEvent.area == "documents")
            & (AuditEvent.action == "write")
            & (AuditEvent.outcome == "denied")
        ),
    )
    assert refused >= 6


@pytest.mark.parametrize("areas", ["messages:write", "profile:write,agenda:write,notes:write"])
def test_a_carer_without_the_documents_area_finds_no_page_of_the_library(app, people, areas):
    patient, carer = people["patient"], people["carer"]
    document = _patients_document(app, patient)
    delegate(app, patient, carer, areas)
    act_for(app, carer, patient)
    for path in (
        "/space/documents",
        "/space/documents?page=2",
        "/space/documents/add",
        "/space/documents/bin",
        f"/space/documents/{document}",
        f"/space/documents/{document}/print",
        f"/space/documents/{document}/file",
        f"/space/documents/{document}/file?download=1",
    ):
        response = app.get(path)
        assert response.status_code == 404, path
        assert "Prise de sang" not in response.text and "%PDF" not in response.text
    assert _add(app).status_code == 404
    for change in ("hide", "show", "delete", "restore"):
        response = app.post(f"/space/documents/{document}/{change}", data={"_csrf_token": csrf(app)})
        assert response.status_code == 404, change
    settings = app.post("/space/documents/settings", data={"_csrf_token": csrf(app), "hide_by_default": "1"})
    assert settings.status_code == 404
    assert len(_rows(app, patient)) == 1


def test_a_carers_document_is_hers_and_everyone_reads_who_added_it(app, people):
    patient, carer = people["patient"], people["carer"]
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )

    async def join() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=doctor, joined_by="invited")

    run(app, join)
    delegate(app, patient, carer, "documents:write", relation="daughter")
    act_for(app, carer, patient)
    added = _add(app)
    assert added.status_code == 303
    document = _added_id(added)
    [row] = _rows(app, patient)
    assert row["author"] == carer and row["author_role"] == "carer"
    # The carer reads it as hers.
    assert "Added by you" in app.get("/space/documents").text
    events = run(
        app,
        lambda: AuditEvent.select(AuditEvent.actor).where(
            (AuditEvent.subject == key_owner(patient)) & (AuditEvent.action == "document.add")
        ),
    )
    assert [e["actor"] for e in events] == [key_owner(carer)]
    # The patient reads who it is to them; it is new for them (they did not add it).
    sign_in_as(app, patient)
    library = app.get("/space/documents").text
    assert "Added by your daughter Claire Dupont on " in library and "Added by you on " not in library
    assert "1 new" in library
    page = app.get(f"/space/documents/{document}").text
    assert "your daughter Claire Dupont" in page
    # Added in the patient's space, it may go to the bin like the patient's own.
    assert f"/space/documents/{document}/delete" in page
    # The professional reads whom it was added for.
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    pro_page = app.get(f"/pro/patients/{patient}").text
    assert "Added by Claire Dupont for Jeanne Dupont" in pro_page


def test_a_carer_with_documents_write_hides_and_bins_as_the_patient_would(app, people):
    patient, carer = people["patient"], people["carer"]
    document = _patients_document(app, patient)
    delegate(app, patient, carer, "documents:write")
    act_for(app, carer, patient)
    assert app.get("/space/documents/add").status_code == 200
    hidden = app.post(f"/space/documents/{document}/hide", data={"_csrf_token": csrf(app)})
    assert hidden.status_code == 200 and "The document is hidden from professionals." in hidden.text
    binned = app.post(f"/space/documents/{document}/delete", data={"_csrf_token": csrf(app)})
    assert binned.status_code == 200
    [row] = _rows(app, patient)
    assert row["hidden"] and row["deleted_at"] is not None
    changes = run(
        app,
        lambda: AuditEvent.select(AuditEvent.actor, AuditEvent.action).where(
            (AuditEvent.subject == key_owner(patient))
            & AuditEvent.action.is_in(["document.hide", "document.delete"])
        ),
    )
    assert {(c["actor"], c["action"]) for c in changes} == {
        (key_owner(carer), "document.hide"),
        (key_owner(carer), "document.delete"),
    }


def test_a_carer_opening_a_new_document_leaves_it_new_for_the_patient(app, people):
    patient, carer = people["patient"], people["carer"]
    doctor = make_person(app, Role.PROFESSIONAL, profession="nurse")

    async def join() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=doctor, joined_by="invited")

    run(app, join)
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    app.post(
        f"/pro/patients/{patient}/documents",
        data=_form(app),
        files={"file": ("o.pdf", PDF, "application/pdf")},
    )
    [row] = _rows(app, patient)
    delegate(app, patient, carer, "documents:read")
    act_for(app, carer, patient)
    assert app.get(f"/space/documents/{row['id']}").status_code == 200
    assert _rows(app, patient)[0]["is_new"]
    sign_in_as(app, patient)
    app.get(f"/space/documents/{row['id']}")
    assert not _rows(app, patient)[0]["is_new"]
