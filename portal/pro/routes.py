"""The professional's home: their patients, and "I saw this patient" (a declared consultation)."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from portal.accounts import identity
from portal.accounts.services import read_identity
from portal.core import throttle
from portal.core.access import Role
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.notify import DeliveryError, send_email
from portal.core.sessions import requires_role, signed_in
from portal.core.web import page
from portal.pro import services

PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


async def _home(
    request: Request[Any, Any, Any],
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    user = signed_in(request)
    patients = await services.patients_of(_keyring(request), user.account_id)
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
async def show_pro_home(request: Request[Any, Any, Any]) -> Template:
    return await _home(request)


@post("/pro/consultations", name="declare_consultation", guards=PROFESSIONALS, status_code=303)
async def declare_consultation(request: Request[Any, Any, Any]) -> Response[Any]:
    """Join a patient's circle after seeing them. Misses count towards a lock, so nobody
    can try numbers and dates of birth to find out who has a space."""
    user = signed_in(request)
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
            values["dob-day"], values["dob-month"], values["dob-year"], date.today()
        )
    except identity.IdentityError as exc:
        errors["dob-day"] = exc.message
    if nir is None or born is None:
        return await _home(request, values=values, errors=errors, status=400)
    keyring = _keyring(request)
    lock_key = await keyring.index("throttle", f"declare:{user.account_id}")
    if await throttle.locked_for(lock_key) is not None:
        errors["nir"] = _("Too many tries. Wait a few minutes, then try again.")
        return await _home(request, values=values, errors=errors, status=429)
    declared = await services.declare_consultation(keyring, user.account_id, nir, born)
    if declared.outcome is services.Declared.NOT_FOUND:
        await throttle.record_failure(lock_key)
        errors["nir"] = _(
            "No health space matches this number and date of birth. Check both with the patient."
        )
        return await _home(request, values=values, errors=errors, status=400)
    if declared.outcome is services.Declared.JOINED and declared.patient is not None:
        await _tell_the_patient(request, keyring, declared.patient)
    return Redirect(path=f"/pro?done={declared.outcome.value}", status_code=303)


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
                address=f"{settings.base_url}/space/circle",
            ),
        ]
    )
    try:
        await send_email(settings, person.email, subject, body + "\n")
    except DeliveryError:
        # The patient still sees it on their circle page and in their activity.
        pass


ROUTES = [show_pro_home, declare_consultation]
