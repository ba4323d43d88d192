"""Appointments, medicine reminders and the reminders the task runner sends.

What an appointment or a medicine reminder says (what, with whom, where, notes,
which medicine) is sealed with the patient's data key. The times stay plain: the
task runner must find what is due without opening anyone's record, and a time
alone says nothing about health. Reminder emails and texts never say more than
"an appointment" or "a medicine reminder", and when.
"""

from piccolo.columns import UUID, Boolean, Bytea, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from portal.accounts.tables import Account


class Appointment(Table):
    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    starts_at = Timestamptz(index=True)
    sealed_details = Bytea()  # JSON: title, with whom, where, notes
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(null=True, default=None)
    # Raised by one at every change: a form read at an older version does not overwrite a newer one.
    version = Integer(default=1)


class AppointmentReminder(Table):
    """A reminder of an appointment, ``minutes_before`` it, by email or text message."""

    appointment = ForeignKey(Appointment, on_delete=OnDelete.cascade, index=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    minutes_before = Integer()
    channel = Varchar(length=8)  # "email" or "sms"
    due_at = Timestamptz(index=True)
    sent_at = Timestamptz(null=True, default=None)


class MedicineReminder(Table):
    """A recurring reminder to take a medicine: at given times of day, from a first day
    to an optional last day. ``next_due_at`` is the next time it is sent."""

    id = UUID(primary_key=True)
    patient = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    sealed_details = Bytea()  # JSON: the medicine, the dose, a note
    times = Varchar(length=200)  # times of day, "08:00,20:00", in the patient's time zone
    time_zone = Varchar(length=64, default="Europe/Paris")
    first_day = Varchar(length=10)  # ISO date
    last_day = Varchar(length=10, null=True, default=None)
    channel = Varchar(length=8)  # "email" or "sms"
    next_due_at = Timestamptz(null=True, default=None, index=True)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    created_by = ForeignKey(Account, null=True, default=None, on_delete=OnDelete.set_null)
    version = Integer(default=1)
