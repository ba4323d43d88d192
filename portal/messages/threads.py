"""A conversation as its page shows it: a page of its messages opened for who reads them,
with the documents they carry as the reader may have them; the reader's read mark; what
the page's refresh and an attachment's download ask.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from portal.accounts.people import Person, names_of
from portal.carers.services import author_names
from portal.core import db
from portal.core.keys import Keyring
from portal.documents.services import DocumentInfo, documents_by_id
from portal.messages.members import Membership, as_utc, as_uuid, pages_of, seal_place
from portal.messages.tables import Conversation, ConversationMember, Message, MessageAttachment

# Messages on a page of a conversation.
THREAD_PAGE = 20


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
        return as_utc(self.last_sent_at).isoformat() if self.last_sent_at else ""


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
    back = await _pages_back(conversation, page)
    newest_first = await messages_page(conversation, back)
    message_rows = newest_first[::-1]
    total = int(newest_first[0]["total_count"]) if newest_first else 0
    pages = pages_of(total, THREAD_PAGE)
    by_message = await _attachments(
        keyring, patient, message_rows, documents_open=documents_open, for_professional=for_professional
    )
    accounts = [as_uuid(r["account"]) for r in member_rows]
    closer = as_uuid(row["closed_by"]) if row["closed_by"] else None
    people = await names_of(keyring, [*accounts, *([closer] if closer else [])])
    messages = await _message_views(keyring, place, reader, message_rows, by_message)
    subject = await keyring.open(
        seal_place("conversation", "sealed_subject", conversation, patient), bytes(row["sealed_subject"])
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


async def _pages_back(conversation: uuid.UUID, page: int | None) -> int:
    """How many pages back from the newest ``page`` (counted from the oldest) is: 0 for the
    newest, or when no page is asked."""
    if page is None:
        return 0
    # Pages are cut from the newest (always a full page): an older one needs the count.
    last = pages_of(await Message.count().where(Message.conversation == conversation), THREAD_PAGE)
    return last - min(max(1, page), last)


async def _attachments(
    keyring: Keyring,
    patient: uuid.UUID,
    message_rows: list[dict[str, Any]],
    *,
    documents_open: bool,
    for_professional: bool,
) -> dict[uuid.UUID, list[Attachment]]:
    """The documents the messages of ``message_rows`` carry, by message, as the reader may
    have them (``Attachment``): opened only when ``documents_open``."""
    attached = (
        await MessageAttachment.select(MessageAttachment.message, MessageAttachment.document).where(
            MessageAttachment.message.is_in([r["id"] for r in message_rows])
        )
        if message_rows
        else []
    )
    documents = (
        await documents_by_id(keyring, patient, [as_uuid(a["document"]) for a in attached])
        if documents_open
        else {}
    )
    by_message: dict[uuid.UUID, list[Attachment]] = {}
    for a in attached:
        info = documents.get(as_uuid(a["document"]))
        if not documents_open:
            shown = Attachment(None, "closed")
        elif info is None or info.deleted_at is not None:
            shown = Attachment(None, "gone")
        elif for_professional and info.hidden:
            shown = Attachment(None, "hidden")
        else:
            shown = Attachment(info)
        by_message.setdefault(as_uuid(a["message"]), []).append(shown)
    return by_message


async def _message_views(
    keyring: Keyring,
    place: Membership,
    reader: uuid.UUID,
    message_rows: list[dict[str, Any]],
    by_message: dict[uuid.UUID, list[Attachment]],
) -> list[MessageView]:
    """The messages of ``message_rows`` opened for ``reader``, their authors in words."""
    patient = place.patient
    authors = [as_uuid(r["author"]) for r in message_rows if r["author"]]
    # Authors as they are: "you", "your daughter Claire Dupont", "Claire Dupont for Jeanne Dupont".
    words = await author_names(keyring, reader, patient, list(authors))
    messages = []
    for r in message_rows:
        message_id = as_uuid(r["id"])
        author = as_uuid(r["author"]) if r["author"] else None
        body = await keyring.open(
            seal_place("message", "sealed_body", message_id, patient), bytes(r["sealed_body"])
        )
        messages.append(
            MessageView(
                id=message_id,
                author=words.get(author, "") if author else "",
                mine=author == reader,
                body=body,
                sent_at=r["sent_at"],
                unread=author != reader
                and (place.last_read_at is None or as_utc(r["sent_at"]) > as_utc(place.last_read_at)),
                attachments=by_message.get(message_id, []),
            )
        )
    return messages


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
    return as_utc(row["last_message_at"]) if row else None


async def attachment_in(conversation: uuid.UUID, document: uuid.UUID) -> bool:
    """Whether ``document`` was sent in ``conversation``."""
    return bool(
        await MessageAttachment.exists().where(
            (MessageAttachment.document == document)
            & (MessageAttachment.message.conversation == conversation)
        )
    )
