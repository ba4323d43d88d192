"""Reading a person's audit events and saying each one in plain words.

The trail keeps identifiers only (``portal.core.audit``); this module turns them
into sentences: "Dr Anne Martin, general practitioner, joined your care circle".
Each feature area adds the wording of its own actions to ``_wordings``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from portal.accounts.people import Person, names_of
from portal.core.i18n import format_moment
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.tables import AuditEvent

PAGE_SIZE = 20
ACCOUNT_PREFIX = "account:"
DOCUMENT_PREFIX = "document:"
# Kept in the trail as proof, but nothing a person needs to read about their own space.
HIDDEN_ACTIONS = frozenset({"refuse", "close"})


@dataclass(frozen=True)
class Wording:
    """What to say when the person did it themselves, and when someone else did
    (``%(who)s``). ``%(object)s`` names the person an action was about."""

    you: str
    other: str


def _wordings() -> dict[tuple[str, str, str], Wording]:
    """(area, action, outcome) -> wording, in the current language."""
    return {
        ("account", "invite", "allowed"): Wording(
            _("Your space was created and an activation code was sent to you."),
            _("%(who)s created your space and gave you an activation code."),
        ),
        ("account", "reissue_code", "allowed"): Wording(
            _("You asked for a new activation code."),
            _("%(who)s gave you a new activation code; the one before it stopped working."),
        ),
        ("account", "activate", "allowed"): Wording(
            _("You activated your space."), _("%(who)s activated your space.")
        ),
        ("account", "sign_in", "allowed"): Wording(_("You signed in."), _("%(who)s signed in.")),
        ("account", "sign_in", "failed"): Wording(
            _("Someone typed a wrong password to enter your space."),
            _("Someone typed a wrong password to enter your space."),
        ),
        ("account", "sign_in", "denied"): Wording(
            _("A sign-in was refused: too many wrong tries in a row."),
            _("A sign-in was refused: too many wrong tries in a row."),
        ),
        ("account", "sign_in_code", "failed"): Wording(
            _("A wrong sign-in code was typed."), _("A wrong sign-in code was typed.")
        ),
        ("account", "sign_in_code", "denied"): Wording(
            _("A sign-in code was refused: too many wrong tries in a row."),
            _("A sign-in code was refused: too many wrong tries in a row."),
        ),
        ("account", "sign_out", "allowed"): Wording(_("You signed out."), _("%(who)s signed out.")),
        ("account", "ask_password_reset", "allowed"): Wording(
            _("Someone asked for a code to choose a new password."),
            _("Someone asked for a code to choose a new password."),
        ),
        ("account", "reset_password", "allowed"): Wording(
            _("A new password was chosen."), _("A new password was chosen.")
        ),
        ("account", "reset_password", "failed"): Wording(
            _("A wrong code was typed to choose a new password."),
            _("A wrong code was typed to choose a new password."),
        ),
        ("circle", "circle.add", "allowed"): Wording(
            _("You added %(object)s to your care circle."),
            _("%(who)s added %(object)s to your care circle."),
        ),
        ("circle", "circle.declare", "allowed"): Wording(
            _("You declared a consultation."),
            _("%(who)s declared a consultation with you and joined your care circle."),
        ),
        ("circle", "circle.block", "allowed"): Wording(
            _("You blocked %(object)s: they can no longer see anything in your space."),
            _("%(who)s blocked %(object)s."),
        ),
        ("circle", "circle.unblock", "allowed"): Wording(
            _("You unblocked %(object)s."), _("%(who)s unblocked %(object)s.")
        ),
        ("circle", "circle.remove", "allowed"): Wording(
            _("You took %(object)s out of your care circle."),
            _("%(who)s took %(object)s out of your care circle."),
        ),
        ("documents", "document.add", "allowed"): Wording(
            _("You added the document %(object)s."), _("%(who)s added the document %(object)s.")
        ),
        ("documents", "document.deposit", "allowed"): Wording(
            _("You added the document %(object)s."), _("%(who)s added the document %(object)s to your space.")
        ),
        ("documents", "document.view", "allowed"): Wording(
            _("You opened the document %(object)s."), _("%(who)s opened your document %(object)s.")
        ),
        ("documents", "document.download", "allowed"): Wording(
            _("You downloaded the document %(object)s."), _("%(who)s downloaded your document %(object)s.")
        ),
        ("documents", "document.download", "failed"): Wording(
            _("The document %(object)s could not be opened: its copy is damaged."),
            _("The document %(object)s could not be opened: its copy is damaged."),
        ),
        ("documents", "document.hide", "allowed"): Wording(
            _("You hid the document %(object)s from professionals."),
            _("%(who)s hid the document %(object)s from professionals."),
        ),
        ("documents", "document.show", "allowed"): Wording(
            _("You let professionals see the document %(object)s."),
            _("%(who)s let professionals see the document %(object)s."),
        ),
        ("documents", "document.delete", "allowed"): Wording(
            _("You put the document %(object)s in the bin."),
            _("%(who)s put the document %(object)s in the bin."),
        ),
        ("documents", "document.restore", "allowed"): Wording(
            _("You restored the document %(object)s."), _("%(who)s restored the document %(object)s.")
        ),
        ("documents", "document.purge", "allowed"): Wording(
            _("A document was erased for good after 30 days in the bin."),
            _("A document was erased for good after 30 days in the bin."),
        ),
        ("documents", "document.withdraw", "allowed"): Wording(
            _("You withdrew a document."), _("%(who)s withdrew a document they had added.")
        ),
        ("catalogue", "service.connect", "allowed"): Wording(
            _("You connected the service %(object)s."), _("%(who)s connected the service %(object)s.")
        ),
        ("catalogue", "service.revoke", "allowed"): Wording(
            _("You disconnected the service %(object)s."), _("%(who)s disconnected the service %(object)s.")
        ),
        ("catalogue", "api.documents", "allowed"): Wording(
            _("%(who)s read the list of your documents you allowed it."),
            _("%(who)s read the list of your documents you allowed it."),
        ),
        ("catalogue", "api.document", "allowed"): Wording(
            _("%(who)s read the details of one of your documents you allowed it."),
            _("%(who)s read the details of one of your documents you allowed it."),
        ),
        ("catalogue", "api.documents", "denied"): Wording(
            _("%(who)s asked for documents you did not allow it: it was refused."),
            _("%(who)s asked for documents you did not allow it: it was refused."),
        ),
        ("catalogue", "api.document", "denied"): Wording(
            _("%(who)s asked for a document you did not allow it: it was refused."),
            _("%(who)s asked for a document you did not allow it: it was refused."),
        ),
        ("messages", "message.start", "allowed"): Wording(
            _("You started a conversation."), _("%(who)s started a conversation with you.")
        ),
        ("messages", "message.send", "allowed"): Wording(
            _("You sent a message."), _("%(who)s sent you a message.")
        ),
        ("messages", "message.read", "allowed"): Wording(
            _("You read your messages."), _("%(who)s read your messages.")
        ),
        ("messages", "message.close", "allowed"): Wording(
            _("You closed a conversation."), _("%(who)s closed a conversation.")
        ),
        ("messages", "message.archive", "allowed"): Wording(
            _("You archived a conversation."), _("%(who)s archived a conversation.")
        ),
        ("messages", "message.unarchive", "allowed"): Wording(
            _("You brought a conversation back to your messages."),
            _("%(who)s brought a conversation back to your messages."),
        ),
    }


def _fallback(outcome: str) -> Wording:
    if outcome == "denied":
        return Wording(
            _("You tried to open a page that is not there."),
            _("%(who)s tried to see something in your space and was refused."),
        )
    return Wording(_("You used your space."), _("%(who)s used your space."))


@dataclass(frozen=True)
class ActivityItem:
    event_id: int
    occurred_at: datetime
    when: str  # "3 March 2026 at 10:42"
    text: str
    by_you: bool
    refused: bool


@dataclass(frozen=True)
class ActivityPage:
    items: list[ActivityItem]
    older: int | None  # the ``before`` of the next page, or None when this is the end


def _account_id(identifier: str | None) -> uuid.UUID | None:
    if not identifier or not identifier.startswith(ACCOUNT_PREFIX):
        return None
    try:
        return uuid.UUID(identifier.removeprefix(ACCOUNT_PREFIX))
    except ValueError:
        return None


def _someone_named(people: dict[uuid.UUID, Person], services: dict[str, str]) -> Callable[[str | None], str]:
    def name(identifier: str | None) -> str:
        account_id = _account_id(identifier)
        if account_id is not None and account_id in people:
            return people[account_id].described
        if identifier in services:
            return _("the service “%(name)s”", name=services[identifier])
        if identifier == "operator":
            return _("The health space team")
        if identifier == "system":
            return _("The health space")
        return _("Someone")

    return name


async def _document_titles(
    keyring: Keyring, patient: uuid.UUID, object_ids: list[str | None]
) -> dict[str, str]:
    """The titles of the documents events name, quoted: "“Blood test”" (gone ones are left out)."""
    from portal.documents.services import titles_of

    ids: dict[uuid.UUID, str] = {}
    for object_id in {o for o in object_ids if o and o.startswith(DOCUMENT_PREFIX)}:
        try:
            ids[uuid.UUID(object_id.removeprefix(DOCUMENT_PREFIX))] = object_id
        except ValueError:
            continue
    titles = await titles_of(keyring, patient, list(ids))
    return {ids[document_id]: _("“%(title)s”", title=title) for document_id, title in titles.items()}


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


async def activity_of(
    keyring: Keyring, account_id: uuid.UUID, *, before: int | None, timezone: str
) -> ActivityPage:
    """The newest events of ``account_id``'s space (older than event ``before``), in words."""
    query = AuditEvent.select().where(AuditEvent.subject == key_owner(account_id))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    query = query.where(AuditEvent.action.not_in(list(HIDDEN_ACTIONS)))
    rows = await query.order_by(AuditEvent.id, ascending=False).limit(PAGE_SIZE + 1)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    others = {_account_id(r["actor"]) for r in rows} | {_account_id(r["object_id"]) for r in rows}
    others.discard(None)
    others.discard(account_id)
    people = await names_of(keyring, [i for i in others if i is not None])
    from portal.catalogue.services import names_of_consents

    services = await names_of_consents(
        keyring, account_id, [r["actor"] for r in rows] + [r["object_id"] for r in rows]
    )
    name = _someone_named(people, services)
    titles = await _document_titles(keyring, account_id, [r["object_id"] for r in rows])
    wordings = _wordings()
    you = key_owner(account_id)
    items = []
    for row in rows:
        wording = wordings.get((row["area"], row["action"], row["outcome"])) or _fallback(row["outcome"])
        by_you = row["actor"] == you and row["on_behalf_of"] is None
        template = wording.you if by_you else wording.other
        thing = row["object_id"] or ""
        what = titles.get(thing, _("(erased)")) if thing.startswith(DOCUMENT_PREFIX) else name(thing)
        text = template % {"who": name(row["actor"]), "object": what}
        moment = row["occurred_at"]
        items.append(
            ActivityItem(
                event_id=int(row["id"]),
                occurred_at=moment,
                when=format_moment(moment, timezone),
                text=_capitalised(text),
                by_you=by_you,
                refused=row["outcome"] != "allowed",
            )
        )
    return ActivityPage(items=items, older=items[-1].event_id if more and items else None)
