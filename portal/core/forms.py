"""Forms, read and checked: one result for every form, and the readers of its fields.

A form sent is read field by field, in the order of the page, by a ``FormReader``: each
reader takes what was typed, checks it, and returns the value cleaned (or ``None`` / ""
when it cannot be used). Everything lands in one ``FormResult``:

- ``values``: what was typed, to show it again (a date: its three boxes, as typed; a
  time understood: as it is written back, "09:00");
- ``errors``: by field name, in plain words that say what to do (``summary`` gives them
  by the id of the box the error summary links to: a date's day box);
- ``data``: the values cleaned, of the fields without error;
- ``ok``: no error.

Readers read and check, nothing more: storing, auditing or sending is the caller's job,
once ``ok``. Every message is in the ``Messages`` part below, through the catalogue; a
caller may say a field's own words (``missing``, ``too_long``, ...), which it translates.
The form's page shows it with ``forms.form_layout`` (``templates/components/forms.html``):
the error summary, the heading, and the form.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, TypeVar

from babel.dates import get_month_names

from portal.core.i18n import babel_locale, size_in_words
from portal.core.i18n import gettext as _

T = TypeVar("T")

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


# --------------------------------------------------------------------------- messages


class Messages:
    """Every word the readers say, in one place; each is translated when it is said."""

    @staticmethod
    def fill_in() -> str:
        return _("Fill in this field.")

    @staticmethod
    def too_long(count: int, length: int) -> str:
        return _("Write at most %(count)d characters.", count=count)

    @staticmethod
    def choose_one() -> str:
        return _("Choose one answer.")

    @staticmethod
    def not_in_the_list() -> str:
        return _("Choose one of the answers in the list.")

    @staticmethod
    def tick_one() -> str:
        return _("Tick at least one answer.")

    @staticmethod
    def not_among_the_boxes() -> str:
        return _("Choose among the answers given.")

    @staticmethod
    def enter_a_date() -> str:
        return _("Enter the date, for example 27 3 2024.")

    @staticmethod
    def day_and_month_in_numbers() -> str:
        return _("Write the day and the month in numbers, for example 27 3 1948.")

    @staticmethod
    def year_in_four_digits() -> str:
        return _("Write the year with its 4 digits, for example 1948.")

    @staticmethod
    def month_out_of_range() -> str:
        return _("The month is a number from 1 to 12. Check the month.")

    @staticmethod
    def day_out_of_range() -> str:
        return _("The day is a number from 1 to 31. Check the day.")

    @staticmethod
    def year_too_early(earliest: int) -> str:
        return _("The year must be %(earliest)d or later. Check the year.", earliest=earliest)

    @staticmethod
    def year_too_far() -> str:
        return _("This year is too far away. Check the year.")

    @staticmethod
    def no_29_february(year: int) -> str:
        return _("There was no 29 February in %(year)d. Check the day and the year.", year=year)

    @staticmethod
    def no_such_day(day: int, month: int) -> str:
        month_name = get_month_names("wide", locale=babel_locale())[month]
        return _("%(day)d %(month)s does not exist. Check the day and the month.", day=day, month=month_name)

    @staticmethod
    def in_the_future() -> str:
        return _("This date is in the future. Check the year.")

    @staticmethod
    def enter_a_time() -> str:
        return _("Enter the time, for example 10:30.")

    @staticmethod
    def time_in_numbers() -> str:
        return _("Write the time with numbers, for example 10:30 or 10h30.")

    @staticmethod
    def hour_out_of_range() -> str:
        return _("The hour is a number from 0 to 23. Check the hour.")

    @staticmethod
    def minutes_out_of_range() -> str:
        return _("The minutes are a number from 0 to 59. Check the minutes.")

    @staticmethod
    def file_too_big(max_bytes: int) -> str:
        return _(
            "This file is too big: the largest is %(size)s. "
            "Scan it again in a lower quality, or send fewer pages.",
            size=size_in_words(max_bytes),
        )

    @staticmethod
    def file_empty() -> str:
        return _("This file is empty. Choose the file again.")

    @staticmethod
    def not_a_document() -> str:
        return _("This file is not a PDF, a JPEG photo or a PNG image. Choose one of those.")


# --------------------------------------------------------------------------- parsing what is typed


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


# --------------------------------------------------------------------------- the result


@dataclass
class FormResult:
    """A form read: what was typed (``values``), the errors by field name (``errors``),
    the values cleaned (``data``). A form shown before anything is sent is one too
    (``FormResult.filled``): its values, no error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    # The fields in the order they were read (the page's), and the id of the box the
    # error summary links to when it is not the field's name (a date's day box).
    order: list[str] = field(default_factory=list)
    anchors: dict[str, str] = field(default_factory=dict)

    @classmethod
    def filled(cls, values: Mapping[str, Any]) -> FormResult:
        """A form to show with ``values`` in it (a date's value: ``date_parts``)."""
        return cls(values=dict(values))

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, name: str, message: str) -> None:
        """Say what is wrong with ``name``: its first error stays (it says what to mend first)."""
        self.errors.setdefault(name, message)

    def keep(self, name: str, value: Any) -> None:
        """Show ``value`` in the field ``name`` and keep it in the data (a caller's own rule)."""
        self.values[name] = value
        self.data[name] = value

    def value(self, name: str) -> str:
        """What the field ``name`` shows (a text, a choice, a time)."""
        found = self.values.get(name, "")
        return found if isinstance(found, str) else ""

    def date_value(self, name: str) -> dict[str, str]:
        """What the three boxes of the date ``name`` show."""
        found = self.values.get(name)
        return {part: str(found.get(part, "")) for part in DATE_PARTS} if isinstance(found, dict) else {}

    def chosen(self, name: str) -> list[str]:
        """The boxes ticked in the checkboxes ``name``."""
        found = self.values.get(name)
        return [str(value) for value in found] if isinstance(found, list) else []

    def as_sent(self) -> dict[str, Any]:
        """The values as the page's form sends them (a date in its three boxes)."""
        sent: dict[str, Any] = {}
        for name, value in self.values.items():
            if isinstance(value, dict):
                sent.update({f"{name}-{part}": str(value.get(part, "")) for part in DATE_PARTS})
            else:
                sent[name] = value
        return sent

    @property
    def summary(self) -> dict[str, str]:
        """The errors for the error summary: by the id each links to, in the order of the page."""
        rank = {name: index for index, name in enumerate(self.order)}
        names = sorted(self.errors, key=lambda name: rank.get(name, len(rank)))
        return {self.anchors.get(name, name): self.errors[name] for name in names}

    def shown(self) -> dict[str, Any]:
        """What a page with this form gives its template: the form, and ``errors`` (the
        layout then starts the page's title with "Error:")."""
        return {"form": self, "errors": self.errors}


@dataclass(frozen=True)
class Upload:
    """A file sent, checked: its name as the person's computer called it, its type (found
    in its content), and its bytes."""

    file_name: str
    media_type: str
    content: bytes


# --------------------------------------------------------------------------- the readers


def _text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


class FormReader:
    """Reads a sent form (the request's form: ``get``, and ``getall`` for checkboxes) into
    ``result``, one field at a time, in the order of the page. Each reader returns the
    value cleaned; the result holds it all."""

    def __init__(self, sent: Any) -> None:
        self.sent = sent
        self.result = FormResult()

    def _typed(self, name: str) -> str:
        self.result.order.append(name)
        return _text_of(self.sent.get(name, ""))

    def _done(self, name: str, shown: Any, cleaned: Any, error: str | None) -> None:
        self.result.values[name] = shown
        if error is None:
            self.result.data[name] = cleaned
        else:
            self.result.error(name, error)

    def _length(
        self,
        name: str,
        value: str,
        required: bool,
        missing: str | None,
        max_length: int,
        too_long: Callable[[int, int], str] | None,
    ) -> None:
        error = None
        if not value:
            error = (missing or Messages.fill_in()) if required else None
        elif len(value) > max_length:
            error = (too_long or Messages.too_long)(max_length, len(value))
        self._done(name, value, value, error)

    def text(
        self,
        name: str,
        *,
        max_length: int,
        required: bool = False,
        missing: str | None = None,
        too_long: Callable[[int, int], str] | None = None,
    ) -> str:
        """One line of text, its spaces put right, of at most ``max_length`` characters.
        ``too_long(count, length)``: the field's own words when it is longer."""
        value = one_line(self._typed(name))
        self._length(name, value, required, missing, max_length, too_long)
        return value

    def long_text(
        self,
        name: str,
        *,
        max_length: int,
        required: bool = False,
        missing: str | None = None,
        too_long: Callable[[int, int], str] | None = None,
    ) -> str:
        """A text of several lines (a textarea), of at most ``max_length`` characters."""
        value = long_text(self._typed(name))
        self._length(name, value, required, missing, max_length, too_long)
        return value

    def choice(
        self,
        name: str,
        choices: Collection[str],
        *,
        required: bool = False,
        missing: str | None = None,
        unknown: str | None = None,
        fallback: str | None = None,
    ) -> str:
        """One of ``choices`` (radios, a select). With ``fallback``, anything else (or
        nothing) quietly becomes it; without, nothing is "" (an error when ``required``)
        and anything else is an error."""
        value = self._typed(name).strip()
        if value in choices:
            self._done(name, value, value, None)
            return value
        if fallback is not None:
            self._done(name, fallback, fallback, None)
            return fallback
        if not value:
            self._done(name, "", "", (missing or Messages.choose_one()) if required else None)
        else:
            self._done(name, "", "", unknown or Messages.not_in_the_list())
        return ""

    def checkboxes(
        self, name: str, choices: Iterable[str], *, required: bool = False, missing: str | None = None
    ) -> list[str]:
        """The boxes ticked among ``choices``, in their order."""
        self.result.order.append(name)
        getall = getattr(self.sent, "getall", None)
        sent = getall(name, []) if getall is not None else [self.sent.get(name, "")]
        ticked = {_text_of(value) for value in sent if _text_of(value)}
        known = [value for value in choices if value in ticked]
        error = None
        if len(known) != len(ticked):
            error = Messages.not_among_the_boxes()
        elif not known and required:
            error = missing or Messages.tick_one()
        self._done(name, known, known, error)
        return known

    def date(
        self,
        name: str,
        *,
        required: bool = True,
        missing: str | None = None,
        latest: date | None = None,
        earliest_year: int = EARLIEST_YEAR,
        latest_year: int = LATEST_YEAR,
    ) -> date | None:
        """A date typed in three boxes (``<name>-day``, ``-month``, ``-year``). Not
        ``required``: three empty boxes are no date, and no error; ``missing`` then says
        what to do when some are filled and not all. ``latest``: no date after it (today)."""
        self.result.order.append(name)
        self.result.anchors[name] = f"{name}-day"
        parts = {part: _text_of(self.sent.get(f"{name}-{part}", "")).strip() for part in DATE_PARTS}
        if not required and not any(parts.values()):
            self._done(name, parts, None, None)
            return None
        try:
            when = parse_date(
                parts["day"],
                parts["month"],
                parts["year"],
                missing=missing,
                earliest_year=earliest_year,
                latest_year=latest_year,
                latest=latest,
            )
        except FieldError as error:
            self._done(name, parts, None, error.message)
            return None
        self._done(name, parts, when, None)
        return when

    def time(self, name: str, *, required: bool = True, missing: str | None = None) -> time | None:
        """A time of day ("10:30", "10h30", "9"), written back as "10:30" once understood."""
        typed = self._typed(name)
        if not required and not typed.strip():
            self._done(name, "", None, None)
            return None
        try:
            moment = parse_time(typed, missing=missing)
        except FieldError as error:
            self._done(name, typed, None, error.message)
            return None
        self._done(name, clock(moment), moment, None)
        return moment

    def field(
        self, name: str, parse: Callable[[str], T], *, show: Callable[[T], str] | None = None
    ) -> T | None:
        """A field a feature reads its own way: ``parse`` takes what was typed and returns
        the value, or raises ``FieldError``; ``show`` writes the value back in the box."""
        typed = self._typed(name)
        try:
            value = parse(typed)
        except FieldError as error:
            self._done(name, typed, None, error.message)
            return None
        self._done(name, show(value) if show else typed, value, None)
        return value

    async def file(
        self,
        name: str,
        *,
        max_bytes: int,
        kinds: Iterable[tuple[str, bytes]] = DOCUMENT_KINDS,
        also: Iterable[str] = (),
        required: bool = True,
        missing: str | None = None,
        wrong_kind: str | None = None,
    ) -> Upload | None:
        """A file: the first of the fields ``name`` and ``also`` (a photo taken instead)
        holding one, not empty, at most ``max_bytes``, of one of ``kinds`` by its content.
        Its errors go to ``name``. Nothing is stored: that is the caller's, once ``ok``."""
        self.result.order.append(name)
        upload = next(
            (
                sent
                for sent in (self.sent.get(field_name) for field_name in (name, *also))
                if sent is not None and not isinstance(sent, str) and getattr(sent, "filename", None)
            ),
            None,
        )
        self.result.values[name] = ""  # a file is never shown back: it is chosen again
        if upload is None:
            if required:
                self.result.error(name, missing or Messages.fill_in())
            return None
        content = await upload.read(max_bytes + 1)
        if len(content) > max_bytes:
            self.result.error(name, Messages.file_too_big(max_bytes))
            return None
        if not content:
            self.result.error(name, Messages.file_empty())
            return None
        media_type = sniff(content, kinds)
        if media_type is None:
            self.result.error(name, wrong_kind or Messages.not_a_document())
            return None
        found = Upload(file_name=str(upload.filename), media_type=media_type, content=content)
        self.result.data[name] = found
        return found
