"""Tables of the shared machinery: wrapped data keys and the audit trail.

Neither holds health data: a data key is stored only wrapped by the master key,
and an audit event names who did what to which record, never what it contains.
"""

from piccolo.columns import Bytea, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class DataKey(Table):
    """A data key (AES-256) of one subject, or of the system, wrapped by the master key.

    ``key_id`` is written into every value the key seals, so a value names the key
    that opens it. Destroying a subject's keys (deleting the rows) makes every value
    sealed with them unreadable, in the database and in its backups.
    """

    key_id = Varchar(length=32, unique=True)
    owner = Varchar(length=64, index=True)
    wrapped = Bytea()
    master_key_id = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())


class AuditEvent(Table):
    """One entry of the append-only, hash-chained audit trail (see ``portal.core.audit``)."""

    id = Serial(primary_key=True)
    occurred_at = Timestamptz(default=TimestamptzNow())
    actor = Varchar(length=64)
    on_behalf_of = Varchar(length=64, null=True, default=None)
    subject = Varchar(length=64, null=True, default=None, index=True)
    area = Varchar(length=32)
    action = Varchar(length=64)
    object_id = Varchar(length=64, null=True, default=None)
    outcome = Varchar(length=16)
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64, unique=True)
