"""The library opens only what it shows: the database picks, counts and pages the documents
(newest added first), and only the page's documents are read and opened.

Counted on the real app: the rows the engine returns for the library's statement, and the
sealed values opened (``Keyring.open``, the real one, watched). A search, a kind, or an
order by title or by the document's date need what is sealed: those views still open the
whole library (said in ``portal.documents.library.library``). The plan of the library's
query is checked on both databases with a library of 20,000 documents (the throwaway
database of ``tests/integration/core/test_indexes.py``): walked on the index
``document_patient_added`` (patient, added_at, id), nothing sorted, no table read whole.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.core.keys import Keyring
from portal.documents.changes import add_document
from portal.documents.demo import demo_pdf
from portal.documents.details import Details
from portal.documents.library import Filters, library
from portal.documents.tables import Document
from tests.conftest import TEST_MASTER_KEY
from tests.html import page
from tests.integration.core.test_indexes import (  # noqa: F401 (the fixture)
    KEYRING,
    assert_walks,
    described,
    first_statement,
    nodes,
    person,
    sorts_or_reads_whole,
    throwaway,
)
from tests.people import make_person, portal_client, run, sign_in_as

DOCUMENTS = 45  # three pages: 20, 20 and 5


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@dataclass
class Seen:
    """What the app read while a block ran: rows per statement, and sealed values opened by table."""

    rows: list[tuple[str, int]] = field(default_factory=list)
    opened: list[str] = field(default_factory=list)

    def rows_of(self, start: str) -> list[int]:
        return [count for sql, count in self.rows if start in sql]


@contextmanager
def watching(client: Any) -> Iterator[Seen]:
    seen = Seen()
    engine_class = type(client.app.state.engine)
    real_run, real_open = engine_class.run_querystring, Keyring.open

    async def run_querystring(self: Any, query: Any, *args: Any, **kwargs: Any) -> Any:
        result = await real_run(self, query, *args, **kwargs)
        sql = " ".join(query.compile_string(self.engine_type)[0].split())
        seen.rows.append((sql, len(result) if isinstance(result, list) else 0))
        return result

    async def open_(self: Keyring, place: Any, sealed: bytes) -> str:
        seen.opened.append(place.table)
        return await real_open(self, place, sealed)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(engine_class, "run_querystring", run_querystring)
        patch.setattr(Keyring, "open", open_)
        yield seen


def fill(client: Any, patient: uuid.UUID, count: int) -> list[str]:
    """``count`` documents added a minute apart (titles "Document 00"...), the oldest first;
    their dates run the other way (the first added is the most recent document)."""

    async def work() -> list[str]:
        titles = []
        async with client.app.state.engine.transaction():
            for number in range(count):
                title = f"Document {number:02d}"
                added = await add_document(
                    KEYRING,
                    patient=patient,
                    author=patient,
                    author_role="patient",
                    details=Details(
                        title, "lab_results", f"2025-12-{28 - number % 28:02d}", "application/pdf"
                    ),
                    content=demo_pdf(title, ["-"]),
                )
                at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=number)
                await Document.update({Document.added_at: at}).where(Document.id == added)
                titles.append(title)
        return titles

    result: list[str] = run(client, work)
    return result


def titles(text: str) -> list[str]:
    return page(text).texts('h2.row-title > a[href^="/space/documents/"]')


LIBRARY_STATEMENT = "SELECT p.*, k.key_id, k.wrapped FROM (SELECT d.*"


def test_a_page_of_the_library_reads_and_opens_only_its_documents(app):
    patient = make_person(app)
    added = fill(app, patient, DOCUMENTS)
    sign_in_as(app, patient)
    app.get("/space/documents")  # whatever is set up once
    with watching(app) as seen:
        first = app.get("/space/documents")
    assert first.status_code == 200
    assert titles(first.text) == added[::-1][:20]  # newest added first
    assert f"{DOCUMENTS} documents" in first.text and 'href="/space/documents?page=3"' in first.text
    assert seen.rows_of(LIBRARY_STATEMENT) == [20]
    assert seen.opened.count("document") == 20
    # No statement reads the whole library.
    assert max(count for _sql, count in seen.rows) <= 20, seen.rows
    with watching(app) as seen:
        last = app.get("/space/documents?page=3")
    assert titles(last.text) == added[::-1][40:]
    assert seen.rows_of(LIBRARY_STATEMENT) == [5] and seen.opened.count("document") == 5
    assert (
        f"{DOCUMENTS} documents" in last.text
        and 'aria-current="page" href="/space/documents?page=3"' in last.text
    )
    # Oldest first is paged by the database too; a page past the end shows the last one.
    with watching(app) as seen:
        oldest = app.get(app.get("/space/documents?order=oldest", follow_redirects=False).headers["location"])
    assert titles(oldest.text) == added[:20] and seen.opened.count("document") == 20
    assert titles(app.get("/space/documents?page=9").text) == added[::-1][40:]


def test_views_that_need_what_is_sealed_open_the_library_and_still_work(app):
    patient = make_person(app)
    added = fill(app, patient, 25)
    sign_in_as(app, patient)
    with watching(app) as seen:
        by_date = app.get(app.get("/space/documents?order=date", follow_redirects=False).headers["location"])
    # The document's date is sealed: all 25 are opened to order them by it (newest date first).
    assert seen.opened.count("document") == 25
    assert titles(by_date.text)[:3] == ["Document 00", "Document 01", "Document 02"]
    found = app.get("/space/documents", params={"q": "document 24"})
    assert titles(found.text) == [added[24]]


def test_a_professional_and_the_bin_get_pages_of_their_own(app):
    patient = make_person(app)
    fill(app, patient, 23)

    async def bin_and_hide() -> None:
        async with app.app.state.engine.transaction():
            rows = (
                await Document.select(Document.id)
                .where(Document.patient == patient)
                .order_by(Document.added_at)
            )
            ids = [row["id"] for row in rows]
            await Document.update({Document.deleted_at: datetime.now(UTC)}).where(Document.id.is_in(ids[:2]))
            await Document.update({Document.hidden: True}).where(Document.id.is_in(ids[2:4]))

    run(app, bin_and_hide)

    async def views() -> tuple[Any, Any]:
        async with app.app.state.engine.transaction():
            for_pro = await library(Keyring(TEST_MASTER_KEY), patient, Filters(page=2), for_professional=True)
            binned = await library(Keyring(TEST_MASTER_KEY), patient, Filters(in_bin=True))
        return for_pro, binned

    for_pro, binned = run(app, views)
    # 23 - 2 in the bin - 2 hidden = 19: one page, so page 2 is page 1.
    assert (for_pro.total, for_pro.page, for_pro.pages, len(for_pro.documents)) == (19, 1, 1, 19)
    assert not any(d.hidden or d.deleted_at for d in for_pro.documents)
    assert (binned.total, len(binned.documents)) == (2, 2) and all(d.deleted_at for d in binned.documents)
    sign_in_as(app, patient)
    assert "Put in the bin on" in app.get("/space/documents/bin").text


async def test_the_library_page_is_walked_on_its_index(throwaway, monkeypatch):  # noqa: F811
    for order in ("newest", "oldest"):
        query = await first_statement(
            throwaway.engine,
            monkeypatch,
            lambda order=order: library(KEYRING, person(7), Filters(order=order, page=3)),
        )
        assert "FROM document d" in query.sql and "LIMIT" in query.sql
        plan = await throwaway.explain(query.sql, query.values)
        # The only scan is of the page itself (the subquery "p", 20 rows), nothing sorted.
        assert_walks(throwaway.kind, plan, "document_patient_added", "data_key_owner", scans=("SCAN p",))
