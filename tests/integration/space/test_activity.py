"""The "my activity" page: plain words, newest first, paged, and one's own events only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.core import audit
from portal.core.access import Role
from portal.core.keys import key_owner
from tests.html import page
from tests.people import act_for, delegate, make_person, portal_client, run, sign_in_as


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


def _record(app: Any, count: int = 1, **fields: str) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            for _ in range(count):
                await audit.record(**fields)

    run(app, go)


def _texts(html: str) -> list[str]:
    """What each event of the activity says, in the page's order."""
    return page(html).texts(".activity-item .activity-text")


def _times(html: str) -> list[str]:
    """When each event happened, in words, each with its machine-readable twin."""
    times = page(html).all(".activity-item .activity-when time")
    assert all(time.get("datetime") for time in times)
    return [time.get_text(strip=True) for time in times]


def test_the_activity_says_who_did_what_in_plain_words(app):
    patient = make_person(app)
    doctor = make_person(
        app, Role.PROFESSIONAL, given_names="Anne", family_name="Martin", profession="general_practitioner"
    )
    me, pro = key_owner(patient), key_owner(doctor)
    _record(app, actor="operator", area="account", action="invite", outcome="allowed", subject=me)
    _record(app, actor=me, area="account", action="activate", outcome="allowed", subject=me)
    _record(app, actor="anonymous", area="account", action="sign_in", outcome="failed", subject=me)
    _record(
        app, actor=pro, area="circle", action="circle.declare", outcome="allowed", subject=me, object_id=pro
    )
    _record(app, actor=me, area="circle", action="circle.block", outcome="allowed", subject=me, object_id=pro)
    _record(app, actor=pro, area="documents", action="read", outcome="denied", subject=me)
    sign_in_as(app, patient)
    shown = app.get("/space/activity")
    assert shown.status_code == 200
    assert _texts(shown.text) == [
        "Dr Anne Martin, general practitioner tried to see your documents and was refused.",
        "You blocked Dr Anne Martin, general practitioner: they can no longer see anything in your space.",
        "Dr Anne Martin, general practitioner declared a consultation with you and joined your care circle.",
        "Someone typed a wrong password to enter your space.",
        "You activated your space.",
        "The health space team created your space and gave you an activation code.",
    ]
    # The time is said in the portal's time zone, in words, with a machine-readable twin.
    times = _times(shown.text)
    assert len(times) == 6 and all(re.fullmatch(r"\w+ \d{1,2}, \d{4} at \d{2}:\d{2}", time) for time in times)


def test_the_activity_is_in_french_too(app):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, actor=me, area="account", action="activate", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    app.cookies.set("lang", "fr", domain=app.base_url.host)
    shown = app.get("/space/activity")
    assert _texts(shown.text) == ["Vous avez activé votre espace."]
    [time] = _times(shown.text)
    assert re.fullmatch(r"\d{1,2} \w+ \d{4} à \d{2}:\d{2}", time), time


def test_nobody_sees_another_persons_activity(app):
    patient, other = make_person(app), make_person(app)
    _record(
        app,
        actor=key_owner(other),
        area="account",
        action="activate",
        outcome="allowed",
        subject=key_owner(other),
    )
    sign_in_as(app, patient)
    shown = app.get("/space/activity")
    assert _texts(shown.text) == [] and "Nothing has happened in your space yet." in page(shown).text("main")


def test_older_activity_comes_twenty_at_a_time_with_a_plain_link_or_htmx(app):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, 45, actor=me, area="account", action="sign_in", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    first = app.get("/space/activity")
    assert len(_texts(first.text)) == 20
    more = page(first).one(".activity-more a")
    assert re.fullmatch(r"/space/activity\?before=\d+", more["href"]) and more["hx-get"] == more["href"]
    # Without JavaScript: the link opens the next twenty, with a way back to the newest.
    second = app.get(more["href"])
    assert len(_texts(second.text)) == 20
    assert page(second).links("main")["Back to the newest activity"] == "/space/activity"
    # With htmx: only the next events and the next link, the first of them ready to take focus.
    fragment = app.get(more["href"], headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and len(_texts(fragment.text)) == 20
    items = page(fragment).all(".activity-item")
    assert [item.has_attr("data-takes-focus") for item in items] == [True] + [False] * 19
    assert len(page(fragment).all("[data-takes-focus]")) == 1
    last = page(fragment).one(".activity-more a")["href"]
    assert re.fullmatch(r"/space/activity\?before=\d+", last)
    end = app.get(last, headers={"HX-Request": "true"})
    assert len(_texts(end.text)) == 5 and "Show older activity" not in end.text


def test_a_bad_page_marker_shows_the_newest(app):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, actor=me, area="account", action="activate", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    # Not a number, below one, or too large for any database (SQLite stops at 2**63, an
    # id of the trail on PostgreSQL at 2**31): the newest events, never an error.
    for marker in ("abc", "-4", "0", "99999999999999999999999999", str(2**63), str(2**31), " 1e9"):
        shown = app.get("/space/activity", params={"before": marker})
        assert shown.status_code == 200, marker
        assert _texts(shown.text) == ["You activated your space."], marker


def test_professionals_and_mediators_have_no_activity_page(app):
    mediator = make_person(app, Role.MEDIATOR)
    sign_in_as(app, mediator, Role.MEDIATOR)
    assert app.get("/space/activity").status_code == 404


def test_a_carer_never_reads_the_activity_of_the_space_she_helps_in(app):
    patient = make_person(app)
    carer = make_person(app, given_names="Claire")
    me = key_owner(patient)
    _record(app, actor=me, area="account", action="sign_in", outcome="allowed", subject=me)
    delegate(app, patient, carer, "documents:write,messages:write,profile:write,agenda:write,notes:write")
    act_for(app, carer, patient)
    refused = app.get("/space/activity")
    assert refused.status_code == 404 and "You signed in." not in refused.text
    assert app.get("/space/activity", headers={"HX-Request": "true"}).status_code == 404
