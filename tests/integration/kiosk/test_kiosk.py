"""Kiosk terminals: enrolment by a one-time code (or the setting), what a kiosk changes in
signing in, the short time-out and "I need more time", what a kiosk's sign-out and time-out
clear (and keep), no download on a kiosk, the single-use link to the person's phone, and
the audit trail of it all."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.core.sessions import cookie_name, hash_token, start_session, touch_or_expire
from portal.core.tables import AttemptCounter, Session
from portal.documents.changes import add_document
from portal.documents.details import Details
from portal.kiosk import services
from portal.kiosk.tables import KioskLink, KioskTerminal
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.people import PASSWORD, make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 3000
KIOSK_NOTICE = ".banner.kiosk-notice"
KIOSK_DIALOG = "[data-kiosk-expires-in]"
# What a test reads of each audit event.
EVENT = ("area", "action", "outcome", "object_id")


@pytest.fixture
def app(make_client: Any) -> Any:
    client = portal_client(make_client)
    # Every test client comes from the same address: start with no failed tries counted.
    run(client, lambda: AttemptCounter.delete(force=True))
    return client


def _another_browser(client: Any) -> list[Any]:
    """The same client as another browser (no cookie); returns the first one's cookies.

    One client per test: each app binds the tables to its own engine (and event loop)."""
    saved = list(client.cookies.jar)
    client.cookies.clear()
    return saved


def _back_to(client: Any, saved: list[Any]) -> None:
    client.cookies.clear()
    for cookie in saved:
        client.cookies.jar.set_cookie(cookie)


def _new_terminal(
    client: Any, now: datetime | None = None, name: str = "Maison de santé de Guéret, accueil"
) -> services.NewTerminal:
    async def go() -> services.NewTerminal:
        async with client.app.state.engine.transaction():
            return await services.create_terminal(Keyring(TEST_MASTER_KEY), name, "23", now=now)

    return run(client, go)


def _enrol(client: Any, code: str) -> Any:
    return client.post(
        "/kiosk/enrol", data={"_csrf_token": csrf(client), "code": code}, follow_redirects=False
    )


def _kiosk_cookie(client: Any) -> str | None:
    return client.cookies.get("kiosk")


def _enrolled(client: Any) -> services.NewTerminal:
    """The client's browser made a kiosk terminal, through the enrolment page."""
    terminal = _new_terminal(client)
    assert _enrol(client, services.format_code(terminal.code)).status_code == 303
    assert _kiosk_cookie(client)
    return terminal


def _terminal_row(client: Any, terminal_id: UUID) -> dict[str, Any]:
    return run(client, lambda: KioskTerminal.select().where(KioskTerminal.id == terminal_id).first())


def _revoke(client: Any, terminal_id: UUID) -> bool:
    async def go() -> bool:
        async with client.app.state.engine.transaction():
            return await services.revoke(terminal_id)

    return run(client, go)


def _newest_code(client: Any, to: str) -> str:
    messages = [m for m in read_outbox(client.app.state.settings.outbox_dir, limit=1000) if m.to == to]
    assert messages, f"nothing sent to {to}"
    found = re.search(r"\b(\d{3}) (\d{3})\b", messages[0].body)
    assert found
    return found.group(1) + found.group(2)


def _email_of(client: Any, account_id: UUID) -> str:
    from portal.accounts.services import read_identity

    async def go() -> str:
        identity = await read_identity(Keyring(TEST_MASTER_KEY), account_id)
        assert identity is not None and identity.email
        return identity.email

    return run(client, go)


def _sign_in_through_the_pages(client: Any, account_id: UUID, next_path: str = "/space") -> Any:
    email = _email_of(client, account_id)
    token = csrf(client)
    first = client.post(
        "/sign-in",
        data={"_csrf_token": token, "identifier": email, "password": PASSWORD, "next": next_path},
        follow_redirects=False,
    )
    assert first.status_code == 303, first.text
    return client.post(
        "/sign-in/code",
        data={"_csrf_token": token, "code": _newest_code(client, email), "next": next_path},
        follow_redirects=False,
    )


def _session_row(client: Any) -> dict[str, Any] | None:
    token = client.cookies.get(cookie_name(client.app.state.settings))
    assert token
    return run(client, lambda: Session.select().where(Session.token_hash == hash_token(token)).first())


def _kiosk_session(client: Any, account_id: UUID, now: datetime | None = None) -> str:
    """A kiosk session for ``account_id`` (begun at ``now``), its cookie given to ``client``."""

    async def go() -> str:
        async with client.app.state.engine.transaction():
            return await start_session(
                client.app.state.sessions, account_id, Role.PATIENT, kiosk=True, now=now
            )

    token: str = run(client, go)
    client.cookies.set(cookie_name(client.app.state.settings), token, domain=client.base_url.host)
    return token


def _document(client: Any, patient: UUID) -> UUID:
    async def go() -> UUID:
        async with client.app.state.engine.transaction():
            return await add_document(
                Keyring(TEST_MASTER_KEY),
                patient=patient,
                author=patient,
                author_role="patient",
                details=Details("Prise de sang", "lab_results", "2026-03-03", "application/pdf"),
                content=PDF,
            )

    return run(client, go)


# --------------------------------------------------------------------------- enrolment


def test_an_enrolment_code_makes_the_browser_a_kiosk_once(app):
    terminal = _new_terminal(app)
    assert len(terminal.code) == 12
    row = _terminal_row(app, terminal.terminal_id)
    assert row["enrolment_code_index"] and terminal.code not in str(row)
    assert row["department"] == "23" and row["token_hash"] is None

    response = _enrol(app, services.format_code(terminal.code).lower())
    assert response.status_code == 303
    assert response.headers["location"] == "/kiosk/enrolled"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("kiosk="))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
    assert int(re.search(r"Max-Age=(\d+)", cookie).group(1)) >= 300 * 24 * 3600
    token = _kiosk_cookie(app)
    row = _terminal_row(app, terminal.terminal_id)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest() != token
    assert row["enrolled_at"] is not None
    enrolled = app.get("/kiosk/enrolled")
    assert enrolled.status_code == 200 and "Maison de santé de Guéret, accueil" in page(enrolled).text("main")
    assert page(app.get("/sign-in")).has(KIOSK_NOTICE)

    # The same code, typed again at another computer: refused, and that one is no kiosk.
    _another_browser(app)
    again = _enrol(app, terminal.code)
    assert again.status_code == 400
    assert page(again).field_error("code")
    assert _kiosk_cookie(app) is None
    assert not page(app.get("/sign-in")).has(KIOSK_NOTICE)
    assert app.get("/kiosk/enrolled", follow_redirects=False).headers["location"] == "/kiosk/enrol"
    failures = audit_events(app, area="system", action="kiosk.enrol", outcome="failed")
    assert failures and all(f["actor"] == "anonymous" and f["object_id"] is None for f in failures)


def test_an_expired_or_wrong_code_is_refused(app):
    old = _new_terminal(app, now=datetime.now(UTC) - timedelta(minutes=61))
    response = _enrol(app, old.code)
    assert response.status_code == 400 and page(response).field_error("code")
    assert page(response).one("input#code")["value"] == old.code  # what was typed is shown again
    assert _kiosk_cookie(app) is None
    assert _terminal_row(app, old.terminal_id)["enrolled_at"] is None

    empty = _enrol(app, "  ")
    assert empty.status_code == 400 and page(empty).field_error("code")
    wrong = _enrol(app, "ABCD-EFGH-JKMN")
    assert wrong.status_code == 400
    for _ in range(4):
        _enrol(app, "ABCD-EFGH-JKMN")
    # Too many wrong codes from this address: even the right one waits.
    fresh = _new_terminal(app)
    assert _enrol(app, fresh.code).status_code == 429
    assert _kiosk_cookie(app) is None


def test_a_revoked_terminal_is_a_kiosk_no_more(app):
    terminal = _enrolled(app)
    assert page(app.get("/sign-in")).has(KIOSK_NOTICE)
    assert _revoke(app, terminal.terminal_id) is True
    assert _revoke(app, terminal.terminal_id) is False
    # The cookie is still in the browser, and worth nothing.
    assert _kiosk_cookie(app)
    assert not page(app.get("/sign-in")).has(KIOSK_NOTICE)
    patient = make_person(app, password=PASSWORD)
    assert _sign_in_through_the_pages(app, patient).status_code == 303
    assert _session_row(app)["kiosk"] is False
    assert not [e for e in audit_events(app, "action", subject=patient) if e[0].startswith("session.kiosk")]


def test_a_terminal_revoked_before_its_code_is_typed_cannot_be_enrolled(app):
    terminal = _new_terminal(app)
    _revoke(app, terminal.terminal_id)
    assert _enrol(app, terminal.code).status_code == 400
    assert _kiosk_cookie(app) is None


def test_no_address_lets_a_visitor_drop_kiosk_mode(app):
    _enrolled(app)
    for path in ("/kiosk", "/kiosk/enrol", "/kiosk/timeout", "/kiosk/still-there", "/sign-in", "/"):
        response = app.get(path, follow_redirects=False)
        assert not [c for c in response.headers.get_list("set-cookie") if c.startswith("kiosk=")], path
    assert page(app.get("/sign-in")).has(KIOSK_NOTICE)


# --------------------------------------------------------------------------- signing in


def test_an_ordinary_computer_says_nothing_of_kiosks(app):
    assert not page(app.get("/sign-in")).has(KIOSK_NOTICE)
    patient = make_person(app, password=PASSWORD)
    assert _sign_in_through_the_pages(app, patient).status_code == 303
    assert _session_row(app)["kiosk"] is False
    space = page(app.get("/space"))
    assert not space.has(KIOSK_DIALOG) and not space.has('meta[http-equiv="refresh"]')
    assert space.has("[data-session-expires-in]")


def test_signing_in_on_a_terminal_starts_a_short_kiosk_session(app):
    terminal = _enrolled(app)
    assert page(app.get("/sign-in")).has(KIOSK_NOTICE)
    patient = make_person(app, password=PASSWORD)
    response = _sign_in_through_the_pages(app, patient)
    assert response.status_code == 303 and response.headers["location"] == "/space"
    assert _session_row(app)["kiosk"] is True
    assert ("account", "session.kiosk", "allowed", f"kiosk:{terminal.terminal_id}") in audit_events(
        app, *EVENT, subject=patient
    )

    space = app.get("/space")
    assert space.headers["x-session-expires-in"]
    shown = page(space)
    dialog = shown.one(KIOSK_DIALOG)
    expires_in = int(dialog["data-kiosk-expires-in"])
    assert 150 <= expires_in <= 180
    assert dialog["data-kiosk-warn"] == "60"
    assert not shown.has("[data-session-expires-in]")  # the ordinary warning gives way to the dialog
    # Without JavaScript, the page opens "Are you still there?" a minute before the end.
    refresh = shown.one('noscript > meta[http-equiv="refresh"]')["content"]
    assert refresh == f"{expires_in - 60};url=/kiosk/still-there?next=/space"


def test_the_setting_makes_every_browser_a_kiosk(make_client):
    app = portal_client(make_client, kiosk=True)
    run(app, lambda: AttemptCounter.delete(force=True))
    assert page(app.get("/sign-in")).has(KIOSK_NOTICE)
    patient = make_person(app, password=PASSWORD)
    assert _sign_in_through_the_pages(app, patient).status_code == 303
    assert _session_row(app)["kiosk"] is True
    assert ("account", "session.kiosk", "allowed", "kiosk:setting") in audit_events(
        app, *EVENT, subject=patient
    )
    # With no terminal cookie to keep, sign-out clears the cookies too.
    response = app.post("/sign-out", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert response.headers["location"] == "/kiosk"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'


# --------------------------------------------------------------------------- time-out


def test_a_kiosk_session_times_out_after_a_few_minutes(app):
    store = app.app.state.sessions
    patient = make_person(app)
    start = datetime.now(UTC)
    kiosk = _kiosk_session(app, patient, now=start)
    ordinary = sign_in_as(app, patient)

    async def check() -> None:
        # Activity within 30 seconds of the last is not written (a sixth of 3 minutes).
        info = await touch_or_expire(store, kiosk, start + timedelta(seconds=20))
        assert info is not None and info.last_seen_at == start and info.expires_in_seconds == 160
        assert await touch_or_expire(store, kiosk, start + timedelta(minutes=2, seconds=59)) is not None
        # That touch started the 3 minutes again.
        info = await touch_or_expire(store, kiosk, start + timedelta(minutes=5, seconds=58), touch=False)
        assert info is not None and info.expires_in_seconds == 1
        assert await touch_or_expire(store, kiosk, start + timedelta(minutes=5, seconds=59)) is None
        assert await touch_or_expire(store, kiosk, start + timedelta(minutes=3)) is None  # gone for good
        # Everyone else keeps their 30 minutes.
        assert await touch_or_expire(store, ordinary, start + timedelta(minutes=29)) is not None

    run(app, check)


def test_i_need_more_time_keeps_the_session_and_goes_back(app):
    store = app.app.state.sessions
    patient = make_person(app)
    before = datetime.now(UTC) - timedelta(minutes=2, seconds=30)
    token = _kiosk_session(app, patient, now=before)
    # "Are you still there?" does not keep the session alive by being shown.
    still = app.get("/kiosk/still-there?next=%2Fspace%2Fdocuments")
    assert still.status_code == 200
    shown = page(still)
    assert shown.form_values('main form[action="/kiosk/more-time"]')["next"] == "/space/documents"
    seconds, to = shown.one('noscript > meta[http-equiv="refresh"]')["content"].split(";url=")
    assert seconds.isdigit() and to == "/kiosk/timeout"
    assert run(app, lambda: store.load(hash_token(token))).last_seen_at == before

    response = app.post(
        "/kiosk/more-time",
        data={"_csrf_token": csrf(app), "next": "/space/documents"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/space/documents"
    assert run(app, lambda: store.load(hash_token(token))).last_seen_at > before + timedelta(minutes=2)
    elsewhere = app.post(
        "/kiosk/more-time",
        data={"_csrf_token": csrf(app), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/"
    # With JavaScript (htmx), in place: the time left comes back in a header.
    quiet = app.post("/kiosk/more-time", headers={"HX-Request": "true", "x-csrftoken": csrf(app)})
    assert quiet.status_code == 204
    assert 175 <= int(quiet.headers["x-session-expires-in"]) <= 180


def test_the_time_out_ends_the_session_and_keeps_the_kiosk(app):
    terminal = _enrolled(app)
    patient = make_person(app)
    token = _kiosk_session(app, patient)
    kiosk_token = _kiosk_cookie(app)
    response = app.get("/kiosk/timeout", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/kiosk?ended=1"
    assert response.headers["clear-site-data"] == '"cache", "storage"'
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("session=") and "Max-Age=0" in c for c in cookies)
    assert any(c.startswith("text=") and "Max-Age=0" in c for c in cookies)
    assert not [c for c in cookies if c.startswith("kiosk=")]
    assert _kiosk_cookie(app) == kiosk_token
    assert run(app, lambda: Session.count().where(Session.token_hash == hash_token(token))) == 0
    assert audit_events(app, *EVENT, subject=patient)[-1] == (
        "account",
        "session.kiosk.timeout",
        "allowed",
        f"kiosk:{terminal.terminal_id}",
    )
    welcome = app.get("/kiosk?ended=1")
    assert welcome.status_code == 200
    assert not page(welcome).has('form[action="/sign-out"]') and page(welcome).has('a[href="/sign-in"]')
    assert app.get("/space", follow_redirects=False).headers["location"].startswith("/sign-in")
    # Gone already: the time-out only shows the welcome screen again.
    assert app.get("/kiosk/timeout", follow_redirects=False).headers["location"] == "/kiosk?ended=1"


def test_the_time_out_address_does_not_sign_out_someone_at_home(app):
    patient = make_person(app)
    sign_in_as(app, patient)
    response = app.get("/kiosk/timeout", follow_redirects=False)
    assert response.headers["location"] == "/space"
    assert "clear-site-data" not in response.headers
    assert app.get("/space").status_code == 200


def test_signing_out_of_a_terminal_clears_everything_but_the_terminal(app):
    terminal = _enrolled(app)
    patient = make_person(app)
    token = _kiosk_session(app, patient)
    kiosk_token = _kiosk_cookie(app)
    response = app.post("/sign-out", data={"_csrf_token": csrf(app)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/kiosk"
    # "cookies" would delete the terminal's own cookie: the session's is expired instead.
    assert response.headers["clear-site-data"] == '"cache", "storage"'
    cookies = response.headers.get_list("set-cookie")
    assert [c for c in cookies if c.startswith("session=")]
    assert all("Max-Age=0" in c for c in cookies if not c.startswith("csrftoken="))
    assert [c for c in cookies if c.startswith("csrftoken=") and "Max-Age" not in c]  # a new token
    assert not [c for c in cookies if c.startswith("kiosk=")]
    assert _kiosk_cookie(app) == kiosk_token
    assert run(app, lambda: Session.count().where(Session.token_hash == hash_token(token))) == 0
    assert page(app.get("/sign-in")).has(KIOSK_NOTICE)  # still a kiosk
    assert audit_events(app, *EVENT, subject=patient)[-2:] == [
        ("account", "sign_out", "allowed", None),
        ("account", "session.kiosk.sign_out", "allowed", f"kiosk:{terminal.terminal_id}"),
    ]
    htmx = _kiosk_session(app, patient)
    assert htmx
    quiet = app.post(
        "/sign-out", headers={"HX-Request": "true", "x-csrftoken": csrf(app)}, follow_redirects=False
    )
    assert (
        quiet.headers["hx-redirect"] == "/kiosk" and quiet.headers["clear-site-data"] == '"cache", "storage"'
    )


def test_the_patient_sees_kiosk_sessions_in_their_activity(app):
    _enrolled(app)
    patient = make_person(app, password=PASSWORD)
    _sign_in_through_the_pages(app, patient)
    app.get("/kiosk/timeout")
    sign_in_as(app, patient)
    activity = page(app.get("/space/activity")).text("main")
    assert "You signed in on a shared computer." in activity
    assert "You were signed out of the shared computer after some time without activity." in activity


# --------------------------------------------------------------------------- no downloads


def test_a_kiosk_refuses_downloads_and_offers_print_or_phone(app):
    _enrolled(app)
    patient = make_person(app)
    document = _document(app, patient)
    _kiosk_session(app, patient)
    response = app.get(f"/space/documents/{document}/file?download=1")
    assert response.status_code == 403
    assert "attachment" not in response.headers.get("content-disposition", "")
    assert response.headers["content-type"].startswith("text/html")
    refusal = page(response)
    assert refusal.links("main")["Print the document"] == f"/space/documents/{document}/print"
    assert refusal.form_values('form[action="/kiosk/phone"]')["document"] == str(document)
    # Shown in its page (and printed from there), the file is not saved: no-store.
    inline = app.get(f"/space/documents/{document}/file")
    assert inline.status_code == 200 and inline.headers["content-disposition"].startswith("inline")
    assert inline.headers["cache-control"] == "no-store"


def test_an_ordinary_computer_downloads(app):
    patient = make_person(app)
    document = _document(app, patient)
    sign_in_as(app, patient)
    response = app.get(f"/space/documents/{document}/file?download=1")
    assert response.status_code == 200 and response.headers["content-disposition"].startswith("attachment")


# --------------------------------------------------------------------------- the link to the phone


def _send_to_phone(kiosk: Any, document: UUID) -> UUID:
    response = kiosk.post(
        "/kiosk/phone", data={"_csrf_token": csrf(kiosk), "document": str(document)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/kiosk/phone/([0-9a-f-]{36})", response.headers["location"])
    assert found
    return UUID(found.group(1))


def _token(link_id: UUID) -> str:
    return services.link_token(TEST_MASTER_KEY, link_id)


def _open_on_phone(phone: Any, token: str) -> Any:
    first = phone.get(f"/k/{token}", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/k"
    cookie = next(c for c in first.headers.get_list("set-cookie") if c.startswith("kiosk_link="))
    assert "Path=/k" in cookie and "HttpOnly" in cookie and "Max-Age=600" in cookie
    return phone.get("/k", follow_redirects=False)


def test_a_link_sends_the_document_to_the_phone_once(app):
    _enrolled(app)
    patient = make_person(app)
    document = _document(app, patient)
    _kiosk_session(app, patient)
    link_id = _send_to_phone(app, document)
    token = _token(link_id)
    row = run(app, lambda: KioskLink.select().where(KioskLink.id == link_id).first())
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["patient"] == patient and row["document"] == document and row["used_at"] is None
    expires = row["expires_at"] if row["expires_at"].tzinfo else row["expires_at"].replace(tzinfo=UTC)
    assert timedelta(minutes=9) < expires - datetime.now(UTC) <= timedelta(minutes=10)
    shown = app.get(f"/kiosk/phone/{link_id}")
    assert shown.status_code == 200
    qr = page(shown).one(".kiosk-qr svg.qr-code")
    assert qr["role"] == "img" and qr["aria-label"]
    assert token not in shown.text
    expiry = page(shown).text(".kiosk-expiry")
    assert "(in 10 minutes)" in expiry or "(in 9 minutes)" in expiry

    kiosk = _another_browser(app)
    phone = app
    # Not signed in on the phone: the usual sign-in, then back to /k (the token is not in it).
    answer = _open_on_phone(phone, token)
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?next=%2Fk"
    sign_in_as(phone, patient)
    download = phone.get("/k", follow_redirects=False)
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.content == PDF
    assert run(app, lambda: KioskLink.select().where(KioskLink.id == link_id).first())["used_at"] is not None
    events = audit_events(app, *EVENT, subject=patient)
    assert ("documents", "document.send_to_phone", "allowed", f"document:{document}") in events
    assert events[-1] == ("documents", "document.download", "allowed", f"document:{document}")
    phone_cookies = _another_browser(app)
    # The kiosk's page now says the phone has it.
    _back_to(app, kiosk)
    assert not page(app.get(f"/kiosk/phone/{link_id}")).has(".qr-code")
    # ... also when htmx asks for that part of the page (every few seconds, in place).
    part = app.get(f"/kiosk/phone/{link_id}", headers={"HX-Request": "true", "x-portal-refresh": "1"})
    assert part.status_code == 200 and "<html" not in part.text
    link_state = page(part).one("#phone-link")
    assert link_state.select_one(".banner-success") and not page(part).has("[hx-get]")

    # Used twice: refused, audited, nothing sent.
    _back_to(app, phone_cookies)
    again = _open_on_phone(phone, token)
    assert again.status_code == 410 and again.headers["content-type"].startswith("text/html")
    assert token not in again.text
    assert audit_events(app, *EVENT, subject=patient)[-1] == (
        "documents",
        "document.phone_link",
        "denied",
        f"document:{document}",
    )


def test_a_link_expires_after_10_minutes(app):
    patient = make_person(app)
    document = _document(app, patient)

    async def old_link() -> UUID:
        async with app.app.state.engine.transaction():
            return await services.create_link(
                TEST_MASTER_KEY,
                patient,
                document,
                None,
                now=datetime.now(UTC) - timedelta(minutes=10, seconds=1),
            )

    link_id = run(app, old_link)
    phone = app
    sign_in_as(phone, patient)
    answer = _open_on_phone(phone, _token(link_id))
    assert answer.status_code == 410
    assert run(app, lambda: KioskLink.select().where(KioskLink.id == link_id).first())["used_at"] is None
    assert audit_events(app, *EVENT, subject=patient)[-1] == (
        "documents",
        "document.phone_link",
        "denied",
        f"document:{document}",
    )
    # The kiosk's page of the link offers a new one.
    offer = app.get(f"/kiosk/phone/{link_id}")
    assert offer.status_code == 200 and not page(offer).has(".qr-code")
    assert page(offer).form_values('#phone-link form[action="/kiosk/phone"]')["document"] == str(document)


def test_a_link_opens_for_nobody_else(app):
    _enrolled(app)
    patient = make_person(app)
    document = _document(app, patient)
    _kiosk_session(app, patient)
    link_id = _send_to_phone(app, document)
    someone = make_person(app, given_names="Paul")
    kiosk = _another_browser(app)
    phone = app
    sign_in_as(phone, someone)
    answer = _open_on_phone(phone, _token(link_id))
    assert answer.status_code == 404 and "%PDF" not in answer.text
    assert run(app, lambda: KioskLink.select().where(KioskLink.id == link_id).first())["used_at"] is None
    refused = audit_events(app, subject=patient)[-1]
    assert (refused["actor"], refused["action"], refused["outcome"]) == (
        key_owner(someone),
        "document.phone_link",
        "denied",
    )
    # A made-up token, or none: nothing.
    assert _open_on_phone(phone, secrets.token_urlsafe(32)).status_code == 404
    _another_browser(app)
    assert app.get("/k").status_code == 404
    # Another person's kiosk page of the link is not there for them either.
    _back_to(app, kiosk)
    _kiosk_session(app, someone)
    assert app.get(f"/kiosk/phone/{link_id}").status_code == 404


def test_a_kiosk_does_not_open_its_own_link(app):
    _enrolled(app)
    patient = make_person(app)
    document = _document(app, patient)
    _kiosk_session(app, patient)
    link_id = _send_to_phone(app, document)
    assert _open_on_phone(app, _token(link_id)).status_code == 403
    assert run(app, lambda: KioskLink.select().where(KioskLink.id == link_id).first())["used_at"] is None


def test_only_a_kiosk_sends_to_a_phone_and_only_ones_own_documents(app):
    patient = make_person(app)
    document = _document(app, patient)
    sign_in_as(app, patient)
    response = app.post("/kiosk/phone", data={"_csrf_token": csrf(app), "document": str(document)})
    assert response.status_code == 404  # at home, a download does it
    _enrolled(app)
    other = make_person(app, given_names="Paul")
    _kiosk_session(app, other)
    response = app.post("/kiosk/phone", data={"_csrf_token": csrf(app), "document": str(document)})
    assert response.status_code == 404
    assert run(app, lambda: KioskLink.count().where(KioskLink.document == document)) == 0


def _redis_reachable() -> bool:
    import asyncio

    async def ping() -> bool:
        from redis.asyncio import Redis

        redis = Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=1)
        try:
            return bool(await redis.ping())
        except Exception:
            return False
        finally:
            await redis.aclose()

    return asyncio.run(ping())


@pytest.mark.skipif(not _redis_reachable(), reason="Redis not reachable at 127.0.0.1:6379")
async def test_redis_keeps_a_kiosk_session_only_as_long_as_its_short_time_out():
    from uuid import uuid4

    from portal.core.session_stores import RedisSessionStore

    store = RedisSessionStore(
        "redis://127.0.0.1:6379/0",
        timedelta(minutes=30),
        timedelta(hours=12),
        prefix=f"test:{secrets.token_hex(6)}:",
        kiosk_idle=timedelta(minutes=3),
    )
    try:
        start = datetime.now(UTC)
        kiosk = await start_session(store, uuid4(), "patient", kiosk=True, now=start)
        ordinary = await start_session(store, uuid4(), "patient", now=start)
        assert 0 < await store.redis.ttl(store.prefix + hash_token(kiosk)) <= 180
        assert await store.redis.ttl(store.prefix + hash_token(ordinary)) > 25 * 60
        assert await touch_or_expire(store, kiosk, start + timedelta(minutes=3)) is None
        assert await touch_or_expire(store, ordinary, start + timedelta(minutes=3)) is not None
    finally:
        keys = [key async for key in store.redis.scan_iter(match=f"{store.prefix}*")]
        if keys:
            await store.redis.delete(*keys)
        await store.close()
