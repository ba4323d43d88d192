"""The API of connected services: FHIR R4 JSON (``fhir.resources``' R4B models, the same
DocumentReference as R4), only what the patient consented to.

A service calls with its access key (``Authorization: Bearer <key>``). Without a live key
the answer is 401; asking beyond the consent, 403. Both are an ``OperationOutcome`` that
says nothing of what exists, and every call, answered or refused, is audited: the patient
sees it on their activity page under the service's name.
"""

from __future__ import annotations

import uuid
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.documentreference import DocumentReference
from fhir.resources.R4B.operationoutcome import OperationOutcome
from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Response

from portal.catalogue import actions, services
from portal.core import access
from portal.core.access import Action, Actor, Area
from portal.core.addresses import url_for
from portal.core.keys import keyring_of
from portal.documents import services as documents
from portal.documents.services import DocumentInfo

FHIR_JSON = "application/fhir+json"
API = "/api/fhir"
PUBLIC = {"public": True}  # no session: the handlers check the service's access key
# Who added a document, in FHIR's words (a carer is a RelatedPerson of the patient).
AUTHOR_DISPLAY = {"patient": "patient", "professional": "practitioner", "carer": "related person"}


def _outcome(status: int, code: str, text: str) -> Response[bytes]:
    outcome = OperationOutcome.model_validate(
        {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": code, "diagnostics": text}],
        }
    )
    headers = {"Cache-Control": "no-store"}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="portal"'
    return Response(
        content=outcome.model_dump_json().encode(), status_code=status, media_type=FHIR_JSON, headers=headers
    )


def _json(resource: Any) -> Response[bytes]:
    return Response(
        content=resource.model_dump_json().encode(),
        media_type=FHIR_JSON,
        headers={"Cache-Control": "no-store"},
    )


async def _consent(request: Request[Any, Any, Any]) -> services.Consent | None:
    header = request.headers.get("authorization", "")
    scheme, _space, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return await services.consent_for_token(keyring_of(request), token.strip())


async def _granted_categories(consent: services.Consent) -> set[str]:
    """The document categories the service may read: those consented, as long as whoever
    connected it may still read documents (a carer's consent lasts as her delegation does:
    a service never reads more than the person who let it in)."""
    if not await _granter_may_read(consent, Area.DOCUMENTS):
        return set()
    return {kind.removeprefix("documents:") for kind in consent.kinds if kind.startswith("documents:")}


async def _granter_may_read(consent: services.Consent, area: Area) -> bool:
    granter = consent.granted_by
    if granter is None or granter == consent.patient:
        return True  # the patient connected it (older consents name nobody: the patient did)
    granted = await access.delegation(granter, consent.patient)
    if granted is None:
        return False
    return bool(await access.decide(Actor(granter, granted.role), consent.patient, area, Action.READ))


def document_reference(info: DocumentInfo, base_url: str) -> DocumentReference:
    """A document's metadata as a FHIR DocumentReference (the bytes are not part of it)."""
    return DocumentReference.model_validate(
        {
            "resourceType": "DocumentReference",
            "id": str(info.id),
            "status": "current",
            "type": {"text": info.details.category},
            "category": [
                {
                    "coding": [
                        {
                            "system": f"{base_url}/fhir/CodeSystem/document-category",
                            "code": info.details.category,
                        }
                    ]
                }
            ],
            "subject": {"reference": f"Patient/{info.patient}"},
            "date": info.added_at.isoformat(),
            "author": [{"display": AUTHOR_DISPLAY.get(info.author_role, "patient")}],
            "description": info.details.title,
            "content": [
                {
                    "attachment": {
                        "contentType": info.details.media_type,
                        "title": info.details.title,
                        "size": info.size,
                        "creation": info.details.document_date,
                    }
                }
            ],
        }
    )


async def _refused_without_key() -> Response[bytes]:
    await services.record_refused_token("no-live-access-key")
    return _outcome(401, "login", "A valid access key is needed.")


@get(f"{API}/DocumentReference", name="api_documents", opt=PUBLIC)
async def search_documents(request: Request[Any, Any, Any]) -> Response[bytes]:
    """The consented documents, newest added first, as a searchset Bundle; ``?category=``
    narrows to one category, which must be consented too."""
    consent = await _consent(request)
    if consent is None:
        return await _refused_without_key()
    granted = await _granted_categories(consent)
    asked = request.query_params.get("category")
    if not granted or (asked and asked not in granted):
        await services.record_call(consent, actions.API_DOCUMENTS, outcome="denied")
        return _outcome(403, "forbidden", "This access key may not read this.")
    wanted = {asked} if asked else granted
    keyring = keyring_of(request)
    found = [d for d in await documents.all_in_categories(keyring, consent.patient, wanted)]
    base_url = request.app.state.settings.base_url
    bundle = Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(found),
            "entry": [
                {
                    "fullUrl": base_url + url_for("api_document", document_id=d.id),
                    "resource": document_reference(d, base_url),
                }
                for d in found
            ],
        }
    )
    await services.record_call(consent, actions.API_DOCUMENTS)
    return _json(bundle)


@get(f"{API}/DocumentReference/{{document_id:str}}", name="api_document", opt=PUBLIC)
async def read_document(request: Request[Any, Any, Any], document_id: FromPath[str]) -> Response[bytes]:
    """One consented document; anything else (another category, someone else's, no such
    document) gets the same 403."""
    consent = await _consent(request)
    if consent is None:
        return await _refused_without_key()
    keyring = keyring_of(request)
    info = None
    try:
        info = await documents.get_document(keyring, consent.patient, uuid.UUID(document_id))
    except ValueError:
        info = None
    if (
        info is None
        or info.deleted_at is not None
        or info.details.category not in await _granted_categories(consent)
    ):
        await services.record_call(consent, actions.API_DOCUMENT, outcome="denied")
        return _outcome(403, "forbidden", "This access key may not read this.")
    await services.record_call(consent, actions.API_DOCUMENT)
    return _json(document_reference(info, request.app.state.settings.base_url))


ROUTES = [search_documents, read_document]
