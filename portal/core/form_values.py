"""The values forms hold, and the parsers that make them from what was typed.

A date from its three boxes (``parse_date``, ``date_parts`` back), a time of day
(``parse_time``, ``clock`` back), a line or a text with its spaces put right
(``one_line``, ``long_text``), a file's type found in its first bytes (``sniff``) and
the file sent, checked (``Upload``). A parser raises ``FieldError`` with what to do.
Plain functions, usable outside a form (the identity's date of birth); the form reader
(``portal.core.forms``, which gives these names too) calls them field by field.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time

from portal.core.form_messages import Messages

DATE_PARTS = ("day", "month", "year")
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200

# "10:30", "10h30", "10 h 30", "10.30", "10H", "9": an hour, then perhaps minutes.
TIME_PATTERN = re.compile(r"([0-9]{1,2})\s*(?:[:hH.]\s*([0-9]{1,2})?|\s+([0-9]{2}))?")

# Files recognised by their first bytes (never by their name or what the browser says).
PDF = ("application/pdf", b"%PDF-")
JPEG = ("image/jpeg", b"\xff\xd8\xff")
PNG = ("image/png", b"\x89PNG\r\n\x1a\n")
DOCUMENT_KINDS: tuple[tuple[str, bytes], ...] = (PDF, JPEG, PNG)


class FieldError(ValueError):
    """What a person typed cannot be used; ``message`` tells them what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_date(
    day: str,
    month: str,
    year: str,
    *,
    missing: str | None = None,
    earliest_year: int = EARLIEST_YEAR,
    latest_year: int = LATEST_YEAR,
    latest: date | None = None,
) -> date:
    """A real date from its three boxes, as typed ("27", "3", "2027"), or ``FieldError``
    saying what to check. ``latest`` (today, for a date that cannot be to come): a later
    date is refused, and then any year up to 9999 is a year."""
    day, month, year = day.strip(), month.strip(), year.strip()
    if not (day and month and year):
        raise FieldError(missing or Messages.enter_a_date())
    if not (re.fullmatch(r"[0-9]{1,2}", day) and re.fullmatch(r"[0-9]{1,2}", month)):
        raise FieldError(Messages.day_and_month_in_numbers())
    if not re.fullmatch(r"[0-9]{4}", year):
        raise FieldError(Messages.year_in_four_digits())
    day_number, month_number, year_number = int(day), int(month), int(year)
    if not 1 <= month_number <= 12:
        raise FieldError(Messages.month_out_of_range())
    if not 1 <= day_number <= 31:
        raise FieldError(Messages.day_out_of_range())
    if year_number < earliest_year:
        raise FieldError(Messages.year_too_early(earliest_year))
    if year_number > (9999 if latest is not None else latest_year):
        raise FieldError(Messages.year_too_far())
    if day_number > calendar.monthrange(year_number, month_number)[1]:
        if day_number == 29 and month_number == 2:
            raise FieldError(Messages.no_29_february(year_number))
        raise FieldError(Messages.no_such_day(day_number, month_number))
    when = date(year_number, month_number, day_number)
    if latest is not None and when > latest:
        raise FieldError(Messages.in_the_future())
    return when


def parse_time(value: str, *, missing: str | None = None) -> time:
    """A time of day from what was typed: "10:30", "10h30", "10 h 30", "10.30", "10h", "9"."""
    text = " ".join(value.split())
    if not text:
        raise FieldError(missing or Messages.enter_a_time())
    found = TIME_PATTERN.fullmatch(text)
    if not found:
        raise FieldError(Messages.time_in_numbers())
    hour = int(found.group(1))
    minutes = int(found.group(2) or found.group(3) or 0)
    if hour > 23:
        raise FieldError(Messages.hour_out_of_range())
    if minutes > 59:
        raise FieldError(Messages.minutes_out_of_range())
    return time(hour, minutes)


def clock(value: time) -> str:
    """ "08:00": how a time of day is written back and stored."""
    return f"{value.hour:02d}:{value.minute:02d}"


def date_parts(day: date | None) -> dict[str, str]:
    """A date's three boxes, filled ("3", "12", "2026"), or empty."""
    if day is None:
        return dict.fromkeys(DATE_PARTS, "")
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}


def one_line(text: str) -> str:
    """A line as typed, its spaces put right: none at the ends, one between words."""
    return " ".join(text.split())


def long_text(text: str) -> str:
    """A text of several lines as typed: the browser's line ends made one, no blank ends."""
    return text.replace("\r\n", "\n").strip()


def sniff(content: bytes, kinds: Iterable[tuple[str, bytes]] = DOCUMENT_KINDS) -> str | None:
    """The media type of ``content`` among ``kinds`` ((media type, first bytes)), else None."""
    return next((media_type for media_type, start in kinds if content.startswith(start)), None)


@dataclass(frozen=True)
class Upload:
    """A file sent, checked: its name as the person's computer called it, its type (found
    in its content), and its bytes."""

    file_name: str
    media_type: str
    content: bytes
