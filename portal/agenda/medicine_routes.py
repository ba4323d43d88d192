"""The medicine reminders' pages, under /space/agenda/medicines: the list, and adding,
changing, pausing (or taking up again) and removing one (``changes``). Each asks the door
for the subject's agenda, then for the reminder (``_medicine``: any other is refused like
a missing page, audited). The form carries the version it was read at: saving over a
newer one changes nothing and shows both (409).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.agenda import actions, changes, forms, pages, services
from portal.agenda.forms import channel_names
from portal.agenda.pages import MEDICINES, SPACE
from portal.core.access import Access, Action, Area, Reach
from portal.core.addresses import url_for
from portal.core.forms import FormResult
from portal.core.records import read_version
from portal.core.web import page

# One reminder's pages.
ONE = f"{MEDICINES}/{{reminder_id:uuid}}"


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


async def _medicine_shown(
    access: Access, reminder_id: uuid.UUID, action: Action
) -> tuple[Reach, services.MedicineView]:
    """``_medicine``, for a page that shows it: the view is audited (``medicine.view``)."""
    reach, reminder = await _medicine(access, reminder_id, action)
    await services.audit(
        reach.actor.account_id, reach.subject, actions.MEDICINE_VIEW, services.medicine_object(reminder.id)
    )
    return reach, reminder


@get(MEDICINES, name="medicine_reminders", guards=SPACE)
async def show_medicines(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.AGENDA, Action.READ)
    reminders = await services.medicines(reach.keyring, reach.subject)
    await services.audit(reach.actor.account_id, reach.subject, actions.MEDICINE_VIEW)
    return page(
        request,
        "agenda/medicines.html",
        reminders=reminders,
        today=pages.today_of(request),
        done=request.query_params.get("done"),
        viewer=reach.actor.account_id,
        added_by=await pages.added_by(reach, [r.created_by for r in reminders]),
        may_write=await access.allows(Area.AGENDA, Action.WRITE),
        **pages.words(request),
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
    """The medicine reminder form, to add one or to change ``reminder`` (``version`` and
    ``conflict``: ``pages.form_page``)."""
    channels = channel_names()
    options = [("email", channels["email"])]
    has_mobile = await pages.has_mobile(reach)
    if has_mobile:
        options.append(("sms", channels["sms"]))
    if reminder:
        action = url_for("change_medicine_reminder", reminder_id=reminder.id)
    else:
        action = url_for("add_medicine_reminder")
    return pages.form_page(
        request,
        "agenda/medicine_form.html",
        form,
        action=action,
        version=version,
        conflict=conflict,
        status=status,
        has_mobile=has_mobile,
        channel_options=options,
        reminder=reminder,
        today=pages.today_of(request),
    )


def _as_typed(request: Request[Any, Any, Any], typed: forms.MedicineReminder) -> dict[str, Any]:
    """What a reminder's form said, as ``changes.add_medicine`` and ``change_medicine`` take it."""
    return {
        "details": typed.details,
        "at_times": typed.times,
        "first_day": typed.first_day,
        "last_day": typed.last_day,
        "channel": typed.channel,
        "zone": pages.zone_of(request),
        "now": pages.now(),
    }


@get(f"{MEDICINES}/new", name="new_medicine_reminder", guards=SPACE)
async def new_medicine(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    return await _medicine_form_page(request, reach, forms.blank_medicine(pages.today_of(request)))


@post(f"{MEDICINES}/new", name="add_medicine_reminder", guards=SPACE, status_code=303)
async def add_medicine(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.AGENDA, Action.WRITE)
    form, typed = forms.read_medicine(await request.form(), has_mobile=await pages.has_mobile(reach))
    if typed is None:
        return await _medicine_form_page(request, reach, form, status=400)
    await changes.add_medicine(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        **_as_typed(request, typed),
    )
    return pages.go(request, url_for("medicine_reminders", done="added"))


@get(f"{ONE}/change", name="change_medicine_reminder_form", guards=SPACE)
async def change_medicine_form(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Template:
    reach, reminder = await _medicine_shown(access, reminder_id, Action.WRITE)
    return await _medicine_form_page(
        request, reach, forms.medicine_values(reminder), reminder=reminder, version=reminder.version
    )


@post(f"{ONE}/change", name="change_medicine_reminder", guards=SPACE, status_code=303)
async def change_medicine(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    data = await request.form()
    version = read_version(data)
    form, typed = forms.read_medicine(data, has_mobile=await pages.has_mobile(reach))
    if typed is None:
        return await _medicine_form_page(request, reach, form, reminder=reminder, version=version, status=400)
    saved = await changes.change_medicine(
        reach.keyring,
        reminder,
        author=reach.actor.account_id,
        version=version,
        **_as_typed(request, typed),
    )
    if not saved:
        current = await services.get_medicine(reach.keyring, reach.subject, reminder.id)
        if current is None:
            raise NotFoundException()
        return await _medicine_form_page(
            request, reach, form, reminder=current, version=current.version, conflict=True, status=409
        )
    return pages.go(request, url_for("medicine_reminders", done="changed") + f"#medicine-{reminder.id}")


async def pause_or_resume(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Redirect:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    paused = request.url.path.endswith("/pause")
    await changes.set_paused(reminder, paused, author=reach.actor.account_id, now=pages.now())
    return Redirect(
        path=url_for("medicine_reminders", done="paused" if paused else "resumed"), status_code=303
    )


pause_medicine = post(f"{ONE}/pause", name="pause_medicine_reminder", guards=SPACE, status_code=303)(
    pause_or_resume
)
resume_medicine = post(f"{ONE}/resume", name="resume_medicine_reminder", guards=SPACE, status_code=303)(
    pause_or_resume
)


@get(f"{ONE}/remove", name="remove_medicine_reminder_form", guards=SPACE)
async def remove_medicine_form(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Template:
    reach, reminder = await _medicine_shown(access, reminder_id, Action.WRITE)
    return page(request, "agenda/remove_medicine.html", reminder=reminder, **pages.words(request))


@post(f"{ONE}/remove", name="remove_medicine_reminder", guards=SPACE, status_code=303)
async def remove_medicine(
    request: Request[Any, Any, Any], access: Access, reminder_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach, reminder = await _medicine(access, reminder_id, Action.WRITE)
    version = read_version(await request.form())
    removed = await changes.remove_medicine(reminder, author=reach.actor.account_id, version=version)
    return pages.after_removal(
        request,
        removed,
        "agenda/remove_medicine.html",
        url_for("medicine_reminders", done="removed"),
        reminder=reminder,
    )
