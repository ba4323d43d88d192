"""The agency's adoption figures: for analysts only, audited, small counts suppressed and
the rest rounded, the CSV the same as the page, and nobody identifiable in either.

The PostgreSQL database is shared by every test of a session: the people counted here
live in Corsica (2A and 2B), where no other test puts anyone.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from uuid import UUID

import pytest

from portal.accounts.demo import DEMO_PASSWORD
from portal.accounts.services import PersonIdentity, create_account, erase_account
from portal.accounts.tables import Account, Invitation
from portal.agency import counts
from portal.core.access import Role
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.core.sessions import cookie_name
from portal.core.tables import AuditEvent
from portal.documents.tables import Document
from portal.outreach.tables import AssistedActivation
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.people import make_person, portal_client, run, sign_in_as

OLD = "1944-02-10"  # 75 and over
YOUNG = "1995-06-15"  # 18 to 39


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def analyst(app: Any) -> UUID:
    account = make_person(app, Role.ANALYST, given_names="Luc", family_name="Moreau")
    sign_in_as(app, account, Role.ANALYST)
    return account


def _people(
    app: Any,
    count: int,
    *,
    born: str | None,
    address: str | None,
    status: str = "active",
    assisted_in: str | None = None,
    pending: bool = False,
    documents: tuple[int, int] = (0, 0),
    mediator: UUID | None = None,
) -> list[UUID]:
    """``count`` patients, made at once; ``documents``: (deposited by professionals, of them read)."""

    async def go() -> list[UUID]:
        keyring = Keyring(TEST_MASTER_KEY)
        now = datetime.now(UTC)
        made = []
        async with app.app.state.engine.transaction():
            for _ in range(count):
                name = secrets.token_hex(5)
                account = await create_account(
                    keyring,
                    Role.PATIENT,
                    PersonIdentity(
                        family_name=f"Family{name}",
                        given_names=f"Given{name}",
                        date_of_birth=born,
                        postal_address=address,
                    ),
                )
                made.append(account)
                if status in ("active", "closed"):
                    await Account.update(
                        {Account.status: status, Account.activated_at: now, Account.last_signed_in_at: now}
                    ).where(Account.id == account)
                if status == "refused":
                    await erase_account(account, status="refused")
                if pending:
                    await Invitation.insert(
                        Invitation(
                            account=account,
                            code_index=secrets.token_hex(32),
                            delivery="letter",
                            invited_by="operator",
                            expires_at=now + timedelta(days=20),
                        )
                    )
                if assisted_in:
                    await AssistedActivation.insert(
                        AssistedActivation(
                            mediator=mediator, account=account, place="Test place", department=assisted_in
                        )
                    )
                deposited, read = documents
                for number in range(deposited):
                    await Document.insert(
                        Document(
                            id=uuid.uuid4(),
                            patient=account,
                            author=None,
                            author_role="professional",
                            sealed_details=b"\x00",
                            size=1,
                            chunk_count=0,
                            is_new=number >= read,
                        )
                    )
        return made

    result: list[UUID] = run(app, go)
    return result


class _Tables(HTMLParser):
    """The figures' tables: {table id: {row key: {metric: (data-value, text)}}}."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, dict[str, dict[str, tuple[str, str]]]] = {}
        self._table = self._row = self._metric = ""
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "table" and values.get("id", "").startswith("figures-"):
            self._table = values["id"]
            self.tables[self._table] = {}
            self._row = values.get("data-row", "")
        elif tag == "tr" and self._table and "data-row" in values:
            self._row = values["data-row"]
        elif tag == "td" and "data-metric" in values:
            self._metric = values["data-metric"]
            self._text = ""
            self.tables[self._table].setdefault(self._row, {})[self._metric] = (values["data-value"], "")

    def handle_data(self, data: str) -> None:
        if self._metric:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._metric:
            token, _ = self.tables[self._table][self._row][self._metric]
            self.tables[self._table][self._row][self._metric] = (token, " ".join(self._text.split()))
            self._metric = ""
        if tag == "table":
            self._table = ""


def _tables(page: str) -> dict[str, dict[str, dict[str, tuple[str, str]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _values(row: dict[str, tuple[str, str]]) -> dict[str, str]:
    return {metric: token for metric, (token, _text) in row.items()}


LT10 = "fewer-than-10"


def test_only_analysts_reach_the_figures(app):
    for role in (Role.PATIENT, Role.PROFESSIONAL, Role.MEDIATOR):
        someone = make_person(
            app, role, profession="general_practitioner" if role is Role.PROFESSIONAL else None
        )
        sign_in_as(app, someone, role)
        assert app.get("/agency", follow_redirects=False).status_code == 404, role
        assert app.get("/agency/figures.csv", follow_redirects=False).status_code == 404, role
    app.cookies.delete(cookie_name(app.app.state.settings))
    answer = app.get("/agency", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/sign-in")


def test_small_counts_are_suppressed_and_the_others_rounded(app, analyst):
    alone = _people(app, 12, born=OLD, address="4 cours Napoléon\n20000 Ajaccio")
    helped = _people(app, 3, born=OLD, address="1 place du Diamant\n20090 Ajaccio", assisted_in="2A")
    waiting = _people(
        app, 4, born=YOUNG, address="8 rue Fesch\n20000 Ajaccio", status="invited", pending=True
    )
    _people(app, 1, born=OLD, address="2 rue Bonaparte\n20000 Ajaccio", documents=(11, 4))
    page = app.get("/agency?department=2A")
    assert page.status_code == 200
    tables = _tables(page.text)
    assert _values(tables["figures-total"]["all"]) == {
        "activations": "15",  # 16, rounded to the nearest 5
        "assisted": LT10,  # 3
        "alone": "15",  # 13
        "refusals": "0",
        "pending": LT10,  # 4
        "active_30_days": "15",
        "documents": "10",  # 11
        "documents_read": LT10,  # 4
    }
    assert list(tables["figures-department"]) == ["department:2A"]
    by_band = tables["figures-band"]
    assert _values(by_band["band:75-plus"])["activations"] == "15"
    assert _values(by_band["band:18-39"])["pending"] == LT10
    assert _values(by_band["band:40-59"])["activations"] == "0"
    # A cell says "fewer than 10" in words too, never the count.
    assert tables["figures-total"]["all"]["assisted"][1] == "fewer than 10"
    # The age band filter keeps the department's other rows out.
    young = _tables(app.get("/agency?department=2A&band=18-39").text)
    assert _values(young["figures-total"]["all"])["activations"] == "0"
    assert list(young["figures-band"]) == ["band:18-39"]
    # Nobody can be picked out: no name, no account id.
    for account in alone + helped + waiting:
        assert str(account) not in page.text
    assert "Family" not in page.text and "Given" not in page.text


def test_the_territory_falls_back_to_where_the_mediator_helped(app, analyst):
    mediator = make_person(app, Role.MEDIATOR)
    _people(app, 2, born=OLD, address=None, assisted_in="2B", mediator=mediator)
    row = _tables(app.get("/agency?department=2B").text)["figures-department"]["department:2B"]
    assert _values(row)["assisted"] == LT10 and _values(row)["alone"] == "0"


def test_the_csv_says_what_the_page_says(app, analyst):
    _people(app, 23, born=OLD, address="5 boulevard Paoli\n20200 Bastia", documents=(2, 1))
    _people(app, 5, born=YOUNG, address="5 boulevard Paoli\n20200 Bastia", status="invited", pending=True)
    for query in ("department=2B", "department=2B&band=75-plus", ""):
        page = app.get(f"/agency?{query}")
        exported = app.get(f"/agency/figures.csv?{query}")
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert exported.headers["content-disposition"].startswith("attachment")
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        header, body = rows[0], rows[1:]
        assert len(header) == 3 + 8
        tables = _tables(page.text)
        expected = (
            [tables["figures-total"]["all"]]
            + list(tables["figures-department"].values())
            + list(tables["figures-band"].values())
        )
        assert len(body) == len(expected), query
        for line, cells in zip(body, expected, strict=True):
            assert line[3:] == [text for _token, text in cells.values()], query
        # Every count is 0, "fewer than 10", or a multiple of 5 from 10 on.
        for line in body:
            for cell in line[3:]:
                assert cell in ("0", "fewer than 10") or (int(cell) >= 10 and int(cell) % 5 == 0), cell
    row = _tables(app.get("/agency?department=2B").text)["figures-total"]["all"]
    assert _values(row)["activations"] == "25"  # 23, or 25 with the test before: both round to 25
    assert _values(row)["pending"] == LT10


def test_every_view_and_export_is_audited_without_a_subject(app, analyst):
    app.get("/agency?department=23&band=75-plus")
    app.get("/agency/figures.csv")
    events = run(
        app,
        lambda: AuditEvent.select().where(AuditEvent.actor == key_owner(analyst)).order_by(AuditEvent.id),
    )
    assert [(e["action"], e["object_id"]) for e in events] == [
        ("figures.view", "figures:23:75-plus"),
        ("figures.export", "figures:all:all"),
    ]
    assert all(e["area"] == "account" and e["subject"] is None and e["outcome"] == "allowed" for e in events)


def test_a_filter_off_the_list_is_explained(app, analyst):
    page = app.get("/agency?department=99&band=old")
    assert page.status_code == 200
    assert 'href="#department"' in page.text and 'href="#band"' in page.text
    assert 'data-department=""' in page.text


def test_htmx_gets_the_figures_only(app, analyst):
    part = app.get("/agency?department=23", headers={"HX-Request": "true"})
    assert part.status_code == 200 and part.text.lstrip().startswith('<div id="figures"')


def test_refusals_with_erased_identities_count_where_nothing_is_known(app, analyst):
    async def refused_unknown() -> int:
        facts = await counts.gather(Keyring(TEST_MASTER_KEY))
        return sum(
            1 for fact in facts if fact.refused and fact.department == "unknown" and fact.band == "unknown"
        )

    before = run(app, refused_unknown)
    _people(app, 3, born=OLD, address="20000 Ajaccio", status="refused")
    assert run(app, refused_unknown) == before + 3


def test_a_sign_in_is_the_last_sign_in_of_the_account(app):
    patient = make_person(app, password=DEMO_PASSWORD, given_names="Léonie")
    email = run(app, lambda: _email_of(patient))
    data = {"_csrf_token": csrf(app), "identifier": email, "password": DEMO_PASSWORD}
    assert app.post("/sign-in", data=data, follow_redirects=False).status_code == 303
    message = next(m for m in read_outbox(app.app.state.settings.outbox_dir, limit=50) if m.to == email)
    found = re.search(r"\b(\d{3}) (\d{3})\b", message.body)
    assert found
    before = datetime.now(UTC) - timedelta(seconds=5)
    signed = app.post("/sign-in/code", data={"_csrf_token": csrf(app), "code": "".join(found.groups())})
    assert signed.status_code == 200
    row = run(app, lambda: Account.select(Account.last_signed_in_at).where(Account.id == patient).first())
    moment = row["last_signed_in_at"]
    assert moment is not None
    assert (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) >= before


async def _email_of(account: UUID) -> str:
    from portal.accounts.services import read_identity

    person = await read_identity(Keyring(TEST_MASTER_KEY), account)
    assert person and person.email
    return person.email
