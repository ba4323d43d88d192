"""Signing in (a password, then a 6-digit code) and choosing a new password when it is forgotten.

Every page is a plain form that works without JavaScript. An identifier with no space
and a wrong password get the same answer, after the same work (a real argon2 verify
against a dummy hash) and with a pending cookie of the same shape (an opaque handle);
a forgotten-password request answers before any code is sent, so its time says
nothing either. Every try is counted per account and per client address before it is
checked (``portal.core.throttle``): tries sent at once cannot slip past the lock.
Failures are audited without the identifier typed.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import Cookie, State
from litestar.response import Redirect, Response, Template

from portal.accounts import actions
from portal.accounts import sign_in_services as services
from portal.accounts.identity import IdentityError
from portal.accounts.passwords import check_new_password, hash_password
from portal.accounts.services import read_identity
from portal.core import audit, throttle
from portal.core.actions import AuditAction
from portal.core.db import apart, release_write_lock
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.keys import Keyring, key_owner, keyring_of
from portal.core.kiosk import kiosk_of
from portal.core.kiosk import session_started as record_kiosk_session
from portal.core.sessions import cookie_name, end_session, session_cookie, start_session
from portal.core.web import page, renew_csrf_token, safe_next

PUBLIC = {"public": True}
ANONYMOUS = "anonymous"


# --------------------------------------------------------------------------- small helpers


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return keyring_of(request)


def _with_next(path: str, next_path: str, **params: str) -> str:
    query = {**params, **({"next": next_path} if next_path != "/" else {})}
    return f"{path}?{urlencode(query)}" if query else path


def _pending_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=services.PENDING_COOKIE,
        value=value,
        path=services.PENDING_PATH,
        max_age=max_age,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def _set_pending(request: Request[Any, Any, Any], response: Response[Any], pending: services.Pending) -> None:
    seconds = max(1, int((pending.expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(_pending_cookie(request, pending.token, seconds))


def _clear_pending(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    response.set_cookie(_pending_cookie(request, "", 0))


async def _pending(request: Request[Any, Any, Any], purpose: str) -> services.Pending | None:
    return await services.read_step(request.cookies.get(services.PENDING_COOKIE), purpose)


async def _audit_failure(action: AuditAction, outcome: str, account_id: uuid.UUID | None) -> None:
    """A refused or failed try; the subject only when the account is known, never what was typed."""
    subject = key_owner(account_id) if account_id else None
    await audit.record(actor=ANONYMOUS, action=action, outcome=outcome, subject=subject)


def _code_error(result: services.CodeResult) -> str:
    check = result.check
    if check is services.CodeCheck.EXPIRED:
        return _("This code has expired. Ask for a new code.")
    if check is services.CodeCheck.USED:
        return _("This code was already used. Start again to get a new one.")
    if check is services.CodeCheck.WORN_OUT or (check is services.CodeCheck.WRONG and result.tries_left == 0):
        return _("You typed a wrong code too many times. Ask for a new code.")
    if check is services.CodeCheck.WRONG:
        return ngettext(
            "This code is not right. You can try %(num)d more time.",
            "This code is not right. You can try %(num)d more times.",
            result.tries_left,
        )
    return _("This code is not right. Check the code in the message we sent you.")


def _typed_code(form: Any, errors: dict[str, str]) -> str:
    code = services.normalise_code(form.get("code", ""))
    if len(code) != services.CODE_DIGITS:
        errors["code"] = _("Enter the code we sent you: it has 6 digits.")
    return code


# --------------------------------------------------------------------------- sign in: password


def _sign_in_form(
    request: Request[Any, Any, Any],
    next_path: str,
    *,
    errors: dict[str, str] | None = None,
    identifier: str = "",
    password: str = "",
    reveal: bool = False,
    status: int | None = None,
) -> Template:
    errors = errors or {}
    return page(
        request,
        "accounts/sign_in/sign_in.html",
        status=status or (400 if errors else 200),
        errors=errors,
        next_path=next_path,
        identifier=identifier,
        password=password if reveal else "",
        reveal=reveal,
        password_saved=request.query_params.get("password") == "saved",
        kiosk=kiosk_of(request) is not None,
    )


@get("/sign-in", name="sign_in", opt=PUBLIC)
async def show_sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
    next_path = safe_next(request.query_params.get("next"))
    if request.scope.get("user"):
        return Redirect(path=next_path, status_code=303)
    return _sign_in_form(request, next_path)


@post("/sign-in", name="check_password", opt=PUBLIC, status_code=303)
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
    keyring = _keyring(request)
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
        await _audit_failure(actions.SIGN_IN, "denied", account_id)
        errors = {"identifier": throttle.too_many_tries(locked.lock)}
        return _sign_in_form(request, next_path, errors=errors, identifier=typed, status=429)
    # Checked even for no account (against a dummy hash): the answer takes the same time.
    right = await services.check_password(account, password)
    if account is None or not right:
        await attempt.failed()
        await _audit_failure(actions.SIGN_IN, "failed", account_id)
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
    response: Response[Any] = Redirect(path=_with_next("/sign-in/code", next_path), status_code=303)
    _set_pending(request, response, pending)
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
    return Redirect(path=_with_next("/sign-in", next_path), status_code=303)


@get("/sign-in/code", name="sign_in_code", opt=PUBLIC)
async def show_sign_in_code(request: Request[Any, Any, Any]) -> Response[Any]:
    next_path = safe_next(request.query_params.get("next"))
    pending = await _pending(request, services.SIGN_IN)
    if pending is None:
        return _start_again(next_path)
    return await _code_form(request, pending, next_path)


@post("/sign-in/code", name="check_sign_in_code", opt=PUBLIC, status_code=303)
async def submit_sign_in_code(request: Request[Any, Any, Any]) -> Response[Any]:
    """The second step: the code (or the button that asks for a new one)."""
    form = await request.form()
    next_path = safe_next(form.get("next"))
    pending = await _pending(request, services.SIGN_IN)
    if pending is None or pending.account_id is None:
        return _start_again(next_path)
    if "resend" in form:
        return await _send_new_code(request, pending, next_path)
    errors: dict[str, str] = {}
    code = _typed_code(form, errors)
    if errors:
        return await _code_form(request, pending, next_path, errors)
    keyring = _keyring(request)
    account_key = await services.account_key(keyring, pending.account_id)
    keys = [await services.address_key(keyring, throttle.address_of(request)), account_key]
    try:
        attempt = await throttle.attempt(keys)
    except throttle.Locked as locked:
        await _audit_failure(actions.SIGN_IN_CODE, "denied", pending.account_id)
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
        await _audit_failure(actions.SIGN_IN_CODE, "failed", pending.account_id)
        return await _code_form(request, pending, next_path, {"code": _code_error(result)})
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
    _clear_pending(request, response)
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
    keyring = _keyring(request)
    code = await services.issue_code(keyring, account.account_id, services.SIGN_IN)
    settings = request.app.state.settings
    if not await services.send_code(settings, keyring, account, code, services.SIGN_IN):
        errors = {"resend": _("We could not send your code. Try again in a few minutes, or call us.")}
        return await _code_form(request, pending, next_path, errors, status=503)
    response: Response[Any] = Redirect(
        path=_with_next("/sign-in/code", next_path, sent="again"), status_code=303
    )
    fresh = replace(pending, expires_at=datetime.now(UTC) + timedelta(minutes=services.CODE_MINUTES))
    await services.save_step(fresh)
    _set_pending(request, response, fresh)
    return response


# --------------------------------------------------------------------------- forgotten password


def _forgot_form(
    request: Request[Any, Any, Any],
    errors: dict[str, str] | None = None,
    identifier: str = "",
    status: int | None = None,
) -> Template:
    errors = errors or {}
    return page(
        request,
        "accounts/sign_in/forgot.html",
        status=status or (400 if errors else 200),
        errors=errors,
        identifier=identifier,
    )


@get("/sign-in/forgot", name="forgot_password", opt=PUBLIC)
async def show_forgot_password(request: Request[Any, Any, Any]) -> Template:
    return _forgot_form(request)


@post("/sign-in/forgot", name="request_password_reset", opt=PUBLIC, status_code=303)
async def request_password_reset(request: Request[Any, Any, Any]) -> Response[Any]:
    """Send a code to choose a new password, if the identifier has a space.

    The answer is the same either way, and comes after the same work: a pending step
    (its account empty when there is none), then the redirect. The code is made and sent
    only after the answer has gone (``_send_reset_code``), so its time tells nothing.
    """
    form = await request.form()
    typed = form.get("identifier", "")
    try:
        identifier = services.parse_identifier(typed)
    except IdentityError as exc:
        return _forgot_form(request, {"identifier": exc.message}, typed)
    keyring = _keyring(request)
    lock = await throttle.locked_for(await services.address_key(keyring, throttle.address_of(request)))
    if lock is not None:
        return _forgot_form(request, {"identifier": throttle.too_many_tries(lock)}, typed, status=429)
    account = await services.active_account(keyring, identifier)
    pending = await services.open_step(account.account_id if account else None, services.RESET)
    response: Response[Any] = Redirect(
        path="/sign-in/forgot/code",
        status_code=303,
        background=BackgroundTask(_send_reset_code, request.app.state, account, pending) if account else None,
    )
    _set_pending(request, response, pending)
    return response


async def _send_reset_code(state: State, account: services.SignInAccount, pending: services.Pending) -> None:
    """After the answer: send a reset code, at most a few in a row (so nobody can flood a
    person's inbox). When no new code is sent, the pending step reaches back far enough to
    find the last one."""
    keyring = Keyring(state.master_key)
    async with apart(state.engine):
        flood_key = await keyring.index("throttle", f"reset:{account.account_id}")
        try:
            await (await throttle.attempt([flood_key])).failed()
        except throttle.Locked:
            earlier = pending.started_at - timedelta(minutes=services.CODE_MINUTES)
            await services.save_step(replace(pending, started_at=earlier))
            return
        code = await services.issue_code(keyring, account.account_id, services.RESET)
        owner = key_owner(account.account_id)
        await audit.record(
            actor=ANONYMOUS, action=actions.ASK_PASSWORD_RESET, outcome="allowed", subject=owner
        )
        # Read here, so that no query runs (nor holds SQLite's write lock) while the code goes out.
        identity = await read_identity(keyring, account.account_id)
    await services.send_code(state.settings, keyring, account, code, services.RESET, identity)


def _reset_form(
    request: Request[Any, Any, Any],
    *,
    errors: dict[str, str] | None = None,
    code: str = "",
    password: str = "",
    reveal: bool = False,
    status: int | None = None,
) -> Template:
    errors = errors or {}
    return page(
        request,
        "accounts/sign_in/forgot_code.html",
        status=status or (400 if errors else 200),
        errors=errors,
        code=code,
        password=password if reveal else "",
        reveal=reveal,
    )


@get("/sign-in/forgot/code", name="reset_code", opt=PUBLIC)
async def show_reset_code(request: Request[Any, Any, Any]) -> Response[Any]:
    if await _pending(request, services.RESET) is None:
        return Redirect(path="/sign-in/forgot", status_code=303)
    return _reset_form(request)


@post("/sign-in/forgot/code", name="reset_password", opt=PUBLIC, status_code=303)
async def reset_password(request: Request[Any, Any, Any]) -> Response[Any]:
    """The code and a new password: the password is saved, and the person signs in with it."""
    form = await request.form()
    pending = await _pending(request, services.RESET)
    if pending is None:
        return Redirect(path="/sign-in/forgot", status_code=303)
    typed_code, password = form.get("code", ""), form.get("password", "")
    if "reveal" in form:
        return _reset_form(request, code=typed_code, password=password, reveal=form["reveal"] == "1")
    errors: dict[str, str] = {}
    code = _typed_code(form, errors)
    problem = check_new_password(password)
    if problem:
        errors["password"] = problem
    if errors:
        return _reset_form(request, errors=errors, code=typed_code)
    return await _check_reset_code(request, pending, typed_code, code, password)


async def _check_reset_code(
    request: Request[Any, Any, Any], pending: services.Pending, typed_code: str, code: str, password: str
) -> Response[Any]:
    keyring = _keyring(request)
    # A step with no space behind it counts on its own handle, as an account would.
    account_key = await services.account_key(keyring, pending.account_id) if pending.account_id else None
    own_key = account_key or await keyring.index("throttle", f"step:{pending.token}")
    keys = [await services.address_key(keyring, throttle.address_of(request)), own_key]
    try:
        attempt = await throttle.attempt(keys)
    except throttle.Locked as locked:
        return _reset_form(
            request, errors={"code": throttle.too_many_tries(locked.lock)}, code=typed_code, status=429
        )
    result = await services.check_code(keyring, pending, code, use=False)
    if result.check is not services.CodeCheck.RIGHT or pending.account_id is None:
        if result.check in (services.CodeCheck.WRONG, services.CodeCheck.NONE):
            await attempt.failed()
            # The same words whether the identifier had a space or not.
            result = services.CodeResult(services.CodeCheck.NONE)
        else:
            await attempt.withdrawn()
        await _audit_failure(actions.RESET_PASSWORD, "failed", pending.account_id)
        return _reset_form(request, errors={"code": _code_error(result)}, code=typed_code)
    await attempt.succeeded(forget=[own_key])
    # Only now, with the right code: the person's names may be read to check the password.
    problem = check_new_password(
        password, personal_words=await services.personal_words(keyring, pending.account_id)
    )
    if problem:
        return _reset_form(request, errors={"password": problem}, code=typed_code)
    return await _save_new_password(request, pending, pending.account_id, password)


async def _save_new_password(
    request: Request[Any, Any, Any], pending: services.Pending, account_id: uuid.UUID, password: str
) -> Response[Any]:
    # The hash first, without the SQLite write lock (about 100 ms), then the writes.
    await release_write_lock(request.app.state.engine)
    password_hash = await hash_password(password)
    await services.use_code(pending)
    await services.close_step(pending)
    await services.save_password(account_id, password_hash)
    await request.app.state.sessions.delete_all_of(account_id)
    owner = key_owner(account_id)
    await audit.record(actor=owner, action=actions.RESET_PASSWORD, outcome="allowed", subject=owner)
    response: Response[Any] = Redirect(path="/sign-in?password=saved", status_code=303)
    _clear_pending(request, response)
    return response


SIGN_IN_ROUTES = [
    show_sign_in,
    submit_sign_in,
    show_sign_in_code,
    submit_sign_in_code,
    show_forgot_password,
    request_password_reset,
    show_reset_code,
    reset_password,
]
