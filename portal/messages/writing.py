"""The steps that writing a message shares, a new conversation's first as a reply: reading
the form (and asking the door for what the message carries), filing a new file in the
patient's library, and what the writing forms offer."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request

from portal.core.access import Access, Action, Area, Reach
from portal.core.forms import FormResult
from portal.core.i18n import today
from portal.documents import services as documents
from portal.messages import forms
from portal.messages.sides import side_of


async def _named_in_library(
    access: Access, reach: Reach, sent: Any
) -> dict[str, documents.DocumentInfo] | None:
    """The library document the form names, looked up (None for a professional: they pick
    none). Picking one is reading the patient's documents, which the door decides: asked
    for without it allowing it (the form did not offer it), it is an audited 404."""
    if reach.by_professional:
        return None
    named = forms.named_document(sent)
    if not named:
        return {}
    await access.require(Area.DOCUMENTS, Action.READ, subject=reach.subject)
    try:
        document_id = uuid.UUID(named)
    except ValueError:
        return {}
    found = (await documents.documents_by_id(reach.keyring, reach.subject, [document_id])).get(document_id)
    return {named: found} if found is not None else {}


async def read_message(
    request: Request[Any, Any, Any],
    access: Access,
    reach: Reach,
    sent: Any,
    *,
    offered: set[str] | None = None,
    new: bool = False,
) -> tuple[FormResult, forms.Message | None]:
    """A message's form, read (nothing stored), and the door asked for what it carries: a
    document of the library is read there, a new file would be filed there (written)."""
    settings = request.app.state.settings
    form, message = await forms.read_message(
        sent,
        new=new,
        offered=offered,
        library=await _named_in_library(access, reach, sent),
        max_bytes=settings.max_document_bytes,
        today=today(settings.timezone),
    )
    if forms.carries_file(form):
        await access.require(Area.DOCUMENTS, Action.WRITE, subject=reach.subject)
    return form, message


async def file_attachments(reach: Reach, message: forms.Message) -> list[uuid.UUID]:
    """Once the form is right and the message can go: file the new file in the patient's
    library, by who acts, and return every document the message carries."""
    attached = [message.document] if message.document else []
    new_file = message.new_file
    if new_file is None:
        return attached
    if reach.by_subject:
        author_role = "patient"
    elif reach.by_professional:
        author_role = "professional"
    else:
        author_role = "carer"
    document = await documents.add_document(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        author_role=author_role,
        details=documents.Details(
            title=new_file.title,
            category=new_file.category,
            document_date=new_file.filed_on.isoformat(),
            media_type=new_file.media_type,
        ),
        content=new_file.content,
    )
    return [*attached, document]


async def form_context(
    request: Request[Any, Any, Any], access: Access, reach: Reach, *, with_form: bool = True
) -> dict[str, Any]:
    """What the writing forms offer: the file field only to whoever may file documents in
    the patient's library, the library picker only to the patient's side when it may read
    them. Without a form to show (a refresh, a closed conversation), no document is opened."""
    may_file = with_form and await access.allows(Area.DOCUMENTS, Action.WRITE, subject=reach.subject)
    return {
        "categories": documents.category_names(),
        "max_size": request.app.state.settings.max_document_bytes,
        "side": side_of(reach.actor),
        "patient_side": not reach.by_professional,
        "own_space": reach.by_subject,
        "may_file": may_file,
        "library": await _library_choices(access, reach) if with_form else [],
    }


async def _library_choices(access: Access, reach: Reach) -> list[tuple[str, str]]:
    """The documents the patient's side may pick in the form: (id, title), the 30 last added
    first, without those hidden from professionals (they could not open them). Only those
    are opened: a library of hundreds would make every conversation slow."""
    if reach.by_professional or not await access.allows(Area.DOCUMENTS, Action.READ, subject=reach.subject):
        return []
    found = await documents.recent_documents(reach.keyring, reach.subject)
    return [(str(d.id), d.details.title) for d in found if not d.hidden]
