"""The printable summary of the profile, in words: what a doctor, a nurse or the
emergency services need first (current treatments and when to take them, allergies and
intolerances, people to contact, the advance directives and the organ donation
position), read from the entries (``build_summary``), and the advance directives in
words (``directives_of``), for the page and for the PDFs.

The page is ``summary_routes``; the PDFs are ``summary_pdf`` (drawn by ``printout``);
filing them in the patient's documents is ``filing``. Words come from ``vocabulary``.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from portal.accounts.services import read_identity
from portal.core.i18n import gettext as _
from portal.core.i18n import long_date, today
from portal.core.keys import Keyring
from portal.profile.services import Entry, entries
from portal.profile.vocabulary import (
    ANSWERS,
    CONTACT_ROLES,
    DIRECTIVE_TREATMENTS,
    TIMES,
    allergy_kind_names,
    answer_names,
    contact_role_names,
    directive_treatment_names,
    donation_names,
    sedation_name,
    severity_names,
    situation_names,
)
from portal.settings import Settings

SUMMARY_SECTIONS = ("treatments", "allergies", "contacts", "directives", "organ_donation")
SEVERITY_ORDER = ("severe", "moderate", "mild", "")


def iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


@dataclass(frozen=True)
class Treatment:
    name: str
    dose: str
    times: frozenset[str]
    instructions: str
    prescriber: str


@dataclass(frozen=True)
class Allergy:
    substance: str
    kind: str
    reaction: str
    severity: str  # key: "mild", "moderate", "severe" or ""
    severity_name: str


@dataclass(frozen=True)
class Contact:
    name: str
    role: str  # key
    role_name: str
    relation: str
    phone: str
    email: str


@dataclass(frozen=True)
class Wish:
    treatment: str  # one of vocabulary.DIRECTIVE_TREATMENTS (the form asks them), or "sedation"
    name: str
    choice: str  # key of vocabulary.ANSWERS or ""
    choice_name: str


@dataclass(frozen=True)
class Directives:
    situation: str  # key
    situation_name: str
    wishes: list[Wish]
    sedation: Wish
    other_wishes: str
    place: str
    written_at: date | None
    written_at_name: str


@dataclass(frozen=True)
class Donation:
    position: str
    position_name: str
    note: str


@dataclass(frozen=True)
class Summary:
    """The summary in words of the current language, for the page and for the PDF."""

    name: str
    born: str  # the date of birth in words, or ""
    printed: date
    printed_name: str
    sections: frozenset[str]  # the sections shown (a professional sees their profession's)
    treatments: list[Treatment] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    directives: Directives | None = None
    donation: Donation | None = None


def _treatment(data: Mapping[str, object]) -> Treatment:
    times = data.get("times") or []
    chosen = frozenset(str(time) for time in times) if isinstance(times, list) else frozenset()
    return Treatment(
        name=_text(data.get("name")),
        dose=_text(data.get("dose")),
        times=chosen & frozenset(TIMES),
        instructions=_text(data.get("instructions")),
        prescriber=_text(data.get("prescriber")),
    )


def _allergy(data: Mapping[str, object]) -> Allergy:
    severity = _text(data.get("severity"))
    severity = severity if severity in severity_names() else ""
    return Allergy(
        substance=_text(data.get("substance")),
        kind=allergy_kind_names().get(_text(data.get("kind")), ""),
        reaction=_text(data.get("reaction")),
        severity=severity,
        severity_name=severity_names().get(severity, ""),
    )


def _contact(data: Mapping[str, object]) -> Contact:
    role = _text(data.get("role"))
    role = role if role in CONTACT_ROLES else "other"
    return Contact(
        name=_text(data.get("name")),
        role=role,
        role_name=contact_role_names()[role],
        relation=_text(data.get("relation")),
        phone=_text(data.get("phone")),
        email=_text(data.get("email")),
    )


def _wish(data: Mapping[str, object], treatment: str, name: str) -> Wish:
    choice = _text(data.get(treatment))
    choice = choice if choice in ANSWERS else ""
    return Wish(treatment=treatment, name=name, choice=choice, choice_name=answer_names().get(choice, ""))


def directives_of(data: Mapping[str, object]) -> Directives:
    """What a directives entry says, in words of the current language."""
    situation = _text(data.get("situation"))
    written_at = iso_date(data.get("written_at"))
    names = directive_treatment_names()
    return Directives(
        situation=situation,
        situation_name=situation_names().get(situation, ""),
        wishes=[_wish(data, key, names[key]) for key in DIRECTIVE_TREATMENTS],
        sedation=_wish(data, "sedation", sedation_name()),
        other_wishes=_text(data.get("other_wishes")),
        place=_text(data.get("place")),
        written_at=written_at,
        written_at_name=long_date(written_at) if written_at else "",
    )


def _donation(data: Mapping[str, object]) -> Donation:
    position = _text(data.get("position"))
    return Donation(
        position=position, position_name=donation_names().get(position, ""), note=_text(data.get("note"))
    )


async def _identity(keyring: Keyring, patient: uuid.UUID) -> tuple[str, str]:
    person = await read_identity(keyring, patient)
    if person is None:
        return "", ""
    name = f"{person.given_names} {person.family_name}".strip()
    born = iso_date(person.date_of_birth) if person.date_of_birth else None
    return name, long_date(born) if born else ""


async def build_summary(
    keyring: Keyring, settings: Settings, patient: uuid.UUID, readable: Collection[str]
) -> Summary:
    """The summary of ``patient``'s profile, keeping to the ``readable`` sections.

    Reading the entries is not audited here: the route audits the summary once.
    """
    sections = frozenset(SUMMARY_SECTIONS) & frozenset(readable)
    found = await entries(keyring, patient, sections=sections) if sections else []
    name, born = await _identity(keyring, patient)
    printed = today(settings.timezone)

    def of(section: str) -> list[Entry]:
        return [entry for entry in found if entry.section == section]

    allergies = sorted(
        (_allergy(entry.data) for entry in of("allergies")),
        key=lambda allergy: SEVERITY_ORDER.index(allergy.severity),
    )
    contacts = sorted(
        (_contact(entry.data) for entry in of("contacts")),
        key=lambda contact: CONTACT_ROLES.index(contact.role),
    )
    directives = of("directives")
    donation = of("organ_donation")
    return Summary(
        name=name,
        born=born,
        printed=printed,
        printed_name=long_date(printed),
        sections=sections,
        treatments=[_treatment(entry.data) for entry in of("treatments")],
        allergies=allergies,
        contacts=contacts,
        directives=directives_of(directives[-1].data) if directives else None,
        donation=_donation(donation[-1].data) if donation else None,
    )


def summary_title(printed: date) -> str:
    """The title of a filed summary: "Medical summary of 26 November 2026"."""
    return _("Medical summary of %(date)s", date=long_date(printed))


def summary_file_name(printed: date) -> str:
    """A clean name for the download, in the person's language: letters (accents
    dropped), digits and dashes only, "resume-medical-2026-11-26.pdf"."""
    plain = unicodedata.normalize("NFKD", _("medical-summary")).encode("ascii", "ignore").decode()
    stem = "-".join("".join(ch if ch.isalnum() else " " for ch in plain).split()).lower()
    return f"{stem or 'summary'}-{printed.isoformat()}.pdf"
