"""The audit actions of documents (``portal.core.actions``).

``_`` here only marks msgids: the activity translates them when it shows them.
"""

from __future__ import annotations

from portal.core.actions import Wording, declare
from portal.core.actions import msgid as _

ADD = declare(
    "documents",
    "document.add",
    allowed=Wording(_("You added the document %(object)s."), _("%(who)s added the document %(object)s.")),
)
DEPOSIT = declare(
    "documents",
    "document.deposit",
    allowed=Wording(
        _("You added the document %(object)s."), _("%(who)s added the document %(object)s to your space.")
    ),
)
VIEW = declare(
    "documents",
    "document.view",
    allowed=Wording(_("You opened the document %(object)s."), _("%(who)s opened your document %(object)s.")),
)
DOWNLOAD = declare(
    "documents",
    "document.download",
    allowed=Wording(
        _("You downloaded the document %(object)s."), _("%(who)s downloaded your document %(object)s.")
    ),
    failed=Wording(
        _("The document %(object)s could not be opened: its copy is damaged."),
        _("The document %(object)s could not be opened: its copy is damaged."),
    ),
)
HIDE = declare(
    "documents",
    "document.hide",
    allowed=Wording(
        _("You hid the document %(object)s from professionals."),
        _("%(who)s hid the document %(object)s from professionals."),
    ),
)
SHOW = declare(
    "documents",
    "document.show",
    allowed=Wording(
        _("You let professionals see the document %(object)s."),
        _("%(who)s let professionals see the document %(object)s."),
    ),
)
DELETE = declare(
    "documents",
    "document.delete",
    allowed=Wording(
        _("You put the document %(object)s in the bin."),
        _("%(who)s put the document %(object)s in the bin."),
    ),
)
RESTORE = declare(
    "documents",
    "document.restore",
    allowed=Wording(
        _("You restored the document %(object)s."), _("%(who)s restored the document %(object)s.")
    ),
)
PURGE = declare(
    "documents",
    "document.purge",
    allowed=Wording(
        _("A document was erased for good after 30 days in the bin."),
        _("A document was erased for good after 30 days in the bin."),
    ),
)
WITHDRAW = declare(
    "documents",
    "document.withdraw",
    allowed=Wording(_("You withdrew a document."), _("%(who)s withdrew a document they had added.")),
)
CHANGES = {"hide": HIDE, "show": SHOW, "delete": DELETE, "restore": RESTORE}
