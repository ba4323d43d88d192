"""The guided tour: only with the person's consent given on screen (audited), step by step
with links (no JavaScript needed), and never anyone's real data."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from portal.core.access import Role
from portal.core.keys import key_owner
from portal.core.tables import AuditEvent
from portal.outreach.tour import CONSENT_COOKIE, steps
from tests.conftest import csrf
from tests.html import page as html_page
from tests.people import make_person, portal_client, run, sign_in_as

# Patients in the database while the tour is shown: none of their names may appear in it.
PATIENTS = [("Philomène", "Grandjouan"), ("Anatole", "Vercingétorix"), ("Rosalie", "Tournesol")]


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def mediator(app: Any) -> UUID:
    account = make_person(app, Role.MEDIATOR, given_names="Sophie", family_name="Bernard")
    sign_in_as(app, account, Role.MEDIATOR)
    return account


def _consents(app: Any, mediator: UUID) -> int:
    return int(
        run(
            app,
            lambda: AuditEvent.count().where(
                (AuditEvent.actor == key_owner(mediator)) & (AuditEvent.action == "tour.consent")
            ),
        )
    )


def test_the_tour_needs_the_persons_consent_given_on_screen(app, mediator):
    assert app.get("/mediator/tour/documents", follow_redirects=False).headers["location"] == "/mediator/tour"
    page = app.get("/mediator/tour")
    assert page.status_code == 200 and 'name="consent"' in page.text
    refused = app.post("/mediator/tour", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert refused.status_code == 400 and 'href="#consent"' in refused.text
    assert _consents(app, mediator) == 0 and CONSENT_COOKIE not in app.cookies
    agreed = app.post(
        "/mediator/tour", data={"_csrf_token": csrf(app), "consent": "yes"}, follow_redirects=False
    )
    assert agreed.status_code == 303 and agreed.headers["location"] == "/mediator/tour/documents"
    assert _consents(app, mediator) == 1
    event = run(
        app,
        lambda: (
            AuditEvent.select()
            .where((AuditEvent.actor == key_owner(mediator)) & (AuditEvent.action == "tour.consent"))
            .first()
        ),
    )
    assert event["area"] == "account" and event["subject"] is None and event["outcome"] == "allowed"
    # The consent belongs to this mediator's session: another session starts without it.
    sign_in_as(app, mediator, Role.MEDIATOR)
    assert app.get("/mediator/tour/documents", follow_redirects=False).status_code == 303


def test_the_tour_goes_through_every_area_with_made_up_content_only(app, mediator):
    for given, family in PATIENTS:
        make_person(app, given_names=given, family_name=family)
    app.post("/mediator/tour", data={"_csrf_token": csrf(app), "consent": "yes"})
    path, seen, pages = "/mediator/tour/documents", [], []
    while path != "/mediator/tour/end":
        page = app.get(path)
        assert page.status_code == 200, path
        seen.append(path)
        pages.append(page.text)
        assert "Marie Exemple" in page.text
        following = [str(link["href"]) for link in html_page(page).all('[rel="next"][href]')]
        assert following and following[0], path
        if len(seen) > 1:
            assert f'rel="prev" href="{seen[-2]}"' in page.text
        path = following[0]
    assert seen == [step.href for step in steps()]
    assert [s.slug for s in steps()] == [
        "documents",
        "messages",
        "profile",
        "agenda",
        "notes",
        "services",
        "carers",
    ]
    end = app.get(path)
    assert end.status_code == 200 and 'href="/mediator"' in end.text
    for text in pages + [end.text]:
        for given, family in PATIENTS:
            assert given not in text and family not in text
    # The end of the tour ends the consent: the next person says yes for themselves.
    assert app.get("/mediator/tour/documents", follow_redirects=False).status_code == 303


def test_an_unknown_step_is_not_found(app, mediator):
    app.post("/mediator/tour", data={"_csrf_token": csrf(app), "consent": "yes"})
    assert app.get("/mediator/tour/bank-account").status_code == 404
