"""A patient reads "my activity", in a real Chromium with JavaScript on and off: their own
sign-in in plain words, then older events, added in place with JavaScript, or on a page of
their own without it.

The patient is made in the live server's database, with older events of their own recorded
there too (``e2e/people.py``). Every page, and the list after the older events are added, is
checked with axe.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import make_patient, path_of, record_own_events, sign_in

pytestmark = pytest.mark.e2e

PAGE_SIZE = 20
OLDER_EVENTS = 25
ITEMS = "main ol.activity-list > li.activity-item"
MORE_LINK = "main li.activity-more a"


def test_a_patient_reads_their_own_sign_in_in_their_activity(
    page: Page, live_server: LiveServer, database_url: str | None
) -> None:
    # Given a patient who has just signed in
    patient = make_patient(live_server, database_url)
    sign_in(page, live_server, patient.email, patient.password)
    assert path_of(page) == "/space"
    # When they follow "My activity" in their space
    press(page, "main a[href='/space/activity']")
    # Then the newest event is their own sign-in, in plain words
    assert path_of(page) == "/space/activity"
    expect(page.locator("h1")).to_have_text("Mon activité")
    items = page.locator(ITEMS)
    expect(items).to_have_count(1)
    expect(items.first.locator(".activity-text")).to_have_text("Vous vous êtes connecté.")
    expect(items.first.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d\d-\d\dT"))
    # And there is nothing older to show
    expect(page.locator(MORE_LINK)).to_have_count(0)


def open_my_activity_with_older_events(page: Page) -> str | None:
    """The patient opens "My activity": the newest events, their sign-in first, and a link to older ones."""
    # When they open "My activity"
    press(page, "main a[href='/space/activity']")
    # Then they see the newest events, their sign-in first, and a link to older activity
    items = page.locator(ITEMS)
    expect(items).to_have_count(PAGE_SIZE)
    expect(items.first.locator(".activity-text")).to_have_text("Vous vous êtes connecté.")
    more = page.locator(MORE_LINK)
    expect(more).to_have_text("Voir l'activité plus ancienne")
    expect(more).to_have_attribute("href", re.compile(r"^/space/activity\?before=\d+$"))
    return more.get_attribute("href")


def add_the_older_events_in_place(page: Page, href: str | None, total: int) -> None:
    """With JavaScript, the link adds the older events in place, the focus on the first of them."""
    more = page.locator(MORE_LINK)
    items = page.locator(ITEMS)
    expect(more).to_have_attribute("hx-get", href or "")
    # When they press the link
    more.click()
    settle(page)
    # Then the older events are added in place, on the same page
    assert path_of(page) == "/space/activity"
    expect(items).to_have_count(total)
    expect(page.locator(MORE_LINK)).to_have_count(0)
    check_axe(page)
    # And the focus moves to the first of the older events
    first_new = items.nth(PAGE_SIZE)
    expect(first_new).to_be_focused()
    expect(first_new).to_have_attribute("tabindex", "-1")


def open_the_older_events_and_come_back(page: Page, href: str | None, total: int) -> None:
    """Without JavaScript, the link opens a page of the older events, with a link back to the newest."""
    items = page.locator(ITEMS)
    # When they follow the link
    press(page, MORE_LINK)
    # Then a page of the older events opens, with a link back to the newest
    assert path_of(page) == href
    expect(items).to_have_count(total - PAGE_SIZE)
    expect(items.first.locator(".activity-text")).to_have_text("Vous vous êtes déconnecté.")
    expect(page.locator(MORE_LINK)).to_have_count(0)
    back = page.locator("main a[href='/space/activity']")
    expect(back).to_have_text("Revenir à l'activité la plus récente")
    press(page, "main a[href='/space/activity']")
    expect(items).to_have_count(PAGE_SIZE)


def test_a_patient_shows_older_activity(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient who has used their space many times, and has just signed in again
    patient = make_patient(live_server, database_url)
    record_own_events(live_server, database_url, patient.account_id, OLDER_EVENTS)
    sign_in(page, live_server, patient.email, patient.password)
    total = OLDER_EVENTS + 1
    href = open_my_activity_with_older_events(page)
    if javascript:
        add_the_older_events_in_place(page, href, total)
    else:
        open_the_older_events_and_come_back(page, href, total)
