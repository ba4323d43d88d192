"""Small web helpers: where a form may send a person back to, display preferences, and what
makes a form look sent from another site."""

from __future__ import annotations

import pytest

from portal.core.web import Display, cross_site_reason, origin_of, safe_next


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/help?department=23", "/help?department=23"),
        (None, "/"),
        ("", "/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("help", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_safe_next_keeps_only_local_paths(value, expected):
    assert safe_next(value) == expected


def test_display_preferences_ignore_unknown_values():
    display = Display.from_cookies({"lang": "xx", "text": "giant", "theme": "neon"}, "fr")
    assert display == Display(locale="fr", text_size="standard", theme="standard")
    assert Display.from_cookies({"lang": "en", "text": "larger", "theme": "contrast"}, "fr").html_classes == (
        "text-larger theme-contrast"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://portal.example", "https://portal.example"),
        ("HTTPS://Portal.Example:443/any/path?x=1", "https://portal.example"),
        ("http://portal.example:80", "http://portal.example"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://portal.example:8443", "https://portal.example:8443"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("null", None),
        ("", None),
        ("portal.example", None),
        ("https://portal.example:99999", None),
    ],
)
def test_an_origin_is_written_as_browsers_write_it(value, expected):
    assert origin_of(value) == expected


OWN = frozenset({"https://portal.example", "http://127.0.0.1:8000"})


@pytest.mark.parametrize(
    ("headers", "refused"),
    [
        ({}, False),
        ({"sec-fetch-site": "same-origin"}, False),
        ({"sec-fetch-site": "none"}, False),
        ({"sec-fetch-site": "same-origin", "origin": "null"}, False),
        ({"sec-fetch-site": "Same-Origin"}, False),
        ({"sec-fetch-site": "same-site"}, True),
        ({"sec-fetch-site": "cross-site"}, True),
        ({"sec-fetch-site": "cross-site", "origin": "https://portal.example"}, True),
        ({"sec-fetch-site": "something-new"}, True),
        ({"origin": "https://portal.example"}, False),
        ({"origin": "https://portal.example:443"}, False),
        ({"origin": "http://127.0.0.1:8000"}, False),
        ({"origin": "http://portal.example"}, True),
        ({"origin": "https://portal.example.evil.example"}, True),
        ({"origin": "https://evil.example"}, True),
        ({"origin": "null"}, True),
        ({"origin": ""}, True),
    ],
)
def test_what_looks_sent_from_another_site(headers, refused):
    assert (cross_site_reason(headers, OWN) is not None) is refused
