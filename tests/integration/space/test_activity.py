"""The "my activity" page: plain words, newest first, paged, and one's own events only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.core import audit
from portal.core.access import Role
from portal.core.keys import key_owner
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
    return re.findall(r'<p class="activity-text">([^<]*)</p>', html)


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
    page = app.get("/space/activity")
    assert page.status_code == 200
    assert _texts(page.text) == [
        "Dr Anne Martin, general practitioner tried to see your documents and was refused.",
        "You blocked Dr Anne Martin, general practitioner: they can no longer see anything in your space.",
        "Dr Anne Martin, general practitioner declared a consultation with you and joined your care circle.",
        "Someone typed a wrong password to enter your space.",
        "You activated your space.",
        "The health space team created your space and gave you an activation code.",
    ]
    # The time is said in the portal's time zone, in words, with a machine-readable twin.
    assert re.search(r'<time datetime="[^"]+">\w+ \d{1,2}, \d{4} at \d{2}:\d{2}</time>', page.text)


def test_the_activity_is_in_french_too(app):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, actor=me, area="account", action="activate", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    app.cookies.set("lang", "fr", domain=app.base_url.host)
    page = app.get("/space/activity")
    assert _texts(page.text) == ["Vous avez activé votre espace."]
    assert re.search(r"<time[^>]*>\d{1,2} \w+ \d{4} à \d{2}:\d{2}</time>", page.text)


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
    page = app.get("/space/activity")
    assert _texts(page.text) == [] and "Nothing has happened in your space yet." in page.text


def test_older_activity_comes_twenty_at_a_time_with_a_plain_link_or_htmx(app):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, 45, actor=me, area="account", action="sign_in", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    first = app.get("/space/activity")
    assert len(_texts(first.text)) == 20
    more = re.search(r'href="(/space/activity\?before=(\d+))"', first.text)
    assert more and f'hx-get="{more.group(1)}"' in first.text
    # Without JavaScript: the link opens the next twenty, with a way back to the newest.
    second = app.get(more.group(1))
    assert len(_texts(second.text)) == 20 and 'href="/space/activity">' in second.text
    # With htmx: only the next events and the next link, the first of them ready to take focus.
    fragment = app.get(more.group(1), headers={"HX-Request": "true"})
    assert "<html" not in fragment.text and len(_texts(fragment.text)) == 20
    assert fragment.text.count("data-takes-focus") == 1
    last = re.search(r'href="(/space/activity\?before=\d+)"', fragment.text)
    assert last
    end = app.get(last.group(1), headers={"HX-Request": "true"})
    assert len(_texts(end.text)) == 5 and "Show older activity" not in end.text


def test_a_bad_page_marker_shows_the_newest(app):
    patient = make_person(app)
    me = key_owner(patient)
    _record(app, actor=me, area="account", action="activate", outcome="allowed", subject=me)
    sign_in_as(app, patient)
    # Not a number, below one, or too large for any database (SQLite stops at 2**63, an
    # id of the trail on PostgreSQL at 2**31): the newest events, never an error.
    for marker in ("abc", "-4", "0", "99999999999999999999999999", str(2**63), str(2**31), " 1e9"):
        page = app.get("/space/activity", params={"before": marker})
        assert page.status_code == 200, marker
        assert _texts(page.text) == ["You activated your space."], marker


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
    page = app.get("/space/activity")
    assert page.status_code == 404 and "You signed in." not in page.text
    assert app.get("/space/activity", headers={"HX-Request": "true"}).status_code == 404
