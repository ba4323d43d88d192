"""Signing in, in a real Chromium with JavaScript on and off: password, then the code from
the outbox, then the home page with its sign-out button, then signing out.

Every page is checked with axe (``visit`` and ``press`` in ``e2e/harness.py``). The account is
made in the live server's database by a small Python process given the server's environment.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import PROJECT_ROOT, LiveServer
from e2e.harness import press, visit
from portal.core.notify import read_outbox

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
SIGN_IN_LINK = "header a.nav-link[href='/sign-in']"
SIGN_OUT_BUTTON = "header form[action='/sign-out'] button"

# Runs in the live server's environment: the same database, and the master key of its data
# folder (or of PORTAL_MASTER_KEY when the environment gives one).
_MAKE_ACCOUNT = """
import asyncio, sys
from portal.accounts.passwords import hash_password
from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.core import crypto, db
from portal.core.access import Role
from portal.core.keys import Keyring
from portal.settings import Settings

async def main(email, password, channel):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    person = PersonIdentity(family_name="Martin", given_names="Marie", email=email)
    async with engine.transaction():
        account_id = await create_account(keyring, Role.PATIENT, person)
        await Account.update({
            Account.password_hash: await hash_password(password),
            Account.status: "active",
            Account.code_channel: channel,
        }).where(Account.id == account_id)
    print(account_id)

asyncio.run(main(*sys.argv[1:]))
"""


def make_active_account(server: LiveServer, database_url: str | None, password: str = PASSWORD) -> str:
    """An active patient account in the live server's database; returns its email address."""
    email = f"marie.{secrets.token_hex(4)}@example.org"
    env = {**os.environ, "PORTAL_DATA_DIR": str(server.data_dir)}
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-c", _MAKE_ACCOUNT, email, password, "email"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"could not make the account:\n{result.stdout}\n{result.stderr}"
    return email


def newest_code(outbox: Path, to: str) -> str:
    messages = [m for m in read_outbox(outbox, limit=1000) if m.to == to]
    assert messages, f"no message to {to} in the outbox"
    found = re.search(r"\b(\d{3}) (\d{3})\b", messages[0].body)
    assert found, "no code in the message"
    return found.group(1) + found.group(2)


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


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
