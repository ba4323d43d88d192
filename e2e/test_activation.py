"""Journeys of an invited patient: opening their space, or saying no to it.

The patient is invited with ``portal invite`` (run with the live server's environment),
and reads their code in the outbox, as they would in their email. Every page is checked
with axe; fields and buttons are found by their names, so the journeys hold whatever the
translation.
"""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import PROJECT_ROOT, LiveServer
from e2e.harness import press, visit
from portal.accounts.identity import nir_key
from portal.core.notify import read_outbox

pytestmark = pytest.mark.e2e

BIRTH = ("27", "3", "1941")
PASSWORD = "violet harbour teapot lantern"


def invite_patient(live_server: LiveServer) -> str:
    """Given a patient invited by email: their activation code, as the email gives it."""
    number = f"24103230{secrets.randbelow(10**5):05d}"
    email = f"jeanne.{secrets.token_hex(4)}@example.org"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "portal.cli",
            "invite",
            "--family-name=Dupont",
            "--given-names=Jeanne",
            "--birth-date=1941-03-27",
            f"--nir={number}{nir_key(number)}",
            f"--email={email}",
            "--mobile=06 12 34 56 78",
        ],
        env=live_server.env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    message = next(m for m in read_outbox(live_server.data_dir / "outbox", limit=50) if m.to == email)
    found = re.search(r"\b\d{4} \d{4} \d{4}\b", message.body)
    assert found, "no code in the email"
    return found.group(0)


def type_code(page: Page, code: str) -> None:
    page.fill("#code", code)
    for part, value in zip(("day", "month", "year"), BIRTH, strict=True):
        page.fill(f"#dob-{part}", value)


def test_an_invited_patient_opens_their_space(page: Page, live_server: LiveServer) -> None:
    code = invite_patient(live_server)
    # When they type their code and date of birth
    visit(page, "/activate")
    expect(page.locator("a[href='/refuse']")).to_be_visible()
    type_code(page, code)
    press(page, "form[action='/activate'] button[type=submit]")
    # Then they choose how sign-in codes reach them
    assert page.url.endswith("/activate/codes")
    expect(page.locator("input[name=channel]")).to_have_count(2)
    page.check("input[name=channel][value=email]")
    press(page, "form[action='/activate/codes'] button[type=submit]")
    # And they choose a password, and can see what they typed
    assert page.url.endswith("/activate/password")
    page.fill("#password", "short")
    press(page, "form[action='/activate/password'] button.button-primary")
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#password")).to_have_value("short")
    page.fill("#password", PASSWORD)
    press(page, "button[name=show][value='1']")
    expect(page.locator("#password")).to_have_attribute("type", "text")
    expect(page.locator("#password")).to_have_value(PASSWORD)
    press(page, "form[action='/activate/password'] button.button-primary")
    # And they must tick the box to accept the terms
    assert page.url.endswith("/activate/terms")
    press(page, "form[action='/activate/terms'] button[type=submit]")
    expect(page.locator(".error-summary a[href='#accept']")).to_be_visible()
    page.check("#accept")
    press(page, "form[action='/activate/terms'] button[type=submit]")
    # Then their space is ready, and they are signed in
    assert page.url.endswith("/activate/done")
    expect(page.locator(".summary-list")).to_be_visible()
    expect(page.locator("form[action='/sign-out']")).to_be_visible()
    press(page, "main a.button[href='/']")


def test_an_invited_patient_says_no_to_a_space(page: Page, live_server: LiveServer) -> None:
    code = invite_patient(live_server)
    # Given the first page of the activation
    visit(page, "/activate")
    # When they say they do not want a space, with a wrong date first
    press(page, "main a[href='/refuse']")
    page.fill("#code", code)
    for part, value in zip(("day", "month", "year"), ("28", "3", "1941"), strict=True):
        page.fill(f"#dob-{part}", value)
    press(page, "form[action='/refuse'] button[type=submit]")
    expect(page.locator(".error-summary a[href='#code']")).to_be_visible()
    expect(page.locator("#code")).to_have_value(code)
    type_code(page, code)
    press(page, "form[action='/refuse'] button[type=submit]")
    # Then their choice is recorded, and the code opens nothing any more
    assert page.url.endswith("/refuse/done")
    visit(page, "/activate")
    type_code(page, code)
    press(page, "form[action='/activate'] button[type=submit]")
    expect(page.locator(".error-summary a[href='#code']")).to_be_visible()
