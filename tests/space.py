"""What a space holds: helpers that fill a person's space for a test, through the portal's own
services (sealed as the portal seals), each in one transaction of the test client's engine."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from portal.agenda.changes import add_appointment, add_medicine
from portal.agenda.services import Choice, Medicine
from portal.agenda.services import Details as Visit
from portal.circle.services import add_to_circle
from portal.core import audit
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.documents.demo import DEMO_DOCUMENTS, demo_pdf
from portal.documents.services import Details, add_document
from portal.messages.services import membership, reply, set_accepts_new, start
from portal.notes.changes import add_note, share
from portal.notes.services import get_note
from portal.profile.demo import _ENTRIES, _measurements
from portal.profile.services import add_entry
from tests.conftest import TEST_MASTER_KEY
from tests.people import make_person, run

ZONE = "Europe/Paris"
KEYRING = Keyring(TEST_MASTER_KEY)


def in_transaction(client: Any, work: Callable[[], Any]) -> Any:
    async def go() -> Any:
        async with client.app.state.engine.transaction():
            return await work()

    return run(client, go)


def professional(client: Any, given: str, family: str, profession: str = "general_practitioner") -> uuid.UUID:
    return make_person(
        client, Role.PROFESSIONAL, given_names=given, family_name=family, profession=profession
    )


def join(client: Any, patient: uuid.UUID, pros: list[uuid.UUID]) -> None:
    async def work() -> None:
        me = key_owner(patient)
        for pro in pros:
            await add_to_circle(patient=patient, professional=pro, joined_by="invited")
            await audit.record(
                actor=me,
                area="circle",
                action="circle.add",
                outcome="allowed",
                subject=me,
                object_id=key_owner(pro),
            )

    in_transaction(client, work)


def add_documents(client: Any, patient: uuid.UUID, authors: list[uuid.UUID], count: int) -> list[uuid.UUID]:
    """``count`` one-page documents, added by each of ``authors`` in turn (the patient's own
    or a professional's deposits)."""

    async def work() -> list[uuid.UUID]:
        made = []
        for number in range(count):
            title, category, day, _by_doctor, lines = DEMO_DOCUMENTS[number % len(DEMO_DOCUMENTS)]
            author = authors[number % len(authors)]
            details = Details(
                title=f"{title} {number}", category=category, document_date=day, media_type="application/pdf"
            )
            made.append(
                await add_document(
                    KEYRING,
                    patient=patient,
                    author=author,
                    author_role="patient" if author == patient else "professional",
                    details=details,
                    content=demo_pdf(title, lines),
                )
            )
        return made

    result: list[uuid.UUID] = in_transaction(client, work)
    return result


def add_conversations(client: Any, patient: uuid.UUID, pros: list[uuid.UUID], count: int) -> list[uuid.UUID]:
    """``count`` conversations with ``patient``, each started by one of ``pros`` in turn."""

    async def work() -> list[uuid.UUID]:
        made = []
        now = datetime.now(UTC)
        for number in range(count):
            pro = pros[number % len(pros)]
            made.append(
                await start(
                    KEYRING,
                    patient=patient,
                    author=pro,
                    professionals=[pro],
                    subject=f"Vos résultats {number}",
                    body="Bonjour, tout est normal.",
                    attachments=[],
                    now=now - timedelta(days=count - number),
                )
            )
        return made

    result: list[uuid.UUID] = in_transaction(client, work)
    return result


def add_replies(client: Any, conversation: uuid.UUID, people: list[uuid.UUID], count: int) -> None:
    """``count`` more messages in ``conversation``, written by each of ``people`` in turn."""

    async def work() -> None:
        now = datetime.now(UTC)
        for number in range(count):
            author = people[number % len(people)]
            place = await membership(conversation, author)
            assert place is not None
            await reply(
                KEYRING, place, author, f"Message {number}", [], now=now - timedelta(minutes=count - number)
            )

    in_transaction(client, work)


def add_views(
    client: Any, patient: uuid.UUID, actors: list[uuid.UUID], document: uuid.UUID, count: int
) -> None:
    """``count`` events the activity shows: each of ``actors`` in turn looked at ``document``."""

    async def work() -> None:
        for number in range(count):
            await audit.record(
                actor=key_owner(actors[number % len(actors)]),
                area="documents",
                action="document.view",
                outcome="allowed",
                subject=key_owner(patient),
                object_id=f"document:{document}",
            )

    in_transaction(client, work)


def add_appointments(client: Any, patient: uuid.UUID, days: list[date]) -> None:
    async def work() -> None:
        for number, day in enumerate(days):
            await add_appointment(
                KEYRING,
                patient=patient,
                author=patient,
                starts_at=datetime.combine(day, time(8 + number % 10, 30), tzinfo=ZoneInfo(ZONE)),
                details=Visit(f"Consultation {number}", "Dr Anne Martin", "Maison de santé, Guéret", ""),
                choices=[Choice(24 * 60, "email")],
                zone=ZONE,
            )

    in_transaction(client, work)


def this_month(count: int) -> list[date]:
    """``count`` days of the current month (in the portal's zone), whatever today is."""
    first = datetime.now(ZoneInfo(ZONE)).date().replace(day=1)
    return [first + timedelta(days=number % 28) for number in range(count)]


@dataclass(frozen=True)
class Space:
    patient: uuid.UUID
    conversation: uuid.UUID


def demo_like(client: Any) -> Space:
    """A patient whose space holds what the demo's Jeanne has (``portal demo``)."""
    patient = make_person(client)
    doctor = professional(client, "Anne", "Martin")
    pharmacist = professional(client, "Paul", "Girard", "pharmacist")
    me = key_owner(patient)

    async def activated() -> None:
        await audit.record(actor="operator", area="account", action="invite", outcome="allowed", subject=me)
        await audit.record(actor=me, area="account", action="activate", outcome="allowed", subject=me)

    in_transaction(client, activated)
    join(client, patient, [doctor, pharmacist])
    documents = add_documents(client, patient, [doctor, patient, patient, patient], len(DEMO_DOCUMENTS))
    in_transaction(client, lambda: set_accepts_new(doctor, True))
    (conversation,) = add_conversations(client, patient, [doctor], 1)

    async def profile() -> None:
        for section, data, by_doctor in _ENTRIES + _measurements(date.today()):
            await add_entry(
                KEYRING,
                patient=patient,
                section=section,
                data=data,
                author=doctor if by_doctor else patient,
                author_role="professional" if by_doctor else "patient",
            )

    in_transaction(client, profile)
    today = datetime.now(ZoneInfo(ZONE)).date()
    # Three this month whatever the day, and the demo's: in a week, in 19 days, 12 days ago.
    week, later, before = today + timedelta(days=7), today + timedelta(days=19), today - timedelta(days=12)
    add_appointments(client, patient, [*this_month(3), week, later, before])

    async def medicine_and_notes() -> None:
        await add_medicine(
            KEYRING,
            patient=patient,
            author=patient,
            details=Medicine("Metformine", "500 mg", "Pendant le repas"),
            at_times=[time(8, 0), time(19, 0)],
            first_day=today,
            last_day=None,
            channel="email",
            zone=ZONE,
        )
        shared = await add_note(
            KEYRING, patient, patient, "Questions pour le Dr Martin", "- Le paracétamol ?"
        )
        view = await get_note(KEYRING, patient, shared)
        assert view is not None
        await share(view, doctor, patient)
        await add_note(KEYRING, patient, patient, "Numéro du taxi", "05 55 00 00 00")

    in_transaction(client, medicine_and_notes)
    # Her newest events: her doctor and her pharmacist looked at a document (the activity names them).
    add_views(client, patient, [doctor, pharmacist], documents[0], 2)
    return Space(patient, conversation)
