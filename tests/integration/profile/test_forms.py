"""The profile's forms: bad input explained at the field with everything typed shown
again, unusual measurements confirmed rather than refused, the measurements' charts and
tables, the vaccination reminders, advance directives filed as a document, and the parts
htmx swaps in place."""

from __future__ import annotations

import html
import re
import uuid
from datetime import date
from typing import Any

import pytest

from portal.core.keys import Keyring
from portal.documents.services import recent_documents
from portal.profile import services
from tests.conftest import TEST_MASTER_KEY
from tests.integration.profile.helpers import HTMX, added_id, as_, entry_count, person, send
from tests.people import run

WEIGHT = {"kind": "weight", "taken-day": "3", "taken-month": "3", "taken-year": "2026"}


def _entries(app: Any, patient: uuid.UUID) -> list[services.Entry]:
    async def go() -> list[services.Entry]:
        return await services.entries(Keyring(TEST_MASTER_KEY), patient)

    result: list[services.Entry] = run(app, go)
    return result


def _error_at(text: str, field: str) -> str:
    """The message shown at a field (its ``<id>-error`` paragraph), unescaped."""
    field = field.removesuffix("-day")  # a date's message is at the date, its link at its day box
    found = re.search(rf'<p class="error-message" id="{re.escape(field)}-error">(.*?)</p>', text, re.S)
    assert found, f"no error at {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).replace("Error:", "").strip()


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    account = person(app)
    as_(app, account)
    return account


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("section", "form", "field", "shown_again"),
    [
        # An impossible date.
        (
            "vaccinations",
            {"vaccine": "flu", "given-day": "31", "given-month": "2", "given-year": "2026"},
            "given-day",
            'value="31"',
        ),
        # A vaccination given in the future.
        (
            "vaccinations",
            {"vaccine": "flu", "given-day": "1", "given-month": "1", "given-year": "2099"},
            "given-day",
            'value="2099"',
        ),
        # A measurement taken in the future.
        ("measurements", {**WEIGHT, "value": "70", "taken-year": "2099"}, "taken-day", 'value="70"'),
        # Required fields missing.
        ("treatments", {"dose": "5 mg", "times": ["noon"]}, "name", 'value="5 mg"'),
        ("vaccinations", {"vaccine": "flu"}, "given-day", "selected"),
        (
            "vaccinations",
            {"vaccine": "other", "given-day": "1", "given-month": "1", "given-year": "2020"},
            "name",
            'value="2020"',
        ),
        ("allergies", {"substance": "Latex"}, "kind", 'value="Latex"'),
        ("measurements", {**WEIGHT}, "value", 'value="3"'),
        ("measurements", {**WEIGHT, "kind": "blood_pressure", "value": "130"}, "value2", 'value="130"'),
        # Too long texts.
        ("treatments", {"name": "A" * 201}, "name", 'value="' + "A" * 201 + '"'),
        ("conditions", {"name": "Asthme", "notes": "n" * 2001}, "notes", "n" * 2001),
        # Unknown choices.
        ("allergies", {"substance": "Latex", "kind": "banana"}, "kind", 'value="Latex"'),
        ("treatments", {"name": "Doliprane", "times": ["morning", "midnight"]}, "times", 'value="Doliprane"'),
        (
            "vaccinations",
            {"vaccine": "elixir", "given-day": "1", "given-month": "1", "given-year": "2020"},
            "vaccine",
            'value="2020"',
        ),
        # Not numbers, not a time, not a phone number, not an email address.
        ("measurements", {**WEIGHT, "value": "soixante"}, "value", 'value="soixante"'),
        ("measurements", {**WEIGHT, "value": "-3"}, "value", 'value="-3"'),
        ("measurements", {**WEIGHT, "value": "70", "time": "25:99"}, "time", 'value="25:99"'),
        (
            "contacts",
            {"name": "Claire", "role": "carer", "phone": "appelle-moi"},
            "phone",
            'value="appelle-moi"',
        ),
        ("contacts", {"name": "Claire", "role": "carer", "email": "claire@"}, "email", 'value="claire@"'),
        # Leaving hospital before coming in.
        (
            "hospital_stays",
            {
                "hospital": "CHU",
                "admitted-day": "10",
                "admitted-month": "2",
                "admitted-year": "2022",
                "left-day": "1",
                "left-month": "2",
                "left-year": "2022",
            },
            "left-day",
            'value="CHU"',
        ),
    ],
)
def test_bad_input_is_explained_at_the_field_and_kept(app, patient, section, form, field, shown_again):
    response = send(app, f"/space/profile/{section}/add", form)
    assert response.status_code == 400
    text = response.text
    assert _error_at(text, field)
    # The error summary links to the field, and the page title says there is an error.
    assert f'href="#{field}"' in text and "<title>Error:" in text
    assert shown_again in text
    assert entry_count(app, patient) == 0


def test_messages_say_what_to_do(app, patient):
    impossible = send(
        app,
        "/space/profile/vaccinations/add",
        {"vaccine": "flu", "given-day": "31", "given-month": "2", "given-year": "2026"},
    )
    assert (
        _error_at(impossible.text, "given-day") == "31 February does not exist. Check the day and the month."
    )
    future = send(
        app,
        "/space/profile/vaccinations/add",
        {"vaccine": "flu", "given-day": "1", "given-month": "1", "given-year": "2099"},
    )
    assert _error_at(future.text, "given-day") == "This date is in the future. Check the year."
    long = send(app, "/space/profile/treatments/add", {"name": "A" * 201})
    assert _error_at(long.text, "name") == "Write at most 200 characters: this has 201."
    number = send(app, "/space/profile/measurements/add", {**WEIGHT, "value": "soixante"})
    assert _error_at(number.text, "value") == "Write only a number, for example 72.5 or 72,5."


def test_a_change_with_bad_input_loses_nothing_saved(app, patient):
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Doliprane", "dose": "1 g"}))
    refused = send(app, f"/space/profile/treatments/{entry}/edit", {"name": "", "dose": "500 mg"})
    assert refused.status_code == 400 and 'value="500 mg"' in refused.text
    (stored,) = _entries(app, patient)
    assert stored.data["name"] == "Doliprane" and stored.data["dose"] == "1 g"


# --------------------------------------------------------------------------- measurements


@pytest.mark.parametrize(
    ("form", "token"),
    [
        ({**WEIGHT, "value": "720"}, "weight:720"),
        ({**WEIGHT, "value": "1,5"}, "weight:1.5"),
        ({**WEIGHT, "kind": "height", "value": "260"}, "height:260"),
        ({**WEIGHT, "kind": "heart_rate", "value": "260"}, "heart_rate:260"),
        ({**WEIGHT, "kind": "blood_sugar", "value": "9"}, "blood_sugar:9"),
        ({**WEIGHT, "kind": "blood_pressure", "value": "320", "value2": "80"}, "blood_pressure:320:80"),
        ({**WEIGHT, "kind": "blood_pressure", "value": "130", "value2": "10"}, "blood_pressure:130:10"),
        # The lower number above the higher one.
        ({**WEIGHT, "kind": "blood_pressure", "value": "80", "value2": "120"}, "blood_pressure:80:120"),
    ],
)
def test_unusual_measurements_are_kept_once_confirmed(app, patient, form, token):
    asked = send(app, "/space/profile/measurements/add", form)
    assert asked.status_code == 400
    assert f'name="confirm" type="checkbox" value="{token}"' in asked.text
    assert 'href="#confirm"' in asked.text and _error_at(asked.text, "confirm")
    assert entry_count(app, patient) == 0
    kept = send(app, "/space/profile/measurements/add", {**form, "confirm": token})
    added_id(kept)
    (entry,) = _entries(app, patient)
    assert entry.data["value"] == token.split(":")[1]


def test_the_confirmation_names_the_value_and_holds_only_for_it(app, patient):
    asked = send(app, "/space/profile/measurements/add", {**WEIGHT, "value": "720"})
    assert _error_at(asked.text, "confirm") == (
        "This weight is unusual: 720 kg. Check it, or tick the box to keep it as it is."
    )
    # A box ticked for 720 kg does not keep 800 kg.
    again = send(app, "/space/profile/measurements/add", {**WEIGHT, "value": "800", "confirm": "weight:720"})
    assert again.status_code == 400 and 'value="weight:800"' in again.text
    # A plausible value needs no box.
    added_id(send(app, "/space/profile/measurements/add", {**WEIGHT, "value": "72,5", "time": "9h30"}))
    (entry,) = _entries(app, patient)
    assert entry.data == {"kind": "weight", "value": "72.5", "taken": "2026-03-03", "time": "09:30"}


def test_the_measurements_page_draws_charts_and_tables(app, patient):
    for day, weight, high, low in (
        ("1", "70", "150", "90"),
        ("15", "69,5", "140", "85"),
        ("28", "69", "135", "82"),
    ):
        taken = {"taken-day": day, "taken-month": "2", "taken-year": "2026"}
        added_id(send(app, "/space/profile/measurements/add", {"kind": "weight", "value": weight, **taken}))
        added_id(
            send(
                app,
                "/space/profile/measurements/add",
                {"kind": "blood_pressure", "value": high, "value2": low, **taken},
            )
        )
    added_id(
        send(
            app,
            "/space/profile/measurements/add",
            {"kind": "heart_rate", "value": "72", "taken-day": "3", "taken-month": "3", "taken-year": "2026"},
        )
    )
    text = app.get("/space/profile/measurements").text
    # One chart per kind with values, an image named by its title and described.
    for kind in ("weight", "blood_pressure", "heart_rate"):
        svg = re.search(rf'<svg class="chart" id="chart-{kind}".*?</svg>', text, re.S)
        assert svg, kind
        chart = svg.group(0)
        assert (
            f'role="img" aria-labelledby="chart-{kind}-title" aria-describedby="chart-{kind}-desc"' in chart
        )
        assert f'<title id="chart-{kind}-title">' in chart and f'<desc id="chart-{kind}-desc">' in chart
        assert "<script" not in chart and "style=" not in chart
    assert 'id="chart-height"' not in text and 'id="chart-blood_sugar"' not in text
    weight = re.search(r'<svg class="chart" id="chart-weight".*?</svg>', text, re.S).group(0)
    assert weight.count("<polyline") == 1 and weight.count("<circle") == 3
    assert (
        "3 measurements from February 1, 2026 to February 28, 2026. Lowest 69, highest 70, latest 69 kg."
        in weight
    )
    # Blood pressure: two lines, told apart by more than their colour, with a legend.
    pressure = re.search(r'<svg class="chart" id="chart-blood_pressure".*?</svg>', text, re.S).group(0)
    assert pressure.count("<polyline") == 2 and 'stroke-dasharray="10 6"' in pressure
    assert ">Higher number</text>" in pressure and ">Lower number</text>" in pressure
    # The same figures as tables, with a caption and header cells, the latest first.
    tables = re.findall(r'<div class="measurement-kind" id="kind-(\w+)">.*?<table.*?</table>', text, re.S)
    assert tables == ["weight", "blood_pressure", "heart_rate"]
    weight_table = re.search(r'id="kind-weight".*?(<table.*?</table>)', text, re.S).group(1)
    assert '<caption class="table-caption">' in weight_table and '<th scope="col"' in weight_table
    rows = re.findall(r'<th scope="row">(.*?)</th>\s*<td class="numeric">(.*?)</td>', weight_table)
    assert rows == [("February 28, 2026", "69"), ("February 15, 2026", "69.5"), ("February 1, 2026", "70")]
    pressure_table = re.search(r'id="kind-blood_pressure".*?(<table.*?</table>)', text, re.S).group(1)
    assert re.search(
        r'<th scope="row">February 28, 2026</th>\s*<td class="numeric">135</td>\s*<td class="numeric">82</td>',
        pressure_table,
    )


# --------------------------------------------------------------------------- vaccinations


def _tracks(text: str, kind: str) -> list[str]:
    found = re.search(rf'<ul class="list reminders-{kind}">(.*?)</ul>', text, re.S)
    return re.findall(r'data-track="([\w-]+)"', found.group(1)) if found else []


def test_vaccinations_due_follow_the_age_and_what_is_recorded(app):
    today = date.today()
    # Born 66 years ago: the booster at 65, pneumococcus, shingles, and flu and COVID-19 in autumn.
    born = date(today.year - 66, 1, 10)
    patient = person(app, born=born.isoformat())
    as_(app, patient)
    text = app.get("/space/profile/vaccinations").text
    due = _tracks(text, "due")
    assert {"dtp-65", "pneumococcal-adult", "shingles"} <= set(due)
    assert "rsv" not in due and "dtp-25" not in due
    # A booster at 64 (less than 5 years before 65) stands for it; one dose of shingles of two.
    added_id(
        send(
            app,
            "/space/profile/vaccinations/add",
            {"vaccine": "dtp", "given-day": "15", "given-month": "3", "given-year": str(born.year + 64)},
        )
    )
    added_id(
        send(
            app,
            "/space/profile/vaccinations/add",
            {
                "vaccine": "pneumococcal",
                "given-day": "15",
                "given-month": "3",
                "given-year": str(born.year + 65),
            },
        )
    )
    added_id(
        send(
            app,
            "/space/profile/vaccinations/add",
            {"vaccine": "shingles", "given-day": "15", "given-month": "3", "given-year": str(born.year + 65)},
        )
    )
    text = app.get("/space/profile/vaccinations").text
    due = _tracks(text, "due")
    assert "dtp-65" not in due and "pneumococcal-adult" not in due
    assert "shingles" in due and "dose 2 of 2" in text


def test_without_a_date_of_birth_the_reminders_say_why(app):
    patient = person(app, born=None)
    as_(app, patient)
    text = app.get("/space/profile/vaccinations").text
    assert 'id="reminders"' in text and not _tracks(text, "due")
    assert "Your date of birth is not known here" in text


# --------------------------------------------------------------------------- advance directives


def test_directives_are_filed_as_a_document(app, patient):
    form = {
        "situation": "healthy",
        "resuscitation": "refuse",
        "sedation": "want",
        "place": "Guéret",
        "written_at-day": "1",
        "written_at-month": "2",
        "written_at-year": "2026",
    }
    response = send(app, "/space/profile/directives/add", form)
    entry = added_id(response)
    assert "done=directives" in response.headers["location"]
    page = app.get(response.headers["location"]).text
    assert "banner-success" in page and "A copy is in your documents" in page

    async def filed() -> list[str]:
        found = await recent_documents(Keyring(TEST_MASTER_KEY), patient)
        return [d.details.category for d in found]

    assert run(app, filed) == ["advance_directives"]
    # Changed: a new copy is filed.
    added_id(
        send(
            app, f"/space/profile/directives/{entry}/edit", {**form, "resuscitation": "want", "version": "1"}
        )
    )
    assert run(app, filed) == ["advance_directives", "advance_directives"]


# --------------------------------------------------------------------------- htmx


def test_htmx_opens_forms_in_place_and_swaps_the_section(app, patient):
    base = "/space/profile/treatments"
    # "Add" loads the section's part, the form open at its top, its title taking the focus.
    opened = app.get(f"{base}/add", headers=HTMX)
    assert opened.status_code == 200 and "<html" not in opened.text
    assert opened.text.lstrip().startswith('<div id="profile-section"')
    assert f'hx-post="{base}/add"' in opened.text and "data-takes-focus" in opened.text
    # A bad form comes back in place, with its errors and what was typed.
    refused = send(app, f"{base}/add", {"dose": "5 mg"}, htmx=True)
    assert refused.status_code == 400 and "<html" not in refused.text
    assert "data-error-summary" in refused.text and 'value="5 mg"' in refused.text
    assert 'id="entry-form-title"' in refused.text and "data-takes-focus" not in refused.text
    # A good one: the updated section, with its banner; the new entry takes the focus.
    saved = send(app, f"{base}/add", {"name": "Doliprane", "times": ["evening"]}, htmx=True, follow=True)
    assert saved.status_code == 200 and "<html" not in saved.text
    (entry,) = _entries(app, patient)
    assert "banner-success" in saved.text
    assert re.search(
        rf'<li class="row entry" id="entry-{entry.id}" tabindex="-1" data-takes-focus>', saved.text
    )
    # "Change" opens the form in place of the entry.
    editing = app.get(f"{base}/{entry.id}/edit", headers=HTMX)
    assert re.search(rf'id="entry-{entry.id}"[^>]*>\s*<div class="entry-form"', editing.text)
    assert f'hx-post="{base}/{entry.id}/edit"' in editing.text and 'value="Doliprane"' in editing.text
    changed = send(
        app,
        f"{base}/{entry.id}/edit",
        {"name": "Doliprane", "dose": "1 g", "version": "1"},
        htmx=True,
        follow=True,
    )
    assert changed.status_code == 200 and "Changed by you on" in changed.text and "<html" not in changed.text
    # "Cancel" gives the section back, the focus on the entry.
    back = app.get(f"{base}?entry={entry.id}", headers=HTMX)
    assert "<html" not in back.text and "data-takes-focus" in back.text
    # The measurements' unusual value is asked in place too.
    asked = send(app, "/space/profile/measurements/add", {**WEIGHT, "value": "720"}, htmx=True)
    assert asked.status_code == 400 and 'name="confirm"' in asked.text and "<html" not in asked.text


def test_the_form_pages_work_without_javascript(app, patient):
    page = app.get("/space/profile/treatments/add")
    assert page.status_code == 200 and "<html" in page.text
    # A plain form, sent to the same address, without htmx attributes.
    assert re.search(r'<form method="post" action="/space/profile/treatments/add" novalidate>', page.text)
    assert "hx-post" not in page.text.split('id="main"')[1]
    # The summary of the profile is the other helper's page, not a section.
    assert app.get("/space/profile/summary").status_code == 200
