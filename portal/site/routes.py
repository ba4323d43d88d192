"""Public pages: home, help and contact, accessibility statement, display settings."""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from litestar import Request, get, post, route
from litestar.enums import HttpMethod, MediaType
from litestar.response import Redirect, Response, Template

from portal.core import db
from portal.core.i18n import LOCALE_COOKIE, LOCALE_NAMES, LOCALES, current_locale
from portal.core.i18n import gettext as _
from portal.core.sessions import SignedIn
from portal.core.web import (
    PREFERENCE_MAX_AGE,
    TEXT_COOKIE,
    TEXT_SIZES,
    THEME_COOKIE,
    THEMES,
    bounded_int,
    page,
    safe_next,
)
from portal.site import services

log = logging.getLogger(__name__)

PUBLIC = {"public": True}


@get("/", name="home", opt=PUBLIC)
async def show_home(request: Request[Any, Any, Any]) -> Response[Any]:
    """The service's welcome page; a signed-in person goes to their own home page."""
    user = request.scope.get("user")
    if isinstance(user, SignedIn) and user.home_page:
        return Redirect(path=user.home, status_code=303)
    return page(request, "site/home.html")


# Far more pages than there will ever be help points: a page past the last shows the last one.
MAX_PAGE = 10_000


def _page_number(raw: str | None) -> int:
    """The page asked for in the address, bounded (anything else: the first page)."""
    return bounded_int(raw, default=1, low=1, high=MAX_PAGE)


@get("/help", name="help", opt=PUBLIC)
async def show_help(request: Request[Any, Any, Any]) -> Template:
    """Help and contact; the help points list is a fragment htmx refreshes in place."""
    held = await services.help_points()  # read once per worker (services.HELP_POINTS_SECONDS)
    departments = services.list_departments(held)
    department = request.query_params.get("department") or None
    errors: dict[str, str] = {}
    if department and department not in dict(departments):
        errors["department"] = _("Choose a department from the list.")
        department = None
    result = services.list_help_points(
        held, department, _page_number(request.query_params.get("page")), current_locale()
    )
    return page(
        request,
        "site/help.html",
        fragment="site/_help_points.html",
        status=400 if errors else 200,
        departments=departments,
        department=department,
        result=result,
        errors=errors,
    )


@get("/accessibility", name="accessibility", opt=PUBLIC)
async def show_accessibility(request: Request[Any, Any, Any]) -> Template:
    return page(request, "site/accessibility.html")


def _display_form(request: Request[Any, Any, Any], next_path: str, errors: dict[str, str]) -> Template:
    return page(
        request,
        "site/display.html",
        status=400 if errors else 200,
        next_path=next_path,
        errors=errors,
        text_sizes=TEXT_SIZES,
        themes=THEMES,
        locales=LOCALES,
        locale_names=LOCALE_NAMES,
    )


@get("/display", name="display", opt=PUBLIC)
async def show_display(request: Request[Any, Any, Any]) -> Template:
    return _display_form(request, safe_next(request.query_params.get("next")), {})


@post("/display", name="save_display", opt=PUBLIC, status_code=303)
async def save_display(request: Request[Any, Any, Any]) -> Response[Any]:
    """Remember language, text size and contrast in cookies, then go back to the page.

    The small forms in every page's header send one of the three; the display
    page sends all of them. Nothing personal is stored.
    """
    form = await request.form()
    next_path = safe_next(form.get("next"))
    allowed = {LOCALE_COOKIE: LOCALES, TEXT_COOKIE: TEXT_SIZES, THEME_COOKIE: THEMES}
    messages = {
        LOCALE_COOKIE: _("Choose a language from the list."),
        TEXT_COOKIE: _("Choose one of the text sizes."),
        THEME_COOKIE: _("Choose one of the colour schemes."),
    }
    chosen: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, values in allowed.items():
        value = form.get(name)
        if value is None:
            continue
        if value in values:
            chosen[name] = value
        else:
            errors[name] = messages[name]
    if errors:
        return _display_form(request, next_path, errors)
    response: Response[Any] = Redirect(path=next_path, status_code=303)
    secure = request.url.scheme == "https"
    for name, value in chosen.items():
        response.set_cookie(
            name, value, max_age=PREFERENCE_MAX_AGE, httponly=True, samesite="lax", secure=secure, path="/"
        )
    return response


def _take_a_file(folder: Path) -> None:
    """Make a file in ``folder`` and remove it: raise unless the folder takes new files."""
    fd, name = tempfile.mkstemp(prefix=".healthz-", dir=folder)
    os.close(fd)
    os.unlink(name)


async def _health_problem(request: Request[Any, Any, Any]) -> str | None:
    """Why the portal cannot serve people, in a few words for the body (the details, which
    may name a path, go to the log only); None when it can."""
    settings = request.app.state.settings
    try:
        await db.ping(request.app.state.engine)
    except Exception as exc:  # whatever the driver raises: the answer is "not healthy"
        log.warning("health check: the database does not take a write: %s", exc)
        # Caught here, it is no write conflict for RequestTransaction: the check never runs again.
        return "database busy" if db.is_write_conflict(exc) else "database does not take writes"
    # The data folder (the outbox, new key files, SQLite's by default), and the folder of a
    # SQLite file kept elsewhere (SQLite makes its -wal and -shm files beside it).
    folders = {settings.data_dir: "data folder not writable"}
    if settings.sqlite_path is not None:
        folders.setdefault(settings.sqlite_path.parent, "database folder not writable")
    for folder, problem in folders.items():
        try:
            await asyncio.to_thread(_take_a_file, folder)
        except OSError as exc:
            log.warning("health check: cannot make a file in %s: %s", folder, exc.strerror or exc)
            return problem
    return None


@route(
    "/healthz",
    name="healthz",
    http_method=[HttpMethod.GET, HttpMethod.HEAD],
    opt=PUBLIC,
    media_type=MediaType.TEXT,
)
async def check_health(request: Request[Any, Any, Any]) -> Response[bytes]:
    """For load balancers and the test harness: 200 "ok" when the database takes a write
    (one that changes nothing) and the data folder a new file; else 503 and the reason."""
    problem = await _health_problem(request)
    status = 503 if problem else 200
    body = b"" if request.method == HttpMethod.HEAD else (problem or "ok").encode()
    return Response(body, status_code=status, media_type=MediaType.TEXT)


ROUTES = [show_home, show_help, show_accessibility, show_display, save_display, check_health]
