"""The printable summary of the profile: the page (with a print stylesheet), its PDF,
filing the PDF in the patient's documents, and a professional's view of it.

A professional sees the summary of a patient of their circle when their profession
may read the treatments, and then only the sections it may read; anyone else gets the
404 of a missing page. Every view, download and filing is audited in the profile area.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of
from portal.core.access import Action, Actor, Area, Role, profile_sections, require
from portal.core.keys import Keyring
from portal.core.records import record
from portal.core.sessions import requires_role, signed_in
from portal.core.web import page
from portal.documents.web import content_response
from portal.profile.services import AREA
from portal.profile.summary import (
    Summary,
    build_summary,
    file_summary,
    summary_file_name,
    summary_pdf,
    time_names,
)

PATIENTS = [requires_role(Role.PATIENT)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
BASE = "/space/profile/summary"
OBJECT = "profile:summary"


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


async def _summary(request: Request[Any, Any, Any], actor: Actor, patient: uuid.UUID) -> Summary:
    return await build_summary(
        _keyring(request), request.app.state.settings, patient, profile_sections(actor, patient)
    )


def _filed(request: Request[Any, Any, Any]) -> uuid.UUID | None:
    """The document just filed (its id comes back in the address after filing)."""
    try:
        return uuid.UUID(request.query_params.get("filed", ""))
    except ValueError:
        return None


async def _pdf_response(summary: Summary, *, download: bool) -> Response[bytes]:
    content = await summary_pdf(summary)
    return content_response(content, "application/pdf", summary_file_name(summary.printed), download=download)


# --- the patient ---------------------------------------------------------------------


async def _patient(request: Request[Any, Any, Any]) -> tuple[Actor, uuid.UUID]:
    user = signed_in(request)
    actor = await actor_of(user)
    await require(actor, user.account_id, Area.PROFILE, Action.READ, OBJECT)
    return actor, user.account_id


@get(BASE, name="profile_summary", guards=PATIENTS)
async def show_summary(request: Request[Any, Any, Any]) -> Template:
    actor, patient = await _patient(request)
    summary = await _summary(request, actor, patient)
    await record(patient, patient, AREA, "profile.summary.read", OBJECT)
    return page(
        request,
        "profile/summary.html",
        summary=summary,
        times=time_names(),
        pdf=f"{BASE}.pdf",
        filed=_filed(request),
    )


@get(f"{BASE}.pdf", name="profile_summary_pdf", guards=PATIENTS)
async def summary_pdf_file(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The summary as a PDF: an attachment, or shown in the browser (``?show=1``, where
    "Print" leads without JavaScript) to print it from there."""
    actor, patient = await _patient(request)
    summary = await _summary(request, actor, patient)
    download = request.query_params.get("show") != "1"
    action = "profile.summary.download" if download else "profile.summary.print"
    await record(patient, patient, AREA, action, OBJECT)
    return await _pdf_response(summary, download=download)


@post(f"{BASE}/file", name="file_profile_summary", guards=PATIENTS, status_code=303)
async def file_profile_summary(request: Request[Any, Any, Any]) -> Redirect:
    """Put the summary's PDF in the patient's documents ("medical summary")."""
    actor, patient = await _patient(request)
    await require(actor, patient, Area.DOCUMENTS, Action.WRITE)
    summary = await _summary(request, actor, patient)
    document_id = await file_summary(
        _keyring(request), summary, patient=patient, author=patient, author_role="patient"
    )
    return Redirect(path=f"{BASE}?filed={document_id}", status_code=303)


# --- a professional ------------------------------------------------------------------


async def _professional(request: Request[Any, Any, Any], patient: uuid.UUID) -> Actor:
    """The professional, when they may read this patient's treatments; else 404 (audited)."""
    actor = await actor_of(signed_in(request))
    await require(actor, patient, Area.PROFILE, Action.READ, OBJECT)
    if "treatments" not in profile_sections(actor, patient):
        await record(actor.account_id, patient, AREA, "profile.summary.read", OBJECT, outcome="denied")
        raise NotFoundException()
    return actor


@get("/pro/patients/{patient:uuid}/profile/summary", name="pro_profile_summary", guards=PROFESSIONALS)
async def pro_summary(request: Request[Any, Any, Any], patient: FromPath[uuid.UUID]) -> Template:
    actor = await _professional(request, patient)
    summary = await _summary(request, actor, patient)
    await record(actor.account_id, patient, AREA, "profile.summary.read", OBJECT)
    base = f"/pro/patients/{patient}"
    return page(
        request,
        "profile/summary_pro.html",
        summary=summary,
        times=time_names(),
        pdf=f"{base}/profile/summary.pdf",
        patient_id=patient,
        base=base,
    )


@get("/pro/patients/{patient:uuid}/profile/summary.pdf", name="pro_profile_summary_pdf", guards=PROFESSIONALS)
async def pro_summary_pdf(request: Request[Any, Any, Any], patient: FromPath[uuid.UUID]) -> Response[bytes]:
    actor = await _professional(request, patient)
    summary = await _summary(request, actor, patient)
    download = request.query_params.get("show") != "1"
    action = "profile.summary.download" if download else "profile.summary.print"
    await record(actor.account_id, patient, AREA, action, OBJECT)
    return await _pdf_response(summary, download=download)


ROUTES: list[Any] = [show_summary, summary_pdf_file, file_profile_summary, pro_summary, pro_summary_pdf]
