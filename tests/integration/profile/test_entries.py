"""A patient's profile: every section's page, adding, changing and removing an entry in
each one, who entered and changed what, single-entry sections, the overview, sealing,
the audit trail, and every refusal (unknown section, another patient's entry)."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest

from portal.core.keys import Keyring
from portal.profile import services
from portal.profile.definitions import ORDER
from portal.profile.tables import ProfileEntry
from tests.conftest import TEST_MASTER_KEY
from tests.integration.profile.helpers import added_id, as_, entry_count, events, owner, person, send
from tests.people import run

# For each section: a valid form, a word of it that must be sealed, and a change.
FORMS: dict[str, tuple[dict[str, Any], str, dict[str, Any]]] = {
    "treatments": (
        {
            "name": "Amlodipine",
            "dose": "5 mg",
            "times": ["morning", "evening"],
            "instructions": "Pendant le repas",
            "prescriber": "Dr Martin",
            "started-day": "2",
            "started-month": "4",
            "started-year": "2015",
        },
        "Amlodipine",
        {"name": "Amlodipine", "dose": "10 mg", "times": ["bedtime"]},
    ),
    "allergies": (
        {"substance": "Pénicilline", "kind": "allergy", "reaction": "Urticaire", "severity": "severe"},
        "Pénicilline",
        {"substance": "Pénicilline", "kind": "intolerance"},
    ),
    "conditions": (
        {
            "name": "Hypertension",
            "since-day": "1",
            "since-month": "3",
            "since-year": "2015",
            "notes": "Suivie",
        },
        "Hypertension",
        {"name": "Hypertension artérielle"},
    ),
    "family_history": (
        {"relative": "Ma mère", "condition": "Alzheimer", "notes": ""},
        "Alzheimer",
        {"relative": "Mon père", "condition": "Alzheimer"},
    ),
    "hospital_stays": (
        {
            "hospital": "CHU de Limoges",
            "reason": "Fracture",
            "admitted-day": "10",
            "admitted-month": "2",
            "admitted-year": "2022",
            "left-day": "24",
            "left-month": "2",
            "left-year": "2022",
        },
        "Limoges",
        {"hospital": "CHU de Limoges", "reason": "Fracture du col"},
    ),
    "vaccinations": (
        {
            "vaccine": "other",
            "name": "Fièvre jaune",
            "given-day": "15",
            "given-month": "3",
            "given-year": "2021",
        },
        "jaune",
        {"vaccine": "flu", "given-day": "20", "given-month": "10", "given-year": "2025"},
    ),
    "measurements": (
        {
            "kind": "weight",
            "value": "72,5",
            "taken-day": "3",
            "taken-month": "3",
            "taken-year": "2026",
            "time": "9h30",
        },
        "weight",
        {"kind": "weight", "value": "71", "taken-day": "3", "taken-month": "3", "taken-year": "2026"},
    ),
    "blood_group": ({"group": "AB-"}, "AB-", {"group": "O+"}),
    "disabilities": (
        {"description": "Malentendante", "aids": "Appareil auditif"},
        "Malentendante",
        {"description": "Malentendante", "aids": "Deux appareils"},
    ),
    "lifestyle": (
        {"topic": "tobacco", "details": "Dix cigarettes par jour"},
        "cigarettes",
        {"topic": "tobacco", "details": "Arrêté"},
    ),
    "directives": (
        {
            "situation": "healthy",
            "resuscitation": "refuse",
            "ventilation": "unsure",
            "dialysis": "want",
            "artificial_feeding": "refuse",
            "surgery": "want",
            "transfusion": "want",
            "sedation": "want",
            "other_wishes": "Mourir chez moi",
            "place": "Guéret",
            "written_at-day": "1",
            "written_at-month": "2",
            "written_at-year": "2026",
        },
        "Mourir chez moi",
        {
            "situation": "ill",
            "resuscitation": "refuse",
            "written_at-day": "2",
            "written_at-month": "2",
            "written_at-year": "2026",
        },
    ),
    "organ_donation": ({"position": "donor", "note": "Tous mes organes"}, "organes", {"position": "refuses"}),
    "contacts": (
        {
            "name": "Claire Dupont",
            "role": "emergency",
            "relation": "Fille",
            "phone": "06 12 34 56 78",
            "email": "claire.dupont@example.org",
        },
        "Claire",
        {"name": "Claire Dupont", "role": "trusted_person", "phone": "06 12 34 56 79"},
    ),
}


def _stored(app: Any, patient: uuid.UUID) -> list[services.Entry]:
    async def go() -> list[services.Entry]:
        return await services.entries(Keyring(TEST_MASTER_KEY), patient)

    result: list[services.Entry] = run(app, go)
    return result


def test_every_section_is_covered():
    assert set(FORMS) == set(ORDER)


@pytest.mark.parametrize("section", ORDER)
def test_a_patient_adds_changes_and_removes_an_entry(app, section):
    patient = person(app)
    as_(app, patient)
    base = f"/space/profile/{section}"
    form, word, change = FORMS[section]
    page = app.get(base)
    assert page.status_code == 200 and 'id="profile-section"' in page.text
    assert f'href="{base}/add"' in page.text and 'id="add-entry"' in page.text

    # Without JavaScript: the form is a page of its own, then back to the section.
    assert app.get(f"{base}/add").status_code == 200
    entry_id = added_id(send(app, f"{base}/add", form))
    stored = _stored(app, patient)
    assert [(e.id, e.section) for e in stored] == [(entry_id, section)]
    page = app.get(f"{base}?done={'directives' if section == 'directives' else 'added'}&entry={entry_id}")
    assert f'id="entry-{entry_id}"' in page.text and "banner-success" in page.text
    assert "Added by you on" in page.text
    if section in ("blood_group", "directives", "organ_donation"):
        # One entry at most: "Change" instead of "Add".
        assert 'id="add-entry"' not in page.text
        assert app.get(f"{base}/add", follow_redirects=False).headers["location"] == f"{base}/{entry_id}/edit"

    # Changing it: the form shows what was stored; the page says who changed it.
    edit = app.get(f"{base}/{entry_id}/edit")
    assert edit.status_code == 200
    assert 'name="version" value="1"' in edit.text
    changed = send(app, f"{base}/{entry_id}/edit", {**change, "version": "1"})
    assert added_id(changed) == entry_id
    assert "Changed by you on" in app.get(base).text
    (after,) = _stored(app, patient)
    assert after.updated_by == patient and after.updated_at is not None and after.version == 2
    for name, value in change.items():
        if not name.endswith(("-day", "-month", "-year")) and name != "value":
            assert after.data[name] == value

    # Removing it asks first, then it is gone.
    confirm = app.get(f"{base}/{entry_id}/remove")
    assert confirm.status_code == 200 and f'action="{base}/{entry_id}/remove"' in confirm.text
    assert 'name="version" value="2"' in confirm.text
    removed = send(app, f"{base}/{entry_id}/remove", {"version": "2"})
    assert removed.status_code == 303 and removed.headers["location"] == f"{base}?done=removed"
    assert entry_count(app, patient) == 0

    # Every write is audited, with the entry's id, and each page view once.
    mine = [(action, obj) for actor, action, obj, outcome in events(app, patient) if outcome == "allowed"]
    assert ("profile.add", f"profile:{entry_id}") in mine
    assert ("profile.change", f"profile:{entry_id}") in mine
    assert ("profile.remove", f"profile:{entry_id}") in mine
    assert ("profile.read", f"profile:{section}") in mine


def test_what_a_section_says_is_sealed(app):
    patient = person(app)
    as_(app, patient)
    for section, (form, _word, _change) in FORMS.items():
        added_id(send(app, f"/space/profile/{section}/add", form))

    async def raw() -> bytes:
        rows = await ProfileEntry.select(ProfileEntry.sealed_data).where(ProfileEntry.patient == patient)
        return b"".join(bytes(r["sealed_data"]) for r in rows)

    stored = run(app, raw)
    assert len(stored) > 500
    for section, (_form, word, _change) in FORMS.items():
        assert word.encode() not in stored, section
        assert section.encode() not in stored
    # And the pages show them again, opened.
    overview = html.unescape(app.get("/space/profile").text)
    for word in ("Amlodipine", "Pénicilline", "Claire Dupont", "AB-"):
        assert word in overview


def test_the_overview_shows_every_section_compactly(app):
    patient = person(app)
    as_(app, patient)
    added_id(send(app, "/space/profile/treatments/add", FORMS["treatments"][0]))
    added_id(send(app, "/space/profile/allergies/add", FORMS["allergies"][0]))
    for value, day in (("70", "1"), ("71,5", "2")):
        send(
            app,
            "/space/profile/measurements/add",
            {"kind": "weight", "value": value, "taken-day": day, "taken-month": "3", "taken-year": "2026"},
        )
    send(
        app,
        "/space/profile/measurements/add",
        {
            "kind": "blood_pressure",
            "value": "130",
            "value2": "80",
            "taken-day": "2",
            "taken-month": "3",
            "taken-year": "2026",
        },
    )
    before = len(events(app, patient))
    page = app.get("/space/profile")
    assert page.status_code == 200
    text = html.unescape(page.text)
    for section in ORDER:
        assert f'id="block-{section}"' in text and f'href="/space/profile/{section}"' in text
    # Treatments with their times of day, allergies, the last measurement of each kind.
    assert "Amlodipine – 5 mg – Morning, Evening" in text
    assert "Pénicilline (allergy, severe)" in text
    assert "Weight: 71.5 kg (March 2, 2026)" in text and "70 kg" not in text
    assert "Blood pressure: 130/80 mmHg" in text
    # The vaccinations due for a person born in 1950, nothing recorded: pneumococcus, shingles.
    assert 'id="vaccinations-due"' in text and "Pneumococcus" in text
    assert 'href="/space/profile/summary"' in text
    # One audit event for the page, whatever the number of entries.
    assert events(app, patient)[before:] == [(owner(patient), "profile.read", "profile:overview", "allowed")]


def test_one_read_event_per_section_page(app):
    patient = person(app)
    as_(app, patient)
    for name in ("Amlodipine", "Metformine", "Paracétamol"):
        added_id(send(app, "/space/profile/treatments/add", {"name": name}))
    before = len(events(app, patient))
    assert app.get("/space/profile/treatments").status_code == 200
    assert events(app, patient)[before:] == [
        (owner(patient), "profile.read", "profile:treatments", "allowed")
    ]


def test_a_single_entry_section_added_twice_asks_which_to_keep(app):
    patient = person(app)
    as_(app, patient)
    first = added_id(send(app, "/space/profile/blood_group/add", {"group": "A+"}))
    # Added meanwhile (another tab): nothing is overwritten, both are shown, the form keeps B-.
    again = send(app, "/space/profile/blood_group/add", {"group": "B-"})
    assert again.status_code == 409 and 'id="conflict"' in again.text
    assert f'action="/space/profile/blood_group/{first}/edit"' in again.text
    assert 'name="version" value="1"' in again.text
    (entry,) = _stored(app, patient)
    assert entry.data == {"group": "A+"}
    # Sending it again keeps what was typed, on purpose.
    kept = send(app, f"/space/profile/blood_group/{first}/edit", {"group": "B-", "version": "1"})
    assert added_id(kept) == first and "done=changed" in kept.headers["location"]
    (entry,) = _stored(app, patient)
    assert entry.data == {"group": "B-"}


def test_unknown_sections_and_other_patients_entries_are_not_there(app):
    patient = person(app)
    other = person(app, given_names="Paul")
    as_(app, other)
    theirs = added_id(send(app, "/space/profile/allergies/add", FORMS["allergies"][0]))
    as_(app, patient)
    mine = added_id(send(app, "/space/profile/treatments/add", {"name": "Doliprane"}))
    for path in (
        "/space/profile/nothing",
        "/space/profile/nothing/add",
        "/space/profile/summary-of-nothing",
        f"/space/profile/allergies/{theirs}/edit",
        f"/space/profile/allergies/{theirs}/remove",
        # An entry of the patient's, under another section's address.
        f"/space/profile/allergies/{mine}/edit",
        f"/space/profile/treatments/{uuid.uuid4()}/edit",
    ):
        assert app.get(path).status_code == 404, path
    assert send(app, f"/space/profile/allergies/{theirs}/edit", FORMS["allergies"][2]).status_code == 404
    assert send(app, f"/space/profile/allergies/{theirs}/remove", {}).status_code == 404
    assert send(app, "/space/profile/nothing/add", {"name": "x"}).status_code == 404
    # Nothing of the other patient's changed, and the tries are audited as refused.
    assert entry_count(app, other) == 1
    refused = [(action, obj) for _a, action, obj, outcome in events(app, patient) if outcome == "denied"]
    assert refused.count(("write", f"profile:{theirs}")) == 4
    assert ("read", "profile:unknown") in refused
    # A patient never reaches the professionals' pages.
    assert app.get(f"/pro/patients/{patient}/profile").status_code == 404
