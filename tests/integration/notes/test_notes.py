"""Personal notes: writing, changing and removing them, drafts kept as one types, the text
sealed at rest, sharing with one professional of the circle at a time (and what a
professional then reads), and every refusal (another patient, outside the circle, blocked,
a forged form, bad input), each audited."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from portal.circle.services import add_to_circle, remove_from_circle, set_blocked
from portal.core.access import Role
from portal.core.keys import key_owner
from portal.core.notify import read_outbox
from portal.notes.services import new_note_id
from portal.notes.tables import Note
from tests.conftest import csrf
from tests.html import page
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

TITLE = "Questions pour le Dr Martin"
BODY = "Faut-il continuer la metformine ?\nEt mes douleurs au genou droit depuis mars."
HTMX = {"HX-Request": "true"}


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    return make_person(app, given_names="Jeanne", family_name="Dupont")


def _doctor(app: Any, given: str = "Anne", family: str = "Martin") -> uuid.UUID:
    return make_person(
        app, Role.PROFESSIONAL, given_names=given, family_name=family, profession="general_practitioner"
    )


def _join(app: Any, patient: uuid.UUID, professional: uuid.UUID) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await add_to_circle(patient=patient, professional=professional, joined_by="invited")

    run(app, go)


def _block(app: Any, patient: uuid.UUID, professional: uuid.UUID, blocked: bool) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await set_blocked(patient=patient, professional=professional, blocked=blocked)

    run(app, go)


def _as(app: Any, account: uuid.UUID, role: Role = Role.PATIENT) -> None:
    app.cookies.clear()
    sign_in_as(app, account, role)


def _post(app: Any, path: str, headers: dict[str, str] | None = None, **data: str) -> Any:
    return app.post(path, data={"_csrf_token": csrf(app), **data}, headers=headers, follow_redirects=False)


def _add(app: Any, title: str = TITLE, body: str = BODY) -> uuid.UUID:
    response = _post(app, "/space/notes/new", title=title, body=body)
    assert response.status_code == 303, response.text
    found = re.match(r"/space/notes/([0-9a-f-]{36})\?done=added$", response.headers["location"])
    assert found, response.headers["location"]
    return uuid.UUID(found.group(1))


def _share(app: Any, note: uuid.UUID, professional: uuid.UUID, headers: dict[str, str] | None = None) -> Any:
    return _post(app, f"/space/notes/{note}/share", headers=headers, share_with=str(professional))


def _row(app: Any, note: uuid.UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = run(app, lambda: Note.select().where(Note.id == note).first())
    return row


def _note_links(text: str, base: str = "/space/notes") -> list[str]:
    """The ids of the notes a page links to under ``base``, in the page's order."""
    links = [link["href"].removeprefix(f"{base}/") for link in page(text).all(f'a[href^="{base}/"]')]
    return [link for link in links if len(link) == 36 and "/" not in link and "?" not in link]


def _events(app: Any, subject: uuid.UUID) -> list[tuple[str, str, str, str | None]]:
    return audit_events(app, "actor", "action", "outcome", "object_id", subject=subject, area="notes")


def _field_value(text: str, name: str) -> str:
    """What the page's one text box ``name`` holds."""
    return page(text).one(f'input#{name}[type="text"][name="{name}"]')["value"]


def _version(text: str) -> str:
    """The version a note's form carries (its one hidden ``version`` field)."""
    version = page(text).one('input[type="hidden"][name="version"]')["value"]
    assert version.isdigit(), version
    return version


def _textarea(text: str, name: str = "body") -> str:
    """What the page's one text area ``name`` holds."""
    return page(text).one(f'textarea#{name}[name="{name}"]').get_text()


# --------------------------------------------------------------------------- writing


def test_a_patient_writes_changes_and_removes_notes(app, patient):
    _as(app, patient)
    assert _note_links(app.get("/space/notes").text) == []
    assert app.get("/space/notes/new").status_code == 200
    first = _add(app)
    # The note's page shows it, in a form that changes it.
    note = app.get(f"/space/notes/{first}?done=added").text
    assert TITLE in page(note).heading
    assert _field_value(note, "title") == TITLE and _textarea(note) == BODY
    assert page(note).has(f'form[action="/space/notes/{first}"]')
    assert page(note).has(f'a[href="/space/notes/{first}/remove"]')
    second = _add(app, "Rendez-vous kiné", "Apporter les radios.")
    # The list: the last changed first, each with its title, the start of its text, when
    # it was last changed, and that it is not shared.
    listing = app.get("/space/notes").text
    assert _note_links(listing) == [str(second), str(first)]
    rows = page(listing).all(".note-list .note-row")
    assert [len(row.select(".note-preview")) for row in rows] == [1, 1]
    assert [len(row.select(".note-not-shared")) for row in rows] == [1, 1]
    assert "Faut-il continuer la metformine ? Et mes douleurs" in page(listing).texts(".note-preview")[1]

    # Changing the first brings it to the top.
    changed = _post(
        app,
        f"/space/notes/{first}",
        title="Questions pour Dr Martin",
        body="Et la tension ?",
        version=_version(note),
    )
    assert changed.status_code == 303 and changed.headers["location"] == f"/space/notes/{first}?done=saved"
    note = app.get(changed.headers["location"]).text
    assert _field_value(note, "title") == "Questions pour Dr Martin" and _textarea(note) == "Et la tension ?"
    assert _note_links(app.get("/space/notes").text) == [str(first), str(second)]

    # Removing asks first, then erases it.
    confirm = app.get(f"/space/notes/{second}/remove")
    assert confirm.status_code == 200 and page(confirm).has(f'form[action="/space/notes/{second}/remove"]')
    assert _row(app, second) is not None
    removed = _post(app, f"/space/notes/{second}/remove", version=_version(confirm.text))
    assert removed.status_code == 303 and removed.headers["location"] == "/space/notes?done=removed"
    assert _row(app, second) is None
    assert _note_links(app.get(removed.headers["location"]).text) == [str(first)]
    assert app.get(f"/space/notes/{second}").status_code == 404

    me = key_owner(patient)
    events = _events(app, patient)
    for action, note in [
        ("note.add", first),
        ("note.read", first),
        ("note.add", second),
        ("note.change", first),
        ("note.remove", second),
    ]:
        assert (me, action, "allowed", f"note:{note}") in events
    assert (me, "note.list", "allowed", None) in events
    assert (me, "read", "denied", f"note:{second}") in events


def test_titles_texts_and_drafts_are_sealed_at_rest(app, patient):
    _as(app, patient)
    note = _add(app, "Mon diabète", "Glycémie à jeun 1,32 g/L ce matin.")
    _post(app, f"/space/notes/{note}/draft", headers=HTMX, title="Mon diabète", body="Brouillon secret")
    _post(app, "/space/notes/new/draft", headers=HTMX, title="Ordonnance", body="Renouveler le Kardégic")
    rows = run(app, lambda: Note.select(Note.sealed_text).where(Note.patient == patient))
    assert len(rows) == 2  # the note and the new note's draft
    stored = b"".join(bytes(r["sealed_text"]) for r in rows)
    for secret in ("diab", "Glyc", "1,32", "Brouillon", "Ordonnance", "Kard"):
        assert secret.lower().encode() not in stored.lower()


@pytest.mark.parametrize(
    ("title", "body", "fields"),
    [
        ("", BODY, ["title"]),
        (TITLE, "   ", ["body"]),
        ("", "", ["title", "body"]),
        ("T" * 121, BODY, ["title"]),
        (TITLE, "x" * 5001, ["body"]),
    ],
)
def test_bad_input_is_explained_at_the_field_and_nothing_typed_is_lost(app, patient, title, body, fields):
    _as(app, patient)
    # A new note: nothing is saved, the page shows what was typed, and the draft keeps it.
    response = _post(app, "/space/notes/new", title=title, body=body)
    assert response.status_code == 400
    text = response.text
    for field in ("title", "body"):
        assert (page(text).field_error(field) is not None) == (field in fields)
    assert set(page(text).error_summary()) == set(fields)
    assert _field_value(text, "title") == title and _textarea(text) == body.strip()
    assert run(app, lambda: Note.count().where(Note.patient == patient)) == (
        1 if (title or body.strip()) else 0
    )
    assert _note_links(app.get("/space/notes").text) == []
    again = app.get("/space/notes/new").text
    assert _field_value(again, "title") == title and _textarea(again) == body.strip()

    # A note being changed: the note stays as it was saved, the changes are kept as a draft.
    note = _add(app)
    response = _post(app, f"/space/notes/{note}", title=title, body=body)
    assert response.status_code == 400
    for field in fields:
        assert page(response).field_error(field)
    shown = app.get(f"/space/notes/{note}").text
    assert _field_value(shown, "title") == title and _textarea(shown) == body.strip()
    assert page(shown).has(f'form[action="/space/notes/{note}/forget"]')
    assert page(app.get("/space/notes")).text(".note-row .tag.tag-warning") == "Changes not saved yet"
    # Dropping the changes brings back the note as it was saved.
    dropped = _post(app, f"/space/notes/{note}/forget")
    assert dropped.headers["location"] == f"/space/notes/{note}?done=forgotten"
    shown = app.get(dropped.headers["location"]).text
    assert _field_value(shown, "title") == TITLE and _textarea(shown) == BODY
    assert f'action="/space/notes/{note}/forget"' not in shown


def test_what_is_typed_is_kept_as_one_types_and_the_answer_is_only_the_status(app, patient):
    _as(app, patient)
    # A new note: the draft survives leaving the page (and signing out).
    saved = _post(app, "/space/notes/new/draft", headers=HTMX, title="Pour la pharmacie", body="Demander")
    assert saved.status_code == 200
    assert saved.text.strip().startswith('<p class="hint draft-status" id="draft-status" role="status">')
    assert "<html" not in saved.text and "<main" not in saved.text and "<form" not in saved.text
    assert page(saved).text("#draft-status > .draft-status-text")
    _as(app, patient)
    new = app.get("/space/notes/new").text
    assert _field_value(new, "title") == "Pour la pharmacie" and _textarea(new) == "Demander"
    assert page(app.get("/space/notes")).links("main")["Go on writing my new note"] == "/space/notes/new"
    # Nobody reaches the draft by an address, and no list shows it as a note.
    assert app.get(f"/space/notes/{new_note_id(patient)}").status_code == 404
    assert _note_links(app.get("/space/notes").text) == []
    # Emptying the form drops the draft.
    _post(app, "/space/notes/new/draft", headers=HTMX, title="", body="")
    assert _row(app, new_note_id(patient)) is None
    # Saving a new note takes its draft away.
    _post(app, "/space/notes/new/draft", headers=HTMX, title=TITLE, body="Début")
    note = _add(app)
    assert _row(app, new_note_id(patient)) is None

    # A note's changes are kept as a draft: the saved note does not change until saved.
    before = _row(app, note)
    assert before is not None
    kept = _post(
        app,
        f"/space/notes/{note}/draft",
        headers=HTMX,
        title=TITLE,
        body=BODY + "\nEt le vaccin ?",
        version="1",
    )
    assert kept.status_code == 200 and page(kept).has("#draft-status") and "<main" not in kept.text
    after = _row(app, note)
    assert after is not None and after["updated_at"] == before["updated_at"]
    shown = app.get(f"/space/notes/{note}").text
    assert _textarea(shown) == BODY + "\nEt le vaccin ?"
    assert page(shown).has(f'form[action="/space/notes/{note}/forget"]')
    # Saving with htmx: the browser follows to the note's page, whose main part is swapped.
    assert _version(shown) == "1"
    done = _post(
        app, f"/space/notes/{note}", headers=HTMX, title=TITLE, body=BODY + "\nEt le vaccin ?", version="1"
    )
    assert done.status_code == 303 and done.headers["location"] == f"/space/notes/{note}?done=saved"
    shown = app.get(done.headers["location"], headers=HTMX).text
    assert "<main" in shown and f'action="/space/notes/{note}/forget"' not in shown
    assert page(shown).has('main form[hx-target="main"]')
    assert page(shown).has(f'main [hx-post="/space/notes/{note}/draft"]')
    # Typing back what is saved leaves no changes to save.
    _post(
        app,
        f"/space/notes/{note}/draft",
        headers=HTMX,
        title=f" {TITLE}",
        body=BODY + "\nEt le vaccin ?\r\n",
        version="2",
    )
    assert f'action="/space/notes/{note}/forget"' not in app.get(f"/space/notes/{note}").text
    # A failed save with htmx answers the page with its errors (htmx swaps its main part).
    failed = _post(app, f"/space/notes/{note}", headers=HTMX, title="", body="Encore", version="2")
    assert failed.status_code == 400 and page(failed).field_error("title") and page(failed).has("main")
    # A new note that cannot be saved: its form, in place; once saved, the whole note's page.
    refused = _post(app, "/space/notes/new", headers=HTMX, title="", body="Encore")
    assert refused.status_code == 400 and page(refused).field_error("title") and page(refused).has("main")
    added = _post(app, "/space/notes/new", headers=HTMX, title="Autre", body="Encore")
    assert added.status_code == 200
    assert re.match(r"/space/notes/[0-9a-f-]{36}\?done=added$", added.headers["hx-redirect"])
    assert [e[1] for e in _events(app, patient)].count("note.draft") >= 4


# --------------------------------------------------------------------------- sharing


def test_a_note_is_shared_with_one_professional_at_a_time(app, patient):
    anne, paul = _doctor(app), _doctor(app, "Paul", "Bernard")
    outside = _doctor(app, "Luc", "Durand")
    for doctor in (anne, paul):
        _join(app, patient, doctor)
    _as(app, patient)
    note = _add(app)
    other = _add(app, "Pour moi seule", "Rien à partager.")
    shown = page(app.get(f"/space/notes/{note}"))
    # The choices: the professionals of the circle, none checked.
    choices = {
        choice["value"]: choice.has_attr("checked") for choice in shown.all('input[name="share_with"]')
    }
    assert choices[str(anne)] is False and choices[str(paul)] is False and str(outside) not in choices
    assert not shown.has(f'form[action="/space/notes/{note}/unshare"]')

    def sees(doctor: uuid.UUID) -> bool:
        _as(app, doctor, Role.PROFESSIONAL)
        listing = app.get(f"/pro/patients/{patient}/notes")
        shown = app.get(f"/pro/patients/{patient}/notes/{note}")
        assert app.get(f"/pro/patients/{patient}/notes/{other}").status_code == 404
        if shown.status_code == 200:
            assert listing.status_code == 200
            assert _note_links(listing.text, f"/pro/patients/{patient}/notes") == [str(note)]
            assert BODY in page(shown).one("#note-text").get_text()
            assert not page(shown).has("main form")
            return True
        assert shown.status_code == 404
        assert listing.status_code == 404 or _note_links(listing.text, f"/pro/patients/{patient}/notes") == []
        _as(app, patient)
        return False

    # Shared with Anne: only she sees it.
    assert _share(app, note, anne).headers["location"] == f"/space/notes/{note}?done=shared#sharing"
    assert _row(app, note)["shared_with"] == anne
    assert sees(anne) and not sees(paul) and not sees(outside)
    _as(app, patient)
    shared = page(app.get("/space/notes")).texts(".note-row .note-shared")
    assert len(shared) == 1 and "Anne Martin" in shared[0]
    shown = page(app.get(f"/space/notes/{note}"))
    assert shown.one(f'input[name="share_with"][value="{anne}"]').has_attr("checked")
    assert shown.has(f'form[action="/space/notes/{note}/unshare"]')

    # Shared with Paul instead: Anne no longer sees it, at once.
    _share(app, note, paul)
    assert _row(app, note)["shared_with"] == paul
    assert sees(paul) and not sees(anne)

    # Stop sharing: nobody sees it.
    _as(app, patient)
    stopped = _post(app, f"/space/notes/{note}/unshare")
    assert stopped.headers["location"] == f"/space/notes/{note}?done=unshared#sharing"
    assert _row(app, note)["shared_with"] is None and _row(app, note)["shared_at"] is None
    assert not sees(paul) and not sees(anne)

    # Blocking the professional hides it at once; unblocking shows it again.
    _as(app, patient)
    _share(app, note, anne)
    _block(app, patient, anne, True)
    assert not sees(anne)
    shown = app.get(f"/space/notes/{note}").text
    assert f'value="{anne}"' not in shown and page(shown).has(f'form[action="/space/notes/{note}/unshare"]')
    _block(app, patient, anne, False)
    assert sees(anne)

    # A professional who left the circle no longer sees it either.
    async def leave() -> None:
        async with app.app.state.engine.transaction():
            await remove_from_circle(patient=patient, professional=anne)

    run(app, leave)
    assert not sees(anne)

    # The professional is told nothing: a note is the patient's own.
    outbox = read_outbox(app.app.state.settings.outbox_dir, limit=1000)
    assert not [m for m in outbox if m.to.startswith(("anne.", "paul."))]

    me = key_owner(patient)
    events = _events(app, patient)
    assert [e[1] for e in events if e[0] == me and e[1] in ("note.share", "note.unshare")] == [
        "note.share",
        "note.share",
        "note.unshare",
        "note.share",
    ]
    assert (key_owner(anne), "note.read", "allowed", f"note:{note}") in events
    assert (key_owner(anne), "note.list", "allowed", None) in events
    assert (key_owner(paul), "read", "denied", f"note:{note}") in events
    assert (key_owner(anne), "read", "denied", f"note:{note}") in events  # blocked: the access policy
    assert (key_owner(outside), "read", "denied", f"note:{note}") in events


@pytest.mark.parametrize("who", ["nobody", "stranger", "outside", "blocked", "not-an-id"])
def test_sharing_with_someone_not_in_the_circle_is_refused_and_changes_nothing(app, patient, who):
    anne, paul = _doctor(app), _doctor(app, "Paul", "Bernard")
    _join(app, patient, anne)
    _join(app, patient, paul)
    _block(app, patient, paul, True)
    outside = _doctor(app, "Luc", "Durand")
    _as(app, patient)
    note = _add(app)
    _share(app, note, anne)
    chosen = {
        "nobody": "",
        "stranger": str(make_person(app, given_names="Paul", family_name="Autre")),
        "outside": str(outside),
        "blocked": str(paul),
        "not-an-id": "dr-house",
    }[who]
    refused = _post(app, f"/space/notes/{note}/share", share_with=chosen)
    assert refused.status_code == 400
    assert page(refused).field_error("share_with")
    assert list(page(refused).error_summary()) == ["share_with"]
    assert page(refused).title.startswith("Error:")
    assert _row(app, note)["shared_with"] == anne
    # With htmx, the sharing part alone, with its own error summary.
    fragment = _post(app, f"/space/notes/{note}/share", headers=HTMX, share_with=chosen)
    assert fragment.status_code == 400
    assert fragment.text.lstrip().startswith('<section class="note-sharing" id="sharing"')
    assert page(fragment).has("#sharing .error-summary") and "<html" not in fragment.text
    assert _row(app, note)["shared_with"] == anne
    assert (key_owner(patient), "note.share", "denied", f"note:{note}") in _events(app, patient)


def test_sharing_in_place_answers_only_the_sharing_part(app, patient):
    anne = _doctor(app)
    _join(app, patient, anne)
    _as(app, patient)
    note = _add(app)
    shared = _share(app, note, anne, headers=HTMX)
    assert shared.status_code == 200
    text = shared.text.lstrip()
    assert text.startswith('<section class="note-sharing" id="sharing"') and "<html" not in text
    shown = page(text)
    assert shown.has("#sharing [data-takes-focus]") and shown.has(
        f'form[action="/space/notes/{note}/unshare"]'
    )
    assert shown.one(f'input[name="share_with"][value="{anne}"]').has_attr("checked")
    stopped = _post(app, f"/space/notes/{note}/unshare", headers=HTMX)
    assert stopped.status_code == 200 and stopped.text.lstrip().startswith('<section class="note-sharing"')
    assert not page(stopped).has(f'form[action="/space/notes/{note}/unshare"]')
    assert _row(app, note)["shared_with"] is None


# --------------------------------------------------------------------------- refusals


def test_another_patients_note_and_the_wrong_side_are_404(app, patient):
    anne = _doctor(app)
    _join(app, patient, anne)
    _as(app, patient)
    note = _add(app)
    _share(app, note, anne)
    before = _row(app, note)

    stranger = make_person(app, given_names="Paul", family_name="Autre")
    _as(app, stranger)
    assert app.get(f"/space/notes/{note}").status_code == 404
    assert app.get(f"/space/notes/{note}/remove").status_code == 404
    for path, data in [
        (f"/space/notes/{note}", {"title": "Pris", "body": "Changé"}),
        (f"/space/notes/{note}/draft", {"title": "Pris", "body": "Changé"}),
        (f"/space/notes/{note}/share", {"share_with": str(anne)}),
        (f"/space/notes/{note}/unshare", {}),
        (f"/space/notes/{note}/forget", {}),
        (f"/space/notes/{note}/remove", {}),
    ]:
        assert _post(app, path, **data).status_code == 404, path
    assert _row(app, note) == before
    assert (key_owner(stranger), "read", "denied", f"note:{note}") in _events(app, stranger)
    assert (key_owner(stranger), "write", "denied", f"note:{note}") in _events(app, stranger)
    # A patient cannot use the professionals' pages, even for their own notes.
    _as(app, patient)
    assert app.get(f"/pro/patients/{patient}/notes").status_code == 404
    assert app.get(f"/pro/patients/{patient}/notes/{note}").status_code == 404
    # A professional cannot use the patient's pages, nor reach another patient's notes.
    _as(app, anne, Role.PROFESSIONAL)
    assert app.get("/space/notes").status_code == 404
    assert app.get(f"/space/notes/{note}").status_code == 404
    assert app.get(f"/pro/patients/{stranger}/notes/{note}").status_code == 404
    assert app.get(f"/pro/patients/{patient}/notes/{uuid.uuid4()}").status_code == 404
    assert app.get(f"/pro/patients/{patient}/notes/{new_note_id(patient)}").status_code == 404
    assert (key_owner(anne), "read", "denied", f"note:{note}") in _events(app, stranger)
    assert app.get(f"/pro/patients/{patient}/notes/{note}").status_code == 200


def test_a_physiotherapist_reads_a_note_shared_with_them(app, patient):
    """Notes are an area of every profession, documents are not: a physiotherapist, who
    cannot open the patient's page of documents, reads the note and goes back to their
    patients."""
    physio = make_person(
        app, Role.PROFESSIONAL, given_names="Luc", family_name="Kiné", profession="physiotherapist"
    )
    _join(app, patient, physio)
    _as(app, patient)
    note = _add(app, "Pour la kiné", "Douleur à l'épaule gauche en levant le bras.")
    assert _share(app, note, physio).status_code == 303
    _as(app, physio, Role.PROFESSIONAL)
    listing = app.get(f"/pro/patients/{patient}/notes")
    assert listing.status_code == 200 and page(listing).one("a.back-link")["href"] == "/pro"
    assert _note_links(listing.text, f"/pro/patients/{patient}/notes") == [str(note)]
    assert app.get(f"/pro/patients/{patient}/notes/{note}").status_code == 200
