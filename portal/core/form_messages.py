"""The form layer's words: every message a reader of ``portal.core.forms`` says.

One place for them all (``Messages``), each translated through the catalogue when it is
said; a caller may say a field's own words instead (``missing``, ``too_long``, ...).
``portal.core.forms`` gives this name too.
"""

from __future__ import annotations

from babel.dates import get_month_names

from portal.core.i18n import babel_locale, size_in_words
from portal.core.i18n import gettext as _


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
