"""A carer in the space of someone they help reaches the health profile as the delegation
allows: the whole profile with a "profile" delegation (read only, or read and write),
nothing without one. What a carer writes is hers ("carer"), shown as it is: "your daughter
Claire Dupont" to the patient, "Claire Dupont for Jeanne Dupont" to a professional; and
what they do is audited as done by them for the patient."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest

from portal.core.access import Role
from portal.core.keys import Keyring
from portal.documents.services import recent_documents
from portal.profile import services
from portal.profile.definitions import ORDER
from tests.conftest import TEST_MASTER_KEY
from tests.integration.profile.helpers import (
    added_id,
    as_,
    entry_count,
    events,
    owner,
    person,
    professional,
    send,
)
from tests.people import act_for, delegate, run

DIRECTIVES = {
    "situation": "healthy",
    "resuscitation": "refuse",
    "sedation": "want",
    "place": "Guéret",
    "written_at-day": "1",
    "written_at-month": "2",
    "written_at-year": "2026",
}


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    return person(app, given_names="Jeanne", family_name="Dupont")


def _stored(app: Any, patient: uuid.UUID, entry_id: uuid.UUID) -> services.Entry:
    async def go() -> services.Entry | None:
        return await services.get_entry(Keyring(TEST_MASTER_KEY), patient, entry_id)

    found = run(app, go)
    assert found is not None
    return found


def _filed(app: Any, patient: uuid.UUID) -> list[tuple[str, str]]:
    async def go() -> list[tuple[str, str]]:
        found = await recent_documents(Keyring(TEST_MASTER_KEY), patient)
        return [(d.details.category, d.author_role) for d in found]

    result: list[tuple[str, str]] = run(app, go)
    return result


def test_a_carer_with_the_profile_delegated(app, patient):
    as_(app, patient)
    added_id(send(app, "/space/profile/conditions/add", {"name": "Diabète"}))
    writer, reader, other = (person(app, given_names=name) for name in ("Claire", "Marc", "Lise"))
    delegate(app, patient, writer, "profile:write")
    delegate(app, patient, reader, "profile:read")
    delegate(app, patient, other, "documents:read")

    # Read and write: every section, and adding to them.
    act_for(app, writer, patient)
    overview = app.get("/space/profile").text
    assert all(f'id="block-{section}"' in overview for section in ORDER)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    assert (owner(writer), "profile.add", f"profile:{entry}", "allowed") in events(app, patient)

    # Read only: the pages, not the forms.
    act_for(app, reader, patient)
    assert app.get("/space/profile/conditions").status_code == 200
    assert app.get("/space/profile/treatments/add").status_code == 404
    assert send(app, "/space/profile/treatments/add", {"name": "Doliprane"}).status_code == 404

    # Another area only: not the profile.
    act_for(app, other, patient)
    assert app.get("/space/profile").status_code == 404
    assert entry_count(app, patient) == 2


def test_a_carers_entry_is_hers_and_says_so_to_each_reader(app, patient):
    claire = person(app, given_names="Claire", family_name="Dupont")
    delegate(app, patient, claire, "profile:write", relation="daughter")
    doctor = professional(app, "general_practitioner", patient)

    act_for(app, claire, patient)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    stored = _stored(app, patient, entry)
    assert stored.entered_by == claire and stored.entered_role == "carer"
    assert "Added by you on" in app.get("/space/profile/treatments").text

    # To the patient: her daughter, by name.
    as_(app, patient)
    page = html.unescape(app.get("/space/profile/treatments").text)
    assert "Added by your daughter Claire Dupont on" in page
    assert "Added by you on" not in page and "the patient" not in page

    # To the doctor: Claire, for Jeanne.
    as_(app, doctor, Role.PROFESSIONAL)
    page = html.unescape(app.get(f"/pro/patients/{patient}/profile/treatments").text)
    assert "Added by Claire Dupont for Jeanne Dupont on" in page
    # What a carer entered is not the doctor's to change.
    assert f"/treatments/{entry}/edit" not in page


def test_a_carer_changes_what_the_patient_entered_and_is_named_for_it(app, patient):
    claire = person(app, given_names="Claire", family_name="Dupont")
    delegate(app, patient, claire, "profile:write", relation="daughter")
    as_(app, patient)
    entry = added_id(send(app, "/space/profile/allergies/add", {"substance": "Latex", "kind": "allergy"}))

    act_for(app, claire, patient)
    page = app.get("/space/profile/allergies").text
    assert f"/space/profile/allergies/{entry}/edit" in page and "Added by Jeanne Dupont on" in page
    changed = send(
        app,
        f"/space/profile/allergies/{entry}/edit",
        {"substance": "Latex", "kind": "intolerance", "version": "1"},
    )
    assert added_id(changed) == entry
    stored = _stored(app, patient, entry)
    assert stored.entered_by == patient and stored.updated_by == claire
    assert (owner(claire), "profile.change", f"profile:{entry}", "allowed") in events(app, patient)

    as_(app, patient)
    page = html.unescape(app.get("/space/profile/allergies").text)
    assert "Added by you on" in page and "Changed by your daughter Claire Dupont on" in page

    # The carer removes it too: the profile is the patient's, and she may write in it.
    act_for(app, claire, patient)
    assert send(app, f"/space/profile/allergies/{entry}/remove", {"version": "2"}).status_code == 303
    assert entry_count(app, patient) == 0


def test_a_carer_with_the_profile_to_read_only_cannot_add_nor_change(app, patient):
    as_(app, patient)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    marc = person(app, given_names="Marc")
    delegate(app, patient, marc, "profile:read")
    act_for(app, marc, patient)

    base = "/space/profile/treatments"
    page = app.get(base)
    assert page.status_code == 200 and "Amlodipine" in page.text
    # Nothing offered that would be refused.
    assert 'id="add-entry"' not in page.text and "/edit" not in page.text and "/remove" not in page.text
    for path in (f"{base}/add", f"{base}/{entry}/edit", f"{base}/{entry}/remove"):
        assert app.get(path).status_code == 404, path
    assert send(app, f"{base}/add", {"name": "Doliprane"}).status_code == 404
    assert send(app, f"{base}/{entry}/edit", {"name": "Doliprane", "version": "1"}).status_code == 404
    assert send(app, f"{base}/{entry}/remove", {}).status_code == 404
    assert _stored(app, patient, entry).data["name"] == "Amlodipine"
    refused = [e for e in events(app, patient) if e[0] == owner(marc) and e[3] == "denied"]
    assert len(refused) == 6
    # The summary is theirs to read, not to file in the documents.
    summary = app.get("/space/profile/summary")
    assert summary.status_code == 200 and "Amlodipine" in summary.text
    assert 'id="file-summary"' not in summary.text
    assert send(app, "/space/profile/summary/file", {}).status_code == 404


def test_a_carer_without_the_profile_gets_a_missing_page_everywhere(app, patient):
    as_(app, patient)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    lise = person(app, given_names="Lise")
    delegate(app, patient, lise, "documents:write,messages:write,agenda:write,notes:write")
    act_for(app, lise, patient)

    base = "/space/profile"
    pages = [base, *(f"{base}/{section}" for section in ORDER)]
    pages += [
        f"{base}/treatments/add",
        f"{base}/treatments/{entry}/edit",
        f"{base}/treatments/{entry}/remove",
    ]
    pages += [f"{base}/summary", f"{base}/summary.pdf", f"{base}/summary.pdf?show=1"]
    for path in pages:
        response = app.get(path)
        assert response.status_code == 404, path
        assert "Amlodipine" not in response.text
    for path, form in (
        (f"{base}/treatments/add", {"name": "Doliprane"}),
        (f"{base}/treatments/{entry}/edit", {"name": "Doliprane", "version": "1"}),
        (f"{base}/treatments/{entry}/remove", {}),
        (f"{base}/summary/file", {}),
    ):
        assert send(app, path, form).status_code == 404, path
    # Nor the professionals' pages of the same profile.
    for path in (f"/pro/patients/{patient}/profile", f"/pro/patients/{patient}/profile/summary"):
        assert app.get(path).status_code == 404, path
    assert entry_count(app, patient) == 1 and _filed(app, patient) == []
    assert not [e for e in events(app, patient) if e[0] == owner(lise) and e[3] == "allowed"]


def test_directives_a_carer_writes_are_filed_only_with_the_documents_to_write(app, patient):
    claire, paul = person(app, given_names="Claire"), person(app, given_names="Paul")
    delegate(app, patient, claire, "profile:write")
    delegate(app, patient, paul, "profile:write,documents:write")

    # The profile alone: the directives are saved, no copy goes in the documents.
    act_for(app, claire, patient)
    saved = send(app, "/space/profile/directives/add", DIRECTIVES)
    entry = added_id(saved)
    assert "done=added" in saved.headers["location"]
    assert _filed(app, patient) == []

    # With the documents too: a copy, written by the carer.
    act_for(app, paul, patient)
    changed = send(app, f"/space/profile/directives/{entry}/edit", {**DIRECTIVES, "version": "1"})
    assert "done=directives" in changed.headers["location"]
    assert _filed(app, patient) == [("advance_directives", "carer")]


def test_a_carer_with_the_profile_and_the_documents_files_the_summary(app, patient):
    as_(app, patient)
    added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    claire = person(app, given_names="Claire")
    delegate(app, patient, claire, "profile:read,documents:write")
    act_for(app, claire, patient)
    page = app.get("/space/profile/summary")
    assert page.status_code == 200 and 'id="file-summary"' in page.text
    filed = send(app, "/space/profile/summary/file", {})
    assert filed.status_code == 303
    assert _filed(app, patient) == [("medical_summary", "carer")]
    assert app.get("/space/profile/summary.pdf").content.startswith(b"%PDF-")
