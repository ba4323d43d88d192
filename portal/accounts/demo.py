"""Demo people: an older patient in Creuse, a second patient, a general practitioner,
a pharmacist, a mediator and an analyst of the regional health agency, all active,
with one password (Jeanne's care circle: ``portal.circle.demo``).

Invented people: the health numbers and RPPS numbers are well formed (their keys
match) but belong to nobody. ``seed_demo_people`` can run again: a person whose
email already has a space is left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.accounts import actions
from portal.accounts.passwords import hash_password
from portal.accounts.services import PersonIdentity, create_account, find_account_id
from portal.accounts.tables import Account, Invitation
from portal.core import audit
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner

DEMO_PASSWORD = "un jardin en Creuse"  # noqa: S105 (the demo password, printed in the README)


@dataclass(frozen=True)
class DemoPerson:
    role: Role
    identity: PersonIdentity
    code_channel: str = "email"


DEMO_PEOPLE = {
    "jeanne": DemoPerson(
        Role.PATIENT,
        PersonIdentity(
            family_name="Dupont",
            given_names="Jeanne",
            date_of_birth="1941-03-27",
            nir="241032309612338",
            email="jeanne.dupont@example.org",
            postal_address="12 rue des Tilleuls\n23000 Guéret",
        ),
    ),
    "karim": DemoPerson(
        Role.PATIENT,
        PersonIdentity(
            family_name="Benali",
            given_names="Karim",
            date_of_birth="1978-03-14",
            nir="178036912304584",
            email="karim.benali@example.org",
            mobile="+33612345678",
            postal_address="4 place Bellecour\n69002 Lyon",
        ),
        code_channel="sms",
    ),
    "anne": DemoPerson(
        Role.PROFESSIONAL,
        PersonIdentity(
            family_name="Martin",
            given_names="Anne",
            email="dr.anne.martin@example.org",
            profession="general_practitioner",
            rpps="10002345675",
            place_of_practice="Maison de santé, 2 avenue de la Sénatorerie, 23000 Guéret",
        ),
    ),
    "paul": DemoPerson(
        Role.PROFESSIONAL,
        PersonIdentity(
            family_name="Girard",
            given_names="Paul",
            email="paul.girard@example.org",
            profession="pharmacist",
            rpps="10008765439",
            place_of_practice="Pharmacie du Marché, 23400 Bourganeuf",
        ),
    ),
    "sophie": DemoPerson(
        Role.MEDIATOR,
        PersonIdentity(
            family_name="Bernard",
            given_names="Sophie",
            email="sophie.bernard@example.org",
            place_of_practice="France Services, 23200 Aubusson",
        ),
    ),
    "luc": DemoPerson(
        Role.ANALYST,
        PersonIdentity(
            family_name="Moreau",
            given_names="Luc-Olivier",
            email="luc.moreau@example.org",
            place_of_practice="ARS Nouvelle-Aquitaine, 33000 Bordeaux",
        ),
    ),
}


async def _make(keyring: Keyring, person: DemoPerson, password_hash: str, now: datetime) -> bool:
    """Create one demo person as if invited and activated; False when they exist already."""
    assert person.identity.email
    if await find_account_id(keyring, person.identity.email) is not None:
        return False
    account_id = await create_account(keyring, person.role, person.identity)
    owner = key_owner(account_id)
    await audit.record(actor="operator", action=actions.INVITE, outcome="allowed", subject=owner)
    await Account.update(
        {
            Account.status: "active",
            Account.password_hash: password_hash,
            Account.code_channel: person.code_channel,
            Account.activated_at: now,
        }
    ).where(Account.id == account_id)
    await audit.record(actor=owner, action=actions.ACTIVATE, outcome="allowed", subject=owner)
    return True


async def seed_demo_people(keyring: Keyring, now: datetime | None = None) -> int:
    """Add the demo people; returns how many were added. (Jeanne's care circle:
    ``portal.circle.demo``.)"""
    now = now or datetime.now(UTC)
    password_hash = await hash_password(DEMO_PASSWORD)
    added = 0
    for person in DEMO_PEOPLE.values():
        added += await _make(keyring, person, password_hash, now)
    ids = {}
    for key, person in DEMO_PEOPLE.items():
        assert person.identity.email
        ids[key] = await find_account_id(keyring, person.identity.email)
    # Nobody activates a demo space: no invitation is left open.
    await Invitation.update({Invitation.used_at: now - timedelta(seconds=1)}).where(
        Invitation.used_at.is_null() & Invitation.account.is_in([i for i in ids.values() if i])
    )
    return added
