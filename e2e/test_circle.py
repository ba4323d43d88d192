"""A patient manages their care circle, in a real Chromium with JavaScript on and off: adding
the demo's Dr Anne Martin by her RPPS number, blocking, unblocking and taking her out. With
JavaScript each change replaces the professional's row in place (htmx) and says so; without
it the page comes back with a banner.

Every page, and every row replaced in place, is checked with axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import make_patient, path_of, sign_in

pytestmark = pytest.mark.e2e

ANNE_RPPS = "10002345675"
ANNE_PLACE = "Maison de santé, 2 avenue de la Sénatorerie, 23000 Guéret"
FIND_BUTTON = "main form[action='/space/circle/find'] button[type=submit]"
ADD_BUTTON = "main form[action='/space/circle/add'] button[type=submit]"
ROWS = "main ul.rows > li.row"
BANNER = "main .banner-success"
NBSP = "\u00a0"


def open_the_circle(page: Page, live_server: LiveServer, database_url: str | None) -> None:
    """A fresh patient signs in and follows "My care circle" from their space."""
    patient = make_patient(live_server, database_url)
    sign_in(page, live_server, patient.email, patient.password)
    assert path_of(page) == "/space"
    press(page, "main a[href='/space/circle']")
    assert path_of(page) == "/space/circle"
    expect(page.locator("h1")).to_have_text("Mon cercle de soins")


def change_row(page: Page, javascript: bool, change: str, *, in_place: str, banner: str) -> None:
    """Press the row's button for ``change`` (block, unblock, remove); with JavaScript, the row
    is replaced in place and says ``in_place``; without, the page comes back with ``banner``."""
    button = f"{ROWS} form[action$='/{change}'] button[type=submit]"
    if javascript:
        page.locator(button).click()
        settle(page)
        # Still the circle page, without the "?done=" of an earlier change, nor its banner.
        assert path_of(page) == "/space/circle", "the page should stay where it is"
        expect(page.locator(BANNER)).to_have_count(0)
        expect(page.locator(f"{ROWS} [role=status]")).to_have_text(in_place)
        check_axe(page)
    else:
        press(page, button)
        assert path_of(page) == f"/space/circle?done={change}"
        expect(page.locator(BANNER)).to_contain_text(banner)


def look_her_up_by_her_rpps_number(page: Page) -> None:
    """The patient types their doctor's RPPS number and is asked to confirm it is her."""
    # When they type the RPPS number of their doctor and look her up
    page.get_by_label("Son numéro RPPS").fill(ANNE_RPPS)
    press(page, FIND_BUTTON)
    # Then they are asked to confirm it is her: her name and place of practice
    assert path_of(page) == f"/space/circle/find?rpps={ANNE_RPPS}"
    summary = page.locator("main .summary-list")
    expect(summary).to_contain_text("Anne Martin")
    expect(summary).to_contain_text(ANNE_PLACE)


def add_her(page: Page) -> None:
    """The patient adds her; she is in their care circle, and a banner says so."""
    # When they add her
    expect(page.locator(ADD_BUTTON)).to_have_text("Ajouter à mon cercle de soins")
    press(page, ADD_BUTTON)
    # Then she is in their care circle, and a banner says so
    assert path_of(page) == "/space/circle?done=add"
    expect(page.locator(BANNER)).to_contain_text("Le professionnel a rejoint votre cercle de soins.")
    row = page.locator(ROWS)
    expect(row).to_have_count(1)
    expect(row.locator("h3")).to_contain_text("Anne Martin")
    expect(row).to_contain_text(ANNE_PLACE)
    expect(row.locator(".tag-warning")).to_have_count(0)


def block_her(page: Page, javascript: bool) -> None:
    """The patient blocks her; she is shown as blocked, and may be unblocked."""
    row = page.locator(ROWS)
    # When they block her
    expect(row.locator("form[action$='/block'] button")).to_have_text("Bloquer")
    change_row(
        page,
        javascript,
        "block",
        in_place=f"C'est fait{NBSP}: bloqué.",
        banner=f"Le professionnel est bloqué{NBSP}: il ne voit rien dans votre espace.",
    )
    # Then she is shown as blocked, and may be unblocked
    expect(row.locator(".tag-warning")).to_be_visible()
    expect(row.locator("form[action$='/unblock'] button")).to_have_text("Débloquer")


def unblock_her(page: Page, javascript: bool) -> None:
    """The patient unblocks her; she is no longer shown as blocked."""
    row = page.locator(ROWS)
    # When they unblock her
    change_row(
        page,
        javascript,
        "unblock",
        in_place=f"C'est fait{NBSP}: débloqué.",
        banner="Le professionnel est débloqué.",
    )
    # Then she is no longer shown as blocked
    expect(row.locator(".tag-warning")).to_have_count(0)
    expect(row.locator("form[action$='/block'] button")).to_have_text("Bloquer")


def take_her_out(page: Page, javascript: bool) -> None:
    """The patient takes her out of their circle; she is no longer in it."""
    row = page.locator(ROWS)
    # When they take her out of their circle
    expect(row.locator("form[action$='/remove'] button")).to_have_text("Le retirer de mon cercle")
    change_row(
        page,
        javascript,
        "remove",
        in_place=f"C'est fait{NBSP}: ce professionnel ne fait plus partie de votre cercle de soins.",
        banner="Le professionnel ne fait plus partie de votre cercle de soins.",
    )
    # Then she is no longer in it
    expect(page.locator(f"{ROWS} h3")).to_have_count(0)
    if not javascript:
        expect(page.locator("main")).to_contain_text("Personne pour l'instant.")


def test_a_patient_adds_blocks_unblocks_and_takes_out_a_professional(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient on their care circle, which is empty
    open_the_circle(page, live_server, database_url)
    expect(page.locator(ROWS)).to_have_count(0)
    look_her_up_by_her_rpps_number(page)
    add_her(page)
    block_her(page, javascript)
    unblock_her(page, javascript)
    take_her_out(page, javascript)


def test_a_wrong_rpps_number_shows_the_error_summary(
    page: Page, live_server: LiveServer, database_url: str | None
) -> None:
    # Given a patient on their care circle
    open_the_circle(page, live_server, database_url)
    # When they type a number too short to be an RPPS number
    page.get_by_label("Son numéro RPPS").fill("123")
    press(page, FIND_BUTTON)
    # Then an error summary takes the focus and links to the field, where the message is too
    message = "Un numéro RPPS a 11 chiffres. Vérifiez chaque chiffre."
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a[href='#rpps']")).to_have_text(message)
    expect(page.locator("#rpps-error")).to_contain_text(message)
    expect(page.locator("#rpps")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rpps")).to_have_value("123")
    expect(page).to_have_title(re.compile(r"^Erreur"))
