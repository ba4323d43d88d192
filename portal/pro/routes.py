"""The professional's home: their patients, and "I saw this patient" (a declared consultation).

Both pages are about the professional's own work, not a record: they go through the door
with ``access.own(Role.PROFESSIONAL)``. The list names only the patients whose circle they
are in and who have not blocked them (a name, and a link to a page that asks the policy
for each area it shows); a blocked patient is not listed at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from portal.accounts import identity
from portal.accounts.services import read_identity
from portal.core import throttle
from portal.core.access import Access, Action, Area, Role
from portal.core.addresses import url_for
from portal.core.i18n import gettext as _
from portal.core.i18n import today
from portal.core.keys import Keyring
from portal.core.notify import DeliveryError, send_email
from portal.core.sessions import requires_role
from portal.core.web import page
from portal.pro import services

PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]


@dataclass(frozen=True)
class PatientLinks:
    """What a professional's page of one patient leads to besides the documents (those are
    ``portal.pro.documents``'s): each only when the policy allows it for this patient."""

    write: bool  # "Write to this patient": the messages area, to write
    profile: bool  # the health profile, to read
    notes: bool  # the notes the patient shared, to read


async def patient_links(access: Access, patient: uuid.UUID) -> PatientLinks:
    """Ask the door (without auditing: this decides what the page offers) which of the
    patient's other areas the professional's page of them may lead to."""
    return PatientLinks(
        write=await access.allows(Area.MESSAGES, Action.WRITE, patient),
        profile=await access.allows(Area.PROFILE, Action.READ, patient),
        notes=await access.allows(Area.NOTES, Action.READ, patient),
    )


async def _home(
    request: Request[Any, Any, Any],
    access: Access,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    professional = access.own(Role.PROFESSIONAL)
    patients = await services.patients_of(access.keyring, professional.account_id)
    done = request.query_params.get("done")
    return page(
        request,
        "pro/home.html",
        status=status,
        patients=patients,
        values=values or {},
        errors=errors or {},
        done=done if done in ("joined", "already") else None,
    )


@get("/pro", name="pro", guards=PROFESSIONALS)
async def show_pro_home(request: Request[Any, Any, Any], access: Access) -> Template:
    return await _home(request, access)


@post("/pro/consultations", name="declare_consultation", guards=PROFESSIONALS, status_code=303)
async def declare_consultation(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    """Join a patient's circle after seeing them. Misses count towards a lock, so nobody
    can try numbers and dates of birth to find out who has a space."""
    user = access.own(Role.PROFESSIONAL)
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in ("nir", "dob-day", "dob-month", "dob-year")}
    errors: dict[str, str] = {}
    nir = born = None
    try:
        nir = identity.normalise_nir(values["nir"])
    except identity.IdentityError as exc:
        errors["nir"] = exc.message
    try:
        born = identity.parse_date_of_birth(
            values["dob-day"],
            values["dob-month"],
            values["dob-year"],
            today(request.app.state.settings.timezone),
        )
    except identity.IdentityError as exc:
        errors["dob-day"] = exc.message
    if nir is None or born is None:
        return await _home(request, access, values=values, errors=errors, status=400)
    keyring = access.keyring
    lock_key = await keyring.index("throttle", f"declare:{user.account_id}")
    try:
        attempt = await throttle.attempt([lock_key])
    except throttle.Locked:
        errors["nir"] = _("Too many tries. Wait a few minutes, then try again.")
        return await _home(request, access, values=values, errors=errors, status=429)
    declared = await services.declare_consultation(keyring, user.account_id, nir, born)
    if declared.outcome is services.Declared.NOT_FOUND:
        await attempt.failed()
        errors["nir"] = _(
            "No health space matches this number and date of birth. Check both with the patient."
        )
        return await _home(request, access, values=values, errors=errors, status=400)
    await attempt.succeeded()
    if declared.outcome is services.Declared.JOINED and declared.patient is not None:
        await _tell_the_patient(request, keyring, declared.patient)
    return Redirect(path=url_for("pro", done=declared.outcome.value), status_code=303)


async def _tell_the_patient(request: Request[Any, Any, Any], keyring: Keyring, patient: Any) -> None:
    """An email with no health data and no name: something changed, come and see."""
    person = await read_identity(keyring, patient)
    if person is None or not person.email:
        return
    settings = request.app.state.settings
    subject = _("A professional joined your care circle")
    body = "\n\n".join(
        [
            _("Hello,"),
            _(
                "A health professional said they saw you for a consultation, and can now see "
                "what their work needs in your health space."
            ),
            _(
                'If you did not see them, open your space at %(address)s, go to "My care circle" '
                "and take them out.",
                address=settings.base_url + url_for("circle"),
            ),
        ]
    )
    try:
        await send_email(settings, person.email, subject, body + "\n")
    except DeliveryError:
        # The patient still sees it on their circle page and in their activity.
        pass


ROUTES = [show_pro_home, declare_consultation]
