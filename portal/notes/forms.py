"""A note's form: reading it, checked (``read_note``: its title and its text, each of a
length the notes keep), what it holds as a draft (``draft_of``), a form filled with a
note, and what an autosave sends, kept as typed (``typed``).
"""

from __future__ import annotations

from typing import Any

from portal.core.forms import FormReader, FormResult
from portal.core.i18n import gettext as _
from portal.notes import services


def _too_long_title(count: int, length: int) -> str:
    return _("The title is %(length)d characters long: write at most %(count)d.", length=length, count=count)


def _too_long_body(count: int, length: int) -> str:
    return _(
        "Your note is %(length)d characters long: the longest is %(count)d. "
        "Shorten it, or write the rest in a second note.",
        length=length,
        count=count,
    )


def read_note(sent: Any) -> FormResult:
    """A note's form, checked: its title and its text."""
    reader = FormReader(sent)
    reader.text(
        "title",
        max_length=services.TITLE_MAX,
        required=True,
        missing=_('Give your note a title, for example "Questions for Dr Martin".'),
        too_long=_too_long_title,
    )
    reader.long_text(
        "body",
        max_length=services.BODY_MAX,
        required=True,
        missing=_("Write the text of your note."),
        too_long=_too_long_body,
    )
    return reader.result


def draft_of(form: FormResult) -> services.Draft:
    """What a note's form holds, to keep as a draft (checked or not)."""
    return services.Draft(title=form.value("title"), body=form.value("body"))


def note_form(title: str, body: str) -> FormResult:
    return FormResult.filled({"title": title, "body": body})


def typed(form: Any) -> services.Draft:
    """What an autosave sends, kept as it is (a draft is checked only when saved)."""
    return services.Draft(
        title=str(form.get("title", "")), body=str(form.get("body", "")).replace("\r\n", "\n")
    )
