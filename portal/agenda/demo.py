"""Jeanne's demo agenda: her next appointments with Dr Martin and at the hospital (with
reminders the day before), and a reminder for her morning and evening tablets."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from portal.accounts.demo import DEMO_PEOPLE
from portal.accounts.services import find_account_id
from portal.agenda.changes import add_appointment, add_medicine
from portal.agenda.services import Choice, Details, Medicine
from portal.agenda.tables import Appointment
from portal.core.keys import Keyring

ZONE = "Europe/Paris"
DAY_BEFORE = 24 * 60


async def seed_demo_agenda(keyring: Keyring, now: datetime | None = None) -> int:
    """Once: nothing is added when Jeanne has an appointment already."""
    email = DEMO_PEOPLE["jeanne"].identity.email
    assert email
    jeanne = await find_account_id(keyring, email)
    if jeanne is None or await Appointment.exists().where(Appointment.patient == jeanne):
        return 0
    today = (now or datetime.now(ZoneInfo(ZONE))).astimezone(ZoneInfo(ZONE)).date()
    visits = [
        (7, time(10, 30), Details("Consultation de suivi", "Dr Anne Martin", "Maison de santé, Guéret", "")),
        (
            19,
            time(14, 0),
            Details(
                "Échographie cardiaque", "Service de cardiologie", "CHU de Limoges", "Apporter l'ordonnance"
            ),
        ),
        (-12, time(9, 15), Details("Prise de sang", "Laboratoire", "Laboratoire de Guéret", "À jeun")),
    ]
    for days, at, details in visits:
        starts = datetime.combine(today + timedelta(days=days), at, tzinfo=ZoneInfo(ZONE))
        await add_appointment(
            keyring,
            patient=jeanne,
            author=jeanne,
            starts_at=starts,
            details=details,
            choices=[Choice(DAY_BEFORE, "email")] if days > 0 else [],
            zone=ZONE,
        )
    await add_medicine(
        keyring,
        patient=jeanne,
        author=jeanne,
        details=Medicine("Metformine", "500 mg", "Pendant le repas"),
        at_times=[time(8, 0), time(19, 0)],
        first_day=today,
        last_day=None,
        channel="email",
        zone=ZONE,
    )
    return len(visits) + 1
