"""Reading what the adoption figures count, for every person at once.

The territory and age band are in each person's sealed identity (there is no plaintext
to count from, by design), so the figures open two values per person: their date of
birth and their postal address. Everything is read in a handful of queries, whatever
the number of people: the accounts, their sealed identities, their data keys (fetched
in batches by ``Keyring.preload``), the assisted activations, the invitations waiting
and the professionals' documents counted by the database. Nothing is kept after the
request, and no value opened here leaves this module except as a department code and
an age band.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from piccolo.query.functions.aggregate import Count

from portal.accounts.tables import Account, Identity, Invitation
from portal.agency.figures import NOT_KNOWN, Fact, account_uuid, age_band
from portal.core.access import Role
from portal.core.crypto import Place, SealedValueError
from portal.core.keys import Keyring, key_owner
from portal.documents.tables import Document
from portal.outreach import departments
from portal.outreach.tables import AssistedActivation

ACTIVE_DAYS = 30
KEY_BATCH = 500  # owners per key query: well under every database's limit of parameters


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


async def _open(keyring: Keyring, account_id: uuid.UUID, column: str, sealed: Any) -> str | None:
    if sealed is None:
        return None
    place = Place(table="identity", column=column, row=str(account_id), subject=key_owner(account_id))
    try:
        return await keyring.open(place, bytes(sealed))
    except SealedValueError:  # a key destroyed meanwhile (a space closed): nothing to count
        return None


async def _territories(keyring: Keyring) -> dict[uuid.UUID, tuple[str | None, date | None]]:
    """Each patient's department (from their postal address) and date of birth."""
    rows = await Identity.select(Identity.account, Identity.date_of_birth, Identity.postal_address).where(
        Identity.account.role == Role.PATIENT.value
    )
    ids = [account_uuid(row["account"]) for row in rows]
    owners = [key_owner(account_id) for account_id in ids]
    for start in range(0, len(owners), KEY_BATCH):
        await keyring.preload(owners[start : start + KEY_BATCH])
    found: dict[uuid.UUID, tuple[str | None, date | None]] = {}
    for account_id, row in zip(ids, rows, strict=True):
        address = await _open(keyring, account_id, "postal_address", row["postal_address"])
        born_text = await _open(keyring, account_id, "date_of_birth", row["date_of_birth"])
        try:
            born = date.fromisoformat(born_text) if born_text else None
        except ValueError:
            born = None
        found[account_id] = (departments.department_of_address(address), born)
    return found


async def _documents(read_only: bool) -> dict[uuid.UUID, int]:
    """How many documents professionals deposited for each patient (only those opened, with ``read_only``)."""
    where = (Document.author_role == "professional") & Document.deleted_at.is_null()
    if read_only:
        where = where & (Document.is_new == False)  # noqa: E712 (a SQL comparison)
    rows = (
        await Document.select(Document.patient, Count(alias="count")).where(where).group_by(Document.patient)
    )
    return {account_uuid(row["patient"]): int(row["count"]) for row in rows}


async def gather(keyring: Keyring, now: datetime | None = None, today: date | None = None) -> list[Fact]:
    """What the figures count about every person whose space was made, one fact each."""
    now = now or datetime.now(UTC)
    today = today or now.date()
    since = now - timedelta(days=ACTIVE_DAYS)
    accounts = await Account.select(
        Account.id, Account.status, Account.activated_at, Account.last_signed_in_at
    ).where(Account.role == Role.PATIENT.value)
    territories = await _territories(keyring)
    assisted = {
        account_uuid(row["account"]): row["department"]
        for row in await AssistedActivation.select(AssistedActivation.account, AssistedActivation.department)
    }
    waiting = {
        account_uuid(row["account"])
        for row in await Invitation.select(Invitation.account).where(
            Invitation.used_at.is_null() & (Invitation.expires_at > now)
        )
    }
    documents, read = await _documents(False), await _documents(True)
    facts = []
    for account in accounts:
        account_id = account_uuid(account["id"])
        department, born = territories.get(account_id, (None, None))
        activated_at = _utc(account["activated_at"])
        last_used = max(
            (moment for moment in (activated_at, _utc(account["last_signed_in_at"])) if moment), default=None
        )
        status = account["status"]
        facts.append(
            Fact(
                department=department or assisted.get(account_id) or NOT_KNOWN,
                band=age_band(born, today),
                activated=activated_at is not None,
                assisted=account_id in assisted,
                refused=status == "refused",
                pending=status == "invited" and account_id in waiting,
                active_30_days=status == "active" and last_used is not None and last_used >= since,
                documents=documents.get(account_id, 0),
                documents_read=read.get(account_id, 0),
            )
        )
    return facts
