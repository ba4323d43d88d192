"""The profile's two PDFs, large print (``printout``): the summary (``summary_pdf``,
landscape: the treatments' table is wide) and the advance directives on the plan of the
official French form ("Mes directives anticipées": who I am, my situation, my wishes
about each treatment that keeps a person alive, deep and continuous sedation, other
wishes, place and date, signature: ``directives_pdf``).

Building a PDF is CPU work (tens of milliseconds): it runs in a worker thread, with
every word already translated or translated in the thread in the request's language.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial

import anyio.to_thread

from portal.accounts.services import read_identity
from portal.core.i18n import current_locale, long_date, use_locale
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.letters import BODY_PT, HEADING_PT, MARGIN, TITLE_PT, letter_font
from portal.profile.printout import TABLE_PT, Cells, Printout
from portal.profile.services import Entry
from portal.profile.summary import Directives, Summary, directives_of, iso_date
from portal.profile.vocabulary import ANSWERS, TIMES, answer_names, situation_names, time_names

# --- the summary -------------------------------------------------------------------


def _summary_heading(printout: Printout, summary: Summary) -> None:
    printout.paragraph(_("Medical summary"), points=TITLE_PT + 4, bold=True, after=1)
    if summary.name:
        printout.paragraph(summary.name, points=HEADING_PT, bold=True, after=0.5)
    if summary.born:
        printout.paragraph(_("Born on %(date)s", date=summary.born), after=0.5)
    printout.paragraph(_("Printed on %(date)s", date=summary.printed_name), after=2)


def _treatments(printout: Printout, summary: Summary) -> None:
    printout.heading(_("Current treatments"))
    if not summary.treatments:
        printout.paragraph(_("No treatment recorded."))
        return
    times = time_names()
    narrow = printout.narrow(list(times.values()))
    rest = printout.pdf.epw - 4 * narrow
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


def _allergies(printout: Printout, summary: Summary) -> None:
    printout.heading(_("Allergies and intolerances"))
    if not summary.allergies:
        printout.paragraph(_("No allergy or intolerance recorded."))
        return
    width = printout.pdf.epw
    printout.table(
        [_("Substance"), _("Allergy or intolerance"), _("Reaction"), _("Severity")],
        [width * 0.3, width * 0.2, width * 0.32, width * 0.18],
        [[item.substance, item.kind, item.reaction, item.severity_name] for item in summary.allergies],
    )


def _contacts(printout: Printout, summary: Summary) -> None:
    printout.heading(_("People to contact"))
    if not summary.contacts:
        printout.paragraph(_("No person to contact recorded."))
        return
    width = printout.pdf.epw
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


def _written(directives: Directives) -> str:
    if directives.place:
        return _("Written at %(place)s on %(date)s.", place=directives.place, date=directives.written_at_name)
    return _("Written on %(date)s.", date=directives.written_at_name)


def _directives_in_short(printout: Printout, summary: Summary) -> None:
    printout.heading(_("Advance directives"))
    directives = summary.directives
    if directives is None:
        printout.paragraph(_("No advance directives recorded."))
        return
    if directives.situation_name:
        printout.paragraph(directives.situation_name, after=1)
    width = printout.pdf.epw
    wishes = [*directives.wishes, directives.sedation]
    rows: list[Cells] = [[wish.name, wish.choice_name or _("Not answered")] for wish in wishes]
    printout.table([_("Treatment"), _("My choice")], [width * 0.65, width * 0.35], rows)
    if directives.other_wishes:
        printout.paragraph(_("Other wishes:"), bold=True, after=0.5)
        printout.paragraph(directives.other_wishes)
    if directives.written_at_name:
        printout.paragraph(_written(directives))


def _donation(printout: Printout, summary: Summary) -> None:
    printout.heading(_("Organ donation"))
    if summary.donation is None:
        printout.paragraph(_("No position on organ donation recorded."))
        return
    printout.paragraph(summary.donation.position_name, bold=True, after=1)
    if summary.donation.note:
        printout.paragraph(summary.donation.note)


_SUMMARY_PARTS = (
    ("treatments", _treatments),
    ("allergies", _allergies),
    ("contacts", _contacts),
    ("directives", _directives_in_short),
    ("organ_donation", _donation),
)


def _summary_pdf(summary: Summary, locale: str) -> bytes:
    with use_locale(locale):
        footer = _("Medical summary")
        if summary.name:
            footer = _(
                "Medical summary of %(name)s, printed on %(date)s",
                name=summary.name,
                date=summary.printed_name,
            )
        printout = Printout(letter_font(), title=_("Medical summary"), footer=footer, orientation="L")
        _summary_heading(printout, summary)
        for section, write in _SUMMARY_PARTS:
            if section in summary.sections:
                write(printout, summary)
        return printout.output()


async def summary_pdf(summary: Summary) -> bytes:
    """The summary as a large-print A4 PDF (landscape: the treatments' table is wide)."""
    return await anyio.to_thread.run_sync(partial(_summary_pdf, summary, current_locale()))


# --- the advance directives, on the official form's plan -----------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    born: str
    address: str


def _who_i_am(printout: Printout, person: _Person) -> None:
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


def _wishes(printout: Printout, directives: Directives) -> None:
    """My situation, my wishes about each treatment, and sedation: boxes to tick."""
    width = printout.pdf.epw
    printout.heading(_("My situation"))
    printout.table(
        [_("Situation"), _("This is me")],
        [width * 0.78, width * 0.22],
        [[name, directives.situation == key] for key, name in situation_names().items()],
        boxes=True,
    )
    printout.heading(_("My wishes about treatments that keep me alive"))
    printout.paragraph(
        _(
            "If one day I can no longer say what I want, and a treatment would only keep "
            "me alive artificially:"
        )
    )
    answers = answer_names()
    narrow = printout.narrow(list(answers.values()))
    widths = [width - 3 * narrow, narrow, narrow, narrow]
    rows: list[Cells] = [[wish.name, *(wish.choice == key for key in ANSWERS)] for wish in directives.wishes]
    printout.table([_("Treatment"), *answers.values()], widths, rows, boxes=True)
    printout.heading(_("Deep and continuous sedation"))
    printout.paragraph(
        _(
            "If treatments are stopped or not started, I want to be put to sleep deeply "
            "until my death, so that I do not suffer:"
        )
    )
    sedation = directives.sedation
    rows = [[sedation.name, *(sedation.choice == key for key in ANSWERS)]]
    printout.table([_("Sedation"), *answers.values()], widths, rows, boxes=True)


def _signature(printout: Printout, directives: Directives) -> None:
    pdf = printout.pdf
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
    pdf.rect(MARGIN, pdf.get_y(), pdf.epw * 0.6, 30)
    pdf.set_line_width(0.3)
    pdf.set_y(pdf.get_y() + 34)
    printout.paragraph(
        _(
            "I can change or cancel these directives at any time. I keep a signed copy and "
            "tell my trusted person and my doctor where it is."
        ),
        points=TABLE_PT,
    )


def _directives_pdf(person: _Person, directives: Directives, locale: str) -> bytes:
    with use_locale(locale):
        footer = _("Advance directives of %(name)s", name=person.name) if person.name else ""
        printout = Printout(letter_font(), title=_("My advance directives"), footer=footer)
        _who_i_am(printout, person)
        _wishes(printout, directives)
        _signature(printout, directives)
        return printout.output()


async def directives_pdf(keyring: Keyring, patient: uuid.UUID, entry: Entry) -> bytes:
    """The advance directives of ``entry`` as a PDF on the official form's plan."""
    identity = await read_identity(keyring, patient)
    born = iso_date(identity.date_of_birth) if identity and identity.date_of_birth else None
    person = _Person(
        name=f"{identity.given_names} {identity.family_name}".strip() if identity else "",
        born=long_date(born) if born else "",
        address=(identity.postal_address or "") if identity else "",
    )
    directives = directives_of(entry.data)
    return await anyio.to_thread.run_sync(partial(_directives_pdf, person, directives, current_locale()))
