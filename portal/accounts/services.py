"""Accounts: creating one with its sealed identity, finding it by identifier, erasing it."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from functools import cache
from typing import Any

from portal.accounts.tables import Account, Identity
from portal.core import db
from portal.core.access import Role
from portal.core.crypto import Place
from portal.core.keys import Keyring, destroy_keys_of, key_owner

SEALED_FIELDS = (
    "family_name",
    "given_names",
    "date_of_birth",
    "nir",
    "email",
    "mobile",
    "postal_address",
    "rpps",
    "place_of_practice",
)


@dataclass(frozen=True)
class PersonIdentity:
    """Who a person is, in plain text: only ever in memory, never stored like this."""

    family_name: str
    given_names: str
    date_of_birth: str | None = None  # ISO date
    nir: str | None = None  # normalised, 15 characters
    email: str | None = None  # normalised
    mobile: str | None = None  # E.164
    postal_address: str | None = None
    profession: str | None = None
    rpps: str | None = None
    place_of_practice: str | None = None


def _place(account_id: uuid.UUID, column: str) -> Place:
    return Place(table="identity", column=column, row=str(account_id), subject=key_owner(account_id))


async def create_account(keyring: Keyring, role: Role, person: PersonIdentity) -> uuid.UUID:
    """Create an invited account and its sealed identity, with blind indexes for look-ups."""
    account_id = uuid.uuid4()
    await Account.insert(
        Account(
            id=account_id,
            role=role.value,
            email_index=await keyring.index("email", person.email) if person.email else None,
            nir_index=await keyring.index("nir", person.nir) if person.nir else None,
            rpps_index=await keyring.index("rpps", person.rpps) if person.rpps else None,
        )
    )
    sealed: dict[str, Any] = {}
    for name in SEALED_FIELDS:
        value = getattr(person, name)
        sealed[name] = await keyring.seal(_place(account_id, name), value) if value is not None else None
    await Identity.insert(Identity(account=account_id, profession=person.profession, **sealed))
    return account_id


async def open_identity_field(keyring: Keyring, account_id: uuid.UUID, name: str, sealed: Any) -> str | None:
    """One sealed field of an identity row, opened (None when it is empty)."""
    return await keyring.open(_place(account_id, name), bytes(sealed)) if sealed is not None else None


NAME_FIELDS = ("family_name", "given_names")


async def read_identity(
    keyring: Keyring, account_id: uuid.UUID, fields: Collection[str] = SEALED_FIELDS
) -> PersonIdentity | None:
    """The identity of an account, opened; None when there is none (or it was erased).

    ``fields``: only these are read and opened (a page that needs a name opens no birth
    date, address or health number); the others are left empty ("" for the names)."""
    names = tuple(name for name in SEALED_FIELDS if name in fields)
    row = await _identity_read(names).first(Identity._meta.db, account_id)
    if row is None:
        return None
    values: dict[str, Any] = {"profession": row["profession"], "family_name": "", "given_names": ""}
    for name in names:
        values[name] = await open_identity_field(keyring, account_id, name, row[name])
    return PersonIdentity(**values)


@cache
def _identity_read(names: tuple[str, ...]) -> db.Statement:
    """The read of an identity's profession and ``names`` (asked on most signed-in pages:
    SQL written once per set of fields)."""
    columns = ", ".join(["profession", *names])
    return db.Statement(f"SELECT {columns} FROM identity WHERE account = {{}}")  # noqa: S608 (the names are ours)


async def find_account_id(keyring: Keyring, identifier: str) -> uuid.UUID | None:
    """The account an email address or a national health number (normalised) belongs to."""
    column = Account.nir_index if identifier[:1].isdigit() else Account.email_index
    purpose = "nir" if identifier[:1].isdigit() else "email"
    row = (
        await Account.select(Account.id)
        .where(
            (column == await keyring.index(purpose, identifier))
            & (Account.status.is_in(["invited", "active"]))
        )
        .first()
    )
    return row["id"] if row else None


async def erase_account(account_id: uuid.UUID, status: str = "closed") -> None:
    """Erase a person's data by destroying their keys; keep only the account's status.

    The sealed identity is deleted too, but it is the destroyed key that makes
    every copy of it (backups included) unreadable.
    """
    await destroy_keys_of(key_owner(account_id))
    await Identity.delete().where(Identity.account == account_id)
    await Account.update(
        {Account.status: status, Account.email_index: None, Account.nir_index: None, Account.rpps_index: None}
    ).where(Account.id == account_id)
