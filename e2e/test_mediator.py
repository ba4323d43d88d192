"""A mediator helps a person start, in a real Chromium with JavaScript on and off: Sophie
Bernard (the demo's mediator) signs in, says where she works today, makes a space for a
person with a letter, and activates it with the person beside her (the person types their
date of birth and password); the agency's figures then count one more assisted activation.
And the guided tour, only after the person said yes on screen, with made-up content.

Every page, and every part htmx swaps, is checked with axe. Fields, buttons and cells are
found by names, ids and data attributes, so the journeys hold whatever the translation.
"""

from __future__ import annotations

import csv
import io
import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle, visit
from e2e.people import SIGN_OUT_BUTTON, path_of, sign_in
from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.identity import nir_key

pytestmark = pytest.mark.e2e

MEDIATOR = "sophie.bernard@example.org"
ANALYST = "luc.moreau@example.org"
BIRTH = {"day": "14", "month": "7", "year": "1938"}
NEW_PASSWORD = "copper meadow lantern violin"
# Each variant counts in a department no other journey uses: the live server is shared.
ADDRESSES = {
    True: ("48", "7 rue de l'Épine\n48000 Mende"),
    False: ("15", "2 place du Square\n15000 Aurillac"),
}
PLACE_BUTTON = "main form[action='/mediator/place'] button[type=submit]"
INVITE_BUTTON = "main form[action='/mediator/invite'] button[type=submit]"
LETTER_BUTTON = "main form[action$='/letter'] button[type=submit]"
ACTIVATE_NOW = "main form[action$='/activate'] button[type=submit]"


def a_new_nir() -> str:
    number = f"1380748{secrets.randbelow(10**6):06d}"
    return number + nir_key(number + "00")


def assisted_cell(page: Page, javascript: bool, department: str) -> tuple[str, str]:
    """The agency's total of activations with a mediator in ``department``: (data-value, text),
    after filtering the page (htmx swaps the figures in place; without JavaScript, the form)."""
    if path_of(page).split("?")[0] != "/agency":
        visit(page, "/agency")
    page.select_option("#department", department)
    if javascript:
        page.evaluate("window.e2eSameDocument = true")
        page.locator("form.figures-filters button[type=submit]").click()
        page.wait_for_url(f"**/agency?department={department}&band=")
        settle(page)
        check_axe(page)
        assert page.evaluate("window.e2eSameDocument") is True  # swapped in place
    else:
        press(page, "form.figures-filters button[type=submit]")
    expect(page.locator("#figures")).to_have_attribute("data-department", department)
    cell = page.locator("#figures-total td[data-metric=assisted]")
    return str(cell.get_attribute("data-value")), " ".join(cell.inner_text().split())


def exported_assisted(page: Page, department: str) -> str:
    """The same total in the CSV export (downloaded with the analyst's session)."""
    response = page.request.get(f"/agency/figures.csv?department={department}&band=")
    assert response.status == 200
    assert response.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(response.body().decode("utf-8-sig"))))
    # The header, then the total first; columns: breakdown, department, age band, then the counts.
    return rows[1][3 + 1]


def see_no_assisted_activation_yet(
    page: Page, live_server: LiveServer, javascript: bool, department: str
) -> None:
    """The agency's analyst signs in and sees no assisted activation in the department yet."""
    sign_in(page, live_server, ANALYST, DEMO_PASSWORD)
    before, _words = assisted_cell(page, javascript, department)
    assert before == "0"
    press(page, SIGN_OUT_BUTTON)


def say_where_she_works_today(page: Page, live_server: LiveServer) -> None:
    """Sophie signs in and says where she works today, after leaving the place empty once."""
    # When Sophie signs in and says where she works today (her usual place is offered)
    sign_in(page, live_server, MEDIATOR, DEMO_PASSWORD)
    assert path_of(page) == "/mediator"
    expect(page.locator("#place")).to_have_value("France Services, 23200 Aubusson")
    expect(page.locator("#department")).to_have_value("23")
    page.locator("#place").fill("")
    press(page, PLACE_BUTTON)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#place']")).to_have_count(1)
    page.locator("#place").fill("France Services, Aubusson")
    press(page, PLACE_BUTTON)
    expect(page.locator(".mediator-place-now")).to_have_attribute("data-place-department", "23")


def make_a_space_with_a_letter(page: Page, address: str) -> None:
    """Sophie makes a space for the person beside her, delivered by letter, and prints the letter."""
    # And makes a space for a person beside her, with a letter
    press(page, "main a[href='/mediator/invite']")
    page.locator("#family_name").fill("Roussel")
    page.locator("#given_names").fill("Fernande")
    for part, value in BIRTH.items():
        page.locator(f"#dob-{part}").fill(value)
    page.locator("#nir").fill(a_new_nir())
    page.check("input[name=delivery][value=letter]")
    page.locator("#mobile").fill("06 98 76 54 32")
    page.locator("#postal_address").fill(address)
    press(page, INVITE_BUTTON)
    expect(page.locator(".banner-success")).to_be_visible()
    # The letter can be printed from here (a PDF download, not a page)
    with page.expect_download() as download_info:
        page.locator(LETTER_BUTTON).click()
    assert download_info.value.suggested_filename.endswith(".pdf")


def activate_it_with_the_person(page: Page) -> tuple[str, list[str]]:
    """The person activates the space beside Sophie; returns the code and the addresses visited."""
    # And activates the space now, with the person: the code is filled in
    addresses: list[str] = []
    page.on("framenavigated", lambda frame: addresses.append(frame.url) if frame == page.main_frame else None)
    press(page, ACTIVATE_NOW)
    assert path_of(page) == "/activate"
    code = page.locator("#code").input_value()
    assert re.fullmatch(r"\d{4} \d{4} \d{4}", code), code
    expect(page.locator(".assisted-notice")).to_be_visible()
    # The person types their date of birth
    for part, value in BIRTH.items():
        page.locator(f"#dob-{part}").fill(value)
    press(page, "form[action='/activate'] button[type=submit]")
    assert path_of(page) == "/activate/codes"
    page.check("input[name=channel][value=sms]")
    press(page, "form[action='/activate/codes'] button[type=submit]")
    # And their password, themselves (the page says so to the mediator)
    assert path_of(page) == "/activate/password"
    expect(page.locator(".assisted-notice")).to_be_visible()
    page.locator("#password").fill(NEW_PASSWORD)
    press(page, "form[action='/activate/password'] button.button-primary")
    assert path_of(page) == "/activate/terms"
    page.check("#accept")
    press(page, "form[action='/activate/terms'] button[type=submit]")
    return code, addresses


def see_the_space_open_with_sophie_still_signed_in(page: Page, code: str, addresses: list[str]) -> None:
    """The space is open, Sophie is still the one signed in, and the code went into no address."""
    # Then the space is open, and Sophie is still the one signed in
    assert path_of(page) == "/mediator/activated"
    expect(page.locator("main a[href='/mediator/tour']")).to_be_visible()
    digits = code.replace(" ", "")
    assert addresses and not any(digits in url or code.split()[1] in url for url in addresses), (
        "the code went into an address"
    )


def see_one_more_assisted_activation(
    page: Page, live_server: LiveServer, javascript: bool, department: str
) -> None:
    """The analyst sees one more assisted activation in the department, the same in the CSV export."""
    # And the agency's figures count one more assisted activation, the same in the CSV
    sign_in(page, live_server, ANALYST, DEMO_PASSWORD)
    after, words = assisted_cell(page, javascript, department)
    assert after == "fewer-than-10"
    assert exported_assisted(page, department) == words


def test_a_mediator_helps_a_person_activate_their_space(
    page: Page, live_server: LiveServer, javascript: bool
) -> None:
    department, address = ADDRESSES[javascript]
    # Given the agency's analyst, who sees no assisted activation in the department yet
    see_no_assisted_activation_yet(page, live_server, javascript, department)
    say_where_she_works_today(page, live_server)
    make_a_space_with_a_letter(page, address)
    code, addresses = activate_it_with_the_person(page)
    see_the_space_open_with_sophie_still_signed_in(page, code, addresses)
    press(page, SIGN_OUT_BUTTON)
    see_one_more_assisted_activation(page, live_server, javascript, department)


def test_a_guided_tour_only_with_the_persons_yes(page: Page, live_server: LiveServer) -> None:
    # Given Sophie, signed in, who offers a guided tour
    sign_in(page, live_server, MEDIATOR, DEMO_PASSWORD)
    press(page, "main a[href='/mediator/tour']")
    assert path_of(page) == "/mediator/tour"
    # When the person does not tick the box, there is no tour
    press(page, "main form[action='/mediator/tour'] button[type=submit]")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#consent']")).to_have_count(1)
    # When they tick it, the tour starts, and goes through every area
    page.check("#consent")
    press(page, "main form[action='/mediator/tour'] button[type=submit]")
    seen = []
    while path_of(page) != "/mediator/tour/end":
        seen.append(path_of(page))
        expect(page.locator(".tour-example")).to_be_visible()
        press(page, "main .tour-nav a[rel=next]")
    assert seen == [
        "/mediator/tour/documents",
        "/mediator/tour/messages",
        "/mediator/tour/profile",
        "/mediator/tour/agenda",
        "/mediator/tour/notes",
        "/mediator/tour/services",
        "/mediator/tour/carers",
    ]
    # And back from the end: the yes was for one tour only
    visit(page, "/mediator/tour/messages")
    assert path_of(page) == "/mediator/tour"
