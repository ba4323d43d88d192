"""The access policy: ``decide``, and where its facts live (``register``).

``decide`` answers "may this actor do this action in this area of this subject's
record?", and nothing else decides access (DESIGN.md). Handlers do not call it
themselves: they go through the door (``portal.core.door``: ``access: Access``,
``await access.require(area, action)``), which asks it and audits a denial. The words
the policy speaks (roles, areas, actions, what a profession or a delegation may reach)
are ``portal.core.roles``. This module gives the names of both too, so
``from portal.core.access import Access, Area, Role`` holds everywhere.

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
from typing import Any
from uuid import UUID

from portal.core.door import REFUSALS as REFUSALS
from portal.core.door import Access as Access
from portal.core.door import Door as Door
from portal.core.door import Reach as Reach
from portal.core.door import provide_access as provide_access
from portal.core.door import refuse as refuse
from portal.core.roles import _EVERY_SECTION as _EVERY_SECTION
from portal.core.roles import DELEGABLE_AREAS as DELEGABLE_AREAS
from portal.core.roles import PROFESSIONAL_AREAS as PROFESSIONAL_AREAS
from portal.core.roles import PROFILE_SECTION_KEYS as PROFILE_SECTION_KEYS
from portal.core.roles import PROFILE_SECTIONS as PROFILE_SECTIONS
from portal.core.roles import PROXY_ROLES as PROXY_ROLES
from portal.core.roles import Action as Action
from portal.core.roles import Actor as Actor
from portal.core.roles import Area as Area
from portal.core.roles import Delegation as Delegation
from portal.core.roles import Role as Role
from portal.core.roles import format_areas as format_areas
from portal.core.roles import parse_areas as parse_areas
from portal.core.roles import profile_sections as profile_sections

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


async def require(
    actor: Actor, subject: UUID, area: Area, action: Action, object_id: str | None = None
) -> None:
    """``decide``, outside a request (a connected service's key, a task): a denial is
    audited, then answered like a missing page (404). Handlers use ``Access.require``."""
    if not await decide(actor, subject, area, action):
        await refuse(actor, subject, area, action, object_id)
