"""The printable summary of the profile: the page (with a print stylesheet), its PDF,
filing the PDF in the patient's documents, and a professional's view of it.

Every handler goes through the door for the profile area. The patient, and a carer with
the profile delegated, see the patient's summary (filing it needs the documents to write
too); a professional sees the summary of a patient of their circle when their profession
may read the treatments, and then only the sections it may read; anyone else gets the
404 of a missing page. Every view, download and filing is audited in the profile area.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.core.access import Access, Action, Area, Reach, Role, profile_sections
from portal.core.addresses import url_for
from portal.core.records import record
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import page
from portal.documents.web import content_response
from portal.profile import actions
from portal.profile.filing import file_summary
from portal.profile.services import author_role
from portal.profile.summary import Summary, build_summary, summary_file_name
from portal.profile.summary_pdf import summary_pdf
from portal.profile.vocabulary import time_names

# The patient's side: the patient, or whoever acts for them (the policy says what they may do).
SPACE = [requires_role(*SPACE_ROLES)]
PROFESSIONALS = [requires_role(Role.PROFESSIONAL)]
BASE = "/space/profile/summary"
OBJECT = "profile:summary"


async def _open(access: Access, patient: uuid.UUID | None = None) -> Reach:
    """Through the door, to read the profile: the session's subject on the patient's side,
    the patient of the address on a professional's. The summary starts with the
    treatments: whoever may not read them (a physiotherapist) does not get it (404, audited)."""
    reach = await access.require(Area.PROFILE, Action.READ, patient, object_id=OBJECT)
    if "treatments" not in profile_sections(reach.actor, reach.subject):
        await access.refuse(Area.PROFILE, Action.READ, reach.subject, object_id=OBJECT)
    return reach


async def _summary(request: Request[Any, Any, Any], reach: Reach) -> Summary:
    return await build_summary(
        reach.keyring,
        request.app.state.settings,
        reach.subject,
        profile_sections(reach.actor, reach.subject),
    )


def _filed(request: Request[Any, Any, Any]) -> uuid.UUID | None:
    """The document just filed (its id comes back in the address after filing)."""
    try:
        return uuid.UUID(request.query_params.get("filed", ""))
    except ValueError:
        return None


async def _pdf(request: Request[Any, Any, Any], reach: Reach) -> Response[bytes]:
    """The summary as a PDF: an attachment, or shown in the browser (``?show=1``, where
    "Print" leads without JavaScript) to print it from there. On a kiosk, the one rule
    for files (``portal.kiosk.web.KioskMiddleware``) keeps the attachment from leaving."""
    summary = await _summary(request, reach)
    download = request.query_params.get("show") != "1"
    action = actions.SUMMARY_DOWNLOAD if download else actions.SUMMARY_PRINT
    await record(reach.actor.account_id, reach.subject, action, OBJECT)
    content = await summary_pdf(summary)
    return content_response(content, "application/pdf", summary_file_name(summary.printed), download=download)


# --- the patient's space (the patient, or a carer with the profile) ----------------------


@get(BASE, name="profile_summary", guards=SPACE)
async def show_summary(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await _open(access)
    summary = await _summary(request, reach)
    await record(reach.actor.account_id, reach.subject, actions.SUMMARY_READ, OBJECT)
    return page(
        request,
        "profile/summary.html",
        summary=summary,
        times=time_names(),
        side="",
        patient=None,
        filed=_filed(request),
        # Filing writes in the documents: offered to whoever may.
        may_file=await access.allows(Area.DOCUMENTS, Action.WRITE, reach.subject),
        may_open_documents=await access.allows(Area.DOCUMENTS, Action.READ, reach.subject),
    )


@get(f"{BASE}.pdf", name="profile_summary_pdf", guards=SPACE)
async def summary_pdf_file(request: Request[Any, Any, Any], access: Access) -> Response[bytes]:
    return await _pdf(request, await _open(access))


@post(f"{BASE}/file", name="file_profile_summary", guards=SPACE, status_code=303)
async def file_profile_summary(request: Request[Any, Any, Any], access: Access) -> Redirect:
    """Put the summary's PDF in the patient's documents ("medical summary"): reading the
    profile and writing in the documents."""
    reach = await _open(access)
    await access.require(Area.DOCUMENTS, Action.WRITE, reach.subject)
    summary = await _summary(request, reach)
    document_id = await file_summary(
        reach.keyring,
        summary,
        patient=reach.subject,
        author=reach.actor.account_id,
        author_role=author_role(reach.actor),
    )
    return Redirect(path=url_for("profile_summary", filed=document_id), status_code=303)


# --- a professional ------------------------------------------------------------------


@get("/pro/patients/{patient:uuid}/profile/summary", name="pro_profile_summary", guards=PROFESSIONALS)
async def pro_summary(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID]
) -> Template:
    reach = await _open(access, patient)
    summary = await _summary(request, reach)
    await record(reach.actor.account_id, patient, actions.SUMMARY_READ, OBJECT)
    return page(
        request,
        "profile/summary_pro.html",
        summary=summary,
        times=time_names(),
        side="pro_",
        patient=patient,
    )


@get("/pro/patients/{patient:uuid}/profile/summary.pdf", name="pro_profile_summary_pdf", guards=PROFESSIONALS)
async def pro_summary_pdf(
    request: Request[Any, Any, Any], access: Access, patient: FromPath[uuid.UUID]
) -> Response[bytes]:
    return await _pdf(request, await _open(access, patient))


ROUTES: list[Any] = [show_summary, summary_pdf_file, file_profile_summary, pro_summary, pro_summary_pdf]
