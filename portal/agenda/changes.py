"""Adding, changing and removing appointments (with their reminders) and medicine
reminders, and pausing these: sealed and audited. What they hold, and reading them, is
``services``.

Every function runs in the request's transaction with its keyring, after the routes
asked the access policy. ``author`` is always who acts (the patient, or a carer acting
for them): what a carer adds is theirs (``created_by``).

No lost update: each row has a ``version``, raised by one at every change. A change or
a removal says the version it was read at, and touches the row only if it is still at
that version (one conditional statement); otherwise it changes nothing and answers
False, and the page shows both what is saved now and what was typed.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time

from portal.agenda import actions, times
from portal.agenda.services import (
    REMINDER_ID,
    AppointmentView,
    Choice,
    Details,
    Medicine,
    MedicineView,
    Reminder,
    appointment_object,
    audit,
    details_place,
    medicine_object,
    medicine_place,
)
from portal.agenda.tables import Appointment, AppointmentReminder, MedicineReminder
from portal.core.keys import Keyring
from portal.core.records import remove_at_version, seal_json, write_at_version


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- appointments


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
        await AppointmentReminder.delete().where(REMINDER_ID.is_in(gone))
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
    sealed = await seal_json(keyring, details_place(appointment_id, patient), details.as_json())
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
    sealed = await seal_json(keyring, details_place(appointment.id, appointment.patient), details.as_json())
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
    sealed = await seal_json(keyring, medicine_place(reminder_id, patient), details.as_json())
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
    sealed = await seal_json(keyring, medicine_place(reminder.id, reminder.patient), details.as_json())
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
