"""Signing out, and asking for more time before the session ends.

Both are about the signed-in person's own session, not anyone's record: they go through
the door (``access``) for who is signed in, and ask the policy for no area.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from litestar import Request, post
from litestar.response import Redirect, Response

from portal.accounts import actions
from portal.core import audit
from portal.core.access import Access
from portal.core.addresses import url_for
from portal.core.keys import key_owner
from portal.core.kiosk import kiosk_of
from portal.core.kiosk import session_ended as record_kiosk_session_end
from portal.core.sessions import (
    CLEAR_SITE_DATA,
    cleared_session_cookie,
    cookie_name,
    end_session,
    requires_signed_in,
    touch_or_expire,
)
from portal.core.web import renew_csrf_token, safe_next

SIGNED_IN = [requires_signed_in]


@post("/sign-out", name="sign_out", guards=SIGNED_IN, status_code=303)
async def sign_out(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """End the session, make the browser forget this site, and go to the home page."""
    user = access.user  # who signs out: the carer, when they were acting for someone
    settings = request.app.state.settings
    token = request.cookies.get(cookie_name(settings))
    if token:
        await end_session(request.app.state.sessions, token)
    owner = key_owner(user.account_id)
    await audit.record(actor=owner, action=actions.SIGN_OUT, outcome="allowed", subject=owner)
    home = url_for("home")
    if user.kiosk:
        # A kiosk: the end is marked, and the terminal goes back to its welcome screen
        # (portal.kiosk.web.KioskMiddleware keeps the terminal's cookie out of Clear-Site-Data).
        await record_kiosk_session_end(kiosk_of(request), user.account_id, "sign_out")
        home = url_for("kiosk_welcome")
    headers = {"Clear-Site-Data": CLEAR_SITE_DATA}
    response: Response[Any]
    if request.headers.get("hx-request") == "true":
        # htmx would follow a 303 itself and swap the home page into this one.
        response = Response(content=b"", status_code=200, headers={**headers, "HX-Redirect": home})
    else:
        response = Redirect(path=home, status_code=303, headers=headers)
    response.set_cookie(cleared_session_cookie(settings))
    # A form token of the session that ends (or planted before it) must not work after it.
    renew_csrf_token(request, response)
    return response


@post("/session/extend", name="extend_session", guards=SIGNED_IN, status_code=303)
async def extend_session(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """The "stay signed in" button: the idle time-out starts again, then back to the page.
    It touches only the caller's own session (its cookie), so the door asks no area."""
    settings = request.app.state.settings
    token = request.cookies.get(cookie_name(settings), "")
    await touch_or_expire(request.app.state.sessions, token, datetime.now(UTC), force=True)
    if request.headers.get("hx-request") == "true":
        return Response(content=b"", status_code=204)
    form = await request.form()
    return Redirect(path=safe_next(form.get("next")), status_code=303)


ROUTES = [sign_out, extend_session]
