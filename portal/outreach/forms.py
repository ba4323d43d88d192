"""The mediator's invitation form: each field checked, each error at its field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portal.accounts import identity
from portal.accounts.services import PersonIdentity
from portal.core.i18n import gettext as _

NAME_MAX = 100
ADDRESS_MAX = 300
FIELDS = ("family_name", "given_names", "dob-day", "nir", "delivery", "email", "mobile", "postal_address")


@dataclass
class InvitationForm:
    """What was typed (to show it again) and what is wrong with it."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    person: PersonIdentity | None = None

    @property
    def delivery(self) -> str:
        return self.values.get("delivery", "")

    @property
    def dates(self) -> dict[str, str]:
        return {part: self.values.get(f"dob-{part}", "") for part in ("day", "month", "year")}


def _name(values: dict[str, str], name: str, errors: dict[str, str], missing: str) -> str:
    value = " ".join(values.get(name, "").split())
    if not value:
        errors[name] = missing
    elif len(value) > NAME_MAX:
        errors[name] = _("Write at most %(count)d characters.", count=NAME_MAX)
    return value


def _checked(values: dict[str, str], name: str, errors: dict[str, str], check: Any) -> str | None:
    raw = values.get(name, "").strip()
    if not raw:
        return None
    try:
        result: str = check(raw)
    except identity.IdentityError as exc:
        errors[name] = exc.message
        return None
    return result


def read_invitation_form(form: Any, today: date) -> InvitationForm:
    """Check the form; ``person`` is set only when everything is right."""
    values = {name: str(form.get(name, "")) for name in (*FIELDS, "dob-month", "dob-year")}
    errors: dict[str, str] = {}
    family_name = _name(values, "family_name", errors, _("Enter the person's family name."))
    given_names = _name(values, "given_names", errors, _("Enter the person's given names."))
    born = None
    try:
        born = identity.parse_date_of_birth(values["dob-day"], values["dob-month"], values["dob-year"], today)
    except identity.IdentityError as exc:
        errors["dob-day"] = exc.message
    nir = _checked(values, "nir", errors, identity.normalise_nir)
    if nir is None and "nir" not in errors:
        errors["nir"] = _("Enter the social security number. It is on the Carte Vitale.")
    delivery = values["delivery"]
    if delivery not in ("email", "letter"):
        errors["delivery"] = _("Choose how the person receives their code.")
    email = _checked(values, "email", errors, identity.normalise_email)
    if delivery == "email" and email is None and "email" not in errors:
        errors["email"] = _("Enter the person's email address, or choose the letter.")
    mobile = _checked(values, "mobile", errors, identity.normalise_mobile)
    address = "\n".join(line.strip() for line in values["postal_address"].splitlines() if line.strip())
    if len(address) > ADDRESS_MAX:
        errors["postal_address"] = _("Write at most %(count)d characters.", count=ADDRESS_MAX)
    elif delivery == "letter" and not address:
        errors["postal_address"] = _("Enter the postal address: it is printed on the letter.")
    ordered = {name: errors[name] for name in FIELDS if name in errors}
    if ordered or born is None:
        return InvitationForm(values, ordered)
    person = PersonIdentity(
        family_name=family_name,
        given_names=given_names,
        date_of_birth=born.isoformat(),
        nir=nir,
        email=email,
        mobile=mobile,
        postal_address=address or None,
    )
    return InvitationForm(values, {}, person)
