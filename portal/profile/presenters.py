"""What the profile's pages show: entries in words with who entered and changed them
(``Shown``), the overview's blocks (``overview_blocks``), the vaccinations due
(``due``) and the measurements' charts with their tables (``charts``).

Words come from ``wording`` (an entry) and ``vocabulary`` (the choices); the routes
give these to the templates of ``templates/profile/``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from litestar import Request
from markupsafe import Markup

from portal.accounts.services import read_identity
from portal.carers.services import author_names
from portal.core.i18n import format_day, today
from portal.core.i18n import gettext as _
from portal.profile import services, vaccines
from portal.profile.chart import Line, line_chart
from portal.profile.definitions import ORDER, sections
from portal.profile.door import Profile
from portal.profile.fields import Section
from portal.profile.numbers import measurement_text, number_words, parse_number
from portal.profile.vocabulary import KINDS, kind_names, units
from portal.profile.wording import Described, day_text, describe

# How many facts of a section the overview shows before "and N more".
OVERVIEW_LINES = 5
# The sections whose every line the overview shows.
EVERYTHING = ("treatments", "allergies", "contacts", "measurements")

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


async def shown(
    request: Request[Any, Any, Any], profile: Profile, found: list[services.Entry]
) -> list[Shown]:
    """The entries in words, naming their authors as they are (each person opened once)."""
    authors = [who for entry in found for who in (entry.entered_by, entry.updated_by)]
    names = await author_names(profile.reach.keyring, profile.me, profile.subject, authors)
    entries = []
    for entry in found:
        added, changed = _authorship(request, profile, names, entry)
        entries.append(
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
    return entries


def latest_first(entries: Iterable[Shown], *fields: str) -> list[Shown]:
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


def _given(found: Iterable[services.Entry]) -> list[vaccines.Given]:
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
    return given


async def due(request: Request[Any, Any, Any], profile: Profile, found: Iterable[services.Entry]) -> Due:
    """The national schedule's reminders for the patient's age and what they had."""
    identity = await read_identity(profile.reach.keyring, profile.subject, ("date_of_birth",))
    try:
        born = date.fromisoformat(identity.date_of_birth) if identity and identity.date_of_birth else None
    except ValueError:
        born = None
    if born is None:
        return Due(known=False)
    now = today(request.app.state.settings.timezone)
    return Due(known=True, reminders=vaccines.reminders(born, _given(found), now))


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


def when(data: dict[str, Any]) -> tuple[str, str]:
    """When a measurement was taken, to sort them: its day, then its time."""
    return str(data.get("taken") or ""), str(data.get("time") or "")


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


def _svg(kind: str, title: str, unit: str, found: list[Shown]) -> Markup:
    """The chart of one kind of measurement (two lines for blood pressure), oldest first."""
    lines = [Line(title, _points(found, "value"))]
    if kind == "blood_pressure":
        lines = [
            Line(_("Higher number"), _points(found, "value")),
            Line(_("Lower number"), _points(found, "value2")),
        ]
    lines = [line for line in lines if line.points]
    if not lines:
        return Markup("")
    return line_chart(
        f"chart-{kind}",
        _("%(what)s (%(unit)s)", what=title, unit=unit),
        _describe_chart(kind, found),
        lines,
        day_label=lambda day: day_text(day.isoformat()),
        number_label=lambda value: number_words(f"{value:g}"),
    )


def _row(kind: str, entry: Shown) -> Row:
    data = entry.data
    return Row(
        entry=entry,
        when=day_text(data.get("taken")) + (f", {data['time']}" if data.get("time") else ""),
        value=number_words(data.get("value")),
        value2=number_words(data.get("value2")) if kind == "blood_pressure" else "",
    )


def charts(entries: list[Shown]) -> list[Chart]:
    """For each kind of measurement with values: its chart and its table's rows."""
    by_kind: dict[str, list[Shown]] = defaultdict(list)
    for entry in entries:
        by_kind[str(entry.data.get("kind", ""))].append(entry)
    names, unit_names = kind_names(), units()
    found_charts = []
    for kind in KINDS:
        found = sorted(by_kind.get(kind, []), key=lambda e: when(e.data))
        if not found:
            continue
        svg = _svg(kind, names[kind], unit_names[kind], found)
        rows = [_row(kind, e) for e in reversed(found)]
        found_charts.append(Chart(kind, names[kind], unit_names[kind], svg, rows))
    return found_charts


# --------------------------------------------------------------------------- the overview


@dataclass(frozen=True)
class Block:
    section: Section
    lines: list[str]
    more: int
    count: int


def _overview_lines(key: str, entries: list[Shown]) -> list[str]:
    if key == "measurements":
        latest: dict[str, Shown] = {}
        for entry in sorted(entries, key=lambda e: when(e.data)):
            latest[str(entry.data.get("kind", ""))] = entry
        return [latest[kind].described.line for kind in KINDS if kind in latest]
    if key == "vaccinations":
        entries = latest_first(entries, "given")
    elif key == "hospital_stays":
        entries = latest_first(entries, "admitted")
    return [entry.described.line for entry in entries if entry.described.line]


def overview_blocks(profile: Profile, entries: list[Shown]) -> list[Block]:
    """One block for each section the actor may reach, in the profile's order: its key
    facts (all of them, or the first few and how many more) and its number of entries."""
    by_section: dict[str, list[Shown]] = defaultdict(list)
    for entry in entries:
        by_section[entry.section].append(entry)
    blocks = []
    for key in ORDER:
        if key not in profile.sections:
            continue
        lines = _overview_lines(key, by_section.get(key, []))
        shown_lines = lines if key in EVERYTHING else lines[:OVERVIEW_LINES]
        blocks.append(
            Block(sections()[key], shown_lines, len(lines) - len(shown_lines), len(by_section.get(key, [])))
        )
    return blocks
