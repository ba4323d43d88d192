"""Messaging between a patient and the professionals of their circle: starting, replying
with attachments, unread counts, drafts, closing and archiving, notifications without
content, encryption at rest, and every refusal (outside the conversation, blocked,
closed, bad input)."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from typing import Any

import httpx
import pytest

from portal.circle.services import add_to_circle, set_blocked
from portal.core.access import Role
from portal.core.keys import key_owner
from portal.core.notify import read_outbox
from portal.documents.tables import Document
from portal.messages.tables import Conversation, Message, MessageDraft
from tests.conftest import csrf
from tests.html import page as read_page
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PDF = b"%PDF-1.4\n" + b"z" * 2048
SUBJECT = "Résultats de la prise de sang"
BODY = "Bonjour, vos résultats sont normaux. Glycémie 0,95 g/L."
NOTICE = "You have a new message in your health space"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def people(app: Any) -> tuple[uuid.UUID, uuid.UUID]:
    """A patient and a doctor of their circle."""
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    _join(app, patient, doctor)
    return patient, doctor


def _join(app: Any, patient: uuid.UUID, professional: uuid.UUID) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=professional, joined_by="invited")

    run(app, go)


def _as(app: Any, account: uuid.UUID, role: Role = Role.PATIENT) -> None:
    app.cookies.clear()
    sign_in_as(app, account, role)


def _start_as_doctor(app: Any, patient: uuid.UUID, doctor: uuid.UUID, **fields: Any) -> uuid.UUID:
    _as(app, doctor, Role.PROFESSIONAL)
    data = {"_csrf_token": csrf(app), "patient": str(patient), "subject": SUBJECT, "body": BODY, **fields}
    response = app.post("/pro/messages/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.match(r"/pro/messages/([0-9a-f-]{36})\?done=sent$", response.headers["location"])
    assert found, response.headers["location"]
    return uuid.UUID(found.group(1))


def _reply(app: Any, base: str, conversation: uuid.UUID, body: str, files: Any = None, **fields: str) -> Any:
    data = {"_csrf_token": csrf(app), "body": body, "action": "send", **fields}
    return app.post(f"{base}/{conversation}/reply", data=data, files=files, follow_redirects=False)


def _notices_to(app: Any, fragment: str) -> list[Any]:
    return [m for m in read_outbox(app.app.state.settings.outbox_dir, limit=100) if m.to.startswith(fragment)]


def _events(app: Any, subject: uuid.UUID, area: str = "messages") -> list[tuple[str, str, str]]:
    return audit_events(app, "actor", "action", "outcome", subject=subject, area=area)


def _unread_in_header(text: str) -> str | None:
    for badge in read_page(text).all("span.count-badge"):
        number = badge.find(string=True, recursive=False)  # before the words for screen readers
        if number is not None and str(number).isdigit():
            return str(number)
    return None


def test_a_doctor_writes_the_patient_reads_and_answers_with_a_file(app, people):
    patient, doctor = people
    # The doctor starts a conversation with a patient of their circle.
    _as(app, doctor, Role.PROFESSIONAL)
    form = app.get(f"/pro/messages/new?patient={patient}")
    assert "To Jeanne Dupont." in form.text
    conversation = _start_as_doctor(app, patient, doctor)
    # The patient is told by email, with neither content nor sender.
    notices = _notices_to(app, "jeanne.")
    assert [n.subject for n in notices] == [NOTICE]
    assert (
        SUBJECT not in notices[0].body
        and "Martin" not in notices[0].body
        and "glyc" not in notices[0].body.lower()
    )
    assert "/space/messages" in notices[0].body

    # The patient sees one unread conversation in the header of every page, and in the inbox.
    _as(app, patient)
    assert _unread_in_header(app.get("/space").text) == "1"
    inbox = app.get("/space/messages").text
    assert html.escape(SUBJECT, quote=False) in inbox and "New" in inbox and "Dr Anne Martin" in inbox
    # Opening it shows the message and marks it read, audited.
    page = app.get(f"/space/messages/{conversation}").text
    assert html.escape(BODY, quote=False) in html.unescape(page) or BODY in html.unescape(page)
    assert _unread_in_header(app.get("/space").text) is None
    assert (key_owner(patient), "message.read", "allowed") in _events(app, patient)

    # The patient answers with a PDF, filed in their library under the kind chosen.
    response = _reply(
        app,
        "/space/messages",
        conversation,
        "Merci docteur, voici l'ancienne prise de sang.",
        files={"file": ("ancienne_prise_de_sang.pdf", PDF, "application/octet-stream")},
        category="lab_results",
    )
    assert response.status_code == 303 and response.headers["location"].endswith("?done=sent")
    documents = run(app, lambda: Document.select().where(Document.patient == patient))
    assert len(documents) == 1 and documents[0]["author_role"] == "patient"
    library = app.get("/space/documents").text
    assert "ancienne prise de sang" in library and "Lab results" in library

    # The doctor reads it and downloads the file from the conversation.
    _as(app, doctor, Role.PROFESSIONAL)
    assert _unread_in_header(app.get("/pro").text) == "1"
    page = app.get(f"/pro/messages/{conversation}").text
    assert "Merci docteur" in html.unescape(page)
    attachments = f"/pro/messages/{conversation}/attachments/"
    links = [str(a["href"]) for a in read_page(page).all(f'a[href^="{attachments}"]')]
    assert links and all(uuid.UUID(link.removeprefix(attachments)) for link in links)
    download = app.get(links[0])
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")
    assert (key_owner(doctor), "document.download", "allowed") in _events(app, patient, "documents")

    # The doctor answers with a file: it lands in the patient's library, new, by the doctor.
    response = _reply(
        app,
        "/pro/messages",
        conversation,
        "Voici l'ordonnance.",
        files={"file": ("ordonnance.pdf", PDF, "application/pdf")},
        category="prescriptions",
    )
    assert response.status_code == 303
    deposited = run(
        app,
        lambda: Document.select().where(
            (Document.patient == patient) & (Document.author_role == "professional")
        ),
    )
    assert len(deposited) == 1 and deposited[0]["is_new"]
    # At most one notice per conversation per hour: the patient got no second email.
    assert len(_notices_to(app, "jeanne.")) == 1
    assert len(_notices_to(app, "anne.")) == 1
    assert [e[1] for e in _events(app, patient) if e[1] in ("message.start", "message.send")] == [
        "message.start",
        "message.send",
        "message.send",
    ]


def test_subjects_bodies_drafts_and_attachment_names_are_sealed(app, people):
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, patient)
    app.post(
        f"/space/messages/{conversation}/draft",
        data={"_csrf_token": csrf(app), "body": "Brouillon secret sur mon diabète"},
        headers={"HX-Request": "true"},
    )
    _reply(
        app, "/space/messages", conversation, "Réponse", files={"file": ("scanner_du_genou.pdf", PDF, "x/y")}
    )

    async def stored() -> bytes:
        parts: list[bytes] = []
        for table, column in (
            (Conversation, Conversation.sealed_subject),
            (Message, Message.sealed_body),
            (MessageDraft, MessageDraft.sealed_text),
            (Document, Document.sealed_details),
        ):
            parts += [bytes(r[column._meta.name]) for r in await table.select(column)]
        return b"".join(parts)

    everything = run(app, stored)
    for secret in ("Résultats", "glyc", "Brouillon", "diab", "scanner", "genou"):
        assert secret.encode() not in everything
        assert secret.lower().encode("utf-8") not in everything.lower()


def test_a_patient_starts_a_conversation_only_with_a_professional_who_accepts(app, people):
    patient, doctor = people
    _as(app, patient)
    page = app.get("/space/messages/new").text
    assert "None of the professionals of your care circle receives new conversations here." in page
    data = {"_csrf_token": csrf(app), "to": str(doctor), "subject": "Question", "body": "Bonjour"}
    refused = app.post("/space/messages/new", data=data)
    assert refused.status_code == 400
    assert "Choose at least one professional to write to." in html.unescape(refused.text)

    _as(app, doctor, Role.PROFESSIONAL)
    app.post("/pro/messages/settings", data={"_csrf_token": csrf(app), "accepts_new": "1"})
    assert 'value="1" checked' in app.get("/pro/messages").text

    _as(app, patient)
    assert "Dr Anne Martin, general practitioner" in app.get("/space/messages/new").text
    data["_csrf_token"] = csrf(app)
    started = app.post("/space/messages/new", data=data, follow_redirects=False)
    assert started.status_code == 303 and started.headers["location"].startswith("/space/messages/")
    _as(app, doctor, Role.PROFESSIONAL)
    assert "Question" in app.get("/pro/messages").text


def test_a_draft_is_kept_as_one_types_and_after_signing_out(app, people):
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, patient)
    saved = app.post(
        f"/space/messages/{conversation}/draft",
        data={"_csrf_token": csrf(app), "body": "Je voulais vous demander"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "Draft kept at" in saved.text
    # A new session (signed out, back later) finds the text where it was.
    _as(app, patient)
    page = app.get(f"/space/messages/{conversation}").text
    assert ">Je voulais vous demander</textarea>" in page
    # Without JavaScript, "Keep as a draft" does the same.
    kept = app.post(
        f"/space/messages/{conversation}/reply",
        data={"_csrf_token": csrf(app), "body": "Autre texte", "action": "save"},
        follow_redirects=False,
    )
    assert kept.headers["location"] == f"/space/messages/{conversation}?done=saved"
    assert ">Autre texte</textarea>" in app.get(kept.headers["location"]).text
    # Sending empties it.
    _reply(app, "/space/messages", conversation, "Autre texte")
    assert "></textarea>" in app.get(f"/space/messages/{conversation}").text
    # A new conversation's draft too, for a professional.
    _as(app, doctor, Role.PROFESSIONAL)
    app.post(
        "/pro/messages/new/draft",
        data={"_csrf_token": csrf(app), "patient": str(patient), "subject": "Rendez-vous", "body": "À voir"},
        headers={"HX-Request": "true"},
    )
    page = app.get(f"/pro/messages/new?patient={patient}").text
    assert 'value="Rendez-vous"' in page and ">À voir</textarea>" in page


@pytest.mark.parametrize(
    ("body", "files", "message"),
    [
        ("   ", None, "Write your message."),
        ("x" * 5001, None, "Your message is 5001 characters long: the longest is 5000."),
        # A file that is right is not filed while the message cannot go.
        ("   ", {"file": ("bilan.pdf", PDF, "application/pdf")}, "Write your message."),
        (
            "Voici",
            {"file": ("photo.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
            "This file is not a PDF",
        ),
    ],
)
def test_bad_messages_are_explained_and_nothing_typed_is_lost(app, people, body, files, message):
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, patient)
    response = _reply(app, "/space/messages", conversation, body, files=files)
    assert response.status_code == 400
    text = html.unescape(response.text)
    assert message in text and "<title>Error:" in text
    if body.strip():
        assert f">{body}</textarea>" in text
    assert run(app, lambda: Message.count().where(Message.conversation == conversation)) == 1
    assert run(app, lambda: Document.count().where(Document.patient == patient)) == 0


def test_a_new_conversation_with_mistakes_keeps_what_was_typed_each_error_at_its_field(app, people):
    patient, doctor = people
    _as(app, doctor, Role.PROFESSIONAL)
    app.post("/pro/messages/settings", data={"_csrf_token": csrf(app), "accepts_new": "1"})
    _as(app, patient)
    data = {"_csrf_token": csrf(app), "to": str(doctor), "subject": "  ", "body": "Bonjour docteur"}
    response = app.post("/space/messages/new", data=data, files={"file": ("bilan.pdf", PDF, "x/y")})
    assert response.status_code == 400
    shown = read_page(response)
    message = 'Say what it is about, for example "My blood test results".'
    assert shown.error_summary() == {"subject": message} and shown.field_error("subject") == message
    sent = shown.form_fields('form[action="/space/messages/new"]')
    assert ("to", str(doctor)) in sent and ("body", "Bonjour docteur") in sent
    # Nothing was sent nor filed; the draft keeps the text.
    assert run(app, lambda: Conversation.count().where(Conversation.patient == patient)) == 0
    assert run(app, lambda: Document.count().where(Document.patient == patient)) == 0
    assert ">Bonjour docteur</textarea>" in app.get("/space/messages/new").text


def test_outsiders_blocked_professionals_and_closed_conversations(app, people):
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    # Another patient, and a professional outside the conversation, get a 404, audited.
    stranger = make_person(app, given_names="Paul", family_name="Autre")
    _as(app, stranger)
    assert app.get(f"/space/messages/{conversation}").status_code == 404
    assert _reply(app, "/space/messages", conversation, "Bonjour").status_code == 404
    assert (key_owner(stranger), "read", "denied") in _events(app, stranger)
    # A patient never reaches the professionals' side, nor the reverse.
    _as(app, patient)
    assert app.get(f"/pro/messages/{conversation}").status_code == 404

    # The patient blocks the doctor: the doctor can neither read nor write, at once.
    async def block(blocked: bool) -> None:
        async with app.app.state.engine.transaction():
            await set_blocked(patient=patient, professional=doctor, blocked=blocked)

    run(app, lambda: block(True))
    _as(app, doctor, Role.PROFESSIONAL)
    assert app.get(f"/pro/messages/{conversation}").status_code == 404
    assert _reply(app, "/pro/messages", conversation, "Encore moi").status_code == 404
    run(app, lambda: block(False))

    # The doctor closes it: it can be read, not answered; the patient's text is kept.
    closed = app.post(
        f"/pro/messages/{conversation}/close", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert closed.headers["location"] == f"/pro/messages/{conversation}?done=closed"
    _as(app, patient)
    page = app.get(f"/space/messages/{conversation}").text
    assert (
        "Closed by Dr Anne Martin" in page
        and 'action="/space/messages/' not in page.split("reply-form")[0][-1:]
    )
    assert "/reply" not in page
    refused = _reply(app, "/space/messages", conversation, "Une dernière question")
    assert refused.status_code == 409
    assert "This conversation is closed" in html.unescape(refused.text)
    assert 'id="body" tabindex="-1">Une dernière question</div>' in html.unescape(refused.text)
    assert "Une dernière question" in html.unescape(app.get(f"/space/messages/{conversation}").text)


def test_archiving_and_a_new_message_brings_it_back(app, people):
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, patient)
    app.get(f"/space/messages/{conversation}")
    archived = app.post(
        f"/space/messages/{conversation}/archive", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert archived.headers["location"] == "/space/messages?done=archived"
    assert html.escape(SUBJECT, quote=False) not in app.get("/space/messages").text
    assert html.escape(SUBJECT, quote=False) in app.get("/space/messages?archived=1").text
    _as(app, doctor, Role.PROFESSIONAL)
    _reply(app, "/pro/messages", conversation, "Un complément")
    _as(app, patient)
    assert html.escape(SUBJECT, quote=False) in app.get("/space/messages").text


def test_refreshes_send_only_what_is_new_and_do_not_keep_the_session_alive(app, people):
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, patient)
    page = app.get(f"/space/messages/{conversation}").text
    refreshes = [str(e["hx-get"]) for e in read_page(page).all('[hx-get*="/messages?after="]')]
    assert refreshes
    refresh = refreshes[0]
    headers = {"HX-Request": "true", "x-portal-refresh": "1"}
    assert app.get(refresh, headers=headers).status_code == 204
    _as(app, doctor, Role.PROFESSIONAL)
    _reply(app, "/pro/messages", conversation, "Nouveau message")
    _as(app, patient)
    fresh = app.get(refresh, headers=headers)
    assert fresh.status_code == 200 and "Nouveau message" in fresh.text and "<html" not in fresh.text
    # The header's count refreshes alone.
    count = app.get("/messages/unread", headers=headers)
    assert count.status_code == 200 and 'id="unread-link"' in count.text


def test_people_reading_at_the_same_time_are_all_answered(app, people):
    """On SQLite a GET reads in a deferred transaction, then writes (read marks, audit): when
    another request committed in between, SQLite refuses the write at once (a busy snapshot).
    The request is then run again as a writer from its start, never answered with an error."""
    patient, doctor = people
    conversation = _start_as_doctor(app, patient, doctor)
    _as(app, patient)
    cookies = dict(app.cookies)

    async def many() -> list[int]:
        transport = httpx.ASGITransport(app=app.app)
        async with httpx.AsyncClient(
            transport=transport, base_url=str(app.base_url), cookies=cookies
        ) as client:
            responses = await asyncio.gather(
                *(client.get(f"/space/messages/{conversation}") for _ in range(12))
            )
        return [r.status_code for r in responses]

    assert run(app, many) == [200] * 12
    events = [e for e in _events(app, patient) if e[1] == "message.read"]
    assert len(events) == 12
