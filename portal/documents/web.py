"""What the patient's and the professional's document pages share: reading the library's
filters, answering a download asked on a kiosk, and sending a document's file."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.response import Redirect, Response, Template

from portal.core.access import Area, Reach
from portal.core.crypto import open_view, seal_view
from portal.core.i18n import gettext as _
from portal.core.i18n import size_in_words
from portal.core.keys import Keyring
from portal.core.sessions import signed_in
from portal.core.web import bounded_int, content_disposition, page
from portal.documents import details, library, storage

# Anything a document's file is sent with: no script, no style, nothing fetched, no form.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
TITLE_MAX = 120
# A library page number beyond any library (a few hundred documents, 20 a page).
MAX_PAGE = 10_000


def author_role_of(reach: Reach) -> str:
    """What a document stores as its author's role: "patient" for the person themselves,
    "carer" for someone acting for them (a carer or a legal representative), else
    "professional"."""
    if reach.by_subject:
        return "patient"
    if reach.by_proxy:
        return "carer"
    return "professional"


def describe_file(info: details.DocumentInfo) -> str:
    """ "PDF document, 2.3 MB"."""
    return _(
        "%(kind)s, %(size)s", kind=details.kind_name(info.details.media_type), size=size_in_words(info.size)
    )


PLAIN_FILTERS = ("q", "kind", "order")


def seal_filters(master_key: bytes, account_id: uuid.UUID, filters: library.Filters) -> str:
    """The search words, kind and order of a library view, sealed for its address."""
    if not filters.search and not filters.category and filters.order == "newest":
        return ""
    return seal_view(
        master_key, account_id, "library-filters", [filters.search, filters.category or "", filters.order]
    )


def _open_filters(master_key: bytes, account_id: uuid.UUID, token: str) -> tuple[str, str, str] | None:
    opened = open_view(master_key, account_id, "library-filters", token, 3)
    return (opened[0], opened[1], opened[2]) if opened else None


def has_plain_filters(request: Request[Any, Any, Any]) -> bool:
    """Whether the address carries search words or a kind in clear (a form just sent)."""
    return any(request.query_params.get(name) for name in PLAIN_FILTERS)


def filters_from(request: Request[Any, Any, Any], *, in_bin: bool = False) -> library.Filters:
    """The library view asked for: from the form's fields when it was just sent, else from
    the sealed token ``f`` of the address; the page number is plain (it says nothing)."""
    params = request.query_params
    search, category, order = params.get("q") or "", params.get("kind") or "", params.get("order") or ""
    token = params.get("f")
    if token and not has_plain_filters(request):
        user = signed_in(request)
        opened = _open_filters(request.app.state.master_key, user.account_id, token)
        if opened is not None:
            search, category, order = opened
    page = bounded_int(params.get("page"), default=1, low=1, high=MAX_PAGE)
    return library.Filters(
        category=category if category in details.CATEGORIES else None,
        search=search.strip()[:TITLE_MAX],
        order=order if order in library.ORDERS else "newest",
        page=page,
        in_bin=in_bin,
    )


def address_for(request: Request[Any, Any, Any], path: str, filters: library.Filters, page: str = "") -> str:
    """The address of a library view: ``path?f=<sealed filters>&page=N`` (the token is
    URL-safe base64; ``page`` may be a placeholder such as ``{page}``)."""
    token = seal_filters(request.app.state.master_key, signed_in(request).account_id, filters)
    parts = [f"f={token}"] if token else []
    if page:
        parts.append(f"page={page}")
    return f"{path}?{'&'.join(parts)}" if parts else path


async def with_sealed_address(
    request: Request[Any, Any, Any],
    path: str,
    filters: library.Filters,
    render: Callable[[], Awaitable[Response[Any]]],
) -> Response[Any]:
    """Answer a library view so that search words never stay in the address: a form just
    sent (words in clear) is redirected to the sealed address, or, with htmx, the list
    comes with ``HX-Push-Url`` set to it."""
    if not has_plain_filters(request):
        return await render()
    target = address_for(request, path, filters, str(filters.page) if filters.page > 1 else "")
    if request.headers.get("hx-request") != "true":
        return Redirect(path=target, status_code=303)
    response = await render()
    response.headers["HX-Push-Url"] = target
    return response


async def file_response(keyring: Keyring, info: details.DocumentInfo, *, download: bool) -> Response[bytes]:
    """The document's bytes: an attachment with a clean name when downloaded, else shown
    in the page (PDF and images only, recognised by their content: never HTML or SVG).

    Every chunk is opened before anything is sent, so a damaged document is answered
    with an error page, never with half a file (``storage.DocumentDamagedError``).
    """
    content = await storage.read_all(keyring, info.id, info.chunk_count)
    return content_response(content, info.details.media_type, info.file_name, download=download)


def content_response(content: bytes, media_type: str, file_name: str, *, download: bool) -> Response[bytes]:
    """A file's bytes, with the same headers as a document's: an attachment named
    ``file_name`` (a clean name: no quotes) when downloaded, else shown in the page."""
    disposition = "attachment" if download else "inline"
    return Response(
        content=content,
        media_type=media_type,
        headers={
            "Content-Disposition": content_disposition(disposition, file_name),
            "Content-Security-Policy": DOWNLOAD_POLICY if download else FILE_POLICY,
            "X-Frame-Options": "DENY" if download else "SAMEORIGIN",
        },
    )


def refuse_download(
    request: Request[Any, Any, Any], document: details.DocumentInfo, reach: Reach | None = None
) -> Template:
    """The answer to a download of a document on a kiosk: print it, or send it to your phone.

    ``reach`` is the door's yes to the documents of the document's patient, when the caller
    has it: the page then offers the library's print page, and, to the person themselves
    only, to send it to their own phone (a carer acting for someone never is: the link is
    for the person's own phone). Without it, only the person themselves is offered both."""
    if reach is None:
        user = signed_in(request)
        printable = phone = not user.acting and user.account_id == document.patient
    else:
        printable = reach.area is Area.DOCUMENTS and reach.subject == document.patient
        phone = printable and reach.by_subject
    return page(
        request, "kiosk/no_download.html", status=403, document=document, printable=printable, phone=phone
    )
