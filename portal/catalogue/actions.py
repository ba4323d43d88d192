"""The audit actions of connected services (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare, hidden
from portal.core.actions import msgid as _

CONNECT = declare(
    "catalogue",
    "service.connect",
    allowed=Wording(
        _("You connected the service %(object)s."), _("%(who)s connected the service %(object)s.")
    ),
)
REVOKE = declare(
    "catalogue",
    "service.revoke",
    allowed=Wording(
        _("You disconnected the service %(object)s."), _("%(who)s disconnected the service %(object)s.")
    ),
)
API_DOCUMENTS = declare(
    "catalogue",
    "api.documents",
    allowed=Wording(
        _("%(who)s read the list of your documents you allowed it."),
        _("%(who)s read the list of your documents you allowed it."),
    ),
    denied=Wording(
        _("%(who)s asked for documents you did not allow it: it was refused."),
        _("%(who)s asked for documents you did not allow it: it was refused."),
    ),
)
API_DOCUMENT = declare(
    "catalogue",
    "api.document",
    allowed=Wording(
        _("%(who)s read the details of one of your documents you allowed it."),
        _("%(who)s read the details of one of your documents you allowed it."),
    ),
    denied=Wording(
        _("%(who)s asked for a document you did not allow it: it was refused."),
        _("%(who)s asked for a document you did not allow it: it was refused."),
    ),
)
# A call with a key that opens nothing: whose space is unknown (no subject).
API_CALL = hidden("catalogue", "api.call", "denied")
