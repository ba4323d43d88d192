"""The patient's library: list, search and filter (htmx in place, plain GET without it),
add a document, view and download it, hide it from professionals, the bin."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of, names_of
from portal.core.access import Action, Area, Role, require
from portal.core.keys import Keyring
from portal.core.sessions import requires_role, signed_in
from portal.core.web import CONTENT_SECURITY_POLICY, is_htmx, page
from portal.documents import services, storage
from portal.documents.web import (
    address_for,
    describe_file,
    file_response,
    filters_from,
    read_upload,
    with_sealed_address,
)
from portal.kiosk.routes import refuse_download
from portal.kiosk.web import on_kiosk

PATIENTS = [requires_role(Role.PATIENT)]
BASE = "/space/documents"
# The view page shows the document in a frame of this site.
VIEW_POLICY = CONTENT_SECURITY_POLICY + "; frame-src 'self'"


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


async def _patient(request: Request[Any, Any, Any], action: Action) -> uuid.UUID:
    user = signed_in(request)
    await require(await actor_of(user), user.account_id, Area.DOCUMENTS, action)
    return user.account_id


async def _own(
    request: Request[Any, Any, Any], document_id: uuid.UUID, action: Action
) -> services.DocumentInfo:
    patient = await _patient(request, action)
    info = await services.get_document(_keyring(request), patient, document_id)
    if info is None:
        # Another patient's document is answered like a missing one, and audited.
        await services.record(patient, patient, f"document.{action.value}", document_id, outcome="denied")
        raise NotFoundException()
    return info


async def _authors(keyring: Keyring, documents: list[services.DocumentInfo]) -> dict[uuid.UUID, str]:
    professionals = [d.author for d in documents if not d.by_patient and d.author]
    return {pid: person.described for pid, person in (await names_of(keyring, professionals)).items()}


@get(BASE, name="library", guards=PATIENTS)
async def show_library(request: Request[Any, Any, Any]) -> Response[Any]:
    patient = await _patient(request, Action.READ)
    filters = filters_from(request)
    return await with_sealed_address(request, BASE, filters, lambda: _library_page(request, patient, filters))


async def _library_page(
    request: Request[Any, Any, Any], patient: uuid.UUID, filters: services.Filters
) -> Template:
    keyring = _keyring(request)
    result = await services.library(keyring, patient, filters)
    bin_count = await services.bin_count(patient)
    return page(
        request,
        "documents/library.html",
        fragment="documents/_list.html",
        library=result,
        filters=filters,
        categories=services.category_names(),
        authors=await _authors(keyring, result.documents),
        describe=describe_file,
        page_href=address_for(request, BASE, filters, "{page}"),
        bin_count=bin_count,
        bin_days=services.BIN_DAYS,
        hide_by_default=await services.hides_by_default(patient),
        done=request.query_params.get("done"),
    )


def _add_form(request: Request[Any, Any, Any], check: Any = None, status: int = 200) -> Template:
    return page(
        request,
        "documents/add.html",
        status=status,
        values=check.values if check else {},
        errors=check.errors if check else {},
        categories=services.category_names(),
        max_size=request.app.state.settings.max_document_bytes,
    )


@get(f"{BASE}/add", name="add_document_form", guards=PATIENTS)
async def show_add_document(request: Request[Any, Any, Any]) -> Template:
    await _patient(request, Action.WRITE)
    return _add_form(request)


@post(f"{BASE}/add", name="add_document", guards=PATIENTS, status_code=303)
async def add_document(request: Request[Any, Any, Any]) -> Response[Any]:
    patient = await _patient(request, Action.WRITE)
    settings = request.app.state.settings
    check = await read_upload(await request.form(), settings.max_document_bytes, date.today())
    if check.details is None:
        return _add_form(request, check, status=400)
    document_id = await services.add_document(
        _keyring(request),
        patient=patient,
        author=patient,
        author_role="patient",
        details=check.details,
        content=check.content,
    )
    where = f"{BASE}/{document_id}?done=added"
    if is_htmx(request):
        # The upload went through htmx (for its progress bar): the whole page goes on.
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@get(f"{BASE}/{{document_id:uuid}}", name="document", guards=PATIENTS)
async def show_document(request: Request[Any, Any, Any], document_id: FromPath[uuid.UUID]) -> Template:
    info = await _own(request, document_id, Action.READ)
    keyring = _keyring(request)
    await services.record(info.patient, info.patient, "document.view", info.id)
    info = await services.mark_seen(info)
    response = page(
        request,
        "documents/document.html",
        document=info,
        category=services.category_names()[info.details.category],
        author=(await _authors(keyring, [info])).get(info.author) if info.author else None,
        describe=describe_file,
        done=request.query_params.get("done"),
        base=BASE,
    )
    response.headers["Content-Security-Policy"] = VIEW_POLICY
    return response


@get(f"{BASE}/{{document_id:uuid}}/print", name="print_document", guards=PATIENTS)
async def print_document(request: Request[Any, Any, Any], document_id: FromPath[uuid.UUID]) -> Template:
    """How to print the document without JavaScript (with it, "Print" prints at once);
    an image is shown alone for the browser's Print command."""
    info = await _own(request, document_id, Action.READ)
    await services.record(info.patient, info.patient, "document.view", info.id)
    return page(request, "documents/print.html", document=info, base=BASE)


@get(f"{BASE}/{{document_id:uuid}}/file", name="document_file", guards=PATIENTS)
async def document_file(request: Request[Any, Any, Any], document_id: FromPath[uuid.UUID]) -> Response[Any]:
    info = await _own(request, document_id, Action.READ)
    download = request.query_params.get("download") == "1"
    if download and on_kiosk(request):
        # A shared terminal keeps no file: print it, or send it to the person's phone. (Shown
        # in the document's page or its print view, the file is not saved: no-store.)
        return refuse_download(request, info)
    keyring = _keyring(request)
    try:
        response = await file_response(keyring, info, download=download)
    except storage.DocumentDamagedError:
        await services.record(info.patient, info.patient, "document.download", info.id, outcome="failed")
        return page(request, "documents/damaged.html", status=410)
    if download:
        await services.record(info.patient, info.patient, "document.download", info.id)
    return response


@post(f"{BASE}/{{document_id:uuid}}/{{change:str}}", name="change_document", guards=PATIENTS, status_code=303)
async def change_document(
    request: Request[Any, Any, Any], document_id: FromPath[uuid.UUID], change: FromPath[str]
) -> Response[Any]:
    """Hide or show to professionals; move to the bin or restore (the patient's own documents only)."""
    if change not in ("hide", "show", "delete", "restore"):
        raise NotFoundException()
    info = await _own(request, document_id, Action.WRITE)
    if change == "hide":
        await services.set_hidden(info, True)
    elif change == "show":
        await services.set_hidden(info, False)
    elif change == "delete":
        if not info.by_patient:
            # A professional's document can be hidden, not deleted, by the patient.
            raise NotFoundException()
        await services.move_to_bin(info)
    else:
        await services.restore(info)
    await services.record(info.patient, info.patient, f"document.{change}", info.id)
    # After a deletion the document's page is gone: back to the library, which says so.
    where = f"{BASE}?done=delete" if change == "delete" else f"{BASE}/{info.id}?done={change}"
    return Redirect(path=where, status_code=303)


@get(f"{BASE}/bin", name="document_bin", guards=PATIENTS)
async def show_bin(request: Request[Any, Any, Any]) -> Template:
    patient = await _patient(request, Action.READ)
    binned = await services.library(_keyring(request), patient, filters_from(request, in_bin=True))
    return page(
        request,
        "documents/bin.html",
        library=binned,
        describe=describe_file,
        bin_days=services.BIN_DAYS,
        done=request.query_params.get("done"),
    )


@post(f"{BASE}/settings", name="document_settings", guards=PATIENTS, status_code=303)
async def save_settings(request: Request[Any, Any, Any]) -> Response[Any]:
    patient = await _patient(request, Action.WRITE)
    form = await request.form()
    await services.set_hides_by_default(patient, form.get("hide_by_default") == "1")
    return Redirect(path=f"{BASE}?done=settings", status_code=303)


ROUTES = [
    show_library,
    show_add_document,
    add_document,
    show_document,
    print_document,
    document_file,
    change_document,
    show_bin,
    save_settings,
]
