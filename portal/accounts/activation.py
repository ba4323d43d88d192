"""Activating an invited space, one thing per page, or saying no to it.

/activate (code and date of birth) -> /activate/codes (how sign-in codes come)
-> /activate/password -> /activate/terms -> /activate/done, signed in.
/refuse, offered on every step: the person does not want a space.
Every form works without JavaScript and answers a success with a 303.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Response, Template

from portal.accounts import actions
from portal.accounts import activation_services as services
from portal.accounts.activation_services import STATE_COOKIE, ActivationState
from portal.accounts.identity import IdentityError, parse_date_of_birth
from portal.accounts.invitations import CODE_DIGITS, check_activation_code, normalise_code
from portal.accounts.passwords import check_new_password
from portal.accounts.services import PersonIdentity, read_identity
from portal.core import audit, throttle
from portal.core.access import Access, Role
from portal.core.actions import AuditAction
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.i18n import today
from portal.core.keys import keyring_of
from portal.core.kiosk import kiosk_of
from portal.core.kiosk import session_started as record_kiosk_session
from portal.core.sessions import requires_signed_in, session_cookie, start_session
from portal.core.web import page, renew_csrf_token
from portal.outreach import assisted

PUBLIC = {"public": True}
DATE_FIELD = "dob"


def _master_key(request: Request[Any, Any, Any]) -> bytes:
    key: bytes = request.app.state.master_key
    return key


def _redirect(name: str) -> Response[Any]:
    """A 303 to the page called ``name``."""
    return Redirect(path=url_for(name), status_code=303)


def _state_cookie(request: Request[Any, Any, Any], state: ActivationState | None) -> Cookie:
    """The activation cookie: HttpOnly, SameSite=Strict, Secure over https; empty to clear it."""
    value = services.sign_state(_master_key(request), state) if state else ""
    return Cookie(
        key=STATE_COOKIE,
        value=value,
        path="/",
        max_age=services.STATE_MINUTES * 60 if state else 0,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


async def _activation_of(request: Request[Any, Any, Any]) -> ActivationState | None:
    """The activation under way in this browser, if its space is still waiting."""
    state = services.read_state(_master_key(request), request.cookies.get(STATE_COOKIE))
    if state is None or await services.invited_account(state.account_id) is None:
        return None
    return state


async def _person(request: Request[Any, Any, Any], account_id: uuid.UUID) -> PersonIdentity:
    person = await read_identity(keyring_of(request), account_id)
    if person is None:  # an invited account always has its identity
        raise LookupError("no identity for an invited account")
    return person


def _date_values(form: Any) -> dict[str, str]:
    return {part: str(form.get(f"{DATE_FIELD}-{part}", "")) for part in ("day", "month", "year")}


async def _check_code_form(
    request: Request[Any, Any, Any], form: Any, action: AuditAction
) -> tuple[uuid.UUID | None, dict[str, str], int]:
    """The account the typed code and date of birth open, or the errors to show at the
    fields and the status to answer with (400; 429 while this address is locked out).

    A wrong code and a wrong date get the same message, so the answer tells nothing
    more; each such try is audited, and a wrong date counts towards the code's lock.
    """
    errors: dict[str, str] = {}
    code = str(form.get("code", ""))
    digits = normalise_code(code)
    if not code.strip():
        errors["code"] = _("Enter the code from your letter or email. It has 12 digits.")
    elif len(digits) != CODE_DIGITS or any(not (c.isdigit() or c in " .-") for c in code):
        errors["code"] = _("The code has 12 digits. Check each digit in your letter or email.")
    dates = _date_values(form)
    try:
        born = parse_date_of_birth(
            dates["day"], dates["month"], dates["year"], today(request.app.state.settings.timezone)
        )
    except IdentityError as exc:
        errors[f"{DATE_FIELD}-day"] = exc.message
    if errors:
        return None, errors, 400
    keyring = keyring_of(request)
    try:
        address_key = await keyring.index("throttle", f"activation:{throttle.address_of(request)}")
        attempt = await throttle.attempt([address_key])
    except throttle.Locked as locked:
        await audit.record(actor="anonymous", action=action, outcome="denied")
        errors["code"] = throttle.too_many_tries(locked.lock)
        return None, errors, 429
    account_id = await check_activation_code(keyring, code, born)
    if account_id is None:
        await attempt.failed()
        await audit.record(actor="anonymous", action=action, outcome="denied")
        errors["code"] = _("The code or the date of birth is not right. Check them and try again.")
        return None, errors, 400
    await attempt.succeeded()
    return account_id, errors, 200


# --------------------------------------------------------------------------- 1. code and date of birth


def _code_form(
    request: Request[Any, Any, Any], form: Any, errors: dict[str, str], status: int = 200
) -> Template:
    return page(
        request,
        "accounts/activate/code.html",
        status=status,
        errors=errors,
        code=str(form.get("code", "")) or assisted.filled_code(request),
        dates=_date_values(form),
        assisted=assisted.marker(request),
    )


@get("/activate", name="activate", opt=PUBLIC)
async def show_activation_code(request: Request[Any, Any, Any]) -> Template:
    return _code_form(request, {}, {})


@post("/activate", name="check_activation_code", opt=PUBLIC, status_code=303)
async def check_code(request: Request[Any, Any, Any]) -> Response[Any]:
    """Step 1: the code and the date of birth open the space for the next steps."""
    form = await request.form()
    account_id, errors, status = await _check_code_form(request, form, actions.ACTIVATE)
    if account_id is None:
        return _code_form(request, form, errors, status)
    response = _redirect("activate_codes")
    response.set_cookie(_state_cookie(request, services.new_state(account_id)))
    return response


# --------------------------------------------------------------------------- 2. sign-in codes


def _channel_label(channel: str, masked: str) -> str:
    if channel == "email":
        return _("By email (to %(address)s)", address=masked)
    return _("By text message (to %(number)s)", number=masked)


async def _codes_form(
    request: Request[Any, Any, Any], state: ActivationState, chosen: str, errors: dict[str, str]
) -> Template:
    channels = services.code_channels(await _person(request, state.account_id))
    if len(channels) == 1:
        chosen = channels[0][0]
    return page(
        request,
        "accounts/activate/codes.html",
        status=400 if errors else 200,
        errors=errors,
        choices=[(value, _channel_label(value, masked)) for value, masked in channels],
        chosen=chosen,
    )


@get("/activate/codes", name="activate_codes", opt=PUBLIC)
async def show_code_channels(request: Request[Any, Any, Any]) -> Response[Any]:
    state = await _activation_of(request)
    if state is None:
        return _redirect("activate")
    return await _codes_form(request, state, state.channel, {})


@post("/activate/codes", name="choose_code_channel", opt=PUBLIC, status_code=303)
async def choose_code_channel(request: Request[Any, Any, Any]) -> Response[Any]:
    """Step 2: by email or by text message, among the ways we have to reach the person."""
    state = await _activation_of(request)
    if state is None:
        return _redirect("activate")
    chosen = str((await request.form()).get("channel", ""))
    offered = [value for value, _masked in services.code_channels(await _person(request, state.account_id))]
    if chosen not in offered:
        error = _("Choose how you want to receive your sign-in codes.")
        return await _codes_form(request, state, "", {"channel": error})
    response = _redirect("activate_password")
    response.set_cookie(_state_cookie(request, state.with_channel(chosen)))
    return response


# --------------------------------------------------------------------------- 3. password


def _password_form(
    request: Request[Any, Any, Any], password: str, shown: bool, errors: dict[str, str]
) -> Template:
    return page(
        request,
        "accounts/activate/password.html",
        status=400 if errors else 200,
        errors=errors,
        password=password,
        shown=shown,
        assisted=assisted.marker(request),
    )


@get("/activate/password", name="activate_password", opt=PUBLIC)
async def show_password_form(request: Request[Any, Any, Any]) -> Response[Any]:
    state = await _activation_of(request)
    if state is None:
        return _redirect("activate")
    if not state.channel:
        return _redirect("activate_codes")
    return _password_form(request, "", False, {})


@post("/activate/password", name="choose_password", opt=PUBLIC, status_code=303)
async def choose_password(request: Request[Any, Any, Any]) -> Response[Any]:
    """Step 3: the password, checked, then hashed onto the account (still invited).

    The "show" button sends the form back with the password shown (or hidden
    again): it works without JavaScript, and nothing typed is lost.
    """
    state = await _activation_of(request)
    if state is None:
        return _redirect("activate")
    form = await request.form()
    password = str(form.get("password", ""))
    show = form.get("show")
    if show is not None:
        return _password_form(request, password, show == "1", {})
    shown = form.get("shown") == "1"
    words = services.personal_words(await _person(request, state.account_id))
    error = check_new_password(password, personal_words=words)
    if error:
        return _password_form(request, password, shown, {"password": error})
    await services.save_password(state.account_id, password)
    return _redirect("activate_terms")


# --------------------------------------------------------------------------- 4. terms, and the end


async def _terms_step(request: Request[Any, Any, Any]) -> tuple[ActivationState | None, str | None]:
    """The state for the terms page, or the name of the page to go to instead."""
    state = await _activation_of(request)
    if state is None:
        return None, "activate"
    if not state.channel:
        return None, "activate_codes"
    account = await services.invited_account(state.account_id)
    if not account or not account["password_hash"]:
        return None, "activate_password"
    return state, None


@get("/activate/terms", name="activate_terms", opt=PUBLIC)
async def show_terms(request: Request[Any, Any, Any]) -> Response[Any]:
    state, elsewhere = await _terms_step(request)
    if state is None:
        return _redirect(elsewhere or "activate")
    return page(request, "accounts/activate/terms.html")


@post("/activate/terms", name="accept_terms", opt=PUBLIC, status_code=303)
async def accept_terms(request: Request[Any, Any, Any]) -> Response[Any]:
    """Step 4: the terms accepted, the space opens and the person is signed in."""
    state, elsewhere = await _terms_step(request)
    if state is None:
        return _redirect(elsewhere or "activate")
    if (await request.form()).get("accept") != "yes":
        error = _("Tick the box to say that you accept. If you do not want a space, you can say so below.")
        return page(request, "accounts/activate/terms.html", status=400, errors={"accept": error})
    await services.activate_account(state.account_id, state.channel)
    helped = await assisted.record(request, state.account_id)
    if helped is not None:  # a mediator helped: the person is not signed in on their computer
        helped.set_cookie(_state_cookie(request, None))
        return helped
    kiosk = kiosk_of(request)  # activated at a shared terminal: a kiosk session
    token = await start_session(
        request.app.state.sessions, state.account_id, "patient", kiosk=kiosk is not None
    )
    if kiosk is not None:
        await record_kiosk_session(kiosk, state.account_id)
    response = _redirect("activation_done")
    response.set_cookie(_state_cookie(request, None))
    response.set_cookie(session_cookie(request.app.state.settings, token))
    renew_csrf_token(request, response)
    return response


@get("/activate/done", name="activation_done", guards=[requires_signed_in])
async def show_activation_done(request: Request[Any, Any, Any], access: Access) -> Template:
    """The "your space is ready" page: for the person whose space it is (a carer in
    someone's space, or anyone else, is not that person: 404)."""
    access.own(Role.PATIENT)
    return page(request, "accounts/activate/done.html")


# --------------------------------------------------------------------------- refusal


def _refuse_form(
    request: Request[Any, Any, Any],
    state: ActivationState | None,
    form: Any,
    errors: dict[str, str],
    status: int = 200,
) -> Template:
    return page(
        request,
        "accounts/refuse/refuse.html",
        status=status,
        errors=errors,
        known=state is not None,
        code=str(form.get("code", "")),
        dates=_date_values(form),
    )


@get("/refuse", name="refuse", opt=PUBLIC)
async def show_refusal(request: Request[Any, Any, Any]) -> Template:
    return _refuse_form(request, await _activation_of(request), {}, {})


@post("/refuse", name="refuse_space", opt=PUBLIC, status_code=303)
async def refuse_space(request: Request[Any, Any, Any]) -> Response[Any]:
    """The person does not want a space: record it, erase their data, and say so."""
    state = await _activation_of(request)
    form = await request.form()
    account_id = state.account_id if state else None
    if account_id is None:
        account_id, errors, status = await _check_code_form(request, form, actions.REFUSE)
        if account_id is None:
            return _refuse_form(request, None, form, errors, status)
    await services.refuse_space(account_id)
    response = _redirect("refusal_done")
    response.set_cookie(_state_cookie(request, None))
    response.set_cookie(assisted.cleared_cookie(request))
    return response


@get("/refuse/done", name="refusal_done", opt=PUBLIC)
async def show_refusal_done(request: Request[Any, Any, Any]) -> Template:
    return page(request, "accounts/refuse/done.html")


ROUTES = [
    show_activation_code,
    check_code,
    show_code_channels,
    choose_code_channel,
    show_password_form,
    choose_password,
    show_terms,
    accept_terms,
    show_activation_done,
    show_refusal,
    refuse_space,
    show_refusal_done,
]
