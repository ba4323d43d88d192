"""A document's bytes, sealed in chunks with the document's own key, in the database.

Each chunk is AES-256-GCM with a fresh nonce; its associated data names the
document, the chunk's position and the number of chunks, so a chunk changed,
moved, swapped, dropped or added fails to open, and so does the document. The
work runs in a thread: a 20 MB file does not hold up the event loop. Chunks are
written in the caller's transaction, with the document's row: a failure or a
cancelled upload leaves nothing behind.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator

import anyio.to_thread
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.core.crypto import NONCE_BYTES, KeyDestroyedError, SealedValueError
from portal.core.keys import Keyring
from portal.documents.tables import DocumentChunk

CHUNK_BYTES = 1024 * 1024
FORMAT = b"portal/document-chunk/v1\x00"


class DocumentDamagedError(SealedValueError):
    """A chunk of a document does not open: altered, moved, missing, or its key destroyed."""


def document_owner(document_id: uuid.UUID) -> str:
    """The owner name of a document's data key."""
    return f"document:{document_id}"


def _associated_data(document_id: uuid.UUID, position: int, count: int) -> bytes:
    return FORMAT + f"{document_id}\x00{position}\x00{count}".encode()


def chunk_count(size: int) -> int:
    return max(1, -(-size // CHUNK_BYTES))


TAG_BYTES = 16


def _seal_all(key: bytes, document_id: uuid.UUID, content: bytes) -> list[bytearray]:
    """Each chunk as nonce, ciphertext and tag, encrypted straight into its own buffer
    (no copy of the piece, nor of the ciphertext to put the nonce in front)."""
    aead = AESGCM(key)
    count = chunk_count(len(content))
    whole = memoryview(content)
    sealed = []
    for position in range(count):
        piece = whole[position * CHUNK_BYTES : (position + 1) * CHUNK_BYTES]
        nonce = secrets.token_bytes(NONCE_BYTES)
        chunk = bytearray(NONCE_BYTES + len(piece) + TAG_BYTES)
        chunk[:NONCE_BYTES] = nonce
        aead.encrypt_into(
            nonce, piece, _associated_data(document_id, position, count), memoryview(chunk)[NONCE_BYTES:]
        )
        sealed.append(chunk)
    return sealed


async def store_content(keyring: Keyring, document_id: uuid.UUID, content: bytes) -> int:
    """Seal ``content`` in chunks for ``document_id`` and insert them; returns the chunk count."""
    _key_id, key = await keyring.key_for(document_owner(document_id))
    sealed = await anyio.to_thread.run_sync(_seal_all, key, document_id, content)
    await DocumentChunk.insert(
        *(DocumentChunk(document=document_id, position=i, data=data) for i, data in enumerate(sealed))
    )
    return len(sealed)


def _open(key: bytes, document_id: uuid.UUID, position: int, count: int, data: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(
            data[:NONCE_BYTES], data[NONCE_BYTES:], _associated_data(document_id, position, count)
        )
    except InvalidTag:
        raise DocumentDamagedError(f"chunk {position} of document {document_id} does not open") from None


async def read_content(keyring: Keyring, document_id: uuid.UUID, count: int) -> AsyncIterator[bytes]:
    """The document's bytes, chunk by chunk, each checked as it is opened.

    Raises ``DocumentDamagedError`` at the first chunk that does not open, or when a
    chunk is missing or extra: the caller stops sending at once.
    """
    try:
        _key_id, key = await keyring.key_for(document_owner(document_id), create=False)
    except KeyDestroyedError:
        raise DocumentDamagedError(f"the key of document {document_id} was destroyed") from None
    ids = (
        await DocumentChunk.select(DocumentChunk.id, DocumentChunk.position)
        .where(DocumentChunk.document == document_id)
        .order_by(DocumentChunk.position)
    )
    if [row["position"] for row in ids] != list(range(count)):
        raise DocumentDamagedError(f"document {document_id} has missing or extra chunks")
    for row in ids:
        found = await DocumentChunk.select(DocumentChunk.data).where(DocumentChunk.id == row["id"]).first()
        if found is None:
            raise DocumentDamagedError(f"a chunk of document {document_id} went missing")
        yield await anyio.to_thread.run_sync(
            _open, key, document_id, row["position"], count, bytes(found["data"])
        )


async def read_all(keyring: Keyring, document_id: uuid.UUID, count: int) -> bytes:
    return b"".join([piece async for piece in read_content(keyring, document_id, count)])
