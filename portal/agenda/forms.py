"""The agenda's forms, checked: an appointment with its reminders, a medicine reminder.

Each keeps every value as it was typed (to show it again), and its errors by field id
in the order of the page (the error summary links to each).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from portal.accounts.identity import IdentityError, parse_day
from portal.agenda import services, times
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


def _date_values(prefix: str, day: date | None) -> dict[str, str]:
    if day is None:
        return {f"{prefix}-day": "", f"{prefix}-month": "", f"{prefix}-year": ""}
    return {f"{prefix}-day": str(day.day), f"{prefix}-month": str(day.month), f"{prefix}-year": str(day.year)}


def date_value(values: dict[str, str], prefix: str) -> dict[str, str]:
    """The three boxes of a date as ``forms.date_input`` wants them."""
    return {part: values.get(f"{prefix}-{part}", "") for part in ("day", "month", "year")}


# A row's version, as an edit form carries it (``version``): a whole number of the database's.


def _text(form: Any, name: str) -> str:
    return str(form.get(name, "") or "")


def _squash(value: str) -> str:
    return " ".join(value.split())


class AppointmentForm:
    """An appointment form: date, time, title, with whom, where, notes, and reminders."""

    FIELDS = ("date-day", "date-month", "date-year", "time", "title", "with_whom", "where", "notes")

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.errors: dict[str, str] = {}
        self.starts_at: datetime | None = None
        self.details: services.Details | None = None
        self.choices: list[services.Choice] = []
        self.asks_confirmation = False

    @classmethod
    def blank(cls, today: date) -> AppointmentForm:
        values = {name: "" for name in cls.FIELDS}
        values.update(_date_values("date", today))
        values[REMINDER_FIELDS[services.DAY_BEFORE]] = "email"
        return cls(values)

    @classmethod
    def of(cls, appointment: services.AppointmentView, zone: str) -> AppointmentForm:
        start = times.local(appointment.starts_at, zone)
        values = {
            **_date_values("date", start.date()),
            "time": times.clock(start.time()),
            "title": appointment.details.title,
            "with_whom": appointment.details.with_whom,
            "where": appointment.details.where,
            "notes": appointment.details.notes,
        }
        chosen = appointment.choices()
        for minutes, name in REMINDER_FIELDS.items():
            values[name] = chosen.get(minutes, "")
        return cls(values)

    @classmethod
    def read(cls, form: Any) -> AppointmentForm:
        values = {name: _text(form, name) for name in cls.FIELDS}
        for name in REMINDER_FIELDS.values():
            values[name] = _text(form, name)
        values["confirm_past"] = "1" if _text(form, "confirm_past") == "1" else ""
        return cls(values)

    def check(
        self, *, zone: str, now: datetime, has_mobile: bool, unchanged_start: datetime | None = None
    ) -> bool:
        """True when the appointment can be saved. A time gone by (other than the one the
        appointment already had) needs the box ticked that says so: ``asks_confirmation``."""
        values = self.values
        day: date | None = None
        try:
            day = parse_day(
                values["date-day"],
                values["date-month"],
                values["date-year"],
                missing=_("Enter the date of the appointment, for example 3 12 2026."),
            )
        except IdentityError as error:
            self.errors["date-day"] = error.message
        moment: time | None = None
        try:
            moment = times.parse_time(
                values["time"], missing=_("Enter the time of the appointment, for example 10:30.")
            )
            values["time"] = times.clock(moment)
        except times.TimeError as error:
            self.errors["time"] = error.message
        title = _squash(values["title"])
        values["title"] = title
        if not title:
            self.errors["title"] = _('Say what the appointment is, for example "Dentist".')
        elif len(title) > TITLE_MAX:
            self.errors["title"] = _("Write at most %(count)d characters.", count=TITLE_MAX)
        for name, longest in (("with_whom", WHO_MAX), ("where", WHERE_MAX)):
            values[name] = _squash(values[name])
            if len(values[name]) > longest:
                self.errors[name] = _("Write at most %(count)d characters.", count=longest)
        values["notes"] = values["notes"].strip()
        if len(values["notes"]) > NOTES_MAX:
            self.errors["notes"] = _("Write at most %(count)d characters.", count=NOTES_MAX)
        for minutes, name in REMINDER_FIELDS.items():
            channel = values[name]
            if channel == "sms" and not has_mobile:
                channel = values[name] = "email"  # not offered: no mobile number
            if channel in services.CHANNELS:
                self.choices.append(services.Choice(minutes, channel))
            else:
                values[name] = ""
        if day is None or moment is None or self.errors:
            return False
        self.starts_at = times.at(day, moment, zone)
        self.details = services.Details(
            title=title, with_whom=values["with_whom"], where=values["where"], notes=values["notes"]
        )
        if self.starts_at < now and self.starts_at != unchanged_start and values.get("confirm_past") != "1":
            self.asks_confirmation = True
            return False
        return True

    @property
    def in_the_past(self) -> bool:
        return self.asks_confirmation or self.values.get("confirm_past") == "1"


class MedicineForm:
    """A medicine reminder form: the medicine, the dose, times of day, from and to, how."""

    FIELDS = (
        "medicine",
        "dose",
        "times",
        "first-day",
        "first-month",
        "first-year",
        "last-day",
        "last-month",
        "last-year",
        "channel",
        "note",
    )

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values
        self.errors: dict[str, str] = {}
        self.details: services.Medicine | None = None
        self.times: list[time] = []
        self.first_day: date | None = None
        self.last_day: date | None = None
        self.channel = "email"

    @classmethod
    def blank(cls, today: date) -> MedicineForm:
        values = {name: "" for name in cls.FIELDS}
        values.update(_date_values("first", today))
        values["channel"] = "email"
        return cls(values)

    @classmethod
    def of(cls, reminder: services.MedicineView) -> MedicineForm:
        """The form of a medicine reminder to change, filled with what it says now."""
        values = {
            "medicine": reminder.details.medicine,
            "dose": reminder.details.dose,
            "times": ", ".join(reminder.clocks),
            **_date_values("first", reminder.first_day),
            **_date_values("last", reminder.last_day),
            "channel": reminder.channel,
            "note": reminder.details.note,
        }
        return cls(values)

    @classmethod
    def read(cls, form: Any) -> MedicineForm:
        return cls({name: _text(form, name) for name in cls.FIELDS})

    def check(self, *, has_mobile: bool) -> bool:
        values = self.values
        medicine = _squash(values["medicine"])
        values["medicine"] = medicine
        if not medicine:
            self.errors["medicine"] = _('Write the name of the medicine, for example "Doliprane".')
        elif len(medicine) > MEDICINE_MAX:
            self.errors["medicine"] = _("Write at most %(count)d characters.", count=MEDICINE_MAX)
        values["dose"] = _squash(values["dose"])
        if len(values["dose"]) > DOSE_MAX:
            self.errors["dose"] = _("Write at most %(count)d characters.", count=DOSE_MAX)
        try:
            self.times = times.parse_times(values["times"])
            values["times"] = ", ".join(times.clock(moment) for moment in self.times)
        except times.TimeError as error:
            self.errors["times"] = error.message
        try:
            self.first_day = parse_day(
                values["first-day"],
                values["first-month"],
                values["first-year"],
                missing=_("Enter the first day of the reminders, for example 3 12 2026."),
            )
        except IdentityError as error:
            self.errors["first-day"] = error.message
        if any(values[f"last-{part}"].strip() for part in ("day", "month", "year")):
            try:
                self.last_day = parse_day(
                    values["last-day"],
                    values["last-month"],
                    values["last-year"],
                    missing=_("Enter the whole last day, or leave its three boxes empty."),
                )
            except IdentityError as error:
                self.errors["last-day"] = error.message
            if self.first_day and self.last_day and self.last_day < self.first_day:
                self.errors["last-day"] = _("The last day comes before the first day. Check the dates.")
        channel = values["channel"]
        if channel not in services.CHANNELS or (channel == "sms" and not has_mobile):
            channel = values["channel"] = "email"
        self.channel = channel
        values["note"] = values["note"].strip()
        if len(values["note"]) > NOTE_MAX:
            self.errors["note"] = _("Write at most %(count)d characters.", count=NOTE_MAX)
        if self.errors or self.first_day is None:
            return False
        self.details = services.Medicine(medicine=medicine, dose=values["dose"], note=values["note"])
        return True
