"""Layout helpers, security headers, display preferences and the page-or-fragment helper."""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.response import Template

from portal.core.i18n import LOCALE_COOKIE, choose_locale, current_locale, set_locale
from portal.settings import PROJECT_ROOT

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

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
    "referrer-policy": "no-referrer",
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
