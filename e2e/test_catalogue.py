"""The service catalogue, in a real Chromium with JavaScript on and off.

A patient finds "Carnet Vaccins Plus" by a word (with JavaScript the list changes in place as
they type and the address follows, sealed: the words never appear in it), reads what it would
see, connects it ticking what it may read (a required kind left out is refused, nothing
ticked is lost), confirms on a summary, reads the access key shown once, and the API answers
that key; they then disconnect it from "My connected services", and the API refuses the key.
Choosing a kind of service lists exactly the catalogue's services of that kind, and Back
gives the previous list again.

Every page, and every list replaced in place, is checked with axe.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import LiveServer
from e2e.harness import check_axe, press, settle
from e2e.people import make_patient, path_of, sign_in
from portal.catalogue.entries import catalogue, search

pytestmark = pytest.mark.e2e

SERVICE = "carnet-vaccins-plus"
NAME = "Carnet Vaccins Plus"
API = "/api/fhir/DocumentReference"
VACCINATION_DOCUMENTS = "Vos documents : Carnet de vaccination"
VACCINATIONS = "Votre profil médical : vaccinations"
ALLERGIES = "Votre profil médical : allergies et intolérances"
ASKED = [VACCINATION_DOCUMENTS, VACCINATIONS, ALLERGIES]  # in the order of catalogue.toml
NEEDED = "Ce service ne peut pas marcher sans : {}. Cochez-le, ou ne connectez pas ce service."
SEALED = re.compile(r"/space/catalogue\?s=[A-Za-z0-9_-]+$")

SERVICES_CARD = "main .card-title a[href='/space/catalogue']"
SHOW_BUTTON = "main form[role=search] button[type=submit]"
STATUS = "main #services > p[role=status]"
ROWS = "main #services li.service-row"
ASKS = "main ul.rows > li.row"
CONNECT_LINK = f"main a[href='/space/catalogue/{SERVICE}/connect']"
CONTINUE = "main button[name=action][value=review]"
CONFIRM = "main button[name=action][value=confirm]"
CHANGE = "main button[name=action][value=change]"
ACCESS_KEY = "main p.access-key code"
MINE_LINK = "main a.button[href='/space/services']"
CONSENTS = "main li.consent-row"
DISCONNECT_LINK = "main li.consent-row a[href$='/disconnect']"
DISCONNECT_BUTTON = "main form[action$='/disconnect'] button[type=submit]"
BANNER = "main .banner-success"


def names(page: Page) -> list[str]:
    return [text.strip() for text in page.locator(f"{ROWS} h2 a").all_text_contents()]


def show(page: Page, javascript: bool, words: str | None = None, category: str | None = None) -> None:
    """Type ``words`` or choose ``category``: with JavaScript the list follows in place; without,
    the form is sent. Either way the address keeps the view under a sealed token."""
    before = page.url
    if javascript:
        page.evaluate("() => { window.stillTheSamePage = true; }")
    if words is not None:
        page.locator("#q").fill(words)
    if category is not None:
        page.locator("#category").select_option(category)
    if javascript:
        page.wait_for_url(lambda url: url != before and SEALED.search(url) is not None)
        settle(page)
        assert page.evaluate("() => window.stillTheSamePage === true"), "the page should not be reloaded"
        check_axe(page)
    else:
        press(page, SHOW_BUTTON)
    assert SEALED.search(path_of(page)), page.url
    assert set(parse_qs(urlsplit(page.url).query)) == {"s"}
    for word in (words or "").split():
        assert word not in page.url


def open_the_catalogue(page: Page, live_server: LiveServer, database_url: str | None) -> None:
    """A new patient signs in and follows "Services" from their space."""
    patient = make_patient(live_server, database_url)
    sign_in(page, live_server, patient.email, patient.password)
    assert path_of(page) == "/space"
    expect(page.locator(SERVICES_CARD)).to_have_text("Services")
    press(page, SERVICES_CARD)
    assert path_of(page) == "/space/catalogue"
    expect(page.locator("h1")).to_have_text("Les services que vous pouvez connecter")
    expect(page.locator(ROWS)).to_have_count(len(catalogue()))


def call_the_api(page: Page, key: str) -> tuple[int, dict[str, object]]:
    answer = page.request.get(API, headers={"Authorization": f"Bearer {key}"})
    assert answer.headers["content-type"].startswith("application/fhir+json")
    return answer.status, answer.json()


def find_it_by_a_word(page: Page, javascript: bool) -> None:
    """The patient looks for "vaccin" and finds only Carnet Vaccins Plus."""
    # When they look for "vaccin"
    show(page, javascript, words="vaccin")
    # Then only Carnet Vaccins Plus is found, and the box keeps the word
    expect(page.locator(STATUS)).to_have_text("1 service")
    expect(page.locator(ROWS)).to_have_count(1)
    assert names(page) == [NAME]
    expect(page.locator("#q")).to_have_value("vaccin")


def open_it_and_read_what_it_would_see(page: Page) -> None:
    """The patient opens the service's page, which says item by item what it would see, and why."""
    # When they open it
    press(page, f"{ROWS} h2 a[href='/space/catalogue/{SERVICE}']")
    # Then its page says, item by item, what it would see, needed or if they wish, and why
    assert path_of(page) == f"/space/catalogue/{SERVICE}"
    expect(page.locator("h1")).to_have_text(NAME)
    expect(page.get_by_role("heading", name="Ce qu'il pourrait voir ou faire")).to_be_visible()
    asks = page.locator(ASKS)
    expect(asks).to_have_count(3)
    expect(asks.locator(".tag")).to_have_text(["nécessaire", "nécessaire", "si vous le souhaitez"])
    for row, kind, ask in zip(asks.all(), ASKED, catalogue()[SERVICE].asks, strict=True):
        expect(row.locator(".row-title")).to_contain_text(kind)
        expect(row).to_contain_text(ask.why.fr)
    expect(page.locator("main")).to_contain_text(
        "Il ne fait que lire : il ne change jamais rien dans votre espace."
    )


def kind_boxes(page: Page) -> tuple[Locator, Locator, Locator]:
    """The connect form's boxes: vaccination documents, vaccinations, allergies."""
    documents = page.get_by_label(f"{VACCINATION_DOCUMENTS} (nécessaire)", exact=True)
    vaccinations = page.get_by_label(f"{VACCINATIONS} (nécessaire)", exact=True)
    allergies = page.get_by_label(f"{ALLERGIES} (si vous le souhaitez)", exact=True)
    return documents, vaccinations, allergies


def connect_it_leaving_a_needed_kind_unticked(page: Page) -> None:
    """The patient connects it without a kind it needs: refused, with what they ticked kept."""
    # When they press "Connect this service"
    expect(page.locator(CONNECT_LINK)).to_have_text("Connecter ce service")
    press(page, CONNECT_LINK)
    assert path_of(page) == f"/space/catalogue/{SERVICE}/connect"
    expect(page.locator("h1")).to_have_text(f"Connecter {NAME}")
    documents, vaccinations, allergies = kind_boxes(page)
    # And continue leaving the vaccinations of their profile, which it needs, unticked
    documents.check()
    allergies.check()
    expect(page.locator(CONTINUE)).to_have_text("Continuer")
    response = press(page, CONTINUE)
    # Then they stay on the form, where an error summary takes the focus and links to the field
    assert response is not None and response.status == 400
    message = NEEDED.format(VACCINATIONS)
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary.locator("a")).to_have_count(1)
    expect(summary.locator("a[href='#kinds']")).to_have_text(message)
    expect(page.locator("#kinds-error")).to_contain_text(message)
    expect(page).to_have_title(re.compile(r"^Erreur"))
    # And what they ticked is still ticked
    expect(documents).to_be_checked()
    expect(vaccinations).not_to_be_checked()
    expect(allergies).to_be_checked()
    summary.locator("a[href='#kinds']").click()
    expect(documents).to_be_focused()


def tick_it_too_and_confirm(page: Page) -> str:
    """The patient ticks the needed kind, checks the summary and confirms; returns the access key shown."""
    # When they tick it too, and continue
    _, vaccinations, _ = kind_boxes(page)
    vaccinations.check()
    press(page, CONTINUE)
    # Then a summary lists what it will read
    expect(page.locator("h1")).to_have_text(f"Vérifiez avant de connecter {NAME}")
    expect(page.locator("main")).to_contain_text(f"{NAME}, de Association Prévention Limousin, pourra lire :")
    expect(page.locator("main ul.list li")).to_have_text(ASKED)
    expect(page.locator("main")).not_to_contain_text("Il ne lira pas")
    expect(page.locator(CHANGE)).to_have_text("Changer mes choix")
    # When they confirm
    expect(page.locator(CONFIRM)).to_have_text("Confirmer et connecter")
    press(page, CONFIRM)
    # Then the service is connected, and its access key is shown
    expect(page.locator("h1")).to_have_text(f"{NAME} est connecté")
    expect(page.locator(BANNER)).to_contain_text(
        "Il peut maintenant lire ce que vous avez coché, et rien d'autre."
    )
    key = page.locator(ACCESS_KEY).inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", key), key
    return key


def see_the_api_answer_the_key(page: Page, key: str) -> None:
    """The API answers the access key with what the service may read."""
    # And the API answers that key with what it may read
    status, bundle = call_the_api(page, key)
    assert status == 200 and bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset"


def find_it_in_connected_services(page: Page) -> None:
    """The patient finds the service in "My connected services", with what it reads and when it last read."""
    # When they go to their connected services
    expect(page.locator(MINE_LINK)).to_have_text("Voir mes services connectés")
    press(page, MINE_LINK)
    # Then the service is there, with what it may read, and when it last read
    assert path_of(page) == "/space/services"
    expect(page.locator("h1")).to_have_text("Mes services connectés")
    consents = page.locator(CONSENTS)
    expect(consents).to_have_count(1)
    expect(consents.first.locator("h2")).to_have_text(NAME)
    expect(consents.first.locator("ul.list li")).to_have_text(ASKED)
    expect(consents.first).to_contain_text("Il a lu vos données pour la dernière fois le")


def disconnect_it(page: Page) -> None:
    """The patient disconnects the service and confirms; it is no longer listed."""
    # When they disconnect it, and confirm
    expect(page.locator(DISCONNECT_LINK)).to_have_text(f"Déconnecter {NAME}")
    press(page, DISCONNECT_LINK)
    expect(page.locator("h1")).to_have_text(f"Déconnecter {NAME} ?")
    expect(page.locator(DISCONNECT_BUTTON)).to_have_text("Oui, le déconnecter")
    press(page, DISCONNECT_BUTTON)
    # Then a banner says it reads nothing more, and it is no longer listed
    assert path_of(page) == "/space/services?done=disconnected"
    expect(page.locator(BANNER)).to_contain_text("Le service est déconnecté : il ne peut plus rien lire.")
    expect(page.locator(CONSENTS)).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Aucun service n'est connecté à votre espace.")


def see_the_api_refuse_the_key(page: Page, key: str) -> None:
    """The API refuses the access key of the disconnected service."""
    # And the API refuses the same key
    status, outcome = call_the_api(page, key)
    assert status == 401 and outcome["resourceType"] == "OperationOutcome"


def test_a_patient_finds_a_service_connects_it_choosing_what_it_reads_and_disconnects_it(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    # Given a patient on the catalogue, which lists every service
    open_the_catalogue(page, live_server, database_url)
    find_it_by_a_word(page, javascript)
    open_it_and_read_what_it_would_see(page)
    connect_it_leaving_a_needed_kind_unticked(page)
    key = tick_it_too_and_confirm(page)
    see_the_api_answer_the_key(page, key)
    find_it_in_connected_services(page)
    disconnect_it(page)
    see_the_api_refuse_the_key(page, key)


def test_the_kind_filter_and_the_search_give_the_same_results_with_and_without_javascript(
    page: Page, live_server: LiveServer, database_url: str | None, javascript: bool
) -> None:
    carers = sorted((e.name for e in catalogue().values() if e.category == "carers"), key=str.casefold)
    assert len(carers) > 1
    # Given a patient on the catalogue, which lists every service
    open_the_catalogue(page, live_server, database_url)
    everything = names(page)
    # When they choose the kind "Support for carers"
    show(page, javascript, category="carers")
    # Then exactly the catalogue's services of that kind are listed
    expect(page.locator("#category option:checked")).to_have_text("Soutien aux aidants")
    expect(page.locator(STATUS)).to_have_text(f"{len(carers)} services")
    assert names(page) == carers
    carers_address = path_of(page)
    # When they also look for "famille"
    show(page, javascript, words="famille")
    # Then the services of that kind with that word are listed
    found = [entry.name for entry in search("famille", "carers")]
    assert found and found != carers
    expect(page.locator(ROWS)).to_have_count(len(found))
    assert names(page) == found
    expect(page.locator("#category")).to_have_value("carers")

    # When they press the browser's Back button
    page.go_back()
    # Then the services of that kind are listed again, at the address they had
    expect(page.locator(ROWS)).to_have_count(len(carers))
    assert names(page) == carers
    assert path_of(page) == carers_address
    expect(page.locator("#category")).to_have_value("carers")
    check_axe(page)
    # And Back once more gives the whole catalogue
    page.go_back()
    expect(page.locator(ROWS)).to_have_count(len(everything))
    assert names(page) == everything
    assert path_of(page) == "/space/catalogue"
    check_axe(page)
