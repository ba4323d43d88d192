"""Issue 14, item 3: an invitation to help, sent by email, reveals nothing about the address.

It is never looked up: the answer the patient sees, its status, the page of their carers and
what is written are the same whether or not the address belongs to someone's space (even an
analyst's); the address shows as typed until the person accepts, and only then their name.
The person who holds the address may find the invitation on their page of the people they
help. At most one such email a day per address, whoever invites; at most three invitations
waiting for an answer per patient, by email or by identity, and a waiting one can be
cancelled from the list of carers."""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.accounts.identity import nir_key
from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.carers.delegations import INVITATION_MAIL, MAX_PENDING_INVITATIONS
from portal.carers.tables import Delegation, InvitationMail
from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page as read_page
from tests.people import delegate, portal_client, run, sign_in_as
from tests.trail import audit_events

NEXT_YEAR = datetime.now(UTC).year + 1
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TOKEN_RE = re.compile(r'(name="_csrf_token"[^>]*value=")[^"]*(")')
# The seconds the session has left: one page may come a second after the other.
EXPIRES_RE = re.compile(r'(data-session-expires-in=")\d+(")')


@pytest.fixture
def app(make_client: Any) -> Any:
    # More carers than waiting invitations, so that the limit met is the one on invitations.
    return portal_client(make_client, max_carers_per_patient=MAX_PENDING_INVITATIONS + 2)


def _nir() -> str:
    first = "1" + "68" + "03" + "75" + "".join(secrets.choice("0123456789") for _ in range(6))
    return first + nir_key(first)


def _address(name: str) -> str:
    return f"{name}.{secrets.token_hex(4)}@example.org"


def _account(
    app: Any, given: str, family: str, role: Role = Role.PATIENT, email: str | None = None
) -> tuple[uuid.UUID, str, str]:
    """An active account with an email (and, for a patient, a NIR): (id, email, nir)."""
    email = email or _address(given.lower())
    nir = _nir() if role is Role.PATIENT else None

    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            account = await create_account(
                Keyring(TEST_MASTER_KEY),
                role,
                PersonIdentity(
                    family_name=family,
                    given_names=given,
                    date_of_birth="1968-03-27" if nir else None,
                    nir=nir,
                    email=email,
                ),
            )
            await Account.update({Account.status: "active", Account.code_channel: "email"}).where(
                Account.id == account
            )
            return account

    return run(app, go), email, nir or ""


def _as(app: Any, account: uuid.UUID) -> None:
    app.cookies.clear()
    sign_in_as(app, account)


def _by_email(app: Any, email: str) -> Any:
    data = {
        "_csrf_token": csrf(app),
        "how": "email",
        "email": email,
        "relation": "neighbour",
        "area-agenda": "write",
        "ends-day": "1",
        "ends-month": "6",
        "ends-year": str(NEXT_YEAR),
    }
    return app.post("/space/carers/invite", data=data, follow_redirects=False)


def _by_identity(app: Any, nir: str, family: str, given: str) -> Any:
    data = {
        "_csrf_token": csrf(app),
        "how": "identity",
        "family_name": family,
        "given_names": given,
        "dob-day": "27",
        "dob-month": "3",
        "dob-year": "1968",
        "nir": nir,
        "relation": "daughter",
        "area-documents": "read",
        "ends-day": "1",
        "ends-month": "6",
        "ends-year": str(NEXT_YEAR),
    }
    return app.post("/space/carers/invite", data=data, follow_redirects=False)


def _rows(app: Any, patient: uuid.UUID) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = (
            await Delegation.select().where(Delegation.patient == patient).order_by(Delegation.invited_at)
        )
        return rows

    return run(app, go)


def _mails_to(app: Any, email: str) -> list[Any]:
    return [m for m in read_outbox(app.app.state.settings.outbox_dir, limit=200) if m.to == email]


def _events(app: Any, patient: uuid.UUID) -> list[tuple[str, str]]:
    return audit_events(app, "action", "outcome", subject=patient)


def _cancel(app: Any, delegation: uuid.UUID) -> None:
    """The patient cancels a waiting invitation with the button of the carers page (a form)."""
    page = app.get("/space/carers").text
    assert f'action="/space/carers/{delegation}/end"' in page and "Cancel the invitation" in page
    ended = app.post(
        f"/space/carers/{delegation}/end", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert ended.status_code == 303 and ended.headers["location"] == "/space/carers?done=ended"


def _same_shape(html: str, address: str) -> str:
    """The page without what differs by nature: the address typed, ids, the CSRF token, the
    seconds the session has left."""
    same = TOKEN_RE.sub(r"\1\2", UUID_RE.sub("ID", html.replace(address, "ADDRESS")))
    return EXPIRES_RE.sub(r"\1\2", same)


def test_an_address_with_a_space_and_one_without_get_the_same_answer(app: Any) -> None:
    patient, _, _ = _account(app, "Jeanne", "Dupont")
    # Someone with a space, the agency's analyst even, and an address that has none. Their
    # addresses are the same length, so that the pages are compared character for character.
    held = f"agathe.{secrets.token_hex(4)}@example.org"
    _analyst, _, _ = _account(app, "Agathe", "Statisticienne", Role.ANALYST, email=held)
    unknown = f"nobody.{secrets.token_hex(4)}@example.org"
    assert len(held) == len(unknown)
    typed = held.replace("@example.org", "@Example.ORG")  # shown as typed

    _as(app, patient)
    answers, pages, rows = [], [], []
    for address, shown in ((typed, typed), (unknown, unknown)):
        sent = _by_email(app, address)
        answers.append((sent.status_code, sent.headers.get("location"), sent.text))
        after = app.get(sent.headers["location"])
        assert after.status_code == 200 and shown in after.text
        pages.append(_same_shape(after.text, shown))
        rows.append(_rows(app, patient)[-1])
        _cancel(app, rows[-1]["id"])

    assert answers[0] == answers[1] == (303, "/space/carers?done=invited", answers[0][2])
    assert pages[0] == pages[1]
    assert "Statisticienne" not in pages[0] and "Agathe" not in pages[0]
    # The same records: nobody's account is bound to either, both wait on an emailed link.
    for row in rows:
        assert row["carer"] is None and row["token_hash"] and row["invited_email_index"]
    shape = [
        {k: (v is None) for k, v in row.items() if k not in ("ended_at", "ended_by", "status")}
        for row in rows
    ]
    assert shape[0] == shape[1]
    assert _events(app, patient).count(("carer.invite", "allowed")) == 2
    # The same email to each, with its own link to answer (the analyst is not "told" any other way).
    first, second = _mails_to(app, held), _mails_to(app, unknown)
    assert len(first) == len(second) == 1
    link = re.compile(r"/carers/accept/[A-Za-z0-9_-]+")
    assert link.search(first[0].body) and first[0].subject == second[0].subject
    assert link.sub("LINK", first[0].body) == link.sub("LINK", second[0].body)
    assert "Jeanne" not in first[0].body and "Dupont" not in first[0].body


def test_the_name_shows_only_once_the_person_accepts(app: Any) -> None:
    patient, _, _ = _account(app, "Jeanne", "Dupont")
    carer, email, _ = _account(app, "Claire", "Voisine")
    stranger, _, _ = _account(app, "Paul", "Durand")
    _as(app, patient)
    assert _by_email(app, email).status_code == 303
    delegation = _rows(app, patient)[-1]["id"]
    page = app.get("/space/carers").text
    assert email in page and "Voisine" not in page

    # Someone else neither sees it nor answers it.
    _as(app, stranger)
    assert str(delegation) not in app.get("/space/helping").text
    refused = app.post(
        f"/space/helping/{delegation}/answer",
        data={"_csrf_token": csrf(app), "answer": "accept"},
        follow_redirects=False,
    )
    assert refused.status_code == 404

    # The person whose space has this address finds it on the page of the people they help.
    _as(app, carer)
    helping = app.get("/space/helping").text
    assert str(delegation) in helping and "Jeanne Dupont" in helping
    answered = app.post(
        f"/space/helping/{delegation}/answer",
        data={"_csrf_token": csrf(app), "answer": "accept"},
        follow_redirects=False,
    )
    assert answered.status_code == 303 and answered.headers["location"] == "/space/helping?done=accepted"
    row = _rows(app, patient)[-1]
    assert row["status"] == "active" and row["carer"] == carer and row["token_hash"] is None
    assert f'action="/space/helping/{delegation}/enter"' in app.get("/space/helping").text

    _as(app, patient)
    page = app.get("/space/carers").text
    assert "Claire Voisine" in page and email not in page


def test_one_email_a_day_per_address_whoever_invites(app: Any) -> None:
    address = _address("claire")
    patients = [_account(app, given, "Dupont")[0] for given in ("Jeanne", "Louise", "Marie")]
    answers = []
    for patient in patients[:2]:
        _as(app, patient)
        sent = _by_email(app, address)
        answers.append((sent.status_code, sent.headers.get("location")))
        # The invitation is kept, mail or not, with its link to answer.
        row = _rows(app, patient)[-1]
        assert row["status"] == "invited" and row["token_hash"]
    assert answers == [(303, "/space/carers?done=invited")] * 2
    assert len(_mails_to(app, address)) == 1

    async def counted() -> list[dict[str, Any]]:
        key = await Keyring(TEST_MASTER_KEY).index(INVITATION_MAIL, address)
        rows: list[dict[str, Any]] = await InvitationMail.select().where(InvitationMail.key == key)
        return rows

    kept = run(app, counted)
    assert len(kept) == 1 and address not in str(kept)

    # A day later, the next invitation to it is emailed again.
    async def a_day_ago() -> None:
        key = await Keyring(TEST_MASTER_KEY).index(INVITATION_MAIL, address)
        await InvitationMail.update(
            {InvitationMail.sent_at: datetime.now(UTC) - timedelta(days=1, minutes=1)}
        ).where(InvitationMail.key == key)

    run(app, a_day_ago)
    _as(app, patients[2])
    assert _by_email(app, address).status_code == 303
    assert len(_mails_to(app, address)) == 2


def test_a_fourth_waiting_invitation_is_refused_next_to_the_field(app: Any) -> None:
    patient, _, _ = _account(app, "Jeanne", "Dupont")
    known, _, known_nir = _account(app, "Claire", "Dupont")
    _as(app, patient)
    for _ in range(MAX_PENDING_INVITATIONS):
        assert _by_email(app, _address("someone")).status_code == 303
    page = app.get("/space/carers").text
    assert "have not answered yet" in page and 'href="/space/carers/invite"' not in page

    fourth = _address("fourth")
    refused = _by_email(app, fourth)
    assert refused.status_code == 400
    error = read_page(refused).field_error("email")
    assert error and "have not answered yet" in error and "cancel" in error
    assert fourth in refused.text  # what was typed is kept
    # By name, date of birth and NIR too, before anyone is looked up.
    by_identity = _by_identity(app, known_nir, "Dupont", "Claire")
    assert by_identity.status_code == 400
    error = read_page(by_identity).field_error("family_name")
    assert error and "have not answered yet" in error
    assert len(_rows(app, patient)) == MAX_PENDING_INVITATIONS
    assert _mails_to(app, fourth) == []
    assert _events(app, patient).count(("carer.invite", "denied")) == 2

    # Cancelling one makes room again.
    _cancel(app, _rows(app, patient)[0]["id"])
    assert _by_identity(app, known_nir, "Dupont", "Claire").status_code == 303
    assert _rows(app, patient)[-1]["carer"] == known


def test_one_s_own_address_or_the_same_address_twice_is_refused(app: Any) -> None:
    patient, own, _ = _account(app, "Jeanne", "Dupont")
    _as(app, patient)
    mine = _by_email(app, own.upper().replace("@EXAMPLE.ORG", "@example.org"))
    assert mine.status_code == 400 and "own carer" in mine.text
    other = _address("claire")
    assert _by_email(app, other).status_code == 303
    twice = _by_email(app, other)
    assert twice.status_code == 400 and 'id="email-error"' in twice.text and "already invited" in twice.text
    assert len(_rows(app, patient)) == 1


def test_a_carer_who_helps_the_most_people_cannot_accept_one_more(make_client: Any) -> None:
    app = portal_client(make_client, max_people_per_carer=1)
    patient, _, _ = _account(app, "Jeanne", "Dupont")
    helped, _, _ = _account(app, "Louise", "Martin")
    carer, email, _ = _account(app, "Claire", "Voisine")
    delegate(app, helped, carer, "documents:read")
    _as(app, patient)
    assert _by_email(app, email).status_code == 303
    delegation = _rows(app, patient)[-1]["id"]
    _as(app, carer)
    full = app.post(
        f"/space/helping/{delegation}/answer",
        data={"_csrf_token": csrf(app), "answer": "accept"},
        follow_redirects=False,
    )
    assert full.status_code == 303 and full.headers["location"] == "/space/helping?done=full"
    assert "the most a carer may help" in app.get(full.headers["location"]).text
    assert _rows(app, patient)[-1]["status"] == "invited"
