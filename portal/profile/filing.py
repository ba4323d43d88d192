"""Filing the profile's PDFs in the patient's documents, audited: the advance directives
(each time they are saved, by whoever may write in the documents) and the summary (when
asked from its page)."""

from __future__ import annotations

import uuid

from portal.core.i18n import gettext as _
from portal.core.i18n import long_date, today
from portal.core.keys import Keyring
from portal.core.records import record
from portal.documents.services import Details, add_document
from portal.profile import actions
from portal.profile.services import Entry
from portal.profile.summary import Summary, iso_date, summary_title
from portal.profile.summary_pdf import directives_pdf, summary_pdf
from portal.settings import Settings


async def file_directives(
    keyring: Keyring,
    settings: Settings,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    author_role: str,
    entry: Entry,
) -> uuid.UUID:
    """Build the PDF of the advance directives ``entry`` and file it in ``patient``'s
    library (category "advance_directives", in the caller's transaction); audited.
    Returns the new document's id."""
    content = await directives_pdf(keyring, patient, entry)
    written_at = iso_date(entry.data.get("written_at")) or today(settings.timezone)
    details = Details(
        title=_("Advance directives of %(date)s", date=long_date(written_at)),
        category="advance_directives",
        document_date=written_at.isoformat(),
        media_type="application/pdf",
    )
    document_id = await add_document(
        keyring, patient=patient, author=author, author_role=author_role, details=details, content=content
    )
    await record(author, patient, actions.DIRECTIVES_FILE, f"document:{document_id}")
    return document_id


async def file_summary(
    keyring: Keyring,
    summary: Summary,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    author_role: str,
) -> uuid.UUID:
    """File the summary's PDF in ``patient``'s library ("medical_summary"), audited."""
    content = await summary_pdf(summary)
    details = Details(
        title=summary_title(summary.printed),
        category="medical_summary",
        document_date=summary.printed.isoformat(),
        media_type="application/pdf",
    )
    document_id = await add_document(
        keyring, patient=patient, author=author, author_role=author_role, details=details, content=content
    )
    await record(author, patient, actions.SUMMARY_FILE, f"document:{document_id}")
    return document_id
