"""Writing in conversations: starting one, replying, closing (a professional), archiving
(the patient's side), and telling the other members that a message waits.

What a carer writes is theirs: they are its author, never the patient. A closed
conversation takes no more messages (the routes check it before replying).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from portal.accounts.notify import tell
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.messages import actions
from portal.messages.members import Membership, as_utc, as_uuid, open_to, record, seal_place
from portal.messages.tables import Conversation, ConversationMember, Message, MessageAttachment
from portal.settings import Settings

NOTIFY_AT_MOST_EVERY = timedelta(hours=1)


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
                seal_place("conversation", "sealed_subject", conversation, patient), subject
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
    sealed = await keyring.seal(seal_place("message", "sealed_body", message, patient), body)
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
        if row["notified_at"] is not None and now - as_utc(row["notified_at"]) < NOTIFY_AT_MOST_EVERY:
            continue
        patient = as_uuid(row["patient"])
        if not await open_to(as_uuid(row["account"]), row["role"], {patient}):
            continue
        inbox = url_for("pro_inbox" if row["role"] == "professional" else "inbox")
        address = f"{settings.base_url}{inbox}"
        text = _(
            "You have a new message in your health space. To read it, sign in at %(address)s", address=address
        )
        if await tell(
            settings, keyring, as_uuid(row["account"]), _("You have a new message in your health space"), text
        ):
            told += 1
        await ConversationMember.update({ConversationMember.notified_at: now}).where(
            ConversationMember._meta.primary_key == row["member_id"]
        )
    return told
