"""The agenda pages, under /space/agenda: the list of appointments and the month view
(with htmx, moving between months and views swaps the agenda in place and the address
follows; without it the same links load whole pages), one appointment, adding, changing
and removing one with its reminders, the medicine reminders, and the iCalendar export.

The agenda is the patient's, reached by them or by a carer the patient delegated the
agenda to (professionals have no agenda area). Every handler asks the door
(``access.require(Area.AGENDA, ...)``) for the subject's agenda; what a carer adds is
theirs, and pages say who added what (``author_names``). Every read and write is
audited (area "agenda"). Every edit form carries the version it was read at: saving
over a newer one changes nothing and shows both (409), with or without htmx.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.services import read_identity
from portal.agenda import actions, forms, ical, services, times
from portal.agenda.forms import REMINDER_FIELDS, channel_names, delay_names
from portal.carers.services import author_names
from portal.core.access import Access, Action, Area, Reach
from portal.core.forms import FormResult
from portal.core.i18n import gettext as _
from portal.core.records import read_version
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import bounded_int, content_disposition, is_htmx, page

BASE = "/space/agenda"
MEDICINES = f"{BASE}/medicines"
# The patient's side: the patient, or whoever acts for them (the policy decides the rest).
SPACE = [requires_role(*SPACE_ROLES)]


def _zone(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.timezone)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _today(request: Request[Any, Any, Any]) -> date:
    return times.local(_now(), _zone(request)).date()


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


async def _medicine(
    access: Access, reminder_id: uuid.UUID, action: Action
) -> tuple[Reach, services.MedicineView]:
    """One medicine reminder of the subject's agenda; any other is refused, audited."""
    object_id = services.medicine_object(reminder_id)
    reach = await access.require(Area.AGENDA, action, object_id=object_id)
    found = await services.get_medicine(reach.keyring, reach.subject, reminder_id)
    if found is None:
        await access.refuse(Area.AGENDA, action, object_id=object_id)
    return reach, found


async def _has_mobile(reach: Reach) -> bool:
    """Whether text messages may be offered: the reminders go to the patient, never to a carer."""
    identity = await read_identity(reach.keyring, reach.subject, ("mobile",))
    return bool(identity and identity.mobile)


async def _added_by(reach: Reach, authors: list[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Who added each thing, in words for the one who reads ("you", "your daughter Claire Dupont")."""
    return await author_names(reach.keyring, reach.actor.account_id, reach.subject, authors)


def _go(request: Request[Any, Any, Any], where: str) -> Response[Any]:
    """After a form is saved: to ``where``, the whole page (htmx follows ``HX-Redirect``,
    so the address changes too)."""
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


def _words(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What the agenda's templates use to say times and reminders in words."""
    zone = _zone(request)
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
        "base": BASE,
        "medicines_base": MEDICINES,
    }


# --------------------------------------------------------------------------- the agenda


@get(BASE, name="agenda", guards=SPACE)
async def show_agenda(request: Request[Any, Any, Any], access: Access) -> Template:
    """The list view: appointments to come, the soonest first; the past ones when asked."""
    reach = await access.require(Area.AGENDA, Action.READ)
    now = _now()
    show_past = request.query_params.get("past") == "1"
    upcoming = await services.upcoming(reach.keyring, reach.subject, now)
    past = await services.past(reach.keyring, reach.subject, now) if show_past else []
    await services.audit(reach.actor.account_id, reach.subject, actions.VIEW)
    return page(
        request,
        "agenda/agenda.html",
        fragment="agenda/_agenda.html",
        view="list",
        upcoming=upcoming,
        past=past,
        past_count=await services.past_count(reach.subject, now),
        show_past=show_past,
        month=times.Month.parse(None, _today(request)),
        done=request.query_params.get("done"),
        viewer=reach.actor.account_id,
        added_by=await _added_by(reach, [a.created_by for a in [*upcoming, *past]]),
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **_words(request),
    )


def _month_asked(request: Request[Any, Any, Any], today: date) -> times.Month:
    """The month the address asks for: ``month=2026-12``, or ``year=2026&month=12`` (each
    number bounded: anything else is this month)."""
    params = request.query_params
    if params.get("year") is None:
        return times.Month.parse(params.get("month"), today)
    year = bounded_int(params.get("year"), default=0, low=times.FIRST_YEAR, high=times.LAST_YEAR)
    number = bounded_int(params.get("month"), default=0, low=1, high=12)
    if not (year and number):
        return times.Month.parse(None, today)
    return times.Month(date(year, number, 1))


@get(f"{BASE}/month", name="agenda_month", guards=SPACE)
async def show_month(request: Request[Any, Any, Any], access: Access) -> Template:
    """The month view: a table of the month's weeks, each day with its appointments."""
    reach = await access.require(Area.AGENDA, Action.READ)
    zone, today = _zone(request), _today(request)
    month = _month_asked(request, today)
    found = await services.between(
        reach.keyring,
        reach.subject,
        times.at(month.first, datetime.min.time(), zone),
        times.at(month.next.first, datetime.min.time(), zone),
    )
    by_day: dict[date, list[services.AppointmentView]] = {}
    for appointment in found:
        by_day.setdefault(times.local(appointment.starts_at, zone).date(), []).append(appointment)
    await services.audit(reach.actor.account_id, reach.subject, actions.VIEW)
    return page(
        request,
        "agenda/agenda.html",
        fragment="agenda/_agenda.html",
        view="month",
        month=month,
        this_month=times.Month.parse(None, today),
        month_name=times.month_in_words(month.first),
        month_names={
            "previous": times.month_in_words(month.previous.first),
            "next": times.month_in_words(month.next.first),
        },
        weekdays=times.weekday_names(),
        weeks=month.weeks(),
        by_day=by_day,
        today=today,
        done=None,
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **_words(request),
    )


@get(f"{BASE}.ics", name="agenda_export", guards=SPACE)
async def export_agenda(request: Request[Any, Any, Any], access: Access) -> Response[bytes]:
    """The whole agenda as an iCalendar file, downloaded as "agenda.ics" (on a kiosk, the
    one rule for downloads answers instead: ``portal.kiosk.web.KioskMiddleware``)."""
    reach = await access.require(Area.AGENDA, Action.READ)
    content = ical.calendar_of(
        await services.all_appointments(reach.keyring, reach.subject),
        await services.medicines(reach.keyring, reach.subject),
        zone=_zone(request),
        today=_today(request),
    )
    await services.audit(reach.actor.account_id, reach.subject, actions.EXPORT)
    return Response(
        content=content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": content_disposition("attachment", "agenda.ics")},
    )


# --------------------------------------------------------------------------- one appointment


@get(f"{BASE}/{{appointment_id:uuid}}", name="appointment", guards=SPACE)
async def show_appointment(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Template:
    reach, appointment = await _appointment(access, appointment_id, Action.READ)
    await services.audit(
        reach.actor.account_id,
        reach.subject,
        actions.APPOINTMENT_VIEW,
        services.appointment_object(appointment.id),
    )
    return page(
        request,
        "agenda/appointment.html",
        appointment=appointment,
        is_past=appointment.starts_at < _now(),
        done=request.query_params.get("done"),
        added_by=await _added_by(reach, [appointment.created_by]),
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **_words(request),
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
    """The appointment form. ``version``: the one the form carries (the version read,
    or, after a conflict, the one saved now, so that sending again keeps what was typed
    on purpose); ``conflict``: the appointment changed meanwhile, and is shown as saved;
    ``past``: the time typed, gone by, which the box that says so must confirm."""
    has_mobile = await _has_mobile(reach)
    channels = channel_names()
    options = [("", _("No reminder")), ("email", channels["email"])]
    if has_mobile:
        options.append(("sms", channels["sms"]))
    names = delay_names()
    return page(
        request,
        "agenda/appointment_form.html",
        status=status,
        **form.shown(),
        past=past,
        reminder_fields=[(name, names[minutes]) for minutes, name in REMINDER_FIELDS.items()],
        reminder_options=options,
        has_mobile=has_mobile,
        appointment=appointment,
        version=version,
        conflict=conflict,
        action=f"{BASE}/{appointment.id}/change" if appointment else f"{BASE}/new",
        **_words(request),
    )


@get(f"{BASE}/new", name="new_appointment", guards=SPACE)
async def new_appointment(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    return await _form_page(request, reach, forms.blank_appointment(_today(request)))


@post(f"{BASE}/new", name="add_appointment", guards=SPACE, status_code=303)
async def add_appointment(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    form, typed = forms.read_appointment(
        await request.form(), zone=_zone(request), has_mobile=await _has_mobile(reach)
    )
    now = _now()
    if typed is None:
        return await _form_page(request, reach, form, status=400)
    if forms.asks_confirmation(form, typed, now=now):
        return await _form_page(request, reach, form, past=typed.starts_at)
    appointment_id = await services.add_appointment(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        starts_at=typed.starts_at,
        details=typed.details,
        choices=typed.choices,
        zone=_zone(request),
        now=now,
    )
    return _go(request, f"{BASE}/{appointment_id}?done=added")


@get(f"{BASE}/{{appointment_id:uuid}}/change", name="change_appointment_form", guards=SPACE)
async def change_appointment_form(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Template:
    reach, appointment = await _appointment(access, appointment_id, Action.WRITE)
    await services.audit(
        reach.actor.account_id,
        reach.subject,
        actions.APPOINTMENT_VIEW,
        services.appointment_object(appointment.id),
    )
    return await _form_page(
        request,
        reach,
        forms.appointment_values(appointment, _zone(request)),
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
    form, typed = forms.read_appointment(data, zone=_zone(request), has_mobile=await _has_mobile(reach))
    now = _now()
    # The version stays the one read: mending a mistake does not skip a change made meanwhile.
    if typed is None:
        return await _form_page(request, reach, form, appointment=appointment, version=version, status=400)
    if forms.asks_confirmation(form, typed, now=now, unchanged_start=appointment.starts_at):
        return await _form_page(
            request, reach, form, appointment=appointment, version=version, past=typed.starts_at
        )
    saved = await services.change_appointment(
        reach.keyring,
        appointment,
        author=reach.actor.account_id,
        version=version,
        starts_at=typed.starts_at,
        details=typed.details,
        choices=typed.choices,
        zone=_zone(request),
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
    return _go(request, f"{BASE}/{appointment.id}?done=changed")


@get(f"{BASE}/{{appointment_id:uuid}}/remove", name="remove_appointment_form", guards=SPACE)
async def remove_appointment_form(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Template:
    reach, appointment = await _appointment(access, appointment_id, Action.WRITE)
    await services.audit(
        reach.actor.account_id,
        reach.subject,
        actions.APPOINTMENT_VIEW,
        services.appointment_object(appointment.id),
    )
    return page(request, "agenda/remove_appointment.html", appointment=appointment, **_words(request))


@post(f"{BASE}/{{appointment_id:uuid}}/remove", name="remove_appointment", guards=SPACE, status_code=303)
async def remove_appointment(
    request: Request[Any, Any, Any], access: Access, appointment_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, appointment = await _appointment(access, appointment_id, Action.WRITE)
    version = read_version(await request.form())
    if not await services.remove_appointment(appointment, author=reach.actor.account_id, version=version):
        # It changed since the question was asked: ask again, showing it as it is now.
        return page(
            request,
            "agenda/remove_appointment.html",
            status=409,
            appointment=appointment,
            changed=True,
            **_words(request),
        )
    return Redirect(path=f"{BASE}?done=removed", status_code=303)


# --------------------------------------------------------------------------- medicine reminders


@get(MEDICINES, name="medicine_reminders", guards=SPACE)
async def show_medicines(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.AGENDA, Action.READ)
    reminders = await services.medicines(reach.keyring, reach.subject)
    await services.audit(reach.actor.account_id, reach.subject, actions.MEDICINE_VIEW)
    return page(
        request,
        "agenda/medicines.html",
        reminders=reminders,
        today=_today(request),
        done=request.query_params.get("done"),
        viewer=reach.actor.account_id,
        added_by=await _added_by(reach, [r.created_by for r in reminders]),
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **_words(request),
    )


async def _medicine_form_page(
    request: Request[Any, Any, Any],
    reach: Reach,
    form: FormResult,
    *,
    reminder: services.MedicineView | None = None,
    version: int = 0,
    conflict: bool = False,
    status: int = 200,
) -> Template:
    """The medicine reminder form, to add one or to change ``reminder`` (see ``_form_page``)."""
    has_mobile = await _has_mobile(reach)
    channels = channel_names()
    options = [("email", channels["email"])] + ([("sms", channels["sms"])] if has_mobile else [])
    return page(
        request,
        "agenda/medicine_form.html",
        status=status,
        **form.shown(),
        channel_options=options,
        has_mobile=has_mobile,
        reminder=reminder,
        version=version,
        conflict=conflict,
        today=_today(request),
        action=f"{MEDICINES}/{reminder.id}/change" if reminder else f"{MEDICINES}/new",
        **_words(request),
    )


@get(f"{MEDICINES}/new", name="new_medicine_reminder", guards=SPACE)
async def new_medicine(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    return await _medicine_form_page(request, reach, forms.blank_medicine(_today(request)))


@post(f"{MEDICINES}/new", name="add_medicine_reminder", guards=SPACE, status_code=303)
async def add_medicine(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    form, typed = forms.read_medicine(await request.form(), has_mobile=await _has_mobile(reach))
    if typed is None:
        return await _medicine_form_page(request, reach, form, status=400)
    await services.add_medicine(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        details=typed.details,
        at_times=typed.times,
        first_day=typed.first_day,
        last_day=typed.last_day,
        channel=typed.channel,
        zone=_zone(request),
        now=_now(),
    )
    return _go(request, f"{MEDICINES}?done=added")


@get(f"{MEDICINES}/{{reminder_id:uuid}}/change", name="change_medicine_reminder_form", guards=SPACE)
async def change_medicine_form(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Template:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    await services.audit(
        reach.actor.account_id, reach.subject, actions.MEDICINE_VIEW, services.medicine_object(reminder.id)
    )
    return await _medicine_form_page(
        request, reach, forms.medicine_values(reminder), reminder=reminder, version=reminder.version
    )


@post(
    f"{MEDICINES}/{{reminder_id:uuid}}/change",
    name="change_medicine_reminder",
    guards=SPACE,
    status_code=303,
)
async def change_medicine(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    data = await request.form()
    version = read_version(data)
    form, typed = forms.read_medicine(data, has_mobile=await _has_mobile(reach))
    if typed is None:
        return await _medicine_form_page(request, reach, form, reminder=reminder, version=version, status=400)
    saved = await services.change_medicine(
        reach.keyring,
        reminder,
        author=reach.actor.account_id,
        version=version,
        details=typed.details,
        at_times=typed.times,
        first_day=typed.first_day,
        last_day=typed.last_day,
        channel=typed.channel,
        zone=_zone(request),
        now=_now(),
    )
    if not saved:
        current = await services.get_medicine(reach.keyring, reach.subject, reminder.id)
        if current is None:
            raise NotFoundException()
        return await _medicine_form_page(
            request, reach, form, reminder=current, version=current.version, conflict=True, status=409
        )
    return _go(request, f"{MEDICINES}?done=changed#medicine-{reminder.id}")


@post(
    [f"{MEDICINES}/{{reminder_id:uuid}}/pause", f"{MEDICINES}/{{reminder_id:uuid}}/resume"],
    name="pause_medicine_reminder",
    guards=SPACE,
    status_code=303,
)
async def pause_medicine(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Redirect:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    paused = request.url.path.endswith("/pause")
    await services.set_paused(reminder, paused, author=reach.actor.account_id, now=_now())
    return Redirect(path=f"{MEDICINES}?done={'paused' if paused else 'resumed'}", status_code=303)


@get(f"{MEDICINES}/{{reminder_id:uuid}}/remove", name="remove_medicine_reminder_form", guards=SPACE)
async def remove_medicine_form(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Template:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    await services.audit(
        reach.actor.account_id, reach.subject, actions.MEDICINE_VIEW, services.medicine_object(reminder.id)
    )
    return page(request, "agenda/remove_medicine.html", reminder=reminder, **_words(request))


@post(
    f"{MEDICINES}/{{reminder_id:uuid}}/remove",
    name="remove_medicine_reminder",
    guards=SPACE,
    status_code=303,
)
async def remove_medicine(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    version = read_version(await request.form())
    if not await services.remove_medicine(reminder, author=reach.actor.account_id, version=version):
        return page(
            request,
            "agenda/remove_medicine.html",
            status=409,
            reminder=reminder,
            changed=True,
            **_words(request),
        )
    return Redirect(path=f"{MEDICINES}?done=removed", status_code=303)


ROUTES = [
    show_agenda,
    show_month,
    export_agenda,
    show_appointment,
    new_appointment,
    add_appointment,
    change_appointment_form,
    change_appointment,
    remove_appointment_form,
    remove_appointment,
    show_medicines,
    new_medicine,
    add_medicine,
    change_medicine_form,
    change_medicine,
    pause_medicine,
    remove_medicine_form,
    remove_medicine,
]
