"""The mediator's pages: where they work today, making a space for someone, printing the
letter, activating the space with the person beside them, and the guided tour.

A mediator never reads anyone's record: they type a person's identity once, the
space is made, and the code goes by email or on a large-print letter. With the person
present, "Activate now with the person" opens the activation journey with the code
filled in (from a sealed ticket sent in a form, never in an address); the person types
their date of birth and chooses their password themselves, and the activation is
recorded as helped by this mediator at today's place (``portal.outreach.assisted``).
The guided tour shows made-up content only (``portal.outreach.tour``).

Every page goes through the door (``access``): the mediator's own pages ask only that the
person signed in is a mediator (``access.own``); the two that touch a person's space
(printing the letter again, activating with the person) ask the policy for that person's
account, which allows a mediator nothing but a space they made that is not activated yet.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from portal.accounts.invitations import (
    CODE_INDEX,
    AlreadyHasASpace,
    Invited,
    activation_email,
    invite_person,
    reissue_code,
)
from portal.accounts.letters import activation_letter_pdf
from portal.accounts.services import read_identity
from portal.accounts.tables import Invitation
from portal.core import audit
from portal.core.access import Access, Action, Actor, Area, Role
from portal.core.addresses import url_for
from portal.core.forms import FormResult
from portal.core.i18n import current_locale, today
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.notify import DeliveryError, send_email
from portal.core.sessions import requires_role
from portal.core.web import content_disposition, page
from portal.outreach import actions, assisted, departments, tour
from portal.outreach.forms import invited_person, read_invitation

MEDIATORS = [requires_role(Role.MEDIATOR)]


def _redirect(path: str) -> Response[Any]:
    return Redirect(path=path, status_code=303)


# --------------------------------------------------------------------------- home: the place of the day


async def _home(
    request: Request[Any, Any, Any],
    access: Access,
    mediator: Actor,
    *,
    form: FormResult | None = None,
    place_needed: str | None = None,
    status: int = 200,
) -> Template:
    """The mediator's home page; ``form``: the place form, sent with a mistake;
    ``place_needed``: why the place must be said first."""
    place = assisted.place_of_today(request, mediator.account_id)
    if form is None:
        known = place or await assisted.usual_place(access.keyring, mediator.account_id)
        form = FormResult.filled({"place": known.name, "department": known.department} if known else {})
    if place_needed:
        form.error("place", place_needed)
    changing = request.query_params.get("place") == "change" or not form.ok
    return page(
        request,
        "outreach/home.html",
        status=status,
        place=place,
        show_place_form=place is None or changing,
        **form.shown(),
        departments=departments.choices(),
    )


@get("/mediator", name="mediator", guards=MEDIATORS)
async def show_mediator_home(request: Request[Any, Any, Any], access: Access) -> Template:
    return await _home(request, access, access.own(Role.MEDIATOR))


@post("/mediator/place", name="mediator_place", guards=MEDIATORS, status_code=303)
async def choose_place(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """Where the mediator works today: kept for this session, recorded with each activation they help."""
    mediator = access.own(Role.MEDIATOR)
    form = assisted.read_place_form(await request.form())
    if not form.ok:
        return await _home(request, access, mediator, form=form, status=400)
    response = _redirect(url_for("mediator"))
    response.set_cookie(assisted.place_cookie(request, mediator.account_id, assisted.place_of(form)))
    return response


async def _place_needed(request: Request[Any, Any, Any], access: Access, mediator: Actor) -> Template:
    """Nothing says where the mediator works today: they say it first."""
    error = _("Say where you are working today, then start again.")
    return await _home(request, access, mediator, place_needed=error, status=400)


# --------------------------------------------------------------------------- making a space


def _invite_form(request: Request[Any, Any, Any], form: FormResult, status: int = 200) -> Template:
    return page(request, "outreach/invite.html", status=status, **form.shown())


@get("/mediator/invite", name="invite_form", guards=MEDIATORS)
async def show_invite_form(request: Request[Any, Any, Any], access: Access) -> Template:
    access.own(Role.MEDIATOR)
    return _invite_form(request, FormResult())


@post("/mediator/invite", name="invite", guards=MEDIATORS, status_code=200)
async def invite(request: Request[Any, Any, Any], access: Access) -> Template:
    """Make the space and give the code; the answer says what happened and what next."""
    mediator = access.own(Role.MEDIATOR)
    form = read_invitation(await request.form(), today(request.app.state.settings.timezone))
    if not form.ok:
        return _invite_form(request, form, status=400)
    person, delivery = invited_person(form), form.data["delivery"]
    settings = request.app.state.settings
    keyring = access.keyring
    try:
        invited = await invite_person(
            keyring, person, delivery=delivery, invited_by=key_owner(mediator.account_id)
        )
    except AlreadyHasASpace:
        form.error(
            "nir",
            _("This person already has a space. If they lost their code, call us on 0 800 00 00 00 (free)."),
        )
        return _invite_form(request, form, status=400)
    if delivery == "email":
        assert person.email
        subject, body = activation_email(
            invited.code, invited.expires_at.date(), settings.base_url + url_for("activate")
        )
        try:
            await send_email(settings, person.email, subject, body)
        except DeliveryError:
            form.error("email", _("The email could not be sent. Check the address, or choose the letter."))
            # 503: the request's transaction is rolled back, so no space is left half made.
            return _invite_form(request, form, status=503)
    return page(
        request,
        "outreach/invited.html",
        person=person,
        delivery=delivery,
        account_id=invited.account_id,
        expires_at=invited.expires_at,
        # The code again, sealed, for "Activate now" and "Print the letter" (never in an address).
        ticket=assisted.seal_ticket(request, mediator.account_id, invited.account_id, invited.code),
        place=await assisted.place_or_usual(request, keyring, mediator.account_id),
    )


async def _same_code(keyring: Keyring, ticket: assisted.Ticket) -> datetime | None:
    """Until when the ticket's code works, if it still is the space's code (no newer letter)."""
    row = (
        await Invitation.select(Invitation.expires_at)
        .where(
            (Invitation.account == ticket.account_id)
            & (Invitation.code_index == await keyring.index(CODE_INDEX, ticket.code))
            & Invitation.used_at.is_null()
        )
        .first()
    )
    if row is None:
        return None
    expires: datetime = row["expires_at"]
    return expires if expires.tzinfo else expires.replace(tzinfo=UTC)


@post(
    "/mediator/invitations/{account_id:uuid}/letter", name="print_letter", guards=MEDIATORS, status_code=200
)
async def print_letter(
    request: Request[Any, Any, Any], account_id: FromPath[uuid.UUID], access: Access
) -> Response[bytes]:
    """The large-print letter, for a space this mediator made and nobody activated.

    From the result page (its ticket still valid), the letter carries the invitation's
    own code: the same as "Activate now" fills in. Later, it carries a new code (only a
    keyed index of a code is kept, so a code cannot be shown twice)."""
    # The policy's mediator rule: a space this mediator made, not activated yet (else 404).
    reach = await access.require(Area.ACCOUNT, Action.WRITE, subject=account_id)
    mediator, keyring = reach.actor, reach.keyring
    person = await read_identity(keyring, account_id)
    if person is None or not person.postal_address:
        raise NotFoundException()
    ticket = assisted.open_ticket(
        request, mediator.account_id, account_id, str((await request.form()).get("ticket", ""))
    )
    expires_at = await _same_code(keyring, ticket) if ticket else None
    invited: Invited | None
    if ticket and expires_at:
        invited = Invited(account_id=account_id, code=ticket.code, expires_at=expires_at)
        await audit.record(
            actor=key_owner(mediator.account_id),
            action=actions.LETTER_PRINT,
            outcome="allowed",
            subject=key_owner(account_id),
        )
    else:
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
        activation_url=settings.base_url + url_for("activate"),
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": content_disposition("attachment", "activation-letter.pdf")},
    )


# --------------------------------------------------------------------------- activating with the person


@post(
    "/mediator/invitations/{account_id:uuid}/activate",
    name="activate_with_person",
    guards=MEDIATORS,
    status_code=303,
)
async def activate_with_person(
    request: Request[Any, Any, Any], account_id: FromPath[uuid.UUID], access: Access
) -> Response[Any]:
    """Open the activation of a space this mediator just made, with its code filled in.

    The code comes from the result page's sealed ticket, in the form's body; it goes on
    in the sealed, HttpOnly assisted mark, never in an address. A ticket too old to
    open leaves the code for the person to type from their letter or email."""
    reach = await access.require(Area.ACCOUNT, Action.WRITE, subject=account_id)
    mediator = reach.actor
    form = await request.form()
    ticket = assisted.open_ticket(request, mediator.account_id, account_id, str(form.get("ticket", "")))
    if ticket is not None and await _same_code(reach.keyring, ticket) is None:
        ticket = None  # a letter printed later carries a newer code
    place = await assisted.place_or_usual(request, reach.keyring, mediator.account_id)
    if place is None:
        return await _place_needed(request, access, mediator)
    await audit.record(
        actor=key_owner(mediator.account_id),
        action=actions.ACTIVATE_ASSIST,
        outcome="allowed",
        subject=key_owner(account_id),
    )
    response = _redirect(url_for("activate"))
    response.set_cookie(
        assisted.assisted_cookie(
            request, mediator.account_id, place, ticket or assisted.Ticket(account_id, "")
        )
    )
    return response


@post("/mediator/assist", name="assist_activation", guards=MEDIATORS, status_code=303)
async def assist_activation(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """A person came with the code from their letter or email: open the activation
    journey at the mediator's side; the person types their code themselves."""
    mediator = access.own(Role.MEDIATOR)
    place = await assisted.place_or_usual(request, access.keyring, mediator.account_id)
    if place is None:
        return await _place_needed(request, access, mediator)
    await audit.record(
        actor=key_owner(mediator.account_id), action=actions.ACTIVATE_ASSIST, outcome="allowed"
    )
    response = _redirect(url_for("activate"))
    response.set_cookie(assisted.assisted_cookie(request, mediator.account_id, place))
    return response


@get(assisted.DONE_PATH, name="assisted_activation_done", guards=MEDIATORS)
async def show_assisted_done(request: Request[Any, Any, Any], access: Access) -> Template:
    access.own(Role.MEDIATOR)
    return page(request, "outreach/activated.html")


# --------------------------------------------------------------------------- the guided tour


def _consent_page(request: Request[Any, Any, Any], errors: dict[str, str], status: int = 200) -> Template:
    return page(request, "outreach/tour/consent.html", status=status, errors=errors, steps=tour.steps())


@get(tour.BASE, name="tour_consent", guards=MEDIATORS)
async def show_tour_consent(request: Request[Any, Any, Any], access: Access) -> Template:
    access.own(Role.MEDIATOR)
    return _consent_page(request, {})


@post(tour.BASE, name="start_tour", guards=MEDIATORS, status_code=303)
async def start_tour(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """The person ticked that they agree: the yes is audited, and the tour begins."""
    mediator = access.own(Role.MEDIATOR)
    if (await request.form()).get("consent") != "yes":
        error = _("The person ticks the box if they agree to the tour. If they do not, there is no tour.")
        return _consent_page(request, {"consent": error}, status=400)
    await audit.record(actor=key_owner(mediator.account_id), action=actions.TOUR_CONSENT, outcome="allowed")
    response = _redirect(tour.steps()[0].href)
    response.set_cookie(tour.consent_cookie(request, mediator.account_id))
    return response


@get(tour.BASE + "/{slug:str}", name="tour_step", guards=MEDIATORS)
async def show_tour_step(
    request: Request[Any, Any, Any], slug: FromPath[str], access: Access
) -> Response[Any]:
    """A step of the tour: made-up content only, never anyone's record."""
    mediator = access.own(Role.MEDIATOR)
    all_steps = tour.steps()
    if slug == "end":
        response: Response[Any] = page(request, "outreach/tour/end.html", steps=all_steps)
        response.set_cookie(tour.cleared_consent(request))
        return response
    found = tour.step_of(slug)
    if found is None:
        raise NotFoundException()
    if not tour.has_consent(request, mediator.account_id):
        return _redirect(url_for("tour_consent"))
    number, step = found
    return page(
        request,
        step.template,
        step=step,
        number=number,
        total=len(all_steps),
        previous=all_steps[number - 2] if number > 1 else None,
        next=all_steps[number] if number < len(all_steps) else None,
    )


ROUTES = [
    show_mediator_home,
    choose_place,
    show_invite_form,
    invite,
    print_letter,
    activate_with_person,
    assist_activation,
    show_assisted_done,
    show_tour_consent,
    start_tour,
    show_tour_step,
]
