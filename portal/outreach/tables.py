"""Assisted activations: a mediator helped a person activate their space (for the
adoption figures: who helped, where and when; never anything about health)."""

from piccolo.columns import ForeignKey, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class AssistedActivation(Table):
    id = Serial(primary_key=True)
    mediator = ForeignKey(Account, null=True, on_delete=OnDelete.set_null, index=True)
    account = ForeignKey(Account, unique=True, on_delete=OnDelete.cascade)
    place = Varchar(length=120)  # the public place where it happened
    department = Varchar(length=3, null=True, default=None)
    at = Timestamptz(default=TimestamptzNow())
