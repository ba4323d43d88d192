"""What a document is, shared by the documents' reads (``services``, ``library``) and
writes (``changes``): the national service's categories, the kinds of file, the details
sealed together, a document as pages see it (``DocumentInfo``), and the documents a
condition selects, read with their keys and opened (``_documents``, ``_opened``).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from portal.core.crypto import Place
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.documents import storage
from portal.documents.tables import Document

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
