"""A large-print A4 document in the style of the portal's letters (same font, same
margins, body text 15 pt and more), for the profile's PDFs (``summary_pdf``): headings
kept with what follows them, paragraphs, boxed tables whose rows are never cut, tick
marks and check boxes drawn, and "page n of N" with a line of text at each page's foot.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from portal.core.i18n import current_locale
from portal.core.i18n import gettext as _
from portal.core.letters import (
    BODY_PT,
    HEADING_PT,
    LINE,
    MARGIN,
    PT,
    FontFiles,
    large_print_pdf,
    printable,
)

# The PDF's sizes (points): the letters' title and headings; tables a little smaller
# than the letters' body, still large print.
TABLE_PT = 15.0
SMALL_PT = 14.0
CELL_PAD = 1.5
FOOTER_SPACE = 18.0  # millimetres kept at the bottom of each page for its footer

Cells = list[str | bool]


class Pages(FPDF):
    """An FPDF that writes ``footer_text`` and "page n of N" at the foot of each page."""

    footer_text = ""
    font_name = ""

    def footer(self) -> None:
        self.set_font(self.font_name, "", SMALL_PT)
        self.set_xy(MARGIN, self.h - FOOTER_SPACE + 4)
        page = _("Page %(page)s of %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        text = f"{self.footer_text} \u2014 {page}" if self.footer_text else page
        self.cell(0, SMALL_PT * PT * LINE, printable(text), align=Align.L)


class Printout:
    """A large-print A4 document in the letters' style, with headings, paragraphs,
    boxed tables and tick marks drawn (no font has a reliable tick glyph). A heading is
    kept with what follows it: it is written with the next paragraph or table."""

    def __init__(self, font: FontFiles, *, title: str, footer: str, orientation: str = "P") -> None:
        self.font = font
        pdf = large_print_pdf(font, Pages, orientation=orientation)
        pdf.font_name = font.name
        pdf.footer_text = footer
        pdf.set_auto_page_break(True, margin=FOOTER_SPACE)
        pdf.set_title(title)
        pdf.set_lang(current_locale())
        pdf.set_creator(_("My health space"))
        pdf.set_line_width(0.3)
        pdf.add_page()
        self.pdf: Pages = pdf
        self.pending: str | None = None

    @property
    def bottom(self) -> float:
        return float(self.pdf.h - FOOTER_SPACE)

    def size(self, points: float, bold: bool = False) -> None:
        self.pdf.set_font(self.font.name, "B" if bold else "", points)

    def height(self, points: float) -> float:
        return points * PT * LINE

    def _lines_height(self, text: str, width: float, points: float, bold: bool) -> float:
        self.size(points, bold)
        lines = self.pdf.multi_cell(
            width, self.height(points), printable(text), dry_run=True, output=MethodReturnValue.LINES
        )
        assert isinstance(lines, list)
        return max(len(lines), 1) * self.height(points)

    def text_width(self, text: str, points: float = TABLE_PT, bold: bool = True) -> float:
        self.size(points, bold)
        return float(self.pdf.get_string_width(printable(text)))

    def heading(self, text: str) -> None:
        self.pending = text

    def keep(self, needed: float) -> None:
        """Start a new page unless ``needed`` millimetres (and the pending heading) fit."""
        heading = self.height(HEADING_PT) + 4.5 if self.pending else 0.0
        if self.pdf.get_y() + heading + needed > self.bottom:
            self.pdf.add_page()
        if self.pending:
            text, self.pending = self.pending, None
            self.pdf.ln(3)
            self._write(text, HEADING_PT, True, 1.5)

    def _write(self, text: str, points: float, bold: bool, after: float) -> None:
        self.size(points, bold)
        self.pdf.set_x(MARGIN)
        self.pdf.multi_cell(
            0, self.height(points), printable(text), align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        self.pdf.ln(after)

    def paragraph(self, text: str, points: float = BODY_PT, bold: bool = False, after: float = 3.0) -> None:
        self.keep(min(self._lines_height(text, self.pdf.epw, points, bold), self.height(points) * 2))
        self._write(text, points, bold, after)

    def tick(self, x: float, y: float, width: float, height: float) -> None:
        """A bold tick mark in the middle of a cell."""
        size = min(7.0, height - 2)
        left, top = x + (width - size) / 2, y + (height - size) / 2
        self.pdf.set_line_width(1.1)
        self.pdf.polyline(
            [
                (left, top + size * 0.55),
                (left + size * 0.38, top + size * 0.92),
                (left + size, top + size * 0.1),
            ]
        )
        self.pdf.set_line_width(0.3)

    def box(self, x: float, y: float, width: float, height: float, checked: bool) -> None:
        """A check box (ticked or empty) in the middle of a cell."""
        size = 6.5
        left, top = x + (width - size) / 2, y + (height - size) / 2
        self.pdf.set_line_width(0.5)
        self.pdf.rect(left, top, size, size)
        self.pdf.set_line_width(0.3)
        if checked:
            self.tick(left + 0.5, top + 0.5, size - 1, size - 1)

    def row_height(self, cells: Cells, widths: list[float], points: float, bold: bool) -> float:
        """The height of a table's row: its tallest cell of text, padded."""
        texts = [
            self._lines_height(cell, width - 2 * CELL_PAD, points, bold)
            for cell, width in zip(cells, widths, strict=True)
            if isinstance(cell, str)
        ]
        return max([*texts, self.height(points)]) + 2 * CELL_PAD

    def draw_row(self, cells: Cells, widths: list[float], points: float, bold: bool, boxes: bool) -> None:
        """One row of a table (a bold, shaded one for the heading row) where the page is."""
        height = self.row_height(cells, widths, points, bold)
        y = self.pdf.get_y()
        x = MARGIN
        self.pdf.set_fill_color(230, 230, 230)
        for cell, width in zip(cells, widths, strict=True):
            self.pdf.rect(x, y, width, height, style="DF" if bold else "D")
            if isinstance(cell, str):
                self.size(points, bold)
                self.pdf.set_xy(x + CELL_PAD, y + CELL_PAD)
                self.pdf.multi_cell(
                    width - 2 * CELL_PAD,
                    self.height(points),
                    printable(cell),
                    align=Align.L,
                    new_x=XPos.RIGHT,
                    new_y=YPos.TOP,
                )
            elif boxes:
                self.box(x, y, width, height, cell)
            elif cell:
                self.tick(x, y, width, height)
            x += width
        self.pdf.set_xy(MARGIN, y + height)

    def table(
        self,
        headings: list[str],
        widths: list[float],
        rows: list[Cells],
        *,
        points: float = TABLE_PT,
        boxes: bool = False,
    ) -> None:
        """A boxed table: a bold heading row (again on each new page), then the rows. A
        cell is text, or a tick (True) / nothing (False); with ``boxes``, a check box."""
        heading_cells: Cells = list(headings)
        first = self.row_height(rows[0], widths, points, False) if rows else 0.0
        self.keep(self.row_height(heading_cells, widths, points, True) + first)
        # Rows are placed by hand: a row is never cut by an automatic page break.
        self.pdf.set_auto_page_break(False)
        self.draw_row(heading_cells, widths, points, True, boxes)
        for row in rows:
            if self.pdf.get_y() + self.row_height(row, widths, points, False) > self.bottom:
                self.pdf.add_page()
                self.draw_row(heading_cells, widths, points, True, boxes)
            self.draw_row(row, widths, points, False, boxes)
        self.pdf.set_auto_page_break(True, margin=FOOTER_SPACE)
        self.pdf.ln(3)

    def narrow(self, headings: list[str], least: float = 24.0, most: float = 34.0) -> float:
        """The width of a column of ticks or boxes under one of ``headings``: its longest
        word is never cut, and a heading takes one line when it fits in ``most``."""
        words = max(self.text_width(word) for heading in headings for word in heading.split())
        whole = max(self.text_width(heading) for heading in headings)
        text = max(words, min(whole, most - self.padding))
        return max(least, text + self.padding)

    @property
    def padding(self) -> float:
        """What a cell takes around its text: our padding and fpdf's own cell margins."""
        return 2 * CELL_PAD + 2 * float(self.pdf.c_margin) + 0.5

    def output(self) -> bytes:
        return bytes(self.pdf.output())
