"""The activation letter: one large-print A4 page, the address in the envelope's window."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from portal.accounts import letters
from portal.accounts.letters import activation_letter_pdf
from portal.core.letters import DEJAVU_DIR, FontFiles, group_code, letter_font

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT_MM = 297

JEANNE = {
    "recipient_name": "Jeanne Lefèvre",
    "address_lines": ["12 rue des Écoles", "Bâtiment B", "75005 Paris"],
    "code": "4821-7730",
    "expires_on": date(2027, 3, 3),
    "activation_url": "https://portal.example.org/activate",
}

LONG = {
    "recipient_name": "Marie-Thérèse Bérénice de La Rochefoucauld-Montmorency-Laval",
    "address_lines": [
        "Résidence Les Jardins de la Vallée, Appartement 1204",
        "Escalier C, 3e étage, porte gauche après l'ascenseur",
        "147 boulevard du Maréchal-de-Lattre-de-Tassigny",
        "Lieu-dit Les Hauts de Saint-Rémy-lès-Chevreuse",
        "BP 12345",
        "78470 SAINT-RÉMY-LÈS-CHEVREUSE CEDEX",
    ],
    "code": "ABCD-EFGH-JKLM-NPQR",
    "expires_on": date(2027, 12, 31),
    "activation_url": "https://mon-espace-sante.portal.example.org/activation/start",
}


def _read(pdf: bytes) -> tuple[PdfReader, list[tuple[str, float, float, float]]]:
    """The reader, and each piece of text with its size (pt), left and baseline (mm from the top)."""
    reader = PdfReader(io.BytesIO(pdf))
    pieces: list[tuple[str, float, float, float]] = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip():
            pieces.append((" ".join(text.split()), font_size, tm[4] / MM, A4_HEIGHT_MM - tm[5] / MM))

    reader.pages[0].extract_text(visitor_text=visit)
    return reader, pieces


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize(("locale", "expiry"), [("fr", "3 mars 2027"), ("en", "March 3, 2027")])
def test_the_letter_is_one_pdf_page_with_the_code_the_address_and_the_date_in_words(locale, expiry):
    pdf = activation_letter_pdf(locale=locale, **JEANNE)
    assert pdf.startswith(b"%PDF")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    text = _text(pdf)
    assert "4821 7730" in text
    assert "Jeanne Lefèvre" in text
    for line in JEANNE["address_lines"]:
        assert line in text
    assert expiry in text
    assert "https://portal.example.org/activate" in text
    assert "0 800 00 00 00" in text


def test_the_letter_is_in_the_persons_language():
    assert "Mon espace santé" in _text(activation_letter_pdf(locale="fr", **JEANNE))
    assert "My health space" in _text(activation_letter_pdf(locale="en", **JEANNE))


def test_the_text_is_large_and_the_code_very_large():
    _reader, pieces = _read(activation_letter_pdf(locale="en", **JEANNE))
    address = {JEANNE["recipient_name"], *JEANNE["address_lines"]}
    body = [(text, size) for text, size, _x, _y in pieces if text not in address]
    assert all(size >= 16 for _text, size in body), body
    assert [size for text, size in body if text == "4821 7730"] == [pytest.approx(34)]


def test_the_name_and_address_sit_in_the_window_of_a_french_envelope():
    _reader, pieces = _read(activation_letter_pdf(locale="fr", **JEANNE))
    placed = {text: (x, y) for text, _size, x, y in pieces}
    for line in [JEANNE["recipient_name"], *JEANNE["address_lines"]]:
        x, baseline = placed[line]
        assert 100 <= x <= 105, line
        assert 47 < baseline < 92, line
    assert placed[JEANNE["recipient_name"]][1] < 56


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_a_long_name_and_address_still_fit_on_one_page(locale):
    pdf = activation_letter_pdf(locale=locale, **LONG)
    reader, pieces = _read(pdf)
    assert len(reader.pages) == 1
    text = _text(pdf)
    assert "ABCD EFGH JKLM NPQR" in text
    for line in LONG["address_lines"]:
        assert line in text
    address = [(x, y) for t, _s, x, y in pieces if t in LONG["address_lines"]]
    assert len(address) == len(LONG["address_lines"])
    assert all(x >= 100 and y < 92 for x, y in address)


def _fonts() -> list[FontFiles]:
    fonts = [letter_font()]
    dejavu = FontFiles("DejaVuSans", DEJAVU_DIR / "DejaVuSans.ttf", DEJAVU_DIR / "DejaVuSans-Bold.ttf")
    if dejavu.regular.is_file() and dejavu not in fonts:
        fonts.append(dejavu)
    return fonts


@pytest.mark.parametrize("font", _fonts(), ids=lambda font: font.name)
def test_every_font_the_letter_may_use_keeps_it_on_one_page(font, monkeypatch):
    monkeypatch.setattr(letters, "letter_font", lambda: font)
    pdf = activation_letter_pdf(locale="fr", **LONG)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert "3 mars 2027" in _text(activation_letter_pdf(locale="fr", **JEANNE))


def test_the_font_comes_with_the_portals_dependencies():
    assert letter_font().name == "OpenSans"
    assert letter_font().regular.is_file() and letter_font().bold.is_file()


@pytest.mark.parametrize(
    ("code", "shown"),
    [
        ("4821-7730", "4821 7730"),
        ("48217730", "4821 7730"),
        ("482177", "482 177"),
        ("abcd efgh jk", "abcd efgh jk"),
        ("Ab3k9Pq2", "Ab3k 9Pq2"),
        ("ABCDEFGHJ", "ABC DEF GHJ"),
    ],
)
def test_the_code_is_shown_in_groups(code, shown):
    assert group_code(code) == shown
