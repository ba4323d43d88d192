"""Carers, in a real Chromium with JavaScript on and off: a patient invites a carer for her
documents only (read only), the carer accepts from her own space, goes into the patient's
space under the "acting for" banner, sees the documents but not the messages, then goes
back to her own space. Every page is checked with axe.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, visit
from e2e.people import SIGN_OUT_BUTTON, Patient, make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e

BANNER = "#acting-banner"


def invite_a_carer_for_documents_read_only(
    page: Page, live_server: LiveServer, patient: Patient, carer: Patient
) -> None:
    """The patient invites the carer by email, for her documents, read only."""
    sign_in(page, live_server, patient.email, patient.password)
    press(page, "main a[href='/space/carers']")
    check_axe(page)
    press(page, "main a[href='/space/carers/invite']")
    check_axe(page)
    page.locator("#how-2").check()
    page.locator("#email").fill(carer.email)
    page.locator("#relation").select_option("daughter")
    page.locator("input[name='area-documents'][value='read']").check()
    press(page, "main form[action='/space/carers/invite'] button[type=submit]")
    assert path_of(page) == "/space/carers?done=invited"
    expect(page.locator("main .carer-row")).to_have_count(1)
    check_axe(page)


def accept_and_enter_the_patients_space(page: Page, live_server: LiveServer, carer: Patient) -> None:
    """The carer accepts from her own space, then goes into the patient's, under the banner."""
    sign_in(page, live_server, carer.email, carer.password)
    press(page, "main a[href='/space/helping']")
    check_axe(page)
    press(page, "main .helped-row button[name=answer][value=accept]")
    assert path_of(page) == "/space/helping?done=accepted"
    check_axe(page)
    press(page, "main .helped-row form[action$='/enter'] button[type=submit]")
    assert path_of(page) == "/space"
    expect(page.locator(BANNER)).to_be_visible()


def see_the_documents_but_not_the_messages(page: Page) -> None:
    """The carer sees the patient's documents, and no messages, even by their address."""
    expect(page.locator("main a[href='/space/documents']")).to_have_count(1)
    expect(page.locator("main a[href='/space/messages']")).to_have_count(0)
    expect(page.locator("header a#unread-link")).to_have_count(0)
    check_axe(page)
    press(page, "main a[href='/space/documents']")
    assert path_of(page) == "/space/documents"
    expect(page.locator(BANNER)).to_be_visible()
    check_axe(page)
    # The messages are not there for her, even by their address.
    visit(page, "/space/messages", status=404)
    check_axe(page)


def go_back_to_her_own_space(page: Page) -> None:
    """The carer goes back to her own space, where there is no banner."""
    visit(page, "/space")
    press(page, f"{BANNER} button[type=submit]")
    assert path_of(page) == "/space/helping"
    expect(page.locator(BANNER)).to_have_count(0)
    check_axe(page)


def test_a_carer_for_documents_only_sees_documents_but_not_messages(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    patient = make_patient(live_server, database_url)
    carer = make_patient(live_server, database_url)
    invite_a_carer_for_documents_read_only(page, live_server, patient, carer)
    press(page, SIGN_OUT_BUTTON)
    accept_and_enter_the_patients_space(page, live_server, carer)
    see_the_documents_but_not_the_messages(page)
    go_back_to_her_own_space(page)
