"""Language, text size and contrast: chosen with plain forms, remembered in cookies."""

from __future__ import annotations

from tests.conftest import csrf


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
    assert '<html lang="en"' in client.get("/help").text


def test_choosing_a_text_size_and_contrast_changes_the_page_class(client):
    token = csrf(client)
    client.post("/display", data={"text": "larger", "next": "/", "_csrf_token": token})
    client.post("/display", data={"theme": "contrast", "next": "/", "_csrf_token": token})
    html = client.get("/").text
    assert 'class="text-larger theme-contrast"' in html
    assert 'name="text" value="larger" aria-pressed="true"' in html
    assert 'name="theme" value="standard" aria-pressed="true"' in html


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
    assert '<html lang="en" class="text-large theme-contrast">' in response.text
    assert "Accessibility statement</h1>" in response.text


def test_the_display_page_shows_the_current_choices(client):
    client.cookies.set("text", "large")
    html = client.get("/display", params={"next": "/help"}).text
    assert 'id="text-2" name="text" type="radio" value="large" checked' in html
    assert 'class="back-link" href="/help"' in html


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
    assert '<a href="#text">Choisissez l&#39;une des tailles de texte.</a>' in response.text
    assert 'id="text-error"' in response.text
    assert "<title>Erreur\u00a0: Réglages d'affichage" in response.text


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
    assert "Ce formulaire a expiré" in response.text
    assert 'href="/display"' in response.text  # a way back
    assert "lang=en" not in response.headers.get("set-cookie", "")
    assert '<html lang="fr"' in client.get("/").text


def test_a_token_from_another_browser_is_refused(client, make_client):
    other = make_client()
    stolen = csrf(other)
    client.get("/")
    response = client.post("/display", data={"lang": "en", "_csrf_token": stolen}, follow_redirects=False)
    assert response.status_code == 403
