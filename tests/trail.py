"""Reading the audit trail in a test: one reader for every test that checks what was recorded."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from portal.core.keys import key_owner
from portal.core.tables import AuditEvent
from tests.people import run


def _who(person: UUID | str) -> str:
    """A person as the trail names them (``key_owner``); a string is already a trail name
    ("operator", "service:...")."""
    return key_owner(person) if isinstance(person, UUID) else person


ANY: Any = object()
"""Any value of a column (``subject`` and ``actor``'s default): None asks for an empty one."""


def audit_events(
    client: Any,
    *fields: str,
    subject: UUID | str | None = ANY,
    actor: UUID | str | None = ANY,
    since: int = 0,
    **columns: str | None,
) -> list[Any]:
    """The events recorded through ``client``'s app that match, oldest first.

    ``subject`` and ``actor`` take a person's account id (or a trail name; None: none, e.g.
    an event about no one's record; left out: anyone); ``since`` leaves
    out events up to that id; any other keyword is a column's value (None: the column is
    empty), e.g. ``area="agenda"``. With ``fields``, each event is the tuple of those
    columns; without, the whole row as a dict.
    """

    async def read() -> list[dict[str, Any]]:
        query = AuditEvent.select().where(AuditEvent.id > since).order_by(AuditEvent.id)
        wanted: dict[str, str | None] = dict(columns)
        if subject is not ANY:
            wanted["subject"] = None if subject is None else _who(subject)
        if actor is not ANY:
            wanted["actor"] = None if actor is None else _who(actor)
        for name, value in wanted.items():
            column = getattr(AuditEvent, name)
            query = query.where(column.is_null() if value is None else column == value)
        rows: list[dict[str, Any]] = await query
        return rows

    rows = run(client, read)
    if not fields:
        return rows
    return [tuple(row[name] for name in fields) for row in rows]


def newest_event_id(client: Any) -> int:
    """The id of the newest event (0 for an empty trail): pass it as ``since``."""

    async def read() -> int:
        row = await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first()
        return int(row["id"]) if row else 0

    result: int = run(client, read)
    return result
