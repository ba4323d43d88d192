"""A professional declares a consultation: they join the patient's circle, the patient is
told and can undo it; a blocked professional cannot come back this way."""

from __future__ import annotations

import secrets
from typing import Any

import pytest

from portal.accounts.identity import nir_key
from portal.accounts.services import PersonIdentity, create_account
from portal.accounts.tables import Account
from portal.circle.services import circle_standing, set_blocked
from portal.core import throttle
from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from portal.core.tables import AttemptCounter
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.people import make_person, portal_client, run, sign_in_as


@pytest.fixture
def app(make_client: Any) -> Any:
    client = portal_client(make_client)
    run(client, lambda: AttemptCounter.delete(force=True))
    return client


def _patient(app: Any) -> tuple[Any, str, str]:
    base = "2410323" + "".join(secrets.choice("0123456789") for _ in range(6))
    nir = base + nir_key(base + "00")
    email = f"jeanne.{secrets.token_hex(4)}@example.org"

    async def go() -> Any:
        async with app.app.state.engine.transaction():
            account = await create_account(
                Keyring(TEST_MASTER_KEY),
                Role.PATIENT,
                PersonIdentity(
                    family_name="Dupont",
                    given_names="Jeanne",
                    date_of_birth="1941-03-27",
                    nir=nir,
                    email=email,
                ),
            )
            await Account.update({Account.status: "active"}).where(Account.id == account)
            return account

    return run(app, go), nir, email


@pytest.fixture
def doctor(app: Any) -> Any:
    account = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    sign_in_as(app, account, Role.PROFESSIONAL)
    return account


def _declare(app: Any, nir: str, day: str = "27", month: str = "3", year: str = "1941") -> Any:
    data = {"_csrf_token": csrf(app), "nir": nir, "dob-day": day, "dob-month": month, "dob-year": year}
    return app.post("/pro/consultations", data=data, follow_redirects=False)


def test_a_declared_consultation_puts_the_doctor_in_the_circle_and_tells_the_patient(app, doctor):
    patient, nir, email = _patient(app)
    assert app.get("/", follow_redirects=False).headers["location"] == "/pro"
    assert "No patient yet." in app.get("/pro").text
    spaced = f"{nir[0]} {nir[1:3]} {nir[3:5]} {nir[5:7]} {nir[7:10]} {nir[10:13]} {nir[13:]}"
    response = _declare(app, spaced)
    assert response.status_code == 303 and response.headers["location"] == "/pro?done=joined"
    assert run(app, lambda: circle_standing(patient=patient, professional=doctor)) == "member"
    page = app.get("/pro?done=joined").text
    assert "You joined the patient's care circle." in page.replace("&#39;", "'") and "Jeanne Dupont" in page
    message = next(m for m in read_outbox(app.app.state.settings.outbox_dir, limit=100) if m.to == email)
    assert message.subject == "A professional joined your care circle"
    assert "Martin" not in message.body and "/space/circle" in message.body
    again = _declare(app, nir)
    assert again.headers["location"] == "/pro?done=already"
    # The patient sees it and undoes it.
    sign_in_as(app, patient)
    circle = app.get("/space/circle").text
    assert "Dr Anne Martin" in circle and "This was not me: take them out" in circle
    activity = app.get("/space/activity").text
    assert "Dr Anne Martin, general practitioner declared a consultation with you" in activity


def test_a_wrong_date_of_birth_or_an_unknown_number_finds_nobody(app, doctor):
    patient, nir, _ = _patient(app)
    wrong = _declare(app, nir, day="28")
    assert wrong.status_code == 400
    assert "No health space matches this number and date of birth." in wrong.text
    assert run(app, lambda: circle_standing(patient=patient, professional=doctor)) == "outside"
    bad_key = _declare(app, nir[:-2] + ("00" if nir[-2:] != "00" else "01"))
    assert bad_key.status_code == 400 and "The last 2 digits do not match the number." in bad_key.text
    no_date = _declare(app, nir, day="", month="", year="")
    assert no_date.status_code == 400 and 'href="#dob-day"' in no_date.text


def test_a_blocked_professional_cannot_declare_their_way_back(app, doctor):
    patient, nir, _ = _patient(app)
    assert _declare(app, nir).status_code == 303

    async def block() -> None:
        await set_blocked(patient=patient, professional=doctor, blocked=True)

    run(app, block)
    refused = _declare(app, nir)
    assert refused.status_code == 400 and "No health space matches" in refused.text
    assert run(app, lambda: circle_standing(patient=patient, professional=doctor)) == "blocked"
    assert "Jeanne Dupont" not in app.get("/pro").text


def test_trying_many_numbers_locks_the_form(app, doctor):
    for _ in range(throttle.FREE_FAILURES):
        _declare(app, _patient(app)[1], day="1")
    locked = _declare(app, _patient(app)[1])
    assert locked.status_code == 429 and "Too many tries." in locked.text


def test_the_professional_page_is_for_professionals_only(app):
    patient, _, _ = _patient(app)
    sign_in_as(app, patient)
    assert app.get("/pro").status_code == 404
    assert _declare(app, "241032309612338").status_code == 404
