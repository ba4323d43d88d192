"""Passwords: argon2id hashing off the event loop, and the rules a new password must meet.

Hashing and verifying are slow on purpose (about a tenth of a second each, and 64 MiB
of memory), so they run in worker threads, a few at a time, and never on the event
loop. A stored hash made with weaker parameters than today's is replaced after a
successful sign-in (``verify_password`` returns the new hash).

The rules for a new password follow NIST SP 800-63B: a minimum length and no
composition rules (no "one capital, one digit, one symbol"), but a refusal of
passwords that are common or that people who know the person could guess.
Spaces are allowed, so a few words make a good password.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources

import anyio
import anyio.to_thread
from argon2 import PasswordHasher, profiles
from argon2.exceptions import Argon2Error

from portal.core.i18n import gettext as _

# argon2id with RFC 9106's second recommended option (the "low memory" profile):
# t=3 passes over m=64 MiB, p=4 lanes, a 16-byte salt and a 32-byte hash. It is also
# argon2-cffi's default, but naming the profile pins it, so a library upgrade cannot
# change it unseen. RFC 9106's first choice (2 GiB per hash) does not fit a small
# server that must sign in several people at once; 64 MiB is still three times
# OWASP's minimum (19 MiB) and costs about 0.1 s per hash on our 2-core machines.
# To raise the cost, change PARAMETERS: older hashes are replaced at their next sign-in.
PARAMETERS = profiles.RFC_9106_LOW_MEMORY
_hasher = PasswordHasher.from_parameters(PARAMETERS)

# Each hash holds 64 MiB and keeps a core busy: at most this many run at once
# (others wait their turn), which bounds memory during a rush of sign-ins.
HASHING_SLOTS = min(8, max(2, os.cpu_count() or 2))
_slots = anyio.CapacityLimiter(HASHING_SLOTS)

# The hash of a random password nobody knows, made with PARAMETERS (a test checks
# that it still matches them). Verifying against it costs what a real verify costs.
DUMMY_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$SS24D8uXmk95BfvHML/DNA$s2y3+8pwFX38spUGpaM6VBuq1+Yt7WmsLTvaUBoMoDg"
)

MIN_LENGTH = 8
MAX_LENGTH = 256

# The lists of common passwords shipped with the project (see COMMON_PASSWORDS.md):
# one per line, lower-cased, 8 characters or more.
COMMON_PASSWORD_FILES = ("common_passwords.txt", "common_passwords_fr.txt")

_SPACES = re.compile(r"\s+")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")
_NAME_SEPARATORS = re.compile(r"[\s\-'’.,_@+]+")
# A personal word shorter than this (a particle such as "de" or "le") is not compared.
_SHORTEST_PERSONAL_WORD = 3


def prepare_password(password: str) -> str:
    """The form of a password that is hashed, verified and checked.

    NFKC normalisation (NIST 800-63B), so an accented letter typed on one device
    matches the same letter typed on another; spaces at either end are dropped and
    runs of spaces inside become one (800-63B allows this), because phone keyboards
    add a space after a word and people do not see it.
    """
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", password)).strip()


async def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (computed in a worker thread)."""
    return await anyio.to_thread.run_sync(_hasher.hash, prepare_password(password), limiter=_slots)


def _verify(stored_hash: str, password: str) -> tuple[bool, str | None]:
    try:
        _hasher.verify(stored_hash, password)
    except (Argon2Error, ValueError):
        # A wrong password, or a stored hash that is malformed (InvalidHashError
        # and non-ASCII text are ValueErrors): either way, not signed in.
        return False, None
    if _hasher.check_needs_rehash(stored_hash):
        return True, _hasher.hash(password)
    return True, None


async def verify_password(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """Whether ``password`` matches ``stored_hash``, and a new hash to store when the
    stored one was made with other parameters than PARAMETERS (else None).

    Never raises: a malformed stored hash simply does not match.
    """
    return await anyio.to_thread.run_sync(_verify, stored_hash, prepare_password(password), limiter=_slots)


async def burn_verify_time(password: str = "") -> bool:
    """Spend the time of a real verify, for a sign-in with an unknown identifier, so
    that its answer takes as long as a wrong password's. Always False."""
    await verify_password(DUMMY_HASH, password)
    return False


@cache
def common_passwords() -> frozenset[str]:
    """Every common password the project ships, lower-cased (read once)."""
    folder = resources.files("portal.accounts")
    found: set[str] = set()
    for name in COMMON_PASSWORD_FILES:
        text = folder.joinpath(name).read_text(encoding="utf-8")
        found.update(line.strip().casefold() for line in text.splitlines() if line.strip())
    return frozenset(found)


def _simplify(text: str) -> str:
    """Lower case, without accents, spaces or punctuation: "Mot de passe !" -> "motdepasse"."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_LETTER_OR_DIGIT.sub("", bare.casefold())


def _is_common(prepared: str) -> bool:
    lowered = prepared.casefold()
    forms = {lowered, lowered.replace(" ", ""), _simplify(prepared)}
    return not forms.isdisjoint(common_passwords())


def _personal_forms(personal_words: Iterable[str]) -> set[str]:
    """Each personal word, simplified, with its parts: "Jean-Pierre" gives jeanpierre,
    jean and pierre; an email address gives its local part and that part's pieces."""
    forms: set[str] = set()
    for word in personal_words:
        if not word:
            continue
        candidates = [word]
        if "@" in word:
            candidates.append(word.rsplit("@", 1)[0])
        candidates.extend(_NAME_SEPARATORS.split(word.rsplit("@", 1)[0]))
        for candidate in candidates:
            simple = _simplify(candidate)
            if len(simple) >= _SHORTEST_PERSONAL_WORD:
                forms.add(simple)
    return forms


def _is_personal(prepared: str, personal_words: Iterable[str]) -> bool:
    simple = _simplify(prepared)
    # "Dupont1948", "1948 dupont!": the word with only digits or signs around it.
    core = simple.strip("0123456789")
    return any(form in (simple, core) for form in _personal_forms(personal_words))


def birth_date_words(born: date) -> list[str]:
    """The ways people write their date of birth in a password, for ``personal_words``."""
    day, month, year = f"{born.day:02d}", f"{born.month:02d}", f"{born.year:04d}"
    return [day + month + year, day + month + year[2:], year + month + day, f"{born.day}{born.month}{year}"]


def check_new_password(password: str, *, personal_words: Iterable[str] = ()) -> str | None:
    """None when ``password`` may be chosen, else a kind message saying why not.

    ``personal_words``: the person's names, email address (or its part before the
    @) and date of birth (``birth_date_words``). Length counts characters as people
    see them (after normalisation, so "é" is one character however it was typed).
    """
    prepared = prepare_password(password)
    if len(prepared) < MIN_LENGTH:
        return _(
            "Your password must have at least %(minimum)d characters. "
            "Longer is safer: try three or four words you will remember.",
            minimum=MIN_LENGTH,
        )
    if len(prepared) > MAX_LENGTH:
        return _(
            "Your password can have at most %(maximum)d characters. "
            "Three or four words you will remember are enough.",
            maximum=MAX_LENGTH,
        )
    if _is_personal(prepared, personal_words):
        return _(
            "This password would be easy to guess for people who know you: it is made of your name, "
            "your email address or your date of birth. Choose another one, for example three or four "
            "words you will remember."
        )
    if _is_common(prepared):
        return _(
            "This password is too common: people who break into accounts try it first. "
            "Choose another one, for example three or four words you will remember."
        )
    return None
