"""A shared kiosk terminal, in a real Chromium with JavaScript on and off.

The terminal is enrolled as an operator would: ``portal kiosk enrol`` in the live server's
environment prints a one-time code, typed on the terminal's enrolment page. A patient signs
in (the sign-in page says the computer is shared), is asked "Are you still there?" a little
before the short time-out (a dialog with JavaScript; without it the page itself opens a
page that asks), presses "I need more time" and keeps the session past its first end, then
leaves: the session times out after the warning, the welcome screen shows, and Back shows
nothing personal. On the terminal a download is refused: the document is printed or sent
to the person's phone with a QR code.

These journeys run on a second live server of their own, on the same data as the first,
with ``PORTAL_KIOSK_IDLE_MINUTES=1`` (the smallest the settings allow): the time-out comes
after a minute, and "Are you still there?" 30 seconds before it. They wait for real time
to pass, so each takes about a minute and a half.

Every page, and the dialog, is checked with axe.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.conftest import (
    PROJECT_ROOT,
    STARTUP_TIMEOUT,
    LiveServer,
    _free_port,
    _healthy,
    _log_tail,
)
from e2e.harness import DEFAULT_TIMEOUT_MS, check_axe, press, visit
from e2e.people import SIGN_OUT_BUTTON, Patient, _run_in_server_environment, make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 60
WARN_SECONDS = 30  # half of a 1-minute time-out
# The journeys that wait for the time-out need more than the harness's 2 minutes.
TEST_TIMEOUT = 240

DIALOG = "dialog.kiosk-dialog"
MORE_TIME_IN_DIALOG = "dialog.kiosk-dialog form[data-kiosk-more-time] button"
MORE_TIME_ON_PAGE = "main form[data-kiosk-more-time] button"
NOTICE = "main .kiosk-notice"
WELCOME = re.compile(r"/kiosk\?ended=1$")

# A PDF in the patient's library, as if they had added it (prints its id).
_ADD_DOCUMENT = """
import asyncio, sys, uuid
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.documents.services import Details, add_document
from portal.settings import Settings

async def main(patient):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    details = Details("Prise de sang de mars", "lab_results", "2026-03-03", "application/pdf")
    content = b"%PDF-1.4\\n1 0 obj<<>>endobj\\ntrailer<<>>\\n%%EOF\\n"
    async with engine.transaction():
        print(await add_document(keyring, patient=uuid.UUID(patient), author=uuid.UUID(patient),
                                 author_role="patient", details=details, content=content))

asyncio.run(main(*sys.argv[1:]))
"""


@pytest.fixture(scope="module")
def kiosk_server(live_server: LiveServer) -> Iterator[LiveServer]:
    """``portal serve`` on the live server's data, with a 1-minute kiosk time-out."""
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {**live_server.env, "PORTAL_BASE_URL": base_url, "PORTAL_KIOSK_IDLE_MINUTES": "1"}
    log_path = live_server.data_dir.parent / f"{live_server.data_dir.name}-kiosk-serve.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "portal.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not _healthy(base_url + "/healthz"):
            if server.poll() is not None:
                pytest.fail(
                    f"the kiosk's `portal serve` stopped ({server.returncode}):\n{_log_tail(log_path)}"
                )
            if time.monotonic() > deadline:
                pytest.fail(f"the kiosk's `portal serve` gave no /healthz:\n{_log_tail(log_path)}")
            time.sleep(0.1)
        yield LiveServer(base_url=base_url, data_dir=live_server.data_dir, log_path=log_path, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def context(browser: Browser, kiosk_server: LiveServer, javascript: bool) -> Iterator[BrowserContext]:
    """A fresh browser on the kiosk's server (the harness's ``page`` opens in it)."""
    context = browser.new_context(java_script_enabled=javascript, base_url=kiosk_server.base_url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def _time_limit() -> Iterator[None]:
    """As the harness's, with room for a minute's time-out, twice."""
    import signal

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"this kiosk journey took more than {TEST_TIMEOUT} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def enrol_the_terminal(page: Page, server: LiveServer) -> str:
    """``portal kiosk enrol`` as the operator runs it, then its code typed on the terminal."""
    result = subprocess.run(
        [sys.executable, "-m", "portal.cli", "kiosk", "enrol", "--name", "Maison de santé de Guéret, accueil",
         "--department", "23"],
        env=server.env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    found = re.search(r"^\s+([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})$", result.stdout, flags=re.MULTILINE)
    assert found, result.stdout
    visit(page, "/kiosk/enrol")
    page.locator("#code").fill(found.group(1))
    press(page, "main form[action='/kiosk/enrol'] button[type=submit]")
    assert path_of(page) == "/kiosk/enrolled"
    expect(page.locator("main")).to_contain_text("Maison de santé de Guéret, accueil")
    press(page, "main a[href='/kiosk']")
    assert path_of(page) == "/kiosk"
    expect(page.locator(NOTICE)).to_be_visible()
    return found.group(1)


def still_signed_in(page: Page) -> bool:
    """Asked aside (as a part of a page refreshing itself: it does not keep the session alive)."""
    response = page.request.get("/space", headers={"x-portal-refresh": "1"}, max_redirects=0)
    return response.status == 200


def sign_in_on_the_shared_computer(
    page: Page, kiosk_server: LiveServer, patient: Patient
) -> tuple[float, float]:
    """The patient signs in on the terminal, told it is shared; returns the times before and after."""
    # When a patient signs in there: the sign-in page says the computer is shared
    visit(page, "/sign-in")
    expect(page.locator(NOTICE)).to_be_visible()
    # Times taken before an action bound the server's clock from below, times taken after it
    # from above: "not too soon" counts from the first, "wait until past" from the second.
    signing_in_at = time.monotonic()
    sign_in(page, kiosk_server, patient.email, patient.password)
    signed_in_at = time.monotonic()
    assert path_of(page) == "/space"
    expect(page.locator("main")).to_contain_text("Marie")
    return signing_in_at, signed_in_at


def ask_for_more_time_when_warned(page: Page, javascript: bool, signing_in_at: float) -> float:
    """Asked "Are you still there?" a little before the end, the patient asks for more time; returns when."""
    # Then a little before the end they are asked "Are you still there?"
    if javascript:
        dialog = page.locator(DIALOG)
        expect(dialog).to_be_hidden()
        expect(dialog).to_be_visible(timeout=(WARN_SECONDS + 10) * 1000)
        expect(page.locator(MORE_TIME_IN_DIALOG)).to_be_focused()
        check_axe(page)
        # When they press "I need more time": in place, the dialog goes, the page stays
        asked_at = time.monotonic()
        page.locator(MORE_TIME_IN_DIALOG).click()
        expect(dialog).to_be_hidden()
        assert path_of(page) == "/space"
    else:
        page.wait_for_url(re.compile(r"/kiosk/still-there\?next=/space$"), timeout=(WARN_SECONDS + 10) * 1000)
        check_axe(page)
        expect(page.locator("h1")).to_be_visible()
        asked_at = time.monotonic()
        press(page, MORE_TIME_ON_PAGE)
        assert path_of(page) == "/space"
    assert asked_at - signing_in_at >= WARN_SECONDS - 5, "the warning came too soon"
    return asked_at


def see_the_session_outlive_its_first_end(page: Page, signed_in_at: float) -> None:
    """Past the session's first end, the patient is still signed in."""
    # Then the session outlives its first end
    page.wait_for_timeout(max(0, (signed_in_at + IDLE_SECONDS + 5 - time.monotonic()) * 1000))
    assert still_signed_in(page), "I need more time did not keep the session"
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(1)


def leave_and_see_the_session_time_out(page: Page, javascript: bool, asked_at: float) -> None:
    """The patient leaves without signing out: warned again, then the welcome screen shows nothing of them."""
    # When they leave without signing out: warned again, then the session times out
    if javascript:
        expect(page.locator(DIALOG)).to_be_visible()
    else:
        assert "/kiosk/still-there" in page.url
    page.wait_for_url(WELCOME, timeout=(IDLE_SECONDS + 10) * 1000)
    assert time.monotonic() - asked_at >= IDLE_SECONDS - 5, "the time-out came too soon"
    # Then the welcome screen shows, and nothing of the patient
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
    assert "Marie" not in page.content()
    check_axe(page)
    assert not still_signed_in(page)


def press_back_and_see_nothing_personal(page: Page) -> None:
    """Back shows nothing personal, only a way to sign in, and the computer is still a kiosk."""
    # When they (or the next person) press Back: nothing personal, only a way to sign in
    response = page.go_back()
    assert response is not None, "going back should load the page again, not show a kept copy"
    assert path_of(page).startswith(("/sign-in", "/kiosk")), page.url
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
    assert "Marie" not in page.content()
    check_axe(page)
    # And the computer is still a kiosk: its own cookie survived the clearing
    visit(page, "/sign-in")
    expect(page.locator(NOTICE)).to_be_visible()


def test_a_kiosk_session_times_out_after_the_warning_and_back_shows_nothing(
    page: Page, kiosk_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a terminal enrolled by the operator's code
    enrol_the_terminal(page, kiosk_server)
    patient = make_patient(kiosk_server, database_url)
    signing_in_at, signed_in_at = sign_in_on_the_shared_computer(page, kiosk_server, patient)
    asked_at = ask_for_more_time_when_warned(page, javascript, signing_in_at)
    see_the_session_outlive_its_first_end(page, signed_in_at)
    leave_and_see_the_session_time_out(page, javascript, asked_at)
    press_back_and_see_nothing_personal(page)


def test_a_kiosk_prints_or_sends_to_the_phone_instead_of_downloading(
    page: Page, kiosk_server: LiveServer, database_url: str | None
) -> None:
    # Given a patient with a document, signed in on an enrolled terminal
    enrol_the_terminal(page, kiosk_server)
    patient = make_patient(kiosk_server, database_url)
    document = _run_in_server_environment(kiosk_server, database_url, _ADD_DOCUMENT, patient.account_id)
    document_id = document.strip().splitlines()[-1]
    sign_in(page, kiosk_server, patient.email, patient.password)
    # When they ask to download it
    visit(page, f"/space/documents/{document_id}/file?download=1", status=403)
    # Then they are offered to print it or to send it to their phone
    expect(page.locator(f"main a[href='/space/documents/{document_id}/print']")).to_be_visible()
    # When they send it to their phone
    press(page, "main form[action='/kiosk/phone'] button[type=submit]")
    # Then a QR code shows, with the link's expiry in words
    assert re.fullmatch(r"/kiosk/phone/[0-9a-f-]{36}", path_of(page))
    expect(page.locator("main svg.qr-code[role=img]")).to_be_visible()
    expect(page.locator("main .kiosk-expiry")).to_be_visible()
    # And signing out brings the welcome screen back
    press(page, SIGN_OUT_BUTTON)
    assert path_of(page) == "/kiosk"
    expect(page.locator(SIGN_OUT_BUTTON)).to_have_count(0)
