"""A carer in the space of someone they help: the banner.

What a carer may reach there is the access policy's to say, as for anyone: every handler
asks the door (``portal.core.door.Access``) for its area, and the policy answers from the
live delegation (``portal.carers.services.live_delegation``).
"""

from __future__ import annotations

from typing import Any

from portal.core.sessions import SignedIn


async def acting_banner(request: Any) -> None:
    """Before a page of a carer in someone's space: the name for the banner ("You are
    acting for Jeanne Dupont") and the areas the delegation gives, for the pages and the
    header (the unread count shows only when messages are delegated). For any method: a
    form sent back with its errors (400, 409) is a page of that space too."""
    user = request.scope.get("user")
    if not isinstance(user, SignedIn) or user.acting_for is None:
        return
    from portal.accounts.people import names_of
    from portal.core.access import delegation
    from portal.core.keys import keyring_of

    # The request's keyring: the relative's key, unwrapped here, serves the page too.
    people = await names_of(keyring_of(request), [user.acting_for])
    person = people.get(user.acting_for)
    granted = await delegation(user.account_id, user.acting_for)
    request.scope.setdefault("state", {})["portal_acting"] = {
        "name": person.name if person else "",
        "areas": granted.areas if granted else {},
    }
