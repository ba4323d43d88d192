"""Services of the public site: help points near a person, and their demo data."""

from __future__ import annotations

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


async def list_departments() -> list[tuple[str, str]]:
    """Departments that have at least one help point, as (code, name), by name."""
    rows = await HelpPoint.select(HelpPoint.department).distinct()
    codes = {row["department"] for row in rows}
    return sorted(((code, DEPARTMENTS.get(code, code)) for code in codes), key=lambda item: item[1])


async def list_help_points(department: str | None, page: int, locale: str) -> HelpPointPage:
    """One page of help points, in ``department`` or everywhere, in a stable order."""
    where: Any = HelpPoint.department == department if department else None
    count_query = HelpPoint.count()
    query = HelpPoint.select().order_by(HelpPoint.department, HelpPoint.sort_order, HelpPoint.name)
    if where is not None:
        count_query = count_query.where(where)
        query = query.where(where)
    total = await count_query
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = await query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)
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
        for row in rows
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
    """Insert or update the demo help points by slug; running it twice changes nothing."""
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
    return changed
