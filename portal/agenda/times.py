"""Times of the agenda: reading what people type, when a reminder is due, the next time a
medicine reminder goes off, and the weeks of a month.

Everything is computed in the portal's time zone (``Settings.timezone``, Europe/Paris by
default) and stored in UTC. A delay of whole days ("the day before", "a week before") is
counted on the calendar, so it keeps its hour across a change of summer time; a delay in
hours ("1 hour before") is counted in real time.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time, get_day_names

from portal.core.forms import TIME_PATTERN as _TIME
from portal.core.forms import FieldError as TimeError
from portal.core.forms import clock as clock
from portal.core.forms import parse_time as parse_time
from portal.core.i18n import babel_locale
from portal.core.i18n import gettext as _

DAY = 24 * 60
WEEK = 7 * DAY
MAX_TIMES_A_DAY = 6
# The years the month view shows: an address asking for any other shows this month.
FIRST_YEAR = 1900
LAST_YEAR = 2200


def parse_times(value: str) -> list[time]:
    """One to six times of day, in order, each once: "8:00, 12h, 20:00" (each read as
    ``parse_time`` reads one: ``portal.core.forms``)."""
    parts = [part for part in re.split(r"\s*(?:[,;/+&]|\bet\b|\band\b)\s*", value.strip()) if part]
    if len(parts) == 1 and " " in parts[0] and not _TIME.fullmatch(parts[0]):
        parts = parts[0].split()  # "08:00 20:00": times apart with spaces only
    if not parts:
        raise TimeError(_("Enter at least one time of day, for example 08:00."))
    found: list[time] = []
    for part in parts:
        try:
            found.append(parse_time(part))
        except TimeError:
            raise TimeError(
                _("“%(value)s” is not a time of day. Write each time like 08:00.", value=part[:12])
            ) from None
    unique = sorted(set(found))
    if len(unique) > MAX_TIMES_A_DAY:
        raise TimeError(_("Choose at most %(count)d times of day. Check the times.", count=MAX_TIMES_A_DAY))
    return unique


def read_clocks(value: str) -> list[time]:
    """The times of day stored as "08:00,20:00"."""
    return [time.fromisoformat(part) for part in value.split(",") if part]


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def local(value: datetime, zone: str) -> datetime:
    return utc(value).astimezone(ZoneInfo(zone))


def at(day: date, moment: time, zone: str) -> datetime:
    """The moment ``day`` at ``moment`` where the portal is, in UTC.

    A time that does not exist that day (02:30 when the clocks go forward) is taken with
    the offset before the change, so it falls an hour later; a time that happens twice
    (02:30 when they go back) is the first of the two.
    """
    return datetime.combine(day, moment, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def due_at(starts_at: datetime, minutes_before: int, zone: str) -> datetime:
    """When a reminder ``minutes_before`` an appointment is due, in UTC."""
    if minutes_before % DAY == 0:
        start = local(starts_at, zone)
        earlier = start.date() - timedelta(days=minutes_before // DAY)
        return at(earlier, start.time().replace(tzinfo=None), zone)
    return utc(starts_at) - timedelta(minutes=minutes_before)


def next_occurrence(
    times: list[time], first_day: date, last_day: date | None, zone: str, after: datetime
) -> datetime | None:
    """The first moment strictly after ``after`` at one of ``times``, from ``first_day`` to
    ``last_day`` (included), in UTC; None when there is none left."""
    if not times:
        return None
    after = utc(after)
    day = max(first_day, local(after, zone).date() - timedelta(days=1))
    while last_day is None or day <= last_day:
        for moment in sorted(times):
            when = at(day, moment, zone)
            if when > after:
                return when
        day += timedelta(days=1)
    return None


# --------------------------------------------------------------------------- words


def day_in_words(value: datetime | date, zone: str, *, year: bool = True) -> str:
    """ "Thursday 3 December 2026" in the current language."""
    day = local(value, zone) if isinstance(value, datetime) else value
    return format_date(day, format="EEEE d MMMM y" if year else "EEEE d MMMM", locale=babel_locale())


def time_in_words(value: datetime, zone: str) -> str:
    """ "10:30" in the current language."""
    return format_time(local(value, zone), format="HH:mm", locale=babel_locale())


def moment_in_words(value: datetime, zone: str, *, year: bool = True) -> str:
    """ "Thursday 3 December 2026 at 10:30" in the current language."""
    return _(
        "%(date)s at %(time)s",
        date=day_in_words(value, zone, year=year),
        time=time_in_words(value, zone),
    )


def month_in_words(month: date) -> str:
    """ "December 2026" in the current language."""
    return format_date(month, format="LLLL y", locale=babel_locale())


def weekday_names() -> list[tuple[str, str]]:
    """Monday to Sunday, in the current language (weeks start on Monday): the whole name,
    and the short one a narrow table shows ("Monday", "Mon")."""
    wide = get_day_names("wide", locale=babel_locale())
    short = get_day_names("abbreviated", locale=babel_locale())
    return [(wide[index], short[index]) for index in range(7)]


# --------------------------------------------------------------------------- months


@dataclass(frozen=True)
class Month:
    """A month of the calendar: its first day, and the one before and after."""

    first: date

    @classmethod
    def parse(cls, value: str | None, today: date) -> Month:
        """ "2026-12" (from the address); anything else, or a year out of reach, is this month."""
        found = re.fullmatch(r"([0-9]{4})-([0-9]{2})", (value or "").strip())
        if found:
            year, month = int(found.group(1)), int(found.group(2))
            if FIRST_YEAR <= year <= LAST_YEAR and 1 <= month <= 12:
                return cls(date(year, month, 1))
        return cls(today.replace(day=1))

    @property
    def key(self) -> str:
        return f"{self.first.year:04d}-{self.first.month:02d}"

    @property
    def last(self) -> date:
        return self.first.replace(day=calendar.monthrange(self.first.year, self.first.month)[1])

    @property
    def previous(self) -> Month:
        return Month((self.first - timedelta(days=1)).replace(day=1))

    @property
    def next(self) -> Month:
        return Month(self.last + timedelta(days=1))

    def weeks(self) -> list[list[date | None]]:
        """The month's weeks, Monday first; days of the months around it are None."""
        return [
            [day if day.month == self.first.month else None for day in week]
            for week in calendar.Calendar(firstweekday=0).monthdatescalendar(
                self.first.year, self.first.month
            )
        ]
