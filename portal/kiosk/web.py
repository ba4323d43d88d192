"""Is this browser a kiosk? Decided once per request, kept on the request (read it with
``portal.core.kiosk.kiosk_of`` / ``on_kiosk``: request machinery any feature may ask), and
what it changes in every answer: the kiosk's own cookie survives ``Clear-Site-Data``, a
kiosk session's answers say how long it has left (``X-Session-Expires-In``), for the "Are
you still there?" dialog to count from after a part of the page was changed in place, and
nothing leaves as a file: any answer that is a download (``portal.core.kiosk.is_download``)
is replaced, for patients and professionals alike, by the page that offers to print or to
send it to one's phone.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders

from portal.accounts.sign_in_services import PENDING_COOKIE, PENDING_PATH
from portal.core.addresses import url_for
from portal.core.i18n import LOCALE_COOKIE
from portal.core.kiosk import EXPIRES_HEADER, STATE_KEY, Kiosk, is_download
from portal.core.sessions import SignedIn, cleared_session_cookie, warn_before_seconds
from portal.core.web import STATIC_PREFIX, TEXT_COOKIE, THEME_COOKIE
from portal.kiosk.services import terminal_of

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

    from portal.settings import Settings

COOKIE_NAME = "kiosk"
SECURE_COOKIE_NAME = "__Host-kiosk"
# The longest browsers keep a cookie (400 days); after that, the operator enrols the terminal again.
COOKIE_MAX_AGE = 400 * 24 * 3600
# Without "cookies": see KioskMiddleware.
KIOSK_CLEAR_SITE_DATA = '"cache", "storage"'


@dataclass(frozen=True)
class Timing:
    """How a kiosk session ends: its idle time-out, when "Are you still there?" shows, and
    how long before the server's limit the page goes to the time-out address itself (so
    the session is still there to be ended, and its end recorded)."""

    idle_minutes: int
    warn_seconds: int
    early_seconds: int = 2


def timing(settings: Settings) -> Timing:
    """The kiosk's time-out and its warning (``portal.core.sessions.warn_before_seconds``: a
    minute, or half the time-out when it is under 2 minutes, never under 20 s)."""
    return Timing(
        idle_minutes=settings.kiosk_idle_minutes, warn_seconds=warn_before_seconds(settings, kiosk=True)
    )


def cookie_name(settings: Settings) -> str:
    return SECURE_COOKIE_NAME if settings.base_url.startswith("https://") else COOKIE_NAME


def kiosk_cookie(settings: Settings, token: str) -> Cookie:
    """The terminal's cookie: long-lived, HttpOnly, SameSite=Strict, Secure over https."""
    return Cookie(
        key=cookie_name(settings),
        value=token,
        path="/",
        max_age=COOKIE_MAX_AGE,
        secure=settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


async def kiosk_for(settings: Settings, token: str | None) -> Kiosk | None:
    """The setting makes every browser a kiosk; otherwise a terminal's cookie, checked."""
    if settings.kiosk:
        return Kiosk(terminal_id=None)
    if not token:
        return None
    return await terminal_of(token)


class KioskMiddleware:
    """ASGI middleware, inside the request's transaction and outside the sessions: puts the
    request's ``Kiosk`` (or None) in its state, with one indexed query only when the
    browser sends a kiosk cookie.

    On an enrolled terminal, ``Clear-Site-Data: "cookies"`` would also delete the
    terminal's own cookie (HttpOnly: nothing else can set it again but an operator's new
    code), so the next person would be on an ordinary computer with 30-minute sessions
    and downloads. Any answer that clears the site on a terminal therefore says
    ``"cache", "storage"`` only, and expires one by one the cookies of the person who
    leaves: the session, an unfinished sign-in, their language and display choices.
    With ``PORTAL_KIOSK=1`` there is no such cookie, and "cookies" stays.
    """

    def __init__(
        self, app: ASGIApp, settings: Settings, skip_prefixes: tuple[str, ...] = (STATIC_PREFIX,)
    ) -> None:
        self.app = app
        self.settings = settings
        self.cookie_name = cookie_name(settings)
        self.skip_prefixes = skip_prefixes
        session = cleared_session_cookie(settings)
        forget = [
            session,
            replace(session, key=PENDING_COOKIE, path=PENDING_PATH),
            *(replace(session, key=name) for name in (LOCALE_COOKIE, TEXT_COOKIE, THEME_COOKIE)),
        ]
        self.forget = [(c.key, c.to_encoded_header()[1].decode("latin-1")) for c in forget]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        token = ASGIConnection(scope).cookies.get(self.cookie_name)
        kiosk = await kiosk_for(self.settings, token)
        scope.setdefault("state", {})[STATE_KEY] = kiosk
        await self.app(scope, receive, self._sending(scope, kiosk, send))

    def _sending(self, scope: Scope, kiosk: Kiosk | None, send: Send) -> Send:
        refused = False

        async def send_for_kiosk(message: Message) -> None:
            nonlocal refused
            if refused:
                if message["type"] == "http.response.body" and not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return  # the file's bytes never leave
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                user = scope.get("user")
                on_a_kiosk = kiosk is not None or (isinstance(user, SignedIn) and user.kiosk)
                if on_a_kiosk and is_download(headers):
                    refused = True
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 303,
                            "headers": [
                                (b"location", url_for("kiosk_no_file").encode()),
                                (b"cache-control", b"no-store"),
                            ],
                        }
                    )
                    return
                if kiosk is not None and kiosk.terminal_id is not None and "clear-site-data" in headers:
                    self._keep_the_kiosk_cookie(headers)
                if isinstance(user, SignedIn) and user.kiosk and EXPIRES_HEADER not in headers:
                    headers[EXPIRES_HEADER] = str(user.expires_in_seconds)
            await send(message)

        return send_for_kiosk

    def _keep_the_kiosk_cookie(self, headers: MutableScopeHeaders) -> None:
        headers["clear-site-data"] = KIOSK_CLEAR_SITE_DATA
        already = headers.getall("set-cookie", [])
        for name, header in self.forget:
            if not any(value.startswith(f"{name}=") for value in already):
                headers.add("set-cookie", header)
