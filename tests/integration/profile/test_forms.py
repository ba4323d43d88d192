"""The profile's forms: bad input explained at the field with everything typed shown
again, unusual measurements confirmed rather than refused, the measurements' charts and
tables, the vaccination reminders, advance directives filed as a document, and the parts
htmx swaps in place."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from portal.core.keys import Keyring
from portal.documents.services import recent_documents
from portal.profile import services
from tests.conftest import TEST_MASTER_KEY
from tests.html import page
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
    found = page(text).field_error(field)
    assert found is not None, f"no error at {field}"
    return found


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
    shown = page(app.get("/space/profile/measurements"))
    # One chart per kind with values, an image named by its title and described.
    for kind in ("weight", "blood_pressure", "heart_rate"):
        chart = shown.one(f'svg.chart[id="chart-{kind}"]')
        assert chart["role"] == "img"
        assert chart["aria-labelledby"] == f"chart-{kind}-title"
        assert chart["aria-describedby"] == f"chart-{kind}-desc"
        assert chart.select(f'title[id="chart-{kind}-title"]') and chart.select(
            f'desc[id="chart-{kind}-desc"]'
        )
        assert not chart.select("script, style, [style]")
    assert not shown.has('[id="chart-height"], [id="chart-blood_sugar"]')
    weight = shown.one("svg#chart-weight")
    assert len(weight.select("polyline")) == 1 and len(weight.select("circle")) == 3
    assert (
        "3 measurements from February 1, 2026 to February 28, 2026. Lowest 69, highest 70, latest 69 kg."
        in shown.text("svg#chart-weight desc")
    )
    # Blood pressure: two lines, told apart by more than their colour, with a legend.
    pressure = shown.one("svg#chart-blood_pressure")
    lines = pressure.select("polyline")
    assert len(lines) == 2 and [line.get("stroke-dasharray") for line in lines].count("10 6") == 1
    assert {"Higher number", "Lower number"} <= set(shown.texts("svg#chart-blood_pressure text"))
    # The same figures as tables, with a caption and header cells, the latest first.
    kinds = shown.all("div.measurement-kind")
    assert [kind["id"] for kind in kinds] == ["kind-weight", "kind-blood_pressure", "kind-heart_rate"]
    assert all(len(kind.select("table")) == 1 for kind in kinds)
    assert shown.has("#kind-weight table caption.table-caption")
    assert shown.has('#kind-weight table thead th[scope="col"]')
    assert len(shown.all('#kind-weight table tbody th[scope="row"] + td.numeric')) == 3
    assert [row[:2] for row in shown.rows("#kind-weight table")] == [
        ["February 28, 2026", "69"],
        ["February 15, 2026", "69.5"],
        ["February 1, 2026", "70"],
    ]
    assert shown.rows("#kind-blood_pressure table")[0][:3] == ["February 28, 2026", "135", "82"]
    assert len(shown.all('#kind-blood_pressure table tbody th[scope="row"] ~ td.numeric')) == 3 * 2


# --------------------------------------------------------------------------- vaccinations


def _tracks(text: str, kind: str) -> list[str]:
    return [str(item["data-track"]) for item in page(text).all(f"ul.list.reminders-{kind} [data-track]")]


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
    added = page(saved).one(f'li.row.entry[id="entry-{entry.id}"]')
    assert added["tabindex"] == "-1" and added.has_attr("data-takes-focus")
    # "Change" opens the form in place of the entry.
    editing = app.get(f"{base}/{entry.id}/edit", headers=HTMX)
    in_place = page(editing).one(f'[id="entry-{entry.id}"]')
    assert in_place.find(True) is in_place.select_one(":scope > div.entry-form")
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
    response = app.get("/space/profile/treatments/add")
    assert response.status_code == 200 and "<html" in response.text
    # A plain form, sent to the same address, without htmx attributes.
    form = page(response).one('#main form[action="/space/profile/treatments/add"]')
    assert form["method"] == "post" and form.has_attr("novalidate")
    assert "hx-post" not in response.text.split('id="main"')[1]
    # The summary of the profile is the other helper's page, not a section.
    assert app.get("/space/profile/summary").status_code == 200
