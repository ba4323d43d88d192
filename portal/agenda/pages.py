"""What the agenda's pages share: the base of their declared paths (``BASE``, ``MEDICINES``) and guard
(``SPACE``), the deployment's zone, now and today, whether text messages may be offered,
who added what in words, a form's page (``form_page``), where to go once a form is saved,
and the words the agenda's templates use to say times and reminders (``words``).

The pages themselves: the agenda (``routes``), one appointment (``appointment_routes``)
and the medicine reminders (``medicine_routes``).
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from litestar import Request
from litestar.response import Redirect, Response, Template

from portal.accounts.services import read_identity
from portal.agenda import services, times
from portal.agenda.forms import delay_names
from portal.carers.services import author_names
from portal.core.access import Reach
from portal.core.forms import FormResult
from portal.core.i18n import gettext as _
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import is_htmx, page

BASE = "/space/agenda"
MEDICINES = f"{BASE}/medicines"
# The patient's side: the patient, or whoever acts for them (the policy decides the rest).
SPACE = [requires_role(*SPACE_ROLES)]


def zone_of(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.timezone)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def today_of(request: Request[Any, Any, Any]) -> date:
    return times.local(now(), zone_of(request)).date()


async def has_mobile(reach: Reach) -> bool:
    """Whether text messages may be offered: the reminders go to the patient, never to a carer."""
    identity = await read_identity(reach.keyring, reach.subject, ("mobile",))
    return bool(identity and identity.mobile)


async def added_by(reach: Reach, authors: list[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Who added each thing, in words for the one who reads ("you", "your daughter Claire Dupont")."""
    return await author_names(reach.keyring, reach.actor.account_id, reach.subject, authors)


def go(request: Request[Any, Any, Any], where: str) -> Response[Any]:
    """After a form is saved: to ``where``, the whole page (htmx follows ``HX-Redirect``,
    so the address changes too)."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


def form_page(
    request: Request[Any, Any, Any],
    template: str,
    form: FormResult,
    *,
    action: str,
    version: int = 0,
    conflict: bool = False,
    status: int = 200,
    **context: Any,
) -> Template:
    """A form of the agenda (an appointment, a medicine reminder): what was typed and its
    errors, where it is sent, and the version it
    carries: the one read, or after a conflict (``conflict``: changed meanwhile, shown as
    saved now) the one saved now, so that sending again keeps what was typed on purpose."""
    return page(
        request,
        template,
        status=status,
        **form.shown(),
        version=version,
        conflict=conflict,
        action=action,
        **context,
        **words(request),
    )


def after_removal(
    request: Request[Any, Any, Any], removed: bool, question: str, where: str, **context: Any
) -> Response[Any]:
    """After "Yes, remove it": to ``where``; or, when it changed since the question was asked
    (nothing removed), the ``question`` again (409), showing it as it is now."""
    if removed:
        return Redirect(path=where, status_code=303)
    return page(request, question, status=409, changed=True, **context, **words(request))


def words(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What the agenda's templates use to say times and reminders in words."""
    zone = zone_of(request)
    delays = delay_names()

    def reminder(item: services.Reminder) -> str:
        delay = delays.get(item.minutes_before, "")
        if item.channel == "sms":
            return _("%(delay)s, by text message", delay=delay)
        return _("%(delay)s, by email", delay=delay)

    def month_of(value: datetime) -> str:
        return times.Month(times.local(value, zone).date().replace(day=1)).key

    return {
        "moment": lambda value: times.moment_in_words(value, zone),
        "day_words": lambda value: times.day_in_words(value, zone),
        "time_of": lambda value: times.time_in_words(value, zone),
        "reminder_words": reminder,
        "month_of": month_of,
    }
