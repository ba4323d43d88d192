"""A carer in the space of someone they help reaches the health profile as the delegation
allows: the whole profile with a "profile" delegation (read only, or read and write),
nothing without one; what they do is audited as done by them for the patient."""

from __future__ import annotations

import uuid
from typing import Any

from portal.carers.tables import Delegation
from portal.core.access import Role
from portal.core.sessions import cookie_name, start_session
from portal.profile.sections import ORDER
from tests.integration.profile.helpers import added_id, as_, entry_count, events, owner, person, send
from tests.people import run


def _delegate(app: Any, patient: uuid.UUID, carer: uuid.UUID, areas: str) -> None:
    async def go() -> None:
        async with app.app.state.engine.transaction():
            await Delegation.insert(
                Delegation(
                    id=uuid.uuid4(),
                    patient=patient,
                    carer=carer,
                    sealed_details=b"",
                    areas=areas,
                    status="active",
                )
            )

    run(app, go)


def _act_for(app: Any, carer: uuid.UUID, patient: uuid.UUID) -> None:
    async def go() -> str:
        async with app.app.state.engine.transaction():
            return await start_session(app.app.state.sessions, carer, Role.PATIENT, acting_for=patient)

    app.cookies.clear()
    app.cookies.set(cookie_name(app.app.state.settings), run(app, go), domain=app.base_url.host)


def test_a_carer_with_the_profile_delegated(app):
    patient = person(app, given_names="Jeanne")
    as_(app, patient)
    added_id(send(app, "/space/profile/conditions/add", {"name": "Diabète"}))
    writer, reader, other = (person(app, given_names=name) for name in ("Claire", "Marc", "Lise"))
    _delegate(app, patient, writer, "profile:write")
    _delegate(app, patient, reader, "profile:read")
    _delegate(app, patient, other, "documents:read")

    # Read and write: every section, and adding to them.
    _act_for(app, writer, patient)
    overview = app.get("/space/profile").text
    assert all(f'id="block-{section}"' in overview for section in ORDER)
    entry = added_id(send(app, "/space/profile/treatments/add", {"name": "Amlodipine"}))
    assert (owner(writer), "profile.add", f"profile:{entry}", "allowed") in events(app, patient)

    # Read only: the pages, not the forms.
    _act_for(app, reader, patient)
    assert app.get("/space/profile/conditions").status_code == 200
    assert app.get("/space/profile/treatments/add").status_code == 404
    assert send(app, "/space/profile/treatments/add", {"name": "Doliprane"}).status_code == 404

    # Another area only: not the profile.
    _act_for(app, other, patient)
    assert app.get("/space/profile").status_code == 404
    assert entry_count(app, patient) == 2
