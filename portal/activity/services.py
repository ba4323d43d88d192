"""Reading a person's audit events and saying each one in plain words.

The trail keeps identifiers only (``portal.core.audit``); this module turns them
into sentences: "Dr Anne Martin, general practitioner, joined your care circle".
Each feature declares its actions and their wording where it records them
(``portal.core.actions``); this module asks that registry.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.accounts.people import Person, names_of
from portal.core import actions
from portal.core.actions import Wording
from portal.core.i18n import format_moment
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.tables import AuditEvent

PAGE_SIZE = 20
ACCOUNT_PREFIX = "account:"
DOCUMENT_PREFIX = "document:"


def _fallback(outcome: str) -> Wording:
    """For an event of an action no longer declared (old data): no declared action reaches it."""
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


async def _events_of(account_id: uuid.UUID, before: int | None) -> tuple[list[dict[str, Any]], bool]:
    """One page of ``account_id``'s shown events, newest first (older than event ``before``),
    and whether there are older ones."""
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
    query = query.where(AuditEvent.action.not_in(actions.hidden_names()))
    rows = await query.order_by(AuditEvent.id, ascending=False).limit(PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def activity_of(
    keyring: Keyring, account_id: uuid.UUID, *, before: int | None, timezone: str
) -> ActivityPage:
    """The newest events of ``account_id``'s space (older than event ``before``), in words.

    One page: the database walks the person's events from the newest on the index
    ``audit_event_subject_id`` (subject, id), leaves out the hidden ones and stops after
    ``PAGE_SIZE`` and one (which says whether there are older ones), reading only what the
    page says (not the chain's hashes). Only the people, services and documents these
    events name are looked up."""
    rows, more = await _events_of(account_id, before)
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
    you = key_owner(account_id)
    items = []
    for row in rows:
        declared = actions.find(row["area"], row["action"])
        wording = (declared and declared.wording(row["outcome"])) or _fallback(row["outcome"])
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
