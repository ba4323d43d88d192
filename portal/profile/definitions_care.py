"""The sections of the profile about care: treatments, allergies and intolerances,
illnesses, family history, hospital stays, vaccinations and measurements (one function
per section: its titles, its fields and their choices). ``definitions.sections()``
gathers them with those of ``definitions_person``."""

from __future__ import annotations

from portal.core.i18n import gettext as _
from portal.profile.fields import Field, Section, day_hint
from portal.profile.vaccines import vaccine_names
from portal.profile.vocabulary import (
    KINDS,
    allergy_kind_answers,
    kind_names,
    severity_names,
    time_names,
    units,
)


def treatments() -> Section:
    return Section(
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
                choices=tuple(time_names().items()),
            ),
            Field(
                "instructions", "text", _("How to take it (if you wish)"), hint=_("For example with food.")
            ),
            Field("prescriber", "text", _("Who prescribed it (if you wish)")),
            Field("started", "date", _("Since when (if you know)"), hint=day_hint(), past=True),
        ),
    )


def allergies() -> Section:
    return Section(
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
                choices=tuple(allergy_kind_answers().items()),
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
                choices=tuple(severity_names().items()),
            ),
        ),
    )


def conditions() -> Section:
    return Section(
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
            Field("since", "date", _("Since when (if you know)"), hint=day_hint(), past=True),
            Field("notes", "note", _("Notes (if you wish)")),
        ),
    )


def family_history() -> Section:
    return Section(
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
                "condition", "text", _("Which illness?"), True, missing=_("Write the name of the illness.")
            ),
            Field("notes", "note", _("Notes (if you wish)")),
        ),
    )


def hospital_stays() -> Section:
    return Section(
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
            Field("admitted", "date", _("Day you came in (if you know)"), hint=day_hint(), past=True),
            Field("left", "date", _("Day you left (if you know)"), hint=day_hint()),
        ),
    )


def vaccinations() -> Section:
    return Section(
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
                choices=tuple(vaccine_names().items()),
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
                day_hint(),
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
    )


def measurements() -> Section:
    names, unit_names = kind_names(), units()
    return Section(
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
                choices=tuple((k, f"{names[k]} ({unit_names[k]})") for k in KINDS),
                missing=_("Choose what you measured."),
            ),
            Field(
                "value",
                "number",
                _("Value"),
                True,
                _("In numbers, for example 72.5. For blood pressure, the higher number, for example 130."),
                missing=_("Write the value, for example 72.5."),
            ),
            Field("value2", "number", _("Lower number, for blood pressure only"), hint=_("For example 80.")),
            Field(
                "taken",
                "date",
                _("Day of the measurement"),
                True,
                day_hint(),
                past=True,
                missing=_("Enter the day of the measurement, for example 27 3 2024."),
            ),
            Field("time", "time", _("Time (if you wish)"), hint=_("For example 9:30 or 18:00.")),
        ),
    )
