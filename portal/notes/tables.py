"""Personal notes. The text is sealed with the patient's data key. A note may be shared
with one professional of the patient's circle, who then reads it (and only it)."""

from piccolo.columns import UUID, Bytea, ForeignKey, Integer, Timestamptz
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class Note(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    sealed_text = Bytea()  # JSON: title, body
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow(), index=True)
    # Who last wrote it: the patient, or a carer acting for them (shown as they are).
    written_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    # Raised by one at every change: a form read at an older version does not overwrite a newer one.
    version = Integer(default=1)
    shared_with = ForeignKey(Account, null=True, on_delete=OnDelete.set_null, index=True)
    shared_at = Timestamptz(null=True, default=None)
