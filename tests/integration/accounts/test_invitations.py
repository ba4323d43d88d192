"""Invitations: a space made for a person, and a code that opens it once, with their birth date."""

from __future__ import annotations

import base64
import secrets
import stat
from datetime import UTC, date, datetime, timedelta

import pytest
from pypdf import PdfReader

from portal.accounts.invitations import (
    MAX_FAILED_ATTEMPTS,
    AlreadyHasASpace,
    activation_email,
    check_activation_code,
    group_code,
    invite_person,
)
from portal.accounts.services import PersonIdentity
from portal.accounts.tables import Account, Invitation
from portal.cli import main
from portal.core.i18n import use_locale
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.core.tables import AuditEvent
from tests.conftest import TEST_MASTER_KEY

BIRTH = date(1941, 3, 27)


def _nir() -> str:
    from portal.accounts.identity import nir_key

    number = f"24103230{secrets.randbelow(10**5):05d}"
    return number + nir_key(number)


def _jeanne(**changes) -> PersonIdentity:
    values = {
        "family_name": "Dupont",
        "given_names": "Jeanne",
        "date_of_birth": BIRTH.isoformat(),
        "nir": _nir(),
        "email": f"jeanne.{secrets.token_hex(3)}@example.org",
        **changes,
    }
    return PersonIdentity(**values)


async def _invite(engine, person=None, **kwargs):
    async with engine.transaction():
        return await invite_person(
            Keyring(TEST_MASTER_KEY), person or _jeanne(), delivery="email", invited_by="operator", **kwargs
        )


async def test_an_invitation_creates_an_invited_space_and_an_audited_code(engine):
    invited = await _invite(engine)
    account = await Account.select().where(Account.id == invited.account_id).first()
    assert account["status"] == "invited" and account["role"] == "patient"
    assert len(invited.code) == 12 and invited.code.isdigit()
    row = await Invitation.select().where(Invitation.account == invited.account_id).first()
    assert invited.code not in row["code_index"] and row["delivery"] == "email"
    assert row["expires_at"] - datetime.now(UTC) > timedelta(days=29)
    event = await AuditEvent.select().where(AuditEvent.subject == key_owner(invited.account_id)).first()
    assert (event["actor"], event["area"], event["action"]) == ("operator", "account", "invite")


async def test_the_code_opens_the_space_with_the_right_birth_date_however_it_is_typed(engine):
    invited = await _invite(engine)
    async with engine.transaction():
        keyring = Keyring(TEST_MASTER_KEY)
        assert await check_activation_code(keyring, group_code(invited.code), BIRTH) == invited.account_id
        assert (
            await check_activation_code(keyring, invited.code.replace("", "-"), BIRTH) == invited.account_id
        )


async def test_wrong_birth_dates_lock_the_code_after_five_tries(engine):
    invited = await _invite(engine)
    keyring = Keyring(TEST_MASTER_KEY)
    for _ in range(MAX_FAILED_ATTEMPTS):
        async with engine.transaction():
            assert await check_activation_code(keyring, invited.code, date(1950, 1, 1)) is None
    async with engine.transaction():
        assert await check_activation_code(keyring, invited.code, BIRTH) is None


async def test_an_expired_or_unknown_code_opens_nothing(engine):
    invited = await _invite(engine, valid_days=30)
    keyring = Keyring(TEST_MASTER_KEY)
    later = datetime.now(UTC) + timedelta(days=31)
    async with engine.transaction():
        assert await check_activation_code(keyring, invited.code, BIRTH, now=later) is None
        assert await check_activation_code(keyring, "0000 0000 0000", BIRTH) is None
        assert await check_activation_code(keyring, "123", BIRTH) is None


async def test_a_person_is_not_invited_twice(engine):
    person = _jeanne()
    await _invite(engine, person)
    with pytest.raises(AlreadyHasASpace):
        await _invite(engine, _jeanne(nir=person.nir))


def test_the_email_gives_the_code_and_the_address_and_nothing_else():
    with use_locale("fr"):
        subject, body = activation_email("482177301592", date(2027, 3, 3), "https://portal.example/activate")
    assert subject == "Votre espace santé est prêt"
    assert "4821 7730 1592" in body and "https://portal.example/activate" in body and "3 mars 2027" in body


@pytest.fixture
def cli_env(monkeypatch, tmp_path, database_url):
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_MASTER_KEY", base64.b64encode(TEST_MASTER_KEY).decode())
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    return tmp_path


def test_portal_invite_sends_the_code_by_email_to_the_outbox(cli_env, capsys):
    email = f"jeanne.{secrets.token_hex(3)}@example.org"
    args = ["invite", "--family-name", "Dupont", "--given-names", "Jeanne", "--birth-date", "1941-03-27"]
    assert main([*args, "--nir", _nir(), "--email", email]) == 0
    assert "the code was given by email" in capsys.readouterr().out
    message = read_outbox(cli_env / "data" / "outbox", limit=1)[0]
    assert message.to == email and message.subject == "Votre espace santé est prêt"
    assert "/activate" in message.body and "Dupont" not in message.body


def test_portal_invite_writes_a_letter_for_a_person_without_email(cli_env, capsys):
    letter = cli_env / "letter.pdf"
    args = ["invite", "--family-name", "Dupont", "--given-names", "Jeanne", "--birth-date", "1941-03-27"]
    address = ["--address-line", "3 rue des Tanneurs", "--address-line", "23000 Guéret"]
    assert main([*args, "--nir", _nir(), *address, "--letter", str(letter)]) == 0
    assert stat.S_IMODE(letter.stat().st_mode) == 0o600
    text = PdfReader(letter).pages[0].extract_text()
    assert "Jeanne Dupont" in text and "23000 Guéret" in text


def test_portal_invite_explains_a_wrong_health_number_and_creates_nothing(cli_env, capsys):
    args = ["invite", "--family-name", "Dupont", "--given-names", "Jeanne", "--birth-date", "1941-03-27"]
    assert main([*args, "--nir", "241032309612399", "--email", "j@example.org"]) == 2
    assert "Vitale" in capsys.readouterr().err


def test_portal_invite_needs_an_email_or_a_letter(cli_env, capsys):
    args = ["invite", "--family-name", "Dupont", "--given-names", "Jeanne", "--birth-date", "1941-03-27"]
    assert main([*args, "--nir", _nir()]) == 2
    assert "--email" in capsys.readouterr().err
