"""Entries of the medical profile: read, add, change and remove, sealed and audited.

Every function runs in the request's transaction with its keyring. The routes go through
the door first (``Access.require`` for the profile area, then ``profile_sections`` for the
sections); these functions keep every query to one patient's record. The author of what
is written is whoever acts (a carer's entry is hers: ``entered_role`` "carer"), and a
change is written only over the version its form was read at (``update_entry``).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.core.access import Actor, Role
from portal.core.crypto import Place
from portal.core.keys import Keyring
from portal.core.records import open_json, place, record, seal_json, write_at_version
from portal.profile import actions
from portal.profile.tables import ProfileEntry

AREA = "profile"


@dataclass(frozen=True)
class Entry:
    """One entry of a section, opened: ``data`` holds its fields (by field name)."""

    id: uuid.UUID
    section: str
    data: dict[str, Any]
    entered_by: uuid.UUID | None
    entered_role: str
    entered_at: datetime
    updated_by: uuid.UUID | None
    updated_at: datetime | None
    version: int = 1  # raised by one at every change (a form carries the one it was read at)


def author_role(actor: Actor) -> str:
    """What a row says of the role of who wrote it: "patient", "professional", or "carer"
    for a carer or a legal representative (who write for the patient, never as them)."""
    if actor.role is Role.PATIENT:
        return "patient"
    if actor.role is Role.PROFESSIONAL:
        return "professional"
    return "carer"


def _place(entry_id: object, patient: uuid.UUID) -> Place:
    return place("profile_entry", "sealed_data", entry_id, patient)


def _uuid(value: object) -> uuid.UUID | None:
    if value is None:
        return None
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def _opened(keyring: Keyring, patient: uuid.UUID, row: dict[str, Any]) -> Entry:
    sealed = await open_json(keyring, _place(row["id"], patient), row["sealed_data"])
    entered_at = _utc(row["entered_at"])
    assert entered_at is not None
    return Entry(
        id=_uuid(row["id"]) or uuid.uuid4(),
        section=str(sealed.get("section", "")),
        data=dict(sealed.get("data") or {}),
        entered_by=_uuid(row["entered_by"]),
        entered_role=row["entered_role"],
        entered_at=entered_at,
        updated_by=_uuid(row["updated_by"]),
        updated_at=_utc(row["updated_at"]),
        version=int(row["version"] or 1),
    )


_COLUMNS = (
    ProfileEntry.id,
    ProfileEntry.sealed_data,
    ProfileEntry.entered_by,
    ProfileEntry.entered_role,
    ProfileEntry.entered_at,
    ProfileEntry.updated_by,
    ProfileEntry.updated_at,
    ProfileEntry.version,
)


async def entries(
    keyring: Keyring, patient: uuid.UUID, sections: Collection[str] | None = None
) -> list[Entry]:
    """The patient's entries (of ``sections`` only, when given), oldest entered first.

    The section is sealed with the rest, so every entry is opened: a profile holds
    tens to a few hundred entries, opened in well under a millisecond each.
    """
    rows = (
        await ProfileEntry.select(*_COLUMNS)
        .where(ProfileEntry.patient == patient)
        .order_by(ProfileEntry.entered_at)
    )
    found = [await _opened(keyring, patient, row) for row in rows]
    return [entry for entry in found if sections is None or entry.section in sections]


async def get_entry(keyring: Keyring, patient: uuid.UUID, entry_id: uuid.UUID) -> Entry | None:
    """One entry of the patient's record, or None (another patient's entry is None too)."""
    row = (
        await ProfileEntry.select(*_COLUMNS)
        .where((ProfileEntry.id == entry_id) & (ProfileEntry.patient == patient))
        .first()
    )
    return None if row is None else await _opened(keyring, patient, row)


async def add_entry(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    section: str,
    data: dict[str, Any],
    author: uuid.UUID,
    author_role: str,
) -> uuid.UUID:
    """Add an entry to ``section``, sealed, and audit it (``profile.add``)."""
    entry_id = uuid.uuid4()
    sealed = await seal_json(keyring, _place(entry_id, patient), {"section": section, "data": data})
    await ProfileEntry.insert(
        ProfileEntry(
            id=entry_id,
            patient=patient,
            sealed_data=sealed,
            entered_by=author,
            entered_role=author_role,
            entered_at=datetime.now(UTC),
        )
    )
    await record(author, patient, actions.ADD, f"profile:{entry_id}")
    return entry_id


async def update_entry(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    entry: Entry,
    data: dict[str, Any],
    author: uuid.UUID,
    version: int,
) -> bool:
    """Replace what ``entry`` says (its section stays) if it is still at ``version``, the
    one the form was read at, and audit it (``profile.change``). False, and nothing
    written, when someone changed or removed it meanwhile: the caller shows both."""
    sealed = await seal_json(keyring, _place(entry.id, patient), {"section": entry.section, "data": data})
    values = {
        ProfileEntry.sealed_data: sealed,
        ProfileEntry.updated_by: author,
        ProfileEntry.updated_at: datetime.now(UTC),
    }
    if not await write_at_version(ProfileEntry, entry.id, patient, version, values):
        return False
    await record(author, patient, actions.CHANGE, f"profile:{entry.id}")
    return True


async def remove_entry(
    *, patient: uuid.UUID, entry_id: uuid.UUID, author: uuid.UUID, version: int | None = None
) -> bool:
    """Remove an entry of the patient's record (only while it is at ``version``, the one
    the person saw when they chose to remove it, when given); False when there is no
    such entry, or it was changed meanwhile, and nothing is removed."""
    where = (ProfileEntry.id == entry_id) & (ProfileEntry.patient == patient)
    if version is not None:
        where = where & (ProfileEntry.version == version)
    removed = await ProfileEntry.delete().where(where).returning(ProfileEntry.id)
    if removed:
        await record(author, patient, actions.REMOVE, f"profile:{entry_id}")
    return bool(removed)
