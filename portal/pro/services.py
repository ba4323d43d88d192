"""A professional's patients, and joining a patient's circle by declaring a consultation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import Enum

from portal.accounts.people import Person, names_of
from portal.accounts.services import find_account_id, read_identity
from portal.accounts.tables import Account
from portal.circle import actions as circle_actions
from portal.circle.services import add_to_circle, circle_standing
from portal.circle.tables import CircleMember
from portal.core import audit
from portal.core.keys import Keyring, key_owner


async def patients_of(keyring: Keyring, professional: uuid.UUID) -> list[Person]:
    """The patients whose circle ``professional`` is in and who have not blocked them, by name."""
    rows = await CircleMember.select(CircleMember.patient).where(
        (CircleMember.professional == professional) & CircleMember.blocked_at.is_null()
    )
    people = await names_of(keyring, [uuid.UUID(str(row["patient"])) for row in rows])
    return sorted((p for p in people.values() if p.name), key=lambda p: p.name.casefold())


class Declared(Enum):
    JOINED = "joined"
    ALREADY = "already"
    NOT_FOUND = "not_found"  # no active space with this number and date of birth, or blocked


@dataclass(frozen=True)
class Declaration:
    outcome: Declared
    patient: uuid.UUID | None = None


async def declare_consultation(
    keyring: Keyring, professional: uuid.UUID, nir: str, born: date
) -> Declaration:
    """Join the circle of the patient with this NIR and date of birth, after a consultation.

    The patient sees it on their care circle page and in their activity, and can undo it.
    A patient who blocked the professional is answered like one who does not exist.
    """
    patient = await find_account_id(keyring, nir)
    if patient is None:
        return Declaration(Declared.NOT_FOUND)
    active = await Account.exists().where((Account.id == patient) & (Account.status == "active"))
    identity = await read_identity(keyring, patient) if active else None
    if identity is None or identity.date_of_birth != born.isoformat():
        return Declaration(Declared.NOT_FOUND)
    standing = await circle_standing(patient=patient, professional=professional)
    if standing == "blocked":
        return Declaration(Declared.NOT_FOUND)
    if standing == "member":
        return Declaration(Declared.ALREADY, patient)
    await add_to_circle(patient=patient, professional=professional, joined_by="declared")
    await audit.record(
        actor=key_owner(professional),
        action=circle_actions.DECLARE,
        outcome="allowed",
        subject=key_owner(patient),
        object_id=key_owner(professional),
    )
    return Declaration(Declared.JOINED, patient)
