"""The catalogue file: every entry valid, and a mistake named with its entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.catalogue.entries import SERVICE_CATEGORIES, CatalogueError, load, search

GOOD = """
schema = 1
[[service]]
id = "essai"
version = 1
name = "Essai"
publisher = "Association"
category = "prevention"
vetted_on = 2026-01-02
link = "https://essai.example/"
writes = false
summary.fr = "Un essai."
summary.en = "A trial."
description.fr = "Un essai."
description.en = "A trial."
accessibility.fr = "Grands caractères."
accessibility.en = "Large print."
[[service.asks]]
kind = "documents:vaccination"
required = true
why.fr = "Pour essayer."
why.en = "To try."
"""


def test_the_catalogue_holds_at_least_12_valid_entries_across_every_category():
    entries = load()
    assert len(entries) >= 12
    assert {entry.category for entry in entries.values()} == set(SERVICE_CATEGORIES)
    for entry in entries.values():
        assert entry.required, entry.id
        assert str(entry.summary) and entry.summary.fr != entry.summary.en


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('kind = "documents:vaccination"', 'kind = "documents:horoscope"'), "unknown kind"),
        (("required = true", "required = false"), "at least one kind of data must be required"),
        (('category = "prevention"', 'category = "astrology"'), "category must be one of"),
        (('link = "https://essai.example/"', 'link = "http://essai.example/"'), "https"),
        (('summary.en = "A trial."', ""), "needs a French and an English text"),
        (("vetted_on = 2026-01-02", 'vetted_on = "soon"'), "vetted_on must be a date"),
    ],
)
def test_a_wrong_entry_stops_the_load_with_its_name_and_field(tmp_path: Path, change, message):
    path = tmp_path / "catalogue.toml"
    path.write_text(GOOD.replace(*change), encoding="utf-8")
    with pytest.raises(CatalogueError, match=message) as raised:
        load(path)
    assert "essai" in str(raised.value)


def test_an_entry_listed_twice_is_refused(tmp_path: Path):
    path = tmp_path / "catalogue.toml"
    path.write_text(GOOD + GOOD.replace("schema = 1", ""), encoding="utf-8")
    with pytest.raises(CatalogueError, match="listed twice"):
        load(path)


def test_search_finds_words_in_either_language_and_filters_by_kind():
    assert [e.id for e in search("vaccin")] == [e.id for e in search("VACCIN")]
    assert "carnet-vaccins-plus" in [e.id for e in search("vaccination")]
    assert all(e.category == "carers" for e in search("", "carers"))
    assert search("zzzz-nothing") == []
