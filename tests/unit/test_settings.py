"""Settings come from PORTAL_* variables, secrets also from *_FILE, with plain errors."""

from __future__ import annotations

import re

import pytest

from portal.settings import PROJECT_ROOT, SETTINGS_DOC, Settings, SettingsError


def test_it_has_safe_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.data_dir == tmp_path / "data"
    assert settings.sqlite_path == tmp_path / "data" / "portal.sqlite"
    assert (settings.host, settings.port, settings.workers) == ("127.0.0.1", 8000, 1)
    assert settings.default_locale == "fr"
    assert settings.migrate_on_start is True


def test_it_reads_the_environment(tmp_path):
    settings = Settings.from_env(
        {
            "PORTAL_DATA_DIR": str(tmp_path),
            "PORTAL_DATABASE_URL": "postgresql://u@db/portal",
            "PORTAL_PORT": "9000",
            "PORTAL_WORKERS": "4",
            "PORTAL_DEFAULT_LOCALE": "en",
            "PORTAL_MIGRATE_ON_START": "0",
        }
    )
    assert settings.sqlite_path is None
    assert settings.port == 9000 and settings.workers == 4
    assert settings.base_url == "http://127.0.0.1:9000"
    assert settings.default_locale == "en" and settings.migrate_on_start is False


def test_a_secret_may_come_from_a_file(tmp_path):
    secret = tmp_path / "db-url"
    secret.write_text("postgresql://u:p@db/portal\n")
    settings = Settings.from_env({"PORTAL_DATABASE_URL_FILE": str(secret)})
    assert settings.database_url == "postgresql://u:p@db/portal"


def test_a_missing_secret_file_is_a_plain_error(tmp_path):
    with pytest.raises(SettingsError, match="PORTAL_MASTER_KEY_FILE: cannot read"):
        Settings.from_env({"PORTAL_MASTER_KEY_FILE": str(tmp_path / "nope")})


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORTAL_PORT", "eighty", "whole number"),
        ("PORTAL_WORKERS", "0", "at least 1"),
        ("PORTAL_DEFAULT_LOCALE", "de", "fr or en"),
        ("PORTAL_DEBUG", "maybe", "1 or 0"),
    ],
)
def test_a_bad_value_is_a_plain_error(name, value, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


def test_the_readme_documents_every_setting():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(PORTAL_\w+)` \|", readme, flags=re.MULTILINE))
    assert documented == set(SETTINGS_DOC)


def test_ci_runs_the_readme_commands_verbatim():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```sh\n(.+?)\n```", readme)
    start, test = commands[0], commands[1]
    assert "portal serve" in start and "pytest" in test
    assert test in (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_make_runs_the_readme_commands_and_every_target_it_names_exists():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start, test = re.findall(r"```sh\n(.+?)\n```", readme)[:2]
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    recipes = {
        name: [line.strip() for line in body.splitlines() if line.startswith("\t")]
        for name, body in re.findall(r"^([a-z0-9-]+):.*\n((?:\t.*\n?)*)", makefile, flags=re.MULTILINE)
    }
    assert recipes["test"] == [test] and recipes["run"] == [start]
    phony = re.search(r"^\.PHONY: (.+)$", makefile, flags=re.MULTILINE)
    assert phony and set(phony.group(1).split()) <= set(recipes), "a phony target without a recipe"
    for lines in recipes.values():  # a script a recipe runs is in the project
        for script in re.findall(r"(?:^|\s)((?:\./|sh |bash )\S+)", " ".join(lines)):
            path = script.split()[-1].removeprefix("./")
            assert (PROJECT_ROOT / path).exists(), f"the Makefile runs {path}, which is not there"


def test_no_proxy_is_trusted_unless_declared():
    assert Settings.from_env({}).trusted_proxies == ()
    assert Settings.from_env({"PORTAL_TRUSTED_PROXIES": ""}).trusted_proxies == ()


def test_trusted_proxies_are_addresses_or_networks_separated_by_commas():
    settings = Settings.from_env({"PORTAL_TRUSTED_PROXIES": " 127.0.0.1, ::1,10.0.0.0/8 ,192.0.2.7/32,"})
    assert settings.trusted_proxies == ("127.0.0.1", "::1", "10.0.0.0/8", "192.0.2.7")
    assert Settings.from_env({"PORTAL_TRUSTED_PROXIES": "10.0.0.1,10.0.0.1"}).trusted_proxies == ("10.0.0.1",)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("proxy.example.org", "'proxy.example.org' is not an address or a network"),
        ("127.0.0.1, 300.1.1.1", "'300.1.1.1' is not an address or a network"),
        ("10.0.0.0/33", "'10.0.0.0/33' is not an address or a network"),
        ("10.0.0.1/8", "write the network '10.0.0.1/8' with its first address"),
        ("*", "name the proxies' addresses; '\\*' would believe anyone"),
    ],
)
def test_a_trusted_proxy_that_is_not_an_address_is_a_plain_error(value, message):
    with pytest.raises(SettingsError, match=f"^PORTAL_TRUSTED_PROXIES: {message}"):
        Settings.from_env({"PORTAL_TRUSTED_PROXIES": value})
