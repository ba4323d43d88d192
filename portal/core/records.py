"""Sealed JSON values of a patient's record, and the audit event of an action on them.

The profile, the agenda and the notes each keep what a row says as one JSON value
sealed with the patient's data key, bound to its table, column and row: these two
helpers are all they need of the crypto, so they seal and open the same way.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from portal.core import audit
from portal.core.actions import AuditAction
from portal.core.crypto import Place
from portal.core.keys import Keyring, key_owner
from portal.core.web import bounded_int


def place(table: str, column: str, row: object, patient: uuid.UUID) -> Place:
    return Place(table=table, column=column, row=str(row), subject=key_owner(patient))


async def seal_json(keyring: Keyring, where: Place, value: dict[str, Any]) -> bytes:
    return await keyring.seal(where, json.dumps(value, ensure_ascii=False, separators=(",", ":")))


async def open_json(keyring: Keyring, where: Place, sealed: bytes) -> dict[str, Any]:
    value = json.loads(await keyring.open(where, bytes(sealed)))
    return value if isinstance(value, dict) else {}


async def record(
    actor: uuid.UUID,
    patient: uuid.UUID,
    action: AuditAction,
    object_id: str | None,
    outcome: str = "allowed",
) -> None:
    """One audit event: ``actor`` did ``action`` (a declared action, which says its area)
    on ``object_id`` of ``patient``'s record."""
    await audit.record(
        actor=key_owner(actor),
        action=action,
        outcome=outcome,
        subject=key_owner(patient),
        object_id=object_id,
    )


async def write_at_version(
    table: Any, row_id: uuid.UUID, patient: uuid.UUID, version: int, values: dict[Any, Any]
) -> bool:
    """No lost update: write ``values`` into ``patient``'s row ``row_id`` only while it is
    still at ``version`` (the one its form was read at), raising the version by one. False,
    and nothing written, when someone saved since: the page then shows both and asks."""
    changed = (
        await table.update({**values, table.version: table.version + 1})
        .where((table.id == row_id) & (table.patient == patient) & (table.version == version))
        .returning(table.id)
    )
    return bool(changed)


async def remove_at_version(table: Any, row_id: uuid.UUID, patient: uuid.UUID, version: int) -> bool:
    """Remove ``patient``'s row ``row_id`` only while it is at ``version`` (the one the person
    saw when asked to confirm); False, and nothing removed, when it changed since."""
    removed = (
        await table.delete()
        .where((table.id == row_id) & (table.patient == patient) & (table.version == version))
        .returning(table.id)
    )
    return bool(removed)


# Versions start at 1 and rise by one at every save: a 32-bit integer on every database.
VERSION_MAX = 2**31 - 1


def read_version(form: Any) -> int:
    """The version an edit form was read at; 0 (which no row has) when it is missing or not
    a number, so a form of unknown age is never saved over what is there now."""
    return bounded_int(form.get("version"), default=0, low=0, high=VERSION_MAX)
