"""Signing in (a password, then a 6-digit code) and choosing a new password when it is forgotten.

Every page is a plain form that works without JavaScript. An identifier with no space
and a wrong password get the same answer, after the same work (a real argon2 verify
against a dummy hash) and with a pending cookie of the same shape (an opaque handle);
a forgotten-password request answers before any code is sent, so its time says
nothing either. Every try is counted per account and per client address before it is
checked (``portal.core.throttle``): tries sent at once cannot slip past the lock.
Failures are audited without the identifier typed.

This module holds signing in, and ``SIGN_IN_ROUTES`` (every page of it); a forgotten
password is ``password_reset``; what their steps share, ``sign_in_steps``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from portal.accounts import actions, password_reset
from portal.accounts import sign_in_services as services
from portal.accounts import sign_in_steps as steps
from portal.accounts.identity import IdentityError
from portal.core import audit, throttle
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.kiosk import kiosk_of
from portal.core.kiosk import session_started as record_kiosk_session
from portal.core.sessions import cookie_name, end_session, session_cookie, start_session
from portal.core.web import page, renew_csrf_token, safe_next

# --------------------------------------------------------------------------- sign in: password


def _sign_in_form(
    request: Request[Any, Any, Any], next_path: str, *, identifier: str = "", **password: Any
) -> Template:
    """The first step (``password``: ``steps.password_page``'s)."""
    return steps.password_page(
        request,
        "accounts/sign_in/sign_in.html",
        next_path=next_path,
        identifier=identifier,
        password_saved=request.query_params.get("password") == "saved",
        kiosk=kiosk_of(request) is not None,
        **password,
    )


@get("/sign-in", name="sign_in", opt=steps.PUBLIC)
async def show_sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
    next_path = safe_next(request.query_params.get("next"))
    if request.scope.get("user"):
        return Redirect(path=next_path, status_code=303)
    return _sign_in_form(request, next_path)


@post("/sign-in", name="check_password", opt=steps.PUBLIC, status_code=303)
async def submit_sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
    """The first step: identifier and password; a code is sent when both are right."""
    form = await request.form()
    next_path = safe_next(form.get("next"))
    typed, password = form.get("identifier", ""), form.get("password", "")
    if "reveal" in form:
        return _sign_in_form(
            request, next_path, identifier=typed, password=password, reveal=form["reveal"] == "1"
        )
    errors: dict[str, str] = {}
    identifier = ""
    try:
        identifier = services.parse_identifier(typed)
    except IdentityError as exc:
        errors["identifier"] = exc.message
    if not password:
        errors["password"] = _("Enter your password.")
    if errors:
        return _sign_in_form(request, next_path, errors=errors, identifier=typed)
    return await _check_password(request, next_path, typed, identifier, password)


async def _check_password(
    request: Request[Any, Any, Any], next_path: str, typed: str, identifier: str, password: str
) -> Response[Any]:
    keyring = steps.keyring(request)
    account = await services.active_account(keyring, identifier)
    account_id = account.account_id if account else None
    keys = [
        await services.address_key(keyring, throttle.address_of(request)),
        await services.account_key(keyring, account_id)
        if account_id
        else await services.identifier_key(keyring, identifier),
    ]
    try:
        attempt = await throttle.attempt(keys)
    except throttle.Locked as locked:
        await steps.audit_failure(actions.SIGN_IN, "denied", account_id)
        errors = {"identifier": throttle.too_many_tries(locked.lock)}
        return _sign_in_form(request, next_path, errors=errors, identifier=typed, status=429)
    # Checked even for no account (against a dummy hash): the answer takes the same time.
    right = await services.check_password(account, password)
    if account is None or not right:
        await attempt.failed()
        await steps.audit_failure(actions.SIGN_IN, "failed", account_id)
        errors = {"identifier": _("The identifier or the password is not right.")}
        return _sign_in_form(request, next_path, errors=errors, identifier=typed)
    await attempt.succeeded()
    return await _send_first_code(request, keyring, account, next_path, typed)


async def _send_first_code(
    request: Request[Any, Any, Any],
    keyring: Keyring,
    account: services.SignInAccount,
    next_path: str,
    typed: str,
) -> Response[Any]:
    # The pending step starts (to the second) before its code is made, so the code is found.
    pending = await services.open_step(account.account_id, services.SIGN_IN)
    code = await services.issue_code(keyring, account.account_id, services.SIGN_IN)
    if not await services.send_code(request.app.state.settings, keyring, account, code, services.SIGN_IN):
        errors = {"identifier": _("We could not send your code. Try again in a few minutes, or call us.")}
        # 503: the request's transaction is rolled back, so the code that did not go is forgotten.
        return _sign_in_form(request, next_path, errors=errors, identifier=typed, status=503)
    response: Response[Any] = Redirect(path=steps.with_next("sign_in_code", next_path), status_code=303)
    steps.set_pending(request, response, pending)
    return response


# --------------------------------------------------------------------------- sign in: code


async def _code_form(
    request: Request[Any, Any, Any],
    pending: services.Pending,
    next_path: str,
    errors: dict[str, str] | None = None,
    status: int | None = None,
) -> Template:
    account = await services.get_active_account(pending.account_id) if pending.account_id else None
    errors = errors or {}
    return page(
        request,
        "accounts/sign_in/code.html",
        status=status or (400 if errors else 200),
        errors=errors,
        next_path=next_path,
        channel=account.code_channel if account else "email",
        sent_again=request.query_params.get("sent") == "again",
    )


def _start_again(next_path: str) -> Response[Any]:
    return Redirect(path=steps.with_next("sign_in", next_path), status_code=303)


@get("/sign-in/code", name="sign_in_code", opt=steps.PUBLIC)
async def show_sign_in_code(request: Request[Any, Any, Any]) -> Response[Any]:
    next_path = safe_next(request.query_params.get("next"))
    pending = await steps.pending_of(request, services.SIGN_IN)
    if pending is None:
        return _start_again(next_path)
    return await _code_form(request, pending, next_path)


@post("/sign-in/code", name="check_sign_in_code", opt=steps.PUBLIC, status_code=303)
async def submit_sign_in_code(request: Request[Any, Any, Any]) -> Response[Any]:
    """The second step: the code (or the button that asks for a new one)."""
    form = await request.form()
    next_path = safe_next(form.get("next"))
    pending = await steps.pending_of(request, services.SIGN_IN)
    if pending is None or pending.account_id is None:
        return _start_again(next_path)
    if "resend" in form:
        return await _send_new_code(request, pending, next_path)
    errors: dict[str, str] = {}
    code = steps.typed_code(form, errors)
    if errors:
        return await _code_form(request, pending, next_path, errors)
    keyring = steps.keyring(request)
    account_key = await services.account_key(keyring, pending.account_id)
    keys = [await services.address_key(keyring, throttle.address_of(request)), account_key]
    try:
        attempt = await throttle.attempt(keys)
    except throttle.Locked as locked:
        await steps.audit_failure(actions.SIGN_IN_CODE, "denied", pending.account_id)
        return await _code_form(
            request, pending, next_path, {"code": throttle.too_many_tries(locked.lock)}, status=429
        )
    result = await services.check_code(keyring, pending, code)
    if result.check is services.CodeCheck.NONE:
        await attempt.withdrawn()
        return _start_again(next_path)
    if result.check is not services.CodeCheck.RIGHT:
        if result.check is services.CodeCheck.WRONG:
            await attempt.failed()
        else:
            await attempt.withdrawn()
        await steps.audit_failure(actions.SIGN_IN_CODE, "failed", pending.account_id)
        return await _code_form(request, pending, next_path, {"code": steps.code_error(result)})
    await attempt.succeeded(forget=[account_key])
    return await _start_session(request, pending, next_path)


async def _start_session(
    request: Request[Any, Any, Any], pending: services.Pending, next_path: str
) -> Response[Any]:
    account = await services.get_active_account(pending.account_id) if pending.account_id else None
    if account is None:
        return _start_again(next_path)
    await services.close_step(pending)
    settings, store = request.app.state.settings, request.app.state.sessions
    previous = request.cookies.get(cookie_name(settings))
    if previous:
        await end_session(store, previous)
    # A new session id at every sign-in: nobody can plant one before it.
    kiosk = kiosk_of(request)
    token = await start_session(store, account.account_id, account.role, kiosk=kiosk is not None)
    if kiosk is not None:
        await record_kiosk_session(kiosk, account.account_id)
    owner = key_owner(account.account_id)
    await audit.record(actor=owner, action=actions.SIGN_IN, outcome="allowed", subject=owner)
    response: Response[Any] = Redirect(path=next_path, status_code=303)
    response.set_cookie(session_cookie(settings, token))
    renew_csrf_token(request, response)
    steps.clear_pending(request, response)
    return response


async def _send_new_code(
    request: Request[Any, Any, Any], pending: services.Pending, next_path: str
) -> Response[Any]:
    reason = await services.why_no_new_code(pending)
    account = await services.get_active_account(pending.account_id) if pending.account_id else None
    if account is None:
        return _start_again(next_path)
    if reason:
        return await _code_form(request, pending, next_path, {"resend": reason}, status=429)
    keyring = steps.keyring(request)
    code = await services.issue_code(keyring, account.account_id, services.SIGN_IN)
    settings = request.app.state.settings
    if not await services.send_code(settings, keyring, account, code, services.SIGN_IN):
        errors = {"resend": _("We could not send your code. Try again in a few minutes, or call us.")}
        return await _code_form(request, pending, next_path, errors, status=503)
    response: Response[Any] = Redirect(
        path=steps.with_next("sign_in_code", next_path, sent="again"), status_code=303
    )
    fresh = replace(pending, expires_at=datetime.now(UTC) + timedelta(minutes=services.CODE_MINUTES))
    await services.save_step(fresh)
    steps.set_pending(request, response, fresh)
    return response


SIGN_IN_ROUTES = [
    show_sign_in,
    submit_sign_in,
    show_sign_in_code,
    submit_sign_in_code,
    password_reset.show_forgot_password,
    password_reset.request_password_reset,
    password_reset.show_reset_code,
    password_reset.reset_password,
]
