"""The "my care circle" page: the professionals who may see the space, adding one
by their RPPS number, blocking, unblocking and taking one out.

Each change is a plain form that comes back to the page; with htmx, the
professional's row is replaced in place.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.identity import IdentityError, normalise_rpps
from portal.accounts.people import names_of
from portal.circle import services
from portal.core.access import Access, Action, Area, Role
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.keys import key_owner
from portal.core.sessions import requires_role
from portal.core.web import is_htmx, page

# The patient only: no delegation ever reaches the circle, and the policy says so too.
PATIENTS = [requires_role(Role.PATIENT)]
CHANGES = ("block", "unblock", "remove")


def _circle_page(
    request: Request[Any, Any, Any],
    members: list[services.Member],
    *,
    rpps: str = "",
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> Template:
    return page(
        request,
        "circle/circle.html",
        status=400 if errors else 200,
        members=members,
        rpps=rpps,
        errors=errors or {},
        done=done,
    )


@get("/space/circle", name="circle", guards=PATIENTS)
async def show_circle(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.CIRCLE, Action.READ)
    members = await services.members_of(reach.keyring, reach.subject)
    done = request.query_params.get("done")
    return _circle_page(request, members, done=done if done in ("add", *CHANGES) else None)


@get("/space/circle/find", name="find_professional", guards=PATIENTS)
async def find_professional(request: Request[Any, Any, Any], access: Access) -> Template:
    """Look a professional up by RPPS number, and ask the patient to confirm it is them."""
    reach = await access.require(Area.CIRCLE, Action.WRITE)
    typed = request.query_params.get("rpps", "")
    error = None
    try:
        found = await services.find_professional(reach.keyring, normalise_rpps(typed))
    except IdentityError as exc:
        found, error = None, exc.message
    if found is None:
        error = error or _(
            "No professional with this number uses the health space yet. "
            "Check the number on their prescription."
        )
        return _circle_page(
            request,
            await services.members_of(reach.keyring, reach.subject),
            rpps=typed,
            errors={"rpps": error},
        )
    standing = await services.circle_standing(reach.subject, found.account_id)
    return page(request, "circle/confirm_add.html", professional=found, standing=standing)


@post("/space/circle/add", name="add_to_circle", guards=PATIENTS, status_code=303)
async def add_professional(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.CIRCLE, Action.WRITE)
    form = await request.form()
    try:
        professional = uuid.UUID(form.get("professional", ""))
    except ValueError:
        await access.refuse(Area.CIRCLE, Action.WRITE)
        raise
    found = (await names_of(reach.keyring, [professional])).get(professional)
    if found is None or found.role is not Role.PROFESSIONAL or not found.name:
        # Only an active professional joins a circle; anyone else is not there to add.
        await access.refuse(Area.CIRCLE, Action.WRITE, object_id=key_owner(professional))
    await services.change_circle(
        patient=reach.subject,
        professional=professional,
        change="add",
        actor=key_owner(reach.actor.account_id),
    )
    return Redirect(path=url_for("circle", done="add"), status_code=303)


@post(
    "/space/circle/{professional:uuid}/{change:str}", name="change_circle", guards=PATIENTS, status_code=303
)
async def change_circle(
    request: Request[Any, Any, Any], access: Access, professional: FromPath[uuid.UUID], change: FromPath[str]
) -> Response[Any]:
    """Block, unblock or take out a professional of the patient's own circle."""
    reach = await access.require(Area.CIRCLE, Action.WRITE)
    if change not in CHANGES or await services.circle_standing(reach.subject, professional) == "outside":
        # Not a change, or not a professional of this circle: nothing here to change.
        await access.refuse(Area.CIRCLE, Action.WRITE, object_id=key_owner(professional))
    await services.change_circle(
        patient=reach.subject,
        professional=professional,
        change=change,  # type: ignore[arg-type]
        actor=key_owner(reach.actor.account_id),
    )
    if not is_htmx(request):
        return Redirect(path=url_for("circle", done=change), status_code=303)
    changed = await services.member(reach.keyring, reach.subject, professional)
    return page(request, "circle/_member.html", member=changed, removed=changed is None, row_done=change)


ROUTES = [show_circle, find_professional, add_professional, change_circle]
