"""The mediator's screen: making a space for someone, with the code by email (through a
real SMTP server, or the outbox) or on a large-print letter; every bad field explained."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from pypdf import PdfReader

from portal.accounts.invitations import check_activation_code
from portal.accounts.services import read_identity
from portal.accounts.tables import Account, Invitation
from portal.core.access import Action, Actor, Area, Role, decide
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.core.tables import AuditEvent
from portal.settings import SmtpServer
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.integration.outreach.helpers import letter_form
from tests.people import make_person, portal_client, run, sign_in_as
from tests.smtp import free_port


def _nir(first_thirteen: str) -> str:
    from portal.accounts.identity import nir_key

    return first_thirteen + nir_key(first_thirteen + "00")


def _unique_nir() -> str:
    import secrets

    return _nir("2410323" + "".join(secrets.choice("0123456789") for _ in range(6)))


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def mediator(app: Any) -> UUID:
    account = make_person(app, Role.MEDIATOR, given_names="Sophie", family_name="Bernard")
    sign_in_as(app, account, Role.MEDIATOR)
    return account


def _form(**changes: str) -> dict[str, str]:
    values = {
        "family_name": "Dupont",
        "given_names": "Jeanne Marie",
        "dob-day": "27",
        "dob-month": "3",
        "dob-year": "1941",
        "nir": _unique_nir(),
        "delivery": "email",
        "email": f"jeanne.{_unique_nir()[-6:]}@example.org",
        "mobile": "",
        "postal_address": "12 rue des Tilleuls\n23000 Guéret",
    }
    values.update(changes)
    return values


def _invite(app: Any, **changes: str) -> Any:
    return app.post("/mediator/invite", data={"_csrf_token": csrf(app), **_form(**changes)})


def _account_of(app: Any, email: str) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        from portal.accounts.services import find_account_id

        account_id = await find_account_id(Keyring(TEST_MASTER_KEY), email)
        assert account_id is not None
        row: dict[str, Any] = await Account.select().where(Account.id == account_id).first()
        return row

    return run(app, go)


def test_the_mediator_pages_are_for_mediators_only(app):
    patient = make_person(app)
    sign_in_as(app, patient)
    assert app.get("/mediator").status_code == 404
    assert app.get("/mediator/invite").status_code == 404
    assert app.post("/mediator/invite", data={"_csrf_token": csrf(app), **_form()}).status_code == 404


def test_a_mediator_makes_a_space_and_the_code_goes_by_email(app, mediator):
    assert app.get("/", follow_redirects=False).headers["location"] == "/mediator"
    assert 'href="/mediator/invite"' in app.get("/mediator").text
    form = _form()
    response = _invite(app, **{k: v for k, v in form.items()})
    assert response.status_code == 200
    assert "A health space is ready for Jeanne Marie Dupont." in response.text
    assert f"The code was sent by email to {form['email']}" in response.text
    message = next(
        m for m in read_outbox(app.app.state.settings.outbox_dir, limit=100) if m.to == form["email"]
    )
    code = re.search(r"\b(\d{4}) (\d{4}) (\d{4})\b", message.body)
    assert code and "Jeanne" not in message.body
    account = _account_of(app, form["email"])
    assert account["status"] == "invited"

    async def check() -> dict[str, Any]:
        keyring = Keyring(TEST_MASTER_KEY)
        opened = await check_activation_code(keyring, "".join(code.groups()), date(1941, 3, 27))
        identity = await read_identity(keyring, account["id"])
        invitation = await Invitation.select().where(Invitation.account == account["id"]).first()
        event = (
            await AuditEvent.select()
            .where((AuditEvent.subject == key_owner(account["id"])) & (AuditEvent.action == "invite"))
            .first()
        )
        return {"opened": opened, "identity": identity, "invitation": invitation, "event": event}

    found = run(app, check)
    assert found["opened"] == account["id"]
    assert found["identity"].nir == form["nir"] and found["identity"].postal_address == form["postal_address"]
    assert found["invitation"]["invited_by"] == key_owner(mediator)
    assert found["event"]["actor"] == key_owner(mediator)


def test_the_email_goes_through_the_mail_server_when_one_is_set(make_client, smtp_server):
    handler, port = smtp_server()
    app = portal_client(
        make_client, smtp=__import__("portal.settings").settings.SmtpServer("127.0.0.1", port)
    )
    account = make_person(app, Role.MEDIATOR)
    sign_in_as(app, account, Role.MEDIATOR)
    form = _form()
    assert _invite(app, **form).status_code == 200
    message = handler.message()
    assert message["To"] == form["email"] and "activate" in str(message.get_content())


def test_when_the_email_cannot_go_no_space_is_made(make_client, smtp_server):

    app = portal_client(make_client, smtp=SmtpServer("127.0.0.1", free_port()))
    account = make_person(app, Role.MEDIATOR)
    sign_in_as(app, account, Role.MEDIATOR)
    form = _form()
    response = _invite(app, **form)
    assert response.status_code == 503
    assert "The email could not be sent. Check the address, or choose the letter." in response.text
    assert f'value="{form["nir"]}"' in response.text

    async def count() -> int:
        from portal.accounts.services import find_account_id

        return int(await find_account_id(Keyring(TEST_MASTER_KEY), form["email"]) is not None)

    assert run(app, count) == 0


def _letter_code(pdf: bytes) -> str:
    text = " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())
    found = re.search(r"\b(\d{4}) (\d{4}) (\d{4})\b", text)
    assert found, text
    return "".join(found.groups())


def test_a_letter_is_printed_and_printing_again_gives_a_new_code(app, mediator):
    form = _form(delivery="letter", email="")
    page = _invite(app, **form)
    assert page.status_code == 200 and "Print the letter now" in page.text
    action, account_id = letter_form(page.text)
    first = app.post(action, data={"_csrf_token": csrf(app)})
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    assert first.headers["content-disposition"].startswith("attachment")
    assert first.headers["cache-control"] == "no-store"
    first_code = _letter_code(first.content)
    second_code = _letter_code(app.post(action, data={"_csrf_token": csrf(app)}).content)
    assert first_code != second_code

    async def opens(code: str) -> Any:
        return await check_activation_code(Keyring(TEST_MASTER_KEY), code, date(1941, 3, 27))

    assert run(app, lambda: opens(first_code)) is None
    assert run(app, lambda: opens(second_code)) == account_id


def test_only_the_mediator_who_made_a_space_prints_its_letter_and_only_before_activation(app, mediator):
    page = _invite(app, **_form(delivery="letter", email=""))
    path, account_id = letter_form(page.text)
    other = make_person(app, Role.MEDIATOR)
    sign_in_as(app, other, Role.MEDIATOR)
    assert app.post(path, data={"_csrf_token": csrf(app)}).status_code == 404
    denied = run(
        app,
        lambda: AuditEvent.count().where(
            (AuditEvent.actor == key_owner(other)) & (AuditEvent.outcome == "denied")
        ),
    )
    assert denied == 1
    sign_in_as(app, mediator, Role.MEDIATOR)
    run(app, lambda: Account.update({Account.status: "active"}).where(Account.id == account_id))
    assert app.post(path, data={"_csrf_token": csrf(app)}).status_code == 404
    # A mediator never reads a record, not even of a space they made.
    sophie = Actor(account_id=mediator, role=Role.MEDIATOR)
    for area in Area:
        assert not run(app, lambda area=area: decide(sophie, account_id, area, Action.READ))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"family_name": "  "}, "family_name", "Enter the person's family name."),
        ({"given_names": ""}, "given_names", "Enter the person's given names."),
        ({"dob-day": "31", "dob-month": "2"}, "dob-day", "does not exist"),
        ({"nir": ""}, "nir", "Enter the social security number."),
        ({"nir": "241032309612339"}, "nir", "The last 2 digits do not match the number."),
        ({"delivery": ""}, "delivery", "Choose how the person receives their code."),
        ({"email": ""}, "email", "Enter the person's email address, or choose the letter."),
        ({"email": "jeanne@"}, "email", ""),
        ({"mobile": "12"}, "mobile", ""),
        ({"delivery": "letter", "postal_address": ""}, "postal_address", "Enter the postal address"),
    ],
)
def test_each_wrong_field_is_explained_at_the_field_and_nothing_typed_is_lost(
    app, mediator, changes, field, message
):
    form = _form(**changes)
    response = _invite(app, **form)
    text = html.unescape(response.text)
    assert response.status_code == 400
    assert f'href="#{field}"' in text and message in text
    assert 'value="Jeanne Marie"' in text or field == "given_names"
    assert "12 rue des Tilleuls" in text or field == "postal_address"


def test_a_person_who_has_a_space_is_not_made_a_second_one(app, mediator):
    form = _form()
    assert _invite(app, **form).status_code == 200
    again = _invite(app, **{**form, "email": "other@example.org"})
    assert again.status_code == 400 and "This person already has a space." in again.text
