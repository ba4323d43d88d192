"""Personal notes: a title and a text, sealed with the patient's data key, which the patient
may share with one professional of their circle at a time.

Every function runs in the request's transaction with its keyring. The routes ask the
access policy first; these functions keep to what it cannot see: a patient reaches only
their own notes, and a professional only the notes shared with them. ``writer`` is always
who acts: the patient, or a carer acting for them; a note keeps who last wrote it
(``written_by``), and every audit event names the actor.

What is typed and not saved yet is kept as a draft, one per writer (a carer and the
patient typing in the same note do not overwrite each other's drafts): the drafts of a
note live in the note's own sealed JSON (``drafts``, by writer), so the saved note (the
one a professional reads) does not change until it is saved; the drafts of a new note
live in a row of its own, whose id comes from the patient's (``new_note_id``), which no
list shows and no address reaches.

No lost update: a note has a ``version``, raised by one at every save. A draft keeps the
version it was typed over, a save names the version its form was read at, and a save over
a newer version changes nothing (``change_note`` answers False): the page then shows both.
Whatever rewrites a note's sealed JSON first takes the row (``_taken``), so two requests
at once (two drafts, a draft and a save) never build on the same old copy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from piccolo.custom_types import Combinable

from portal.core import records
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.keys import Keyring
from portal.notes import actions
from portal.notes.tables import Note

AREA = "notes"
TITLE_MAX = 120
BODY_MAX = 5000
PREVIEW_LENGTH = 160
# A draft keeps what was typed, even too long, so that it can be shortened; only up to this.
DRAFT_TITLE_MAX = 4 * TITLE_MAX
DRAFT_BODY_MAX = 4 * BODY_MAX
# The version every note had when versions began: a draft kept before then was typed over it.
FIRST_VERSION = 1

_NEW_NOTE = uuid.UUID("6a0f5d1e-7c2b-4d8e-9f3a-1b2c3d4e5f60")


def new_note_id(patient: uuid.UUID) -> uuid.UUID:
    """The id of the row that keeps the drafts of new notes in ``patient``'s space."""
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
    actor: uuid.UUID,
    patient: uuid.UUID,
    action: AuditAction,
    note: uuid.UUID | None,
    outcome: str = "allowed",
) -> None:
    """One event of the notes area: ``actor`` did ``action`` in ``patient``'s notes."""
    await records.record(actor, patient, action, object_id(note), outcome)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Draft:
    """What was typed and not saved yet, and the version of the note it was typed over
    (None for a new note)."""

    title: str = ""
    body: str = ""
    saved_at: datetime | None = None
    version: int | None = None


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
    drafts: dict[uuid.UUID, Draft] = field(default_factory=dict)  # by writer
    version: int = FIRST_VERSION
    written_by: uuid.UUID | None = None

    @property
    def author(self) -> uuid.UUID:
        """Who last wrote it (a note from before authors were kept: the patient's)."""
        return self.written_by or self.patient

    def draft_of(self, writer: uuid.UUID) -> Draft | None:
        """``writer``'s changes not saved yet."""
        return self.drafts.get(writer)

    def outdated(self, draft: Draft) -> bool:
        """Whether ``draft`` was typed over an older version: someone saved since."""
        return draft.version is not None and draft.version != self.version

    @property
    def preview(self) -> str:
        """The start of the text, on one line, cut between two words."""
        text = " ".join(self.body.split())
        if len(text) <= PREVIEW_LENGTH:
            return text
        cut = text[:PREVIEW_LENGTH].rsplit(" ", 1)[0] or text[:PREVIEW_LENGTH]
        return cut.rstrip(" ,;:.") + "…"


def _draft(value: dict[str, Any], default_version: int | None) -> Draft:
    at = value.get("at")
    version = value.get("version", default_version)
    return Draft(
        title=str(value.get("title", "")),
        body=str(value.get("body", "")),
        saved_at=datetime.fromisoformat(at) if isinstance(at, str) else None,
        version=int(version) if isinstance(version, int) else default_version,
    )


def _drafts_of(data: dict[str, Any], patient: uuid.UUID, *, new: bool) -> dict[uuid.UUID, Draft]:
    """The drafts kept in a note's JSON, by writer. One kept before drafts had writers
    (``draft``, or a new note's own title and text) is the patient's."""
    default_version = None if new else FIRST_VERSION
    found: dict[uuid.UUID, Draft] = {}
    legacy = data.get("draft")
    if isinstance(legacy, dict):
        found[patient] = _draft(legacy, default_version)
    elif new and (str(data.get("title", "")).strip() or str(data.get("body", "")).strip()):
        found[patient] = _draft(data, None)
    drafts = data.get("drafts")
    if isinstance(drafts, dict):
        for writer, value in drafts.items():
            if isinstance(value, dict):
                try:
                    found[_uuid(writer)] = _draft(value, default_version)
                except ValueError:
                    continue
    return found


def _drafts_json(drafts: dict[uuid.UUID, Draft]) -> dict[str, Any]:
    return {
        str(writer): {
            "title": draft.title,
            "body": draft.body,
            "at": draft.saved_at.isoformat() if draft.saved_at else None,
            "version": draft.version,
        }
        for writer, draft in drafts.items()
    }


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
        drafts=_drafts_of(data, patient, new=False),
        version=int(row["version"] or FIRST_VERSION),
        written_by=_uuid(row["written_by"]) if row["written_by"] else None,
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


async def _new_drafts(keyring: Keyring, patient: uuid.UUID, row: dict[str, Any]) -> dict[uuid.UUID, Draft]:
    data = await records.open_json(keyring, _where(new_note_id(patient), patient), row["sealed_text"])
    drafts = _drafts_of(data, patient, new=True)
    # A draft kept before drafts had times: the row's.
    return {
        writer: draft if draft.saved_at else Draft(draft.title, draft.body, _utc(row["updated_at"]), None)
        for writer, draft in drafts.items()
    }


async def new_draft(keyring: Keyring, patient: uuid.UUID, writer: uuid.UUID) -> Draft | None:
    """The new note ``writer`` began in ``patient``'s space and did not save yet."""
    draft_id = new_note_id(patient)
    row = await Note.select().where((Note.id == draft_id) & (Note.patient == patient)).first()
    if row is None:
        return None
    return (await _new_drafts(keyring, patient, row)).get(writer)


# --------------------------------------------------------------------------- writing


async def _seal(keyring: Keyring, note: uuid.UUID, patient: uuid.UUID, value: dict[str, Any]) -> bytes:
    return await records.seal_json(keyring, _where(note, patient), value)


async def _taken(note: uuid.UUID, patient: uuid.UUID) -> dict[str, Any] | None:
    """The note's row as it is now, taken for the rest of the transaction (an update that
    changes nothing holds the row), so what is written next builds on the latest copy."""
    where = (Note.id == note) & (Note.patient == patient)
    await Note.update({Note.version: Note.version}).where(where)
    row: dict[str, Any] | None = await Note.select().where(where).first()
    return row


def _saved_json(note: NoteView, drafts: dict[uuid.UUID, Draft]) -> dict[str, Any]:
    value: dict[str, Any] = {"title": note.title, "body": note.body}
    if drafts:
        value["drafts"] = _drafts_json(drafts)
    return value


def _trimmed(draft: Draft) -> Draft:
    return Draft(title=draft.title[:DRAFT_TITLE_MAX], body=draft.body[:DRAFT_BODY_MAX])


def _says(note: NoteView, draft: Draft) -> bool:
    """Whether ``draft`` says what the note says, as a save would write it."""
    return (" ".join(draft.title.split()), draft.body.replace("\r\n", "\n").strip()) == (
        note.title,
        note.body,
    )


async def add_note(
    keyring: Keyring,
    patient: uuid.UUID,
    writer: uuid.UUID,
    title: str,
    body: str,
    now: datetime | None = None,
) -> uuid.UUID:
    """A new note, written by ``writer``; ``writer``'s draft of a new note, if any, is gone."""
    now = now or datetime.now(UTC)
    note = uuid.uuid4()
    sealed = await _seal(keyring, note, patient, {"title": title, "body": body})
    await Note.insert(
        Note(
            id=note,
            patient=patient,
            sealed_text=sealed,
            created_at=now,
            updated_at=now,
            written_by=writer,
        )
    )
    await _keep_new_draft(keyring, patient, writer, None, now)
    await record(writer, patient, actions.ADD, note)
    return note


async def _keep_new_draft(
    keyring: Keyring, patient: uuid.UUID, writer: uuid.UUID, draft: Draft | None, now: datetime
) -> None:
    """Keep (or, with None, drop) ``writer``'s draft of a new note; the others' stay."""
    draft_id = new_note_id(patient)
    row = await _taken(draft_id, patient)
    drafts = await _new_drafts(keyring, patient, row) if row else {}
    if draft is None:
        drafts.pop(writer, None)
    else:
        drafts[writer] = Draft(draft.title, draft.body, now, None)
    if not drafts:
        if row is not None:
            await Note.delete().where((Note.id == draft_id) & (Note.patient == patient))
        return
    sealed = await _seal(keyring, draft_id, patient, {"drafts": _drafts_json(drafts)})
    if row is None:
        await Note.insert(
            Note(id=draft_id, patient=patient, sealed_text=sealed, created_at=now, updated_at=now)
        )
    else:
        await Note.update({Note.sealed_text: sealed, Note.updated_at: now}).where(
            (Note.id == draft_id) & (Note.patient == patient)
        )


async def save_new_draft(keyring: Keyring, patient: uuid.UUID, writer: uuid.UUID, draft: Draft) -> datetime:
    """Keep what ``writer`` is typing in a new note of ``patient``'s space; returns when.
    A draft that says nothing is dropped."""
    now = datetime.now(UTC)
    draft = _trimmed(draft)
    empty = not (draft.title.strip() or draft.body.strip())
    await _keep_new_draft(keyring, patient, writer, None if empty else draft, now)
    await record(writer, patient, actions.DRAFT, None)
    return now


async def save_draft(
    keyring: Keyring, note: NoteView, writer: uuid.UUID, draft: Draft, version: int
) -> tuple[datetime, bool]:
    """Keep what ``writer`` is typing in ``note``, over the note's ``version`` (the one
    their form was read at); returns when, and whether someone saved the note since
    (then the draft is kept all the same, and the page says so: nothing typed is lost).

    A draft that says what the note already says is dropped; the saved note itself, and
    everyone else's drafts, do not change."""
    now = datetime.now(UTC)
    draft = _trimmed(draft)
    row = await _taken(note.id, note.patient)
    if row is None:
        return now, True
    current = await _open(keyring, row)
    drafts = dict(current.drafts)
    if _says(current, draft):
        drafts.pop(writer, None)
    else:
        drafts[writer] = Draft(draft.title, draft.body, now, version)
    sealed = await _seal(keyring, note.id, note.patient, _saved_json(current, drafts))
    await Note.update({Note.sealed_text: sealed}).where((Note.id == note.id) & (Note.patient == note.patient))
    await record(writer, note.patient, actions.DRAFT, note.id)
    return now, version != current.version and not _says(current, draft)


async def change_note(
    keyring: Keyring,
    note: NoteView,
    writer: uuid.UUID,
    version: int,
    title: str,
    body: str,
    now: datetime | None = None,
) -> bool:
    """Save ``writer``'s new title and text of a note read at ``version`` (their draft is
    gone; the others' stay, and will show they were typed over an older version). False,
    and nothing saved, when someone saved the note since."""
    now = now or datetime.now(UTC)
    row = await _taken(note.id, note.patient)
    if row is None:
        return False
    current = await _open(keyring, row)
    if current.version != version:
        return False
    drafts = {w: d for w, d in current.drafts.items() if w != writer}
    saved = replace(current, title=title, body=body)
    sealed = await _seal(keyring, note.id, note.patient, _saved_json(saved, drafts))
    values = {Note.sealed_text: sealed, Note.updated_at: now, Note.written_by: writer}
    if not await records.write_at_version(Note, note.id, note.patient, version, values):
        return False
    await record(writer, note.patient, actions.CHANGE, note.id)
    return True


async def forget_draft(keyring: Keyring, note: NoteView, writer: uuid.UUID) -> None:
    """Drop ``writer``'s changes not saved: the note stays as it was saved."""
    row = await _taken(note.id, note.patient)
    if row is None:
        return
    current = await _open(keyring, row)
    drafts = {w: d for w, d in current.drafts.items() if w != writer}
    sealed = await _seal(keyring, note.id, note.patient, _saved_json(current, drafts))
    await Note.update({Note.sealed_text: sealed}).where((Note.id == note.id) & (Note.patient == note.patient))
    await record(writer, note.patient, actions.FORGET, note.id)


async def share(
    note: NoteView, professional: uuid.UUID, actor: uuid.UUID, now: datetime | None = None
) -> None:
    """Share ``note`` with ``professional``, instead of anyone it was shared with before
    (shared again with the same one, it keeps the time it was first shared)."""
    if note.shared_with == professional:
        return
    await Note.update({Note.shared_with: professional, Note.shared_at: now or datetime.now(UTC)}).where(
        (Note.id == note.id) & (Note.patient == note.patient)
    )
    await record(actor, note.patient, actions.SHARE, note.id)


async def unshare(note: NoteView, actor: uuid.UUID) -> None:
    await Note.update({Note.shared_with: None, Note.shared_at: None}).where(
        (Note.id == note.id) & (Note.patient == note.patient)
    )
    await record(actor, note.patient, actions.UNSHARE, note.id)


async def remove(note: NoteView, actor: uuid.UUID, version: int) -> bool:
    """Erase a note for good, if it is still at ``version`` (the one the person saw when
    asked); False, and nothing erased, when someone saved it since."""
    if not await records.remove_at_version(Note, note.id, note.patient, version):
        return False
    await record(actor, note.patient, actions.REMOVE, note.id)
    return True
