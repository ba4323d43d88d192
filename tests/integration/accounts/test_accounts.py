"""Accounts: the identity is sealed in the database, found again through blind indexes,
and erased by destroying the account's keys."""

from __future__ import annotations

import secrets
from dataclasses import fields

import pytest

from portal.accounts.services import (
    SEALED_FIELDS,
    PersonIdentity,
    create_account,
    erase_account,
    find_account_id,
    read_identity,
)
from portal.accounts.tables import Account, Identity
from portal.core.access import Role
from portal.core.crypto import KeyDestroyedError
from portal.core.keys import Keyring
from tests.conftest import TEST_MASTER_KEY

MASTER = TEST_MASTER_KEY


def _jeanne() -> PersonIdentity:
    suffix = secrets.token_hex(3)
    return PersonIdentity(
        family_name="Dupont",
        given_names="Jeanne Marie",
        date_of_birth="1941-03-27",
        nir=f"2410323096{secrets.randbelow(900) + 100}45",
        email=f"jeanne.dupont.{suffix}@example.org",
        postal_address="3 rue des Tanneurs, 23000 Guéret",
    )


def test_every_identity_field_is_sealed_except_the_profession():
    assert {f.name for f in fields(PersonIdentity)} == {*SEALED_FIELDS, "profession"}


async def test_an_identity_is_stored_sealed_and_reads_back(engine):
    person = _jeanne()
    async with engine.transaction():
        account_id = await create_account(Keyring(MASTER), Role.PATIENT, person)
    row = await Identity.select().where(Identity.account == account_id).first()
    for name in SEALED_FIELDS:
        value = getattr(person, name)
        if value is not None:
            assert value.encode() not in bytes(row[name]), name
    account = await Account.select().where(Account.id == account_id).first()
    assert account["status"] == "invited" and account["role"] == "patient"
    assert person.email not in str(account) and "jeanne" not in str(account)
    async with engine.transaction():
        assert await read_identity(Keyring(MASTER), account_id) == person


async def test_an_account_is_found_by_email_or_health_number_written_loosely(engine):
    person = _jeanne()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        account_id = await create_account(keyring, Role.PATIENT, person)
        assert await find_account_id(keyring, person.email.upper()) == account_id
        assert await find_account_id(keyring, person.nir) == account_id
        assert await find_account_id(keyring, "nobody@example.org") is None


async def test_a_professional_keeps_their_profession_readable_and_the_rest_sealed(engine):
    doctor = PersonIdentity(
        family_name="Martin",
        given_names="Luc",
        profession="general_practitioner",
        rpps=f"10{secrets.randbelow(10**9):09d}",
        place_of_practice="Maison de santé d'Aubusson",
    )
    async with engine.transaction():
        keyring = Keyring(MASTER)
        account_id = await create_account(keyring, Role.PROFESSIONAL, doctor)
        assert await read_identity(keyring, account_id) == doctor
    row = (
        await Identity.select(Identity.profession, Identity.rpps)
        .where(Identity.account == account_id)
        .first()
    )
    assert row["profession"] == "general_practitioner"
    assert doctor.rpps.encode() not in bytes(row["rpps"])


async def test_erasing_an_account_makes_its_identity_unreadable_even_from_a_backup(engine):
    person = _jeanne()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        account_id = await create_account(keyring, Role.PATIENT, person)
    backup = await Identity.select().where(Identity.account == account_id).first()
    async with engine.transaction():
        await erase_account(account_id, status="refused")
    async with engine.transaction():
        keyring = Keyring(MASTER)
        assert await read_identity(keyring, account_id) is None
        assert await find_account_id(keyring, person.email) is None
        from portal.accounts.services import _place

        with pytest.raises(KeyDestroyedError):
            await keyring.open(_place(account_id, "family_name"), bytes(backup["family_name"]))
    account = await Account.select().where(Account.id == account_id).first()
    assert account["status"] == "refused" and account["email_index"] is None
