"""Activating an invited space page by page, and saying no to it."""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from portal.accounts.activation_services import STATE_COOKIE, mask_email, mask_mobile
from portal.accounts.identity import nir_key
from portal.accounts.invitations import Invited, group_code, invite_person
from portal.accounts.passwords import verify_password
from portal.accounts.services import PersonIdentity, read_identity
from portal.accounts.tables import Account, Invitation
from portal.core.keys import Keyring, key_owner
from portal.core.sessions import cookie_name
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.trail import audit_events

BIRTH = date(1941, 3, 27)
WRONG = "The code or the date of birth is not right. Check them and try again."
GOOD_PASSWORD = "violet harbour teapot lantern"
STEPS = ["/activate/codes", "/activate/password", "/activate/terms"]


@pytest.fixture
def client(make_client: Any) -> Any:
    # The app must open what the tests seal with TEST_MASTER_KEY; English, to read its messages.
    return make_client(master_key=base64.b64encode(TEST_MASTER_KEY).decode("ascii"), default_locale="en")


def _run(client: Any, fn: Any) -> Any:
    """Run ``fn()`` in the app's event loop, with the app's engine."""
    return client.blocking_portal.call(fn)


def _in_transaction(client: Any, work: Any) -> Any:
    async def go() -> Any:
        async with client.app.state.engine.transaction():
            return await work()

    return _run(client, go)


def _invite(
    client: Any, *, mobile: str | None = "+33612345678", email: bool = True, **kwargs: Any
) -> Invited:
    number = f"24103230{secrets.randbelow(10**5):05d}"
    person = PersonIdentity(
        family_name="Dupont",
        given_names="Jeanne",
        date_of_birth=BIRTH.isoformat(),
        nir=number + nir_key(number),
        email=f"jeanne.{secrets.token_hex(3)}@example.org" if email else None,
        mobile=mobile,
    )

    async def work() -> Invited:
        return await invite_person(
            Keyring(TEST_MASTER_KEY), person, delivery="email", invited_by="operator", **kwargs
        )

    return _in_transaction(client, work)


def _account(client: Any, account_id: UUID) -> dict[str, Any]:
    async def work() -> Any:
        return await Account.select().where(Account.id == account_id).first()

    return dict(_run(client, work))


def _invitation(client: Any, account_id: UUID) -> dict[str, Any]:
    async def work() -> Any:
        return await Invitation.select().where(Invitation.account == account_id).first()

    return dict(_run(client, work))


def _identity(client: Any, account_id: UUID) -> PersonIdentity | None:
    async def work() -> PersonIdentity | None:
        return await read_identity(Keyring(TEST_MASTER_KEY), account_id)

    return _in_transaction(client, work)  # type: ignore[no-any-return]


def _post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={"_csrf_token": csrf(client), **data}, follow_redirects=False)


def _code_form(code: str, born: date = BIRTH) -> dict[str, str]:
    return {"code": code, "dob-day": str(born.day), "dob-month": str(born.month), "dob-year": str(born.year)}


def _start(client: Any, invited: Invited) -> None:
    response = _post(client, "/activate", **_code_form(group_code(invited.code)))
    assert response.status_code == 303 and response.headers["location"] == "/activate/codes"


def _error_at(response: Any, field: str) -> str:
    error = page(response).field_error(field)
    assert error is not None, f"no error at {field}"
    return error


def _anonymous_attempts(client: Any) -> list[dict[str, Any]]:
    """The activation attempts the trail keeps with nobody as their subject."""
    return audit_events(client, action="activate", actor="anonymous", subject=None)


# --------------------------------------------------------------------------- the whole journey


def test_a_person_activates_their_space_and_is_signed_in(client: Any) -> None:
    invited = _invite(client)
    start = client.get("/activate")
    assert (
        start.status_code == 200
        and page(start).has('main a[href="/refuse"]')
        and page(start).has("a.back-link")
    )

    response = _post(client, "/activate", **_code_form(group_code(invited.code)))
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{STATE_COOKIE}=") and "httponly" in cookie and "samesite=strict" in cookie
    assert "max-age=1800" in cookie

    codes = client.get("/activate/codes")
    assert codes.status_code == 200 and page(codes).has('main a[href="/refuse"]')
    channels = page(codes).texts('main form input[name="channel"] + label')
    assert any("j…@example.org" in channel for channel in channels)
    assert any("06 •• •• •• 78" in channel for channel in channels)
    assert _post(client, "/activate/codes", channel="sms").headers["location"] == "/activate/password"

    password_page = client.get("/activate/password")
    box = page(password_page).one("input#password")
    assert box["autocomplete"] == "new-password" and box["type"] == "password"
    response = _post(client, "/activate/password", password=GOOD_PASSWORD)
    assert response.headers["location"] == "/activate/terms"
    account = _account(client, invited.account_id)
    assert account["status"] == "invited" and account["password_hash"].startswith("$argon2id$")

    assert page(client.get("/activate/terms")).has('main a[href="/accessibility"]')
    response = _post(client, "/activate/terms", accept="yes")
    assert response.status_code == 303 and response.headers["location"] == "/activate/done"
    assert (
        f'{STATE_COOKIE}=""' in response.headers["set-cookie"]
        or "max-age=0" in response.headers["set-cookie"]
    )

    account = _account(client, invited.account_id)
    assert account["status"] == "active" and account["code_channel"] == "sms" and account["activated_at"]
    assert _run(client, lambda: verify_password(account["password_hash"], GOOD_PASSWORD))[0]
    assert _invitation(client, invited.account_id)["used_at"] is not None
    owner = key_owner(invited.account_id)
    activated = audit_events(client, action="activate", subject=owner)
    assert [(e["actor"], e["outcome"]) for e in activated] == [(owner, "allowed")]

    assert cookie_name(client.app.state.settings) in client.cookies
    done = client.get("/activate/done", follow_redirects=False)
    assert done.status_code == 200 and "Your space is ready" in page(done).heading
    assert page(done).has("main .summary-list") and page(done).has('form[action="/sign-out"]')


def test_the_done_page_needs_a_session(client: Any) -> None:
    response = client.get("/activate/done", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/sign-in")


# --------------------------------------------------------------------------- the first step


def test_a_wrong_code_and_a_wrong_date_get_the_same_message_and_are_audited(client: Any) -> None:
    invited = _invite(client)
    before = len(_anonymous_attempts(client))
    wrong_code = _post(client, "/activate", **_code_form("0000 0000 0000"))
    wrong_date = _post(client, "/activate", **_code_form(invited.code, date(1941, 3, 28)))
    for response in (wrong_code, wrong_date):
        assert response.status_code == 400
        assert _error_at(response, "code") == WRONG
        assert STATE_COOKIE not in response.headers.get("set-cookie", "")
    # Nothing typed is lost.
    typed = page(wrong_date).form_values('form[action="/activate"]')
    assert typed["dob-year"] == "1941" and typed["code"] == invited.code
    events = _anonymous_attempts(client)
    assert len(events) == before + 2 and {e["outcome"] for e in events[before:]} == {"denied"}
    assert _invitation(client, invited.account_id)["failed_attempts"] == 1


def test_the_fields_explain_what_is_missing(client: Any) -> None:
    response = _post(
        client, "/activate", code="1234", **{"dob-day": "31", "dob-month": "2", "dob-year": "1941"}
    )
    assert response.status_code == 400
    assert "12 digits" in _error_at(response, "code")
    assert "does not exist" in _error_at(response, "dob")
    assert {"dob-day", "code"} <= set(page(response).error_summary())
    typed = page(response).form_values('form[action="/activate"]')
    assert typed["code"] == "1234" and typed["dob-day"] == "31"


def test_an_expired_code_opens_nothing(client: Any) -> None:
    invited = _invite(client, valid_days=1, now=datetime.now(UTC) - timedelta(days=2))
    response = _post(client, "/activate", **_code_form(invited.code))
    assert response.status_code == 400 and _error_at(response, "code") == WRONG


def test_a_used_code_cannot_be_used_again(client: Any) -> None:
    invited = _invite(client)
    _start(client, invited)
    _post(client, "/activate/codes", channel="email")
    _post(client, "/activate/password", password=GOOD_PASSWORD)
    _post(client, "/activate/terms", accept="yes")
    client.cookies.clear()
    response = _post(client, "/activate", **_code_form(invited.code))
    assert response.status_code == 400 and _error_at(response, "code") == WRONG


# --------------------------------------------------------------------------- the state between steps


@pytest.mark.parametrize("path", STEPS)
def test_a_step_without_the_first_one_goes_back_to_it(client: Any, path: str) -> None:
    assert client.get(path, follow_redirects=False).headers["location"] == "/activate"
    assert _post(client, path).headers["location"] == "/activate"


def test_an_altered_activation_cookie_opens_nothing(client: Any) -> None:
    invited = _invite(client)
    _start(client, invited)
    value = client.cookies[STATE_COOKIE]
    other = str(_invite(client).account_id)
    client.cookies.set(
        STATE_COOKIE, value.replace(str(invited.account_id), other), domain=client.base_url.host
    )
    assert client.get("/activate/codes", follow_redirects=False).headers["location"] == "/activate"


def test_steps_are_taken_in_order(client: Any) -> None:
    _start(client, _invite(client))
    assert client.get("/activate/password", follow_redirects=False).headers["location"] == "/activate/codes"
    assert client.get("/activate/terms", follow_redirects=False).headers["location"] == "/activate/codes"
    _post(client, "/activate/codes", channel="email")
    assert client.get("/activate/terms", follow_redirects=False).headers["location"] == "/activate/password"


# --------------------------------------------------------------------------- sign-in codes


def test_a_person_with_only_an_email_has_it_chosen_and_explained(client: Any) -> None:
    _start(client, _invite(client, mobile=None))
    codes = page(client.get("/activate/codes"))
    [only] = codes.all('input[name="channel"]')
    assert only.has_attr("checked")
    assert "the only way we have to reach you" in codes.text("#channel-hint")


def test_a_channel_must_be_chosen_among_those_offered(client: Any) -> None:
    _start(client, _invite(client, mobile=None))
    response = _post(client, "/activate/codes", channel="sms")
    assert response.status_code == 400 and "Choose how" in _error_at(response, "channel")


def test_addresses_are_masked() -> None:
    assert mask_email("jeanne.dupont@example.org") == "j…@example.org"
    assert mask_mobile("+33612345678") == "06 •• •• •• 78"
    assert mask_mobile("+262692123456") == "06 •• •• •• 56"


# --------------------------------------------------------------------------- password


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "at least 8 characters"),
        ("password", "too common"),
        ("Dupont1941", "easy to guess"),
        ("27031941", "easy to guess"),
    ],
)
def test_a_weak_password_is_refused_and_kept(client: Any, password: str, message: str) -> None:
    invited = _invite(client)
    _start(client, invited)
    _post(client, "/activate/codes", channel="email")
    response = _post(client, "/activate/password", password=password)
    assert response.status_code == 400 and message in _error_at(response, "password")
    assert page(response).one("input#password")["value"] == password
    assert _account(client, invited.account_id)["password_hash"] is None


def test_the_password_can_be_shown_without_javascript(client: Any) -> None:
    _start(client, _invite(client))
    _post(client, "/activate/codes", channel="email")
    shown = _post(client, "/activate/password", password="my secret words", show="1")
    assert shown.status_code == 200
    box = page(shown).one("input#password")
    assert (box["type"], box["value"]) == ("text", "my secret words")
    assert page(shown).one('button[name="show"]')["value"] == "0"
    assert page(shown).form_values('form[action="/activate/password"]')["shown"] == "1"
    hidden = _post(client, "/activate/password", password="my secret words", show="0")
    box = page(hidden).one("input#password")
    assert (box["type"], box["value"]) == ("password", "my secret words")


# --------------------------------------------------------------------------- terms


def test_the_terms_must_be_accepted(client: Any) -> None:
    invited = _invite(client)
    _start(client, invited)
    _post(client, "/activate/codes", channel="email")
    _post(client, "/activate/password", password=GOOD_PASSWORD)
    response = _post(client, "/activate/terms")
    assert response.status_code == 400 and "Tick the box" in _error_at(response, "accept")
    assert _account(client, invited.account_id)["status"] == "invited"


# --------------------------------------------------------------------------- refusal


def _assert_refused(client: Any, account_id: UUID, actor: str) -> None:
    assert _identity(client, account_id) is None
    account = _account(client, account_id)
    assert account["status"] == "refused" and account["email_index"] is None and account["nir_index"] is None
    assert account["password_hash"] is None
    assert _invitation(client, account_id)["used_at"] is not None
    owner = key_owner(account_id)
    events = audit_events(client, action="refuse", subject=owner)
    assert [(e["actor"], e["outcome"]) for e in events] == [(actor, "allowed")]


def test_a_person_refuses_a_space_with_their_code(client: Any) -> None:
    invited = _invite(client)
    refuse = client.get("/refuse")
    assert refuse.status_code == 200 and page(refuse).has('form[action="/refuse"] input[name="code"]')
    response = _post(client, "/refuse", **_code_form(invited.code))
    assert response.status_code == 303 and response.headers["location"] == "/refuse/done"
    _assert_refused(client, invited.account_id, key_owner(invited.account_id))
    assert page(client.get("/refuse/done")).heading == "Your choice is recorded"
    # The code now opens nothing.
    assert _post(client, "/activate", **_code_form(invited.code)).status_code == 400


def test_a_person_refuses_during_activation_without_typing_the_code_again(client: Any) -> None:
    invited = _invite(client)
    _start(client, invited)
    _post(client, "/activate/codes", channel="email")
    _post(client, "/activate/password", password=GOOD_PASSWORD)
    refuse = client.get("/refuse")
    assert 'name="code"' not in refuse.text
    response = _post(client, "/refuse")
    assert response.headers["location"] == "/refuse/done"
    _assert_refused(client, invited.account_id, key_owner(invited.account_id))
    assert client.get("/activate/password", follow_redirects=False).headers["location"] == "/activate"


def test_a_refusal_with_a_wrong_code_erases_nothing(client: Any) -> None:
    invited = _invite(client)
    response = _post(client, "/refuse", **_code_form(invited.code, date(1950, 1, 1)))
    assert response.status_code == 400 and _error_at(response, "code") == WRONG
    assert _identity(client, invited.account_id) is not None
    assert audit_events(client, action="refuse", actor="anonymous", outcome="denied")
