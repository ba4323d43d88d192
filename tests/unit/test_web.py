"""Small web helpers: where a form may send a person back to, and display preferences."""

from __future__ import annotations

import pytest

from portal.core.web import Display, safe_next


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
