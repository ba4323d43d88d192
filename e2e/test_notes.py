"""Notes, in a real Chromium with JavaScript on and off.

A patient of Dr Anne Martin (demo) writes a note "Questions for my next appointment" (a
missing title is explained first, and nothing typed is lost; with JavaScript the text is
kept as a draft as they type), shares it with Anne, and Anne reads it from the patient's
page. Then the patient stops sharing another note and removes it, after a confirmation.

Every page, and every part replaced in place, is checked with axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import SIGN_OUT_BUTTON, Patient, add_to_circle, make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e

ANNE_EMAIL = "dr.anne.martin@example.org"
ANNE_PASSWORD = "un jardin en Creuse"
ANNE = "Dr Anne Martin, médecin généraliste"
TITLE = "Questions for my next appointment"
BODY = "Faut-il garder le même dosage ?\nEt le vaccin contre la grippe cette année ?"
NOTE = re.compile(r"^/space/notes/([0-9a-f-]{36})(\?done=\w+)?(#sharing)?$")
SAVE = "main form.note-form button[type=submit]"
SHARE = "main #sharing form[action$='/share'] button"
UNSHARE = "main #sharing form[action$='/unshare'] button"
BANNER = "main .banner-success"
ERRORS = "main .error-summary"


def save(page: Page, javascript: bool) -> None:
    """Press the note form's button: with htmx the main part is replaced in place."""
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        page.locator(SAVE).click()
        expect(page.locator(f"{BANNER}, {ERRORS}")).to_be_visible()
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), "saving should happen in place"
        check_axe(page)
    else:
        press(page, SAVE)


def in_sharing(page: Page, selector: str, javascript: bool) -> None:
    """Press a button of the sharing part: with htmx only that part is replaced."""
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        page.locator(selector).click()
        expect(page.locator("main #sharing .note-done")).to_be_visible()
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), "sharing should happen in place"
        expect(page.locator("main #sharing .note-done")).to_be_focused()
        check_axe(page)
    else:
        press(page, selector)


def begin_a_note_without_its_title(page: Page, javascript: bool) -> None:
    """The patient begins a note and forgets its title; the title is asked for, the text kept."""
    # When they go to their notes and begin one, forgetting its title
    press(page, "main a[href='/space/notes']")
    expect(page.locator("main .note-row")).to_have_count(0)
    press(page, "main a[href='/space/notes/new']")
    page.locator("#body").fill(BODY)
    if javascript:
        # Then what they type is kept as they type, said politely
        expect(page.locator("#draft-status")).to_contain_text("Brouillon gardé", timeout=10_000)
        expect(page.locator("#draft-status")).to_have_attribute("role", "status")
        check_axe(page, displays=None)
    save(page, javascript)
    # Then the title is asked for at its field, and the text is still there
    expect(page.locator(ERRORS)).to_be_visible()
    expect(page.locator(f"{ERRORS} a[href='#title']")).to_be_visible()
    expect(page.locator("#title-error")).to_be_visible()
    expect(page.locator("#body")).to_have_value(BODY)
    if javascript:
        expect(page.locator(ERRORS)).to_be_focused()


def give_it_a_title_and_save_it(page: Page) -> str:
    """The patient gives the note a title and saves it; returns the note's id."""
    # When they give it a title and save it
    page.locator("#title").fill(TITLE)
    press(page, SAVE)
    # Then they are on the note's page, which says it is saved
    found = NOTE.match(path_of(page))
    assert found, page.url
    note = found.group(1)
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(BANNER)).to_be_visible()
    expect(page.locator("#title")).to_have_value(TITLE)
    expect(page.locator("#body")).to_have_value(BODY)
    return note


def share_it_with_dr_martin(page: Page, javascript: bool) -> None:
    """The patient shares the note with Dr Martin; the page and their list say so."""
    # When they share it with Dr Martin
    expect(page.locator("main #sharing input[name=share_with]")).to_have_count(1)
    page.get_by_label(ANNE, exact=True).check()
    in_sharing(page, SHARE, javascript)
    # Then the page says she can read it, and offers to stop
    expect(page.locator("main #sharing .note-shared")).to_contain_text("Dr Anne Martin")
    expect(page.locator(UNSHARE)).to_be_visible()
    expect(page.get_by_label(ANNE, exact=True)).to_be_checked()
    # And their list says it is shared, and with whom
    press(page, "a.back-link[href='/space/notes']")
    expect(page.locator("main .note-row")).to_have_count(1)
    expect(page.locator("main .note-row h2 a")).to_have_text(TITLE)
    expect(page.locator("main .note-row .note-shared")).to_contain_text(ANNE)


def read_it_as_dr_martin(page: Page, live_server: LiveServer, patient: Patient, note: str) -> None:
    """Dr Martin finds the note on the patient's page and reads it, with no way to change it."""
    # When Dr Martin opens the patient's page, then the notes shared with her
    sign_in(page, live_server, ANNE_EMAIL, ANNE_PASSWORD)
    press(page, f"main a[href='/pro/patients/{patient.account_id}']")
    press(page, f"main a[href='/pro/patients/{patient.account_id}/notes']")
    expect(page.locator("main .note-row")).to_have_count(1)
    press(page, f"main a[href='/pro/patients/{patient.account_id}/notes/{note}']")
    # Then she reads the note, and cannot change it
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main #note-text")).to_have_text(BODY)
    expect(page.locator("main textarea, main input[name=title]")).to_have_count(0)


def test_a_patient_writes_a_note_shares_it_and_the_doctor_reads_it(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient who has Dr Anne Martin in their care circle
    patient = make_patient(live_server, database_url)
    add_to_circle(live_server, database_url, patient.account_id, ANNE_EMAIL)
    sign_in(page, live_server, patient.email, patient.password)
    begin_a_note_without_its_title(page, javascript)
    note = give_it_a_title_and_save_it(page)
    share_it_with_dr_martin(page, javascript)
    press(page, SIGN_OUT_BUTTON)
    read_it_as_dr_martin(page, live_server, patient, note)


def write_a_note_for_the_pharmacy(page: Page) -> None:
    """The patient writes and saves a note "Pour la pharmacie"."""
    press(page, "main a[href='/space/notes']")
    press(page, "main a[href='/space/notes/new']")
    page.locator("#title").fill("Pour la pharmacie")
    page.locator("#body").fill("Demander le générique.")
    press(page, SAVE)


def share_it_after_choosing_no_one(page: Page, javascript: bool) -> None:
    """The patient presses "Share" choosing no one, is told to choose, then shares it with Dr Martin."""
    # When they press "Share" without choosing anyone, they are told to choose, at the field
    if javascript:
        page.locator(SHARE).click()
        expect(page.locator("main #sharing .error-summary")).to_be_focused()
        settle(page)
        check_axe(page)
    else:
        press(page, SHARE)
        expect(page.locator(ERRORS)).to_be_visible()
    expect(page.locator(f"{ERRORS} a[href='#share_with']")).to_be_visible()
    expect(page.locator("#share_with-error")).to_be_visible()
    page.get_by_label(ANNE, exact=True).check()
    in_sharing(page, SHARE, javascript)
    expect(page.locator(ERRORS)).to_have_count(0)


def change_its_text_and_come_back(page: Page, javascript: bool) -> None:
    """The patient changes the text without saving and comes back to it (kept with JavaScript), then saves."""
    # When they change the text without saving, then come back to the note
    page.locator("#body").fill("Demander le générique, et une boîte de 90.")
    if javascript:
        expect(page.locator("#draft-status")).to_contain_text("Brouillon gardé", timeout=10_000)
        press(page, "a.back-link[href='/space/notes']")
        press(page, "main .note-row h2 a")
        # Then the changes are still there, said not saved yet
        expect(page.locator("#body")).to_have_value("Demander le générique, et une boîte de 90.")
        expect(page.locator("main form[action$='/forget'] button")).to_be_visible()
        save(page, javascript)
        # And, saved in place, the focus is on what happened
        expect(page.locator("main .note-done-banner")).to_be_focused()
    else:
        save(page, javascript)
    expect(page.locator("#body")).to_have_value("Demander le générique, et une boîte de 90.")


def stop_sharing_it(page: Page, javascript: bool) -> None:
    """The patient stops sharing the note; nobody but them sees it."""
    # When they stop sharing it
    in_sharing(page, UNSHARE, javascript)
    # Then nobody but them sees it
    expect(page.locator(UNSHARE)).to_have_count(0)
    expect(page.get_by_label(ANNE, exact=True)).not_to_be_checked()


def remove_it_after_confirming(page: Page) -> None:
    """The patient removes the note, asked first; it is gone from their list."""
    # When they remove it, they are asked first
    press(page, "main a[href$='/remove']")
    expect(page.locator("main form[action$='/remove'] button")).to_be_visible()
    press(page, "main form[action$='/remove'] button")
    # Then it is gone from their list
    assert path_of(page) == "/space/notes?done=removed"
    expect(page.locator(BANNER)).to_be_visible()
    expect(page.locator("main .note-row")).to_have_count(0)


def test_a_patient_stops_sharing_a_note_and_removes_it(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient of Dr Martin with a note shared with her
    patient = make_patient(live_server, database_url)
    add_to_circle(live_server, database_url, patient.account_id, ANNE_EMAIL)
    sign_in(page, live_server, patient.email, patient.password)
    write_a_note_for_the_pharmacy(page)
    share_it_after_choosing_no_one(page, javascript)
    change_its_text_and_come_back(page, javascript)
    stop_sharing_it(page, javascript)
    remove_it_after_confirming(page)
