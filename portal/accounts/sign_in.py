"""Signing in (a password, then a 6-digit code) and choosing a new password when it is forgotten.

Every page is a plain form that works without JavaScript. A wrong identifier and a
wrong password get the same answer, in the same time; failures are counted per account
and per client address (``portal.core.throttle``), and a locked one is refused before
any password is checked. Failures are audited without the identifier typed.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Response, Template

from portal.accounts import sign_in_services as services
from portal.accounts.identity import IdentityError
from portal.accounts.passwords import check_new_password, hash_password
from portal.core import audit, throttle
from portal.core.db import release_write_lock
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.keys import Keyring, key_owner
from portal.core.sessions import cookie_name, end_session, session_cookie, start_session
from portal.core.web import page, safe_next
from portal.kiosk.services import record_session_start as record_kiosk_session
from portal.kiosk.web import kiosk_of

PUBLIC = {"public": True}
ANONYMOUS = "anonymous"
HELP_LINE = "0 800 00 00 00"


# --------------------------------------------------------------------------- small helpers


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


def _address(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


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
    value = services.sign_pending(request.app.state.master_key, pending)
    seconds = max(1, int((pending.expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(_pending_cookie(request, value, seconds))


def _clear_pending(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    response.set_cookie(_pending_cookie(request, "", 0))


def _pending(request: Request[Any, Any, Any], purpose: str) -> services.Pending | None:
    value = request.cookies.get(services.PENDING_COOKIE)
    return services.read_pending(request.app.state.master_key, value, purpose)


def _lock_message(lock: timedelta) -> str:
    minutes = max(1, math.ceil(lock.total_seconds() / 60))
    return ngettext(
        "Too many tries. For your safety, wait %(minutes)d minute and try again, or call us on %(phone)s.",
        "Too many tries. For your safety, wait %(minutes)d minutes and try again, or call us on %(phone)s.",
        minutes,
        minutes=minutes,
        phone=HELP_LINE,
    )


async def _audit_failure(action: str, outcome: str, account_id: uuid.UUID | None) -> None:
    """A refused or failed try; the subject only when the account is known, never what was typed."""
    subject = key_owner(account_id) if account_id else None
    await audit.record(actor=ANONYMOUS, area="account", action=action, outcome=outcome, subject=subject)


async def _count_failure(keys: list[str]) -> None:
    for key in keys:
        await throttle.record_failure(key)


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
        await services.address_key(keyring, _address(request)),
        await services.account_key(keyring, account_id)
        if account_id
        else await services.identifier_key(keyring, identifier),
    ]
    lock = await services.longest_lock(keys)
    if lock is not None:
        await _audit_failure("sign_in", "denied", account_id)
        errors = {"identifier": _lock_message(lock)}
        return _sign_in_form(request, next_path, errors=errors, identifier=typed, status=429)
    if account is None or not await services.check_password(account, password):
        await _count_failure(keys)
        await _audit_failure("sign_in", "failed", account_id)
        errors = {"identifier": _("The identifier or the password is not right.")}
        return _sign_in_form(request, next_path, errors=errors, identifier=typed)
    return await _send_first_code(request, keyring, account, next_path, typed)


async def _send_first_code(
    request: Request[Any, Any, Any],
    keyring: Keyring,
    account: services.SignInAccount,
    next_path: str,
    typed: str,
) -> Response[Any]:
    # The pending step starts (to the second) before its code is made, so the code is found.
    pending = services.new_pending(account.account_id, services.SIGN_IN)
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
    account = await services.get_active_account(pending.account_id)
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
    pending = _pending(request, services.SIGN_IN)
    if pending is None:
        return _start_again(next_path)
    return await _code_form(request, pending, next_path)


@post("/sign-in/code", name="check_sign_in_code", opt=PUBLIC, status_code=303)
async def submit_sign_in_code(request: Request[Any, Any, Any]) -> Response[Any]:
    """The second step: the code (or the button that asks for a new one)."""
    form = await request.form()
    next_path = safe_next(form.get("next"))
    pending = _pending(request, services.SIGN_IN)
    if pending is None:
        return _start_again(next_path)
    if "resend" in form:
        return await _send_new_code(request, pending, next_path)
    errors: dict[str, str] = {}
    code = _typed_code(form, errors)
    if errors:
        return await _code_form(request, pending, next_path, errors)
    keyring = _keyring(request)
    keys = [
        await services.address_key(keyring, _address(request)),
        await services.account_key(keyring, pending.account_id),
    ]
    lock = await services.longest_lock(keys)
    if lock is not None:
        await _audit_failure("sign_in_code", "denied", pending.account_id)
        return await _code_form(request, pending, next_path, {"code": _lock_message(lock)}, status=429)
    result = await services.check_code(keyring, pending, code)
    if result.check is services.CodeCheck.NONE:
        return _start_again(next_path)
    if result.check is not services.CodeCheck.RIGHT:
        if result.check is services.CodeCheck.WRONG:
            await _count_failure(keys)
        await _audit_failure("sign_in_code", "failed", pending.account_id)
        return await _code_form(request, pending, next_path, {"code": _code_error(result)})
    await throttle.reset(keys[1])
    return await _start_session(request, pending, next_path)


async def _start_session(
    request: Request[Any, Any, Any], pending: services.Pending, next_path: str
) -> Response[Any]:
    account = await services.get_active_account(pending.account_id)
    if account is None:
        return _start_again(next_path)
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
    await audit.record(actor=owner, area="account", action="sign_in", outcome="allowed", subject=owner)
    response: Response[Any] = Redirect(path=next_path, status_code=303)
    response.set_cookie(session_cookie(settings, token))
    _clear_pending(request, response)
    return response


async def _send_new_code(
    request: Request[Any, Any, Any], pending: services.Pending, next_path: str
) -> Response[Any]:
    reason = await services.why_no_new_code(pending)
    account = await services.get_active_account(pending.account_id)
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
    fresh = datetime.now(UTC) + timedelta(minutes=services.CODE_MINUTES)
    _set_pending(request, response, replace(pending, expires_at=fresh))
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
    """Send a code to choose a new password, if the identifier has a space; the answer
    is the same either way (the pending cookie names a random account when it has none)."""
    form = await request.form()
    typed = form.get("identifier", "")
    try:
        identifier = services.parse_identifier(typed)
    except IdentityError as exc:
        return _forgot_form(request, {"identifier": exc.message}, typed)
    keyring = _keyring(request)
    lock = await throttle.locked_for(await services.address_key(keyring, _address(request)))
    if lock is not None:
        return _forgot_form(request, {"identifier": _lock_message(lock)}, typed, status=429)
    account = await services.active_account(keyring, identifier)
    pending = services.new_pending(account.account_id if account else uuid.uuid4(), services.RESET)
    if account is not None:
        pending = await _send_reset_code(request, keyring, account, pending)
    response: Response[Any] = Redirect(path="/sign-in/forgot/code", status_code=303)
    _set_pending(request, response, pending)
    return response


async def _send_reset_code(
    request: Request[Any, Any, Any],
    keyring: Keyring,
    account: services.SignInAccount,
    pending: services.Pending,
) -> services.Pending:
    """Send a reset code, at most a few in a row (so nobody can flood a person's inbox).

    When no new code is sent, the pending step reaches back far enough to find the last one.
    """
    flood_key = await keyring.index("throttle", f"reset:{account.account_id}")
    if await throttle.locked_for(flood_key) is not None:
        return replace(pending, started_at=pending.started_at - timedelta(minutes=services.CODE_MINUTES))
    await throttle.record_failure(flood_key)
    code = await services.issue_code(keyring, account.account_id, services.RESET)
    await services.send_code(request.app.state.settings, keyring, account, code, services.RESET)
    owner = key_owner(account.account_id)
    await audit.record(
        actor=ANONYMOUS, area="account", action="ask_password_reset", outcome="allowed", subject=owner
    )
    return pending


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
    if _pending(request, services.RESET) is None:
        return Redirect(path="/sign-in/forgot", status_code=303)
    return _reset_form(request)


@post("/sign-in/forgot/code", name="reset_password", opt=PUBLIC, status_code=303)
async def reset_password(request: Request[Any, Any, Any]) -> Response[Any]:
    """The code and a new password: the password is saved, and the person signs in with it."""
    form = await request.form()
    pending = _pending(request, services.RESET)
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
    keys = [
        await services.address_key(keyring, _address(request)),
        await services.account_key(keyring, pending.account_id),
    ]
    lock = await services.longest_lock(keys)
    if lock is not None:
        return _reset_form(request, errors={"code": _lock_message(lock)}, code=typed_code, status=429)
    result = await services.check_code(keyring, pending, code, use=False)
    if result.check is not services.CodeCheck.RIGHT:
        if result.check in (services.CodeCheck.WRONG, services.CodeCheck.NONE):
            await _count_failure(keys)
            # The same words whether the identifier had a space or not.
            result = services.CodeResult(services.CodeCheck.NONE)
        known = await services.get_active_account(pending.account_id)
        await _audit_failure("reset_password", "failed", known.account_id if known else None)
        return _reset_form(request, errors={"code": _code_error(result)}, code=typed_code)
    # Only now, with the right code: the person's names may be read to check the password.
    problem = check_new_password(
        password, personal_words=await services.personal_words(keyring, pending.account_id)
    )
    if problem:
        return _reset_form(request, errors={"password": problem}, code=typed_code)
    return await _save_new_password(request, pending, password, keys[1])


async def _save_new_password(
    request: Request[Any, Any, Any], pending: services.Pending, password: str, account_key: str
) -> Response[Any]:
    # The hash first, without the SQLite write lock (about 100 ms), then the writes.
    await release_write_lock(request.app.state.engine)
    password_hash = await hash_password(password)
    await services.use_code(pending)
    await services.save_password(pending.account_id, password_hash)
    await request.app.state.sessions.delete_all_of(pending.account_id)
    await throttle.reset(account_key)
    owner = key_owner(pending.account_id)
    await audit.record(actor=owner, area="account", action="reset_password", outcome="allowed", subject=owner)
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
