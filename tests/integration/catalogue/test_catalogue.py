"""The service catalogue: finding a service (plain GET and htmx, the words sealed out of the
address), its page item by item, connecting with a consent (required kinds, summary,
confirmation), the access key and the FHIR API that returns only what was consented,
revocation taking effect at once, reports, reminders, encryption and audit."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.carers.tables import Delegation
from portal.catalogue import services
from portal.catalogue.entries import catalogue, kind_area
from portal.catalogue.tables import ServiceConsent, ServiceReport
from portal.core.access import Area
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.html import page
from tests.people import act_for, delegate, make_person, portal_client, run, sign_in_as
from tests.trail import audit_events

PDF = b"%PDF-1.4\n" + b"w" * 1024
PHARMACY = "ma-pharmacie-du-quartier"  # needs prescriptions; allergies if one wishes
GLYCO = "glyco-suivi"  # needs measurements; treatments and lab results if one wishes


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)


@pytest.fixture
def patient(app: Any) -> uuid.UUID:
    account = make_person(app)
    sign_in_as(app, account)
    return account


def _add(app: Any, title: str, category: str) -> uuid.UUID:
    data = {
        "_csrf_token": csrf(app),
        "title": title,
        "category": category,
        "date-day": "3",
        "date-month": "3",
        "date-year": "2026",
    }
    response = app.post(
        "/space/documents/add",
        data=data,
        files={"file": ("x.pdf", PDF, "application/pdf")},
        follow_redirects=False,
    )
    return uuid.UUID(re.search(r"/space/documents/([0-9a-f-]{36})", response.headers["location"]).group(1))


def _connect(app: Any, service: str, kinds: list[str]) -> str:
    """Tick ``kinds``, check the summary, confirm: the access key shown once."""
    data = {"_csrf_token": csrf(app), "kinds": kinds, "action": "review"}
    review = app.post(f"/space/catalogue/{service}/connect", data=data)
    assert review.status_code == 200
    assert page(review).text(
        f'form[action="/space/catalogue/{service}/connect"] button[value="confirm"]'
    ) == ("Confirm and connect")
    confirmed = app.post(f"/space/catalogue/{service}/connect", data={**data, "action": "confirm"})
    assert confirmed.status_code == 200
    token = page(confirmed).text("p.access-key > code")
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token), token
    return token


def _services(text: str) -> list[str]:
    """The services a list of the catalogue shows (their ids), in order."""
    return [
        link["href"].removeprefix("/space/catalogue/") for link in page(text).all(".service-row .row-title a")
    ]


def _ticked(text: str) -> list[str]:
    """The kinds of data ticked in the page's form."""
    return [box["value"] for box in page(text).all('input[type="checkbox"][name="kinds"][checked]')]


def _api(app: Any, path: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.get(f"/api/fhir{path}", headers=headers)


def _events(app: Any, patient: uuid.UUID) -> list[tuple[str, str, str]]:
    return audit_events(app, "actor", "action", "outcome", subject=patient, area="catalogue")


def test_searching_works_alike_with_a_plain_form_and_with_htmx_and_keeps_the_words_out_of_the_address(
    app, patient
):
    everything = app.get("/space/catalogue").text
    assert len(page(everything).all(".service-row")) == len(catalogue())
    sent = app.get("/space/catalogue?q=vaccination&category=", follow_redirects=False)
    assert sent.status_code == 303 and "vaccination" not in sent.headers["location"]
    plain = app.get(sent.headers["location"]).text
    htmx = app.get("/space/catalogue?q=vaccination", headers={"HX-Request": "true"})
    assert "vaccination" not in htmx.headers["hx-push-url"]
    assert htmx.headers["hx-push-url"] == sent.headers["location"].split("&")[0] or htmx.headers[
        "hx-push-url"
    ].startswith("/space/catalogue?s=")
    names = _services(plain)
    assert names == _services(htmx.text)
    assert "carnet-vaccins-plus" in names and "<html" not in htmx.text
    kind = app.get("/space/catalogue?category=carers", headers={"HX-Request": "true"}).text
    assert set(_services(kind)) == {e.id for e in catalogue().values() if e.category == "carers"}
    assert app.get("/space/catalogue/no-such-service").status_code == 404


def test_a_service_page_says_item_by_item_what_it_would_see(app, patient):
    shown = page(app.get(f"/space/catalogue/{GLYCO}"))
    entry = catalogue()[GLYCO]
    asks = shown.texts("main ul.rows > li.row")
    assert len(asks) == len(entry.asks)
    for ask, said in zip(entry.asks, asks, strict=True):
        assert ask.why.en in said
    titles = shown.texts("main ul.rows > li.row > .row-title")
    assert any(
        title.startswith("Your medical profile: measurements") and title.endswith("needed")
        for title in titles
    )
    assert any(title.endswith("if you wish") for title in titles)
    assert "It may also add to your space" in shown.text("main")


def test_connecting_needs_the_required_kinds_and_a_confirmation(app, patient):
    refused = app.post(
        f"/space/catalogue/{GLYCO}/connect",
        data={"_csrf_token": csrf(app), "kinds": ["documents:lab_results"], "action": "review"},
    )
    assert refused.status_code == 400
    assert "This service cannot work without: Your medical profile: measurements" in page(
        refused
    ).field_error("kinds")
    assert _ticked(refused.text) == ["documents:lab_results"]
    # The summary, then "change my choices" comes back with them ticked, nothing recorded.
    data = {"_csrf_token": csrf(app), "kinds": ["profile:measurements", "documents:lab_results"]}
    summary = page(app.post(f"/space/catalogue/{GLYCO}/connect", data={**data, "action": "review"}))
    assert "will be able to read:" in summary.text("main") and "It will not read:" in summary.text("main")
    sent = summary.form_fields(f'form[action="/space/catalogue/{GLYCO}/connect"]')
    assert {value for name, value in sent if name == "kinds"} == {
        "profile:measurements",
        "documents:lab_results",
    }
    change = app.post(f"/space/catalogue/{GLYCO}/connect", data={**data, "action": "change"})
    assert "documents:lab_results" in _ticked(change.text)
    assert run(app, lambda: ServiceConsent.count().where(ServiceConsent.patient == patient)) == 0
    token = _connect(app, GLYCO, ["profile:measurements", "documents:lab_results"])
    assert len(token) >= 40
    mine = page(app.get("/space/services"))
    assert mine.text(".consent-row .row-title") == "GlycoSuivi"
    row = mine.text(".consent-row")
    assert "Your documents: Lab results" in row and "It has not read anything yet." in row
    # What was connected is sealed; only the hash of the key is kept.
    rows = run(app, lambda: ServiceConsent.select().where(ServiceConsent.patient == patient))
    assert len(rows) == 1 and rows[0]["token_hash"] != token
    assert b"glyco" not in bytes(rows[0]["sealed_grant"]).lower() and b"lab_results" not in bytes(
        rows[0]["sealed_grant"]
    )


def test_the_api_returns_only_what_was_consented_and_revoking_stops_it_at_once(app, patient):
    prescription = _add(app, "Ordonnance de janvier", "prescriptions")
    blood_test = _add(app, "Prise de sang", "lab_results")
    token = _connect(app, PHARMACY, ["documents:prescriptions"])

    answer = _api(app, "/DocumentReference", token)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/fhir+json")
    bundle = answer.json()
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset" and bundle["total"] == 1
    resource = bundle["entry"][0]["resource"]
    assert resource["resourceType"] == "DocumentReference" and resource["id"] == str(prescription)
    assert resource["content"][0]["attachment"]["contentType"] == "application/pdf"
    assert resource["description"] == "Ordonnance de janvier"
    assert _api(app, f"/DocumentReference/{prescription}", token).json()["id"] == str(prescription)

    # Beyond the consent: the same 403 for another category, a made-up id, a bad id.
    for path in (
        f"/DocumentReference/{blood_test}",
        f"/DocumentReference/{uuid.uuid4()}",
        "/DocumentReference/not-an-id",
        "/DocumentReference?category=lab_results",
    ):
        refused = _api(app, path, token)
        assert refused.status_code == 403, path
        assert refused.json()["resourceType"] == "OperationOutcome"
        assert "Prise de sang" not in refused.text and str(blood_test) not in refused.text
    # No key, a wrong key: 401.
    assert _api(app, "/DocumentReference", None).status_code == 401
    assert _api(app, "/DocumentReference", "made-up-key").status_code == 401

    # Every call is audited under the consent, and shown on the activity page by the service's name.
    events = _events(app, patient)
    assert ("api.documents", "allowed") in [(e[1], e[2]) for e in events]
    assert ("api.document", "denied") in [(e[1], e[2]) for e in events]
    activity = page(app.get("/space/activity")).texts(".activity-item .activity-text")
    assert (
        "The service “Ma Pharmacie du Quartier” read the list of your documents you allowed it." in activity
    )
    connected = page(app.get("/space/services")).text(".consent-row")
    assert "Connected on" in connected and "It last read your data on" in connected

    # Revoking takes effect at the very next call.
    consent = run(
        app, lambda: ServiceConsent.select(ServiceConsent.id).where(ServiceConsent.patient == patient).first()
    )["id"]
    confirm = app.get(f"/space/services/{consent}/disconnect")
    assert page(confirm).heading == "Disconnect Ma Pharmacie du Quartier?"
    done = app.post(
        f"/space/services/{consent}/disconnect", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert done.headers["location"] == "/space/services?done=disconnected"
    assert _api(app, "/DocumentReference", token).status_code == 401
    assert not page(app.get("/space/services")).has(".consent-row")
    assert "No service is connected to your space." in page(app.get("/space/services")).text("main")
    assert (key_owner(patient), "service.revoke", "allowed") in _events(app, patient)


def test_another_patient_cannot_see_nor_disconnect_my_services(app, patient):
    _connect(app, PHARMACY, ["documents:prescriptions"])
    consent = run(
        app, lambda: ServiceConsent.select(ServiceConsent.id).where(ServiceConsent.patient == patient).first()
    )["id"]
    other = make_person(app, given_names="Paul")
    app.cookies.clear()
    sign_in_as(app, other)
    assert app.get(f"/space/services/{consent}/disconnect").status_code == 404
    assert (
        app.post(f"/space/services/{consent}/disconnect", data={"_csrf_token": csrf(app)}).status_code == 404
    )
    assert "No service is connected" in page(app.get("/space/services")).text("main")


def test_a_report_is_kept_for_the_operator_without_who_made_it(app, patient):
    refused = app.post(f"/space/catalogue/{GLYCO}/report", data={"_csrf_token": csrf(app), "details": "x"})
    assert refused.status_code == 400 and page(refused).field_error("reason") == "Choose what is wrong."
    sent = app.post(
        f"/space/catalogue/{GLYCO}/report",
        data={
            "_csrf_token": csrf(app),
            "reason": "asks_too_much",
            "details": "Il demande mon numéro de carte",
        },
        follow_redirects=False,
    )
    assert sent.headers["location"] == f"/space/catalogue/{GLYCO}?done=reported"
    row = run(app, lambda: ServiceReport.select().order_by(ServiceReport.id, ascending=False).first())
    assert row["service"] == GLYCO and b"carte" not in bytes(row["sealed_details"])
    assert str(patient) not in str(row)

    async def read() -> list[services.Report]:
        return await services.read_reports(Keyring(TEST_MASTER_KEY))

    newest = run(app, read)[0]
    assert (newest.service, newest.reason, newest.details) == (
        GLYCO,
        "asks_too_much",
        "Il demande mon numéro de carte",
    )


def test_every_90_days_the_patient_is_reminded_without_naming_the_services(app, patient):
    _connect(app, GLYCO, ["profile:measurements"])
    settings = app.app.state.settings

    async def remind(days: int) -> int:
        async with app.app.state.engine.transaction():
            return await services.remind_all(
                settings, Keyring(TEST_MASTER_KEY), datetime.now(UTC) + timedelta(days=days)
            )

    def reminded() -> Any:
        return run(
            app,
            lambda: (
                ServiceConsent.select(ServiceConsent.reminded_at)
                .where(ServiceConsent.patient == patient)
                .first()
            ),
        )["reminded_at"]

    run(app, lambda: remind(30))
    assert reminded() is None  # not yet: 90 days after connecting
    assert run(app, lambda: remind(91)) >= 1
    first = reminded()
    assert first is not None
    run(app, lambda: remind(92))
    assert reminded() == first  # not again until 90 days later
    run(app, lambda: remind(182))
    assert reminded() != first
    notices = [
        m for m in read_outbox(settings.outbox_dir, limit=200) if m.subject == "Your connected services"
    ]
    assert notices
    for notice in notices:
        assert "connected to your health space" in notice.body and "/space/services" in notice.body
        assert not any(entry.name in notice.body for entry in catalogue().values())


# --------------------------------------------------------------------------- a carer connecting a service


def _carer_in(app: Any, patient: uuid.UUID, areas: str) -> uuid.UUID:
    """Claire, the patient's daughter, in the patient's space with a delegation for ``areas``."""
    carer = make_person(app, given_names="Claire", family_name="Dupont")
    delegate(app, patient, carer, areas)
    act_for(app, carer, patient)
    return carer


def _consents(app: Any, patient: uuid.UUID) -> int:
    return run(app, lambda: ServiceConsent.count().where(ServiceConsent.patient == patient))


def _ask(app: Any, service: str, kinds: list[str], action: str) -> Any:
    data = {"_csrf_token": csrf(app), "kinds": kinds, "action": action}
    return app.post(f"/space/catalogue/{service}/connect", data=data)


def test_each_kind_of_data_is_read_from_an_area_of_the_record():
    assert kind_area("documents:prescriptions") is Area.DOCUMENTS
    assert kind_area("profile:measurements") is Area.PROFILE
    assert kind_area("agenda") is Area.AGENDA
    asked = {ask.kind for entry in catalogue().values() for ask in entry.asks}
    assert {kind_area(kind) for kind in asked} <= {Area.DOCUMENTS, Area.PROFILE, Area.AGENDA}


def test_a_carer_with_connected_services_only_cannot_let_a_service_read_documents(app, patient):
    _add(app, "Ordonnance de janvier", "prescriptions")
    _carer_in(app, patient, "catalogue:write")
    assert app.get("/space/documents").status_code == 404
    assert app.get("/space/catalogue").status_code == 200
    # The pharmacy needs prescriptions, which she may not see: no button, no form, a plain reason.
    assert (
        'href="/space/catalogue/ma-pharmacie-du-quartier/connect"'
        not in app.get(f"/space/catalogue/{PHARMACY}").text
    )
    form = app.get(f"/space/catalogue/{PHARMACY}/connect")
    assert "Only the person whose space it is can connect this service." in page(form).text("#kinds")
    assert 'name="kinds"' not in form.text
    # Sent all the same (by hand): refused next to the field, at each step, nothing kept.
    for action in ("review", "confirm"):
        refused = _ask(app, PHARMACY, ["documents:prescriptions"], action)
        assert refused.status_code == 400
        error = page(refused).field_error("kinds")
        assert "You may only let a service read what you may see yourself in this space." in error
        assert "Your documents: Prescriptions" in page(refused).text("#kinds")
        assert "Ordonnance de janvier" not in refused.text
    assert _consents(app, patient) == 0


def test_a_service_connected_by_a_carer_reads_no_document_she_may_not_see(app, patient):
    blood_test = _add(app, "Prise de sang", "lab_results")
    carer = _carer_in(app, patient, "catalogue:write,profile:read")
    # Only what she may read herself is offered.
    form = app.get(f"/space/catalogue/{GLYCO}/connect")
    offered = [box["value"] for box in page(form).all('input[type="checkbox"][name="kinds"]')]
    assert "profile:measurements" in offered and "profile:treatments" in offered
    assert 'value="documents:lab_results"' not in form.text
    assert "it is not offered: Your documents: Lab results" in page(form).text("main")
    # Lab results ticked by hand: refused at the field, at the summary and at the confirmation.
    for action in ("review", "confirm"):
        refused = _ask(app, GLYCO, ["profile:measurements", "documents:lab_results"], action)
        assert refused.status_code == 400 and page(refused).field_error("kinds")
        assert "profile:measurements" in _ticked(refused.text)
    assert _consents(app, patient) == 0
    token = _connect(app, GLYCO, ["profile:measurements"])

    # The service she connected reads no document at all.
    for path in (
        "/DocumentReference",
        f"/DocumentReference/{blood_test}",
        "/DocumentReference?category=lab_results",
    ):
        refused = _api(app, path, token)
        assert refused.status_code == 403, path
        assert "Prise de sang" not in refused.text and str(blood_test) not in refused.text

    # The consent keeps who gave it; the trail names her, acting for the patient.
    async def granted() -> list[Any]:
        return [c.granted_by for c in await services.consents_of(Keyring(TEST_MASTER_KEY), patient)]

    assert run(app, granted) == [carer]
    connected = audit_events(app, subject=patient, action="service.connect")[0]
    assert connected["actor"] == key_owner(carer) and connected["on_behalf_of"] == key_owner(patient)
    # The patient sees who connected it.
    app.cookies.clear()
    sign_in_as(app, patient)
    mine = page(app.get("/space/services"))
    assert mine.text(".consent-row .row-title") == "GlycoSuivi"
    assert "by your daughter Claire Dupont." in mine.text(".consent-row")


def test_a_carer_who_may_only_read_the_services_connects_and_disconnects_nothing(app, patient):
    _connect(app, GLYCO, ["profile:measurements"])
    consent = run(
        app, lambda: ServiceConsent.select(ServiceConsent.id).where(ServiceConsent.patient == patient).first()
    )["id"]
    _carer_in(app, patient, "catalogue:read,profile:read")
    mine = app.get("/space/services")
    assert mine.status_code == 200 and page(mine).text(".consent-row .row-title") == "GlycoSuivi"
    assert f"/space/services/{consent}/disconnect" not in mine.text
    assert f'href="/space/catalogue/{GLYCO}/connect"' not in app.get(f"/space/catalogue/{PHARMACY}").text
    assert app.get(f"/space/catalogue/{PHARMACY}/connect").status_code == 404
    assert _ask(app, GLYCO, ["profile:measurements"], "confirm").status_code == 404
    assert app.get(f"/space/services/{consent}/disconnect").status_code == 404
    gone = app.post(f"/space/services/{consent}/disconnect", data={"_csrf_token": csrf(app)})
    assert gone.status_code == 404
    assert (
        run(app, lambda: ServiceConsent.select().where(ServiceConsent.id == consent).first())["revoked_at"]
        is None
    )


def test_a_carer_without_the_services_in_her_delegation_does_not_reach_them(app, patient):
    _connect(app, GLYCO, ["profile:measurements"])
    carer = _carer_in(app, patient, "documents:write,profile:write")
    for path in ("/space/catalogue", f"/space/catalogue/{GLYCO}", "/space/services"):
        assert app.get(path).status_code == 404, path
        assert "GlycoSuivi" not in app.get(path).text
    assert _ask(app, GLYCO, ["profile:measurements"], "confirm").status_code == 404
    assert _consents(app, patient) == 1
    assert len(audit_events(app, actor=carer, area="catalogue", outcome="denied")) >= 4


def test_a_service_a_carer_connected_reads_no_more_than_she_still_may(app, patient):
    blood_test = _add(app, "Prise de sang de mars", "lab_results")
    carer = make_person(app, given_names="Claire", family_name="Dupont")
    delegation = delegate(app, patient, carer, "catalogue:write,documents:read,profile:read")
    act_for(app, carer, patient)
    token = _connect(app, GLYCO, ["profile:measurements", "documents:lab_results"])
    listed = _api(app, "/DocumentReference", token)
    assert listed.status_code == 200 and "Prise de sang de mars" in listed.text

    # The patient narrows the delegation to the services and the profile: the service she
    # let in reads no document any more (the patient may connect it herself if she wishes).
    async def narrow() -> None:
        async with app.app.state.engine.transaction():
            await Delegation.update({Delegation.areas: "catalogue:write,profile:read"}).where(
                Delegation.id == delegation
            )

    run(app, narrow)
    for path in ("/DocumentReference", f"/DocumentReference/{blood_test}"):
        refused = _api(app, path, token)
        assert refused.status_code == 403, path
        assert "Prise de sang de mars" not in refused.text
