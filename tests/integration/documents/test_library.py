"""The patient's library: adding (content checked, not the name), finding (search, kind,
order, pages; htmx or plain GET), viewing and downloading, hiding, the bin."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.core.keys import key_owner
from portal.core.tables import AuditEvent
from portal.documents import changes
from portal.documents.tables import Document, DocumentChunk
from tests.conftest import csrf
from tests.html import page as read_page
from tests.people import make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 3000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client, max_document_bytes=50_000)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    account = make_person(app)
    sign_in_as(app, account)
    return account


def _add(app: Any, content: bytes = PDF, name: str = "scan.pdf", htmx: bool = False, **fields: str) -> Any:
    data = {
        "_csrf_token": csrf(app),
        "title": "Prise de sang de mars",
        "category": "lab_results",
        "date-day": "3",
        "date-month": "3",
        "date-year": "2026",
        **fields,
    }
    headers = {"HX-Request": "true"} if htmx else {}
    files = {"file": (name, content, "application/octet-stream")} if content is not None else {}
    return app.post("/space/documents/add", data=data, files=files, headers=headers, follow_redirects=False)


def _document_id(response: Any) -> uuid.UUID:
    found = re.search(
        r"/space/documents/([0-9a-f-]{36})",
        response.headers.get("location") or response.headers["hx-redirect"],
    )
    assert found
    return uuid.UUID(found.group(1))


def _titles(text: str) -> list[str]:
    return read_page(text).texts('h2.row-title > a[href^="/space/documents/"]')


def _events(app: Any, patient: uuid.UUID) -> list[tuple[str, str]]:
    return audit_events(app, "action", "outcome", subject=patient, area="documents")


def test_a_patient_adds_a_pdf_and_finds_it_in_the_library(app, patient):
    page = app.get("/space/documents/add")
    assert 'enctype="multipart/form-data"' in page.text and 'capture="environment"' in page.text
    added = _add(app)
    assert added.status_code == 303
    document_id = _document_id(added)
    view = app.get(added.headers["location"])
    assert "The document is in your space." in view.text and "Prise de sang de mars" in view.text
    library = app.get("/space/documents")
    assert _titles(library.text) == ["Prise de sang de mars"]
    assert "PDF document, 3 KB" in library.text and "Added by you" in library.text
    assert ("document.add", "allowed") in _events(app, patient)
    assert ("document.view", "allowed") in _events(app, patient)
    download = app.get(f"/space/documents/{document_id}/file?download=1")
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        'attachment; filename="Prise-de-sang-de-mars-2026-03-03.pdf"; '
        "filename*=UTF-8''Prise-de-sang-de-mars-2026-03-03.pdf"
    )
    assert download.headers["content-security-policy"].startswith("sandbox")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["cache-control"] == "no-store"
    inline = app.get(f"/space/documents/{document_id}/file")
    assert (
        inline.headers["content-disposition"].startswith("inline")
        and "script-src" not in inline.headers["content-security-policy"]
    )
    assert ("document.download", "allowed") in _events(app, patient)


def test_with_htmx_the_upload_ends_on_the_documents_page(app, patient):
    added = _add(app, htmx=True)
    assert added.status_code == 200 and added.headers["hx-redirect"].endswith("?done=added")
    wrong = _add(app, content=b"MZ\x90\x00 a program", name="facture.pdf", htmx=True)
    assert wrong.status_code == 400 and "This file is not a PDF" in wrong.text


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (
            b"MZ\x90\x00\x03 a Windows program",
            "ordonnance.pdf",
            "This file is not a PDF, a JPEG photo or a PNG image.",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image.png",
            "This file is not a PDF",
        ),
        (b"<!doctype html><html><script>alert(1)</script></html>", "letter.pdf", "This file is not a PDF"),
        (b"", "empty.pdf", "This file is empty."),
        (b"%PDF-" + b"x" * 60_000, "big.pdf", "This file is too big: the largest is 49 KB."),
        (None, "", "Choose the file of the document, or take a photo of it."),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_stored(app, patient, content, name, message):
    before = run(app, lambda: DocumentChunk.count())
    response = _add(app, content=content, name=name)
    assert response.status_code == 400
    assert message in html.unescape(response.text) and 'href="#file"' in response.text
    assert 'value="Prise de sang de mars"' in response.text
    assert run(app, lambda: Document.count().where(Document.patient == patient)) == 0
    assert run(app, lambda: DocumentChunk.count()) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"title": "  "}, "title", "Give the document a title"),
        ({"category": "secret"}, "category", "Choose what kind of document it is."),
        ({"date-day": "31", "date-month": "2"}, "date-day", "does not exist"),
        ({"date-year": "2999"}, "date-day", "This date is in the future."),
    ],
)
def test_each_missing_or_wrong_detail_is_explained_at_its_field(app, patient, fields, field, message):
    response = _add(app, **fields)
    assert response.status_code == 400 and f'href="#{field}"' in response.text
    assert message in html.unescape(response.text)


def test_a_form_with_mistakes_keeps_what_was_typed_and_says_each_error_at_its_field(app, patient):
    response = _add(
        app, title="  Radio   du genou ", category="secret", **{"date-day": "31", "date-month": "2"}
    )
    assert response.status_code == 400
    shown = read_page(response)
    assert shown.title.startswith("Error:")
    assert shown.error_summary() == {
        "category": "Choose what kind of document it is.",
        "date-day": "31 February does not exist. Check the day and the month.",
    }
    assert shown.field_error("category") == "Choose what kind of document it is."
    assert shown.field_error("date") == "31 February does not exist. Check the day and the month."
    values = shown.form_values('form[action="/space/documents/add"]')
    assert values["title"] == "Radio du genou" and values["category"] == ""
    assert (values["date-day"], values["date-month"], values["date-year"]) == ("31", "2", "2026")
    assert run(app, lambda: Document.count().where(Document.patient == patient)) == 0


def test_images_are_shown_and_their_type_said_in_words(app, patient):
    _add(app, content=PNG, name="photo.png", title="Radio du genou", category="imaging")
    _add(app, content=JPEG, name="IMG_0001.JPG", title="Ordonnance", category="prescriptions")
    text = app.get("/space/documents").text
    assert "image (PNG), 1 KB" in text and "photo (JPEG), 1 KB" in text


def test_print_prints_the_document_itself_and_says_how_without_javascript(app, patient):
    pdf_id = _document_id(_add(app))
    page = app.get(f"/space/documents/{pdf_id}").text
    # The button leads to the print page; with JavaScript it prints the document's frame.
    assert f'href="/space/documents/{pdf_id}/print" data-print>Print</a>' in page
    assert f'src="/space/documents/{pdf_id}/file" title="Prise de sang de mars" data-print-frame' in page
    # Without JavaScript: a PDF is printed from the browser's reader, which the page opens.
    response = app.get(f"/space/documents/{pdf_id}/print")
    assert response.status_code == 200
    assert "<title>Print: Prise de sang de mars" in response.text
    assert f'<a class="button button-primary" href="/space/documents/{pdf_id}/file">' in response.text
    assert "Ctrl and P" in response.text and "<img" not in response.text.split("<main", 1)[1]
    # An image is shown alone, for the browser's Print command.
    image_id = _document_id(_add(app, content=PNG, name="photo.png", title="Radio du genou"))
    response = app.get(f"/space/documents/{image_id}/print")
    assert f'<img class="document-view" src="/space/documents/{image_id}/file"' in response.text
    assert f'href="/space/documents/{image_id}/file"' not in response.text
    # Each showing is audited: the PDF's page, then each print page.
    assert _events(app, patient).count(("document.view", "allowed")) == 3


def test_search_kind_order_and_pages_work_with_plain_get_and_with_htmx(app, patient):
    for number in range(23):
        _add(app, title=f"Analyse {number:02d}", **{"date-day": str(1 + number % 28)})
    _add(app, title="Compte rendu d'hospitalisation", category="reports")
    first = app.get("/space/documents")
    assert "24 documents" in first.text and len(_titles(first.text)) == 20
    assert 'href="/space/documents?page=2"' in first.text
    second = app.get("/space/documents?page=2")
    assert len(_titles(second.text)) == 4
    found = app.get("/space/documents", params={"q": "hospitalisation"})
    assert _titles(found.text) == ["Compte rendu d'hospitalisation"]
    assert _titles(app.get("/space/documents?kind=reports").text) == ["Compte rendu d'hospitalisation"]
    by_title = _titles(app.get("/space/documents?order=title").text)
    assert by_title == sorted(by_title, key=str.casefold)
    fragment = app.get("/space/documents?q=analyse%2001", headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and _titles(fragment.text) == ["Analyse 01"]
    # What one looks for never stays in the address: a sent form goes to a sealed one...
    sent = app.get(
        "/space/documents", params={"q": "hospitalisation", "kind": "reports"}, follow_redirects=False
    )
    assert sent.status_code == 303 and sent.headers["location"].startswith("/space/documents?f=")
    assert "hospitalisation" not in sent.headers["location"] and "reports" not in sent.headers["location"]
    sealed = app.get(sent.headers["location"])
    assert (
        _titles(sealed.text) == ["Compte rendu d'hospitalisation"]
        and 'value="hospitalisation"' in sealed.text
    )
    # ...htmx is told to show that one instead...
    pushed = app.get("/space/documents?q=analyse", headers={"HX-Request": "true"})
    assert (
        pushed.headers["hx-push-url"].startswith("/space/documents?f=")
        and "analyse" not in pushed.headers["hx-push-url"]
    )
    # ...pages keep the sealed filters...
    many = app.get(app.get("/space/documents?q=analyse", follow_redirects=False).headers["location"])
    hrefs = [str(link["href"]) for link in read_page(many).all("a[href]")]
    assert any(re.fullmatch(r"/space/documents\?f=[A-Za-z0-9_-]+&page=2", href) for href in hrefs)
    # ...and a sealed address is of no use to anyone else, nor once altered.
    token = sent.headers["location"].split("f=")[1]
    assert len(_titles(app.get(f"/space/documents?f={token[:-2]}xx").text)) == 20
    other = make_person(app)
    sign_in_as(app, other)
    assert "No document found." in app.get(sent.headers["location"]).text
    sign_in_as(app, patient)
    # A bad filter is ignored, not an error.
    assert app.get("/space/documents?kind=nope&order=up&page=x").status_code == 200


def test_hiding_and_the_bin(app, patient):
    document_id = _document_id(_add(app))
    hidden = app.post(f"/space/documents/{document_id}/hide", data={"_csrf_token": csrf(app)})
    assert "The document is hidden from professionals." in hidden.text
    assert "Hidden from professionals" in app.get("/space/documents").text
    app.post(f"/space/documents/{document_id}/show", data={"_csrf_token": csrf(app)})
    binned = app.post(f"/space/documents/{document_id}/delete", data={"_csrf_token": csrf(app)})
    assert "The document is in the bin for 30 days." in binned.text and _titles(binned.text) == []
    bin_page = app.get("/space/documents/bin")
    assert (
        "Prise de sang de mars" in bin_page.text
        and f"/space/documents/{document_id}/restore" in bin_page.text
    )
    restored = app.post(f"/space/documents/{document_id}/restore", data={"_csrf_token": csrf(app)})
    assert "The document is back in your library." in restored.text
    changes = [a for a, _ in _events(app, patient) if a not in ("document.add", "document.view")]
    assert changes == ["document.hide", "document.show", "document.delete", "document.restore"]


def test_the_bin_is_emptied_after_30_days_by_destroying_keys(app, patient):
    document_id = _document_id(_add(app))
    app.post(f"/space/documents/{document_id}/delete", data={"_csrf_token": csrf(app)})

    async def purge() -> int:
        async with app.app.state.engine.transaction():
            await Document.update({Document.deleted_at: datetime.now(UTC) - timedelta(days=31)}).where(
                Document.id == document_id
            )
            return await changes.purge_old_bin()

    assert run(app, purge) >= 1
    assert run(app, lambda: Document.count().where(Document.id == document_id)) == 0
    assert app.get(f"/space/documents/{document_id}").status_code == 404


def test_the_documents_i_add_can_be_hidden_by_default(app, patient):
    app.post("/space/documents/settings", data={"_csrf_token": csrf(app), "hide_by_default": "1"})
    document_id = _document_id(_add(app))
    assert "Hidden from professionals" in app.get(f"/space/documents/{document_id}").text


def test_another_patients_document_is_not_found_and_the_try_is_audited(app, patient):
    document_id = _document_id(_add(app))
    other = make_person(app)
    sign_in_as(app, other)
    for path in (
        f"/space/documents/{document_id}",
        f"/space/documents/{document_id}/print",
        f"/space/documents/{document_id}/file?download=1",
    ):
        assert app.get(path).status_code == 404
    assert (
        app.post(f"/space/documents/{document_id}/delete", data={"_csrf_token": csrf(app)}).status_code == 404
    )
    # The door refused each try, audited under the one who tried, naming the document.
    refused = run(
        app,
        lambda: AuditEvent.select(AuditEvent.action, AuditEvent.object_id).where(
            (AuditEvent.actor == key_owner(other)) & (AuditEvent.outcome == "denied")
        ),
    )
    assert {(r["action"], r["object_id"]) for r in refused} == {
        ("read", f"document:{document_id}"),
        ("write", f"document:{document_id}"),
    }
    assert (
        run(app, lambda: Document.select(Document.deleted_at).where(Document.id == document_id).first())[
            "deleted_at"
        ]
        is None
    )


def test_a_tampered_chunk_is_answered_with_a_clear_page_not_half_a_file(app, patient):
    document_id = _document_id(_add(app))

    async def tamper() -> None:
        chunk = await DocumentChunk.select().where(DocumentChunk.document == document_id).first()
        data = bytearray(chunk["data"])
        data[-1] ^= 0xFF
        await DocumentChunk.update({DocumentChunk.data: bytes(data)}).where(DocumentChunk.id == chunk["id"])

    run(app, tamper)
    response = app.get(f"/space/documents/{document_id}/file?download=1")
    assert response.status_code == 410 and "This document cannot be opened" in response.text
    assert "content-disposition" not in response.headers
    assert ("document.download", "failed") in _events(app, patient)
