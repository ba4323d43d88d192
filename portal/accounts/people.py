"""How people are named on pages: "Dr Anne Martin, general practitioner".

Names are sealed, so naming someone opens their identity with their own key. A
page that names several people asks ``names_of`` once for all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from portal.accounts.services import open_identity_field
from portal.accounts.tables import Account, Identity, Invitation
from portal.core.access import Role
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner

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
    """The people of ``account_ids`` (unknown ids are left out), in three queries however
    many they are: their accounts, their identities, their keys. Only the fields a name
    needs are opened (not a birth date, an address or a health number)."""
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        return {}
    rows = await Account.select(Account.id, Account.role).where(Account.id.is_in(wanted))
    identities = {
        uuid.UUID(str(row["account"])): row
        for row in await Identity.select(
            Identity.account,
            Identity.family_name,
            Identity.given_names,
            Identity.profession,
            Identity.place_of_practice,
        ).where(Identity.account.is_in(wanted))
    }
    await keyring.preload([key_owner(account_id) for account_id in identities])
    people: dict[uuid.UUID, Person] = {}
    for row in rows:
        account_id = uuid.UUID(str(row["id"]))
        role = Role(row["role"])
        identity = identities.get(account_id)
        if identity is None:
            people[account_id] = Person(account_id, role, "")
            continue
        given, family, place = [
            await open_identity_field(keyring, account_id, name, identity[name])
            for name in ("given_names", "family_name", "place_of_practice")
        ]
        name = f"{given} {family}"
        if role is Role.PROFESSIONAL and identity["profession"] in DOCTORS:
            name = _("Dr %(name)s", name=name)
        people[account_id] = Person(account_id, role, name, identity["profession"], place)
    return people


async def profession_of(account_id: uuid.UUID) -> str | None:
    """A professional's profession (what they may use in a patient's record: the access
    policy asks it once per request of a professional)."""
    row = await Identity.select(Identity.profession).where(Identity.account == account_id).first()
    return row["profession"] if row else None


async def made_by_mediator(mediator: uuid.UUID, account_id: uuid.UUID) -> bool:
    """Whether ``mediator`` made the space ``account_id`` and it is not activated yet (the
    one thing a mediator may do in anyone's account: give a new activation code)."""
    made = await Invitation.exists().where(
        (Invitation.account == account_id)
        & (Invitation.invited_by == key_owner(mediator))
        & Invitation.used_at.is_null()
    )
    invited = await Account.exists().where((Account.id == account_id) & (Account.status == "invited"))
    return bool(made and invited)
