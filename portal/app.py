"""create_app(): wires settings, database, templates, middleware and routes."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar import Litestar, Request
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, State
from litestar.di import Provide
from litestar.exceptions import HTTPException, NotFoundException, PermissionDeniedException
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import generate_csrf_token
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Response
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from portal.accounts.activation import ROUTES as ACTIVATION_ROUTES
from portal.accounts.people import made_by_mediator, profession_of
from portal.accounts.routes import ROUTES as ACCOUNT_ROUTES
from portal.accounts.sign_in import SIGN_IN_ROUTES
from portal.activity.routes import ROUTES as ACTIVITY_ROUTES
from portal.agency.routes import ROUTES as AGENCY_ROUTES
from portal.agenda.routes import ROUTES as AGENDA_ROUTES
from portal.carers.acting import acting_banner
from portal.carers.routes import ROUTES as CARER_ROUTES
from portal.carers.services import live_delegation
from portal.catalogue.api import ROUTES as API_ROUTES
from portal.catalogue.entries import catalogue
from portal.catalogue.routes import ROUTES as CATALOGUE_ROUTES
from portal.circle.routes import ROUTES as CIRCLE_ROUTES
from portal.circle.services import circle_standing, circles_open
from portal.core import access, addresses, crypto, db, session_stores, sessions
from portal.core import kiosk as kiosk_sessions
from portal.core.i18n import LOCALE_NAMES, format_day, format_moment, gettext, ngettext, size_in_words
from portal.core.web import (
    CSRF_FAILED,
    STATIC_DIR,
    TEMPLATES_DIR,
    CrossSiteGuard,
    LocaleMiddleware,
    add_security_headers,
    csrf_cookie,
    current_path,
    page,
    safe_next,
    static_url,
)
from portal.documents.routes import ROUTES as DOCUMENT_ROUTES
from portal.kiosk import web as kiosk
from portal.kiosk.routes import ROUTES as KIOSK_ROUTES
from portal.kiosk.services import record_session_end, record_session_start
from portal.messages.routes import ROUTES as MESSAGE_ROUTES
from portal.messages.routes import header_counts
from portal.notes.routes import ROUTES as NOTE_ROUTES
from portal.outreach.routes import ROUTES as OUTREACH_ROUTES
from portal.pro.documents import ROUTES as PRO_DOCUMENT_ROUTES
from portal.pro.routes import ROUTES as PRO_ROUTES
from portal.profile.routes import ROUTES as PROFILE_ROUTES
from portal.profile.summary_routes import ROUTES as SUMMARY_ROUTES
from portal.settings import Settings
from portal.site.routes import ROUTES as SITE_ROUTES
from portal.space.routes import ROUTES as SPACE_ROUTES

log = logging.getLogger("portal")

# Every feature's pages (Litestar finds a page by its path, whatever the order here).
FEATURE_ROUTES = [
    *SITE_ROUTES,
    *ACCOUNT_ROUTES,
    *SIGN_IN_ROUTES,
    *ACTIVATION_ROUTES,
    *SPACE_ROUTES,
    *ACTIVITY_ROUTES,
    *CIRCLE_ROUTES,
    *DOCUMENT_ROUTES,
    *MESSAGE_ROUTES,
    *CATALOGUE_ROUTES,
    *CARER_ROUTES,
    *PROFILE_ROUTES,
    *SUMMARY_ROUTES,
    *AGENDA_ROUTES,
    *NOTE_ROUTES,
    *API_ROUTES,
    *OUTREACH_ROUTES,
    *KIOSK_ROUTES,
    *AGENCY_ROUTES,
    *PRO_ROUTES,
    *PRO_DOCUMENT_ROUTES,
]
addresses.register(FEATURE_ROUTES)

CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "x-csrftoken"


def template_environment(timezone: str = "Europe/Paris") -> Environment:
    """The Jinja environment: autoescaped, strict, translated through the catalogue,
    with ``day`` and ``moment`` filters that show a time where people live."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n", "jinja2.ext.do"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        static_url=static_url,
        url_for=addresses.url_for,
        paged_url=addresses.paged_url,
        locale_names=LOCALE_NAMES,
    )
    env.filters["day"] = lambda value: format_day(value, timezone)
    env.filters["moment"] = lambda value: format_moment(value, timezone)
    env.filters["filesize"] = size_in_words
    return env


def _template_engine(env: Environment) -> JinjaTemplateEngine:
    """Litestar's engine on our environment. It puts its own ``url_for`` (no query, a lookup
    through the route table) in place of ours (``portal.core.addresses``): ours goes back."""
    engine = JinjaTemplateEngine.from_environment(env)
    env.globals["url_for"] = addresses.url_for
    return engine


def _error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Every error is a kind page in the person's language, never a stack trace."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if isinstance(exc, PermissionDeniedException) and exc.detail == CSRF_FAILED:
        name, status = "errors/form_expired.html", 403
    elif isinstance(exc, NotFoundException) or status in (404, 405):
        name, status = "errors/404.html", 404
    elif status == 413:
        name = "errors/413.html"
    elif status >= 500 and db.is_write_conflict(exc) and request.method in db.SAFE_METHODS:
        # Not an error: RequestTransaction runs the request again, and this page is not sent.
        request.scope[db.RUN_AGAIN_AS_WRITER] = True  # type: ignore[literal-required]
        name, status = "errors/500.html", 500
    elif status >= 500:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        name, status = "errors/500.html", 500
    else:
        name = "errors/400.html"
    token_cookie = _ensure_csrf_token(request)
    response = page(request, name, status=status)
    if token_cookie:
        response.cookies.append(token_cookie)
    return response


def _sign_in_first(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A guarded page asked without a live session: go and sign in, then come back.

    htmx (which would swap the sign-in page into a part of this one) gets a 401 and
    ``HX-Redirect``, so the whole page goes to the sign-in page.
    """
    if request.headers.get("hx-request") == "true":
        current = urlsplit(request.headers.get("hx-current-url", ""))
        back = safe_next(current.path + (f"?{current.query}" if current.query else ""), "")
        target = addresses.url_for("sign_in", next=back or None)
        return Response(content=b"", status_code=401, headers={"HX-Redirect": target})
    # A form sent to a guarded address cannot be sent again by a redirect: come back home.
    home = addresses.url_for("home")
    back = safe_next(current_path(request)) if request.method in ("GET", "HEAD") else home
    return Redirect(path=addresses.url_for("sign_in", next=back), status_code=303)


def _ensure_csrf_token(request: Request[Any, Any, Any]) -> Cookie | None:
    """Give an error page the CSRF token its header forms need.

    An unknown address is answered before the CSRF middleware runs; without
    this, the language and text-size buttons of the 404 page would say the
    form expired. Returns the cookie to set when the browser has none.
    """
    state = ScopeState.from_scope(request.scope)
    if state.csrf_token is not Empty:
        return None
    config = request.app.csrf_config
    if config is None:
        return None
    existing = request.cookies.get(config.cookie_name)
    state.csrf_token = existing or generate_csrf_token(config.secret)
    if existing:
        return None
    return csrf_cookie(config, state.csrf_token)


async def _before_page(request: Request[Any, Any, Any]) -> None:
    """Before every route: what the header of a signed-in person's page shows (the banner
    of a carer in someone's space, then the unread count)."""
    await acting_banner(request)
    await header_counts(request)


def wire_policy() -> None:
    """Tell the access policy (core) where the facts it asks live (features), and the
    sign-in (core) who records a session begun or ended on a kiosk (the kiosk feature)."""
    kiosk_sessions.register(session_started=record_session_start, session_ended=record_session_end)
    access.register(
        delegation=live_delegation,
        circle_standing=circle_standing,
        made_by_mediator=made_by_mediator,
        profession_of=profession_of,
        circles_open=circles_open,
    )


def _csrf_config(settings: Settings, master_key: bytes) -> CSRFConfig:
    """The token check (a double submit: the form's token against the cookie's), renewed when
    who is signed in changes (portal.core.web.renew_csrf_token). CrossSiteGuard skips what it
    skips."""
    return CSRFConfig(
        secret=crypto.derive_key(master_key, "csrf").hex(),
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_httponly=True,
        cookie_samesite="strict",
        cookie_secure=settings.base_url.startswith("https://"),
        exclude=["/static/"],
    )


def _static_files() -> Any:
    """``/static``: public, cached by address (each address carries its file's hash: ``static_url``)."""
    return create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        name="static",
        opt={"public": True},
        include_in_schema=False,
        cache_control=None,
        send_as_attachment=False,
    )


def _middleware(
    settings: Settings, engine: Any, session_store: session_stores.SessionStore, csrf_config: CSRFConfig
) -> list[Any]:
    """The middleware, outermost first: the request's transaction wraps the session read, so a
    session kept in the database shares the request's one connection."""
    return [
        # A form sent from another site (the browser says so) is refused before anything
        # runs: no transaction, no session read or kept alive, no handler.
        DefineMiddleware(CrossSiteGuard, base_url=settings.base_url, csrf=csrf_config),
        LocaleMiddleware,
        DefineMiddleware(db.RequestTransaction, engine=engine),
        # Is the browser a kiosk? Decided before the session is read (portal.kiosk.web).
        DefineMiddleware(kiosk.KioskMiddleware, settings=settings),
        DefineMiddleware(sessions.SessionMiddleware, store=session_store, settings=settings),
    ]


def create_app(settings: Settings | None = None) -> Litestar:
    """Build the portal for ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings.from_env()
    wire_policy()
    catalogue()  # a mistake in the catalogue's file stops the portal here, naming the entry
    master_key = crypto.load_or_create_master_key(settings.data_dir, settings.master_key)
    engine = db.engine_for(settings)
    db.bind_engine(engine)

    async def on_startup() -> None:
        if settings.migrate_on_start:
            await db.migrate(engine)
        else:
            await db.prepare(engine)
        await db.start(engine)

    async def on_shutdown() -> None:
        await db.stop(engine)

    session_store = session_stores.store_for(settings)

    async def close_sessions() -> None:
        await session_store.close()

    env = template_environment(settings.timezone)
    env.globals["kiosk_timing"] = kiosk.timing(settings)
    csrf_config = _csrf_config(settings, master_key)
    return Litestar(
        route_handlers=[*FEATURE_ROUTES, _static_files()],
        state=State(
            {"settings": settings, "engine": engine, "sessions": session_store, "master_key": master_key}
        ),
        on_startup=[on_startup],
        on_shutdown=[on_shutdown, close_sessions],
        middleware=_middleware(settings, engine, session_store, csrf_config),
        before_request=_before_page,
        # The one door to health data: every handler that reaches a record declares it.
        dependencies={"access": Provide(access.provide_access, sync_to_thread=False)},
        before_send=[add_security_headers],
        template_config=TemplateConfig(engine=_template_engine(env)),
        csrf_config=csrf_config,
        # A 256 KB window (lgwin 18) instead of 4 MB: pages are small, and setting up
        # the large window cost more than compressing. Quality 4: a home page in 0.06 ms
        # instead of 0.21 ms, 120 bytes bigger (measured on the home page).
        compression_config=CompressionConfig(
            backend="brotli", brotli_quality=4, brotli_lgwin=18, brotli_gzip_fallback=True, minimum_size=256
        ),
        request_max_body_size=settings.max_body_bytes,
        exception_handlers={sessions.SignInRequired: _sign_in_first, Exception: _error_page},
        openapi_config=None,
        debug=False,
    )
