"""Personal notes, and reading them: a title and a text, sealed with the patient's data
key, which the patient may share with one professional of their circle at a time.
Writing them (adding, saving, drafts, sharing, removing) is ``changes``.

Every function runs in the request's transaction with its keyring. The routes ask the
access policy first; these functions keep to what it cannot see: a patient reaches only
their own notes, and a professional only the notes shared with them.

What is typed and not saved yet is kept as a draft, one per writer (a carer and the
patient typing in the same note do not overwrite each other's drafts): the drafts of a
note live in the note's own sealed JSON (``drafts``, by writer), so the saved note (the
one a professional reads) does not change until it is saved; the drafts of a new note
live in a row of its own, whose id comes from the patient's (``new_note_id``), which no
list shows and no address reaches. A draft keeps the version of the note it was typed
over (``NoteView.outdated``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from piccolo.custom_types import Combinable

from portal.core import records
from portal.core.actions import AuditAction
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
# The version every note had when versions began: a draft kept before then was typed over it.
FIRST_VERSION = 1

_NEW_NOTE = uuid.UUID("6a0f5d1e-7c2b-4d8e-9f3a-1b2c3d4e5f60")


def new_note_id(patient: uuid.UUID) -> uuid.UUID:
    """The id of the row that keeps the drafts of new notes in ``patient``'s space."""
    return uuid.uuid5(_NEW_NOTE, str(patient))


def sealed_place(note: uuid.UUID, patient: uuid.UUID) -> Place:
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


def drafts_json(drafts: dict[uuid.UUID, Draft]) -> dict[str, Any]:
    return {
        str(writer): {
            "title": draft.title,
            "body": draft.body,
            "at": draft.saved_at.isoformat() if draft.saved_at else None,
            "version": draft.version,
        }
        for writer, draft in drafts.items()
    }


async def opened(keyring: Keyring, row: dict[str, Any]) -> NoteView:
    note, patient = _uuid(row["id"]), _uuid(row["patient"])
    data = await records.open_json(keyring, sealed_place(note, patient), row["sealed_text"])
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
    return [await opened(keyring, row) for row in await _select(_notes_of(patient))]


async def shared_notes(keyring: Keyring, patient: uuid.UUID, professional: uuid.UUID) -> list[NoteView]:
    """The notes ``patient`` shares with ``professional``, the last changed first."""
    rows = await _select(_notes_of(patient) & (Note.shared_with == professional))
    return [await opened(keyring, row) for row in rows]


async def get_note(
    keyring: Keyring, patient: uuid.UUID, note: uuid.UUID, *, shared_with: uuid.UUID | None = None
) -> NoteView | None:
    """One of ``patient``'s notes (only if shared with ``shared_with``, when given), or None."""
    where = _notes_of(patient) & (Note.id == note)
    if shared_with is not None:
        where = where & (Note.shared_with == shared_with)
    row = await Note.select().where(where).first()
    return await opened(keyring, row) if row else None


async def new_drafts(keyring: Keyring, patient: uuid.UUID, row: dict[str, Any]) -> dict[uuid.UUID, Draft]:
    data = await records.open_json(keyring, sealed_place(new_note_id(patient), patient), row["sealed_text"])
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
    return (await new_drafts(keyring, patient, row)).get(writer)
