"""A mediator's session: where they work today, and the activations they help with.

Three small values live in the mediator's browser, each sealed (AES-GCM with a key
derived from the master key, ``portal.core.crypto.seal_view``), so nobody can read
or forge them, and each bound to what it is for:

- the *place* where the mediator works today (a place name and its department),
  bound to the mediator's account and to their session: it is chosen once per session;
- the *ticket* of an invitation just made (the account, its activation code, until
  when), in the result page's forms: "Activate now with the person" and "Print the
  letter" give the same code as the invitation, never in an address;
- the *assisted* mark of an activation under way at the mediator's side (who helps,
  where, until when; the account and its code when it started from an invitation),
  in an HttpOnly cookie the activation journey reads. When that activation completes,
  an ``AssistedActivation`` row and an audit event say who helped, where and when.

None of them holds anything about health; the person types their date of birth and
chooses their password themselves.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect, Response

from portal.accounts.services import read_identity
from portal.accounts.tables import Account
from portal.core import audit
from portal.core.access import Role
from portal.core.addresses import url_for
from portal.core.crypto import open_view, seal_view
from portal.core.forms import FormReader, FormResult
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring, key_owner
from portal.core.sessions import cookie_name
from portal.outreach import actions, departments
from portal.outreach.tables import AssistedActivation

PLACE_COOKIE = "mediator_place"
ASSISTED_COOKIE = "assisted"
TICKET_MINUTES = 60
ASSISTED_MINUTES = 30  # as long as the activation journey's own state
PLACE_MAX = 120  # AssistedActivation.place
DONE_PATH = "/mediator/activated"
# The assisted mark is read before anyone is known (the activation pages are public):
# it is bound to this fixed name instead of an account, and names the mediator inside.
_ASSISTED_BINDING = uuid.UUID(int=0x617373697374)


def _secure(request: Request[Any, Any, Any]) -> bool:
    return bool(request.app.state.settings.base_url.startswith("https://"))


def _master_key(request: Request[Any, Any, Any]) -> bytes:
    key: bytes = request.app.state.master_key
    return key


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- the place of the day


@dataclass(frozen=True)
class Place:
    name: str
    department: str

    @property
    def department_label(self) -> str:
        return departments.label(self.department)


def session_tag(request: Request[Any, Any, Any]) -> str:
    """A short tag of the session's token: the place is chosen again in a new session."""
    token = request.cookies.get(cookie_name(request.app.state.settings), "")
    return hashlib.sha256(b"portal/mediator-place\x00" + token.encode()).hexdigest()[:16]


def place_of_today(request: Request[Any, Any, Any], mediator: uuid.UUID) -> Place | None:
    """The place the mediator said they work at in this session, if they said it."""
    token = request.cookies.get(PLACE_COOKIE)
    opened = open_view(_master_key(request), mediator, "mediator-place", token, 3) if token else None
    if opened is None or opened[2] != session_tag(request) or opened[1] not in departments.DEPARTMENTS:
        return None
    return Place(opened[0], opened[1])


def place_cookie(request: Request[Any, Any, Any], mediator: uuid.UUID, place: Place) -> Cookie:
    """The place for the rest of this session (gone when the browser closes)."""
    value = seal_view(
        _master_key(request), mediator, "mediator-place", [place.name, place.department, session_tag(request)]
    )
    return Cookie(
        key=PLACE_COOKIE,
        value=value,
        path=url_for("mediator"),
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


async def usual_place(keyring: Keyring, mediator: uuid.UUID) -> Place | None:
    """Where the mediator usually works (their place of practice, as the demo gives
    Sophie Bernard's France Services office): the place form's first answer."""
    person = await read_identity(keyring, mediator)
    if person is None or not person.place_of_practice:
        return None
    name = " ".join(person.place_of_practice.split())[:PLACE_MAX]
    return Place(name, departments.department_of_address(name) or "")


def read_place_form(sent: Any) -> FormResult:
    """The place typed on the mediator's home page, read with ``portal.core.forms``: its
    name and its department; once ``ok``, ``place_of`` says it."""
    reader = FormReader(sent)
    reader.text(
        "place",
        max_length=PLACE_MAX,
        required=True,
        missing=_("Enter the name of the place where you are working today."),
    )
    choose = _("Choose the department of this place.")
    reader.choice("department", departments.DEPARTMENTS, required=True, missing=choose, unknown=choose)
    return reader.result


def place_of(form: FormResult) -> Place:
    """The place of a place form that is ``ok``."""
    return Place(form.data["place"], form.data["department"])


async def place_or_usual(
    request: Request[Any, Any, Any], keyring: Keyring, mediator: uuid.UUID
) -> Place | None:
    """The place of today, else the usual one when its department is known (read with the
    request's keyring, ``access.keyring``)."""
    place = place_of_today(request, mediator)
    if place is None:
        usual = await usual_place(keyring, mediator)
        place = usual if usual and usual.department else None
    return place


# --------------------------------------------------------------------------- the invitation's ticket


@dataclass(frozen=True)
class Ticket:
    account_id: uuid.UUID
    code: str


def seal_ticket(
    request: Request[Any, Any, Any], mediator: uuid.UUID, account_id: uuid.UUID, code: str
) -> str:
    """The ticket of an invitation the mediator just made, for the result page's forms."""
    until = int((_now() + timedelta(minutes=TICKET_MINUTES)).timestamp())
    return seal_view(_master_key(request), mediator, "invitation-ticket", [str(account_id), code, str(until)])


def open_ticket(
    request: Request[Any, Any, Any], mediator: uuid.UUID, account_id: uuid.UUID, value: str
) -> Ticket | None:
    """The ticket ``value`` holds, if this mediator made it for this account and it is still valid."""
    opened = open_view(_master_key(request), mediator, "invitation-ticket", value, 3) if value else None
    if opened is None or opened[0] != str(account_id) or not opened[2].isdigit():
        return None
    if int(opened[2]) <= _now().timestamp():
        return None
    return Ticket(account_id, opened[1])


# --------------------------------------------------------------------------- the assisted mark


@dataclass(frozen=True)
class Assisted:
    """An activation under way with a mediator at the person's side."""

    mediator: uuid.UUID
    place: Place
    account_id: uuid.UUID | None  # known when it started from the mediator's invitation
    code: str  # the invitation's code, filled in for the person; "" otherwise
    expires_at: int


def assisted_cookie(
    request: Request[Any, Any, Any],
    mediator: uuid.UUID,
    place: Place,
    ticket: Ticket | None = None,
) -> Cookie:
    """Mark this browser's next activation as helped by ``mediator`` at ``place``."""
    until = int((_now() + timedelta(minutes=ASSISTED_MINUTES)).timestamp())
    values = [
        str(mediator),
        place.name,
        place.department,
        str(ticket.account_id) if ticket else "",
        ticket.code if ticket else "",
        str(until),
    ]
    return Cookie(
        key=ASSISTED_COOKIE,
        value=seal_view(_master_key(request), _ASSISTED_BINDING, "assisted-activation", values),
        path="/",
        max_age=ASSISTED_MINUTES * 60,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def cleared_cookie(request: Request[Any, Any, Any]) -> Cookie:
    return Cookie(
        key=ASSISTED_COOKIE,
        value="",
        path="/",
        max_age=0,
        secure=_secure(request),
        httponly=True,
        samesite="strict",
    )


def marker(request: Request[Any, Any, Any]) -> Assisted | None:
    """The assisted activation under way in this browser, if any (and still valid)."""
    value = request.cookies.get(ASSISTED_COOKIE)
    if not value:
        return None
    opened = open_view(_master_key(request), _ASSISTED_BINDING, "assisted-activation", value, 6)
    if opened is None:
        return None
    mediator, name, department, account, code, until = opened
    try:
        assisted = Assisted(
            mediator=uuid.UUID(mediator),
            place=Place(name, department),
            account_id=uuid.UUID(account) if account else None,
            code=code,
            expires_at=int(until),
        )
    except ValueError:
        return None
    return assisted if assisted.expires_at > _now().timestamp() else None


def filled_code(request: Request[Any, Any, Any]) -> str:
    """The code to fill in on the activation's first page: the invitation's, when the
    mediator started the activation from it (grouped as the letter prints it)."""
    assisted = marker(request)
    if assisted is None or not assisted.code:
        return ""
    return " ".join(assisted.code[i : i + 4] for i in range(0, len(assisted.code), 4))


async def record(
    request: Request[Any, Any, Any], account_id: uuid.UUID, now: datetime | None = None
) -> Response[Any] | None:
    """Called once an activation completed: when a mediator helped (a valid mark for this
    account, from a mediator who still is one), write who helped, where and when, audit it,
    and answer with the way back to the mediator's pages (the person is not signed in on
    the mediator's computer). None when nobody helped: the journey ends as usual."""
    assisted = marker(request)
    if assisted is None or (assisted.account_id is not None and assisted.account_id != account_id):
        return None
    still_mediator = await Account.exists().where(
        (Account.id == assisted.mediator)
        & (Account.role == Role.MEDIATOR.value)
        & (Account.status == "active")
    )
    if not still_mediator:
        return None
    await AssistedActivation.insert(
        AssistedActivation(
            mediator=assisted.mediator,
            account=account_id,
            place=assisted.place.name,
            department=assisted.place.department or None,
            at=now or _now(),
        )
    )
    await audit.record(
        actor=key_owner(assisted.mediator),
        action=actions.ACTIVATE_ASSISTED,
        outcome="allowed",
        subject=key_owner(account_id),
    )
    response: Response[Any] = Redirect(path=url_for("assisted_activation_done"), status_code=303)
    response.set_cookie(cleared_cookie(request))
    return response
