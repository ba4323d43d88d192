"""The messages' form, read with the form layer: whom to, the subject, the text, a file and
its kind, a document of the library; each error at its field, what was typed kept, and
nothing stored (a file is filed by the route, once the form is right)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from litestar.datastructures import FormMultiDict, UploadFile

from portal.core.i18n import use_locale
from portal.documents import services as documents
from portal.messages import forms

TODAY = date(2026, 12, 8)
PDF = b"%PDF-1.7\n..."
DOCTOR = str(uuid.uuid4())
NURSE = str(uuid.uuid4())


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _sent(*pairs: tuple[str, Any]) -> FormMultiDict:
    return FormMultiDict(list(pairs))


def _document(*, hidden: bool = False, gone: bool = False) -> documents.DocumentInfo:
    return documents.DocumentInfo(
        id=uuid.uuid4(),
        patient=uuid.uuid4(),
        author=None,
        author_role="patient",
        details=documents.Details("Compte rendu", "reports", "2026-12-01", "application/pdf"),
        size=10,
        chunk_count=1,
        added_at=datetime(2026, 12, 1, tzinfo=UTC),
        hidden=hidden,
        is_new=False,
        deleted_at=datetime(2026, 12, 2, tzinfo=UTC) if gone else None,
    )


async def _read(sent: FormMultiDict, **options: Any) -> Any:
    settings: dict[str, Any] = {
        "new": False,
        "offered": None,
        "library": None,
        "max_bytes": 1024,
        "today": TODAY,
        **options,
    }
    return await forms.read_message(sent, **settings)


async def test_a_new_conversation_is_read_in_the_order_of_the_page():
    sent = _sent(
        ("to", NURSE),
        ("to", "forged"),
        ("subject", "  Mes   résultats "),
        ("body", "\r\nBonjour,\r\nvoici.\r\n"),
        ("file", UploadFile("application/octet-stream", "prise_de_sang.mars.pdf", PDF)),
        ("category", "lab_results"),
    )
    form, message = await _read(sent, new=True, offered={DOCTOR, NURSE}, library={})
    assert form.ok and message is not None
    assert message.to == [uuid.UUID(NURSE)] and message.subject == "Mes résultats"
    assert message.body == "Bonjour,\nvoici." and message.document is None
    new_file = message.new_file
    assert new_file is not None
    assert (new_file.title, new_file.category, new_file.media_type, new_file.filed_on) == (
        "prise de sang.mars",
        "lab_results",
        "application/pdf",
        TODAY,
    )
    assert forms.carries_file(form)


async def test_errors_are_said_at_their_fields_and_what_was_typed_is_kept():
    sent = _sent(("to", "forged"), ("subject", ""), ("body", "x" * 5001), ("category", "secret"))
    form, message = await _read(sent, new=True, offered={DOCTOR}, library={})
    assert message is None
    assert form.errors == {
        "to": "Choose at least one professional to write to.",
        "subject": 'Say what it is about, for example "My blood test results".',
        "body": "Your message is 5001 characters long: the longest is 5000. "
        "Shorten it, or send it in two messages.",
    }
    assert list(form.summary) == ["to", "subject", "body"]
    assert form.value("body") == "x" * 5001 and form.chosen("to") == []
    assert form.value("category") == "other" and not forms.carries_file(form)


async def test_a_file_that_is_not_a_document_is_an_error_and_still_a_file_sent():
    sent = _sent(("body", "Voici"), ("file", UploadFile("application/pdf", "photo.pdf", b"MZ\x90")))
    form, message = await _read(sent)
    assert message is None and forms.carries_file(form)
    assert form.errors == {
        "file": "This file is not a PDF, a JPEG photo or a PNG image. Choose one of those."
    }
    assert form.value("body") == "Voici"


async def test_a_file_without_a_name_of_its_own_is_filed_under_words_that_say_so():
    sent = _sent(("body", "Voici"), ("file", UploadFile("application/pdf", ".pdf", PDF)))
    _form, message = await _read(sent)
    assert message is not None and message.new_file is not None
    assert message.new_file.title == "Document sent in a message"
    assert message.new_file.category == "other"


@pytest.mark.parametrize(
    ("found", "message"),
    [
        (None, "This document is no longer in your library. Choose another one."),
        ("gone", "This document is no longer in your library. Choose another one."),
        ("hidden", "This document is hidden from professionals: they could not open it."),
    ],
)
async def test_a_document_of_the_library_that_cannot_be_sent_says_why(found, message):
    document = _document(hidden=found == "hidden", gone=found == "gone")
    named = str(document.id)
    library = {named: document} if found else {}
    form, read = await _read(_sent(("body", "Voici"), ("document", named)), library=library)
    assert read is None and form.errors["document"].startswith(message)


async def test_a_document_of_the_library_is_sent_and_a_professional_picks_none():
    document = _document()
    sent = _sent(("body", "Voici"), ("document", str(document.id)))
    form, message = await _read(sent, library={str(document.id): document})
    assert form.ok and message is not None and message.document == document.id
    assert form.value("document") == str(document.id)
    # A professional's form has no library: what it names is not read.
    form, message = await _read(sent, library=None)
    assert form.ok and message is not None and message.document is None and "document" not in form.values


def test_a_draft_keeps_what_was_typed_and_a_closed_conversation_says_why_it_did_not_go():
    sent = _sent(("subject", " Rendez-vous  de lundi "), ("body", " À voir\r\n"), ("to", DOCTOR), ("to", "x"))
    assert forms.named_document(_sent(("document", " abc "))) == "abc"
    to = forms.offered_to(sent, {DOCTOR})
    assert forms.draft_of(sent, to) == forms.services.Draft("Rendez-vous de lundi", " À voir\r\n", (DOCTOR,))
    assert forms.draft_of(sent, new=False) == forms.services.Draft(body=" À voir\r\n")
    unsent = forms.unsent("Une dernière question")
    assert unsent.value("body") == "Une dernière question"
    assert unsent.errors["body"].startswith("This conversation is closed")
