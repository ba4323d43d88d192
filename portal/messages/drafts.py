"""Drafts: what someone is writing, kept sealed as they type (a new conversation's, or a
reply's), one per author, patient and conversation.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from piccolo.custom_types import Combinable

from portal.core.crypto import Place
from portal.core.keys import Keyring
from portal.messages.members import seal_place
from portal.messages.tables import MessageDraft


@dataclass(frozen=True)
class Draft:
    subject: str = ""
    body: str = ""
    to: tuple[str, ...] = ()  # the professionals a patient chose, for a new conversation
    saved_at: datetime | None = None


def _draft_place(author: uuid.UUID, patient: uuid.UUID, conversation: uuid.UUID | None) -> Place:
    return seal_place("message_draft", "sealed_text", f"{author}/{conversation or 'new'}", patient)


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
