"""The audit actions of messages (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare
from portal.core.actions import msgid as _

START = declare(
    "messages",
    "message.start",
    allowed=Wording(_("You started a conversation."), _("%(who)s started a conversation with you.")),
)
SEND = declare(
    "messages", "message.send", allowed=Wording(_("You sent a message."), _("%(who)s sent you a message."))
)
READ = declare(
    "messages",
    "message.read",
    allowed=Wording(_("You read your messages."), _("%(who)s read your messages.")),
)
CLOSE = declare(
    "messages",
    "message.close",
    allowed=Wording(_("You closed a conversation."), _("%(who)s closed a conversation.")),
)
ARCHIVE = declare(
    "messages",
    "message.archive",
    allowed=Wording(_("You archived a conversation."), _("%(who)s archived a conversation.")),
)
UNARCHIVE = declare(
    "messages",
    "message.unarchive",
    allowed=Wording(
        _("You brought a conversation back to your messages."),
        _("%(who)s brought a conversation back to your messages."),
    ),
)
