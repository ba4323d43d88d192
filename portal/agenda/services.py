"""Appointments and medicine reminders: read, add, change and remove, sealed and audited.

Every function runs in the request's transaction with its keyring. The routes ask the
access policy first; these functions keep every query to one patient's record, so
another patient's appointment is simply not found. ``author`` is always who acts (the
patient, or a carer acting for them): what a carer adds is theirs (``created_by``).

No lost update: each row has a ``version``, raised by one at every change. A change or
a removal says the version it was read at, and touches the row only if it is still at
that version (one conditional statement); otherwise it changes nothing and answers
False, and the page shows both what is saved now and what was typed.

What a row says (the title, with whom, where, the notes; the medicine and its dose) is
sealed with the patient's data key. The times stay plain, so the reminder task finds
what is due without opening anyone's record (``portal.agenda.reminders``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from portal.agenda import actions, times
from portal.agenda.tables import Appointment, AppointmentReminder, MedicineReminder
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.keys import Keyring
from portal.core.records import open_json, place, record, remove_at_version, seal_json, write_at_version

AREA = "agenda"
CHANNELS = ("email", "sms")

# The delays a person may choose, in minutes before the appointment, in the order a form
# shows them (the furthest first).
WEEK_BEFORE = times.WEEK
DAY_BEFORE = times.DAY
TWO_HOURS_BEFORE = 120
ONE_HOUR_BEFORE = 60


# AppointmentReminder's own key (a serial number: the table names none).
_REMINDER_ID = AppointmentReminder._meta.primary_key


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


def _details_place(appointment_id: object, patient: uuid.UUID) -> Place:
    return place("appointment", "sealed_details", appointment_id, patient)


async def _reminders_of(ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Reminder]]:
    found: dict[uuid.UUID, list[Reminder]] = {}
    if not ids:
        return found
    rows = (
        await AppointmentReminder.select(
            _REMINDER_ID,
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
        details = await open_json(keyring, _details_place(appointment_id, patient), row["sealed_details"])
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


async def _set_reminders(
    appointment_id: uuid.UUID,
    patient: uuid.UUID,
    starts_at: datetime,
    choices: list[Choice],
    zone: str,
    now: datetime,
    keep: list[Reminder],
) -> None:
    """Make the appointment's reminders those of ``choices``. A reminder of an appointment
    already gone by is not made. One whose time has passed while the appointment is still
    to come is made: the task sends it at once, and the person still hears of it in time.
    Reminders in ``keep`` (same delay and channel, same start) stay as they are, sent or not."""
    kept = {(reminder.minutes_before, reminder.channel): reminder for reminder in keep}
    wanted = {(choice.minutes_before, choice.channel) for choice in choices}
    gone = [reminder.id for key, reminder in kept.items() if key not in wanted]
    if gone:
        await AppointmentReminder.delete().where(_REMINDER_ID.is_in(gone))
    for minutes_before, channel in sorted(wanted, reverse=True):
        if (minutes_before, channel) in kept or starts_at <= now:
            continue
        await AppointmentReminder.insert(
            AppointmentReminder(
                appointment=appointment_id,
                patient=patient,
                minutes_before=minutes_before,
                channel=channel,
                due_at=times.due_at(starts_at, minutes_before, zone),
            )
        )


async def add_appointment(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    starts_at: datetime,
    details: Details,
    choices: list[Choice],
    zone: str,
    now: datetime | None = None,
) -> uuid.UUID:
    """Add an appointment and its reminders, sealed, and audit it (``appointment.add``)."""
    appointment_id = uuid.uuid4()
    starts_at = times.utc(starts_at)
    sealed = await seal_json(keyring, _details_place(appointment_id, patient), details.as_json())
    await Appointment.insert(
        Appointment(
            id=appointment_id,
            patient=patient,
            starts_at=starts_at,
            sealed_details=sealed,
            created_by=author,
        )
    )
    await _set_reminders(appointment_id, patient, starts_at, choices, zone, now or _now(), [])
    await audit(author, patient, actions.APPOINTMENT_ADD, appointment_object(appointment_id))
    return appointment_id


async def change_appointment(
    keyring: Keyring,
    appointment: AppointmentView,
    *,
    author: uuid.UUID,
    version: int,
    starts_at: datetime,
    details: Details,
    choices: list[Choice],
    zone: str,
    now: datetime | None = None,
) -> bool:
    """Change an appointment read at ``version``; its reminders follow its new time
    (``appointment.change``). False, and nothing changed, when it moved on since."""
    if version != appointment.version:
        return False
    starts_at = times.utc(starts_at)
    sealed = await seal_json(keyring, _details_place(appointment.id, appointment.patient), details.as_json())
    now = now or _now()
    values = {
        Appointment.starts_at: starts_at,
        Appointment.sealed_details: sealed,
        Appointment.updated_at: now,
    }
    if not await write_at_version(Appointment, appointment.id, appointment.patient, version, values):
        return False
    keep = appointment.reminders
    if starts_at != appointment.starts_at:
        # A new time: every reminder is made again for it (one already sent was for the old time).
        if keep:
            await AppointmentReminder.delete().where(AppointmentReminder.appointment == appointment.id)
        keep = []
    await _set_reminders(appointment.id, appointment.patient, starts_at, choices, zone, now, keep)
    await audit(author, appointment.patient, actions.APPOINTMENT_CHANGE, appointment_object(appointment.id))
    return True


async def remove_appointment(appointment: AppointmentView, *, author: uuid.UUID, version: int) -> bool:
    """Remove an appointment seen at ``version``, with its reminders; False, and nothing
    removed, when it changed since (the person is asked again, seeing it as it is now)."""
    if not await remove_at_version(Appointment, appointment.id, appointment.patient, version):
        return False
    # The reminders go with it (the table's cascade does it too, where foreign keys are on).
    await AppointmentReminder.delete().where(AppointmentReminder.appointment == appointment.id)
    await audit(author, appointment.patient, actions.APPOINTMENT_REMOVE, appointment_object(appointment.id))
    return True


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


def _medicine_place(reminder_id: object, patient: uuid.UUID) -> Place:
    return place("medicine_reminder", "sealed_details", reminder_id, patient)


_MEDICINE_COLUMNS = (
    MedicineReminder.id,
    MedicineReminder.sealed_details,
    MedicineReminder.times,
    MedicineReminder.time_zone,
    MedicineReminder.first_day,
    MedicineReminder.last_day,
    MedicineReminder.channel,
    MedicineReminder.next_due_at,
    MedicineReminder.active,
    MedicineReminder.version,
    MedicineReminder.created_by,
)


async def _opened_medicine(keyring: Keyring, patient: uuid.UUID, row: dict[str, Any]) -> MedicineView:
    reminder_id = _uuid(row["id"])
    details = await open_json(keyring, _medicine_place(reminder_id, patient), row["sealed_details"])
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


async def add_medicine(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    details: Medicine,
    at_times: list[time],
    first_day: date,
    last_day: date | None,
    channel: str,
    zone: str,
    now: datetime | None = None,
) -> uuid.UUID:
    """Add a medicine reminder, sealed, its next time computed (``medicine_reminder.add``)."""
    reminder_id = uuid.uuid4()
    sealed = await seal_json(keyring, _medicine_place(reminder_id, patient), details.as_json())
    await MedicineReminder.insert(
        MedicineReminder(
            id=reminder_id,
            patient=patient,
            sealed_details=sealed,
            times=",".join(times.clock(moment) for moment in sorted(at_times)),
            time_zone=zone,
            first_day=first_day.isoformat(),
            last_day=last_day.isoformat() if last_day else None,
            channel=channel,
            next_due_at=times.next_occurrence(at_times, first_day, last_day, zone, now or _now()),
            active=True,
            created_by=author,
        )
    )
    await audit(author, patient, actions.MEDICINE_ADD, medicine_object(reminder_id))
    return reminder_id


async def change_medicine(
    keyring: Keyring,
    reminder: MedicineView,
    *,
    author: uuid.UUID,
    version: int,
    details: Medicine,
    at_times: list[time],
    first_day: date,
    last_day: date | None,
    channel: str,
    zone: str,
    now: datetime | None = None,
) -> bool:
    """Change a medicine reminder read at ``version`` (``medicine_reminder.change``); a
    paused one stays paused, an active one goes on from its next time. False, and
    nothing changed, when it moved on since (changed, paused or started again)."""
    if version != reminder.version:
        return False
    sealed = await seal_json(keyring, _medicine_place(reminder.id, reminder.patient), details.as_json())
    next_due = (
        times.next_occurrence(at_times, first_day, last_day, zone, now or _now()) if reminder.active else None
    )
    values = {
        MedicineReminder.sealed_details: sealed,
        MedicineReminder.times: ",".join(times.clock(moment) for moment in sorted(at_times)),
        MedicineReminder.time_zone: zone,
        MedicineReminder.first_day: first_day.isoformat(),
        MedicineReminder.last_day: last_day.isoformat() if last_day else None,
        MedicineReminder.channel: channel,
        MedicineReminder.next_due_at: next_due,
    }
    if not await write_at_version(MedicineReminder, reminder.id, reminder.patient, version, values):
        return False
    await audit(author, reminder.patient, actions.MEDICINE_CHANGE, medicine_object(reminder.id))
    return True


async def set_paused(
    reminder: MedicineView, paused: bool, *, author: uuid.UUID, now: datetime | None = None
) -> None:
    """Pause a medicine reminder, or take it up again from the next time to come. The
    address says the state wanted, so a page read before another change still means it;
    the version moves on, so a change form read before does not undo it."""
    next_due = (
        None
        if paused
        else times.next_occurrence(
            reminder.times, reminder.first_day, reminder.last_day, reminder.time_zone, now or _now()
        )
    )
    await MedicineReminder.update(
        {
            MedicineReminder.active: not paused,
            MedicineReminder.next_due_at: next_due,
            MedicineReminder.version: MedicineReminder.version + 1,
        }
    ).where((MedicineReminder.id == reminder.id) & (MedicineReminder.patient == reminder.patient))
    action = actions.MEDICINE_PAUSE if paused else actions.MEDICINE_RESUME
    await audit(author, reminder.patient, action, medicine_object(reminder.id))


async def remove_medicine(reminder: MedicineView, *, author: uuid.UUID, version: int) -> bool:
    """Remove a medicine reminder seen at ``version``; False, and nothing removed, when it
    changed since."""
    if not await remove_at_version(MedicineReminder, reminder.id, reminder.patient, version):
        return False
    await audit(author, reminder.patient, actions.MEDICINE_REMOVE, medicine_object(reminder.id))
    return True
