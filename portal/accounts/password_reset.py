"""Choosing a new password when it is forgotten: the identifier, then a code sent to the
person with the new password; the password is saved, every session of the account ends,
and the person signs in with it.

The answer to a request is the same whether the identifier has a space or not, and comes
after the same work; the code is made and sent only after the answer has gone
(``_send_reset_code``), at most a few in a row. Every try of a code is counted per
account (or per pending step) and per client address before it is checked.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta
from typing import Any

from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State
from litestar.response import Redirect, Response, Template

from portal.accounts import actions
from portal.accounts import sign_in_services as services
from portal.accounts import sign_in_steps as steps
from portal.accounts.identity import IdentityError
from portal.accounts.passwords import check_new_password, hash_password
from portal.accounts.services import read_identity
from portal.core import audit, throttle
from portal.core.addresses import url_for
from portal.core.db import apart, release_write_lock
from portal.core.keys import Keyring, key_owner
from portal.core.web import page


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


@get("/sign-in/forgot", name="forgot_password", opt=steps.PUBLIC)
async def show_forgot_password(request: Request[Any, Any, Any]) -> Template:
    return _forgot_form(request)


@post("/sign-in/forgot", name="request_password_reset", opt=steps.PUBLIC, status_code=303)
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
    keyring = steps.keyring(request)
    lock = await throttle.locked_for(await services.address_key(keyring, throttle.address_of(request)))
    if lock is not None:
        return _forgot_form(request, {"identifier": throttle.too_many_tries(lock)}, typed, status=429)
    account = await services.active_account(keyring, identifier)
    pending = await services.open_step(account.account_id if account else None, services.RESET)
    response: Response[Any] = Redirect(
        path=url_for("reset_code"),
        status_code=303,
        background=BackgroundTask(_send_reset_code, request.app.state, account, pending) if account else None,
    )
    steps.set_pending(request, response, pending)
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
            actor=steps.ANONYMOUS, action=actions.ASK_PASSWORD_RESET, outcome="allowed", subject=owner
        )
        # Read here, so that no query runs (nor holds SQLite's write lock) while the code goes out.
        identity = await read_identity(keyring, account.account_id)
    await services.send_code(state.settings, keyring, account, code, services.RESET, identity)


def _reset_form(request: Request[Any, Any, Any], *, code: str = "", **password: Any) -> Template:
    """The code received and the new password (``password``: ``steps.password_page``'s)."""
    return steps.password_page(request, "accounts/sign_in/forgot_code.html", code=code, **password)


@get("/sign-in/forgot/code", name="reset_code", opt=steps.PUBLIC)
async def show_reset_code(request: Request[Any, Any, Any]) -> Response[Any]:
    if await steps.pending_of(request, services.RESET) is None:
        return Redirect(path=url_for("forgot_password"), status_code=303)
    return _reset_form(request)


@post("/sign-in/forgot/code", name="reset_password", opt=steps.PUBLIC, status_code=303)
async def reset_password(request: Request[Any, Any, Any]) -> Response[Any]:
    """The code and a new password: the password is saved, and the person signs in with it."""
    form = await request.form()
    pending = await steps.pending_of(request, services.RESET)
    if pending is None:
        return Redirect(path=url_for("forgot_password"), status_code=303)
    typed_code, password = form.get("code", ""), form.get("password", "")
    if "reveal" in form:
        return _reset_form(request, code=typed_code, password=password, reveal=form["reveal"] == "1")
    errors: dict[str, str] = {}
    code = steps.typed_code(form, errors)
    problem = check_new_password(password)
    if problem:
        errors["password"] = problem
    if errors:
        return _reset_form(request, errors=errors, code=typed_code)
    return await _check_reset_code(request, pending, typed_code, code, password)


async def _check_reset_code(
    request: Request[Any, Any, Any], pending: services.Pending, typed_code: str, code: str, password: str
) -> Response[Any]:
    keyring = steps.keyring(request)
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
        await steps.audit_failure(actions.RESET_PASSWORD, "failed", pending.account_id)
        return _reset_form(request, errors={"code": steps.code_error(result)}, code=typed_code)
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
    # The sign-in page says the password is saved (``?password=saved``: no password in it).
    saved = url_for("sign_in", password="saved")  # noqa: S106
    response: Response[Any] = Redirect(path=saved, status_code=303)
    steps.clear_pending(request, response)
    return response
