"""The care circle: joining it, blocking and unblocking, and standing in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from portal.accounts.people import Person, names_of
from portal.accounts.tables import Account
from portal.circle import actions
from portal.circle.tables import CircleMember
from portal.core import audit
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner

Standing = Literal["member", "blocked", "outside"]


async def circle_standing(patient: UUID, professional: UUID) -> Standing:
    """Whether ``professional`` is in ``patient``'s circle, blocked there, or outside it."""
    row = (
        await CircleMember.select(CircleMember.blocked_at)
        .where((CircleMember.patient == patient) & (CircleMember.professional == professional))
        .first()
    )
    if row is None:
        return "outside"
    return "blocked" if row["blocked_at"] is not None else "member"


async def circles_open(professional: UUID, patients: set[UUID]) -> set[UUID]:
    """Of ``patients``, those whose circle ``professional`` is in and who have not blocked
    them (what ``circle_standing`` says "member" to), in one query."""
    if not patients:
        return set()
    rows = await CircleMember.select(CircleMember.patient).where(
        (CircleMember.professional == professional)
        & CircleMember.patient.is_in(list(patients))
        & CircleMember.blocked_at.is_null()
    )
    return {row["patient"] if isinstance(row["patient"], UUID) else UUID(str(row["patient"])) for row in rows}


async def add_to_circle(
    *, patient: UUID, professional: UUID, joined_by: Literal["invited", "declared"]
) -> bool:
    """Add ``professional`` to ``patient``'s circle; False when they were there already."""
    if await circle_standing(patient=patient, professional=professional) != "outside":
        return False
    await CircleMember.insert(CircleMember(patient=patient, professional=professional, joined_by=joined_by))
    return True


async def set_blocked(*, patient: UUID, professional: UUID, blocked: bool) -> bool:
    """Block or unblock a member of the circle; it takes effect at the next request."""
    updated = (
        await CircleMember.update({CircleMember.blocked_at: datetime.now(UTC) if blocked else None})
        .where((CircleMember.patient == patient) & (CircleMember.professional == professional))
        .returning(CircleMember._meta.primary_key)
    )
    return bool(updated)


async def remove_from_circle(*, patient: UUID, professional: UUID) -> bool:
    """Take a professional out of the circle (a declared consultation the patient undoes)."""
    removed = (
        await CircleMember.delete()
        .where((CircleMember.patient == patient) & (CircleMember.professional == professional))
        .returning(CircleMember._meta.primary_key)
    )
    return bool(removed)


@dataclass(frozen=True)
class Member:
    """A professional of a patient's circle, as the patient's page shows them."""

    person: Person
    joined_by: str  # "invited" or "declared"
    joined_at: datetime
    blocked_at: datetime | None


async def members_of(keyring: Keyring, patient: UUID) -> list[Member]:
    """The professionals of ``patient``'s circle, blocked ones included, newest first."""
    rows = (
        await CircleMember.select()
        .where(CircleMember.patient == patient)
        .order_by(CircleMember.joined_at, ascending=False)
    )
    people = await names_of(keyring, [UUID(str(row["professional"])) for row in rows])
    return [
        Member(
            person=people[UUID(str(row["professional"]))],
            joined_by=row["joined_by"],
            joined_at=row["joined_at"],
            blocked_at=row["blocked_at"],
        )
        for row in rows
        if UUID(str(row["professional"])) in people
    ]


async def member(keyring: Keyring, patient: UUID, professional: UUID) -> Member | None:
    return next((m for m in await members_of(keyring, patient) if m.person.account_id == professional), None)


async def find_professional(keyring: Keyring, rpps: str) -> Person | None:
    """The active professional with this RPPS number (normalised), or None."""
    row = (
        await Account.select(Account.id)
        .where(
            (Account.rpps_index == await keyring.index("rpps", rpps))
            & (Account.role == Role.PROFESSIONAL.value)
            & (Account.status == "active")
        )
        .first()
    )
    if row is None:
        return None
    found = await names_of(keyring, [UUID(str(row["id"]))])
    return next(iter(found.values()), None)


async def change_circle(
    *, patient: UUID, professional: UUID, change: Literal["add", "block", "unblock", "remove"], actor: str
) -> bool:
    """Make one change to a patient's circle and audit it; False when it changed nothing."""
    if change == "add":
        done = await add_to_circle(patient=patient, professional=professional, joined_by="invited")
    elif change == "remove":
        done = await remove_from_circle(patient=patient, professional=professional)
    else:
        standing = await circle_standing(patient=patient, professional=professional)
        wanted: Standing = "blocked" if change == "block" else "member"
        done = standing not in ("outside", wanted) and await set_blocked(
            patient=patient, professional=professional, blocked=change == "block"
        )
    if done:
        await audit.record(
            actor=actor,
            action=actions.CHANGES[change],
            outcome="allowed",
            subject=key_owner(patient),
            object_id=key_owner(professional),
        )
    return done
