"""The access policy: may this actor do this action in this area of this subject's record?

Every route asks ``decide`` and nothing else decides access (DESIGN.md). A denial
is answered like a missing object (404), so nobody learns that a record exists,
and the caller audits it. The rules, in order:

- a patient may do everything in their own record;
- a professional may read and write in the areas their profession may use, in the
  record of a patient whose circle they are in and who has not blocked them;
- a mediator helps people activate and learn the space, and never reaches an area
  of anyone's record; the one thing they may do is give a new activation code for a
  space they made that is not activated yet (a letter printed again);
- an analyst sees counts, never a record;
- a carer (a person signed in and acting for someone) may do what the delegation the
  patient granted allows: its areas, read only or read and write, until its end
  date; a legal representative of a minor has every area a carer may have. A
  delegation ended or past its date allows nothing from the next request on, and
  no delegation ever reaches the circle or the account (sign-in details, carers,
  closing or exporting the space);

Everything not allowed above is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from uuid import UUID

from litestar.exceptions import NotFoundException

from portal.core import audit
from portal.core.keys import key_owner


class Role(StrEnum):
    PATIENT = "patient"
    CARER = "carer"
    LEGAL_REPRESENTATIVE = "legal_representative"
    PROFESSIONAL = "professional"
    MEDIATOR = "mediator"
    ANALYST = "analyst"
    OPERATOR = "operator"


class Area(StrEnum):
    DOCUMENTS = "documents"
    MESSAGES = "messages"
    PROFILE = "profile"
    AGENDA = "agenda"
    NOTES = "notes"
    CATALOGUE = "catalogue"
    CIRCLE = "circle"
    ACCOUNT = "account"


class Action(StrEnum):
    READ = "read"
    WRITE = "write"


# What each profession may use in the record of a patient of its circle. In the
# notes area a professional reads only the notes the patient shared with them.
PROFESSIONAL_AREAS: dict[str, frozenset[Area]] = {
    "general_practitioner": frozenset({Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE, Area.NOTES}),
    "specialist": frozenset({Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE, Area.NOTES}),
    "pharmacist": frozenset({Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE, Area.NOTES}),
    "nurse": frozenset({Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE, Area.NOTES}),
    "physiotherapist": frozenset({Area.MESSAGES, Area.PROFILE, Area.NOTES}),
}

# The sections of the medical profile each profession may read, and add to (README).
# In the order the pages show them.
PROFILE_SECTION_KEYS = (
    "treatments",
    "allergies",
    "conditions",
    "family_history",
    "hospital_stays",
    "vaccinations",
    "measurements",
    "blood_group",
    "disabilities",
    "lifestyle",
    "directives",
    "organ_donation",
    "contacts",
)
_EVERY_SECTION = frozenset(PROFILE_SECTION_KEYS)
PROFILE_SECTIONS: dict[str, frozenset[str]] = {
    "general_practitioner": _EVERY_SECTION,
    "specialist": _EVERY_SECTION - {"lifestyle"},
    "pharmacist": frozenset({"treatments", "allergies", "vaccinations", "measurements"}),
    "nurse": frozenset(
        {
            "treatments",
            "allergies",
            "vaccinations",
            "measurements",
            "blood_group",
            "disabilities",
            "directives",
            "contacts",
        }
    ),
    "physiotherapist": frozenset(
        {"conditions", "hospital_stays", "measurements", "disabilities", "lifestyle"}
    ),
}


def profile_sections(actor: Actor, subject: UUID) -> frozenset[str]:
    """The profile sections ``actor`` may reach in ``subject``'s record, once ``decide``
    allowed the profile area: every one for the patient, their profession's for a
    professional."""
    if actor.role is Role.PATIENT and actor.account_id == subject:
        return _EVERY_SECTION
    if actor.role is Role.PROFESSIONAL:
        return PROFILE_SECTIONS.get(actor.profession or "", frozenset())
    if actor.role in (Role.CARER, Role.LEGAL_REPRESENTATIVE):
        return _EVERY_SECTION  # a delegation gives the profile area whole (``decide`` checked it)
    return frozenset()


@dataclass(frozen=True)
class Actor:
    """Who is signed in: their account, their role and, for professionals, their profession."""

    account_id: UUID
    role: Role
    profession: str | None = None


# What a delegation may give, and what a legal representative has.
DELEGABLE_AREAS = (Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE, Area.AGENDA, Area.NOTES, Area.CATALOGUE)


async def delegated(carer: UUID, patient: UUID, now: datetime | None = None) -> dict[Area, Action] | None:
    """What ``carer`` may do in ``patient``'s space today (area -> read or write), or None
    when no delegation between them is live: one indexed query, on every request."""
    from portal.carers.tables import Delegation

    now = now or datetime.now(UTC)
    rows = await Delegation.select(
        Delegation.areas, Delegation.legal_representative, Delegation.ends_at
    ).where((Delegation.carer == carer) & (Delegation.patient == patient) & (Delegation.status == "active"))
    for row in rows:
        ends_at = row["ends_at"]
        if ends_at is not None and (ends_at if ends_at.tzinfo else ends_at.replace(tzinfo=UTC)) <= now:
            continue
        if row["legal_representative"]:
            return dict.fromkeys(DELEGABLE_AREAS, Action.WRITE)
        return parse_areas(row["areas"])
    return None


def parse_areas(value: str) -> dict[Area, Action]:
    """``"documents:read,messages:write"`` -> {DOCUMENTS: READ, MESSAGES: WRITE}; anything
    that is not a delegable area and an action is left out."""
    found: dict[Area, Action] = {}
    for part in (value or "").split(","):
        name, _, action = part.strip().partition(":")
        try:
            area, act = Area(name), Action(action)
        except ValueError:
            continue
        if area in DELEGABLE_AREAS:
            found[area] = act
    return found


def format_areas(areas: dict[Area, Action]) -> str:
    return ",".join(f"{area.value}:{areas[area].value}" for area in DELEGABLE_AREAS if area in areas)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


async def decide(actor: Actor, subject: UUID, area: Area, action: Action) -> Decision:
    """The one answer to "may ``actor`` do ``action`` in ``area`` of ``subject``'s record?"."""
    if actor.role is Role.PATIENT:
        if actor.account_id == subject:
            return Decision(True, "own record")
        return Decision(False, "another patient's record")
    if actor.role is Role.PROFESSIONAL:
        if area not in PROFESSIONAL_AREAS.get(actor.profession or "", frozenset()):
            return Decision(False, "not an area of this profession")
        from portal.circle.services import circle_standing

        standing = await circle_standing(patient=subject, professional=actor.account_id)
        if standing == "member":
            return Decision(True, "in the patient's circle")
        return Decision(False, "blocked by the patient" if standing == "blocked" else "not in the circle")
    if actor.role in (Role.CARER, Role.LEGAL_REPRESENTATIVE):
        granted = await delegated(actor.account_id, subject)
        if granted is None:
            return Decision(False, "no live delegation")
        if area not in granted:
            return Decision(False, "an area outside the delegation")
        if action is Action.WRITE and granted[area] is not Action.WRITE:
            return Decision(False, "the delegation is read only here")
        return Decision(True, "delegated by the patient")
    if actor.role is Role.MEDIATOR and area is Area.ACCOUNT and action is Action.WRITE:
        if await _made_by_and_not_activated(actor, subject):
            return Decision(True, "a space this mediator made, not activated yet")
    return Decision(False, f"a {actor.role.value} never reaches a record")


async def _made_by_and_not_activated(actor: Actor, subject: UUID) -> bool:
    from portal.accounts.tables import Account, Invitation

    made = await Invitation.exists().where(
        (Invitation.account == subject)
        & (Invitation.invited_by == key_owner(actor.account_id))
        & Invitation.used_at.is_null()
    )
    invited = await Account.exists().where((Account.id == subject) & (Account.status == "invited"))
    return bool(made and invited)


async def require(
    actor: Actor, subject: UUID, area: Area, action: Action, object_id: str | None = None
) -> None:
    """``decide``, for a route: a denial is audited, then answered like a missing page (404)."""
    if await decide(actor, subject, area, action):
        return
    await audit.record(
        actor=key_owner(actor.account_id),
        area=area.value,
        action=action.value,
        outcome="denied",
        subject=key_owner(subject),
        object_id=object_id,
    )
    raise NotFoundException()
