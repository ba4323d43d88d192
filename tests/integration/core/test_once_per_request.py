"""The same work done once: one keyring per request (each data key fetched and unwrapped
once, whoever asks for it: the carer's banner, the door, the handler), and Babel's locale
parsed once per worker, not once per date shown.

Counted, never timed: the keyrings a request makes, the data keys it unwraps (by key id)
and the statements it sends to the ``data_key`` table, and the calls of Babel's
``Locale.parse`` with a name (a ``Locale`` given to Babel is not parsed again).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from babel.core import Locale

from portal.core import access, keys
from portal.notes.changes import add_note
from tests.integration.core.test_query_budget import counting
from tests.people import act_for, delegate, make_person, portal_client, sign_in_as
from tests.space import (
    KEYRING,
    ZONE,
    add_conversations,
    add_documents,
    add_replies,
    add_views,
    in_transaction,
    professional,
)


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client, timezone=ZONE)


@contextmanager
def keys_used() -> Iterator[Counter[str]]:
    """While the block runs: ``keyrings`` made, and how often each key id was unwrapped."""
    used: Counter[str] = Counter()
    with pytest.MonkeyPatch.context() as patch:
        real_init, real_unwrap = keys.Keyring.__init__, keys.unwrap_key

        def init(self: Any, master_key: bytes) -> None:
            used["keyrings"] += 1
            real_init(self, master_key)

        def unwrap(master_key: bytes, key_id: str, wrapped: bytes) -> bytes:
            used[f"key {key_id}"] += 1
            return real_unwrap(master_key, key_id, wrapped)

        patch.setattr(keys.Keyring, "__init__", init)
        patch.setattr(keys, "unwrap_key", unwrap)
        yield used


@contextmanager
def locale_parses() -> Iterator[list[str]]:
    """The locale names Babel parses while the block runs (a ``Locale`` given is not parsed)."""
    parsed: list[str] = []
    real = Locale.parse.__func__  # type: ignore[attr-defined]

    def parse(cls: Any, identifier: Any, *args: Any, **kwargs: Any) -> Locale:
        if not isinstance(identifier, Locale):
            parsed.append(str(identifier))
        result: Locale = real(cls, identifier, *args, **kwargs)
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Locale, "parse", classmethod(parse))
        yield parsed


# --------------------------------------------------------------------------- one keyring


def test_a_carers_page_unwraps_her_relatives_key_once(app):
    """The acting banner names the relative (her identity, sealed with her key) and the page
    opens her notes (sealed with the same key): one keyring, one read of that key."""
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    carer = make_person(app, given_names="Marie", family_name="Dupont")
    delegate(app, patient, carer, "notes:read")
    in_transaction(app, lambda: add_note(KEYRING, patient, patient, "Numéro du taxi", "05 55 00 00 00"))
    act_for(app, carer, patient)
    assert app.get("/space/notes").status_code == 200
    with keys_used() as used, counting(app) as sent:
        response = app.get("/space/notes")
    assert response.status_code == 200 and "Numéro du taxi" in response.text
    assert used["keyrings"] == 1, used
    unwrapped = {name: n for name, n in used.items() if name.startswith("key ")}
    assert unwrapped and all(n == 1 for n in unwrapped.values()), unwrapped
    key_reads = [sql for sql in sent if "data_key" in sql]
    assert len(key_reads) == len(unwrapped), "\n".join(key_reads)


def test_a_carers_page_reads_the_delegation_once(app):
    """The session (is the delegation still alive?), the banner, the unread count and the
    door's answer for every card of her relative's space ask about the same delegation."""
    patient = make_person(app, given_names="Jeanne", family_name="Dupont")
    carer = make_person(app, given_names="Marie", family_name="Dupont")
    delegate(app, patient, carer, "notes:read,documents:read,messages:read,agenda:write")
    act_for(app, carer, patient)
    calls: list[tuple[object, object]] = []
    real = access._SOURCES.delegation
    assert real is not None

    async def counted(carer_id: Any, patient_id: Any, now: Any) -> Any:
        calls.append((carer_id, patient_id))
        return await real(carer_id, patient_id, now)

    for path in ("/space", "/space/notes", "/space/messages"):
        assert app.get(path).status_code == 200
        calls.clear()
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(access._SOURCES, "delegation", counted)
            assert app.get(path).status_code == 200
        assert calls == [(carer, patient)], (path, calls)


# --------------------------------------------------------------------------- Babel's locale


def test_an_activity_of_many_moments_parses_no_locale(app):
    """Each event shows its moment (a date and a time): Babel gets the worker's ``Locale``."""
    patient = make_person(app)
    (document,) = add_documents(app, patient, [patient], 1)
    add_views(app, patient, [patient], document, 12)
    sign_in_as(app, patient)
    for language in ("en", "fr"):
        app.cookies.set("lang", language, domain=app.base_url.host)
        assert app.get("/space/activity").status_code == 200
        with locale_parses() as parsed:
            response = app.get("/space/activity")
        assert response.status_code == 200
        assert parsed == [], f"{language}: {len(parsed)} parses"


def test_a_conversations_dates_do_not_parse_the_locale_again(app):
    """However many messages (each with its moment), the page parses no more locales."""
    patient = make_person(app)
    doctor = professional(app, "Anne", "Martin")
    short, long = add_conversations(app, patient, [doctor], 2)
    add_replies(app, long, [patient, doctor], 11)
    sign_in_as(app, patient)
    counts = []
    for conversation in (short, long):
        path = f"/space/messages/{conversation}"
        assert app.get(path).status_code == 200
        with locale_parses() as parsed:
            assert app.get(path).status_code == 200
        counts.append(len(parsed))
    assert counts[0] == counts[1], f"1 message: {counts[0]} parses, 12 messages: {counts[1]}"


def test_the_locale_of_a_name_is_parsed_once():
    from portal.core.i18n import babel_locale, use_locale

    with use_locale("fr"), locale_parses() as parsed:
        first, again = babel_locale(), babel_locale()
        english = babel_locale("en")
    assert first is again and str(first) == "fr" and str(english) == "en"
    assert parsed.count("fr") <= 1 and parsed.count("en") <= 1
