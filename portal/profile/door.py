"""Who may reach what in the profile: every page goes through the door for the profile
area (``open_profile``), then asks for the section of its address (``section_or_refuse``)
and, to change or remove one, for the entry (``entry_or_refuse``). A refusal is the
audited 404 of a missing page.

A professional sees and adds to the sections of their profession, and changes or removes
only what they entered; the patient and their carers with the profile to write change
anything of it (``Profile.may_change``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, NoReturn

from portal.core.access import Access, Action, Area, Reach, profile_sections
from portal.core.addresses import url_for
from portal.core.records import record
from portal.profile import actions, services
from portal.profile.definitions import ORDER, section_of
from portal.profile.fields import Section


@dataclass(frozen=True)
class Profile:
    """The door's answer (``reach``) and what is the profile's own: the sections the actor
    may reach, whether they may write here, and on which side the pages are: ``patient``,
    the patient of the address on a professional's side (``None`` on the patient's, whose
    addresses name nobody)."""

    reach: Reach
    sections: frozenset[str]
    writes: bool
    patient: uuid.UUID | None

    @property
    def side(self) -> str:
        """The prefix of the pages' route names: "" on the patient's side, "pro_" on a
        professional's (``profile_section``, ``pro_profile_section``)."""
        return "" if self.patient is None else "pro_"

    def url(self, name: str, /, **values: Any) -> str:
        """The address of the profile's page ``name`` on this side, filled with ``values``."""
        return url_for(self.side + name, patient=self.patient, **values)

    @property
    def subject(self) -> uuid.UUID:
        return self.reach.subject

    @property
    def me(self) -> uuid.UUID:
        """Who acts: the author of anything written."""
        return self.reach.actor.account_id

    @property
    def in_space(self) -> bool:
        """The patient's own pages (the patient, or someone acting for them)."""
        return not self.reach.by_professional

    def may_change(self, entry: services.Entry) -> bool:
        """The patient and their carers with the profile to write change anything of it;
        a professional only what they entered."""
        if not self.writes:
            return False
        return not self.reach.by_professional or entry.entered_by == self.me


def object_of(section: str) -> str:
    """The audit trail's name of a section (an unknown one is not repeated)."""
    return f"profile:{section}" if section in ORDER else "profile:unknown"


async def open_profile(access: Access, patient: uuid.UUID | None, action: Action, object_id: str) -> Profile:
    """Through the door: the patient's side names nobody in its address (the session's
    subject), a professional's names the patient; a refusal is an audited 404."""
    reach = await access.require(Area.PROFILE, action, patient, object_id=object_id)
    writes = action is Action.WRITE or await access.allows(Area.PROFILE, Action.WRITE, reach.subject)
    return Profile(reach, profile_sections(reach.actor, reach.subject), writes, patient)


async def refuse(access: Access, profile: Profile, action: Action, object_id: str) -> NoReturn:
    await access.refuse(Area.PROFILE, action, profile.subject, object_id=object_id)


async def section_or_refuse(access: Access, profile: Profile, key: str, action: Action) -> Section:
    """The section of the address, if the actor may reach it (else a 404, audited)."""
    section = section_of(key)
    if section is None or key not in profile.sections:
        await refuse(access, profile, action, object_of(key))
    return section


async def entry_or_refuse(
    access: Access, profile: Profile, section: Section, entry_id: uuid.UUID
) -> services.Entry:
    """An entry of this section of the patient's profile that the actor may change."""
    entry = await services.get_entry(profile.reach.keyring, profile.subject, entry_id)
    if entry is None or entry.section != section.key or not profile.may_change(entry):
        await refuse(access, profile, Action.WRITE, f"profile:{entry_id}")
    return entry


async def record_read(profile: Profile, what: str) -> None:
    """The one ``profile.read`` event of a page that shows entries."""
    await record(profile.me, profile.subject, actions.READ, f"profile:{what}")
