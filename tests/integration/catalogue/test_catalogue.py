"""The service catalogue: finding a service (plain GET and htmx, the words sealed out of the
address), its page item by item, connecting with a consent (required kinds, summary,
confirmation), the access key and the FHIR API that returns only what was consented,
revocation taking effect at once, reports, reminders, encryption and audit."""

from __future__ import annotations

import html
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.catalogue import services
from portal.catalogue.entries import catalogue
from portal.catalogue.tables import ServiceConsent, ServiceReport
from portal.core.keys import Keyring, key_owner
from portal.core.notify import read_outbox
from portal.core.tables import AuditEvent
from tests.conftest import TEST_MASTER_KEY, csrf
from tests.people import make_person, portal_client, run, sign_in_as

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
    assert review.status_code == 200 and "Confirm and connect" in review.text
    confirmed = app.post(f"/space/catalogue/{service}/connect", data={**data, "action": "confirm"})
    assert confirmed.status_code == 200
    found = re.search(r'<p class="access-key"><code>([A-Za-z0-9_-]+)</code>', confirmed.text)
    assert found
    return found.group(1)


def _api(app: Any, path: str, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return app.get(f"/api/fhir{path}", headers=headers)


def _events(app: Any, patient: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = run(
        app,
        lambda: (
            AuditEvent.select(AuditEvent.actor, AuditEvent.action, AuditEvent.outcome)
            .where((AuditEvent.subject == key_owner(patient)) & (AuditEvent.area == "catalogue"))
            .order_by(AuditEvent.id)
        ),
    )
    return [(r["actor"], r["action"], r["outcome"]) for r in rows]


def test_searching_works_alike_with_a_plain_form_and_with_htmx_and_keeps_the_words_out_of_the_address(
    app, patient
):
    everything = app.get("/space/catalogue").text
    assert len(re.findall(r'class="row service-row"', everything)) == len(catalogue())
    sent = app.get("/space/catalogue?q=vaccination&category=", follow_redirects=False)
    assert sent.status_code == 303 and "vaccination" not in sent.headers["location"]
    plain = app.get(sent.headers["location"]).text
    htmx = app.get("/space/catalogue?q=vaccination", headers={"HX-Request": "true"})
    assert "vaccination" not in htmx.headers["hx-push-url"]
    assert htmx.headers["hx-push-url"] == sent.headers["location"].split("&")[0] or htmx.headers[
        "hx-push-url"
    ].startswith("/space/catalogue?s=")
    names = re.findall(r'<h2 class="row-title"><a href="/space/catalogue/([a-z0-9-]+)"', plain)
    assert names == re.findall(r'<h2 class="row-title"><a href="/space/catalogue/([a-z0-9-]+)"', htmx.text)
    assert "carnet-vaccins-plus" in names and "<html" not in htmx.text
    kind = app.get("/space/catalogue?category=carers", headers={"HX-Request": "true"}).text
    assert set(re.findall(r'href="/space/catalogue/([a-z0-9-]+)"', kind)) == {
        e.id for e in catalogue().values() if e.category == "carers"
    }
    assert app.get("/space/catalogue/no-such-service").status_code == 404


def test_a_service_page_says_item_by_item_what_it_would_see(app, patient):
    page = html.unescape(app.get(f"/space/catalogue/{GLYCO}").text)
    entry = catalogue()[GLYCO]
    for ask in entry.asks:
        assert ask.why.en in page
    assert "Your medical profile: measurements" in page and "needed" in page and "if you wish" in page
    assert "It may also add to your space" in page


def test_connecting_needs_the_required_kinds_and_a_confirmation(app, patient):
    refused = app.post(
        f"/space/catalogue/{GLYCO}/connect",
        data={"_csrf_token": csrf(app), "kinds": ["documents:lab_results"], "action": "review"},
    )
    assert refused.status_code == 400
    text = html.unescape(refused.text)
    assert "This service cannot work without: Your medical profile: measurements" in text
    assert 'value="documents:lab_results" checked' in text
    # The summary, then "change my choices" comes back with them ticked, nothing recorded.
    data = {"_csrf_token": csrf(app), "kinds": ["profile:measurements", "documents:lab_results"]}
    summary = html.unescape(
        app.post(f"/space/catalogue/{GLYCO}/connect", data={**data, "action": "review"}).text
    )
    assert "will be able to read:" in summary and "It will not read:" in summary
    change = app.post(f"/space/catalogue/{GLYCO}/connect", data={**data, "action": "change"})
    assert 'value="documents:lab_results" checked' in change.text
    assert run(app, lambda: ServiceConsent.count().where(ServiceConsent.patient == patient)) == 0
    token = _connect(app, GLYCO, ["profile:measurements", "documents:lab_results"])
    assert len(token) >= 40
    mine = html.unescape(app.get("/space/services").text)
    assert (
        "GlycoSuivi" in mine
        and "Your documents: Lab results" in mine
        and "It has not read anything yet." in mine
    )
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
    activity = html.unescape(app.get("/space/activity").text)
    assert (
        "The service “Ma Pharmacie du Quartier” read the list of your documents you allowed it." in activity
    )
    assert "Connected on" in app.get("/space/services").text and "It last read your data on" in html.unescape(
        app.get("/space/services").text
    )

    # Revoking takes effect at the very next call.
    consent = run(
        app, lambda: ServiceConsent.select(ServiceConsent.id).where(ServiceConsent.patient == patient).first()
    )["id"]
    confirm = app.get(f"/space/services/{consent}/disconnect")
    assert "Disconnect Ma Pharmacie du Quartier?" in html.unescape(confirm.text)
    done = app.post(
        f"/space/services/{consent}/disconnect", data={"_csrf_token": csrf(app)}, follow_redirects=False
    )
    assert done.headers["location"] == "/space/services?done=disconnected"
    assert _api(app, "/DocumentReference", token).status_code == 401
    assert "No service is connected to your space." in app.get("/space/services").text
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
    assert "No service is connected" in app.get("/space/services").text


def test_a_report_is_kept_for_the_operator_without_who_made_it(app, patient):
    refused = app.post(f"/space/catalogue/{GLYCO}/report", data={"_csrf_token": csrf(app), "details": "x"})
    assert refused.status_code == 400 and "Choose what is wrong." in refused.text
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
