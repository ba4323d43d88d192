"""All configuration, read from ``PORTAL_*`` environment variables.

A secret may also come from a file named by ``<NAME>_FILE`` (Docker and systemd
credentials work that way), so it never has to sit in the environment itself.
Every setting is listed in ``SETTINGS_DOC``; the README's table is checked
against it by a test.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# name -> (default shown to people, what it does)
SETTINGS_DOC: dict[str, tuple[str, str]] = {
    "PORTAL_DATA_DIR": ("./data", "Folder for the SQLite file, the master key file and the outbox."),
    "PORTAL_DATABASE_URL": (
        "(empty: SQLite in the data folder)",
        "`postgresql://user:pass@host:5432/db` to use PostgreSQL, or `sqlite:///path/file.sqlite`.",
    ),
    "PORTAL_DATABASE_URL_FILE": ("", "File holding the database URL (for URLs with a password)."),
    "PORTAL_MASTER_KEY": (
        "(empty: key file in the data folder)",
        "Base64 master key (32 bytes). Wraps every data key; never stored in the database.",
    ),
    "PORTAL_MASTER_KEY_FILE": ("", "File holding the base64 master key."),
    "PORTAL_HOST": ("127.0.0.1", "Address `portal serve` listens on."),
    "PORTAL_PORT": ("8000", "Port `portal serve` listens on."),
    "PORTAL_WORKERS": ("1", "Number of server processes for `portal serve`."),
    "PORTAL_BASE_URL": (
        "http://127.0.0.1:<port>",
        "Public address of the portal: links in emails; `https://` makes cookies Secure.",
    ),
    "PORTAL_MAX_BODY_BYTES": ("25000000", "Largest request body accepted; bigger ones get a 413 page."),
    "PORTAL_DEFAULT_LOCALE": ("fr", "Language for people who have not chosen one (`fr` or `en`)."),
    "PORTAL_LOG_LEVEL": ("INFO", "Log level: DEBUG, INFO, WARNING, ERROR."),
    "PORTAL_DEBUG": ("0", "`1` logs every request in the console (pages never show errors' details)."),
    "PORTAL_MIGRATE_ON_START": ("1", "`1` runs pending migrations when the portal starts."),
}


class SettingsError(ValueError):
    """A setting has a value the portal cannot use."""


def _read(env: Mapping[str, str], name: str, secret: bool = False) -> str | None:
    value = env.get(name)
    if value:
        return value
    if secret:
        path = env.get(f"{name}_FILE")
        if path:
            try:
                return Path(path).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"{name}_FILE: cannot read {path}: {exc.strerror}") from exc
    return None


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = _read(env, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = _read(env, name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    master_key: str | None = field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 25_000_000
    default_locale: str = "fr"
    log_level: str = "INFO"
    debug: bool = False
    migrate_on_start: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; raise ``SettingsError`` with a plain message on a bad value."""
        env = os.environ if env is None else env
        locale = _read(env, "PORTAL_DEFAULT_LOCALE") or "fr"
        if locale not in {"fr", "en"}:
            raise SettingsError("PORTAL_DEFAULT_LOCALE must be fr or en")
        log_level = (_read(env, "PORTAL_LOG_LEVEL") or "INFO").upper()
        if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise SettingsError("PORTAL_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR")
        port = _int(env, "PORTAL_PORT", 8000, minimum=0)
        return cls(
            data_dir=Path(_read(env, "PORTAL_DATA_DIR") or "data").resolve(),
            database_url=_read(env, "PORTAL_DATABASE_URL", secret=True),
            master_key=_read(env, "PORTAL_MASTER_KEY", secret=True),
            host=_read(env, "PORTAL_HOST") or "127.0.0.1",
            port=port,
            workers=_int(env, "PORTAL_WORKERS", 1, minimum=1),
            base_url=(_read(env, "PORTAL_BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            max_body_bytes=_int(env, "PORTAL_MAX_BODY_BYTES", 25_000_000, minimum=1024),
            default_locale=locale,
            log_level=log_level,
            debug=_bool(env, "PORTAL_DEBUG", False),
            migrate_on_start=_bool(env, "PORTAL_MIGRATE_ON_START", True),
        )

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file in use, or None on PostgreSQL."""
        url = self.database_url
        if not url:
            return self.data_dir / "portal.sqlite"
        if url.startswith("sqlite:///"):
            return Path(url.removeprefix("sqlite:///"))
        return None

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"
