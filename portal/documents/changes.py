"""Documents changed: the patient's choice to hide what is added, adding a document (and
auditing it), marking it seen, hiding it, the bin, and purging for good.

Every function runs in the request's transaction (the purges, in the task's). Only the
author of a professional's document may withdraw it: the routes see to it.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from portal.core import audit, records
from portal.core.actions import AuditAction
from portal.core.keys import Keyring, destroy_keys_of, key_owner
from portal.documents import actions, storage
from portal.documents.details import Details, DocumentInfo, _place
from portal.documents.tables import Document, DocumentChunk, DocumentSettings

BIN_DAYS = 30


async def hides_by_default(patient: uuid.UUID) -> bool:
    row = (
        await DocumentSettings.select(DocumentSettings.hide_by_default)
        .where(DocumentSettings.patient == patient)
        .first()
    )
    return bool(row and row["hide_by_default"])


async def set_hides_by_default(patient: uuid.UUID, hide: bool) -> None:
    updated = (
        await DocumentSettings.update({DocumentSettings.hide_by_default: hide})
        .where(DocumentSettings.patient == patient)
        .returning(DocumentSettings._meta.primary_key)
    )
    if not updated:
        await DocumentSettings.insert(DocumentSettings(patient=patient, hide_by_default=hide))


async def add_document(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    author_role: str,
    details: Details,
    content: bytes,
) -> uuid.UUID:
    """Store a document and its bytes in the caller's transaction, and audit it.

    ``author`` is whoever adds it (the patient, a carer acting for them: ``author_role``
    "carer", or a professional). A document added in the patient's space (by them or a
    carer) is hidden from professionals when the patient chose so by default; one the
    patient did not add themselves is new for them.
    """
    document_id = uuid.uuid4()
    by_professional = author_role == "professional"
    sealed = await keyring.seal(_place(document_id), details.dump())
    await Document.insert(
        Document(
            id=document_id,
            patient=patient,
            author=author,
            author_role=author_role,
            sealed_details=sealed,
            size=len(content),
            chunk_count=storage.chunk_count(len(content)),
            hidden=not by_professional and await hides_by_default(patient),
            is_new=author_role != "patient",
        )
    )
    await storage.store_content(keyring, document_id, content)
    await record(author, patient, actions.DEPOSIT if by_professional else actions.ADD, document_id)
    return document_id


async def record(
    actor: uuid.UUID,
    patient: uuid.UUID,
    action: AuditAction,
    document_id: uuid.UUID,
    outcome: str = "allowed",
) -> None:
    """``records.record`` about a document."""
    await records.record(actor, patient, action, f"document:{document_id}", outcome)


async def mark_seen(document: DocumentInfo) -> DocumentInfo:
    if not document.is_new:
        return document
    await Document.update({Document.is_new: False}).where(Document.id == document.id)
    return replace(document, is_new=False)


async def set_hidden(document: DocumentInfo, hidden: bool) -> None:
    await Document.update({Document.hidden: hidden}).where(Document.id == document.id)


async def move_to_bin(document: DocumentInfo, now: datetime | None = None) -> None:
    await Document.update({Document.deleted_at: now or datetime.now(UTC)}).where(Document.id == document.id)


async def restore(document: DocumentInfo) -> None:
    await Document.update({Document.deleted_at: None}).where(Document.id == document.id)


async def purge(document_id: uuid.UUID) -> None:
    """Erase a document for good: destroy its key (every copy becomes unreadable), then
    delete its rows."""
    await destroy_keys_of(storage.document_owner(document_id))
    await DocumentChunk.delete().where(DocumentChunk.document == document_id)
    await Document.delete().where(Document.id == document_id)


async def purge_old_bin(now: datetime | None = None) -> int:
    """Purge every document that has been in the bin for more than ``BIN_DAYS`` days."""
    limit = (now or datetime.now(UTC)) - timedelta(days=BIN_DAYS)
    rows = await Document.select(Document.id, Document.patient).where(Document.deleted_at < limit)
    for row in rows:
        await purge(uuid.UUID(str(row["id"])))
        await audit.record(
            actor="system",
            action=actions.PURGE,
            outcome="allowed",
            subject=key_owner(row["patient"]),
            object_id=f"document:{row['id']}",
        )
    return len(rows)


async def purge_all_of(patient: uuid.UUID) -> None:
    """Every document of a patient, for good (the space is closed)."""
    for row in await Document.select(Document.id).where(Document.patient == patient):
        await purge(uuid.UUID(str(row["id"])))
