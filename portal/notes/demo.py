"""Jeanne's demo notes: questions for her next appointment (shared with Dr Martin) and a
note of her own."""

from __future__ import annotations

from portal.accounts.demo import DEMO_PEOPLE
from portal.accounts.services import find_account_id
from portal.core.keys import Keyring
from portal.notes.changes import add_note, share
from portal.notes.services import get_note
from portal.notes.tables import Note

NOTES = [
    (
        "Questions pour le Dr Martin",
        "- Puis-je arrêter le paracétamol le soir ?\n- Faut-il refaire une prise de sang avant l'été ?",
        True,
    ),
    ("Numéro du taxi", "Taxi Creuse : 05 55 00 00 00, réserver la veille.", False),
]


async def seed_demo_notes(keyring: Keyring) -> int:
    """Once: nothing is added when Jeanne has a note already."""
    jeanne_email, anne_email = DEMO_PEOPLE["jeanne"].identity.email, DEMO_PEOPLE["anne"].identity.email
    assert jeanne_email and anne_email
    jeanne = await find_account_id(keyring, jeanne_email)
    anne = await find_account_id(keyring, anne_email)
    if jeanne is None or anne is None or await Note.exists().where(Note.patient == jeanne):
        return 0
    for title, body, shared in NOTES:
        note = await add_note(keyring, jeanne, jeanne, title, body)
        if shared:
            view = await get_note(keyring, jeanne, note)
            assert view is not None
            await share(view, anne, jeanne)
    return len(NOTES)
