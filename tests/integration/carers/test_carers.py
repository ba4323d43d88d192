"""Carers: a patient invites a carer (by name, date of birth and NIR, or by email), the carer
accepts, goes into the patient's space and reaches only what was delegated; ending it, or
its date passing, takes effect on the very next request; the limits; the audit trail names
the carer as actor on behalf of the patient, and the activity page says who did it."""

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
from portal.carers.changes import make_legal_representative
from portal.carers.tables import Delegation
from portal.core.access import Action, Actor, Area, Role, decide
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.core.sessions import cookie_name
from portal.core.tables import AuditEvent
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page as read_page
from tests.people import act_for, delegate, portal_client, run, sign_in_as

PDF = b"%PDF-1.4\n" + b"z" * 2048
NEXT_YEAR = datetime.now(UTC).year + 1


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _nir() -> str:
    first = "2" + "68" + "03" + "75" + "".join(secrets.choice("0123456789") for _ in range(6))
    return first + nir_key(first)


def _person(app: Any, given: str, family: str, born: str = "1968-03-27") -> tuple[uuid.UUID, str, str]:
    """An active patient with a date of birth, a NIR and an email: (id, nir, email)."""
    nir = _nir()
    email = f"{given.lower()}.{secrets.token_hex(4)}@example.org"

    async def go() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            account = await create_account(
                Keyring(TEST_MASTER_KEY),
                Role.PATIENT,
                PersonIdentity(
                    family_name=family, given_names=given, date_of_birth=born, nir=nir, email=email
                ),
            )
            await Account.update({Account.status: "active", Account.code_channel: "email"}).where(
                Account.id == account
            )
            return account

    return run(app, go), nir, email


def _as(app: Any, account: uuid.UUID) -> None:
    app.cookies.clear()
    sign_in_as(app, account)


def _invite(app: Any, nir: str, family: str = "Dupont", given: str = "Claire", **areas: str) -> Any:
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
        "ends-day": "1",
        "ends-month": "6",
        "ends-year": str(NEXT_YEAR),
        **{f"area-{name}": value for name, value in (areas or {"documents": "read"}).items()},
    }
    return app.post("/space/carers/invite", data=data, follow_redirects=False)


def _delegation(app: Any, patient: uuid.UUID) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        rows = await Delegation.select().where(Delegation.patient == patient).order_by(Delegation.invited_at)
        return rows[-1]

    return run(app, go)


def _accept_and_enter(app: Any, carer: uuid.UUID, delegation: uuid.UUID) -> None:
    _as(app, carer)
    assert str(delegation) in app.get("/space/helping").text
    answered = app.post(
        f"/space/helping/{delegation}/answer",
        data={"_csrf_token": csrf(app), "answer": "accept"},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    before = app.cookies.get(cookie_name(app.app.state.settings))
    entered = app.post(
        f"/space/helping/{delegation}/enter", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert entered.status_code == 303 and entered.headers["location"] == "/space"
    assert app.cookies.get(cookie_name(app.app.state.settings)) != before  # a new session id


def _add_document(app: Any, patient: uuid.UUID, title: str) -> None:
    _as(app, patient)
    response = app.post(
        "/space/documents/add",
        data={
            "_csrf_token": csrf(app),
            "title": title,
            "category": "lab_results",
            "date-day": "2",
            "date-month": "3",
            "date-year": "2026",
        },
        files={"file": ("bilan.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def test_a_carer_for_documents_only_sees_documents_and_nothing_else(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    carer, nir, _ = _person(app, "Claire", "Dupont")
    _add_document(app, patient, "Bilan sanguin de mars")
    _as(app, patient)
    assert _invite(app, nir, documents="read").status_code == 303
    delegation = _delegation(app, patient)
    assert delegation["status"] == "invited" and delegation["carer"] == carer
    _accept_and_enter(app, carer, delegation["id"])

    home = app.get("/space")
    assert home.status_code == 200
    assert 'id="acting-banner"' in home.text and "Jeanne Dupont" in home.text
    assert 'href="/space/documents"' in home.text and 'href="/space/messages"' not in home.text
    library = app.get("/space/documents")
    assert library.status_code == 200 and "Bilan sanguin de mars" in library.text
    hrefs = [str(link["href"]) for link in read_page(library).all('a[href^="/space/documents/"]')]
    documents = [href for href in hrefs if re.fullmatch(r"/space/documents/[0-9a-f-]{36}", href)]
    assert documents and app.get(documents[0]).status_code == 200
    # Outside the delegation, or writing where it is read only: not there.
    for path in (
        "/space/messages",
        "/space/catalogue",
        "/space/circle",
        "/space/activity",
        "/space/carers",
        "/space/close",
        "/space/helping",
        "/space/documents/add",
    ):
        assert app.get(path).status_code == 404, path
    add = app.post("/space/documents/add", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert add.status_code == 404

    async def events() -> list[dict[str, Any]]:
        return await AuditEvent.select().where(AuditEvent.subject == key_owner(patient))

    rows = run(app, events)
    # What the carer did is recorded as done by the carer, on behalf of the patient.
    done_for = [r for r in rows if r["on_behalf_of"] == key_owner(patient)]
    assert any(r["area"] == "documents" and r["outcome"] == "allowed" for r in done_for)
    assert all(r["actor"] == key_owner(carer) for r in done_for)
    # The door refused (and recorded) the areas of the space outside the delegation; the
    # pages only the patient has (circle, carers, activity, closing) are not there for a carer.
    denied = [r for r in rows if r["outcome"] == "denied" and r["actor"] == key_owner(carer)]
    assert {r["area"] for r in denied} >= {"messages", "catalogue"}

    # Back to the carer's own space: a new session, no banner.
    back = app.post("/space/acting-for/stop", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/space/helping"
    assert 'id="acting-banner"' not in app.get("/space").text


def test_ending_a_delegation_takes_effect_on_the_next_request(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    carer, nir, _ = _person(app, "Claire", "Dupont")
    _add_document(app, patient, "Compte rendu secret")
    _as(app, patient)
    _invite(app, nir, documents="write")
    delegation = _delegation(app, patient)["id"]
    _accept_and_enter(app, carer, delegation)
    carer_cookies = dict(app.cookies)
    assert "Compte rendu secret" in app.get("/space/documents").text

    _as(app, patient)
    ended = app.post(
        f"/space/carers/{delegation}/end", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert ended.status_code == 303

    app.cookies.clear()
    for name, value in carer_cookies.items():
        app.cookies.set(name, value, domain=app.base_url.host)
    page = app.get("/space/documents")
    assert "Compte rendu secret" not in page.text and 'id="acting-banner"' not in page.text


def test_a_delegation_past_its_date_allows_nothing(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    carer, nir, _ = _person(app, "Claire", "Dupont")
    _as(app, patient)
    _invite(app, nir, documents="read")
    delegation = _delegation(app, patient)["id"]
    _accept_and_enter(app, carer, delegation)
    assert 'id="acting-banner"' in app.get("/space/documents").text

    async def expire() -> None:
        await Delegation.update({Delegation.ends_at: datetime.now(UTC) - timedelta(minutes=1)}).where(
            Delegation.id == delegation
        )

    run(app, expire)
    assert 'id="acting-banner"' not in app.get("/space/documents").text
    entered = app.post(
        f"/space/helping/{delegation}/enter", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert entered.status_code == 404


def test_bad_invitations_are_refused_at_the_field(app: Any) -> None:
    patient, own_nir, _ = _person(app, "Jeanne", "Dupont", "1968-03-27")
    _as(app, patient)
    # Nobody with this identity.
    unknown = _invite(app, _nir(), family="Personne", given="Inconnue")
    assert unknown.status_code == 400 and 'id="family_name-error"' in unknown.text
    assert "Personne" in unknown.text  # what was typed is kept
    # Oneself.
    self_invite = _invite(app, own_nir, family="Dupont", given="Jeanne")
    assert self_invite.status_code == 400 and "own carer" in self_invite.text
    # No area, an impossible end date, no relation.
    data = {
        "_csrf_token": csrf(app),
        "how": "identity",
        "family_name": "X",
        "given_names": "Y",
        "dob-day": "31",
        "dob-month": "2",
        "dob-year": "1970",
        "nir": "123",
        "ends-day": "31",
        "ends-month": "2",
        "ends-year": str(NEXT_YEAR),
    }
    bad = app.post("/space/carers/invite", data=data)
    assert bad.status_code == 400
    for field in ("dob", "nir", "relation", "area-documents", "ends"):
        assert f'id="{field}-error"' in bad.text, field

    async def none() -> int:
        return await Delegation.count().where(Delegation.patient == patient)

    assert run(app, none) == 0


def test_limits_of_carers_per_patient_and_people_per_carer(make_client: Any) -> None:
    app = portal_client(make_client, max_carers_per_patient=2, max_people_per_carer=1)
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    first, first_nir, _ = _person(app, "Claire", "Dupont")
    second, second_nir, _ = _person(app, "Paul", "Dupont")
    third, third_nir, _ = _person(app, "Marc", "Dupont")
    _as(app, patient)
    assert _invite(app, first_nir, given="Claire").status_code == 303
    assert _invite(app, second_nir, given="Paul").status_code == 303
    refused = _invite(app, third_nir, given="Marc")
    assert refused.status_code == 400 and 'id="family_name-error"' in refused.text
    # Paul already helps one person: the most he may.
    other, _, _ = _person(app, "Louise", "Martin", "1939-01-02")
    _as(app, other)
    busy = _invite(app, second_nir, given="Paul")
    assert busy.status_code == 400 and "already helps 1 people" in busy.text
    del first, second, third


def test_an_invitation_by_email_is_accepted_from_the_link(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    email = f"claire.{secrets.token_hex(4)}@example.org"
    _as(app, patient)
    data = {
        "_csrf_token": csrf(app),
        "how": "email",
        "email": email,
        "relation": "neighbour",
        "area-agenda": "write",
        "ends-day": "1",
        "ends-month": "1",
        "ends-year": str(NEXT_YEAR),
    }
    assert app.post("/space/carers/invite", data=data, follow_redirects=False).status_code == 303
    sent = [m for m in read_outbox(app.app.state.settings.outbox_dir, limit=50) if m.to == email]
    assert sent, "the invitation was not sent"
    link = re.search(r"(/carers/accept/[A-Za-z0-9_-]+)", sent[0].body)
    assert link and "Jeanne" not in sent[0].body
    carer, _, _ = _person(app, "Claire", "Voisine")
    _as(app, carer)
    shown = app.get(link.group(1))
    assert shown.status_code == 200 and "Jeanne Dupont" in shown.text
    answered = app.post(
        link.group(1), data={"_csrf_token": csrf(app), "answer": "accept"}, follow_redirects=False
    )
    assert answered.status_code == 303
    row = _delegation(app, patient)
    assert row["status"] == "active" and row["carer"] == carer and row["token_hash"] is None
    # Used once.
    assert app.get(link.group(1)).status_code == 404


def test_the_activity_page_says_which_carer_did_it(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    carer, nir, _ = _person(app, "Claire", "Dupont")
    _as(app, patient)
    _invite(app, nir, documents="write")
    _accept_and_enter(app, carer, _delegation(app, patient)["id"])
    added = app.post(
        "/space/documents/add",
        data={
            "_csrf_token": csrf(app),
            "title": "Ordonnance",
            "category": "prescriptions",
            "date-day": "2",
            "date-month": "3",
            "date-year": "2026",
        },
        files={"file": ("o.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    assert added.status_code == 303, added.text
    _as(app, patient)
    activity = app.get("/space/activity").text
    assert "Your daughter Claire Dupont" in activity


def test_a_legal_representative_has_every_area(app: Any) -> None:
    child, _, _ = _person(app, "Lucas", "Dupont", "2014-05-01")
    parent, _, _ = _person(app, "Claire", "Dupont")

    async def represent() -> uuid.UUID:
        async with app.app.state.engine.transaction():
            return await make_legal_representative(
                Keyring(TEST_MASTER_KEY), child=child, representative=parent, until=None
            )

    delegation = run(app, represent)
    _as(app, parent)
    entered = app.post(
        f"/space/helping/{delegation}/enter", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert entered.status_code == 303
    assert 'id="acting-banner"' in app.get("/space").text
    assert app.get("/space/messages").status_code == 200
    assert app.get("/space/documents/add").status_code == 200
    # Never the circle nor the account, even for a legal representative.
    assert app.get("/space/circle").status_code == 404
    assert app.get("/space/close").status_code == 404


def test_a_carer_in_someone_s_space_reaches_none_of_the_carers_pages(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    carer, _, _ = _person(app, "Claire", "Dupont")
    other, _, _ = _person(app, "Louise", "Martin", "1939-01-02")
    delegation = delegate(app, patient, carer, "documents:write,messages:write,catalogue:write")
    # Louise asks Claire to help her too: Claire answers only from her own space.
    pending = delegate(app, other, carer, "documents:read")
    run(app, lambda: Delegation.update({Delegation.status: "invited"}).where(Delegation.id == pending))

    act_for(app, carer, patient)
    assert 'id="acting-banner"' in app.get("/space").text
    # The patient's side: her carers, inviting one, ending one.
    for path in ("/space/carers", "/space/carers/invite"):
        assert app.get(path).status_code == 404, path
    assert app.post("/space/carers/invite", data={"_csrf_token": csrf(app)}).status_code == 404
    assert app.post(f"/space/carers/{delegation}/end", data={"_csrf_token": csrf(app)}).status_code == 404
    # Her own side, from someone else's space: nothing either.
    assert app.get("/space/helping").status_code == 404
    for action, data in (("answer", {"answer": "accept"}), ("end", {}), ("enter", {})):
        answered = app.post(f"/space/helping/{pending}/{action}", data={"_csrf_token": csrf(app), **data})
        assert answered.status_code == 404, action
    assert app.post(f"/space/helping/{delegation}/end", data={"_csrf_token": csrf(app)}).status_code == 404

    async def statuses() -> dict[uuid.UUID, str]:
        rows = await Delegation.select(Delegation.id, Delegation.status).where(Delegation.carer == carer)
        return {row["id"]: row["status"] for row in rows}

    assert run(app, statuses) == {delegation: "active", pending: "invited"}
    # The policy refuses the account to a carer's session whoever's account it is: the
    # patient's, and her own (her actor there is a carer, not the holder of a space).
    acting = Actor(account_id=carer, role=Role.CARER)
    for subject in (patient, carer):
        for action in (Action.READ, Action.WRITE):
            assert not run(app, lambda s=subject, a=action: decide(acting, s, Area.ACCOUNT, a))

    # Back in her own space, the same pages are hers again.
    back = app.post("/space/acting-for/stop", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == "/space/helping"
    helping = app.get("/space/helping")
    assert helping.status_code == 200 and str(pending) in helping.text
    assert app.get("/space/carers").status_code == 200


def test_the_carers_pages_refuse_a_delegation_that_is_not_theirs(app: Any) -> None:
    patient, _, _ = _person(app, "Jeanne", "Dupont", "1941-03-27")
    carer, _, _ = _person(app, "Claire", "Dupont")
    stranger, _, _ = _person(app, "Paul", "Durand")
    delegation = delegate(app, patient, carer, "documents:read")
    _as(app, stranger)
    for action in ("enter", "end", "answer"):
        refused = app.post(
            f"/space/helping/{delegation}/{action}",
            data={"_csrf_token": csrf(app), "answer": "accept"},
            follow_redirects=False,
        )
        assert refused.status_code == 404, action
    assert app.post(f"/space/carers/{delegation}/end", data={"_csrf_token": csrf(app)}).status_code == 404

    async def denied() -> list[str]:
        rows = await AuditEvent.select(AuditEvent.object_id).where(
            (AuditEvent.actor == key_owner(stranger)) & (AuditEvent.outcome == "denied")
        )
        return [row["object_id"] for row in rows]

    assert run(app, denied).count(f"delegation:{delegation}") == 4
    assert _delegation(app, patient)["status"] == "active"
