"""Documents of a patient, found: one document, some by id, the last added, those of some
categories, their titles.

Every function takes the keyring of the request and runs in its transaction. The
routes ask the access policy first; these functions then keep to the rules it
cannot see: a professional never gets a hidden document nor one in the bin.

What a document is lives in ``portal.documents.details``, the library's views in
``portal.documents.library``, adding, hiding, the bin and purging in
``portal.documents.changes``. The names other packages import from this module stay
importable here (imported ``as`` themselves below).
"""

from __future__ import annotations

import uuid

from portal.core.keys import Keyring
from portal.documents.changes import BIN_DAYS as BIN_DAYS
from portal.documents.changes import add_document as add_document
from portal.documents.changes import purge as purge
from portal.documents.changes import purge_all_of as purge_all_of
from portal.documents.changes import purge_old_bin as purge_old_bin
from portal.documents.changes import record as record
from portal.documents.details import _NOT_HIDDEN, _NOT_IN_BIN, DocumentInfo, _documents
from portal.documents.details import CATEGORIES as CATEGORIES
from portal.documents.details import Details as Details
from portal.documents.details import category_names as category_names
from portal.documents.library import Filters as Filters
from portal.documents.library import library as library


async def get_document(
    keyring: Keyring, patient: uuid.UUID, document_id: uuid.UUID, *, for_professional: bool = False
) -> DocumentInfo | None:
    """One of ``patient``'s documents; None when it is not theirs, or not for a professional
    (hidden, or in the bin)."""
    if for_professional:
        found = await _documents(
            keyring, patient, " AND d.id = {}" + _NOT_IN_BIN + _NOT_HIDDEN, document_id, False
        )
    else:
        found = await _documents(keyring, patient, " AND d.id = {}", document_id)
    return found[0] if found else None


async def documents_by_id(
    keyring: Keyring, patient: uuid.UUID, document_ids: list[uuid.UUID]
) -> dict[uuid.UUID, DocumentInfo]:
    """Some of ``patient``'s documents, in one query (gone ones are left out)."""
    if not document_ids:
        return {}
    places = ", ".join("{}" for _ in document_ids)
    found = await _documents(keyring, patient, f" AND d.id IN ({places})", *document_ids)
    return {info.id: info for info in found}


async def recent_documents(keyring: Keyring, patient: uuid.UUID, limit: int = 30) -> list[DocumentInfo]:
    """The ``limit`` documents last added to ``patient``'s library (not the bin), newest
    first: only those are opened."""
    return await _documents(keyring, patient, _NOT_IN_BIN + " ORDER BY d.added_at DESC LIMIT {}", limit)


async def all_in_categories(keyring: Keyring, patient: uuid.UUID, categories: set[str]) -> list[DocumentInfo]:
    """``patient``'s documents (not the bin) of these categories, last added first. The
    category is sealed, so every document is opened to know it."""
    found = await _documents(keyring, patient, _NOT_IN_BIN)
    return sorted(
        (d for d in found if d.details.category in categories), key=lambda d: d.added_at, reverse=True
    )


async def titles_of(
    keyring: Keyring, patient: uuid.UUID, document_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """The titles of some of ``patient``'s documents, in one query (gone ones are left out)."""
    found = await documents_by_id(keyring, patient, document_ids)
    return {document_id: info.details.title for document_id, info in found.items()}
