"""Turning an entry's stored values into words: days ("3 March 2026"), and ``describe``:
an entry's title, its facts (label, value) and its one line for the overview, by section.

The words of the choices come from ``vocabulary``; numbers from ``numbers``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.core.i18n import gettext as _
from portal.core.i18n import long_date
from portal.profile.numbers import measurement_text
from portal.profile.vaccines import vaccine_names
from portal.profile.vocabulary import (
    allergy_kind_names,
    answer_names,
    contact_role_answers,
    directive_treatment_names,
    donation_answers,
    kind_names,
    sedation_name,
    severity_names,
    situation_answers,
    time_names,
    topic_names,
)


def day_text(iso: object) -> str:
    """ "3 March 2026" from "2026-03-03" (what is stored, as it is, when it is not a date)."""
    if not iso:
        return ""
    try:
        return long_date(date.fromisoformat(str(iso)))
    except ValueError:
        return str(iso)


@dataclass(frozen=True)
class Described:
    """An entry in words: a title, then (label, value) facts, and one short line for the overview."""

    title: str
    facts: tuple[tuple[str, str], ...]
    line: str


class _Values:
    """An entry's stored values, each as text ("" when missing or a list)."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def __call__(self, name: str) -> str:
        value = self.data.get(name)
        return "" if value is None or isinstance(value, list) else str(value)


def _facts(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def _treatment(get: _Values) -> Described:
    names = time_names()
    times = ", ".join(names[t] for t in get.data.get("times") or [] if t in names)
    facts = _facts(
        [
            (_("Dose"), get("dose")),
            (_("When"), times),
            (_("How"), get("instructions")),
            (_("Prescribed by"), get("prescriber")),
            (_("Since"), day_text(get("started"))),
        ]
    )
    line = " – ".join(part for part in (get("name"), get("dose"), times) if part)
    return Described(get("name"), facts, line)


def _allergy(get: _Values) -> Described:
    kind = allergy_kind_names().get(get("kind"), "")
    severity = severity_names().get(get("severity"), "")
    facts = _facts([(_("Kind"), kind), (_("Reaction"), get("reaction")), (_("How serious"), severity)])
    details = ", ".join(part for part in (kind.lower(), severity.lower()) if part)
    line = get("substance") + (f" ({details})" if details else "")
    return Described(get("substance"), facts, line)


def _condition(get: _Values) -> Described:
    since = day_text(get("since"))
    facts = _facts([(_("Since"), since), (_("Notes"), get("notes"))])
    line = get("name") + (" – " + _("since %(day)s", day=since) if since else "")
    return Described(get("name"), facts, line)


def _family_history(get: _Values) -> Described:
    facts = _facts([(_("Who"), get("relative")), (_("Notes"), get("notes"))])
    return Described(get("condition"), facts, f"{get('condition')} ({get('relative')})")


def _hospital_stay(get: _Values) -> Described:
    admitted, left = day_text(get("admitted")), day_text(get("left"))
    facts = _facts([(_("Why"), get("reason")), (_("Came in"), admitted), (_("Left"), left)])
    line = get("hospital") + (f" – {admitted}" if admitted else "")
    return Described(get("hospital"), facts, line)


def _vaccination(get: _Values) -> Described:
    other = get("vaccine") == "other" and get("name")
    name = get("name") if other else vaccine_names().get(get("vaccine"), "")
    given = day_text(get("given"))
    facts = _facts([(_("Given on"), given), (_("Batch"), get("batch")), (_("Given by"), get("given_by"))])
    return Described(name or "", facts, f"{name} – {given}")


def _measurement(get: _Values) -> Described:
    kind = get("kind")
    shown = measurement_text(kind, get.data)
    taken = day_text(get("taken")) + (f", {get('time')}" if get("time") else "")
    facts = _facts([(_("Value"), shown), (_("Taken on"), taken)])
    title = kind_names().get(kind, "")
    return Described(title, facts, f"{title}: {shown} ({taken})")


def _blood_group(get: _Values) -> Described:
    return Described(get("group"), (), get("group"))


def _disability(get: _Values) -> Described:
    facts = _facts([(_("What helps"), get("aids"))])
    return Described(get("description"), facts, get("description"))


def _lifestyle(get: _Values) -> Described:
    topic = topic_names().get(get("topic"), "")
    facts = _facts([(_("Details"), get("details"))])
    line = topic + (f": {get('details')}" if get("details") else "")
    return Described(topic, facts, line)


def _directives(get: _Values) -> Described:
    answers = answer_names()
    named = [*directive_treatment_names().items(), ("sedation", sedation_name())]
    choices = [(label, answers.get(get(name), "")) for name, label in named]
    written = day_text(get("written_at"))
    facts = _facts(
        [
            (_("Situation"), situation_answers().get(get("situation"), "")),
            *choices,
            (_("Other wishes"), get("other_wishes")),
            (_("Written in"), get("place")),
            (_("Written on"), written),
        ]
    )
    line = _("Written on %(day)s", day=written) if written else ""
    return Described(_("My advance directives"), facts, line)


def _organ_donation(get: _Values) -> Described:
    position = donation_answers().get(get("position"), "")
    return Described(position, _facts([(_("Note"), get("note"))]), position)


def _contact(get: _Values) -> Described:
    role = contact_role_answers().get(get("role"), "")
    facts = _facts(
        [
            (_("For you"), role),
            (_("Relation"), get("relation")),
            (_("Phone"), get("phone")),
            (_("Email"), get("email")),
        ]
    )
    line = ", ".join(part for part in (get("name"), get("relation"), get("phone")) if part)
    return Described(get("name"), facts, line)


_DESCRIBERS: dict[str, Callable[[_Values], Described]] = {
    "treatments": _treatment,
    "allergies": _allergy,
    "conditions": _condition,
    "family_history": _family_history,
    "hospital_stays": _hospital_stay,
    "vaccinations": _vaccination,
    "measurements": _measurement,
    "blood_group": _blood_group,
    "disabilities": _disability,
    "lifestyle": _lifestyle,
    "directives": _directives,
    "organ_donation": _organ_donation,
    "contacts": _contact,
}


def describe(section_key: str, data: Mapping[str, Any]) -> Described:
    """The words that show an entry of ``section_key``."""
    describer = _DESCRIBERS.get(section_key)
    return describer(_Values(data)) if describer else Described("", (), "")
