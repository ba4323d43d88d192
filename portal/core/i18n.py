"""Translations: Babel catalogues, the current locale, and locale choice.

Message ids are English; ``translations/fr`` translates every one of them (a
test fails when one is missing), and English needs no catalogue entries of its
own. The catalogues are compiled from the ``.po`` files when the ``.mo`` files
are missing or older (``make compile`` does the same ahead of time).
"""

from __future__ import annotations

import contextvars
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.core import Locale
from babel.dates import format_date, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
LOCALES = ("fr", "en")
DEFAULT_LOCALE = "fr"
LOCALE_COOKIE = "lang"
# Each language is named in itself, so a person finds their own.
LOCALE_NAMES = {"fr": "Français", "en": "English"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("portal_locale", default=DEFAULT_LOCALE)


def compile_catalogue(locale: str) -> bytes:
    """Compile ``locale``'s .po file to .mo bytes."""
    po_path = TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"
    with po_path.open("rb") as handle:
        catalogue = read_po(handle, locale=locale)
    out = io.BytesIO()
    write_mo(out, catalogue, use_fuzzy=False)
    return out.getvalue()


@cache
def translations(locale: str) -> NullTranslations:
    """The catalogue of ``locale`` (compiled in memory if the .mo is stale)."""
    folder = TRANSLATIONS_DIR / locale / "LC_MESSAGES"
    po_path, mo_path = folder / "messages.po", folder / "messages.mo"
    if not po_path.exists():
        return NullTranslations()
    if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
        with mo_path.open("rb") as handle:
            return Translations(handle)
    return Translations(io.BytesIO(compile_catalogue(locale)))


def current_locale() -> str:
    return _current.get()


@cache
def _parsed(locale: str) -> Locale:
    return Locale.parse(locale)


def babel_locale(locale: str | None = None) -> Locale:
    """Babel's ``Locale`` for ``locale`` (by default the current one), parsed once per
    worker. Give it to Babel's formatters as ``locale=``: given a name, Babel parses it
    and loads its data again on every call (a page of 100 messages did it 300 times)."""
    return _parsed(locale or current_locale())


def set_locale(locale: str) -> contextvars.Token[str]:
    return _current.set(locale if locale in LOCALES else DEFAULT_LOCALE)


@contextmanager
def use_locale(locale: str) -> Iterator[None]:
    """Run a block in ``locale`` (for emails, the command line and tests)."""
    token = set_locale(locale)
    try:
        yield
    finally:
        _current.reset(token)


def gettext(message: str, **variables: object) -> str:
    """Translate ``message`` into the current locale, then fill ``%(name)s`` variables."""
    text = translations(current_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: object) -> str:
    text = translations(current_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def choose_locale(cookie_value: str | None, default: str = DEFAULT_LOCALE) -> str:
    """The person's remembered choice, else the portal's default (French)."""
    if cookie_value in LOCALES:
        return cookie_value
    return default


def size_in_words(size: int) -> str:
    """A size in bytes as people say it: "12 KB", "2.3 MB" (the ``filesize`` filter)."""
    locale = babel_locale()
    if size < 1024 * 1024:
        return gettext("%(size)s KB", size=format_decimal(max(1, round(size / 1024)), locale=locale))
    return gettext("%(size)s MB", size=format_decimal(round(size / (1024 * 1024), 1), locale=locale))


def today(timezone: str) -> date:
    """Today where people live: the date in the deployment's time zone (``timezone``,
    from ``PORTAL_TIMEZONE``), never the server's clock's own zone."""
    return datetime.now(ZoneInfo(timezone)).date()


def _local(value: datetime, timezone: str) -> datetime:
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(ZoneInfo(timezone))


@lru_cache(maxsize=4096)
def _long_date(day: date, locale: str) -> str:
    # Babel builds the text from the locale's patterns each time (tens of microseconds,
    # and a page may name a few hundred dates, most of them the same few days).
    return format_date(day, format="long", locale=_parsed(locale))


def long_date(day: date) -> str:
    """ "3 March 2026": a date in the current language."""
    return _long_date(day, current_locale())


def format_day(value: date | datetime, timezone: str) -> str:
    """ "3 March 2026" in the current language: a date as it is, a moment on the day it
    was where people live."""
    return long_date(_local(value, timezone).date() if isinstance(value, datetime) else value)


def format_moment(value: datetime, timezone: str) -> str:
    """ "3 March 2026 at 10:42" in the current language and the portal's time zone."""
    local = _local(value, timezone)
    return gettext(
        "%(date)s at %(time)s",
        date=_long_date(local.date(), current_locale()),
        time=format_time(local, format="HH:mm", locale=babel_locale()),
    )
