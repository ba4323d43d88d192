"""Journeys through the public pages, in a real Chromium, with JavaScript on and off.

Every page a journey reaches is checked with axe in the three text sizes and both colour
schemes (``visit``, ``press`` and ``check_axe`` in ``e2e/harness.py``). Buttons are found
by their name and value, not their label, so the journeys hold whatever the translation.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from e2e.harness import TEXT_SIZES, check_axe, html_state, press, settle, visit

pytestmark = pytest.mark.e2e

LANGUAGE_BUTTON = "header button[name=lang]"
THEME_BUTTON = "header button[name=theme]"
HELP_LINK = "header a.nav-link[href='/help']"
WHITE = "rgb(255, 255, 255)"
BLACK = "rgb(0, 0, 0)"


def text_button(size: str) -> str:
    return f"header button[name=text][value={size}]"


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


# --------------------------------------------------------------------------- home


def test_a_visitor_reads_the_home_page(page: Page) -> None:
    # Given a visitor who has never been here
    # When they open the home page
    visit(page, "/")
    # Then it is in French, with one main heading
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("h1")).not_to_have_text("Your health space")  # the English text
    # And the first key press reaches the skip link, which shows itself
    page.keyboard.press("Tab")
    skip_link = page.locator("a.skip-link")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, f"the focused skip link is off screen: {box}"
    # And it moves the focus to the main content
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert page.url.endswith("#main")
    check_axe(page)


# --------------------------------------------------------------------------- language


def test_a_visitor_switches_to_english_and_back(page: Page) -> None:
    # Given a visitor on the home page, in French
    visit(page, "/")
    button = page.locator(LANGUAGE_BUTTON)
    expect(button).to_have_text("English")
    expect(button).to_have_attribute("lang", "en")
    # When they press "English"
    press(page, LANGUAGE_BUTTON)
    # Then the same page is in English, and the button offers French
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Your health space")
    expect(button).to_have_text("Français")
    expect(button).to_have_attribute("lang", "fr")
    # And the choice is remembered on the next page
    press(page, HELP_LINK)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Help and contact")
    # When they press "Français"
    press(page, LANGUAGE_BUTTON)
    # Then they stay on that page, in French again
    assert path_of(page) == "/help"
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).not_to_have_text("Help and contact")
    expect(button).to_have_text("English")


# --------------------------------------------------------------------------- text size


def test_a_visitor_makes_the_text_bigger_and_it_is_remembered(page: Page) -> None:
    # Given a visitor on the home page, with the standard text size
    visit(page, "/")
    state = html_state(page)
    assert "text-standard" in state["classes"]
    assert state["fontSize"] == TEXT_SIZES["standard"]
    expect(page.locator(text_button("standard"))).to_have_attribute("aria-pressed", "true")
    # When they press "Large", then "Very large"
    for size in ("large", "larger"):
        press(page, text_button(size))
        # Then the text grows, and the pressed button says so
        state = html_state(page)
        assert f"text-{size}" in state["classes"], state
        assert state["fontSize"] == TEXT_SIZES[size], state
        for other in TEXT_SIZES:
            pressed = "true" if other == size else "false"
            expect(page.locator(text_button(other))).to_have_attribute("aria-pressed", pressed)
    assert path_of(page) == "/"
    # And the choice is remembered on the next page
    press(page, HELP_LINK)
    state = html_state(page)
    assert "text-larger" in state["classes"] and state["fontSize"] == TEXT_SIZES["larger"], state
    # When they go back to the normal size
    press(page, text_button("standard"))
    # Then the text is 19px again, on the same page
    assert path_of(page) == "/help"
    state = html_state(page)
    assert "text-standard" in state["classes"] and state["fontSize"] == TEXT_SIZES["standard"], state


# --------------------------------------------------------------------------- contrast


def test_a_visitor_turns_high_contrast_on_and_off(page: Page) -> None:
    # Given a visitor on the home page, in standard colours
    visit(page, "/")
    button = page.locator(THEME_BUTTON)
    expect(button).to_have_attribute("aria-pressed", "false")
    assert html_state(page)["background"] == WHITE
    # When they press "High contrast"
    press(page, THEME_BUTTON)
    # Then the page is white on black, and the button shows it is on
    state = html_state(page)
    assert "theme-contrast" in state["classes"] and state["background"] == BLACK, state
    expect(button).to_have_attribute("aria-pressed", "true")
    # And it stays on for the next page
    press(page, HELP_LINK)
    state = html_state(page)
    assert "theme-contrast" in state["classes"] and state["background"] == BLACK, state
    # When they press it again
    press(page, THEME_BUTTON)
    # Then the standard colours are back
    state = html_state(page)
    assert "theme-standard" in state["classes"] and state["background"] == WHITE, state
    expect(button).to_have_attribute("aria-pressed", "false")
    assert path_of(page) == "/help"


# --------------------------------------------------------------------------- help page


def _choose_department(page: Page, javascript: bool, code: str) -> None:
    """Pick a department: htmx updates the list in place; without JavaScript, send the form."""
    page.select_option("#department", code)
    expected = f"/help?department={code}"
    if javascript:
        page.wait_for_url(f"**{expected}")
        settle(page)
        check_axe(page)
    else:
        press(page, "form.filter-form button[type=submit]")
    assert path_of(page) == expected
    expect(page.locator("#department")).to_have_value(code)


def _titles(page: Page) -> list[str]:
    return page.locator("#help-points .row-title").all_inner_texts()


def choose_the_creuse(page: Page, javascript: bool) -> None:
    """The visitor chooses the Creuse (23): only its help points are listed, on one page."""
    if javascript:
        page.evaluate("window.e2eSameDocument = true")
    # When they choose the Creuse (23)
    _choose_department(page, javascript, "23")
    # Then only its help points are listed, on one page
    expect(page.locator("#help-points .pagination")).to_have_count(0)
    rows = page.locator("#help-points .row")
    postcodes = rows.evaluate_all("rows => rows.map(row => row.textContent.match(/\\b(\\d{5})\\b/)[1])")
    assert postcodes and all(code.startswith("23") for code in postcodes), postcodes
    if javascript:  # updated in place: still the same document
        assert page.evaluate("window.e2eSameDocument") is True


def go_to_page_two_of_all_departments(page: Page, javascript: bool) -> list[str]:
    """The visitor goes back to all departments, then to page 2; returns the titles of page 1."""
    # When they go back to all departments
    _choose_department(page, javascript, "")
    expect(page.locator("#help-points .pagination")).to_have_count(1)
    first_page = _titles(page)
    assert len(first_page) == 5
    # And go to page 2
    page_two = "#help-points .pagination a[href$='page=2']:not([rel])"
    if javascript:
        page.locator(page_two).click()
        page.wait_for_url("**/help?department=&page=2")
        settle(page)
        expect(page.locator("#help-points .pagination-current")).to_contain_text("2")
        check_axe(page)
        assert page.evaluate("window.e2eSameDocument") is True
    else:
        press(page, page_two)
    # Then they see other help points, and page 2 is marked as the current one
    assert path_of(page) == "/help?department=&page=2"
    expect(page.locator(page_two)).to_have_attribute("aria-current", "page")
    assert _titles(page) and set(_titles(page)).isdisjoint(first_page)
    return first_page


def press_back_to_the_first_page(page: Page, first_page: list[str]) -> None:
    """The browser's Back button gives the previous list again."""
    # When they press the browser's Back button
    page.go_back()
    # Then the previous list is back
    expect(page.locator("#help-points .row-title")).to_have_text(first_page)
    assert path_of(page) == "/help?department="
    check_axe(page)


def test_a_visitor_finds_help_points_in_their_department(page: Page, javascript: bool) -> None:
    # Given a visitor on the help page, which lists help points everywhere, 5 a page
    visit(page, "/help")
    expect(page.locator("#help-points .row")).to_have_count(5)
    expect(page.locator("#help-points .pagination")).to_have_count(1)
    choose_the_creuse(page, javascript)
    first_page = go_to_page_two_of_all_departments(page, javascript)
    press_back_to_the_first_page(page, first_page)


def test_a_visitor_who_edits_the_address_sees_what_went_wrong(page: Page) -> None:
    # Given a help page address with a department that does not exist
    # When a visitor opens it
    visit(page, "/help?department=99", status=400)
    # Then an error summary says what is wrong, takes the focus, and links to the field
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#department']")).to_have_count(1)
    expect(page).to_have_title(re.compile(r"^\S+\s*:"))  # "Error: ...", in the page's language
    # And the list of all help points is still there
    expect(page.locator("#help-points .row")).to_have_count(5)


# --------------------------------------------------------------------------- other pages


def test_a_visitor_reads_the_accessibility_statement(page: Page) -> None:
    # Given a visitor on the home page
    visit(page, "/")
    # When they follow the accessibility link at the bottom of the page
    press(page, "footer a[href='/accessibility']")
    # Then the statement opens, with its heading and a way back home
    assert path_of(page) == "/accessibility"
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("a.back-link[href='/']")).to_be_visible()


def test_a_visitor_who_follows_a_broken_link_gets_a_kind_page(page: Page) -> None:
    # Given an address that leads nowhere
    # When a visitor opens it
    visit(page, "/no-such-page", status=404)
    # Then a page says so kindly, in French, with a link home
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).not_to_have_text("We cannot find this page")  # the English text
    # And the link takes them home
    press(page, "main a[href='/']")
    assert path_of(page) == "/"


def test_a_visitor_reading_in_english_gets_the_not_found_page_in_english(page: Page) -> None:
    # Given a visitor who chose English
    visit(page, "/")
    press(page, LANGUAGE_BUTTON)
    # When they open an address that leads nowhere
    visit(page, "/no-such-page", status=404)
    # Then the kind page is in English, and its link takes them home, still in English
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("We cannot find this page")
    press(page, "main a[href='/']")
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_a_visitor_switches_to_english_on_the_not_found_page(page: Page) -> None:
    # Given a visitor on the page of an address that leads nowhere
    visit(page, "/")
    visit(page, "/no-such-page", status=404)
    # When they press "English" at the top of it
    response = press(page, LANGUAGE_BUTTON)
    # Then the same kind page is shown in English, still a 404
    assert response is not None and response.status == 404, f"status {response and response.status}"
    assert path_of(page) == "/no-such-page"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("We cannot find this page")


def _radio(page: Page, name: str, value: str) -> str:
    return f"main input[type=radio][name={name}][value={value}]"


def test_a_visitor_chooses_display_settings_on_their_own_page(page: Page) -> None:
    # Given a visitor on the help page
    visit(page, "/help")
    # When they follow "Display settings" at the bottom of the page
    press(page, "footer a[href^='/display']")
    # Then the page shows their current settings
    assert urlsplit(page.url).path == "/display"
    assert parse_qs(urlsplit(page.url).query) == {"next": ["/help"]}
    for name, value in (("lang", "fr"), ("text", "standard"), ("theme", "standard")):
        expect(page.locator(_radio(page, name, value))).to_be_checked()
    # When they choose English, very large text and high contrast, and save
    for name, value in (("lang", "en"), ("text", "larger"), ("theme", "contrast")):
        page.locator(_radio(page, name, value)).check()
    check_axe(page)
    press(page, "main form[action='/display'] button[type=submit]")
    # Then they are back on the help page, shown the way they chose
    assert path_of(page) == "/help"
    state = html_state(page)
    assert state["lang"] == "en", state
    assert {"text-larger", "theme-contrast"} <= set(state["classes"]), state
    assert state["fontSize"] == TEXT_SIZES["larger"] and state["background"] == BLACK, state
    # And the settings page remembers the choice
    press(page, "footer a[href^='/display']")
    for name, value in (("lang", "en"), ("text", "larger"), ("theme", "contrast")):
        expect(page.locator(_radio(page, name, value))).to_be_checked()
    # When they go back to French, normal text and standard colours
    for name, value in (("lang", "fr"), ("text", "standard"), ("theme", "standard")):
        page.locator(_radio(page, name, value)).check()
    press(page, "main form[action='/display'] button[type=submit]")
    # Then the help page is as it was
    assert path_of(page) == "/help"
    state = html_state(page)
    assert state["lang"] == "fr" and {"text-standard", "theme-standard"} <= set(state["classes"]), state


# --------------------------------------------------------------------------- small screens


def test_a_visitor_on_a_small_phone_never_scrolls_sideways(page: Page) -> None:
    # Given a screen 320 pixels wide
    page.set_viewport_size({"width": 320, "height": 640})
    # When a visitor opens the home page, and the help page, in each text size
    visit(page, "/")
    for size in ("standard", "large", "larger"):
        press(page, text_button(size))
        for path in ("/", "/help"):
            if path_of(page) != path:
                visit(page, path)
            # Then nothing is wider than the screen
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 320, f"{path} with text {size} is {width}px wide on a 320px screen"


def test_a_visitor_who_zooms_to_200_percent_still_reads_every_line(page: Page) -> None:
    # Given a laptop screen 1280 pixels wide, zoomed to 200% (the page lays out at 640px)
    page.set_viewport_size({"width": 640, "height": 400})
    # When a visitor opens the help page
    visit(page, "/help")
    # Then nothing is wider than the screen and the header controls are all there
    assert page.evaluate("document.documentElement.scrollWidth") <= 640
    expect(page.locator(LANGUAGE_BUTTON)).to_be_visible()
    expect(page.locator(THEME_BUTTON)).to_be_visible()


# --------------------------------------------------------------------------- print


def test_a_visitor_prints_a_page_without_the_controls(page: Page) -> None:
    # Given a visitor on the help page
    visit(page, "/help")
    # When they print it
    page.emulate_media(media="print")
    # Then the header controls, the filter and the footer are left out, the content stays
    for hidden in (".display-bar", ".site-nav", ".filter-form", ".site-footer"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#help-points .row").first).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == WHITE
