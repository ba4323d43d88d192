"""What a mediator reaches: a new code for a space she made and nobody activated (the letter
printed again, the activation opened with the person beside her), and never anything of
anyone's record, not even of a space she made. Every refusal is audited and looks like a
missing page."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from portal.accounts.tables import Account
from portal.core.access import Action, Actor, Area, Role, decide
from portal.core.keys import key_owner
from portal.core.tables import AuditEvent
from tests.conftest import csrf
from tests.integration.outreach.helpers import invite, letter_form
from tests.people import make_person, portal_client, run, sign_in_as

RECORD_PAGES = (
    "/space",
    "/space/documents",
    "/space/profile",
    "/space/notes",
    "/space/agenda",
    "/space/messages",
    "/space/close",
    "/pro",
)


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def mediator(app: Any) -> UUID:
    account = make_person(
        app,
        Role.MEDIATOR,
        given_names="Sophie",
        family_name="Bernard",
        place_of_practice="France Services, 23200 Aubusson",
    )
    sign_in_as(app, account, Role.MEDIATOR)
    return account


def _made(app: Any) -> UUID:
    """A space the signed-in mediator makes, its code on a letter."""
    page = invite(app)
    assert page.status_code == 200
    _, account_id = letter_form(page.text)
    return account_id


def _post(app: Any, path: str) -> Any:
    return app.post(path, data={"_csrf_token": csrf(app)}, follow_redirects=False)


def _denied(app: Any, actor: UUID, subject: UUID) -> int:
    count: int = run(
        app,
        lambda: AuditEvent.count().where(
            (AuditEvent.actor == key_owner(actor))
            & (AuditEvent.subject == key_owner(subject))
            & (AuditEvent.area == "account")
            & (AuditEvent.outcome == "denied")
        ),
    )
    return count


def test_another_mediator_gets_nothing_of_a_space_she_did_not_make(app, mediator):
    space = _made(app)
    assert _post(app, f"/mediator/invitations/{space}/letter").status_code == 200
    other = make_person(app, Role.MEDIATOR, given_names="Paul", family_name="Girard")
    sign_in_as(app, other, Role.MEDIATOR)
    for action in ("letter", "activate"):
        answer = _post(app, f"/mediator/invitations/{space}/{action}")
        assert answer.status_code == 404, action
        assert "Lemercier" not in answer.text and "activate" not in answer.headers.get("location", "")
    assert _denied(app, other, space) == 2


def test_once_the_space_is_activated_its_maker_reaches_nothing_of_it(app, mediator):
    space = _made(app)
    run(app, lambda: Account.update({Account.status: "active"}).where(Account.id == space))
    for action in ("letter", "activate"):
        assert _post(app, f"/mediator/invitations/{space}/{action}").status_code == 404, action
    assert _denied(app, mediator, space) == 2
    for path in (*RECORD_PAGES, f"/pro/patients/{space}", f"/pro/patients/{space}/profile"):
        assert app.get(path, follow_redirects=False).status_code == 404, path


def test_the_policy_gives_a_mediator_a_new_code_and_nothing_else(app, mediator):
    space = _made(app)
    sophie = Actor(account_id=mediator, role=Role.MEDIATOR)

    async def allowed() -> set[tuple[Area, Action]]:
        return {
            (area, action) for area in Area for action in Action if await decide(sophie, space, area, action)
        }

    # Waiting for its person: a new code (the account, to write) is all she may give.
    assert run(app, allowed) == {(Area.ACCOUNT, Action.WRITE)}
    run(app, lambda: Account.update({Account.status: "active"}).where(Account.id == space))
    assert run(app, allowed) == set()
