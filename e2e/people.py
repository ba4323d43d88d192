"""People of the browser journeys: accounts made in the live server's database, their sign-in
codes read in the outbox, and signing in through the pages.

The accounts and audit events are made by a small Python process given the server's data
folder and database (``database_url``, set when the journeys run on PostgreSQL), so it
reaches the same data as the live server.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.conftest import PROJECT_ROOT, LiveServer
from e2e.harness import press, visit
from portal.core.notify import read_outbox
from tests.personas import new_email

PASSWORD = "correct horse battery"
SIGN_IN_LINK = "header a.nav-link[href='/sign-in']"
SIGN_OUT_BUTTON = "header form[action='/sign-out'] button"
SIGN_IN_BUTTON = "main form[action='/sign-in'] button:not([name])"
CODE_BUTTON = "main form[action='/sign-in/code'] button:not([name])"

# Runs in the live server's environment: the same database, and the master key of its data
# folder (or of PORTAL_MASTER_KEY when the environment gives one).
_MAKE_ACCOUNT = """
import asyncio, sys
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.settings import Settings
from tests.personas import new_person

async def main(email, password, channel):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    async with engine.transaction():
        account_id = await new_person(
            keyring, given_names="Marie", family_name="Martin", email=email, password=password, channel=channel
        )
    print(account_id)

asyncio.run(main(*sys.argv[1:]))
"""

# Records ``count`` events of the account doing something itself, alternately signing in
# and out, as the server would have when they used their space.
_RECORD_EVENTS = """
import asyncio, sys
import portal.accounts.actions  # declares sign_in and sign_out, which audit.record checks
from portal.core import audit, db
from portal.core.keys import key_owner
from portal.settings import Settings

async def main(account_id, count):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    owner = key_owner(account_id)
    async with engine.transaction():
        for number in range(int(count)):
            action = "sign_in" if number % 2 == 0 else "sign_out"
            await audit.record(actor=owner, area="account", action=action, outcome="allowed", subject=owner)

asyncio.run(main(*sys.argv[1:]))
"""


# Puts the professional of an email address in a patient's care circle, as if the patient had
# invited them from their circle page.
_ADD_TO_CIRCLE = """
import asyncio, sys, uuid
from portal.accounts.services import find_account_id
from portal.circle.services import add_to_circle
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.settings import Settings

async def main(patient_id, professional_email):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    async with engine.transaction():
        professional = await find_account_id(keyring, professional_email)
        assert professional is not None, f"no account for {professional_email}"
        await add_to_circle(patient=uuid.UUID(patient_id), professional=professional, joined_by="invited")

asyncio.run(main(*sys.argv[1:]))
"""


@dataclass(frozen=True)
class Patient:
    email: str
    account_id: str
    password: str


def _run_in_server_environment(server: LiveServer, database_url: str | None, *args: str) -> str:
    """Run ``python -c <args>`` with the live server's data folder and database; its output."""
    env = {**os.environ, "PORTAL_DATA_DIR": str(server.data_dir)}
    if database_url:
        env["PORTAL_DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-c", *args],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, (
        f"could not change the live server's data:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def make_patient(server: LiveServer, database_url: str | None, password: str = PASSWORD) -> Patient:
    """An active patient account in the live server's database, its codes sent by email."""
    email = new_email()
    output = _run_in_server_environment(server, database_url, _MAKE_ACCOUNT, email, password, "email")
    return Patient(email=email, account_id=output.strip().splitlines()[-1], password=password)


def make_active_account(server: LiveServer, database_url: str | None, password: str = PASSWORD) -> str:
    """An active patient account in the live server's database; returns its email address."""
    return make_patient(server, database_url, password).email


def record_own_events(server: LiveServer, database_url: str | None, account_id: str, count: int) -> None:
    """Add ``count`` events (signing in and out) to the activity of ``account_id``'s space."""
    _run_in_server_environment(server, database_url, _RECORD_EVENTS, account_id, str(count))


def add_to_circle(
    server: LiveServer, database_url: str | None, patient_id: str, professional_email: str
) -> None:
    """Put the professional of ``professional_email`` in the care circle of ``patient_id``."""
    _run_in_server_environment(server, database_url, _ADD_TO_CIRCLE, patient_id, professional_email)


def newest_code(outbox: Path, to: str) -> str:
    """The 6-digit sign-in code of the newest message to ``to``."""
    messages = [m for m in read_outbox(outbox, limit=1000) if m.to == to]
    assert messages, f"no message to {to} in the outbox"
    found = re.search(r"\b(\d{3}) (\d{3})\b", messages[0].body)
    assert found, "no code in the message"
    return found.group(1) + found.group(2)


def path_of(page: Page) -> str:
    return re.sub(r"^https?://[^/]+", "", page.url)


def sign_in(page: Page, server: LiveServer, identifier: str, password: str) -> None:
    """Sign in through the pages (axe on each one): password, then the code from the outbox."""
    visit(page, "/sign-in")
    page.locator("#identifier").fill(identifier)
    page.locator("#password").fill(password)
    press(page, SIGN_IN_BUTTON)
    assert path_of(page).startswith("/sign-in/code"), f"not asked for a code: {page.url}"
    page.locator("#code").fill(newest_code(server.data_dir / "outbox", identifier))
    press(page, CODE_BUTTON)
    expect(page.locator(SIGN_OUT_BUTTON)).to_be_visible()
