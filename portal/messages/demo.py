"""A demo conversation: Dr Anne Martin wrote to Jeanne about her blood test (unread for
Jeanne), and Anne accepts conversations started by her patients."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from portal.accounts.demo import DEMO_PEOPLE
from portal.accounts.services import find_account_id
from portal.core.keys import Keyring
from portal.messages.services import set_accepts_new, start
from portal.messages.tables import Conversation

SUBJECT = "Votre prise de sang d'octobre"
BODY = (
    "Bonjour Madame Dupont,\n\n"
    "J'ai bien reçu vos résultats : tout est normal. Nous en reparlerons à votre prochain rendez-vous.\n\n"
    "Dr Anne Martin"
)


async def seed_demo_messages(keyring: Keyring, now: datetime | None = None) -> int:
    """Once: nothing is added when Jeanne has a conversation already."""
    jeanne_email, anne_email = DEMO_PEOPLE["jeanne"].identity.email, DEMO_PEOPLE["anne"].identity.email
    assert jeanne_email and anne_email
    jeanne = await find_account_id(keyring, jeanne_email)
    anne = await find_account_id(keyring, anne_email)
    if jeanne is None or anne is None or await Conversation.exists().where(Conversation.patient == jeanne):
        return 0
    await set_accepts_new(anne, True)
    await start(
        keyring,
        patient=jeanne,
        author=anne,
        professionals=[anne],
        subject=SUBJECT,
        body=BODY,
        attachments=[],
        now=(now or datetime.now(UTC)) - timedelta(days=1),
    )
    return 1
