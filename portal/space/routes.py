"""The home page of a signed-in person, and closing a patient's space."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from portal.accounts import sign_in_services
from portal.accounts.services import NAME_FIELDS, read_identity
from portal.core import throttle
from portal.core.access import Access, Action, Area, Role
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.sessions import CLEAR_SITE_DATA, SPACE_ROLES, cleared_session_cookie, requires_role
from portal.core.web import page
from portal.space.services import close_space

PATIENTS = [requires_role(Role.PATIENT)]


@get("/space", name="space", guards=[requires_role(*SPACE_ROLES)])
async def show_space(request: Request[Any, Any, Any], access: Access) -> Template:
    """The home of a space: a card for each area the person may read there (every one in
    their own space; for a carer in someone's, the areas of the delegation)."""
    shown = {area.value for area in Area if await access.allows(area, Action.READ)}
    name = ""
    if Area.ACCOUNT.value in shown:
        reach = await access.require(Area.ACCOUNT, Action.READ)
        identity = await read_identity(reach.keyring, reach.subject, NAME_FIELDS)
        name = f"{identity.given_names} {identity.family_name}" if identity else ""
    may_close = await access.allows(Area.ACCOUNT, Action.WRITE)
    return page(request, "space/space.html", name=name, shown=shown, may_close=may_close)


def _close_form(
    request: Request[Any, Any, Any],
    errors: dict[str, str] | None = None,
    *,
    password: str = "",
    shown: bool = False,
) -> Template:
    return page(
        request,
        "space/close.html",
        status=400 if errors else 200,
        errors=errors or {},
        password=password,
        shown=shown,
    )


@get("/space/close", name="close_space", guards=PATIENTS)
async def show_close_space(request: Request[Any, Any, Any], access: Access) -> Template:
    await access.require(Area.ACCOUNT, Action.WRITE)
    return _close_form(request)


@post("/space/close", name="confirm_close_space", guards=PATIENTS, status_code=303)
async def confirm_close_space(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """Close the space when the person confirms with their password (a space left open
    on a shared computer must not be closable by the next person). Only the person
    themselves: the policy refuses the account to anyone acting for them."""
    reach = await access.require(Area.ACCOUNT, Action.WRITE)
    account_id = reach.subject
    form = await request.form()
    password = form.get("password", "")
    if "show" in form:
        # The "show the password" button: the same page, the password in plain text (or hidden again).
        return _close_form(request, password=password, shown=form.get("show") == "1")
    shown = form.get("shown") == "1"
    if not password:
        return _close_form(request, {"password": _("Type your password to close your space.")}, shown=shown)
    lock_key = await sign_in_services.account_key(reach.keyring, account_id)
    try:
        attempt = await throttle.attempt([lock_key])
    except throttle.Locked:
        errors = {"password": _("Too many tries. Wait a few minutes, then try again.")}
        return _close_form(request, errors, shown=shown)
    account = await sign_in_services.get_active_account(account_id)
    if not await sign_in_services.check_password(account, password):
        await attempt.failed()
        return _close_form(request, {"password": _("This is not your password. Try again.")}, shown=shown)
    await attempt.succeeded()
    await close_space(account_id)
    store = request.app.state.sessions
    await store.delete_all_of(account_id)
    response: Response[Any] = Redirect(
        path=url_for("space_closed"), status_code=303, headers={"Clear-Site-Data": CLEAR_SITE_DATA}
    )
    response.set_cookie(cleared_session_cookie(request.app.state.settings))
    return response


@get("/space/closed", name="space_closed", opt={"public": True})
async def show_space_closed(request: Request[Any, Any, Any]) -> Template:
    return page(request, "space/closed.html")


ROUTES = [show_space, show_close_space, confirm_close_space, show_space_closed]
