"""The audit actions of the agenda (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare
from portal.core.actions import msgid as _

VIEW = declare(
    "agenda",
    "agenda.view",
    allowed=Wording(_("You looked at your agenda."), _("%(who)s looked at your agenda.")),
)
EXPORT = declare(
    "agenda",
    "agenda.export",
    allowed=Wording(_("You downloaded your agenda."), _("%(who)s downloaded your agenda.")),
)
APPOINTMENT_VIEW = declare(
    "agenda",
    "appointment.view",
    allowed=Wording(
        _("You looked at an appointment."), _("%(who)s looked at an appointment in your agenda.")
    ),
)
APPOINTMENT_ADD = declare(
    "agenda",
    "appointment.add",
    allowed=Wording(
        _("You added an appointment to your agenda."), _("%(who)s added an appointment to your agenda.")
    ),
)
APPOINTMENT_CHANGE = declare(
    "agenda",
    "appointment.change",
    allowed=Wording(_("You changed an appointment."), _("%(who)s changed an appointment in your agenda.")),
)
APPOINTMENT_REMOVE = declare(
    "agenda",
    "appointment.remove",
    allowed=Wording(_("You removed an appointment."), _("%(who)s removed an appointment from your agenda.")),
)
REMINDER_SEND = declare(
    "agenda",
    "reminder.send",
    allowed=Wording(_("A reminder was sent to you."), _("%(who)s sent you a reminder.")),
    failed=Wording(_("A reminder could not be sent to you."), _("A reminder could not be sent to you.")),
)
MEDICINE_VIEW = declare(
    "agenda",
    "medicine_reminder.view",
    allowed=Wording(
        _("You looked at your medicine reminders."), _("%(who)s looked at your medicine reminders.")
    ),
)
MEDICINE_ADD = declare(
    "agenda",
    "medicine_reminder.add",
    allowed=Wording(_("You added a medicine reminder."), _("%(who)s added a medicine reminder.")),
)
MEDICINE_CHANGE = declare(
    "agenda",
    "medicine_reminder.change",
    allowed=Wording(_("You changed a medicine reminder."), _("%(who)s changed a medicine reminder.")),
)
MEDICINE_PAUSE = declare(
    "agenda",
    "medicine_reminder.pause",
    allowed=Wording(_("You paused a medicine reminder."), _("%(who)s paused a medicine reminder.")),
)
MEDICINE_RESUME = declare(
    "agenda",
    "medicine_reminder.resume",
    allowed=Wording(
        _("You started a medicine reminder again."), _("%(who)s started a medicine reminder again.")
    ),
)
MEDICINE_REMOVE = declare(
    "agenda",
    "medicine_reminder.remove",
    allowed=Wording(_("You removed a medicine reminder."), _("%(who)s removed a medicine reminder.")),
)
MEDICINE_SEND = declare(
    "agenda",
    "medicine_reminder.send",
    allowed=Wording(_("A medicine reminder was sent to you."), _("%(who)s sent you a medicine reminder.")),
    failed=Wording(
        _("A medicine reminder could not be sent to you."), _("A medicine reminder could not be sent to you.")
    ),
)
