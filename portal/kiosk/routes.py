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

from portal.core import throttle
from portal.core.access import Access, Action, Area, Role
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.keys import keyring_of
from portal.core.kiosk import EXPIRES_HEADER, HOME, NO_FILE_PATH, TIMEOUT_PATH, kiosk_of, on_kiosk
from portal.core.sessions import (
    CLEAR_SITE_DATA,
    STILL_THERE_PATH,
    SignedIn,
    cleared_session_cookie,
    cookie_name,
    end_session,
    requires_role,
    requires_signed_in,
    touch_or_expire,
)
from portal.core.web import page, renew_csrf_token, safe_next
from portal.documents import actions as document_actions
from portal.documents import changes as document_changes
from portal.documents import services as documents
from portal.documents.storage import DocumentDamagedError
from portal.documents.web import file_response
from portal.kiosk import actions, services
from portal.kiosk.qr import qr_svg
from portal.kiosk.web import kiosk_cookie, timing

PUBLIC = {"public": True}
# Sending to one's phone is for the person themselves: a carer acting for someone (a session
# of role CARER or LEGAL_REPRESENTATIVE) never reaches it, the link being for the person's phone.
PATIENTS = [requires_role(Role.PATIENT)]
LINK_COOKIE = "kiosk_link"
LINK_PATH = "/k"


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
    # No one is signed in here: the terminal's code is the check, the keyring only indexes it.
    keyring = keyring_of(request)
    address = request.client.host if request.client else "unknown"
    lock_key = await keyring.index("throttle", f"kiosk-enrol:{address}")
    try:
        attempt = await throttle.attempt([lock_key])
    except throttle.Locked:
        error = _("Too many wrong codes. Wait a few minutes, then try again.")
        return _enrol_form(request, {"code": error}, typed, status=429)
    result = await services.enrol(keyring, typed)
    if result.check is not services.CodeCheck.RIGHT or result.token is None:
        await attempt.failed()
        await services.record_failed_enrolment()
        messages = {
            services.CodeCheck.EXPIRED: _(
                "This code has expired: it works for one hour. Ask for a new code."
            ),
            services.CodeCheck.USED: _("This code was already used. Ask for a new code."),
        }
        error = messages.get(result.check, _("This code is not right. Check it and type it again."))
        return _enrol_form(request, {"code": error}, typed)
    await attempt.succeeded()
    response: Response[Any] = Redirect(path=url_for("kiosk_enrolled"), status_code=303)
    response.set_cookie(kiosk_cookie(request.app.state.settings, result.token))
    return response


@get("/kiosk/enrolled", name="kiosk_enrolled", opt=PUBLIC)
async def show_enrolled(request: Request[Any, Any, Any]) -> Response[Any]:
    kiosk = kiosk_of(request)
    if kiosk is None:
        return Redirect(path=url_for("kiosk_enrol_form"), status_code=303)
    return page(
        request,
        "kiosk/enrolled.html",
        kiosk=kiosk,
        idle_minutes=timing(request.app.state.settings).idle_minutes,
    )


# --------------------------------------------------------------------------- the time-out


@get(STILL_THERE_PATH, name="kiosk_still_there", opt=PUBLIC)
async def show_still_there(request: Request[Any, Any, Any]) -> Response[Any]:
    """ "Are you still there?", opened by the page itself without JavaScript a little before
    the end. Asking does not keep the session alive (``NOT_ACTIVITY_PATHS``)."""
    next_path = safe_next(request.query_params.get("next"), url_for("home"))
    user = _user(request)
    if user is None:
        return Redirect(path=url_for("kiosk_timeout"), status_code=303)
    if not user.kiosk:
        return Redirect(path=next_path, status_code=303)
    return page(request, "kiosk/still_there.html", next_path=next_path)


@post("/kiosk/more-time", name="kiosk_more_time", guards=[requires_signed_in], status_code=303)
async def more_time(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """ "I need more time": the idle time-out starts again. Without JavaScript, back to the
    page; with it (htmx), in place, the new time left in ``X-Session-Expires-In``.

    It reaches nobody's record, only the session of the person signed in (the guard asks
    for one): the door is declared, and nothing is asked of it."""
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
    renew_csrf_token(request, response)
    return response


@get(TIMEOUT_PATH, name="kiosk_timeout", opt=PUBLIC)
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
    return _session_ended(request, url_for("kiosk_welcome", ended=1))


# --------------------------------------------------------------------------- no downloads


@get(NO_FILE_PATH, name="kiosk_no_file", opt=PUBLIC)
async def no_file(request: Request[Any, Any, Any]) -> Template:
    """Where ``KioskMiddleware`` sends any download asked on a kiosk (a summary, a calendar,
    a table of figures): nothing is kept on a shared computer; print it, or open it at home.
    It names nobody and shows nothing personal, so it is public."""
    user = _user(request)
    return page(request, "kiosk/no_file.html", home=user.home if user else url_for("kiosk_welcome"))


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


@post("/kiosk/phone", name="kiosk_send_to_phone", guards=PATIENTS, status_code=303)
async def send_to_phone(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """Make a single-use link to one of the person's documents, then show its QR code."""
    if not on_kiosk(request):
        raise NotFoundException()  # at home, a download does it
    document_id = _uuid((await request.form()).get("document", ""))
    if document_id is None:
        raise NotFoundException()
    object_id = f"document:{document_id}"
    reach = await access.require(Area.DOCUMENTS, Action.READ, object_id=object_id)
    if not reach.by_subject:
        await access.refuse(Area.DOCUMENTS, Action.READ, reach.subject, object_id=object_id)
    actor = reach.actor.account_id
    info = await documents.get_document(reach.keyring, reach.subject, document_id)
    if info is None or info.deleted_at is not None:
        await document_changes.record(actor, reach.subject, actions.SEND_TO_PHONE, document_id, "denied")
        raise NotFoundException()
    link_id = await services.create_link(
        request.app.state.master_key, reach.subject, info.id, kiosk_of(request)
    )
    return Redirect(path=url_for("kiosk_phone", link_id=link_id), status_code=303)


def _in_words(moment: datetime, now: datetime, timezone: str) -> tuple[str, str]:
    """("14:32", "in 10 minutes"): the time where people live, and how long until then."""
    minutes = max(1, round((moment - now).total_seconds() / 60))
    at = moment.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    return at, ngettext("in %(num)d minute", "in %(num)d minutes", minutes)


@get("/kiosk/phone/{link_id:uuid}", name="kiosk_phone", guards=PATIENTS)
async def show_phone(
    request: Request[Any, Any, Any], access: Access, link_id: FromPath[uuid.UUID]
) -> Template:
    """The QR code of a link, its expiry in words; or that it was used, or expired."""
    reach = await access.require(Area.DOCUMENTS, Action.READ)
    link = await services.get_link(link_id)
    info = None
    if link is not None and link.patient == reach.subject and reach.by_subject:
        info = await documents.get_document(reach.keyring, reach.subject, link.document)
    if link is None or info is None:
        # Another person's link, or a made-up one: the same 404 as a missing page, audited.
        object_id = f"document:{link.document}" if link else None
        await access.refuse(Area.DOCUMENTS, Action.READ, reach.subject, object_id=object_id)
    settings = request.app.state.settings
    now = datetime.now(UTC)
    state = link.state(now)
    qr = None
    if state == "ready":
        token = services.link_token(request.app.state.master_key, link.id)
        address = settings.base_url + url_for("kiosk_link_token", token=token)
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
        path=url_for("kiosk_link"),
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
    response: Response[Any] = Redirect(path=url_for("kiosk_link"), status_code=303)
    max_age = int(services.LINK_VALID.total_seconds())
    response.set_cookie(_link_cookie(request, token[:200], max_age))
    return response


def _link_page(request: Request[Any, Any, Any], problem: str, status: int) -> Response[Any]:
    # ``here`` is /k: nothing of the token reaches the page's forms and links.
    response = page(request, "kiosk/link.html", status=status, problem=problem, here=url_for("kiosk_link"))
    response.set_cookie(_link_cookie(request, "", 0))
    return response


@get(LINK_PATH, name="kiosk_link", opt=PUBLIC)
async def use_link(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """On the person's phone: after their own sign-in, the document downloads, once.

    Public, for the sign-in to come back here; once signed in, only the person the link
    was made for (in their own space, not someone acting for another) gets the file, and
    through the door for their documents."""
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
        return Redirect(path=url_for("sign_in", next=url_for("kiosk_link")), status_code=303)
    if user.acting or user.account_id != link.patient:
        await services.record_refused_link(link, actor)
        return _link_page(request, "someone_else", 404)
    reach = await access.require(
        Area.DOCUMENTS, Action.READ, link.patient, object_id=f"document:{link.document}"
    )
    keyring = reach.keyring
    info = await documents.get_document(keyring, link.patient, link.document)
    if info is None or info.deleted_at is not None:
        await services.record_refused_link(link, actor)
        return _link_page(request, "missing", 410)
    try:
        response = await file_response(keyring, info, download=True)
    except DocumentDamagedError:
        await document_changes.record(
            reach.actor.account_id, link.patient, document_actions.DOWNLOAD, info.id, outcome="failed"
        )
        return _link_page(request, "damaged", 410)
    if not await services.use_link(link, now):
        # Used (or expired) in the instant since it was read: nothing is sent.
        await services.record_refused_link(link, actor)
        return _link_page(request, "used", 410)
    await document_changes.record(reach.actor.account_id, link.patient, document_actions.DOWNLOAD, info.id)
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
    no_file,
    send_to_phone,
    show_phone,
    open_link,
    use_link,
]
