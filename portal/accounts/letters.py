"""The activation letter: a person's activation code on paper, for people who have no email.

The page layout, the fonts and the envelope's window are the letters' generic parts
(``portal.core.letters``); this module writes what the activation letter says.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date
from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos

from portal.core.i18n import babel_locale, current_locale, use_locale
from portal.core.i18n import gettext as _
from portal.core.letters import (
    BODY_PT,
    BODY_TOP,
    HEADING_PT,
    LINE,
    MARGIN,
    PT,
    TITLE_PT,
    WINDOW_X,
    FontFiles,
    Letter,
    group_code,
    letter_font,
    printable,
)


def _render(
    *,
    font: FontFiles,
    spacing: float,
    recipient_name: str,
    address_lines: list[str],
    code: str,
    expires_on: date,
    activation_url: str,
) -> FPDF:
    locale = current_locale()
    letter = Letter(font, spacing)
    pdf = letter.pdf
    service = _("My health space")
    pdf.set_title(service)
    pdf.set_lang(locale)
    pdf.set_creator(service)

    # Top left: who writes, and the number to call.
    letter.size(TITLE_PT, bold=True)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(
        WINDOW_X - MARGIN - 5, TITLE_PT * PT * LINE, printable(service), new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    letter.size(BODY_PT)
    pdf.set_x(MARGIN)
    pdf.multi_cell(
        WINDOW_X - MARGIN - 5,
        BODY_PT * PT * LINE,
        printable(_("Free phone number: 0 800 00 00 00")),
        align=Align.L,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    address_end = letter.address([recipient_name, *address_lines])
    pdf.set_xy(MARGIN, max(BODY_TOP, address_end + 8))

    letter.paragraph(_("Hello %(name)s,", name=recipient_name.strip()), after=3)
    letter.paragraph(
        _(
            "Your health space is ready. It is a safe place on the internet for your health "
            "documents and your messages with the people who care for you. It is free."
        )
    )
    letter.paragraph(_("How to open your space"), points=HEADING_PT, bold=True, after=2)
    letter.paragraph(_("1. Go to %(address)s", address=activation_url), after=2)
    letter.paragraph(_("2. Type this code and your date of birth:"), after=3)
    letter.code(group_code(code))
    expiry = format_date(expires_on, format="long", locale=babel_locale(locale))
    letter.paragraph(_("This code works until %(date)s.", date=expiry), bold=True)
    letter.paragraph(
        _(
            "No computer, or need help? Go to a help point near you, or call us on "
            "0 800 00 00 00 (free). Someone will do it with you."
        )
    )
    letter.paragraph(_("If you do not want a space, you can say no on the same page or by phone."))
    return pdf


def activation_letter_pdf(
    *,
    recipient_name: str,
    address_lines: list[str],
    code: str,
    expires_on: date,
    locale: str,
    activation_url: str,
) -> bytes:
    """A large-print A4 letter (PDF) that gives a person their activation code.

    ``address_lines`` are the postal address under the name (street, town...),
    placed for a windowed envelope; ``activation_url`` is the page where the
    code is typed. Every text is translated into ``locale``; the expiry date is
    written in words. The letter holds no health data.
    """
    font = letter_font()
    with use_locale(locale):
        pdf = None
        for spacing in (1.0, 0.4):
            pdf = _render(
                font=font,
                spacing=spacing,
                recipient_name=recipient_name,
                address_lines=address_lines,
                code=code,
                expires_on=expires_on,
                activation_url=activation_url,
            )
            if pdf.pages_count == 1:
                break
        assert pdf is not None
        return bytes(pdf.output())
