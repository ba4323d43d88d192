"""Kind error pages: 404, 413, 500 and 405, in the person's language, never a stack trace."""

from __future__ import annotations

from litestar import get

from portal.site.tables import HelpPoint
from tests.conftest import csrf
from tests.html import page


def test_an_unknown_address_gets_a_kind_404_in_french(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert page(response).heading == "Nous ne trouvons pas cette page"
    assert page(response).links("main")["Aller à la page d'accueil"] == "/"


def test_an_unknown_address_gets_a_kind_404_in_english(client):
    client.cookies.set("lang", "en")
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert page(response).heading == "We cannot find this page"


def test_a_wrong_method_is_a_404_page_too(client):
    response = client.post("/accessibility", data={"_csrf_token": csrf(client)})
    assert response.status_code == 404
    assert page(response).heading == "Nous ne trouvons pas cette page"


def test_an_oversized_body_gets_a_413_page(make_client):
    client = make_client(max_body_bytes=2048)
    response = client.post("/display", data={"_csrf_token": csrf(client), "next": "x" * 5000})
    assert response.status_code == 413
    assert page(response).heading == "Ce que vous avez envoyé est trop gros"
    assert "Rien n'a été enregistré" in page(response).text("main")


def test_a_crash_shows_a_kind_page_and_saves_nothing(client, caplog):
    @get("/test-crash", opt={"public": True})
    async def crash() -> str:
        await HelpPoint.insert(
            HelpPoint(
                slug="half-done",
                name="x",
                kind="pharmacy",
                address="",
                postcode="",
                town="",
                department="00",
                phone="",
                hours_fr="",
                hours_en="",
            )
        )
        raise RuntimeError("secret detail that must not reach the page")

    client.app.register(crash)
    response = client.get("/test-crash")
    assert response.status_code == 500
    assert page(response).heading == "Désolé, un problème est survenu de notre côté"
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" in caplog.text  # the operator still sees it in the log

    @get("/test-count", opt={"public": True})
    async def count() -> str:
        return str(await HelpPoint.count().where(HelpPoint.slug == "half-done"))

    client.app.register(count)
    assert client.get("/test-count").text == "0"


def test_the_404_page_forms_carry_a_token_that_works(client):
    response = client.get("/no-such-page")
    token = client.cookies["csrftoken"]
    tokens = {field["value"] for field in page(response).all('form input[name="_csrf_token"]')}
    assert tokens == {token}
    switched = client.post(
        "/display", data={"lang": "en", "next": "/no-such-page", "_csrf_token": token}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert page(client.get("/no-such-page")).heading == "We cannot find this page"


def test_the_404_page_reuses_the_token_the_browser_has(client):
    token = csrf(client)
    assert {
        field["value"] for field in page(client.get("/no-such-page")).all('input[name="_csrf_token"]')
    } == {token}
