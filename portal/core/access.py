"""The access policy, and the one door every handler goes through.

``decide`` answers "may this actor do this action in this area of this subject's
record?", and nothing else decides access (DESIGN.md). Handlers do not call it
themselves: they declare ``access: Access`` (a request-level dependency, ``provide_access``)
and ask ``await access.require(area, action)`` for every area they touch; a handler that
reaches into another area (a message attaching a library document, a service reading
documents) asks for that area too. A denial is audited and answered like a missing page
(404), so nobody learns that a record exists. A test over the route table
(``tests/integration/core/test_routes_are_guarded.py``) fails when a handler that is not
public on purpose does not declare the door.

The actor is who acts: a carer in the space of someone they help is an actor of role
CARER (or LEGAL_REPRESENTATIVE) whose subject is that person, never "the patient".

The rules, in order:

- a patient may do everything in their own record;
- a professional may read and write in the areas their profession may use, in the
  record of a patient whose circle they are in and who has not blocked them;
- a carer may do what the delegation the patient granted allows: its areas, read only
  or read and write, until its end date; a legal representative of a minor has every
  area a carer may have. A delegation ended or past its date allows nothing from the
  next request on, and no delegation ever reaches the circle or the account (sign-in
  details, carers, activity, closing or exporting the space);
- a mediator helps people activate and learn the space, and never reaches an area of
  anyone's record; the one thing they may do is give a new activation code for a space
  they made that is not activated yet (a letter printed again);
- an analyst sees counts, never a record.

Everything not allowed above is refused.

Core imports no feature: what the policy must ask of them (a live delegation, a standing
in a circle, who made a space) is registered by ``portal.app`` through ``register``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn, TypeAlias
from uuid import UUID

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from portal.core import audit
from portal.core.actions import AuditAction, Wording, declare
from portal.core.actions import msgid as _
from portal.core.keys import Keyring, key_owner, keyring_of

if TYPE_CHECKING:
    from portal.core.sessions import SignedIn


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


# --------------------------------------------------------------------------- what features tell the policy


@dataclass
class _Sources:
    """What the policy asks the features that own the facts (registered by ``portal.app``)."""

    delegation: Callable[[UUID, UUID, datetime], Awaitable[Delegation | None]] | None = None
    circle_standing: Callable[[UUID, UUID], Awaitable[str]] | None = None
    made_by_mediator: Callable[[UUID, UUID], Awaitable[bool]] | None = None
    profession_of: Callable[[UUID], Awaitable[str | None]] | None = None
    circles_open: Callable[[UUID, set[UUID]], Awaitable[set[UUID]]] | None = None


_SOURCES = _Sources()


def register(
    *,
    delegation: Callable[[UUID, UUID, datetime], Awaitable[Delegation | None]],
    circle_standing: Callable[[UUID, UUID], Awaitable[str]],
    made_by_mediator: Callable[[UUID, UUID], Awaitable[bool]],
    profession_of: Callable[[UUID], Awaitable[str | None]],
    circles_open: Callable[[UUID, set[UUID]], Awaitable[set[UUID]]],
) -> None:
    """Tell the policy where its facts live: the live delegation between a carer and a
    patient (carers), a professional's standing in a patient's circle ("member",
    "blocked" or "outside": circle), whether a mediator made a space not yet activated, and a
    professional's profession (accounts); and, of many patients, those whose circle a
    professional is in unblocked (circle: one query for a professional's inbox)."""
    _SOURCES.delegation = delegation
    _SOURCES.circle_standing = circle_standing
    _SOURCES.made_by_mediator = made_by_mediator
    _SOURCES.profession_of = profession_of
    _SOURCES.circles_open = circles_open


def _source(name: str) -> Any:
    found = getattr(_SOURCES, name)
    if found is None:
        raise RuntimeError(f"the access policy has no source for {name!r}: call portal.core.access.register")
    return found


# The delegations read during one request (``delegations_kept``): the session, the acting
# banner, the unread count and the door's decision for each area ask about the same one.
_KEPT_DELEGATIONS: ContextVar[dict[tuple[UUID, UUID], Delegation | None] | None] = ContextVar(
    "portal_kept_delegations", default=None
)


@contextmanager
def delegations_kept() -> Iterator[None]:
    """Within the block (one request, ``SessionMiddleware``), each delegation is read once,
    whoever asks. One that ends during the request still counts until the request ends;
    the next request reads it again, so it allows nothing from then on."""
    token = _KEPT_DELEGATIONS.set({})
    try:
        yield
    finally:
        _KEPT_DELEGATIONS.reset(token)


async def delegation(carer: UUID, patient: UUID, now: datetime | None = None) -> Delegation | None:
    """The live delegation from ``patient`` to ``carer`` today, or None (one indexed query,
    once per request)."""
    kept = _KEPT_DELEGATIONS.get() if now is None else None
    if kept is not None and (carer, patient) in kept:
        return kept[(carer, patient)]
    found: Delegation | None = await _source("delegation")(carer, patient, now or datetime.now(UTC))
    if kept is not None:
        kept[(carer, patient)] = found
    return found


async def profession_of(account_id: UUID) -> str | None:
    found: str | None = await _source("profession_of")(account_id)
    return found


# --------------------------------------------------------------------------- the policy


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
        standing = await _source("circle_standing")(subject, actor.account_id)
        if standing == "member":
            return Decision(True, "in the patient's circle")
        return Decision(False, "blocked by the patient" if standing == "blocked" else "not in the circle")
    if actor.role in PROXY_ROLES:
        granted = await delegation(actor.account_id, subject)
        if granted is None or granted.role is not actor.role:
            return Decision(False, "no live delegation")
        if area not in granted.areas:
            return Decision(False, "an area outside the delegation")
        if action is Action.WRITE and granted.areas[area] is not Action.WRITE:
            return Decision(False, "the delegation is read only here")
        return Decision(True, "delegated by the patient")
    if actor.role is Role.MEDIATOR and area is Area.ACCOUNT and action is Action.WRITE:
        if await _source("made_by_mediator")(actor.account_id, subject):
            return Decision(True, "a space this mediator made, not activated yet")
    return Decision(False, f"a {actor.role.value} never reaches a record")


async def reachable(actor: Actor, subjects: set[UUID], area: Area, action: Action) -> set[UUID]:
    """Of ``subjects``, those in whose record ``decide`` lets ``actor`` do ``action`` in
    ``area``: the same answers, for a list (a professional's inbox) in one query."""
    if actor.role is Role.PROFESSIONAL:
        if not subjects or area not in PROFESSIONAL_AREAS.get(actor.profession or "", frozenset()):
            return set()
        found: set[UUID] = await _source("circles_open")(actor.account_id, set(subjects))
        return found & subjects
    return {subject for subject in subjects if await decide(actor, subject, area, action)}


# The door's refusals, audited by ``refuse``: an area, read or write, refused. Declared
# here, by core, for every area (``_`` only marks the msgids: the activity translates them).
_SEEN = {
    Area.DOCUMENTS: _("%(who)s tried to see your documents and was refused."),
    Area.MESSAGES: _("%(who)s tried to see your messages and was refused."),
    Area.PROFILE: _("%(who)s tried to see your health profile and was refused."),
    Area.AGENDA: _("%(who)s tried to see your agenda and was refused."),
    Area.NOTES: _("%(who)s tried to see your notes and was refused."),
    Area.CATALOGUE: _("%(who)s tried to see your connected services and was refused."),
    Area.CIRCLE: _("%(who)s tried to see your care circle and was refused."),
    Area.ACCOUNT: _("%(who)s tried to see your account and was refused."),
}
_CHANGED = {
    Area.DOCUMENTS: _("%(who)s tried to change your documents and was refused."),
    Area.MESSAGES: _("%(who)s tried to write in your messages and was refused."),
    Area.PROFILE: _("%(who)s tried to change your health profile and was refused."),
    Area.AGENDA: _("%(who)s tried to change your agenda and was refused."),
    Area.NOTES: _("%(who)s tried to change your notes and was refused."),
    Area.CATALOGUE: _("%(who)s tried to change your connected services and was refused."),
    Area.CIRCLE: _("%(who)s tried to change your care circle and was refused."),
    Area.ACCOUNT: _("%(who)s tried to change your account and was refused."),
}
_NOT_THERE = _("You tried to open a page that is not there.")
REFUSALS: dict[tuple[Area, Action], AuditAction] = {
    **{
        (area, Action.READ): declare(area.value, Action.READ.value, denied=Wording(_NOT_THERE, text))
        for area, text in _SEEN.items()
    },
    **{
        (area, Action.WRITE): declare(area.value, Action.WRITE.value, denied=Wording(_NOT_THERE, text))
        for area, text in _CHANGED.items()
    },
}


async def refuse(
    actor: Actor, subject: UUID, area: Area, action: Action, object_id: str | None = None
) -> NoReturn:
    """Audit a refusal, then answer it like a missing page (404)."""
    await audit.record(
        actor=key_owner(actor.account_id),
        action=REFUSALS[(area, action)],
        outcome="denied",
        subject=key_owner(subject),
        object_id=object_id,
    )
    raise NotFoundException()


async def require(
    actor: Actor, subject: UUID, area: Area, action: Action, object_id: str | None = None
) -> None:
    """``decide``, outside a request (a connected service's key, a task): a denial is
    audited, then answered like a missing page (404). Handlers use ``Access.require``."""
    if not await decide(actor, subject, area, action):
        await refuse(actor, subject, area, action, object_id)


# --------------------------------------------------------------------------- the door


@dataclass(frozen=True)
class Reach:
    """What the policy allowed: who acts, in whose record, in which area, and the
    keyring that opens the subject's sealed values for this request."""

    actor: Actor
    subject: UUID
    area: Area
    action: Action
    keyring: Keyring

    @property
    def by_subject(self) -> bool:
        """The person acts in their own record (not a carer, not a professional)."""
        return self.actor.account_id == self.subject

    @property
    def by_professional(self) -> bool:
        return self.actor.role is Role.PROFESSIONAL

    @property
    def by_proxy(self) -> bool:
        return self.actor.role in PROXY_ROLES


class Door:
    """The request-level door: ``access: Access`` in every handler that reaches a record.

    ``require`` asks the policy for an area and an action of the subject (the space the
    pages show by default: the person's own, or the one a carer acts in; a professional
    names the patient) and returns the ``Reach`` the handler works with, or audits the
    refusal and answers 404. ``allows`` asks without auditing or refusing, to decide what
    a page offers (a document picker, a link). Answers are kept for the request.
    """

    __slots__ = ("_answers", "connection", "keyring")

    def __init__(self, connection: ASGIConnection[Any, Any, Any, Any], keyring: Keyring) -> None:
        self.connection = connection
        self.keyring = keyring
        self._answers: dict[tuple[UUID, Area, Action], Decision] = {}

    @property
    def user(self) -> SignedIn:
        """The person signed in (``SignInRequired`` without a live session)."""
        from portal.core.sessions import signed_in

        return signed_in(self.connection)

    @property
    def actor(self) -> Actor:
        return self.user.actor

    @property
    def subject(self) -> UUID:
        """Whose space the pages show: the person's own, or the one a carer acts in."""
        return self.user.subject

    async def _decide(self, subject: UUID, area: Area, action: Action) -> Decision:
        key = (subject, area, action)
        if key not in self._answers:
            self._answers[key] = await decide(self.actor, subject, area, action)
        return self._answers[key]

    async def allows(self, area: Area, action: Action, subject: UUID | None = None) -> bool:
        """Whether the actor may, without auditing nor refusing: for what a page offers."""
        return bool(await self._decide(self.subject if subject is None else subject, area, action))

    async def require(
        self, area: Area, action: Action, subject: UUID | None = None, *, object_id: str | None = None
    ) -> Reach:
        """The policy's yes as a ``Reach``, or an audited 404."""
        subject = self.subject if subject is None else subject
        if not await self._decide(subject, area, action):
            await refuse(self.actor, subject, area, action, object_id)
        return Reach(self.actor, subject, area, action, self.keyring)

    async def refuse(
        self, area: Area, action: Action, subject: UUID | None = None, object_id: str | None = None
    ) -> NoReturn:
        """Audit a refusal of the handler's own (an object not in the subject's record) and 404."""
        await refuse(self.actor, self.subject if subject is None else subject, area, action, object_id)

    def own(self, *roles: Role) -> Actor:
        """For a page about the signed-in person's own work, not anyone's record (a
        professional's list of patients, a mediator's invitations, the analyst's figures):
        the actor, when their role is one of ``roles`` (else 404)."""
        actor = self.actor
        if actor.role not in roles:
            raise NotFoundException()
        return actor


# What a handler declares: ``access: Access`` (injected by name, ``portal.app``).
Access: TypeAlias = NamedDependency[Door]


def provide_access(request: Request[Any, Any, Any]) -> Door:
    """The ``access`` dependency (``portal.app``): one door per request, with the request's
    one keyring (``keyring_of``: the acting banner and the handler use the same)."""
    return Door(request, keyring_of(request))
