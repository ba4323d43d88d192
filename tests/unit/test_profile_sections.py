"""The profile's sections: their definitions, reading and checking a form (required
fields, dates, lengths, choices, numbers with a comma, times, unusual measurements), the
form of an entry to change, and the words that show an entry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from litestar.datastructures import FormMultiDict

from portal.core.access import _EVERY_SECTION
from portal.core.i18n import use_locale
from portal.profile.definitions import ORDER, section_of, sections
from portal.profile.fields import NOTE_MAX, SINGLE, TEXT_MAX
from portal.profile.numbers import parse_number, parse_time
from portal.profile.reading import confirmation, read_form, values_of
from portal.profile.wording import describe

TODAY = date(2026, 3, 10)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_locale("en"):
        yield


def read(section: str, **fields: str | list[str]):
    pairs: list[tuple[str, str]] = []
    for name, value in fields.items():
        name = name.replace("__", "-")
        pairs += [(name, v) for v in value] if isinstance(value, list) else [(name, value)]
    found = section_of(section)
    assert found is not None
    return read_form(found, FormMultiDict(pairs), TODAY)


def test_the_sections_are_those_of_the_access_policy():
    assert set(ORDER) == set(_EVERY_SECTION) == set(sections())
    assert list(sections()) == list(ORDER)
    assert SINGLE == {"blood_group", "directives", "organ_donation"}
    assert section_of("nothing") is None and section_of("__class__") is None


def test_every_field_has_a_label_and_a_message_when_required():
    for section in sections().values():
        assert section.title and section.add_label and section.empty
        names = [f.name for f in section.fields]
        assert len(names) == len(set(names)), section.key
        for f in section.fields:
            assert f.label
            if f.required:
                assert f.missing, (section.key, f.name)
            if f.kind in ("radios", "select", "checkboxes"):
                assert f.choices, (section.key, f.name)


def test_a_treatment_is_read_with_its_times_of_day():
    checked = read(
        "treatments",
        name="  Amlodipine  ",
        dose="5 mg",
        times=["evening", "morning"],
        started__day="2",
        started__month="4",
        started__year="2015",
    )
    assert checked.ok
    assert checked.data == {
        "name": "Amlodipine",
        "dose": "5 mg",
        "times": ["morning", "evening"],  # in the order of the day
        "instructions": "",
        "prescriber": "",
        "started": "2015-04-02",
    }


def test_required_fields_missing():
    checked = read("allergies", reaction="Urticaire")
    assert checked.errors == {
        "substance": "Write what you react to.",
        "kind": "Choose allergy or intolerance.",
    }
    assert checked.values["reaction"] == "Urticaire"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"given__day": "31", "given__month": "2", "given__year": "2026"}, "31 February does not exist."),
        (
            {"given__day": "29", "given__month": "2", "given__year": "2025"},
            "There was no 29 February in 2025.",
        ),
        ({"given__day": "11", "given__month": "3", "given__year": "2026"}, "This date is in the future."),
        (
            {"given__day": "1", "given__month": "13", "given__year": "2020"},
            "The month is a number from 1 to 12.",
        ),
        ({"given__day": "1", "given__month": "1", "given__year": "20"}, "Write the year with its 4 digits"),
        ({"given__day": "", "given__month": "", "given__year": ""}, "Enter the day of the vaccination"),
    ],
)
def test_dates_in_three_fields(fields, message):
    checked = read("vaccinations", vaccine="flu", **fields)
    assert list(checked.summary) == ["given-day"]
    assert checked.summary["given-day"].startswith(message)
    assert checked.values["given"] == {
        "day": fields["given__day"],
        "month": fields["given__month"],
        "year": fields["given__year"],
    }


def test_an_optional_date_may_stay_empty_but_not_half_typed():
    assert read("treatments", name="Doliprane").data["started"] == ""
    half = read("treatments", name="Doliprane", started__year="2015")
    assert half.summary == {"started-day": "Enter the date, for example 27 3 2024."}


def test_a_date_only_in_the_past_when_only_the_past_makes_sense():
    future = {"day": "1", "month": "6", "year": "2026"}
    assert read(
        "measurements", kind="weight", value="70", taken__day="1", taken__month="6", taken__year="2026"
    ).summary == {"taken-day": "This date is in the future. Check the year."}
    # Leaving hospital may be planned.
    stay = read(
        "hospital_stays",
        hospital="CHU",
        left__day=future["day"],
        left__month=future["month"],
        left__year=future["year"],
    )
    assert stay.ok and stay.data["left"] == "2026-06-01"


def test_lengths():
    assert read("treatments", name="A" * TEXT_MAX).ok
    assert (
        read("treatments", name="A" * (TEXT_MAX + 1)).errors["name"]
        == "Write at most 200 characters: this has 201."
    )
    assert read("conditions", name="Asthme", notes="n" * NOTE_MAX).ok
    long = read("conditions", name="Asthme", notes="n" * (NOTE_MAX + 1))
    assert list(long.errors) == ["notes"] and long.values["notes"] == "n" * (NOTE_MAX + 1)
    # Notes keep their lines; one-line fields are squeezed.
    assert read("conditions", name="Asthme\n  léger", notes="a\r\nb").data == {
        "name": "Asthme léger",
        "since": "",
        "notes": "a\nb",
    }


def test_unknown_choices_are_refused():
    assert read("allergies", substance="Latex", kind="banana").errors == {
        "kind": "Choose one of the answers in the list."
    }
    assert read("treatments", name="x", times=["morning", "midnight"]).errors == {
        "times": "Choose among the answers given."
    }
    assert read("blood_group", group="Z+").errors == {"group": "Choose one of the answers in the list."}
    assert read(
        "vaccinations", vaccine="elixir", given__day="1", given__month="1", given__year="2020"
    ).errors == {"vaccine": "Choose one of the answers in the list."}


def test_another_vaccine_needs_its_name():
    date_fields = {"given__day": "1", "given__month": "1", "given__year": "2020"}
    assert read("vaccinations", vaccine="other", **date_fields).errors == {
        "name": "Write the name of the vaccine."
    }
    assert (
        read("vaccinations", vaccine="other", name="Fièvre jaune", **date_fields).data["name"]
        == "Fièvre jaune"
    )
    # A name typed for a vaccine of the schedule is not kept.
    assert read("vaccinations", vaccine="flu", name="Vaxigrip", **date_fields).data["name"] == ""


def test_contacts_phone_and_email():
    good = read(
        "contacts", name="Claire", role="emergency", phone="06 12 34 56 78", email=" Claire@Example.ORG "
    )
    assert good.ok and good.data["email"] == "Claire@example.org"
    assert list(read("contacts", name="Claire", role="carer", phone="call me").errors) == ["phone"]
    assert list(read("contacts", name="Claire", role="carer", email="claire@").errors) == ["email"]


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("72,5", "72.5"),
        (" 72.5 ", "72.5"),
        ("130", "130"),
        ("0,95", "0.95"),
        ("1 200", "1200"),
        ("70.0", "70.0"),
    ],
)
def test_numbers_accept_a_comma(typed, parsed):
    number = parse_number(typed)
    assert number is not None and str(number) == parsed


@pytest.mark.parametrize("typed", ["", "abc", "72 kg", "1e3", "7,2,5", "-3", "1.2345", "123456"])
def test_not_numbers(typed):
    assert parse_number(typed) is None


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("9:30", "09:30"),
        ("9h30", "09:30"),
        ("18h", "18:00"),
        ("18", "18:00"),
        ("07.05", "07:05"),
        ("24:00", None),
        ("9:75", None),
        ("noon", None),
    ],
)
def test_times(typed, parsed):
    assert parse_time(typed) == parsed


def measurement(**fields: str):
    return read("measurements", taken__day="3", taken__month="3", taken__year="2026", **fields)


def test_a_measurement_is_stored_with_a_dot():
    checked = measurement(kind="weight", value="72,50", time="9h30")
    assert checked.ok
    assert checked.data == {"kind": "weight", "value": "72.5", "taken": "2026-03-03", "time": "09:30"}
    pressure = measurement(kind="blood_pressure", value="130", value2="80")
    assert pressure.data["value"] == "130" and pressure.data["value2"] == "80"


@pytest.mark.parametrize(
    ("fields", "token"),
    [
        ({"kind": "weight", "value": "1,9"}, "weight:1.9"),
        ({"kind": "weight", "value": "401"}, "weight:401"),
        ({"kind": "height", "value": "29"}, "height:29"),
        ({"kind": "height", "value": "251"}, "height:251"),
        ({"kind": "heart_rate", "value": "19"}, "heart_rate:19"),
        ({"kind": "heart_rate", "value": "251"}, "heart_rate:251"),
        ({"kind": "blood_sugar", "value": "0,1"}, "blood_sugar:0.1"),
        ({"kind": "blood_sugar", "value": "6.1"}, "blood_sugar:6.1"),
        ({"kind": "blood_pressure", "value": "49", "value2": "30"}, "blood_pressure:49:30"),
        ({"kind": "blood_pressure", "value": "301", "value2": "90"}, "blood_pressure:301:90"),
        ({"kind": "blood_pressure", "value": "130", "value2": "19"}, "blood_pressure:130:19"),
        ({"kind": "blood_pressure", "value": "250", "value2": "201"}, "blood_pressure:250:201"),
        ({"kind": "blood_pressure", "value": "120", "value2": "120"}, "blood_pressure:120:120"),
    ],
)
def test_unusual_measurements_ask_to_confirm(fields, token):
    checked = measurement(**fields)
    assert list(checked.errors) == ["confirm"] and confirmation(checked) == token
    assert "unusual" in checked.errors["confirm"]
    confirmed = measurement(**fields, confirm=token)
    assert confirmed.ok and confirmation(confirmed) is None


@pytest.mark.parametrize(
    "fields",
    [
        {"kind": "weight", "value": "2"},
        {"kind": "weight", "value": "400"},
        {"kind": "height", "value": "30"},
        {"kind": "blood_sugar", "value": "0,2"},
        {"kind": "blood_sugar", "value": "6"},
        {"kind": "heart_rate", "value": "250"},
        {"kind": "blood_pressure", "value": "300", "value2": "200"},
        {"kind": "blood_pressure", "value": "50", "value2": "20"},
    ],
)
def test_values_at_the_edges_are_plausible(fields):
    assert measurement(**fields).ok


def test_the_unusual_message_names_the_value():
    assert measurement(kind="weight", value="720").errors["confirm"] == (
        "This weight is unusual: 720 kg. Check it, or tick the box to keep it as it is."
    )
    assert measurement(kind="blood_pressure", value="250", value2="180").ok
    assert "80/120 mmHg" in measurement(kind="blood_pressure", value="80", value2="120").errors["confirm"]


def test_measurement_errors():
    assert measurement(kind="weight").errors == {"value": "Write the value, for example 72.5."}
    assert measurement(kind="weight", value="soixante").errors == {
        "value": "Write only a number, for example 72.5 or 72,5."
    }
    assert measurement(kind="weight", value="0").errors == {"value": "The value must be more than 0."}
    assert measurement(kind="blood_pressure", value="130").errors == {
        "value2": "Write the lower number too, for example 80."
    }
    assert measurement(kind="weight", value="70", time="25h").errors == {
        "time": "Write the time with hours and minutes, for example 9:30 or 18:00."
    }
    # The lower number of a weight is dropped.
    assert "value2" not in measurement(kind="weight", value="70", value2="3").data


def test_errors_come_in_the_order_of_the_page():
    checked = read(
        "hospital_stays", reason="x" * 201, admitted__day="40", admitted__month="1", admitted__year="2020"
    )
    assert list(checked.summary) == ["hospital", "reason", "admitted-day"]


def test_the_form_of_an_entry_to_change():
    section = section_of("treatments")
    assert section is not None
    values = values_of(section, {"name": "Amlodipine", "times": ["morning"], "started": "2015-04-02"})
    assert values["name"] == "Amlodipine" and values["times"] == ["morning"]
    assert values["started"] == {"day": "2", "month": "4", "year": "2015"}
    assert values["dose"] == "" and values_of(section, {"started": "not a date"})["started"] == {}


def test_entries_in_words():
    treatment = describe(
        "treatments",
        {"name": "Metformine", "dose": "500 mg", "times": ["morning", "evening"], "started": "2018-09-12"},
    )
    assert treatment.title == "Metformine"
    assert treatment.line == "Metformine – 500 mg – Morning, Evening"
    assert ("Since", "September 12, 2018") in treatment.facts and (
        "When",
        "Morning, Evening",
    ) in treatment.facts
    assert describe(
        "measurements",
        {"kind": "blood_pressure", "value": "130", "value2": "80", "taken": "2026-03-03", "time": "09:00"},
    ).line == ("Blood pressure: 130/80 mmHg (March 3, 2026, 09:00)")
    assert (
        describe("vaccinations", {"vaccine": "other", "name": "Fièvre jaune", "given": "2021-03-15"}).title
        == "Fièvre jaune"
    )
    assert describe("vaccinations", {"vaccine": "flu", "given": "2021-03-15"}).title == "Flu"
    assert (
        describe("allergies", {"substance": "Latex", "kind": "allergy", "severity": "severe"}).line
        == "Latex (allergy, severe)"
    )
    directives = describe(
        "directives", {"situation": "ill", "resuscitation": "refuse", "written_at": "2026-02-01"}
    )
    assert ("Resuscitation, if my heart or my breathing stops", "I refuse it") in directives.facts
    # Unknown keys or odd values show nothing rather than fail.
    assert describe("nothing", {}).title == ""
    assert describe("treatments", {"name": "x", "times": "morning"}).line == "x"


def test_numbers_are_written_the_way_of_the_language():
    with use_locale("fr"):
        assert (
            describe("measurements", {"kind": "weight", "value": "72.5", "taken": "2026-03-03"})
            .facts[0][1]
            .startswith("72,5")
        )
