"""The inbox: a member's conversations a page at a time, the unread count of the header,
and whether a professional accepts conversations that patients start.

Lists and counts that span patients (a professional's inbox, the unread count) ask the
access policy for each patient, so a professional the patient blocked, or who left the
circle, no longer sees nor counts their conversations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from portal.accounts.people import names_of
from portal.core import db
from portal.core.keys import Keyring
from portal.messages.members import as_utc, as_uuid, open_to, pages_of, seal_place, still_reached
from portal.messages.tables import Conversation, ConversationMember, MessageSettings

# Conversations on a page of the inbox.
INBOX_PAGE = 20


# --------------------------------------------------------------------------- settings


async def accepts_new(professional: uuid.UUID) -> bool:
    row = (
        await MessageSettings.select(MessageSettings.accepts_new)
        .where(MessageSettings.professional == professional)
        .first()
    )
    return bool(row and row["accepts_new"])


async def set_accepts_new(professional: uuid.UUID, accepts: bool) -> None:
    updated = (
        await MessageSettings.update({MessageSettings.accepts_new: accepts})
        .where(MessageSettings.professional == professional)
        .returning(MessageSettings._meta.primary_key)
    )
    if not updated:
        await MessageSettings.insert(MessageSettings(professional=professional, accepts_new=accepts))


async def accepting(professionals: list[uuid.UUID]) -> set[uuid.UUID]:
    """Those of ``professionals`` who accept conversations started by patients."""
    if not professionals:
        return set()
    rows = await MessageSettings.select(MessageSettings.professional).where(
        MessageSettings.professional.is_in(professionals) & (MessageSettings.accepts_new == True)  # noqa: E712
    )
    return {as_uuid(row["professional"]) for row in rows}


# --------------------------------------------------------------------------- the inbox


@dataclass(frozen=True)
class Summary:
    """One row of an inbox."""

    id: uuid.UUID
    subject: str
    patient: uuid.UUID
    others: str  # "Dr Anne Martin, general practitioner, ..."
    last_message_at: datetime
    unread: bool
    closed: bool


# The page of one member's conversations, newest first, with what the inbox shows of each
# and how many there are in all (counted by the index on ``conversation_member.account``).
# ``{closed}`` leaves out, for a professional, the patients who no longer let them read.
_INBOX = (
    "SELECT c.id, c.patient, c.sealed_subject, c.last_message_at, c.last_author, c.closed_at,"
    " m.last_read_at, m.role, (SELECT COUNT(*) FROM conversation_member n"
    " JOIN conversation o ON o.id = n.conversation WHERE n.account = {{}} AND n.archived = {{}}{closed_o})"
    " AS total_count FROM conversation_member m JOIN conversation c ON c.id = m.conversation"
    " WHERE m.account = {{}} AND m.archived = {{}}{closed_c}"
    " ORDER BY c.last_message_at DESC, c.id DESC LIMIT {{}} OFFSET {{}}"
)
_PATIENTS_OF_MEMBER = (
    "SELECT DISTINCT c.patient FROM conversation_member m JOIN conversation c ON c.id = m.conversation"
    " WHERE m.account = {} AND m.role = {}"
)


def _is_unread(
    last_message_at: datetime, last_author: object, last_read_at: datetime | None, me: uuid.UUID
) -> bool:
    if last_author is not None and as_uuid(last_author) == me:
        return False
    return last_read_at is None or as_utc(last_message_at) > as_utc(last_read_at)


@dataclass(frozen=True)
class Inbox:
    """One page of an inbox: ``total`` conversations in all, ``pages`` pages of ``INBOX_PAGE``."""

    conversations: list[Summary]
    total: int
    page: int
    pages: int


async def _closed_to(professional: uuid.UUID) -> list[uuid.UUID]:
    """The patients of ``professional``'s conversations who no longer let them read them."""
    rows = await Conversation.raw(_PATIENTS_OF_MEMBER, professional, "professional")
    patients = {as_uuid(row["patient"]) for row in rows}
    return sorted(patients - await open_to(professional, "professional", patients), key=str)


async def inbox(
    keyring: Keyring, account: uuid.UUID, *, archived: bool = False, page: int = 1, professional: bool = False
) -> Inbox:
    """A page of ``account``'s conversations, newest first (``INBOX_PAGE`` a page): only
    those rows are read and only their subjects opened. For a ``professional``, only those
    of the patients who still let them read (``open_to``), left out by the database."""
    closed = await _closed_to(account) if professional else []
    marks = ", ".join("{}" for _ in closed)
    sql = _INBOX.format(
        closed_o=f" AND o.patient NOT IN ({marks})" if closed else "",
        closed_c=f" AND c.patient NOT IN ({marks})" if closed else "",
    )
    page = max(1, page)
    rows = await Conversation.raw(
        sql, account, archived, *closed, account, archived, *closed, INBOX_PAGE, (page - 1) * INBOX_PAGE
    )
    if not rows and page > 1:
        # Past the last page (an old link, a conversation archived since): the last page.
        count = await Conversation.raw(sql, account, archived, *closed, account, archived, *closed, 1, 0)
        if count:
            last = pages_of(int(count[0]["total_count"]), INBOX_PAGE)
            return await inbox(keyring, account, archived=archived, page=last, professional=professional)
    ids = [as_uuid(row["id"]) for row in rows]
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    if ids:
        for row in await ConversationMember.select(
            ConversationMember.conversation, ConversationMember.account
        ).where(ConversationMember.conversation.is_in(ids) & (ConversationMember.account != account)):
            members.setdefault(as_uuid(row["conversation"]), []).append(as_uuid(row["account"]))
    people = await names_of(keyring, [person for others in members.values() for person in others])
    described = {account: person.described for account, person in people.items()}  # once each
    summaries = []
    for row in rows:
        conversation, patient = as_uuid(row["id"]), as_uuid(row["patient"])
        subject = await keyring.open(
            seal_place("conversation", "sealed_subject", conversation, patient), bytes(row["sealed_subject"])
        )
        summaries.append(
            Summary(
                id=conversation,
                subject=subject,
                patient=patient,
                others=", ".join(described[p] for p in members.get(conversation, []) if p in described),
                last_message_at=row["last_message_at"],
                unread=_is_unread(row["last_message_at"], row["last_author"], row["last_read_at"], account),
                closed=row["closed_at"] is not None,
            )
        )
    total = int(rows[0]["total_count"]) if rows else 0
    return Inbox(summaries, total=total, page=page if rows else 1, pages=pages_of(total, INBOX_PAGE))


# By patient: a professional counts only the patients who still let them read.
# (Asked on every signed-in page, for the header: SQL written once, ``db.Statement``.)
_UNREAD = db.Statement(
    "SELECT c.patient, m.role, COUNT(*) AS unread FROM conversation_member m"
    " JOIN conversation c ON c.id = m.conversation"
    " WHERE m.account = {} AND (c.last_author IS NULL OR c.last_author <> {})"
    " AND (m.last_read_at IS NULL OR c.last_message_at > m.last_read_at)"
    " GROUP BY c.patient, m.role"
)


async def unread_count(account: uuid.UUID) -> int:
    """How many of ``account``'s conversations hold a message they have not read (for a
    professional, of the patients who still let them read)."""
    rows = await still_reached(account, await _UNREAD.rows(Conversation._meta.db, account, account))
    return sum(int(row["unread"]) for row in rows)
