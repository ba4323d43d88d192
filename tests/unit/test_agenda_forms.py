"""The agenda's forms: the version an edit form carries is a bounded whole number, and a
medicine reminder's change form holds what the reminder says now."""

from __future__ import annotations

import uuid
from datetime import date, time

import pytest

from portal.agenda import services
from portal.agenda.forms import medicine_values, read_medicine
from portal.core.i18n import use_locale
from portal.core.records import VERSION_MAX, read_version


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ({"version": "3"}, 3),
        ({"version": " 12 "}, 12),
        ({}, 0),
        ({"version": ""}, 0),
        ({"version": "trois"}, 0),
        ({"version": "-1"}, 0),
        ({"version": "2.5"}, 0),
        ({"version": "99999999999999999999999999"}, 0),
        ({"version": str(VERSION_MAX + 1)}, 0),
        ({"version": str(VERSION_MAX)}, VERSION_MAX),
    ],
)
def test_the_version_of_a_form_is_a_bounded_whole_number_or_none_a_row_has(sent, read):
    assert read_version(sent) == read


def test_a_medicine_reminders_change_form_holds_what_it_says_and_checks_again():
    reminder = services.MedicineView(
        id=uuid.uuid4(),
        patient=uuid.uuid4(),
        details=services.Medicine("Kardegic", "75 mg", "au dîner"),
        times=[time(8, 0), time(20, 0)],
        time_zone="Europe/Paris",
        first_day=date(2030, 1, 1),
        last_day=date(2030, 12, 31),
        channel="sms",
        next_due_at=None,
        active=False,
        version=4,
    )
    form = medicine_values(reminder)
    assert form.values["times"] == "08:00, 20:00"
    assert form.date_value("last") == {"day": "31", "month": "12", "year": "2030"}
    with use_locale("en"):
        checked, typed = read_medicine(form.as_sent(), has_mobile=True)
    assert checked.ok and typed is not None
    assert typed.details == reminder.details and typed.times == reminder.times
    assert (typed.first_day, typed.last_day, typed.channel) == (reminder.first_day, reminder.last_day, "sms")
