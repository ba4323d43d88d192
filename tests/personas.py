"""One way to make a person for any test: an active account, as activation leaves it.

Integration tests call it through ``tests.people.make_person`` (in the test app's loop); the
browser journeys call it in a small process given the live server's data folder and database
(``e2e.people``). Call it inside a transaction.
"""

from __future__ import annotations

import secrets
from typing import Any
from uuid import UUID

from portal.accounts.passwords import hash_password
from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.core.access import Role
from portal.core.keys import Keyring


def new_email(given_names: str = "Marie") -> str:
    """An address nobody has yet."""
    return f"{given_names.lower()}.{secrets.token_hex(4)}@example.org"


async def new_person(
    keyring: Keyring,
    role: Role = Role.PATIENT,
    *,
    given_names: str = "Jeanne",
    family_name: str = "Dupont",
    email: str | None = None,
    mobile: str | None = None,
    nir: str | None = None,
    profession: str | None = None,
    rpps: str | None = None,
    place_of_practice: str | None = None,
    password: str | None = None,
    channel: str = "email",
) -> UUID:
    """An active account whose sign-in codes go to ``channel`` (with ``password`` when given;
    an address of its own unless ``email`` says which)."""
    account_id = await create_account(
        keyring,
        role,
        PersonIdentity(
            family_name=family_name,
            given_names=given_names,
            email=email or new_email(given_names),
            mobile=mobile,
            nir=nir,
            profession=profession,
            rpps=rpps,
            place_of_practice=place_of_practice,
        ),
    )
    values: dict[Any, Any] = {Account.status: "active", Account.code_channel: channel}
    if password:
        values[Account.password_hash] = await hash_password(password)
    await Account.update(values).where(Account.id == account_id)
    return account_id
