"""The agenda as an iCalendar file (RFC 5545), for a calendar program or a phone.

Built with the ``icalendar`` library, which folds long lines at 75 octets and escapes
commas, semicolons and line breaks as the standard says. Times carry the portal's time
zone (with its VTIMEZONE), so a daily medicine reminder keeps its hour across summer
time. Each appointment is an event, with an alarm for each reminder chosen; each medicine
reminder still running is a daily repeating event per time of day, until its last day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, vRecur

from portal.agenda import times
from portal.agenda.services import AppointmentView, MedicineView
from portal.core.i18n import gettext as _

PRODUCT = "-//My health space//Agenda//EN"
UID_DOMAIN = "agenda.portal"


def _appointment_event(appointment: AppointmentView, zone: str, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", times.local(appointment.starts_at, zone))
    event.add("summary", appointment.details.title)
    if appointment.details.where:
        event.add("location", appointment.details.where)
    lines = []
    if appointment.details.with_whom:
        lines.append(_("With %(name)s", name=appointment.details.with_whom))
    if appointment.details.notes:
        lines.append(appointment.details.notes)
    if lines:
        event.add("description", "\n".join(lines))
    for reminder in appointment.reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", appointment.details.title)
        alarm.add("trigger", timedelta(minutes=-reminder.minutes_before))
        event.add_component(alarm)
    return event


def _medicine_events(reminder: MedicineView, stamp: datetime) -> list[Event]:
    zone = ZoneInfo(reminder.time_zone)
    events = []
    for moment in reminder.times:
        event = Event()
        event.add("uid", f"medicine-{reminder.id}-{times.clock(moment).replace(':', '')}@{UID_DOMAIN}")
        event.add("dtstamp", stamp)
        event.add("dtstart", datetime.combine(reminder.first_day, moment, tzinfo=zone))
        rule: dict[str, object] = {"freq": "daily"}
        if reminder.last_day is not None:
            # UNTIL is in UTC when the start has a time zone: the last time, on the last day.
            rule["until"] = times.at(reminder.last_day, moment, reminder.time_zone)
        event.add("rrule", vRecur(rule))
        title = reminder.details.medicine
        if reminder.details.dose:
            title = _("%(medicine)s, %(dose)s", medicine=title, dose=reminder.details.dose)
        event.add("summary", title)
        if reminder.details.note:
            event.add("description", reminder.details.note)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", timedelta(0))
        event.add_component(alarm)
        events.append(event)
    return events


def calendar_of(
    appointments: list[AppointmentView],
    medicines: list[MedicineView],
    *,
    zone: str,
    today: date,
    now: datetime | None = None,
) -> bytes:
    """The iCalendar file of the appointments and of the medicine reminders still running
    (not paused, not over)."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", _("My health agenda"))
    for appointment in appointments:
        calendar.add_component(_appointment_event(appointment, zone, stamp))
    for reminder in medicines:
        if reminder.status(today) == "active":
            for event in _medicine_events(reminder, stamp):
                calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
