"""The mediator's invitation form, read with ``portal.core.forms``: each field checked,
each error at its field, in the order of the page.

``read_invitation`` gives the form's result; once it is ``ok``, ``invited_person`` says
who the space is made for. Nothing is made or sent here: that is the route's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from portal.accounts import identity
from portal.accounts.services import PersonIdentity
from portal.core.forms import FieldError, FormReader, FormResult, Messages
from portal.core.i18n import gettext as _

NAME_MAX = 100
ADDRESS_MAX = 300
DELIVERIES = ("email", "letter")


def _optional(check: Callable[[str], str]) -> Callable[[str], str | None]:
    """A reader of a field that may be left empty (None), else checked by ``check``
    (``identity``'s), whose words say what to mend."""

    def parse(typed: str) -> str | None:
        if not typed.strip():
            return None
        try:
            return check(typed.strip())
        except identity.IdentityError as error:
            raise FieldError(error.message) from None

    return parse


def _nir(typed: str) -> str:
    found = _optional(identity.normalise_nir)(typed)
    if found is None:
        raise FieldError(_("Enter the social security number. It is on the Carte Vitale."))
    return found


def _address(typed: str) -> str:
    """The postal address: its lines, each trimmed, the empty ones left out."""
    address = "\n".join(line.strip() for line in typed.splitlines() if line.strip())
    if len(address) > ADDRESS_MAX:
        raise FieldError(Messages.too_long(ADDRESS_MAX, len(address)))
    return address


def read_invitation(sent: Any, today: date) -> FormResult:
    """The invitation's form, checked: the person's names, date of birth and social
    security number, how they receive their code (by email, or on a letter printed now,
    which needs the postal address), their email address and mobile number if any."""
    reader = FormReader(sent)
    reader.text(
        "family_name", max_length=NAME_MAX, required=True, missing=_("Enter the person's family name.")
    )
    reader.text(
        "given_names", max_length=NAME_MAX, required=True, missing=_("Enter the person's given names.")
    )
    reader.date(
        "dob",
        latest=today,
        earliest_year=identity.EARLIEST_BIRTH_YEAR,
        missing=_("Enter your date of birth, for example 27 3 1948."),
    )
    reader.field("nir", _nir)
    choose = _("Choose how the person receives their code.")
    delivery = reader.choice("delivery", DELIVERIES, required=True, missing=choose, unknown=choose)
    email = reader.field("email", _optional(identity.normalise_email))
    form = reader.result
    if delivery == "email" and email is None and "email" not in form.errors:
        form.error("email", _("Enter the person's email address, or choose the letter."))
    reader.field("mobile", _optional(identity.normalise_mobile))
    address = reader.field("postal_address", _address)
    if delivery == "letter" and address == "":
        form.error("postal_address", _("Enter the postal address: it is printed on the letter."))
    return form


def invited_person(form: FormResult) -> PersonIdentity:
    """Who the space is made for, from an invitation's form that is ``ok``."""
    data = form.data
    return PersonIdentity(
        family_name=data["family_name"],
        given_names=data["given_names"],
        date_of_birth=data["dob"].isoformat(),
        nir=data["nir"],
        email=data["email"],
        mobile=data["mobile"],
        postal_address=data["postal_address"] or None,
    )
