"""The form result and the field readers of ``portal.core.forms``: each reader with good
input, with each of its errors, and what was typed kept to show it again; and the form
layout (error summary, heading, form) of ``components/forms.html``."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from litestar.datastructures import FormMultiDict, UploadFile

from portal.core.forms import DOCUMENT_KINDS, FieldError, FormReader, FormResult, date_parts
from portal.core.i18n import use_locale

TODAY = date(2026, 12, 8)
PDF = b"%PDF-1.7\n..."
PNG = b"\x89PNG\r\n\x1a\n...."


def _read(sent: dict[str, Any] | list[tuple[str, Any]]) -> FormReader:
    return FormReader(FormMultiDict(sent))


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


# --------------------------------------------------------------------------- the result


def test_a_result_is_ok_without_errors_and_its_first_error_for_a_field_stays():
    result = FormResult()
    assert result.ok and result.summary == {}
    result.error("title", "First")
    result.error("title", "Second")
    assert not result.ok and result.errors == {"title": "First"}


def test_the_summary_links_each_error_to_its_box_in_the_order_of_the_page():
    reader = _read({"title": "", "when-day": "31", "when-month": "2", "when-year": "2027"})
    reader.date("when")
    reader.text("title", max_length=10, required=True)
    # An error found later (a rule between fields) still comes in the order of the page.
    reader.result.error("when", "Not shown: the field's own error stays")
    assert list(reader.result.summary) == ["when-day", "title"]
    assert list(reader.result.errors) == ["when", "title"]


def test_a_form_filled_before_anything_is_sent_shows_its_values_and_no_error():
    form = FormResult.filled({"title": "Dentiste", "date": date_parts(date(2026, 12, 3)), "pick": ["a"]})
    assert form.ok and form.value("title") == "Dentiste" and form.value("missing") == ""
    assert form.date_value("date") == {"day": "3", "month": "12", "year": "2026"}
    assert form.date_value("title") == {} and form.chosen("pick") == ["a"] and form.chosen("title") == []
    assert form.as_sent() == {
        "title": "Dentiste",
        "date-day": "3",
        "date-month": "12",
        "date-year": "2026",
        "pick": ["a"],
    }
    assert date_parts(None) == {"day": "", "month": "", "year": ""}
    assert form.shown() == {"form": form, "errors": {}}


def test_keep_shows_a_value_and_keeps_it_in_the_data():
    result = FormResult()
    result.keep("channel", "email")
    assert result.values["channel"] == result.data["channel"] == "email"


# --------------------------------------------------------------------------- one line of text


def test_a_line_of_text_has_its_spaces_put_right():
    reader = _read({"title": "  Prise   de\u00a0sang  "})
    assert reader.text("title", max_length=20, required=True) == "Prise de sang"
    assert reader.result.ok and reader.result.data == {"title": "Prise de sang"}
    assert reader.result.values == {"title": "Prise de sang"}


def test_a_required_line_left_empty_says_so_in_the_fields_words_or_the_common_ones():
    reader = _read({"a": "   "})
    reader.text("a", max_length=5, required=True)
    reader.text("b", max_length=5, required=True, missing="Say what it is.")
    reader.text("c", max_length=5)
    assert reader.result.errors == {"a": "Fill in this field.", "b": "Say what it is."}
    assert "c" not in reader.result.errors and reader.result.data == {"c": ""}


def test_a_line_too_long_is_kept_as_typed_and_says_the_longest():
    reader = _read({"a": "x" * 6, "b": "y" * 6})
    reader.text("a", max_length=5)
    reader.text("b", max_length=5, too_long=lambda count, length: f"{length} > {count}")
    assert reader.result.errors == {"a": "Write at most 5 characters.", "b": "6 > 5"}
    assert reader.result.values == {"a": "xxxxxx", "b": "yyyyyy"} and reader.result.data == {}


def test_a_file_sent_where_text_is_awaited_is_no_text():
    reader = FormReader({"title": UploadFile("text/plain", "a.txt", b"hello")})
    assert reader.text("title", max_length=5) == ""


# --------------------------------------------------------------------------- long text


def test_a_long_text_keeps_its_lines_and_drops_blank_ends():
    reader = _read({"body": "  \r\nFirst line\r\n\r\n  second  \r\n"})
    assert reader.long_text("body", max_length=50, required=True) == "First line\n\n  second"
    assert reader.result.ok


def test_a_long_text_empty_or_too_long_is_explained():
    reader = _read({"a": "\r\n  ", "b": "z" * 11})
    reader.long_text("a", max_length=10, required=True, missing="Write the text.")
    reader.long_text("b", max_length=10)
    assert reader.result.errors == {"a": "Write the text.", "b": "Write at most 10 characters."}
    assert reader.result.values["b"] == "z" * 11


# --------------------------------------------------------------------------- one choice


def test_a_choice_is_one_of_the_list():
    reader = _read({"kind": " lab "})
    assert reader.choice("kind", ("lab", "letter"), required=True) == "lab"
    assert reader.result.ok and reader.result.data == {"kind": "lab"}


def test_a_choice_missing_or_unknown_is_an_error_and_shows_nothing_chosen():
    reader = _read({"b": "forged", "d": "forged"})
    reader.choice("a", ("x",), required=True)
    reader.choice("b", ("x",))
    reader.choice("c", ("x",), required=True, missing="Choose a kind.")
    reader.choice("d", ("x",), unknown="Choose one in the list.")
    reader.choice("e", ("x",))
    assert reader.result.errors == {
        "a": "Choose one answer.",
        "b": "Choose one of the answers in the list.",
        "c": "Choose a kind.",
        "d": "Choose one in the list.",
    }
    assert reader.result.values["b"] == "" and reader.result.data == {"e": ""}


def test_a_choice_with_a_fallback_quietly_takes_it():
    reader = _read({"channel": "sms"})
    assert reader.choice("channel", ("email",), fallback="email") == "email"
    assert reader.choice("other", ("email",), fallback="") == ""
    assert reader.result.ok and reader.result.values == {"channel": "email", "other": ""}


# --------------------------------------------------------------------------- checkboxes


def test_checkboxes_give_the_boxes_ticked_in_their_order():
    reader = _read([("times", "evening"), ("times", "morning")])
    assert reader.checkboxes("times", ("morning", "noon", "evening")) == ["morning", "evening"]
    assert reader.result.ok and reader.result.values == {"times": ["morning", "evening"]}
    assert reader.result.chosen("times") == ["morning", "evening"]


def test_checkboxes_none_ticked_or_a_box_that_is_not_there_are_explained():
    reader = _read([("b", "morning"), ("b", "forged")])
    reader.checkboxes("a", ("morning",), required=True)
    reader.checkboxes("b", ("morning",))
    reader.checkboxes("c", ("morning",), required=True, missing="Tick a time.")
    reader.checkboxes("d", ("morning",))
    assert reader.result.errors == {
        "a": "Tick at least one answer.",
        "b": "Choose among the answers given.",
        "c": "Tick a time.",
    }
    assert reader.result.values["b"] == ["morning"] and reader.result.data == {"d": []}


def test_checkboxes_from_a_plain_mapping_read_its_one_value():
    reader = FormReader({"box": "1"})
    assert reader.checkboxes("box", ("1",)) == ["1"]


# --------------------------------------------------------------------------- a date in three boxes


def _date(day: str, month: str, year: str, **options: Any) -> FormReader:
    reader = _read({"when-day": day, "when-month": month, "when-year": year})
    reader.date("when", **options)
    return reader


def test_a_date_is_read_from_its_three_boxes():
    reader = _date(" 3", "12 ", "2026")
    assert reader.result.ok and reader.result.data == {"when": date(2026, 12, 3)}
    assert reader.result.date_value("when") == {"day": "3", "month": "12", "year": "2026"}
    assert reader.result.anchors == {"when": "when-day"}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (("", "3", "2026"), "Enter the date, for example 27 3 2024."),
        (("3e", "3", "2026"), "Write the day and the month in numbers, for example 27 3 1948."),
        (("3", "mars", "2026"), "Write the day and the month in numbers, for example 27 3 1948."),
        (("3", "3", "26"), "Write the year with its 4 digits, for example 1948."),
        (("3", "13", "2026"), "The month is a number from 1 to 12. Check the month."),
        (("0", "3", "2026"), "The day is a number from 1 to 31. Check the day."),
        (("32", "3", "2026"), "The day is a number from 1 to 31. Check the day."),
        (("3", "3", "1899"), "The year must be 1900 or later. Check the year."),
        (("3", "3", "2201"), "This year is too far away. Check the year."),
        (("29", "2", "2027"), "There was no 29 February in 2027. Check the day and the year."),
        (("31", "4", "2027"), "31 April does not exist. Check the day and the month."),
    ],
)
def test_a_date_that_cannot_be_says_what_to_check_and_keeps_what_was_typed(typed, message):
    reader = _date(*typed)
    assert reader.result.errors == {"when": message}
    assert reader.result.summary == {"when-day": message}
    assert reader.result.date_value("when") == dict(zip(("day", "month", "year"), typed, strict=True))
    assert "when" not in reader.result.data


def test_a_date_says_its_own_words_when_empty_and_in_french_too():
    assert _date("", "", "", missing="Enter the first day.").result.errors == {"when": "Enter the first day."}
    with use_locale("fr"):
        assert _date("31", "4", "2027").result.errors == {
            "when": "Le 31 avril n'existe pas. Vérifiez le jour et le mois."
        }


def test_a_date_not_required_may_be_left_empty_but_not_half_filled():
    empty = _date("", " ", "", required=False)
    assert empty.result.ok and empty.result.data == {"when": None}
    half = _date("1", "", "2027", required=False, missing="Enter the whole day, or leave it empty.")
    assert half.result.errors == {"when": "Enter the whole day, or leave it empty."}


def test_a_date_that_cannot_be_to_come_refuses_a_later_one_whatever_its_year():
    assert _date("8", "12", "2026", latest=TODAY).result.ok
    assert _date("9", "12", "2026", latest=TODAY).result.errors == {
        "when": "This date is in the future. Check the year."
    }
    assert _date("1", "1", "3000", latest=TODAY).result.errors == {
        "when": "This date is in the future. Check the year."
    }
    assert _date("1", "1", "2300", latest_year=2400).result.ok


# --------------------------------------------------------------------------- a time


@pytest.mark.parametrize(
    ("typed", "moment", "shown"),
    [
        ("10:30", time(10, 30), "10:30"),
        ("10h30", time(10, 30), "10:30"),
        (" 9 h 5 ", time(9, 5), "09:05"),
        ("18h", time(18, 0), "18:00"),
        ("7", time(7, 0), "07:00"),
        ("10 30", time(10, 30), "10:30"),
    ],
)
def test_a_time_is_read_as_people_write_it_and_written_back_plainly(typed, moment, shown):
    reader = _read({"at": typed})
    assert reader.time("at") == moment
    assert reader.result.ok and reader.result.values == {"at": shown} and reader.result.data == {"at": moment}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter the time, for example 10:30."),
        ("midi", "Write the time with numbers, for example 10:30 or 10h30."),
        ("25:00", "The hour is a number from 0 to 23. Check the hour."),
        ("10:75", "The minutes are a number from 0 to 59. Check the minutes."),
    ],
)
def test_a_time_that_cannot_be_says_what_to_check_and_keeps_what_was_typed(typed, message):
    reader = _read({"at": typed})
    assert reader.time("at") is None
    assert reader.result.errors == {"at": message} and reader.result.values == {"at": typed}


def test_a_time_says_its_own_words_when_empty_and_may_be_left_out():
    reader = _read({"a": " ", "b": ""})
    reader.time("a", missing="Enter the time of the appointment.")
    assert reader.time("b", required=False) is None
    assert reader.result.errors == {"a": "Enter the time of the appointment."}
    assert reader.result.data == {"b": None}


# --------------------------------------------------------------------------- a feature's own field


def _even(typed: str) -> int:
    if not typed.isdigit() or int(typed) % 2:
        raise FieldError("Write an even number.")
    return int(typed)


def test_a_field_read_a_features_way_keeps_its_value_or_its_error():
    reader = _read({"a": "4", "b": "3"})
    assert reader.field("a", _even, show=lambda value: f"{value:02d}") == 4
    assert reader.field("b", _even) is None
    assert reader.result.values == {"a": "04", "b": "3"}
    assert reader.result.errors == {"b": "Write an even number."} and reader.result.data == {"a": 4}


# --------------------------------------------------------------------------- a file


def _upload(content: bytes, name: str = "scan.pdf") -> UploadFile:
    return UploadFile("application/octet-stream", name, content)


async def test_a_file_is_recognised_by_its_content_and_nothing_is_stored():
    reader = _read([("file", _upload(PDF, "bilan.png"))])
    found = await reader.file("file", max_bytes=100)
    assert found is not None and (found.file_name, found.media_type, found.content) == (
        "bilan.png",
        "application/pdf",
        PDF,
    )
    assert reader.result.ok and reader.result.data == {"file": found} and reader.result.values == {"file": ""}


async def test_a_photo_taken_instead_of_a_file_is_read_and_its_errors_go_to_the_file():
    reader = _read([("file", ""), ("photo", _upload(PNG, "photo.png"))])
    found = await reader.file("file", also=("photo",), max_bytes=100)
    assert found is not None and found.media_type == "image/png"
    reader = _read([("photo", _upload(b"GIF89a", "photo.gif"))])
    assert await reader.file("file", also=("photo",), max_bytes=100) is None
    assert list(reader.result.errors) == ["file"]


@pytest.mark.parametrize(
    ("sent", "message"),
    [
        ([], "Choose the file of the document."),
        ([("file", _upload(b""))], "This file is empty. Choose the file again."),
        (
            [("file", _upload(PDF + b"x" * 2000))],
            "This file is too big: the largest is 1 KB. Scan it again in a lower quality, or send fewer pages.",
        ),
        (
            [("file", _upload(b"<html>"))],
            "This file is not a PDF, a JPEG photo or a PNG image. Choose one of those.",
        ),
    ],
)
async def test_a_file_missing_empty_too_big_or_of_another_kind_is_explained(sent, message):
    reader = _read(sent)
    assert await reader.file("file", max_bytes=1024, missing="Choose the file of the document.") is None
    assert reader.result.errors == {"file": message} and "file" not in reader.result.data


async def test_a_file_of_other_kinds_and_an_optional_one():
    reader = _read([("file", _upload(PDF))])
    found = await reader.file("file", max_bytes=100, kinds=[("image/png", PNG[:8])], wrong_kind="A PNG.")
    assert found is None and reader.result.errors == {"file": "A PNG."}
    optional = _read([])
    assert await optional.file("file", max_bytes=100, required=False) is None and optional.result.ok
    assert [kind for kind, _start in DOCUMENT_KINDS] == ["application/pdf", "image/jpeg", "image/png"]


# --------------------------------------------------------------------------- the layout


@pytest.fixture
def render():
    from portal.app import template_environment

    env = template_environment()
    env.globals["csrf_token"] = lambda: "token-123"

    def render(source: str, **context: Any) -> str:
        header = '{% import "components/forms.html" as forms with context %}'
        return env.from_string(header + source).render(**context)

    return render


LAYOUT = (
    '{% call forms.form_layout(form, "Add an appointment", "/space/agenda/new", intro=intro) %}'
    '{{ forms.date_input("date", "Date", value=form.date_value("date"), error=form.errors.get("date")) }}'
    '{{ forms.text_input("title", "Title", value=form.value("title"), error=form.errors.get("title")) }}'
    "{% endcall %}"
)


def test_the_layout_gives_the_summary_the_heading_and_the_form_with_errors_at_their_fields(render):
    reader = _read({"date-day": "31", "date-month": "2", "date-year": "2027", "title": "  Den  tiste "})
    reader.date("date")
    reader.text("title", max_length=3)
    html = render(LAYOUT, form=reader.result, intro="")
    summary, heading, form = html.index("error-summary"), html.index("<h1"), html.index("<form")
    assert summary < heading < form
    assert '<a href="#date-day">31 February does not exist. Check the day and the month.</a>' in html
    assert '<a href="#title">Write at most 3 characters.</a>' in html
    assert 'id="date-error"' in html and 'id="title-error"' in html
    assert 'value="31"' in html and 'value="Den tiste"' in html
    assert 'hx-post="/space/agenda/new" hx-target="main"' in html and "novalidate" in html
    assert 'name="_csrf_token" value="token-123"' in html


def test_the_layout_without_errors_has_no_summary_and_may_be_a_plain_form(render):
    source = (
        '{% call forms.form_layout(form, "Write a note", "/space/notes/new", in_place=false, class="note-form") %}'
        "{% endcall %}"
    )
    html = render(source, form=FormResult.filled({"title": ""}))
    assert "error-summary" not in html and "hx-post" not in html
    assert '<form class="note-form" method="post" action="/space/notes/new" novalidate>' in html
