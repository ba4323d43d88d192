"""The agenda's forms, read with ``portal.core.forms``: an appointment with its reminders,
a medicine reminder.

Each reader gives the form's result (what was typed, to show it again, and the errors by
field, in the order of the page) and, when everything is right, what to save. Nothing is
saved here: the routes do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from portal.agenda import services, times
from portal.core.forms import FormReader, FormResult, date_parts
from portal.core.i18n import gettext as _

TITLE_MAX = 120
WHO_MAX = 120
WHERE_MAX = 200
NOTES_MAX = 2000
MEDICINE_MAX = 120
DOSE_MAX = 120
NOTE_MAX = 500

# The form field of each delay, in the order the form shows them.
REMINDER_FIELDS = {
    services.WEEK_BEFORE: "remind_week",
    services.DAY_BEFORE: "remind_day",
    services.TWO_HOURS_BEFORE: "remind_2h",
    services.ONE_HOUR_BEFORE: "remind_1h",
}


def delay_names() -> dict[int, str]:
    """Each delay in words, as a label: "The day before"."""
    return {
        services.WEEK_BEFORE: _("A week before"),
        services.DAY_BEFORE: _("The day before"),
        services.TWO_HOURS_BEFORE: _("2 hours before"),
        services.ONE_HOUR_BEFORE: _("1 hour before"),
    }


def channel_names() -> dict[str, str]:
    return {"email": _("By email"), "sms": _("By text message")}


# --------------------------------------------------------------------------- an appointment


@dataclass(frozen=True)
class Appointment:
    """An appointment as its form says it, checked: what to save."""

    starts_at: datetime
    details: services.Details
    choices: list[services.Choice]


def blank_appointment(today: date) -> FormResult:
    """A new appointment's form: today, and a reminder by email the day before."""
    values: dict[str, Any] = {"date": date_parts(today), "time": "", "title": "", "with_whom": ""}
    values.update({"where": "", "notes": "", **dict.fromkeys(REMINDER_FIELDS.values(), "")})
    values[REMINDER_FIELDS[services.DAY_BEFORE]] = "email"
    return FormResult.filled(values)


def appointment_values(appointment: services.AppointmentView, zone: str) -> FormResult:
    """The form of an appointment to change, filled with what it says now."""
    start = times.local(appointment.starts_at, zone)
    chosen = appointment.choices()
    return FormResult.filled(
        {
            "date": date_parts(start.date()),
            "time": times.clock(start.time()),
            "title": appointment.details.title,
            "with_whom": appointment.details.with_whom,
            "where": appointment.details.where,
            "notes": appointment.details.notes,
            **{name: chosen.get(minutes, "") for minutes, name in REMINDER_FIELDS.items()},
        }
    )


def read_appointment(sent: Any, *, zone: str, has_mobile: bool) -> tuple[FormResult, Appointment | None]:
    """An appointment's form: date, time, title, with whom, where, notes, and reminders
    (by text message only when the space has a mobile number: else by email)."""
    reader = FormReader(sent)
    day = reader.date("date", missing=_("Enter the date of the appointment, for example 3 12 2026."))
    moment = reader.time("time", missing=_("Enter the time of the appointment, for example 10:30."))
    title = reader.text(
        "title",
        max_length=TITLE_MAX,
        required=True,
        missing=_('Say what the appointment is, for example "Dentist".'),
    )
    with_whom = reader.text("with_whom", max_length=WHO_MAX)
    where = reader.text("where", max_length=WHERE_MAX)
    notes = reader.long_text("notes", max_length=NOTES_MAX)
    form = reader.result
    choices = []
    for minutes, name in REMINDER_FIELDS.items():
        channel = reader.choice(name, services.CHANNELS, fallback="")
        if channel == "sms" and not has_mobile:
            channel = "email"  # not offered: no mobile number
            form.keep(name, channel)
        if channel:
            choices.append(services.Choice(minutes, channel))
    reader.choice("confirm_past", ("1",), fallback="")
    if day is None or moment is None or not form.ok:
        return form, None
    details = services.Details(title=title, with_whom=with_whom, where=where, notes=notes)
    return form, Appointment(times.at(day, moment, zone), details, choices)


def asks_confirmation(
    form: FormResult, appointment: Appointment, *, now: datetime, unchanged_start: datetime | None = None
) -> bool:
    """Whether the box that says the appointment is in the past must be ticked first: a
    time gone by, other than the one the appointment already had, and the box not ticked."""
    return (
        appointment.starts_at < now
        and appointment.starts_at != unchanged_start
        and form.value("confirm_past") != "1"
    )


# --------------------------------------------------------------------------- a medicine reminder


@dataclass(frozen=True)
class MedicineReminder:
    """A medicine reminder as its form says it, checked: what to save."""

    details: services.Medicine
    times: list[time]
    first_day: date
    last_day: date | None
    channel: str


def blank_medicine(today: date) -> FormResult:
    """A new medicine reminder's form: from today, by email."""
    return FormResult.filled(
        {
            "medicine": "",
            "dose": "",
            "times": "",
            "first": date_parts(today),
            "last": date_parts(None),
            "channel": "email",
            "note": "",
        }
    )


def medicine_values(reminder: services.MedicineView) -> FormResult:
    """The form of a medicine reminder to change, filled with what it says now."""
    return FormResult.filled(
        {
            "medicine": reminder.details.medicine,
            "dose": reminder.details.dose,
            "times": ", ".join(reminder.clocks),
            "first": date_parts(reminder.first_day),
            "last": date_parts(reminder.last_day),
            "channel": reminder.channel,
            "note": reminder.details.note,
        }
    )


def _clocks(moments: list[time]) -> str:
    return ", ".join(times.clock(moment) for moment in moments)


def read_medicine(sent: Any, *, has_mobile: bool) -> tuple[FormResult, MedicineReminder | None]:
    """A medicine reminder's form: the medicine, the dose, times of day, from and to, how."""
    reader = FormReader(sent)
    medicine = reader.text(
        "medicine",
        max_length=MEDICINE_MAX,
        required=True,
        missing=_('Write the name of the medicine, for example "Doliprane".'),
    )
    dose = reader.text("dose", max_length=DOSE_MAX)
    at_times = reader.field("times", times.parse_times, show=_clocks)
    first_day = reader.date(
        "first", missing=_("Enter the first day of the reminders, for example 3 12 2026.")
    )
    last_day = reader.date(
        "last", required=False, missing=_("Enter the whole last day, or leave its three boxes empty.")
    )
    form = reader.result
    if first_day and last_day and last_day < first_day:
        form.error("last", _("The last day comes before the first day. Check the dates."))
    offered = services.CHANNELS if has_mobile else ("email",)
    channel = reader.choice("channel", offered, fallback="email")
    note = reader.long_text("note", max_length=NOTE_MAX)
    if not form.ok or at_times is None or first_day is None:
        return form, None
    details = services.Medicine(medicine=medicine, dose=dose, note=note)
    return form, MedicineReminder(details, at_times, first_day, last_day, channel)
