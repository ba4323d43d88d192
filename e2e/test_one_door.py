"""One door to health data (issue 13), in a real Chromium with JavaScript on and off.

A carer whose delegation gives messages only writes a new message in the space of the person
she helps: she is offered neither that person's documents nor a file field, and her message
goes. A patient blocks Dr Anne Martin (demo): Anne's inbox no longer shows, nor counts, any
of that patient's conversations.

Every page is checked with axe (``press`` and ``visit`` do it).
"""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle, visit
from e2e.people import (
    SIGN_OUT_BUTTON,
    Patient,
    _run_in_server_environment,
    add_to_circle,
    make_patient,
    path_of,
    sign_in,
)
from e2e.test_messages import (
    _WRITE,
    ANNE_EMAIL,
    ANNE_PASSWORD,
    BANNER,
    CONVERSATION,
    ROWS,
    SEND,
    UNREAD,
    unread_count,
)

pytestmark = pytest.mark.e2e

ACTING_BANNER = "#acting-banner"
LIBRARY_TITLE = "Compte rendu de coloscopie"
CIRCLE_ROWS = "main ul.rows > li.row"

# Runs in the live server's environment: one document in a patient's library, as if she had
# added it herself.
_ADD_DOCUMENT = """
import asyncio, sys, uuid
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.documents.services import Details, add_document
from portal.settings import Settings

async def main(patient_id, title):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    patient = uuid.UUID(patient_id)
    async with engine.transaction():
        await add_document(keyring, patient=patient, author=patient, author_role="patient",
                           details=Details(title=title, category="reports", document_date="2026-01-15",
                                           media_type="application/pdf"),
                           content=b"%PDF-1.4\\n" + b"z" * 1024)

asyncio.run(main(*sys.argv[1:]))
"""

# Runs in the live server's environment: a live delegation from a patient to a carer (her
# daughter) for ``areas``, as if the carer had accepted the patient's invitation.
_DELEGATE = """
import asyncio, sys, uuid
from portal.carers.services import _place
from portal.carers.tables import Delegation
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.core.records import seal_json
from portal.settings import Settings

async def main(patient_id, carer_id, areas):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    delegation, patient = uuid.uuid4(), uuid.UUID(patient_id)
    async with engine.transaction():
        details = await seal_json(keyring, _place(delegation, patient), {"relation": "daughter", "email": ""})
        await Delegation.insert(Delegation(id=delegation, patient=patient, carer=uuid.UUID(carer_id),
                                           sealed_details=details, areas=areas, status="active"))

asyncio.run(main(*sys.argv[1:]))
"""


def a_patient_of_anne(live_server: LiveServer, database_url: str | None) -> Patient:
    """A fresh patient with Dr Anne Martin (who accepts new conversations) in her care circle."""
    patient = make_patient(live_server, database_url)
    add_to_circle(live_server, database_url, patient.account_id, ANNE_EMAIL)
    return patient


def enter_her_mothers_space(page: Page, live_server: LiveServer, carer: Patient) -> None:
    """The daughter goes into her mother's space, and finds the messages but not the documents."""
    # When the daughter goes into her mother's space
    sign_in(page, live_server, carer.email, carer.password)
    press(page, "main a[href='/space/helping']")
    press(page, "main .helped-row form[action$='/enter'] button[type=submit]")
    assert path_of(page) == "/space"
    expect(page.locator(ACTING_BANNER)).to_be_visible()
    # Then she finds the messages, and not the documents
    expect(page.locator("main a[href='/space/documents']")).to_have_count(0)
    press(page, UNREAD)
    assert path_of(page) == "/space/messages"


def start_a_conversation_without_documents_nor_files(page: Page) -> None:
    """The daughter starts a conversation: no documents, no file, and no circle page are offered."""
    # When she starts a conversation
    press(page, "main a[href='/space/messages/new']")
    expect(page.locator("h1")).to_have_text("Commencer une conversation")
    # Then she is offered neither her mother's documents nor a file to send
    expect(page.locator("main #document")).to_have_count(0)
    expect(page.locator("main input[type=file]")).to_have_count(0)
    expect(page.locator("main #category")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(LIBRARY_TITLE)
    # And the circle's page, which is her mother's own, is not offered either
    expect(page.locator("main a[href='/space/circle']")).to_have_count(0)


def write_to_dr_martin(page: Page, javascript: bool) -> None:
    """The daughter writes to Dr Martin and sends it; the conversation offers no file either."""
    # When she writes to Dr Martin and sends it
    subject = f"Le rendez-vous de maman {secrets.token_hex(3)}"
    page.get_by_label("Dr Anne Martin, médecin généraliste").check()
    page.locator("#subject").fill(subject)
    page.locator("#body").fill("Bonjour docteur, maman ne pourra pas venir jeudi.")
    press(page, SEND)
    # Then her message is in the conversation, which offers no file either
    assert CONVERSATION.match(path_of(page)) and path_of(page).startswith("/space/messages/"), page.url
    expect(page.locator("h1")).to_have_text(subject)
    expect(page.locator(BANNER)).to_contain_text("Votre message est envoyé.")
    expect(page.locator("main .message-body").first).to_contain_text("maman ne pourra pas venir jeudi")
    expect(page.locator("main input[type=file]")).to_have_count(0)
    expect(page.locator("main #document")).to_have_count(0)
    if javascript:
        settle(page)
        check_axe(page, displays=None)


def test_a_carer_with_messages_only_writes_without_documents_nor_files(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient of Dr Martin with a document in her library, and her daughter, to
    # whom she gave her messages only
    patient = a_patient_of_anne(live_server, database_url)
    _run_in_server_environment(live_server, database_url, _ADD_DOCUMENT, patient.account_id, LIBRARY_TITLE)
    carer = make_patient(live_server, database_url)
    _run_in_server_environment(
        live_server, database_url, _DELEGATE, patient.account_id, carer.account_id, "messages:write"
    )
    enter_her_mothers_space(page, live_server, carer)
    start_a_conversation_without_documents_nor_files(page)
    write_to_dr_martin(page, javascript)
    press(page, SIGN_OUT_BUTTON)


def answer_dr_martin(page: Page, live_server: LiveServer, patient: Patient, javascript: bool) -> None:
    """The patient signs in and answers Dr Martin's message."""
    sign_in(page, live_server, patient.email, patient.password)
    press(page, UNREAD)
    press(page, f"{ROWS}:first-child h2 a")
    page.locator("#body").fill("Bien, merci docteur.")
    if javascript:
        _send_in_place(page)
    else:
        press(page, SEND)


def see_the_answer_new_and_counted(page: Page, live_server: LiveServer, subject: str) -> int:
    """Dr Martin sees the answer as new, and counts it; returns her unread count."""
    # And Dr Martin sees the answer as new, and counts it
    sign_in(page, live_server, ANNE_EMAIL, ANNE_PASSWORD)
    before = int(unread_count(page))
    assert before >= 1
    press(page, UNREAD)
    row = page.locator(ROWS).filter(has_text=subject)
    expect(row).to_have_count(1)
    expect(row.locator(".tag-new")).to_have_count(1)
    return before


def block_dr_martin(page: Page, live_server: LiveServer, patient: Patient, javascript: bool) -> None:
    """The patient blocks Dr Martin from her care circle."""
    # When the patient blocks Dr Martin from her care circle
    sign_in(page, live_server, patient.email, patient.password)
    press(page, "main a[href='/space/circle']")
    block = f"{CIRCLE_ROWS} form[action$='/block'] button[type=submit]"
    if javascript:
        page.locator(block).click()
        settle(page)
        visit(page, "/space/circle")  # the circle's own journey checks the row changed in place
    else:
        press(page, block)
        assert path_of(page) == "/space/circle?done=block"
    expect(page.locator(f"{CIRCLE_ROWS} .tag-warning")).to_be_visible()


def see_none_of_her_conversations(page: Page, live_server: LiveServer, subject: str, before: int) -> None:
    """Dr Martin's inbox shows none of the patient's conversations, and her header does not count it."""
    # Then Dr Martin's inbox shows none of her conversations, and her header does not count it
    sign_in(page, live_server, ANNE_EMAIL, ANNE_PASSWORD)
    assert int(unread_count(page)) == before - 1
    if before == 1:
        expect(page.locator(f"{UNREAD} .count-badge")).to_have_count(0)
    press(page, UNREAD)
    assert path_of(page) == "/pro/messages"
    expect(page.locator(ROWS).filter(has_text=subject)).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(subject)


def test_a_blocked_doctor_no_longer_sees_nor_counts_the_patients_conversations(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient to whom Dr Martin wrote, and who answered
    patient = a_patient_of_anne(live_server, database_url)
    subject = f"Votre tension {secrets.token_hex(3)}"
    _run_in_server_environment(
        live_server, database_url, _WRITE, patient.account_id, ANNE_EMAIL, subject, "Comment allez-vous ?"
    )
    answer_dr_martin(page, live_server, patient, javascript)
    press(page, SIGN_OUT_BUTTON)
    before = see_the_answer_new_and_counted(page, live_server, subject)
    press(page, SIGN_OUT_BUTTON)
    block_dr_martin(page, live_server, patient, javascript)
    press(page, SIGN_OUT_BUTTON)
    see_none_of_her_conversations(page, live_server, subject, before)
    press(page, SIGN_OUT_BUTTON)


def _send_in_place(page: Page) -> None:
    """With JavaScript, a reply is sent in place: wait until it is there, then check axe."""
    page.locator(SEND).click()
    expect(page.locator(BANNER)).to_contain_text("Votre message est envoyé.")
    settle(page)
    check_axe(page)
