"""What the steps of signing in (``sign_in``) and of choosing a new password when it is
forgotten (``password_reset``) share: the pending step's cookie (an opaque handle, set,
cleared and read back), the address of a next step keeping where to go after, the code
typed and the words for a code that is not right, and a failed try audited without what
was typed. ``PUBLIC``: these pages need nobody signed in.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Response, Template

from portal.accounts import sign_in_services as services
from portal.core import audit
from portal.core.actions import AuditAction
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.keys import Keyring, key_owner, keyring_of
from portal.core.web import page

PUBLIC = {"public": True}
ANONYMOUS = "anonymous"


def keyring(request: Request[Any, Any, Any]) -> Keyring:
    return keyring_of(request)


def with_next(name: str, next_path: str, **params: str) -> str:
    """The address of the step called ``name``, keeping where to go after (``next_path``,
    as the request gave it) unless that is the home page, where one goes anyway."""
    return url_for(name, **params, next=None if next_path == url_for("home") else next_path)


def password_page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    errors: dict[str, str] | None = None,
    password: str = "",
    reveal: bool = False,
    status: int | None = None,
    **context: Any,
) -> Template:
    """A page with a password box (signing in, choosing a new password): 400 when it says what
    was wrong, unless ``status`` says otherwise. The password typed comes back only when the
    person asked to see it (``reveal``): never hidden in a page's source."""
    errors = errors or {}
    return page(
        request,
        template,
        status=status or (400 if errors else 200),
        errors=errors,
        password=password if reveal else "",
        reveal=reveal,
        **context,
    )


def pending_cookie(request: Request[Any, Any, Any], value: str, max_age: int) -> Cookie:
    return Cookie(
        key=services.PENDING_COOKIE,
        value=value,
        path=services.PENDING_PATH,
        max_age=max_age,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def set_pending(request: Request[Any, Any, Any], response: Response[Any], pending: services.Pending) -> None:
    seconds = max(1, int((pending.expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(pending_cookie(request, pending.token, seconds))


def clear_pending(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    response.set_cookie(pending_cookie(request, "", 0))


async def pending_of(request: Request[Any, Any, Any], purpose: str) -> services.Pending | None:
    return await services.read_step(request.cookies.get(services.PENDING_COOKIE), purpose)


async def audit_failure(action: AuditAction, outcome: str, account_id: uuid.UUID | None) -> None:
    """A refused or failed try; the subject only when the account is known, never what was typed."""
    subject = key_owner(account_id) if account_id else None
    await audit.record(actor=ANONYMOUS, action=action, outcome=outcome, subject=subject)


def code_error(result: services.CodeResult) -> str:
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


def typed_code(form: Any, errors: dict[str, str]) -> str:
    code = services.normalise_code(form.get("code", ""))
    if len(code) != services.CODE_DIGITS:
        errors["code"] = _("Enter the code we sent you: it has 6 digits.")
    return code
