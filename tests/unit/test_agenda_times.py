"""The agenda's times: what people type, when reminders are due (across summer time), the
next time of a medicine reminder, and the weeks of a month."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from portal.agenda import times
from portal.core.i18n import use_locale

PARIS = "Europe/Paris"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("10:30", time(10, 30)),
        ("10h30", time(10, 30)),
        ("10H30", time(10, 30)),
        ("10 h 30", time(10, 30)),
        ("10.30", time(10, 30)),
        ("10 30", time(10, 30)),
        ("10h", time(10, 0)),
        ("9", time(9, 0)),
        (" 08:05 ", time(8, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
    ],
)
def test_times_are_read_as_people_write_them(typed, expected):
    assert times.parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["", "25:70", "24:00", "10:60", "midi", "10:30:15", "-1", "10h3O"])
def test_impossible_times_say_what_to_check(typed):
    with pytest.raises(times.TimeError) as error, use_locale("en"):
        times.parse_time(typed)
    assert error.value.message


def test_the_hour_and_the_minutes_are_checked_apart():
    with use_locale("en"):
        with pytest.raises(times.TimeError, match="hour"):
            times.parse_time("25:00")
        with pytest.raises(times.TimeError, match="minutes"):
            times.parse_time("10:75")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("08:00", ["08:00"]),
        ("20h, 8:00", ["08:00", "20:00"]),
        ("8h; 12h; 20h", ["08:00", "12:00", "20:00"]),
        ("08:00 20:00", ["08:00", "20:00"]),
        ("8h et 20h", ["08:00", "20:00"]),
        ("8:00 and 20:00", ["08:00", "20:00"]),
        ("08:00, 08:00", ["08:00"]),
        ("1, 2, 3, 4, 5, 6", ["01:00", "02:00", "03:00", "04:00", "05:00", "06:00"]),
    ],
)
def test_one_to_six_times_of_day(typed, expected):
    assert [times.clock(moment) for moment in times.parse_times(typed)] == expected


@pytest.mark.parametrize("typed", ["", "  ", "1, 2, 3, 4, 5, 6, 7", "08:00, 25:70", "matin"])
def test_bad_times_of_day(typed):
    with pytest.raises(times.TimeError), use_locale("en"):
        times.parse_times(typed)


def test_days_are_counted_on_the_calendar_and_hours_in_real_time():
    # Sunday 31 March 2030, clocks forward at 02:00; the appointment at 10:30 is 08:30 UTC.
    start = datetime(2030, 3, 31, 8, 30, tzinfo=UTC)
    assert times.due_at(start, times.DAY, PARIS) == datetime(2030, 3, 30, 9, 30, tzinfo=UTC)
    assert times.due_at(start, times.WEEK, PARIS) == datetime(2030, 3, 24, 9, 30, tzinfo=UTC)
    assert times.due_at(start, 120, PARIS) == datetime(2030, 3, 31, 6, 30, tzinfo=UTC)
    # The local hour of a day's reminder is the appointment's: 10:30.
    local = times.due_at(start, times.DAY, PARIS).astimezone(ZoneInfo(PARIS))
    assert (local.hour, local.minute) == (10, 30)
    # Sunday 27 October 2030, clocks back at 03:00: a 09:00 appointment the next day.
    monday = datetime(2030, 10, 28, 8, 0, tzinfo=UTC)
    assert times.due_at(monday, times.DAY, PARIS) == datetime(2030, 10, 27, 8, 0, tzinfo=UTC)
    assert times.due_at(monday, times.WEEK, PARIS) == datetime(2030, 10, 21, 7, 0, tzinfo=UTC)


def test_a_daily_reminder_keeps_its_hour_across_summer_time():
    eight = [time(8, 0)]
    first = date(2030, 3, 29)
    saturday = times.next_occurrence(eight, first, None, PARIS, datetime(2030, 3, 29, 12, 0, tzinfo=UTC))
    assert saturday == datetime(2030, 3, 30, 7, 0, tzinfo=UTC)  # 08:00 winter time
    sunday = times.next_occurrence(eight, first, None, PARIS, saturday)
    assert sunday == datetime(2030, 3, 31, 6, 0, tzinfo=UTC)  # 08:00 summer time


def test_the_next_time_of_a_medicine_reminder():
    twice = [time(20, 0), time(8, 0)]
    first, last = date(2030, 5, 10), date(2030, 5, 11)
    # Before the first day: its first time.
    assert times.next_occurrence(twice, first, last, PARIS, datetime(2030, 5, 1, tzinfo=UTC)) == datetime(
        2030, 5, 10, 6, 0, tzinfo=UTC
    )
    # Between the two times of a day: the evening's.
    noon = datetime(2030, 5, 10, 10, 0, tzinfo=UTC)
    assert times.next_occurrence(twice, first, last, PARIS, noon) == datetime(2030, 5, 10, 18, 0, tzinfo=UTC)
    # Strictly after: at 20:00 itself, the next is the next morning.
    evening = datetime(2030, 5, 10, 18, 0, tzinfo=UTC)
    assert times.next_occurrence(twice, first, last, PARIS, evening) == datetime(
        2030, 5, 11, 6, 0, tzinfo=UTC
    )
    # After the last time of the last day: none.
    assert times.next_occurrence(twice, first, last, PARIS, datetime(2030, 5, 11, 18, 0, tzinfo=UTC)) is None
    assert times.next_occurrence([], first, last, PARIS, noon) is None


def test_a_time_that_does_not_exist_one_day_comes_an_hour_later():
    # 02:30 does not exist on 31 March 2030 in Paris: the reminder goes at 03:30 summer time.
    when = times.next_occurrence(
        [time(2, 30)], date(2030, 3, 31), None, PARIS, datetime(2030, 3, 30, 23, 0, tzinfo=UTC)
    )
    assert when == datetime(2030, 3, 31, 1, 30, tzinfo=UTC)


def test_months():
    today = date(2026, 11, 26)
    assert times.Month.parse("2026-12", today).first == date(2026, 12, 1)
    for bad in (None, "", "2026-13", "2026-1", "december", "1800-01", "2026-12-01"):
        assert times.Month.parse(bad, today).first == date(2026, 11, 1)
    december = times.Month(date(2026, 12, 1))
    assert december.key == "2026-12" and december.last == date(2026, 12, 31)
    assert december.previous.key == "2026-11" and december.next.key == "2027-01"
    assert times.Month(date(2027, 1, 1)).previous.key == "2026-12"
    weeks = december.weeks()
    assert all(len(week) == 7 for week in weeks)
    assert weeks[0][:2] == [None, date(2026, 12, 1)]  # 1 December 2026 is a Tuesday
    assert [day for week in weeks for day in week if day] == [date(2026, 12, n) for n in range(1, 32)]
    assert times.Month(date(2027, 2, 1)).last == date(2027, 2, 28)
    assert times.Month(date(2028, 2, 1)).last == date(2028, 2, 29)


def test_words():
    start = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)
    with use_locale("en"):
        assert times.moment_in_words(start, PARIS) == "Thursday 3 December 2026 at 10:30"
        assert times.day_in_words(start, PARIS, year=False) == "Thursday 3 December"
        assert times.month_in_words(date(2026, 12, 1)) == "December 2026"
        assert times.weekday_names()[0] == ("Monday", "Mon")
    with use_locale("fr"):
        assert times.day_in_words(start, PARIS) == "jeudi 3 décembre 2026"
        assert times.weekday_names()[6][0] == "dimanche"
