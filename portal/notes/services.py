"""Personal notes: a title and a text, sealed with the patient's data key, which the patient
may share with one professional of their circle at a time.

Every function runs in the request's transaction with its keyring. The routes ask the
access policy first; these functions keep to what it cannot see: a patient reaches only
their own notes, and a professional only the notes shared with them.

What is typed and not saved yet is kept as a draft, as with messages: the draft of a
note lives in the note's own sealed JSON (``draft``), so the saved note (the one a
professional reads) does not change until the patient saves it; the draft of a new note
is a row of its own, whose id comes from the patient's (``new_note_id``), which no list
shows and no address reaches.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.custom_types import Combinable

from portal.core import records
from portal.core.crypto import Place
from portal.core.keys import Keyring
from portal.notes.tables import Note

AREA = "notes"
TITLE_MAX = 120
BODY_MAX = 5000
PREVIEW_LENGTH = 160
# A draft keeps what was typed, even too long, so that it can be shortened; only up to this.
DRAFT_TITLE_MAX = 4 * TITLE_MAX
DRAFT_BODY_MAX = 4 * BODY_MAX

_NEW_NOTE = uuid.UUID("6a0f5d1e-7c2b-4d8e-9f3a-1b2c3d4e5f60")


def new_note_id(patient: uuid.UUID) -> uuid.UUID:
    """The id of the row that keeps the draft of ``patient``'s new note."""
    return uuid.uuid5(_NEW_NOTE, str(patient))


def _where(note: uuid.UUID, patient: uuid.UUID) -> Place:
    return records.place("note", "sealed_text", note, patient)


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def object_id(note: uuid.UUID | None) -> str | None:
    return f"note:{note}" if note else None


async def record(
    actor: uuid.UUID, patient: uuid.UUID, action: str, note: uuid.UUID | None, outcome: str = "allowed"
) -> None:
    await records.record(actor, patient, AREA, action, object_id(note), outcome)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Draft:
    """What was typed and not saved yet."""

    title: str = ""
    body: str = ""
    saved_at: datetime | None = None


@dataclass(frozen=True)
class NoteView:
    id: uuid.UUID
    patient: uuid.UUID
    title: str
    body: str
    created_at: datetime
    updated_at: datetime
    shared_with: uuid.UUID | None
    shared_at: datetime | None
    draft: Draft | None  # changes not saved yet

    @property
    def preview(self) -> str:
        """The start of the text, on one line, cut between two words."""
        text = " ".join(self.body.split())
        if len(text) <= PREVIEW_LENGTH:
            return text
        cut = text[:PREVIEW_LENGTH].rsplit(" ", 1)[0] or text[:PREVIEW_LENGTH]
        return cut.rstrip(" ,;:.") + "…"


def _draft_of(data: dict[str, Any]) -> Draft | None:
    draft = data.get("draft")
    if not isinstance(draft, dict):
        return None
    at = draft.get("at")
    return Draft(
        title=str(draft.get("title", "")),
        body=str(draft.get("body", "")),
        saved_at=datetime.fromisoformat(at) if isinstance(at, str) else None,
    )


async def _open(keyring: Keyring, row: dict[str, Any]) -> NoteView:
    note, patient = _uuid(row["id"]), _uuid(row["patient"])
    data = await records.open_json(keyring, _where(note, patient), row["sealed_text"])
    return NoteView(
        id=note,
        patient=patient,
        title=str(data.get("title", "")),
        body=str(data.get("body", "")),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        shared_with=_uuid(row["shared_with"]) if row["shared_with"] else None,
        shared_at=row["shared_at"],
        draft=_draft_of(data),
    )


def _notes_of(patient: uuid.UUID) -> Combinable:
    return (Note.patient == patient) & (Note.id != new_note_id(patient))


async def _select(where: Combinable) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Note.select()
        .where(where)
        .order_by(Note.updated_at, ascending=False)
        .order_by(Note.created_at, ascending=False)
    )
    return rows


async def notes_of(keyring: Keyring, patient: uuid.UUID) -> list[NoteView]:
    """``patient``'s notes, the last changed first."""
    return [await _open(keyring, row) for row in await _select(_notes_of(patient))]


async def shared_notes(keyring: Keyring, patient: uuid.UUID, professional: uuid.UUID) -> list[NoteView]:
    """The notes ``patient`` shares with ``professional``, the last changed first."""
    rows = await _select(_notes_of(patient) & (Note.shared_with == professional))
    return [await _open(keyring, row) for row in rows]


async def get_note(
    keyring: Keyring, patient: uuid.UUID, note: uuid.UUID, *, shared_with: uuid.UUID | None = None
) -> NoteView | None:
    """One of ``patient``'s notes (only if shared with ``shared_with``, when given), or None."""
    where = _notes_of(patient) & (Note.id == note)
    if shared_with is not None:
        where = where & (Note.shared_with == shared_with)
    row = await Note.select().where(where).first()
    return await _open(keyring, row) if row else None


async def new_draft(keyring: Keyring, patient: uuid.UUID) -> Draft | None:
    """The draft of ``patient``'s new note, when they began one."""
    draft_id = new_note_id(patient)
    row = await Note.select().where((Note.id == draft_id) & (Note.patient == patient)).first()
    if row is None:
        return None
    data = await records.open_json(keyring, _where(draft_id, patient), row["sealed_text"])
    return Draft(title=str(data.get("title", "")), body=str(data.get("body", "")), saved_at=row["updated_at"])


# --------------------------------------------------------------------------- writing


async def _seal(keyring: Keyring, note: uuid.UUID, patient: uuid.UUID, value: dict[str, Any]) -> bytes:
    return await records.seal_json(keyring, _where(note, patient), value)


async def add_note(
    keyring: Keyring, patient: uuid.UUID, title: str, body: str, now: datetime | None = None
) -> uuid.UUID:
    """A new note; the draft of the new note, if any, is gone."""
    now = now or datetime.now(UTC)
    note = uuid.uuid4()
    sealed = await _seal(keyring, note, patient, {"title": title, "body": body})
    await Note.insert(Note(id=note, patient=patient, sealed_text=sealed, created_at=now, updated_at=now))
    await Note.delete().where(Note.id == new_note_id(patient))
    await record(patient, patient, "note.add", note)
    return note


async def change_note(
    keyring: Keyring, note: NoteView, title: str, body: str, now: datetime | None = None
) -> None:
    """Save a note's new title and text (its draft is gone)."""
    now = now or datetime.now(UTC)
    sealed = await _seal(keyring, note.id, note.patient, {"title": title, "body": body})
    await Note.update({Note.sealed_text: sealed, Note.updated_at: now}).where(Note.id == note.id)
    await record(note.patient, note.patient, "note.change", note.id)


def _trimmed(draft: Draft) -> Draft:
    return Draft(title=draft.title[:DRAFT_TITLE_MAX], body=draft.body[:DRAFT_BODY_MAX])


async def save_draft(keyring: Keyring, patient: uuid.UUID, note: NoteView | None, draft: Draft) -> datetime:
    """Keep what the patient is typing in ``note`` (None: a new note); returns when.

    A draft that says what the note already says (or, for a new note, nothing) is
    dropped; the saved note itself does not change."""
    now = datetime.now(UTC)
    draft = _trimmed(draft)
    if note is None:
        draft_id = new_note_id(patient)
        if not (draft.title.strip() or draft.body.strip()):
            await Note.delete().where((Note.id == draft_id) & (Note.patient == patient))
            await record(patient, patient, "note.draft", None)
            return now
        sealed = await _seal(keyring, draft_id, patient, {"title": draft.title, "body": draft.body})
        updated = (
            await Note.update({Note.sealed_text: sealed, Note.updated_at: now})
            .where((Note.id == draft_id) & (Note.patient == patient))
            .returning(Note.id)
        )
        if not updated:
            await Note.insert(
                Note(id=draft_id, patient=patient, sealed_text=sealed, created_at=now, updated_at=now)
            )
        await record(patient, patient, "note.draft", None)
        return now
    value: dict[str, Any] = {"title": note.title, "body": note.body}
    if (" ".join(draft.title.split()), draft.body.strip()) != (note.title, note.body):
        value["draft"] = {"title": draft.title, "body": draft.body, "at": now.isoformat()}
    await Note.update({Note.sealed_text: await _seal(keyring, note.id, patient, value)}).where(
        Note.id == note.id
    )
    await record(patient, patient, "note.draft", note.id)
    return now


async def forget_draft(keyring: Keyring, note: NoteView) -> None:
    """Drop the changes not saved: the note stays as it was saved."""
    sealed = await _seal(keyring, note.id, note.patient, {"title": note.title, "body": note.body})
    await Note.update({Note.sealed_text: sealed}).where(Note.id == note.id)
    await record(note.patient, note.patient, "note.forget", note.id)


async def share(note: NoteView, professional: uuid.UUID, now: datetime | None = None) -> None:
    """Share ``note`` with ``professional``, instead of anyone it was shared with before
    (shared again with the same one, it keeps the time it was first shared)."""
    if note.shared_with == professional:
        return
    await Note.update({Note.shared_with: professional, Note.shared_at: now or datetime.now(UTC)}).where(
        Note.id == note.id
    )
    await record(note.patient, note.patient, "note.share", note.id)


async def unshare(note: NoteView) -> None:
    await Note.update({Note.shared_with: None, Note.shared_at: None}).where(Note.id == note.id)
    await record(note.patient, note.patient, "note.unshare", note.id)


async def remove(note: NoteView) -> None:
    """Erase a note for good."""
    await Note.delete().where((Note.id == note.id) & (Note.patient == note.patient))
    await record(note.patient, note.patient, "note.remove", note.id)
