"""The library: a patient's documents (or what a professional may see), filtered, ordered
and paged, and the bin's count.

By when they were added the database chooses, counts and pages; what is sealed (titles,
kinds, the documents' dates) is chosen and ordered here, after opening (``library``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from portal.core.keys import Keyring
from portal.documents.details import DocumentInfo, _documents, _opened
from portal.documents.tables import Document

PAGE_SIZE = 20
# How a library may be ordered: when added (newest, oldest), by the document's date, by title.
ORDERS = ("newest", "oldest", "date", "title")


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    search: str = ""
    order: str = "newest"  # newest, oldest (when added), date (the document's), title
    page: int = 1
    in_bin: bool = False

    @property
    def needs_plaintext(self) -> bool:
        """Whether this view needs what is sealed to choose or order its documents: a search
        in the titles, a kind, an order by the document's date or by title. Those open every
        document of the view; the others are chosen, counted and paged by the database."""
        return bool(self.search.split() or self.category or self.order not in _ADDED_ORDERS)


@dataclass(frozen=True)
class Library:
    documents: list[DocumentInfo]
    total: int
    page: int
    pages: int
    new_count: int


def _matches(info: DocumentInfo, filters: Filters) -> bool:
    if filters.category and info.details.category != filters.category:
        return False
    words = filters.search.casefold().split()
    title = info.details.title.casefold()
    return all(word in title for word in words)


# When it was added (or put in the bin) is plain: the database orders and pages by it.
_ADDED_ORDERS = {
    "newest": " ORDER BY d.added_at DESC, d.id DESC",
    "oldest": " ORDER BY d.added_at ASC, d.id ASC",
}
_BIN_ORDER = " ORDER BY d.deleted_at DESC, d.id DESC"


def _added_key(info: DocumentInfo) -> tuple[datetime, str]:
    return (info.added_at, str(info.id))


# What is sealed (the document's date, its title) is ordered here, after opening.
_SEALED_ORDERS = {
    "newest": (_added_key, True),
    "oldest": (_added_key, False),
    "date": (lambda d: (d.details.document_date, d.added_at), True),
    "title": (lambda d: (d.details.title.casefold(), d.details.document_date), False),
}


# A page of a view, with the documents' keys, how many the view holds and how many are new
# (both counted on the index). Only fixed fragments go into the text (``_view``, the orders
# above); the values are parameters.
_PAGE = (
    "SELECT p.*, k.key_id, k.wrapped FROM (SELECT d.*,"
    " (SELECT COUNT(*) FROM document c WHERE c.patient = {{}}{view_c}) AS total_count,"
    " (SELECT COUNT(*) FROM document c WHERE c.patient = {{}}{view_c} AND c.is_new = {{}}) AS new_count"
    " FROM document d WHERE d.patient = {{}}{view_d}{order} LIMIT {{}} OFFSET {{}}) p"
    " LEFT JOIN data_key k ON k.owner = 'document:' || p.id"
)


def _pages(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def _view(alias: str, filters: Filters, for_professional: bool) -> str:
    """The plain conditions of a view, on the table named ``alias``: the bin or not, and
    for a professional, not hidden (its value is the last parameter)."""
    where = f" AND {alias}.deleted_at IS {'NOT ' if filters.in_bin else ''}NULL"
    return where + (f" AND {alias}.hidden = {{}}" if for_professional else "")


async def _library_page(
    keyring: Keyring, patient: uuid.UUID, filters: Filters, for_professional: bool
) -> Library:
    """One page of a view the database can choose and order by itself: one statement reads
    the page's documents, their keys and the counts (from the index), and only the page's
    documents are opened."""
    hidden: tuple[object, ...] = (False,) if for_professional else ()
    view_c, view_d = _view("c", filters, for_professional), _view("d", filters, for_professional)
    order = _BIN_ORDER if filters.in_bin else _ADDED_ORDERS[filters.order]
    page = max(1, filters.page)
    sql = _PAGE.format(view_c=view_c, view_d=view_d, order=order)
    values = (patient, *hidden, patient, *hidden, True, patient, *hidden, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    rows = await Document.raw(sql, *values)
    if not rows and page > 1:
        # Past the last page (an old link): the last page instead, as a sealed view does.
        total = await Document.count().where(
            Document.patient == patient,
            Document.deleted_at.is_not_null() if filters.in_bin else Document.deleted_at.is_null(),
            *((Document.hidden == False,) if for_professional else ()),  # noqa: E712
        )
        if total:
            return await _library_page(
                keyring, patient, replace(filters, page=_pages(int(total))), for_professional
            )
    documents = await _opened(keyring, rows)
    if filters.in_bin:
        documents.sort(key=lambda d: (d.deleted_at or d.added_at, str(d.id)), reverse=True)
    else:
        documents.sort(key=_added_key, reverse=filters.order == "newest")
    total = int(rows[0]["total_count"]) if rows else 0
    return Library(
        documents=documents,
        total=total,
        page=page if rows else 1,
        pages=_pages(total),
        new_count=int(rows[0]["new_count"]) if rows else 0,
    )


async def library(
    keyring: Keyring, patient: uuid.UUID, filters: Filters, *, for_professional: bool = False
) -> Library:
    """The patient's documents (or what a professional may see), filtered, sorted and paged.

    By when they were added (the default) the database picks the page and only its
    documents are opened. Titles, kinds and the documents' dates are sealed: a search, a
    kind or an order by title or by date opens every document of the view to choose and
    order them here (a person's library is a few hundred documents at most).
    """
    if not filters.needs_plaintext:
        return await _library_page(keyring, patient, filters, for_professional)
    view = _view("d", filters, for_professional)
    every = await _documents(keyring, patient, view, *((False,) if for_professional else ()))
    found = [info for info in every if _matches(info, filters)]
    key, reverse = _SEALED_ORDERS.get(filters.order, _SEALED_ORDERS["newest"])
    found.sort(key=key, reverse=reverse)
    pages = _pages(len(found))
    page = min(max(1, filters.page), pages)
    return Library(
        documents=found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        total=len(found),
        page=page,
        pages=pages,
        new_count=sum(1 for info in every if info.is_new),
    )


async def bin_count(patient: uuid.UUID) -> int:
    """How many documents are in the patient's bin (nothing to open to count them)."""
    return int(
        await Document.count().where((Document.patient == patient) & Document.deleted_at.is_not_null())
    )
