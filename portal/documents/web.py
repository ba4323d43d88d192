"""What the patient's and the professional's document pages share: reading the library's
filters, saying sizes in words, checking an upload, and sending a document's file."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.response import Response

from portal.accounts import identity
from portal.core.i18n import current_locale
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.documents import services, storage

# Anything a document's file is sent with: no script, no style, nothing fetched, no form.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
DOWNLOAD_POLICY = "sandbox; default-src 'none'; frame-ancestors 'none'"
TITLE_MAX = 120


def size_in_words(size: int) -> str:
    locale = current_locale()
    if size < 1024 * 1024:
        return _("%(size)s KB", size=format_decimal(max(1, round(size / 1024)), locale=locale))
    return _("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1), locale=locale))


def describe_file(info: services.DocumentInfo) -> str:
    """ "PDF document, 2.3 MB"."""
    return _(
        "%(kind)s, %(size)s", kind=services.kind_name(info.details.media_type), size=size_in_words(info.size)
    )


def filters_from(request: Request[Any, Any, Any], *, in_bin: bool = False) -> services.Filters:
    params = request.query_params
    category = params.get("kind") or None
    order = params.get("order") or "newest"
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    return services.Filters(
        category=category if category in services.CATEGORIES else None,
        search=(params.get("q") or "").strip()[:TITLE_MAX],
        order=order if order in ("newest", "oldest", "title") else "newest",
        page=page,
        in_bin=in_bin,
    )


def query_for(filters: services.Filters, page: int | None = None) -> str:
    """The address of the library with these filters (so Back and reloads find it again)."""
    from urllib.parse import urlencode

    values = {
        "q": filters.search,
        "kind": filters.category or "",
        "order": filters.order if filters.order != "newest" else "",
        "page": str(page) if page and page > 1 else "",
    }
    return urlencode({k: v for k, v in values.items() if v})


class UploadCheck:
    """An upload form, checked: ``details`` and ``content`` when everything is right,
    else ``errors`` by field (in the order of the page) and the values typed."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}
        self.values: dict[str, str] = {}
        self.details: services.Details | None = None
        self.content: bytes = b""


async def read_upload(form: Any, max_bytes: int, today: date) -> UploadCheck:
    check = UploadCheck()
    check.values = {
        name: str(form.get(name, "")) for name in ("title", "category", "date-day", "date-month", "date-year")
    }
    upload = next(
        (f for f in (form.get("file"), form.get("photo")) if isinstance(f, UploadFile) and f.filename), None
    )
    media_type = None
    if upload is None:
        check.errors["file"] = _("Choose the file of the document, or take a photo of it.")
    else:
        content = await upload.read(max_bytes + 1)
        if len(content) > max_bytes:
            check.errors["file"] = _(
                "This file is too big: the largest is %(size)s. "
                "Scan it again in a lower quality, or send fewer pages.",
                size=size_in_words(max_bytes),
            )
        elif not content:
            check.errors["file"] = _("This file is empty. Choose the file again.")
        else:
            media_type = services.sniff(content)
            if media_type is None:
                check.errors["file"] = _(
                    "This file is not a PDF, a JPEG photo or a PNG image. Choose one of those."
                )
            check.content = content
    title = " ".join(check.values["title"].split())
    if not title:
        check.errors["title"] = _('Give the document a title, for example "Blood test of March".')
    elif len(title) > TITLE_MAX:
        check.errors["title"] = _("Write at most %(count)d characters.", count=TITLE_MAX)
    category = check.values["category"]
    if category not in services.CATEGORIES:
        check.errors["category"] = _("Choose what kind of document it is.")
    document_date = None
    try:
        document_date = identity.parse_past_date(
            check.values["date-day"], check.values["date-month"], check.values["date-year"], today
        )
    except identity.IdentityError as exc:
        check.errors["date-day"] = exc.message
    if not check.errors and media_type and document_date:
        check.details = services.Details(
            title=title, category=category, document_date=document_date.isoformat(), media_type=media_type
        )
    return check


async def file_response(keyring: Keyring, info: services.DocumentInfo, *, download: bool) -> Response[bytes]:
    """The document's bytes: an attachment with a clean name when downloaded, else shown
    in the page (PDF and images only, recognised by their content: never HTML or SVG).

    Every chunk is opened before anything is sent, so a damaged document is answered
    with an error page, never with half a file (``storage.DocumentDamagedError``).
    """
    content = await storage.read_all(keyring, info.id, info.chunk_count)
    disposition = "attachment" if download else "inline"
    return Response(
        content=content,
        media_type=info.details.media_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{info.file_name}"',
            "Content-Security-Policy": DOWNLOAD_POLICY if download else FILE_POLICY,
            "X-Frame-Options": "DENY" if download else "SAMEORIGIN",
        },
    )


def document_id_of(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw)
    except ValueError:
        return None
