"""The pages the profile's routes answer with, and the form of an entry on them.

A section's page lists its entries (``section_page``); with htmx the same call answers
with the section's part (``profile/_section.html``), the form open in place. Without
JavaScript a form has a page of its own (``form_page``). ``again`` shows a form once more
(its errors, or a conflict: ``conflict_page``), everything typed kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request
from litestar.response import Template

from portal.accounts.people import names_of
from portal.core.forms import FormResult
from portal.core.web import is_htmx, page
from portal.profile import services
from portal.profile.door import Profile, record_read
from portal.profile.fields import Section
from portal.profile.presenters import Shown, charts, due, latest_first, shown
from portal.profile.reading import confirmation, values_of
from portal.profile.wording import Described, describe

DONE = frozenset({"added", "changed", "removed", "directives"})


@dataclass(frozen=True)
class Conflict:
    """Someone saved the entry while the form was open: what is saved now, and what was typed."""

    saved: Shown
    typed: Described


@dataclass(frozen=True)
class EntryForm:
    """The form of an entry, open on a page: to add one, or to change ``entry_id`` (read at
    ``version``). ``result``: what it shows (``portal.core.forms``): what the entry says,
    or what was typed and its errors."""

    action: str
    heading: str
    cancel: str
    result: FormResult
    entry_id: uuid.UUID | None = None
    version: int | None = None
    conflict: Conflict | None = None

    @property
    def confirm(self) -> str | None:
        """The value of the "keep it as it is" box, when an unusual measurement asks for it."""
        return confirmation(self.result)


async def patient_name(profile: Profile) -> str:
    """The patient's name, on a professional's pages ("" on the patient's own)."""
    if profile.in_space:
        return ""
    person = (await names_of(profile.reach.keyring, [profile.subject])).get(profile.subject)
    return person.name if person else ""


def _done(request: Request[Any, Any, Any]) -> str | None:
    done = request.query_params.get("done")
    return done if done in DONE else None


def _focus(request: Request[Any, Any, Any]) -> str:
    """What takes the focus after an in-place change: an entry's id, or "add"."""
    wanted = request.query_params.get("entry", "")
    try:
        return str(uuid.UUID(wanted))
    except ValueError:
        return "add" if wanted == "add" else ""


async def section_page(
    request: Request[Any, Any, Any],
    profile: Profile,
    section: Section,
    *,
    template: str = "profile/section.html",
    form: EntryForm | None = None,
    status: int = 200,
) -> Template:
    """The section's page (or its part, for htmx), its entries shown, audited once."""
    found = await services.entries(profile.reach.keyring, profile.subject, [section.key])
    entries = await shown(request, profile, found)
    if section.key == "vaccinations":
        entries = latest_first(entries, "given")
    vaccinations_due = await due(request, profile, found) if section.key == "vaccinations" else None
    await record_read(profile, section.key)
    return page(
        request,
        template,
        fragment="profile/_section.html",
        status=status,
        section=section,
        entries=entries,
        charts=charts(entries) if section.key == "measurements" else [],
        due=vaccinations_due,
        form=form,
        errors=form.result.errors if form else {},
        side=profile.side,
        patient=profile.patient,
        may_add=profile.writes and (not section.single or not entries),
        in_space=profile.in_space,
        patient_name=await patient_name(profile),
        done=_done(request),
        focus=_focus(request),
        in_place=is_htmx(request),
        fields=section.fields,
    )


def adding_form(profile: Profile, section: Section, checked: FormResult | None = None) -> EntryForm:
    """The form to add an entry: empty, or what was typed (``checked``)."""
    return EntryForm(
        action=profile.url("profile_add_save", section=section.key),
        heading=section.add_heading,
        cancel=profile.url("profile_section", section=section.key, entry="add"),
        result=checked or FormResult.filled(values_of(section, {})),
    )


def changing_form(
    profile: Profile,
    section: Section,
    entry: services.Entry,
    checked: FormResult | None = None,
    *,
    version: int | None = None,
    conflict: Conflict | None = None,
) -> EntryForm:
    """The form to change ``entry``: what it says, or what was typed (``checked``), with the
    version it was read at (``version``, by default the entry's)."""
    return EntryForm(
        action=profile.url("profile_edit_save", section=section.key, entry_id=entry.id),
        heading=section.change_heading,
        cancel=profile.url("profile_section", section=section.key, entry=entry.id),
        result=checked or FormResult.filled(values_of(section, entry.data)),
        entry_id=entry.id,
        version=entry.version if version is None else version,
        conflict=conflict,
    )


async def single_entry(profile: Profile, section: Section) -> services.Entry | None:
    """The entry of a section that holds one at most, if there is one."""
    if not section.single:
        return None
    found = await services.entries(profile.reach.keyring, profile.subject, [section.key])
    return found[0] if found else None


async def form_page(
    request: Request[Any, Any, Any], profile: Profile, section: Section, form: EntryForm, status: int = 200
) -> Template:
    """A form on a page of its own (without JavaScript)."""
    return page(
        request,
        "profile/form.html",
        status=status,
        section=section,
        form=form,
        errors=form.result.errors,
        side=profile.side,
        patient=profile.patient,
        in_space=profile.in_space,
        patient_name=await patient_name(profile),
        in_place=False,
        fields=section.fields,
    )


async def again(
    request: Request[Any, Any, Any], profile: Profile, section: Section, form: EntryForm, status: int
) -> Template:
    """The form again (with its errors, or with what is saved now), everything typed kept:
    in place for htmx, a page of its own without."""
    if is_htmx(request):
        return await section_page(request, profile, section, form=form, status=status)
    return await form_page(request, profile, section, form, status=status)


async def conflict_page(
    request: Request[Any, Any, Any],
    profile: Profile,
    section: Section,
    saved: services.Entry,
    checked: FormResult,
) -> Template:
    """Someone saved ``saved`` while this form was open: 409, what is saved now and what
    was typed, the form holding what was typed at the saved version (sending it again
    keeps it, on purpose)."""
    (saved_shown,) = await shown(request, profile, [saved])
    conflict = Conflict(saved=saved_shown, typed=describe(section.key, checked.data))
    form = changing_form(profile, section, saved, checked, conflict=conflict)
    return await again(request, profile, section, form, 409)


async def remove_page(
    request: Request[Any, Any, Any],
    profile: Profile,
    section: Section,
    entry: services.Entry,
    *,
    changed: bool = False,
) -> Template:
    """ "Remove this entry?", showing it as it is now and carrying its version; ``changed``:
    it was changed after the person chose to remove it, so they are asked again (409)."""
    return page(
        request,
        "profile/remove.html",
        status=409 if changed else 200,
        section=section,
        entry=(await shown(request, profile, [entry]))[0],
        version=entry.version,
        changed=changed,
        action=profile.url("profile_remove_save", section=section.key, entry_id=entry.id),
        back=profile.url("profile_section", section=section.key),
        in_space=profile.in_space,
        patient_name=await patient_name(profile),
    )
