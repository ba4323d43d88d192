"""The sections of the medical profile: their fields, choices and required fields, the
sections that hold one entry at most, the plausible ranges of measurements, reading and
checking a form, and the words that show an entry.

The fields follow the profile's data contract (``Entry.data``): dates are ISO strings
("2026-03-03", typed in three boxes), times "HH:MM", choices their English keys, whose
words come from the catalogue. Everything here is in the current language: ``sections()``
builds the definitions once per language.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from litestar.datastructures import FormMultiDict

from portal.accounts.identity import IdentityError, normalise_email, parse_day, parse_past_date
from portal.core.access import PROFILE_SECTION_KEYS
from portal.core.i18n import babel_locale, current_locale
from portal.core.i18n import gettext as _
from portal.profile.vaccines import vaccine_names

TEXT_MAX = 200
NOTE_MAX = 2000
ORDER = PROFILE_SECTION_KEYS
SINGLE = frozenset({"blood_group", "directives", "organ_donation"})

TIMES = ("morning", "noon", "evening", "bedtime")
BLOOD_GROUPS = ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")
DIRECTIVE_TREATMENTS = (
    "resuscitation",
    "ventilation",
    "dialysis",
    "artificial_feeding",
    "surgery",
    "transfusion",
)
KINDS = ("weight", "height", "blood_pressure", "heart_rate", "blood_sugar")


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
_NUMBER = re.compile(r"[0-9]{1,5}(?:[.,][0-9]{1,3})?")
_TIME = re.compile(r"([0-9]{1,2})(?:\s*[:hH.]\s*([0-9]{2})?)?")
_PHONE = re.compile(r"\+?[0-9 .()/-]{3,30}")


# --------------------------------------------------------------------------- words of the choices


def time_names() -> dict[str, str]:
    return {"morning": _("Morning"), "noon": _("Noon"), "evening": _("Evening"), "bedtime": _("Bedtime")}


def kind_names() -> dict[str, str]:
    return {
        "weight": _("Weight"),
        "height": _("Height"),
        "blood_pressure": _("Blood pressure"),
        "heart_rate": _("Heart rate"),
        "blood_sugar": _("Blood sugar"),
    }


def units() -> dict[str, str]:
    return {
        "weight": _("kg"),
        "height": _("cm"),
        "blood_pressure": _("mmHg"),
        "heart_rate": _("beats/min"),
        "blood_sugar": _("g/L"),
    }


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


def answer_names() -> dict[str, str]:
    return {"want": _("I want it"), "refuse": _("I refuse it"), "unsure": _("I do not know yet")}


def directive_treatment_names() -> dict[str, str]:
    return {
        "resuscitation": _("Resuscitation, if my heart or my breathing stops"),
        "ventilation": _("A machine that breathes for me (ventilation)"),
        "dialysis": _("A machine that does the work of my kidneys (dialysis)"),
        "artificial_feeding": _("Food and water through a tube or a drip"),
        "surgery": _("An operation"),
        "transfusion": _("A blood transfusion"),
    }


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class Field:
    """One question of a section's form."""

    name: str
    kind: str  # text, note, radios, select, checkboxes, date, number, time, phone, email
    label: str
    required: bool = False
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    past: bool = False  # a date that can only be in the past
    missing: str | None = None  # what to say when a required field is empty

    @property
    def error_id(self) -> str:
        """The id of the box an error about this field links to (a date's day box)."""
        return f"{self.name}-day" if self.kind == "date" else self.name

    @property
    def max_length(self) -> int:
        return NOTE_MAX if self.kind == "note" else TEXT_MAX

    @property
    def choice_keys(self) -> frozenset[str]:
        return frozenset(key for key, _ in self.choices)


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # "Current treatments"
    intro: str
    add_label: str  # "Add a treatment"
    add_heading: str  # the title of the form
    change_heading: str
    empty: str  # what the page says when there is nothing
    fields: tuple[Field, ...]

    @property
    def single(self) -> bool:
        return self.key in SINGLE

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


def _choices(names: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple(names.items())


def _build() -> dict[str, Section]:
    day_hint = _("For example 27 3 2024. If you do not know the day, write 1.")
    answers = _choices(answer_names())
    treatments = directive_treatment_names()
    built = [
        Section(
            "treatments",
            _("Current treatments"),
            _("The medicines you take now, and when you take them."),
            _("Add a treatment"),
            _("Add a treatment"),
            _("Change a treatment"),
            _("No treatment yet."),
            (
                Field(
                    "name",
                    "text",
                    _("Name of the medicine"),
                    True,
                    _("As written on the box, for example Doliprane."),
                    missing=_("Write the name of the medicine."),
                ),
                Field("dose", "text", _("Dose (if you wish)"), hint=_("For example 500 mg, 1 tablet.")),
                Field(
                    "times",
                    "checkboxes",
                    _("When do you take it?"),
                    hint=_("Tick every time of day that applies."),
                    choices=_choices(time_names()),
                ),
                Field(
                    "instructions",
                    "text",
                    _("How to take it (if you wish)"),
                    hint=_("For example with food."),
                ),
                Field("prescriber", "text", _("Who prescribed it (if you wish)")),
                Field("started", "date", _("Since when (if you know)"), hint=day_hint, past=True),
            ),
        ),
        Section(
            "allergies",
            _("Allergies and intolerances"),
            _("What you react to: medicines, food, anything else."),
            _("Add an allergy or intolerance"),
            _("Add an allergy or intolerance"),
            _("Change an allergy or intolerance"),
            _("No allergy or intolerance yet."),
            (
                Field(
                    "substance",
                    "text",
                    _("What are you allergic or intolerant to?"),
                    True,
                    _("For example penicillin, peanuts, latex."),
                    missing=_("Write what you react to."),
                ),
                Field(
                    "kind",
                    "radios",
                    _("Is it an allergy or an intolerance?"),
                    True,
                    choices=(("allergy", _("An allergy")), ("intolerance", _("An intolerance"))),
                    missing=_("Choose allergy or intolerance."),
                ),
                Field(
                    "reaction",
                    "text",
                    _("What happens to you (if you wish)"),
                    hint=_("For example a rash, swelling."),
                ),
                Field(
                    "severity",
                    "radios",
                    _("How serious is it? (if you know)"),
                    choices=(("mild", _("Mild")), ("moderate", _("Moderate")), ("severe", _("Severe"))),
                ),
            ),
        ),
        Section(
            "conditions",
            _("Illnesses and history"),
            _("Your long-term illnesses, and the illnesses and operations you had."),
            _("Add an illness"),
            _("Add an illness"),
            _("Change an illness"),
            _("No illness yet."),
            (
                Field(
                    "name",
                    "text",
                    _("Name of the illness or operation"),
                    True,
                    missing=_("Write the name of the illness or operation."),
                ),
                Field("since", "date", _("Since when (if you know)"), hint=day_hint, past=True),
                Field("notes", "note", _("Notes (if you wish)")),
            ),
        ),
        Section(
            "family_history",
            _("Family history"),
            _("Illnesses in your family that your doctors should know about."),
            _("Add an illness in the family"),
            _("Add an illness in the family"),
            _("Change an illness in the family"),
            _("No family history yet."),
            (
                Field(
                    "relative",
                    "text",
                    _("Who in your family?"),
                    True,
                    _("For example my mother."),
                    missing=_("Write who in your family had it."),
                ),
                Field(
                    "condition",
                    "text",
                    _("Which illness?"),
                    True,
                    missing=_("Write the name of the illness."),
                ),
                Field("notes", "note", _("Notes (if you wish)")),
            ),
        ),
        Section(
            "hospital_stays",
            _("Hospital stays"),
            _("The times you stayed in hospital."),
            _("Add a hospital stay"),
            _("Add a hospital stay"),
            _("Change a hospital stay"),
            _("No hospital stay yet."),
            (
                Field(
                    "hospital",
                    "text",
                    _("Which hospital or clinic?"),
                    True,
                    missing=_("Write the name of the hospital or clinic."),
                ),
                Field("reason", "text", _("Why (if you wish)")),
                Field("admitted", "date", _("Day you came in (if you know)"), hint=day_hint, past=True),
                Field("left", "date", _("Day you left (if you know)"), hint=day_hint),
            ),
        ),
        Section(
            "vaccinations",
            _("Vaccinations"),
            _("The vaccines you had, and the reminders of the national vaccination schedule for your age."),
            _("Add a vaccination"),
            _("Add a vaccination"),
            _("Change a vaccination"),
            _("No vaccination yet."),
            (
                Field(
                    "vaccine",
                    "select",
                    _("Which vaccine?"),
                    True,
                    choices=_choices(vaccine_names()),
                    missing=_("Choose the vaccine."),
                ),
                Field(
                    "name",
                    "text",
                    _("Name of the vaccine, if it is another one"),
                    hint=_("Only if you chose another vaccine."),
                ),
                Field(
                    "given",
                    "date",
                    _("Day of the vaccination"),
                    True,
                    day_hint,
                    past=True,
                    missing=_("Enter the day of the vaccination, for example 27 3 2024."),
                ),
                Field(
                    "batch",
                    "text",
                    _("Batch number (if you wish)"),
                    hint=_("It is on the sticker in your vaccination record."),
                ),
                Field("given_by", "text", _("Who gave it (if you wish)")),
            ),
        ),
        Section(
            "measurements",
            _("Measurements"),
            _("Your weight, height, blood pressure, heart rate and blood sugar, with their charts."),
            _("Add a measurement"),
            _("Add a measurement"),
            _("Change a measurement"),
            _("No measurement yet."),
            (
                Field(
                    "kind",
                    "radios",
                    _("What did you measure?"),
                    True,
                    choices=tuple((k, f"{kind_names()[k]} ({units()[k]})") for k in KINDS),
                    missing=_("Choose what you measured."),
                ),
                Field(
                    "value",
                    "number",
                    _("Value"),
                    True,
                    _(
                        "In numbers, for example 72.5. "
                        "For blood pressure, the higher number, for example 130."
                    ),
                    missing=_("Write the value, for example 72.5."),
                ),
                Field(
                    "value2", "number", _("Lower number, for blood pressure only"), hint=_("For example 80.")
                ),
                Field(
                    "taken",
                    "date",
                    _("Day of the measurement"),
                    True,
                    day_hint,
                    past=True,
                    missing=_("Enter the day of the measurement, for example 27 3 2024."),
                ),
                Field("time", "time", _("Time (if you wish)"), hint=_("For example 9:30 or 18:00.")),
            ),
        ),
        Section(
            "blood_group",
            _("Blood group"),
            _("Your blood group, as written on your blood group card."),
            _("Add my blood group"),
            _("Add a blood group"),
            _("Change the blood group"),
            _("No blood group yet."),
            (
                Field(
                    "group",
                    "radios",
                    _("Blood group"),
                    True,
                    choices=tuple((g, g) for g in BLOOD_GROUPS),
                    missing=_("Choose the blood group."),
                ),
            ),
        ),
        Section(
            "disabilities",
            _("Disabilities"),
            _("A disability, and what helps you: a wheelchair, a hearing aid, a guide dog..."),
            _("Add a disability"),
            _("Add a disability"),
            _("Change a disability"),
            _("No disability yet."),
            (
                Field(
                    "description",
                    "text",
                    _("Disability"),
                    True,
                    missing=_("Describe the disability in a few words."),
                ),
                Field("aids", "note", _("What helps (if you wish)")),
            ),
        ),
        Section(
            "lifestyle",
            _("Way of life"),
            _("Tobacco, alcohol, physical activity, food: what your doctors should know."),
            _("Add something about your way of life"),
            _("Add something about the way of life"),
            _("Change something about the way of life"),
            _("Nothing about the way of life yet."),
            (
                Field(
                    "topic",
                    "radios",
                    _("About what?"),
                    True,
                    choices=(
                        ("tobacco", _("Tobacco")),
                        ("alcohol", _("Alcohol")),
                        ("physical_activity", _("Physical activity")),
                        ("diet", _("Food and diet")),
                        ("other", _("Something else")),
                    ),
                    missing=_("Choose what it is about."),
                ),
                Field(
                    "details", "note", _("Details (if you wish)"), hint=_("For example 10 cigarettes a day.")
                ),
            ),
        ),
        Section(
            "directives",
            _("Advance directives"),
            _(
                "What you want, or do not want, if one day you cannot say it yourself. They follow the "
                "official form, and a copy is filed in your documents."
            ),
            _("Write my advance directives"),
            _("Write the advance directives"),
            _("Change the advance directives"),
            _("No advance directives yet."),
            (
                Field(
                    "situation",
                    "radios",
                    _("Your situation today"),
                    True,
                    choices=(
                        ("ill", _("I have a serious illness")),
                        ("healthy", _("I do not have a serious illness")),
                    ),
                    missing=_("Choose your situation today."),
                ),
                *(Field(name, "radios", treatments[name], choices=answers) for name in DIRECTIVE_TREATMENTS),
                Field(
                    "sedation",
                    "radios",
                    _(
                        "Being put to sleep deeply until death (deep and continuous sedation), "
                        "if my suffering cannot be relieved"
                    ),
                    choices=answers,
                ),
                Field(
                    "other_wishes",
                    "note",
                    _("Other wishes (if you wish)"),
                    hint=_(
                        "For example where you want to be cared for, your beliefs, who should be with you."
                    ),
                ),
                Field("place", "text", _("Written in (town)")),
                Field(
                    "written_at",
                    "date",
                    _("Day you wrote them"),
                    True,
                    day_hint,
                    past=True,
                    missing=_("Enter the day you wrote them, for example 27 3 2024."),
                ),
            ),
        ),
        Section(
            "organ_donation",
            _("Organ donation"),
            _("Your position on giving your organs after your death, so your family and doctors know it."),
            _("Say my position"),
            _("Your position on organ donation"),
            _("Change the position on organ donation"),
            _("No position yet."),
            (
                Field(
                    "position",
                    "radios",
                    _("Your position"),
                    True,
                    _(
                        "In France everyone is a donor unless they refuse. "
                        "To refuse, also sign up to the national register of refusals."
                    ),
                    choices=(
                        ("donor", _("I agree to give my organs")),
                        ("refuses", _("I refuse to give my organs")),
                        ("undecided", _("I have not decided")),
                    ),
                    missing=_("Choose your position."),
                ),
                Field("note", "note", _("Note (if you wish)")),
            ),
        ),
        Section(
            "contacts",
            _("People to contact"),
            _("The person to call in an emergency, your trusted person, your carer."),
            _("Add a person"),
            _("Add a person to contact"),
            _("Change a person to contact"),
            _("No person to contact yet."),
            (
                Field("name", "text", _("Name"), True, missing=_("Write the name of the person.")),
                Field(
                    "role",
                    "radios",
                    _("Who is this person for you?"),
                    True,
                    choices=(
                        ("emergency", _("The person to call in an emergency")),
                        ("trusted_person", _("My trusted person (personne de confiance)")),
                        ("carer", _("My carer")),
                        ("other", _("Someone else")),
                    ),
                    missing=_("Choose who this person is for you."),
                ),
                Field(
                    "relation",
                    "text",
                    _("Relation (if you wish)"),
                    hint=_("For example my daughter, a neighbour."),
                ),
                Field(
                    "phone", "phone", _("Phone number (if you wish)"), hint=_("For example 06 12 34 56 78.")
                ),
                Field("email", "email", _("Email address (if you wish)")),
            ),
        ),
    ]
    return {section.key: section for section in built}


@cache
def _sections(locale: str) -> dict[str, Section]:
    return _build()


def sections() -> dict[str, Section]:
    """Every section, by key, in the order of the profile, in the current language."""
    return _sections(current_locale())


def section_of(key: str) -> Section | None:
    return sections().get(key) if key in ORDER else None


# --------------------------------------------------------------------------- reading a form


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
    text = format(value.normalize(), "f")
    return text


def parse_time(text: str) -> str | None:
    """A time as typed ("9:30", "9h30", "18h", "09.05") as "HH:MM", or None."""
    found = _TIME.fullmatch(text.strip())
    if not found:
        return None
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    if hours > 23 or minutes > 59:
        return None
    return f"{hours:02d}:{minutes:02d}"


def _read_text(f: Field, raw: str, checked: Checked) -> None:
    value = raw.replace("\r\n", "\n").strip() if f.kind == "note" else _one_line(raw)
    checked.values[f.name] = value
    checked.data[f.name] = value
    if not value:
        if f.required:
            checked.errors[f.error_id] = f.missing or _("Fill in this field.")
        return
    if len(value) > f.max_length:
        checked.errors[f.error_id] = _(
            "Write at most %(count)d characters: this has %(length)d.", count=f.max_length, length=len(value)
        )
    elif f.kind == "phone" and not (_PHONE.fullmatch(value) and sum(c.isdigit() for c in value) >= 3):
        checked.errors[f.error_id] = _("Write the phone number with its digits, for example 06 12 34 56 78.")
    elif f.kind == "email":
        try:
            checked.data[f.name] = normalise_email(value)
        except IdentityError as exc:
            checked.errors[f.error_id] = exc.message


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


def read_form(section: Section, form: FormMultiDict, today: date) -> Checked:
    """Read and check a section's form; ``form`` is the request's form (get, getall)."""
    checked = Checked()
    for f in section.fields:
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
    if section.key == "measurements":
        _check_measurement(section, form, checked)
    elif section.key == "vaccinations":
        if checked.data.get("vaccine") == "other" and not checked.data.get("name"):
            checked.errors.setdefault("name", _("Write the name of the vaccine."))
        if checked.data.get("vaccine") != "other" and "name" not in checked.errors:
            checked.data["name"] = ""
    elif section.key == "hospital_stays":
        admitted, left = checked.data.get("admitted"), checked.data.get("left")
        if admitted and left and left < admitted:
            checked.errors.setdefault(
                "left-day", _("The day you left is before the day you came in. Check both dates.")
            )
    order = [f.error_id for f in section.fields] + ["confirm"]
    checked.errors = {key: checked.errors[key] for key in order if key in checked.errors}
    return checked


def _check_measurement(section: Section, form: FormMultiDict, checked: Checked) -> None:
    """The values are numbers, in the plausible range or confirmed by the person."""
    kind = checked.data.get("kind", "")
    numbers: dict[str, Decimal] = {}
    names = ("value", "value2") if kind == "blood_pressure" else ("value",)
    for name in names:
        typed = checked.values.get(name, "")
        f = section.field(name)
        if not typed:
            if name == "value2":
                checked.errors["value2"] = _("Write the lower number too, for example 80.")
            else:
                checked.errors["value"] = f.missing or ""
            continue
        number = parse_number(typed)
        if number is None:
            checked.errors[name] = _("Write only a number, for example 72.5 or 72,5.")
        elif number <= 0:
            checked.errors[name] = _("The value must be more than 0.")
        else:
            numbers[name] = number
            checked.data[name] = number_text(number)
    if kind != "blood_pressure":
        checked.data.pop("value2", None)
        checked.values["value2"] = ""
    if kind not in PLAUSIBLE or len(numbers) != len(names):
        return
    value = numbers["value"]
    plausible = PLAUSIBLE[kind].low <= value <= PLAUSIBLE[kind].high
    if kind == "blood_pressure":
        low = numbers["value2"]
        plausible = plausible and DIASTOLIC.low <= low <= DIASTOLIC.high and low < value
    if plausible:
        return
    token = ":".join([kind, *(number_text(numbers[n]) for n in names)])
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


# --------------------------------------------------------------------------- words of an entry


def day_text(iso: object) -> str:
    """ "3 March 2026" from "2026-03-03" (what is stored, as it is, when it is not a date)."""
    if not iso:
        return ""
    try:
        return format_date(date.fromisoformat(str(iso)), format="long", locale=babel_locale())
    except ValueError:
        return str(iso)


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


@dataclass(frozen=True)
class Described:
    """An entry in words: a title, then (label, value) facts, and one short line for the overview."""

    title: str
    facts: tuple[tuple[str, str], ...]
    line: str


def _facts(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((label, value) for label, value in pairs if value)


def describe(section_key: str, data: Mapping[str, Any]) -> Described:
    """The words that show an entry of ``section_key``."""

    def get(name: str, default: str = "") -> str:
        value = data.get(name)
        return default if value is None or isinstance(value, list) else str(value)

    if section_key == "treatments":
        times = ", ".join(time_names()[t] for t in data.get("times") or [] if t in time_names())
        facts = _facts(
            [
                (_("Dose"), get("dose", "")),
                (_("When"), times),
                (_("How"), get("instructions", "")),
                (_("Prescribed by"), get("prescriber", "")),
                (_("Since"), day_text(get("started"))),
            ]
        )
        line = " – ".join(part for part in (get("name", ""), get("dose", ""), times) if part)
        return Described(get("name", ""), facts, line)
    if section_key == "allergies":
        kind = {"allergy": _("Allergy"), "intolerance": _("Intolerance")}.get(get("kind", ""), "")
        severity = {"mild": _("Mild"), "moderate": _("Moderate"), "severe": _("Severe")}.get(
            get("severity", ""), ""
        )
        facts = _facts(
            [(_("Kind"), kind), (_("Reaction"), get("reaction", "")), (_("How serious"), severity)]
        )
        details = ", ".join(part for part in (kind.lower(), severity.lower()) if part)
        line = get("substance", "") + (f" ({details})" if details else "")
        return Described(get("substance", ""), facts, line)
    if section_key == "conditions":
        since = day_text(get("since"))
        facts = _facts([(_("Since"), since), (_("Notes"), get("notes", ""))])
        line = get("name", "") + (" – " + _("since %(day)s", day=since) if since else "")
        return Described(get("name", ""), facts, line)
    if section_key == "family_history":
        facts = _facts([(_("Who"), get("relative", "")), (_("Notes"), get("notes", ""))])
        return Described(get("condition", ""), facts, f"{get('condition', '')} ({get('relative', '')})")
    if section_key == "hospital_stays":
        admitted, left = day_text(get("admitted")), day_text(get("left"))
        facts = _facts([(_("Why"), get("reason", "")), (_("Came in"), admitted), (_("Left"), left)])
        line = get("hospital", "") + (f" – {admitted}" if admitted else "")
        return Described(get("hospital", ""), facts, line)
    if section_key == "vaccinations":
        name = (
            get("name")
            if get("vaccine") == "other" and get("name")
            else vaccine_names().get(get("vaccine", ""), "")
        )
        given = day_text(get("given"))
        facts = _facts(
            [(_("Given on"), given), (_("Batch"), get("batch", "")), (_("Given by"), get("given_by", ""))]
        )
        return Described(name or "", facts, f"{name} – {given}")
    if section_key == "measurements":
        kind = get("kind", "")
        shown = measurement_text(kind, data)
        taken = day_text(get("taken")) + (f", {get('time')}" if get("time") else "")
        facts = _facts([(_("Value"), shown), (_("Taken on"), taken)])
        title = kind_names().get(kind, "")
        return Described(title, facts, f"{title}: {shown} ({taken})")
    if section_key == "blood_group":
        return Described(get("group", ""), (), get("group", ""))
    if section_key == "disabilities":
        facts = _facts([(_("What helps"), get("aids", ""))])
        return Described(get("description", ""), facts, get("description", ""))
    if section_key == "lifestyle":
        topic = dict(sections()["lifestyle"].field("topic").choices).get(get("topic", ""), "")
        facts = _facts([(_("Details"), get("details", ""))])
        line = topic + (f": {get('details')}" if get("details") else "")
        return Described(topic, facts, line)
    if section_key == "directives":
        situation = dict(sections()["directives"].field("situation").choices).get(get("situation", ""), "")
        answers = answer_names()
        choices = [
            (label, answers.get(get(name, ""), ""))
            for name, label in [
                *directive_treatment_names().items(),
                ("sedation", _("Deep and continuous sedation")),
            ]
        ]
        written = day_text(get("written_at"))
        facts = _facts(
            [
                (_("Situation"), situation),
                *choices,
                (_("Other wishes"), get("other_wishes", "")),
                (_("Written in"), get("place", "")),
                (_("Written on"), written),
            ]
        )
        line = _("Written on %(day)s", day=written) if written else ""
        return Described(_("My advance directives"), facts, line)
    if section_key == "organ_donation":
        position = dict(sections()["organ_donation"].field("position").choices).get(get("position", ""), "")
        facts = _facts([(_("Note"), get("note", ""))])
        return Described(position, facts, position)
    if section_key == "contacts":
        role = dict(sections()["contacts"].field("role").choices).get(get("role", ""), "")
        facts = _facts(
            [
                (_("For you"), role),
                (_("Relation"), get("relation", "")),
                (_("Phone"), get("phone", "")),
                (_("Email"), get("email", "")),
            ]
        )
        line = ", ".join(part for part in (get("name", ""), get("relation", ""), get("phone", "")) if part)
        return Described(get("name", ""), facts, line)
    return Described("", (), "")
