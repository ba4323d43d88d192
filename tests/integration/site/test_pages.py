"""Home, help, accessibility: in French by default, in English when chosen, with every
security header, compressed, and light enough for a slow connection."""

from __future__ import annotations

import gzip
import re

import brotli

from tests.html import page

FRENCH = {"lang": "fr"}


def _current_page(text: str) -> str:
    """The address of the page of help points shown, as the pagination marks it."""
    return page(text).one('.pagination [aria-current="page"]')["href"]


def test_the_home_page_is_in_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    shown = page(response)
    assert shown.one("html")["lang"] == "fr"
    assert shown.heading == "Votre espace santé"
    assert shown.text("a.skip-link") == "Aller au contenu principal"


def test_the_home_page_is_in_english_when_chosen(client):
    client.cookies.set("lang", "en")
    response = client.get("/")
    shown = page(response)
    assert shown.one("html")["lang"] == "en"
    assert shown.heading == "Your health space"
    # the switch offers French, named in French
    switch = shown.one('button[name="lang"]')
    assert (switch["value"], switch["lang"], switch.get_text(strip=True)) == ("fr", "fr", "Français")


def test_an_unknown_language_cookie_falls_back_to_french(client):
    client.cookies.set("lang", "de")
    assert page(client.get("/")).one("html")["lang"] == "fr"


def test_every_page_sends_the_security_headers(client):
    for path in ["/", "/help", "/accessibility", "/display", "/no-such-page"]:
        response = client.get(path)
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "style-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert "camera=()" in headers["permissions-policy"]
        assert headers["cache-control"] == "no-store", path
        assert "strict-transport-security" not in headers, "HSTS only over HTTPS"


def test_hsts_is_sent_over_https(make_client):
    client = make_client(base_url="https://testserver.local")
    assert client.get("/").headers["strict-transport-security"].startswith("max-age=63072000")


def test_static_files_are_kept_by_browsers_for_a_year(client):
    [css] = [link["href"] for link in page(client.get("/")).all('link[rel="stylesheet"][href]')]
    assert re.fullmatch(r"/static/css/portal\.css\?v=\w+", css), css
    response = client.get(css)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_are_compressed(client):
    response = client.get("/", headers={"accept-encoding": "br"})
    assert response.headers["content-encoding"] == "br"
    response = client.get("/help", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


def _compressed_size(client, path):
    raw = client.get(path, headers={"accept-encoding": "identity"}).content
    return len(brotli.compress(raw, quality=4)), len(gzip.compress(raw)), raw


def test_the_home_page_weighs_less_than_14_kb_of_html_and_50_kb_in_all(client):
    html_br, html_gz, raw = _compressed_size(client, "/")
    linked = page(raw.decode()).all('link[href^="/static/"], script[src^="/static/"]')
    assets = [element.get("href") or element.get("src") for element in linked]
    assets = [asset for asset in assets if re.fullmatch(r"/static/[^\s]+\.(css|js)\?v=\w+", asset)]
    assert len(assets) == 3  # the stylesheet, htmx and portal.js
    total = html_br + sum(_compressed_size(client, asset)[0] for asset in assets)
    assert html_br <= 14 * 1024 and html_gz <= 14 * 1024
    assert total <= 50 * 1024


def test_the_help_page_lists_help_points_with_their_phone(client):
    response = client.get("/help")
    assert response.status_code == 200
    shown = page(response)
    assert shown.text("#help-points .result-count") == "12 lieux d'aide"
    assert "France Services Guéret" in shown.texts("#help-points .row-title")
    assert shown.has('#help-points .row a[href="tel:0555001010"]')


def test_the_help_page_filters_by_department(client):
    response = client.get("/help", params={"department": "19"})
    assert page(response).text("#help-points .result-count") == "2 lieux d'aide"
    assert "Ussel" in page(response).text("#help-points ul.rows") and "Guéret" not in response.text


def test_the_help_page_pages_through_help_points(client):
    first = client.get("/help").text
    second = client.get("/help", params={"page": "2"}).text
    assert _current_page(first) == "/help?department=&page=1"
    assert _current_page(second) == "/help?department=&page=2"
    assert "Page suivante" in page(first).links(".pagination")
    assert "Page précédente" in page(second).links(".pagination")


def test_a_page_number_out_of_range_shows_the_last_page(client):
    response = client.get("/help", params={"page": "999"})
    assert response.status_code == 200
    assert _current_page(response.text) == "/help?department=&page=3"
    assert client.get("/help", params={"page": "abc"}).status_code == 200


def test_htmx_gets_only_the_help_points_list(client):
    response = client.get("/help", params={"department": "23"}, headers={"hx-request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text
    assert response.text.lstrip().startswith('<div id="help-points"')
    assert page(response).text("#help-points .result-count") == "5 lieux d'aide"
    assert "Cookie, HX-Request" in response.headers["vary"]


def test_an_unknown_department_gets_a_message_at_the_field(client):
    response = client.get("/help", params={"department": "99"})
    assert response.status_code == 400
    shown = page(response)
    assert shown.title.startswith("Erreur\u00a0: Aide et contact")
    assert shown.error_summary() == {"department": "Choisissez un département dans la liste."}
    assert shown.field_error("department") == "Choisissez un département dans la liste."
    assert "department-error" in shown.one("#department")["aria-describedby"].split()
    # the full list is still shown below
    assert shown.text("#help-points .result-count") == "12 lieux d'aide"


def test_the_accessibility_statement_gives_the_compliance_status(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    assert "partiellement conforme" in page(response).text("main")
    client.cookies.set("lang", "en")
    assert "partially compliant" in page(client.get("/accessibility")).text("main")


def test_health_check_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.text == "ok"


def test_a_page_number_too_large_for_any_database_shows_the_first_page(client):
    response = client.get("/help", params={"page": "99999999999999999999999999"})
    assert response.status_code == 200
    assert _current_page(response.text) == "/help?department=&page=1"
