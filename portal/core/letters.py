"""Printed letters, for people who have no email: large print, one A4 page.

This module holds what every letter shares (page layout, fonts, the envelope's window,
PDF settings); each letter is written by the feature that sends it (the activation
letter: ``portal.accounts.letters``).

A letter goes in a French windowed envelope (DL, window on the right): the
recipient's name and postal address sit 100 mm from the left edge and 47 mm
from the top. Body text is 16 pt or more; the code is 34 pt. Like emails,
letters never carry health data.

The font ships with the portal's dependencies (Open Sans, from the
``ttf-opensans`` package), so every machine prints the same letter without
system fonts; Debian's DejaVu Sans (``fonts-dejavu-core``) is the fallback.
Building a letter is CPU work (a few tens of milliseconds): async code runs
it in a worker thread.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")

# Millimetres, on A4 (210 x 297).
MARGIN = 20.0
WINDOW_X, WINDOW_Y, WINDOW_W, WINDOW_H = 100.0, 47.0, 95.0, 40.0
BODY_TOP = 100.0  # below the window and the first fold of a letter folded in three
BOTTOM_MARGIN = 12.0

TITLE_PT, HEADING_PT, BODY_PT, CODE_PT = 22, 19, 16, 34
CODE_MIN_PT = 28
ADDRESS_PT, ADDRESS_MIN_PT = 14.0, 8.0
LINE = 1.45  # line height, in multiples of the font size

PT = 25.4 / 72  # millimetres per point

Pdf = TypeVar("Pdf", bound=FPDF)


class LetterError(RuntimeError):
    """A letter cannot be built (no usable font)."""


@dataclass(frozen=True)
class FontFiles:
    name: str
    regular: Path
    bold: Path


def _package_dir(package: str) -> Path | None:
    """Where an installed package lives, without importing (running) it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def letter_font() -> FontFiles:
    """Open Sans from the ``ttf-opensans`` dependency, else Debian's DejaVu Sans."""
    candidates = []
    opensans = _package_dir("ttf_opensans")
    if opensans is not None:
        ttf = opensans / "ttf"
        candidates.append(FontFiles("OpenSans", ttf / "OpenSans-Regular.ttf", ttf / "OpenSans-Bold.ttf"))
    candidates.append(
        FontFiles("DejaVuSans", DEJAVU_DIR / "DejaVuSans.ttf", DEJAVU_DIR / "DejaVuSans-Bold.ttf")
    )
    for font in candidates:
        if font.regular.is_file() and font.bold.is_file():
            return font
    raise LetterError(
        "no font for letters: install the portal's dependencies (ttf-opensans) or fonts-dejavu-core"
    )


def group_code(code: str) -> str:
    """The code in groups separated by spaces, easier to read and to type.

    A code that has separators keeps its groups (``4821-7730`` -> ``4821 7730``);
    one without is cut in threes or fours (``482177`` -> ``482 177``). Letters keep
    their case: the code is typed as printed.
    """
    groups = [part for part in re.split(r"[\s\-_.]+", code.strip()) if part]
    if len(groups) > 1:
        return " ".join(groups)
    plain = groups[0] if groups else ""
    size = 3 if len(plain) % 4 and not len(plain) % 3 else 4
    return " ".join(plain[i : i + size] for i in range(0, len(plain), size))


_PHONE = re.compile(r"\b0 \d{3} \d{2} \d{2} \d{2}\b")


def printable(text: str) -> str:
    """``text`` ready for the page: the narrow no-break space of French typography is
    missing from most fonts, and a phone number is never cut across two lines."""
    text = text.replace("\u202f", "\u00a0")
    return _PHONE.sub(lambda match: match.group().replace(" ", "\u00a0"), text)


def large_print_pdf(font: FontFiles, pdf_class: type[Pdf], *, orientation: str = "P") -> Pdf:
    """An empty A4 document in the letters' style: their margins, their font (regular
    and bold), black text. Letters and the profile's printouts start from it (an
    ``FPDF``, or a subclass that draws headers or footers)."""
    pdf = pdf_class(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=BOTTOM_MARGIN)
    pdf.add_font(font.name, "", font.regular)
    pdf.add_font(font.name, "B", font.bold)
    pdf.set_text_color(0, 0, 0)
    return pdf


class Letter:
    """One A4 page in the letters' style, written from the top: paragraphs, the address
    in the envelope's window, a code in a box. ``spacing`` scales the space between
    paragraphs (a long letter is tightened to stay on one page)."""

    def __init__(self, font: FontFiles, spacing: float) -> None:
        self.font = font
        self.spacing = spacing
        pdf = large_print_pdf(font, FPDF)
        pdf.add_page()
        self.pdf = pdf

    def size(self, points: float, bold: bool = False) -> None:
        self.pdf.set_font(self.font.name, "B" if bold else "", points)

    def paragraph(self, text: str, points: float = BODY_PT, bold: bool = False, after: float = 5.0) -> None:
        self.size(points, bold)
        self.pdf.set_x(MARGIN)
        self.pdf.multi_cell(
            0, points * PT * LINE, printable(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(after * self.spacing)

    def _fitting_size(self, line: str, largest: float) -> float:
        points = largest
        self.size(points)
        while points > ADDRESS_MIN_PT and self.pdf.get_string_width(line) > WINDOW_W - 2:
            points -= 0.5
            self.size(points)
        return points

    def address(self, lines: list[str]) -> float:
        """Write the address block in the envelope's window; return where it ends.

        Each line is as large as fits the window's width (a long line does not
        shrink the others); the whole block shrinks only to fit the window's height.
        """
        lines = [printable(line.strip()) for line in lines if line.strip()]
        largest = ADDRESS_PT
        while True:
            sizes = [self._fitting_size(line, largest) for line in lines]
            if sum(sizes) * PT * LINE <= WINDOW_H or largest <= ADDRESS_MIN_PT:
                break
            largest -= 0.5
        self.pdf.set_xy(WINDOW_X, WINDOW_Y)
        for line, points in zip(lines, sizes, strict=True):
            self.size(points)
            # At the smallest size a line still too long wraps rather than leave the window.
            self.pdf.set_x(WINDOW_X)
            self.pdf.multi_cell(
                WINDOW_W, points * PT * LINE, line, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
        return self.pdf.get_y()

    def code(self, code: str) -> None:
        points = CODE_PT
        self.size(points, bold=True)
        while points > CODE_MIN_PT and self.pdf.get_string_width(code) > self.pdf.epw - 10:
            points -= 1
            self.size(points, bold=True)
        height = points * PT * 1.9
        self.pdf.set_line_width(0.8)
        self.pdf.set_x(MARGIN)
        self.pdf.cell(0, height, code, border=1, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.pdf.ln(5 * self.spacing)
