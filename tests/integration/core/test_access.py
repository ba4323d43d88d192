"""The access policy: one answer for every route, refusing whatever it does not allow."""

from __future__ import annotations

import pytest

from portal.accounts.services import PersonIdentity, create_account
from portal.app import wire_policy
from portal.circle.services import add_to_circle, circle_standing, remove_from_circle, set_blocked
from portal.core import db
from portal.core.access import Action, Actor, Area, Role, decide, reachable
from portal.core.keys import Keyring
from tests.conftest import TEST_MASTER_KEY

MASTER = TEST_MASTER_KEY


@pytest.fixture
async def people(settings):
    wire_policy()
    engine = db.engine_for(settings)
    db.bind_engine(engine)
    async with engine.transaction():
        keyring = Keyring(MASTER)

        async def make(role, profession=None):
            return await create_account(
                keyring, role, PersonIdentity(family_name="X", given_names="Y", profession=profession)
            )

        return {
            "jeanne": await make(Role.PATIENT),
            "paul": await make(Role.PATIENT),
            "doctor": await make(Role.PROFESSIONAL, "general_practitioner"),
            "physio": await make(Role.PROFESSIONAL, "physiotherapist"),
            "mediator": await make(Role.MEDIATOR),
            "engine": engine,
        }


def _actor(people, name, role, profession=None):
    return Actor(account_id=people[name], role=role, profession=profession)


async def test_a_patient_may_do_everything_in_their_own_record_and_nothing_in_another(people):
    jeanne = _actor(people, "jeanne", Role.PATIENT)
    for area in Area:
        for action in Action:
            assert await decide(jeanne, people["jeanne"], area, action)
            assert not await decide(jeanne, people["paul"], area, action)


async def test_a_professional_outside_the_circle_is_refused(people):
    doctor = _actor(people, "doctor", Role.PROFESSIONAL, "general_practitioner")
    decision = await decide(doctor, people["jeanne"], Area.DOCUMENTS, Action.READ)
    assert not decision and decision.reason == "not in the circle"


async def test_a_professional_in_the_circle_uses_the_areas_of_their_profession_only(people):
    async with people["engine"].transaction():
        assert await add_to_circle(
            patient=people["jeanne"], professional=people["doctor"], joined_by="invited"
        )
        assert not await add_to_circle(
            patient=people["jeanne"], professional=people["doctor"], joined_by="declared"
        )
    doctor = _actor(people, "doctor", Role.PROFESSIONAL, "general_practitioner")
    assert await decide(doctor, people["jeanne"], Area.DOCUMENTS, Action.WRITE)
    assert await decide(doctor, people["jeanne"], Area.MESSAGES, Action.READ)
    assert await decide(doctor, people["jeanne"], Area.PROFILE, Action.WRITE)
    # Notes: the area, then only the notes shared with them (the notes services).
    assert await decide(doctor, people["jeanne"], Area.NOTES, Action.READ)
    assert not await decide(doctor, people["jeanne"], Area.AGENDA, Action.READ)
    assert not await decide(doctor, people["jeanne"], Area.ACCOUNT, Action.WRITE)
    assert not await decide(doctor, people["paul"], Area.DOCUMENTS, Action.READ)


async def test_blocking_a_professional_takes_effect_at_once_and_unblocking_restores_them(people):
    jeanne, doctor_id = people["jeanne"], people["doctor"]
    doctor = _actor(people, "doctor", Role.PROFESSIONAL, "general_practitioner")
    async with people["engine"].transaction():
        await add_to_circle(patient=jeanne, professional=doctor_id, joined_by="declared")
        assert await set_blocked(patient=jeanne, professional=doctor_id, blocked=True)
    decision = await decide(doctor, jeanne, Area.DOCUMENTS, Action.READ)
    assert not decision and decision.reason == "blocked by the patient"
    assert await circle_standing(patient=jeanne, professional=doctor_id) == "blocked"
    async with people["engine"].transaction():
        await set_blocked(patient=jeanne, professional=doctor_id, blocked=False)
    assert await decide(doctor, jeanne, Area.DOCUMENTS, Action.READ)
    async with people["engine"].transaction():
        assert await remove_from_circle(patient=jeanne, professional=doctor_id)
    assert not await decide(doctor, jeanne, Area.DOCUMENTS, Action.READ)


async def test_a_profession_without_an_area_is_refused_even_in_the_circle(people):
    async with people["engine"].transaction():
        await add_to_circle(patient=people["jeanne"], professional=people["physio"], joined_by="invited")
    physio = _actor(people, "physio", Role.PROFESSIONAL, "physiotherapist")
    assert await decide(physio, people["jeanne"], Area.MESSAGES, Action.WRITE)
    assert not await decide(physio, people["jeanne"], Area.DOCUMENTS, Action.READ)


@pytest.mark.parametrize(
    "role", [Role.MEDIATOR, Role.ANALYST, Role.OPERATOR, Role.CARER, Role.LEGAL_REPRESENTATIVE]
)
async def test_roles_without_a_rule_never_reach_a_record(people, role):
    """Carers and legal representatives reach a record only through a delegation (tested
    in tests/integration/carers); without one, nothing."""
    actor = Actor(account_id=people["mediator"], role=role)
    for area in Area:
        for action in Action:
            assert not await decide(actor, people["jeanne"], area, action)


async def test_the_answer_for_many_patients_is_the_answer_for_each(people):
    """``reachable`` (a professional's inbox, in one query) says what ``decide`` says, patient
    by patient: in the circle yes, blocked or outside no, an area of another profession no."""
    jeanne, paul, doctor_id = people["jeanne"], people["paul"], people["doctor"]
    async with people["engine"].transaction():
        outsider = await create_account(
            Keyring(MASTER), Role.PATIENT, PersonIdentity(family_name="Z", given_names="W")
        )
        await add_to_circle(patient=jeanne, professional=doctor_id, joined_by="invited")
        await add_to_circle(patient=paul, professional=doctor_id, joined_by="invited")
        await set_blocked(patient=paul, professional=doctor_id, blocked=True)
        await add_to_circle(patient=jeanne, professional=people["physio"], joined_by="invited")
    patients = {jeanne, paul, outsider}
    doctor = _actor(people, "doctor", Role.PROFESSIONAL, "general_practitioner")
    physio = _actor(people, "physio", Role.PROFESSIONAL, "physiotherapist")
    jeanne_herself = _actor(people, "jeanne", Role.PATIENT)
    for actor in (doctor, physio, jeanne_herself):
        for area in Area:
            one_by_one = {p for p in patients if await decide(actor, p, area, Action.READ)}
            assert await reachable(actor, patients, area, Action.READ) == one_by_one
    assert await reachable(doctor, patients, Area.MESSAGES, Action.READ) == {jeanne}
    assert await reachable(physio, patients, Area.DOCUMENTS, Action.READ) == set()
