"""A professional's view of one patient: the documents they may see, depositing one,
downloading, and withdrawing a document they deposited.

Every route asks the access policy for the patient's documents area: a professional
outside the circle, or blocked, gets the same 404 as for a patient who does not exist.
Hidden documents and documents in the bin are never theirs to see.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of, names_of
from portal.core.access import Action, Area, Role, decide, require
from portal.core.keys import Keyring
from portal.core.sessions import requires_role, signed_in
from portal.core.web import is_htmx, page
from portal.documents import services, storage
from portal.documents.notify import tell_new_document
from portal.documents.web import (
    address_for,
    describe_file,
    file_response,
    filters_from,
    read_upload,
    with_sealed_address,
)

PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


async def _allowed(request: Request[Any, Any, Any], patient: uuid.UUID, action: Action) -> uuid.UUID:
    user = signed_in(request)
    await require(await actor_of(user), patient, Area.DOCUMENTS, action)
    return user.account_id


async def _visible(
    request: Request[Any, Any, Any], patient: uuid.UUID, document_id: uuid.UUID, action: Action
) -> tuple[uuid.UUID, services.DocumentInfo]:
    professional = await _allowed(request, patient, action)
    info = await services.get_document(_keyring(request), patient, document_id, for_professional=True)
    if info is None:
        await services.record(
            professional, patient, f"document.{action.value}", document_id, outcome="denied"
        )
        raise NotFoundException()
    return professional, info


async def _patient_page(
    request: Request[Any, Any, Any],
    patient: uuid.UUID,
    *,
    check: Any = None,
    status: int = 200,
    documents: bool = True,
) -> Template:
    keyring = _keyring(request)
    filters = filters_from(request)
    result = await services.library(keyring, patient, filters, for_professional=True) if documents else None
    person = (await names_of(keyring, [patient])).get(patient)
    base = f"/pro/patients/{patient}"
    return page(
        request,
        "pro/patient.html",
        fragment="documents/_pro_list.html",
        status=status,
        patient_id=patient,
        patient_name=person.name if person else "",
        library=result,
        filters=filters,
        categories=services.category_names(),
        describe=describe_file,
        base=base,
        page_href=address_for(request, base, filters, "{page}"),
        values=check.values if check else {},
        errors=check.errors if check else {},
        max_size=request.app.state.settings.max_document_bytes,
        me=signed_in(request).account_id,
        done=request.query_params.get("done"),
        documents=documents,
    )


@get("/pro/patients/{patient:uuid}", name="pro_patient", guards=PROFESSIONALS)
async def show_patient(request: Request[Any, Any, Any], patient: FromPath[uuid.UUID]) -> Response[Any]:
    """The patient's page: their documents when the profession may read them, and links to
    the other areas it may use (a physiotherapist: messages, profile, notes)."""
    actor = await actor_of(signed_in(request))
    if not await decide(actor, patient, Area.DOCUMENTS, Action.READ):
        await require(actor, patient, Area.MESSAGES, Action.READ)
        return await _patient_page(request, patient, documents=False)
    return await with_sealed_address(
        request, f"/pro/patients/{patient}", filters_from(request), lambda: _patient_page(request, patient)
    )


@post(
    "/pro/patients/{patient:uuid}/documents", name="deposit_document", guards=PROFESSIONALS, status_code=303
)
async def deposit_document(request: Request[Any, Any, Any], patient: FromPath[uuid.UUID]) -> Response[Any]:
    """Deposit a document in the patient's space; the patient is told, with no content."""
    professional = await _allowed(request, patient, Action.WRITE)
    settings = request.app.state.settings
    check = await read_upload(await request.form(), settings.max_document_bytes, date.today())
    if check.details is None:
        return await _patient_page(request, patient, check=check, status=400)
    keyring = _keyring(request)
    await services.add_document(
        keyring,
        patient=patient,
        author=professional,
        author_role="professional",
        details=check.details,
        content=check.content,
    )
    await tell_new_document(settings, keyring, patient)
    where = f"/pro/patients/{patient}?done=deposited"
    if is_htmx(request):
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@get(
    "/pro/patients/{patient:uuid}/documents/{document_id:uuid}/file",
    name="pro_document_file",
    guards=PROFESSIONALS,
)
async def pro_document_file(
    request: Request[Any, Any, Any], patient: FromPath[uuid.UUID], document_id: FromPath[uuid.UUID]
) -> Response[Any]:
    professional, info = await _visible(request, patient, document_id, Action.READ)
    try:
        response = await file_response(_keyring(request), info, download=True)
    except storage.DocumentDamagedError:
        await services.record(professional, patient, "document.download", info.id, outcome="failed")
        return page(request, "documents/damaged.html", status=410)
    await services.record(professional, patient, "document.download", info.id)
    return response


@post(
    "/pro/patients/{patient:uuid}/documents/{document_id:uuid}/withdraw",
    name="withdraw_document",
    guards=PROFESSIONALS,
    status_code=303,
)
async def withdraw_document(
    request: Request[Any, Any, Any], patient: FromPath[uuid.UUID], document_id: FromPath[uuid.UUID]
) -> Response[Any]:
    """Its author takes a deposited document back, for good (its key is destroyed)."""
    professional, info = await _visible(request, patient, document_id, Action.WRITE)
    if info.author != professional:
        await services.record(professional, patient, "document.withdraw", info.id, outcome="denied")
        raise NotFoundException()
    await services.purge(info.id)
    await services.record(professional, patient, "document.withdraw", info.id)
    return Redirect(path=f"/pro/patients/{patient}?done=withdrawn", status_code=303)


ROUTES = [show_patient, deposit_document, pro_document_file, withdraw_document]
