"""The medical profile's pages, for the patient (under /space/profile) and for the
professionals of their circle (under /pro/patients/{patient}/profile).

The overview shows every section the person may reach with its key facts; each section
has its page listing its entries, who entered each one and who changed it last. Adding
and changing is one entry per page: without JavaScript, plain forms on pages of their
own (POST, then 303 back to the section with a banner); with htmx, the same addresses
answer with the section's part (``profile/_section.html``) with the form open in place,
and a form sent in place comes back as that part, updated or with its errors.

Every route asks the access policy for the profile area, then for the section
(``profile_sections``): a professional sees and adds to the sections of their
profession, and changes or removes only what they entered. Anything else is a 404,
audited. Each page that shows entries writes one ``profile.read`` event.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from markupsafe import Markup

from portal.accounts.people import Person, actor_of, names_of
from portal.accounts.services import read_identity
from portal.core.access import Action, Actor, Area, Role, profile_sections, require
from portal.core.i18n import format_day
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.records import record
from portal.core.sessions import SignedIn, requires_role, signed_in
from portal.core.web import is_htmx, page
from portal.profile import services, vaccines
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
BOTH = [requires_role(Role.PATIENT, Role.PROFESSIONAL)]
DONE = frozenset({"added", "changed", "removed", "directives"})
# How many facts of a section the overview shows before "and N more".
OVERVIEW_LINES = 5


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


def _today(request: Request[Any, Any, Any]) -> date:
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


def both(path: str) -> list[str]:
    return [PATIENT_BASE + path, PRO_BASE + path]


# --------------------------------------------------------------------------- who may reach what


@dataclass(frozen=True)
class Reach:
    """Who is looking, at whose profile, and which sections they may reach there."""

    user: SignedIn
    actor: Actor
    patient: uuid.UUID
    sections: frozenset[str]
    base: str

    @property
    def is_patient(self) -> bool:
        return self.user.role is Role.PATIENT

    @property
    def author_role(self) -> str:
        return "patient" if self.is_patient else "professional"

    @property
    def me(self) -> uuid.UUID:
        return self.user.account_id

    def may_change(self, entry: services.Entry) -> bool:
        """The patient changes anything of theirs; a professional what they entered."""
        return self.is_patient or entry.entered_by == self.me


def _object(section: str) -> str:
    """The audit trail's name of a section (an unknown one is not repeated)."""
    return f"profile:{section}" if section in ORDER else "profile:unknown"


async def _reach(
    request: Request[Any, Any, Any], patient: uuid.UUID | None, action: Action, object_id: str
) -> Reach:
    """Ask the access policy; a patient's own pages have no patient in their address,
    a professional's always have one (anything else is not there: 404)."""
    user = signed_in(request)
    if (patient is None) != (user.role is Role.PATIENT):
        raise NotFoundException()
    actor = await actor_of(user)
    subject = user.account_id if patient is None else patient
    await require(actor, subject, Area.PROFILE, action, object_id)
    base = PATIENT_BASE if patient is None else f"/pro/patients/{patient}/profile"
    return Reach(user, actor, subject, profile_sections(actor, subject), base)


async def _section(reach: Reach, key: str, verb: str) -> Section:
    """The section of the address, if the person may reach it (else a 404, audited)."""
    section = section_of(key)
    if section is None or key not in reach.sections:
        await record(reach.me, reach.patient, "profile", f"profile.{verb}", _object(key), "denied")
        raise NotFoundException()
    return section


async def _entry(
    request: Request[Any, Any, Any], reach: Reach, section: Section, entry_id: uuid.UUID, verb: str
) -> services.Entry:
    """An entry of this section of the patient's profile that the person may change."""
    entry = await services.get_entry(_keyring(request), reach.patient, entry_id)
    if entry is None or entry.section != section.key or not reach.may_change(entry):
        await record(reach.me, reach.patient, "profile", f"profile.{verb}", f"profile:{entry_id}", "denied")
        raise NotFoundException()
    return entry


async def _read(reach: Reach, what: str) -> None:
    await record(reach.me, reach.patient, "profile", "profile.read", f"profile:{what}")


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


def _someone(reach: Reach, people: dict[uuid.UUID, Person], who: uuid.UUID | None) -> Person | str | None:
    """Who entered or changed an entry, for the reader: None for the reader themself, a
    Person for a professional, else how to name them."""
    if who is not None and who == reach.me:
        return None
    if who is not None and who == reach.patient:
        return _("the patient")
    person = people.get(who) if who else None
    if person is None or not person.name:
        return _("a person whose space is closed")
    return person if person.profession_name else person.name


def _authorship(
    request: Request[Any, Any, Any], reach: Reach, people: dict[uuid.UUID, Person], entry: services.Entry
) -> tuple[str, str | None]:
    """ "Added by you on 3 March 2026", "Added by Dr Anne Martin, general practitioner, on
    3 March 2026", and the same for the last change."""
    timezone = request.app.state.settings.timezone
    day = format_day(entry.entered_at, timezone)
    author = _someone(reach, people, entry.entered_by)
    if author is None:
        added = _("Added by you on %(day)s", day=day)
    elif isinstance(author, Person):
        added = _(
            "Added by %(name)s, %(profession)s, on %(day)s",
            name=author.name,
            profession=author.profession_name,
            day=day,
        )
    else:
        added = _("Added by %(name)s on %(day)s", name=author, day=day)
    if entry.updated_at is None:
        return added, None
    day = format_day(entry.updated_at, timezone)
    changer = _someone(reach, people, entry.updated_by)
    if changer is None:
        return added, _("Changed by you on %(day)s", day=day)
    if isinstance(changer, Person):
        return added, _(
            "Changed by %(name)s, %(profession)s, on %(day)s",
            name=changer.name,
            profession=changer.profession_name,
            day=day,
        )
    return added, _("Changed by %(name)s on %(day)s", name=changer, day=day)


async def _shown(request: Request[Any, Any, Any], reach: Reach, found: list[services.Entry]) -> list[Shown]:
    """The entries in words, naming their authors (each person opened once)."""
    authors = {e.entered_by for e in found} | {e.updated_by for e in found}
    wanted = [a for a in authors if a is not None and a not in (reach.me, reach.patient)]
    people = await names_of(_keyring(request), wanted)
    shown = []
    for entry in found:
        added, changed = _authorship(request, reach, people, entry)
        shown.append(
            Shown(
                id=entry.id,
                section=entry.section,
                data=entry.data,
                described=describe(entry.section, entry.data),
                added=added,
                changed=changed,
                may_change=reach.may_change(entry),
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


async def _due(request: Request[Any, Any, Any], reach: Reach, found: Iterable[services.Entry]) -> Due:
    identity = await read_identity(_keyring(request), reach.patient)
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


@dataclass
class Form:
    """The form of an entry, open on a page: to add one, or to change ``entry_id``."""

    action: str
    heading: str
    cancel: str
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    confirm: str | None = None
    entry_id: uuid.UUID | None = None


async def _patient_name(request: Request[Any, Any, Any], reach: Reach) -> str:
    if reach.is_patient:
        return ""
    person = (await names_of(_keyring(request), [reach.patient])).get(reach.patient)
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
    reach: Reach,
    section: Section,
    *,
    template: str = "profile/section.html",
    form: Form | None = None,
    status: int = 200,
) -> Template:
    """The section's page (or its part, for htmx), its entries shown, audited once."""
    keyring = _keyring(request)
    found = await services.entries(keyring, reach.patient, [section.key])
    shown = await _shown(request, reach, found)
    if section.key == "vaccinations":
        shown = _latest_first(shown, "given")
    due = await _due(request, reach, found) if section.key == "vaccinations" else None
    await _read(reach, section.key)
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
        base=reach.base,
        may_add=not section.single or not shown,
        is_patient=reach.is_patient,
        patient_name=await _patient_name(request, reach),
        done=_done(request),
        focus=_focus(request),
        in_place=is_htmx(request),
        fields=section.fields,
    )


def _address(reach: Reach, section: Section, entry_id: uuid.UUID | None = None, verb: str = "") -> str:
    if entry_id is None:
        return f"{reach.base}/{section.key}" + (f"/{verb}" if verb else "")
    return f"{reach.base}/{section.key}/{entry_id}/{verb}"


def _add_form(reach: Reach, section: Section, checked: Checked | None = None) -> Form:
    return Form(
        action=_address(reach, section, verb="add"),
        heading=section.add_heading,
        cancel=f"{_address(reach, section)}?entry=add",
        values=checked.values if checked else values_of(section, {}),
        errors=checked.errors if checked else {},
        confirm=checked.confirm if checked else None,
    )


def _change_form(
    reach: Reach, section: Section, entry: services.Entry, checked: Checked | None = None
) -> Form:
    return Form(
        action=_address(reach, section, entry.id, "edit"),
        heading=section.change_heading,
        cancel=f"{_address(reach, section)}?entry={entry.id}",
        values=checked.values if checked else values_of(section, entry.data),
        errors=checked.errors if checked else {},
        confirm=checked.confirm if checked else None,
        entry_id=entry.id,
    )


async def _single_entry(
    request: Request[Any, Any, Any], reach: Reach, section: Section
) -> services.Entry | None:
    if not section.single:
        return None
    found = await services.entries(_keyring(request), reach.patient, [section.key])
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


@get(both(""), name="profile", guards=BOTH)
async def show_overview(
    request: Request[Any, Any, Any], patient: FromPath[uuid.UUID | None] = None
) -> Template:
    reach = await _reach(request, patient, Action.READ, "profile:overview")
    keyring = _keyring(request)
    found = await services.entries(keyring, reach.patient, reach.sections)
    shown = await _shown(request, reach, found)
    by_section: dict[str, list[Shown]] = defaultdict(list)
    for entry in shown:
        by_section[entry.section].append(entry)
    blocks = []
    everything = ("treatments", "allergies", "contacts", "measurements")
    for key in ORDER:
        if key not in reach.sections:
            continue
        lines = _overview_lines(key, by_section.get(key, []))
        shown_lines = lines if key in everything else lines[:OVERVIEW_LINES]
        blocks.append(
            Block(sections()[key], shown_lines, len(lines) - len(shown_lines), len(by_section.get(key, [])))
        )
    due = await _due(request, reach, found) if "vaccinations" in reach.sections else None
    await _read(reach, "overview")
    return page(
        request,
        "profile/overview.html",
        blocks=blocks,
        due=due,
        base=reach.base,
        is_patient=reach.is_patient,
        patient_id=reach.patient,
        patient_name=await _patient_name(request, reach),
        # The printable summary (portal.profile.summary_routes) starts with the treatments.
        summary_href=f"{reach.base}/summary" if "treatments" in reach.sections else None,
    )


# --------------------------------------------------------------------------- a section


@get(both("/{section:str}"), name="profile_section", guards=BOTH)
async def show_section(
    request: Request[Any, Any, Any], section: FromPath[str], patient: FromPath[uuid.UUID | None] = None
) -> Template:
    reach = await _reach(request, patient, Action.READ, _object(section))
    chosen = await _section(reach, section, "read")
    return await _section_page(request, reach, chosen)


# --------------------------------------------------------------------------- adding


@get(both("/{section:str}/add"), name="profile_add", guards=BOTH)
async def add_form(
    request: Request[Any, Any, Any], section: FromPath[str], patient: FromPath[uuid.UUID | None] = None
) -> Response[Any]:
    reach = await _reach(request, patient, Action.WRITE, _object(section))
    chosen = await _section(reach, section, "add")
    existing = await _single_entry(request, reach, chosen)
    if existing is not None:
        # One entry at most: its form is the one to change it.
        if not reach.may_change(existing):
            raise NotFoundException()
        return Redirect(path=_address(reach, chosen, existing.id, "edit"), status_code=303)
    form = _add_form(reach, chosen)
    if is_htmx(request):
        return await _section_page(request, reach, chosen, form=form)
    return await _form_page(request, reach, chosen, form)


async def _form_page(
    request: Request[Any, Any, Any], reach: Reach, section: Section, form: Form, status: int = 200
) -> Template:
    return page(
        request,
        "profile/form.html",
        status=status,
        section=section,
        form=form,
        values=form.values,
        errors=form.errors,
        base=reach.base,
        is_patient=reach.is_patient,
        patient_name=await _patient_name(request, reach),
        in_place=False,
        fields=section.fields,
    )


async def _refused(request: Request[Any, Any, Any], reach: Reach, section: Section, form: Form) -> Template:
    """The form again, with its errors and everything typed: in place for htmx."""
    if is_htmx(request):
        return await _section_page(request, reach, section, form=form, status=400)
    return await _form_page(request, reach, section, form, status=400)


async def _after_saving(
    request: Request[Any, Any, Any], reach: Reach, section: Section, entry_id: uuid.UUID, done: str
) -> Redirect:
    """Directives are also filed as a document; then back to the section, with a banner.
    (With htmx, the browser follows the redirect and swaps the section in place.)"""
    if section.key == "directives":
        from portal.profile.summary import file_directives

        entry = await services.get_entry(_keyring(request), reach.patient, entry_id)
        assert entry is not None
        await file_directives(
            _keyring(request),
            request.app.state.settings,
            patient=reach.patient,
            author=reach.me,
            author_role=reach.author_role,
            entry=entry,
        )
        done = "directives"
    return Redirect(path=f"{_address(reach, section)}?done={done}&entry={entry_id}", status_code=303)


@post(both("/{section:str}/add"), name="profile_add_save", guards=BOTH, status_code=303)
async def add_save(
    request: Request[Any, Any, Any], section: FromPath[str], patient: FromPath[uuid.UUID | None] = None
) -> Response[Any]:
    reach = await _reach(request, patient, Action.WRITE, _object(section))
    chosen = await _section(reach, section, "add")
    checked = read_form(chosen, await request.form(), _today(request))
    existing = await _single_entry(request, reach, chosen)
    if existing is not None:
        # Added meanwhile (another tab): what was typed changes the one entry.
        if not reach.may_change(existing):
            await record(reach.me, reach.patient, "profile", "profile.add", _object(section), "denied")
            raise NotFoundException()
        if not checked.ok:
            return await _refused(request, reach, chosen, _change_form(reach, chosen, existing, checked))
        await services.update_entry(
            _keyring(request), patient=reach.patient, entry=existing, data=checked.data, author=reach.me
        )
        return await _after_saving(request, reach, chosen, existing.id, "changed")
    if not checked.ok:
        return await _refused(request, reach, chosen, _add_form(reach, chosen, checked))
    entry_id = await services.add_entry(
        _keyring(request),
        patient=reach.patient,
        section=chosen.key,
        data=checked.data,
        author=reach.me,
        author_role=reach.author_role,
    )
    return await _after_saving(request, reach, chosen, entry_id, "added")


# --------------------------------------------------------------------------- changing


@get(both("/{section:str}/{entry_id:uuid}/edit"), name="profile_edit", guards=BOTH)
async def edit_form(
    request: Request[Any, Any, Any],
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    reach = await _reach(request, patient, Action.WRITE, _object(section))
    chosen = await _section(reach, section, "change")
    entry = await _entry(request, reach, chosen, entry_id, "change")
    form = _change_form(reach, chosen, entry)
    if is_htmx(request):
        return await _section_page(request, reach, chosen, form=form)
    await _read(reach, chosen.key)
    return await _form_page(request, reach, chosen, form)


@post(both("/{section:str}/{entry_id:uuid}/edit"), name="profile_edit_save", guards=BOTH, status_code=303)
async def edit_save(
    request: Request[Any, Any, Any],
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Response[Any]:
    reach = await _reach(request, patient, Action.WRITE, _object(section))
    chosen = await _section(reach, section, "change")
    entry = await _entry(request, reach, chosen, entry_id, "change")
    checked = read_form(chosen, await request.form(), _today(request))
    if not checked.ok:
        return await _refused(request, reach, chosen, _change_form(reach, chosen, entry, checked))
    await services.update_entry(
        _keyring(request), patient=reach.patient, entry=entry, data=checked.data, author=reach.me
    )
    return await _after_saving(request, reach, chosen, entry.id, "changed")


# --------------------------------------------------------------------------- removing


@get(both("/{section:str}/{entry_id:uuid}/remove"), name="profile_remove", guards=BOTH)
async def remove_confirm(
    request: Request[Any, Any, Any],
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Template:
    reach = await _reach(request, patient, Action.WRITE, _object(section))
    chosen = await _section(reach, section, "remove")
    entry = await _entry(request, reach, chosen, entry_id, "remove")
    await _read(reach, chosen.key)
    return page(
        request,
        "profile/remove.html",
        section=section_of(chosen.key),
        entry=(await _shown(request, reach, [entry]))[0],
        action=_address(reach, chosen, entry.id, "remove"),
        back=_address(reach, chosen),
        base=reach.base,
        is_patient=reach.is_patient,
        patient_name=await _patient_name(request, reach),
    )


@post(both("/{section:str}/{entry_id:uuid}/remove"), name="profile_remove_save", guards=BOTH, status_code=303)
async def remove_save(
    request: Request[Any, Any, Any],
    section: FromPath[str],
    entry_id: FromPath[uuid.UUID],
    patient: FromPath[uuid.UUID | None] = None,
) -> Redirect:
    reach = await _reach(request, patient, Action.WRITE, _object(section))
    chosen = await _section(reach, section, "remove")
    entry = await _entry(request, reach, chosen, entry_id, "remove")
    await services.remove_entry(patient=reach.patient, entry_id=entry.id, author=reach.me)
    return Redirect(path=f"{_address(reach, chosen)}?done=removed", status_code=303)


ROUTES = [
    show_overview,
    show_section,
    add_form,
    add_save,
    edit_form,
    edit_save,
    remove_confirm,
    remove_save,
]
