"""Notes through the one door: a carer's note is written by her and says so, to the patient
and to the professional it is shared with; a carer with the notes read only reads them and
writes nothing; whom a note is shared with stays the patient's choice; a carer without the
notes finds no page of them; each writer's drafts are their own; and no lost update, for a
save and for the draft kept as one types, with and without htmx."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from portal.circle.services import add_to_circle
from portal.core.access import Role
from portal.core.keys import key_owner
from portal.notes.tables import Note
from tests.conftest import csrf
from tests.html import page
from tests.people import SecondBrowser, act_for, delegate, make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

HTMX = {"HX-Request": "true"}
TITLE = "Questions pour le Dr Martin"
BODY = "Faut-il continuer la metformine ?"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    return make_person(app, given_names="Jeanne", family_name="Dupont")


@pytest.fixture
def carer(app: Any) -> uuid.UUID:
    return make_person(app, given_names="Claire", family_name="Dupont")


@pytest.fixture
def doctor(app: Any, patient: uuid.UUID) -> uuid.UUID:
    anne = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )

    async def join() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=anne, joined_by="invited")

    run(app, join)
    return anne


def _post(app: Any, path: str, headers: dict[str, str] | None = None, **data: str) -> Any:
    return app.post(path, data={"_csrf_token": csrf(app), **data}, headers=headers, follow_redirects=False)


def _add(app: Any, title: str = TITLE, body: str = BODY) -> uuid.UUID:
    response = _post(app, "/space/notes/new", title=title, body=body)
    assert response.status_code == 303, response.text
    found = re.match(r"/space/notes/([0-9a-f-]{36})\?done=added$", response.headers["location"])
    assert found
    return uuid.UUID(found.group(1))


def _row(app: Any, note: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] = run(app, lambda: Note.select().where(Note.id == note).first())
    return row


def _version(text: str) -> str:
    """The version the note's form carries (its one hidden ``version`` field)."""
    version = page(text).one('input[type="hidden"][name="version"]')["value"]
    assert version.isdigit(), version
    return version


def _title_field(text: str) -> str:
    """What the note's title box holds."""
    return page(text).one('input#title[type="text"][name="title"]')["value"]


def _textarea(text: str) -> str:
    """What the note's text area holds."""
    return page(text).one('textarea#body[name="body"]').get_text()


def _author(text: str) -> str:
    """Who wrote the note, as its page (or the one note of a list) says."""
    return page(text).text(".note-author")


def _events(app: Any, patient: uuid.UUID, area: str = "notes") -> list[tuple[str, str, str]]:
    return audit_events(app, "actor", "action", "outcome", subject=patient, area=area)


def _as_patient(app: Any, patient: uuid.UUID) -> None:
    app.cookies.clear()
    sign_in_as(app, patient)


# --------------------------------------------------------------------------- authors


def test_a_note_a_carer_writes_is_hers_to_the_patient_and_to_the_professional(app, patient, carer, doctor):
    delegate(app, patient, carer, "notes:write", relation="daughter")
    act_for(app, carer, patient)
    note = _add(app)
    row = _row(app, note)
    assert row["written_by"] == carer and row["patient"] == patient
    assert _author(app.get(f"/space/notes/{note}").text) == "Written by you"
    assert (key_owner(carer), "note.add", "allowed") in _events(app, patient)

    _as_patient(app, patient)
    assert _author(app.get("/space/notes").text) == "Written by your daughter Claire Dupont"
    assert _author(app.get(f"/space/notes/{note}").text) == "Written by your daughter Claire Dupont"
    assert _post(app, f"/space/notes/{note}/share", share_with=str(doctor)).status_code == 303

    app.cookies.clear()
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    shown = app.get(f"/pro/patients/{patient}/notes/{note}").text
    assert _author(shown) == "Written by Claire Dupont for Jeanne Dupont"
    assert (
        _author(app.get(f"/pro/patients/{patient}/notes").text)
        == "Written by Claire Dupont for Jeanne Dupont"
    )

    # Once the patient changes it, it is hers: whoever last wrote it.
    _as_patient(app, patient)
    shown = app.get(f"/space/notes/{note}").text
    changed = _post(
        app, f"/space/notes/{note}", title=TITLE, body=BODY + " Et le genou.", version=_version(shown)
    )
    assert changed.status_code == 303
    assert _row(app, note)["written_by"] == patient
    app.cookies.clear()
    sign_in_as(app, doctor, Role.PROFESSIONAL)
    assert _author(app.get(f"/pro/patients/{patient}/notes/{note}").text) == "Written by Jeanne Dupont"


# --------------------------------------------------------------------------- what a carer may do


def test_a_carer_with_the_notes_read_only_reads_them_and_writes_nothing(app, patient, carer, doctor):
    sign_in_as(app, patient)
    note = _add(app)
    _post(app, f"/space/notes/{note}/share", share_with=str(doctor))
    before = _row(app, note)
    delegate(app, patient, carer, "notes:read")
    act_for(app, carer, patient)
    listing = app.get("/space/notes")
    assert listing.status_code == 200 and page(listing).texts(".note-row .row-title") == [TITLE]
    assert 'href="/space/notes/new"' not in listing.text
    # Whom it is shared with is the patient's care circle: not named to a carer.
    assert "Anne Martin" not in listing.text
    assert page(listing).text(".note-row .note-shared") == "Shared with a professional of the care circle"
    shown = app.get(f"/space/notes/{note}")
    assert shown.status_code == 200 and BODY in page(shown).one("main .note-text").get_text()
    assert "<textarea" not in shown.text and f'action="/space/notes/{note}/' not in shown.text
    assert "Anne Martin" not in shown.text
    for path in ("/space/notes/new", f"/space/notes/{note}/remove"):
        assert app.get(path).status_code == 404, path
    for path in (
        "/space/notes/new",
        "/space/notes/new/draft",
        f"/space/notes/{note}",
        f"/space/notes/{note}/draft",
        f"/space/notes/{note}/forget",
        f"/space/notes/{note}/share",
        f"/space/notes/{note}/unshare",
        f"/space/notes/{note}/remove",
    ):
        response = _post(app, path, title="Pris", body="Changé", version="1", share_with=str(doctor))
        assert response.status_code == 404, path
    assert _row(app, note) == before
    assert run(app, lambda: Note.count().where(Note.patient == patient)) == 1  # no draft either
    assert (key_owner(carer), "write", "denied") in _events(app, patient)


def test_whom_a_note_is_shared_with_stays_the_patients_choice(app, patient, carer, doctor):
    delegate(app, patient, carer, "notes:write")
    act_for(app, carer, patient)
    note = _add(app)
    shown = app.get(f"/space/notes/{note}").text
    assert "Anne Martin" not in shown and f'action="/space/notes/{note}/share"' not in shown
    assert "Only the person you help can choose with whom a note is shared." in page(shown).text("#sharing")
    assert _post(app, f"/space/notes/{note}/share", share_with=str(doctor)).status_code == 404
    assert _post(app, f"/space/notes/{note}/unshare").status_code == 404
    assert _row(app, note)["shared_with"] is None
    # The refusal names the care circle, the area a delegation never gives.
    assert (key_owner(carer), "read", "denied") in _events(app, patient, "circle")


def test_a_carer_without_the_notes_finds_no_page_of_them(app, patient, carer, doctor):
    sign_in_as(app, patient)
    note = _add(app)
    delegate(app, patient, carer, "agenda:write,documents:write,messages:write")
    act_for(app, carer, patient)
    for path in ("/space/notes", "/space/notes/new", f"/space/notes/{note}", f"/space/notes/{note}/remove"):
        response = app.get(path)
        assert response.status_code == 404 and TITLE not in response.text, path
    for path in (
        "/space/notes/new",
        "/space/notes/new/draft",
        f"/space/notes/{note}",
        f"/space/notes/{note}/draft",
        f"/space/notes/{note}/forget",
        f"/space/notes/{note}/share",
        f"/space/notes/{note}/unshare",
        f"/space/notes/{note}/remove",
    ):
        assert _post(app, path, title="Pris", body="Changé", version="1").status_code == 404, path
    # Nor the professionals' pages.
    assert app.get(f"/pro/patients/{patient}/notes").status_code == 404
    assert run(app, lambda: Note.count().where(Note.patient == patient)) == 1
    denied = [e for e in _events(app, patient) if e[0] == key_owner(carer)]
    assert denied and all(outcome == "denied" for _, _, outcome in denied)


def test_each_writer_keeps_their_own_drafts(app, make_client, patient, carer):
    delegate(app, patient, carer, "notes:write")
    sign_in_as(app, patient)
    note = _add(app)
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    # A new note each, begun at once: neither overwrites the other.
    _post(app, "/space/notes/new/draft", headers=HTMX, title="Pour la pharmacie", body="Demander")
    _post(other, "/space/notes/new/draft", headers=HTMX, title="Pour le kiné", body="Le genou")
    assert _textarea(app.get("/space/notes/new").text) == "Demander"
    assert _textarea(other.get("/space/notes/new").text) == "Le genou"
    # Changes to the same note each, kept apart; the saved note does not change.
    _post(app, f"/space/notes/{note}/draft", headers=HTMX, title=TITLE, body="Version de Jeanne", version="1")
    _post(
        other, f"/space/notes/{note}/draft", headers=HTMX, title=TITLE, body="Version de Claire", version="1"
    )
    assert _textarea(app.get(f"/space/notes/{note}").text) == "Version de Jeanne"
    assert _textarea(other.get(f"/space/notes/{note}").text) == "Version de Claire"
    assert page(app.get("/space/notes")).text(".note-row .tag") == "Changes not saved yet"
    # The carer saves her new note: the patient's new note is still kept.
    _post(other, "/space/notes/new", title="Pour le kiné", body="Le genou")
    assert _textarea(app.get("/space/notes/new").text) == "Demander"
    assert _title_field(other.get("/space/notes/new").text) == ""
    # Dropping one's changes drops only one's own.
    _post(other, f"/space/notes/{note}/forget")
    assert _textarea(other.get(f"/space/notes/{note}").text) == BODY
    assert _textarea(app.get(f"/space/notes/{note}").text) == "Version de Jeanne"


# --------------------------------------------------------------------------- no lost update


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_note_saved_meanwhile_is_not_saved_over_and_both_are_shown(app, make_client, patient, carer, htmx):
    delegate(app, patient, carer, "notes:write", relation="daughter")
    sign_in_as(app, patient)
    note = _add(app)
    read_at = _version(app.get(f"/space/notes/{note}").text)
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    theirs = other.get(f"/space/notes/{note}").text
    saved = _post(
        other, f"/space/notes/{note}", title=TITLE, body="Texte de Claire", version=_version(theirs)
    )
    assert saved.status_code == 303
    # The patient saves what she typed over the version she read.
    response = _post(
        app,
        f"/space/notes/{note}",
        headers=HTMX if htmx else None,
        title=TITLE,
        body="Texte de Jeanne",
        version=read_at,
    )
    assert response.status_code == 409
    text = response.text
    assert "<main" in text
    shown = page(text)
    assert shown.text("#conflict-title") == "Someone changed this while you were writing"
    assert (
        shown.text("#saved-text") == "Texte de Claire"
        and _author(text) == "Written by your daughter Claire Dupont"
    )
    assert _textarea(text) == "Texte de Jeanne" and _version(text) == "2" and read_at == "1"
    assert shown.has(f'form[action="/space/notes/{note}/forget"]')  # keep what is saved
    row = _row(app, note)
    assert row["version"] == 2 and row["written_by"] == carer
    # Nothing typed is lost: coming back shows both again.
    again = app.get(f"/space/notes/{note}").text
    assert page(again).text("#conflict-title") == "Someone changed this while you were writing"
    assert _textarea(again) == "Texte de Jeanne" and _version(again) == "2"
    # Sending it again (with the version saved now) keeps what was typed, on purpose.
    kept = _post(app, f"/space/notes/{note}", title=TITLE, body="Texte de Jeanne", version=_version(text))
    assert kept.status_code == 303
    row = _row(app, note)
    assert row["version"] == 3 and row["written_by"] == patient
    shown = app.get(f"/space/notes/{note}").text
    assert _textarea(shown) == "Texte de Jeanne" and "Someone changed" not in shown


def test_keeping_what_is_saved_drops_what_was_typed(app, make_client, patient, carer):
    delegate(app, patient, carer, "notes:write")
    sign_in_as(app, patient)
    note = _add(app)
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    _post(other, f"/space/notes/{note}", title=TITLE, body="Texte de Claire", version="1")
    assert (
        _post(app, f"/space/notes/{note}", title=TITLE, body="Texte de Jeanne", version="1").status_code
        == 409
    )
    _post(app, f"/space/notes/{note}/forget")
    shown = app.get(f"/space/notes/{note}").text
    assert _textarea(shown) == "Texte de Claire" and "Someone changed" not in shown and _version(shown) == "2"


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_draft_kept_over_an_older_version_says_so_in_place(app, make_client, patient, carer, htmx):
    delegate(app, patient, carer, "notes:write")
    sign_in_as(app, patient)
    note = _add(app)
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    _post(other, f"/space/notes/{note}", title=TITLE, body="Texte de Claire", version="1")
    # The patient goes on typing in the page she opened before: her draft is kept, the
    # note saved by her daughter is not touched, and the status says what happened.
    status = _post(
        app,
        f"/space/notes/{note}/draft",
        headers=HTMX if htmx else None,
        title=TITLE,
        body="Texte de Jeanne, en cours",
        version="1",
    )
    assert status.status_code == 409
    assert status.text.strip().startswith('<p class="hint draft-status" id="draft-status" role="status">')
    assert "Someone saved a newer version of this note while you were writing." in page(status).text(
        "#draft-status .draft-outdated"
    )
    row = _row(app, note)
    assert row["version"] == 2 and row["written_by"] == carer
    assert _textarea(other.get(f"/space/notes/{note}").text) == "Texte de Claire"
    shown = app.get(f"/space/notes/{note}").text
    assert page(shown).text("#conflict-title") == "Someone changed this while you were writing"
    assert page(shown).text("#saved-text") == "Texte de Claire"
    assert _textarea(shown) == "Texte de Jeanne, en cours" and _version(shown) == "2"
    # Typed over the version saved now, the draft is an ordinary draft again.
    fine = _post(
        app, f"/space/notes/{note}/draft", headers=HTMX, title=TITLE, body="Texte de Jeanne", version="2"
    )
    assert fine.status_code == 200 and "newer version" not in fine.text


def test_removing_a_note_saved_since_asks_again(app, make_client, patient, carer):
    delegate(app, patient, carer, "notes:write")
    sign_in_as(app, patient)
    note = _add(app)
    confirm = app.get(f"/space/notes/{note}/remove").text
    other = SecondBrowser(app)
    act_for(other, carer, patient)
    _post(other, f"/space/notes/{note}", title=TITLE, body="Texte de Claire", version="1")
    asked = _post(app, f"/space/notes/{note}/remove", version=_version(confirm))
    assert asked.status_code == 409 and page(asked).text("#conflict #saved-text") == "Texte de Claire"
    assert _row(app, note) is not None
    gone = _post(app, f"/space/notes/{note}/remove", version=_version(asked.text))
    assert gone.status_code == 303 and run(app, lambda: Note.count().where(Note.id == note)) == 0


def test_a_version_that_is_not_a_number_is_never_saved_over(app, patient):
    sign_in_as(app, patient)
    note = _add(app)
    for version in ("", "abc", "99999999999999999999999", "-1"):
        response = _post(app, f"/space/notes/{note}", title=TITLE, body="Sans version", version=version)
        assert response.status_code == 409, version
        assert _post(app, f"/space/notes/{note}/remove", version=version).status_code == 409
    assert _row(app, note)["version"] == 1
