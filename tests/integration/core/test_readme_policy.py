"""The README's "Who may read what" says what the access policy does: its table of
professions against ``PROFESSIONAL_AREAS`` and ``PROFILE_SECTIONS``, its paragraph on
carers against ``DELEGABLE_AREAS``. A change on either side fails here until the other
follows.

The README names profile sections in words; each word is the (English) title of one
section in ``portal/profile/definitions_care.py`` or ``definitions_person.py``, or a word
of it ("treatments" for "Current treatments"), and must match exactly one section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.core.access import (
    DELEGABLE_AREAS,
    PROFESSIONAL_AREAS,
    PROFILE_SECTION_KEYS,
    PROFILE_SECTIONS,
    Area,
)
from portal.core.i18n import use_locale
from portal.profile.definitions import sections

README = Path(__file__).resolve().parents[3] / "README.md"
COLUMNS = ["profession", "documents", "messages", "notes shared with them", "profile sections"]
# The carers' paragraph names the delegable areas in words.
AREA_WORDS = {
    "documents": Area.DOCUMENTS,
    "messages": Area.MESSAGES,
    "profile": Area.PROFILE,
    "agenda": Area.AGENDA,
    "notes": Area.NOTES,
    "connected services": Area.CATALOGUE,
}
NUMBERS = {"four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8}


def _section(text: str) -> str:
    """The README's "## Who may read what" section."""
    found = re.search(r"^## Who may read what\n(.*?)(?=^## )", text, re.S | re.M)
    assert found, 'README.md has no "## Who may read what" section'
    return found.group(1)


def _table(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("|")]
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    return [row for row in cells if not all(set(cell) <= {"-", ":", " "} for cell in row)]


def _yes(word: str) -> bool:
    assert word in ("yes", "no"), f"the README says {word!r} where yes or no is expected"
    return word == "yes"


def section_keys(words: str) -> frozenset[str]:
    """The section keys a README cell names: "all", "all but way of life", "none", or a list."""
    with use_locale("en"):
        titles = {key: section.title.lower() for key, section in sections().items()}

    def one(word: str) -> str:
        matches = [key for key, title in titles.items() if word == title or word in title.split(" and ")]
        matches = matches or [key for key, title in titles.items() if title.endswith(" " + word)]
        assert len(matches) == 1, f"the README's profile section {word!r} matches {matches or 'no section'}"
        return matches[0]

    def named(listed: str) -> frozenset[str]:
        return frozenset(one(w.strip()) for w in listed.split(",") if w.strip())

    words = words.strip().lower()
    if words == "none":
        return frozenset()
    if words == "all":
        return frozenset(PROFILE_SECTION_KEYS)
    if words.startswith("all but "):
        return frozenset(PROFILE_SECTION_KEYS) - named(words.removeprefix("all but "))
    return named(words)


@pytest.fixture(scope="module")
def who_may_read_what() -> str:
    return _section(README.read_text(encoding="utf-8"))


def test_the_professions_table_is_the_policy(who_may_read_what):
    header, *rows = _table(who_may_read_what)
    assert header == COLUMNS
    said = {row[0].replace(" ", "_"): row for row in rows}
    assert set(said) == set(PROFESSIONAL_AREAS), "the README's professions are not the policy's"
    for profession, (_name, documents, messages, notes, profile) in said.items():
        areas = PROFESSIONAL_AREAS[profession]
        assert _yes(documents) is (Area.DOCUMENTS in areas), f"{profession}: documents"
        assert _yes(messages) is (Area.MESSAGES in areas), f"{profession}: messages"
        assert _yes(notes) is (Area.NOTES in areas), f"{profession}: notes"
        readable = section_keys(profile)
        assert readable == PROFILE_SECTIONS.get(profession, frozenset()), f"{profession}: profile sections"
        # A profession with sections to read has the profile area, and only then.
        assert bool(readable) is (Area.PROFILE in areas), f"{profession}: the profile area"
    # No area a profession may use is left out of the table.
    shown = {Area.DOCUMENTS, Area.MESSAGES, Area.NOTES, Area.PROFILE}
    assert set().union(*PROFESSIONAL_AREAS.values()) <= shown


def test_the_carers_paragraph_names_the_delegable_areas(who_may_read_what):
    text = " ".join(who_may_read_what.split())
    found = re.search(r"A carer reaches only the areas the patient delegated \(([^;)]*);", text)
    assert found, "the README's carer paragraph no longer lists the areas a carer may be given"
    words = [w.strip() for w in re.split(r",\s*", found.group(1))]
    unknown = [w for w in words if w not in AREA_WORDS]
    assert not unknown, f"the README names areas the test does not know: {unknown}"
    named = [AREA_WORDS[w] for w in words]
    assert named == list(DELEGABLE_AREAS), f"the README's carer areas {named} are not the policy's"
    count = re.search(r"a legal representative has all (\w+)", text)
    assert count and NUMBERS.get(count.group(1)) == len(DELEGABLE_AREAS), "a legal representative's areas"


def test_each_section_word_names_one_section_and_every_section_has_a_word():
    words = {
        "treatments",
        "allergies",
        "illnesses and history",
        "family history",
        "hospital stays",
        "vaccinations",
        "measurements",
        "blood group",
        "disabilities",
        "way of life",
        "advance directives",
        "organ donation",
        "people to contact",
    }
    keys = [next(iter(section_keys(word))) for word in sorted(words)]
    assert sorted(keys) == sorted(PROFILE_SECTION_KEYS)


def test_the_comparison_fails_when_either_side_changes():
    table = (
        "| profession | documents | messages | notes shared with them | profile sections |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| physiotherapist | yes | yes | yes | way of life |\n"
    )
    (_header, row) = _table(table)
    assert _yes(row[1]) is not (Area.DOCUMENTS in PROFESSIONAL_AREAS["physiotherapist"])
    assert section_keys(row[4]) != PROFILE_SECTIONS["physiotherapist"]
    assert section_keys("all but way of life") == PROFILE_SECTIONS["specialist"]
    with pytest.raises(AssertionError):
        section_keys("x-rays")
