"""Tables of the shared machinery: wrapped data keys, the audit trail and sessions.

None holds health data: a data key is stored only wrapped by the master key,
an audit event names who did what to which record, never what it contains, and
a session is stored under the hash of its token, never the token itself.
"""

from piccolo.columns import UUID, BigInt, Boolean, Bytea, Integer, Serial, Text, Timestamptz, Varchar
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
    # Which chain the event is in (NULL: recorded before there were chains, the start of chain 0).
    chain = Integer(null=True, default=None)
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


class AuditSeal(Table):
    """The newest event of every audit chain at one moment, chained to the seal before it
    (see ``portal.core.audit``). ``heads`` is JSON: ``{"<chain>": [<event id>, "<hash>"]}``."""

    id = Serial(primary_key=True)
    sealed_at = Timestamptz(default=TimestamptzNow())
    heads = Text()
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64, unique=True)


class Session(Table):
    """A signed-in browser (see ``portal.core.sessions``), when sessions live in the database.

    ``token_hash`` is the SHA-256 of the cookie's token: a copy of the table opens no session.
    """

    token_hash = Varchar(length=64, unique=True)
    account = UUID(index=True)
    role = Varchar(length=24)
    kiosk = Boolean(default=False)
    # A carer acting for someone: whose space they are in (None: their own).
    acting_for = UUID(null=True, default=None)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()


class AttemptCounter(Table):
    """Tries counted per key (an account, an address) for rate limits and lock-outs
    (``portal.core.throttle``). ``key`` is a keyed hash, never an address or identifier
    in clear; times are milliseconds since the epoch."""

    key = Varchar(length=64, unique=True)
    failures = Integer(default=0)
    # Tries under way: counted before they are checked, until they end.
    pending = Integer(default=0)
    window_started_ms = BigInt(default=0)
    locked_until_ms = BigInt(null=True, default=None)
    reserved_at_ms = BigInt(default=0)
