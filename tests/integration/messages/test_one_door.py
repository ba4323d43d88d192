"""Messages go through the one door (issue 13): a carer acts in the patient's conversations
only as far as the delegation goes, and reaches the documents a message carries only as far
as the documents area lets her; a professional never opens through a conversation a document
the patient hid from professionals, nor files one when their profession has no documents
area; a blocked professional no longer sees, counts nor hears of the patient's
conversations; and what a carer writes reads as hers."""

from __future__ import annotations

import html
import uuid
from datetime import date
from typing import Any

import pytest

from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.documents import services as documents
from portal.documents.tables import Document
from portal.messages.tables import Conversation, Message, MessageDraft
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page as read_page
from tests.integration.messages.test_messages import (
    BODY,
    PDF,
    SUBJECT,
    _as,
    _events,
    _join,
    _notices_to,
    _reply,
    _start_as_doctor,
    _unread_in_header,
)
from tests.people import act_for, delegate, make_person, portal_client, run

LIBRARY_TITLE = "Compte rendu de coloscopie"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def people(app: Any) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID]:
    """Jeanne, Dr Anne Martin of her circle (who accepts new conversations), and Claire her
    daughter, who has a space of her own."""
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    carer = make_person(app, given_names="Claire", family_name="Dupont")
    _join(app, patient, doctor)
    _as(app, doctor, Role.PROFESSIONAL)
    app.post("/pro/messages/settings", data={"_csrf_token": csrf(app), "accepts_new": "1"})
    return patient, doctor, carer


def _library_document(app: Any, patient: uuid.UUID, title: str = LIBRARY_TITLE) -> uuid.UUID:
    """A document the patient added to her library."""

    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            return await documents.add_document(
                Keyring(TEST_MASTER_KEY),
                patient=patient,
                author=patient,
                author_role="patient",
                details=documents.Details(
                    title=title,
                    category="reports",
                    document_date=date.today().isoformat(),
                    media_type="application/pdf",
                ),
                content=PDF,
            )

    document: uuid.UUID = run(app, go)
    return document


def _hide(app: Any, document: uuid.UUID) -> None:
    run(app, lambda: Document.update({Document.hidden: True}).where(Document.id == document))


def _patient_sends(app: Any, patient: uuid.UUID, conversation: uuid.UUID, document: uuid.UUID) -> None:
    """The patient answers in ``conversation`` with one of her documents."""
    _as(app, patient)
    sent = _reply(app, "/space/messages", conversation, "Voici le compte rendu.", document=str(document))
    assert sent.status_code == 303, sent.text


def _documents_of(app: Any, patient: uuid.UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run(app, lambda: Document.select().where(Document.patient == patient))
    return rows


def _written_by(page: str) -> list[str]:
    """Who wrote each message of a conversation's page, as the page says it."""
    heads = [head.find(string=True, recursive=False) for head in read_page(page).all(".message-head")]
    said = [str(head).strip() for head in heads if head is not None]
    return [head.removeprefix("Written by ") for head in said if head.startswith("Written by ")]


def _new_message(app: Any, **fields: Any) -> dict[str, Any]:
    return {
        "_csrf_token": csrf(app),
        "subject": "Question",
        "body": "Bonjour docteur",
        "action": "send",
        **fields,
    }


# --------------------------------------------------------------------------- a carer and the documents


def test_a_carer_with_messages_only_is_offered_no_document_and_can_neither_attach_nor_file_one(app, people):
    patient, doctor, carer = people
    document = _library_document(app, patient)
    delegate(app, patient, carer, "messages:write")
    act_for(app, carer, patient)

    # The form offers neither the library nor a file field, and says nothing of her documents.
    form = app.get("/space/messages/new")
    assert form.status_code == 200 and "Dr Anne Martin, general practitioner" in form.text
    assert 'name="document"' not in form.text and 'name="file"' not in form.text
    assert LIBRARY_TITLE not in html.unescape(form.text)

    # Sent anyway, a document of the library is refused (404, audited), nothing is sent.
    attached = app.post("/space/messages/new", data=_new_message(app, to=str(doctor), document=str(document)))
    assert attached.status_code == 404
    assert (key_owner(carer), "read", "denied") in _events(app, patient, "documents")
    # And a file is refused: nothing is filed in the library.
    filed = app.post(
        "/space/messages/new",
        data=_new_message(app, to=str(doctor)),
        files={"file": ("scanner.pdf", PDF, "application/pdf")},
    )
    assert filed.status_code == 404
    assert (key_owner(carer), "write", "denied") in _events(app, patient, "documents")
    assert len(_documents_of(app, patient)) == 1
    assert run(app, lambda: Conversation.count().where(Conversation.patient == patient)) == 0

    # Without them, her message goes.
    sent = app.post("/space/messages/new", data=_new_message(app, to=str(doctor)), follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/space/messages/")


def test_a_carer_with_messages_only_cannot_open_what_the_patient_attached(app, people):
    patient, doctor, carer = people
    document = _library_document(app, patient)
    conversation = _start_as_doctor(app, patient, doctor)
    _patient_sends(app, patient, conversation, document)
    delegate(app, patient, carer, "messages:write")
    act_for(app, carer, patient)

    page = html.unescape(app.get(f"/space/messages/{conversation}").text)
    assert "Voici le compte rendu." in page
    assert LIBRARY_TITLE not in page and "/attachments/" not in page
    assert "the documents of this space are not open to you" in page
    download = app.get(f"/space/messages/{conversation}/attachments/{document}")
    assert download.status_code == 404 and PDF not in download.content
    assert (key_owner(carer), "read", "denied") in _events(app, patient, "documents")


def test_a_carer_with_documents_too_attaches_and_files_as_herself(app, people):
    patient, doctor, carer = people
    document = _library_document(app, patient)
    conversation = _start_as_doctor(app, patient, doctor)
    delegate(app, patient, carer, "messages:write,documents:write")
    act_for(app, carer, patient)

    page = app.get(f"/space/messages/{conversation}").text
    assert 'name="file"' in page and f'value="{document}"' in page
    sent = _reply(
        app,
        "/space/messages",
        conversation,
        "Le scanner de maman.",
        files={"file": ("scanner.pdf", PDF, "application/pdf")},
        document=str(document),
    )
    assert sent.status_code == 303, sent.text
    filed = [d for d in _documents_of(app, patient) if d["id"] != document]
    assert len(filed) == 1 and filed[0]["author"] == carer and filed[0]["author_role"] == "carer"
    download = app.get(f"/space/messages/{conversation}/attachments/{document}")
    assert download.status_code == 200 and download.content == PDF


# --------------------------------------------------------------------------- professionals and the documents


def test_a_document_hidden_from_professionals_stays_hidden_in_a_conversation(app, people):
    patient, doctor, _carer = people
    document = _library_document(app, patient)
    conversation = _start_as_doctor(app, patient, doctor)
    _patient_sends(app, patient, conversation, document)
    _as(app, doctor, Role.PROFESSIONAL)
    address = f"/pro/messages/{conversation}/attachments/{document}"
    assert app.get(address).status_code == 200

    # The patient hides it from professionals: the doctor can no longer open it from there.
    _hide(app, document)
    page = html.unescape(app.get(f"/pro/messages/{conversation}").text)
    assert LIBRARY_TITLE not in page and "/attachments/" not in page
    assert "An attached document the patient hid from professionals" in page
    refused = app.get(address)
    assert refused.status_code == 404 and PDF not in refused.content
    assert (key_owner(doctor), "read", "denied") in _events(app, patient, "documents")

    # The patient is not offered a hidden document to send, and is told why if she sends it.
    _as(app, patient)
    assert f'value="{document}"' not in app.get(f"/space/messages/{conversation}").text
    refused = _reply(app, "/space/messages", conversation, "Encore lui", document=str(document))
    assert refused.status_code == 400
    assert "This document is hidden from professionals" in html.unescape(refused.text)


def test_a_physiotherapist_neither_files_nor_opens_documents_through_messages(app, people):
    patient, _doctor, _carer = people
    physio = make_person(
        app, Role.PROFESSIONAL, given_names="Marc", family_name="Leroy", profession="physiotherapist"
    )
    _join(app, patient, physio)
    document = _library_document(app, patient)

    # Messages are his to use: he writes, without a file field.
    _as(app, physio, Role.PROFESSIONAL)
    form = app.get(f"/pro/messages/new?patient={patient}")
    assert form.status_code == 200 and "To Jeanne Dupont." in form.text and 'name="file"' not in form.text
    # A file sent anyway is refused, and nothing is filed in the patient's library.
    data = {"_csrf_token": csrf(app), "patient": str(patient), "subject": SUBJECT, "body": BODY}
    refused = app.post("/pro/messages/new", data=data, files={"file": ("bilan.pdf", PDF, "application/pdf")})
    assert refused.status_code == 404
    assert [d["id"] for d in _documents_of(app, patient)] == [document]
    conversation = _start_as_doctor(app, patient, physio)

    # What the patient attaches stays closed to him: the documents are not his profession's.
    _patient_sends(app, patient, conversation, document)
    _as(app, physio, Role.PROFESSIONAL)
    page = html.unescape(app.get(f"/pro/messages/{conversation}").text)
    assert "Voici le compte rendu." in page and LIBRARY_TITLE not in page
    assert app.get(f"/pro/messages/{conversation}/attachments/{document}").status_code == 404
    replied = _reply(app, "/pro/messages", conversation, "Et ceci", files={"file": ("x.pdf", PDF, "x/y")})
    assert replied.status_code == 404
    assert len(_documents_of(app, patient)) == 1


# --------------------------------------------------------------------------- a blocked professional


def test_a_blocked_professional_neither_sees_nor_counts_nor_hears_of_the_patients_conversations(app, people):
    patient, doctor, _carer = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, doctor, Role.PROFESSIONAL)
    assert html.escape(SUBJECT, quote=False) in app.get("/pro/messages").text

    # The patient blocks Dr Martin from her circle's page, then answers.
    _as(app, patient)
    blocked = app.post(
        f"/space/circle/{doctor}/block", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert blocked.status_code == 303, blocked.text
    assert _reply(app, "/space/messages", conversation, "Je change de médecin.").status_code == 303

    # He is not told, does not count it, and his inbox says nothing of it.
    assert _notices_to(app, "anne.") == []
    _as(app, doctor, Role.PROFESSIONAL)
    assert _unread_in_header(app.get("/pro").text) is None
    headers = {"HX-Request": "true", "x-portal-refresh": "1"}
    assert _unread_in_header(app.get("/messages/unread", headers=headers).text) is None
    inbox = html.unescape(app.get("/pro/messages").text)
    assert SUBJECT not in inbox and "Jeanne Dupont" not in inbox and "New" not in inbox
    assert "No conversation yet." in inbox

    # Unblocked, it is his again, with the answer counted.
    _as(app, patient)
    app.post(f"/space/circle/{doctor}/unblock", data={"_csrf_token": csrf(app)})
    _as(app, doctor, Role.PROFESSIONAL)
    assert _unread_in_header(app.get("/pro").text) == "1"
    assert html.escape(SUBJECT, quote=False) in app.get("/pro/messages").text


# --------------------------------------------------------------------------- what a carer writes is hers


def test_a_carers_message_reads_as_hers_to_everyone(app, people):
    patient, doctor, carer = people
    conversation = _start_as_doctor(app, patient, doctor)
    delegate(app, patient, carer, "messages:write", relation="daughter")
    act_for(app, carer, patient)
    assert _unread_in_header(app.get("/space").text) == "1"  # the patient's count, as she acts there
    sent = _reply(app, "/space/messages", conversation, "Maman ira mieux demain.")
    assert sent.status_code == 303
    assert _written_by(app.get(f"/space/messages/{conversation}").text) == [
        "Dr Anne Martin, general practitioner",
        "you",
    ]
    authors = run(app, lambda: Message.select(Message.author).where(Message.conversation == conversation))
    assert carer in [row["author"] for row in authors]
    assert (key_owner(carer), "message.send", "allowed") in _events(app, patient)

    _as(app, patient)
    assert _written_by(app.get(f"/space/messages/{conversation}").text) == [
        "Dr Anne Martin, general practitioner",
        "your daughter Claire Dupont",
    ]
    _as(app, doctor, Role.PROFESSIONAL)
    assert _written_by(app.get(f"/pro/messages/{conversation}").text) == [
        "you",
        "Claire Dupont for Jeanne Dupont",
    ]
    # The doctor is told; the patient's side, which wrote, is not.
    assert len(_notices_to(app, "anne.")) == 1
    assert len(_notices_to(app, "jeanne.")) == 1  # only the doctor's first message


def test_a_carers_draft_is_hers_not_the_patients(app, people):
    patient, doctor, carer = people
    conversation = _start_as_doctor(app, patient, doctor)
    delegate(app, patient, carer, "messages:write")
    act_for(app, carer, patient)
    kept = app.post(
        f"/space/messages/{conversation}/reply",
        data={"_csrf_token": csrf(app), "body": "Brouillon de Claire", "action": "save"},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    assert ">Brouillon de Claire</textarea>" in app.get(f"/space/messages/{conversation}").text
    drafts = run(app, lambda: MessageDraft.select(MessageDraft.author).where(MessageDraft.patient == patient))
    assert [d["author"] for d in drafts] == [carer]
    _as(app, patient)
    assert "Brouillon de Claire" not in app.get(f"/space/messages/{conversation}").text


# --------------------------------------------------------------------------- how far a delegation goes


def test_a_carer_with_messages_read_only_reads_but_neither_writes_nor_keeps_drafts(app, people):
    patient, doctor, carer = people
    conversation = _start_as_doctor(app, patient, doctor)
    delegate(app, patient, carer, "messages:read")
    act_for(app, carer, patient)

    inbox = app.get("/space/messages")
    assert inbox.status_code == 200 and html.escape(SUBJECT, quote=False) in inbox.text
    assert 'href="/space/messages/new"' not in inbox.text
    page = app.get(f"/space/messages/{conversation}")
    assert page.status_code == 200 and BODY in html.unescape(page.text)
    assert "reply-form" not in page.text and 'name="body"' not in page.text and "/archive" not in page.text
    # Reading leaves the patient's "new" mark: she still sees what came.
    assert _unread_in_header(app.get("/space").text) == "1"

    csrf_token = csrf(app)
    refused = [
        app.get("/space/messages/new"),
        app.post("/space/messages/new", data=_new_message(app, to=str(doctor))),
        app.post("/space/messages/new/draft", data={"_csrf_token": csrf_token, "body": "x"}),
        _reply(app, "/space/messages", conversation, "Bonjour"),
        app.post(
            f"/space/messages/{conversation}/reply",
            data={"_csrf_token": csrf_token, "body": "x", "action": "save"},
        ),
        app.post(f"/space/messages/{conversation}/draft", data={"_csrf_token": csrf_token, "body": "x"}),
        app.post(f"/space/messages/{conversation}/archive", data={"_csrf_token": csrf_token}),
    ]
    assert [r.status_code for r in refused] == [404] * len(refused)
    assert run(app, lambda: MessageDraft.count().where(MessageDraft.patient == patient)) == 0
    assert run(app, lambda: Message.count().where(Message.conversation == conversation)) == 1
    assert (key_owner(carer), "write", "denied") in _events(app, patient)


def test_a_carer_without_messages_finds_no_messages_page_and_no_count(app, people):
    patient, doctor, carer = people
    document = _library_document(app, patient)
    conversation = _start_as_doctor(app, patient, doctor)
    _patient_sends(app, patient, conversation, document)
    delegate(app, patient, carer, "documents:write")
    act_for(app, carer, patient)

    home = app.get("/space")
    assert home.status_code == 200 and 'id="unread-link"' not in home.text
    csrf_token = csrf(app)
    base = f"/space/messages/{conversation}"
    answers = [
        app.get("/space/messages"),
        app.get("/space/messages?archived=1"),
        app.get("/space/messages/new"),
        app.get(base),
        app.get(f"{base}/messages"),
        app.get(f"{base}/attachments/{document}"),
        app.get("/messages/unread", headers={"HX-Request": "true"}),
        app.post("/space/messages/new", data=_new_message(app, to=str(doctor))),
        app.post("/space/messages/new/draft", data={"_csrf_token": csrf_token, "body": "x"}),
        _reply(app, "/space/messages", conversation, "Bonjour"),
        app.post(f"{base}/draft", data={"_csrf_token": csrf_token, "body": "x"}),
        app.post(f"{base}/archive", data={"_csrf_token": csrf_token}),
        app.post(f"{base}/unarchive", data={"_csrf_token": csrf_token}),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    for answer in answers:
        assert SUBJECT not in html.unescape(answer.text) and PDF not in answer.content
    # Not on the professionals' side either.
    assert app.get(f"/pro/messages/{conversation}").status_code == 404
    assert 'id="unread-link"' not in app.get("/space/documents").text
