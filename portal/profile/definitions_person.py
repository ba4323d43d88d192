"""The sections of the profile about the person: blood group, disabilities, way of life,
advance directives, organ donation and people to contact (one function per section: its
titles, its fields and their choices). ``definitions.sections()`` gathers them with
those of ``definitions_care``."""

from __future__ import annotations

from portal.core.i18n import gettext as _
from portal.profile.fields import Field, Section, day_hint
from portal.profile.vocabulary import (
    BLOOD_GROUPS,
    DIRECTIVE_TREATMENTS,
    answer_names,
    contact_role_answers,
    directive_treatment_names,
    donation_answers,
    situation_answers,
    topic_names,
)


def blood_group() -> Section:
    return Section(
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
    )


def disabilities() -> Section:
    return Section(
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
    )


def lifestyle() -> Section:
    return Section(
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
                choices=tuple(topic_names().items()),
                missing=_("Choose what it is about."),
            ),
            Field("details", "note", _("Details (if you wish)"), hint=_("For example 10 cigarettes a day.")),
        ),
    )


def _directive_fields() -> tuple[Field, ...]:
    answers = tuple(answer_names().items())
    treatments = directive_treatment_names()
    return (
        Field(
            "situation",
            "radios",
            _("Your situation today"),
            True,
            choices=tuple(situation_answers().items()),
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
            hint=_("For example where you want to be cared for, your beliefs, who should be with you."),
        ),
        Field("place", "text", _("Written in (town)")),
        Field(
            "written_at",
            "date",
            _("Day you wrote them"),
            True,
            day_hint(),
            past=True,
            missing=_("Enter the day you wrote them, for example 27 3 2024."),
        ),
    )


def directives() -> Section:
    return Section(
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
        _directive_fields(),
    )


def organ_donation() -> Section:
    return Section(
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
                choices=tuple(donation_answers().items()),
                missing=_("Choose your position."),
            ),
            Field("note", "note", _("Note (if you wish)")),
        ),
    )


def contacts() -> Section:
    return Section(
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
                choices=tuple(contact_role_answers().items()),
                missing=_("Choose who this person is for you."),
            ),
            Field(
                "relation",
                "text",
                _("Relation (if you wish)"),
                hint=_("For example my daughter, a neighbour."),
            ),
            Field("phone", "phone", _("Phone number (if you wish)"), hint=_("For example 06 12 34 56 78.")),
            Field("email", "email", _("Email address (if you wish)")),
        ),
    )
