"""Who is in a conversation and who still reaches it: a member's place in a conversation,
the access policy asked for the patients of a professional's conversations, the audit of
what is done in one, and the small helpers the other modules of messages share (where a
sealed value lives, identifiers and times as the databases give them back).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portal.core import records
from portal.core.access import Action, Actor, Area, Role, profession_of, reachable
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.keys import key_owner
from portal.messages.tables import ConversationMember


def seal_place(table: str, column: str, row: object, patient: uuid.UUID) -> Place:
    """Where a sealed value of the patient's conversations lives."""
    return Place(table=table, column=column, row=str(row), subject=key_owner(patient))


def as_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def as_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def pages_of(total: int, size: int) -> int:
    return max(1, -(-total // size))


async def record(
    actor: uuid.UUID,
    patient: uuid.UUID,
    action: AuditAction,
    conversation: uuid.UUID,
    outcome: str = "allowed",
) -> None:
    """``records.record`` about a conversation."""
    await records.record(actor, patient, action, f"conversation:{conversation}", outcome)


async def open_to(member: uuid.UUID, role: str, patients: set[uuid.UUID]) -> set[uuid.UUID]:
    """Of ``patients``, those whose conversations ``member`` (of ``role`` in them) may still
    read. A patient's own always; for a professional, the access policy's answer: in the
    circle, not blocked, a profession that uses messages (one query for them all)."""
    if role != "professional" or not patients:
        return set(patients)
    actor = Actor(account_id=member, role=Role.PROFESSIONAL, profession=await profession_of(member))
    return await reachable(actor, patients, Area.MESSAGES, Action.READ)


async def still_reached(member: uuid.UUID, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows (with ``patient`` and the member's ``role``) of patients ``member`` still reaches."""
    theirs = {as_uuid(row["patient"]) for row in rows if row["role"] == "professional"}
    reached = await open_to(member, "professional", theirs)
    return [row for row in rows if row["role"] != "professional" or as_uuid(row["patient"]) in reached]


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
        patient=as_uuid(row["patient"]),
        role=row["role"],
        closed=row["closed_at"] is not None,
        archived=bool(row["archived"]),
        last_read_at=row["last_read_at"],
    )
