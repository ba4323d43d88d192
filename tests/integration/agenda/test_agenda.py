"""The agenda: appointments with their reminders (due times right across a change of summer
time), the list and month views (an accessible table; htmx parts), bad input, past visits,
changing and removing, medicine reminders, the reminder task (email, text message, never
twice, nothing that says what the appointment is), the iCalendar export, sealing at rest,
the audit trail, and the 404 for anyone else's appointment."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.agenda import changes, reminders, services
from portal.agenda.tables import Appointment, AppointmentReminder, MedicineReminder
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.tasks import run_due_tasks
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PARIS = ZoneInfo("Europe/Paris")
TITLE = "Cardiologue, résultats de l'échographie"
WITH = "Dr Lefèvre"
WHERE = "Hôpital Saint-Joseph, 3e étage"
NOTES = "Apporter l'ordonnance; la carte vitale, et le compte rendu\nde l'an dernier."
MOBILE = "+33612345678"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    account = make_person(app, given_names="Jeanne", family_name="Agenda")
    sign_in_as(app, account)
    return account


def _email_of(app: Any, account: uuid.UUID) -> str:
    async def go() -> str:
        from portal.accounts.services import read_identity

        identity = await read_identity(Keyring(TEST_MASTER_KEY), account)
        assert identity is not None and identity.email
        return identity.email

    result: str = run(app, go)
    return result


def _person_with_mobile(app: Any, *, email: bool = True) -> uuid.UUID:
    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            account = await create_account(
                Keyring(TEST_MASTER_KEY),
                Role.PATIENT,
                PersonIdentity(
                    family_name="Mobile",
                    given_names="Marc",
                    email=f"marc.{secrets.token_hex(4)}@example.org" if email else None,
                    mobile=MOBILE,
                ),
            )
            await Account.update({Account.status: "active", Account.code_channel: "email"}).where(
                Account.id == account
            )
            return account

    result: uuid.UUID = run(app, go)
    return result


def _form(app: Any, when: datetime, **fields: str) -> dict[str, str]:
    local = when.astimezone(PARIS)
    return {
        "_csrf_token": csrf(app),
        "date-day": str(local.day),
        "date-month": str(local.month),
        "date-year": str(local.year),
        "time": f"{local.hour}h{local.minute:02d}",
        "title": TITLE,
        "with_whom": WITH,
        "where": WHERE,
        "notes": NOTES,
        "remind_week": "",
        "remind_day": "",
        "remind_2h": "",
        "remind_1h": "",
        **fields,
    }


def _add(app: Any, when: datetime, **fields: str) -> uuid.UUID:
    response = app.post("/space/agenda/new", data=_form(app, when, **fields), follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/space/agenda/([0-9a-f-]{36})\?done=added", response.headers["location"])
    assert found, response.headers["location"]
    return uuid.UUID(found.group(1))


def _version(text: str) -> str:
    """The version an edit form carries (its one hidden ``version`` field)."""
    version = page(text).one('input[type="hidden"][name="version"]')["value"]
    assert version.isdigit(), version
    return version


def _reminders(app: Any, appointment: uuid.UUID) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = run(
        app,
        lambda: (
            AppointmentReminder.select()
            .where(AppointmentReminder.appointment == appointment)
            .order_by(AppointmentReminder.due_at)
        ),
    )
    return rows


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _events(app: Any, patient: uuid.UUID) -> list[tuple[str, str, str, str | None]]:
    return audit_events(app, "actor", "action", "outcome", "object_id", subject=patient, area="agenda")


def _outbox_to(app: Any, address: str) -> list[Any]:
    return [m for m in read_outbox(app.app.state.settings.outbox_dir, limit=1000) if m.to == address]


def _run_tasks(app: Any) -> list[str]:
    settings = app.app.state.settings
    lines: list[str] = run(app, lambda: run_due_tasks(settings, app.app.state.engine, TEST_MASTER_KEY))
    return lines


def _send_due(app: Any, now: datetime) -> reminders.Counts:
    settings = app.app.state.settings

    async def go() -> reminders.Counts:
        async with app.app.state.engine.transaction():
            return await reminders.send_due(settings, Keyring(TEST_MASTER_KEY), now)

    counts: reminders.Counts = run(app, go)
    return counts


# --------------------------------------------------------------------------- adding


def test_reminders_keep_their_hour_across_the_change_to_summer_time(app, patient):
    # Sunday 31 March 2030, the day the clocks go forward, at 10:30 in Paris (08:30 UTC).
    when = datetime(2030, 3, 31, 10, 30, tzinfo=PARIS)
    appointment = _add(
        app, when, remind_week="email", remind_day="email", remind_2h="email", remind_1h="email"
    )
    row = run(
        app, lambda: Appointment.select(Appointment.starts_at).where(Appointment.id == appointment).first()
    )
    assert _utc(row["starts_at"]) == datetime(2030, 3, 31, 8, 30, tzinfo=UTC)
    due = {r["minutes_before"]: _utc(r["due_at"]) for r in _reminders(app, appointment)}
    assert due == {
        # A week and a day before are counted on the calendar: 10:30 in winter time, 09:30 UTC.
        7 * 24 * 60: datetime(2030, 3, 24, 9, 30, tzinfo=UTC),
        24 * 60: datetime(2030, 3, 30, 9, 30, tzinfo=UTC),
        # Hours are real hours.
        120: datetime(2030, 3, 31, 6, 30, tzinfo=UTC),
        60: datetime(2030, 3, 31, 7, 30, tzinfo=UTC),
    }
    assert all(r["channel"] == "email" and r["sent_at"] is None for r in _reminders(app, appointment))
    # The appointment's page says it all, in words.
    said = page(app.get(f"/space/agenda/{appointment}?done=added")).summary()
    assert said["When"] == "Sunday 31 March 2030 at 10:30"
    assert "The day before, by email" in said["Reminders"] and "A week before, by email" in said["Reminders"]


def test_the_change_back_to_winter_time_too(app, patient):
    # Monday 28 October 2030, the day after the clocks go back: 09:00 is 08:00 UTC.
    when = datetime(2030, 10, 28, 9, 0, tzinfo=PARIS)
    appointment = _add(app, when, remind_day="email", remind_week="email")
    due = {r["minutes_before"]: _utc(r["due_at"]) for r in _reminders(app, appointment)}
    assert due == {
        24 * 60: datetime(2030, 10, 27, 8, 0, tzinfo=UTC),  # Sunday, already winter time
        7 * 24 * 60: datetime(2030, 10, 21, 7, 0, tzinfo=UTC),  # summer time: 09:00 is 07:00 UTC
    }


def test_the_list_and_month_views(app, patient):
    now = datetime.now(UTC)
    soon = _add(app, now + timedelta(days=3), title="Dentiste", remind_day="email")
    later = _add(app, now + timedelta(days=40), title="Kiné")
    gone = _add(app, now - timedelta(days=10), title="Prise de sang", confirm_past="1")

    listed = app.get("/space/agenda")
    assert listed.status_code == 200
    shown = page(listed)
    # Upcoming first, the soonest first; the past one only on request.
    rows = [link["href"] for link in shown.all(".appointment-row .row-title a")]
    assert rows == [f"/space/agenda/{soon}", f"/space/agenda/{later}"]
    assert (
        f"/space/agenda/{gone}" not in listed.text
        and shown.one("#show-past")["href"] == "/space/agenda?past=1"
    )
    soon_row = shown.text(f'.appointment-row:has(a[href="/space/agenda/{soon}"])')
    assert "The day before, by email" in soon_row and f"With {WITH}" in soon_row
    with_past = [
        link["href"] for link in page(app.get("/space/agenda?past=1")).all(".appointment-row .row-title a")
    ]
    assert with_past.index(f"/space/agenda/{later}") < with_past.index(f"/space/agenda/{gone}")
    assert with_past[-1] == f"/space/agenda/{gone}"

    # The month of the first appointment: an accessible table.
    local = (now + timedelta(days=3)).astimezone(PARIS)
    month = f"{local.year:04d}-{local.month:02d}"
    shown = page(app.get(f"/space/agenda/month?month={month}"))
    caption = shown.text("table.month-table caption")
    assert local.strftime("%B") in caption and str(local.year) in caption
    headers = shown.texts('table.month-table thead th[scope="col"]')
    assert len(headers) == 7 and "Monday" in headers[0] and "Sunday" in headers[6]
    weeks = shown.all("table.month-table tbody tr")
    assert all(len(week.select("td")) == 7 for week in weeks) and 4 <= len(weeks) <= 6
    # The appointment is in the cell of its day.
    cell = shown.one(f'table.month-table td.month-day:has(a[href="/space/agenda/{soon}"])')
    assert cell.select_one(".month-day-number").get_text(strip=True) == str(local.day)
    assert "Dentiste" in cell.get_text()
    # Previous and next months, by their number only (no health data in the address).
    previous = (local.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    following = (local.replace(day=28) + timedelta(days=5)).strftime("%Y-%m")
    months = [link["href"] for link in shown.all(".month-nav a")]
    assert f"/space/agenda/month?month={previous}" in months
    assert f"/space/agenda/month?month={following}" in months

    # Today is marked in words and for assistive technology, not by colour alone.
    today = datetime.now(PARIS).date()
    marked = page(app.get("/space/agenda/month")).one('[aria-current="date"]')
    assert marked.name == "td" and "month-today" in marked["class"]
    assert marked.select_one(".month-day-number").get_text(strip=True) == str(today.day)
    assert marked.select_one(".month-today-tag").get_text(strip=True) == "Today"
    # A month that is not a month is this month.
    assert len(page(app.get("/space/agenda/month?month=2027-13")).all('[aria-current="date"]')) == 1


def test_htmx_swaps_the_agenda_and_the_address_follows(app, patient):
    _add(app, datetime(2030, 6, 12, 15, 0, tzinfo=PARIS), title="Ophtalmo")
    part = app.get("/space/agenda/month?month=2030-06", headers={"HX-Request": "true"})
    assert part.status_code == 200
    assert "<html" not in part.text and part.text.lstrip().startswith('<div id="agenda"')
    fragment = page(part)
    assert "Ophtalmo" in fragment.text("div#agenda.agenda table.month-table")
    # Every link of the part swaps the agenda in place and pushes its address.
    swapping = fragment.all("a[hx-get]")
    links = [link["hx-get"] for link in swapping]
    assert "/space/agenda/month?month=2030-05" in links and "/space/agenda/month?month=2030-07" in links
    assert "/space/agenda" in links
    for link in swapping:
        assert (link["hx-target"], link["hx-push-url"], link["hx-swap"]) == ("#agenda", "true", "outerHTML")
    listed = app.get("/space/agenda", headers={"HX-Request": "true"})
    assert "<html" not in listed.text and page(listed).has("div#agenda #agenda-heading")
    # The whole page holds the same part.
    whole = app.get("/space/agenda/month?month=2030-06").text
    assert "<html" in whole and page(whole).has("main div#agenda.agenda table.month-table")


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date-day": "31", "date-month": "2", "date-year": "2027"}, "date"),
        ({"date-day": "", "date-month": "", "date-year": ""}, "date"),
        ({"time": "25:70"}, "time"),
        ({"time": "10:75"}, "time"),
        ({"time": "midi"}, "time"),
        ({"time": ""}, "time"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 121}, "title"),
    ],
)
def test_bad_appointments_are_explained_at_the_field_and_nothing_typed_is_lost(app, patient, fields, field):
    data = _form(app, datetime(2030, 5, 6, 9, 0, tzinfo=PARIS), remind_day="email", **fields)
    response = app.post("/space/agenda/new", data=data, follow_redirects=False)
    assert response.status_code == 400
    shown = page(response)
    error = shown.field_error(field)
    assert error
    # The summary links to the field (a date's first box), with the same words.
    assert shown.error_summary() == {f"{field}-day" if field == "date" else field: error}
    # Everything typed is there again.
    typed = shown.form_values('form[action="/space/agenda/new"]')
    assert typed["with_whom"] == WITH and typed["notes"] == NOTES
    assert typed["remind_day"] == "email"
    if field != "date":
        assert typed["date-year"] == "2030"
    assert run(app, lambda: Appointment.count().where(Appointment.patient == patient)) == 0


def test_a_past_appointment_asks_to_confirm_and_gets_no_reminder(app, patient):
    when = datetime.now(UTC) - timedelta(days=2)
    data = _form(app, when, remind_day="email", remind_1h="email")
    first = app.post("/space/agenda/new", data=data, follow_redirects=False)
    assert first.status_code == 200
    shown = page(first)
    assert shown.text(".warning-summary .warning-summary-title") == "This appointment is in the past"
    assert shown.has('form[action="/space/agenda/new"] input[name="confirm_past"]')
    assert shown.form_values('form[action="/space/agenda/new"]')["with_whom"] == WITH
    assert run(app, lambda: Appointment.count().where(Appointment.patient == patient)) == 0
    appointment = _add(app, when, remind_day="email", remind_1h="email", confirm_past="1")
    assert _reminders(app, appointment) == []


def test_a_reminder_whose_time_passed_before_a_coming_appointment_is_sent_at_once(app, patient):
    now = datetime.now(UTC)
    appointment = _add(
        app, now + timedelta(minutes=90), remind_2h="email", remind_day="email", remind_1h="email"
    )
    due = {r["minutes_before"]: _utc(r["due_at"]) for r in _reminders(app, appointment)}
    assert set(due) == {120, 24 * 60, 60}
    assert due[120] <= now + timedelta(minutes=1) and due[60] > now


# --------------------------------------------------------------------------- changing, removing


def test_changing_and_removing_an_appointment(app, patient):
    when = datetime(2030, 9, 10, 14, 0, tzinfo=PARIS)
    appointment = _add(app, when, remind_day="email", remind_1h="email")
    form = app.get(f"/space/agenda/{appointment}/change").text
    shown = page(form).form_values(f'form[action="/space/agenda/{appointment}/change"]')
    assert (shown["date-day"], shown["time"], shown["with_whom"]) == ("10", "14:00", WITH)
    assert shown["remind_day"] == "email" and shown["remind_1h"] == "email" and shown["remind_week"] == ""

    # A new time: the reminders follow it; one taken off is gone.
    data = _form(
        app,
        datetime(2030, 9, 11, 16, 30, tzinfo=PARIS),
        title="Cardiologue (déplacé)",
        remind_day="email",
        version=_version(form),
    )
    response = app.post(f"/space/agenda/{appointment}/change", data=data, follow_redirects=False)
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/space/agenda/{appointment}?done=changed"
    )
    rows = _reminders(app, appointment)
    assert [(r["minutes_before"], _utc(r["due_at"])) for r in rows] == [
        (24 * 60, datetime(2030, 9, 10, 14, 30, tzinfo=UTC))
    ]
    assert page(app.get(f"/space/agenda/{appointment}")).heading == "Cardiologue (déplacé)"

    # Bad input when changing: explained, and the appointment is as it was.
    bad = app.post(
        f"/space/agenda/{appointment}/change", data={**data, "time": "25:70"}, follow_redirects=False
    )
    assert bad.status_code == 400 and page(bad).field_error("time")
    assert page(bad).form_values(f'form[action="/space/agenda/{appointment}/change"]')["time"] == "25:70"

    confirm = app.get(f"/space/agenda/{appointment}/remove")
    assert confirm.status_code == 200
    gone = app.post(
        f"/space/agenda/{appointment}/remove",
        data={"_csrf_token": csrf(app), "version": _version(confirm.text)},
        follow_redirects=False,
    )
    assert gone.status_code == 303 and gone.headers["location"] == "/space/agenda?done=removed"
    assert run(app, lambda: Appointment.count().where(Appointment.id == appointment)) == 0
    assert _reminders(app, appointment) == []
    assert app.get(f"/space/agenda/{appointment}").status_code == 404


def test_another_patients_appointment_is_not_found(app, patient):
    appointment = _add(app, datetime(2030, 2, 2, 10, 0, tzinfo=PARIS))
    medicine = app.post(
        "/space/agenda/medicines/new",
        data={
            "_csrf_token": csrf(app),
            "medicine": "Kardegic",
            "times": "08:00",
            "first-day": "1",
            "first-month": "1",
            "first-year": "2030",
            "channel": "email",
        },
        follow_redirects=False,
    )
    assert medicine.status_code == 303
    reminder = run(
        app,
        lambda: (
            MedicineReminder.select(MedicineReminder.id).where(MedicineReminder.patient == patient).first()
        ),
    )["id"]
    other = make_person(app, given_names="Paul", family_name="Autre")
    app.cookies.clear()
    sign_in_as(app, other)
    token = csrf(app)
    for path in (
        f"/space/agenda/{appointment}",
        f"/space/agenda/{appointment}/change",
        f"/space/agenda/{appointment}/remove",
        f"/space/agenda/medicines/{reminder}/remove",
    ):
        assert app.get(path).status_code == 404, path
    for path in (
        f"/space/agenda/{appointment}/remove",
        f"/space/agenda/{appointment}/change",
        f"/space/agenda/medicines/{reminder}/pause",
        f"/space/agenda/medicines/{reminder}/remove",
    ):
        assert (
            app.post(
                path, data={"_csrf_token": token, **_form(app, datetime(2030, 2, 2, 10, 0, tzinfo=PARIS))}
            ).status_code
            == 404
        ), path
    assert run(app, lambda: Appointment.count().where(Appointment.id == appointment)) == 1
    assert run(app, lambda: MedicineReminder.count().where(MedicineReminder.id == reminder)) == 1
    assert TITLE not in app.get("/space/agenda").text
    # The refusals are kept in the other person's trail.
    denied = [e for e in _events(app, other) if e[2] == "denied"]
    assert (key_owner(other), "read", "denied", f"appointment:{appointment}") in denied
    assert (key_owner(other), "write", "denied", f"medicine-reminder:{reminder}") in denied
    # A professional has no agenda.
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Docteur", profession="general_practitioner"
    )
    app.cookies.clear()
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert app.get("/space/agenda").status_code == 404
    assert app.get(f"/space/agenda/{appointment}").status_code == 404


# --------------------------------------------------------------------------- at rest, audit


def test_what_an_appointment_and_a_medicine_say_is_sealed_at_rest(app, patient):
    appointment = _add(app, datetime(2030, 4, 4, 11, 0, tzinfo=PARIS))
    app.post(
        "/space/agenda/medicines/new",
        data={
            "_csrf_token": csrf(app),
            "medicine": "Lévothyrox",
            "dose": "75 microgrammes",
            "times": "07:30",
            "first-day": "1",
            "first-month": "1",
            "first-year": "2030",
            "channel": "email",
            "note": "à jeun",
        },
    )

    async def raw() -> str:
        rows = await Appointment.raw("SELECT * FROM appointment WHERE patient = {}", patient)
        rows += await MedicineReminder.raw("SELECT * FROM medicine_reminder WHERE patient = {}", patient)
        rows += await AppointmentReminder.raw(
            "SELECT * FROM appointment_reminder WHERE patient = {}", patient
        )
        parts = []
        for row in rows:
            for value in row.values():
                parts.append(
                    bytes(value).decode("latin-1") if isinstance(value, (bytes, memoryview)) else str(value)
                )
        return "\n".join(parts)

    stored = run(app, raw)
    assert str(appointment) in stored and "07:30" in stored  # the rows are there
    for secret in (
        "Cardiologue",
        "Lefèvre",
        "Lef",
        "Saint-Joseph",
        "ordonnance",
        "Lévothyrox",
        "thyrox",
        "microgrammes",
        "jeun",
    ):
        assert secret not in stored, secret


def test_every_view_and_change_is_audited(app, patient):
    me = key_owner(patient)

    def post(path: str, data: dict[str, str]) -> None:
        assert (
            app.post(path, data={"_csrf_token": csrf(app), **data}, follow_redirects=False).status_code == 303
        )

    app.get("/space/agenda")
    app.get("/space/agenda/month?month=2030-04")
    appointment = _add(app, datetime(2030, 4, 4, 11, 0, tzinfo=PARIS))
    app.get(f"/space/agenda/{appointment}")
    post(
        f"/space/agenda/{appointment}/change",
        _form(app, datetime(2030, 4, 5, 11, 0, tzinfo=PARIS), version="1"),
    )
    app.get("/space/agenda.ics")
    medicine = {
        "medicine": "Doliprane",
        "times": "12:00",
        "first-day": "1",
        "first-month": "1",
        "first-year": "2030",
        "channel": "email",
    }
    post("/space/agenda/medicines/new", medicine)
    app.get("/space/agenda/medicines")
    reminder = run(
        app,
        lambda: (
            MedicineReminder.select(MedicineReminder.id).where(MedicineReminder.patient == patient).first()
        ),
    )["id"]
    post(f"/space/agenda/medicines/{reminder}/pause", {})
    post(f"/space/agenda/medicines/{reminder}/resume", {})
    post(f"/space/agenda/medicines/{reminder}/remove", {"version": "3"})  # paused and resumed: 3
    post(f"/space/agenda/{appointment}/remove", {"version": "2"})
    events = _events(app, patient)
    assert all(actor == me and outcome == "allowed" for actor, _, outcome, _ in events)
    actions = [action for _, action, _, _ in events]
    assert actions == [
        "agenda.view",
        "agenda.view",
        "appointment.add",
        "appointment.view",
        "appointment.change",
        "agenda.export",
        "medicine_reminder.add",
        "medicine_reminder.view",
        "medicine_reminder.pause",
        "medicine_reminder.resume",
        "medicine_reminder.remove",
        "appointment.remove",
    ]
    assert (me, "appointment.add", "allowed", f"appointment:{appointment}") in events


# --------------------------------------------------------------------------- medicine reminders


def test_medicine_reminders_are_added_paused_resumed_and_removed(app, patient):
    new = app.get("/space/agenda/medicines/new")
    today = datetime.now(PARIS).date()
    assert page(new).form_values('form[action="/space/agenda/medicines/new"]')["first-year"] == str(
        today.year
    )
    assert 'value="sms"' not in new.text  # no mobile number: no text messages
    response = app.post(
        "/space/agenda/medicines/new",
        data={
            "_csrf_token": csrf(app),
            "medicine": "Kardegic",
            "dose": "1 sachet",
            "times": "20h, 8:00",
            "first-day": str(today.day),
            "first-month": str(today.month),
            "first-year": str(today.year),
            "channel": "email",
        },
        follow_redirects=False,
    )
    assert (
        response.status_code == 303 and response.headers["location"] == "/space/agenda/medicines?done=added"
    )
    row = run(app, lambda: MedicineReminder.select().where(MedicineReminder.patient == patient).first())
    assert row["times"] == "08:00,20:00" and row["first_day"] == today.isoformat() and row["last_day"] is None
    assert row["active"] and row["time_zone"] == "Europe/Paris"
    now = datetime.now(UTC)
    next_due = _utc(row["next_due_at"])
    assert now < next_due <= now + timedelta(hours=24)
    assert next_due.astimezone(PARIS).strftime("%H:%M") in ("08:00", "20:00")
    listed = page(app.get("/space/agenda/medicines")).text(f"#medicine-{row['id']}")
    assert "Kardegic" in listed and "08:00, 20:00" in listed

    reminder = row["id"]
    assert (
        app.post(
            f"/space/agenda/medicines/{reminder}/pause",
            data={"_csrf_token": csrf(app)},
            follow_redirects=False,
        ).status_code
        == 303
    )
    paused = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == reminder).first())
    assert not paused["active"] and paused["next_due_at"] is None
    assert page(app.get("/space/agenda/medicines")).has(
        f'form[action="/space/agenda/medicines/{reminder}/resume"]'
    )
    app.post(f"/space/agenda/medicines/{reminder}/resume", data={"_csrf_token": csrf(app)})
    resumed = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == reminder).first())
    assert resumed["active"] and _utc(resumed["next_due_at"]) == next_due
    confirm = app.get(f"/space/agenda/medicines/{reminder}/remove")
    assert confirm.status_code == 200
    app.post(
        f"/space/agenda/medicines/{reminder}/remove",
        data={"_csrf_token": csrf(app), "version": _version(confirm.text)},
    )
    assert run(app, lambda: MedicineReminder.count().where(MedicineReminder.id == reminder)) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"times": ""}, "times"),
        ({"times": "25:70"}, "times"),
        ({"times": "1, 2, 3, 4, 5, 6, 7"}, "times"),
        ({"medicine": ""}, "medicine"),
        ({"first-day": "31", "first-month": "2", "first-year": "2027"}, "first"),
        ({"last-day": "1", "last-month": "1", "last-year": "2029"}, "last"),
        ({"last-day": "1", "last-month": "", "last-year": "2031"}, "last"),
    ],
)
def test_bad_medicine_reminders_are_explained_and_nothing_typed_is_lost(app, patient, fields, field):
    data = {
        "_csrf_token": csrf(app),
        "medicine": "Kardegic",
        "dose": "1 sachet",
        "times": "08:00",
        "first-day": "1",
        "first-month": "3",
        "first-year": "2030",
        "channel": "email",
        "note": "après le repas",
        **fields,
    }
    response = app.post("/space/agenda/medicines/new", data=data, follow_redirects=False)
    assert response.status_code == 400
    shown = page(response)
    assert shown.field_error(field)
    typed = shown.form_values('form[action="/space/agenda/medicines/new"]')
    assert typed["dose"] == "1 sachet" and typed["note"] == "après le repas"
    if field != "times":
        assert typed["times"] == data["times"]
    assert run(app, lambda: MedicineReminder.count().where(MedicineReminder.patient == patient)) == 0


# --------------------------------------------------------------------------- the reminder task


def test_the_task_sends_a_due_reminder_once_and_says_nothing_of_the_appointment(app, patient):
    email = _email_of(app, patient)
    now = datetime.now(UTC)
    appointment = _add(app, now + timedelta(minutes=90), remind_2h="email", remind_1h="email")
    assert _outbox_to(app, email) == []
    lines = _run_tasks(app)
    assert any(line.startswith("send agenda reminders: ") for line in lines), lines
    sent = _outbox_to(app, email)
    assert len(sent) == 1
    message = sent[0]
    assert message.subject == "A reminder from your health space"
    starts = (now + timedelta(minutes=90)).astimezone(PARIS)
    assert f"at {starts:%H:%M}" in message.body and "/space/agenda" in message.body
    assert message.body.startswith("You have an appointment on ")
    for secret in ("Cardiologue", "chographie", "Lefèvre", "Saint-Joseph", "ordonnance", "Jeanne"):
        assert secret not in message.body and secret not in message.subject
    rows = {r["minutes_before"]: r for r in _reminders(app, appointment)}
    assert rows[120]["sent_at"] is not None and rows[60]["sent_at"] is None
    # Again: nothing more.
    _run_tasks(app)
    assert len(_outbox_to(app, email)) == 1
    assert (
        "system",
        "reminder.send",
        "allowed",
        f"appointment:{appointment}",
    ) in _events(app, patient)
    # The page says it was sent.
    assert "(sent)" in page(app.get(f"/space/agenda/{appointment}")).summary()["Reminders"]


def test_a_text_message_goes_to_the_mobile_and_falls_back_to_email_without_one(app):
    person = _person_with_mobile(app)
    sign_in_as(app, person)
    form = app.get("/space/agenda/new").text
    assert '<option value="sms">' in form
    now = datetime.now(UTC)
    _add(app, now + timedelta(minutes=90), remind_2h="sms")
    before = len(_outbox_to(app, MOBILE))
    _send_due(app, now + timedelta(minutes=1))
    texts = _outbox_to(app, MOBILE)
    assert len(texts) == before + 1
    assert texts[0].subject == "SMS" and texts[0].body.startswith("You have an appointment on ")
    assert "Cardiologue" not in texts[0].body
    assert _outbox_to(app, _email_of(app, person)) == []

    # Someone with no mobile who somehow has a text message reminder gets an email.
    plain = make_person(app, given_names="Lise", family_name="Sansmobile")

    async def add() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            return await changes.add_appointment(
                Keyring(TEST_MASTER_KEY),
                patient=plain,
                author=plain,
                starts_at=now + timedelta(minutes=90),
                details=services.Details(title="Radio"),
                choices=[services.Choice(120, "sms")],
                zone="Europe/Paris",
            )

    run(app, add)
    _send_due(app, now + timedelta(minutes=1))
    emailed = _outbox_to(app, _email_of(app, plain))
    assert len(emailed) == 1 and "Radio" not in emailed[0].body


def test_a_reminder_of_an_appointment_long_gone_is_marked_sent_without_sending(app, patient):
    email = _email_of(app, patient)
    now = datetime.now(UTC)

    async def add() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            return await changes.add_appointment(
                Keyring(TEST_MASTER_KEY),
                patient=patient,
                author=patient,
                starts_at=now - timedelta(days=3),
                details=services.Details(title="Oubliée"),
                choices=[services.Choice(60, "email")],
                zone="Europe/Paris",
                now=now - timedelta(days=5),  # made while the task runner was stopped
            )

    appointment = run(app, add)
    counts = _send_due(app, now)
    assert counts.skipped >= 1
    assert _reminders(app, appointment)[0]["sent_at"] is not None
    assert _outbox_to(app, email) == []


def test_medicine_reminders_are_sent_then_move_on_and_stop_after_the_last_day(app, patient):
    email = _email_of(app, patient)
    today = datetime.now(PARIS).date()
    yesterday = today - timedelta(days=1)
    app.post(
        "/space/agenda/medicines/new",
        data={
            "_csrf_token": csrf(app),
            "medicine": "Metformine",
            "times": "08:00, 20:00",
            "first-day": str(yesterday.day),
            "first-month": str(yesterday.month),
            "first-year": str(yesterday.year),
            "last-day": str(today.day),
            "last-month": str(today.month),
            "last-year": str(today.year),
            "channel": "email",
        },
    )
    row = run(app, lambda: MedicineReminder.select().where(MedicineReminder.patient == patient).first())
    reminder = row["id"]
    # Due yesterday evening at 20:00 (Paris): sent when the task runs just after.
    due = datetime.combine(yesterday, datetime.min.time().replace(hour=20), tzinfo=PARIS).astimezone(UTC)
    run(
        app,
        lambda: MedicineReminder.update({MedicineReminder.next_due_at: due}).where(
            MedicineReminder.id == reminder
        ),
    )
    assert _send_due(app, due + timedelta(minutes=2)).sent >= 1
    sent = _outbox_to(app, email)
    assert len(sent) == 1
    assert sent[0].subject == "A reminder from your health space"
    assert sent[0].body.startswith("It is time for your 20:00 medicine reminder.")
    assert "Metformine" not in sent[0].body and "/space/agenda/medicines" in sent[0].body
    moved = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == reminder).first())
    assert _utc(moved["next_due_at"]) == datetime.combine(
        today, datetime.min.time().replace(hour=8), tzinfo=PARIS
    ).astimezone(UTC)
    # Not twice.
    _send_due(app, due + timedelta(minutes=3))
    assert len(_outbox_to(app, email)) == 1
    # Today at 20:00, the last time of the last day: sent, then the reminder stops.
    last = datetime.combine(today, datetime.min.time().replace(hour=20), tzinfo=PARIS).astimezone(UTC)
    run(
        app,
        lambda: MedicineReminder.update({MedicineReminder.next_due_at: last}).where(
            MedicineReminder.id == reminder
        ),
    )
    _send_due(app, last + timedelta(minutes=1))
    assert len(_outbox_to(app, email)) == 2
    ended = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == reminder).first())
    assert not ended["active"] and ended["next_due_at"] is None
    # A reminder more than an hour late is not sent (it could make someone take it twice).
    late = datetime.now(UTC) - timedelta(hours=3)
    run(
        app,
        lambda: MedicineReminder.update(
            {
                MedicineReminder.next_due_at: late,
                MedicineReminder.active: True,
                MedicineReminder.last_day: None,
            }
        ).where(MedicineReminder.id == reminder),
    )
    _send_due(app, datetime.now(UTC))
    assert len(_outbox_to(app, email)) == 2
    after = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == reminder).first())
    assert after["active"] and _utc(after["next_due_at"]) > datetime.now(UTC)


# --------------------------------------------------------------------------- iCalendar


def test_the_agenda_exports_as_an_icalendar_file(app, patient):
    long_notes = "Questions : " + "; ".join(f"point numéro {n}, à voir" for n in range(12))
    appointment = _add(app, datetime(2030, 7, 1, 10, 30, tzinfo=PARIS), notes=long_notes, remind_day="email")
    app.post(
        "/space/agenda/medicines/new",
        data={
            "_csrf_token": csrf(app),
            "medicine": "Kardegic",
            "dose": "75 mg",
            "times": "08:00, 20:00",
            "first-day": "1",
            "first-month": "1",
            "first-year": "2030",
            "last-day": "31",
            "last-month": "12",
            "last-year": "2030",
            "channel": "email",
        },
    )
    response = app.get("/space/agenda.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"].startswith('attachment; filename="agenda.ics"')
    raw = response.content
    assert all(len(line) <= 75 for line in raw.split(b"\r\n")), "lines are folded at 75 octets"
    assert b"\\;" in raw and b"\\," in raw  # escaped
    calendar = Calendar.from_ical(raw)
    events = {str(event["uid"]): event for event in calendar.walk("VEVENT")}
    event = events[f"appointment-{appointment}@agenda.portal"]
    assert str(event["summary"]) == TITLE
    assert str(event["location"]) == WHERE
    assert long_notes in str(event["description"]) and WITH in str(event["description"])
    start = event.decoded("dtstart")
    assert start == datetime(2030, 7, 1, 10, 30, tzinfo=PARIS) and start.utcoffset() == timedelta(hours=2)
    alarms = event.walk("VALARM")
    assert [alarm.decoded("trigger") for alarm in alarms] == [timedelta(days=-1)]
    medicines = [e for e in events.values() if str(e["uid"]).startswith("medicine-")]
    assert len(medicines) == 2
    for medicine in medicines:
        assert medicine["rrule"]["FREQ"] == ["DAILY"] and "UNTIL" in medicine["rrule"]
        assert str(medicine["summary"]) == "Kardegic, 75 mg"
    assert sorted(m.decoded("dtstart").strftime("%H:%M") for m in medicines) == ["08:00", "20:00"]
    assert any(tz["tzid"] == "Europe/Paris" for tz in calendar.walk("VTIMEZONE"))
