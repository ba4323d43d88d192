"""Consents to connected services, and reports about services.

Which service a person connected says something about their health (a diabetes
follow-up, a mental-health programme), so it is sealed with the patient's key with
what it may read; only the hash of the service's access key and the dates stay plain.
A report names the service but not who made it; what the person wrote is sealed with
a key of the service's own (the operator reads it with ``portal reports``).
"""

from piccolo.columns import UUID, Bytea, ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class ServiceConsent(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    sealed_grant = Bytea()  # {"service": id, "version": n, "kinds": [...]}
    token_hash = Varchar(length=64, unique=True)
    granted_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    last_access_at = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)


class ServiceReport(Table):
    id = Serial(primary_key=True)
    reference = Varchar(length=16, unique=True)  # random: what the sealed text is bound to
    service = Varchar(length=40)
    reason = Varchar(length=24)
    sealed_details = Bytea()
    reported_at = Timestamptz(default=TimestamptzNow())
