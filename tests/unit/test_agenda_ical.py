"""The agenda's iCalendar file: folded and escaped as RFC 5545 says, read back whole."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from portal.agenda import ical, services
from portal.core.i18n import use_locale

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2030, 6, 1)


def _appointment(**details: str) -> services.AppointmentView:
    return services.AppointmentView(
        id=uuid.uuid4(),
        patient=uuid.uuid4(),
        starts_at=datetime(2030, 6, 12, 8, 30, tzinfo=UTC),
        details=services.Details(**{"title": "Dentiste", **details}),
        reminders=[
            services.Reminder(1, 60, "email", datetime(2030, 6, 12, 7, 30, tzinfo=UTC), None),
        ],
    )


def _medicine(active: bool = True, last_day: date | None = date(2030, 6, 30)) -> services.MedicineView:
    return services.MedicineView(
        id=uuid.uuid4(),
        patient=uuid.uuid4(),
        details=services.Medicine(medicine="Kardegic", dose="75 mg"),
        times=[time(8, 0), time(20, 0)],
        time_zone="Europe/Paris",
        first_day=date(2030, 6, 1),
        last_day=last_day,
        channel="email",
        next_due_at=datetime(2030, 6, 2, 6, 0, tzinfo=UTC) if active else None,
        active=active,
    )


def _read(raw: bytes) -> Calendar:
    return Calendar.from_ical(raw)


def test_long_lines_are_folded_and_special_characters_escaped():
    notes = "Apporter : la carte vitale, l'ordonnance; les radios\n" + "et " * 60 + "fin."
    appointment = _appointment(title="Bilan, cardiologie; suivi", where="3, rue des Lilas", notes=notes)
    with use_locale("en"):
        raw = ical.calendar_of([appointment], [], zone="Europe/Paris", today=TODAY)
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines), "a long line is folded"
    assert b"SUMMARY:Bilan\\, cardiologie\\; suivi" in raw
    event = _read(raw).walk("VEVENT")[0]
    assert str(event["summary"]) == "Bilan, cardiologie; suivi"
    assert str(event["location"]) == "3, rue des Lilas"
    assert str(event["description"]) == notes
    assert event.decoded("dtstart") == datetime(2030, 6, 12, 10, 30, tzinfo=PARIS)
    assert [alarm.decoded("trigger") for alarm in event.walk("VALARM")] == [timedelta(hours=-1)]


def test_medicine_reminders_repeat_daily_until_their_last_day():
    with use_locale("en"):
        raw = ical.calendar_of([], [_medicine(), _medicine(last_day=None)], zone="Europe/Paris", today=TODAY)
    events = _read(raw).walk("VEVENT")
    assert len(events) == 4  # two times a day, two reminders
    ending = [e for e in events if "UNTIL" in e["rrule"]]
    assert len(ending) == 2
    for event in events:
        assert event["rrule"]["FREQ"] == ["DAILY"]
        assert str(event["summary"]) == "Kardegic, 75 mg"
    untils = sorted(e["rrule"]["UNTIL"][0] for e in ending)
    assert untils == [datetime(2030, 6, 30, 6, 0, tzinfo=UTC), datetime(2030, 6, 30, 18, 0, tzinfo=UTC)]
    assert b"BEGIN:VTIMEZONE" in raw and b"TZID:Europe/Paris" in raw


def test_paused_and_ended_medicine_reminders_are_left_out():
    raw = ical.calendar_of(
        [], [_medicine(active=False), _medicine(last_day=date(2030, 5, 1))], zone="Europe/Paris", today=TODAY
    )
    assert _read(raw).walk("VEVENT") == []
