"""The adoption figures' rules: age bands, departments from addresses, and how counts are
shown (0, "fewer than 10", or rounded to the nearest 5) so nobody can be picked out."""

from __future__ import annotations

from datetime import date

import pytest

from portal.agency.figures import (
    METRICS,
    NOT_KNOWN,
    SUPPRESSED,
    Fact,
    Filters,
    Tally,
    age_band,
    figures,
    read_filters,
    shown,
)
from portal.outreach.departments import DEPARTMENTS, department_of_address, department_of_postcode

TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (date(2007, 6, 16), "under-18"),  # 17 until tomorrow
        (date(2007, 6, 15), "18-39"),
        (date(1985, 6, 16), "18-39"),
        (date(1985, 6, 15), "40-59"),
        (date(1965, 6, 15), "60-74"),
        (date(1950, 6, 16), "60-74"),
        (date(1950, 6, 15), "75-plus"),
        (date(1920, 1, 1), "75-plus"),
        (None, NOT_KNOWN),
        (date(2030, 1, 1), NOT_KNOWN),
    ],
)
def test_age_bands(born, band):
    assert age_band(born, TODAY) == band


@pytest.mark.parametrize(
    ("postcode", "department"),
    [
        ("23000", "23"),
        ("01000", "01"),
        ("75011", "75"),
        ("20000", "2A"),
        ("20190", "2A"),
        ("20200", "2B"),
        ("20600", "2B"),
        ("97400", "974"),
        ("97600", "976"),
        ("97500", None),  # Saint-Pierre-et-Miquelon is not a department
        ("98000", None),  # Monaco
        ("00100", None),
        ("2300", None),
        ("ABCDE", None),
    ],
)
def test_the_department_of_a_postcode(postcode, department):
    assert department_of_postcode(postcode) == department


def test_the_department_of_an_address_is_that_of_its_last_postcode():
    assert department_of_address("12 rue des Tilleuls\n23000 Guéret") == "23"
    assert department_of_address("Résidence 87000, 4 place Bellecour\n69002 Lyon") == "69"
    assert department_of_address("12345678 rue longue\nsans code") is None
    assert department_of_address(None) is None
    assert department_of_address("") is None
    assert len(DEPARTMENTS) == 101


@pytest.mark.parametrize(
    ("count", "token"),
    [
        (0, "0"),
        (1, SUPPRESSED),
        (9, SUPPRESSED),
        (10, "10"),
        (12, "10"),
        (13, "15"),
        (17, "15"),
        (18, "20"),
        (102, "100"),
        (103, "105"),
    ],
)
def test_small_counts_are_suppressed_and_the_others_rounded_to_5(count, token):
    assert shown(count).token == token
    assert (shown(count).value is None) == (token == SUPPRESSED)


def test_no_count_can_be_subtracted_back_exactly():
    # 12 activated alone, 3 with a mediator: the total minus "alone" is not the 3.
    tally = Tally()
    for assisted in [False] * 12 + [True] * 3:
        tally.add(Fact("23", "75-plus", activated=True, assisted=assisted))
    cells = dict(zip(METRICS, tally.shown(), strict=True))
    assert cells["assisted"].value is None
    assert cells["activations"].value == 15 and cells["alone"].value == 10
    assert cells["activations"].value - cells["alone"].value != 3


def _facts() -> list[Fact]:
    return (
        [Fact("23", "75-plus", activated=True, active_30_days=True, documents=3, documents_read=1)] * 14
        + [Fact("23", "75-plus", activated=True, assisted=True)] * 2
        + [Fact("87", "40-59", pending=True)] * 11
        + [Fact(NOT_KNOWN, NOT_KNOWN, refused=True)] * 4
    )


def test_the_tables_count_by_department_and_age_band():
    shown_figures = figures(_facts(), Filters())
    total = dict(zip(METRICS, (c.token for c in shown_figures.total.cells), strict=True))
    assert total == {
        "activations": "15",
        "assisted": SUPPRESSED,
        "alone": "15",
        "refusals": SUPPRESSED,
        "pending": "10",
        "active_30_days": "15",
        "documents": "40",
        "documents_read": "15",
    }
    assert [row.key for row in shown_figures.by_department] == [
        "department:23",
        "department:87",
        "department:unknown",
    ]
    assert [row.key for row in shown_figures.by_band] == [
        "band:under-18",
        "band:18-39",
        "band:40-59",
        "band:60-74",
        "band:75-plus",
        "band:unknown",
    ]
    keys = [key for key, _row in shown_figures.rows()]
    assert keys == ["all"] + ["department"] * 3 + ["band"] * 6


def test_filters_narrow_every_table():
    creuse = figures(_facts(), Filters(department="23"))
    assert [row.key for row in creuse.by_department] == ["department:23"]
    assert creuse.total.cells[METRICS.index("pending")].token == "0"
    old = figures(_facts(), Filters(band="75-plus"))
    assert [row.key for row in old.by_band] == ["band:75-plus"]
    assert [row.key for row in old.by_department] == ["department:23"]
    nobody = figures(_facts(), Filters(department="2A"))
    assert nobody.by_department == [] and all(cell.token == "0" for cell in nobody.total.cells)


def test_filters_off_the_list_are_dropped_with_a_message():
    filters, errors = read_filters("99", "ancient")
    assert filters == Filters() and set(errors) == {"department", "band"}
    filters, errors = read_filters("2A", "75-plus")
    assert filters == Filters("2A", "75-plus") and not errors
    assert filters.audit_id == "figures:2A:75-plus"
    assert read_filters(NOT_KNOWN, NOT_KNOWN) == (Filters(NOT_KNOWN, NOT_KNOWN), {})
    assert read_filters(None, None) == (Filters(), {})
