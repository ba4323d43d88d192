"""The sections of the medical profile, in the profile's order: ``sections()`` (by key)
and ``section_of`` (a key from an address), with the plausible ranges of measurements.

Each section is defined by one function, in ``definitions_care`` (treatments to
measurements) or ``definitions_person`` (blood group to people to contact), from the
parts of ``fields`` and the words of ``vocabulary``.

The fields follow the profile's data contract (``Entry.data``): dates are ISO strings
("2026-03-03", typed in three boxes), times "HH:MM", choices their English keys, whose
words come from the catalogue. Everything is in the current language: ``sections()``
builds the definitions once per language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from portal.core.access import PROFILE_SECTION_KEYS
from portal.core.i18n import current_locale
from portal.profile import definitions_care, definitions_person
from portal.profile.fields import Section

ORDER = PROFILE_SECTION_KEYS


@dataclass(frozen=True)
class Range:
    """The values a measurement usually has: outside them, the person is asked to confirm."""

    low: Decimal
    high: Decimal


# Plausible values of each measurement (and of the lower number of blood pressure).
PLAUSIBLE = {
    "weight": Range(Decimal(2), Decimal(400)),
    "height": Range(Decimal(30), Decimal(250)),
    "blood_pressure": Range(Decimal(50), Decimal(300)),
    "heart_rate": Range(Decimal(20), Decimal(250)),
    "blood_sugar": Range(Decimal("0.2"), Decimal(6)),
}
DIASTOLIC = Range(Decimal(20), Decimal(200))

_BUILDERS: tuple[Callable[[], Section], ...] = (
    definitions_care.treatments,
    definitions_care.allergies,
    definitions_care.conditions,
    definitions_care.family_history,
    definitions_care.hospital_stays,
    definitions_care.vaccinations,
    definitions_care.measurements,
    definitions_person.blood_group,
    definitions_person.disabilities,
    definitions_person.lifestyle,
    definitions_person.directives,
    definitions_person.organ_donation,
    definitions_person.contacts,
)


@cache
def _sections(locale: str) -> dict[str, Section]:
    return {section.key: section for section in (build() for build in _BUILDERS)}


def sections() -> dict[str, Section]:
    """Every section, by key, in the order of the profile, in the current language."""
    return _sections(current_locale())


def section_of(key: str) -> Section | None:
    return sections().get(key) if key in ORDER else None
