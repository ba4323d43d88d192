"""The audit actions of notes (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare, hidden
from portal.core.actions import msgid as _

ADD = declare("notes", "note.add", allowed=Wording(_("You wrote a note."), _("%(who)s wrote a note.")))
CHANGE = declare(
    "notes", "note.change", allowed=Wording(_("You changed a note."), _("%(who)s changed a note."))
)
REMOVE = declare(
    "notes", "note.remove", allowed=Wording(_("You removed a note."), _("%(who)s removed a note."))
)
SHARE = declare(
    "notes",
    "note.share",
    allowed=Wording(
        _("You shared a note with a professional of your circle."),
        _("%(who)s shared a note with a professional of your circle."),
    ),
    denied=Wording(
        _("You tried to share a note and it was refused: nothing was shared."),
        _("%(who)s tried to share a note and it was refused: nothing was shared."),
    ),
)
UNSHARE = declare(
    "notes",
    "note.unshare",
    allowed=Wording(_("You stopped sharing a note."), _("%(who)s stopped sharing a note.")),
)
READ = declare("notes", "note.read", allowed=Wording(_("You read a note."), _("%(who)s read your note.")))
# Kept as proof, but drafts kept as one types, and list views, would flood the activity.
DRAFT = hidden("notes", "note.draft")
FORGET = hidden("notes", "note.forget")
LIST = hidden("notes", "note.list")
