"""Sending the reminders that are due: run by the scheduled tasks (``portal tasks``).

Safe to run again, and by two runners at once: each reminder is claimed by one
conditional update (an appointment reminder's ``sent_at`` set where it is still empty,
a medicine reminder's ``next_due_at`` moved on where it still holds the time being sent)
before anything goes, so a reminder is never sent twice. When the message cannot go (the
mail server is down), the claim is undone and the next run tries again.

The words never say more than "an appointment" or "a medicine reminder" and when: no
title, no doctor, no medicine. Everything else is in the person's space. They are
written in the portal's language: the portal keeps no language per person.

A reminder of an appointment more than a day gone by (the runner was stopped) is marked
sent without being sent; a medicine reminder more than an hour late is skipped, since a
late "take your medicine" could make someone take it twice. Both then move on.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal.accounts.services import PersonIdentity, read_identity
from portal.agenda import actions, times
from portal.agenda.services import MEDICINE_SCHEDULE, appointment_object, medicine_object
from portal.agenda.tables import AppointmentReminder, MedicineReminder
from portal.core import audit
from portal.core.actions import AuditAction
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.i18n import use_locale
from portal.core.keys import Keyring, key_owner
from portal.core.notify import DeliveryError, send_email, send_sms
from portal.settings import Settings

log = logging.getLogger(__name__)

_REMINDER_ID = AppointmentReminder._meta.primary_key
APPOINTMENT_STALE_AFTER = timedelta(days=1)
MEDICINE_LATE_AFTER = timedelta(hours=1)


@dataclass
class Counts:
    sent: int = 0
    skipped: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"{self.sent} sent, {self.skipped} too late to send, {self.failed} could not go"


def subject() -> str:
    return _("A reminder from your health space")


def appointment_text(settings: Settings, starts_at: datetime) -> str:
    return _(
        "You have an appointment on %(day)s at %(time)s. The details are in your health space: %(address)s",
        day=times.day_in_words(starts_at, settings.timezone, year=False),
        time=times.time_in_words(starts_at, settings.timezone),
        address=settings.base_url + url_for("agenda"),
    )


def medicine_text(settings: Settings, due_at: datetime, zone: str) -> str:
    return _(
        "It is time for your %(time)s medicine reminder. The details are in your health space: %(address)s",
        time=times.time_in_words(due_at, zone),
        address=settings.base_url + url_for("medicine_reminders"),
    )


class _People:
    """The identities of the people reminded, each opened once per run."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring
        self.known: dict[uuid.UUID, PersonIdentity | None] = {}

    async def get(self, account: uuid.UUID) -> PersonIdentity | None:
        if account not in self.known:
            self.known[account] = await read_identity(self.keyring, account)
        return self.known[account]


async def _deliver(settings: Settings, person: PersonIdentity | None, channel: str, text: str) -> bool:
    """Send ``text`` by ``channel``; a text message to someone with no mobile goes by email
    (and an email to someone with no email by text message). False: nowhere to send it."""
    if person is None:
        return False
    mobile, email = person.mobile, person.email
    if mobile and (channel == "sms" or not email):
        await send_sms(settings, mobile, text)
        return True
    if email:
        await send_email(settings, email, subject(), text + "\n")
        return True
    return False


async def _audit(patient: uuid.UUID, action: AuditAction, object_id: str, outcome: str = "allowed") -> None:
    await audit.record(
        actor="system",
        action=action,
        outcome=outcome,
        subject=key_owner(patient),
        object_id=object_id,
    )


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def send_appointment_reminders(
    settings: Settings, people: _People, now: datetime, counts: Counts
) -> None:
    rows = (
        await AppointmentReminder.select(
            _REMINDER_ID,
            AppointmentReminder.patient,
            AppointmentReminder.appointment,
            AppointmentReminder.channel,
            AppointmentReminder.appointment.starts_at.as_alias("starts_at"),
        )
        .where((AppointmentReminder.due_at <= now) & AppointmentReminder.sent_at.is_null())
        .order_by(AppointmentReminder.due_at)
    )
    for row in rows:
        claimed = (
            await AppointmentReminder.update({AppointmentReminder.sent_at: now})
            .where((_REMINDER_ID == row["id"]) & AppointmentReminder.sent_at.is_null())
            .returning(_REMINDER_ID)
        )
        if not claimed:
            continue  # another runner has it
        patient, starts_at = _uuid(row["patient"]), times.utc(row["starts_at"])
        object_id = appointment_object(row["appointment"])
        if starts_at < now - APPOINTMENT_STALE_AFTER:
            counts.skipped += 1
            continue
        try:
            delivered = await _deliver(
                settings, await people.get(patient), row["channel"], appointment_text(settings, starts_at)
            )
        except DeliveryError as exc:
            log.warning("agenda reminder %s not sent: %s", row["id"], exc)
            await AppointmentReminder.update({AppointmentReminder.sent_at: None}).where(
                _REMINDER_ID == row["id"]
            )
            counts.failed += 1
            continue
        if delivered:
            counts.sent += 1
            await _audit(patient, actions.REMINDER_SEND, object_id)
        else:  # no email nor mobile: nothing will ever go
            counts.failed += 1
            await _audit(patient, actions.REMINDER_SEND, object_id, "failed")


async def send_medicine_reminders(settings: Settings, people: _People, now: datetime, counts: Counts) -> None:
    rows = (
        await MedicineReminder.select(MedicineReminder.id, MedicineReminder.patient, *MEDICINE_SCHEDULE)
        .where((MedicineReminder.active == True) & (MedicineReminder.next_due_at <= now))  # noqa: E712
        .order_by(MedicineReminder.next_due_at)
    )
    for row in rows:
        due, zone = times.utc(row["next_due_at"]), row["time_zone"]
        following = times.next_occurrence(
            times.read_clocks(row["times"]),
            date.fromisoformat(row["first_day"]),
            date.fromisoformat(row["last_day"]) if row["last_day"] else None,
            zone,
            max(now, due),
        )
        claimed = (
            await MedicineReminder.update(
                {MedicineReminder.next_due_at: following, MedicineReminder.active: following is not None}
            )
            .where(
                (MedicineReminder.id == row["id"])
                & (MedicineReminder.active == True)  # noqa: E712
                & (MedicineReminder.next_due_at == due)
            )
            .returning(MedicineReminder.id)
        )
        if not claimed:
            continue
        patient = _uuid(row["patient"])
        object_id = medicine_object(row["id"])
        if now - due > MEDICINE_LATE_AFTER:
            counts.skipped += 1
            continue
        try:
            delivered = await _deliver(
                settings, await people.get(patient), row["channel"], medicine_text(settings, due, zone)
            )
        except DeliveryError as exc:
            log.warning("medicine reminder %s not sent: %s", row["id"], exc)
            await MedicineReminder.update(
                {MedicineReminder.next_due_at: due, MedicineReminder.active: True}
            ).where(MedicineReminder.id == row["id"])
            counts.failed += 1
            continue
        if delivered:
            counts.sent += 1
            await _audit(patient, actions.MEDICINE_SEND, object_id)
        else:
            counts.failed += 1
            await _audit(patient, actions.MEDICINE_SEND, object_id, "failed")


async def send_due(settings: Settings, keyring: Keyring, now: datetime | None = None) -> Counts:
    """Send every appointment and medicine reminder due at ``now`` (by default, now)."""
    now = times.utc(now or datetime.now(UTC)).replace(microsecond=0)
    counts = Counts()
    people = _People(keyring)
    with use_locale(settings.default_locale):
        await send_appointment_reminders(settings, people, now, counts)
        await send_medicine_reminders(settings, people, now, counts)
    return counts
