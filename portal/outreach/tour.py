"""The guided tour a mediator gives a person beside them: how each area of the space works.

Every page of the tour is a template under ``templates/outreach/tour/`` with made-up
content about a made-up person, Marie Exemple: nothing in it comes from the database,
so the tour can never show anyone's health data. It starts only once the person has
said yes on screen (audited); the yes is kept in a sealed cookie, bound to the
mediator and their session, for an hour or until the tour ends.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from portal.core.addresses import url_for
from portal.core.crypto import open_view, seal_view
from portal.core.i18n import gettext as _
from portal.outreach.assisted import session_tag

CONSENT_COOKIE = "tour"
CONSENT_MINUTES = 60
BASE = "/mediator/tour"


@dataclass(frozen=True)
class Step:
    slug: str
    title: str

    @property
    def href(self) -> str:
        return url_for("tour_step", slug=self.slug)

    @property
    def template(self) -> str:
        return f"outreach/tour/{self.slug}.html"


def steps() -> list[Step]:
    """The tour's steps, in order, titled in the current language."""
    return [
        Step("documents", _("Your documents")),
        Step("messages", _("Your messages")),
        Step("profile", _("Your health profile")),
        Step("agenda", _("Your appointments")),
        Step("notes", _("Your notes")),
        Step("services", _("Services you can connect")),
        Step("carers", _("Someone to help you")),
    ]


def step_of(slug: str) -> tuple[int, Step] | None:
    """The step of ``slug`` and its number (from 1), or None."""
    for number, step in enumerate(steps(), start=1):
        if step.slug == slug:
            return number, step
    return None


def _key(request: Request[Any, Any, Any]) -> bytes:
    key: bytes = request.app.state.master_key
    return key


def consent_cookie(request: Request[Any, Any, Any], mediator: uuid.UUID) -> Cookie:
    until = int((datetime.now(UTC) + timedelta(minutes=CONSENT_MINUTES)).timestamp())
    value = seal_view(_key(request), mediator, "tour-consent", [session_tag(request), str(until)])
    return Cookie(
        key=CONSENT_COOKIE,
        value=value,
        path=url_for("tour_consent"),
        max_age=CONSENT_MINUTES * 60,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def cleared_consent(request: Request[Any, Any, Any]) -> Cookie:
    return Cookie(
        key=CONSENT_COOKIE,
        value="",
        path=url_for("tour_consent"),
        max_age=0,
        secure=request.app.state.settings.base_url.startswith("https://"),
        httponly=True,
        samesite="strict",
    )


def has_consent(request: Request[Any, Any, Any], mediator: uuid.UUID) -> bool:
    """Whether the person beside this mediator said yes to the tour, in this session, within the hour."""
    value = request.cookies.get(CONSENT_COOKIE)
    opened = open_view(_key(request), mediator, "tour-consent", value, 2) if value else None
    if opened is None or opened[0] != session_tag(request) or not opened[1].isdigit():
        return False
    return int(opened[1]) > datetime.now(UTC).timestamp()
