"""Layout helpers, security headers, display preferences and the page-or-fragment helper."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.datastructures import Cookie, Headers, MutableScopeHeaders
from litestar.exceptions import PermissionDeniedException
from litestar.middleware.csrf import generate_csrf_token
from litestar.response import Response, Template
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from portal.core.i18n import LOCALE_COOKIE, choose_locale, current_locale, set_locale
from portal.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from collections.abc import Mapping

    from litestar.config.csrf import CSRFConfig
    from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

log = logging.getLogger("portal")

TEMPLATES_DIR = PROJECT_ROOT / "templates"
STATIC_DIR = PROJECT_ROOT / "static"
STATIC_PREFIX = "/static/"

TEXT_SIZES = ("standard", "large", "larger")
THEMES = ("standard", "contrast")
TEXT_COOKIE = "text"
THEME_COOKIE = "theme"
PREFERENCE_MAX_AGE = 365 * 24 * 3600

# No inline script or style anywhere; htmx is configured (base layout) not to need them.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    # Not "no-referrer": under it, browsers send ``Origin: null`` with the portal's own forms,
    # and the cross-site check (CrossSiteGuard) must be able to refuse "null". Another site
    # still gets no Referer at all.
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": (
        "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
        "interest-cohort=(), browsing-topics=()"
    ),
}
HSTS = "max-age=63072000; includeSubDomains"
ROUTE_MAY_SET = frozenset({"content-security-policy", "x-frame-options"})


async def add_security_headers(message: Message, scope: Scope) -> None:
    """``before_send`` hook: runs for every response, 404s and errors included.

    Anything but a static file gets ``Cache-Control: no-store``: a page may show
    personal data, and a shared computer must not keep a copy.
    """
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    for name, value in SECURITY_HEADERS.items():
        # A route may set a policy of its own for what it sends (a document's file).
        if name in ROUTE_MAY_SET and name in headers:
            continue
        headers[name] = value
    if scope.get("scheme") == "https":
        headers["strict-transport-security"] = HSTS
    if scope["path"].startswith(STATIC_PREFIX):
        # Static addresses carry a content hash (static_url), so they never go stale.
        if message["status"] == 200:
            headers["cache-control"] = "public, max-age=31536000, immutable"
    else:
        headers["cache-control"] = "no-store"
        headers.add("vary", "Cookie, HX-Request")


@dataclass(frozen=True)
class Display:
    """How a person wants pages shown: language, text size, contrast (kept in cookies)."""

    locale: str
    text_size: str = "standard"
    theme: str = "standard"

    @classmethod
    def from_cookies(cls, cookies: dict[str, str], default_locale: str) -> Display:
        text = cookies.get(TEXT_COOKIE, "standard")
        theme = cookies.get(THEME_COOKIE, "standard")
        return cls(
            locale=choose_locale(cookies.get(LOCALE_COOKIE), default_locale),
            text_size=text if text in TEXT_SIZES else "standard",
            theme=theme if theme in THEMES else "standard",
        )

    @property
    def html_classes(self) -> str:
        return f"text-{self.text_size} theme-{self.theme}"


def display_for(request: Request[Any, Any, Any]) -> Display:
    """The request's display preferences, read once and kept on the request."""
    state = request.scope.setdefault("state", {})
    cached = state.get("portal_display")
    if not isinstance(cached, Display):
        cached = Display.from_cookies(request.cookies, request.app.state.settings.default_locale)
        state["portal_display"] = cached
    return cached


def activate_locale(request: Request[Any, Any, Any]) -> Display:
    """Set the request's locale for gettext and return its display preferences."""
    display = display_for(request)
    set_locale(display.locale)
    return display


class LocaleMiddleware:
    """ASGI middleware: every handler runs in the locale the person chose."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(STATIC_PREFIX):
            activate_locale(Request(scope))
        await self.app(scope, receive, send)


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    """True when htmx asked for a part of a page (a boosted link wants the whole page)."""
    return request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"


def safe_next(value: str | None, fallback: str = "/") -> str:
    """A local path to go back to; anything pointing off-site becomes ``fallback``."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return fallback
    return value


def current_path(request: Request[Any, Any, Any]) -> str:
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.url.path + (f"?{query}" if query else "")


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status: int = 200,
    fragment: str | None = None,
    **context: Any,
) -> Template:
    """Render a full page, or only ``fragment`` when htmx asked for a part of it.

    The page template includes the same fragment file, so both always agree.
    """
    display = activate_locale(request)
    name = fragment if fragment and is_htmx(request) else template
    response = Template(
        template_name=name,
        context={
            "display": display,
            "locale": current_locale(),
            "here": current_path(request),
            "user": request.scope.get("user"),
            # What the header counts (the unread messages), when a hook before the route set it.
            "header": request.scope.get("state", {}).get("portal_header"),
            # A carer in someone's space: whose, and what the delegation gives.
            "acting": request.scope.get("state", {}).get("portal_acting"),
            "errors": {},
            **context,
        },
        status_code=status,
    )
    return response


@cache
def _static_version(relative: str) -> str:
    path = STATIC_DIR / relative
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    except OSError:
        return "0"


def static_url(relative: str) -> str:
    """Address of a static file, with a content hash so browsers may keep it for a year."""
    return f"{STATIC_PREFIX}{relative}?v={_static_version(relative)}"


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def content_disposition(kind: str, file_name: str) -> str:
    """A ``Content-Disposition`` value for ``file_name`` in any script (RFC 6266): an ASCII
    ``filename`` for old browsers (accents dropped, anything else replaced) and the real
    name in UTF-8 as ``filename*``. "Échographie du cœur.pdf" must not break the answer."""
    spelled = file_name.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", spelled)
    ascii_name = "".join(
        c if c.isascii() and (c.isalnum() or c in " .-_()") else ("" if unicodedata.combining(c) else "_")
        for c in decomposed
    )
    ascii_name = " ".join(ascii_name.split()) or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def bounded_int(value: Any, *, default: int, low: int, high: int) -> int:
    """A whole number read from an address or a form, kept within ``low``..``high``:
    anything else (not a number, too large for the database) gives ``default``."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if low <= number <= high else default


# ----------------------------------------------------------------------------- forged requests

# The detail of Litestar's CSRF refusal; ``portal.app`` answers it with the "form expired" page,
# and CrossSiteGuard refuses with the same, so a person sees one kind page for both.
CSRF_FAILED = "CSRF token verification failed"
# What a browser says in Sec-Fetch-Site about a request that the portal's own page made
# ("same-origin") or that the person made themselves, from the address bar or a bookmark ("none").
OWN_SITES = frozenset({"same-origin", "none"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def renew_csrf_token(request: Request[Any, Any, Any], response: Response[Any]) -> None:
    """Give the browser a new CSRF token when who is signed in changes (sign-in, sign-out,
    a session started or ended): a token seen or planted before no longer works.

    Litestar's check is a double submit: the token a form (or htmx's ``x-csrftoken``)
    sends must be the one in the browser's ``csrftoken`` cookie, both signed with the
    portal's secret. ``response`` replaces that cookie (with the middleware's own
    attributes), so any older token fails from now on; a page this request still renders
    writes the new one into its forms.
    """
    config = request.app.csrf_config
    if config is None:
        return
    state = ScopeState.from_scope(request.scope)
    if (
        request.method in config.safe_methods
        and config.cookie_name not in request.cookies
        and state.csrf_token is not Empty
    ):
        # A browser without the cookie: the middleware has just made a token, which nobody
        # saw before, and sends it with this answer itself (a second cookie would clash).
        return
    token = generate_csrf_token(config.secret)
    state.csrf_token = token
    response.set_cookie(csrf_cookie(config, token))


def csrf_cookie(config: CSRFConfig, token: str) -> Cookie:
    """The CSRF token's cookie, with the attributes the CSRF middleware gives its own."""
    return Cookie(
        key=config.cookie_name,
        value=token,
        path=config.cookie_path,
        secure=config.cookie_secure,
        httponly=config.cookie_httponly,
        samesite=config.cookie_samesite,
        domain=config.cookie_domain,
    )


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` as a browser writes it in ``Origin``: lower case, without the
    scheme's default port. None for anything else (``null``, no host, a bad port)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), parts.hostname
    if not scheme or not host:
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{scheme}://{host}" + (
        f":{port}" if port is not None and port != _DEFAULT_PORTS.get(scheme) else ""
    )


def cross_site_reason(headers: Mapping[str, str], own_origins: frozenset[str]) -> str | None:
    """Why an unsafe request (a POST...) looks sent by another site, or None.

    A browser's ``Sec-Fetch-Site`` is believed first: it is set by the browser alone, knows
    the redirects a request went through, and is sent by every current browser. Only
    "same-origin" and "none" pass: "same-site" is a sibling address (another service under
    the same domain, another port of the same host), which the portal's cookies do not
    keep out (SameSite lets it send them, and it may plant a ``csrftoken`` cookie of its
    own), and none of the portal's forms is there. A browser too old to send it is judged
    by its ``Origin``, which must be one of ``own_origins`` (``null``, which hides the
    sender, is refused). Without either (old browsers, other software, the test client)
    there is nothing to judge: the CSRF token check decides, as before.
    """
    site = headers.get("sec-fetch-site")
    if site is not None:
        return None if site.strip().lower() in OWN_SITES else f"Sec-Fetch-Site: {site!r}"
    origin = headers.get("origin")
    if origin is None or origin_of(origin) in own_origins:
        return None
    return f"Origin: {origin!r}"


class CrossSiteGuard:
    """ASGI middleware: a POST (or any unsafe method) that a browser says comes from another
    site is refused before anything else runs (no transaction, no session touched, no
    handler), with the "form expired" page and 403, as a failed CSRF token check.

    The portal's own origins are that of ``PORTAL_BASE_URL`` (what people type; behind a
    proxy that ends TLS, the app sees http while browsers say https) and that of the
    request's own ``Host`` with the scheme the app sees (the portal reached under another
    name, such as 127.0.0.1 and localhost): a browser writes an ``Origin`` equal to the
    address it sends to only for the page's own site, so this opens nothing to others.

    Routes that the CSRF check skips (``CSRFConfig.exclude``, or ``exclude_from_csrf`` in a
    route's ``opt``) are skipped here too: they take requests from other software on purpose.
    """

    def __init__(self, app: ASGIApp, base_url: str, csrf: CSRFConfig) -> None:
        self.app = app
        self.base_origin = origin_of(base_url)
        self.safe_methods = frozenset(csrf.safe_methods)
        exclude = [csrf.exclude] if isinstance(csrf.exclude, str) else list(csrf.exclude or [])
        self.exclude = re.compile("|".join(exclude)) if exclude else None
        self.exclude_key = csrf.exclude_from_csrf_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self._refuse_if_forged(cast("HTTPScope", scope))
        await self.app(scope, receive, send)

    def _refuse_if_forged(self, scope: HTTPScope) -> None:
        if scope["method"] in self.safe_methods or self._skipped(scope):
            return
        headers = Headers.from_scope(scope)
        own = {self.base_origin, origin_of(f"{scope['scheme']}://{headers.get('host', '')}")}
        reason = cross_site_reason(headers, frozenset(o for o in own if o))
        if reason is not None:
            log.warning(
                "refused a %s to %s sent from another site (%s)", scope["method"], scope["path"], reason
            )
            raise PermissionDeniedException(detail=CSRF_FAILED)

    def _skipped(self, scope: Scope) -> bool:
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get(self.exclude_key):
            return True
        return self.exclude is not None and self.exclude.search(scope["path"]) is not None
