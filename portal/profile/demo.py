"""Jeanne's demo profile: her treatments, allergies, history, vaccinations, a few months of
weight and blood pressure, her blood group and her daughter as the person to call. Some
entries were entered by Dr Anne Martin, so the pages show who entered what."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from portal.accounts.demo import DEMO_PEOPLE
from portal.accounts.services import find_account_id
from portal.core.keys import Keyring
from portal.profile.services import add_entry
from portal.profile.tables import ProfileEntry

# (section, fields, entered by the doctor?)
_ENTRIES: list[tuple[str, dict[str, Any], bool]] = [
    (
        "treatments",
        {
            "name": "Amlodipine",
            "dose": "5 mg, 1 comprimé",
            "times": ["morning"],
            "instructions": "",
            "prescriber": "Dr Anne Martin",
            "started": "2015-04-02",
        },
        True,
    ),
    (
        "treatments",
        {
            "name": "Metformine",
            "dose": "500 mg, 1 comprimé",
            "times": ["morning", "evening"],
            "instructions": "Pendant le repas",
            "prescriber": "Dr Anne Martin",
            "started": "2018-09-12",
        },
        True,
    ),
    (
        "treatments",
        {
            "name": "Paracétamol",
            "dose": "1 g",
            "times": ["bedtime"],
            "instructions": "Seulement en cas de douleur",
            "prescriber": "",
            "started": "",
        },
        False,
    ),
    (
        "allergies",
        {"substance": "Pénicilline", "kind": "allergy", "reaction": "Urticaire", "severity": "severe"},
        True,
    ),
    (
        "allergies",
        {"substance": "Lactose", "kind": "intolerance", "reaction": "Maux de ventre", "severity": "mild"},
        False,
    ),
    ("conditions", {"name": "Hypertension artérielle", "since": "2015-03-01", "notes": ""}, True),
    ("conditions", {"name": "Diabète de type 2", "since": "2018-09-01", "notes": ""}, True),
    ("family_history", {"relative": "Mère", "condition": "Maladie d'Alzheimer", "notes": ""}, False),
    (
        "hospital_stays",
        {
            "hospital": "CHU de Limoges",
            "reason": "Fracture du col du fémur",
            "admitted": "2022-02-10",
            "left": "2022-02-24",
        },
        False,
    ),
    (
        "vaccinations",
        {"vaccine": "dtp", "name": "", "given": "2021-03-15", "batch": "", "given_by": "Dr Anne Martin"},
        True,
    ),
    (
        "vaccinations",
        {"vaccine": "flu", "name": "", "given": "2025-10-20", "batch": "", "given_by": "Paul Girard"},
        False,
    ),
    ("blood_group", {"group": "A+"}, False),
    ("lifestyle", {"topic": "physical_activity", "details": "Marche 30 minutes chaque matin"}, False),
    ("organ_donation", {"position": "undecided", "note": ""}, False),
    (
        "contacts",
        {
            "name": "Claire Dupont",
            "role": "emergency",
            "relation": "Fille",
            "phone": "06 12 34 56 78",
            "email": "claire.dupont@example.org",
        },
        False,
    ),
    (
        "contacts",
        {
            "name": "Claire Dupont",
            "role": "trusted_person",
            "relation": "Fille",
            "phone": "06 12 34 56 78",
            "email": "",
        },
        False,
    ),
]


def _measurements(today: date) -> list[tuple[str, dict[str, Any], bool]]:
    """Six months of weight and blood pressure, one of each a month."""
    found: list[tuple[str, dict[str, Any], bool]] = []
    weights = ["68.4", "68.0", "67.6", "67.9", "67.2", "66.8"]
    pressures = [("148", "88"), ("142", "85"), ("139", "84"), ("141", "86"), ("135", "82"), ("132", "80")]
    for months_ago, (weight, (high, low)) in enumerate(
        zip(reversed(weights), reversed(pressures), strict=True)
    ):
        taken = (today - timedelta(days=30 * months_ago)).isoformat()
        found.append(("measurements", {"kind": "weight", "value": weight, "taken": taken, "time": ""}, False))
        found.append(
            (
                "measurements",
                {"kind": "blood_pressure", "value": high, "value2": low, "taken": taken, "time": "09:00"},
                months_ago == 0,
            )
        )
    return found


async def seed_demo_profile(keyring: Keyring, today: date) -> int:
    """Once: nothing is added when Jeanne's profile holds an entry already. ``today`` in the
    deployment's zone: the measurements lead up to it."""
    jeanne_email, anne_email = DEMO_PEOPLE["jeanne"].identity.email, DEMO_PEOPLE["anne"].identity.email
    assert jeanne_email and anne_email
    jeanne = await find_account_id(keyring, jeanne_email)
    anne = await find_account_id(keyring, anne_email)
    if jeanne is None or anne is None or await ProfileEntry.exists().where(ProfileEntry.patient == jeanne):
        return 0
    entries = _ENTRIES + _measurements(today)
    for section, data, by_doctor in entries:
        await add_entry(
            keyring,
            patient=jeanne,
            section=section,
            data=data,
            author=anne if by_doctor else jeanne,
            author_role="professional" if by_doctor else "patient",
        )
    return len(entries)
