"""Delegations: a patient lets a carer (or a legal representative acts for a minor) use
some areas of their space, read only or read and write, until an end date.

The areas and the dates are plain: the access policy reads them on every request,
and they say nothing about health. Who the carer is to the patient ("my daughter"),
and the email an invitation went to, are sealed with the patient's key.
"""

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class Delegation(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    # Known when the carer was found by name, date of birth and NIR, or once they accept
    # an invitation sent by email (an invitation by email never looks the address up).
    carer = ForeignKey(Account, null=True, on_delete=OnDelete.cascade, index=True)
    sealed_details = Bytea()  # JSON: relation, the email invited (as typed)
    # "documents:read,messages:write,...": the areas and, for each, read or write.
    areas = Varchar(length=200)
    legal_representative = Boolean(default=False)
    ends_at = Timestamptz(null=True, default=None)
    status = Varchar(length=12, default="invited")  # invited, active, refused, ended
    # An invitation by email: the SHA-256 of the link's token, used once.
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    # An invitation by email: a blind index of the address (its own purpose, so it matches
    # no account's index), for the same patient inviting it twice and for the person who
    # holds the address to find it on their page of the people they help.
    invited_email_index = Varchar(length=64, null=True, default=None, index=True)
    invited_at = Timestamptz(default=TimestamptzNow())
    accepted_at = Timestamptz(null=True, default=None)
    ended_at = Timestamptz(null=True, default=None)
    ended_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)


class InvitationMail(Table):
    """When an invitation to help was last emailed to an address, whoever the patient: at
    most one such email a day per address. ``key`` is a keyed hash of the address, never
    the address; rows older than a day are deleted as new invitations go out."""

    key = Varchar(length=64, primary_key=True)
    sent_at = Timestamptz(default=TimestamptzNow(), index=True)
