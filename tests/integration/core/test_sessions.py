"""Sessions: only a hash of the token is stored, the signed-in person on every request,
guards, idle and absolute time-outs, "stay signed in", and sign-out."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from litestar import Request, get

from portal.accounts.services import PersonIdentity, create_account
from portal.core.access import Role
from portal.core.keys import Keyring
from portal.core.session_stores import RedisSessionStore
from portal.core.sessions import (
    SignedIn,
    cookie_name,
    end_session,
    hash_token,
    requires_role,
    requires_signed_in,
    start_session,
    touch_or_expire,
)
from portal.core.tables import Session
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.trail import audit_events

REDIS_URL = "redis://127.0.0.1:6379/0"


@get("/test-whoami", guards=[requires_signed_in], media_type="text/plain")
async def whoami(request: Request[Any, Any, Any]) -> str:
    user = request.scope["user"]  # type: ignore[typeddict-item]
    assert isinstance(user, SignedIn)
    return f"{user.account_id} {user.role.value} {user.actor.role.value}"


@get("/test-pro-only", guards=[requires_role(Role.PROFESSIONAL)], media_type="text/plain")
async def pro_only() -> str:
    return "pro"


def _run(client: Any, fn: Any) -> Any:
    """Run ``fn()`` in the app's event loop, with the app's engine (and its pool)."""
    return client.blocking_portal.call(fn)


def _sign_in(client: Any, role: Role = Role.PATIENT, now: datetime | None = None) -> tuple[UUID, str]:
    engine = client.app.state.engine
    store = client.app.state.sessions

    async def go() -> tuple[UUID, str]:
        async with engine.transaction():
            account_id = await create_account(
                Keyring(TEST_MASTER_KEY),
                role,
                PersonIdentity(
                    family_name="Dupont",
                    given_names="Jeanne",
                    email=f"jeanne.{secrets.token_hex(4)}@example.org",
                ),
            )
        return account_id, await start_session(store, account_id, role, now=now)

    account_id, token = _run(client, go)
    _set_cookie(client, cookie_name(client.app.state.settings), token)
    return account_id, token


def _set_cookie(client: Any, name: str, value: str) -> None:
    """Set a cookie as the server would have (for this host), so the server can delete it."""
    client.cookies.set(name, value, domain=client.base_url.host)


@pytest.fixture
def app_client(client):
    client.app.register(whoami)
    client.app.register(pro_only)
    return client


def test_only_the_hash_of_the_token_is_stored(app_client):
    account_id, token = _sign_in(app_client)
    rows = _run(app_client, lambda: Session.select().where(Session.account == account_id))
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hash_token(token) != token
    assert token not in str(rows)


def test_a_signed_in_request_knows_who_it_is(app_client):
    account_id, _ = _sign_in(app_client)
    response = app_client.get("/test-whoami")
    assert response.status_code == 200
    assert response.text == f"{account_id} patient patient"


def test_a_forged_cookie_is_anonymous_and_cleared(app_client):
    _set_cookie(app_client, "session", secrets.token_urlsafe(32))
    response = app_client.get("/test-whoami", follow_redirects=False)
    assert response.status_code == 303
    assert "session=" in response.headers["set-cookie"] and "Max-Age=0" in response.headers["set-cookie"]
    assert 'action="/sign-out"' not in app_client.get("/").text


def test_a_guarded_page_without_a_session_goes_to_sign_in_and_back(app_client):
    response = app_client.get("/test-whoami?a=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2Ftest-whoami%3Fa%3D1"


def test_htmx_without_a_session_gets_401_and_hx_redirect(app_client):
    response = app_client.get(
        "/test-whoami",
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver.local/help?page=2"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert response.headers["hx-redirect"] == "/sign-in?next=%2Fhelp%3Fpage%3D2"


def test_a_role_guard_hides_the_page_from_other_roles(app_client):
    _sign_in(app_client, Role.PATIENT)
    assert app_client.get("/test-pro-only").status_code == 404
    _sign_in(app_client, Role.PROFESSIONAL)
    assert app_client.get("/test-pro-only").text == "pro"


def test_idle_sessions_expire(app_client):
    store = app_client.app.state.sessions
    start = datetime.now(UTC)
    _, token = _sign_in(app_client, now=start)

    async def check() -> None:
        assert await touch_or_expire(store, token, start + timedelta(minutes=29)) is not None
        # The touch at 29 minutes starts the idle time again.
        info = await touch_or_expire(store, token, start + timedelta(minutes=58))
        assert info is not None and info.expires_in_seconds == 60 * 30
        assert await touch_or_expire(store, token, start + timedelta(minutes=88)) is None
        # Expired means gone, even if asked about at an earlier time again.
        assert await touch_or_expire(store, token, start + timedelta(minutes=59)) is None

    _run(app_client, check)
    assert app_client.get("/test-whoami", follow_redirects=False).status_code == 303


def test_last_seen_is_written_at_most_once_a_minute(app_client):
    store = app_client.app.state.sessions
    start = datetime.now(UTC)
    _, token = _sign_in(app_client, now=start)

    async def check() -> None:
        info = await touch_or_expire(store, token, start + timedelta(seconds=30))
        assert info is not None and info.last_seen_at == start
        assert info.expires_in_seconds == 30 * 60 - 30
        record = await store.load(hash_token(token))
        assert record.last_seen_at == start
        await touch_or_expire(store, token, start + timedelta(minutes=2))
        record = await store.load(hash_token(token))
        assert record.last_seen_at == start + timedelta(minutes=2)

    _run(app_client, check)


def test_a_page_refreshing_itself_does_not_keep_the_session_alive(app_client):
    """htmx refreshes (the unread count, an open conversation) say so with x-portal-refresh:
    they are answered, but only what the person does moves the idle time-out."""
    store = app_client.app.state.sessions
    start = datetime.now(UTC) - timedelta(minutes=10)
    _, token = _sign_in(app_client, now=start)
    refresh = {"HX-Request": "true", "x-portal-refresh": "1"}
    assert app_client.get("/test-whoami", headers=refresh).status_code == 200
    record = _run(app_client, lambda: store.load(hash_token(token)))
    assert record.last_seen_at == start
    assert app_client.get("/test-whoami").status_code == 200
    record = _run(app_client, lambda: store.load(hash_token(token)))
    assert record.last_seen_at > start + timedelta(minutes=9)


def test_sessions_end_after_the_absolute_limit_however_active(app_client):
    store = app_client.app.state.sessions
    start = datetime.now(UTC)
    _, token = _sign_in(app_client, now=start)

    async def check() -> None:
        moment = start
        while moment < start + timedelta(hours=11, minutes=40):
            moment += timedelta(minutes=20)
            assert await touch_or_expire(store, token, moment) is not None
        info = await touch_or_expire(store, token, start + timedelta(hours=11, minutes=50))
        # The absolute limit comes before the idle one: the warning counts to it.
        assert info is not None and info.expires_in_seconds == 10 * 60
        assert await touch_or_expire(store, token, start + timedelta(hours=12)) is None

    _run(app_client, check)


def test_sign_out_ends_the_session_and_clears_the_browser(app_client):
    account_id, token = _sign_in(app_client)
    response = app_client.post("/sign-out", data={"_csrf_token": csrf(app_client)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert response.headers["clear-site-data"] == '"cache", "cookies", "storage"'
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("session=") and "Max-Age=0" in cookie and "HttpOnly" in cookie
    assert "session" not in app_client.cookies
    assert _run(app_client, lambda: Session.count().where(Session.token_hash == hash_token(token))) == 0
    events = audit_events(app_client, "area", "action", "outcome", actor=f"account:{account_id}")
    assert events == [("account", "sign_out", "allowed")]

    _set_cookie(app_client, "session", token)
    assert app_client.get("/test-whoami", follow_redirects=False).status_code == 303


def test_sign_out_with_htmx_redirects_the_whole_page(app_client):
    _sign_in(app_client)
    response = app_client.post(
        "/sign-out",
        headers={"HX-Request": "true", "x-csrftoken": csrf(app_client)},
        follow_redirects=False,
    )
    assert response.status_code == 200
    assert response.headers["hx-redirect"] == "/"
    assert response.headers["clear-site-data"]
    assert app_client.get("/test-whoami", follow_redirects=False).status_code == 303


def test_sign_out_needs_a_session(app_client):
    response = app_client.post("/sign-out", data={"_csrf_token": csrf(app_client)}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=%2F"


def test_stay_signed_in_keeps_the_session_and_goes_back(app_client):
    store = app_client.app.state.sessions
    before = datetime.now(UTC) - timedelta(minutes=20)
    _, token = _sign_in(app_client, now=before)
    response = app_client.post(
        "/session/extend",
        data={"_csrf_token": csrf(app_client), "next": "/help?page=2"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/help?page=2"
    record = _run(app_client, lambda: store.load(hash_token(token)))
    assert record.last_seen_at > before + timedelta(minutes=10)

    elsewhere = app_client.post(
        "/session/extend",
        data={"_csrf_token": csrf(app_client), "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/"
    quiet = app_client.post(
        "/session/extend", headers={"HX-Request": "true", "x-csrftoken": csrf(app_client)}
    )
    assert quiet.status_code == 204


def test_a_signed_in_page_has_the_sign_out_button_and_the_time_out_warning(app_client):
    assert 'action="/sign-out"' not in app_client.get("/help").text
    _sign_in(app_client)
    shown = page(app_client.get("/help"))  # the page check runs on it
    assert shown.has('form[action="/sign-out"]')
    warning = shown.one("[data-session-expires-in]")
    assert warning.has_attr("hidden")
    expires_in = int(warning["data-session-expires-in"])
    assert 25 * 60 < expires_in <= 30 * 60
    assert shown.form_values('[data-session-expires-in] form[action="/session/extend"]')["next"] == "/help"
    assert shown.text('[data-session-expires-in] form[action="/session/extend"] button') == "Rester connecté"


def test_over_https_the_cookie_is_host_only_and_secure(make_client):
    client = make_client(base_url="https://testserver.local")
    client.app.register(whoami)
    account_id, token = _sign_in(client)
    assert "__Host-session" in client.cookies
    assert client.get("/test-whoami").text.startswith(str(account_id))
    response = client.post("/sign-out", data={"_csrf_token": csrf(client)}, follow_redirects=False)
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-session=") and "Secure" in cookie and "Path=/" in cookie
    # The plain name means nothing over https.
    _set_cookie(client, "session", token)
    assert client.get("/test-whoami", follow_redirects=False).status_code == 303


# Redis ---------------------------------------------------------------------------------


def _redis_reachable() -> bool:
    async def ping() -> bool:
        from redis.asyncio import Redis

        redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        try:
            return bool(await redis.ping())
        except (OSError, ConnectionError, TimeoutError, Exception):
            return False
        finally:
            await redis.aclose()

    return asyncio.run(ping())


requires_redis = pytest.mark.skipif(not _redis_reachable(), reason="Redis not reachable at 127.0.0.1:6379")


@pytest.fixture
async def redis_store():
    store = RedisSessionStore(
        REDIS_URL, timedelta(minutes=30), timedelta(hours=12), prefix=f"test:{secrets.token_hex(6)}:"
    )
    yield store
    keys = [key async for key in store.redis.scan_iter(match=f"{store.prefix}*")]
    if keys:
        await store.redis.delete(*keys)
    await store.close()


@requires_redis
async def test_redis_keeps_only_the_hash_with_a_time_to_live(redis_store):
    account_id = uuid4()
    token = await start_session(redis_store, account_id, "patient")
    keys = {key.decode() async for key in redis_store.redis.scan_iter(match=f"{redis_store.prefix}*")}
    session_key = redis_store.prefix + hash_token(token)
    account_key = f"{redis_store.prefix}account:{account_id}"
    assert keys == {session_key, account_key}
    raw = (await redis_store.redis.get(session_key)).decode()
    assert token not in raw and str(account_id) in raw
    assert 0 < await redis_store.redis.ttl(session_key) <= 30 * 60
    assert await redis_store.redis.smembers(account_key) == {hash_token(token).encode()}
    assert 0 < await redis_store.redis.ttl(account_key) <= 12 * 3600
    info = await touch_or_expire(redis_store, token, datetime.now(UTC))
    assert info is not None and info.account_id == account_id and info.role == "patient"
    assert await touch_or_expire(redis_store, secrets.token_urlsafe(32), datetime.now(UTC)) is None
    await end_session(redis_store, token)
    assert await touch_or_expire(redis_store, token, datetime.now(UTC)) is None


@requires_redis
async def test_redis_sessions_expire_when_idle_or_too_old(redis_store):
    start = datetime.now(UTC)
    idle = await start_session(redis_store, uuid4(), "patient", now=start)
    assert await touch_or_expire(redis_store, idle, start + timedelta(minutes=31)) is None
    assert await redis_store.redis.get(redis_store.prefix + hash_token(idle)) is None

    old = await start_session(redis_store, uuid4(), "patient", now=start)
    moment = start
    while moment < start + timedelta(hours=11, minutes=40):
        moment += timedelta(minutes=20)
        info = await touch_or_expire(redis_store, old, moment)
        assert info is not None and info.last_seen_at == moment
    assert await touch_or_expire(redis_store, old, start + timedelta(hours=12)) is None


async def _all_sessions_of_an_account_end_at_once(store: Any) -> None:
    mine, other = uuid4(), uuid4()
    tokens = [await start_session(store, mine, "patient") for _ in range(3)]
    kept = await start_session(store, other, "patient")
    await store.delete_all_of(mine)
    now = datetime.now(UTC)
    for token in tokens:
        assert await touch_or_expire(store, token, now) is None
    assert await touch_or_expire(store, kept, now) is not None


@requires_redis
async def test_redis_ends_all_the_sessions_of_an_account(redis_store):
    await _all_sessions_of_an_account_end_at_once(redis_store)


def test_the_database_ends_all_the_sessions_of_an_account(client):
    _run(client, lambda: _all_sessions_of_an_account_end_at_once(client.app.state.sessions))


@requires_redis
async def test_a_touch_does_not_bring_back_an_ended_session(redis_store):
    start = datetime.now(UTC)
    token = await start_session(redis_store, uuid4(), "patient", now=start)
    record = await redis_store.load(hash_token(token))
    await end_session(redis_store, token)
    await redis_store.touch(hash_token(token), record, start + timedelta(minutes=5))
    assert await redis_store.load(hash_token(token)) is None


@requires_redis
def test_the_portal_keeps_sessions_in_redis_when_asked(make_client):
    client = make_client(redis_url=REDIS_URL)
    client.app.register(whoami)
    account_id, token = _sign_in(client)
    try:
        assert client.get("/test-whoami").text.startswith(str(account_id))
        assert _run(client, lambda: Session.count().where(Session.account == account_id)) == 0
        client.post("/sign-out", data={"_csrf_token": csrf(client)})
        _set_cookie(client, "session", token)
        assert client.get("/test-whoami", follow_redirects=False).status_code == 303
    finally:
        _run(client, lambda: client.app.state.sessions.delete(hash_token(token)))


def test_a_session_touch_that_loses_the_sqlite_write_race_does_not_fail_the_page(
    app_client, settings, monkeypatch
):
    """Two requests of one browser at once, a minute after the last: the GET that reads its
    session and then finds another writer committed meanwhile cannot move the time; the page
    must still answer (it answered 500 "database is locked")."""
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    import sqlite3

    from portal.core.session_stores import DatabaseSessionStore

    account_id, _token = _sign_in(app_client, now=datetime.now(UTC) - timedelta(minutes=5))
    real_load = DatabaseSessionStore.load

    async def load_then_someone_writes(self, token_hash):
        record = await real_load(self, token_hash)
        with sqlite3.connect(settings.sqlite_path) as other:
            other.execute("UPDATE session SET kiosk = NOT kiosk WHERE token_hash = ?", (token_hash,))
            other.execute("UPDATE session SET kiosk = NOT kiosk WHERE token_hash = ?", (token_hash,))
        return record

    monkeypatch.setattr(DatabaseSessionStore, "load", load_then_someone_writes)
    response = app_client.get("/test-whoami")
    assert response.status_code == 200 and response.text.startswith(str(account_id))
