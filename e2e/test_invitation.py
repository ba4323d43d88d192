"""A mediator makes a space for someone beside them, in a real Chromium with JavaScript on
and off: the code goes by email (and the person then opens their space with it), or on a
printed letter (a PDF download).

The mediator is the demo's Sophie Bernard; her sign-in code and the invited person's
activation code are read in the outbox. Every page is checked with axe; the PDF is not a
page and is not.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import press, visit
from e2e.people import SIGN_OUT_BUTTON, path_of, sign_in
from portal.accounts.identity import nir_key
from portal.core.notify import read_outbox

pytestmark = pytest.mark.e2e

MEDIATOR = "sophie.bernard@example.org"
MEDIATOR_PASSWORD = "un jardin en Creuse"
BIRTH = {"day": "27", "month": "3", "year": "1941"}
ADDRESS = "12 rue des Tilleuls\n23000 Guéret"
NEW_PASSWORD = "violet harbour teapot lantern"
INVITE_LINK = "main a[href='/mediator/invite']"
INVITE_BUTTON = "main form[action='/mediator/invite'] button[type=submit]"
LETTER_BUTTON = "main form[action$='/letter'] button[type=submit]"


def a_new_nir() -> tuple[str, str]:
    """A well-formed social security number nobody has yet, and the same with a wrong key."""
    number = f"2410323{secrets.randbelow(10**6):06d}"
    key = nir_key(number + "00")
    wrong = f"{int(key) % 97 + 1:02d}"
    return number + key, number + wrong


def activation_code(live_server: LiveServer, email: str) -> str:
    """The 12-digit code of the activation email to ``email``, as the email writes it."""
    messages = [m for m in read_outbox(live_server.data_dir / "outbox", limit=1000) if m.to == email]
    assert messages, f"no activation email to {email} in the outbox"
    found = re.search(r"\b\d{4} \d{4} \d{4}\b", messages[0].body)
    assert found, "no activation code in the email"
    return found.group(0)


def mediator_opens_the_form(page: Page, live_server: LiveServer) -> None:
    """Sophie signs in, lands on her home page and follows "make a space for someone"."""
    sign_in(page, live_server, MEDIATOR, MEDIATOR_PASSWORD)
    assert path_of(page) == "/mediator"
    press(page, INVITE_LINK)
    assert path_of(page) == "/mediator/invite"


def fill_the_form(page: Page, *, nir: str, delivery: str, email: str = "") -> None:
    page.locator("#family_name").fill("Dupont")
    page.locator("#given_names").fill("Jeanne")
    for part, value in BIRTH.items():
        page.locator(f"#dob-{part}").fill(value)
    page.locator("#nir").fill(nir)
    page.check(f"input[name=delivery][value={delivery}]")
    page.locator("#email").fill(email)
    page.locator("#postal_address").fill(ADDRESS)


def type_a_number_with_a_wrong_key(page: Page, wrong_nir: str, email: str) -> None:
    """The mediator types everything but a wrong social security number: refused there, the rest kept."""
    # When she types everything, but a social security number with a wrong key
    fill_the_form(page, nir=wrong_nir, delivery="email", email=email)
    press(page, INVITE_BUTTON)
    # Then an error summary takes the focus and links to the number, and what she typed is kept
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#nir']")).to_have_count(1)
    expect(page.locator("#nir")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#nir-error")).to_be_visible()
    expect(page.locator("#family_name")).to_have_value("Dupont")
    expect(page.locator("#given_names")).to_have_value("Jeanne")
    for part, value in BIRTH.items():
        expect(page.locator(f"#dob-{part}")).to_have_value(value)
    expect(page.locator("#nir")).to_have_value(wrong_nir)
    expect(page.locator("input[name=delivery][value=email]")).to_be_checked()
    expect(page.locator("#email")).to_have_value(email)
    expect(page.locator("#postal_address")).to_have_value(ADDRESS)
    # When she follows the link in the summary, the field takes the focus
    summary.locator("a[href='#nir']").click()
    expect(page.locator("#nir")).to_be_focused()


def correct_it_and_make_the_space(page: Page, live_server: LiveServer, nir: str, email: str) -> str:
    """The mediator corrects the number and makes the space; returns the code sent by email."""
    # When she corrects the number and makes the space
    page.locator("#nir").fill(nir)
    press(page, INVITE_BUTTON)
    # Then the space is ready, and the code went by email
    expect(page.locator("h1")).to_have_text("L'espace est créé")
    expect(page.locator(".banner-success")).to_contain_text("Un espace santé est prêt pour Jeanne Dupont.")
    expect(page.locator("main")).to_contain_text(email)
    return activation_code(live_server, email)


def open_the_space_with_the_code(page: Page, code: str) -> None:
    """The person opens their space with the code and their date of birth, a password and the terms."""
    # When the mediator signs out and the person opens the activation page with the code
    press(page, SIGN_OUT_BUTTON)
    assert path_of(page) == "/"
    visit(page, "/activate")
    page.locator("#code").fill(code)
    for part, value in BIRTH.items():
        page.locator(f"#dob-{part}").fill(value)
    press(page, "form[action='/activate'] button[type=submit]")
    # Then the code and date of birth open the space: they choose how codes reach them
    assert path_of(page) == "/activate/codes"
    page.check("input[name=channel][value=email]")
    press(page, "form[action='/activate/codes'] button[type=submit]")
    # And they choose a password and accept the terms
    assert path_of(page) == "/activate/password"
    page.locator("#password").fill(NEW_PASSWORD)
    press(page, "form[action='/activate/password'] button.button-primary")
    assert path_of(page) == "/activate/terms"
    page.check("#accept")
    press(page, "form[action='/activate/terms'] button[type=submit]")
    # Then their space is open, and they are signed in
    assert path_of(page) == "/activate/done"
    expect(page.locator(SIGN_OUT_BUTTON)).to_be_visible()


def test_a_mediator_invites_someone_by_email_who_then_opens_their_space(
    page: Page, live_server: LiveServer
) -> None:
    # Given the mediator, signed in, on the form to make a space
    mediator_opens_the_form(page, live_server)
    nir, wrong_nir = a_new_nir()
    email = f"jeanne.{secrets.token_hex(4)}@example.org"
    type_a_number_with_a_wrong_key(page, wrong_nir, email)
    code = correct_it_and_make_the_space(page, live_server, nir, email)
    open_the_space_with_the_code(page, code)


def test_a_mediator_invites_someone_with_a_printed_letter(page: Page, live_server: LiveServer) -> None:
    # Given the mediator, signed in, on the form to make a space
    mediator_opens_the_form(page, live_server)
    nir, _ = a_new_nir()
    # When she chooses the letter, with the postal address and no email address
    fill_the_form(page, nir=nir, delivery="letter")
    press(page, INVITE_BUTTON)
    # Then the space is ready, and she is asked to print the letter
    expect(page.locator("h1")).to_have_text("L'espace est créé")
    expect(page.locator(".banner-success")).to_contain_text("Un espace santé est prêt pour Jeanne Dupont.")
    button = page.locator(LETTER_BUTTON)
    expect(button).to_have_text("Imprimer le courrier")
    # When she presses "Print the letter"
    with page.expect_download() as download_info:
        button.click()
    download = download_info.value
    # Then the browser downloads a PDF letter
    assert download.suggested_filename.endswith(".pdf"), download.suggested_filename
    assert download.failure() is None
    with open(download.path(), "rb") as letter:
        assert letter.read(5) == b"%PDF-"
    # And she is still on the confirmation page
    expect(page.locator("h1")).to_have_text("L'espace est créé")
