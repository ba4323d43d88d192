"""Passwords: argon2id off the event loop, rehashed when parameters rise, and kind rules
for a new one (NIST 800-63B: length, no composition rules, no common or personal ones)."""

from __future__ import annotations

import threading
import tomllib
import unicodedata
from datetime import date
from fnmatch import fnmatch

import pytest
from argon2 import PasswordHasher, Type

from portal.accounts import passwords
from portal.accounts.passwords import (
    DUMMY_HASH,
    PARAMETERS,
    birth_date_words,
    burn_verify_time,
    check_new_password,
    common_passwords,
    hash_password,
    verify_password,
)
from portal.core.i18n import use_locale
from portal.settings import PROJECT_ROOT

TOO_SHORT = (
    "Your password must have at least 8 characters. "
    "Longer is safer: try three or four words you will remember."
)
TOO_LONG = "Your password can have at most 256 characters. Three or four words you will remember are enough."
TOO_COMMON = (
    "This password is too common: people who break into accounts try it first. "
    "Choose another one, for example three or four words you will remember."
)
TOO_PERSONAL = (
    "This password would be easy to guess for people who know you: it is made of your name, "
    "your email address or your date of birth. Choose another one, for example three or four "
    "words you will remember."
)
PERSON = ["Jean-Pierre", "Dupont", "jp.dupont@laposte.net", *birth_date_words(date(1948, 3, 27))]


def check(password: str, personal_words: list[str] | None = None) -> str | None:
    with use_locale("en"):
        return check_new_password(password, personal_words=personal_words or [])


class _SpyHasher(PasswordHasher):
    """Records the thread each hash and verify runs in."""

    calls: list[tuple[str, int, str]] = []

    def hash(self, password, *, salt=None):
        self.calls.append(("hash", threading.get_ident(), ""))
        return super().hash(password, salt=salt)

    def verify(self, hash, password):
        self.calls.append(("verify", threading.get_ident(), str(hash)))
        return super().verify(hash, password)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> type[_SpyHasher]:
    _SpyHasher.calls = []
    monkeypatch.setattr(passwords, "_hasher", _SpyHasher.from_parameters(PARAMETERS))
    return _SpyHasher


# --- Hashing and verifying -------------------------------------------------------------


async def test_a_password_is_hashed_with_argon2id_and_the_right_one_verifies():
    stored = await hash_password("trois mots simples")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert "trois" not in stored
    assert await verify_password(stored, "trois mots simples") == (True, None)


async def test_a_wrong_password_does_not_verify():
    stored = await hash_password("trois mots simples")
    assert await verify_password(stored, "trois mots simple") == (False, None)
    assert await verify_password(stored, "") == (False, None)


async def test_the_same_password_hashes_differently_each_time():
    assert await hash_password("trois mots simples") != await hash_password("trois mots simples")


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "not a hash",
        "$2b$12$abcdefghijklmnopqrstuuRyr7mIw7QlhQmXPXYZfhqhFOzNRPdD2",  # bcrypt
        "$argon2id$v=19$m=65536,t=3,p=4$$",  # truncated
        "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$",
        "$argon2id$v=19$m=65536,t=3,p=4$SS24D8uXmk95BfvHML/DNA$é",  # not ASCII
    ],
)
async def test_a_malformed_stored_hash_never_verifies_and_never_raises(malformed):
    assert await verify_password(malformed, "trois mots simples") == (False, None)


async def test_a_hash_made_with_lower_parameters_is_replaced_after_the_right_password():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    old = weak.hash("trois mots simples")
    ok, new = await verify_password(old, "trois mots simples")
    assert ok and new is not None
    assert new.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert await verify_password(new, "trois mots simples") == (True, None)


async def test_a_hash_of_another_argon2_type_is_replaced_by_an_argon2id_one():
    old = PasswordHasher.from_parameters(PARAMETERS).hash("trois mots simples").replace("argon2id", "x")
    assert await verify_password(old, "trois mots simples") == (False, None)
    argon2i = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4, type=Type.I)
    ok, new = await verify_password(argon2i.hash("trois mots simples"), "trois mots simples")
    assert ok and new is not None and new.startswith("$argon2id$")


async def test_a_wrong_password_against_an_old_hash_gives_no_new_hash():
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    assert await verify_password(weak.hash("trois mots simples"), "autre chose") == (False, None)


async def test_hashing_and_verifying_run_in_a_worker_thread_not_on_the_event_loop(spy):
    loop_thread = threading.get_ident()
    stored = await hash_password("trois mots simples")
    await verify_password(stored, "trois mots simples")
    await burn_verify_time("trois mots simples")
    assert [kind for kind, _thread, _hash in spy.calls] == ["hash", "verify", "verify"]
    assert all(thread != loop_thread for _kind, thread, _hash in spy.calls)


async def test_the_rehash_after_a_sign_in_also_runs_off_the_event_loop(spy):
    loop_thread = threading.get_ident()
    old = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1).hash("trois mots simples")
    ok, new = await verify_password(old, "trois mots simples")
    assert ok and new
    assert [kind for kind, _thread, _hash in spy.calls] == ["verify", "hash"]
    assert all(thread != loop_thread for _kind, thread, _hash in spy.calls)


async def test_spaces_around_a_password_and_the_way_an_accent_was_typed_do_not_matter():
    composed = unicodedata.normalize("NFC", "été à la mer")
    decomposed = unicodedata.normalize("NFD", "été à la mer")
    assert composed != decomposed
    stored = await hash_password(composed)
    assert (await verify_password(stored, decomposed))[0]
    assert (await verify_password(stored, " été  à la mer "))[0]
    assert not (await verify_password(stored, "étéàlamer"))[0]


# --- The same time for an unknown account as for a wrong password ------------------------


def test_the_dummy_hash_is_made_with_todays_parameters():
    assert not PasswordHasher.from_parameters(PARAMETERS).check_needs_rehash(DUMMY_HASH)


async def test_burning_verify_time_really_verifies_against_the_dummy_hash_and_says_no(spy):
    assert await burn_verify_time("trois mots simples") is False
    assert await burn_verify_time() is False
    assert [(kind, stored) for kind, _thread, stored in spy.calls] == [
        ("verify", DUMMY_HASH),
        ("verify", DUMMY_HASH),
    ]


# --- Rules for a new password --------------------------------------------------------------


def test_a_password_of_fewer_than_8_characters_is_refused_kindly():
    assert check("") == TOO_SHORT
    assert check("a7#kq2!") == TOO_SHORT


def test_8_characters_are_enough_and_no_composition_rule_applies():
    assert check("a7#kq2!w") is None
    assert check("qmzvtrhw") is None  # no capital, no digit, no sign: fine


def test_length_counts_characters_as_people_see_them():
    # "é" typed as e + a combining accent is one character, not two.
    decomposed = unicodedata.normalize("NFD", "ééééééé")
    assert len(decomposed) == 14
    assert check(decomposed) == TOO_SHORT
    assert check(decomposed + "z") is None


def test_spaces_around_a_password_do_not_count():
    assert check("   a7#kq2!   ") == TOO_SHORT


def test_a_password_of_more_than_256_characters_is_refused_kindly():
    assert check("z" * 256) is None
    assert check("z" * 257) == TOO_LONG


def test_spaces_are_welcome_and_a_few_words_make_a_good_password():
    assert check("le chat dort sur le piano") is None
    assert check("cheval correct pile agrafe") is None


@pytest.mark.parametrize(
    "password", ["password", "PassWord1", "iloveyou", "qwertyuiop", "12345678", "Sunshine", "1qaz2wsx"]
)
def test_a_common_password_is_refused_whatever_its_case(password):
    assert check(password) == TOO_COMMON


@pytest.mark.parametrize(
    "password",
    ["motdepasse", "azertyuiop", "soleil123", "doudou123", "marseille13", "MotDePasse", "Azerty123"],
)
def test_common_french_passwords_are_refused(password):
    assert check(password) == TOO_COMMON


@pytest.mark.parametrize("password", ["Mot de passe", "mot-de-passe", "Mot dé passe !", "i love you"])
def test_a_common_password_with_spaces_accents_or_signs_added_is_still_refused(password):
    assert check(password) == TOO_COMMON


@pytest.mark.parametrize(
    "password",
    [
        "Dupont1948",
        "DUPONT !!!",
        "dupont 1948",
        "jean-pierre",
        "Jean Pierre",
        "jeanpierre27",
        "jp.dupont",
        "JP.Dupont@laposte.net",
        "27031948",
        "27/03/1948",
        "19480327",
        "1948-03-27",
    ],
)
def test_a_password_made_of_the_persons_name_email_or_date_of_birth_is_refused(password):
    assert check(password, PERSON) == TOO_PERSONAL


def test_a_password_that_only_contains_a_personal_word_among_others_is_accepted():
    assert check("dupont aime les roses du jardin", PERSON) is None
    assert check("Dupont1948", []) is None


def test_each_part_of_a_name_counts_but_not_its_short_particles():
    assert check("vitry1948", ["Jean de Vitry"]) == TOO_PERSONAL
    assert check("1948de1948", ["Jean de Vitry"]) is None


def test_the_birth_date_words_are_the_ways_people_write_a_date():
    assert birth_date_words(date(1948, 3, 7)) == ["07031948", "070348", "19480307", "731948"]


def test_every_message_goes_through_the_catalogue(monkeypatch):
    monkeypatch.setattr(passwords, "_", lambda message, **values: "T:" + message % values)
    assert check_new_password("short") == "T:" + TOO_SHORT
    assert check_new_password("z" * 300) == "T:" + TOO_LONG
    assert check_new_password("motdepasse") == "T:" + TOO_COMMON
    assert check_new_password("dupont1948", personal_words=["Dupont"]) == "T:" + TOO_PERSONAL


# --- The list of common passwords shipped with the project -------------------------------


def test_the_common_password_list_is_large_lower_cased_and_only_of_long_entries():
    listed = common_passwords()
    assert isinstance(listed, frozenset)
    assert len(listed) >= 10_000
    assert all(entry == entry.casefold() and len(entry) >= 8 for entry in listed)


def test_the_list_is_read_once():
    assert common_passwords() is common_passwords()


def test_the_list_files_are_shipped_as_package_data():
    pyproject = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["portal"]
    for name in passwords.COMMON_PASSWORD_FILES:
        assert any(fnmatch(f"accounts/{name}", pattern) for pattern in patterns)
        path = PROJECT_ROOT / "portal" / "accounts" / name
        lines = path.read_text(encoding="utf-8").splitlines()
        assert len(lines) == len(set(lines)), f"{name} has duplicates"
