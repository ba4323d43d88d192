"""The door every handler goes through: ``access: Access``, and what it answers (``Reach``).

Handlers do not call the policy (``portal.core.access.decide``) themselves: they declare
``access: Access`` (a request-level dependency, ``provide_access``) and ask
``await access.require(area, action)`` for every area they touch; a handler that reaches
into another area (a message attaching a library document, a service reading documents)
asks for that area too. A denial is audited (``refuse``, with the refusals declared here
for every area) and answered like a missing page (404), so nobody learns that a record
exists. A test over the route table (``tests/integration/core/test_routes_are_guarded.py``)
fails when a handler that is not public on purpose does not declare the door.

``portal.core.access`` gives these names too (``from portal.core.access import Access``).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from portal.core.roles import PROXY_ROLES, Action, Actor, Area, Role

if TYPE_CHECKING:
    from portal.core.access import Decision
    from portal.core.sessions import SignedIn


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
        # The policy's module gives the door's names too (``portal.core.access.Access``), so
        # the door reaches the policy when it asks, not when it is imported (no cycle).
        from portal.core.access import decide

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
