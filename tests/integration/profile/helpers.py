"""People and helpers of the profile's integration tests: a patient with a date of birth,
professionals of their circle, signing in as one of them, posting forms, reading the audit
trail of one patient (the PostgreSQL database is shared by the whole session)."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any

from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.circle.services import add_to_circle, set_blocked
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.profile.tables import ProfileEntry
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.people import run, sign_in_as, unique_rpps
from tests.trail import audit_events

HTMX = {"HX-Request": "true"}


def person(
    app: Any,
    role: Role = Role.PATIENT,
    *,
    born: str | None = "1950-06-15",
    given_names: str = "Jeanne",
    family_name: str = "Dupont",
    profession: str | None = None,
) -> uuid.UUID:
    """An active account; a patient has a date of birth unless ``born`` is None."""

    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            account_id = await create_account(
                Keyring(TEST_MASTER_KEY),
                role,
                PersonIdentity(
                    family_name=family_name,
                    given_names=given_names,
                    date_of_birth=born if role is Role.PATIENT else None,
                    email=f"{given_names.lower()}.{secrets.token_hex(4)}@example.org",
                    profession=profession,
                    rpps=unique_rpps() if role is Role.PROFESSIONAL else None,
                ),
            )
            await Account.update({Account.status: "active", Account.code_channel: "email"}).where(
                Account.id == account_id
            )
        return account_id

    result: uuid.UUID = run(app, go)
    return result


def professional(app: Any, profession: str, patient: uuid.UUID | None = None, **names: str) -> uuid.UUID:
    """A professional, in ``patient``'s circle when one is given."""
    names = {"given_names": "Anne", "family_name": "Martin", **names}
    account = person(app, Role.PROFESSIONAL, profession=profession, **names)
    if patient is not None:
        join(app, patient, account)
    return account


def join(app: Any, patient: uuid.UUID, pro: uuid.UUID) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=pro, joined_by="invited")

    run(app, go)


def block(app: Any, patient: uuid.UUID, pro: uuid.UUID) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await set_blocked(patient=patient, professional=pro, blocked=True)

    run(app, go)


def as_(app: Any, account: uuid.UUID, role: Role = Role.PATIENT) -> None:
    app.cookies.clear()
    sign_in_as(app, account, role)


def send(app: Any, path: str, data: dict[str, Any], *, htmx: bool = False, follow: bool = False) -> Any:
    """POST a form as the browser would (with its CSRF token)."""
    return app.post(
        path,
        data={"_csrf_token": csrf(app), **data},
        headers=HTMX if htmx else None,
        follow_redirects=follow,
    )


def added_id(response: Any) -> uuid.UUID:
    """The entry an answer to adding or changing points to (``...?done=added&entry=<id>``)."""
    assert response.status_code == 303, response.text
    found = re.search(r"[?&]entry=([0-9a-f-]{36})", response.headers["location"])
    assert found, response.headers["location"]
    return uuid.UUID(found.group(1))


def events(app: Any, patient: uuid.UUID) -> list[tuple[str, str, str | None, str]]:
    """The profile's audit events of ``patient``'s record, oldest first: (actor, action,
    object, outcome)."""
    return audit_events(app, "actor", "action", "object_id", "outcome", subject=patient, area="profile")


def entry_count(app: Any, patient: uuid.UUID) -> int:
    return int(run(app, lambda: ProfileEntry.count().where(ProfileEntry.patient == patient)))


def owner(account: uuid.UUID) -> str:
    return key_owner(account)
