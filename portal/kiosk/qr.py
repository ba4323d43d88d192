"""QR codes drawn as SVG on the server (segno), put straight into the page: no image file,
no script, nothing cached; black on white in every colour scheme, so phones can read it."""

from __future__ import annotations

import segno
from markupsafe import Markup, escape


def qr_svg(text: str, label: str) -> Markup:
    """An ``<svg role="img">`` of ``text``, named ``label`` for screen readers.

    Error correction M (15 % of the code may be unreadable, a smudged screen); the white
    border of four modules that readers need is part of the drawing.
    """
    code = segno.make(text, error="m", micro=False)
    svg = code.svg_inline(
        scale=1, omitsize=True, dark="#000000", light="#ffffff", svgclass="qr-code", lineclass=None
    )
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S704
