"""People for integration tests: active accounts, and a client signed in as one of them."""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any
from uuid import UUID

import httpx

from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.sessions import cookie_name, start_session
from tests.conftest import TEST_MASTER_KEY
from tests.personas import new_person

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
    """An active account (with ``password`` when given): ``tests.personas.new_person``."""

    async def go() -> UUID:
        async with client.app.state.engine.transaction():
            return await new_person(
                Keyring(TEST_MASTER_KEY),
                role,
                given_names=given_names,
                family_name=family_name,
                profession=profession,
                rpps=rpps,
                place_of_practice=place_of_practice,
                password=password,
            )

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


def delegate(
    client: Any,
    patient: UUID,
    carer: UUID,
    areas: str,
    *,
    relation: str = "daughter",
    legal_representative: bool = False,
) -> UUID:
    """An active delegation from ``patient`` to ``carer`` for ``areas``
    ("documents:read,messages:write"), the patient having called the carer ``relation``."""
    from portal.carers.services import _place
    from portal.carers.tables import Delegation
    from portal.core.records import seal_json

    async def go() -> UUID:
        delegation = uuid.uuid4()
        async with client.app.state.engine.transaction():
            await Delegation.insert(
                Delegation(
                    id=delegation,
                    patient=patient,
                    carer=carer,
                    sealed_details=await seal_json(
                        Keyring(TEST_MASTER_KEY),
                        _place(delegation, patient),
                        {"relation": relation, "email": ""},
                    ),
                    areas=areas,
                    legal_representative=legal_representative,
                    status="active",
                )
            )
        return delegation

    result: UUID = run(client, go)
    return result


def act_for(client: Any, carer: UUID, patient: UUID, *, kiosk: bool = False) -> str:
    """Give ``client`` a session of ``carer`` in ``patient``'s space (as "enter their space" does)."""

    async def go() -> str:
        async with client.app.state.engine.transaction():
            return await start_session(
                client.app.state.sessions, carer, Role.PATIENT, kiosk=kiosk, acting_for=patient
            )

    token: str = run(client, go)
    client.cookies.clear()
    client.cookies.set(cookie_name(client.app.state.settings), token, domain=client.base_url.host)
    return token


class SecondBrowser:
    """Another browser on the same running portal: its own cookies (its own session), the
    same app. Two apps in one test would bind the tables to two engines, and on PostgreSQL
    a pool made in one app's event loop cannot serve the other's."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.cookies = httpx.Cookies()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        mine = self._client.cookies
        self._client.cookies = self.cookies
        try:
            return self._client.request(method, url, **kwargs)
        finally:
            self.cookies = self._client.cookies
            self._client.cookies = mine

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Any:
        return self.request("POST", url, **kwargs)
