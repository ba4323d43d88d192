"""Conversations between a patient and professionals of their circle.

Every function runs in the request's transaction with its keyring. The routes ask
the access policy first (a blocked professional, or one who left the circle, gets
nothing); these functions keep to what it cannot see: only the members of a
conversation reach it, a closed conversation takes no more messages, and an
attachment is reachable only from the conversation it was sent in.

A conversation has two sides: the patient's (the patient, and a carer acting for them
under a delegation, who takes the patient's place in it: their read mark, their archive)
and each professional's. What a carer writes is theirs: they are its author, never the
patient. Lists and counts that span patients (a professional's inbox, the unread count,
the "new message" notices) ask the access policy for each patient, so a professional
the patient blocked, or who left the circle, no longer sees, counts nor hears of them.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from piccolo.custom_types import Combinable

from portal.accounts.notify import tell
from portal.accounts.people import Person, names_of
from portal.carers.services import author_names
from portal.core import audit, db
from portal.core.access import Action, Actor, Area, Role, profession_of, reachable
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.documents.services import DocumentInfo, documents_by_id
from portal.messages import actions
from portal.messages.tables import (
    Conversation,
    ConversationMember,
    Message,
    MessageAttachment,
    MessageDraft,
    MessageSettings,
)
from portal.settings import Settings

SUBJECT_MAX = 120
BODY_MAX = 5000
NOTIFY_AT_MOST_EVERY = timedelta(hours=1)
INBOX_PATHS = {"patient": "/space/messages", "professional": "/pro/messages"}
# Conversations on a page of the inbox, and messages on a page of a conversation.
INBOX_PAGE = 20
THREAD_PAGE = 20


def _place(table: str, column: str, row: object, patient: uuid.UUID) -> Place:
    return Place(table=table, column=column, row=str(row), subject=key_owner(patient))


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def record(
    actor: uuid.UUID,
    patient: uuid.UUID,
    action: AuditAction,
    conversation: uuid.UUID,
    outcome: str = "allowed",
) -> None:
    await audit.record(
        actor=key_owner(actor),
        action=action,
        outcome=outcome,
        subject=key_owner(patient),
        object_id=f"conversation:{conversation}",
    )


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
    return {_uuid(row["professional"]) for row in rows}


# --------------------------------------------------------------------------- reading


async def open_to(member: uuid.UUID, role: str, patients: set[uuid.UUID]) -> set[uuid.UUID]:
    """Of ``patients``, those whose conversations ``member`` (of ``role`` in them) may still
    read. A patient's own always; for a professional, the access policy's answer: in the
    circle, not blocked, a profession that uses messages (one query for them all)."""
    if role != "professional" or not patients:
        return set(patients)
    actor = Actor(account_id=member, role=Role.PROFESSIONAL, profession=await profession_of(member))
    return await reachable(actor, patients, Area.MESSAGES, Action.READ)


async def _still_reached(member: uuid.UUID, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (with ``patient`` and the member's ``role``) of patients ``member`` still reaches."""
    theirs = {_uuid(row["patient"]) for row in rows if row["role"] == "professional"}
    reached = await open_to(member, "professional", theirs)
    return [row for row in rows if row["role"] != "professional" or _uuid(row["patient"]) in reached]


@dataclass(frozen=True)
class Membership:
    """A conversation as one of its members reaches it: ``account`` is the member (the
    patient on the patient's side, whoever acts there)."""

    conversation: uuid.UUID
    account: uuid.UUID
    patient: uuid.UUID
    role: str
    closed: bool
    archived: bool
    last_read_at: datetime | None


async def membership(conversation: uuid.UUID, account: uuid.UUID) -> Membership | None:
    """``account``'s place in ``conversation``, or None when they are not in it."""
    row = (
        await ConversationMember.select(
            ConversationMember.role,
            ConversationMember.archived,
            ConversationMember.last_read_at,
            ConversationMember.conversation.patient.as_alias("patient"),
            ConversationMember.conversation.closed_at.as_alias("closed_at"),
        )
        .where((ConversationMember.conversation == conversation) & (ConversationMember.account == account))
        .first()
    )
    if row is None:
        return None
    return Membership(
        conversation=conversation,
        account=account,
        patient=_uuid(row["patient"]),
        role=row["role"],
        closed=row["closed_at"] is not None,
        archived=bool(row["archived"]),
        last_read_at=row["last_read_at"],
    )


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
    if last_author is not None and _uuid(last_author) == me:
        return False
    return last_read_at is None or _utc(last_message_at) > _utc(last_read_at)


def pages_of(total: int, size: int) -> int:
    return max(1, -(-total // size))


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
    patients = {_uuid(row["patient"]) for row in rows}
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
    ids = [_uuid(row["id"]) for row in rows]
    members: dict[uuid.UUID, list[uuid.UUID]] = {}
    if ids:
        for row in await ConversationMember.select(
            ConversationMember.conversation, ConversationMember.account
        ).where(ConversationMember.conversation.is_in(ids) & (ConversationMember.account != account)):
            members.setdefault(_uuid(row["conversation"]), []).append(_uuid(row["account"]))
    people = await names_of(keyring, [person for others in members.values() for person in others])
    described = {account: person.described for account, person in people.items()}  # once each
    summaries = []
    for row in rows:
        conversation, patient = _uuid(row["id"]), _uuid(row["patient"])
        subject = await keyring.open(
            _place("conversation", "sealed_subject", conversation, patient), bytes(row["sealed_subject"])
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
    rows = await _still_reached(account, await _UNREAD.rows(Conversation._meta.db, account, account))
    return sum(int(row["unread"]) for row in rows)


@dataclass(frozen=True)
class Attachment:
    """A document sent with a message, as the reader may have it: ``document`` when they may
    open it, else None and why: "gone" (erased since), "hidden" (the patient hid it from
    professionals), "closed" (the reader may not open this record's documents)."""

    document: DocumentInfo | None
    why_not: str = ""


@dataclass(frozen=True)
class MessageView:
    id: uuid.UUID
    author: str  # in words for the reader (carers.services.author_names); "" when they left
    mine: bool
    body: str
    sent_at: datetime
    unread: bool
    attachments: list[Attachment] = field(default_factory=list)


# A page of a conversation's messages, newest first (the index on ``(conversation, sent_at,
# id)`` walks them in that order), with how many it holds in all.
_THREAD = (
    "SELECT m.id, m.author, m.sealed_body, m.sent_at,"
    " (SELECT COUNT(*) FROM message n WHERE n.conversation = {}) AS total_count"
    " FROM message m WHERE m.conversation = {} ORDER BY m.sent_at DESC, m.id DESC LIMIT {} OFFSET {}"
)


async def messages_page(conversation: uuid.UUID, back: int) -> list[dict[str, Any]]:
    """The rows of the page of messages ``back`` pages before the newest, newest first, each
    with ``total_count``: the messages of the conversation in all."""
    rows: list[dict[str, Any]] = await Message.raw(
        _THREAD, conversation, conversation, THREAD_PAGE, back * THREAD_PAGE
    )
    return rows


@dataclass(frozen=True)
class Thread:
    """A conversation as its page shows it."""

    id: uuid.UUID
    patient: uuid.UUID
    subject: str
    members: list[Person]
    closed_at: datetime | None
    closed_by: Person | None
    messages: list[MessageView]
    page: int = 1  # counted from the oldest: the last page holds the newest messages
    pages: int = 1

    @property
    def newest_page(self) -> bool:
        return self.page == self.pages

    @property
    def last_sent_at(self) -> datetime | None:
        return self.messages[-1].sent_at if self.messages else None

    @property
    def refresh_mark(self) -> str:
        """When its newest message was sent: a refresh that finds the same has nothing new."""
        return _utc(self.last_sent_at).isoformat() if self.last_sent_at else ""


async def thread(
    keyring: Keyring,
    place: Membership,
    reader: uuid.UUID,
    *,
    documents_open: bool,
    for_professional: bool,
    page: int | None = None,
) -> Thread:
    """A page of the conversation (``THREAD_PAGE`` messages; the newest unless ``page``, counted
    from the oldest, says another), oldest message first, opened for ``reader`` (who acts: a
    carer reads the patient's side): only the page's messages are read and opened.
    Attachments are documents: opened only when the reader may read the documents area
    (``documents_open``), and for a professional never one the patient hid from
    professionals."""
    conversation, patient = place.conversation, place.patient
    row = await Conversation.select().where(Conversation.id == conversation).first()
    assert row is not None
    member_rows = await ConversationMember.select(ConversationMember.account).where(
        ConversationMember.conversation == conversation
    )
    back = 0  # pages back from the newest
    if page is not None:
        # Pages are cut from the newest (always a full page): an older one needs the count.
        last = pages_of(await Message.count().where(Message.conversation == conversation), THREAD_PAGE)
        back = last - min(max(1, page), last)
    newest_first = await messages_page(conversation, back)
    message_rows = newest_first[::-1]
    total = int(newest_first[0]["total_count"]) if newest_first else 0
    pages = pages_of(total, THREAD_PAGE)
    attached = (
        await MessageAttachment.select(MessageAttachment.message, MessageAttachment.document).where(
            MessageAttachment.message.is_in([r["id"] for r in message_rows])
        )
        if message_rows
        else []
    )
    documents = (
        await documents_by_id(keyring, patient, [_uuid(a["document"]) for a in attached])
        if documents_open
        else {}
    )
    by_message: dict[uuid.UUID, list[Attachment]] = {}
    for a in attached:
        info = documents.get(_uuid(a["document"]))
        if not documents_open:
            shown = Attachment(None, "closed")
        elif info is None or info.deleted_at is not None:
            shown = Attachment(None, "gone")
        elif for_professional and info.hidden:
            shown = Attachment(None, "hidden")
        else:
            shown = Attachment(info)
        by_message.setdefault(_uuid(a["message"]), []).append(shown)
    accounts = [_uuid(r["account"]) for r in member_rows]
    authors = [_uuid(r["author"]) for r in message_rows if r["author"]]
    closer = _uuid(row["closed_by"]) if row["closed_by"] else None
    people = await names_of(keyring, [*accounts, *([closer] if closer else [])])
    # Authors as they are: "you", "your daughter Claire Dupont", "Claire Dupont for Jeanne Dupont".
    words = await author_names(keyring, reader, patient, list(authors))
    messages = []
    for r in message_rows:
        message_id = _uuid(r["id"])
        author = _uuid(r["author"]) if r["author"] else None
        body = await keyring.open(
            _place("message", "sealed_body", message_id, patient), bytes(r["sealed_body"])
        )
        messages.append(
            MessageView(
                id=message_id,
                author=words.get(author, "") if author else "",
                mine=author == reader,
                body=body,
                sent_at=r["sent_at"],
                unread=author != reader
                and (place.last_read_at is None or _utc(r["sent_at"]) > _utc(place.last_read_at)),
                attachments=by_message.get(message_id, []),
            )
        )
    subject = await keyring.open(
        _place("conversation", "sealed_subject", conversation, patient), bytes(row["sealed_subject"])
    )
    return Thread(
        id=conversation,
        patient=patient,
        subject=subject,
        members=[people[a] for a in accounts if a in people],
        closed_at=row["closed_at"],
        closed_by=people.get(closer) if closer else None,
        messages=messages,
        page=pages - back,
        pages=pages,
    )


async def mark_read(place: Membership, shown: Thread) -> bool:
    """Everything shown is read by the member's side; True when there was something unread."""
    newest = shown.last_sent_at
    if newest is None or not any(m.unread for m in shown.messages):
        return False
    async with db.aside(ConversationMember._meta.db):
        await ConversationMember.update({ConversationMember.last_read_at: newest}).where(
            (ConversationMember.conversation == place.conversation)
            & (ConversationMember.account == place.account)
        )
    return True


async def newest_message_at(conversation: uuid.UUID) -> datetime | None:
    row = (
        await Conversation.select(Conversation.last_message_at).where(Conversation.id == conversation).first()
    )
    return _utc(row["last_message_at"]) if row else None


async def attachment_in(conversation: uuid.UUID, document: uuid.UUID) -> bool:
    """Whether ``document`` was sent in ``conversation``."""
    return bool(
        await MessageAttachment.exists().where(
            (MessageAttachment.document == document)
            & (MessageAttachment.message.conversation == conversation)
        )
    )


# --------------------------------------------------------------------------- writing


async def start(
    keyring: Keyring,
    *,
    patient: uuid.UUID,
    author: uuid.UUID,
    professionals: list[uuid.UUID],
    subject: str,
    body: str,
    attachments: list[uuid.UUID],
    now: datetime | None = None,
) -> uuid.UUID:
    """A new conversation between ``patient`` and ``professionals`` with its first message,
    written by ``author`` (who acts: the patient, a carer for them, or a professional)."""
    now = now or datetime.now(UTC)
    conversation = uuid.uuid4()
    await Conversation.insert(
        Conversation(
            id=conversation,
            patient=patient,
            started_by=author,
            sealed_subject=await keyring.seal(
                _place("conversation", "sealed_subject", conversation, patient), subject
            ),
            started_at=now,
            last_message_at=now,
            last_author=author,
        )
    )
    await ConversationMember.insert(
        ConversationMember(conversation=conversation, account=patient, role="patient"),
        *(
            ConversationMember(conversation=conversation, account=p, role="professional")
            for p in professionals
        ),
    )
    side = author if author in professionals else patient
    await _add_message(keyring, conversation, patient, author, side, body, attachments, now)
    await record(author, patient, actions.START, conversation)
    return conversation


async def reply(
    keyring: Keyring,
    place: Membership,
    author: uuid.UUID,
    body: str,
    attachments: list[uuid.UUID],
    now: datetime | None = None,
) -> uuid.UUID:
    """Add ``author``'s message to an open conversation, on the side of ``place``'s member;
    it comes back to the inbox of whoever archived it."""
    now = now or datetime.now(UTC)
    message = await _add_message(
        keyring, place.conversation, place.patient, author, place.account, body, attachments, now
    )
    await Conversation.update({Conversation.last_message_at: now, Conversation.last_author: author}).where(
        Conversation.id == place.conversation
    )
    await ConversationMember.update({ConversationMember.archived: False}).where(
        ConversationMember.conversation == place.conversation
    )
    await record(author, place.patient, actions.SEND, place.conversation)
    return message


async def _add_message(
    keyring: Keyring,
    conversation: uuid.UUID,
    patient: uuid.UUID,
    author: uuid.UUID,
    side: uuid.UUID,
    body: str,
    attachments: list[uuid.UUID],
    now: datetime,
) -> uuid.UUID:
    message = uuid.uuid4()
    sealed = await keyring.seal(_place("message", "sealed_body", message, patient), body)
    await Message.insert(
        Message(id=message, conversation=conversation, author=author, sealed_body=sealed, sent_at=now)
    )
    if attachments:
        await MessageAttachment.insert(*(MessageAttachment(message=message, document=d) for d in attachments))
    # What one side sends is read by it (a carer's message, by the patient's side): its read mark follows.
    await ConversationMember.update({ConversationMember.last_read_at: now}).where(
        (ConversationMember.conversation == conversation) & (ConversationMember.account == side)
    )
    return message


async def close(place: Membership, professional: uuid.UUID) -> None:
    await Conversation.update(
        {Conversation.closed_at: datetime.now(UTC), Conversation.closed_by: professional}
    ).where(Conversation.id == place.conversation)
    await record(professional, place.patient, actions.CLOSE, place.conversation)


async def set_archived(place: Membership, actor: uuid.UUID, archived: bool) -> None:
    """Put the conversation away on the side of ``place``'s member, or take it back."""
    await ConversationMember.update({ConversationMember.archived: archived}).where(
        (ConversationMember.conversation == place.conversation)
        & (ConversationMember.account == place.account)
    )
    await record(actor, place.patient, actions.ARCHIVE if archived else actions.UNARCHIVE, place.conversation)


async def tell_members(
    settings: Settings,
    keyring: Keyring,
    conversation: uuid.UUID,
    side: uuid.UUID,
    now: datetime | None = None,
) -> int:
    """Tell the members of the other sides than ``side``'s (the member who wrote, or for
    whom a carer wrote) that a new message waits, at most once an hour per conversation: no
    content, no sender. A professional the patient blocked, or who left the circle, is not
    told. Returns how many were told."""
    now = now or datetime.now(UTC)
    rows = await ConversationMember.select(
        ConversationMember._meta.primary_key.as_alias("member_id"),
        ConversationMember.account,
        ConversationMember.role,
        ConversationMember.notified_at,
        ConversationMember.conversation.patient.as_alias("patient"),
    ).where((ConversationMember.conversation == conversation) & (ConversationMember.account != side))
    told = 0
    for row in rows:
        if row["notified_at"] is not None and now - _utc(row["notified_at"]) < NOTIFY_AT_MOST_EVERY:
            continue
        patient = _uuid(row["patient"])
        if not await open_to(_uuid(row["account"]), row["role"], {patient}):
            continue
        address = f"{settings.base_url}{INBOX_PATHS.get(row['role'], '/space/messages')}"
        text = _(
            "You have a new message in your health space. To read it, sign in at %(address)s", address=address
        )
        if await tell(
            settings, keyring, _uuid(row["account"]), _("You have a new message in your health space"), text
        ):
            told += 1
        await ConversationMember.update({ConversationMember.notified_at: now}).where(
            ConversationMember._meta.primary_key == row["member_id"]
        )
    return told


# --------------------------------------------------------------------------- drafts


@dataclass(frozen=True)
class Draft:
    subject: str = ""
    body: str = ""
    to: tuple[str, ...] = ()  # the professionals a patient chose, for a new conversation
    saved_at: datetime | None = None


def _draft_place(author: uuid.UUID, patient: uuid.UUID, conversation: uuid.UUID | None) -> Place:
    return _place("message_draft", "sealed_text", f"{author}/{conversation or 'new'}", patient)


def _draft_query(author: uuid.UUID, patient: uuid.UUID, conversation: uuid.UUID | None) -> Combinable:
    where = (MessageDraft.author == author) & (MessageDraft.patient == patient)
    if conversation is None:
        return where & MessageDraft.conversation.is_null()
    return where & (MessageDraft.conversation == conversation)


async def load_draft(
    keyring: Keyring, author: uuid.UUID, patient: uuid.UUID, conversation: uuid.UUID | None
) -> Draft:
    row = await MessageDraft.select().where(_draft_query(author, patient, conversation)).first()
    if row is None:
        return Draft()
    data = json.loads(
        await keyring.open(_draft_place(author, patient, conversation), bytes(row["sealed_text"]))
    )
    return Draft(
        subject=data.get("subject", ""),
        body=data.get("body", ""),
        to=tuple(data.get("to", ())),
        saved_at=row["updated_at"],
    )


async def save_draft(
    keyring: Keyring, author: uuid.UUID, patient: uuid.UUID, conversation: uuid.UUID | None, draft: Draft
) -> datetime:
    """Keep what ``author`` is writing (an empty draft is deleted); returns when it was saved."""
    now = datetime.now(UTC)
    if not (draft.subject.strip() or draft.body.strip()):
        await delete_draft(author, patient, conversation)
        return now
    text = json.dumps(
        {"subject": draft.subject, "body": draft.body, "to": list(draft.to)}, ensure_ascii=False
    )
    sealed = await keyring.seal(_draft_place(author, patient, conversation), text)
    updated = (
        await MessageDraft.update({MessageDraft.sealed_text: sealed, MessageDraft.updated_at: now})
        .where(_draft_query(author, patient, conversation))
        .returning(MessageDraft._meta.primary_key)
    )
    if not updated:
        await MessageDraft.insert(
            MessageDraft(
                author=author, patient=patient, conversation=conversation, sealed_text=sealed, updated_at=now
            )
        )
    return now


async def delete_draft(author: uuid.UUID, patient: uuid.UUID, conversation: uuid.UUID | None) -> None:
    await MessageDraft.delete().where(_draft_query(author, patient, conversation))
