"""Numbers and times of the profile: as typed ("72,5", "9h30"), as stored ("72.5",
"09:30") and in words of the current language ("72,5 kg", "130/80 mmHg")."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal

from portal.core.i18n import babel_locale
from portal.profile.vocabulary import units

_NUMBER = re.compile(r"[0-9]{1,5}(?:[.,][0-9]{1,3})?")
_TIME = re.compile(r"([0-9]{1,2})(?:\s*[:hH.]\s*([0-9]{2})?)?")


def parse_number(text: str) -> Decimal | None:
    """A number as typed ("72,5", " 72.5 "), or None when it is not one."""
    compact = text.strip().replace("\u00a0", "").replace(" ", "")
    if not _NUMBER.fullmatch(compact):
        return None
    try:
        return Decimal(compact.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern lets only numbers through
        return None


def number_text(value: Decimal) -> str:
    """How a number is stored: "72.5", "130", "0.95"."""
    return format(value.normalize(), "f")


def parse_time(text: str) -> str | None:
    """A time as typed ("9:30", "9h30", "18h", "09.05") as "HH:MM", or None."""
    found = _TIME.fullmatch(text.strip())
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def number_words(value: object) -> str:
    """A stored number written the way the current language does ("72,5" in French)."""
    number = parse_number(str(value or ""))
    if number is None:
        return str(value or "")
    return format_decimal(number, locale=babel_locale())


def measurement_text(kind: str, data: Mapping[str, Any]) -> str:
    """ "72,5 kg", "130/80 mmHg"."""
    unit = units().get(kind, "")
    if kind == "blood_pressure":
        return f"{number_words(data.get('value'))}/{number_words(data.get('value2'))} {unit}"
    return f"{number_words(data.get('value'))} {unit}".strip()
