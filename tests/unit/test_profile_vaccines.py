"""The national vaccination schedule read against what is recorded: what is due now and
what comes within about six months, for babies, children, adults and older people."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from portal.core.i18n import use_locale
from portal.profile.definitions import sections
from portal.profile.vaccines import (
    SCHEDULE,
    VACCINES,
    Given,
    add_months,
    age_in_months,
    reminders,
    vaccine_names,
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_locale("en"):
        yield


def due(born: date, today: date, *given: tuple[str, date]) -> dict[str, str]:
    """track -> "due" or "coming" (with the dose when a track has several)."""
    found = reminders(born, [Given(vaccine, day) for vaccine, day in given], today)
    return {r.track: r.status + (f" {r.dose}/{r.doses}" if r.doses > 1 else "") for r in found}


def test_the_schedule_is_consistent():
    tracks = [step.track for step in SCHEDULE]
    assert len(tracks) == len(set(tracks))
    for step in SCHEDULE:
        assert step.vaccines <= VACCINES
        assert step.label()
    assert set(vaccine_names()) == VACCINES
    assert list(vaccine_names())[-1] == "other"
    # The form offers exactly these vaccines.
    assert sections()["vaccinations"].field("vaccine").choice_keys == VACCINES


@pytest.mark.parametrize(
    ("born", "day", "months"),
    [
        (date(2000, 1, 31), date(2000, 2, 29), 1),
        (date(2000, 1, 31), date(2000, 2, 28), 0),
        (date(2001, 1, 31), date(2001, 2, 28), 1),
        (date(1950, 6, 15), date(2015, 6, 14), 779),
        (date(1950, 6, 15), date(2015, 6, 15), 780),
        (date(2020, 5, 5), date(2020, 5, 5), 0),
    ],
)
def test_ages_in_months(born, day, months):
    assert age_in_months(born, day) == months
    assert add_months(born, months) <= day


def test_add_months_keeps_the_end_of_the_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(1950, 6, 15), 65 * 12) == date(2015, 6, 15)


def test_a_baby_of_two_months():
    born = date(2026, 1, 10)
    assert due(born, date(2026, 3, 15)) == {
        "hexavalent": "due 1/3",
        "pneumococcal-baby": "due 1/3",
        "rotavirus": "due 1/2",
        "meningococcal-b": "coming 1/3",
        "meningococcal-acwy-baby": "coming 1/2",
    }
    # The first doses given: the next ones come at 3 and 4 months.
    given = [
        ("hexavalent", date(2026, 3, 16)),
        ("pneumococcal", date(2026, 3, 16)),
        ("rotavirus", date(2026, 3, 16)),
    ]
    after = due(born, date(2026, 3, 20), *given)
    assert after["hexavalent"] == "coming 2/3" and after["rotavirus"] == "coming 2/2"
    reminder = next(
        r for r in reminders(born, [Given(*g) for g in given], date(2026, 3, 20)) if r.track == "hexavalent"
    )
    assert reminder.since == date(2026, 5, 10)


def test_rotavirus_is_no_longer_offered_after_six_months():
    assert "rotavirus" not in due(date(2025, 1, 10), date(2025, 7, 10))


def test_a_child_of_six_and_a_teenager():
    child = date(2020, 4, 1)
    assert due(
        child,
        date(2026, 4, 2),
        ("hexavalent", date(2020, 6, 1)),
        ("hexavalent", date(2020, 8, 1)),
        ("hexavalent", date(2021, 3, 1)),
        ("mmr", date(2021, 4, 2)),
        ("mmr", date(2021, 8, 2)),
    ) == {"dtp-6": "due"}
    teen = date(2014, 9, 1)
    given = [("dtp", date(2020, 9, 10)), ("mmr", date(2015, 9, 2)), ("mmr", date(2016, 1, 2))]
    # At 10 years and 9 months: the doses of 11 come within six months.
    assert due(teen, date(2025, 6, 1), *given) == {
        "dtp-11": "coming",
        "hpv": "coming 1/2",
        "meningococcal-acwy-teen": "coming",
    }
    assert due(teen, date(2026, 3, 1), *given) == {
        "dtp-11": "due",
        "hpv": "due 1/2",
        "meningococcal-acwy-teen": "due",
    }
    # The first HPV dose given: the second six months later.
    assert due(teen, date(2026, 3, 1), *given, ("hpv", date(2026, 2, 1)))["hpv"] == "due 2/2"


def test_an_adult_of_thirty():
    # Born after 1980: two doses of measles, mumps and rubella, and the booster at 25.
    assert due(date(1996, 2, 1), date(2026, 3, 1)) == {"dtp-25": "due", "mmr": "due 1/2"}
    assert (
        due(
            date(1996, 2, 1),
            date(2026, 3, 1),
            ("dtp", date(2022, 1, 1)),
            ("mmr", date(1997, 2, 3)),
            ("mmr", date(1997, 7, 1)),
        )
        == {}
    )
    # Born before 1980: no measles catch-up.
    assert due(date(1975, 2, 1), date(2004, 3, 1)) == {"dtp-25": "due"}


@pytest.mark.parametrize(
    ("last_booster", "expected"),
    [
        # Less than 5 years before 45: it stands for the booster at 45.
        (date(2023, 1, 1), {}),
        # More: the booster at 45 is due.
        (date(2010, 1, 1), {"dtp-45": "due"}),
        (None, {"dtp-45": "due"}),
    ],
)
def test_the_booster_at_45(last_booster, expected):
    born = date(1979, 2, 1)  # before 1980: no measles catch-up
    given = [("dtp", last_booster)] if last_booster else []
    assert due(born, date(2026, 3, 1), *given) == expected


def test_at_65_every_vaccine_of_older_people_comes():
    born = date(1961, 8, 1)
    # In June, two months before: coming, with flu and COVID-19 for the autumn.
    assert due(born, date(2026, 6, 1), ("dtp", date(2006, 8, 2))) == {
        "dtp-65": "coming",
        "pneumococcal-adult": "coming",
        "shingles": "coming 1/2",
        "flu": "coming",
        "covid": "coming",
    }
    # In November: all due.
    assert due(born, date(2026, 11, 20), ("dtp", date(2006, 8, 2))) == {
        "dtp-65": "due",
        "pneumococcal-adult": "due",
        "shingles": "due 1/2",
        "flu": "due",
        "covid": "due",
    }


def test_flu_and_covid_every_autumn():
    born = date(1950, 6, 15)
    done = [
        ("dtp", date(2025, 7, 1)),
        ("pneumococcal", date(2016, 1, 1)),
        ("shingles", date(2016, 1, 1)),
        ("shingles", date(2016, 3, 1)),
        ("rsv", date(2025, 9, 1)),
    ]
    # In the campaign, not vaccinated this season (last year's dose does not count).
    assert due(born, date(2026, 11, 20), *done, ("flu", date(2025, 10, 20))) == {"flu": "due", "covid": "due"}
    # Vaccinated this season (from September on): nothing until next autumn.
    assert (
        due(born, date(2026, 11, 20), *done, ("flu", date(2026, 9, 25)), ("covid", date(2026, 10, 20))) == {}
    )
    # January still belongs to the campaign that began in October.
    assert due(born, date(2027, 1, 10), *done, ("flu", date(2026, 10, 20))) == {"covid": "due"}
    # In March the campaign is over and the next is more than six months away; in May it is coming.
    assert due(born, date(2026, 3, 1), *done) == {}
    reminder = reminders(born, [Given(*g) for g in done], date(2026, 5, 1))
    assert [(r.track, r.status, r.since) for r in reminder] == [
        ("covid", "coming", date(2026, 10, 15)),
        ("flu", "coming", date(2026, 10, 15)),
    ]


def test_older_people_boosters_every_ten_years_and_rsv():
    born = date(1950, 6, 15)
    found = due(
        born,
        date(2026, 3, 1),
        ("dtp", date(2015, 7, 1)),
        ("pneumococcal", date(2016, 1, 1)),
        ("shingles", date(2016, 1, 1)),
    )
    assert found == {"dtp-75": "due", "rsv": "due", "shingles": "due 2/2"}
    assert (
        due(
            born,
            date(2026, 3, 1),
            ("dtp", date(2021, 1, 1)),
            ("pneumococcal", date(2016, 1, 1)),
            ("shingles", date(2016, 1, 1)),
            ("shingles", date(2016, 3, 1)),
            ("rsv", date(2025, 9, 1)),
        )
        == {}
    )


def test_doses_of_other_vaccines_or_before_birth_do_not_count():
    born = date(1950, 6, 15)
    found = due(
        born,
        date(2026, 3, 1),
        ("other", date(2025, 1, 1)),
        ("flu", date(2025, 1, 1)),
        ("dtp", date(1949, 1, 1)),
    )
    assert "dtp-75" in found and "rsv" in found


def test_due_first_then_coming_by_date():
    found = reminders(date(1961, 8, 1), [], date(2026, 7, 1))
    assert [r.status for r in found] == sorted((r.status for r in found), key=lambda s: s != "due")
    coming = [r.since for r in found if not r.due]
    assert coming == sorted(coming)
