"""The audit actions of accounts: invitation, activation, sign-in, passwords (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare, hidden
from portal.core.actions import msgid as _

INVITE = declare(
    "account",
    "invite",
    allowed=Wording(
        _("Your space was created and an activation code was sent to you."),
        _("%(who)s created your space and gave you an activation code."),
    ),
)
REISSUE_CODE = declare(
    "account",
    "reissue_code",
    allowed=Wording(
        _("You asked for a new activation code."),
        _("%(who)s gave you a new activation code; the one before it stopped working."),
    ),
)
ACTIVATE = declare(
    "account",
    "activate",
    allowed=Wording(_("You activated your space."), _("%(who)s activated your space.")),
    # Recorded without a subject (the code was wrong, so whose space is unknown).
    denied=Wording(_("A wrong activation code was typed."), _("A wrong activation code was typed.")),
)
# Saying no to a space: the proof of the choice, about a space that is then erased.
REFUSE = hidden("account", "refuse", "allowed", "denied")
SIGN_IN = declare(
    "account",
    "sign_in",
    allowed=Wording(_("You signed in."), _("%(who)s signed in.")),
    failed=Wording(
        _("Someone typed a wrong password to enter your space."),
        _("Someone typed a wrong password to enter your space."),
    ),
    denied=Wording(
        _("A sign-in was refused: too many wrong tries in a row."),
        _("A sign-in was refused: too many wrong tries in a row."),
    ),
)
SIGN_IN_CODE = declare(
    "account",
    "sign_in_code",
    failed=Wording(_("A wrong sign-in code was typed."), _("A wrong sign-in code was typed.")),
    denied=Wording(
        _("A sign-in code was refused: too many wrong tries in a row."),
        _("A sign-in code was refused: too many wrong tries in a row."),
    ),
)
SIGN_OUT = declare("account", "sign_out", allowed=Wording(_("You signed out."), _("%(who)s signed out.")))
ASK_PASSWORD_RESET = declare(
    "account",
    "ask_password_reset",
    allowed=Wording(
        _("Someone asked for a code to choose a new password."),
        _("Someone asked for a code to choose a new password."),
    ),
)
RESET_PASSWORD = declare(
    "account",
    "reset_password",
    allowed=Wording(_("A new password was chosen."), _("A new password was chosen.")),
    failed=Wording(
        _("A wrong code was typed to choose a new password."),
        _("A wrong code was typed to choose a new password."),
    ),
)
