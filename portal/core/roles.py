"""The words of the access policy: who acts (``Role``, ``Actor``), where (``Area``), how
(``Action``), what each profession may use (``PROFESSIONAL_AREAS``, ``PROFILE_SECTIONS``)
and what a delegation may give (``DELEGABLE_AREAS``, ``Delegation``).

Values only, no decision: the policy that answers with them is ``portal.core.access``
(which gives these names too), the door handlers go through is ``portal.core.door``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    PATIENT = "patient"
    CARER = "carer"
    LEGAL_REPRESENTATIVE = "legal_representative"
    PROFESSIONAL = "professional"
    MEDIATOR = "mediator"
    ANALYST = "analyst"
    OPERATOR = "operator"


# Who acts for someone else, through a delegation.
PROXY_ROLES = frozenset({Role.CARER, Role.LEGAL_REPRESENTATIVE})


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

# What a delegation may give, and what a legal representative has.
DELEGABLE_AREAS = (Area.DOCUMENTS, Area.MESSAGES, Area.PROFILE, Area.AGENDA, Area.NOTES, Area.CATALOGUE)


@dataclass(frozen=True)
class Actor:
    """Who acts: their account, their role on this request and, for professionals, their
    profession. A carer acting for someone is an actor of role CARER."""

    account_id: UUID
    role: Role
    profession: str | None = None

    @property
    def is_proxy(self) -> bool:
        return self.role in PROXY_ROLES


def profile_sections(actor: Actor, subject: UUID) -> frozenset[str]:
    """The profile sections ``actor`` may reach in ``subject``'s record, once ``decide``
    allowed the profile area: every one for the patient and for someone acting for them
    (a delegation gives the profile area whole), their profession's for a professional."""
    if actor.role is Role.PATIENT and actor.account_id == subject:
        return _EVERY_SECTION
    if actor.role is Role.PROFESSIONAL:
        return PROFILE_SECTIONS.get(actor.profession or "", frozenset())
    if actor.role in PROXY_ROLES:
        return _EVERY_SECTION
    return frozenset()


# --------------------------------------------------------------------------- delegations


@dataclass(frozen=True)
class Delegation:
    """A live delegation: what the carer may do (area -> read or write), and whether they
    are the legal representative of a minor."""

    areas: dict[Area, Action]
    legal_representative: bool = False

    @property
    def role(self) -> Role:
        return Role.LEGAL_REPRESENTATIVE if self.legal_representative else Role.CARER


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
