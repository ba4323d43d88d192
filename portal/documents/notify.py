"""Telling a patient that a new document is in their space: no health content, no name."""

from __future__ import annotations

import uuid

from portal.accounts.notify import tell
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.settings import Settings


async def tell_new_document(settings: Settings, keyring: Keyring, patient: uuid.UUID) -> None:
    """Email the patient (and a text message when they chose SMS for their codes)."""
    address = settings.base_url + url_for("library")
    text = _("A new document is in your health space. To read it, sign in at %(address)s", address=address)
    await tell(settings, keyring, patient, _("A new document is in your health space"), text)
