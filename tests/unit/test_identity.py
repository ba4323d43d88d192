"""Identity values as people type them: checked, normalised, and kind messages when wrong."""

from __future__ import annotations

from datetime import date

import pytest

from portal.accounts import identity
from portal.accounts.identity import (
    IdentityError,
    format_nir,
    nir_key,
    normalise_email,
    normalise_mobile,
    normalise_nir,
    normalise_rpps,
    parse_date_of_birth,
)
from portal.core import form_messages
from portal.core.i18n import use_locale

TODAY = date(2025, 6, 15)

NIR_MISSING = "Enter your social security number. You will find it on your Carte Vitale."
NIR_SHAPE = "A social security number has 15 characters: 13, then a key of 2 digits."
NIR_FIRST_DIGIT = "A social security number starts with 1 or 2. Check each digit on your Carte Vitale."
NIR_MONTH = (
    "The 4th and 5th digits are your month of birth, from 01 to 12. Check each digit on your Carte Vitale."
)
NIR_KEY = "The last 2 digits do not match the number. Check each digit on your Carte Vitale."
MOBILE = "Enter a French mobile number: 10 digits starting with 06 or 07, for example 06 12 34 56 78."
LANDLINE = "This is a landline number. Enter a mobile number: it starts with 06 or 07."
EMAIL_SHAPE = "This email address is not complete. It looks like this: marie.dupont@example.fr, with an @ and no spaces."
DOB_MISSING = "Enter your date of birth, for example 27 3 1948."


def error_of(function, *args) -> str:
    with use_locale("en"), pytest.raises(IdentityError) as caught:
        function(*args)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def key_by_the_usual_formula(thirteen: str) -> str:
    """The key as INSEE's rule is usually written: Corsica's 2A and 2B become 20, and
    1,000,000 (2A) or 2,000,000 (2B) are subtracted. Independent of ``nir_key``."""
    number = int(thirteen.replace("2A", "20").replace("2B", "20"))
    number -= {"2A": 1_000_000, "2B": 2_000_000}.get(thirteen[5:7], 0)
    return f"{97 - number % 97:02d}"


# --- Social security number (NIR) ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2 95 10 99 126 111 93", "295109912611193"),  # born abroad (99); python-stdnum's example
        ("1 48 03 75 123 456 11", "148037512345611"),
        ("1.48.03.75.123.456.11", "148037512345611"),
        ("1-48-03-75-123-456-11", "148037512345611"),
        ("  148037512345611 ", "148037512345611"),
        ("1\u00a048\u00a003\u00a075\u00a0123\u00a0456\u00a011", "148037512345611"),  # pasted
        ("2 53 07 2A 073 004 43", "253072A07300443"),  # Corsica, Corse-du-Sud
        ("2 53 07 2a 073 004 43", "253072A07300443"),
        ("2 53 07 2B 073 004 70", "253072B07300470"),  # Corsica, Haute-Corse
        ("1 48 50 75 123 456 84", "148507512345684"),  # month unknown to INSEE (20 to 99)
    ],
)
def test_a_valid_social_security_number_is_accepted_and_normalised(typed, expected):
    assert normalise_nir(typed) == expected


@pytest.mark.parametrize(
    "typed", ["3 69 05 99 123 001 79", "7 80 12 99 456 123 10", "8 55 01 99 789 012 54", "4 69 05 99 123 001"]
)
def test_temporary_numbers_starting_with_3_4_7_or_8_are_accepted(typed):
    thirteen = typed.replace(" ", "")[:13]
    key = key_by_the_usual_formula(thirteen)
    assert normalise_nir(f"{thirteen}{key}") == f"{thirteen}{key}"


@pytest.mark.parametrize(
    "thirteen", ["1480375123456", "253072A073004", "253072B073004", "105012A004123", "285112B990001"]
)
def test_the_key_follows_insee_rule_including_corsica(thirteen):
    assert nir_key(thirteen) == key_by_the_usual_formula(thirteen)


def test_corse_du_sud_counts_as_19_and_haute_corse_as_18():
    assert nir_key("253072A073004") == nir_key("2530719073004") == "43"
    assert nir_key("253072B073004") == nir_key("2530718073004") == "70"


@pytest.mark.parametrize(
    "typed",
    [
        "2 53 07 2A 073 004 70",  # 2B's key on a 2A number (and "19, minus 1,000,000", misquoted)
        "2 53 07 2B 073 004 43",  # 2A's key on a 2B number
        "1 48 03 75 123 456 12",
        "1 48 03 75 123 465 11",  # two digits swapped
        "2 95 10 99 126 111 39",
    ],
)
def test_a_wrong_key_is_refused_with_its_own_message(typed):
    assert error_of(normalise_nir, typed) == NIR_KEY


@pytest.mark.parametrize(
    "typed",
    [
        "1 48 03 75 123 456",  # no key
        "1 48 03 75 123 456 1",
        "1 48 03 75 123 456 111",
        "1 48 03 75 123 45A 11",
        "1 48 03 2C 123 456 11",
        "1 48 03 A2 123 456 11",
        "1 48 03 75 123 456 1l",
        "1/48/03/75/123/456/11",
    ],
)
def test_a_number_of_the_wrong_length_or_characters_is_refused_with_its_own_message(typed):
    assert error_of(normalise_nir, typed) == NIR_SHAPE


@pytest.mark.parametrize("typed", ["", "   ", " - . "])
def test_a_missing_number_is_asked_for(typed):
    assert error_of(normalise_nir, typed) == NIR_MISSING


@pytest.mark.parametrize("first", ["0", "5", "6", "9"])
def test_a_number_starting_with_another_digit_is_refused(first):
    thirteen = f"{first}480375123456"
    assert error_of(normalise_nir, thirteen + key_by_the_usual_formula(thirteen)) == NIR_FIRST_DIGIT


@pytest.mark.parametrize("month", ["00", "13", "19"])
def test_a_month_of_birth_that_cannot_be_is_refused(month):
    thirteen = f"148{month}75123456"
    assert error_of(normalise_nir, thirteen + key_by_the_usual_formula(thirteen)) == NIR_MONTH


def test_a_number_is_shown_grouped_as_on_the_carte_vitale():
    assert format_nir("253072A07300443") == "2 53 07 2A 073 004 43"


# --- RPPS number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [("10000000009", "10000000009"), ("101 2345 6781", "10123456781"), (" 10999999997 ", "10999999997")],
)
def test_a_valid_rpps_number_is_accepted(typed, expected):
    assert normalise_rpps(typed) == expected


@pytest.mark.parametrize("typed", ["10000000001", "10123456787", "10999999979"])
def test_an_rpps_number_failing_its_luhn_check_digit_is_refused(typed):
    assert (
        error_of(normalise_rpps, typed) == "The last digit does not match the RPPS number. Check each digit."
    )


@pytest.mark.parametrize("typed", ["1000000000", "100000000099", "1000000000A", "ABCDEFGHIJK"])
def test_an_rpps_number_of_the_wrong_length_or_characters_is_refused(typed):
    assert error_of(normalise_rpps, typed) == "An RPPS number has 11 digits. Check each digit."


def test_a_missing_rpps_number_is_asked_for():
    assert error_of(normalise_rpps, "  ") == "Enter the RPPS number: it has 11 digits."


# --- Email address ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("marie.dupont@example.fr", "marie.dupont@example.fr"),
        ("  Marie.Dupont@Example.FR \n", "Marie.Dupont@example.fr"),
        ("marie+sante@la-poste.net", "marie+sante@la-poste.net"),
        ("élodie@exemple.fr", "élodie@exemple.fr"),
        ("jean@café.fr", "jean@café.fr"),
        ("x@sub.domain.example.org", "x@sub.domain.example.org"),
    ],
)
def test_an_email_address_is_trimmed_and_its_domain_lower_cased(typed, expected):
    assert normalise_email(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "marie.dupont",
        "marie.dupont@",
        "@example.fr",
        "marie dupont@example.fr",
        "marie@example",
        "marie@example,fr",
        "marie@@example.fr",
        "marie@example..fr",
        "marie@.example.fr",
        "marie@example.fr.",
        "marie@-example.fr",
        "marie@exa_mple.fr",
        "marie@example.f",
        "marie@example.123",
        ".marie@example.fr",
        "marie.@example.fr",
        "ma..rie@example.fr",
        "marie,dupont@example.fr",
        "m" * 65 + "@example.fr",
    ],
)
def test_an_address_that_is_not_complete_is_refused_kindly(typed):
    assert error_of(normalise_email, typed) == EMAIL_SHAPE


def test_an_address_longer_than_254_characters_is_refused():
    typed = "marie@" + ".".join(["a" * 60] * 5) + ".fr"
    assert len(typed) > 254
    assert error_of(normalise_email, typed) == "An email address has at most 254 characters."
    longest = "m" * 64 + "@" + ".".join(["a" * 60, "b" * 60, "c" * 60]) + ".fr"
    assert len(longest) <= 254 and normalise_email(longest) == longest


def test_a_missing_address_is_asked_for():
    assert error_of(normalise_email, " ") == "Enter your email address."


# --- Mobile phone number -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("07 80 00 00 01", "+33780000001"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0690 12 34 56", "+590690123456"),  # Guadeloupe
        ("+590 690 12 34 56", "+590690123456"),
        ("0694 12 34 56", "+594694123456"),  # French Guiana
        ("0696 12 34 56", "+596696123456"),  # Martinique
        ("0692 12 34 56", "+262692123456"),  # Réunion
        ("0639 12 34 56", "+262639123456"),  # Mayotte
    ],
)
def test_a_french_mobile_number_is_put_in_international_form(typed, expected):
    assert normalise_mobile(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "06 12 34 56 7",
        "06 12 34 56 789",
        "6 12 34 56 78",
        "+44 7700 900123",
        "+33 6 12 34 56",
        "06 12 34 56 7A",
        "08 00 12 34 56",
        "+590 612345678",
    ],
)
def test_a_number_that_is_not_a_french_mobile_is_refused_kindly(typed):
    assert error_of(normalise_mobile, typed) == MOBILE


@pytest.mark.parametrize("typed", ["01 23 45 67 89", "05 56 00 00 00", "09 87 65 43 21", "+33 1 23 45 67 89"])
def test_a_landline_number_is_recognised_and_a_mobile_asked_for(typed):
    assert error_of(normalise_mobile, typed) == LANDLINE


def test_a_missing_mobile_number_is_asked_for():
    assert error_of(normalise_mobile, "") == "Enter your mobile phone number."


# --- Date of birth -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, month, year, expected",
    [
        ("27", "3", "1948", date(1948, 3, 27)),
        (" 07 ", "03", "1948", date(1948, 3, 7)),
        ("29", "2", "1948", date(1948, 2, 29)),
        ("1", "1", "1900", date(1900, 1, 1)),
        ("15", "6", "2025", TODAY),
    ],
)
def test_a_date_of_birth_is_read_from_its_three_fields(day, month, year, expected):
    assert parse_date_of_birth(day, month, year, TODAY) == expected


@pytest.mark.parametrize("parts", [("", "3", "1948"), ("27", "", "1948"), ("27", "3", " "), ("", "", "")])
def test_a_missing_part_of_the_date_is_asked_for(parts):
    assert error_of(parse_date_of_birth, *parts, TODAY) == DOB_MISSING


@pytest.mark.parametrize(
    "day, month, expected",
    [
        ("31", "2", "31 February does not exist. Check the day and the month."),
        ("30", "2", "30 February does not exist. Check the day and the month."),
        ("31", "4", "31 April does not exist. Check the day and the month."),
        ("31", "11", "31 November does not exist. Check the day and the month."),
    ],
)
def test_an_impossible_date_is_named_in_the_message(day, month, expected):
    assert error_of(parse_date_of_birth, day, month, "1948", TODAY) == expected


def test_the_impossible_date_is_named_in_the_persons_language():
    with use_locale("fr"), pytest.raises(IdentityError) as caught:
        parse_date_of_birth("31", "2", "1948", TODAY)
    assert "31 février" in caught.value.message


def test_29_february_outside_a_leap_year_is_explained():
    assert (
        error_of(parse_date_of_birth, "29", "2", "1947", TODAY)
        == "There was no 29 February in 1947. Check the day and the year."
    )


@pytest.mark.parametrize("day, month", [("32", "1"), ("0", "1")])
def test_a_day_out_of_range_is_refused(day, month):
    assert error_of(parse_date_of_birth, day, month, "1948", TODAY) == (
        "The day is a number from 1 to 31. Check the day."
    )


@pytest.mark.parametrize("month", ["13", "0"])
def test_a_month_out_of_range_is_refused(month):
    assert error_of(parse_date_of_birth, "1", month, "1948", TODAY) == (
        "The month is a number from 1 to 12. Check the month."
    )


@pytest.mark.parametrize("day, month", [("27", "mars"), ("a", "3"), ("2.5", "3"), ("127", "3")])
def test_a_day_or_month_not_in_numbers_is_refused(day, month):
    assert error_of(parse_date_of_birth, day, month, "1948", TODAY) == (
        "Write the day and the month in numbers, for example 27 3 1948."
    )


@pytest.mark.parametrize("year", ["48", "948", "19480", "mil"])
def test_a_year_without_its_4_digits_is_refused(year):
    assert error_of(parse_date_of_birth, "27", "3", year, TODAY) == (
        "Write the year with its 4 digits, for example 1948."
    )


@pytest.mark.parametrize("day, month, year", [("16", "6", "2025"), ("1", "1", "2048")])
def test_a_date_in_the_future_is_refused(day, month, year):
    assert error_of(parse_date_of_birth, day, month, year, TODAY) == (
        "This date is in the future. Check the year."
    )


def test_a_date_before_1900_is_refused():
    assert error_of(parse_date_of_birth, "31", "12", "1899", TODAY) == (
        "The year must be 1900 or later. Check the year."
    )


# --- Messages -----------------------------------------------------------------------------------------


def test_every_message_goes_through_the_catalogue(monkeypatch):
    monkeypatch.setattr(identity, "_", lambda message, **values: "T:" + message % values)
    # The dates' messages are the form layer's (one date reader for every form).
    monkeypatch.setattr(form_messages, "_", lambda message, **values: "T:" + message % values)
    cases = [
        (normalise_nir, ("",)),
        (normalise_nir, ("1",)),
        (normalise_nir, ("548037512345611",)),
        (normalise_nir, ("148007512345611",)),
        (normalise_nir, ("148037512345612",)),
        (normalise_rpps, ("",)),
        (normalise_rpps, ("1",)),
        (normalise_rpps, ("10000000001",)),
        (normalise_email, ("",)),
        (normalise_email, ("x" * 255,)),
        (normalise_email, ("x",)),
        (normalise_mobile, ("",)),
        (normalise_mobile, ("1",)),
        (normalise_mobile, ("0123456789",)),
        (parse_date_of_birth, ("", "", "", TODAY)),
        (parse_date_of_birth, ("a", "1", "1948", TODAY)),
        (parse_date_of_birth, ("1", "1", "48", TODAY)),
        (parse_date_of_birth, ("1", "13", "1948", TODAY)),
        (parse_date_of_birth, ("32", "1", "1948", TODAY)),
        (parse_date_of_birth, ("1", "1", "1899", TODAY)),
        (parse_date_of_birth, ("29", "2", "1947", TODAY)),
        (parse_date_of_birth, ("31", "4", "1948", TODAY)),
        (parse_date_of_birth, ("1", "1", "2030", TODAY)),
    ]
    for function, args in cases:
        with pytest.raises(IdentityError) as caught:
            function(*args)
        assert caught.value.message.startswith("T:"), (function.__name__, args)
