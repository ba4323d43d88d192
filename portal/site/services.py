"""Services of the public site: help points near a person, and their demo data.

Help points are public and change only when an operator loads them (``portal demo``, a
command run in its own process). Each worker keeps all of them in memory, read once for
``HELP_POINTS_SECONDS``: ``/help`` then reads nothing from the database. The process that
changes them forgets its copy at once (``seed_demo_help_points``); the workers of a
running server see the change within ``HELP_POINTS_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.core.i18n import gettext as _
from portal.site.tables import HelpPoint

PER_PAGE = 5

# Department names are place names: the same in French and English.
DEPARTMENTS = {
    "19": "Corrèze",
    "23": "Creuse",
    "75": "Paris",
    "87": "Haute-Vienne",
}


def kind_label(kind: str) -> str:
    labels = {
        "france_services": _("France Services office"),
        "health_centre": _("Health centre"),
        "digital_adviser": _("Digital adviser"),
        "pharmacy": _("Pharmacy"),
    }
    return labels.get(kind, kind)


@dataclass(frozen=True)
class HelpPointView:
    name: str
    kind: str
    address: str
    postcode: str
    town: str
    phone: str
    hours: str


@dataclass(frozen=True)
class HelpPointPage:
    points: list[HelpPointView]
    total: int
    page: int
    pages: int


# How long a worker shows the help points it read before reading them again: how long a
# change an operator made elsewhere may take to show in a running server.
HELP_POINTS_SECONDS = 60.0

_COLUMNS = ("name", "kind", "address", "postcode", "town", "department", "phone", "hours_fr", "hours_en")


@dataclass(frozen=True)
class HelpPoints:
    """Every help point, as read at ``read_at`` (``time.monotonic``) through ``engine``."""

    engine: object
    read_at: float
    everywhere: tuple[dict[str, str], ...]  # in the order the pages show them
    by_department: dict[str, tuple[dict[str, str], ...]]


_held: HelpPoints | None = None


def forget_help_points() -> None:
    """Drop this process's copy of the help points: the next page reads them again."""
    global _held
    _held = None


async def help_points() -> HelpPoints:
    """Every help point, read from the database at most once per ``HELP_POINTS_SECONDS``
    (and again for another engine: a test's new app, a command's own)."""
    global _held
    engine = HelpPoint._meta.db
    held = _held
    if held is not None and held.engine is engine and time.monotonic() - held.read_at < HELP_POINTS_SECONDS:
        return held
    read_at = time.monotonic()
    rows = await HelpPoint.select(*(getattr(HelpPoint, name) for name in _COLUMNS)).order_by(
        HelpPoint.department, HelpPoint.sort_order, HelpPoint.name
    )
    everywhere = tuple({name: str(row[name]) for name in _COLUMNS} for row in rows)
    by_department: dict[str, list[dict[str, str]]] = {}
    for point in everywhere:
        by_department.setdefault(point["department"], []).append(point)
    held = HelpPoints(
        engine=engine,
        read_at=read_at,
        everywhere=everywhere,
        by_department={code: tuple(points) for code, points in by_department.items()},
    )
    _held = held
    return held


def list_departments(held: HelpPoints) -> list[tuple[str, str]]:
    """Departments that have at least one help point, as (code, name), by name."""
    codes = held.by_department
    return sorted(((code, DEPARTMENTS.get(code, code)) for code in codes), key=lambda item: item[1])


def list_help_points(held: HelpPoints, department: str | None, page: int, locale: str) -> HelpPointPage:
    """One page of help points, in ``department`` or everywhere, in a stable order."""
    found: Sequence[dict[str, str]] = (
        held.by_department.get(department, ()) if department else held.everywhere
    )
    total = len(found)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    points = [
        HelpPointView(
            name=row["name"],
            kind=kind_label(row["kind"]),
            address=row["address"],
            postcode=row["postcode"],
            town=row["town"],
            phone=row["phone"],
            hours=row["hours_en"] if locale == "en" else row["hours_fr"],
        )
        for row in found[(page - 1) * PER_PAGE : page * PER_PAGE]
    ]
    return HelpPointPage(points=points, total=total, page=page, pages=pages)


DEMO_HELP_POINTS: list[dict[str, Any]] = [
    {
        "slug": "fs-gueret",
        "name": "France Services Guéret",
        "kind": "france_services",
        "address": "1 place Bonnyaud",
        "postcode": "23000",
        "town": "Guéret",
        "department": "23",
        "phone": "05 55 00 10 10",
        "hours_fr": "Du lundi au vendredi, de 9 h à 12 h et de 14 h à 17 h",
        "hours_en": "Monday to Friday, 9 am to 12 noon and 2 pm to 5 pm",
    },
    {
        "slug": "msp-aubusson",
        "name": "Maison de santé d'Aubusson",
        "kind": "health_centre",
        "address": "12 rue Jules Sandeau",
        "postcode": "23200",
        "town": "Aubusson",
        "department": "23",
        "phone": "05 55 00 20 20",
        "hours_fr": "Le mardi et le jeudi, de 9 h à 12 h, avec un conseiller",
        "hours_en": "Tuesday and Thursday, 9 am to 12 noon, with an adviser",
    },
    {
        "slug": "cn-bourganeuf",
        "name": "Conseillère numérique, mairie de Bourganeuf",
        "kind": "digital_adviser",
        "address": "Place de l'Hôtel de ville",
        "postcode": "23400",
        "town": "Bourganeuf",
        "department": "23",
        "phone": "05 55 00 30 30",
        "hours_fr": "Le mercredi, de 14 h à 17 h, sur rendez-vous",
        "hours_en": "Wednesday, 2 pm to 5 pm, by appointment",
    },
    {
        "slug": "fs-la-souterraine",
        "name": "France Services La Souterraine",
        "kind": "france_services",
        "address": "7 rue de la Gare",
        "postcode": "23300",
        "town": "La Souterraine",
        "department": "23",
        "phone": "05 55 00 40 40",
        "hours_fr": "Du lundi au vendredi, de 9 h à 12 h 30",
        "hours_en": "Monday to Friday, 9 am to 12:30 pm",
    },
    {
        "slug": "pharmacie-boussac",
        "name": "Pharmacie du Centre, Boussac",
        "kind": "pharmacy",
        "address": "3 place de l'Hôtel de ville",
        "postcode": "23600",
        "town": "Boussac",
        "department": "23",
        "phone": "05 55 00 50 50",
        "hours_fr": "Le samedi matin, aide pour ouvrir votre espace",
        "hours_en": "Saturday morning, help to open your space",
    },
    {
        "slug": "fs-ussel",
        "name": "France Services Ussel",
        "kind": "france_services",
        "address": "5 avenue Pierre Mendès France",
        "postcode": "19200",
        "town": "Ussel",
        "department": "19",
        "phone": "05 55 00 60 60",
        "hours_fr": "Du lundi au vendredi, de 8 h 30 à 12 h",
        "hours_en": "Monday to Friday, 8:30 am to 12 noon",
    },
    {
        "slug": "msp-tulle",
        "name": "Maison de santé de Tulle",
        "kind": "health_centre",
        "address": "20 quai de Rome",
        "postcode": "19000",
        "town": "Tulle",
        "department": "19",
        "phone": "05 55 00 70 70",
        "hours_fr": "Le lundi, de 14 h à 18 h",
        "hours_en": "Monday, 2 pm to 6 pm",
    },
    {
        "slug": "cn-limoges",
        "name": "Conseiller numérique, médiathèque de Limoges",
        "kind": "digital_adviser",
        "address": "2 place Aimé Césaire",
        "postcode": "87000",
        "town": "Limoges",
        "department": "87",
        "phone": "05 55 00 80 80",
        "hours_fr": "Du mardi au samedi, de 10 h à 17 h",
        "hours_en": "Tuesday to Saturday, 10 am to 5 pm",
    },
    {
        "slug": "fs-saint-junien",
        "name": "France Services Saint-Junien",
        "kind": "france_services",
        "address": "9 rue Lucien Dumas",
        "postcode": "87200",
        "town": "Saint-Junien",
        "department": "87",
        "phone": "05 55 00 90 90",
        "hours_fr": "Du lundi au jeudi, de 9 h à 12 h",
        "hours_en": "Monday to Thursday, 9 am to 12 noon",
    },
    {
        "slug": "msp-paris-20",
        "name": "Centre de santé Belleville",
        "kind": "health_centre",
        "address": "15 rue de Belleville",
        "postcode": "75020",
        "town": "Paris",
        "department": "75",
        "phone": "01 40 00 10 10",
        "hours_fr": "Du lundi au vendredi, de 9 h à 19 h",
        "hours_en": "Monday to Friday, 9 am to 7 pm",
    },
    {
        "slug": "fs-paris-18",
        "name": "France Services Paris 18e",
        "kind": "france_services",
        "address": "1 place Jules Joffrin",
        "postcode": "75018",
        "town": "Paris",
        "department": "75",
        "phone": "01 40 00 20 20",
        "hours_fr": "Du lundi au vendredi, de 8 h 30 à 17 h",
        "hours_en": "Monday to Friday, 8:30 am to 5 pm",
    },
    {
        "slug": "cn-paris-13",
        "name": "Conseillère numérique, bibliothèque Italie",
        "kind": "digital_adviser",
        "address": "211 boulevard Vincent Auriol",
        "postcode": "75013",
        "town": "Paris",
        "department": "75",
        "phone": "01 40 00 30 30",
        "hours_fr": "Le samedi, de 10 h à 13 h",
        "hours_en": "Saturday, 10 am to 1 pm",
    },
]


async def seed_demo_help_points() -> int:
    """Insert or update the demo help points by slug; running it twice changes nothing.
    This process forgets its copy of them (other processes read them again within
    ``HELP_POINTS_SECONDS``)."""
    changed = 0
    for order, point in enumerate(DEMO_HELP_POINTS):
        values = {**point, "sort_order": order}
        existing = await HelpPoint.select().where(HelpPoint.slug == point["slug"]).first()
        if existing is None:
            await HelpPoint.insert(HelpPoint(**values))
            changed += 1
        elif any(existing[key] != value for key, value in values.items()):
            await HelpPoint.update({getattr(HelpPoint, key): value for key, value in values.items()}).where(
                HelpPoint.slug == point["slug"]
            )
            changed += 1
    forget_help_points()
    return changed
