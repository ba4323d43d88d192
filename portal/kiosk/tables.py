"""Kiosk terminals and the single-use links a kiosk gives instead of a download."""

from piccolo.columns import UUID, ForeignKey, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account
from portal.documents.tables import Document


class KioskTerminal(Table):
    """A shared terminal, enrolled by an operator. Its browser keeps a long-lived cookie
    whose token only the SHA-256 of is stored here; revoking the terminal ends it."""

    id = UUID(primary_key=True)
    name = Varchar(length=120)  # "Maison de santé de Guéret, accueil": a public place
    department = Varchar(length=3, null=True, default=None)
    # The enrolment code the operator types at the terminal (a keyed index), used once.
    enrolment_code_index = Varchar(length=64, null=True, default=None, unique=True)
    enrolment_expires_at = Timestamptz(null=True, default=None)
    token_hash = Varchar(length=64, null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    enrolled_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class KioskLink(Table):
    """A document sent from a kiosk to the person's phone: a single-use link (only the
    SHA-256 of its token is kept) that expires after 10 minutes and asks for sign-in."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    document = ForeignKey(Document, on_delete=OnDelete.cascade)
    terminal = ForeignKey(KioskTerminal, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
