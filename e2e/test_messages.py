"""Messages, in a real Chromium with JavaScript on and off.

Dr Anne Martin (demo) starts a conversation with a patient of her care circle; the patient
sees the unread count in the header, reads it, begins an answer that survives signing out,
then sends it with a PDF; Anne reads the answer and downloads the file. With JavaScript,
the unread count and the inbox update by themselves when a message arrives.

Every page, and every part replaced in place, is checked with axe.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import (
    SIGN_OUT_BUTTON,
    Patient,
    _run_in_server_environment,
    add_to_circle,
    make_patient,
    path_of,
    sign_in,
)
from e2e.test_documents import make_pdf
from portal.core.notify import read_outbox

pytestmark = pytest.mark.e2e

ANNE_EMAIL = "dr.anne.martin@example.org"
ANNE_PASSWORD = "un jardin en Creuse"
SUBJECT = "Votre bilan sanguin"
BODY = "Bonjour, vos résultats sont arrivés. Pouvez-vous m'envoyer l'ancien bilan ?"
ANSWER = "Bonjour docteur, le voici."
UNREAD = "header a#unread-link"
ROWS = "main #inbox li.conversation-row"
BANNER = "main .banner-success"
SEND = "main button[name=action][value=send]"
KEEP = "main button[name=action][value=save]"
CONVERSATION = re.compile(r"^/(space|pro)/messages/[0-9a-f-]{36}(\?done=\w+)?$")

# Runs in the live server's environment: Dr Anne Martin writes to a patient.
_WRITE = """
import asyncio, sys, uuid
from portal.accounts.services import find_account_id
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.messages.services import start
from portal.settings import Settings

async def main(patient_id, professional_email, subject, body):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    async with engine.transaction():
        professional = await find_account_id(keyring, professional_email)
        await start(keyring, patient=uuid.UUID(patient_id), author=professional, professionals=[professional],
                    subject=subject, body=body, attachments=[])

asyncio.run(main(*sys.argv[1:]))
"""


def unread_count(page: Page) -> str:
    badge = page.locator(f"{UNREAD} .count-badge")
    return badge.inner_text().split()[0] if badge.count() else "0"


def open_the_conversation(page: Page, base: str) -> None:
    """From any page: the header's Messages link, then the first conversation of the inbox."""
    press(page, UNREAD)
    assert path_of(page) == base
    press(page, f"{ROWS}:first-child h2 a")
    assert CONVERSATION.match(path_of(page)), page.url


def write_to_the_patient_as_dr_martin(page: Page, live_server: LiveServer, patient: Patient) -> None:
    """Dr Martin signs in and writes to the patient from their page; the conversation shows her message."""
    # When Dr Martin writes to them from the patient's page
    sign_in(page, live_server, ANNE_EMAIL, ANNE_PASSWORD)
    press(page, f"main a[href='/pro/patients/{patient.account_id}']")
    press(page, f"main a[href='/pro/messages/new?patient={patient.account_id}']")
    expect(page.locator("h1")).to_have_text("Commencer une conversation")
    expect(page.locator("main")).to_contain_text("À Marie Martin.")
    page.locator("#subject").fill(SUBJECT)
    page.locator("#body").fill(BODY)
    press(page, SEND)
    # Then she is on the conversation's page, which shows her message
    assert CONVERSATION.match(path_of(page)) and path_of(page).startswith("/pro/messages/"), page.url
    expect(page.locator("h1")).to_have_text(SUBJECT)
    expect(page.locator(BANNER)).to_contain_text("Votre message est envoyé.")
    expect(page.locator("main .message-body").first).to_have_text(BODY)


def see_the_patient_was_told_without_the_message(live_server: LiveServer, patient: Patient) -> None:
    """The patient was told of a new message, with nothing of the message nor of its sender."""
    # And the patient was told, with nothing of the message nor of its sender
    told = [m for m in read_outbox(live_server.data_dir / "outbox", limit=1000) if m.to == patient.email]
    assert [m.subject for m in told] == ["Vous avez un nouveau message dans votre espace santé"]
    assert "bilan" not in told[0].body.lower() and "Martin" not in told[0].body


def read_it_as_the_patient(page: Page, live_server: LiveServer, patient: Patient) -> None:
    """The patient signs in, sees one unread conversation, new from Dr Martin, and reads it."""
    # When the patient signs in, the header says one conversation is unread
    sign_in(page, live_server, patient.email, patient.password)
    expect(page.locator(UNREAD)).to_contain_text("Messages")
    assert unread_count(page) == "1"
    # And the inbox shows it as new, from Dr Martin
    press(page, UNREAD)
    expect(page.locator(ROWS)).to_have_count(1)
    expect(page.locator(ROWS).first.locator(".tag-new")).to_have_text("Nouveau")
    expect(page.locator(ROWS).first).to_contain_text("Dr Anne Martin, médecin généraliste")
    # When they open it, it is read: the header no longer counts it
    press(page, f"{ROWS} h2 a")
    expect(page.locator("main .message-body").first).to_have_text(BODY)
    assert unread_count(page) == "0"


def begin_an_answer_that_is_kept(
    page: Page, live_server: LiveServer, patient: Patient, javascript: bool
) -> str:
    """The patient begins an answer, kept across signing out and in; returns the conversation's path."""
    # When they begin an answer, it is kept: as they type with JavaScript, with a button without
    page.locator("#body").fill(ANSWER)
    if javascript:
        expect(page.locator("#draft-status")).to_contain_text("Brouillon gardé", timeout=10_000)
        check_axe(page, displays=None)
    else:
        press(page, KEEP)
        expect(page.locator(BANNER)).to_contain_text("Votre brouillon est gardé.")
    conversation = path_of(page).split("?")[0]
    # And it is still there after signing out and back in
    press(page, SIGN_OUT_BUTTON)
    sign_in(page, live_server, patient.email, patient.password)
    open_the_conversation(page, "/space/messages")
    expect(page.locator("#body")).to_have_value(ANSWER)
    return conversation


def send_it_with_a_pdf(page: Page, javascript: bool, pdf: Path) -> None:
    """The patient sends the answer with a PDF (a lab result); it appears under the doctor's message."""
    # When they send it with a PDF, filed as a lab result
    page.locator("#file").set_input_files(pdf)
    page.locator("#category").select_option("lab_results")
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        page.locator(SEND).click()
        expect(page.locator(BANNER)).to_contain_text("Votre message est envoyé.")
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), "the answer should appear in place"
        # And it takes the focus, so a screen reader goes on from there
        expect(page.locator("main li.message").last).to_be_focused()
        check_axe(page)
    else:
        press(page, SEND)
    # Then it appears under Dr Martin's message, with its file, and the text box is empty
    messages = page.locator("main li.message")
    expect(messages).to_have_count(2)
    expect(messages.nth(1).locator(".message-body")).to_have_text(ANSWER)
    expect(messages.nth(1).locator(".attachments a")).to_have_text("Télécharger ancien-bilan")
    expect(page.locator("#body")).to_have_value("")


def find_the_file_in_their_documents(page: Page) -> None:
    """The patient finds the file they sent in their documents too."""
    # And the file is in their documents too
    press(page, "header a.nav-link[href='/space']")
    press(page, "main a[href='/space/documents']")
    expect(page.locator("main #document-list li.document-row h2 a")).to_have_text("ancien-bilan")


def download_the_file_as_dr_martin(page: Page, live_server: LiveServer, conversation: str, pdf: Path) -> None:
    """Dr Martin comes back, sees the answer counted, and downloads the very file sent."""
    # When Dr Martin comes back, the answer is counted, and she downloads the file
    sign_in(page, live_server, ANNE_EMAIL, ANNE_PASSWORD)
    assert unread_count(page) == "1"
    open_the_conversation(page, "/pro/messages")
    assert path_of(page) == conversation.replace("/space/", "/pro/")
    link = page.locator("main li.message .attachments a")
    with page.expect_download() as download_info:
        link.click()
    assert Path(download_info.value.path()).read_bytes() == pdf.read_bytes()


def test_a_doctor_writes_and_the_patient_answers_with_a_file(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool, tmp_path: Path
) -> None:
    pdf = make_pdf(tmp_path / "ancien-bilan.pdf", "Bilan de 2025")
    # Given a patient who has Dr Anne Martin in their care circle
    patient = make_patient(live_server, database_url)
    add_to_circle(live_server, database_url, patient.account_id, ANNE_EMAIL)
    write_to_the_patient_as_dr_martin(page, live_server, patient)
    see_the_patient_was_told_without_the_message(live_server, patient)
    press(page, SIGN_OUT_BUTTON)
    read_it_as_the_patient(page, live_server, patient)
    conversation = begin_an_answer_that_is_kept(page, live_server, patient, javascript)
    send_it_with_a_pdf(page, javascript, pdf)
    find_the_file_in_their_documents(page)
    press(page, SIGN_OUT_BUTTON)
    download_the_file_as_dr_martin(page, live_server, conversation, pdf)


def test_the_unread_count_and_the_inbox_update_by_themselves(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    if not javascript:
        pytest.skip("without JavaScript a page changes when it is loaded again")
    # Given a patient of Dr Martin, on their inbox, with nothing unread
    patient: Patient = make_patient(live_server, database_url)
    add_to_circle(live_server, database_url, patient.account_id, ANNE_EMAIL)
    sign_in(page, live_server, patient.email, patient.password)
    press(page, UNREAD)
    assert unread_count(page) == "0"
    expect(page.locator(ROWS)).to_have_count(0)
    page.evaluate("() => { window.stillTheSamePage = true; }")
    # When Dr Martin writes to them
    _run_in_server_environment(
        live_server, database_url, _WRITE, patient.account_id, ANNE_EMAIL, SUBJECT, BODY
    )
    # Then, without loading the page again, the conversation appears, and the header counts it
    expect(page.locator(ROWS)).to_have_count(1, timeout=20_000)
    expect(page.locator(f"{UNREAD} .count-badge")).to_contain_text("1", timeout=25_000)
    assert page.evaluate("() => window.stillTheSamePage === true")
    settle(page)
    check_axe(page, displays=None)
