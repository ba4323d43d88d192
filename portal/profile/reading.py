"""Reading a section's form into checked values (``read_form``: what was typed, the
errors by field, what to store), and the other way round, an entry's stored values as
its form shows them to change it (``values_of``).

Each kind of field has its reader; then the checks across fields of a section (a
measurement's numbers and plausible range, the other vaccine's name, the order of a
hospital stay's days).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from litestar.datastructures import FormMultiDict

from portal.accounts.identity import IdentityError, normalise_email, parse_day, parse_past_date
from portal.core.i18n import gettext as _
from portal.profile.definitions import DIASTOLIC, PLAUSIBLE
from portal.profile.fields import Field, Section
from portal.profile.numbers import measurement_text, number_text, parse_number, parse_time

_PHONE = re.compile(r"\+?[0-9 .()/-]{3,30}")


@dataclass
class Checked:
    """A form read: what was typed (to show again), the errors by field id in the order of
    the page, and what to store once there is no error."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    confirm: str | None = None  # the value of the "keep it as it is" box, for an unusual measurement

    @property
    def ok(self) -> bool:
        return not self.errors


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _text_error(f: Field, value: str, checked: Checked) -> str | None:
    """What is wrong with a text that is not empty (too long, not a phone number, not an
    email address), or None; an email address is stored as normalised."""
    if len(value) > f.max_length:
        return _(
            "Write at most %(count)d characters: this has %(length)d.", count=f.max_length, length=len(value)
        )
    if f.kind == "phone" and not (_PHONE.fullmatch(value) and sum(c.isdigit() for c in value) >= 3):
        return _("Write the phone number with its digits, for example 06 12 34 56 78.")
    if f.kind == "email":
        try:
            checked.data[f.name] = normalise_email(value)
        except IdentityError as exc:
            return exc.message
    return None


def _read_text(f: Field, raw: str, checked: Checked) -> None:
    value = raw.replace("\r\n", "\n").strip() if f.kind == "note" else _one_line(raw)
    checked.values[f.name] = value
    checked.data[f.name] = value
    if not value:
        if f.required:
            checked.errors[f.error_id] = f.missing or _("Fill in this field.")
        return
    error = _text_error(f, value, checked)
    if error is not None:
        checked.errors[f.error_id] = error


def _read_choice(f: Field, raw: str, checked: Checked) -> None:
    value = raw.strip()
    checked.values[f.name] = value
    checked.data[f.name] = value
    if not value:
        if f.required:
            checked.errors[f.error_id] = f.missing or _("Choose one answer.")
    elif value not in f.choice_keys:
        checked.values[f.name] = ""
        checked.data[f.name] = ""
        checked.errors[f.error_id] = _("Choose one of the answers in the list.")


def _read_checkboxes(f: Field, raw: list[str], checked: Checked) -> None:
    chosen = [str(value) for value in raw]
    known = [key for key, _ in f.choices if key in chosen]
    checked.values[f.name] = known
    checked.data[f.name] = known
    if len(known) != len(set(chosen)):
        checked.errors[f.error_id] = _("Choose among the answers given.")
    elif not known and f.required:
        checked.errors[f.error_id] = f.missing or _("Tick at least one answer.")


def _read_date(f: Field, form: FormMultiDict, today: date, checked: Checked) -> None:
    parts = {part: str(form.get(f"{f.name}-{part}", "") or "").strip() for part in ("day", "month", "year")}
    checked.values[f.name] = parts
    checked.data[f.name] = ""
    if not any(parts.values()) and not f.required:
        return
    try:
        if f.past:
            when = parse_past_date(parts["day"], parts["month"], parts["year"], today, missing=f.missing)
        else:
            when = parse_day(parts["day"], parts["month"], parts["year"], missing=f.missing)
    except IdentityError as exc:
        checked.errors[f.error_id] = exc.message
        return
    checked.data[f.name] = when.isoformat()


def _read_time(f: Field, raw: str, checked: Checked) -> None:
    value = raw.strip()
    checked.values[f.name] = value
    checked.data[f.name] = ""
    if not value:
        return
    parsed = parse_time(value)
    if parsed is None:
        checked.errors[f.error_id] = _("Write the time with hours and minutes, for example 9:30 or 18:00.")
    else:
        checked.data[f.name] = parsed


def _read_field(f: Field, form: FormMultiDict, today: date, checked: Checked) -> None:
    """One field, read by the reader of its kind (a number is checked with its section)."""
    if f.kind == "checkboxes":
        _read_checkboxes(f, list(form.getall(f.name, [])), checked)
    elif f.kind == "date":
        _read_date(f, form, today, checked)
    elif f.kind in ("radios", "select"):
        _read_choice(f, str(form.get(f.name, "") or ""), checked)
    elif f.kind == "time":
        _read_time(f, str(form.get(f.name, "") or ""), checked)
    elif f.kind == "number":
        value = str(form.get(f.name, "") or "").strip()
        checked.values[f.name] = value
        checked.data[f.name] = value
    else:
        _read_text(f, str(form.get(f.name, "") or ""), checked)


def read_form(section: Section, form: FormMultiDict, today: date) -> Checked:
    """Read and check a section's form; ``form`` is the request's form (get, getall)."""
    checked = Checked()
    for f in section.fields:
        _read_field(f, form, today, checked)
    if section.key == "measurements":
        _check_measurement(section, form, checked)
    elif section.key == "vaccinations":
        _check_vaccination(checked)
    elif section.key == "hospital_stays":
        _check_hospital_stay(checked)
    order = [f.error_id for f in section.fields] + ["confirm"]
    checked.errors = {key: checked.errors[key] for key in order if key in checked.errors}
    return checked


def _check_vaccination(checked: Checked) -> None:
    """Another vaccine needs its name; a vaccine of the list keeps none."""
    if checked.data.get("vaccine") == "other" and not checked.data.get("name"):
        checked.errors.setdefault("name", _("Write the name of the vaccine."))
    if checked.data.get("vaccine") != "other" and "name" not in checked.errors:
        checked.data["name"] = ""


def _check_hospital_stay(checked: Checked) -> None:
    admitted, left = checked.data.get("admitted"), checked.data.get("left")
    if admitted and left and left < admitted:
        checked.errors.setdefault(
            "left-day", _("The day you left is before the day you came in. Check both dates.")
        )


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


def _measured_numbers(section: Section, kind: str, checked: Checked) -> dict[str, Decimal]:
    """The measurement's numbers (both of a blood pressure), each stored as a number;
    an error for each one missing or not a number above 0."""
    numbers: dict[str, Decimal] = {}
    for name in ("value", "value2") if kind == "blood_pressure" else ("value",):
        typed = checked.values.get(name, "")
        if not typed:
            if name == "value2":
                checked.errors["value2"] = _("Write the lower number too, for example 80.")
            else:
                checked.errors["value"] = section.field(name).missing or ""
            continue
        number = parse_number(typed)
        if number is None:
            checked.errors[name] = _("Write only a number, for example 72.5 or 72,5.")
        elif number <= 0:
            checked.errors[name] = _("The value must be more than 0.")
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


def _check_measurement(section: Section, form: FormMultiDict, checked: Checked) -> None:
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
    if str(form.get("confirm", "") or "") == token:
        return  # the person checked it and keeps it
    checked.confirm = token
    checked.errors["confirm"] = _unusual_message(kind, measurement_text(kind, checked.data))


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
            values[f.name] = (
                {"day": str(when.day), "month": str(when.month), "year": str(when.year)} if when else {}
            )
        elif f.kind == "checkboxes":
            values[f.name] = [str(v) for v in stored] if isinstance(stored, list) else []
        else:
            values[f.name] = "" if stored is None else str(stored)
    return values
