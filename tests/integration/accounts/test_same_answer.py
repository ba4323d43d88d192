"""Whether an identifier has a space or not, the portal answers the same, after the same
work, with a pending cookie of the same shape (issue 14).

"The same work" is counted, never timed: the argon2 verifications (calls of
``portal.accounts.passwords._verify``, through a spy that calls the real function) and
the SQL statements the engine runs (``run_querystring`` wrapped by a counter), writes
(INSERT, UPDATE, DELETE) and reads apart. Only the statements run before the answer
starts count: a hook appended to the app's ``before_send`` notes the moment the
``http.response.start`` message leaves (after the request's transaction committed), and
what runs afterwards (a background task: the reset code made and sent) is counted apart.
The test client waits for that background task before it returns, so the counts are
the same at every run.
"""

from __future__ import annotations

import base64
import html
import re
import secrets
import string
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import pytest

from portal.accounts import passwords
from portal.accounts.identity import nir_key
from portal.accounts.sign_in_services import PENDING_COOKIE
from portal.core.keys import Keyring
from portal.core.notify import read_outbox
from portal.core.tables import AttemptCounter
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.personas import new_email, new_person

PASSWORD = "correct horse battery"
WRONG_PASSWORD = "not my password at all"
NOT_RIGHT = "The identifier or the password is not right."
BASE64URL = frozenset(string.ascii_letters + string.digits + "-_")
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def app(make_client: Any, request: pytest.FixtureRequest) -> Any:
    base_url = getattr(request, "param", "http://testserver.local")
    return make_client(
        master_key=base64.b64encode(TEST_MASTER_KEY).decode(), default_locale="en", base_url=base_url
    )


def _run(client: Any, fn: Any) -> Any:
    return client.blocking_portal.call(fn)


def _new_nir() -> str:
    """A well-formed social security number nobody has yet (its key matches)."""
    first = f"1{secrets.randbelow(100):02d}{secrets.randbelow(12) + 1:02d}75{secrets.randbelow(10**6):06d}"
    return first + nir_key(first)


def _new_email() -> str:
    return new_email()


def _make_account(client: Any) -> tuple[UUID, str, str]:
    """An active account with a password: its id, its email address and its NIR."""
    email, nir = _new_email(), _new_nir()

    async def go() -> UUID:
        async with client.app.state.engine.transaction():
            return await new_person(
                Keyring(TEST_MASTER_KEY),
                given_names="Marie",
                family_name="Martin",
                email=email,
                nir=nir,
                password=PASSWORD,
            )

    return _run(client, go), email, nir


def _forget_tries(client: Any) -> None:
    """Every counter starts afresh: the requests compared start from the same state."""
    _run(client, lambda: AttemptCounter.delete(force=True).run())


def _post(client: Any, path: str, **data: str) -> Any:
    return client.post(path, data={"_csrf_token": csrf(client), **data}, follow_redirects=False)


# --------------------------------------------------------------------------- instruments


@dataclass
class Work:
    """What one request made the portal do."""

    verifications: int = 0
    before: list[str] = field(default_factory=list)  # SQL sent before the answer started
    after: list[str] = field(default_factory=list)  # SQL sent after it (background tasks)
    answered: bool = False

    @property
    def writes(self) -> list[str]:
        return [sql for sql in self.before if sql.split(None, 1)[0].upper() in WRITES]

    @property
    def reads(self) -> list[str]:
        return [sql for sql in self.before if sql.split(None, 1)[0].upper() not in WRITES]

    def counts(self) -> dict[str, int]:
        return {"argon2": self.verifications, "writes": len(self.writes), "reads": len(self.reads)}


def _short(statements: list[str]) -> list[str]:
    return [" ".join(sql.split())[:70] for sql in statements]


@pytest.fixture
def watch(app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``with watch() as work:`` counts what the requests inside the block make the portal do."""
    current: list[Work] = []
    engine = app.app.state.engine
    real_run = engine.run_querystring
    real_verify = passwords._verify

    async def counting_run(querystring: Any, *args: Any, **kwargs: Any) -> Any:
        if current:
            sql, _values = querystring.compile_string(engine_type=engine.engine_type)
            work = current[-1]
            (work.after if work.answered else work.before).append(sql)
        return await real_run(querystring, *args, **kwargs)

    def counting_verify(stored_hash: str, password: str) -> tuple[bool, str | None]:
        if current:
            current[-1].verifications += 1
        return real_verify(stored_hash, password)

    async def answer_starts(message: Any, scope: Any) -> None:
        if current and message["type"] == "http.response.start":
            current[-1].answered = True

    monkeypatch.setattr(engine, "run_querystring", counting_run)
    monkeypatch.setattr(passwords, "_verify", counting_verify)
    monkeypatch.setattr(app.app, "before_send", [*app.app.before_send, answer_starts])

    @contextmanager
    def watching() -> Iterator[Work]:
        work = Work()
        current.append(work)
        try:
            yield work
        finally:
            current.remove(work)

    return watching


def _same_work(known: Work, unknown: Work) -> None:
    assert known.counts() == unknown.counts(), (
        f"known: {known.counts()} {_short(known.before)}\nunknown: {unknown.counts()} {_short(unknown.before)}"
    )


def _page(response: Any, typed: str) -> str:
    """The page without what differs by design: the form token, nonces, the identifier typed."""
    text = response.text
    text = re.sub(r'(name="_csrf_token"[^>]*value=")[^"]*"', r'\1CSRF"', text)
    text = re.sub(r'("x-csrftoken": ")[^"]*"', r'\1CSRF"', text)
    text = re.sub(r'nonce="[^"]*"', 'nonce="NONCE"', text)
    return text.replace(html.escape(typed, quote=True), "IDENTIFIER") if typed else text


def _cookie_names(response: Any) -> list[str]:
    return sorted(header.split("=", 1)[0] for header in response.headers.get_list("set-cookie"))


@dataclass(frozen=True)
class SetCookie:
    name: str
    value: str
    attributes: dict[str, str]  # lower-cased names; a flag's value is ""


def _pending_cookie(response: Any) -> SetCookie:
    found = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{PENDING_COOKIE}=")]
    assert len(found) == 1, response.headers.get_list("set-cookie")
    first, *rest = (part.strip() for part in found[0].split(";"))
    name, value = first.split("=", 1)
    attributes = {}
    for part in rest:
        key, _eq, val = part.partition("=")
        attributes[key.lower()] = val
    return SetCookie(name, value.strip('"'), attributes)


def _same_shape(one: SetCookie, other: SetCookie) -> None:
    assert one.name == other.name == PENDING_COOKIE
    assert len(one.value) == len(other.value)
    # An opaque random handle: URL-safe base64 only, at least 32 random bytes' worth.
    assert set(one.value) <= BASE64URL and set(other.value) <= BASE64URL, (one.value, other.value)
    assert len(one.value) >= 43
    assert one.attributes.keys() == other.attributes.keys()
    assert one.attributes.get("path") == other.attributes.get("path") == "/sign-in"
    assert abs(int(one.attributes["max-age"]) - int(other.attributes["max-age"])) <= 1
    assert "httponly" in one.attributes and "httponly" in other.attributes
    assert one.attributes["samesite"].lower() == other.attributes["samesite"].lower() == "strict"
    assert ("secure" in one.attributes) == ("secure" in other.attributes)


# --------------------------------------------------------------------------- a wrong password


def _wrong_passwords(app: Any, watch: Any) -> list[tuple[str, Any, Work, str, Any, Work]]:
    """For an email address and a NIR: a known one with a wrong password, and an unknown one."""
    _, email, nir = _make_account(app)
    pairs = []
    for known, unknown in ((email, _new_email()), (nir, _new_nir())):
        seen = []
        for typed in (known, unknown):
            csrf(app)  # the form token, fetched before the request that is watched
            _forget_tries(app)
            with watch() as work:
                response = _post(app, "/sign-in", identifier=typed, password=WRONG_PASSWORD, next="/")
            seen.append((typed, response, work))
        pairs.append((*seen[0], *seen[1]))
    return pairs


def test_a_wrong_password_and_an_unknown_identifier_get_the_same_page_after_one_verify(app, watch):
    for known, known_response, known_work, unknown, unknown_response, unknown_work in _wrong_passwords(
        app, watch
    ):
        assert known_response.status_code == unknown_response.status_code == 400
        assert page(known_response).field_error("identifier") == NOT_RIGHT
        assert _page(known_response, known) == _page(unknown_response, unknown)
        assert _cookie_names(known_response) == _cookie_names(unknown_response)
        assert PENDING_COOKIE not in _cookie_names(known_response)
        # A real argon2 verify each time: against the stored hash, or against a dummy one.
        assert known_work.verifications == unknown_work.verifications == 1


def test_a_wrong_password_and_an_unknown_identifier_send_the_same_statements(app, watch):
    # A first try warms up what a first request might do once (nothing is counted).
    _post(app, "/sign-in", identifier=_new_email(), password=WRONG_PASSWORD)
    for _, _, known, _, _, unknown in _wrong_passwords(app, watch):
        _same_work(known, unknown)
        assert known.after == unknown.after == []


# --------------------------------------------------------------------------- a forgotten password


def _forgotten(app: Any, watch: Any, identifiers: list[str]) -> list[tuple[Any, Work]]:
    seen = []
    for typed in identifiers:
        app.cookies.clear()
        csrf(app)  # a new form token, fetched before the request that is watched
        _forget_tries(app)
        with watch() as work:
            response = _post(app, "/sign-in/forgot", identifier=typed)
        seen.append((response, work))
    return seen


@pytest.mark.parametrize("app", ["http://testserver.local", "https://testserver.local"], indirect=True)
def test_a_forgotten_password_gets_the_same_answer_and_cookie_for_anyone(app, watch):
    _, email, nir = _make_account(app)
    answers = _forgotten(app, watch, [email, _new_email(), nir, _new_nir()])
    first = answers[0][0]
    for response, _work in answers:
        assert response.status_code == 303
        assert response.headers["location"] == "/sign-in/forgot/code"
        _same_shape(_pending_cookie(first), _pending_cookie(response))
        assert ("secure" in _pending_cookie(response).attributes) == app.base_url.scheme.startswith("https")
    # Random, not derived from the identifier: no two handles alike.
    assert len({_pending_cookie(response).value for response, _ in answers}) == len(answers)


def test_a_forgotten_password_sends_the_same_statements_before_it_answers(app, watch):
    _, email, nir = _make_account(app)
    _forgotten(app, watch, [_new_email()])  # warm-up, not compared
    (known_email, unknown_email, known_nir, unknown_nir) = (
        work for _, work in _forgotten(app, watch, [email, _new_email(), nir, _new_nir()])
    )
    for known, unknown in (
        (known_email, unknown_email),
        (known_nir, unknown_nir),
        (known_email, unknown_nir),
    ):
        _same_work(known, unknown)
        assert known.verifications == 0
    # The code is made and sent after the answer: the instrument sees it there.
    assert known_email.after and known_nir.after and not unknown_email.after and not unknown_nir.after
    assert [m.to for m in read_outbox(app.app.state.settings.outbox_dir, limit=10)] == [email, email]


# --------------------------------------------------------------------------- the pending cookie


def _decodings(value: str) -> Iterator[bytes]:
    """Whatever ``value``, or a part of it between dots, decodes to as base64 or base64url."""
    for part in {value, *value.split(".")}:
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            for padded in (part, part + "=" * (-len(part) % 4)):
                try:
                    yield decode(padded.encode("ascii"))
                except ValueError:
                    continue


def _reveals(value: str, account_id: UUID) -> bool:
    forms = {str(account_id), account_id.hex}
    if any(form in value.lower() for form in forms):
        return True
    raw = [account_id.bytes, *(form.encode("ascii") for form in forms)]
    return any(
        needle in decoded or needle in decoded.lower() for decoded in _decodings(value) for needle in raw
    )


def test_the_pending_cookie_never_holds_the_account_id(app, watch):
    account_id, email, nir = _make_account(app)
    values = []
    response = _post(app, "/sign-in", identifier=email, password=PASSWORD, next="/")
    assert response.status_code == 303 and response.headers["location"] == "/sign-in/code"
    values.append(_pending_cookie(response).value)
    for response, _ in _forgotten(app, watch, [email, nir]):
        values.append(_pending_cookie(response).value)
    for value in values:
        assert not _reveals(value, account_id), value
    # The check itself finds an id however it is written.
    for written in (str(account_id), account_id.hex, base64.urlsafe_b64encode(account_id.bytes).decode()):
        assert _reveals(f"{written}.reset.1700000000", account_id)


# --------------------------------------------------------------------------- a wrong reset code


def _wrong_reset_codes(app: Any, watch: Any) -> tuple[Any, Work, Any, Work]:
    _, email, _ = _make_account(app)
    seen = []
    for typed in (email, _new_email()):
        app.cookies.clear()
        assert _post(app, "/sign-in/forgot", identifier=typed).status_code == 303
        sent = [m for m in read_outbox(app.app.state.settings.outbox_dir, limit=100) if m.to == typed]
        real = re.search(r"\b(\d{3}) (\d{3})\b", sent[0].body) if sent else None
        wrong = "111111" if real and real.group(1) + real.group(2) == "000000" else "000000"
        _forget_tries(app)
        with watch() as work:
            response = _post(app, "/sign-in/forgot/code", code=wrong, password="blue kettle morning")
        seen.append((response, work))
    return (*seen[0], *seen[1])


def test_a_wrong_reset_code_gets_the_same_page_after_the_same_statements_for_any_step(app, watch):
    known_response, known, unknown_response, unknown = _wrong_reset_codes(app, watch)
    assert known_response.status_code == unknown_response.status_code == 400
    assert page(known_response).field_error("code") == (
        "This code is not right. Check the code in the message we sent you."
    )
    assert _page(known_response, "") == _page(unknown_response, "")
    _same_work(known, unknown)
    assert known.after == unknown.after == []
