"""Kiosks without a database: enrolment codes, terminal names and departments, link tokens,
the time-out's timing, and the settings."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from portal.kiosk import services
from portal.kiosk.web import timing
from portal.settings import Settings, SettingsError


def test_codes_are_long_and_unambiguous():
    codes = {services.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == services.CODE_LENGTH
        assert not set(code) & set("0O1IL")
    assert services.format_code("ABCDEFGHJKMN") == "ABCD-EFGH-JKMN"


@pytest.mark.parametrize("typed", ["abcd-efgh-jkmn", " ABCD EFGH JKMN ", "ABCD - EFGH - JKMN"])
def test_a_code_is_read_however_it_is_typed(typed):
    assert services.normalise_code(typed) == "ABCDEFGHJKMN"


def test_a_terminal_needs_a_name_and_a_real_department():
    assert services.check_terminal("  Maison de santé   de Guéret, accueil ", " 23 ") == (
        "Maison de santé de Guéret, accueil",
        "23",
    )
    assert services.check_terminal("Accueil", "2a") == ("Accueil", "2A")
    assert services.check_terminal("Accueil", "974") == ("Accueil", "974")
    assert services.check_terminal("Accueil", None) == ("Accueil", None)
    for department in ("99", "00", "977", "23a", ""):
        with pytest.raises(services.EnrolmentError):
            services.check_terminal("Accueil", department or "x")
    with pytest.raises(services.EnrolmentError):
        services.check_terminal("   ", None)
    with pytest.raises(services.EnrolmentError):
        services.check_terminal("x" * 121, None)


def test_a_link_token_is_secret_and_only_its_hash_is_kept():
    key, other_key = bytes(range(32)), bytes(range(1, 33))
    link = uuid.uuid4()
    token = services.link_token(key, link)
    assert len(token) == 43 and "=" not in token
    assert services.link_token(key, link) == token  # the kiosk's page draws it again
    assert services.link_token(other_key, link) != token
    assert services.link_token(key, uuid.uuid4()) != token
    assert services.hash_token(token) != token and len(services.hash_token(token)) == 64


def test_the_kiosk_names_itself_in_the_audit_trail():
    terminal = uuid.uuid4()
    assert services.Kiosk(terminal_id=terminal).audit_id == f"kiosk:{terminal}"
    assert services.Kiosk(terminal_id=None).audit_id == "kiosk:setting"


def test_the_warning_comes_a_minute_before_or_at_half_time():
    def warned(minutes: int) -> int:
        return timing(Settings(data_dir=Path("."), kiosk_idle_minutes=minutes)).warn_seconds

    assert warned(3) == 60
    assert warned(10) == 60
    assert warned(1) == 30  # still at least 20 seconds
    assert timing(Settings(data_dir=Path("."))).idle_minutes == 3


def test_kiosk_settings():
    assert Settings.from_env({}).kiosk is False
    settings = Settings.from_env({"PORTAL_KIOSK": "1", "PORTAL_KIOSK_IDLE_MINUTES": "1"})
    assert settings.kiosk is True and settings.kiosk_idle_minutes == 1
    with pytest.raises(SettingsError, match="at least 1"):
        Settings.from_env({"PORTAL_KIOSK_IDLE_MINUTES": "0"})
    with pytest.raises(SettingsError, match="1 or 0"):
        Settings.from_env({"PORTAL_KIOSK": "maybe"})
