"""The medical profile, in a real Chromium with JavaScript on and off.

A patient opens their health profile, adds a treatment with its times of day (after
forgetting its name) and an allergy, changes the treatment, then adds a measurement whose
unusual value they confirm, and finds it in the chart and the table. With JavaScript the
forms open and are sent in place, and the focus follows; without it every step is a
page of its own. Every page, and every part replaced in place, is checked with axe.

The server speaks French; the profile's words are not translated yet, so the journey
finds everything by id, name, class or address rather than by its words.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import Patient, make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e

SECTION = "main #profile-section"
BANNER = "main #profile-section .banner-success"
ADD = "main #add-entry"
FORM = "main #entry-form form"
SAVE = "main #entry-form form button[type=submit]"
SUMMARY = "main [data-error-summary]"


def open_section(page: Page, key: str) -> None:
    """From the overview: a section's page."""
    press(page, f"main a[href='/space/profile/{key}']")
    assert path_of(page) == f"/space/profile/{key}"


def back_to_overview(page: Page) -> None:
    press(page, "a.back-link[href='/space/profile']")
    assert path_of(page) == "/space/profile"


def open_form(page: Page, javascript: bool, selector: str) -> None:
    """ "Add" or "Change": in place with JavaScript (its title takes the focus), a page without."""
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
        page.locator(selector).click()
        expect(page.locator("main #entry-form-title")).to_be_focused()
        settle(page)
        check_axe(page)
    else:
        press(page, selector)
        expect(page.locator("main h1")).to_be_visible()
    expect(page.locator(FORM)).to_be_visible()


def send_form(page: Page, javascript: bool) -> None:
    """Save: in place with JavaScript, a new page without (axe either way)."""
    if javascript:
        page.locator(SAVE).click()
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), "the form should be sent in place"
        check_axe(page)
    else:
        press(page, SAVE)


def open_the_profile(page: Page, live_server: LiveServer, patient: Patient) -> None:
    """The patient signs in and opens their health profile, with its 13 blocks."""
    sign_in(page, live_server, patient.email, patient.password)
    press(page, "main a[href='/space/profile']")
    expect(page.locator("main #block-treatments")).to_be_visible()
    expect(page.locator("main li.profile-block")).to_have_count(13)


def add_a_treatment_without_its_name(page: Page, javascript: bool) -> None:
    """The patient adds a treatment but forgets its name; the form says so and keeps the rest."""
    # When they add a treatment but forget its name
    open_section(page, "treatments")
    open_form(page, javascript, ADD)
    page.locator("#dose").fill("5 mg, 1 comprimé")
    page.locator("#times").check()  # morning
    page.locator("#times-3").check()  # evening
    send_form(page, javascript)
    # Then the form says so, keeps what they typed, and the error summary takes the focus
    expect(page.locator(SUMMARY)).to_be_visible()
    expect(page.locator(SUMMARY)).to_be_focused()
    expect(page.locator("#name-error")).to_be_visible()
    expect(page.locator("#dose")).to_have_value("5 mg, 1 comprimé")
    expect(page.locator("#times")).to_be_checked()
    expect(page.locator("#times-3")).to_be_checked()


def write_its_name_and_save(page: Page, javascript: bool) -> None:
    """The patient writes the treatment's name and saves: it is listed, added by them."""
    # When they write the name and save
    page.locator("#name").fill("Amlodipine")
    send_form(page, javascript)
    # Then the treatment is in the list, with its times of day, said to be added by them
    expect(page.locator(BANNER)).to_be_visible()
    entry = page.locator("main li.entry")
    expect(entry).to_have_count(1)
    expect(entry.locator(".row-title")).to_have_text("Amlodipine")
    expect(entry.locator(".entry-facts")).to_contain_text("5 mg, 1 comprimé")
    if javascript:
        # And the entry just added takes the focus
        expect(entry).to_be_focused()
    assert path_of(page).startswith("/space/profile/treatments")


def change_its_dose(page: Page, javascript: bool) -> None:
    """The patient changes the treatment's dose; the entry says the new dose and that they changed it."""
    # When they change the dose
    open_form(page, javascript, "main li.entry a[href$='/edit']")
    expect(page.locator("#name")).to_have_value("Amlodipine")
    page.locator("#dose").fill("10 mg")
    send_form(page, javascript)
    # Then the entry says the new dose, and that they changed it
    entry = page.locator("main li.entry")
    expect(page.locator(BANNER)).to_be_visible()
    expect(entry.locator(".entry-facts")).to_contain_text("10 mg")
    assert len(entry.locator(".row-meta").inner_text().splitlines()) == 2  # added, then changed
    if javascript:
        expect(entry).to_be_focused()


def add_an_allergy(page: Page, javascript: bool) -> None:
    """The patient adds a severe allergy to penicillin, which is listed."""
    # When they add an allergy
    back_to_overview(page)
    open_section(page, "allergies")
    open_form(page, javascript, ADD)
    page.locator("#substance").fill("Pénicilline")
    page.locator("#kind").check()  # an allergy
    page.locator("#severity-3").check()  # severe
    page.locator("#reaction").fill("Urticaire")
    send_form(page, javascript)
    expect(page.locator(BANNER)).to_be_visible()
    expect(page.locator("main li.entry .row-title")).to_have_text("Pénicilline")


def add_an_implausible_weight_then_correct_it(page: Page, javascript: bool) -> None:
    """The patient adds a weight of 720 kg, is asked to check it, and corrects it to 72,5."""
    # When they add a weight of 720 kg
    back_to_overview(page)
    open_section(page, "measurements")
    open_form(page, javascript, ADD)
    page.locator("#kind").check()  # weight
    page.locator("#value").fill("720")
    page.locator("#taken-day").fill("3")
    page.locator("#taken-month").fill("3")
    page.locator("#taken-year").fill("2026")
    page.locator("#time").fill("9h30")
    send_form(page, javascript)
    # Then they are asked to check it, or to tick a box to keep it
    expect(page.locator(SUMMARY)).to_be_focused()
    expect(page.locator("#confirm")).to_be_visible()
    expect(page.locator("#confirm-error")).to_be_visible()
    expect(page.locator("#value")).to_have_value("720")
    assert page.locator("main svg.chart").count() == 0
    # When they change it to 72,5: plausible, kept without asking
    page.locator("#value").fill("72,5")
    send_form(page, javascript)
    expect(page.locator(BANNER)).to_be_visible()


def add_an_unusual_weight_and_confirm_it(page: Page, javascript: bool) -> None:
    """The patient adds a second, unusual weight and confirms it; both are in the chart and the table."""
    # When they add a second weight, unusual, and confirm it
    open_form(page, javascript, ADD)
    page.locator("#kind").check()
    page.locator("#value").fill("720")
    page.locator("#taken-day").fill("4")
    page.locator("#taken-month").fill("3")
    page.locator("#taken-year").fill("2026")
    send_form(page, javascript)
    page.locator("#confirm").check()
    send_form(page, javascript)
    # Then both are in the chart and in the table, the latest first
    expect(page.locator(BANNER)).to_be_visible()
    chart = page.locator("main svg#chart-weight")
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(2)
    expect(page.locator("main #kind-weight table caption")).to_be_visible()
    cells = page.locator("main #kind-weight tbody td.numeric")
    expect(cells).to_have_count(2)
    expect(cells.nth(0)).to_have_text("720")
    expect(cells.nth(1)).to_have_text("72,5")


def see_it_all_on_the_overview(page: Page) -> None:
    """The overview shows the treatment with its dose, the allergy and the last weight."""
    # And the overview shows the treatment with its times, the allergy and the last weight
    back_to_overview(page)
    expect(page.locator("main #block-treatments .profile-facts")).to_contain_text("Amlodipine – 10 mg")
    expect(page.locator("main #block-allergies .profile-facts")).to_contain_text("Pénicilline")
    expect(page.locator("main #block-measurements .profile-facts")).to_contain_text("720")


def test_a_patient_fills_in_their_profile(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient signed in, on their health profile
    patient = make_patient(live_server, database_url)
    open_the_profile(page, live_server, patient)
    add_a_treatment_without_its_name(page, javascript)
    write_its_name_and_save(page, javascript)
    change_its_dose(page, javascript)
    add_an_allergy(page, javascript)
    add_an_implausible_weight_then_correct_it(page, javascript)
    add_an_unusual_weight_and_confirm_it(page, javascript)
    see_it_all_on_the_overview(page)
