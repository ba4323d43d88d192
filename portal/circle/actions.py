"""The audit actions of the care circle (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare
from portal.core.actions import msgid as _

ADD = declare(
    "circle",
    "circle.add",
    allowed=Wording(
        _("You added %(object)s to your care circle."),
        _("%(who)s added %(object)s to your care circle."),
    ),
)
DECLARE = declare(
    "circle",
    "circle.declare",
    allowed=Wording(
        _("You declared a consultation."),
        _("%(who)s declared a consultation with you and joined your care circle."),
    ),
)
BLOCK = declare(
    "circle",
    "circle.block",
    allowed=Wording(
        _("You blocked %(object)s: they can no longer see anything in your space."),
        _("%(who)s blocked %(object)s."),
    ),
)
UNBLOCK = declare(
    "circle",
    "circle.unblock",
    allowed=Wording(_("You unblocked %(object)s."), _("%(who)s unblocked %(object)s.")),
)
REMOVE = declare(
    "circle",
    "circle.remove",
    allowed=Wording(
        _("You took %(object)s out of your care circle."),
        _("%(who)s took %(object)s out of your care circle."),
    ),
)
CHANGES = {"add": ADD, "block": BLOCK, "unblock": UNBLOCK, "remove": REMOVE}
