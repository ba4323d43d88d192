"""The audit actions of mediators (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare, hidden
from portal.core.actions import msgid as _

ACTIVATE_ASSIST = declare(
    "account",
    "activate.assist",
    allowed=Wording(
        _("You opened the activation of your space with a mediator."),
        _("%(who)s opened the activation of your space with you."),
    ),
)
ACTIVATE_ASSISTED = declare(
    "account",
    "activate.assisted",
    allowed=Wording(
        _("You activated your space with a mediator."), _("%(who)s helped you activate your space.")
    ),
)
LETTER_PRINT = declare(
    "account",
    "letter.print",
    allowed=Wording(_("Your activation letter was printed."), _("%(who)s printed your activation letter.")),
)
# The person agreed to the tour: recorded without a subject (the tour uses no one's space).
TOUR_CONSENT = hidden("account", "tour.consent")
