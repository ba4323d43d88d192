"""What the mediator's tests share: a well-formed social security number nobody has, the
invitation form, and reading the forms of a page."""

from __future__ import annotations

import html
import re
import secrets
from typing import Any

from portal.accounts.identity import nir_key
from tests.conftest import csrf

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


def form_action(page: str, ends_with: str) -> str:
    found = re.search(rf'<form method="post" action="([^"]*{re.escape(ends_with)})"', page)
    assert found, f"no form ending with {ends_with}"
    return found.group(1)


def hidden(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def field_value(page: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}" name="{field_id}" type="[a-z]+" value="([^"]*)"', page)
    assert found, f"no field {field_id}"
    return html.unescape(found.group(1))
