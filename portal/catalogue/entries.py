"""The catalogue of vetted services, read from ``catalogue.toml`` and checked when loaded.

An entry says, in French and English, what a service does and which kinds of data it
asks for: documents of a category, a section of the medical profile, or the agenda.
A mistake in the file stops the portal at start with a message naming the entry.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from portal.core.access import Area
from portal.core.i18n import current_locale
from portal.core.i18n import gettext as _
from portal.documents.services import CATEGORIES, category_names

CATALOGUE_FILE = Path(__file__).with_name("catalogue.toml")

SERVICE_CATEGORIES = (
    "prevention",
    "chronic_illness",
    "medication",
    "mental_health",
    "carers",
    "appointments",
    "measurements",
)
PROFILE_SECTIONS = (
    "treatments",
    "allergies",
    "conditions",
    "vaccinations",
    "measurements",
    "blood_group",
    "contacts",
)
KINDS = (
    *(f"documents:{category}" for category in CATEGORIES),
    *(f"profile:{section}" for section in PROFILE_SECTIONS),
    "agenda",
)


def kind_area(kind: str) -> Area:
    """The area of the record a kind of data is read from: what someone connecting a service
    must be allowed to read themselves before they may let a service read it."""
    if kind.startswith("documents:"):
        return Area.DOCUMENTS
    if kind.startswith("profile:"):
        return Area.PROFILE
    if kind == "agenda":
        return Area.AGENDA
    raise ValueError(f"unknown kind of data {kind!r}")


def service_category_names() -> dict[str, str]:
    return {
        "prevention": _("Prevention"),
        "chronic_illness": _("Follow-up of a chronic illness"),
        "medication": _("Medication reminders"),
        "mental_health": _("Mental health"),
        "carers": _("Support for carers"),
        "appointments": _("Appointments"),
        "measurements": _("Measurements"),
    }


def kind_name(kind: str) -> str:
    """What a kind of data is, in words: "your documents: Vaccination record"."""
    if kind.startswith("documents:"):
        return _("Your documents: %(category)s", category=category_names()[kind.removeprefix("documents:")])
    sections = {
        "treatments": _("Your medical profile: current treatments"),
        "allergies": _("Your medical profile: allergies and intolerances"),
        "conditions": _("Your medical profile: illnesses and history"),
        "vaccinations": _("Your medical profile: vaccinations"),
        "measurements": _("Your medical profile: measurements (weight, blood pressure, blood sugar...)"),
        "blood_group": _("Your medical profile: blood group"),
        "contacts": _("Your medical profile: people to contact"),
    }
    if kind.startswith("profile:"):
        return sections[kind.removeprefix("profile:")]
    return _("Your agenda: your appointments")


class CatalogueError(ValueError):
    """The catalogue file is wrong: the message names the entry and the field."""


@dataclass(frozen=True)
class Text:
    fr: str
    en: str

    def __str__(self) -> str:
        return self.fr if current_locale() == "fr" else self.en


@dataclass(frozen=True)
class Ask:
    kind: str
    required: bool
    why: Text

    @property
    def name(self) -> str:
        return kind_name(self.kind)

    @property
    def area(self) -> Area:
        return kind_area(self.kind)


@dataclass(frozen=True)
class Entry:
    id: str
    version: int
    name: str
    publisher: str
    category: str
    vetted_on: date
    link: str
    writes: bool
    summary: Text
    description: Text
    accessibility: Text
    asks: tuple[Ask, ...]

    @property
    def required(self) -> frozenset[str]:
        return frozenset(ask.kind for ask in self.asks if ask.required)

    def words(self) -> str:
        """What a search looks in: the name, the publisher and both languages' texts."""
        texts = (
            self.name,
            self.publisher,
            self.summary.fr,
            self.summary.en,
            self.description.fr,
            self.description.en,
        )
        return " ".join(texts).casefold()


def _text(raw: object, where: str, limit: int | None = None) -> Text:
    if not isinstance(raw, dict) or not all(
        isinstance(raw.get(lang), str) and raw[lang].strip() for lang in ("fr", "en")
    ):
        raise CatalogueError(f"{where}: needs a French and an English text")
    if limit and any(len(raw[lang]) > limit for lang in ("fr", "en")):
        raise CatalogueError(f"{where}: at most {limit} characters")
    return Text(fr=raw["fr"].strip(), en=raw["en"].strip())


def _entry(raw: dict[str, object]) -> Entry:
    where = f"service {raw.get('id')!r}"
    service_id = raw.get("id")
    if not isinstance(service_id, str) or not re.fullmatch(r"[a-z0-9-]{3,40}", service_id):
        raise CatalogueError(f"{where}: id must be 3 to 40 lowercase letters, digits or hyphens")
    for field, kind in (("name", str), ("publisher", str), ("link", str), ("writes", bool), ("version", int)):
        if not isinstance(raw.get(field), kind):
            raise CatalogueError(f"{where}: {field} is missing or not a {kind.__name__}")
    if raw["category"] not in SERVICE_CATEGORIES:
        raise CatalogueError(f"{where}: category must be one of {', '.join(SERVICE_CATEGORIES)}")
    if not isinstance(raw.get("vetted_on"), date):
        raise CatalogueError(f"{where}: vetted_on must be a date")
    if not str(raw["link"]).startswith("https://"):
        raise CatalogueError(f"{where}: link must be an https address")
    if int(str(raw["version"])) < 1:
        raise CatalogueError(f"{where}: version starts at 1")
    asks_raw = raw.get("asks")
    if not isinstance(asks_raw, list) or not asks_raw:
        raise CatalogueError(f"{where}: asks for no data")
    asks = []
    for number, ask in enumerate(asks_raw, 1):
        if (
            not isinstance(ask, dict)
            or ask.get("kind") not in KINDS
            or not isinstance(ask.get("required"), bool)
        ):
            raise CatalogueError(
                f"{where}, data #{number}: unknown kind {ask.get('kind') if isinstance(ask, dict) else ask!r}"
            )
        asks.append(
            Ask(
                kind=str(ask["kind"]),
                required=bool(ask["required"]),
                why=_text(ask.get("why"), f"{where}, data #{number}, why", 140),
            )
        )
    if len({ask.kind for ask in asks}) != len(asks):
        raise CatalogueError(f"{where}: a kind of data is listed twice")
    if not any(ask.required for ask in asks):
        raise CatalogueError(f"{where}: at least one kind of data must be required")
    return Entry(
        id=service_id,
        version=int(str(raw["version"])),
        name=str(raw["name"]),
        publisher=str(raw["publisher"]),
        category=str(raw["category"]),
        vetted_on=raw["vetted_on"],  # type: ignore[arg-type]
        link=str(raw["link"]),
        writes=bool(raw["writes"]),
        summary=_text(raw.get("summary"), f"{where}, summary", 120),
        description=_text(raw.get("description"), f"{where}, description"),
        accessibility=_text(raw.get("accessibility"), f"{where}, accessibility"),
        asks=tuple(asks),
    )


def load(path: Path = CATALOGUE_FILE) -> dict[str, Entry]:
    """Every entry of the file, by id, in the file's order; ``CatalogueError`` when wrong."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    if data.get("schema") != 1:
        raise CatalogueError(f"{path}: schema must be 1")
    found: dict[str, Entry] = {}
    for raw in data.get("service", []):
        entry = _entry(raw)
        if entry.id in found:
            raise CatalogueError(f"service {entry.id!r}: listed twice")
        found[entry.id] = entry
    return found


@cache
def catalogue() -> dict[str, Entry]:
    """The catalogue of this process, loaded once."""
    return load()


def search(words: str = "", category: str | None = None) -> list[Entry]:
    """The entries with every word (in either language) and of the category, by name."""
    wanted = words.casefold().split()
    return sorted(
        (
            entry
            for entry in catalogue().values()
            if (not category or entry.category == category) and all(word in entry.words() for word in wanted)
        ),
        key=lambda entry: entry.name.casefold(),
    )
