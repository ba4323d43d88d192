"""The two sides of the messages' pages: the patient's (under /space/messages, anyone in a
patient's space) and the professionals' (under /pro/messages). One handler serves both,
declared once per side with a name of its own (``both``): the patient's side's page is
called ``<name>``, the professional's ``pro_<name>`` (``side_name``); templates get the
prefix (``side``: "" or "pro_") and call ``url_for(side ~ name, ...)``.

Also what every handler of both sides shares: the door to a conversation
(``reached_conversation``) and the page number asked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.types import AnyCallable

from portal.core.access import Access, Action, Actor, Area, Reach, Role
from portal.core.addresses import url_for
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import bounded_int
from portal.messages.members import Membership, membership

# Written here for the routes' declarations only: pages go by name (url_for).
PATIENT_BASE = "/space/messages"
PRO_BASE = "/pro/messages"
BOTH = [requires_role(*SPACE_ROLES, Role.PROFESSIONAL)]
SPACE = [requires_role(*SPACE_ROLES)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
# A page number beyond any inbox or conversation.
MAX_PAGE = 10_000
# Where content.pagination puts a page's number in an address.

# The professionals' side of the pages of both sides (``both``), for the route table.
PRO_SIDE: list[HTTPRouteHandler] = []


def both(
    method: type[HTTPRouteHandler], path: str, *, name: str, **options: Any
) -> Callable[[AnyCallable], HTTPRouteHandler]:
    """A page of both sides: under /space/messages called ``name``, and the same handler under
    /pro/messages called ``pro_<name>`` (every address has a name of its own: ``side_name``)."""

    def declare(handler: AnyCallable) -> HTTPRouteHandler:
        PRO_SIDE.append(method(PRO_BASE + path, name=f"pro_{name}", **options)(handler))
        return method(PATIENT_BASE + path, name=name, **options)(handler)

    return declare


def side_of(actor: Actor) -> str:
    """The prefix of the names of ``actor``'s side's pages: "pro_" for a professional, else ""."""
    return "pro_" if actor.role is Role.PROFESSIONAL else ""


def side_name(actor: Actor, name: str) -> str:
    """The name of a page of ``actor``'s side (``pro_<name>`` for a professional)."""
    return side_of(actor) + name


def page_asked(request: Request[Any, Any, Any]) -> int | None:
    """The page number in the address (``page``), or None when there is none (or it is no number)."""
    return bounded_int(request.query_params.get("page"), default=0, low=1, high=MAX_PAGE) or None


def own_side(request: Request[Any, Any, Any], access: Access) -> Actor:
    """The actor, on the side of the site that is theirs (else 404): a professional under
    /pro/messages, anyone in a patient's space under /space/messages."""
    actor = access.actor
    if not request.url.path.startswith(url_for(side_name(actor, "inbox"))):
        raise NotFoundException()
    return actor


async def reached_conversation(
    request: Request[Any, Any, Any], access: Access, conversation: uuid.UUID, action: Action
) -> tuple[Reach, Membership]:
    """The conversation as the actor reaches it, through the door. On the patient's side the
    member is the subject (the patient, whoever acts for them), on a professional's the
    professional. Someone outside it, or a professional the patient blocked or who left the
    circle, gets a 404, audited."""
    actor = own_side(request, access)
    object_id = f"conversation:{conversation}"
    if actor.role is Role.PROFESSIONAL:
        place = await membership(conversation, actor.account_id)
        if place is None:
            await access.refuse(Area.MESSAGES, action, object_id=object_id)
        reach = await access.require(Area.MESSAGES, action, subject=place.patient, object_id=object_id)
        return reach, place
    # The patient's side: nothing is looked up for someone the area is closed to.
    reach = await access.require(Area.MESSAGES, action, object_id=object_id)
    found = await membership(conversation, reach.subject)
    if found is None:
        await access.refuse(Area.MESSAGES, action, object_id=object_id)
    return reach, found
