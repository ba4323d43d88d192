"""The "my activity" page: newest first, with "show older activity" as a plain link
that htmx turns into an in-place addition."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from portal.accounts.people import actor_of
from portal.activity.services import activity_of
from portal.core.access import Action, Area, require
from portal.core.keys import Keyring
from portal.core.sessions import requires_signed_in, signed_in
from portal.core.web import page


def _event_id(raw: str | None) -> int | None:
    try:
        value = int(raw or "")
    except ValueError:
        return None
    return value if value > 0 else None


@get("/space/activity", name="activity", guards=[requires_signed_in])
async def show_activity(request: Request[Any, Any, Any]) -> Template:
    user = signed_in(request)
    await require(await actor_of(user), user.account_id, Area.ACCOUNT, Action.READ)
    before = _event_id(request.query_params.get("before"))
    activity = await activity_of(
        Keyring(request.app.state.master_key),
        user.account_id,
        before=before,
        timezone=request.app.state.settings.timezone,
    )
    return page(
        request, "activity/activity.html", fragment="activity/_events.html", activity=activity, before=before
    )


ROUTES = [show_activity]
