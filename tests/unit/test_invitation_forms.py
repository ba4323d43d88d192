"""The invitation forms read with ``portal.core.forms``: a carer's (``portal.carers.forms``)
and a mediator's (``portal.outreach.forms``): each error at its field, in the order of the
page, what was typed kept, and the values cleaned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from litestar.datastructures import FormMultiDict

from portal.accounts.identity import nir_key
from portal.carers import forms as carers
from portal.core.access import Action, Area
from portal.core.i18n import use_locale
from portal.outreach import forms as outreach

TODAY = date(2026, 12, 8)
NIR = "2680375123456" + nir_key("2680375123456")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_locale("en"):
        yield


def _sent(**fields: str) -> FormMultiDict:
    return FormMultiDict({name.replace("__", "-"): value for name, value in fields.items()})


# --------------------------------------------------------------------------- a carer


CARER: dict[str, Any] = {
    "how": "identity",
    "family_name": " Dupont ",
    "given_names": "Claire",
    "dob__day": "27",
    "dob__month": "3",
    "dob__year": "1968",
    "nir": NIR,
    "relation": "daughter",
    "area__documents": "read",
    "area__agenda": "write",
    "ends__day": "1",
    "ends__month": "6",
    "ends__year": "2027",
}


def test_a_carer_found_by_identity_is_read_with_what_they_may_do():
    form = carers.read_invitation(_sent(**CARER), TODAY)
    assert form.ok and carers.to_look_up(form)
    assert form.data["family_name"] == "Dupont" and form.data["dob"] == date(1968, 3, 27)
    assert form.data["nir"] == NIR and form.data["ends"] == date(2027, 6, 1)
    assert form.data["areas"] == {Area.DOCUMENTS: Action.READ, Area.AGENDA: Action.WRITE}


def test_a_carer_invited_by_email_is_not_looked_up_and_what_was_typed_stays():
    form = carers.read_invitation(_sent(**{**CARER, "how": "email", "email": "Claire@Example.ORG"}), TODAY)
    assert form.ok and not carers.to_look_up(form) and form.data["email"] == "Claire@example.org"
    assert form.value("family_name") == "Dupont" and form.date_value("dob")["year"] == "1968"


def test_a_carers_invitation_explains_each_mistake_at_its_field_in_the_order_of_the_page():
    sent = {
        **CARER,
        "dob__day": "31",
        "dob__month": "2",
        "nir": "",
        "relation": "forged",
        "area__documents": "",
        "area__agenda": "",
        "ends__day": "",
        "ends__month": "",
        "ends__year": "",
    }
    form = carers.read_invitation(_sent(**sent), TODAY)
    assert list(form.summary) == ["dob-day", "nir", "relation", "area-documents", "ends-day"]
    assert form.errors["ends"] == "Choose until when this person may help you, for example in one year."
    assert not carers.to_look_up(form)
    half = carers.read_invitation(_sent(**{**CARER, "ends__year": ""}), TODAY)
    assert half.errors == {"ends": "Enter the date, for example 27 3 2024."}
    past = carers.read_invitation(_sent(**{**CARER, "ends__year": "2025"}), TODAY)
    assert past.errors == {"ends": "This date has passed. Choose a date from today on."}


def test_a_new_carers_invitation_is_for_a_year():
    form = carers.blank_invitation(TODAY)
    assert form.value("how") == "identity" and form.date_value("ends") == {
        "day": "8",
        "month": "12",
        "year": "2027",
    }


# --------------------------------------------------------------------------- a mediator's invitation


PERSON = {
    "family_name": "Martin",
    "given_names": "Jeanne  Marie",
    "dob__day": "27",
    "dob__month": "3",
    "dob__year": "1941",
    "nir": NIR,
    "delivery": "letter",
    "email": "",
    "mobile": "06 12 34 56 78",
    "postal_address": "  12 rue des Tilleuls \r\n\r\n 23200 Aubusson ",
}


def test_a_mediators_invitation_gives_the_person():
    form = outreach.read_invitation(_sent(**PERSON), TODAY)
    assert form.ok and form.data["delivery"] == "letter"
    person = outreach.invited_person(form)
    assert person.given_names == "Jeanne Marie" and person.date_of_birth == "1941-03-27"
    assert person.postal_address == "12 rue des Tilleuls\n23200 Aubusson"
    assert person.email is None and person.mobile == "+33612345678"


def test_a_mediators_invitation_explains_each_mistake_and_keeps_what_was_typed():
    form = outreach.read_invitation(
        _sent(**{**PERSON, "family_name": "x" * 101, "delivery": "email", "postal_address": "a" * 301}), TODAY
    )
    assert form.errors == {
        "family_name": "Write at most 100 characters.",
        "email": "Enter the person's email address, or choose the letter.",
        "postal_address": "Write at most 300 characters.",
    }
    assert form.value("family_name") == "x" * 101 and form.value("postal_address") == "a" * 301
    letter = outreach.read_invitation(_sent(**{**PERSON, "postal_address": " \r\n "}), TODAY)
    assert letter.errors == {"postal_address": "Enter the postal address: it is printed on the letter."}
