"""Telling a person that something waits in their space: by email, and by text message
when they chose SMS for their codes. The words never hold health content nor a name."""

from __future__ import annotations

import logging
import uuid

from portal.accounts.services import read_identity
from portal.accounts.tables import Account
from portal.core.keys import Keyring
from portal.core.notify import DeliveryError, send_email, send_sms
from portal.settings import Settings

log = logging.getLogger(__name__)


async def tell(settings: Settings, keyring: Keyring, account: uuid.UUID, subject: str, text: str) -> bool:
    """Send ``text`` to the person; False when nothing could go (it is logged and skipped:
    what they are told about is in their space anyway)."""
    person = await read_identity(keyring, account)
    if person is None:
        return False
    row = await Account.select(Account.code_channel).where(Account.id == account).first()
    try:
        if person.email:
            await send_email(settings, person.email, subject, text + "\n")
        if row and row["code_channel"] == "sms" and person.mobile:
            await send_sms(settings, person.mobile, text)
    except DeliveryError as exc:
        log.warning("could not tell account %s: %s", account, exc)
        return False
    return True
