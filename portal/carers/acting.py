"""A carer in the space of someone they help: which pages they may reach, and the banner.

``acting_guard`` runs before every route (``portal.app``). For a carer acting for
someone it names the area of the page asked for and asks the access policy, with
"read" for GET and HEAD and "write" for anything else; a page outside every
delegable area (the circle, the account, the carers, the activity page) is not
there for them. For anyone else it does nothing: the routes ask the policy
themselves.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from portal.core.access import Action, Area, require
from portal.core.sessions import SignedIn

# The pages of each area, by the start of their address.
AREA_PATHS: tuple[tuple[str, Area], ...] = (
    ("/space/documents", Area.DOCUMENTS),
    ("/space/messages", Area.MESSAGES),
    ("/messages/unread", Area.MESSAGES),
    ("/space/profile", Area.PROFILE),
    ("/space/agenda", Area.AGENDA),
    ("/space/notes", Area.NOTES),
    ("/space/catalogue", Area.CATALOGUE),
    ("/space/services", Area.CATALOGUE),
)
# What a carer in someone's space may always reach: that space's home (which lists
# only the delegated areas) and the way back to their own space.
OPEN_PATHS = frozenset({"/space", "/space/acting-for/stop"})
# Personal pages outside /space: someone else's account pages are not the carer's.
PERSONAL_PREFIXES = ("/space", "/messages", "/carers", "/k/", "/activate/done")


def area_of(path: str) -> Area | None:
    for prefix, area in AREA_PATHS:
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            return area
    return None


async def acting_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = connection.scope.get("user")
    if not isinstance(user, SignedIn) or user.carer_id is None:
        return
    path = connection.scope["path"]
    if path in OPEN_PATHS:
        return
    area = area_of(path)
    if area is None and not path.startswith(PERSONAL_PREFIXES):
        return  # public pages, and sign-out
    method = connection.scope.get("method", "GET")
    action = Action.READ if method in ("GET", "HEAD") else Action.WRITE
    # ``require`` audits a refusal and answers it like a missing page.
    await require(user.actor, user.account_id, area or Area.ACCOUNT, action)


async def acting_banner(request: Any) -> None:
    """Before a page of a carer in someone's space: the name for the banner ("You are
    acting for Jeanne Dupont") and the areas the delegation gives, for the pages and the
    header (the unread count shows only when messages are delegated)."""
    user = request.scope.get("user")
    if not isinstance(user, SignedIn) or user.carer_id is None or request.method != "GET":
        return
    from portal.accounts.people import names_of
    from portal.core.access import delegated
    from portal.core.keys import Keyring

    people = await names_of(Keyring(request.app.state.master_key), [user.account_id])
    person = people.get(user.account_id)
    request.scope.setdefault("state", {})["portal_acting"] = {
        "name": person.name if person else "",
        "areas": await delegated(user.carer_id, user.account_id) or {},
    }
