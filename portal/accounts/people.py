"""How people are named on pages: "Dr Anne Martin, general practitioner".

Names are sealed, so naming someone opens their identity with their own key. A
page that names several people asks ``names_of`` once for all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from portal.accounts.services import read_identity
from portal.accounts.tables import Account, Identity
from portal.core.access import Actor, Role
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.sessions import SignedIn

DOCTORS = frozenset({"general_practitioner", "specialist"})


def profession_names() -> dict[str, str]:
    """Every profession the portal knows, in the current language."""
    return {
        "general_practitioner": _("general practitioner"),
        "specialist": _("specialist doctor"),
        "pharmacist": _("pharmacist"),
        "nurse": _("nurse"),
        "physiotherapist": _("physiotherapist"),
    }


@dataclass(frozen=True)
class Person:
    account_id: uuid.UUID
    role: Role
    name: str  # "Dr Anne Martin", or "" when the space was closed
    profession: str | None = None  # a code of ``profession_names``
    place_of_practice: str | None = None

    @property
    def profession_name(self) -> str:
        return profession_names().get(self.profession or "", "")

    @property
    def described(self) -> str:
        """The name with what the person does: "Dr Anne Martin, general practitioner"."""
        if not self.name:
            return _("a person whose space is closed")
        if self.role is Role.PROFESSIONAL and self.profession_name:
            return _("%(name)s, %(profession)s", name=self.name, profession=self.profession_name)
        if self.role is Role.MEDIATOR:
            return _("%(name)s, mediator", name=self.name)
        return self.name


async def names_of(keyring: Keyring, account_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """The people of ``account_ids`` (unknown ids are left out)."""
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        return {}
    rows = await Account.select(Account.id, Account.role).where(Account.id.is_in(wanted))
    people: dict[uuid.UUID, Person] = {}
    for row in rows:
        account_id = uuid.UUID(str(row["id"]))
        role = Role(row["role"])
        identity = await read_identity(keyring, account_id)
        if identity is None:
            people[account_id] = Person(account_id, role, "")
            continue
        name = f"{identity.given_names} {identity.family_name}"
        if role is Role.PROFESSIONAL and identity.profession in DOCTORS:
            name = _("Dr %(name)s", name=name)
        people[account_id] = Person(account_id, role, name, identity.profession, identity.place_of_practice)
    return people


async def actor_of(user: SignedIn) -> Actor:
    """The access policy's actor for the signed-in person (a professional's profession
    decides what they may use, so it is read here rather than kept in the session)."""
    if user.role is not Role.PROFESSIONAL:
        return user.actor
    row = await Identity.select(Identity.profession).where(Identity.account == user.account_id).first()
    return Actor(account_id=user.account_id, role=user.role, profession=row["profession"] if row else None)
