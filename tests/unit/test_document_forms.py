"""The documents' upload form, read with the form layer: the file (or a photo), the title,
the kind and the date, each error at its field, what was typed kept, nothing stored."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from litestar.datastructures import FormMultiDict, UploadFile

from portal.core.i18n import use_locale
from portal.documents.forms import read_document

TODAY = date(2026, 12, 8)
PNG = b"\x89PNG\r\n\x1a\n...."


@pytest.fixture(autouse=True)
def english():
    with use_locale("en"):
        yield


def _sent(**fields: Any) -> FormMultiDict:
    typed = {
        "title": "  Prise de  sang ",
        "category": "lab_results",
        "date-day": "3",
        "date-month": "3",
        "date-year": "2026",
        **fields,
    }
    return FormMultiDict(list(typed.items()))


async def test_a_document_is_read_from_a_photo_taken_instead_of_a_file():
    form, document = await read_document(
        _sent(file="", photo=UploadFile("image/png", "IMG_1.png", PNG)), max_bytes=100, today=TODAY
    )
    assert form.ok and document is not None and document.content == PNG
    assert document.details.title == "Prise de sang" and document.details.category == "lab_results"
    assert (document.details.document_date, document.details.media_type) == ("2026-03-03", "image/png")


async def test_each_error_is_at_its_field_in_the_order_of_the_page_and_what_was_typed_stays():
    sent = _sent(title=" ", category="secret", **{"date-day": "9", "date-month": "12"})
    form, document = await read_document(sent, max_bytes=100, today=TODAY)
    assert document is None
    assert form.summary == {
        "file": "Choose the file of the document, or take a photo of it.",
        "title": 'Give the document a title, for example "Blood test of March".',
        "category": "Choose what kind of document it is.",
        "date-day": "This date is in the future. Check the year.",
    }
    assert form.date_value("date") == {"day": "9", "month": "12", "year": "2026"}
    assert form.value("category") == ""
