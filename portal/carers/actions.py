"""The audit actions of carers and legal representatives (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare
from portal.core.actions import msgid as _

INVITE = declare(
    "account",
    "carer.invite",
    allowed=Wording(
        _("You invited someone to help you in your space."),
        _("%(who)s invited someone to help in your space."),
    ),
    denied=Wording(
        _("You tried to invite someone to help you and it was refused: nobody was invited."),
        _("%(who)s tried to invite someone to help in your space and it was refused: nobody was invited."),
    ),
)
ACCEPT = declare(
    "account",
    "carer.accept",
    allowed=Wording(_("You accepted to help someone."), _("%(who)s accepted to help you in your space.")),
)
REFUSE = declare(
    "account",
    "carer.refuse",
    allowed=Wording(_("You said no to helping someone."), _("%(who)s said no to helping you in your space.")),
)
END = declare(
    "account",
    "carer.end",
    allowed=Wording(
        _("You ended a carer's help: they can no longer use your space."),
        _("%(who)s ended their help in your space."),
    ),
)
ENTER = declare(
    "account",
    "carer.enter",
    allowed=Wording(_("You went into your space."), _("%(who)s went into your space to help you.")),
)
REPRESENT = declare(
    "account",
    "carer.represent",
    allowed=Wording(
        _("A legal representative was recorded for your space."),
        _("%(who)s recorded a legal representative for your space."),
    ),
)
