"""The printable summary of the profile: the page, its PDF, filing it in the library, the
advance directives filed as a document, a professional's view (only their profession's
sections), every refusal, and the audit trail."""

from __future__ import annotations

import io
import re
import secrets
import uuid
from typing import Any

import pytest
from bs4 import Tag
from pypdf import PdfReader

from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.circle.services import add_to_circle, set_blocked
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.core.sessions import cookie_name, start_session
from portal.documents import services as documents
from portal.documents import storage
from portal.documents.web import DOWNLOAD_POLICY, FILE_POLICY
from portal.profile.filing import file_directives
from portal.profile.services import add_entry, get_entry
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page as read_page
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

TREATMENT = {
    "name": "Metformine 500 mg",
    "dose": "1 comprimé",
    "times": ["morning", "evening"],
    "instructions": "Au milieu du repas",
    "prescriber": "Dr Martin",
}
OTHER_TREATMENT = {"name": "Lévothyrox 50", "dose": "1", "times": ["bedtime"]}
ALLERGY = {"substance": "Pénicilline", "kind": "allergy", "reaction": "Urticaire", "severity": "severe"}
CONTACT = {"name": "Paul Dupont", "role": "emergency", "relation": "fils", "phone": "06 12 34 56 78"}
TRUSTED = {"name": "Claire Petit", "role": "trusted_person", "phone": "07 98 76 54 32"}
DIRECTIVES = {
    "situation": "healthy",
    "resuscitation": "refuse",
    "ventilation": "want",
    "dialysis": "unsure",
    "artificial_feeding": "refuse",
    "surgery": "want",
    "transfusion": "want",
    "sedation": "want",
    "other_wishes": "Écouter de la musique classique",
    "place": "Villeurbanne",
    "written_at": "2026-03-02",
}
DONATION = {"position": "donor"}


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _patient(app: Any) -> uuid.UUID:
    """An active patient born on 27 March 1941 (the summary shows the date of birth)."""

    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            account_id = await create_account(
                Keyring(TEST_MASTER_KEY),
                Role.PATIENT,
                PersonIdentity(
                    family_name="Dupont",
                    given_names="Jeanne",
                    date_of_birth="1941-03-27",
                    email=f"jeanne.{secrets.token_hex(4)}@example.org",
                    postal_address="12 rue des Écoles\n69100 Villeurbanne",
                ),
            )
            await Account.update({Account.status: "active", Account.code_channel: "email"}).where(
                Account.id == account_id
            )
        return account_id

    result: uuid.UUID = run(app, go)
    return result


def _add(app: Any, patient: uuid.UUID, section: str, data: dict[str, Any]) -> uuid.UUID:
    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            return await add_entry(
                Keyring(TEST_MASTER_KEY),
                patient=patient,
                section=section,
                data=data,
                author=patient,
                author_role="patient",
            )

    result: uuid.UUID = run(app, go)
    return result


def _full_profile(app: Any) -> uuid.UUID:
    patient = _patient(app)
    _add(app, patient, "treatments", TREATMENT)
    _add(app, patient, "treatments", OTHER_TREATMENT)
    _add(app, patient, "allergies", {"substance": "Lactose", "kind": "intolerance", "severity": "mild"})
    _add(app, patient, "allergies", ALLERGY)
    _add(app, patient, "contacts", TRUSTED)
    _add(app, patient, "contacts", CONTACT)
    _add(app, patient, "directives", DIRECTIVES)
    _add(app, patient, "organ_donation", DONATION)
    _add(app, patient, "conditions", {"name": "Diabète de type 2"})
    return patient


def _professional(app: Any, profession: str, patient: uuid.UUID | None = None) -> uuid.UUID:
    pro = make_person(app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession=profession)
    if patient is not None:

        async def go() -> None:
            async with app.app.state.engine.transaction():
                await add_to_circle(patient=patient, professional=pro, joined_by="invited")

        run(app, go)
    return pro


def _as(app: Any, account: uuid.UUID, role: Role = Role.PATIENT) -> None:
    app.cookies.clear()
    sign_in_as(app, account, role)


def _events(app: Any, subject: uuid.UUID, area: str = "profile") -> list[tuple[str, str, str]]:
    return audit_events(app, "actor", "action", "outcome", subject=subject, area=area)


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _row(page: str, css_class: str, text: str) -> Tag:
    """The table row of ``css_class`` that holds ``text``."""
    rows = read_page(page).all(f"tr.{css_class}")
    found = [row for row in rows if text in row.get_text(" ")]
    assert len(found) == 1, rows
    return found[0]


def _ticked(row: Tag) -> set[str]:
    """The times of day ticked in a treatment's row."""
    return {str(cell["data-time"]) for cell in row.select("td[data-time]") if cell.select(".tick")}


def test_the_summary_shows_treatments_with_times_allergies_contacts_and_directives(app):
    patient = _full_profile(app)
    _as(app, patient)
    response = app.get("/space/profile/summary")
    assert response.status_code == 200
    page = response.text
    assert response.headers["cache-control"] == "no-store"
    # Who, born when, printed when.
    assert "Jeanne Dupont" in page and "1941" in page
    # Treatments with their times of day, in a table with a caption and headers.
    assert _ticked(_row(page, "summary-treatment", "Metformine 500 mg")) == {"morning", "evening"}
    assert _ticked(_row(page, "summary-treatment", "Lévothyrox 50")) == {"bedtime"}
    metformine = _row(page, "summary-treatment", "Metformine 500 mg")
    said = metformine.get_text(" ")
    assert "Au milieu du repas" in said and "Dr Martin" in said and "1 comprimé" in said
    assert [th.get_text() for th in metformine.select('th[scope="row"]')] == ["Metformine 500 mg"]
    assert len(read_page(page).all("table caption")) == page.count("<caption") == 4
    # Allergies, with their severity, the severe ones first.
    assert _row(page, "summary-allergy", "Pénicilline").select('[class="severity-severe"]')
    assert page.index("Pénicilline") < page.index("Lactose")
    # People to contact: the emergency contact first, with their phone.
    contacts = [row["data-role"] for row in read_page(page).all("tr.summary-contact[data-role]")]
    assert contacts == ["emergency", "trusted_person"]
    assert "06 12 34 56 78" in _row(page, "summary-contact", "Paul Dupont").get_text(" ")
    # The directives in short, and organ donation.
    assert 'data-treatment="resuscitation" data-choice="refuse"' in page
    assert 'data-treatment="sedation" data-choice="want"' in page
    assert "Écouter de la musique classique" in page and "Villeurbanne" in page
    assert 'data-position="donor"' in page
    # Other sections are not in the summary.
    assert "Diabète" not in page
    # Print (the PDF shown in the browser without JavaScript), download, file.
    assert 'href="/space/profile/summary.pdf?show=1" data-print' in page
    assert 'href="/space/profile/summary.pdf"' in page
    assert 'action="/space/profile/summary/file"' in page
    assert "summary-empty" not in page
    assert _events(app, patient)[-1] == (key_owner(patient), "profile.summary.read", "allowed")


def test_an_empty_summary_says_each_section_is_empty(app):
    patient = _patient(app)
    _as(app, patient)
    page = app.get("/space/profile/summary").text
    assert page.count('class="summary-empty"') == 5
    assert "<table" not in page
    content = app.get("/space/profile/summary.pdf").content
    assert content.startswith(b"%PDF")


def test_the_pdf_is_a_large_print_attachment_with_the_summary(app):
    patient = _full_profile(app)
    _as(app, patient)
    response = app.get("/space/profile/summary.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    disposition = response.headers["content-disposition"]
    assert re.fullmatch(
        r"attachment; filename=\"(medical-summary-\d{4}-\d{2}-\d{2}\.pdf)\"; filename\*=UTF-8''\1",
        disposition,
    )
    assert response.headers["content-security-policy"] == DOWNLOAD_POLICY
    assert response.headers["cache-control"] == "no-store"
    text = _pdf_text(response.content)
    for expected in ("Jeanne Dupont", "Metformine 500 mg", "Pénicilline", "Paul Dupont", "Villeurbanne"):
        assert expected in text
    assert "Diabète" not in text
    # Large print: no text under 14 pt.
    sizes: list[float] = []
    PdfReader(io.BytesIO(response.content)).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: sizes.append(size) if text.strip() else None
    )
    assert sizes and min(sizes) >= 14

    # "Print" without JavaScript: the same PDF, shown in the browser.
    shown = app.get("/space/profile/summary.pdf?show=1")
    assert shown.headers["content-disposition"].startswith("inline; ")
    assert shown.headers["content-security-policy"] == FILE_POLICY
    actions = [action for _actor, action, _outcome in _events(app, patient)]
    assert actions[-2:] == ["profile.summary.download", "profile.summary.print"]


def test_the_summary_is_filed_in_the_library_as_a_medical_summary(app):
    patient = _full_profile(app)
    _as(app, patient)
    response = app.post(
        "/space/profile/summary/file", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert response.status_code == 303
    found = re.fullmatch(r"/space/profile/summary\?filed=([0-9a-f-]{36})", response.headers["location"])
    assert found, response.headers["location"]
    document_id = uuid.UUID(found.group(1))

    async def read() -> tuple[Any, bytes]:
        keyring = Keyring(TEST_MASTER_KEY)
        info = await documents.get_document(keyring, patient, document_id)
        assert info is not None
        return info, await storage.read_all(keyring, info.id, info.chunk_count)

    info, content = run(app, read)
    assert info.details.category == "medical_summary"
    assert info.details.media_type == "application/pdf"
    assert info.by_patient
    assert str(info.date.year) in info.details.title
    assert "Metformine 500 mg" in _pdf_text(content)

    # The page after filing links to the new document, which opens.
    page = app.get(response.headers["location"]).text
    assert f'href="/space/documents/{document_id}"' in page
    assert app.get(f"/space/documents/{document_id}").status_code == 200
    assert app.get(f"/space/documents/{document_id}/file?download=1").content.startswith(b"%PDF")
    assert (key_owner(patient), "profile.summary.file", "allowed") in _events(app, patient)
    assert (key_owner(patient), "document.add", "allowed") in _events(app, patient, "documents")


def test_filing_needs_the_csrf_token(app):
    patient = _full_profile(app)
    _as(app, patient)
    response = app.post("/space/profile/summary/file", data={}, follow_redirects=False)
    assert response.status_code == 403
    assert not [e for e in _events(app, patient) if e[1] == "profile.summary.file"]


def test_the_advance_directives_are_filed_as_a_document(app):
    patient = _patient(app)
    entry_id = _add(app, patient, "directives", DIRECTIVES)

    async def go() -> tuple[Any, bytes]:
        keyring = Keyring(TEST_MASTER_KEY)
        async with app.app.state.engine.transaction():
            entry = await get_entry(keyring, patient, entry_id)
            assert entry is not None
            document_id = await file_directives(
                keyring,
                app.app.state.settings,
                patient=patient,
                author=patient,
                author_role="patient",
                entry=entry,
            )
        info = await documents.get_document(keyring, patient, document_id)
        assert info is not None
        return info, await storage.read_all(keyring, info.id, info.chunk_count)

    info, content = run(app, go)
    assert info.details.category == "advance_directives"
    assert info.details.document_date == "2026-03-02"
    assert content.startswith(b"%PDF-")
    text = _pdf_text(content)
    assert "Jeanne Dupont" in text and "Villeurbanne" in text and "Écouter de la musique classique" in text
    assert (key_owner(patient), "profile.directives.file", "allowed") in _events(app, patient)


@pytest.mark.parametrize(
    ("profession", "shown", "hidden", "donation"),
    [
        ("pharmacist", ["Metformine 500 mg", "Pénicilline"], ["Paul Dupont", "Villeurbanne"], False),
        ("nurse", ["Metformine 500 mg", "Pénicilline", "Paul Dupont", "Villeurbanne"], [], False),
        ("general_practitioner", ["Metformine 500 mg", "Paul Dupont", "Villeurbanne"], [], True),
    ],
)
def test_a_professional_sees_only_the_sections_of_their_profession(app, profession, shown, hidden, donation):
    patient = _full_profile(app)
    pro = _professional(app, profession, patient)
    _as(app, pro, Role.PROFESSIONAL)
    base = f"/pro/patients/{patient}/profile/summary"
    page = app.get(base)
    assert page.status_code == 200
    assert f'href="{base}.pdf?show=1" data-print' in page.text
    assert "/space/profile/summary/file" not in page.text
    pdf = app.get(f"{base}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-security-policy"] == DOWNLOAD_POLICY
    text = _pdf_text(pdf.content)
    for expected in shown:
        assert expected in page.text and expected in text
    for unexpected in hidden:
        assert unexpected not in page.text and unexpected not in text
    assert ('id="summary-donation-section"' in page.text) is donation
    assert "Diabète" not in page.text and "Diabète" not in text
    events = _events(app, patient)
    assert events[-2:] == [
        (key_owner(pro), "profile.summary.read", "allowed"),
        (key_owner(pro), "profile.summary.download", "allowed"),
    ]


def test_everyone_else_gets_a_missing_page(app):
    patient = _full_profile(app)
    base = f"/pro/patients/{patient}/profile/summary"

    # A physiotherapist of the circle reads the profile, but not the treatments.
    physio = _professional(app, "physiotherapist", patient)
    _as(app, physio, Role.PROFESSIONAL)
    assert app.get(base).status_code == 404
    assert app.get(f"{base}.pdf").status_code == 404
    assert (key_owner(physio), "read", "denied") in _events(app, patient)

    # A doctor outside the circle, then a blocked one.
    outsider = _professional(app, "general_practitioner")
    _as(app, outsider, Role.PROFESSIONAL)
    assert app.get(base).status_code == 404
    assert app.get(f"{base}.pdf").status_code == 404
    assert (key_owner(outsider), "read", "denied") in _events(app, patient)

    blocked = _professional(app, "general_practitioner", patient)

    async def block() -> None:
        async with app.app.state.engine.transaction():
            await set_blocked(patient=patient, professional=blocked, blocked=True)

    run(app, block)
    _as(app, blocked, Role.PROFESSIONAL)
    assert app.get(base).status_code == 404
    assert app.get(f"{base}.pdf").status_code == 404

    # Another patient: the professional's address is not theirs, and their own summary
    # shows only their own (empty) profile.
    other = _patient(app)
    _as(app, other)
    assert app.get(base).status_code == 404
    page = app.get("/space/profile/summary").text
    assert "Metformine" not in page and page.count('class="summary-empty"') == 5
    # Nobody signed in is sent to sign in.
    app.cookies.clear()
    assert app.get("/space/profile/summary", follow_redirects=False).status_code in (302, 303)
    assert not [e for e in _events(app, patient) if e[0] != key_owner(patient) and e[2] == "allowed"]


def test_on_a_kiosk_the_pdf_does_not_leave_as_a_file(app):
    patient = _full_profile(app)
    doctor = _professional(app, "general_practitioner", patient)
    for account, role, address in (
        (patient, Role.PATIENT, "/space/profile/summary.pdf"),
        (doctor, Role.PROFESSIONAL, f"/pro/patients/{patient}/profile/summary.pdf"),
    ):

        async def kiosk_session(account: uuid.UUID = account, role: Role = role) -> str:
            async with app.app.state.engine.transaction():
                return await start_session(app.app.state.sessions, account, role, kiosk=True)

        app.cookies.clear()
        app.cookies.set(
            cookie_name(app.app.state.settings), run(app, kiosk_session), domain=app.base_url.host
        )
        response = app.get(address, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/kiosk/no-file"
        assert b"%PDF" not in response.content
        # The page itself is there, to print.
        assert app.get(address.removesuffix(".pdf")).status_code == 200
