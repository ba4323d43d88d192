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

This module holds the agenda itself (the list, the month, the export) and ``ROUTES``,
every page of the agenda; one appointment's pages are ``appointment_routes``, the
medicine reminders' ``medicine_routes``, and what they share ``pages``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from litestar import Request, get
from litestar.response import Response, Template

from portal.agenda import (
    actions,
    appointment_routes,
    ical,
    medicine_routes,
    pages,
    services,
    times,
)
from portal.agenda.pages import BASE, SPACE
from portal.core.access import Access, Action, Area
from portal.core.web import bounded_int, content_disposition, page


@get(BASE, name="agenda", guards=SPACE)
async def show_agenda(request: Request[Any, Any, Any], access: Access) -> Template:
    """The list view: appointments to come, the soonest first; the past ones when asked."""
    reach = await access.require(Area.AGENDA, Action.READ)
    now = pages.now()
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
        month=times.Month.parse(None, pages.today_of(request)),
        done=request.query_params.get("done"),
        viewer=reach.actor.account_id,
        added_by=await pages.added_by(reach, [a.created_by for a in [*upcoming, *past]]),
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **pages.words(request),
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
    zone, today = pages.zone_of(request), pages.today_of(request)
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
        **pages.words(request),
    )


@get(f"{BASE}.ics", name="agenda_export", guards=SPACE)
async def export_agenda(request: Request[Any, Any, Any], access: Access) -> Response[bytes]:
    """The whole agenda as an iCalendar file, downloaded as "agenda.ics" (on a kiosk, the
    one rule for downloads answers instead: ``portal.kiosk.web.KioskMiddleware``)."""
    reach = await access.require(Area.AGENDA, Action.READ)
    content = ical.calendar_of(
        await services.all_appointments(reach.keyring, reach.subject),
        await services.medicines(reach.keyring, reach.subject),
        zone=pages.zone_of(request),
        today=pages.today_of(request),
    )
    await services.audit(reach.actor.account_id, reach.subject, actions.EXPORT)
    return Response(
        content=content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": content_disposition("attachment", "agenda.ics")},
    )


ROUTES = [
    show_agenda,
    show_month,
    export_agenda,
    appointment_routes.show_appointment,
    appointment_routes.new_appointment,
    appointment_routes.add_appointment,
    appointment_routes.change_appointment_form,
    appointment_routes.change_appointment,
    appointment_routes.remove_appointment_form,
    appointment_routes.remove_appointment,
    medicine_routes.show_medicines,
    medicine_routes.new_medicine,
    medicine_routes.add_medicine,
    medicine_routes.change_medicine_form,
    medicine_routes.change_medicine,
    medicine_routes.pause_medicine,
    medicine_routes.resume_medicine,
    medicine_routes.remove_medicine_form,
    medicine_routes.remove_medicine,
]
