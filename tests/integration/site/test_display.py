"""Language, text size and contrast: chosen with plain forms, remembered in cookies."""

from __future__ import annotations

from tests.conftest import csrf
from tests.html import page


def test_choosing_english_remembers_it_and_goes_back(client):
    response = client.post(
        "/display",
        data={"lang": "en", "next": "/help?department=23", "_csrf_token": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/help?department=23"
    cookie = response.headers["set-cookie"]
    assert (
        "lang=en" in cookie
        and "HttpOnly" in cookie
        and "SameSite=lax" in cookie
        and "Max-Age=31536000" in cookie
    )
    assert page(client.get("/help")).one("html")["lang"] == "en"


def test_choosing_a_text_size_and_contrast_changes_the_page_class(client):
    token = csrf(client)
    client.post("/display", data={"text": "larger", "next": "/", "_csrf_token": token})
    client.post("/display", data={"theme": "contrast", "next": "/", "_csrf_token": token})
    shown = page(client.get("/"))
    assert shown.one("html")["class"] == ["text-larger", "theme-contrast"]
    assert shown.one('[name="text"][value="larger"]')["aria-pressed"] == "true"
    assert shown.one('[name="theme"][value="standard"]')["aria-pressed"] == "true"


def test_the_display_page_saves_all_three_at_once(client):
    response = client.post(
        "/display",
        data={
            "lang": "en",
            "text": "large",
            "theme": "contrast",
            "next": "/accessibility",
            "_csrf_token": csrf(client),
        },
    )
    assert response.status_code == 200
    root = page(response).one("html")
    assert root["lang"] == "en" and root["class"] == ["text-large", "theme-contrast"]
    assert page(response).heading == "Accessibility statement"


def test_the_display_page_shows_the_current_choices(client):
    client.cookies.set("text", "large")
    shown = page(client.get("/display", params={"next": "/help"}))
    assert shown.one('input#text-2[name="text"][type="radio"][value="large"]').has_attr("checked")
    assert shown.one("a.back-link")["href"] == "/help"


def test_a_next_address_off_the_site_goes_home_instead(client):
    for evil in ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]:
        response = client.post(
            "/display",
            data={"text": "large", "next": evil, "_csrf_token": csrf(client)},
            follow_redirects=False,
        )
        assert response.headers["location"] == "/", evil


def test_an_unknown_value_gets_a_message_at_the_field_and_nothing_is_saved(client):
    response = client.post(
        "/display", data={"text": "huge", "lang": "en", "next": "/", "_csrf_token": csrf(client)}
    )
    assert response.status_code == 400
    assert "set-cookie" not in response.headers or "lang=" not in response.headers.get("set-cookie", "")
    shown = page(response)
    assert shown.error_summary() == {"text": "Choisissez l'une des tailles de texte."}
    assert shown.field_error("text") == "Choisissez l'une des tailles de texte."
    assert shown.title.startswith("Erreur\u00a0: Réglages d'affichage")


def test_htmx_requests_may_send_the_token_in_a_header(client):
    response = client.post(
        "/display",
        data={"text": "large", "next": "/"},
        headers={"x-csrftoken": csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_a_form_without_its_token_says_it_expired_and_saves_nothing(client):
    client.get("/")
    response = client.post("/display", data={"lang": "en", "next": "/"}, follow_redirects=False)
    assert response.status_code == 403
    assert page(response).heading == "Ce formulaire a expiré"
    assert page(response).links("main")["Revenir au formulaire"] == "/display"  # a way back
    assert "lang=en" not in response.headers.get("set-cookie", "")
    assert page(client.get("/")).one("html")["lang"] == "fr"


def test_a_token_from_another_browser_is_refused(client, make_client):
    other = make_client()
    stolen = csrf(other)
    client.get("/")
    response = client.post("/display", data={"lang": "en", "_csrf_token": stolen}, follow_redirects=False)
    assert response.status_code == 403
