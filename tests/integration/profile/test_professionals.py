"""Professionals of a patient's circle: they read the sections their profession may read,
add to them, and change or remove only what they entered; the patient sees who entered
what. Anything else (another section, a blocked professional, one outside the circle) is
a 404, audited."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest

from portal.core.access import PROFILE_SECTIONS, Role
from portal.profile.definitions import ORDER
from tests.html import page as read_page
from tests.integration.profile.helpers import (
    added_id,
    as_,
    block,
    entry_count,
    events,
    owner,
    person,
    professional,
    send,
)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    return person(app, given_names="Jeanne", family_name="Dupont")


def _base(patient: uuid.UUID) -> str:
    return f"/pro/patients/{patient}/profile"


def test_a_pharmacist_reads_the_sections_of_the_profession_only(app, patient):
    as_(app, patient)
    added_id(send(app, "/space/profile/conditions/add", {"name": "Diabète de type 2"}))
    added_id(
        send(app, "/space/profile/treatments/add", {"name": "Metformine", "times": ["morning", "evening"]})
    )
    pharmacist = professional(app, "pharmacist", patient, given_names="Paul", family_name="Girard")
    as_(app, pharmacist, Role.PROFESSIONAL)
    overview = app.get(_base(patient))
    assert overview.status_code == 200
    text = html.unescape(overview.text)
    assert "Health profile of Jeanne Dupont" in text
    for section in ORDER:
        shown = f'id="block-{section}"' in text
        assert shown == (section in PROFILE_SECTIONS["pharmacist"]), section
    assert "Metformine" in text and "Diabète" not in text
    assert app.get(f"{_base(patient)}/treatments").status_code == 200
    # Conditions are not the pharmacist's: not there, and the try is audited.
    before = len(events(app, patient))
    assert app.get(f"{_base(patient)}/conditions").status_code == 404
    assert app.get(f"{_base(patient)}/conditions/add").status_code == 404
    assert send(app, f"{_base(patient)}/conditions/add", {"name": "x"}).status_code == 404
    refused = events(app, patient)[before:]
    assert (owner(pharmacist), "read", "profile:conditions", "denied") in refused
    assert (owner(pharmacist), "write", "profile:conditions", "denied") in refused
    assert entry_count(app, patient) == 2


def test_a_general_practitioner_reads_every_section(app, patient):
    as_(app, patient)
    added_id(send(app, "/space/profile/conditions/add", {"name": "Diabète de type 2"}))
    doctor = professional(app, "general_practitioner", patient)
    as_(app, doctor, Role.PROFESSIONAL)
    text = html.unescape(app.get(_base(patient)).text)
    for section in ORDER:
        assert f'id="block-{section}"' in text
    conditions = app.get(f"{_base(patient)}/conditions")
    assert conditions.status_code == 200 and "Diabète de type 2" in html.unescape(conditions.text)
    assert "Added by Jeanne Dupont on" in conditions.text
    # What the patient entered, the doctor may not change nor remove.
    assert 'id="add-entry"' in conditions.text and "/edit" not in conditions.text
    assert (owner(doctor), "profile.read", "profile:conditions", "allowed") in events(app, patient)


def test_a_professional_adds_and_changes_only_their_own_entries(app, patient):
    as_(app, patient)
    own = added_id(send(app, "/space/profile/allergies/add", {"substance": "Lactose", "kind": "intolerance"}))
    doctor = professional(app, "general_practitioner", patient)
    as_(app, doctor, Role.PROFESSIONAL)
    base = _base(patient)
    assert app.get(f"{base}/allergies/add").status_code == 200
    entry = added_id(send(app, f"{base}/allergies/add", {"substance": "Pénicilline", "kind": "allergy"}))
    assert (owner(doctor), "profile.add", f"profile:{entry}", "allowed") in events(app, patient)
    page = app.get(f"{base}/allergies").text
    assert "Added by you on" in page and f"{base}/allergies/{entry}/edit" in page
    assert f"{base}/allergies/{own}/edit" not in page
    # Their own: changed and removed. The patient's: refused, audited.
    added_id(
        send(
            app,
            f"{base}/allergies/{entry}/edit",
            {"substance": "Pénicilline G", "kind": "allergy", "version": "1"},
        )
    )
    for path in (f"{base}/allergies/{own}/edit", f"{base}/allergies/{own}/remove"):
        assert app.get(path).status_code == 404
    assert send(app, f"{base}/allergies/{own}/edit", {"substance": "x", "kind": "allergy"}).status_code == 404
    assert send(app, f"{base}/allergies/{own}/remove", {}).status_code == 404
    assert events(app, patient).count((owner(doctor), "write", f"profile:{own}", "denied")) == 4

    # The patient sees who entered it and who changed it, and may change it too.
    as_(app, patient)
    page = html.unescape(app.get("/space/profile/allergies").text)
    assert "Added by Dr Anne Martin, general practitioner on" in page
    assert "Changed by Dr Anne Martin, general practitioner on" in page
    assert f"/space/profile/allergies/{entry}/edit" in page

    as_(app, doctor, Role.PROFESSIONAL)
    removed = send(app, f"{base}/allergies/{entry}/remove", {"version": "2"})
    assert removed.status_code == 303 and removed.headers["location"] == f"{base}/allergies?done=removed"
    assert entry_count(app, patient) == 1


def test_a_nurse_adds_a_measurement_with_the_same_confirmation(app, patient):
    nurse = professional(app, "nurse", patient, given_names="Lucie", family_name="Bernard")
    as_(app, nurse, Role.PROFESSIONAL)
    form = {
        "kind": "blood_pressure",
        "value": "310",
        "value2": "95",
        "taken-day": "1",
        "taken-month": "3",
        "taken-year": "2026",
    }
    asked = send(app, f"{_base(patient)}/measurements/add", form)
    assert asked.status_code == 400 and 'value="blood_pressure:310:95"' in asked.text
    added_id(send(app, f"{_base(patient)}/measurements/add", {**form, "confirm": "blood_pressure:310:95"}))
    text = app.get(f"{_base(patient)}/measurements").text
    assert 'id="chart-blood_pressure"' in text
    as_(app, patient)
    assert "Added by Lucie Bernard, nurse on" in html.unescape(app.get("/space/profile/measurements").text)


def test_blocked_and_outside_professionals_get_nothing(app, patient):
    as_(app, patient)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    blocked = professional(app, "general_practitioner", patient)
    block(app, patient, blocked)
    outsider = professional(app, "general_practitioner", given_names="Marc", family_name="Petit")
    for pro in (blocked, outsider):
        as_(app, pro, Role.PROFESSIONAL)
        before = len(events(app, patient))
        base = _base(patient)
        for path in (base, f"{base}/treatments", f"{base}/treatments/add", f"{base}/treatments/{entry}/edit"):
            assert app.get(path).status_code == 404, path
        assert send(app, f"{base}/treatments/add", {"name": "Doliprane"}).status_code == 404
        refused = events(app, patient)[before:]
        assert len(refused) == 5 and all(e[0] == owner(pro) and e[3] == "denied" for e in refused)
    assert entry_count(app, patient) == 1


def test_a_professional_never_reaches_the_patient_pages(app, patient):
    doctor = professional(app, "general_practitioner", patient)
    as_(app, doctor, Role.PROFESSIONAL)
    assert app.get("/space/profile").status_code == 404
    assert app.get("/space/profile/treatments").status_code == 404


def test_htmx_in_place_for_professionals_too(app, patient):
    doctor = professional(app, "general_practitioner", patient)
    as_(app, doctor, Role.PROFESSIONAL)
    base = _base(patient)
    saved = send(
        app, f"{base}/treatments/add", {"name": "Amlodipine", "times": ["morning"]}, htmx=True, follow=True
    )
    assert saved.status_code == 200 and "<html" not in saved.text
    changes = [str(link["href"]) for link in read_page(saved).all(f'[href^="{base}/treatments/"][hx-get]')]
    assert any(re.fullmatch(rf"{base}/treatments/[0-9a-f-]+/edit", href) for href in changes)


def test_a_professional_never_reaches_a_section_outside_their_profession(app, patient):
    as_(app, patient)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    physio = professional(app, "physiotherapist", patient, given_names="Luc", family_name="Roux")
    as_(app, physio, Role.PROFESSIONAL)
    base = _base(patient)
    overview = app.get(base)
    assert overview.status_code == 200
    assert 'id="block-treatments"' not in overview.text and "Amlodipine" not in overview.text
    before = len(events(app, patient))
    for path in (
        f"{base}/treatments",
        f"{base}/treatments/add",
        f"{base}/treatments/{entry}/edit",
        f"{base}/treatments/{entry}/remove",
        # The entry under the address of a section that is the physiotherapist's.
        f"{base}/conditions/{entry}/edit",
        f"{base}/summary",
    ):
        response = app.get(path)
        assert response.status_code == 404 and "Amlodipine" not in response.text, path
    assert send(app, f"{base}/treatments/add", {"name": "Doliprane"}).status_code == 404
    assert send(app, f"{base}/treatments/{entry}/edit", {"name": "x", "version": "1"}).status_code == 404
    assert send(app, f"{base}/treatments/{entry}/remove", {}).status_code == 404
    refused = events(app, patient)[before:]
    assert len(refused) == 9 and all(e[0] == owner(physio) and e[3] == "denied" for e in refused)
    assert entry_count(app, patient) == 1
