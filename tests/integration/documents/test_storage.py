"""Document bytes: sealed in chunks with the document's own key, inside the database,
in the caller's transaction; any change to a chunk is caught."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest

from portal.accounts.tables import Account
from portal.core.keys import Keyring
from portal.core.tables import DataKey
from portal.documents import storage
from portal.documents.changes import add_document, purge
from portal.documents.details import Details
from portal.documents.services import get_document
from portal.documents.tables import Document, DocumentChunk
from tests.conftest import TEST_MASTER_KEY

PDF = b"%PDF-1.7\n" + secrets.token_bytes(2 * storage.CHUNK_BYTES + 1234)
DETAILS = Details(
    title="Prise de sang", category="lab_results", document_date="2026-03-03", media_type="application/pdf"
)


@pytest.fixture
async def patient(engine: Any) -> uuid.UUID:
    account_id = uuid.uuid4()
    async with engine.transaction():
        await Account.insert(Account(id=account_id, role="patient", status="active"))
    return account_id


async def _add(engine: Any, patient: uuid.UUID, content: bytes = PDF) -> uuid.UUID:
    async with engine.transaction():
        return await add_document(
            Keyring(TEST_MASTER_KEY),
            patient=patient,
            author=patient,
            author_role="patient",
            details=DETAILS,
            content=content,
        )


async def _read(document_id: uuid.UUID) -> bytes:
    row = await Document.select(Document.chunk_count).where(Document.id == document_id).first()
    return await storage.read_all(Keyring(TEST_MASTER_KEY), document_id, row["chunk_count"])


async def test_the_bytes_come_back_as_they_went_in_and_are_not_stored_plain(engine, patient):
    document_id = await _add(engine, patient)
    assert await _read(document_id) == PDF
    chunks = (
        await DocumentChunk.select()
        .where(DocumentChunk.document == document_id)
        .order_by(DocumentChunk.position)
    )
    assert [c["position"] for c in chunks] == [0, 1, 2]
    stored = b"".join(bytes(c["data"]) for c in chunks)
    assert PDF[:4096] not in stored and b"%PDF" not in stored
    row = await Document.select().where(Document.id == document_id).first()
    assert b"Prise de sang" not in bytes(row["sealed_details"]) and row["size"] == len(PDF)
    info = await get_document(Keyring(TEST_MASTER_KEY), patient, document_id)
    assert info is not None and info.details == DETAILS and info.file_name == "Prise-de-sang-2026-03-03.pdf"


async def test_an_empty_file_is_one_chunk(engine, patient):
    document_id = await _add(engine, patient, b"")
    assert await _read(document_id) == b""


async def test_one_flipped_byte_in_a_chunk_is_caught(engine, patient):
    document_id = await _add(engine, patient)
    chunk = (
        await DocumentChunk.select()
        .where((DocumentChunk.document == document_id) & (DocumentChunk.position == 1))
        .first()
    )
    data = bytearray(chunk["data"])
    data[100] ^= 1
    await DocumentChunk.update({DocumentChunk.data: bytes(data)}).where(DocumentChunk.id == chunk["id"])
    with pytest.raises(storage.DocumentDamagedError):
        await _read(document_id)


async def test_swapped_dropped_or_borrowed_chunks_are_caught(engine, patient):
    first, second = await _add(engine, patient), await _add(engine, patient)
    rows = (
        await DocumentChunk.select().where(DocumentChunk.document == first).order_by(DocumentChunk.position)
    )
    # Two chunks swapped within a document.
    await DocumentChunk.update({DocumentChunk.data: bytes(rows[1]["data"])}).where(
        DocumentChunk.id == rows[0]["id"]
    )
    await DocumentChunk.update({DocumentChunk.data: bytes(rows[0]["data"])}).where(
        DocumentChunk.id == rows[1]["id"]
    )
    with pytest.raises(storage.DocumentDamagedError):
        await _read(first)
    # The last chunk dropped.
    last = (
        await DocumentChunk.select()
        .where(DocumentChunk.document == second)
        .order_by(DocumentChunk.position, ascending=False)
        .first()
    )
    await DocumentChunk.delete().where(DocumentChunk.id == last["id"])
    with pytest.raises(storage.DocumentDamagedError):
        await _read(second)
    # A chunk of another document, put in place of one.
    third = await _add(engine, patient)
    other = await DocumentChunk.select().where(DocumentChunk.document == third).first()
    await DocumentChunk.update({DocumentChunk.data: bytes(other["data"])}).where(
        (DocumentChunk.document == second) & (DocumentChunk.position == 0)
    )
    with pytest.raises(storage.DocumentDamagedError):
        await _read(second)


async def test_a_failed_transaction_leaves_no_document_and_no_chunk(engine, patient):
    class Cancelled(Exception):
        pass

    before = await DocumentChunk.count()
    with pytest.raises(Cancelled):
        async with engine.transaction():
            await add_document(
                Keyring(TEST_MASTER_KEY),
                patient=patient,
                author=patient,
                author_role="patient",
                details=DETAILS,
                content=PDF,
            )
            raise Cancelled()
    assert await DocumentChunk.count() == before
    assert await Document.count().where(Document.patient == patient) == 0


async def test_purging_destroys_the_documents_key(engine, patient):
    document_id = await _add(engine, patient)
    async with engine.transaction():
        await purge(document_id)
    assert await DataKey.count().where(DataKey.owner == storage.document_owner(document_id)) == 0
    assert await DocumentChunk.count().where(DocumentChunk.document == document_id) == 0
    with pytest.raises(storage.DocumentDamagedError):
        await storage.read_all(Keyring(TEST_MASTER_KEY), document_id, 3)
    assert await DataKey.count().where(DataKey.owner == storage.document_owner(document_id)) == 0
