"""Signing in with a password then a 6-digit code, lock-outs, and a forgotten password."""

from __future__ import annotations

import base64
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import anyio
import pytest

from portal.accounts import sign_in_services
from portal.accounts.sign_in_services import PENDING_COOKIE
from portal.accounts.tables import Account, OneTimeCode
from portal.core import throttle
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from portal.core.sessions import cookie_name, hash_token
from portal.core.tables import AttemptCounter, Session
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.personas import new_email, new_person
from tests.trail import audit_events, newest_event_id

PASSWORD = "correct horse battery"
NOT_RIGHT = "The identifier or the password is not right."
TOO_MANY = "Too many tries."
MOBILE = "+33612345678"
# A well-formed social security number (its key matches) that nobody has.
UNKNOWN_NIR = "148037512345611"


@pytest.fixture
def app(make_client: Any) -> Any:
    return make_client(master_key=base64.b64encode(TEST_MASTER_KEY).decode(), default_locale="en")


def _run(client: Any, fn: Any) -> Any:
    return client.blocking_portal.call(fn)


def _make_account(client: Any, channel: str = "email", mobile: str | None = None) -> tuple[UUID, str]:
    email = new_email()

    async def go() -> UUID:
        async with client.app.state.engine.transaction():
            return await new_person(
                Keyring(TEST_MASTER_KEY),
                given_names="Marie",
                family_name="Martin",
                email=email,
                mobile=mobile,
                password=PASSWORD,
                channel=channel,
            )

    return _run(client, go), email


def _post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={"_csrf_token": csrf(client), **data}, follow_redirects=False)


def _password_step(client: Any, identifier: str, password: str = PASSWORD, next_path: str = "/") -> Any:
    return _post(client, "/sign-in", identifier=identifier, password=password, next=next_path)


def _newest_code(client: Any, to: str) -> str:
    messages = [m for m in read_outbox(client.app.state.settings.outbox_dir, limit=1000) if m.to == to]
    assert messages, f"nothing sent to {to}"
    found = re.search(r"\b(\d{3}) (\d{3})\b", messages[0].body)
    assert found, messages[0].body
    return found.group(1) + found.group(2)


def _sign_in(client: Any, email: str, next_path: str = "/") -> Any:
    assert _password_step(client, email, next_path=next_path).status_code == 303
    return _post(client, "/sign-in/code", code=_newest_code(client, email), next=next_path)


def _session_token(client: Any) -> str | None:
    return client.cookies.get(cookie_name(client.app.state.settings))


def _error(response: Any, field: str) -> str:
    """The error the page shows at ``field``."""
    error = page(response).field_error(field)
    assert error is not None, f"no error at {field}"
    return error


def _backdate_codes(client: Any, account_id: UUID, **changes: timedelta) -> None:
    async def go() -> None:
        for row in await OneTimeCode.select().where(OneTimeCode.account == account_id):
            values = {getattr(OneTimeCode, name): row[name] - delta for name, delta in changes.items()}
            await OneTimeCode.update(values).where(OneTimeCode.id == row["id"])

    _run(client, go)


# --------------------------------------------------------------------------- the journey


def test_a_person_signs_in_with_a_password_and_the_emailed_code(app):
    account_id, email = _make_account(app)
    start = app.get("/sign-in")
    assert start.status_code == 200
    assert page(start).has('a[href="/sign-in"]')
    assert page(start).one("input#password")["autocomplete"] == "current-password"
    response = _password_step(app, email.upper().replace("@EXAMPLE.ORG", "@Example.org").lower())
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in/code"
    pending = response.headers["set-cookie"]
    assert pending.startswith(f"{PENDING_COOKIE}=") and "HttpOnly" in pending
    assert "samesite=strict" in pending.lower() and "Path=/sign-in" in pending
    code = _newest_code(app, email)
    assert code not in pending
    stored = _run(app, lambda: OneTimeCode.select().where(OneTimeCode.account == account_id).run())
    assert len(stored) == 1 and code not in str(stored) and stored[0]["purpose"] == "sign_in"
    form = app.get("/sign-in/code")
    assert form.status_code == 200
    box = page(form).one("input#code")
    assert box["autocomplete"] == "one-time-code" and box["inputmode"] == "numeric"
    since = newest_event_id(app)
    response = _post(app, "/sign-in/code", code=f"{code[:3]} {code[3:]}", next="/")
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert _session_token(app)
    home = app.get("/")
    assert page(home).has('form[action="/sign-out"]') and 'href="/sign-in"' not in home.text
    events = audit_events(app, since=since)
    owner = f"account:{account_id}"
    assert [(e["actor"], e["action"], e["outcome"], e["subject"]) for e in events] == [
        (owner, "sign_in", "allowed", owner)
    ]


def test_the_email_holds_the_code_and_nothing_else(app):
    _, email = _make_account(app)
    _password_step(app, email)
    message = read_outbox(app.app.state.settings.outbox_dir)[0]
    assert message.subject == "Your code to sign in"
    assert (
        "It works for 10 minutes" in message.body
        and "nobody can sign in without your password" in message.body
    )


def test_an_sms_account_gets_its_code_in_the_outbox_as_an_sms(app):
    _, email = _make_account(app, channel="sms", mobile=MOBILE)
    assert _password_step(app, email).status_code == 303
    message = read_outbox(app.app.state.settings.outbox_dir)[0]
    assert message.to == MOBILE and message.subject == "SMS"
    assert "text message" in page(app.get("/sign-in/code")).text("main")
    code = _newest_code(app, MOBILE)
    assert _post(app, "/sign-in/code", code=code).status_code == 303
    assert page(app.get("/")).has('form[action="/sign-out"]')


def test_each_sign_in_gets_a_new_session_id_and_ends_the_old_one(app):
    _, email = _make_account(app)
    _sign_in(app, email)
    first = _session_token(app)
    _sign_in(app, email)
    second = _session_token(app)
    assert first and second and first != second
    gone = _run(app, lambda: Session.count().where(Session.token_hash == hash_token(first)).run())
    assert gone == 0


def test_next_is_kept_and_must_stay_on_the_site(app):
    _, email = _make_account(app)
    assert page(app.get("/sign-in?next=/help%3Fpage%3D2")).form_values('form[action="/sign-in"]')["next"] == (
        "/help?page=2"
    )
    response = _password_step(app, email, next_path="/help?page=2")
    assert response.headers["location"] == "/sign-in/code?next=%2Fhelp%3Fpage%3D2"
    code_page = page(app.get(response.headers["location"]))
    assert {field["value"] for field in code_page.all('main form input[name="next"]')} == {"/help?page=2"}
    assert (
        _post(app, "/sign-in/code", code=_newest_code(app, email), next="/help?page=2").headers["location"]
        == "/help?page=2"
    )
    # Signed in now: the sign-in page sends on to "next", and an off-site one becomes "/".
    assert app.get("/sign-in?next=//evil.example/", follow_redirects=False).headers["location"] == "/"


def test_an_off_site_next_goes_home_instead(make_client):
    client = make_client(master_key=base64.b64encode(TEST_MASTER_KEY).decode(), default_locale="en")
    _run(client, lambda: AttemptCounter.delete(force=True).run())
    _, email = _make_account(client)
    response = _sign_in(client, email, next_path="https://evil.example/")
    assert response.headers["location"] == "/"


# --------------------------------------------------------------------------- the password step


def test_an_unknown_account_and_a_wrong_password_get_the_same_answer(app):
    account_id, email = _make_account(app)
    since = newest_event_id(app)
    wrong = _password_step(app, email, password="not my password")
    unknown = _password_step(app, "nobody@example.org")
    nir = _password_step(app, UNKNOWN_NIR)
    for response in (wrong, unknown, nir):
        assert response.status_code == 400
        assert _error(response, "identifier") == NOT_RIGHT
        assert "not my password" not in response.text and PASSWORD not in response.text
    events = audit_events(app, since=since)
    assert [(e["actor"], e["action"], e["outcome"], e["subject"]) for e in events] == [
        ("anonymous", "sign_in", "failed", f"account:{account_id}"),
        ("anonymous", "sign_in", "failed", None),
        ("anonymous", "sign_in", "failed", None),
    ]
    text = str(events)
    assert email not in text and "nobody@example.org" not in text and UNKNOWN_NIR not in text


def test_an_invited_account_cannot_sign_in(app):
    account_id, email = _make_account(app)
    _run(app, lambda: Account.update({Account.status: "invited"}).where(Account.id == account_id).run())
    assert _error(_password_step(app, email), "identifier") == NOT_RIGHT


def test_a_badly_shaped_identifier_gets_its_message_at_the_field(app):
    response = _password_step(app, "1234", password="")
    assert response.status_code == 400
    assert "A social security number has 15 characters" in _error(response, "identifier")
    assert _error(response, "password") == "Enter your password."
    assert list(page(response).error_summary()) == ["identifier", "password"]
    assert page(response).form_values('form[action="/sign-in"]')["identifier"] == "1234"
    assert "marie.dupont@example.fr" in _error(_password_step(app, "marie@"), "identifier")
    assert _error(_password_step(app, "  "), "identifier") == (
        "Enter your email address or your social security number."
    )


def test_show_the_password_works_without_javascript(app):
    response = _post(app, "/sign-in", identifier="marie@example.org", password="my secret words", reveal="1")
    assert response.status_code == 200
    shown = page(response)
    box = shown.one("input#password")
    assert (box["type"], box["value"]) == ("text", "my secret words")
    assert shown.one("input#identifier")["value"] == "marie@example.org"
    assert shown.one('button[name="reveal"]')["value"] == "0"
    hidden = _post(app, "/sign-in", identifier="marie@example.org", password="my secret words", reveal="0")
    box = page(hidden).one("input#password")
    assert (box["type"], box["value"]) == ("password", "") and "my secret words" not in hidden.text


# --------------------------------------------------------------------------- lock-out


def test_five_failures_lock_the_account_even_for_the_right_password(app):
    account_id, email = _make_account(app)
    for _ in range(5):
        assert _password_step(app, email, password="wrong guess").status_code == 400

    async def forget_address() -> None:
        # Only the account's lock is left: the address's is lifted by hand.
        await AttemptCounter.delete().where(
            AttemptCounter.key == await Keyring(TEST_MASTER_KEY).index("throttle", "ip:testclient")
        )

    _run(app, forget_address)
    since = newest_event_id(app)
    response = _password_step(app, email)
    assert response.status_code == 429
    error = _error(response, "identifier")
    assert TOO_MANY in error and "wait 1 minute " in error and "0 800 00 00 00" in error
    assert not read_outbox(app.app.state.settings.outbox_dir)
    events = audit_events(app, since=since)
    assert [(e["actor"], e["outcome"], e["subject"]) for e in events] == [
        ("anonymous", "denied", f"account:{account_id}")
    ]


def test_five_failures_from_one_address_lock_that_address(app):
    _, email = _make_account(app)
    for number in range(5):
        assert _password_step(app, f"nobody{number}@example.org").status_code == 400
    response = _password_step(app, email)
    assert response.status_code == 429 and TOO_MANY in _error(response, "identifier")


def test_a_success_resets_the_account_counter(app):
    account_id, email = _make_account(app)
    for _ in range(4):
        _password_step(app, email, password="wrong guess")
    key = _run(app, lambda: Keyring(TEST_MASTER_KEY).index("throttle", f"account:{account_id}"))
    assert _run(app, lambda: AttemptCounter.count().where(AttemptCounter.key == key).run()) == 1
    assert _sign_in(app, email).status_code == 303
    assert _run(app, lambda: AttemptCounter.count().where(AttemptCounter.key == key).run()) == 0


def test_each_further_failure_doubles_the_lock_up_to_an_hour(app):
    assert [throttle.lock_length(n) for n in (4, 5, 6, 7)] == [
        None,
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
    ]
    assert throttle.lock_length(12) == throttle.lock_length(500) == timedelta(hours=1)
    start = datetime.now(UTC)

    async def fail_at(key: str, moment: datetime) -> timedelta | None:
        return await (await throttle.attempt([key], moment)).failed(moment)

    async def go() -> list[Any]:
        key = "test-" + secrets.token_hex(8)
        locks = [await fail_at(key, start + timedelta(seconds=n)) for n in range(5)]
        locks.append(await throttle.locked_for(key, start + timedelta(seconds=30)))
        try:
            await throttle.attempt([key], start + timedelta(seconds=40))
        except throttle.Locked as locked:
            locks.append(locked.lock)
        # Once the lock is over, one more failure doubles it.
        locks.append(await fail_at(key, start + timedelta(minutes=2)))
        # A quiet quarter of an hour after the last lock: the count starts again.
        locks.append(await fail_at(key, start + timedelta(minutes=30)))
        return locks

    locks = _run(app, go)
    assert locks[:4] == [None] * 4
    assert locks[4] == timedelta(minutes=1)
    assert timedelta(0) < locks[5] <= timedelta(seconds=35)
    assert timedelta(0) < locks[6] <= timedelta(seconds=25)  # refused, nothing checked
    assert locks[7] == timedelta(minutes=2)
    assert locks[8] is None


def test_tries_under_way_hold_their_places_until_they_end(app):
    """The free tries are taken before anything is checked: a sixth try sent while five are
    being checked is refused, whatever they turn out to be; a try that ends without
    counting gives its place back, and one whose request died gives it back after a while."""
    start = datetime.now(UTC)

    async def go() -> list[Any]:
        key = "test-" + secrets.token_hex(8)
        under_way = [await throttle.attempt([key], start) for _ in range(throttle.FREE_FAILURES)]
        seen: list[Any] = []
        try:
            await throttle.attempt([key], start)
        except throttle.Locked:
            seen.append("sixth refused")
        await under_way[0].succeeded()
        sixth = await throttle.attempt([key], start)
        seen.append("sixth taken once one succeeded")
        try:
            await throttle.attempt([key], start)
        except throttle.Locked:
            seen.append("seventh refused")
        # Nobody ends the tries under way (their requests died): after ABANDONED, they hold nothing.
        later = start + throttle.ABANDONED + timedelta(seconds=1)
        await throttle.attempt([key], later)
        seen.append("free again later")
        del sixth
        return seen

    assert _run(app, go) == [
        "sixth refused",
        "sixth taken once one succeeded",
        "seventh refused",
        "free again later",
    ]


def test_a_try_refused_on_one_key_holds_no_place_on_the_others(app):
    start = datetime.now(UTC)

    async def go() -> tuple[bool, int]:
        locked, free = "test-" + secrets.token_hex(8), "test-" + secrets.token_hex(8)
        for _ in range(throttle.FREE_FAILURES):
            await (await throttle.attempt([locked], start)).failed(start)
        try:
            await throttle.attempt([free, locked], start)
        except throttle.Locked:
            refused = True
        else:
            refused = False
        pending = (
            await AttemptCounter.select(AttemptCounter.pending).where(AttemptCounter.key == free).first()
        )
        return refused, int(pending["pending"]) if pending else 0

    assert _run(app, go) == (True, 0)


# --------------------------------------------------------------------------- the code step


def test_a_wrong_code_says_how_many_tries_are_left(app):
    account_id, email = _make_account(app)
    _password_step(app, email)
    code = _newest_code(app, email)
    wrong = "000000" if code != "000000" else "111111"
    since = newest_event_id(app)
    response = _post(app, "/sign-in/code", code=wrong)
    assert response.status_code == 400
    assert _error(response, "code") == "This code is not right. You can try 4 more times."
    assert "Enter the code we sent you" in _error(_post(app, "/sign-in/code", code="12"), "code")
    events = audit_events(app, since=since)
    assert [(e["action"], e["outcome"], e["subject"]) for e in events] == [
        ("sign_in_code", "failed", f"account:{account_id}")
    ]


def test_five_wrong_codes_wear_the_code_out(app):
    _, email = _make_account(app)
    _password_step(app, email)
    code = _newest_code(app, email)
    wrong = "000000" if code != "000000" else "111111"
    texts = [_error(_post(app, "/sign-in/code", code=wrong), "code") for _ in range(5)]
    assert "You can try 1 more time." in texts[3]
    assert "You typed a wrong code too many times." in texts[4]
    # The failures also lock the account and the address for a while...
    locked = _post(app, "/sign-in/code", code=code)
    assert locked.status_code == 429 and TOO_MANY in _error(locked, "code")
    # ...and when the lock is over, the code is still worn out.
    _run(app, lambda: AttemptCounter.delete(force=True).run())
    worn = _post(app, "/sign-in/code", code=code)
    assert worn.status_code == 400 and "You typed a wrong code too many times." in _error(worn, "code")
    assert not _session_token(app)


def test_an_expired_code_is_refused(app):
    account_id, email = _make_account(app)
    _password_step(app, email)
    _backdate_codes(app, account_id, expires_at=timedelta(minutes=11))
    response = _post(app, "/sign-in/code", code=_newest_code(app, email))
    assert response.status_code == 400 and "This code has expired." in _error(response, "code")
    assert not _session_token(app)


def test_a_code_sent_across_a_second_boundary_still_works(app, monkeypatch):
    # The pending cookie keeps whole seconds: a slow delivery that ends in the next
    # second must not leave the code outside the pending step.
    real_send = sign_in_services.send_code

    async def slow_send(*args: Any) -> bool:
        sent = await real_send(*args)
        now = datetime.now(UTC)
        await anyio.sleep(1.05 - now.microsecond / 1_000_000)
        return sent

    monkeypatch.setattr(sign_in_services, "send_code", slow_send)
    _, email = _make_account(app)
    assert _password_step(app, email).status_code == 303
    response = _post(app, "/sign-in/code", code=_newest_code(app, email))
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert _session_token(app)


def test_a_used_code_and_its_step_open_nothing_again(app):
    _, email = _make_account(app)
    _password_step(app, email)
    pending = app.cookies.get(PENDING_COOKIE)
    code = _newest_code(app, email)
    assert _post(app, "/sign-in/code", code=code).status_code == 303
    assert not app.cookies.get(PENDING_COOKIE)
    # The handle kept from before: its step ended with the sign-in, so it starts again.
    app.cookies.set(PENDING_COOKIE, pending, domain=app.base_url.host, path="/sign-in")
    response = _post(app, "/sign-in/code", code=code)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in"


def test_the_code_page_without_a_pending_sign_in_goes_back_to_the_start(app):
    response = app.get("/sign-in/code?next=/help", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/sign-in?next=%2Fhelp"
    app.cookies.set(PENDING_COOKIE, "forged.value", domain=app.base_url.host, path="/sign-in")
    assert _post(app, "/sign-in/code", code="123456").headers["location"] == "/sign-in"


def test_a_new_code_at_most_once_a_minute_and_three_times(app, monkeypatch):
    account_id, email = _make_account(app)
    _password_step(app, email)
    first = _newest_code(app, email)
    too_soon = _post(app, "/sign-in/code", resend="1")
    assert too_soon.status_code == 429 and "once a minute" in _error(too_soon, "resend")
    monkeypatch.setattr(sign_in_services, "RESEND_EVERY", timedelta(0))
    for _ in range(3):
        response = _post(app, "/sign-in/code", resend="1")
        assert response.status_code == 303 and response.headers["location"] == "/sign-in/code?sent=again"
    assert "We have sent you a new code." in page(app.get("/sign-in/code?sent=again")).text(".banner-success")
    assert "You have asked for 3 new codes." in _error(_post(app, "/sign-in/code", resend="1"), "resend")
    newest = _newest_code(app, email)
    if newest != first:
        assert "This code has expired." in _error(_post(app, "/sign-in/code", code=first), "code")
    assert _post(app, "/sign-in/code", code=newest).status_code == 303


# --------------------------------------------------------------------------- forgotten password


def test_the_forgotten_password_answer_is_the_same_for_anyone(app):
    _, email = _make_account(app)
    for identifier in (email, "nobody@example.org"):
        response = _post(app, "/sign-in/forgot", identifier=identifier)
        assert response.status_code == 303 and response.headers["location"] == "/sign-in/forgot/code"
        assert "If this identifier has a space, we have sent a code." in page(
            app.get("/sign-in/forgot/code")
        ).text("main")
    messages = read_outbox(app.app.state.settings.outbox_dir, limit=10)
    assert [m.to for m in messages] == [email]
    assert "nobody" not in str(audit_events(app)[-3:])


def test_a_person_chooses_a_new_password_with_the_code(app):
    account_id, email = _make_account(app)
    _sign_in(app, email)
    other_session = _session_token(app)
    app.cookies.clear()
    _post(app, "/sign-in/forgot", identifier=email)
    code = _newest_code(app, email)
    weak = _post(app, "/sign-in/forgot/code", code=code, password="short")
    assert weak.status_code == 400 and "at least 8 characters" in _error(weak, "password")
    assert "short" not in weak.text
    personal = _post(app, "/sign-in/forgot/code", code=code, password="Martin 1948!")
    assert personal.status_code == 400 and "easy to guess" in _error(personal, "password")
    shown = _post(app, "/sign-in/forgot/code", code=code, password="blue kettle morning", reveal="1")
    box = page(shown).one("input#password")
    assert (box["type"], box["value"]) == ("text", "blue kettle morning")
    since = newest_event_id(app)
    saved = _post(app, "/sign-in/forgot/code", code=code, password="blue kettle morning")
    assert saved.status_code == 303 and saved.headers["location"] == "/sign-in?password=saved"
    assert "Your new password is saved. You can sign in." in page(app.get(saved.headers["location"])).text(
        ".banner-success"
    )
    owner = f"account:{account_id}"
    assert [(e["actor"], e["action"], e["subject"]) for e in audit_events(app, since=since)] == [
        (owner, "reset_password", owner)
    ]
    assert (
        _run(app, lambda: Session.count().where(Session.token_hash == hash_token(other_session)).run()) == 0
    )
    assert _error(_password_step(app, email), "identifier") == NOT_RIGHT
    assert _password_step(app, email, password="blue kettle morning").status_code == 303


def test_a_wrong_reset_code_changes_nothing(app):
    _, email = _make_account(app)
    _post(app, "/sign-in/forgot", identifier=email)
    code = _newest_code(app, email)
    wrong = "000000" if code != "000000" else "111111"
    response = _post(app, "/sign-in/forgot/code", code=wrong, password="blue kettle morning")
    assert response.status_code == 400 and "This code is not right." in _error(response, "code")
    assert _password_step(app, email).status_code == 303


def test_signing_in_gives_a_new_form_token_and_the_old_one_stops_working(app):
    """A token seen or planted before sign-in (on a shared computer, say) opens nothing after it."""
    _, email = _make_account(app)
    before = csrf(app)
    assert _sign_in(app, email).status_code == 303
    after = app.cookies.get("csrftoken")
    assert after and after != before
    response = app.post("/sign-out", data={"_csrf_token": before}, follow_redirects=False)
    assert response.status_code == 403 and _session_token(app)
    assert app.post("/sign-out", data={"_csrf_token": after}, follow_redirects=False).status_code == 303
