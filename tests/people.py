"""People for integration tests: active accounts, and a client signed in as one of them."""

from __future__ import annotations

import base64
import secrets
from typing import Any
from uuid import UUID

from portal.accounts.passwords import hash_password
from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.sessions import cookie_name, start_session
from tests.conftest import TEST_MASTER_KEY

PASSWORD = "correct horse battery"


def luhn_rpps(first_ten: str) -> str:
    """An 11-digit RPPS number whose last digit is the Luhn key of ``first_ten``."""
    total = 0
    for position, char in enumerate(reversed(first_ten)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return first_ten + str((10 - total % 10) % 10)


def portal_client(make_client: Any, **overrides: Any) -> Any:
    """A client whose master key opens the keys every test of the session shares."""
    return make_client(
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(), default_locale="en", **overrides
    )


def run(client: Any, fn: Any) -> Any:
    """Run ``fn()`` in the app's event loop, with the app's engine."""
    return client.blocking_portal.call(fn)


def make_person(
    client: Any,
    role: Role = Role.PATIENT,
    *,
    given_names: str = "Jeanne",
    family_name: str = "Dupont",
    profession: str | None = None,
    rpps: str | None = None,
    place_of_practice: str | None = None,
    password: str | None = None,
) -> UUID:
    """An active account (with ``password`` when given)."""

    async def go() -> UUID:
        async with client.app.state.engine.transaction():
            account_id = await create_account(
                Keyring(TEST_MASTER_KEY),
                role,
                PersonIdentity(
                    family_name=family_name,
                    given_names=given_names,
                    email=f"{given_names.lower()}.{secrets.token_hex(4)}@example.org",
                    profession=profession,
                    rpps=rpps,
                    place_of_practice=place_of_practice,
                ),
            )
            values: dict[Any, Any] = {Account.status: "active", Account.code_channel: "email"}
            if password:
                values[Account.password_hash] = await hash_password(password)
            await Account.update(values).where(Account.id == account_id)
        return account_id

    result: UUID = run(client, go)
    return result


def sign_in_as(client: Any, account_id: UUID, role: Role = Role.PATIENT) -> str:
    """Start a session for ``account_id`` and give its cookie to ``client``."""

    async def go() -> str:
        async with client.app.state.engine.transaction():
            return await start_session(client.app.state.sessions, account_id, role)

    token: str = run(client, go)
    client.cookies.set(cookie_name(client.app.state.settings), token, domain=client.base_url.host)
    return token


def unique_rpps() -> str:
    return luhn_rpps("1" + "".join(secrets.choice("0123456789") for _ in range(9)))
