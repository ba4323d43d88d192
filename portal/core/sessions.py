"""Server-side sessions: who is signed in, for how long, and the guards that ask.

A session is a random token in a browser cookie. Only the SHA-256 of the token
is stored, so a copy of the store (a stolen database, a Redis dump) opens no
session. A session ends after ``PORTAL_SESSION_IDLE_MINUTES`` without a request
(``PORTAL_KIOSK_IDLE_MINUTES`` for one begun on a kiosk terminal, ``portal.kiosk``),
and ``PORTAL_SESSION_MAX_HOURS`` after it began however active the person is.

Sessions live in the database (the ``Session`` table) by default, or in Redis
when ``PORTAL_REDIS_URL`` is set (``portal.core.session_stores``); both stores answer
the same calls. ``last_seen_at`` is written at most once a minute (a kiosk's short
sessions: every sixth of their time-out), to spare writes; the idle time-out
therefore counts from the last write, which only ever ends a session up to that
much early, never late.

``SessionMiddleware`` puts a ``SignedIn`` in ``scope["user"]`` for a live
session and leaves it out otherwise; ``requires_signed_in`` and
``requires_role`` are the route guards.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.exceptions import NotAuthorizedException, NotFoundException

from portal.core import access, audit
from portal.core.access import PROXY_ROLES, Actor, Role
from portal.core.actions import msgid as _  # marks the header's words for the catalogue
from portal.core.addresses import url_for
from portal.core.keys import key_owner
from portal.core.session_stores import (
    SessionInfo,
    SessionRecord,
    SessionStore,
    as_utc,
    hash_token,
)

if TYPE_CHECKING:
    from litestar.handlers.base import BaseRouteHandler
    from litestar.types import ASGIApp, Guard, Message, Receive, Scope, Send

    from portal.settings import Settings

COOKIE_NAME = "session"
SECURE_COOKIE_NAME = "__Host-session"
# A kiosk's "Are you still there?" (``portal.kiosk``), opened by the page itself without
# JavaScript: asking does not keep the session alive. Named here, since core imports no feature.
STILL_THERE_PATH = "/kiosk/still-there"
NOT_ACTIVITY_PATHS = frozenset({STILL_THERE_PATH})
# Sent (value "1") by a part of a page that refreshes itself (the unread count, an open
# conversation): such a request does not keep the session alive either.
REFRESH_HEADER = "x-portal-refresh"
# How long before a session ends its page warns ("Stay signed in"): 2 minutes. A kiosk
# session's warning comes at another time: ``warn_before_seconds``.
WARN_BEFORE_SECONDS = 120
_MAX_TOKEN_LENGTH = 128

log = logging.getLogger(__name__)


async def start_session(
    store: SessionStore,
    account_id: UUID,
    role: str,
    *,
    kiosk: bool = False,
    now: datetime | None = None,
    acting_for: UUID | None = None,
) -> str:
    """Begin a session for ``account_id`` and return its token (for the cookie, never stored).
    ``acting_for``: a carer's session in the space of the person they help."""
    now = as_utc(now or datetime.now(UTC))
    token = secrets.token_urlsafe(32)
    record = SessionRecord(
        account_id=account_id,
        role=str(role),
        kiosk=kiosk,
        created_at=now,
        last_seen_at=now,
        acting_for=acting_for,
    )
    await store.create(hash_token(token), record)
    return token


async def end_session(store: SessionStore, token: str) -> None:
    await store.delete(hash_token(token))


async def touch_or_expire(
    store: SessionStore, token: str, now: datetime, *, force: bool = False, touch: bool = True
) -> SessionInfo | None:
    """The live session of ``token`` at ``now``, or None (and the session deleted) when it ended.

    ``last_seen_at`` moves at most once a minute, unless ``force`` (the "stay signed in" button);
    never with ``touch=False`` (a page refreshing itself is not the person doing something).
    """
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    now = as_utc(now)
    token_hash = hash_token(token)
    record = await store.load(token_hash)
    if record is None:
        return None
    if now - record.last_seen_at >= store.idle_for(record) or now - record.created_at >= store.max_age:
        await store.delete(token_hash)
        return None
    if force or (touch and now - record.last_seen_at >= store.touch_every(record)):
        await store.touch(token_hash, record, now)
        record = replace(record, last_seen_at=now)
    return SessionInfo(
        account_id=record.account_id,
        role=record.role,
        kiosk=record.kiosk,
        created_at=record.created_at,
        last_seen_at=record.last_seen_at,
        expires_in_seconds=max(0, int(store.ttl(record, now).total_seconds())),
        acting_for=record.acting_for,
    )


def warn_before_seconds(settings: Settings, *, kiosk: bool) -> int:
    """How long before a session ends its page warns: ``WARN_BEFORE_SECONDS``; on a kiosk
    ("Are you still there?", ``PORTAL_KIOSK_IDLE_MINUTES``) a minute, or half the time-out
    when that is under 2 minutes (never under 20 s)."""
    if kiosk:
        return max(20, min(60, settings.kiosk_idle_minutes * 60 // 2))
    return WARN_BEFORE_SECONDS


@dataclass(frozen=True)
class SignedIn:
    """The person signed in on this request (``scope["user"]``, ``user`` in templates).

    ``account_id`` and ``role`` are always the person who acts: a carer in the space of
    someone they help has the role CARER (or LEGAL_REPRESENTATIVE) and ``acting_for`` that
    person, whose space every page shows (``subject``)."""

    account_id: UUID
    role: Role
    kiosk: bool
    expires_in_seconds: int
    # How long before the end the page warns (``warn_before_seconds``): the server decides,
    # the page's script and its words follow.
    warn_before_seconds: int = WARN_BEFORE_SECONDS
    profession: str | None = None
    acting_for: UUID | None = None

    @property
    def acting(self) -> bool:
        return self.acting_for is not None

    @property
    def subject(self) -> UUID:
        """Whose space the pages show: the person's own, or the one a carer acts in."""
        return self.acting_for if self.acting_for is not None else self.account_id

    @property
    def actor(self) -> Actor:
        return Actor(account_id=self.account_id, role=self.role, profession=self.profession)

    @property
    def home(self) -> str:
        """Where the person starts: their own space (or the one they act in), or the page of their work."""
        return url_for(HOMES[self.role].page) if self.role in HOMES else url_for("home")

    @property
    def home_page(self) -> Home | None:
        """The page the header's first link leads to, and what it calls it (None: the home page)."""
        return HOMES.get(self.role)


@dataclass(frozen=True, slots=True)
class Home:
    """Where a role starts: the page's name (``portal.core.addresses``) and the header's word for it
    (marked for the catalogue: the header translates it)."""

    page: str
    label: str


_SPACE = Home("space", _("My space"))
HOMES = {
    Role.PATIENT: _SPACE,
    Role.CARER: _SPACE,
    Role.LEGAL_REPRESENTATIVE: _SPACE,
    Role.PROFESSIONAL: Home("pro", _("My patients")),
    Role.MEDIATOR: Home("mediator", _("Help someone start")),
    Role.ANALYST: Home("agency_figures", _("Adoption figures")),
}
# Sent when a session ends: a shared computer keeps nothing of the person who leaves it.
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


def cookie_name(settings: Settings) -> str:
    """``__Host-session`` over https (Secure, this host only), ``session`` otherwise."""
    return SECURE_COOKIE_NAME if settings.base_url.startswith("https://") else COOKIE_NAME


def session_cookie(settings: Settings, token: str) -> Cookie:
    """The cookie that carries ``token``: HttpOnly, SameSite=Lax, gone when the browser closes."""
    return Cookie(
        key=cookie_name(settings),
        value=token,
        path="/",
        secure=settings.base_url.startswith("https://"),
        httponly=True,
        samesite="lax",
    )


def cleared_session_cookie(settings: Settings) -> Cookie:
    """The cookie that makes the browser forget its session cookie."""
    return replace(session_cookie(settings, ""), max_age=0, expires=0)


class SessionMiddleware:
    """ASGI middleware: ``scope["user"]`` is the signed-in person, or absent.

    A cookie whose session has ended (or never existed) is cleared in the
    response, unless the response sets that cookie itself.
    """

    def __init__(
        self,
        app: ASGIApp,
        store: SessionStore,
        settings: Settings,
        skip_prefixes: tuple[str, ...] = ("/static/",),
    ) -> None:
        self.app = app
        self.store = store
        self.settings = settings
        self.cookie_name = cookie_name(settings)
        self.skip_prefixes = skip_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.skip_prefixes):
            await self.app(scope, receive, send)
            return
        scope.pop("user", None)  # type: ignore[misc]
        token = ASGIConnection(scope).cookies.get(self.cookie_name)
        if not token:
            await self.app(scope, receive, send)
            return
        with access.delegations_kept():
            await self._signed_in(scope, receive, send, token)

    async def _signed_in(self, scope: Scope, receive: Receive, send: Send, token: str) -> None:
        # A part of a page refreshing itself (``REFRESH_HEADER``) does not keep the session alive.
        refresh = (REFRESH_HEADER.encode(), b"1") in scope["headers"] or scope["path"] in NOT_ACTIVITY_PATHS
        info = await touch_or_expire(self.store, token, datetime.now(UTC), touch=not refresh)
        role = _role(info.role) if info else None
        if info is not None and role is not None:
            user = SignedIn(
                account_id=info.account_id,
                role=role,
                kiosk=info.kiosk,
                expires_in_seconds=info.expires_in_seconds,
                warn_before_seconds=warn_before_seconds(self.settings, kiosk=info.kiosk),
            )
            if role is Role.PROFESSIONAL:
                # What a professional may use depends on their profession (``portal.core.access``).
                user = replace(user, profession=await access.profession_of(user.account_id))
            if info.acting_for is not None:
                user = await _acting(scope, user, info.acting_for)
            scope["user"] = user
            if user.acting_for is None:
                await self.app(scope, receive, send)
                return
            # Everything done as the person helped is recorded as done by the carer for them.
            acting = audit.ACTING.set((key_owner(user.account_id), key_owner(user.acting_for)))
            try:
                await self.app(scope, receive, send)
            finally:
                audit.ACTING.reset(acting)
            return
        if info is not None:
            await end_session(self.store, token)
        await self.app(scope, receive, self._clearing_cookie(send))

    def _clearing_cookie(self, send: Send) -> Send:
        name, value = cleared_session_cookie(self.settings).to_encoded_header()
        prefix = f"{self.cookie_name}=".encode()

        async def send_and_clear(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                if not any(v.encode("latin-1").startswith(prefix) for v in headers.getall("set-cookie", [])):
                    headers.add(name.decode("latin-1"), value.decode("latin-1"))
            await send(message)

        return send_and_clear


async def _acting(scope: Scope, carer: SignedIn, patient: UUID) -> SignedIn:
    """A carer's session in ``patient``'s space, while the delegation lives; once it has
    ended (by either side, or its date), the carer is back in their own space at once."""
    granted = await access.delegation(carer.account_id, patient) if carer.role is Role.PATIENT else None
    if granted is None:
        scope.setdefault("state", {})["portal_delegation_ended"] = True
        return carer
    return replace(carer, role=granted.role, acting_for=patient)


def _role(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


class SignInRequired(NotAuthorizedException):
    """Raised by the guards for a request without a live session; ``portal.app`` answers it
    with a redirect to the sign-in page (or a 401 with ``HX-Redirect`` for htmx)."""


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> SignedIn:
    """The signed-in person of a guarded route (raises ``SignInRequired`` otherwise)."""
    user = connection.scope.get("user")
    if not isinstance(user, SignedIn):
        raise SignInRequired()
    return user


def requires_signed_in(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Guard: the route needs a live session."""
    signed_in(connection)


# Who may be in a patient's space: the patient, and whoever acts for them by a delegation
# (what each may do there is the access policy's to say).
SPACE_ROLES = (Role.PATIENT, *sorted(PROXY_ROLES))


def requires_role(*roles: Role) -> Guard:
    """Guard: the route needs a live session in one of ``roles``.

    Someone signed in with another role gets the "page not found" answer, as for any
    denial (``portal.core.access``): a page they may not use is not there for them.
    """
    allowed = frozenset(roles)

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if signed_in(connection).role not in allowed:
            raise NotFoundException()

    return guard
