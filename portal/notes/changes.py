"""Writing personal notes: adding one, saving its changes, keeping what is typed as a
draft (``save_draft``, ``save_new_draft``) or forgetting it, sharing a note with one
professional or no longer, and removing it; each audited. What a note holds, and reading
it, is ``services``.

``writer`` is always who acts: the patient, or a carer acting for them; a note keeps who
last wrote it (``written_by``), and every audit event names the actor.

No lost update: a note has a ``version``, raised by one at every save. A draft keeps the
version it was typed over, a save names the version its form was read at, and a save over
a newer version changes nothing (``change_note`` answers False): the page then shows both.
Whatever rewrites a note's sealed JSON first takes the row (``_taken``), so two requests
at once (two drafts, a draft and a save) never build on the same old copy.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from portal.core import records
from portal.core.keys import Keyring
from portal.notes import actions
from portal.notes.services import (
    DRAFT_BODY_MAX,
    DRAFT_TITLE_MAX,
    Draft,
    NoteView,
    drafts_json,
    new_drafts,
    new_note_id,
    opened,
    record,
    sealed_place,
)
from portal.notes.tables import Note


async def _seal(keyring: Keyring, note: uuid.UUID, patient: uuid.UUID, value: dict[str, Any]) -> bytes:
    return await records.seal_json(keyring, sealed_place(note, patient), value)


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
        value["drafts"] = drafts_json(drafts)
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
    drafts = await new_drafts(keyring, patient, row) if row else {}
    if draft is None:
        drafts.pop(writer, None)
    else:
        drafts[writer] = Draft(draft.title, draft.body, now, None)
    if not drafts:
        if row is not None:
            await Note.delete().where((Note.id == draft_id) & (Note.patient == patient))
        return
    sealed = await _seal(keyring, draft_id, patient, {"drafts": drafts_json(drafts)})
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
    current = await opened(keyring, row)
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
    current = await opened(keyring, row)
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
    current = await opened(keyring, row)
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
