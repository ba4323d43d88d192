"""Kiosk pages: the neutral welcome screen, enrolling a terminal, "Are you still there?",
"I need more time", the time-out, and sending a document to the person's own phone
(instead of a download) with the single-use link the phone opens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of
from portal.core import throttle
from portal.core.access import Action, Area, Role, require
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.keys import Keyring
from portal.core.sessions import (
    CLEAR_SITE_DATA,
    SignedIn,
    cleared_session_cookie,
    cookie_name,
    end_session,
    requires_role,
    requires_signed_in,
    signed_in,
    touch_or_expire,
)
from portal.core.web import page, safe_next
from portal.documents import services as documents
from portal.documents.storage import DocumentDamagedError
from portal.documents.web import file_response
from portal.kiosk import services
from portal.kiosk.qr import qr_svg
from portal.kiosk.web import (
    EXPIRES_HEADER,
    HOME,
    kiosk_cookie,
    kiosk_of,
    on_kiosk,
    timing,
)

PUBLIC = {"public": True}
PATIENTS = [requires_role(Role.PATIENT)]
LINK_COOKIE = "kiosk_link"
LINK_PATH = "/k"


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


def _user(request: Request[Any, Any, Any]) -> SignedIn | None:
    user = request.scope.get("user")
    return user if isinstance(user, SignedIn) else None


# --------------------------------------------------------------------------- welcome


@get(HOME, name="kiosk_welcome", opt=PUBLIC)
async def show_welcome(request: Request[Any, Any, Any]) -> Template:
    """The neutral screen a kiosk comes back to: nothing of anyone on it."""
    return page(request, "kiosk/welcome.html", ended=request.query_params.get("ended") == "1")


# --------------------------------------------------------------------------- enrolment


def _enrol_form(request: Request[Any, Any, Any], errors: dict[str, str] | None = None, code: str = "",
                status: int | None = None) -> Template:  # fmt: skip
    errors = errors or {}
    return page(
        request, "kiosk/enrol.html", status=status or (400 if errors else 200), errors=errors, code=code
    )


@get("/kiosk/enrol", name="kiosk_enrol_form", opt=PUBLIC)
async def show_enrol(request: Request[Any, Any, Any]) -> Template:
    return _enrol_form(request)


@post("/kiosk/enrol", name="kiosk_enrol", opt=PUBLIC, status_code=303)
async def submit_enrol(request: Request[Any, Any, Any]) -> Response[Any]:
    """The operator types the terminal's code: the browser becomes that terminal."""
    typed = (await request.form()).get("code", "")
    if not services.normalise_code(typed):
        return _enrol_form(
            request, {"code": _("Type the code of this computer: 12 letters and digits.")}, typed
        )
    keyring = _keyring(request)
    address = request.client.host if request.client else "unknown"
    lock_key = await keyring.index("throttle", f"kiosk-enrol:{address}")
    if await throttle.locked_for(lock_key) is not None:
        error = _("Too many wrong codes. Wait a few minutes, then try again.")
        return _enrol_form(request, {"code": error}, typed, status=429)
    result = await services.enrol(keyring, typed)
    if result.check is not services.CodeCheck.RIGHT or result.token is None:
        await throttle.record_failure(lock_key)
        await services.record_failed_enrolment()
        messages = {
            services.CodeCheck.EXPIRED: _(
                "This code has expired: it works for one hour. Ask for a new code."
            ),
            services.CodeCheck.USED: _("This code was already used. Ask for a new code."),
        }
        error = messages.get(result.check, _("This code is not right. Check it and type it again."))
        return _enrol_form(request, {"code": error}, typed)
    response: Response[Any] = Redirect(path="/kiosk/enrolled", status_code=303)
    response.set_cookie(kiosk_cookie(request.app.state.settings, result.token))
    return response


@get("/kiosk/enrolled", name="kiosk_enrolled", opt=PUBLIC)
async def show_enrolled(request: Request[Any, Any, Any]) -> Response[Any]:
    kiosk = kiosk_of(request)
    if kiosk is None:
        return Redirect(path="/kiosk/enrol", status_code=303)
    return page(
        request,
        "kiosk/enrolled.html",
        kiosk=kiosk,
        idle_minutes=timing(request.app.state.settings).idle_minutes,
    )


# --------------------------------------------------------------------------- the time-out


@get("/kiosk/still-there", name="kiosk_still_there", opt=PUBLIC)
async def show_still_there(request: Request[Any, Any, Any]) -> Response[Any]:
    """ "Are you still there?", opened by the page itself without JavaScript a little before
    the end. Asking does not keep the session alive (``NOT_ACTIVITY_PATHS``)."""
    next_path = safe_next(request.query_params.get("next"), "/")
    user = _user(request)
    if user is None:
        return Redirect(path="/kiosk/timeout", status_code=303)
    if not user.kiosk:
        return Redirect(path=next_path, status_code=303)
    return page(request, "kiosk/still_there.html", next_path=next_path)


@post("/kiosk/more-time", name="kiosk_more_time", guards=[requires_signed_in], status_code=303)
async def more_time(request: Request[Any, Any, Any]) -> Response[Any]:
    """ "I need more time": the idle time-out starts again. Without JavaScript, back to the
    page; with it (htmx), in place, the new time left in ``X-Session-Expires-In``."""
    settings = request.app.state.settings
    token = request.cookies.get(cookie_name(settings), "")
    info = await touch_or_expire(request.app.state.sessions, token, datetime.now(UTC), force=True)
    seconds = str(info.expires_in_seconds if info else 0)
    if request.headers.get("hx-request") == "true":
        return Response(content=b"", status_code=204, headers={EXPIRES_HEADER: seconds})
    form = await request.form()
    return Redirect(path=safe_next(form.get("next")), status_code=303, headers={EXPIRES_HEADER: seconds})


def _session_ended(request: Request[Any, Any, Any], to: str) -> Response[Any]:
    """Go to ``to`` with the browser told to forget this site (on an enrolled terminal,
    ``KioskMiddleware`` keeps the terminal's own cookie) and the session cookie expired."""
    response: Response[Any] = Redirect(path=to, status_code=303, headers={"Clear-Site-Data": CLEAR_SITE_DATA})
    response.set_cookie(cleared_session_cookie(request.app.state.settings))
    return response


@get("/kiosk/timeout", name="kiosk_timeout", opt=PUBLIC)
async def timeout(request: Request[Any, Any, Any]) -> Response[Any]:
    """The kiosk's page comes here when its time is up (by script, or by its refresh without
    JavaScript): the session ends and the welcome screen shows. Only a kiosk session is
    ended here; someone at their own computer is not signed out by this address."""
    user = _user(request)
    if user is not None and not user.kiosk:
        return Redirect(path=user.home, status_code=303)
    if user is not None:
        token = request.cookies.get(cookie_name(request.app.state.settings))
        if token:
            await end_session(request.app.state.sessions, token)
        await services.record_session_end(kiosk_of(request), user.actor.account_id, "timeout")
    return _session_ended(request, f"{HOME}?ended=1")


# --------------------------------------------------------------------------- no downloads


def refuse_download(request: Request[Any, Any, Any], document: documents.DocumentInfo) -> Template:
    """The answer to a download on a kiosk: print it, or send it to your phone."""
    user = signed_in(request)
    own = user.role is Role.PATIENT and user.account_id == document.patient
    return page(request, "kiosk/no_download.html", status=403, document=document, own=own)


@post("/kiosk/phone", name="kiosk_send_to_phone", guards=PATIENTS, status_code=303)
async def send_to_phone(request: Request[Any, Any, Any]) -> Response[Any]:
    """Make a single-use link to one of the person's documents, then show its QR code."""
    user = signed_in(request)
    if not on_kiosk(request) or user.acting:
        raise NotFoundException()
    try:
        document_id = uuid.UUID(str((await request.form()).get("document", "")))
    except ValueError:
        raise NotFoundException() from None
    object_id = f"document:{document_id}"
    await require(await actor_of(user), user.account_id, Area.DOCUMENTS, Action.READ, object_id)
    info = await documents.get_document(_keyring(request), user.account_id, document_id)
    if info is None or info.deleted_at is not None:
        await documents.record(
            user.account_id, user.account_id, "document.send_to_phone", document_id, "denied"
        )
        raise NotFoundException()
    link_id = await services.create_link(
        request.app.state.master_key, user.account_id, info.id, kiosk_of(request)
    )
    return Redirect(path=f"/kiosk/phone/{link_id}", status_code=303)


def _in_words(moment: datetime, now: datetime, timezone: str) -> tuple[str, str]:
    """("14:32", "in 10 minutes"): the time where people live, and how long until then."""
    minutes = max(1, round((moment - now).total_seconds() / 60))
    at = moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    return at, ngettext("in %(num)d minute", "in %(num)d minutes", minutes)


@get("/kiosk/phone/{link_id:uuid}", name="kiosk_phone", guards=PATIENTS)
async def show_phone(request: Request[Any, Any, Any], link_id: FromPath[uuid.UUID]) -> Template:
    """The QR code of a link, its expiry in words; or that it was used, or expired."""
    user = signed_in(request)
    link = await services.get_link(link_id)
    if link is None or link.patient != user.account_id or user.acting:
        raise NotFoundException()
    await require(
        await actor_of(user), user.account_id, Area.DOCUMENTS, Action.READ, f"document:{link.document}"
    )
    info = await documents.get_document(_keyring(request), user.account_id, link.document)
    if info is None:
        raise NotFoundException()
    settings = request.app.state.settings
    now = datetime.now(UTC)
    state = link.state(now)
    qr = None
    if state == "ready":
        address = (
            f"{settings.base_url}{LINK_PATH}/{services.link_token(request.app.state.master_key, link.id)}"
        )
        qr = qr_svg(address, _("QR code of the link to your document"))
    at, within = _in_words(link.expires_at, now, settings.timezone)
    return page(
        request,
        "kiosk/phone.html",
        fragment="kiosk/_phone_state.html",
        document=info,
        link=link,
        state=state,
        qr=qr,
        expires_at=at,
        expires_within=within,
    )


# --------------------------------------------------------------------------- the link, on the phone


def _link_cookie(request: Request[Any, Any, Any], token: str, max_age: int) -> Cookie:
    return Cookie(
        key=LINK_COOKIE,
        value=token,
        path=LINK_PATH,
        max_age=max_age,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


@get(f"{LINK_PATH}/{{token:str}}", name="kiosk_link_token", opt=PUBLIC)
async def open_link(request: Request[Any, Any, Any], token: FromPath[str]) -> Response[Any]:
    """The address in the QR code. The token moves at once into a cookie for ``/k`` only,
    and the phone goes to ``/k``: no page, no later address (the sign-in's ``next``, the
    history) and no form ever shows the token again."""
    response: Response[Any] = Redirect(path=LINK_PATH, status_code=303)
    max_age = int(services.LINK_VALID.total_seconds())
    response.set_cookie(_link_cookie(request, token[:200], max_age))
    return response


def _link_page(request: Request[Any, Any, Any], problem: str, status: int) -> Response[Any]:
    # ``here`` is /k: nothing of the token reaches the page's forms and links.
    response = page(request, "kiosk/link.html", status=status, problem=problem, here=LINK_PATH)
    response.set_cookie(_link_cookie(request, "", 0))
    return response


@get(LINK_PATH, name="kiosk_link", opt=PUBLIC)
async def use_link(request: Request[Any, Any, Any]) -> Response[Any]:
    """On the person's phone: after their own sign-in, the document downloads, once."""
    user = _user(request)
    token = request.cookies.get(LINK_COOKIE)
    if not token:
        return _link_page(request, "missing", 404)
    link = await services.find_link(token)
    actor = user.actor.account_id if user else None
    if link is None:
        await services.record_refused_link(None, actor)
        return _link_page(request, "missing", 404)
    now = datetime.now(UTC)
    if link.state(now) != "ready":
        await services.record_refused_link(link, actor)
        return _link_page(request, link.state(now), 410)
    if on_kiosk(request):
        # The kiosk itself opened its own QR code: it keeps nothing, the link stays for the phone.
        return _link_page(request, "kiosk", 403)
    if user is None:
        return Redirect(path=f"/sign-in?next={LINK_PATH}", status_code=303)
    if user.acting or user.role is not Role.PATIENT or user.account_id != link.patient:
        await services.record_refused_link(link, actor)
        return _link_page(request, "someone_else", 404)
    await require(
        await actor_of(user), link.patient, Area.DOCUMENTS, Action.READ, f"document:{link.document}"
    )
    keyring = _keyring(request)
    info = await documents.get_document(keyring, link.patient, link.document)
    if info is None or info.deleted_at is not None:
        await services.record_refused_link(link, actor)
        return _link_page(request, "missing", 410)
    try:
        response = await file_response(keyring, info, download=True)
    except DocumentDamagedError:
        await documents.record(link.patient, link.patient, "document.download", info.id, outcome="failed")
        return _link_page(request, "damaged", 410)
    if not await services.use_link(link, now):
        # Used (or expired) in the instant since it was read: nothing is sent.
        await services.record_refused_link(link, actor)
        return _link_page(request, "used", 410)
    await documents.record(link.patient, link.patient, "document.download", info.id)
    response.set_cookie(_link_cookie(request, "", 0))
    return response


ROUTES = [
    show_welcome,
    show_enrol,
    submit_enrol,
    show_enrolled,
    show_still_there,
    more_time,
    timeout,
    send_to_phone,
    show_phone,
    open_link,
    use_link,
]
