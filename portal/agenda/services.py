"""What the agenda holds, and reading it: appointments (what they say, ``Details``, and
their reminders) and medicine reminders (``Medicine``), as the pages show them
(``AppointmentView``, ``MedicineView``), the delays and channels a reminder may have, and
``audit``, one event of the agenda area. Adding, changing and removing them is
``changes``.

Every function runs in the request's transaction with its keyring. The routes ask the
access policy first; these functions keep every query to one patient's record, so
another patient's appointment is simply not found.

What a row says (the title, with whom, where, the notes; the medicine and its dose) is
sealed with the patient's data key. The times stay plain, so the reminder task finds
what is due without opening anyone's record (``portal.agenda.reminders``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from portal.agenda import times
from portal.agenda.tables import Appointment, AppointmentReminder, MedicineReminder
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.keys import Keyring
from portal.core.records import open_json, place, record

AREA = "agenda"
CHANNELS = ("email", "sms")

# The delays a person may choose, in minutes before the appointment, in the order a form
# shows them (the furthest first).
WEEK_BEFORE = times.WEEK
DAY_BEFORE = times.DAY
TWO_HOURS_BEFORE = 120
ONE_HOUR_BEFORE = 60


# AppointmentReminder's own key (a serial number: the table names none).
REMINDER_ID = AppointmentReminder._meta.primary_key


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _now() -> datetime:
    return datetime.now(UTC)


async def audit(
    actor: uuid.UUID,
    patient: uuid.UUID,
    action: AuditAction,
    object_id: str | None = None,
    outcome: str = "allowed",
) -> None:
    """One event of the agenda area: ``actor`` did ``action`` in ``patient``'s agenda."""
    await record(actor, patient, action, object_id, outcome)


def appointment_object(appointment_id: object) -> str:
    return f"appointment:{appointment_id}"


def medicine_object(reminder_id: object) -> str:
    return f"medicine-reminder:{reminder_id}"


# --------------------------------------------------------------------------- appointments


@dataclass(frozen=True)
class Details:
    """What an appointment says (sealed)."""

    title: str
    with_whom: str = ""
    where: str = ""
    notes: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"title": self.title, "with_whom": self.with_whom, "where": self.where, "notes": self.notes}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Details:
        return cls(
            title=str(value.get("title") or ""),
            with_whom=str(value.get("with_whom") or ""),
            where=str(value.get("where") or ""),
            notes=str(value.get("notes") or ""),
        )


@dataclass(frozen=True)
class Choice:
    """A reminder a person chose: ``minutes_before`` the appointment, by ``channel``."""

    minutes_before: int
    channel: str


@dataclass(frozen=True)
class Reminder:
    id: int
    minutes_before: int
    channel: str
    due_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class AppointmentView:
    id: uuid.UUID
    patient: uuid.UUID
    starts_at: datetime  # UTC
    details: Details
    reminders: list[Reminder] = field(default_factory=list)
    version: int = 1
    created_by: uuid.UUID | None = None  # who added it: the patient, or a carer for them

    def choices(self) -> dict[int, str]:
        """The reminders as a form shows them: minutes before -> channel."""
        return {reminder.minutes_before: reminder.channel for reminder in self.reminders}


def details_place(appointment_id: object, patient: uuid.UUID) -> Place:
    return place("appointment", "sealed_details", appointment_id, patient)


async def _reminders_of(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Reminder]]:
    found: dict[uuid.UUID, list[Reminder]] = {}
    if not ids:
        return found
    rows = (
        await AppointmentReminder.select(
            REMINDER_ID,
            AppointmentReminder.appointment,
            AppointmentReminder.minutes_before,
            AppointmentReminder.channel,
            AppointmentReminder.due_at,
            AppointmentReminder.sent_at,
        )
        .where(AppointmentReminder.appointment.is_in(ids))
        .order_by(AppointmentReminder.due_at)
    )
    for row in rows:
        found.setdefault(_uuid(row["appointment"]), []).append(
            Reminder(
                id=int(row["id"]),
                minutes_before=int(row["minutes_before"]),
                channel=row["channel"],
                due_at=times.utc(row["due_at"]),
                sent_at=times.utc(row["sent_at"]) if row["sent_at"] else None,
            )
        )
    return found


async def _opened(keyring: Keyring, patient: uuid.UUID, rows: list[dict[str, Any]]) -> list[AppointmentView]:
    ids = [_uuid(row["id"]) for row in rows]
    reminders = await _reminders_of(ids)
    found = []
    for appointment_id, row in zip(ids, rows, strict=True):
        details = await open_json(keyring, details_place(appointment_id, patient), row["sealed_details"])
        found.append(
            AppointmentView(
                id=appointment_id,
                patient=patient,
                starts_at=times.utc(row["starts_at"]),
                details=Details.from_json(details),
                reminders=reminders.get(appointment_id, []),
                version=int(row["version"] or 1),
                created_by=_uuid(row["created_by"]) if row["created_by"] else None,
            )
        )
    return found


_COLUMNS = (
    Appointment.id,
    Appointment.starts_at,
    Appointment.sealed_details,
    Appointment.version,
    Appointment.created_by,
)


async def get_appointment(
    keyring: Keyring, patient: uuid.UUID, appointment_id: uuid.UUID
) -> AppointmentView | None:
    """One of the patient's appointments, or None (another patient's is None too)."""
    row = (
        await Appointment.select(*_COLUMNS)
        .where((Appointment.id == appointment_id) & (Appointment.patient == patient))
        .first()
    )
    return None if row is None else (await _opened(keyring, patient, [row]))[0]


async def upcoming(
    keyring: Keyring, patient: uuid.UUID, now: datetime | None = None
) -> list[AppointmentView]:
    """The appointments still to come, the soonest first."""
    rows = (
        await Appointment.select(*_COLUMNS)
        .where((Appointment.patient == patient) & (Appointment.starts_at >= (now or _now())))
        .order_by(Appointment.starts_at)
    )
    return await _opened(keyring, patient, rows)


async def past(keyring: Keyring, patient: uuid.UUID, now: datetime | None = None) -> list[AppointmentView]:
    """The appointments gone by, the latest first."""
    rows = (
        await Appointment.select(*_COLUMNS)
        .where((Appointment.patient == patient) & (Appointment.starts_at < (now or _now())))
        .order_by(Appointment.starts_at, ascending=False)
    )
    return await _opened(keyring, patient, rows)


async def past_count(patient: uuid.UUID, now: datetime | None = None) -> int:
    return int(
        await Appointment.count().where(
            (Appointment.patient == patient) & (Appointment.starts_at < (now or _now()))
        )
    )


async def between(
    keyring: Keyring, patient: uuid.UUID, start: datetime, end: datetime
) -> list[AppointmentView]:
    """The appointments from ``start`` (included) to ``end`` (excluded), in order."""
    rows = (
        await Appointment.select(*_COLUMNS)
        .where(
            (Appointment.patient == patient)
            & (Appointment.starts_at >= start)
            & (Appointment.starts_at < end)
        )
        .order_by(Appointment.starts_at)
    )
    return await _opened(keyring, patient, rows)


async def all_appointments(keyring: Keyring, patient: uuid.UUID) -> list[AppointmentView]:
    rows = (
        await Appointment.select(*_COLUMNS)
        .where(Appointment.patient == patient)
        .order_by(Appointment.starts_at)
    )
    return await _opened(keyring, patient, rows)


# --------------------------------------------------------------------------- medicine reminders


@dataclass(frozen=True)
class Medicine:
    """What a medicine reminder says (sealed)."""

    medicine: str
    dose: str = ""
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"medicine": self.medicine, "dose": self.dose, "note": self.note}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> Medicine:
        return cls(
            medicine=str(value.get("medicine") or ""),
            dose=str(value.get("dose") or ""),
            note=str(value.get("note") or ""),
        )


@dataclass(frozen=True)
class MedicineView:
    id: uuid.UUID
    patient: uuid.UUID
    details: Medicine
    times: list[time]
    time_zone: str
    first_day: date
    last_day: date | None
    channel: str
    next_due_at: datetime | None
    active: bool
    version: int = 1
    created_by: uuid.UUID | None = None  # who added it: the patient, or a carer for them

    def status(self, today: date) -> str:
        """ "active", "paused", or "ended" (its last day has gone by)."""
        if (self.last_day and self.last_day < today) or (self.active and self.next_due_at is None):
            return "ended"
        return "active" if self.active else "paused"

    @property
    def clocks(self) -> list[str]:
        return [times.clock(moment) for moment in self.times]


def medicine_place(reminder_id: object, patient: uuid.UUID) -> Place:
    return place("medicine_reminder", "sealed_details", reminder_id, patient)


# When a medicine reminder is due, and how it is sent.
MEDICINE_SCHEDULE = (
    MedicineReminder.times,
    MedicineReminder.time_zone,
    MedicineReminder.first_day,
    MedicineReminder.last_day,
    MedicineReminder.channel,
    MedicineReminder.next_due_at,
)
_MEDICINE_COLUMNS = (
    MedicineReminder.id,
    MedicineReminder.sealed_details,
    *MEDICINE_SCHEDULE,
    MedicineReminder.active,
    MedicineReminder.version,
    MedicineReminder.created_by,
)


async def _opened_medicine(keyring: Keyring, patient: uuid.UUID, row: dict[str, Any]) -> MedicineView:
    reminder_id = _uuid(row["id"])
    details = await open_json(keyring, medicine_place(reminder_id, patient), row["sealed_details"])
    return MedicineView(
        id=reminder_id,
        patient=patient,
        details=Medicine.from_json(details),
        times=times.read_clocks(row["times"]),
        time_zone=row["time_zone"],
        first_day=date.fromisoformat(row["first_day"]),
        last_day=date.fromisoformat(row["last_day"]) if row["last_day"] else None,
        channel=row["channel"],
        next_due_at=times.utc(row["next_due_at"]) if row["next_due_at"] else None,
        active=bool(row["active"]),
        version=int(row["version"] or 1),
        created_by=_uuid(row["created_by"]) if row["created_by"] else None,
    )


async def medicines(keyring: Keyring, patient: uuid.UUID) -> list[MedicineView]:
    """The patient's medicine reminders, the oldest made first."""
    rows = (
        await MedicineReminder.select(*_MEDICINE_COLUMNS)
        .where(MedicineReminder.patient == patient)
        .order_by(MedicineReminder.created_at)
    )
    return [await _opened_medicine(keyring, patient, row) for row in rows]


async def get_medicine(keyring: Keyring, patient: uuid.UUID, reminder_id: uuid.UUID) -> MedicineView | None:
    row = (
        await MedicineReminder.select(*_MEDICINE_COLUMNS)
        .where((MedicineReminder.id == reminder_id) & (MedicineReminder.patient == patient))
        .first()
    )
    return None if row is None else await _opened_medicine(keyring, patient, row)
