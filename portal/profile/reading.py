"""Reading a section's form into one ``FormResult`` (``read_form``: what was typed, the
errors by field, what to store), and the other way round, an entry's stored values as
its form shows them to change it (``values_of``).

Each field is read by the reader of its kind (``portal.core.forms``; a phone number, an
email address, a time and a number through ``FormReader.field``), in the profile's own
words where it has them; then the checks across fields of a section (a measurement's
numbers and plausible range, the other vaccine's name, the order of a hospital stay's
days). Nothing is stored here: that is the routes'.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from portal.accounts.identity import IdentityError, normalise_email
from portal.core.forms import FieldError, FormReader, FormResult, Messages, date_parts, one_line
from portal.core.i18n import gettext as _
from portal.profile.definitions import DIASTOLIC, PLAUSIBLE
from portal.profile.fields import Field, Section
from portal.profile.numbers import measurement_text, number_text, parse_number, parse_time

CONFIRM = "confirm"  # the box that keeps an unusual measurement as it is
_PHONE = re.compile(r"\+?[0-9 .()/-]{3,30}")


def _too_long(count: int, length: int) -> str:
    """The profile's words for a text too long: it says how long it is."""
    return _("Write at most %(count)d characters: this has %(length)d.", count=count, length=length)


def _line(f: Field, check: Callable[[str], str]) -> Callable[[str], str]:
    """A reader of a one-line field checked its own way (a phone number, an email
    address): empty ("", or an error when required), too long, or ``check``'s."""

    def parse(typed: str) -> str:
        value = one_line(typed)
        if not value:
            if f.required:
                raise FieldError(f.missing or Messages.fill_in())
            return ""
        if len(value) > f.max_length:
            raise FieldError(_too_long(f.max_length, len(value)))
        return check(value)

    return parse


def _phone(value: str) -> str:
    if not (_PHONE.fullmatch(value) and sum(c.isdigit() for c in value) >= 3):
        raise FieldError(_("Write the phone number with its digits, for example 06 12 34 56 78."))
    return value


def _email(value: str) -> str:
    """An email address, stored as normalised."""
    try:
        return normalise_email(value)
    except IdentityError as error:
        raise FieldError(error.message) from None


def _time(typed: str) -> str:
    """A time of the day, stored as "HH:MM"; empty, none ("")."""
    value = typed.strip()
    if not value:
        return ""
    parsed = parse_time(value)
    if parsed is None:
        raise FieldError(_("Write the time with hours and minutes, for example 9:30 or 18:00."))
    return parsed


def _read_date(f: Field, reader: FormReader, today: date) -> None:
    """A date in three boxes, stored as "2026-03-27" ("" when left empty)."""
    when = reader.date(f.name, required=f.required, missing=f.missing, latest=today if f.past else None)
    if f.name not in reader.result.errors:
        reader.result.data[f.name] = when.isoformat() if when else ""


def _read_field(f: Field, reader: FormReader, today: date) -> None:
    """One field, read by the reader of its kind (a number is checked with its section)."""
    if f.kind == "checkboxes":
        reader.checkboxes(f.name, [key for key, _label in f.choices], required=f.required, missing=f.missing)
    elif f.kind == "date":
        _read_date(f, reader, today)
    elif f.kind in ("radios", "select"):
        reader.choice(f.name, f.choice_keys, required=f.required, missing=f.missing)
    elif f.kind == "time":
        reader.field(f.name, _time)
    elif f.kind == "number":
        reader.field(f.name, str.strip, show=str)
    elif f.kind == "phone":
        reader.field(f.name, _line(f, _phone))
    elif f.kind == "email":
        reader.field(f.name, _line(f, _email))
    else:
        read = reader.long_text if f.kind == "note" else reader.text
        read(f.name, max_length=f.max_length, required=f.required, missing=f.missing, too_long=_too_long)


def read_form(section: Section, sent: Any, today: date) -> FormResult:
    """Read and check a section's form; ``sent`` is the request's form (get, getall). An
    unusual measurement not confirmed yet: the error ``confirm``, and the value its box
    sends to keep it (``confirmation``)."""
    reader = FormReader(sent)
    for f in section.fields:
        _read_field(f, reader, today)
    form = reader.result
    if section.key == "measurements":
        _check_measurement(section, sent, form)
    elif section.key == "vaccinations":
        _check_vaccination(form)
    elif section.key == "hospital_stays":
        _check_hospital_stay(form)
    return form


def confirmation(form: FormResult) -> str | None:
    """The value of the "keep it as it is" box, when an unusual measurement asks for it."""
    if CONFIRM not in form.errors:
        return None
    return form.value(CONFIRM) or None


def _check_vaccination(checked: FormResult) -> None:
    """Another vaccine needs its name; a vaccine of the list keeps none."""
    if checked.data.get("vaccine") == "other" and not checked.data.get("name"):
        checked.error("name", _("Write the name of the vaccine."))
    if checked.data.get("vaccine") != "other" and "name" not in checked.errors:
        checked.data["name"] = ""


def _check_hospital_stay(checked: FormResult) -> None:
    admitted, left = checked.data.get("admitted"), checked.data.get("left")
    if admitted and left and left < admitted:
        checked.error("left", _("The day you left is before the day you came in. Check both dates."))


def _unusual_message(kind: str, shown: str) -> str:
    messages = {
        "weight": _(
            "This weight is unusual: %(value)s. Check it, or tick the box to keep it as it is.", value=shown
        ),
        "height": _(
            "This height is unusual: %(value)s. Check it, or tick the box to keep it as it is.", value=shown
        ),
        "blood_pressure": _(
            "This blood pressure is unusual: %(value)s. "
            "Check both numbers, or tick the box to keep them as they are.",
            value=shown,
        ),
        "heart_rate": _(
            "This heart rate is unusual: %(value)s. Check it, or tick the box to keep it as it is.",
            value=shown,
        ),
        "blood_sugar": _(
            "This blood sugar is unusual: %(value)s. Check it, or tick the box to keep it as it is.",
            value=shown,
        ),
    }
    return messages[kind]


def _measured_numbers(section: Section, kind: str, checked: FormResult) -> dict[str, Decimal]:
    """The measurement's numbers (both of a blood pressure), each stored as a number;
    an error for each one missing or not a number above 0."""
    numbers: dict[str, Decimal] = {}
    for name in ("value", "value2") if kind == "blood_pressure" else ("value",):
        typed = checked.value(name)
        if not typed:
            if name == "value2":
                checked.error("value2", _("Write the lower number too, for example 80."))
            else:
                checked.error("value", section.field(name).missing or "")
            continue
        number = parse_number(typed)
        if number is None:
            checked.error(name, _("Write only a number, for example 72.5 or 72,5."))
        elif number <= 0:
            checked.error(name, _("The value must be more than 0."))
        else:
            numbers[name] = number
            checked.data[name] = number_text(number)
    return numbers


def _plausible(kind: str, numbers: dict[str, Decimal]) -> bool:
    value = numbers["value"]
    plausible = PLAUSIBLE[kind].low <= value <= PLAUSIBLE[kind].high
    if kind == "blood_pressure":
        low = numbers["value2"]
        plausible = plausible and DIASTOLIC.low <= low <= DIASTOLIC.high and low < value
    return plausible


def _check_measurement(section: Section, sent: Any, checked: FormResult) -> None:
    """The values are numbers, in the plausible range or confirmed by the person."""
    kind = checked.data.get("kind", "")
    numbers = _measured_numbers(section, kind, checked)
    if kind != "blood_pressure":
        checked.data.pop("value2", None)
        checked.values["value2"] = ""
    expected = 2 if kind == "blood_pressure" else 1
    if kind not in PLAUSIBLE or len(numbers) != expected or _plausible(kind, numbers):
        return
    token = ":".join([kind, *(number_text(number) for number in numbers.values())])
    if str(sent.get(CONFIRM, "") or "") == token:
        return  # the person checked it and keeps it
    # The box comes last on the page (its error last in the summary); its value is what
    # it sends once ticked.
    checked.values[CONFIRM] = token
    checked.error(CONFIRM, _unusual_message(kind, measurement_text(kind, checked.data)))


def values_of(section: Section, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a form shows to change an entry: its fields as typed (dates in three boxes)."""
    values: dict[str, Any] = {}
    for f in section.fields:
        stored = data.get(f.name)
        if f.kind == "date":
            try:
                when = date.fromisoformat(str(stored)) if stored else None
            except ValueError:
                when = None
            values[f.name] = date_parts(when) if when else {}
        elif f.kind == "checkboxes":
            values[f.name] = [str(v) for v in stored] if isinstance(stored, list) else []
        else:
            values[f.name] = "" if stored is None else str(stored)
    return values
