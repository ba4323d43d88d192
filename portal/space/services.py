"""Closing a space: everything in it is erased by destroying its keys."""

from __future__ import annotations

import uuid

from portal.accounts.services import erase_account
from portal.carers.tables import Delegation
from portal.circle.tables import CircleMember
from portal.core import audit
from portal.core.keys import key_owner
from portal.documents.services import purge_all_of
from portal.space import actions


async def close_space(account_id: uuid.UUID) -> None:
    """Close an active space for good, in the caller's transaction.

    The audit event is the proof the person chose it. Every value of the space is
    sealed with the person's keys: destroying them erases it all, backups included.
    Each document has its own key: those are destroyed too. What is not sealed but
    says who the person knew (their care circle) is deleted.
    """
    owner = key_owner(account_id)
    await audit.record(actor=owner, action=actions.CLOSE, outcome="allowed", subject=owner)
    await CircleMember.delete().where(
        (CircleMember.patient == account_id) | (CircleMember.professional == account_id)
    )
    # Their carers, and the people they helped, lose the way in at once.
    await Delegation.delete().where((Delegation.patient == account_id) | (Delegation.carer == account_id))
    await purge_all_of(account_id)
    await erase_account(account_id, status="closed")
