"""The "my care circle" page: the professionals who may see the space, adding one
by their RPPS number, blocking, unblocking and taking one out.

Each change is a plain form that comes back to the page; with htmx, the
professional's row is replaced in place.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.identity import IdentityError, normalise_rpps
from portal.accounts.people import actor_of, names_of
from portal.circle import services
from portal.core.access import Action, Area, Role, require
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.sessions import requires_role, signed_in
from portal.core.web import is_htmx, page

PATIENTS = [requires_role(Role.PATIENT)]
CHANGES = ("block", "unblock", "remove")


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


async def _allowed(request: Request[Any, Any, Any], action: Action) -> uuid.UUID:
    user = signed_in(request)
    await require(await actor_of(user), user.account_id, Area.CIRCLE, action)
    return user.account_id


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
async def show_circle(request: Request[Any, Any, Any]) -> Template:
    patient = await _allowed(request, Action.READ)
    members = await services.members_of(_keyring(request), patient)
    done = request.query_params.get("done")
    return _circle_page(request, members, done=done if done in ("add", *CHANGES) else None)


@get("/space/circle/find", name="find_professional", guards=PATIENTS)
async def find_professional(request: Request[Any, Any, Any]) -> Template:
    """Look a professional up by RPPS number, and ask the patient to confirm it is them."""
    patient = await _allowed(request, Action.WRITE)
    keyring = _keyring(request)
    typed = request.query_params.get("rpps", "")
    error = None
    try:
        found = await services.find_professional(keyring, normalise_rpps(typed))
    except IdentityError as exc:
        found, error = None, exc.message
    if found is None:
        error = error or _(
            "No professional with this number uses the health space yet. "
            "Check the number on their prescription."
        )
        return _circle_page(
            request, await services.members_of(keyring, patient), rpps=typed, errors={"rpps": error}
        )
    standing = await services.circle_standing(patient=patient, professional=found.account_id)
    return page(request, "circle/confirm_add.html", professional=found, standing=standing)


@post("/space/circle/add", name="add_to_circle", guards=PATIENTS, status_code=303)
async def add_professional(request: Request[Any, Any, Any]) -> Response[Any]:
    patient = await _allowed(request, Action.WRITE)
    form = await request.form()
    try:
        professional = uuid.UUID(form.get("professional", ""))
    except ValueError:
        raise NotFoundException() from None
    found = (await names_of(_keyring(request), [professional])).get(professional)
    if found is None or found.role is not Role.PROFESSIONAL or not found.name:
        raise NotFoundException()
    await services.change_circle(
        patient=patient, professional=professional, change="add", actor=key_owner(patient)
    )
    return Redirect(path="/space/circle?done=add", status_code=303)


@post(
    "/space/circle/{professional:uuid}/{change:str}", name="change_circle", guards=PATIENTS, status_code=303
)
async def change_circle(
    request: Request[Any, Any, Any], professional: FromPath[uuid.UUID], change: FromPath[str]
) -> Response[Any]:
    """Block, unblock or take out a professional of the patient's own circle."""
    patient = await _allowed(request, Action.WRITE)
    if change not in CHANGES:
        raise NotFoundException()
    if await services.circle_standing(patient=patient, professional=professional) == "outside":
        raise NotFoundException()
    await services.change_circle(
        patient=patient,
        professional=professional,
        change=change,  # type: ignore[arg-type]
        actor=key_owner(patient),
    )
    if not is_htmx(request):
        return Redirect(path=f"/space/circle?done={change}", status_code=303)
    changed = await services.member(_keyring(request), patient, professional)
    return page(request, "circle/_member.html", member=changed, removed=changed is None, row_done=change)


ROUTES = [show_circle, find_professional, add_professional, change_circle]
