"""The agenda through the one door: a carer's appointments and medicine reminders are hers
and say so, a carer with the agenda read only reads it and writes nothing, a carer without
it finds no page of it; no lost update on any edit form (appointments, medicine reminders,
removals), with and without htmx; every number of an address or a form is bounded."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.agenda.tables import Appointment, MedicineReminder
from portal.core.keys import key_owner
from tests.conftest import csrf
from tests.html import page
from tests.people import SecondBrowser, act_for, delegate, make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PARIS = ZoneInfo("Europe/Paris")
HTMX = {"HX-Request": "true"}
WHEN = datetime(2030, 9, 10, 14, 0, tzinfo=PARIS)


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    return make_person(app, given_names="Jeanne", family_name="Dupont")


@pytest.fixture
def carer(app: Any) -> uuid.UUID:
    return make_person(app, given_names="Claire", family_name="Dupont")


def _appointment_form(app: Any, when: datetime = WHEN, /, **fields: str) -> dict[str, str]:
    local = when.astimezone(PARIS)
    return {
        "_csrf_token": csrf(app),
        "date-day": str(local.day),
        "date-month": str(local.month),
        "date-year": str(local.year),
        "time": f"{local.hour}:{local.minute:02d}",
        "title": "Cardiologue",
        "with_whom": "Dr Lefèvre",
        "where": "Hôpital Saint-Joseph",
        "notes": "",
        "remind_week": "",
        "remind_day": "email",
        "remind_2h": "",
        "remind_1h": "",
        **fields,
    }


def _medicine_form(app: Any, **fields: str) -> dict[str, str]:
    return {
        "_csrf_token": csrf(app),
        "medicine": "Kardegic",
        "dose": "75 mg",
        "times": "08:00",
        "first-day": "1",
        "first-month": "1",
        "first-year": "2030",
        "channel": "email",
        "note": "",
        **fields,
    }


def _add(app: Any, **fields: str) -> uuid.UUID:
    response = app.post("/space/agenda/new", data=_appointment_form(app, **fields), follow_redirects=False)
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/space/agenda/([0-9a-f-]{36})\?done=added", response.headers["location"])
    assert found
    return uuid.UUID(found.group(1))


def _add_medicine(app: Any, patient: uuid.UUID, **fields: str) -> uuid.UUID:
    response = app.post(
        "/space/agenda/medicines/new", data=_medicine_form(app, **fields), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    row = run(
        app,
        lambda: (
            MedicineReminder.select(MedicineReminder.id)
            .where(MedicineReminder.patient == patient)
            .order_by(MedicineReminder.created_at, ascending=False)
            .first()
        ),
    )
    return uuid.UUID(str(row["id"]))


def _version(text: str) -> str:
    """The version the page's one form carries (its hidden ``version`` field)."""
    version = page(text).one('input[type="hidden"][name="version"]')["value"]
    assert version.isdigit(), version
    return version


def _input(text: str, name: str) -> str:
    """What the page's one text box ``name`` holds."""
    return page(text).one(f'input#{name}[type="text"][name="{name}"]')["value"]


def _appointment(app: Any, appointment: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] = run(app, lambda: Appointment.select().where(Appointment.id == appointment).first())
    return row


def _agenda_events(app: Any, patient: uuid.UUID) -> list[tuple[str, str, str]]:
    return audit_events(app, "actor", "action", "outcome", subject=patient, area="agenda")


# --------------------------------------------------------------------------- authors


def test_what_a_carer_adds_is_hers_and_says_so_to_the_patient(app, patient, carer):
    delegate(app, patient, carer, "agenda:write", relation="daughter")
    act_for(app, carer, patient)
    appointment = _add(app, title="Kiné")
    medicine = _add_medicine(app, patient)
    assert _appointment(app, appointment)["created_by"] == carer
    row = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == medicine).first())
    assert row["created_by"] == carer and row["patient"] == patient
    # The carer's own entries say "you" on their page, and nothing in the lists.
    assert page(app.get(f"/space/agenda/{appointment}")).text(".appointment-author") == "Added by you"
    assert "Added by" not in page(app.get("/space/agenda")).text()
    # Done by the carer, in the patient's agenda (the audit trail names the carer).
    assert (key_owner(carer), "appointment.add", "allowed") in _agenda_events(app, patient)
    assert (key_owner(carer), "medicine_reminder.add", "allowed") in _agenda_events(app, patient)

    app.cookies.clear()
    sign_in_as(app, patient)
    mine = _add(app, title="Dentiste")
    listing = page(app.get("/space/agenda"))
    # The patient's own say nothing in the list.
    assert listing.texts(".appointment-row .appointment-author") == ["Added by your daughter Claire Dupont"]
    assert listing.text("main").count("Added by") == 1
    author = ".appointment-author"
    assert (
        page(app.get(f"/space/agenda/{appointment}")).text(author) == "Added by your daughter Claire Dupont"
    )
    assert page(app.get(f"/space/agenda/{mine}")).text(author) == "Added by you"
    medicines = page(app.get("/space/agenda/medicines"))
    assert medicines.text(f"#medicine-{medicine} .medicine-author") == "Added by your daughter Claire Dupont"


# --------------------------------------------------------------------------- what a carer may do


def _every_page(appointment: uuid.UUID, medicine: uuid.UUID) -> tuple[list[str], list[str]]:
    reading = [
        "/space/agenda",
        "/space/agenda/month",
        "/space/agenda.ics",
        f"/space/agenda/{appointment}",
        "/space/agenda/medicines",
    ]
    writing = [
        "/space/agenda/new",
        f"/space/agenda/{appointment}/change",
        f"/space/agenda/{appointment}/remove",
        "/space/agenda/medicines/new",
        f"/space/agenda/medicines/{medicine}/change",
        f"/space/agenda/medicines/{medicine}/remove",
    ]
    return reading, writing


def _posts(appointment: uuid.UUID, medicine: uuid.UUID) -> list[str]:
    return [
        "/space/agenda/new",
        f"/space/agenda/{appointment}/change",
        f"/space/agenda/{appointment}/remove",
        "/space/agenda/medicines/new",
        f"/space/agenda/medicines/{medicine}/change",
        f"/space/agenda/medicines/{medicine}/pause",
        f"/space/agenda/medicines/{medicine}/resume",
        f"/space/agenda/medicines/{medicine}/remove",
    ]


def test_a_carer_with_the_agenda_read_only_reads_it_and_writes_nothing(app, patient, carer):
    sign_in_as(app, patient)
    appointment = _add(app)
    medicine = _add_medicine(app, patient)
    before = (_appointment(app, appointment), run(app, lambda: MedicineReminder.select()))
    delegate(app, patient, carer, "agenda:read")
    act_for(app, carer, patient)
    reading, writing = _every_page(appointment, medicine)
    for path in reading:
        assert app.get(path).status_code == 200, path
    # Nothing offers to write.
    page = app.get(f"/space/agenda/{appointment}").text
    assert (
        f"/space/agenda/{appointment}/change" not in page
        and f"/space/agenda/{appointment}/remove" not in page
    )
    assert 'href="/space/agenda/new"' not in app.get("/space/agenda").text
    medicines = app.get("/space/agenda/medicines").text
    assert (
        "/pause" not in medicines
        and "/remove" not in medicines
        and "/space/agenda/medicines/new" not in medicines
    )
    # And writing is refused like a missing page, audited.
    for path in writing:
        assert app.get(path).status_code == 404, path
    form = {**_appointment_form(app, title="Changé"), **_medicine_form(app), "version": "1"}
    for path in _posts(appointment, medicine):
        assert app.post(path, data=form, follow_redirects=False).status_code == 404, path
    assert (_appointment(app, appointment), run(app, lambda: MedicineReminder.select())) == before
    assert run(app, lambda: Appointment.count().where(Appointment.patient == patient)) == 1
    assert (key_owner(carer), "write", "denied") in _agenda_events(app, patient)


def test_a_carer_without_the_agenda_finds_no_page_of_it(app, patient, carer):
    sign_in_as(app, patient)
    appointment = _add(app)
    medicine = _add_medicine(app, patient)
    delegate(app, patient, carer, "documents:write,notes:write,profile:write")
    act_for(app, carer, patient)
    reading, writing = _every_page(appointment, medicine)
    for path in [*reading, *writing, "/space/agenda/month?month=2030-09"]:
        response = app.get(path)
        assert response.status_code == 404, path
        assert "Cardiologue" not in response.text and "Kardegic" not in response.text
    form = {**_appointment_form(app), **_medicine_form(app), "version": "1"}
    for path in _posts(appointment, medicine):
        assert app.post(path, data=form, follow_redirects=False).status_code == 404, path
    assert run(app, lambda: Appointment.count().where(Appointment.patient == patient)) == 1
    denied = [e for e in _agenda_events(app, patient) if e[0] == key_owner(carer)]
    assert denied and all(outcome == "denied" for _, _, outcome in denied)


# --------------------------------------------------------------------------- no lost update


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_an_appointment_changed_meanwhile_is_not_saved_over(app, make_client, patient, carer, htmx):
    delegate(app, patient, carer, "agenda:write", relation="daughter")
    sign_in_as(app, patient)
    appointment = _add(app, title="Cardiologue")
    form = app.get(f"/space/agenda/{appointment}/change").text
    read_at = _version(form)
    # Meanwhile, the daughter moves it and says so.
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    theirs = other.get(f"/space/agenda/{appointment}/change").text
    moved = other.post(
        f"/space/agenda/{appointment}/change",
        data=_appointment_form(other, title="Cardiologue (avancé)", time="9:15", version=_version(theirs)),
        follow_redirects=False,
    )
    assert moved.status_code == 303
    # The patient saves the form read before: nothing is saved over the daughter's change.
    mine = _appointment_form(app, title="Cardiologue, apporter les résultats", version=read_at)
    response = app.post(
        f"/space/agenda/{appointment}/change",
        data=mine,
        headers=HTMX if htmx else None,
        follow_redirects=False,
    )
    assert response.status_code == 409
    text = response.text
    assert "<main" in text  # with htmx, the page whose main part is swapped
    shown = page(text)
    assert shown.text("#conflict-title") == "Someone changed this while you were writing"
    # Both: what is saved now, and what was typed (in the form, with the version saved now).
    saved = shown.text(".summary-list")
    assert "Cardiologue (avancé)" in saved and "09:15" in saved
    assert _input(text, "title") == "Cardiologue, apporter les résultats"
    assert _input(text, "time") == "14:00"
    assert _version(text) == "2" and read_at == "1"
    assert shown.links("main")["Keep what is saved"] == f"/space/agenda/{appointment}"
    row = _appointment(app, appointment)
    assert row["version"] == 2 and row["created_by"] == patient
    # Sending it again keeps what was typed, on purpose.
    again = app.post(
        f"/space/agenda/{appointment}/change",
        data={**mine, "version": _version(text)},
        follow_redirects=False,
    )
    assert again.status_code == 303
    assert "Cardiologue, apporter les résultats" in app.get(f"/space/agenda/{appointment}").text
    assert _appointment(app, appointment)["version"] == 3


def test_a_form_of_unknown_age_or_a_number_too_large_is_never_saved_over(app, patient):
    sign_in_as(app, patient)
    appointment = _add(app)
    for version in (None, "", "abc", "99999999999999999999999", "-1"):
        data = _appointment_form(app, title="Sans version")
        if version is not None:
            data["version"] = version
        response = app.post(f"/space/agenda/{appointment}/change", data=data, follow_redirects=False)
        assert response.status_code == 409, version
    assert "Sans version" not in app.get(f"/space/agenda/{appointment}").text
    assert _appointment(app, appointment)["version"] == 1


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_medicine_reminder_is_changed_and_a_change_meanwhile_is_not_saved_over(
    app, make_client, patient, carer, htmx
):
    delegate(app, patient, carer, "agenda:write")
    sign_in_as(app, patient)
    medicine = _add_medicine(app, patient)
    form = app.get(f"/space/agenda/medicines/{medicine}/change")
    assert form.status_code == 200
    assert _input(form.text, "medicine") == "Kardegic" and _input(form.text, "times") == "08:00"
    read_at = _version(form.text)
    # The carer pauses it meanwhile: the version moves on.
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    paused = other.post(
        f"/space/agenda/medicines/{medicine}/pause", data={"_csrf_token": csrf(other)}, follow_redirects=False
    )
    assert paused.status_code == 303
    mine = _medicine_form(app, dose="160 mg", times="08:00, 20:00", version=read_at)
    response = app.post(
        f"/space/agenda/medicines/{medicine}/change",
        data=mine,
        headers=HTMX if htmx else None,
        follow_redirects=False,
    )
    assert response.status_code == 409
    shown = page(response)
    assert shown.text("#conflict-title") == "Someone changed this while you were writing"
    saved = shown.text(".summary-list")
    assert "Paused" in saved and "75 mg" in saved
    assert _input(response.text, "dose") == "160 mg" and _input(response.text, "times") == "08:00, 20:00"
    assert _version(response.text) == "2"
    row = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == medicine).first())
    assert row["times"] == "08:00" and not row["active"]
    # Again, on purpose: saved, and still paused (a change does not start it again).
    again = app.post(
        f"/space/agenda/medicines/{medicine}/change",
        data={**mine, "version": _version(response.text)},
        follow_redirects=False,
    )
    assert again.status_code == 303 and again.headers["location"].startswith(
        "/space/agenda/medicines?done=changed"
    )
    row = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == medicine).first())
    assert row["times"] == "08:00,20:00" and not row["active"] and row["next_due_at"] is None
    assert row["version"] == 3 and row["created_by"] == patient
    assert "160 mg" in page(app.get("/space/agenda/medicines")).text(f"#medicine-{medicine}")


def test_a_changed_medicine_reminder_moves_its_next_time(app, patient):
    sign_in_as(app, patient)
    today = datetime.now(PARIS).date()
    medicine = _add_medicine(
        app,
        patient,
        **{"first-day": str(today.day), "first-month": str(today.month), "first-year": str(today.year)},
    )
    form = app.get(f"/space/agenda/medicines/{medicine}/change").text
    bad = app.post(
        f"/space/agenda/medicines/{medicine}/change",
        data=_medicine_form(app, times="25:99", version=_version(form)),
        follow_redirects=False,
    )
    assert bad.status_code == 400 and page(bad).field_error("times") and _version(bad.text) == "1"
    changed = app.post(
        f"/space/agenda/medicines/{medicine}/change",
        data=_medicine_form(
            app,
            times="21:30",
            version=_version(form),
            **{"first-day": str(today.day), "first-month": str(today.month), "first-year": str(today.year)},
        ),
        follow_redirects=False,
    )
    assert changed.status_code == 303
    row = run(app, lambda: MedicineReminder.select().where(MedicineReminder.id == medicine).first())
    due = row["next_due_at"]
    due = due.replace(tzinfo=UTC) if due.tzinfo is None else due
    assert due.astimezone(PARIS).strftime("%H:%M") == "21:30"
    assert datetime.now(UTC) < due <= datetime.now(UTC) + timedelta(days=1)
    events = [action for _, action, _ in _agenda_events(app, patient)]
    assert "medicine_reminder.change" in events


def test_removing_what_changed_since_asks_again(app, make_client, patient, carer):
    delegate(app, patient, carer, "agenda:write")
    sign_in_as(app, patient)
    appointment = _add(app, title="Cardiologue")
    medicine = _add_medicine(app, patient)
    confirm = app.get(f"/space/agenda/{appointment}/remove").text
    confirm_medicine = app.get(f"/space/agenda/medicines/{medicine}/remove").text
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    theirs = other.get(f"/space/agenda/{appointment}/change").text
    other.post(
        f"/space/agenda/{appointment}/change",
        data=_appointment_form(other, title="Cardiologue (déplacé)", version=_version(theirs)),
    )
    other.post(f"/space/agenda/medicines/{medicine}/pause", data={"_csrf_token": csrf(other)})

    again = app.post(
        f"/space/agenda/{appointment}/remove",
        data={"_csrf_token": csrf(app), "version": _version(confirm)},
        follow_redirects=False,
    )
    assert again.status_code == 409
    assert page(again).text("#conflict-title") == "Someone changed this appointment"
    assert "Cardiologue (déplacé)" in page(again).text("main")
    assert run(app, lambda: Appointment.count().where(Appointment.id == appointment)) == 1
    gone = app.post(
        f"/space/agenda/{appointment}/remove",
        data={"_csrf_token": csrf(app), "version": _version(again.text)},
        follow_redirects=False,
    )
    assert (
        gone.status_code == 303
        and run(app, lambda: Appointment.count().where(Appointment.id == appointment)) == 0
    )

    asked = app.post(
        f"/space/agenda/medicines/{medicine}/remove",
        data={"_csrf_token": csrf(app), "version": _version(confirm_medicine)},
        follow_redirects=False,
    )
    assert asked.status_code == 409
    assert page(asked).text("#conflict-title") == "Someone changed this medicine reminder"
    assert run(app, lambda: MedicineReminder.count().where(MedicineReminder.id == medicine)) == 1


# --------------------------------------------------------------------------- bounded numbers


@pytest.mark.parametrize(
    "query",
    [
        "year=99999999999999999999",
        "year=99999999999999999999&month=99999999999999999999",
        "year=2031&month=-3",
        "year=-2031&month=3",
        "year=abc&month=2",
        "month=99999999999999999999-01",
        "month=2031-99999999999999999999",
        "month=0000-00",
    ],
)
def test_a_month_out_of_reach_in_the_address_is_this_month(app, patient, query):
    sign_in_as(app, patient)
    response = app.get(f"/space/agenda/month?{query}")
    assert response.status_code == 200
    assert response.text.count('aria-current="date"') == 1  # this month, with today in it


def test_a_month_asked_by_its_numbers(app, patient):
    sign_in_as(app, patient)
    _add(app, title="Ophtalmo", **{"date-day": "12", "date-month": "3", "date-year": "2031"})
    page = app.get("/space/agenda/month?year=2031&month=3").text
    assert "March 2031" in page and "Ophtalmo" in page
    assert "/space/agenda/month?month=2031-04" in page
