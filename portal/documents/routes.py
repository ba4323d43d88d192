"""The patient's library: list, search and filter (htmx in place, plain GET without it),
add a document, view and download it, hide it from professionals, the bin.

Every page goes through the door (``access: Access``) for the documents area of the space
it shows: the patient's own, or the one a carer acts in under a delegation that gives
documents (read to look, write to add, hide, bin or restore). Whoever acts is the author
of what they add and the actor of what is audited, never "the patient" standing in for them.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.carers.services import author_names
from portal.core.access import Access, Action, Area, Reach
from portal.core.addresses import PAGE, url_for
from portal.core.forms import FormResult
from portal.core.i18n import today
from portal.core.kiosk import on_kiosk
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import CONTENT_SECURITY_POLICY, is_htmx, page
from portal.documents import actions, changes, details, forms, library, services, storage
from portal.documents.web import (
    address_for,
    author_role_of,
    describe_file,
    file_response,
    filters_from,
    refuse_download,
    with_sealed_address,
)

# The patient, and whoever acts for them: the policy then says what each may do here.
SPACE = [requires_role(*SPACE_ROLES)]
BASE = "/space/documents"
CHANGES = ("hide", "show", "delete", "restore")
# The view page shows the document in a frame of this site.
VIEW_POLICY = CONTENT_SECURITY_POLICY + "; frame-src 'self'"


async def _document_for(access: Access, reach: Reach, document_id: uuid.UUID) -> details.DocumentInfo:
    """One document of ``reach.subject``'s library; anything else (another person's, a
    made-up id) is refused by the door like a missing page, and audited."""
    info = await services.get_document(reach.keyring, reach.subject, document_id)
    if info is not None:
        return info
    await access.refuse(reach.area, reach.action, reach.subject, object_id=f"document:{document_id}")


async def _authors(reach: Reach, documents: list[details.DocumentInfo]) -> dict[uuid.UUID, str]:
    """Who added each document, in words for the one who looks ("you", "your daughter
    Claire Dupont", "Dr Anne Martin, general practitioner")."""
    return await author_names(
        reach.keyring, reach.actor.account_id, reach.subject, [d.author for d in documents]
    )


@get(BASE, name="library", guards=SPACE)
async def show_library(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.DOCUMENTS, Action.READ)
    filters = filters_from(request)
    return await with_sealed_address(
        request, url_for("library"), filters, lambda: _library_page(request, access, reach, filters)
    )


async def _library_page(
    request: Request[Any, Any, Any], access: Access, reach: Reach, filters: library.Filters
) -> Template:
    result = await library.library(reach.keyring, reach.subject, filters)
    return page(
        request,
        "documents/library.html",
        fragment="documents/_list.html",
        library=result,
        filters=filters,
        categories=details.category_names(),
        authors=await _authors(reach, result.documents),
        describe=describe_file,
        page_href=address_for(request, url_for("library"), filters, PAGE),
        bin_count=await library.bin_count(reach.subject),
        bin_days=changes.BIN_DAYS,
        hide_by_default=await changes.hides_by_default(reach.subject),
        can_write=await access.allows(Area.DOCUMENTS, Action.WRITE),
        by_subject=reach.by_subject,
        done=request.query_params.get("done"),
    )


def _add_form(request: Request[Any, Any, Any], form: FormResult | None = None, status: int = 200) -> Template:
    return page(
        request,
        "documents/add.html",
        status=status,
        **(form if form is not None else FormResult()).shown(),
        categories=details.category_names(),
        max_size=request.app.state.settings.max_document_bytes,
    )


@get(f"{BASE}/add", name="add_document_form", guards=SPACE)
async def show_add_document(request: Request[Any, Any, Any], access: Access) -> Template:
    await access.require(Area.DOCUMENTS, Action.WRITE)
    return _add_form(request)


@post(f"{BASE}/add", name="add_document", guards=SPACE, status_code=303)
async def add_document(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.DOCUMENTS, Action.WRITE)
    settings = request.app.state.settings
    form, typed = await forms.read_document(
        await request.form(), max_bytes=settings.max_document_bytes, today=today(settings.timezone)
    )
    if typed is None:
        return _add_form(request, form, status=400)
    document_id = await changes.add_document(
        reach.keyring,
        patient=reach.subject,
        # Whoever adds it is its author: a carer's document is hers, not the patient's.
        author=reach.actor.account_id,
        author_role=author_role_of(reach),
        details=typed.details,
        content=typed.content,
    )
    where = url_for("document", document_id=document_id, done="added")
    if is_htmx(request):
        # The upload went through htmx (for its progress bar): the whole page goes on.
        return Response(content=b"", status_code=200, headers={"HX-Redirect": where})
    return Redirect(path=where, status_code=303)


@get(f"{BASE}/{{document_id:uuid}}", name="document", guards=SPACE)
async def show_document(
    request: Request[Any, Any, Any], access: Access, document_id: FromPath[uuid.UUID]
) -> Template:
    reach = await access.require(Area.DOCUMENTS, Action.READ, object_id=f"document:{document_id}")
    info = await _document_for(access, reach, document_id)
    await changes.record(reach.actor.account_id, reach.subject, actions.VIEW, info.id)
    if reach.by_subject:
        # "New" is for the patient: someone helping them opening it does not make it seen.
        info = await changes.mark_seen(info)
    response = page(
        request,
        "documents/document.html",
        document=info,
        category=details.category_names()[info.details.category],
        author=(await _authors(reach, [info])).get(info.author) if info.author else None,
        describe=describe_file,
        can_write=await access.allows(Area.DOCUMENTS, Action.WRITE),
        done=request.query_params.get("done"),
    )
    response.headers["Content-Security-Policy"] = VIEW_POLICY
    return response


@get(f"{BASE}/{{document_id:uuid}}/print", name="print_document", guards=SPACE)
async def print_document(
    request: Request[Any, Any, Any], access: Access, document_id: FromPath[uuid.UUID]
) -> Template:
    """How to print the document without JavaScript (with it, "Print" prints at once);
    an image is shown alone for the browser's Print command."""
    reach = await access.require(Area.DOCUMENTS, Action.READ, object_id=f"document:{document_id}")
    info = await _document_for(access, reach, document_id)
    await changes.record(reach.actor.account_id, reach.subject, actions.VIEW, info.id)
    return page(request, "documents/print.html", document=info)


@get(f"{BASE}/{{document_id:uuid}}/file", name="document_file", guards=SPACE)
async def document_file(
    request: Request[Any, Any, Any], access: Access, document_id: FromPath[uuid.UUID]
) -> Response[Any]:
    reach = await access.require(Area.DOCUMENTS, Action.READ, object_id=f"document:{document_id}")
    info = await _document_for(access, reach, document_id)
    download = request.query_params.get("download") == "1"
    if download and on_kiosk(request):
        # A shared terminal keeps no file: print it, or (the patient) send it to their own
        # phone. Any other download on a kiosk is stopped by ``KioskMiddleware``; this page
        # says more. (Shown in the document's page or its print view, the file is not saved.)
        return refuse_download(request, info, reach)
    try:
        response = await file_response(reach.keyring, info, download=download)
    except storage.DocumentDamagedError:
        await changes.record(
            reach.actor.account_id, reach.subject, actions.DOWNLOAD, info.id, outcome="failed"
        )
        return page(request, "documents/damaged.html", status=410)
    if download:
        await changes.record(reach.actor.account_id, reach.subject, actions.DOWNLOAD, info.id)
    return response


@post(f"{BASE}/{{document_id:uuid}}/{{change:str}}", name="change_document", guards=SPACE, status_code=303)
async def change_document(
    request: Request[Any, Any, Any], access: Access, document_id: FromPath[uuid.UUID], change: FromPath[str]
) -> Response[Any]:
    """Hide or show to professionals; move to the bin or restore."""
    object_id = f"document:{document_id}"
    reach = await access.require(Area.DOCUMENTS, Action.WRITE, object_id=object_id)
    if change not in CHANGES:
        await access.refuse(Area.DOCUMENTS, Action.WRITE, reach.subject, object_id=object_id)
    info = await _document_for(access, reach, document_id)
    if change == "hide":
        await changes.set_hidden(info, True)
    elif change == "show":
        await changes.set_hidden(info, False)
    elif change == "delete":
        if info.by_professional:
            # A professional's document can be hidden, not deleted: only its author withdraws it.
            await access.refuse(Area.DOCUMENTS, Action.WRITE, reach.subject, object_id=object_id)
        await changes.move_to_bin(info)
    else:
        await changes.restore(info)
    await changes.record(reach.actor.account_id, reach.subject, actions.CHANGES[change], info.id)
    # After a deletion the document's page is gone: back to the library, which says so.
    if change == "delete":
        where = url_for("library", done="delete")
    else:
        where = url_for("document", document_id=info.id, done=change)
    return Redirect(path=where, status_code=303)


@get(f"{BASE}/bin", name="document_bin", guards=SPACE)
async def show_bin(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.DOCUMENTS, Action.READ)
    binned = await library.library(reach.keyring, reach.subject, filters_from(request, in_bin=True))
    return page(
        request,
        "documents/bin.html",
        library=binned,
        describe=describe_file,
        bin_days=changes.BIN_DAYS,
        can_write=await access.allows(Area.DOCUMENTS, Action.WRITE),
        done=request.query_params.get("done"),
    )


@post(f"{BASE}/settings", name="document_settings", guards=SPACE, status_code=303)
async def save_settings(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.DOCUMENTS, Action.WRITE)
    form = await request.form()
    await changes.set_hides_by_default(reach.subject, form.get("hide_by_default") == "1")
    return Redirect(path=url_for("library", done="settings"), status_code=303)


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
