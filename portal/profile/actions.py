"""The audit actions of the health profile and its summary (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare
from portal.core.actions import msgid as _

READ = declare(
    "profile",
    "profile.read",
    allowed=Wording(_("You looked at your health profile."), _("%(who)s looked at your health profile.")),
)
ADD = declare(
    "profile",
    "profile.add",
    allowed=Wording(
        _("You added something to your health profile."), _("%(who)s added something to your health profile.")
    ),
)
CHANGE = declare(
    "profile",
    "profile.change",
    allowed=Wording(
        _("You changed something in your health profile."),
        _("%(who)s changed something in your health profile."),
    ),
)
REMOVE = declare(
    "profile",
    "profile.remove",
    allowed=Wording(
        _("You removed something from your health profile."),
        _("%(who)s removed something from your health profile."),
    ),
)
SUMMARY_READ = declare(
    "profile",
    "profile.summary.read",
    allowed=Wording(
        _("You looked at the summary of your health profile."),
        _("%(who)s looked at the summary of your health profile."),
    ),
)
SUMMARY_DOWNLOAD = declare(
    "profile",
    "profile.summary.download",
    allowed=Wording(
        _("You downloaded the summary of your health profile."),
        _("%(who)s downloaded the summary of your health profile."),
    ),
)
SUMMARY_PRINT = declare(
    "profile",
    "profile.summary.print",
    allowed=Wording(
        _("You opened the summary of your health profile to print it."),
        _("%(who)s opened the summary of your health profile to print it."),
    ),
)
SUMMARY_FILE = declare(
    "profile",
    "profile.summary.file",
    allowed=Wording(
        _("You put the summary of your health profile in your documents."),
        _("%(who)s put the summary of your health profile in your documents."),
    ),
)
DIRECTIVES_FILE = declare(
    "profile",
    "profile.directives.file",
    allowed=Wording(
        _("A copy of your advance directives was put in your documents."),
        _("%(who)s put a copy of your advance directives in your documents."),
    ),
)
