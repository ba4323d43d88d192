"""The care circle: which professionals may see a patient's record. It is data, not code."""

from piccolo.columns import ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class CircleMember(Table):
    """A professional in a patient's circle: invited by the patient, or declared by the
    professional after a consultation (the patient sees it and can undo it).

    A blocked member stays listed, so the patient can unblock them, but may do nothing.
    """

    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    professional = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    joined_by = Varchar(length=12)  # "invited" or "declared"
    joined_at = Timestamptz(default=TimestamptzNow())
    blocked_at = Timestamptz(null=True, default=None)
