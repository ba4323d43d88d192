"""The mediator's pages: their home, making a space for someone, printing the letter.

A mediator never reads anyone's record: they type a person's identity once, the
space is made, and the code goes by email or on a large-print letter. Printing
the letter again gives a new code (only a keyed index of a code is kept).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from portal.accounts.invitations import AlreadyHasASpace, activation_email, invite_person, reissue_code
from portal.accounts.people import actor_of
from portal.accounts.services import read_identity
from portal.core.access import Action, Area, Role, require
from portal.core.i18n import current_locale
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.letters import activation_letter_pdf
from portal.core.notify import DeliveryError, send_email
from portal.core.sessions import requires_role, signed_in
from portal.core.web import page
from portal.outreach.forms import InvitationForm, read_invitation_form

MEDIATORS = [requires_role(Role.MEDIATOR)]


@get("/mediator", name="mediator", guards=MEDIATORS)
async def show_mediator_home(request: Request[Any, Any, Any]) -> Template:
    return page(request, "outreach/home.html")


def _invite_form(request: Request[Any, Any, Any], form: InvitationForm, status: int = 200) -> Template:
    return page(
        request,
        "outreach/invite.html",
        status=status,
        form=form,
        values=form.values,
        errors=form.errors,
    )


@get("/mediator/invite", name="invite_form", guards=MEDIATORS)
async def show_invite_form(request: Request[Any, Any, Any]) -> Template:
    return _invite_form(request, InvitationForm(values={}))


@post("/mediator/invite", name="invite", guards=MEDIATORS, status_code=200)
async def invite(request: Request[Any, Any, Any]) -> Template:
    """Make the space and give the code; the answer says what happened and what next."""
    mediator = signed_in(request)
    form = read_invitation_form(await request.form(), date.today())
    if form.person is None:
        return _invite_form(request, form, status=400)
    settings = request.app.state.settings
    keyring = Keyring(request.app.state.master_key)
    try:
        invited = await invite_person(
            keyring, form.person, delivery=form.delivery, invited_by=key_owner(mediator.account_id)
        )
    except AlreadyHasASpace:
        form.errors["nir"] = _(
            "This person already has a space. If they lost their code, call us on 0 800 00 00 00 (free)."
        )
        return _invite_form(request, form, status=400)
    if form.delivery == "email":
        assert form.person.email
        subject, body = activation_email(
            invited.code, invited.expires_at.date(), f"{settings.base_url}/activate"
        )
        try:
            await send_email(settings, form.person.email, subject, body)
        except DeliveryError:
            form.errors["email"] = _("The email could not be sent. Check the address, or choose the letter.")
            # 503: the request's transaction is rolled back, so no space is left half made.
            return _invite_form(request, form, status=503)
    return page(
        request,
        "outreach/invited.html",
        person=form.person,
        delivery=form.delivery,
        account_id=invited.account_id,
        expires_at=invited.expires_at,
    )


@post(
    "/mediator/invitations/{account_id:uuid}/letter", name="print_letter", guards=MEDIATORS, status_code=200
)
async def print_letter(request: Request[Any, Any, Any], account_id: FromPath[uuid.UUID]) -> Response[bytes]:
    """The large-print letter with a new code, for a space this mediator made and nobody activated."""
    mediator = signed_in(request)
    await require(await actor_of(mediator), account_id, Area.ACCOUNT, Action.WRITE)
    keyring = Keyring(request.app.state.master_key)
    person = await read_identity(keyring, account_id)
    if person is None or not person.postal_address:
        raise NotFoundException()
    invited = await reissue_code(keyring, account_id, invited_by=key_owner(mediator.account_id))
    if invited is None:
        raise NotFoundException()
    settings = request.app.state.settings
    pdf = activation_letter_pdf(
        recipient_name=f"{person.given_names} {person.family_name}",
        address_lines=person.postal_address.split("\n"),
        code=invited.code,
        expires_on=invited.expires_at.date(),
        locale=current_locale(),
        activation_url=f"{settings.base_url}/activate",
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": 'attachment; filename="activation-letter.pdf"'},
    )


ROUTES = [show_mediator_home, show_invite_form, invite, print_letter]
