"""The carers' pages count days where the people live (``PORTAL_TIMEZONE``), not in Paris
nor on the server's clock: ``portal.core.i18n.today``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from portal.core.access import Role
from tests.html import page as read_page
from tests.people import make_person, portal_client, sign_in_as

# UTC+14 and UTC-11: at any moment, the date in Paris differs from the date in one of them.
ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


def _ends(page: str) -> tuple[int, int, int]:
    values = {
        part: int(str(read_page(page).one(f'input[name="ends-{part}"]')["value"]))
        for part in ("day", "month", "year")
    }
    return values["year"], values["month"], values["day"]


@pytest.mark.parametrize("zone", ZONES)
def test_an_invitation_ends_a_year_from_today_where_people_live(make_client: Any, zone: str) -> None:
    app = portal_client(make_client, timezone=zone)
    sign_in_as(app, make_person(app, Role.PATIENT))
    before = datetime.now(ZoneInfo(zone)).date()
    page = app.get("/space/carers/invite")
    after = datetime.now(ZoneInfo(zone)).date()
    assert page.status_code == 200
    expected = {(d.year, d.month, d.day) for d in (before + timedelta(days=365), after + timedelta(days=365))}
    assert _ends(page.text) in expected
