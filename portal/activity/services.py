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
# Drafts kept as one types, and list views, would flood the page.
HIDDEN_ACTIONS = frozenset({"refuse", "close", "note.draft", "note.forget", "note.list"})


@dataclass(frozen=True)
class Wording:
    """What to say when the person did it themselves, and when someone else did
    (``%(who)s``). ``%(object)s`` names the person an action was about."""

    you: str
    other: str


def _refusals() -> dict[tuple[str, str, str], Wording]:
    """The door's refusals (``portal.core.access``): an area, read or write, refused."""
    seen = {
        "documents": _("%(who)s tried to see your documents and was refused."),
        "messages": _("%(who)s tried to see your messages and was refused."),
        "profile": _("%(who)s tried to see your health profile and was refused."),
        "agenda": _("%(who)s tried to see your agenda and was refused."),
        "notes": _("%(who)s tried to see your notes and was refused."),
        "catalogue": _("%(who)s tried to see your connected services and was refused."),
        "circle": _("%(who)s tried to see your care circle and was refused."),
        "account": _("%(who)s tried to see your account and was refused."),
    }
    changed = {
        "documents": _("%(who)s tried to change your documents and was refused."),
        "messages": _("%(who)s tried to write in your messages and was refused."),
        "profile": _("%(who)s tried to change your health profile and was refused."),
        "agenda": _("%(who)s tried to change your agenda and was refused."),
        "notes": _("%(who)s tried to change your notes and was refused."),
        "catalogue": _("%(who)s tried to change your connected services and was refused."),
        "circle": _("%(who)s tried to change your care circle and was refused."),
        "account": _("%(who)s tried to change your account and was refused."),
    }
    mine = _("You tried to open a page that is not there.")
    found = {(area, "read", "denied"): Wording(mine, text) for area, text in seen.items()}
    found.update({(area, "write", "denied"): Wording(mine, text) for area, text in changed.items()})
    return found


def _wordings() -> dict[tuple[str, str, str], Wording]:
    """(area, action, outcome) -> wording, in the current language."""
    return {
        **_refusals(),
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
        # Kiosks (portal.kiosk): sessions on a shared computer are marked.
        ("account", "session.kiosk", "allowed"): Wording(
            _("You signed in on a shared computer."), _("%(who)s signed in on a shared computer.")
        ),
        ("account", "session.kiosk.sign_out", "allowed"): Wording(
            _("You signed out of the shared computer: it kept nothing of your session."),
            _("%(who)s signed out of the shared computer: it kept nothing of the session."),
        ),
        ("account", "session.kiosk.timeout", "allowed"): Wording(
            _("You were signed out of the shared computer after some time without activity."),
            _("%(who)s was signed out of the shared computer after some time without activity."),
        ),
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
        ("account", "carer.invite", "allowed"): Wording(
            _("You invited someone to help you in your space."),
            _("%(who)s invited someone to help in your space."),
        ),
        ("account", "carer.accept", "allowed"): Wording(
            _("You accepted to help someone."), _("%(who)s accepted to help you in your space.")
        ),
        ("account", "carer.refuse", "allowed"): Wording(
            _("You said no to helping someone."), _("%(who)s said no to helping you in your space.")
        ),
        ("account", "carer.end", "allowed"): Wording(
            _("You ended a carer's help: they can no longer use your space."),
            _("%(who)s ended their help in your space."),
        ),
        ("account", "carer.enter", "allowed"): Wording(
            _("You went into your space."), _("%(who)s went into your space to help you.")
        ),
        ("account", "carer.represent", "allowed"): Wording(
            _("A legal representative was recorded for your space."),
            _("%(who)s recorded a legal representative for your space."),
        ),
        ("account", "activate.assist", "allowed"): Wording(
            _("You opened the activation of your space with a mediator."),
            _("%(who)s opened the activation of your space with you."),
        ),
        ("account", "activate.assisted", "allowed"): Wording(
            _("You activated your space with a mediator."), _("%(who)s helped you activate your space.")
        ),
        ("account", "letter.print", "allowed"): Wording(
            _("Your activation letter was printed."), _("%(who)s printed your activation letter.")
        ),
        ("profile", "profile.read", "allowed"): Wording(
            _("You looked at your health profile."), _("%(who)s looked at your health profile.")
        ),
        ("profile", "profile.add", "allowed"): Wording(
            _("You added something to your health profile."),
            _("%(who)s added something to your health profile."),
        ),
        ("profile", "profile.change", "allowed"): Wording(
            _("You changed something in your health profile."),
            _("%(who)s changed something in your health profile."),
        ),
        ("profile", "profile.remove", "allowed"): Wording(
            _("You removed something from your health profile."),
            _("%(who)s removed something from your health profile."),
        ),
        ("profile", "profile.summary.read", "allowed"): Wording(
            _("You looked at the summary of your health profile."),
            _("%(who)s looked at the summary of your health profile."),
        ),
        ("profile", "profile.summary.download", "allowed"): Wording(
            _("You downloaded the summary of your health profile."),
            _("%(who)s downloaded the summary of your health profile."),
        ),
        ("profile", "profile.summary.file", "allowed"): Wording(
            _("You put the summary of your health profile in your documents."),
            _("%(who)s put the summary of your health profile in your documents."),
        ),
        ("profile", "profile.directives.file", "allowed"): Wording(
            _("A copy of your advance directives was put in your documents."),
            _("%(who)s put a copy of your advance directives in your documents."),
        ),
        ("agenda", "agenda.view", "allowed"): Wording(
            _("You looked at your agenda."), _("%(who)s looked at your agenda.")
        ),
        ("agenda", "agenda.export", "allowed"): Wording(
            _("You downloaded your agenda."), _("%(who)s downloaded your agenda.")
        ),
        ("agenda", "appointment.add", "allowed"): Wording(
            _("You added an appointment to your agenda."), _("%(who)s added an appointment to your agenda.")
        ),
        ("agenda", "appointment.change", "allowed"): Wording(
            _("You changed an appointment."), _("%(who)s changed an appointment in your agenda.")
        ),
        ("agenda", "appointment.remove", "allowed"): Wording(
            _("You removed an appointment."), _("%(who)s removed an appointment from your agenda.")
        ),
        ("agenda", "reminder.send", "allowed"): Wording(
            _("A reminder was sent to you."), _("%(who)s sent you a reminder.")
        ),
        ("agenda", "medicine_reminder.add", "allowed"): Wording(
            _("You added a medicine reminder."), _("%(who)s added a medicine reminder.")
        ),
        ("agenda", "medicine_reminder.pause", "allowed"): Wording(
            _("You paused a medicine reminder."), _("%(who)s paused a medicine reminder.")
        ),
        ("agenda", "medicine_reminder.resume", "allowed"): Wording(
            _("You started a medicine reminder again."), _("%(who)s started a medicine reminder again.")
        ),
        ("agenda", "medicine_reminder.remove", "allowed"): Wording(
            _("You removed a medicine reminder."), _("%(who)s removed a medicine reminder.")
        ),
        ("notes", "note.add", "allowed"): Wording(_("You wrote a note."), _("%(who)s wrote a note.")),
        ("notes", "note.change", "allowed"): Wording(_("You changed a note."), _("%(who)s changed a note.")),
        ("notes", "note.remove", "allowed"): Wording(_("You removed a note."), _("%(who)s removed a note.")),
        ("notes", "note.share", "allowed"): Wording(
            _("You shared a note with a professional of your circle."),
            _("%(who)s shared a note with a professional of your circle."),
        ),
        ("notes", "note.unshare", "allowed"): Wording(
            _("You stopped sharing a note."), _("%(who)s stopped sharing a note.")
        ),
        ("notes", "note.read", "allowed"): Wording(_("You read a note."), _("%(who)s read your note.")),
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
        ("documents", "document.send_to_phone", "allowed"): Wording(
            _("On a shared computer, you made a link to send the document %(object)s to your phone."),
            _("%(who)s made a link to send the document %(object)s to a phone."),
        ),
        ("documents", "document.send_to_phone", "denied"): Wording(
            _("A link to send a document to your phone was refused."),
            _("%(who)s asked for a link to one of your documents and was refused."),
        ),
        ("documents", "document.phone_link", "denied"): Wording(
            _("A link to the document %(object)s was opened when it no longer worked: nothing was sent."),
            _("%(who)s opened a link to your document %(object)s: it was refused and nothing was sent."),
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


def _someone_named(
    people: dict[uuid.UUID, Person], services: dict[str, str], carers: dict[uuid.UUID, str] | None = None
) -> Callable[[str | None], str]:
    from portal.carers.services import relation_words

    relations = relation_words()

    def name(identifier: str | None) -> str:
        account_id = _account_id(identifier)
        if account_id is not None and account_id in people:
            relation = (carers or {}).get(account_id)
            if relation in relations:
                # A carer of the person: "your daughter Claire Dupont".
                return _("%(relation)s %(name)s", relation=relations[relation], name=people[account_id].name)
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
    """The newest events of ``account_id``'s space (older than event ``before``), in words.

    One page: the database walks the person's events from the newest on the index
    ``audit_event_subject_id`` (subject, id), leaves out the hidden ones and stops after
    ``PAGE_SIZE`` and one (which says whether there are older ones), reading only what the
    page says (not the chain's hashes). Only the people, services and documents these
    events name are looked up."""
    query = AuditEvent.select(
        AuditEvent.id,
        AuditEvent.occurred_at,
        AuditEvent.actor,
        AuditEvent.on_behalf_of,
        AuditEvent.area,
        AuditEvent.action,
        AuditEvent.object_id,
        AuditEvent.outcome,
    ).where(AuditEvent.subject == key_owner(account_id))
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
    from portal.carers.services import relations

    name = _someone_named(people, services, await relations(keyring, account_id))
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
