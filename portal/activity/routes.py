"""The "my activity" page: newest first, with "show older activity" as a plain link
that htmx turns into an in-place addition.

Only the person themselves reads it: it is part of the account, which no delegation
reaches (a carer never sees who else helps, nor when the person signed in)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from portal.activity.services import activity_of
from portal.core.access import Access, Action, Area, Role
from portal.core.sessions import requires_role
from portal.core.web import bounded_int, page

# The audit trail's ids are a 32-bit serial on PostgreSQL (and SQLite stops at 64 bits):
# a marker beyond them is no marker at all, never a database error.
LAST_EVENT_ID = 2**31 - 1


@get("/space/activity", name="activity", guards=[requires_role(Role.PATIENT)])
async def show_activity(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.ACCOUNT, Action.READ)
    # 0: no marker (missing, not a number, out of range): the newest events.
    before = bounded_int(request.query_params.get("before"), default=0, low=1, high=LAST_EVENT_ID) or None
    activity = await activity_of(
        reach.keyring, reach.subject, before=before, timezone=request.app.state.settings.timezone
    )
    return page(
        request, "activity/activity.html", fragment="activity/_events.html", activity=activity, before=before
    )


ROUTES = [show_activity]
