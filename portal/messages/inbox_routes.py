"""The inbox of both sides, the unread count in the header, and a professional's choice
of whether patients may start conversations with them."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from portal.core.access import Access, Action, Area, Role, decide
from portal.core.addresses import paged_url, url_for
from portal.core.sessions import SPACE_ROLES, SignedIn
from portal.core.web import is_htmx, page
from portal.messages import services
from portal.messages.sides import (
    BOTH,
    PRO_BASE,
    PROFESSIONALS,
    both,
    own_side,
    page_asked,
    side_name,
    side_of,
)

# --------------------------------------------------------------------------- the header


async def header_counts(request: Request[Any, Any, Any]) -> None:
    """Before a page: the unread count for the header of a patient's space or a professional's
    pages: the professional's own conversations (of the patients who still let them read),
    or the space's, shown to whoever may read its messages (a carer only when delegated)."""
    user = request.scope.get("user")
    if not isinstance(user, SignedIn) or user.role not in (*SPACE_ROLES, Role.PROFESSIONAL):
        return
    if request.method != "GET" or (is_htmx(request) and request.url.path != url_for("unread_count")):
        return
    actor = user.actor
    if actor.role is not Role.PROFESSIONAL and not await decide(
        actor, user.subject, Area.MESSAGES, Action.READ
    ):
        return
    member = actor.account_id if actor.role is Role.PROFESSIONAL else user.subject
    state = request.scope.setdefault("state", {})
    state["portal_header"] = {
        "inbox": url_for(side_name(actor, "inbox")),
        "unread": await services.unread_count(member),
    }


@get("/messages/unread", name="unread_count", guards=BOTH)
async def unread(request: Request[Any, Any, Any], access: Access) -> Template:
    """The header's link to the inbox, with its count (refreshed by htmx)."""
    if access.actor.role is Role.PROFESSIONAL:
        access.own(Role.PROFESSIONAL)
    else:
        await access.require(Area.MESSAGES, Action.READ)
    return page(request, "messages/_unread.html")


# --------------------------------------------------------------------------- inbox


@both(get, "", name="inbox", guards=BOTH)
async def show_inbox(request: Request[Any, Any, Any], access: Access) -> Template:
    actor = own_side(request, access)
    if actor.role is Role.PROFESSIONAL:
        # Their own conversations, across patients: each patient's is kept only while the
        # policy still lets them read it (services.inbox).
        access.own(Role.PROFESSIONAL)
        member, archived, may_write = actor.account_id, False, True
        accepts_new: bool | None = await services.accepts_new(actor.account_id)
    else:
        reach = await access.require(Area.MESSAGES, Action.READ)
        member, archived = reach.subject, request.query_params.get("archived") == "1"
        may_write = await access.allows(Area.MESSAGES, Action.WRITE)
        accepts_new = None
    inbox = side_name(actor, "inbox")
    found = await services.inbox(
        access.keyring,
        member,
        archived=archived,
        page=page_asked(request) or 1,
        professional=actor.role is Role.PROFESSIONAL,
    )
    return page(
        request,
        "messages/inbox.html",
        fragment="messages/_inbox.html",
        inbox=found,
        conversations=found.conversations,
        archived=archived,
        side=side_of(actor),
        # Addresses with a query, made here: the list's refresh, its pages, the archived ones.
        refresh_href=url_for(inbox, archived=1 if archived else None, page=found.page),
        page_href=paged_url(inbox, archived=1 if archived else None),
        archived_href=url_for(inbox, archived=1),
        may_write=may_write,
        accepts_new=accepts_new,
        done=request.query_params.get("done"),
    )


@post(PRO_BASE + "/settings", name="message_settings", guards=PROFESSIONALS, status_code=303)
async def save_settings(request: Request[Any, Any, Any], access: Access) -> Redirect:
    actor = access.own(Role.PROFESSIONAL)
    form = await request.form()
    await services.set_accepts_new(actor.account_id, form.get("accepts_new") == "1")
    return Redirect(path=url_for("pro_inbox", done="settings"), status_code=303)
