"""The printable summary of the profile, in a real Chromium with JavaScript on and off.

A patient who takes a medicine and has an allergy opens their summary: the page shows
the treatment with its times of day and the allergy, prints without the header, the
navigation or the buttons, gives its PDF, and files it in their documents.

Every page is checked with axe.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, visit
from e2e.people import _run_in_server_environment, make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e

SUMMARY = "/space/profile/summary"
MEDICINE = "Metformine 500 mg"
SUBSTANCE = "Pénicilline"
PRINT = "main a#print-summary"
DOWNLOAD = "main a#download-summary"
FILE = "main button#file-summary"
TREATMENT_ROW = "main #summary-treatments-table tbody tr"
ALLERGY_ROW = "main #summary-allergies-table tbody tr"

# Runs in the live server's environment: the patient's treatment and allergy, added
# through the profile's services as the profile pages would.
_SEED = """
import asyncio, sys, uuid
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.profile.services import add_entry
from portal.settings import Settings

async def main(patient_id, medicine, substance):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    patient = uuid.UUID(patient_id)
    treatment = {"name": medicine, "dose": "1 comprimé", "times": ["morning", "evening"],
                 "instructions": "Au milieu du repas", "prescriber": "Dr Anne Martin"}
    allergy = {"substance": substance, "kind": "allergy", "reaction": "Urticaire", "severity": "severe"}
    async with engine.transaction():
        await add_entry(keyring, patient=patient, section="treatments", data=treatment,
                        author=patient, author_role="patient")
        await add_entry(keyring, patient=patient, section="allergies", data=allergy,
                        author=patient, author_role="patient")

asyncio.run(main(*sys.argv[1:]))
"""


def press_with_the_keyboard(page: Page, selector: str) -> None:
    """Like ``press``, with the Enter key: right after a download Chromium may drop the next
    mouse click (see e2e/test_documents.py), and a button must work from the keyboard."""
    with page.expect_navigation():
        page.locator(selector).focus()
        page.keyboard.press("Enter")
    check_axe(page)


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def open_the_summary(page: Page) -> None:
    """The patient opens their summary: the medicine ticked at its times of day, and the allergy."""
    # When they open their summary
    visit(page, SUMMARY)
    # Then it shows the medicine with ticks at its times of day, and the allergy
    expect(page.locator(TREATMENT_ROW)).to_have_count(1)
    row = page.locator(TREATMENT_ROW).first
    expect(row.locator("th[scope=row]")).to_have_text(MEDICINE)
    expect(row.locator("td[data-time=morning] .tick")).to_have_count(1)
    expect(row.locator("td[data-time=evening] .tick")).to_have_count(1)
    expect(row.locator("td[data-time=noon] .tick")).to_have_count(0)
    expect(row.locator("td[data-time=bedtime] .tick")).to_have_count(0)
    expect(page.locator(ALLERGY_ROW)).to_have_count(1)
    expect(page.locator(ALLERGY_ROW).first.locator("th[scope=row]")).to_have_text(SUBSTANCE)
    expect(page.locator(ALLERGY_ROW).first.locator("td.severity-severe")).to_have_count(1)
    # And the sections with nothing in them say so
    expect(page.locator("main .summary-empty")).to_have_count(3)
    expect(page.locator("main .summary-name")).to_have_text("Marie Martin")


def see_only_the_summary_on_paper(page: Page) -> None:
    """Printed, the page shows only the summary: no header, navigation nor buttons."""
    # When it is printed, only the summary is on paper: no header, navigation nor buttons
    page.emulate_media(media="print")
    expect(page.locator("header.site-header")).to_be_hidden()
    expect(page.locator("nav.site-nav")).to_be_hidden()
    expect(page.locator("footer.site-footer")).to_be_hidden()
    expect(page.locator(PRINT)).to_be_hidden()
    expect(page.locator(FILE)).to_be_hidden()
    expect(page.locator("a.back-link")).to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(TREATMENT_ROW).first).to_be_visible()
    expect(page.locator(ALLERGY_ROW).first).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(PRINT)).to_be_visible()


def press_print(page: Page, javascript: bool) -> None:
    """The patient presses Print: printed at once with JavaScript, the PDF shown inline without."""
    # When they press Print: with JavaScript the browser prints the page at once; without
    # it, the link opens the summary's PDF in the browser, to print from there
    href = page.locator(PRINT).get_attribute("href")
    assert href == f"{SUMMARY}.pdf?show=1"
    if javascript:
        page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
        page.locator(PRINT).click()
        assert page.evaluate("() => window.printed") == 1
        assert path_of(page) == SUMMARY, "printing should not leave the page"
    shown = page.request.get(href)
    assert shown.status == 200
    assert shown.headers["content-type"] == "application/pdf"
    assert shown.headers["content-disposition"].startswith("inline")


def download_the_pdf(page: Page) -> None:
    """The patient downloads a large-print PDF of the same summary, with a clean name."""
    # When they download the PDF
    with page.expect_download() as download_info:
        page.locator(DOWNLOAD).click()
    download = download_info.value
    # Then it is a large-print PDF of the same summary, with a clean name
    assert re.fullmatch(r"[a-z0-9-]+-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename)
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    text = _pdf_text(content)
    assert MEDICINE in text and SUBSTANCE in text and "Marie Martin" in text
    assert path_of(page) == SUMMARY, "downloading should not leave the page"


def file_it_in_their_documents(page: Page) -> None:
    """The patient files the summary in their documents, where it is a medical summary whose file opens."""
    # When they put it in their documents
    press_with_the_keyboard(page, FILE)
    # Then the page says it is there, with a link to it
    assert re.fullmatch(rf"{SUMMARY}\?filed=[0-9a-f-]{{36}}", path_of(page)), page.url
    link = page.locator("main #summary-filed a[href^='/space/documents/']")
    expect(link).to_have_count(1)
    document = link.get_attribute("href")
    # And the document is in their library, as a medical summary whose file opens
    press(page, "main #summary-filed a[href^='/space/documents/']")
    assert path_of(page) == document
    filed = page.request.get(f"{document}/file?download=1")
    assert filed.status == 200 and filed.body().startswith(b"%PDF-")
    assert MEDICINE in _pdf_text(filed.body())
    visit(page, "/space/documents?kind=medical_summary")
    expect(page.locator(f"main a[href='{document}']")).to_have_count(1)


def test_a_patient_prints_downloads_and_files_their_summary(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient who takes a medicine morning and evening and is allergic to penicillin
    patient = make_patient(live_server, database_url)
    _run_in_server_environment(live_server, database_url, _SEED, patient.account_id, MEDICINE, SUBSTANCE)
    sign_in(page, live_server, patient.email, patient.password)
    open_the_summary(page)
    see_only_the_summary_on_paper(page)
    press_print(page, javascript)
    download_the_pdf(page)
    file_it_in_their_documents(page)
