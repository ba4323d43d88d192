"""Carers: a patient's page of their carers (invite, end), a carer's page of the people they
help (accept, refuse, enter their space, end), the emailed invitation link, and switching
between one's own space and the space of someone one helps (a new session each time).

A carer in someone's space never reaches these pages: a carer never manages carers. Each
page asks the door for the account area, the patient's own (their carers) or the signed-in
person's own (the people they help, an invitation to them); the policy refuses the account
to anyone acting for someone, and the guard lets in only a session of one's own space.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.notify import tell
from portal.carers import actions, changes, delegations, forms, services
from portal.core.access import Access, Action, Area, Reach, Role
from portal.core.addresses import url_for
from portal.core.forms import FormResult
from portal.core.i18n import gettext as _
from portal.core.i18n import today
from portal.core.keys import Keyring
from portal.core.notify import send_email
from portal.core.records import record
from portal.core.sessions import (
    SPACE_ROLES,
    SignedIn,
    cookie_name,
    end_session,
    requires_role,
    session_cookie,
    start_session,
)
from portal.core.web import page, renew_csrf_token

PATIENTS = [requires_role(Role.PATIENT)]
BASE = "/space/carers"
HELPING = "/space/helping"


async def _own_account(access: Access, action: Action) -> Reach:
    """The signed-in person's own account (the people they help, an invitation sent to
    them), whoever's space the session is in: the policy refuses it to a carer's session
    in someone else's space (their role there is CARER, and no delegation reaches an
    account), so a carer answers invitations and switches spaces only from their own."""
    return await access.require(Area.ACCOUNT, action, subject=access.actor.account_id)


async def _not_theirs(access: Access, reach: Reach, delegation: uuid.UUID) -> NoReturn:
    """A delegation that is not one the person may answer, end or use: refused (audited, 404)."""
    await access.refuse(reach.area, reach.action, subject=reach.subject, object_id=f"delegation:{delegation}")


def area_names() -> dict[Area, str]:
    return {
        Area.DOCUMENTS: _("Documents"),
        Area.MESSAGES: _("Messages"),
        Area.PROFILE: _("Health profile"),
        Area.AGENDA: _("Agenda"),
        Area.NOTES: _("Notes"),
        Area.CATALOGUE: _("Connected services"),
    }


def relation_options() -> list[tuple[str, str]]:
    return [("", _("Choose")), *services.relation_words().items()]


def _access_choices() -> list[tuple[str, str]]:
    return [("", _("No")), ("read", _("Read only")), ("write", _("Read and change"))]


# --------------------------------------------------------------------------- the patient's side


@get(BASE, name="carers", guards=PATIENTS)
async def show_carers(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.ACCOUNT, Action.READ)
    carers = await services.carers_of(reach.keyring, reach.subject)
    return page(
        request,
        "carers/carers.html",
        carers=carers,
        relations=services.relation_words(),
        areas=area_names(),
        done=request.query_params.get("done"),
        limit=request.app.state.settings.max_carers_per_patient,
        pending=sum(1 for one in carers if one.status == "invited"),
        max_pending=delegations.MAX_PENDING_INVITATIONS,
    )


def _invite_page(request: Request[Any, Any, Any], form: FormResult) -> Template:
    return page(
        request,
        "carers/invite.html",
        status=200 if form.ok else 400,
        **form.shown(),
        areas=area_names(),
        choices=_access_choices(),
        relations=relation_options(),
    )


@get(BASE + "/invite", name="invite_carer", guards=PATIENTS)
async def show_invite(request: Request[Any, Any, Any], access: Access) -> Template:
    await access.require(Area.ACCOUNT, Action.WRITE)
    return _invite_page(request, forms.blank_invitation(today(request.app.state.settings.timezone)))


def _end_of_day(day: Any, timezone: str) -> datetime:
    return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(timezone)).astimezone(UTC)


async def _find_carer(keyring: Keyring, patient: uuid.UUID, form: FormResult) -> uuid.UUID | None:
    """The person the patient names by identity, if the form is right and they have a
    space; else the form says why not (under the family name)."""
    if await delegations.pending_invitations(patient) >= delegations.MAX_PENDING_INVITATIONS:
        # Before looking the person up: the answer is the same whoever they are.
        await record(patient, patient, actions.INVITE, None, outcome="denied")
        form.error("family_name", delegations.too_many_pending().message)
        return None
    carer = await changes.find_carer(
        keyring,
        family_name=form.data["family_name"],
        given_names=form.data["given_names"],
        date_of_birth=form.data["dob"].isoformat(),
        nir=form.data["nir"],
    )
    if carer is None:
        await record(patient, patient, actions.INVITE, None, outcome="denied")
        form.error(
            "family_name",
            _(
                "We found no one with this name, date of birth and social security number who has "
                "a health space. Check what you typed, or invite the person by email."
            ),
        )
    return carer


@post(BASE + "/invite", name="send_carer_invitation", guards=PATIENTS, status_code=200)
async def send_invitation(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.ACCOUNT, Action.WRITE)
    patient = reach.subject
    keyring = reach.keyring
    settings = request.app.state.settings
    form = forms.read_invitation(await request.form(), today(settings.timezone))
    how = form.value("how")
    identity_ok = how == "identity" and not any(
        name in form.errors for name in forms.IDENTITY_FIELDS + ("dob",)
    )
    carer = await _find_carer(keyring, patient, form) if identity_ok else None
    if not form.ok:
        return _invite_page(request, form)
    email: str | None = form.data.get("email") if how == "email" else None
    try:
        _delegation, token = await changes.invite(
            keyring,
            patient=patient,
            carer=carer,
            email=email,
            relation=form.data["relation"],
            areas=form.data["areas"],
            ends_at=_end_of_day(form.data["ends"], settings.timezone),
            max_carers=settings.max_carers_per_patient,
            max_people=settings.max_people_per_carer,
            email_as_typed=form.value("email").strip() if email else None,
        )
    except delegations.DelegationError as exc:
        await record(patient, patient, actions.INVITE, None, outcome="denied")
        field = {"who": "family_name" if how == "identity" else "email", "areas": "area-documents"}
        form.error(field.get(exc.field, exc.field), exc.message)
        return _invite_page(request, form)
    if carer is not None:
        # Found by name, date of birth and NIR: the patient knew who; they see it on their page.
        await tell(
            settings,
            keyring,
            carer,
            _("Someone asks you to help them in their health space"),
            _(
                "A person asks you to help them in their health space. Sign in to answer: %(link)s",
                link=settings.base_url.rstrip("/") + url_for("helping"),
            ),
        )
    elif email and token and await changes.may_mail_invitation(keyring, email):
        # The same email whether or not the address has a space; at most one a day per
        # address (held back otherwise: the invitation is kept, the patient told the same).
        await send_email(
            settings,
            email,
            _("Someone asks you to help them in their health space"),
            _(
                "A person asks you to help them in their health space. To answer, open this link and "
                "sign in to your own health space: %(link)s\n",
                link=settings.base_url.rstrip("/") + url_for("carer_link", token=token),
            ),
        )
    return Redirect(path=url_for("carers", done="invited"), status_code=303)


@post(BASE + "/{delegation:uuid}/end", name="end_carer", guards=PATIENTS, status_code=303)
async def end_carer(access: Access, delegation: FromPath[uuid.UUID]) -> Redirect:
    reach = await access.require(Area.ACCOUNT, Action.WRITE)
    if not await changes.end(delegation, reach.subject):
        await access.refuse(Area.ACCOUNT, Action.WRITE, object_id=f"delegation:{delegation}")
    return Redirect(path=url_for("carers", done="ended"), status_code=303)


# --------------------------------------------------------------------------- the carer's side


@get(HELPING, name="helping", guards=PATIENTS)
async def show_helping(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await _own_account(access, Action.READ)
    return page(
        request,
        "carers/helping.html",
        helped=await services.helped_by(
            reach.keyring, reach.subject, await delegations.own_invitation_index(reach.keyring, reach.subject)
        ),
        areas=area_names(),
        done=request.query_params.get("done"),
        max_people=request.app.state.settings.max_people_per_carer,
        ended=request.scope.get("state", {}).get("portal_delegation_ended", False),
    )


@post(HELPING + "/{delegation:uuid}/answer", name="answer_invitation", guards=PATIENTS, status_code=303)
async def answer_invitation(
    request: Request[Any, Any, Any], access: Access, delegation: FromPath[uuid.UUID]
) -> Redirect:
    reach = await _own_account(access, Action.WRITE)
    form = await request.form()
    accept = form.get("answer") == "accept"
    try:
        answered = await changes.answer(
            delegation,
            reach.subject,
            accept,
            invited_index=await delegations.own_invitation_index(reach.keyring, reach.subject),
            max_people=request.app.state.settings.max_people_per_carer,
        )
    except delegations.DelegationError:
        return Redirect(path=url_for("helping", done="full"), status_code=303)
    if not answered:
        await _not_theirs(access, reach, delegation)
    return Redirect(path=url_for("helping", done="accepted" if accept else "refused"), status_code=303)


@post(HELPING + "/{delegation:uuid}/end", name="stop_helping", guards=PATIENTS, status_code=303)
async def stop_helping(access: Access, delegation: FromPath[uuid.UUID]) -> Redirect:
    reach = await _own_account(access, Action.WRITE)
    if not await changes.end(delegation, reach.subject):
        await _not_theirs(access, reach, delegation)
    return Redirect(path=url_for("helping", done="ended"), status_code=303)


async def _switch(
    request: Request[Any, Any, Any], user: SignedIn, carer: uuid.UUID, acting_for: uuid.UUID | None, to: str
) -> Response[Any]:
    """A new session (a new id) for the carer, in their own space or in someone's they help."""
    store = request.app.state.sessions
    settings = request.app.state.settings
    old = request.cookies.get(cookie_name(settings))
    if old:
        await end_session(store, old)
    token = await start_session(store, carer, Role.PATIENT, kiosk=user.kiosk, acting_for=acting_for)
    response: Response[Any] = Redirect(path=to, status_code=303)
    response.set_cookie(session_cookie(settings, token))
    renew_csrf_token(request, response)
    return response


@post(HELPING + "/{delegation:uuid}/enter", name="enter_space", guards=PATIENTS, status_code=303)
async def enter_space(
    request: Request[Any, Any, Any], access: Access, delegation: FromPath[uuid.UUID]
) -> Response[Any]:
    reach = await _own_account(access, Action.WRITE)
    carer = reach.subject
    patient = await services.may_enter(carer, delegation)
    if patient is None:
        await _not_theirs(access, reach, delegation)
    await record(carer, patient, actions.ENTER, f"delegation:{delegation}")
    return await _switch(request, access.user, carer, patient, url_for("space"))


@post(
    "/space/acting-for/stop", name="back_to_own_space", guards=[requires_role(*SPACE_ROLES)], status_code=303
)
async def back_to_own_space(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    # Leaving someone's space reaches no record: it ends the carer's session there and
    # starts one in their own space, which is always theirs to go back to.
    user = access.user
    if not user.acting:
        return Redirect(path=url_for("space"), status_code=303)
    return await _switch(request, user, user.account_id, None, url_for("helping"))


# --------------------------------------------------------------------------- an emailed invitation


@get("/carers/accept/{token:str}", name="carer_link", guards=PATIENTS)
async def show_link(request: Request[Any, Any, Any], access: Access, token: FromPath[str]) -> Template:
    reach = await _own_account(access, Action.READ)
    info = await services.by_token(reach.keyring, token)
    if info is None or info.patient == reach.subject:
        # Nothing to answer here (the token is never written to the trail: it opens the invitation).
        await access.refuse(Area.ACCOUNT, Action.READ, subject=reach.subject)
    return page(request, "carers/link.html", info=info, token=token, areas=area_names())


@post("/carers/accept/{token:str}", name="answer_link", guards=PATIENTS, status_code=303)
async def answer_link(request: Request[Any, Any, Any], access: Access, token: FromPath[str]) -> Redirect:
    reach = await _own_account(access, Action.WRITE)
    info = await services.by_token(reach.keyring, token)
    if info is None:
        await access.refuse(Area.ACCOUNT, Action.WRITE, subject=reach.subject)
    form = await request.form()
    accept = form.get("answer") == "accept"
    try:
        answered = await changes.answer(
            info.id,
            reach.subject,
            accept,
            by_link=True,
            max_people=request.app.state.settings.max_people_per_carer,
        )
    except delegations.DelegationError:
        return Redirect(path=url_for("helping", done="full"), status_code=303)
    if not answered:
        await _not_theirs(access, reach, info.id)
    return Redirect(path=url_for("helping", done="accepted" if accept else "refused"), status_code=303)


ROUTES = [
    show_carers,
    show_invite,
    send_invitation,
    end_carer,
    show_helping,
    answer_invitation,
    stop_helping,
    enter_space,
    back_to_own_space,
    show_link,
    answer_link,
]
