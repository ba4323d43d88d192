"""Entries of the medical profile.

Everything an entry says (its section, what was entered, the measurement and its
value) is one sealed value, sealed with the patient's data key: closing the space
erases it, and the database does not even say which sections someone has filled in.
What stays plain says nothing about health: whose it is, who entered or changed it,
and when.
"""

from piccolo.columns import UUID, Bytea, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class ProfileEntry(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    sealed_data = Bytea()
    entered_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    entered_role = Varchar(length=16)  # "patient", "professional" or "carer" (services.author_role)
    entered_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    updated_at = Timestamptz(null=True, default=None)
    # Raised by one at every change: a form read at an older version does not overwrite a newer one.
    version = Integer(default=1)
