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
(``access.require`` for the profile area, reading or writing), then asks for the section
(``profile_sections``): a professional sees and adds to the sections of their
profession, and changes or removes only what they entered; the patient and their carers
with the profile to write change anything of it. Anything else is a 404, audited. Each
page that shows entries writes one ``profile.read`` event.

Authors are shown as they are (``portal.carers.services.author_names``): an entry a carer
wrote reads "Added by your daughter Claire Dupont" to the patient and "Added by Claire
Dupont for Jeanne Dupont" to a professional. A change is saved only over the version its
form was read at; over a newer one, the page answers 409 with both, and what was typed
kept in the form with the new version (sending it again keeps it, on purpose).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from markupsafe import Markup

from portal.accounts.people import names_of
from portal.accounts.services import read_identity
from portal.carers.services import author_names
from portal.core.access import Access, Action, Area, Reach, Role, profile_sections
from portal.core.i18n import format_day
from portal.core.i18n import gettext as _
from portal.core.records import read_version, record
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import is_htmx, page
from portal.profile import actions, services, vaccines
from portal.profile.chart import Line, line_chart
from portal.profile.sections import (
    KINDS,
    ORDER,
    Checked,
    Described,
    Section,
    day_text,
    describe,
    kind_names,
    measurement_text,
    number_words,
    parse_number,
    read_form,
    section_of,
    sections,
    units,
    values_of,
)

PATIENT_BASE = "/space/profile"
PRO_BASE = "/pro/patients/{patient:uuid}/profile"
# The patient's side: the patient, or whoever acts for them (the policy says what they may do).
SPACE = [requires_role(*SPACE_ROLES)]
PROS = [requires_role(Role.PROFESSIONAL)]
DONE = frozenset({"added", "changed", "removed", "directives"})
# How many facts of a section the overview shows before "and N more".
OVERVIEW_LINES = 5
# A version read from a form: versions start at 1, so anything else never matches a row.


def _today(request: Request[Any, Any, Any]) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


def _both(
    method: type[HTTPRouteHandler], path: str, name: str, fn: Callable[..., Any], **options: Any
) -> list[HTTPRouteHandler]:
    """The same page on the patient's side (no patient in the address: the session's
    subject) and on a professional's (the patient in the address), each with its guard."""
    return [
        method(PATIENT_BASE + path, name=name, guards=SPACE, **options)(fn),
        method(PRO_BASE + path, name=f"pro_{name}", guards=PROS, **options)(fn),
    ]


# --------------------------------------------------------------------------- who may reach what


@dataclass(frozen=True)
class Profile:
    """The door's answer (``reach``) and what is the profile's own: the sections the actor
    may reach, whether they may write here, and where the pages live."""

    reach: Reach
    sections: frozenset[str]
    writes: bool
    base: str

    @property
    def subject(self) -> uuid.UUID:
        return self.reach.subject

    @property
    def me(self) -> uuid.UUID:
        """Who acts: the author of anything written."""
        return self.reach.actor.account_id

    @property
    def in_space(self) -> bool:
        """The patient's own pages (the patient, or someone acting for them)."""
        return not self.reach.by_professional

    def may_change(self, entry: services.Entry) -> bool:
        """The patient and their carers with the profile to write change anything of it;
        a professional only what they entered."""
        if not self.writes:
            return False
        return not self.reach.by_professional or entry.entered_by == self.me


def _object(section: str) -> str:
    """The audit trail's name of a section (an unknown one is not repeated)."""
    return f"profile:{section}" if section in ORDER else "profile:unknown"


async def _open(access: Access, patient: uuid.UUID | None, action: Action, object_id: str) -> Profile:
    """Through the door: the patient's side names nobody in its address (the session's
    subject), a professional's names the patient; a refusal is an audited 404."""
    reach = await access.require(Area.PROFILE, action, patient, object_id=object_id)
    writes = action is Action.WRITE or await access.allows(Area.PROFILE, Action.WRITE, reach.subject)
    base = PATIENT_BASE if patient is None else f"/pro/patients/{patient}/profile"
    return Profile(reach, profile_sections(reach.actor, reach.subject), writes, base)


async def _refuse(access: Access, profile: Profile, action: Action, object_id: str) -> NoReturn:
    await access.refuse(Area.PROFILE, action, profile.subject, object_id=object_id)


async def _section(access: Access, profile: Profile, key: str, action: Action) -> Section:
    """The section of the address, if the actor may reach it (else a 404, audited)."""
    section = section_of(key)
    if section is None or key not in profile.sections:
        await _refuse(access, profile, action, _object(key))
    return section


async def _entry(access: Access, profile: Profile, section: Section, entry_id: uuid.UUID) -> services.Entry:
    """An entry of this section of the patient's profile that the actor may change."""
    entry = await services.get_entry(profile.reach.keyring, profile.subject, entry_id)
    if entry is None or entry.section != section.key or not profile.may_change(entry):
        await _refuse(access, profile, Action.WRITE, f"profile:{entry_id}")
    return entry


async def _read(profile: Profile, what: str) -> None:
    await record(profile.me, profile.subject, actions.READ, f"profile:{what}")


# --------------------------------------------------------------------------- entries in words


@dataclass(frozen=True)
class Shown:
    """An entry as a page shows it."""

    id: uuid.UUID
    section: str
    data: dict[str, Any]
    described: Described
    added: str
    changed: str | None
    may_change: bool


def _authorship(
    request: Request[Any, Any, Any], profile: Profile, names: dict[uuid.UUID, str], entry: services.Entry
) -> tuple[str, str | None]:
    """ "Added by you on 3 March 2026", "Added by your daughter Claire Dupont on 3 March
    2026", and the same for the last change (``names``: ``author_names`` for the reader)."""
    timezone = request.app.state.settings.timezone

    def name(who: uuid.UUID | None) -> str:
        found = names.get(who) if who is not None else None
        return found or _("a person whose space is closed")

    day = format_day(entry.entered_at, timezone)
    if entry.entered_by is not None and entry.entered_by == profile.me:
        added = _("Added by you on %(day)s", day=day)
    else:
        added = _("Added by %(name)s on %(day)s", name=name(entry.entered_by), day=day)
    if entry.updated_at is None:
        return added, None
    day = format_day(entry.updated_at, timezone)
    if entry.updated_by is not None and entry.updated_by == profile.me:
        return added, _("Changed by you on %(day)s", day=day)
    return added, _("Changed by %(name)s on %(day)s", name=name(entry.updated_by), day=day)


async def _shown(
    request: Request[Any, Any, Any], profile: Profile, found: list[services.Entry]
) -> list[Shown]:
    """The entries in words, naming their authors as they are (each person opened once)."""
    authors = [who for entry in found for who in (entry.entered_by, entry.updated_by)]
    names = await author_names(profile.reach.keyring, profile.me, profile.subject, authors)
    shown = []
    for entry in found:
        added, changed = _authorship(request, profile, names, entry)
        shown.append(
            Shown(
                id=entry.id,
                section=entry.section,
                data=entry.data,
                described=describe(entry.section, entry.data),
                added=added,
                changed=changed,
                may_change=profile.may_change(entry),
            )
        )
    return shown


def _latest_first(entries: Iterable[Shown], *fields: str) -> list[Shown]:
    """Newest first by the given date fields (then as entered, newest first)."""
    ordered = list(entries)[::-1]
    return sorted(ordered, key=lambda e: tuple(str(e.data.get(f) or "") for f in fields), reverse=True)


# --------------------------------------------------------------------------- vaccinations due


@dataclass(frozen=True)
class Due:
    known: bool  # False when the date of birth is unknown
    reminders: list[vaccines.Reminder] = field(default_factory=list)

    @property
    def now(self) -> list[vaccines.Reminder]:
        return [r for r in self.reminders if r.due]

    @property
    def coming(self) -> list[vaccines.Reminder]:
        return [r for r in self.reminders if not r.due]


async def _due(request: Request[Any, Any, Any], profile: Profile, found: Iterable[services.Entry]) -> Due:
    identity = await read_identity(profile.reach.keyring, profile.subject, ("date_of_birth",))
    try:
        born = date.fromisoformat(identity.date_of_birth) if identity and identity.date_of_birth else None
    except ValueError:
        born = None
    if born is None:
        return Due(known=False)
    given = []
    for entry in found:
        if entry.section != "vaccinations":
            continue
        try:
            given.append(
                vaccines.Given(str(entry.data.get("vaccine", "")), date.fromisoformat(entry.data["given"]))
            )
        except (KeyError, TypeError, ValueError):
            continue
    return Due(known=True, reminders=vaccines.reminders(born, given, _today(request)))


# --------------------------------------------------------------------------- measurements


@dataclass(frozen=True)
class Row:
    entry: Shown
    when: str
    value: str
    value2: str


@dataclass(frozen=True)
class Chart:
    kind: str
    title: str
    unit: str
    svg: Markup
    rows: list[Row]  # newest first


def _when(data: dict[str, Any]) -> tuple[str, str]:
    return str(data.get("taken") or ""), str(data.get("time") or "")


def _charts(shown: list[Shown]) -> list[Chart]:
    """For each kind of measurement with values: its chart and its table's rows."""
    by_kind: dict[str, list[Shown]] = defaultdict(list)
    for entry in shown:
        by_kind[str(entry.data.get("kind", ""))].append(entry)
    names, unit_names = kind_names(), units()
    charts = []
    for kind in KINDS:
        found = sorted(by_kind.get(kind, []), key=lambda e: _when(e.data))
        if not found:
            continue
        title = names[kind]
        lines = [Line(title, _points(found, "value"))]
        if kind == "blood_pressure":
            lines = [
                Line(_("Higher number"), _points(found, "value")),
                Line(_("Lower number"), _points(found, "value2")),
            ]
        lines = [line for line in lines if line.points]
        svg = (
            line_chart(
                f"chart-{kind}",
                _("%(what)s (%(unit)s)", what=title, unit=unit_names[kind]),
                _describe_chart(kind, found),
                lines,
                day_label=lambda day: day_text(day.isoformat()),
                number_label=lambda value: number_words(f"{value:g}"),
            )
            if lines
            else Markup("")
        )
        rows = [
            Row(
                entry=e,
                when=day_text(e.data.get("taken")) + (f", {e.data['time']}" if e.data.get("time") else ""),
                value=number_words(e.data.get("value")),
                value2=number_words(e.data.get("value2")) if kind == "blood_pressure" else "",
            )
            for e in reversed(found)
        ]
        charts.append(Chart(kind, title, unit_names[kind], svg, rows))
    return charts


def _points(found: list[Shown], name: str) -> tuple[tuple[date, Decimal], ...]:
    points = []
    for entry in found:
        number = parse_number(str(entry.data.get(name) or ""))
        try:
            day = date.fromisoformat(str(entry.data.get("taken")))
        except ValueError:
            continue
        if number is not None:
            points.append((day, number))
    return tuple(points)


def _describe_chart(kind: str, found: list[Shown]) -> str:
    first, last = found[0].data, found[-1].data
    values = [n for n in (parse_number(str(e.data.get("value") or "")) for e in found) if n is not None]
    if not values:
        return ""
    return _(
        "%(count)d measurements from %(first)s to %(last)s. "
        "Lowest %(low)s, highest %(high)s, latest %(latest)s.",
        count=len(found),
        first=day_text(first.get("taken")),
        last=day_text(last.get("taken")),
        low=number_words(f"{min(values)}"),
        high=number_words(f"{max(values)}"),
        latest=measurement_text(kind, last),
    )


# --------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Conflict:
    """Someone saved the entry while the form was open: what is saved now, and what was typed."""

    saved: Shown
    typed: Described


@dataclass
class Form:
    """The form of an entry, open on a page: to add one, or to change ``entry_id`` (read at
    ``version``)."""

    action: str
    heading: str
    cancel: str
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    confirm: str | None = None
    entry_id: uuid.UUID | None = None
    version: int | None = None
    conflict: Conflict | None = None


async def _patient_name(profile: Profile) -> str:
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


async def _section_page(
    request: Request[Any, Any, Any],
    profile: Profile,
    section: Section,
    *,
    template: str = "profile/section.html",
    form: Form | None = None,
    status: int = 200,
) -> Template:
    """The section's page (or its part, for htmx), its entries shown, audited once."""
    found = await services.entries(profile.reach.keyring, profile.subject, [section.key])
    shown = await _shown(request, profile, found)
    if section.key == "vaccinations":
        shown = _latest_first(shown, "given")
    due = await _due(request, profile, found) if section.key == "vaccinations" else None
    await _read(profile, section.key)
    return page(
        request,
        template,
        fragment="profile/_section.html",
        status=status,
        section=section,
        entries=shown,
        charts=_charts(shown) if section.key == "measurements" else [],
        due=due,
        form=form,
        values=form.values if form else {},
        errors=form.errors if form else {},
        base=profile.base,
        may_add=profile.writes and (not section.single or not shown),
        in_space=profile.in_space,
        patient_name=await _patient_name(profile),
        done=_done(request),
        focus=_focus(request),
        in_place=is_htmx(request),
        fields=section.fields,
    )


def _address(profile: Profile, section: Section, entry_id: uuid.UUID | None = None, verb: str = "") -> str:
    if entry_id is None:
        return f"{profile.base}/{section.key}" + (f"/{verb}" if verb else "")
    return f"{profile.base}/{section.key}/{entry_id}/{verb}"


def _add_form(profile: Profile, section: Section, checked: Checked | None = None) -> Form:
    return Form(
        action=_address(profile, section, verb="add"),
        heading=section.add_heading,
        cancel=f"{_address(profile, section)}?entry=add",
        values=checked.values if checked else values_of(section, {}),
        errors=checked.errors if checked else {},
        confirm=checked.confirm if checked else None,
    )


def _change_form(
    profile: Profile,
    section: Section,
    entry: services.Entry,
    checked: Checked | None = None,
    *,
    version: int | None = None,
    conflict: Conflict | None = None,
) -> Form:
    """The form to change ``entry``: what it says, or what was typed (``checked``), with the
    version it was read at (``version``, by default the entry's)."""
    return Form(
        action=_address(profile, section, entry.id, "edit"),
        heading=section.change_heading,
        cancel=f"{_address(profile, section)}?entry={entry.id}",
        values=checked.values if checked else values_of(section, entry.data),
        errors=checked.errors if checked else {},
        confirm=checked.confirm if checked else None,
        entry_id=entry.id,
        version=entry.version if version is None else version,
        conflict=conflict,
    )


async def _single_entry(profile: Profile, section: Section) -> services.Entry | None:
    if not section.single:
        return None
    found = await services.entries(profile.reach.keyring, profile.subject, [section.key])
    return found[0] if found else None


# --------------------------------------------------------------------------- the overview


@dataclass(frozen=True)
class Block:
    section: Section
    lines: list[str]
    more: int
    count: int


def _overview_lines(key: str, shown: list[Shown]) -> list[str]:
    if key == "measurements":
        latest: dict[str, Shown] = {}
        for entry in sorted(shown, key=lambda e: _when(e.data)):
            latest[str(entry.data.get("kind", ""))] = entry
        return [latest[kind].described.line for kind in KINDS if kind in latest]
    if key == "vaccinations":
        shown = _latest_first(shown, "given")
    elif key == "hospital_stays":
        shown = _latest_first(shown, "admitted")
    return [entry.described.line for entry in shown if entry.described.line]


async def show_overview(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID | None] = None
) -> Template:
    profile = await _open(access, patient, Action.READ, "profile:overview")
    found = await services.entries(profile.reach.keyring, profile.subject, profile.sections)
    shown = await _shown(request, profile, found)
    by_section: dict[str, list[Shown]] = defaultdict(list)
    for entry in shown:
        by_section[entry.section].append(entry)
    blocks = []
    everything = ("treatments", "allergies", "contacts", "measurements")
    for key in ORDER:
        if key not in profile.sections:
            continue
        lines = _overview_lines(key, by_section.get(key, []))
        shown_lines = lines if key in everything else lines[:OVERVIEW_LINES]
        blocks.append(
            Block(sections()[key], shown_lines, len(lines) - len(shown_lines), len(by_section.get(key, [])))
        )
    due = await _due(request, profile, found) if "vaccinations" in profile.sections else None
    await _read(profile, "overview")
    return page(
        request,
        "profile/overview.html",
        blocks=blocks,
        due=due,
        base=profile.base,
        in_space=profile.in_space,
        patient_id=profile.subject,
        patient_name=await _patient_name(profile),
        # The printable summary (portal.profile.summary_routes) starts with the treatments.
        summary_href=f"{profile.base}/summary" if "treatments" in profile.sections else None,
    )


# --------------------------------------------------------------------------- a section


async def show_section(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    profile = await _open(access, patient, Action.READ, _object(section))
    chosen = await _section(access, profile, section, Action.READ)
    return await _section_page(request, profile, chosen)


# --------------------------------------------------------------------------- adding


async def add_form(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile = await _open(access, patient, Action.WRITE, _object(section))
    chosen = await _section(access, profile, section, Action.WRITE)
    existing = await _single_entry(profile, chosen)
    if existing is not None:
        # One entry at most: its form is the one to change it.
        if not profile.may_change(existing):
            await _refuse(access, profile, Action.WRITE, f"profile:{existing.id}")
        return Redirect(path=_address(profile, chosen, existing.id, "edit"), status_code=303)
    form = _add_form(profile, chosen)
    if is_htmx(request):
        return await _section_page(request, profile, chosen, form=form)
    return await _form_page(request, profile, chosen, form)


async def _form_page(
    request: Request[Any, Any, Any], profile: Profile, section: Section, form: Form, status: int = 200
) -> Template:
    return page(
        request,
        "profile/form.html",
        status=status,
        section=section,
        form=form,
        values=form.values,
        errors=form.errors,
        base=profile.base,
        in_space=profile.in_space,
        patient_name=await _patient_name(profile),
        in_place=False,
        fields=section.fields,
    )


async def _again(
    request: Request[Any, Any, Any], profile: Profile, section: Section, form: Form, status: int
) -> Template:
    """The form again (with its errors, or with what is saved now), everything typed kept:
    in place for htmx, a page of its own without."""
    if is_htmx(request):
        return await _section_page(request, profile, section, form=form, status=status)
    return await _form_page(request, profile, section, form, status=status)


async def _conflict(
    request: Request[Any, Any, Any],
    profile: Profile,
    section: Section,
    saved: services.Entry,
    checked: Checked,
) -> Template:
    """Someone saved ``saved`` while this form was open: 409, what is saved now and what
    was typed, the form holding what was typed at the saved version (sending it again
    keeps it, on purpose)."""
    (shown,) = await _shown(request, profile, [saved])
    conflict = Conflict(saved=shown, typed=describe(section.key, checked.data))
    form = _change_form(profile, section, saved, checked, conflict=conflict)
    return await _again(request, profile, section, form, 409)


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
        from portal.profile.summary import file_directives

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
    return Redirect(path=f"{_address(profile, section)}?done={done}&entry={entry_id}", status_code=303)


async def add_save(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile = await _open(access, patient, Action.WRITE, _object(section))
    chosen = await _section(access, profile, section, Action.WRITE)
    checked = read_form(chosen, await request.form(), _today(request))
    existing = await _single_entry(profile, chosen)
    if existing is not None:
        # Added meanwhile (another tab, another person): shown with what was typed, to choose.
        if not profile.may_change(existing):
            await _refuse(access, profile, Action.WRITE, f"profile:{existing.id}")
        if not checked.ok:
            return await _again(
                request, profile, chosen, _change_form(profile, chosen, existing, checked), 400
            )
        return await _conflict(request, profile, chosen, existing, checked)
    if not checked.ok:
        return await _again(request, profile, chosen, _add_form(profile, chosen, checked), 400)
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
    profile = await _open(access, patient, Action.WRITE, _object(section))
    chosen = await _section(access, profile, section, Action.WRITE)
    entry = await _entry(access, profile, chosen, entry_id)
    form = _change_form(profile, chosen, entry)
    if is_htmx(request):
        return await _section_page(request, profile, chosen, form=form)
    await _read(profile, chosen.key)
    return await _form_page(request, profile, chosen, form)


async def edit_save(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile = await _open(access, patient, Action.WRITE, _object(section))
    chosen = await _section(access, profile, section, Action.WRITE)
    entry = await _entry(access, profile, chosen, entry_id)
    sent = await request.form()
    version = read_version(sent)
    checked = read_form(chosen, sent, _today(request))
    if not checked.ok:
        # The version the form was read at stays: a change made meanwhile is still caught.
        form = _change_form(profile, chosen, entry, checked, version=version)
        return await _again(request, profile, chosen, form, 400)
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
        current = await services.get_entry(profile.reach.keyring, profile.subject, entry.id)
        if current is None:
            await _refuse(access, profile, Action.WRITE, f"profile:{entry.id}")
        return await _conflict(request, profile, chosen, current, checked)
    return await _after_saving(request, access, profile, chosen, entry.id, "changed")


# --------------------------------------------------------------------------- removing


async def _remove_page(
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
        entry=(await _shown(request, profile, [entry]))[0],
        version=entry.version,
        changed=changed,
        action=_address(profile, section, entry.id, "remove"),
        back=_address(profile, section),
        base=profile.base,
        in_space=profile.in_space,
        patient_name=await _patient_name(profile),
    )


async def remove_confirm(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    profile = await _open(access, patient, Action.WRITE, _object(section))
    chosen = await _section(access, profile, section, Action.WRITE)
    entry = await _entry(access, profile, chosen, entry_id)
    await _read(profile, chosen.key)
    return await _remove_page(request, profile, chosen, entry)


async def remove_save(
    request: Request[Any, Any, Any],
    access: Access,
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    profile = await _open(access, patient, Action.WRITE, _object(section))
    chosen = await _section(access, profile, section, Action.WRITE)
    entry = await _entry(access, profile, chosen, entry_id)
    removed = await services.remove_entry(
        patient=profile.subject,
        entry_id=entry.id,
        author=profile.me,
        version=read_version(await request.form()),
    )
    if not removed:
        # Changed since the person chose to remove it: what they would remove is not what they saw.
        current = await services.get_entry(profile.reach.keyring, profile.subject, entry.id)
        if current is None:
            await _refuse(access, profile, Action.WRITE, f"profile:{entry.id}")
        await _read(profile, chosen.key)
        return await _remove_page(request, profile, chosen, current, changed=True)
    return Redirect(path=f"{_address(profile, chosen)}?done=removed", status_code=303)


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
