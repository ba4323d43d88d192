"""The medical profile's pages, for the patient (under /space/profile) and for the
professionals of their circle (under /pro/patients/{patient}/profile).

The overview shows every section the person may reach with its key facts; each section
has its page listing its entries, who entered each one and who changed it last. Adding
and changing is one entry per page: without JavaScript, plain forms on pages of their
own (POST, then 303 back to the section with a banner); with htmx, the same addresses
answer with the section's part (``profile/_section.html``) with the form open in place,
and a form sent in place comes back as that part, updated or with its errors.

Each page is registered twice: under /space/profile for the patient and whoever acts
for them by a delegation (the session's subject), and under /pro/patients/{patient}/profile
for the professionals of the patient's circle. Every handler goes through the door
(``door.open_profile``, reading or writing), then asks for the section
(``door.section_or_refuse``); anything else is a 404, audited. Each page that shows
entries writes one ``profile.read`` event.

Authors are shown as they are (``portal.carers.services.author_names``): an entry a carer
wrote reads "Added by your daughter Claire Dupont" to the patient and "Added by Claire
Dupont for Jeanne Dupont" to a professional. A change is saved only over the version its
form was read at; over a newer one, the page answers 409 with both, and what was typed
kept in the form with the new version (sending it again keeps it, on purpose).

What the pages show is made in ``presenters`` and ``pages``; the sections are
``definitions``, a form is read by ``reading``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from litestar import Request, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.core.access import Access, Action, Area, Role
from portal.core.i18n import today
from portal.core.records import read_version
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import is_htmx, page
from portal.profile import services
from portal.profile.door import (
    Profile,
    entry_or_refuse,
    object_of,
    open_profile,
    record_read,
    refuse,
    section_or_refuse,
)
from portal.profile.fields import Section
from portal.profile.pages import (
    adding_form,
    again,
    changing_form,
    conflict_page,
    form_page,
    patient_name,
    remove_page,
    section_page,
    single_entry,
)
from portal.profile.presenters import due, overview_blocks, shown
from portal.profile.reading import read_form

# The patient's side: the patient, or whoever acts for them (the policy says what they may do).
SPACE = [requires_role(*SPACE_ROLES)]
PROS = [requires_role(Role.PROFESSIONAL)]
PATIENT_BASE = "/space/profile"
PRO_BASE = "/pro/patients/{patient:uuid}/profile"


def _both(
    method: type[HTTPRouteHandler], path: str, name: str, fn: Callable[..., Any], **options: Any
) -> list[HTTPRouteHandler]:
    """The same page on the patient's side (no patient in the address: the session's
    subject) and on a professional's (the patient in the address), each with its guard."""
    return [
        method(PATIENT_BASE + path, name=name, guards=SPACE, **options)(fn),
        method(PRO_BASE + path, name=f"pro_{name}", guards=PROS, **options)(fn),
    ]


async def _opened(
    access: Access, patient: uuid.UUID | None, section: str, action: Action
) -> tuple[Profile, Section]:
    """Through the door for the profile, then to the section of the address."""
    profile = await open_profile(access, patient, action, object_of(section))
    return profile, await section_or_refuse(access, profile, section, action)


async def _entry_opened(
    access: Access, patient: uuid.UUID | None, section: str, entry_id: uuid.UUID
) -> tuple[Profile, Section, services.Entry]:
    """``_opened`` to change the section, then to the entry of the address, if the actor may change it."""
    profile, chosen = await _opened(access, patient, section, Action.WRITE)
    return profile, chosen, await entry_or_refuse(access, profile, chosen, entry_id)


async def _saved_now(access: Access, profile: Profile, entry: services.Entry) -> services.Entry:
    """The entry as it is saved now, after a change or a removal found it changed meanwhile
    (a 404, audited, when it has gone)."""
    current = await services.get_entry(profile.reach.keyring, profile.subject, entry.id)
    if current is None:
        await refuse(access, profile, Action.WRITE, f"profile:{entry.id}")
    return current


# --------------------------------------------------------------------------- the overview


async def show_overview(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID | None] = None
) -> Template:
    profile = await open_profile(access, patient, Action.READ, "profile:overview")
    found = await services.entries(profile.reach.keyring, profile.subject, profile.sections)
    entries = await shown(request, profile, found)
    blocks = overview_blocks(profile, entries)
    vaccinations_due = await due(request, profile, found) if "vaccinations" in profile.sections else None
    await record_read(profile, "overview")
    return page(
        request,
        "profile/overview.html",
        blocks=blocks,
        due=vaccinations_due,
        side=profile.side,
        patient=profile.patient,
        in_space=profile.in_space,
        patient_name=await patient_name(profile),
        # The printable summary (portal.profile.summary_routes) starts with the treatments.
        summary_href=profile.url("profile_summary") if "treatments" in profile.sections else None,
    )


# --------------------------------------------------------------------------- a section


async def show_section(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    profile, chosen = await _opened(access, patient, section, Action.READ)
    return await section_page(request, profile, chosen)


# --------------------------------------------------------------------------- adding


async def add_form(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile, chosen = await _opened(access, patient, section, Action.WRITE)
    existing = await single_entry(profile, chosen)
    if existing is not None:
        # One entry at most: its form is the one to change it.
        if not profile.may_change(existing):
            await refuse(access, profile, Action.WRITE, f"profile:{existing.id}")
        where = profile.url("profile_edit", section=chosen.key, entry_id=existing.id)
        return Redirect(path=where, status_code=303)
    form = adding_form(profile, chosen)
    if is_htmx(request):
        return await section_page(request, profile, chosen, form=form)
    return await form_page(request, profile, chosen, form)


async def _after_saving(
    request: Request[Any, Any, Any],
    access: Access,
    profile: Profile,
    section: Section,
    entry_id: uuid.UUID,
    done: str,
) -> Redirect:
    """Directives are also filed as a document, when the actor may write in the documents
    too; then back to the section, with a banner. (With htmx, the browser follows the
    redirect and swaps the section in place.)"""
    if section.key == "directives" and await access.allows(Area.DOCUMENTS, Action.WRITE, profile.subject):
        from portal.profile.filing import file_directives

        keyring = profile.reach.keyring
        entry = await services.get_entry(keyring, profile.subject, entry_id)
        assert entry is not None
        await file_directives(
            keyring,
            request.app.state.settings,
            patient=profile.subject,
            author=profile.me,
            author_role=services.author_role(profile.reach.actor),
            entry=entry,
        )
        done = "directives"
    return Redirect(
        path=profile.url("profile_section", section=section.key, done=done, entry=entry_id), status_code=303
    )


async def add_save(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile, chosen = await _opened(access, patient, section, Action.WRITE)
    checked = read_form(chosen, await request.form(), today(request.app.state.settings.timezone))
    existing = await single_entry(profile, chosen)
    if existing is not None:
        # Added meanwhile (another tab, another person): shown with what was typed, to choose.
        if not profile.may_change(existing):
            await refuse(access, profile, Action.WRITE, f"profile:{existing.id}")
        if not checked.ok:
            return await again(
                request, profile, chosen, changing_form(profile, chosen, existing, checked), 400
            )
        return await conflict_page(request, profile, chosen, existing, checked)
    if not checked.ok:
        return await again(request, profile, chosen, adding_form(profile, chosen, checked), 400)
    entry_id = await services.add_entry(
        profile.reach.keyring,
        patient=profile.subject,
        section=chosen.key,
        data=checked.data,
        author=profile.me,
        author_role=services.author_role(profile.reach.actor),
    )
    return await _after_saving(request, access, profile, chosen, entry_id, "added")


# --------------------------------------------------------------------------- changing


async def edit_form(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    profile, chosen, entry = await _entry_opened(access, patient, section, entry_id)
    form = changing_form(profile, chosen, entry)
    if is_htmx(request):
        return await section_page(request, profile, chosen, form=form)
    await record_read(profile, chosen.key)
    return await form_page(request, profile, chosen, form)


async def edit_save(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile, chosen, entry = await _entry_opened(access, patient, section, entry_id)
    sent = await request.form()
    version = read_version(sent)
    checked = read_form(chosen, sent, today(request.app.state.settings.timezone))
    if not checked.ok:
        # The version the form was read at stays: a change made meanwhile is still caught.
        form = changing_form(profile, chosen, entry, checked, version=version)
        return await again(request, profile, chosen, form, 400)
    saved = await services.update_entry(
        profile.reach.keyring,
        patient=profile.subject,
        entry=entry,
        data=checked.data,
        author=profile.me,
        version=version,
    )
    if not saved:
        # ``entry`` was read before the update was tried: read what is saved now.
        current = await _saved_now(access, profile, entry)
        return await conflict_page(request, profile, chosen, current, checked)
    return await _after_saving(request, access, profile, chosen, entry.id, "changed")


# --------------------------------------------------------------------------- removing


async def remove_confirm(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    profile, chosen, entry = await _entry_opened(access, patient, section, entry_id)
    await record_read(profile, chosen.key)
    return await remove_page(request, profile, chosen, entry)


async def remove_save(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile, chosen, entry = await _entry_opened(access, patient, section, entry_id)
    removed = await services.remove_entry(
        patient=profile.subject,
        entry_id=entry.id,
        author=profile.me,
        version=read_version(await request.form()),
    )
    if not removed:
        # Changed since the person chose to remove it: what they would remove is not what they saw.
        current = await _saved_now(access, profile, entry)
        await record_read(profile, chosen.key)
        return await remove_page(request, profile, chosen, current, changed=True)
    return Redirect(path=profile.url("profile_section", section=chosen.key, done="removed"), status_code=303)


ROUTES = [
    *_both(get, "", "profile", show_overview),
    *_both(get, "/{section:str}", "profile_section", show_section),
    *_both(get, "/{section:str}/add", "profile_add", add_form),
    *_both(post, "/{section:str}/add", "profile_add_save", add_save, status_code=303),
    *_both(get, "/{section:str}/{entry_id:uuid}/edit", "profile_edit", edit_form),
    *_both(post, "/{section:str}/{entry_id:uuid}/edit", "profile_edit_save", edit_save, status_code=303),
    *_both(get, "/{section:str}/{entry_id:uuid}/remove", "profile_remove", remove_confirm),
    *_both(
        post, "/{section:str}/{entry_id:uuid}/remove", "profile_remove_save", remove_save, status_code=303
    ),
]
