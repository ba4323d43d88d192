"""All configuration, read from ``PORTAL_*`` environment variables.

A secret may also come from a file named by ``<NAME>_FILE`` (Docker and systemd
credentials work that way), so it never has to sit in the environment itself.
Every setting is listed in ``SETTINGS_DOC``; the README's table is checked
against it by a test.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MAIL_FROM = "Mon espace santé <ne-pas-repondre@portal.invalid>"

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
    "PORTAL_TRUSTED_PROXIES": (
        "(empty: none)",
        "Addresses or networks of the reverse proxies in front of `portal serve`, comma-separated "
        "(`127.0.0.1`, `10.0.0.0/8`, `::1`): only a request from one of them may say, with "
        "`X-Forwarded-For` and `X-Forwarded-Proto`, who sent it and whether over https. "
        "Empty: these headers are ignored.",
    ),
    "PORTAL_BASE_URL": (
        "http://127.0.0.1:<port>",
        "Public address of the portal: links in emails; `https://` makes cookies Secure.",
    ),
    "PORTAL_MAX_BODY_BYTES": ("25000000", "Largest request body accepted; bigger ones get a 413 page."),
    "PORTAL_MAX_DOCUMENT_BYTES": (
        "20000000",
        "Largest document a person or a professional may add (20 MB); keep it below `PORTAL_MAX_BODY_BYTES`.",
    ),
    "PORTAL_MAX_CARERS_PER_PATIENT": ("3", "How many carers a patient may have (invited or active)."),
    "PORTAL_MAX_PEOPLE_PER_CARER": ("5", "How many people one carer may help."),
    "PORTAL_DEFAULT_LOCALE": ("fr", "Language for people who have not chosen one (`fr` or `en`)."),
    "PORTAL_TIMEZONE": (
        "Europe/Paris",
        "Time zone of the dates and times people read (`Indian/Reunion`, `America/Cayenne`...).",
    ),
    "PORTAL_LOG_LEVEL": ("INFO", "Log level: DEBUG, INFO, WARNING, ERROR."),
    "PORTAL_DEBUG": ("0", "`1` logs every request in the console (pages never show errors' details)."),
    "PORTAL_MIGRATE_ON_START": ("1", "`1` runs pending migrations when the portal starts."),
    "PORTAL_SMTP_URL": (
        "(empty: emails go to the outbox)",
        "Mail server for outgoing emails: `smtp://user:pass@host:587?starttls=1` (STARTTLS), "
        "`smtps://user:pass@host:465` (TLS from the start) or `smtp://host:25`. "
        "Percent-encode special characters of the password; it is only sent over TLS (or on this machine).",
    ),
    "PORTAL_SMTP_URL_FILE": ("", "File holding the mail server URL (for URLs with a password)."),
    "PORTAL_MAIL_FROM": (
        f"`{DEFAULT_MAIL_FROM}`",
        "Sender of outgoing emails, `Name <address>`: an address the mail server may send from.",
    ),
    "PORTAL_SESSION_IDLE_MINUTES": (
        "30",
        "Minutes without any request after which a person is signed out (warned 2 minutes before).",
    ),
    "PORTAL_SESSION_MAX_HOURS": ("12", "Hours after signing in when a person is signed out, even if active."),
    "PORTAL_KIOSK": (
        "0",
        "`1` makes every browser of this portal a shared kiosk terminal (short time-out, no downloads); "
        "single terminals are enrolled with `portal kiosk enrol` instead.",
    ),
    "PORTAL_KIOSK_IDLE_MINUTES": (
        "3",
        "Minutes without activity after which a person on a kiosk terminal is signed out (asked "
        '"Are you still there?" up to a minute before; at least 1).',
    ),
    "PORTAL_REDIS_URL": (
        "(empty: sessions in the database)",
        "`redis://host:6379/0` (or `rediss://` for TLS) to keep sessions in Redis instead of the database.",
    ),
    "PORTAL_REDIS_URL_FILE": ("", "File holding the Redis URL (for URLs with a password)."),
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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class SmtpServer:
    """The mail server of ``PORTAL_SMTP_URL``."""

    host: str
    port: int
    # "implicit": TLS from the first byte (smtps://); "starttls": plain, then STARTTLS; "none".
    tls: Literal["implicit", "starttls", "none"] = "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def from_url(cls, url: str, name: str = "PORTAL_SMTP_URL") -> SmtpServer:
        """Parse ``smtp://user:pass@host:port[?starttls=1]`` or ``smtps://...``."""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"}:
            raise SettingsError(f"{name} must start with smtp:// or smtps://")
        try:
            port = parts.port
        except ValueError:
            raise SettingsError(f"{name} has a bad port") from None
        if not parts.hostname:
            raise SettingsError(f"{name} must name the mail server: smtp://host:port")
        if parts.path not in {"", "/"}:
            raise SettingsError(f"{name} must not have a path after the server")
        try:
            query = parse_qs(parts.query, strict_parsing=bool(parts.query))
        except ValueError:
            raise SettingsError(f"{name}: cannot read the options after '?'") from None
        unknown = set(query) - {"starttls"}
        if unknown:
            raise SettingsError(f"{name}: unknown option {sorted(unknown)[0]!r} (only starttls=1)")
        starttls = query.get("starttls", ["0"])[-1]
        if starttls not in {"0", "1"}:
            raise SettingsError(f"{name}: starttls must be 1 or 0")
        if parts.scheme == "smtps":
            if starttls == "1":
                raise SettingsError(f"{name}: smtps:// already uses TLS; leave out starttls=1")
            tls: Literal["implicit", "starttls", "none"] = "implicit"
        else:
            tls = "starttls" if starttls == "1" else "none"
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if (username is None) != (password is None):
            raise SettingsError(f"{name}: give both a user and a password, or neither")
        if not ((username or "").isascii() and (password or "").isascii()):
            # smtplib's AUTH sends them as ASCII.
            raise SettingsError(f"{name}: the user and password must be plain ASCII characters")
        if username and tls == "none" and not _is_loopback(parts.hostname):
            # The password would cross the network in clear.
            raise SettingsError(f"{name}: a password is only sent over TLS: use smtps:// or add ?starttls=1")
        default_port = {"implicit": 465, "starttls": 587, "none": 25}[tls]
        return cls(
            host=parts.hostname,
            port=port or default_port,
            tls=tls,
            username=username,
            password=password,
        )


def _mail_from(env: Mapping[str, str]) -> str:
    value = _read(env, "PORTAL_MAIL_FROM") or DEFAULT_MAIL_FROM
    _name, address = parseaddr(value)
    if "@" not in address or "\r" in value or "\n" in value:
        raise SettingsError("PORTAL_MAIL_FROM must be an address: `Name <name@example.org>`")
    return value


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    """The proxies whose forwarded headers ``portal serve`` believes, as uvicorn reads them."""
    proxies: list[str] = []
    for item in (_read(env, "PORTAL_TRUSTED_PROXIES") or "").split(","):
        item = item.strip()
        if not item:
            continue
        if item == "*":
            raise SettingsError(
                "PORTAL_TRUSTED_PROXIES: name the proxies' addresses; '*' would believe anyone who connects"
            )
        try:
            network = ipaddress.ip_network(item)
        except ValueError:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise SettingsError(
                    f"PORTAL_TRUSTED_PROXIES: {item!r} is not an address or a network "
                    "(for example 127.0.0.1, ::1 or 10.0.0.0/8)"
                ) from None
            raise SettingsError(
                f"PORTAL_TRUSTED_PROXIES: write the network {item!r} with its first address "
                "(for example 10.0.0.0/8)"
            ) from None
        one = "/" not in item or network.num_addresses == 1
        proxies.append(str(network.network_address) if one else str(network))
    return tuple(dict.fromkeys(proxies))


def _redis_url(env: Mapping[str, str]) -> str | None:
    url = _read(env, "PORTAL_REDIS_URL", secret=True)
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise SettingsError("PORTAL_REDIS_URL must start with redis://, rediss:// or unix://")
    return url


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str | None = None
    master_key: str | None = field(default=None, repr=False)
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    # Proxies whose X-Forwarded-For/-Proto are believed (addresses or networks); none by default.
    trusted_proxies: tuple[str, ...] = ()
    base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 25_000_000
    max_document_bytes: int = 20_000_000
    # Carers: how many a patient may have, and how many people one carer may help.
    max_carers_per_patient: int = 3
    max_people_per_carer: int = 5
    default_locale: str = "fr"
    timezone: str = "Europe/Paris"
    log_level: str = "INFO"
    debug: bool = False
    migrate_on_start: bool = True
    # None: emails go to the outbox in the data folder.
    smtp: SmtpServer | None = None
    mail_from: str = DEFAULT_MAIL_FROM
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Kiosks: every browser a shared terminal (else enrolled terminals only), and their time-out.
    kiosk: bool = False
    kiosk_idle_minutes: int = 3
    # None: sessions live in the database.
    redis_url: str | None = field(default=None, repr=False)

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
        timezone = _read(env, "PORTAL_TIMEZONE") or "Europe/Paris"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            message = f"PORTAL_TIMEZONE: unknown time zone {timezone!r} (for example Europe/Paris)"
            raise SettingsError(message) from None
        smtp_url = _read(env, "PORTAL_SMTP_URL", secret=True)
        return cls(
            data_dir=Path(_read(env, "PORTAL_DATA_DIR") or "data").resolve(),
            database_url=_read(env, "PORTAL_DATABASE_URL", secret=True),
            master_key=_read(env, "PORTAL_MASTER_KEY", secret=True),
            host=_read(env, "PORTAL_HOST") or "127.0.0.1",
            port=port,
            workers=_int(env, "PORTAL_WORKERS", 1, minimum=1),
            trusted_proxies=_trusted_proxies(env),
            base_url=(_read(env, "PORTAL_BASE_URL") or f"http://127.0.0.1:{port}").rstrip("/"),
            max_body_bytes=_int(env, "PORTAL_MAX_BODY_BYTES", 25_000_000, minimum=1024),
            max_document_bytes=_int(env, "PORTAL_MAX_DOCUMENT_BYTES", 20_000_000, minimum=1024),
            max_carers_per_patient=_int(env, "PORTAL_MAX_CARERS_PER_PATIENT", 3, minimum=1),
            max_people_per_carer=_int(env, "PORTAL_MAX_PEOPLE_PER_CARER", 5, minimum=1),
            default_locale=locale,
            timezone=timezone,
            log_level=log_level,
            debug=_bool(env, "PORTAL_DEBUG", False),
            migrate_on_start=_bool(env, "PORTAL_MIGRATE_ON_START", True),
            smtp=SmtpServer.from_url(smtp_url) if smtp_url else None,
            mail_from=_mail_from(env),
            session_idle_minutes=_int(env, "PORTAL_SESSION_IDLE_MINUTES", 30, minimum=3),
            session_max_hours=_int(env, "PORTAL_SESSION_MAX_HOURS", 12, minimum=1),
            kiosk=_bool(env, "PORTAL_KIOSK", False),
            # 1 minute at least (3 for other sessions): the kiosk's warning comes at half the
            # time-out when that is under 2 minutes, so even 1 minute warns 30 seconds before.
            kiosk_idle_minutes=_int(env, "PORTAL_KIOSK_IDLE_MINUTES", 3, minimum=1),
            redis_url=_redis_url(env),
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
