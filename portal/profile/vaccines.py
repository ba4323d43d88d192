"""The French national vaccination schedule, and what it asks of one person now.

The schedule follows the "Calendrier des vaccinations et recommandations vaccinales 2025"
of the Ministère de la Santé (with the Haute Autorité de Santé), for everyone by age;
recommendations for particular situations (pregnancy, chronic illness, travel, work) are
left to the professionals:

- babies: diphtheria, tetanus, whooping cough, polio, Hib and hepatitis B in one injection
  at 2, 4 and 11 months; pneumococcus at 2, 4 and 11 months; meningococcus B at 3, 5 and
  12 months; meningococcus ACWY at 6 and 12 months; rotavirus at 2 and 3 months (before
  6 months); measles, mumps and rubella at 12 and 16-18 months (and two doses in all for
  everyone born since 1980);
- children: a diphtheria, tetanus, whooping cough and polio booster at 6, then at 11-13;
  papillomavirus (2 doses) and meningococcus ACWY from 11 to 14, catch-up until 19 and 24;
- adults: a diphtheria, tetanus and polio booster (with whooping cough at 25) at the fixed
  ages of 25, 45 and 65, then every 10 years (75, 85...). A dose given less than 5 years
  before a fixed age stands for it (the next booster is at the following fixed age), and
  a booster long missed is given at once;
- from 65: flu and COVID-19 every autumn, one dose of pneumococcus vaccine, shingles
  (2 doses 2 months apart); from 75: RSV (one dose).

The schedule is data (``SCHEDULE``): each track says which recorded vaccines count, at
which ages its doses are due, from which age a dose counts, and until which age it is
still offered. ``reminders`` reads it against what is recorded.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal.core.i18n import gettext as _

YEAR = 12  # ages are in months
HORIZON = timedelta(days=183)  # "coming soon": due within about six months
# The autumn campaign (flu, COVID-19) runs from mid-October to the end of January; a dose
# given from September on counts for the season.
CAMPAIGN_START = (10, 15)
CAMPAIGN_END = (1, 31)
SEASON_COUNTS_FROM = (9, 1)


def vaccine_names() -> dict[str, str]:
    """The vaccines a person may record, by key, in the current language ("other" last)."""
    return {
        "dtp": _("Diphtheria, tetanus and polio (with or without whooping cough)"),
        "hexavalent": _(
            "Baby's 6-in-1 vaccine (diphtheria, tetanus, whooping cough, polio, Hib, hepatitis B)"
        ),
        "pneumococcal": _("Pneumococcus"),
        "meningococcal_b": _("Meningococcus B"),
        "meningococcal_acwy": _("Meningococcus ACWY"),
        "meningococcal_c": _("Meningococcus C"),
        "mmr": _("Measles, mumps and rubella (MMR)"),
        "rotavirus": _("Rotavirus"),
        "hpv": _("Papillomavirus (HPV)"),
        "hepatitis_b": _("Hepatitis B"),
        "flu": _("Flu"),
        "covid": _("COVID-19"),
        "shingles": _("Shingles"),
        "rsv": _("RSV (respiratory syncytial virus)"),
        "bcg": _("Tuberculosis (BCG)"),
        "other": _("Another vaccine"),
    }


VACCINES = frozenset(
    {
        "dtp",
        "hexavalent",
        "pneumococcal",
        "meningococcal_b",
        "meningococcal_acwy",
        "meningococcal_c",
        "mmr",
        "rotavirus",
        "hpv",
        "hepatitis_b",
        "flu",
        "covid",
        "shingles",
        "rsv",
        "bcg",
        "other",
    }
)


@dataclass(frozen=True)
class Doses:
    """Doses due at given ages: the n-th dose is due from ``ages[n]`` once n doses given
    from ``counts_from`` are recorded; nothing is asked from the age ``until`` on."""

    track: str
    vaccines: frozenset[str]  # recorded vaccines that count
    ages: tuple[int, ...]  # in months
    counts_from: int  # in months: a dose given from this age on counts
    until: int | None  # in months: no longer offered from this age
    label: Callable[[], str]
    born_from: date | None = None  # only for people born on or after this day


@dataclass(frozen=True)
class EveryAutumn:
    """One dose each autumn campaign, from ``from_age`` on."""

    track: str
    vaccines: frozenset[str]
    from_age: int  # in months
    label: Callable[[], str]


Step = Doses | EveryAutumn

DTP = frozenset({"dtp", "hexavalent"})


def _adult_boosters() -> list[Doses]:
    """Diphtheria, tetanus and polio at 25, 45, 65, then every 10 years."""
    ages = [25, 45, 65, 75, 85, 95, 105]
    boosters = []
    for number, age in enumerate(ages):
        following = ages[number + 1] * YEAR if number + 1 < len(ages) else None
        boosters.append(
            Doses(
                track=f"dtp-{age}",
                vaccines=DTP,
                ages=(age * YEAR,),
                counts_from=(age - 5) * YEAR,
                until=following,
                label=_booster_label(age),
            )
        )
    return boosters


def _booster_label(age: int) -> Callable[[], str]:
    if age == 25:
        return lambda: _("Diphtheria, tetanus, whooping cough and polio: the booster at 25")
    return lambda: _("Diphtheria, tetanus and polio: the booster at %(age)d", age=age)


SCHEDULE: tuple[Step, ...] = (
    # Babies and children
    Doses(
        "hexavalent",
        frozenset({"hexavalent"}),
        (2, 4, 11),
        0,
        6 * YEAR,
        lambda: _("Diphtheria, tetanus, whooping cough, polio, Hib and hepatitis B (6-in-1)"),
    ),
    Doses(
        "pneumococcal-baby", frozenset({"pneumococcal"}), (2, 4, 11), 0, 2 * YEAR, lambda: _("Pneumococcus")
    ),
    Doses(
        "meningococcal-b",
        frozenset({"meningococcal_b"}),
        (3, 5, 12),
        0,
        2 * YEAR,
        lambda: _("Meningococcus B"),
    ),
    Doses(
        "meningococcal-acwy-baby",
        frozenset({"meningococcal_acwy"}),
        (6, 12),
        0,
        2 * YEAR,
        lambda: _("Meningococcus ACWY"),
    ),
    Doses("rotavirus", frozenset({"rotavirus"}), (2, 3), 0, 6, lambda: _("Rotavirus")),
    Doses(
        "mmr",
        frozenset({"mmr"}),
        (12, 16),
        12,
        None,
        lambda: _("Measles, mumps and rubella (MMR)"),
        born_from=date(1980, 1, 1),
    ),
    Doses(
        "dtp-6",
        DTP,
        (6 * YEAR,),
        5 * YEAR,
        11 * YEAR,
        lambda: _("Diphtheria, tetanus, whooping cough and polio: the booster at 6"),
    ),
    Doses(
        "dtp-11",
        DTP,
        (11 * YEAR,),
        10 * YEAR,
        25 * YEAR,
        lambda: _("Diphtheria, tetanus, whooping cough and polio: the booster at 11 to 13"),
    ),
    Doses(
        "hpv",
        frozenset({"hpv"}),
        (11 * YEAR, 11 * YEAR + 6),
        9 * YEAR,
        20 * YEAR,
        lambda: _("Papillomavirus (HPV)"),
    ),
    Doses(
        "meningococcal-acwy-teen",
        frozenset({"meningococcal_acwy"}),
        (11 * YEAR,),
        10 * YEAR,
        25 * YEAR,
        lambda: _("Meningococcus ACWY: the dose at 11 to 14"),
    ),
    # Adults
    *_adult_boosters(),
    EveryAutumn("flu", frozenset({"flu"}), 65 * YEAR, lambda: _("Flu: every autumn from 65")),
    EveryAutumn("covid", frozenset({"covid"}), 65 * YEAR, lambda: _("COVID-19: every autumn from 65")),
    Doses(
        "pneumococcal-adult",
        frozenset({"pneumococcal"}),
        (65 * YEAR,),
        50 * YEAR,
        None,
        lambda: _("Pneumococcus: one dose from 65"),
    ),
    Doses(
        "shingles",
        frozenset({"shingles"}),
        (65 * YEAR, 65 * YEAR + 2),
        50 * YEAR,
        None,
        lambda: _("Shingles: two doses from 65"),
    ),
    Doses("rsv", frozenset({"rsv"}), (75 * YEAR,), 60 * YEAR, None, lambda: _("RSV: one dose from 75")),
)


@dataclass(frozen=True)
class Given:
    """A vaccination recorded: which vaccine (a key of ``vaccine_names``), on which day."""

    vaccine: str
    given: date


@dataclass(frozen=True)
class Reminder:
    """A dose the schedule asks for: ``due`` now (since ``since``), or ``coming`` on ``since``."""

    track: str
    label: str
    status: str  # "due" or "coming"
    since: date
    dose: int  # 1 for the first dose
    doses: int  # how many the track has

    @property
    def due(self) -> bool:
        return self.status == "due"


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` months (the 31st becomes the month's last day when needed)."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def age_in_months(born: date, day: date) -> int:
    """Whole months from ``born`` to ``day`` (a birthday on the 31st is reached on the
    month's last day)."""
    months = (day.year - born.year) * 12 + day.month - born.month
    while months > 0 and add_months(born, months) > day:
        months -= 1
    while add_months(born, months + 1) <= day:
        months += 1
    return months


def _season_start(year: int) -> date:
    return date(year, *CAMPAIGN_START)


def _in_campaign(day: date) -> tuple[bool, int]:
    """Whether ``day`` is in an autumn campaign, and the year the campaign (or the next) starts."""
    start = _season_start(day.year)
    end_of_last = date(day.year, *CAMPAIGN_END)
    if day >= start:
        return True, day.year
    if day <= end_of_last:
        return True, day.year - 1
    return False, day.year


def _doses_reminder(step: Doses, born: date, given: list[Given], today: date) -> Reminder | None:
    if step.born_from is not None and born < step.born_from:
        return None
    counted_from = add_months(born, step.counts_from)
    count = sum(1 for g in given if g.vaccine in step.vaccines and g.given >= counted_from)
    if count >= len(step.ages):
        return None
    since = add_months(born, step.ages[count])
    if step.until is not None and today >= add_months(born, step.until):
        return None
    if since <= today:
        status = "due"
    elif since - today <= HORIZON and (step.until is None or since < add_months(born, step.until)):
        status = "coming"
    else:
        return None
    return Reminder(step.track, step.label(), status, since, count + 1, len(step.ages))


def _autumn_reminder(step: EveryAutumn, born: date, given: list[Given], today: date) -> Reminder | None:
    in_campaign, year = _in_campaign(today)
    old_enough_on = add_months(born, step.from_age)
    if in_campaign:
        counts_from = date(year, *SEASON_COUNTS_FROM)
        done = any(g.vaccine in step.vaccines and g.given >= counts_from for g in given)
        if not done and old_enough_on <= today:
            return Reminder(step.track, step.label(), "due", max(_season_start(year), old_enough_on), 1, 1)
        if not done and old_enough_on <= date(year + 1, *CAMPAIGN_END):
            return Reminder(step.track, step.label(), "coming", old_enough_on, 1, 1)
        year += 1
    # Outside the campaign, or done for this one: the next campaign, when it is near.
    start, end = _season_start(year), date(year + 1, *CAMPAIGN_END)
    if old_enough_on > end:
        return None
    since = max(start, old_enough_on)
    if since - today <= HORIZON:
        return Reminder(step.track, step.label(), "coming", since, 1, 1)
    return None


def reminders(born: date, given: Iterable[Given], today: date) -> list[Reminder]:
    """What the schedule asks of a person born on ``born``, given what is recorded: the
    doses due now, then those coming within about six months, each by date."""
    recorded = [g for g in given if g.given >= born]
    found: list[Reminder] = []
    for step in SCHEDULE:
        if isinstance(step, Doses):
            reminder = _doses_reminder(step, born, recorded, today)
        else:
            reminder = _autumn_reminder(step, born, recorded, today)
        if reminder is not None:
            found.append(reminder)
    return sorted(found, key=lambda r: (not r.due, r.since, r.track))
