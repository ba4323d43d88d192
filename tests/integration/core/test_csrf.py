"""Forged forms: a form sent from another site is refused before anything runs (the browser
says where it comes from in Sec-Fetch-Site, or in Origin), and the CSRF token is renewed when
who is signed in changes, so a token seen before no longer works after it."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from litestar import Request, get, post
from litestar.response import Response

from portal.core.web import page, renew_csrf_token
from portal.notes.tables import Note
from tests.conftest import csrf
from tests.html import page as read_page
from tests.people import make_person, portal_client, run, sign_in_as

EXPIRED = "This form has expired"


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    account = make_person(app, given_names="Jeanne", family_name="Dupont")
    sign_in_as(app, account)
    return account


def _tokens_in(response: Any) -> set[str]:
    """The form tokens the page's forms carry."""
    return {field["value"] for field in read_page(response).all('input[name="_csrf_token"]')}


def _write_note(app: Any, headers: dict[str, str] | None = None) -> Any:
    return app.post(
        "/space/notes/new",
        data={"_csrf_token": csrf(app), "title": "Pour le Dr Martin", "body": "Mes douleurs au genou."},
        headers=headers,
        follow_redirects=False,
    )


def _notes_of(app: Any, patient: uuid.UUID) -> int:
    count: int = run(app, lambda: Note.count().where(Note.patient == patient))
    return count


def _refused(response: Any) -> bool:
    return response.status_code == 403 and EXPIRED in response.text


# --------------------------------------------------------------------------- from another site


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        # A sibling address (another service of the same domain, another port): refused too.
        {"Sec-Fetch-Site": "same-site"},
        # Believed over an Origin that looks right: the browser knows where the form was.
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://testserver.local"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        # The portal's address with another scheme or port is another site.
        {"Origin": "https://testserver.local"},
        {"Origin": "http://testserver.local:8080"},
    ],
)
def test_a_form_from_another_site_is_refused_and_nothing_is_saved(app, patient, headers):
    response = _write_note(app, headers)
    assert _refused(response), (response.status_code, response.text[:300])
    assert _notes_of(app, patient) == 0
    # The person is still signed in: the refusal changed nothing.
    assert app.get("/space/notes").status_code == 200


def test_a_display_choice_from_another_site_is_not_saved(app):
    response = app.post(
        "/display",
        data={"_csrf_token": csrf(app), "text": "larger", "next": "/"},
        headers={"Sec-Fetch-Site": "cross-site"},
        follow_redirects=False,
    )
    assert _refused(response)
    assert not any(c.startswith("text=") for c in response.headers.get_list("set-cookie"))
    assert read_page(app.get("/")).one("html")["class"][0] == "text-standard"


def test_the_refusal_is_logged_with_its_reason_and_no_form_content(app, patient, caplog):
    with caplog.at_level(logging.WARNING, logger="portal"):
        _write_note(app, {"Origin": "https://evil.example"})
    refusals = [r.getMessage() for r in caplog.records if "another site" in r.getMessage()]
    assert refusals == [
        "refused a POST to /space/notes/new sent from another site (Origin: 'https://evil.example')"
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {},  # no header at all: old browsers, the test client, other software (the token decides)
        {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver.local"},
        # What Chromium sends with a plain form under a "no-referrer" policy: believed.
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},
        {"Sec-Fetch-Site": "none"},  # typed or bookmarked by the person themselves
        {"Origin": "http://testserver.local"},  # the address the browser used (its Host)
        {"Origin": "HTTP://TestServer.Local:80"},  # the same, written differently
        {"Origin": "http://127.0.0.1:8000"},  # PORTAL_BASE_URL (behind a proxy, Host may differ)
    ],
)
def test_a_form_from_the_portal_itself_goes_through(app, patient, headers):
    response = _write_note(app, headers)
    assert response.status_code == 303, response.text[:300]
    assert _notes_of(app, patient) == 1


def test_the_token_is_still_checked_when_the_browser_says_same_origin(app, patient):
    response = app.post(
        "/space/notes/new",
        data={"_csrf_token": "forged", "title": "x", "body": "y"},
        headers={"Sec-Fetch-Site": "same-origin"},
        follow_redirects=False,
    )
    assert _refused(response)
    assert _notes_of(app, patient) == 0


def test_reading_a_page_from_a_link_on_another_site_still_works(app, patient):
    # A link in an email or on another site is a GET: nothing to refuse.
    response = app.get(
        "/space/notes", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://mail.example"}
    )
    assert response.status_code == 200


def test_a_route_left_out_of_the_token_check_is_left_out_of_this_one(app):
    @post("/test-from-software", opt={"public": True, "exclude_from_csrf": True}, status_code=200)
    async def from_software() -> str:
        return "taken"

    app.app.register(from_software)
    response = app.post(
        "/test-from-software", headers={"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example"}
    )
    assert response.status_code == 200 and response.text == "taken"


# --------------------------------------------------------------------------- renewed tokens


def test_a_form_token_from_before_sign_out_is_refused_after_it(app, patient):
    old = csrf(app)
    response = app.post("/sign-out", data={"_csrf_token": old}, follow_redirects=False)
    assert response.status_code == 303
    new = app.cookies["csrftoken"]
    assert new != old
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("csrftoken="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie

    stale = app.post(
        "/display", data={"_csrf_token": old, "text": "larger", "next": "/"}, follow_redirects=False
    )
    assert _refused(stale)
    assert not any(c.startswith("text=") for c in stale.headers.get_list("set-cookie"))
    # The page's new token works.
    fresh = app.post(
        "/display", data={"_csrf_token": new, "text": "larger", "next": "/"}, follow_redirects=False
    )
    assert fresh.status_code == 303


def test_a_page_rendered_after_the_renewal_carries_the_new_token(app):
    @post("/test-renew", opt={"public": True}, status_code=200)
    async def renew_then_show(request: Request[Any, Any, Any]) -> Response[Any]:
        response = page(request, "site/accessibility.html")
        renew_csrf_token(request, response)
        return response

    app.app.register(renew_then_show)
    old = csrf(app)
    response = app.post("/test-renew", data={"_csrf_token": old})
    assert response.status_code == 200
    new = app.cookies["csrftoken"]
    assert new != old
    assert _tokens_in(response) == {new}
    assert json.loads(read_page(response).one("body")["hx-headers"]) == {"x-csrftoken": new}


def test_a_first_visit_that_renews_gets_one_token_in_its_cookie_and_its_page(app):
    @get("/test-renew-first", opt={"public": True})
    async def renew_on_first_visit(request: Request[Any, Any, Any]) -> Response[Any]:
        response = page(request, "site/accessibility.html")
        renew_csrf_token(request, response)
        return response

    app.app.register(renew_on_first_visit)
    response = app.get("/test-renew-first")
    cookies = [c for c in response.headers.get_list("set-cookie") if c.startswith("csrftoken=")]
    assert len(cookies) == 1
    assert _tokens_in(response) == {app.cookies["csrftoken"]}
