"""Signing in, in a real Chromium with JavaScript on and off: password, then the code from
the outbox, then the home page with its sign-out button, then signing out.

Every page is checked with axe (``visit`` and ``press`` in ``e2e/harness.py``). The account is
made in the live server's database by a small Python process given the server's environment
(``e2e/people.py``).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import press, visit
from e2e.people import PASSWORD, SIGN_IN_LINK, SIGN_OUT_BUTTON, make_active_account, newest_code, path_of

pytestmark = pytest.mark.e2e


def test_a_patient_signs_in_with_a_code_and_signs_out(
    page: Page, live_server: LiveServer, database_url: str | None
) -> None:
    # Given a patient with an active space
    email = make_active_account(live_server, database_url)
    # When they follow "Sign in" at the top of the home page
    visit(page, "/")
    press(page, SIGN_IN_LINK)
    assert path_of(page) == "/sign-in"
    # And type their email address and password, and ask to see the password
    page.locator("#identifier").fill(email)
    page.locator("#password").fill(PASSWORD)
    press(page, "main button[name=reveal][value='1']")
    # Then the password is shown as typed
    expect(page.locator("#password")).to_have_attribute("type", "text")
    expect(page.locator("#password")).to_have_value(PASSWORD)
    # When they go on
    press(page, "main form[action='/sign-in'] button:not([name])")
    # Then they are asked for the code sent to them by email
    assert path_of(page) == "/sign-in/code"
    expect(page.locator("#code")).to_have_attribute("autocomplete", "one-time-code")
    # When they type the code from the email
    page.locator("#code").fill(newest_code(live_server.data_dir / "outbox", email))
    press(page, "main form[action='/sign-in/code'] button:not([name])")
    # Then they are in their own space, signed in, with a button to sign out
    assert path_of(page) == "/space"
    expect(page.locator("h1")).to_have_text("Mon espace")
    expect(page.locator(SIGN_OUT_BUTTON)).to_be_visible()
    expect(page.locator(SIGN_IN_LINK)).to_have_count(0)
    # When they sign out
    press(page, SIGN_OUT_BUTTON)
    # Then they are back on the home page, signed out
    assert path_of(page) == "/"
    expect(page.locator(SIGN_IN_LINK)).to_be_visible()
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)


def test_a_wrong_password_shows_the_error_summary(
    page: Page, live_server: LiveServer, database_url: str | None
) -> None:
    # Given a patient with an active space, on the sign-in page
    email = make_active_account(live_server, database_url)
    visit(page, "/sign-in")
    # When they type a wrong password
    page.locator("#identifier").fill(email)
    page.locator("#password").fill("not the password")
    press(page, "main form[action='/sign-in'] button:not([name])")
    # Then an error summary takes the focus and links to the field; the password is not kept
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#identifier']")).to_have_count(1)
    expect(page.locator("#identifier")).to_have_value(email)
    expect(page.locator("#password")).to_have_value("")
