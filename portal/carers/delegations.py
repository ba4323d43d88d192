"""What a delegation is, shared by the carers' reads (``services``) and writes (``changes``):
the limits, the blind index purposes, the error an invitation may meet, a delegation as
one side sees it, and the small helpers over ``Delegation`` rows (counting, the sealed
details' place, the delegations addressed to a carer).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.accounts.services import read_identity
from portal.carers.tables import Delegation
from portal.core.access import Action, Area
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.records import place

AREA = "account"
LIVE = ["invited", "active"]
# Invitations a patient may have waiting for an answer at once (either way of inviting).
MAX_PENDING_INVITATIONS = 3
# An invitation emailed to an address: at most one such email per address in this time.
MAIL_EVERY = timedelta(days=1)
# Blind index purposes: the address an invitation went to, and the record of emails sent.
INVITED_EMAIL = "carer-invite"
INVITATION_MAIL = "carer-invite-mail"


class DelegationError(ValueError):
    """An invitation that cannot be made or used; ``field`` is where to say it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class DelegationInfo:
    """A delegation as one side sees it: ``other`` is the carer (for the patient) or the
    patient (for the carer), by name; ``relation`` is what the patient wrote."""

    id: uuid.UUID
    patient: uuid.UUID
    carer: uuid.UUID | None
    other_name: str
    relation: str
    email: str
    areas: dict[Area, Action]
    legal_representative: bool
    status: str
    ends_at: datetime | None
    invited_at: datetime

    @property
    def live(self) -> bool:
        return self.status == "active" and (self.ends_at is None or self.ends_at > datetime.now(UTC))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _uuid(value: object) -> uuid.UUID | None:
    if value is None:
        return None
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _place(delegation: object, patient: uuid.UUID) -> Any:
    return place("delegation", "sealed_details", delegation, patient)


async def _count(*condition: Any) -> int:
    where = condition[0]
    for more in condition[1:]:
        where = where & more
    return int(await Delegation.count().where(where))


async def pending_invitations(patient: uuid.UUID) -> int:
    """How many of the patient's invitations wait for an answer."""
    return await _count(Delegation.patient == patient, Delegation.status == "invited")


def too_many_pending() -> DelegationError:
    return DelegationError(
        "who",
        _(
            "You have already invited %(count)d people who have not answered yet. Wait for "
            "their answer, or cancel one of these invitations from your list of carers, before "
            "you invite someone else.",
            count=MAX_PENDING_INVITATIONS,
        ),
    )


async def own_invitation_index(keyring: Keyring, account: uuid.UUID) -> str | None:
    """The blind index an invitation by email to the address of ``account``'s own space
    carries (None when the account has no email): how a person finds, on their page of
    the people they help, an invitation sent to their address."""
    person = await read_identity(keyring, account)
    return await keyring.index(INVITED_EMAIL, person.email) if person and person.email else None


def _addressed_to(carer: uuid.UUID, invited_index: str | None) -> Any:
    """The delegations of ``carer``, and the invitations by email to the address of their own
    space (``invited_index``: ``own_invitation_index``) not yet answered by anyone."""
    mine = Delegation.carer == carer
    if invited_index is None:
        return mine
    return mine | (
        Delegation.carer.is_null()
        & (Delegation.invited_email_index == invited_index)
        & (Delegation.status == "invited")
        & (Delegation.patient != carer)
    )
