"""Sealed values and data keys, on a real database: what must never open does not."""

from __future__ import annotations

import secrets

import pytest

from portal.core.crypto import KeyDestroyedError, MasterKeyError, Place, SealedValueError, master_key_id
from portal.core.keys import INDEX_KEY_OWNER, Keyring, destroy_keys_of, rewrap_all
from portal.core.tables import DataKey
from tests.conftest import TEST_MASTER_KEY

MASTER = TEST_MASTER_KEY


def _subject() -> str:
    return f"patient:{secrets.token_hex(4)}"


def _place(subject: str, column: str = "family_name", row: str = "1") -> Place:
    return Place(table="patient", column=column, row=row, subject=subject)


async def test_a_sealed_value_opens_in_its_place(engine):
    subject = _subject()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        sealed = await keyring.seal(_place(subject), "Dupont")
        assert b"Dupont" not in sealed
        assert await keyring.open(_place(subject), sealed) == "Dupont"
    # and in a later unit of work, with the key read back from the database
    async with engine.transaction():
        assert await Keyring(MASTER).open(_place(subject), sealed) == "Dupont"


async def test_every_value_names_its_key_and_has_a_fresh_nonce(engine):
    subject = _subject()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        first = await keyring.seal(_place(subject), "Jeanne")
        second = await keyring.seal(_place(subject), "Jeanne")
    assert first != second
    row = await DataKey.select(DataKey.key_id).where(DataKey.owner == subject).first()
    assert first[1:17].hex() == row["key_id"] == second[1:17].hex()


async def test_one_flipped_byte_anywhere_fails_to_open(engine):
    subject = _subject()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        sealed = await keyring.seal(_place(subject), "1 42 03 23 096 123 45")
        for position in range(len(sealed)):
            altered = bytearray(sealed)
            altered[position] ^= 0x01
            with pytest.raises(SealedValueError):
                await keyring.open(_place(subject), bytes(altered))


async def test_values_swapped_between_rows_columns_or_subjects_fail_to_open(engine):
    jeanne, paul = _subject(), _subject()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        row_1 = await keyring.seal(_place(jeanne, row="1"), "Dupont")
        await keyring.seal(_place(jeanne, row="2"), "Martin")
        with pytest.raises(SealedValueError):
            await keyring.open(_place(jeanne, row="2"), row_1)
        with pytest.raises(SealedValueError):
            await keyring.open(_place(jeanne, column="given_names"), row_1)
        with pytest.raises(SealedValueError):
            await keyring.open(Place("professional", "family_name", "1", jeanne), row_1)
        with pytest.raises(SealedValueError):
            await keyring.open(_place(paul, row="1"), row_1)


async def test_every_value_still_reads_after_the_master_key_is_rotated(engine):
    subjects = [_subject() for _ in range(3)]
    async with engine.transaction():
        keyring = Keyring(MASTER)
        sealed = {s: await keyring.seal(_place(s), f"name of {s}") for s in subjects}
        index = await keyring.index("email", "Jeanne.Dupont@example.org")
    new_master = secrets.token_bytes(32)
    async with engine.transaction():
        assert await rewrap_all(MASTER, new_master) >= 4  # 3 subjects and the index key
    try:
        async with engine.transaction():
            keyring = Keyring(new_master)
            for subject, value in sealed.items():
                assert await keyring.open(_place(subject), value) == f"name of {subject}"
            assert await keyring.index("email", "jeanne.dupont@example.org ") == index
            with pytest.raises(MasterKeyError):
                await Keyring(MASTER).open(_place(subjects[0]), sealed[subjects[0]])
        rows = await DataKey.select(DataKey.master_key_id).where(DataKey.owner.is_in(subjects))
        assert {row["master_key_id"] for row in rows} == {master_key_id(new_master)}
    finally:
        async with engine.transaction():
            await rewrap_all(new_master, MASTER)


async def test_a_rotation_refuses_keys_wrapped_by_an_unknown_master_key(engine):
    stranger = secrets.token_bytes(32)
    subject = _subject()
    async with engine.transaction():
        await Keyring(stranger).seal(_place(subject), "x")
    try:
        with pytest.raises(MasterKeyError, match="wrapped by neither key"):
            async with engine.transaction():
                await rewrap_all(MASTER, secrets.token_bytes(32))
    finally:
        async with engine.transaction():
            await destroy_keys_of(subject)


async def test_erasing_a_subject_destroys_their_keys_and_no_one_elses(engine):
    jeanne, paul = _subject(), _subject()
    async with engine.transaction():
        keyring = Keyring(MASTER)
        jeanne_value = await keyring.seal(_place(jeanne), "Dupont")
        paul_value = await keyring.seal(_place(paul), "Martin")
    async with engine.transaction():
        assert await destroy_keys_of(jeanne) == 1
    async with engine.transaction():
        keyring = Keyring(MASTER)
        with pytest.raises(KeyDestroyedError):
            await keyring.open(_place(jeanne), jeanne_value)
        assert await keyring.open(_place(paul), paul_value) == "Martin"
    with pytest.raises(ValueError):
        await destroy_keys_of(INDEX_KEY_OWNER)


async def test_a_key_made_in_a_transaction_that_fails_is_not_kept(engine):
    subject = _subject()
    with pytest.raises(RuntimeError):
        async with engine.transaction():
            await Keyring(MASTER).seal(_place(subject), "Dupont")
            raise RuntimeError("the request failed")
    assert await DataKey.count().where(DataKey.owner == subject) == 0


async def test_blind_indexes_match_the_same_identifier_written_differently(engine):
    async with engine.transaction():
        keyring = Keyring(MASTER)
        email = await keyring.index("email", "Jeanne.Dupont@example.org")
        assert await keyring.index("email", "  jeanne.dupont@EXAMPLE.org") == email
        assert await keyring.index("nir", "Jeanne.Dupont@example.org") != email
        assert await keyring.index("email", "paul@example.org") != email
        assert "jeanne" not in email


async def test_preloaded_keys_open_what_they_sealed_in_one_query(engine):
    from portal.core.crypto import Place
    from portal.core.keys import Keyring
    from tests.conftest import TEST_MASTER_KEY

    places = [Place("t", "c", str(n), f"subject:preload-{n}") for n in range(3)]
    async with engine.transaction():
        sealed = [await Keyring(TEST_MASTER_KEY).seal(place, f"value {n}") for n, place in enumerate(places)]
    keyring = Keyring(TEST_MASTER_KEY)
    await keyring.preload([place.subject for place in places] + ["subject:preload-none"])
    assert [await keyring.open(place, value) for place, value in zip(places, sealed, strict=True)] == [
        "value 0",
        "value 1",
        "value 2",
    ]
