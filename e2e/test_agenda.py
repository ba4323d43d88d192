"""The agenda, in a real Chromium with JavaScript on and off.

A patient adds an appointment for tomorrow at 10:30 with a reminder the day before by
email; the reminder task, run in the live server's environment, puts the reminder in the
outbox (once, however often it runs), and it says nothing of what the appointment is. The
list view and the month view are checked with axe, and the month navigation works: with
JavaScript the agenda is swapped in place and the address follows, without it whole pages
load. A medicine reminder is added, and a bad time is explained at its field.

Every page, and every part replaced in place, is checked with axe.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle, visit
from e2e.people import Patient, _run_in_server_environment, make_patient, path_of, sign_in
from portal.core.notify import read_outbox

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
TITLE = "Rendez-vous chez la cardiologue"
WITH = "Dr Lefèvre"
WHERE = "Hôpital Saint-Joseph"
SAVE = "main form button[type=submit]"
MONTH_LINK = "#agenda a.agenda-view-link[href^='/space/agenda/month']"
LIST_LINK = "#agenda a.agenda-view-link[href='/space/agenda']"
NEXT = "#agenda a.month-nav-link[rel=next]"
PREVIOUS = "#agenda a.month-nav-link[rel=prev]"
APPOINTMENT = re.compile(r"^/space/agenda/[0-9a-f-]{36}\?done=added$")

# Runs in the live server's environment: the agenda's reminder task, as `portal tasks` runs
# it, at the moment given (the reminder "the day before" an appointment tomorrow at 10:30 is
# due today at 10:30: before then in the day, the test runs the task as if it were 10:31).
_SEND_REMINDERS = """
import asyncio, sys
from datetime import datetime
import portal.app  # declares the routes: the addresses the reminders link to, as `portal tasks` does
from portal.agenda.reminders import send_due
from portal.core import crypto, db
from portal.core.keys import Keyring
from portal.settings import Settings

async def main(now):
    settings = Settings.from_env()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    keyring = Keyring(crypto.load_or_create_master_key(settings.data_dir, settings.master_key))
    async with engine.transaction():
        print(await send_due(settings, keyring, datetime.fromisoformat(now)))

asyncio.run(main(*sys.argv[1:]))
"""


def tomorrow() -> date:
    return datetime.now(PARIS).date() + timedelta(days=1)


def reminders_to(live_server: LiveServer, email: str) -> list[str]:
    return [
        m.body
        for m in read_outbox(live_server.data_dir / "outbox", limit=1000)
        if m.to == email and "/space/agenda" in m.body
    ]


def go_to_agenda(page: Page) -> None:
    press(page, "header a.nav-link[href='/space']")
    press(page, "main a[href='/space/agenda']")
    assert path_of(page) == "/space/agenda"


def move(page: Page, selector: str, javascript: bool) -> None:
    """Follow a link of the agenda: swapped in place with JavaScript, a whole page without."""
    if javascript:
        page.locator(selector).click()
        settle(page)
        expect(page.locator("#agenda-heading")).to_be_focused()
        check_axe(page)
    else:
        press(page, selector)


def add_an_appointment_tomorrow_reminded_the_day_before(page: Page) -> date:
    """The patient adds an appointment tomorrow at 10:30, reminded the day before; returns its day."""
    # When they add an appointment tomorrow at 10:30, reminded the day before by email
    press(page, "main a[href='/space/agenda/new']")
    day = tomorrow()
    page.locator("#date-day").fill(str(day.day))
    page.locator("#date-month").fill(str(day.month))
    page.locator("#date-year").fill(str(day.year))
    page.locator("#time").fill("10h30")
    page.locator("#title").fill(TITLE)
    page.locator("#with_whom").fill(WITH)
    page.locator("#where").fill(WHERE)
    page.locator("#remind_day").select_option("email")
    press(page, SAVE)
    # Then its page shows it, at 10:30, with its reminder
    assert APPOINTMENT.match(path_of(page)), page.url
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator("main .banner-success")).to_be_visible()
    expect(page.locator("main .summary-list")).to_contain_text("10:30")
    expect(page.locator("main .reminder-list li")).to_have_count(1)
    return day


def see_it_among_the_appointments_to_come(page: Page) -> None:
    """Back on the list, the patient sees the appointment among those to come."""
    # And the list shows it among the appointments to come
    press(page, "a.back-link")
    rows = page.locator("#agenda #upcoming .appointment-row")
    expect(rows).to_have_count(1)
    expect(rows.first.locator("h3 a")).to_have_text(TITLE)
    expect(rows.first).to_contain_text(WITH)


def run_the_reminder_task_twice(
    live_server: LiveServer, database_url: str | None, patient: Patient, day: date
) -> None:
    """The reminder task, run when due, sends one reminder saying when and nothing else; run again, none."""
    # When the reminder task runs at the time the reminder is due
    due = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=PARIS).replace(
        hour=10, minute=31
    )
    now = max(datetime.now(UTC), due.astimezone(UTC)).isoformat()
    assert reminders_to(live_server, patient.email) == []
    _run_in_server_environment(live_server, database_url, _SEND_REMINDERS, now)
    # Then the reminder is in the outbox, saying when, and nothing of what or with whom
    sent = reminders_to(live_server, patient.email)
    assert len(sent) == 1
    assert "10:30" in sent[0]
    for secret in ("cardiologue", "Lefèvre", "Saint-Joseph", "Marie"):
        assert secret not in sent[0]
    # And running the task again sends nothing more
    _run_in_server_environment(live_server, database_url, _SEND_REMINDERS, now)
    assert len(reminders_to(live_server, patient.email)) == 1


def look_at_the_month(page: Page, javascript: bool, day: date) -> str:
    """The patient looks at the month of the appointment: an accessible table; returns its caption."""
    # When they look at the month: an accessible table, tomorrow's day holding the appointment
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
    move(page, MONTH_LINK, javascript)
    assert path_of(page).startswith("/space/agenda/month?month="), page.url
    if day.day == 1:  # tomorrow is in next month
        move(page, NEXT, javascript)
    assert path_of(page) == f"/space/agenda/month?month={day:%Y-%m}"
    table = page.locator("#agenda table.month-table")
    expect(table.locator("thead th[scope=col]")).to_have_count(7)
    expect(table.locator("caption")).to_contain_text(str(day.year))
    expect(table.locator(".month-appointments a")).to_have_text(f"10:30 {TITLE}")
    return table.locator("caption").inner_text()


def move_to_the_next_month_and_back(page: Page, javascript: bool, day: date, caption: str) -> None:
    """The patient moves to the next month, empty, and back, the address following."""
    # And they move to the next month and back, the address following
    move(page, NEXT, javascript)
    following = (day.replace(day=28) + timedelta(days=4)).strftime("%Y-%m")
    assert path_of(page) == f"/space/agenda/month?month={following}"
    expect(page.locator("#agenda table.month-table caption")).not_to_have_text(caption)
    expect(page.locator("#agenda table.month-table .month-appointments a")).to_have_count(0)
    move(page, PREVIOUS, javascript)
    assert path_of(page) == f"/space/agenda/month?month={day:%Y-%m}"
    expect(page.locator("#agenda table.month-table caption")).to_have_text(caption)


def go_back_to_the_list(page: Page, javascript: bool, day: date) -> None:
    """The patient goes back to the list (in place with JavaScript, where Back gives the month again)."""
    # And back to the list
    move(page, LIST_LINK, javascript)
    assert path_of(page) == "/space/agenda"
    expect(page.locator("#agenda #upcoming .appointment-row")).to_have_count(1)
    if javascript:
        assert page.evaluate("() => window.stillTheSamePage === true"), "the agenda should change in place"
        # The browser's Back button goes to the month again (the page is loaded anew)
        page.go_back()
        expect(page.locator("#agenda table.month-table")).to_be_visible()
        assert path_of(page) == f"/space/agenda/month?month={day:%Y-%m}"


def open_the_appointment_from_the_month(page: Page, javascript: bool, day: date) -> None:
    """The patient opens the appointment from its link in the month."""
    # And a link of the month opens the appointment
    if not javascript:
        press(page, MONTH_LINK)
        if day.day == 1:
            press(page, NEXT)
    press(page, "#agenda table.month-table .month-appointments a")
    expect(page.locator("h1")).to_have_text(TITLE)


def test_an_appointment_with_a_reminder_the_day_before_reaches_the_outbox(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient on their agenda, which is empty
    patient = make_patient(live_server, database_url)
    sign_in(page, live_server, patient.email, patient.password)
    go_to_agenda(page)
    expect(page.locator("#agenda .appointment-row")).to_have_count(0)
    day = add_an_appointment_tomorrow_reminded_the_day_before(page)
    see_it_among_the_appointments_to_come(page)
    run_the_reminder_task_twice(live_server, database_url, patient, day)
    caption = look_at_the_month(page, javascript, day)
    move_to_the_next_month_and_back(page, javascript, day, caption)
    go_back_to_the_list(page, javascript, day)
    open_the_appointment_from_the_month(page, javascript, day)


def test_a_bad_time_is_explained_and_a_medicine_reminder_is_added_and_paused(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    patient = make_patient(live_server, database_url)
    sign_in(page, live_server, patient.email, patient.password)
    go_to_agenda(page)

    # A time that does not exist is explained at its field, and nothing typed is lost
    press(page, "main a[href='/space/agenda/new']")
    page.locator("#time").fill("25:70")
    page.locator("#title").fill(TITLE)
    if javascript:
        # With htmx the form comes back with its errors in place (the page is not reloaded).
        page.locator(SAVE).click()
        expect(page.locator(".error-summary")).to_be_visible()
        settle(page)
        check_axe(page)
    else:
        press(page, SAVE)
    expect(page.locator(".error-summary a[href='#time']")).to_be_visible()
    expect(page.locator("#time-error")).to_be_visible()
    expect(page.locator("#time")).to_have_value("25:70")
    expect(page.locator("#title")).to_have_value(TITLE)
    if javascript:
        expect(page.locator(".error-summary")).to_be_focused()

    # A medicine reminder, twice a day from today
    visit(page, "/space/agenda/medicines")
    press(page, "main a[href='/space/agenda/medicines/new']")
    page.locator("#medicine").fill("Kardegic")
    page.locator("#dose").fill("75 mg")
    page.locator("#times").fill("8h, 20:00")
    press(page, SAVE)
    assert path_of(page) == "/space/agenda/medicines?done=added"
    row = page.locator("main .medicine-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("08:00, 20:00")
    press(page, "main .medicine-row form[action$='/pause'] button")
    assert path_of(page) == "/space/agenda/medicines?done=paused"
    expect(page.locator("main .medicine-row form[action$='/resume']")).to_have_count(1)
