"""One appointment's pages, under /space/agenda/{id}: seeing it, and adding, changing and
removing one with its reminders (``changes``). Each asks the door for the subject's
agenda, then for the appointment (``_appointment``: any other is refused like a missing
page, audited). The form carries the version it was read at: saving over a newer one
changes nothing and shows both (409).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Response, Template

from portal.agenda import actions, changes, forms, pages, services
from portal.agenda.forms import REMINDER_FIELDS, channel_names, delay_names
from portal.agenda.pages import BASE, SPACE
from portal.core.access import Access, Action, Area, Reach
from portal.core.addresses import url_for
from portal.core.forms import FormResult
from portal.core.i18n import gettext as _
from portal.core.records import read_version
from portal.core.web import page


async def _appointment(
    access: Access, appointment_id: uuid.UUID, action: Action
) -> tuple[Reach, services.AppointmentView]:
    """One appointment of the subject's agenda; any other is refused like a missing page, audited."""
    object_id = services.appointment_object(appointment_id)
    reach = await access.require(Area.AGENDA, action, object_id=object_id)
    found = await services.get_appointment(reach.keyring, reach.subject, appointment_id)
    if found is None:
        await access.refuse(Area.AGENDA, action, object_id=object_id)
    return reach, found


async def _appointment_shown(
    access: Access, appointment_id: uuid.UUID, action: Action
) -> tuple[Reach, services.AppointmentView]:
    """``_appointment``, for a page that shows it: the view is audited (``appointment.view``)."""
    reach, appointment = await _appointment(access, appointment_id, action)
    await services.audit(
        reach.actor.account_id,
        reach.subject,
        actions.APPOINTMENT_VIEW,
        services.appointment_object(appointment.id),
    )
    return reach, appointment


@get(f"{BASE}/{{appointment_id:uuid}}", name="appointment", guards=SPACE)
async def show_appointment(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Template:
    reach, appointment = await _appointment_shown(access, appointment_id, Action.READ)
    return page(
        request,
        "agenda/appointment.html",
        appointment=appointment,
        is_past=appointment.starts_at < pages.now(),
        done=request.query_params.get("done"),
        added_by=await pages.added_by(reach, [appointment.created_by]),
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **pages.words(request),
    )


async def _form_page(
    request: Request[Any, Any, Any],
    reach: Reach,
    form: FormResult,
    *,
    appointment: services.AppointmentView | None = None,
    version: int = 0,
    conflict: bool = False,
    past: datetime | None = None,
    status: int = 200,
) -> Template:
    """The appointment form (``version``, ``conflict``: ``pages.form_page``); ``past``: the
    time typed, gone by, which the box that says so must confirm."""
    channels = channel_names()
    options = [("", _("No reminder")), ("email", channels["email"])]
    has_mobile = await pages.has_mobile(reach)
    if has_mobile:
        options.append(("sms", channels["sms"]))
    names = delay_names()
    if appointment:
        action = url_for("change_appointment", appointment_id=appointment.id)
    else:
        action = url_for("add_appointment")
    return pages.form_page(
        request,
        "agenda/appointment_form.html",
        form,
        action=action,
        version=version,
        conflict=conflict,
        status=status,
        has_mobile=has_mobile,
        past=past,
        reminder_fields=[(name, names[minutes]) for minutes, name in REMINDER_FIELDS.items()],
        reminder_options=options,
        appointment=appointment,
    )


@get(f"{BASE}/new", name="new_appointment", guards=SPACE)
async def new_appointment(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    return await _form_page(request, reach, forms.blank_appointment(pages.today_of(request)))


@post(f"{BASE}/new", name="add_appointment", guards=SPACE, status_code=303)
async def add_appointment(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    form, typed = forms.read_appointment(
        await request.form(), zone=pages.zone_of(request), has_mobile=await pages.has_mobile(reach)
    )
    now = pages.now()
    if typed is None:
        return await _form_page(request, reach, form, status=400)
    if forms.asks_confirmation(form, typed, now=now):
        return await _form_page(request, reach, form, past=typed.starts_at)
    appointment_id = await changes.add_appointment(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        starts_at=typed.starts_at,
        details=typed.details,
        choices=typed.choices,
        zone=pages.zone_of(request),
        now=now,
    )
    return pages.go(request, url_for("appointment", appointment_id=appointment_id, done="added"))


@get(f"{BASE}/{{appointment_id:uuid}}/change", name="change_appointment_form", guards=SPACE)
async def change_appointment_form(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Template:
    reach, appointment = await _appointment_shown(access, appointment_id, Action.WRITE)
    return await _form_page(
        request,
        reach,
        forms.appointment_values(appointment, pages.zone_of(request)),
        appointment=appointment,
        version=appointment.version,
    )


@post(f"{BASE}/{{appointment_id:uuid}}/change", name="change_appointment", guards=SPACE, status_code=303)
async def change_appointment(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, appointment = await _appointment(access, appointment_id, Action.WRITE)
    data = await request.form()
    version = read_version(data)
    form, typed = forms.read_appointment(
        data, zone=pages.zone_of(request), has_mobile=await pages.has_mobile(reach)
    )
    now = pages.now()
    # The version stays the one read: mending a mistake does not skip a change made meanwhile.
    if typed is None:
        return await _form_page(request, reach, form, appointment=appointment, version=version, status=400)
    if forms.asks_confirmation(form, typed, now=now, unchanged_start=appointment.starts_at):
        return await _form_page(
            request, reach, form, appointment=appointment, version=version, past=typed.starts_at
        )
    saved = await changes.change_appointment(
        reach.keyring,
        appointment,
        author=reach.actor.account_id,
        version=version,
        starts_at=typed.starts_at,
        details=typed.details,
        choices=typed.choices,
        zone=pages.zone_of(request),
        now=now,
    )
    if not saved:
        # Changed by someone else since the form was read: nothing is saved over it. Both
        # are shown; the form keeps what was typed, with the version saved now.
        current = await services.get_appointment(reach.keyring, reach.subject, appointment.id)
        if current is None:
            raise NotFoundException()
        return await _form_page(
            request, reach, form, appointment=current, version=current.version, conflict=True, status=409
        )
    return pages.go(request, url_for("appointment", appointment_id=appointment.id, done="changed"))


@get(f"{BASE}/{{appointment_id:uuid}}/remove", name="remove_appointment_form", guards=SPACE)
async def remove_appointment_form(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Template:
    reach, appointment = await _appointment_shown(access, appointment_id, Action.WRITE)
    return page(request, "agenda/remove_appointment.html", appointment=appointment, **pages.words(request))


@post(f"{BASE}/{{appointment_id:uuid}}/remove", name="remove_appointment", guards=SPACE, status_code=303)
async def remove_appointment(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, appointment = await _appointment(access, appointment_id, Action.WRITE)
    version = read_version(await request.form())
    removed = await changes.remove_appointment(appointment, author=reach.actor.account_id, version=version)
    return pages.after_removal(
        request,
        removed,
        "agenda/remove_appointment.html",
        url_for("agenda", done="removed"),
        appointment=appointment,
    )
