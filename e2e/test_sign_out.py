"""Signing out from a page deep in the space, in a real Chromium with JavaScript on and off:
the session ends, the home page opens, and neither the Back button nor the address of the
space shows anything of it again without signing in.

Every page is checked with axe (``visit`` and ``press`` in ``e2e/harness.py``).
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, visit
from e2e.people import SIGN_IN_LINK, SIGN_OUT_BUTTON, make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e


def test_a_patient_signs_out_from_their_care_circle(
    page: Page, live_server: LiveServer, database_url: str | None
) -> None:
    # Given a signed-in patient on their care circle
    patient = make_patient(live_server, database_url)
    sign_in(page, live_server, patient.email, patient.password)
    press(page, "main a[href='/space/circle']")
    assert path_of(page) == "/space/circle"
    # When they press "Sign out" in the header
    press(page, SIGN_OUT_BUTTON)
    # Then they are on the home page, signed out
    assert path_of(page) == "/"
    expect(page.locator(SIGN_IN_LINK)).to_be_visible()
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
    # When they go back to the page they were on
    response = page.go_back()
    # Then the care circle is not shown again: they are asked to sign in, and would come back to it
    assert response is not None, "going back should load the page again, not show a kept copy"
    assert path_of(page) == "/sign-in?next=" + quote("/space/circle", safe="")
    expect(page.locator("#identifier")).to_be_visible()
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
    check_axe(page)
    # When they open their space again by its address
    visit(page, "/space")
    # Then they are asked to sign in again
    assert path_of(page) == "/sign-in?next=" + quote("/space", safe="")
    expect(page.locator("#identifier")).to_be_visible()
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
    # And reloading does not bring the space back
    page.reload()
    assert path_of(page) == "/sign-in?next=" + quote("/space", safe="")
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
