"""The audit actions of kiosks: shared computers (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare, hidden
from portal.core.actions import msgid as _

SESSION = declare(
    "account",
    "session.kiosk",
    allowed=Wording(_("You signed in on a shared computer."), _("%(who)s signed in on a shared computer.")),
)
SESSION_SIGN_OUT = declare(
    "account",
    "session.kiosk.sign_out",
    allowed=Wording(
        _("You signed out of the shared computer: it kept nothing of your session."),
        _("%(who)s signed out of the shared computer: it kept nothing of the session."),
    ),
)
SESSION_TIMEOUT = declare(
    "account",
    "session.kiosk.timeout",
    allowed=Wording(
        _("You were signed out of the shared computer after some time without activity."),
        _("%(who)s was signed out of the shared computer after some time without activity."),
    ),
)
SESSION_ENDS = {"sign_out": SESSION_SIGN_OUT, "timeout": SESSION_TIMEOUT}
# The operator's work on terminals: in no one's space (no subject).
CREATE = hidden("system", "kiosk.create")
ENROL = hidden("system", "kiosk.enrol", "allowed", "failed")
REVOKE = hidden("system", "kiosk.revoke")
SEND_TO_PHONE = declare(
    "documents",
    "document.send_to_phone",
    allowed=Wording(
        _("On a shared computer, you made a link to send the document %(object)s to your phone."),
        _("%(who)s made a link to send the document %(object)s to a phone."),
    ),
    denied=Wording(
        _("A link to send a document to your phone was refused."),
        _("%(who)s asked for a link to one of your documents and was refused."),
    ),
)
PHONE_LINK = declare(
    "documents",
    "document.phone_link",
    denied=Wording(
        _("A link to the document %(object)s was opened when it no longer worked: nothing was sent."),
        _("%(who)s opened a link to your document %(object)s: it was refused and nothing was sent."),
    ),
)
