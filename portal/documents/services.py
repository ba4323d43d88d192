"""Documents of a patient: adding, listing, finding, hiding, the bin, and purging.

Every function takes the keyring of the request and runs in its transaction. The
routes ask the access policy first; these functions then keep to the rules it
cannot see: a professional never gets a hidden document nor one in the bin, and
only the author of a professional's document may withdraw it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from portal.core import audit
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, destroy_keys_of, key_owner
from portal.documents import actions, storage
from portal.documents.tables import Document, DocumentChunk, DocumentSettings

BIN_DAYS = 30
PAGE_SIZE = 20
# How a library may be ordered: when added (newest, oldest), by the document's date, by title.
ORDERS = ("newest", "oldest", "date", "title")

CATEGORIES = (
    "prescriptions",
    "lab_results",
    "imaging",
    "reports",
    "screening",
    "certificates",
    "vaccination",
    "medical_summary",
    "advance_directives",
    "administrative",
    "questionnaires",
    "other",
)


def category_names() -> dict[str, str]:
    """The national service's categories, in the current language, in their order."""
    return {
        "prescriptions": _("Prescriptions"),
        "lab_results": _("Lab results"),
        "imaging": _("Imaging"),
        "reports": _("Reports (hospital, consultation)"),
        "screening": _("Screening and prevention"),
        "certificates": _("Certificates"),
        "vaccination": _("Vaccination record"),
        "medical_summary": _("Medical summary"),
        "advance_directives": _("Advance directives"),
        "administrative": _("Administrative papers"),
        "questionnaires": _("Questionnaires"),
        "other": _("Other"),
    }


# What a file is, from its first bytes, never from its name: (media type, extension, signature).
KINDS = (
    ("application/pdf", "pdf", b"%PDF-"),
    ("image/jpeg", "jpg", b"\xff\xd8\xff"),
    ("image/png", "png", b"\x89PNG\r\n\x1a\n"),
)


def sniff(content: bytes) -> str | None:
    """The media type of ``content`` when it is a PDF, JPEG or PNG, else None."""
    for media_type, _extension, signature in KINDS:
        if content.startswith(signature):
            return media_type
    return None


def extension_of(media_type: str) -> str:
    return next(extension for kind, extension, _ in KINDS if kind == media_type)


def kind_name(media_type: str) -> str:
    """The type of a file in words."""
    return {
        "application/pdf": _("PDF document"),
        "image/jpeg": _("photo (JPEG)"),
        "image/png": _("image (PNG)"),
    }[media_type]


@dataclass(frozen=True)
class Details:
    """What a document says about the person: sealed together."""

    title: str
    category: str
    document_date: str  # ISO date
    media_type: str

    def dump(self) -> str:
        return json.dumps(
            {"t": self.title, "c": self.category, "d": self.document_date, "m": self.media_type},
            ensure_ascii=False,
        )

    @classmethod
    def load(cls, text: str) -> Details:
        data = json.loads(text)
        return cls(title=data["t"], category=data["c"], document_date=data["d"], media_type=data["m"])


@dataclass(frozen=True)
class DocumentInfo:
    id: uuid.UUID
    patient: uuid.UUID
    author: uuid.UUID | None
    author_role: str
    details: Details
    size: int
    chunk_count: int
    added_at: datetime
    hidden: bool
    is_new: bool
    deleted_at: datetime | None

    @property
    def date(self) -> date:
        return date.fromisoformat(self.details.document_date)

    @property
    def by_patient(self) -> bool:
        """Added by the person themselves (not by a carer acting for them, nor a professional)."""
        return self.author_role == "patient"

    @property
    def by_professional(self) -> bool:
        """Deposited by a professional: the patient may hide it, only its author withdraws it."""
        return self.author_role == "professional"

    @property
    def file_name(self) -> str:
        """A clean name for a download: the title's letters and digits, and the extension."""
        stem = "".join(ch if ch.isalnum() else "-" for ch in self.details.title).strip("-")
        while "--" in stem:
            stem = stem.replace("--", "-")
        extension = extension_of(self.details.media_type)
        return f"{(stem or 'document')[:60]}-{self.details.document_date}.{extension}"


def _place(document_id: uuid.UUID, owner: str | None = None) -> Place:
    return Place(
        table="document",
        column="sealed_details",
        row=str(document_id),
        subject=owner or storage.document_owner(document_id),
    )


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _info(keyring: Keyring, row: dict[str, object], document_id: uuid.UUID, owner: str) -> DocumentInfo:
    sealed = row["sealed_details"]
    assert isinstance(sealed, bytes | bytearray | memoryview)
    details = Details.load(await keyring.open(_place(document_id, owner), bytes(sealed)))
    author = row["author"]
    added_at, deleted_at = row["added_at"], row["deleted_at"]
    assert isinstance(added_at, datetime)
    assert deleted_at is None or isinstance(deleted_at, datetime)
    return DocumentInfo(
        id=document_id,
        patient=_uuid(row["patient"]),
        author=_uuid(author) if author else None,
        author_role=str(row["author_role"]),
        details=details,
        size=int(str(row["size"])),
        chunk_count=int(str(row["chunk_count"])),
        added_at=added_at,
        hidden=bool(row["hidden"]),
        is_new=bool(row["is_new"]),
        deleted_at=deleted_at,
    )


# The documents a condition selects, each with its data key, in one query; every one of
# them is opened, so a list asks only for what it shows (``library``). Only these fixed
# conditions go into the text; the values are parameters.
_WITH_KEYS = (
    "SELECT d.*, k.key_id, k.wrapped FROM document d"
    " LEFT JOIN data_key k ON k.owner = 'document:' || d.id"
    " WHERE d.patient = {}"
)
_IN_BIN = " AND d.deleted_at IS NOT NULL"
_NOT_IN_BIN = " AND d.deleted_at IS NULL"
_NOT_HIDDEN = " AND d.hidden = {}"


async def _documents(
    keyring: Keyring, patient: uuid.UUID, conditions: str = "", *values: object
) -> list[DocumentInfo]:
    """``patient``'s documents that meet ``conditions`` (fragments above), opened."""
    return await _opened(keyring, await Document.raw(_WITH_KEYS + conditions, patient, *values))


async def _opened(keyring: Keyring, rows: list[dict[str, Any]]) -> list[DocumentInfo]:
    """Documents read with their key (``key_id``, ``wrapped``), opened, in the rows' order."""
    infos: dict[uuid.UUID, DocumentInfo] = {}
    for row in rows:
        document_id = _uuid(row["id"])
        owner = storage.document_owner(document_id)
        if row["key_id"] is not None:
            keyring.take_wrapped(owner, str(row["key_id"]), row["wrapped"])
        if document_id not in infos:
            infos[document_id] = await _info(keyring, row, document_id, owner)
    return list(infos.values())


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
    await audit.record(
        actor=key_owner(actor),
        action=action,
        outcome=outcome,
        subject=key_owner(patient),
        object_id=f"document:{document_id}",
    )


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


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    search: str = ""
    order: str = "newest"  # newest, oldest (when added), date (the document's), title
    page: int = 1
    in_bin: bool = False

    @property
    def needs_plaintext(self) -> bool:
        """Whether this view needs what is sealed to choose or order its documents: a search
        in the titles, a kind, an order by the document's date or by title. Those open every
        document of the view; the others are chosen, counted and paged by the database."""
        return bool(self.search.split() or self.category or self.order not in _ADDED_ORDERS)


@dataclass(frozen=True)
class Library:
    documents: list[DocumentInfo]
    total: int
    page: int
    pages: int
    new_count: int


def _matches(info: DocumentInfo, filters: Filters) -> bool:
    if filters.category and info.details.category != filters.category:
        return False
    words = filters.search.casefold().split()
    title = info.details.title.casefold()
    return all(word in title for word in words)


# When it was added (or put in the bin) is plain: the database orders and pages by it.
_ADDED_ORDERS = {
    "newest": " ORDER BY d.added_at DESC, d.id DESC",
    "oldest": " ORDER BY d.added_at ASC, d.id ASC",
}
_BIN_ORDER = " ORDER BY d.deleted_at DESC, d.id DESC"


def _added_key(info: DocumentInfo) -> tuple[datetime, str]:
    return (info.added_at, str(info.id))


# What is sealed (the document's date, its title) is ordered here, after opening.
_SEALED_ORDERS = {
    "newest": (_added_key, True),
    "oldest": (_added_key, False),
    "date": (lambda d: (d.details.document_date, d.added_at), True),
    "title": (lambda d: (d.details.title.casefold(), d.details.document_date), False),
}


# A page of a view, with the documents' keys, how many the view holds and how many are new
# (both counted on the index). Only fixed fragments go into the text (``_view``, the orders
# above); the values are parameters.
_PAGE = (
    "SELECT p.*, k.key_id, k.wrapped FROM (SELECT d.*,"
    " (SELECT COUNT(*) FROM document c WHERE c.patient = {{}}{view_c}) AS total_count,"
    " (SELECT COUNT(*) FROM document c WHERE c.patient = {{}}{view_c} AND c.is_new = {{}}) AS new_count"
    " FROM document d WHERE d.patient = {{}}{view_d}{order} LIMIT {{}} OFFSET {{}}) p"
    " LEFT JOIN data_key k ON k.owner = 'document:' || p.id"
)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _view(alias: str, filters: Filters, for_professional: bool) -> str:
    """The plain conditions of a view, on the table named ``alias``: the bin or not, and
    for a professional, not hidden (its value is the last parameter)."""
    where = f" AND {alias}.deleted_at IS {'NOT ' if filters.in_bin else ''}NULL"
    return where + (f" AND {alias}.hidden = {{}}" if for_professional else "")


async def _library_page(
    keyring: Keyring, patient: uuid.UUID, filters: Filters, for_professional: bool
) -> Library:
    """One page of a view the database can choose and order by itself: one statement reads
    the page's documents, their keys and the counts (from the index), and only the page's
    documents are opened."""
    hidden: tuple[object, ...] = (False,) if for_professional else ()
    view_c, view_d = _view("c", filters, for_professional), _view("d", filters, for_professional)
    order = _BIN_ORDER if filters.in_bin else _ADDED_ORDERS[filters.order]
    page = max(1, filters.page)
    sql = _PAGE.format(view_c=view_c, view_d=view_d, order=order)
    values = (patient, *hidden, patient, *hidden, True, patient, *hidden, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    rows = await Document.raw(sql, *values)
    if not rows and page > 1:
        # Past the last page (an old link): the last page instead, as a sealed view does.
        total = await Document.count().where(
            Document.patient == patient,
            Document.deleted_at.is_not_null() if filters.in_bin else Document.deleted_at.is_null(),
            *((Document.hidden == False,) if for_professional else ()),  # noqa: E712
        )
        if total:
            return await _library_page(
                keyring, patient, replace(filters, page=_pages(int(total))), for_professional
            )
    documents = await _opened(keyring, rows)
    if filters.in_bin:
        documents.sort(key=lambda d: (d.deleted_at or d.added_at, str(d.id)), reverse=True)
    else:
        documents.sort(key=_added_key, reverse=filters.order == "newest")
    total = int(rows[0]["total_count"]) if rows else 0
    return Library(
        documents=documents,
        total=total,
        page=page if rows else 1,
        pages=_pages(total),
        new_count=int(rows[0]["new_count"]) if rows else 0,
    )


async def library(
    keyring: Keyring, patient: uuid.UUID, filters: Filters, *, for_professional: bool = False
) -> Library:
    """The patient's documents (or what a professional may see), filtered, sorted and paged.

    By when they were added (the default) the database picks the page and only its
    documents are opened. Titles, kinds and the documents' dates are sealed: a search, a
    kind or an order by title or by date opens every document of the view to choose and
    order them here (a person's library is a few hundred documents at most).
    """
    if not filters.needs_plaintext:
        return await _library_page(keyring, patient, filters, for_professional)
    view = _view("d", filters, for_professional)
    every = await _documents(keyring, patient, view, *((False,) if for_professional else ()))
    found = [info for info in every if _matches(info, filters)]
    key, reverse = _SEALED_ORDERS.get(filters.order, _SEALED_ORDERS["newest"])
    found.sort(key=key, reverse=reverse)
    pages = _pages(len(found))
    page = min(max(1, filters.page), pages)
    return Library(
        documents=found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(found),
        page=page,
        pages=pages,
        new_count=sum(1 for info in every if info.is_new),
    )


async def bin_count(patient: uuid.UUID) -> int:
    """How many documents are in the patient's bin (nothing to open to count them)."""
    return int(
        await Document.count().where((Document.patient == patient) & Document.deleted_at.is_not_null())
    )


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
