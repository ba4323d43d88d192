"""Telling a patient that something new is in their space: no health content, no name."""

from __future__ import annotations

import logging
import uuid

from portal.accounts.services import read_identity
from portal.accounts.tables import Account
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.notify import DeliveryError, send_email, send_sms
from portal.settings import Settings

log = logging.getLogger(__name__)


async def tell_new_document(settings: Settings, keyring: Keyring, patient: uuid.UUID) -> None:
    """Email the patient (and a text message when they chose SMS for their codes).

    A message that cannot go is logged and skipped: the document is in the space
    anyway, marked new.
    """
    person = await read_identity(keyring, patient)
    if person is None:
        return
    row = await Account.select(Account.code_channel).where(Account.id == patient).first()
    address = f"{settings.base_url}/space/documents"
    text = _("A new document is in your health space. To read it, sign in at %(address)s", address=address)
    try:
        if person.email:
            await send_email(settings, person.email, _("A new document is in your health space"), text + "\n")
        if row and row["code_channel"] == "sms" and person.mobile:
            await send_sms(settings, person.mobile, text)
    except DeliveryError as exc:
        log.warning("could not tell account %s about a new document: %s", patient, exc)
