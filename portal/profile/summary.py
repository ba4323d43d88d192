"""The printable summary of the profile, and the advance directives as a document.

The summary gathers what a doctor, a nurse or the emergency services need first:
current treatments and when to take them, allergies and intolerances, people to
contact, the advance directives and the organ donation position. It is shown as a
page (with a print stylesheet) and built as a large-print A4 PDF in the style of the
portal's letters (same font, same margins, body text 15 pt and more).

The advance directives are also written as a PDF that follows the official French
form ("Mes directives anticipées": who I am, my situation, my wishes about each
treatment that keeps a person alive, deep and continuous sedation, other wishes, place
and date, signature) and filed in the patient's library.

Building a PDF is CPU work (tens of milliseconds): it runs in a worker thread, with
every word already translated or translated in the thread in the request's language.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from functools import partial

import anyio.to_thread
from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos

from portal.accounts.services import read_identity
from portal.core.i18n import babel_locale, current_locale, today, use_locale
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.letters import (
    BODY_PT,
    HEADING_PT,
    LINE,
    MARGIN,
    PT,
    TITLE_PT,
    FontFiles,
    large_print_pdf,
    letter_font,
    printable,
)
from portal.core.records import record
from portal.documents.services import Details, add_document
from portal.profile import actions
from portal.profile.sections import DIRECTIVE_TREATMENTS
from portal.profile.services import Entry, entries
from portal.settings import Settings

SUMMARY_SECTIONS = ("treatments", "allergies", "contacts", "directives", "organ_donation")
TIMES = ("morning", "noon", "evening", "bedtime")
CHOICES = ("want", "refuse", "unsure")
CONTACT_ORDER = ("emergency", "trusted_person", "carer", "other")
SEVERITY_ORDER = ("severe", "moderate", "mild", "")

# The PDF's sizes (points): the letters' title and headings; tables a little smaller
# than the letters' body, still large print.
TABLE_PT = 15.0
SMALL_PT = 14.0
CELL_PAD = 1.5
FOOTER_SPACE = 18.0  # millimetres kept at the bottom of each page for its footer


# --- words ------------------------------------------------------------------------


def time_names() -> dict[str, str]:
    return {"morning": _("Morning"), "noon": _("Noon"), "evening": _("Evening"), "bedtime": _("Bedtime")}


def allergy_kind_names() -> dict[str, str]:
    return {"allergy": _("Allergy"), "intolerance": _("Intolerance")}


def severity_names() -> dict[str, str]:
    return {"mild": _("Mild"), "moderate": _("Moderate"), "severe": _("Severe")}


def contact_role_names() -> dict[str, str]:
    return {
        "emergency": _("Emergency contact"),
        "trusted_person": _("Trusted person"),
        "carer": _("Carer"),
        "other": _("Other contact"),
    }


def life_treatment_names() -> dict[str, str]:
    return {
        "resuscitation": _("Restarting the heart and breathing (resuscitation)"),
        "ventilation": _("A machine that breathes for me (ventilation)"),
        "dialysis": _("A machine that cleans the blood (dialysis)"),
        "artificial_feeding": _("Food and water through a tube or a drip"),
        "surgery": _("An operation (surgery)"),
        "transfusion": _("Receiving blood (transfusion)"),
    }


def choice_names() -> dict[str, str]:
    return {"want": _("I want it"), "refuse": _("I refuse it"), "unsure": _("I do not know")}


def situation_names() -> dict[str, str]:
    return {
        "ill": _("I have a serious illness (form A)."),
        "healthy": _("I do not have a serious illness (form B)."),
    }


def donation_names() -> dict[str, str]:
    return {
        "donor": _("I agree to give my organs after my death."),
        "refuses": _("I refuse to give my organs after my death."),
        "undecided": _("I have not decided about giving my organs."),
    }


def long_date(value: date) -> str:
    return format_date(value, format="long", locale=babel_locale())


def _iso_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _text(value: object) -> str:
    return str(value).strip() if value is not None else ""


# --- what the summary says ------------------------------------------------------------


@dataclass(frozen=True)
class Treatment:
    name: str
    dose: str
    times: frozenset[str]
    instructions: str
    prescriber: str


@dataclass(frozen=True)
class Allergy:
    substance: str
    kind: str
    reaction: str
    severity: str  # key: "mild", "moderate", "severe" or ""
    severity_name: str


@dataclass(frozen=True)
class Contact:
    name: str
    role: str  # key
    role_name: str
    relation: str
    phone: str
    email: str


@dataclass(frozen=True)
class Wish:
    treatment: str  # one of sections.DIRECTIVE_TREATMENTS (the form asks them), or "sedation"
    name: str
    choice: str  # key of CHOICES or ""
    choice_name: str


@dataclass(frozen=True)
class Directives:
    situation: str  # key
    situation_name: str
    wishes: list[Wish]
    sedation: Wish
    other_wishes: str
    place: str
    written_at: date | None
    written_at_name: str


@dataclass(frozen=True)
class Donation:
    position: str
    position_name: str
    note: str


@dataclass(frozen=True)
class Summary:
    """The summary in words of the current language, for the page and for the PDF."""

    name: str
    born: str  # the date of birth in words, or ""
    printed: date
    printed_name: str
    sections: frozenset[str]  # the sections shown (a professional sees their profession's)
    treatments: list[Treatment] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    directives: Directives | None = None
    donation: Donation | None = None


def _treatment(data: dict[str, object]) -> Treatment:
    times = data.get("times") or []
    chosen = frozenset(str(time) for time in times) if isinstance(times, list) else frozenset()
    return Treatment(
        name=_text(data.get("name")),
        dose=_text(data.get("dose")),
        times=chosen & frozenset(TIMES),
        instructions=_text(data.get("instructions")),
        prescriber=_text(data.get("prescriber")),
    )


def _allergy(data: dict[str, object]) -> Allergy:
    severity = _text(data.get("severity"))
    severity = severity if severity in severity_names() else ""
    return Allergy(
        substance=_text(data.get("substance")),
        kind=allergy_kind_names().get(_text(data.get("kind")), ""),
        reaction=_text(data.get("reaction")),
        severity=severity,
        severity_name=severity_names().get(severity, ""),
    )


def _contact(data: dict[str, object]) -> Contact:
    role = _text(data.get("role"))
    role = role if role in CONTACT_ORDER else "other"
    return Contact(
        name=_text(data.get("name")),
        role=role,
        role_name=contact_role_names()[role],
        relation=_text(data.get("relation")),
        phone=_text(data.get("phone")),
        email=_text(data.get("email")),
    )


def _wish(data: dict[str, object], treatment: str, name: str) -> Wish:
    choice = _text(data.get(treatment))
    choice = choice if choice in CHOICES else ""
    return Wish(treatment=treatment, name=name, choice=choice, choice_name=choice_names().get(choice, ""))


def directives_of(data: dict[str, object]) -> Directives:
    """What a directives entry says, in words of the current language."""
    situation = _text(data.get("situation"))
    written_at = _iso_date(data.get("written_at"))
    names = life_treatment_names()
    return Directives(
        situation=situation,
        situation_name=situation_names().get(situation, ""),
        wishes=[_wish(data, key, names[key]) for key in DIRECTIVE_TREATMENTS],
        sedation=_wish(data, "sedation", _("Deep and continuous sedation until death")),
        other_wishes=_text(data.get("other_wishes")),
        place=_text(data.get("place")),
        written_at=written_at,
        written_at_name=long_date(written_at) if written_at else "",
    )


def _donation(data: dict[str, object]) -> Donation:
    position = _text(data.get("position"))
    return Donation(
        position=position, position_name=donation_names().get(position, ""), note=_text(data.get("note"))
    )


async def _identity(keyring: Keyring, patient: uuid.UUID) -> tuple[str, str]:
    person = await read_identity(keyring, patient)
    if person is None:
        return "", ""
    name = f"{person.given_names} {person.family_name}".strip()
    born = _iso_date(person.date_of_birth) if person.date_of_birth else None
    return name, long_date(born) if born else ""


async def build_summary(
    keyring: Keyring, settings: Settings, patient: uuid.UUID, readable: Collection[str]
) -> Summary:
    """The summary of ``patient``'s profile, keeping to the ``readable`` sections.

    Reading the entries is not audited here: the route audits the summary once.
    """
    sections = frozenset(SUMMARY_SECTIONS) & frozenset(readable)
    found = await entries(keyring, patient, sections=sections) if sections else []
    name, born = await _identity(keyring, patient)
    printed = today(settings.timezone)

    def of(section: str) -> list[Entry]:
        return [entry for entry in found if entry.section == section]

    allergies = sorted(
        (_allergy(entry.data) for entry in of("allergies")),
        key=lambda allergy: SEVERITY_ORDER.index(allergy.severity),
    )
    contacts = sorted(
        (_contact(entry.data) for entry in of("contacts")),
        key=lambda contact: CONTACT_ORDER.index(contact.role),
    )
    directives = of("directives")
    donation = of("organ_donation")
    return Summary(
        name=name,
        born=born,
        printed=printed,
        printed_name=long_date(printed),
        sections=sections,
        treatments=[_treatment(entry.data) for entry in of("treatments")],
        allergies=allergies,
        contacts=contacts,
        directives=directives_of(directives[-1].data) if directives else None,
        donation=_donation(donation[-1].data) if donation else None,
    )


def summary_title(printed: date) -> str:
    """The title of a filed summary: "Medical summary of 26 November 2026"."""
    return _("Medical summary of %(date)s", date=long_date(printed))


def summary_file_name(printed: date) -> str:
    """A clean name for the download, in the person's language: letters (accents
    dropped), digits and dashes only, "resume-medical-2026-11-26.pdf"."""
    plain = unicodedata.normalize("NFKD", _("medical-summary")).encode("ascii", "ignore").decode()
    stem = "-".join("".join(ch if ch.isalnum() else " " for ch in plain).split()).lower()
    return f"{stem or 'summary'}-{printed.isoformat()}.pdf"


# --- the PDF pages --------------------------------------------------------------------


class _Pages(FPDF):
    """An FPDF that writes ``footer_text`` and "page n of N" at the foot of each page."""

    footer_text = ""
    font_name = ""

    def footer(self) -> None:
        self.set_font(self.font_name, "", SMALL_PT)
        self.set_xy(MARGIN, self.h - FOOTER_SPACE + 4)
        page = _("Page %(page)s of %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        text = f"{self.footer_text} \u2014 {page}" if self.footer_text else page
        self.cell(0, SMALL_PT * PT * LINE, printable(text), align=Align.L)


class _Printout:
    """A large-print A4 document in the letters' style, with headings, paragraphs,
    boxed tables and tick marks drawn (no font has a reliable tick glyph). A heading is
    kept with what follows it: it is written with the next paragraph or table."""

    def __init__(self, font: FontFiles, *, title: str, footer: str, orientation: str = "P") -> None:
        self.font = font
        pdf = large_print_pdf(font, _Pages, orientation=orientation)
        pdf.font_name = font.name
        pdf.footer_text = footer
        pdf.set_auto_page_break(True, margin=FOOTER_SPACE)
        pdf.set_title(title)
        pdf.set_lang(current_locale())
        pdf.set_creator(_("My health space"))
        pdf.set_line_width(0.3)
        pdf.add_page()
        self.pdf: _Pages = pdf
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

    def table(
        self,
        headings: list[str],
        widths: list[float],
        rows: list[list[str | bool]],
        *,
        points: float = TABLE_PT,
        boxes: bool = False,
    ) -> None:
        """A boxed table: a bold heading row (again on each new page), then the rows. A
        cell is text, or a tick (True) / nothing (False); with ``boxes``, a check box."""

        def row_height(cells: list[str | bool], bold: bool) -> float:
            texts = [
                self._lines_height(cell, width - 2 * CELL_PAD, points, bold)
                for cell, width in zip(cells, widths, strict=True)
                if isinstance(cell, str)
            ]
            return max([*texts, self.height(points)]) + 2 * CELL_PAD

        def draw(cells: list[str | bool], bold: bool) -> None:
            height = row_height(cells, bold)
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

        heading_cells: list[str | bool] = list(headings)
        first = row_height(rows[0], False) if rows else 0.0
        self.keep(row_height(heading_cells, True) + first)
        # Rows are placed by hand: a row is never cut by an automatic page break.
        self.pdf.set_auto_page_break(False)
        draw(heading_cells, True)
        for row in rows:
            if self.pdf.get_y() + row_height(row, False) > self.bottom:
                self.pdf.add_page()
                draw(heading_cells, True)
            draw(row, False)
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


def _summary_pdf(summary: Summary, locale: str) -> bytes:
    with use_locale(locale):
        footer = _("Medical summary")
        if summary.name:
            footer = _(
                "Medical summary of %(name)s, printed on %(date)s",
                name=summary.name,
                date=summary.printed_name,
            )
        printout = _Printout(letter_font(), title=_("Medical summary"), footer=footer, orientation="L")
        pdf = printout.pdf
        width = pdf.epw

        printout.paragraph(_("Medical summary"), points=TITLE_PT + 4, bold=True, after=1)
        if summary.name:
            printout.paragraph(summary.name, points=HEADING_PT, bold=True, after=0.5)
        if summary.born:
            printout.paragraph(_("Born on %(date)s", date=summary.born), after=0.5)
        printout.paragraph(_("Printed on %(date)s", date=summary.printed_name), after=2)

        if "treatments" in summary.sections:
            printout.heading(_("Current treatments"))
            if summary.treatments:
                times = time_names()
                narrow = printout.narrow(list(times.values()))
                rest = width - 4 * narrow
                printout.table(
                    [_("Medicine"), _("Dose"), *times.values(), _("Instructions"), _("Prescriber")],
                    [rest * 0.27, rest * 0.18, narrow, narrow, narrow, narrow, rest * 0.33, rest * 0.22],
                    [
                        [
                            item.name,
                            item.dose,
                            *(time in item.times for time in TIMES),
                            item.instructions,
                            item.prescriber,
                        ]
                        for item in summary.treatments
                    ],
                )
            else:
                printout.paragraph(_("No treatment recorded."))

        if "allergies" in summary.sections:
            printout.heading(_("Allergies and intolerances"))
            if summary.allergies:
                printout.table(
                    [_("Substance"), _("Allergy or intolerance"), _("Reaction"), _("Severity")],
                    [width * 0.3, width * 0.2, width * 0.32, width * 0.18],
                    [
                        [item.substance, item.kind, item.reaction, item.severity_name]
                        for item in summary.allergies
                    ],
                )
            else:
                printout.paragraph(_("No allergy or intolerance recorded."))

        if "contacts" in summary.sections:
            printout.heading(_("People to contact"))
            if summary.contacts:
                printout.table(
                    [_("Name"), _("Who they are"), _("Phone"), _("Email")],
                    [width * 0.28, width * 0.27, width * 0.2, width * 0.25],
                    [
                        [
                            item.name,
                            f"{item.role_name}, {item.relation}" if item.relation else item.role_name,
                            item.phone.replace(" ", "\u00a0"),
                            item.email,
                        ]
                        for item in summary.contacts
                    ],
                )
            else:
                printout.paragraph(_("No person to contact recorded."))

        if "directives" in summary.sections:
            printout.heading(_("Advance directives"))
            _directives_in_short(printout, summary.directives)

        if "organ_donation" in summary.sections:
            printout.heading(_("Organ donation"))
            if summary.donation:
                printout.paragraph(summary.donation.position_name, bold=True, after=1)
                if summary.donation.note:
                    printout.paragraph(summary.donation.note)
            else:
                printout.paragraph(_("No position on organ donation recorded."))

        return printout.output()


def _directives_in_short(printout: _Printout, directives: Directives | None) -> None:
    if directives is None:
        printout.paragraph(_("No advance directives recorded."))
        return
    if directives.situation_name:
        printout.paragraph(directives.situation_name, after=1)
    width = printout.pdf.epw
    wishes = [*directives.wishes, directives.sedation]
    rows: list[list[str | bool]] = [[wish.name, wish.choice_name or _("Not answered")] for wish in wishes]
    printout.table([_("Treatment"), _("My choice")], [width * 0.65, width * 0.35], rows)
    if directives.other_wishes:
        printout.paragraph(_("Other wishes:"), bold=True, after=0.5)
        printout.paragraph(directives.other_wishes)
    if directives.written_at_name:
        printout.paragraph(_written(directives))


def _written(directives: Directives) -> str:
    if directives.place:
        return _("Written at %(place)s on %(date)s.", place=directives.place, date=directives.written_at_name)
    return _("Written on %(date)s.", date=directives.written_at_name)


async def summary_pdf(summary: Summary) -> bytes:
    """The summary as a large-print A4 PDF (landscape: the treatments' table is wide)."""
    return await anyio.to_thread.run_sync(partial(_summary_pdf, summary, current_locale()))


# --- the advance directives, on the official form's plan ---------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    born: str
    address: str


def _directives_pdf(person: _Person, directives: Directives, locale: str) -> bytes:
    with use_locale(locale):
        footer = _("Advance directives of %(name)s", name=person.name) if person.name else ""
        printout = _Printout(letter_font(), title=_("My advance directives"), footer=footer)
        pdf = printout.pdf
        width = pdf.epw

        printout.paragraph(_("My advance directives"), points=TITLE_PT + 4, bold=True, after=1)
        printout.paragraph(
            _(
                "Written on the plan of the official French form (article L. 1111-11 of the "
                "public health code). Doctors must follow these wishes, except in an urgent "
                "situation or if they clearly do not fit my situation."
            ),
            points=TABLE_PT,
        )

        printout.heading(_("Who I am"))
        printout.paragraph(_("Name: %(name)s", name=person.name or "\u2014"), after=1)
        printout.paragraph(_("Born on %(date)s", date=person.born or "\u2014"), after=1)
        if person.address:
            printout.paragraph(_("Address: %(address)s", address=person.address.replace("\n", ", ")))

        printout.heading(_("My situation"))
        situations = situation_names()
        printout.table(
            [_("Situation"), _("This is me")],
            [width * 0.78, width * 0.22],
            [[name, directives.situation == key] for key, name in situations.items()],
            boxes=True,
        )

        printout.heading(_("My wishes about treatments that keep me alive"))
        printout.paragraph(
            _(
                "If one day I can no longer say what I want, and a treatment would only keep "
                "me alive artificially:"
            )
        )
        choices = choice_names()
        narrow = printout.narrow(list(choices.values()))
        printout.table(
            [_("Treatment"), *choices.values()],
            [width - 3 * narrow, narrow, narrow, narrow],
            [[wish.name, *(wish.choice == choice for choice in CHOICES)] for wish in directives.wishes],
            boxes=True,
        )

        printout.heading(_("Deep and continuous sedation"))
        printout.paragraph(
            _(
                "If treatments are stopped or not started, I want to be put to sleep deeply "
                "until my death, so that I do not suffer:"
            )
        )
        printout.table(
            [_("Sedation"), *choices.values()],
            [width - 3 * narrow, narrow, narrow, narrow],
            [[directives.sedation.name, *(directives.sedation.choice == choice for choice in CHOICES)]],
            boxes=True,
        )

        printout.heading(_("Other wishes"))
        printout.paragraph(directives.other_wishes or _("No other wishes written."))

        printout.heading(_("Place, date and signature"))
        if directives.written_at_name:
            printout.paragraph(_written(directives))
        else:
            printout.paragraph(_("Written at: ......................  on: ......................"))
        printout.keep(printout.height(BODY_PT) + 36)
        printout.paragraph(_("My signature:"), bold=True, after=1)
        pdf.set_line_width(0.5)
        pdf.rect(MARGIN, pdf.get_y(), width * 0.6, 30)
        pdf.set_line_width(0.3)
        pdf.set_y(pdf.get_y() + 34)
        printout.paragraph(
            _(
                "I can change or cancel these directives at any time. I keep a signed copy and "
                "tell my trusted person and my doctor where it is."
            ),
            points=TABLE_PT,
        )
        return printout.output()


async def directives_pdf(keyring: Keyring, patient: uuid.UUID, entry: Entry) -> bytes:
    """The advance directives of ``entry`` as a PDF on the official form's plan."""
    identity = await read_identity(keyring, patient)
    born = _iso_date(identity.date_of_birth) if identity and identity.date_of_birth else None
    person = _Person(
        name=f"{identity.given_names} {identity.family_name}".strip() if identity else "",
        born=long_date(born) if born else "",
        address=(identity.postal_address or "") if identity else "",
    )
    directives = directives_of(entry.data)
    return await anyio.to_thread.run_sync(partial(_directives_pdf, person, directives, current_locale()))


async def file_directives(
    keyring: Keyring,
    settings: Settings,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    author_role: str,
    entry: Entry,
) -> uuid.UUID:
    """Build the PDF of the advance directives ``entry`` and file it in ``patient``'s
    library (category "advance_directives", in the caller's transaction); audited.
    Returns the new document's id."""
    content = await directives_pdf(keyring, patient, entry)
    written_at = _iso_date(entry.data.get("written_at")) or today(settings.timezone)
    details = Details(
        title=_("Advance directives of %(date)s", date=long_date(written_at)),
        category="advance_directives",
        document_date=written_at.isoformat(),
        media_type="application/pdf",
    )
    document_id = await add_document(
        keyring, patient=patient, author=author, author_role=author_role, details=details, content=content
    )
    await record(author, patient, actions.DIRECTIVES_FILE, f"document:{document_id}")
    return document_id


async def file_summary(
    keyring: Keyring,
    summary: Summary,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    author_role: str,
) -> uuid.UUID:
    """File the summary's PDF in ``patient``'s library ("medical_summary"), audited."""
    content = await summary_pdf(summary)
    details = Details(
        title=summary_title(summary.printed),
        category="medical_summary",
        document_date=summary.printed.isoformat(),
        media_type="application/pdf",
    )
    document_id = await add_document(
        keyring, patient=patient, author=author, author_role=author_role, details=details, content=content
    )
    await record(author, patient, actions.SUMMARY_FILE, f"document:{document_id}")
    return document_id
