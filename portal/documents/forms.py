"""The documents' form, read with ``portal.core.forms``: adding a document to a library
(the patient's side adds one, a professional deposits one).

Reading gives the form's result (what was typed, to show it again, and the errors by
field, in the order of the page) and, when everything is right, what to store. Nothing is
stored here: the routes do it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.core.forms import FormReader, FormResult
from portal.core.i18n import gettext as _
from portal.documents.details import CATEGORIES, Details

TITLE_MAX = 120


@dataclass(frozen=True)
class NewDocument:
    """A document as its form says it, checked: what to store."""

    details: Details
    content: bytes


async def read_document(sent: Any, *, max_bytes: int, today: date) -> tuple[FormResult, NewDocument | None]:
    """An upload form: the file (or a photo taken instead), its title, its kind, and the
    date written on it (not after ``today``)."""
    reader = FormReader(sent)
    upload = await reader.file(
        "file",
        also=("photo",),
        max_bytes=max_bytes,
        missing=_("Choose the file of the document, or take a photo of it."),
    )
    title = reader.text(
        "title",
        max_length=TITLE_MAX,
        required=True,
        missing=_('Give the document a title, for example "Blood test of March".'),
    )
    kind = _("Choose what kind of document it is.")
    category = reader.choice("category", CATEGORIES, required=True, missing=kind, unknown=kind)
    document_date = reader.date("date", latest=today)
    if not reader.result.ok or upload is None or document_date is None:
        return reader.result, None
    details = Details(
        title=title, category=category, document_date=document_date.isoformat(), media_type=upload.media_type
    )
    return reader.result, NewDocument(details, upload.content)
