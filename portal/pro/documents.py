"""A professional's view of one patient: the documents they may see, depositing one,
downloading, and withdrawing a document they deposited.

Every route goes through the door for the patient's documents area (the patient's id is
in the address): a professional outside the circle, blocked, or whose profession has no
documents area (a physiotherapist) gets the same 404 as for a patient who does not exist.
Hidden documents and documents in the bin are never theirs to see, list or download.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import names_of
from portal.carers.services import author_names
from portal.core.access import Access, Action, Area, Reach, Role
from portal.core.addresses import PAGE, url_for
from portal.core.forms import FormResult
from portal.core.i18n import today
from portal.core.sessions import requires_role
from portal.core.web import is_htmx, page
from portal.documents import actions, services, storage
from portal.documents.forms import read_document
from portal.documents.notify import tell_new_document
from portal.documents.web import (
    address_for,
    author_role_of,
    describe_file,
    file_response,
    filters_from,
    with_sealed_address,
)
from portal.pro.routes import patient_links

PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]


async def _visible_document(access: Access, reach: Reach, document_id: uuid.UUID) -> services.DocumentInfo:
    """One of the patient's documents a professional may see: not hidden by the patient,
    not in the bin. Any other is refused by the door like a missing page, and audited."""
    info = await services.get_document(reach.keyring, reach.subject, document_id, for_professional=True)
    if info is not None:
        return info
    await access.refuse(reach.area, reach.action, reach.subject, object_id=f"document:{document_id}")


async def _patient_page(
    request: Request[Any, Any, Any],
    access: Access,
    patient: uuid.UUID,
    reach: Reach | None,
    *,
    form: FormResult | None = None,
    status: int = 200,
) -> Template:
    """The patient's page; with their documents when ``reach`` is the door's yes to them."""
    filters = filters_from(request)
    result = authors = None
    if reach is not None:
        result = await services.library(reach.keyring, reach.subject, filters, for_professional=True)
        authors = await author_names(
            reach.keyring, reach.actor.account_id, reach.subject, [d.author for d in result.documents]
        )
    person = (await names_of(access.keyring, [patient])).get(patient)
    return page(
        request,
        "pro/patient.html",
        fragment="documents/_pro_list.html",
        status=status,
        patient_id=patient,
        patient_name=person.name if person else "",
        library=result,
        authors=authors or {},
        filters=filters,
        categories=services.category_names(),
        describe=describe_file,
        page_href=address_for(request, url_for("pro_patient", patient=patient), filters, PAGE),
        **(form if form is not None else FormResult()).shown(),
        max_size=request.app.state.settings.max_document_bytes,
        me=access.actor.account_id,
        done=request.query_params.get("done"),
        documents=reach is not None,
        # The other areas the page leads to, each only when the door allows it.
        links=await patient_links(access, patient),
        can_deposit=reach is not None and await access.allows(Area.DOCUMENTS, Action.WRITE, patient),
    )


@get("/pro/patients/{patient:uuid}", name="pro_patient", guards=PROFESSIONALS)
async def show_patient(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID]
) -> Response[Any]:
    """The patient's page: their documents when the profession may read them, and links to
    the other areas it may use (a physiotherapist: messages, profile, notes)."""
    if not await access.allows(Area.DOCUMENTS, Action.READ, patient):
        # No documents for this profession: the page still leads to messages, profile and
        # notes, for a professional the patient keeps in their circle (else an audited 404).
        await access.require(Area.MESSAGES, Action.READ, patient)
        return await _patient_page(request, access, patient, None)
    reach = await access.require(Area.DOCUMENTS, Action.READ, patient)
    return await with_sealed_address(
        request,
        url_for("pro_patient", patient=patient),
        filters_from(request),
        lambda: _patient_page(request, access, patient, reach),
    )


@post(
    "/pro/patients/{patient:uuid}/documents", name="deposit_document", guards=PROFESSIONALS, status_code=303
)
async def deposit_document(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID]
) -> Response[Any]:
    """Deposit a document in the patient's space; the patient is told, with no content."""
    reach = await access.require(Area.DOCUMENTS, Action.WRITE, patient)
    settings = request.app.state.settings
    form, document = await read_document(
        await request.form(), max_bytes=settings.max_document_bytes, today=today(settings.timezone)
    )
    if document is None:
        read = await access.require(Area.DOCUMENTS, Action.READ, patient)
        return await _patient_page(request, access, patient, read, form=form, status=400)
    await services.add_document(
        reach.keyring,
        patient=reach.subject,
        author=reach.actor.account_id,
        author_role=author_role_of(reach),
        details=document.details,
        content=document.content,
    )
    await tell_new_document(settings, reach.keyring, reach.subject)
    where = url_for("pro_patient", patient=patient, done="deposited")
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@get(
    "/pro/patients/{patient:uuid}/documents/{document_id:uuid}/file",
    name="pro_document_file",
    guards=PROFESSIONALS,
)
async def pro_document_file(
    request: Request[Any, Any, Any],
    access: Access,
    patient: FromPath[uuid.UUID],
    document_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """The file of a document the professional may see, as a download. (On a kiosk,
    ``KioskMiddleware`` turns any download into the page that says files stay off it.)"""
    reach = await access.require(Area.DOCUMENTS, Action.READ, patient, object_id=f"document:{document_id}")
    info = await _visible_document(access, reach, document_id)
    actor = reach.actor.account_id
    try:
        response = await file_response(reach.keyring, info, download=True)
    except storage.DocumentDamagedError:
        await services.record(actor, reach.subject, actions.DOWNLOAD, info.id, outcome="failed")
        return page(request, "documents/damaged.html", status=410)
    await services.record(actor, reach.subject, actions.DOWNLOAD, info.id)
    return response


@post(
    "/pro/patients/{patient:uuid}/documents/{document_id:uuid}/withdraw",
    name="withdraw_document",
    guards=PROFESSIONALS,
    status_code=303,
)
async def withdraw_document(
    request: Request[Any, Any, Any],
    access: Access,
    patient: FromPath[uuid.UUID],
    document_id: FromPath[uuid.UUID],
) -> Response[Any]:
    """Its author takes a deposited document back, for good (its key is destroyed)."""
    object_id = f"document:{document_id}"
    reach = await access.require(Area.DOCUMENTS, Action.WRITE, patient, object_id=object_id)
    info = await _visible_document(access, reach, document_id)
    if info.author != reach.actor.account_id:
        await access.refuse(Area.DOCUMENTS, Action.WRITE, reach.subject, object_id=object_id)
    await services.purge(info.id)
    await services.record(reach.actor.account_id, reach.subject, actions.WITHDRAW, info.id)
    return Redirect(path=url_for("pro_patient", patient=patient, done="withdrawn"), status_code=303)


ROUTES = [show_patient, deposit_document, pro_document_file, withdraw_document]
