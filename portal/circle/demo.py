"""Jeanne's care circle in the demo: her general practitioner, whom she invited, and her
pharmacist, who declared seeing her. Runs after ``portal.accounts.demo.seed_demo_people``;
running it again adds nobody.
"""

from __future__ import annotations

from portal.accounts.demo import DEMO_PEOPLE
from portal.accounts.services import find_account_id
from portal.circle import actions
from portal.circle.services import add_to_circle
from portal.core import audit
from portal.core.keys import Keyring, key_owner


async def seed_demo_circle(keyring: Keyring) -> int:
    """Put Anne (invited) and Paul (declared) in Jeanne's circle; how many joined now."""
    found = {}
    for key in ("jeanne", "anne", "paul"):
        email = DEMO_PEOPLE[key].identity.email
        assert email
        found[key] = await find_account_id(keyring, email)
    jeanne, anne, paul = found["jeanne"], found["anne"], found["paul"]
    joined = 0
    if jeanne and anne and await add_to_circle(patient=jeanne, professional=anne, joined_by="invited"):
        await audit.record(
            actor=key_owner(jeanne),
            action=actions.ADD,
            outcome="allowed",
            subject=key_owner(jeanne),
            object_id=key_owner(anne),
        )
        joined += 1
    if jeanne and paul and await add_to_circle(patient=jeanne, professional=paul, joined_by="declared"):
        await audit.record(
            actor=key_owner(paul),
            action=actions.DECLARE,
            outcome="allowed",
            subject=key_owner(jeanne),
            object_id=key_owner(paul),
        )
        joined += 1
    return joined
