"""The care circle: joining it, blocking and unblocking, and standing in it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from portal.circle.tables import CircleMember

Standing = Literal["member", "blocked", "outside"]


async def circle_standing(*, patient: UUID, professional: UUID) -> Standing:
    """Whether ``professional`` is in ``patient``'s circle, blocked there, or outside it."""
    row = (
        await CircleMember.select(CircleMember.blocked_at)
        .where((CircleMember.patient == patient) & (CircleMember.professional == professional))
        .first()
    )
    if row is None:
        return "outside"
    return "blocked" if row["blocked_at"] is not None else "member"


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
