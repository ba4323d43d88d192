"""The agenda pages, under /space/agenda: the list of appointments and the month view
(with htmx, moving between months and views swaps the agenda in place and the address
follows; without it the same links load whole pages), one appointment, adding, changing
and removing one with its reminders, the medicine reminders, and the iCalendar export.

Only the patient reaches their agenda for now (professionals have no agenda area); every
route asks the access policy, and every read and write is audited (area "agenda").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of
from portal.accounts.services import read_identity
from portal.agenda import ical, services, times
from portal.agenda.forms import (
    REMINDER_FIELDS,
    AppointmentForm,
    MedicineForm,
    channel_names,
    date_value,
    delay_names,
)
from portal.core.access import Action, Area, Role, require
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.sessions import requires_role, signed_in
from portal.core.web import page

BASE = "/space/agenda"
MEDICINES = f"{BASE}/medicines"
PATIENTS = [requires_role(Role.PATIENT)]


@dataclass(frozen=True)
class Who:
    """Whose agenda (the patient) and who acts on it (the patient themself, for now)."""

    patient: uuid.UUID
    actor: uuid.UUID


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


def _zone(request: Request[Any, Any, Any]) -> str:
    return str(request.app.state.settings.timezone)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _today(request: Request[Any, Any, Any]) -> date:
    return times.local(_now(), _zone(request)).date()


async def _who(request: Request[Any, Any, Any], action: Action, object_id: str | None = None) -> Who:
    user = signed_in(request)
    actor = await actor_of(user)
    await require(actor, user.account_id, Area.AGENDA, action, object_id)
    return Who(patient=user.account_id, actor=actor.account_id)


async def _own_appointment(
    request: Request[Any, Any, Any], appointment_id: uuid.UUID, action: Action
) -> tuple[Who, services.AppointmentView]:
    """One of the patient's appointments; anyone else's is answered like a missing page, audited."""
    object_id = services.appointment_object(appointment_id)
    who = await _who(request, action, object_id)
    found = await services.get_appointment(_keyring(request), who.patient, appointment_id)
    if found is None:
        await services.audit(who.actor, who.patient, f"appointment.{action.value}", object_id, "denied")
        raise NotFoundException()
    return who, found


async def _own_medicine(
    request: Request[Any, Any, Any], reminder_id: uuid.UUID, action: Action
) -> tuple[Who, services.MedicineView]:
    object_id = services.medicine_object(reminder_id)
    who = await _who(request, action, object_id)
    found = await services.get_medicine(_keyring(request), who.patient, reminder_id)
    if found is None:
        await services.audit(who.actor, who.patient, f"medicine_reminder.{action.value}", object_id, "denied")
        raise NotFoundException()
    return who, found


async def _has_mobile(request: Request[Any, Any, Any], patient: uuid.UUID) -> bool:
    identity = await read_identity(_keyring(request), patient)
    return bool(identity and identity.mobile)


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


@get(BASE, name="agenda", guards=PATIENTS)
async def show_agenda(request: Request[Any, Any, Any]) -> Template:
    """The list view: appointments to come, the soonest first; the past ones when asked."""
    who = await _who(request, Action.READ)
    keyring, now = _keyring(request), _now()
    show_past = request.query_params.get("past") == "1"
    await services.audit(who.actor, who.patient, "agenda.view")
    return page(
        request,
        "agenda/agenda.html",
        fragment="agenda/_agenda.html",
        view="list",
        upcoming=await services.upcoming(keyring, who.patient, now),
        past=await services.past(keyring, who.patient, now) if show_past else [],
        past_count=await services.past_count(who.patient, now),
        show_past=show_past,
        month=times.Month.parse(None, _today(request)),
        done=request.query_params.get("done"),
        **_words(request),
    )


@get(f"{BASE}/month", name="agenda_month", guards=PATIENTS)
async def show_month(request: Request[Any, Any, Any]) -> Template:
    """The month view: a table of the month's weeks, each day with its appointments."""
    who = await _who(request, Action.READ)
    zone, today = _zone(request), _today(request)
    month = times.Month.parse(request.query_params.get("month"), today)
    found = await services.between(
        _keyring(request),
        who.patient,
        times.at(month.first, datetime.min.time(), zone),
        times.at(month.next.first, datetime.min.time(), zone),
    )
    by_day: dict[date, list[services.AppointmentView]] = {}
    for appointment in found:
        by_day.setdefault(times.local(appointment.starts_at, zone).date(), []).append(appointment)
    await services.audit(who.actor, who.patient, "agenda.view")
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
        **_words(request),
    )


@get(f"{BASE}.ics", name="agenda_export", guards=PATIENTS)
async def export_agenda(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The whole agenda as an iCalendar file, downloaded as "agenda.ics"."""
    who = await _who(request, Action.READ)
    keyring = _keyring(request)
    content = ical.calendar_of(
        await services.all_appointments(keyring, who.patient),
        await services.medicines(keyring, who.patient),
        zone=_zone(request),
        today=_today(request),
    )
    await services.audit(who.actor, who.patient, "agenda.export")
    return Response(
        content=content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="agenda.ics"'},
    )


# --------------------------------------------------------------------------- one appointment


@get(f"{BASE}/{{appointment_id:uuid}}", name="appointment", guards=PATIENTS)
async def show_appointment(request: Request[Any, Any, Any], appointment_id: FromPath[uuid.UUID]) -> Template:
    who, appointment = await _own_appointment(request, appointment_id, Action.READ)
    await services.audit(
        who.actor, who.patient, "appointment.view", services.appointment_object(appointment.id)
    )
    return page(
        request,
        "agenda/appointment.html",
        appointment=appointment,
        is_past=appointment.starts_at < _now(),
        done=request.query_params.get("done"),
        **_words(request),
    )


async def _form_page(
    request: Request[Any, Any, Any],
    who: Who,
    form: AppointmentForm,
    *,
    appointment: services.AppointmentView | None = None,
    status: int = 200,
) -> Template:
    has_mobile = await _has_mobile(request, who.patient)
    channels = channel_names()
    options = [("", _("No reminder")), ("email", channels["email"])]
    if has_mobile:
        options.append(("sms", channels["sms"]))
    names = delay_names()
    return page(
        request,
        "agenda/appointment_form.html",
        status=status,
        form=form,
        values=form.values,
        errors=form.errors,
        date=date_value(form.values, "date"),
        reminder_fields=[(name, names[minutes]) for minutes, name in REMINDER_FIELDS.items()],
        reminder_options=options,
        has_mobile=has_mobile,
        appointment=appointment,
        action=f"{BASE}/{appointment.id}/change" if appointment else f"{BASE}/new",
        **_words(request),
    )


@get(f"{BASE}/new", name="new_appointment", guards=PATIENTS)
async def new_appointment(request: Request[Any, Any, Any]) -> Template:
    who = await _who(request, Action.WRITE)
    return await _form_page(request, who, AppointmentForm.blank(_today(request)))


@post(f"{BASE}/new", name="add_appointment", guards=PATIENTS, status_code=303)
async def add_appointment(request: Request[Any, Any, Any]) -> Response[Any]:
    who = await _who(request, Action.WRITE)
    form = AppointmentForm.read(await request.form())
    now = _now()
    if not form.check(zone=_zone(request), now=now, has_mobile=await _has_mobile(request, who.patient)):
        return await _form_page(request, who, form, status=200 if form.asks_confirmation else 400)
    assert form.starts_at is not None and form.details is not None
    appointment_id = await services.add_appointment(
        _keyring(request),
        patient=who.patient,
        author=who.actor,
        starts_at=form.starts_at,
        details=form.details,
        choices=form.choices,
        zone=_zone(request),
        now=now,
    )
    return Redirect(path=f"{BASE}/{appointment_id}?done=added", status_code=303)


@get(f"{BASE}/{{appointment_id:uuid}}/change", name="change_appointment_form", guards=PATIENTS)
async def change_appointment_form(
    request: Request[Any, Any, Any], appointment_id: FromPath[uuid.UUID]
) -> Template:
    who, appointment = await _own_appointment(request, appointment_id, Action.WRITE)
    await services.audit(
        who.actor, who.patient, "appointment.view", services.appointment_object(appointment.id)
    )
    return await _form_page(
        request, who, AppointmentForm.of(appointment, _zone(request)), appointment=appointment
    )


@post(f"{BASE}/{{appointment_id:uuid}}/change", name="change_appointment", guards=PATIENTS, status_code=303)
async def change_appointment(
    request: Request[Any, Any, Any], appointment_id: FromPath[uuid.UUID]
) -> Response[Any]:
    who, appointment = await _own_appointment(request, appointment_id, Action.WRITE)
    form = AppointmentForm.read(await request.form())
    now = _now()
    checked = form.check(
        zone=_zone(request),
        now=now,
        has_mobile=await _has_mobile(request, who.patient),
        unchanged_start=appointment.starts_at,
    )
    if not checked:
        status = 200 if form.asks_confirmation else 400
        return await _form_page(request, who, form, appointment=appointment, status=status)
    assert form.starts_at is not None and form.details is not None
    await services.change_appointment(
        _keyring(request),
        appointment,
        author=who.actor,
        starts_at=form.starts_at,
        details=form.details,
        choices=form.choices,
        zone=_zone(request),
        now=now,
    )
    return Redirect(path=f"{BASE}/{appointment.id}?done=changed", status_code=303)


@get(f"{BASE}/{{appointment_id:uuid}}/remove", name="remove_appointment_form", guards=PATIENTS)
async def remove_appointment_form(
    request: Request[Any, Any, Any], appointment_id: FromPath[uuid.UUID]
) -> Template:
    who, appointment = await _own_appointment(request, appointment_id, Action.WRITE)
    await services.audit(
        who.actor, who.patient, "appointment.view", services.appointment_object(appointment.id)
    )
    return page(request, "agenda/remove_appointment.html", appointment=appointment, **_words(request))


@post(f"{BASE}/{{appointment_id:uuid}}/remove", name="remove_appointment", guards=PATIENTS, status_code=303)
async def remove_appointment(
    request: Request[Any, Any, Any], appointment_id: FromPath[uuid.UUID]
) -> Redirect:
    who, appointment = await _own_appointment(request, appointment_id, Action.WRITE)
    await services.remove_appointment(appointment, author=who.actor)
    return Redirect(path=f"{BASE}?done=removed", status_code=303)


# --------------------------------------------------------------------------- medicine reminders


@get(MEDICINES, name="medicine_reminders", guards=PATIENTS)
async def show_medicines(request: Request[Any, Any, Any]) -> Template:
    who = await _who(request, Action.READ)
    reminders = await services.medicines(_keyring(request), who.patient)
    await services.audit(who.actor, who.patient, "medicine_reminder.view")
    return page(
        request,
        "agenda/medicines.html",
        reminders=reminders,
        today=_today(request),
        done=request.query_params.get("done"),
        **_words(request),
    )


async def _medicine_form_page(
    request: Request[Any, Any, Any], who: Who, form: MedicineForm, status: int = 200
) -> Template:
    has_mobile = await _has_mobile(request, who.patient)
    channels = channel_names()
    options = [("email", channels["email"])] + ([("sms", channels["sms"])] if has_mobile else [])
    return page(
        request,
        "agenda/medicine_form.html",
        status=status,
        values=form.values,
        errors=form.errors,
        first=date_value(form.values, "first"),
        last=date_value(form.values, "last"),
        channel_options=options,
        has_mobile=has_mobile,
        **_words(request),
    )


@get(f"{MEDICINES}/new", name="new_medicine_reminder", guards=PATIENTS)
async def new_medicine(request: Request[Any, Any, Any]) -> Template:
    who = await _who(request, Action.WRITE)
    return await _medicine_form_page(request, who, MedicineForm.blank(_today(request)))


@post(f"{MEDICINES}/new", name="add_medicine_reminder", guards=PATIENTS, status_code=303)
async def add_medicine(request: Request[Any, Any, Any]) -> Response[Any]:
    who = await _who(request, Action.WRITE)
    form = MedicineForm.read(await request.form())
    if not form.check(has_mobile=await _has_mobile(request, who.patient)):
        return await _medicine_form_page(request, who, form, status=400)
    assert form.details is not None and form.first_day is not None
    await services.add_medicine(
        _keyring(request),
        patient=who.patient,
        author=who.actor,
        details=form.details,
        at_times=form.times,
        first_day=form.first_day,
        last_day=form.last_day,
        channel=form.channel,
        zone=_zone(request),
        now=_now(),
    )
    return Redirect(path=f"{MEDICINES}?done=added", status_code=303)


@post(
    [f"{MEDICINES}/{{reminder_id:uuid}}/pause", f"{MEDICINES}/{{reminder_id:uuid}}/resume"],
    name="pause_medicine_reminder",
    guards=PATIENTS,
    status_code=303,
)
async def pause_medicine(request: Request[Any, Any, Any], reminder_id: FromPath[uuid.UUID]) -> Redirect:
    who, reminder = await _own_medicine(request, reminder_id, Action.WRITE)
    paused = request.url.path.endswith("/pause")
    await services.set_paused(reminder, paused, author=who.actor, now=_now())
    return Redirect(path=f"{MEDICINES}?done={'paused' if paused else 'resumed'}", status_code=303)


@get(f"{MEDICINES}/{{reminder_id:uuid}}/remove", name="remove_medicine_reminder_form", guards=PATIENTS)
async def remove_medicine_form(request: Request[Any, Any, Any], reminder_id: FromPath[uuid.UUID]) -> Template:
    who, reminder = await _own_medicine(request, reminder_id, Action.WRITE)
    await services.audit(
        who.actor, who.patient, "medicine_reminder.view", services.medicine_object(reminder.id)
    )
    return page(request, "agenda/remove_medicine.html", reminder=reminder, **_words(request))


@post(
    f"{MEDICINES}/{{reminder_id:uuid}}/remove",
    name="remove_medicine_reminder",
    guards=PATIENTS,
    status_code=303,
)
async def remove_medicine(request: Request[Any, Any, Any], reminder_id: FromPath[uuid.UUID]) -> Redirect:
    who, reminder = await _own_medicine(request, reminder_id, Action.WRITE)
    await services.remove_medicine(reminder, author=who.actor)
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
    pause_medicine,
    remove_medicine_form,
    remove_medicine,
]
