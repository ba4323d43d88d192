"""Today where the people live: ``portal.core.i18n.today``, in the deployment's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from portal.core import i18n


class _Clock(datetime):
    """A clock stopped at 10:30 UTC on 7 December 2026."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:  # type: ignore[override]
        moment = datetime(2026, 12, 7, 10, 30, tzinfo=UTC)
        return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Pacific/Kiritimati", date(2026, 12, 8)),  # UTC+14: already tomorrow
        ("Europe/Paris", date(2026, 12, 7)),
        ("Pacific/Pago_Pago", date(2026, 12, 6)),  # UTC-11: still yesterday
    ],
)
def test_today_is_the_date_in_the_deployment_s_zone(
    monkeypatch: pytest.MonkeyPatch, zone: str, day: date
) -> None:
    monkeypatch.setattr(i18n, "datetime", _Clock)
    assert i18n.today(zone) == day


def test_today_follows_the_real_clock() -> None:
    ahead, behind = i18n.today("Pacific/Kiritimati"), i18n.today("Pacific/Pago_Pago")
    assert timedelta(days=1) <= ahead - behind <= timedelta(days=2)
