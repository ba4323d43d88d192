"""The summary's and the advance directives' PDFs: large print, every table row whole,
ticks where the person takes a medicine, the official form's plan, clean file names."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from portal.core.i18n import use_locale
from portal.profile import summary, summary_pdf
from portal.profile.summary import (
    SUMMARY_SECTIONS,
    Summary,
    directives_of,
    summary_file_name,
)

MM = 72 / 25.4

DIRECTIVES = {
    "situation": "ill",
    "resuscitation": "refuse",
    "ventilation": "want",
    "dialysis": "unsure",
    "sedation": "want",
    "other_wishes": "Rester chez moi le plus longtemps possible",
    "place": "Lyon",
    "written_at": "2026-03-02",
}


def _summary(treatments: int = 2, sections: tuple[str, ...] = SUMMARY_SECTIONS) -> Summary:
    return Summary(
        name="Jeanne Lefèvre",
        born="27 March 1941",
        printed=date(2026, 11, 26),
        printed_name="26 November 2026",
        sections=frozenset(sections),
        treatments=[
            summary._treatment(
                {
                    "name": f"Cachet{number:02d}",
                    "dose": "1 comprimé",
                    "times": ["morning", "bedtime", "at tea time"],
                    "instructions": "Avec un grand verre d'eau, au milieu du repas",
                    "prescriber": "Dr Martin",
                }
            )
            for number in range(1, treatments + 1)
        ],
        allergies=[
            summary._allergy({"substance": "Pénicilline", "kind": "allergy", "severity": "moderate"}),
            summary._allergy({"substance": "Arachide", "kind": "allergy", "severity": "severe"}),
        ],
        contacts=[summary._contact({"name": "Paul Lefèvre", "role": "carer", "phone": "06 12 34 56 78"})],
        directives=directives_of(DIRECTIVES),
        donation=None,
    )


def _pages(content: bytes) -> list[list[tuple[str, float]]]:
    """Each page's pieces of text with their size in points."""
    pages = []
    for page in PdfReader(io.BytesIO(content)).pages:
        pieces: list[tuple[str, float]] = []
        page.extract_text(
            visitor_text=lambda text, cm, tm, font, size, pieces=pieces: (
                pieces.append((" ".join(text.split()), size)) if text.strip() else None
            )
        )
        pages.append(pieces)
    return pages


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_summary_pdf_is_large_print_with_every_section(locale):
    with use_locale(locale):
        content = summary_pdf._summary_pdf(_summary(), locale)
    assert content.startswith(b"%PDF-")
    text = _text(content)
    for expected in ("Jeanne Lefèvre", "Cachet01", "Cachet02", "Dr Martin", "Pénicilline", "Paul Lefèvre"):
        assert expected in text
    assert "06\u00a012\u00a034\u00a056\u00a078" in text or "06 12 34 56 78" in text
    sizes = [size for page in _pages(content) for _text, size in page]
    assert min(sizes) >= 14
    assert max(sizes) >= 22  # the title
    reader = PdfReader(io.BytesIO(content))
    box = reader.pages[0].mediabox
    assert round(float(box.width) / MM) == 297  # landscape A4: the treatments' table is wide
    assert reader.metadata.title


def test_treatments_keep_only_the_known_times_of_day():
    treatment = _summary(1).treatments[0]
    assert treatment.times == {"morning", "bedtime"}


def test_a_long_list_goes_on_several_pages_with_its_headings_again_and_page_numbers():
    with use_locale("en"):
        content = summary_pdf._summary_pdf(_summary(treatments=25), "en")
    pages = _pages(content)
    assert len(pages) >= 3
    medicine_headers = [number for number, page in enumerate(pages) if ("Medicine", 15.0) in page]
    assert len(medicine_headers) >= 2  # the table's heading row on each of its pages
    for number, page in enumerate(pages, start=1):
        footer = " ".join(text for text, _size in page)
        assert f"Page {number} of {len(pages)}" in footer
    # No row is lost or cut in two: each medicine is on one page, in order.
    names = [text for page in pages for text, _size in page if text.startswith("Cachet")]
    assert names == [f"Cachet{n:02d}" for n in range(1, 26)]


def test_empty_and_hidden_sections():
    empty = Summary(
        name="",
        born="",
        printed=date(2026, 1, 5),
        printed_name="5 January 2026",
        sections=frozenset({"treatments", "allergies"}),
    )
    with use_locale("en"):
        text = _text(summary_pdf._summary_pdf(empty, "en"))
    assert "No treatment recorded." in text
    assert "No allergy or intolerance recorded." in text
    assert "People to contact" not in text and "Advance directives" not in text


def test_the_directives_follow_the_official_form():
    with use_locale("en"):
        directives = directives_of(DIRECTIVES)
        person = summary_pdf._Person("Jeanne Lefèvre", "27 March 1941", "12 rue des Écoles\n69001 Lyon")
        content = summary_pdf._directives_pdf(person, directives, "en")
    assert [wish.choice for wish in directives.wishes] == ["refuse", "want", "unsure", "", "", ""]
    assert directives.sedation.choice == "want"
    assert directives.written_at == date(2026, 3, 2)
    text = _text(content)
    for expected in (
        "My advance directives",
        "Who I am",
        "Jeanne Lefèvre",
        "12 rue des Écoles, 69001 Lyon",
        "My situation",
        "I have a serious illness (form A).",
        "I do not have a serious illness (form B).",
        "My wishes about treatments that keep me alive",
        "Deep and continuous sedation",
        "Rester chez moi le plus longtemps possible",
        "Written at Lyon on March 2, 2026.",
        "My signature:",
    ):
        assert expected in text, expected
    sizes = [size for page in _pages(content) for _text, size in page]
    assert min(sizes) >= 14
    assert round(float(PdfReader(io.BytesIO(content)).pages[0].mediabox.width) / MM) == 210


def test_directives_with_nothing_chosen_still_make_a_form_to_fill_by_hand():
    with use_locale("en"):
        directives = directives_of({"situation": "nonsense", "resuscitation": "maybe"})
        content = summary_pdf._directives_pdf(summary_pdf._Person("", "", ""), directives, "en")
    assert directives.situation_name == "" and directives.wishes[0].choice == ""
    assert directives.written_at is None
    text = _text(content)
    assert "No other wishes written." in text and "Written at:" in text


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_the_file_name_is_clean(locale):
    with use_locale(locale):
        name = summary_file_name(date(2026, 11, 26))
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*-2026-11-26\.pdf", name), name
