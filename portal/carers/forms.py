"""The invitation of a carer, read with ``portal.core.forms``: how to find the person (by
name, date of birth and social security number, or by email address), who they are for
the patient, what they may do, and until when.

``read_invitation`` gives the form's result: what was typed (to show it again), the errors
by field in the order of the page, and the values cleaned. Nothing is looked up or saved
here: finding the person and inviting them is the route's.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from portal.accounts import identity
from portal.carers import services
from portal.core.access import DELEGABLE_AREAS, Action, Area
from portal.core.forms import FieldError, FormReader, FormResult, date_parts, one_line
from portal.core.i18n import gettext as _

HOW = ("identity", "email")
ACCESS = ("read", "write")
NAME_MAX = 200
IDENTITY_FIELDS = ("family_name", "given_names", "nir")


def area_field(area: Area) -> str:
    """The radios of what the carer may do in ``area``: "area-documents"."""
    return f"area-{area.value}"


def blank_invitation(today: date) -> FormResult:
    """A new invitation's form: found by identity, for one year from ``today``."""
    return FormResult.filled({"how": "identity", "ends": date_parts(today + timedelta(days=365))})


def _nir(typed: str) -> str:
    if not typed.strip():
        raise FieldError(_("Enter the social security number of the person. It is on their Carte Vitale."))
    try:
        return identity.normalise_nir(typed.strip())
    except identity.IdentityError as error:
        raise FieldError(error.message) from None


def _email(typed: str) -> str:
    if not typed.strip():
        raise FieldError(_("Enter the email address of the person."))
    try:
        return identity.normalise_email(typed)
    except identity.IdentityError as error:
        raise FieldError(error.message) from None


def _as_typed(reader: FormReader, names: tuple[str, ...]) -> None:
    """Fields of the other way of finding the person: not checked, shown again as typed."""
    for name in names:
        typed = reader.sent.get(name, "")
        reader.result.values[name] = one_line(typed) if isinstance(typed, str) else ""


def to_look_up(form: FormResult) -> bool:
    """Whether the person is named by identity, and rightly: then they are looked up
    (whatever the rest of the form says)."""
    return form.value("how") == "identity" and not any(
        name in form.errors for name in (*IDENTITY_FIELDS, "dob")
    )


def _read_person(reader: FormReader, today: date) -> None:
    """How the person is found, and the fields of that way: by identity ``family_name``,
    ``given_names``, ``dob`` and ``nir``, or by email ``email``; the other way's fields are
    shown again as typed."""
    how = reader.choice(
        "how",
        HOW,
        required=True,
        missing=_("Choose how to find the person."),
        unknown=_("Choose how to find the person."),
    )
    if how == "identity":
        reader.text(
            "family_name",
            max_length=NAME_MAX,
            required=True,
            missing=_("Enter the family name of the person."),
        )
        reader.text(
            "given_names",
            max_length=NAME_MAX,
            required=True,
            missing=_("Enter the first name of the person."),
        )
        reader.date("dob", latest=today)
        reader.field("nir", _nir)
    else:
        _as_typed(reader, IDENTITY_FIELDS)
        reader.result.values["dob"] = {
            part: one_line(str(reader.sent.get(f"dob-{part}", "") or "")) for part in ("day", "month", "year")
        }
    if how == "email":
        reader.field("email", _email)
    else:
        _as_typed(reader, ("email",))


def _read_areas(reader: FormReader) -> None:
    """What the carer may do, by area (``areas``): at least one."""
    areas: dict[Area, Action] = {}
    for area in DELEGABLE_AREAS:
        chosen = reader.choice(area_field(area), ACCESS, fallback="")
        if chosen:
            areas[area] = Action(chosen)
    form = reader.result
    if not areas:
        form.error(
            area_field(DELEGABLE_AREAS[0]), _("Choose at least one part of your space this person may use.")
        )
    form.data["areas"] = areas


def _read_ends(reader: FormReader, today: date) -> None:
    """The last day of the help (``ends``): said, and from today on."""
    form = reader.result
    ends = reader.date("ends", required=False)
    if "ends" not in form.errors:
        if ends is None:
            form.error("ends", _("Choose until when this person may help you, for example in one year."))
        elif ends < today:
            form.error("ends", _("This date has passed. Choose a date from today on."))


def read_invitation(sent: Any, today: date) -> FormResult:
    """An invitation's form, checked. Its data: ``how``; by identity ``family_name``,
    ``given_names``, ``dob`` and ``nir``, or by email ``email``; ``relation``; ``areas``
    (what the carer may do, by area: at least one); ``ends`` (the last day, from today on)."""
    reader = FormReader(sent)
    _read_person(reader, today)
    reader.choice(
        "relation",
        tuple(services.relation_words()),
        required=True,
        missing=_("Choose who this person is for you."),
        unknown=_("Choose who this person is for you."),
    )
    _read_areas(reader)
    _read_ends(reader, today)
    return reader.result
