"""What the mediator's tests share: a well-formed social security number nobody has, the
invitation form, and reading the forms of a page."""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from portal.accounts.identity import nir_key
from tests.conftest import csrf
from tests.html import page

BIRTH = {"dob-day": "27", "dob-month": "3", "dob-year": "1941"}


def unique_nir() -> str:
    number = "2410323" + "".join(secrets.choice("0123456789") for _ in range(6))
    return number + nir_key(number + "00")


def invitation_form(**changes: str) -> dict[str, str]:
    values = {
        "family_name": "Lemercier",
        "given_names": "Odette",
        **BIRTH,
        "nir": unique_nir(),
        "delivery": "letter",
        "email": "",
        "mobile": "06 12 34 56 78",
        "postal_address": "3 rue du Marché\n23200 Aubusson",
    }
    values.update(changes)
    return values


def invite(client: Any, **changes: str) -> Any:
    return client.post("/mediator/invite", data={"_csrf_token": csrf(client), **invitation_form(**changes)})


def form_action(text: str, ends_with: str) -> str:
    """The address of the (first) form of the page posted to an address ending with ``ends_with``."""
    actions = [str(form["action"]) for form in page(text).all('form[method="post"][action]')]
    found = [action for action in actions if action.endswith(ends_with)]
    assert found, f"no form ending with {ends_with}"
    return found[0]


def hidden(text: str, name: str) -> str:
    """The value of the (first) hidden field ``name`` of the page."""
    found = page(text).all(f'input[type="hidden"][name="{name}"][value]')
    assert found, f"no hidden field {name}"
    return str(found[0]["value"])


def field_value(text: str, field_id: str) -> str:
    """The value of the input whose id and name are ``field_id``."""
    found = page(text).all(f'input[id="{field_id}"][name="{field_id}"][type][value]')
    assert len(found) == 1, f"no field {field_id}"
    return str(found[0]["value"])


def letter_form(text: str) -> tuple[str, UUID]:
    """The address of the page's form that prints the letter, and the space it is for."""
    action = form_action(text, "/letter")
    account_id = UUID(action.removeprefix("/mediator/invitations/").removesuffix("/letter"))
    assert action == f"/mediator/invitations/{account_id}/letter", action
    return action, account_id
