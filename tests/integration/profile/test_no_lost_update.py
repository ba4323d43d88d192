"""No lost update: a change form carries the version of the entry it was read at. Saved
over a newer version, nothing is overwritten: the answer is 409, with what is saved now and
what was typed, and the form holding what was typed at the new version, so sending it
again keeps it on purpose. The same with and without htmx."""

from __future__ import annotations

import html
import uuid
from typing import Any

import pytest

from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.sessions import cookie_name
from portal.profile import services
from tests.conftest import TEST_MASTER_KEY
from tests.html import page
from tests.integration.profile.helpers import HTMX, added_id, as_, events, owner, person, professional, send
from tests.people import run, sign_in_as

BASE = "/space/profile/treatments"


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    return person(app, given_names="Jeanne", family_name="Dupont")


def _stored(app: Any, patient: uuid.UUID, entry_id: uuid.UUID) -> services.Entry:
    async def go() -> services.Entry | None:
        return await services.get_entry(Keyring(TEST_MASTER_KEY), patient, entry_id)

    found = run(app, go)
    assert found is not None
    return found


def _version(text: str) -> str:
    """The version a change form carries."""
    found = page(text).all('input[type="hidden"][name="version"]')
    assert len(found) == 1, found
    version = str(found[0]["value"])
    assert version.isdigit(), version
    return version


def _use(app: Any, token: str) -> None:
    """Be the browser that holds this session (two browsers, one test client)."""
    app.cookies.set(cookie_name(app.app.state.settings), token, domain=app.base_url.host)


def _sessions(app: Any, *people: tuple[uuid.UUID, Role]) -> list[str]:
    """One session per person (two browsers, or two tabs of one person's)."""
    app.cookies.clear()
    return [sign_in_as(app, account, role) for account, role in people]


def test_an_older_form_does_not_overwrite_a_newer_change(app, patient):
    mine, theirs = _sessions(app, (patient, Role.PATIENT), (patient, Role.PATIENT))
    _use(app, mine)
    entry = added_id(send(app, f"{BASE}/add", {"name": "Amlodipine", "dose": "5 mg"}))

    # The patient opens the form (version 1)...
    version = _version(app.get(f"{BASE}/{entry}/edit").text)
    assert version == "1"
    # ...the entry is changed meanwhile, in another browser...
    _use(app, theirs)
    added_id(send(app, f"{BASE}/{entry}/edit", {"name": "Amlodipine", "dose": "10 mg", "version": "1"}))
    assert _stored(app, patient, entry).version == 2

    # ...then the first form is sent: nothing is overwritten, both are shown.
    _use(app, mine)
    typed = {"name": "Amlodipine", "dose": "2.5 mg", "instructions": "Le matin", "version": version}
    answer = send(app, f"{BASE}/{entry}/edit", typed)
    assert answer.status_code == 409
    text = html.unescape(answer.text)
    assert "<html" in text and 'id="conflict"' in text
    assert "Someone changed this while you were writing" in text
    saved = page(answer).text("#conflict #conflict-saved")
    typed_box = page(answer).text("#conflict #conflict-typed dl.entry-facts")
    assert "10 mg" in saved and "Changed by you on" in saved
    assert "2.5 mg" in typed_box and "Le matin" in typed_box
    # The form holds what was typed, at the new version; "Keep what is saved" goes back.
    assert 'value="2.5 mg"' in text and 'value="Le matin"' in text and _version(text) == "2"
    assert f'id="keep-saved" href="{BASE}?entry={entry}"' in text
    stored = _stored(app, patient, entry)
    assert stored.data["dose"] == "10 mg" and stored.version == 2
    assert [e for e in events(app, patient) if e[1] == "profile.change"] == [
        (owner(patient), "profile.change", f"profile:{entry}", "allowed")
    ]

    # Sending it again, on purpose, keeps what was typed.
    again = send(app, f"{BASE}/{entry}/edit", {**typed, "version": _version(text)})
    assert added_id(again) == entry
    stored = _stored(app, patient, entry)
    assert stored.data["dose"] == "2.5 mg" and stored.data["instructions"] == "Le matin"
    assert stored.version == 3


def test_with_htmx_the_same_answer_comes_in_place(app, patient):
    mine, theirs = _sessions(app, (patient, Role.PATIENT), (patient, Role.PATIENT))
    _use(app, mine)
    entry = added_id(send(app, f"{BASE}/add", {"name": "Doliprane", "dose": "1 g"}))
    opened = app.get(f"{BASE}/{entry}/edit", headers=HTMX)
    assert "<html" not in opened.text and _version(opened.text) == "1"

    _use(app, theirs)
    added_id(send(app, f"{BASE}/{entry}/edit", {"name": "Doliprane", "dose": "500 mg", "version": "1"}))

    _use(app, mine)
    answer = send(
        app, f"{BASE}/{entry}/edit", {"name": "Doliprane", "dose": "2 g", "version": "1"}, htmx=True
    )
    assert answer.status_code == 409
    text = html.unescape(answer.text)
    assert "<html" not in text and text.lstrip().startswith('<div id="profile-section"')
    assert 'id="conflict"' in text and "data-error-summary" in text
    assert f'hx-post="{BASE}/{entry}/edit"' in text and 'value="2 g"' in text and _version(text) == "2"
    assert "500 mg" in page(answer).text("#conflict #conflict-saved")
    assert _stored(app, patient, entry).data["dose"] == "500 mg"

    again = send(app, f"{BASE}/{entry}/edit", {"name": "Doliprane", "dose": "2 g", "version": "2"}, htmx=True)
    assert again.status_code == 303
    assert _stored(app, patient, entry).data["dose"] == "2 g"


def test_a_professional_and_the_patient_on_the_same_entry(app, patient):
    doctor = professional(app, "general_practitioner", patient)
    mine, theirs = _sessions(app, (doctor, Role.PROFESSIONAL), (patient, Role.PATIENT))
    pro_base = f"/pro/patients/{patient}/profile/allergies"
    _use(app, mine)
    entry = added_id(send(app, f"{pro_base}/add", {"substance": "Pénicilline", "kind": "allergy"}))
    assert _version(app.get(f"{pro_base}/{entry}/edit").text) == "1"

    # The patient changes it meanwhile.
    _use(app, theirs)
    form = {"substance": "Pénicilline", "kind": "intolerance", "version": "1"}
    assert added_id(send(app, f"/space/profile/allergies/{entry}/edit", form)) == entry

    # The doctor's older form does not overwrite it.
    _use(app, mine)
    answer = send(
        app, f"{pro_base}/{entry}/edit", {"substance": "Amoxicilline", "kind": "allergy", "version": "1"}
    )
    assert answer.status_code == 409
    text = html.unescape(answer.text)
    assert "Changed by Jeanne Dupont on" in text and 'value="Amoxicilline"' in text
    stored = _stored(app, patient, entry)
    assert stored.data["substance"] == "Pénicilline" and stored.data["kind"] == "intolerance"


def test_a_change_that_says_no_version_is_asked_again(app, patient):
    as_(app, patient)
    entry = added_id(send(app, f"{BASE}/add", {"name": "Amlodipine"}))
    for version in ({}, {"version": ""}, {"version": "abc"}, {"version": "99999999999999999999999"}):
        answer = send(app, f"{BASE}/{entry}/edit", {"name": "Metformine", **version})
        assert answer.status_code == 409, version
        assert 'value="Metformine"' in answer.text and _version(answer.text) == "1"
    assert _stored(app, patient, entry).data["name"] == "Amlodipine"


def test_bad_input_keeps_the_version_the_form_was_read_at(app, patient):
    as_(app, patient)
    entry = added_id(send(app, f"{BASE}/add", {"name": "Amlodipine"}))
    added_id(send(app, f"{BASE}/{entry}/edit", {"name": "Amlodipine", "dose": "5 mg", "version": "1"}))
    # Read at 1, sent with an error: the form comes back still at 1...
    refused = send(app, f"{BASE}/{entry}/edit", {"name": "", "dose": "10 mg", "version": "1"})
    assert refused.status_code == 400 and _version(refused.text) == "1"
    # ...so, mended, it is still caught as older than what is saved.
    answer = send(app, f"{BASE}/{entry}/edit", {"name": "Amlodipine", "dose": "10 mg", "version": "1"})
    assert answer.status_code == 409
    assert _stored(app, patient, entry).data["dose"] == "5 mg"


def test_an_entry_changed_after_choosing_to_remove_it_is_shown_again(app, patient):
    mine, theirs = _sessions(app, (patient, Role.PATIENT), (patient, Role.PATIENT))
    _use(app, mine)
    entry = added_id(send(app, f"{BASE}/add", {"name": "Amlodipine", "dose": "5 mg"}))
    confirm = app.get(f"{BASE}/{entry}/remove")
    assert _version(confirm.text) == "1"

    _use(app, theirs)
    added_id(send(app, f"{BASE}/{entry}/edit", {"name": "Amlodipine", "dose": "10 mg", "version": "1"}))

    # What would be removed is not what was seen: asked again, as it is now.
    _use(app, mine)
    asked = send(app, f"{BASE}/{entry}/remove", {"version": "1"})
    assert asked.status_code == 409 and 'id="conflict"' in asked.text
    assert "10 mg" in asked.text and _version(asked.text) == "2"
    assert _stored(app, patient, entry).data["dose"] == "10 mg"
    removed = send(app, f"{BASE}/{entry}/remove", {"version": "2"})
    assert removed.status_code == 303 and removed.headers["location"] == f"{BASE}?done=removed"
