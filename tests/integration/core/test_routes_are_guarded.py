"""Every route is either on the public list below or goes through the door.

The door is the request-level access dependency (``access: Access``,
``portal.core.access``): a handler that declares it asks the policy for every area it
touches. Adding a public route means adding it here, on purpose, in review.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, get
from litestar.di import Provide
from litestar.handlers import HTTPRouteHandler

from portal.core.access import Access, provide_access
from portal.core.sessions import requires_signed_in

PUBLIC_ROUTES = {
    ("/", "GET"),
    ("/help", "GET"),
    ("/accessibility", "GET"),
    ("/display", "GET"),
    ("/display", "POST"),
    ("/healthz", "GET"),
    ("/healthz", "HEAD"),
    ("/activate", "GET"),
    ("/activate", "POST"),
    ("/activate/codes", "GET"),
    ("/activate/codes", "POST"),
    ("/activate/password", "GET"),
    ("/activate/password", "POST"),
    ("/activate/terms", "GET"),
    ("/activate/terms", "POST"),
    ("/refuse", "GET"),
    ("/refuse", "POST"),
    ("/refuse/done", "GET"),
    ("/space/closed", "GET"),
    ("/sign-in", "GET"),
    ("/sign-in", "POST"),
    ("/sign-in/code", "GET"),
    ("/sign-in/code", "POST"),
    ("/sign-in/forgot", "GET"),
    ("/sign-in/forgot", "POST"),
    ("/sign-in/forgot/code", "GET"),
    ("/sign-in/forgot/code", "POST"),
    ("/static", "GET"),
    ("/static", "HEAD"),
    # Kiosks: the welcome screen, enrolling a terminal (the one-time code is the check),
    # "Are you still there?" and the time-out (which end only a kiosk session), and a link
    # from a kiosk on the phone (it asks for the sign-in itself, and serves only the patient
    # it was made for: tests/integration/kiosk).
    ("/kiosk", "GET"),
    ("/kiosk/enrol", "GET"),
    ("/kiosk/enrol", "POST"),
    ("/kiosk/enrolled", "GET"),
    ("/kiosk/still-there", "GET"),
    ("/kiosk/timeout", "GET"),
    # Where a download asked on a kiosk goes instead: it names nobody and shows nothing personal.
    ("/kiosk/no-file", "GET"),
    ("/k", "GET"),
    ("/k/{token:str}", "GET"),
    # The connected services' API: no session, the handlers check the service's access key
    # (tests/integration/catalogue/test_catalogue.py: 401 without it, 403 beyond the consent).
    ("/api/fhir/DocumentReference", "GET"),
    ("/api/fhir/DocumentReference/{document_id:str}", "GET"),
}


def _routes(app):
    for route in app.routes:
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler):
                for method in handler.http_methods:
                    # Litestar answers OPTIONS itself (an Allow header, no content).
                    if method != "OPTIONS":
                        yield route.path, method, handler


def doors_missing(app: Litestar) -> list[str]:
    """Each route that is neither public on purpose nor declares the access dependency."""
    missing = []
    for path, method, handler in _routes(app):
        if path.startswith("/static"):
            path = "/static"
        if handler.opt.get("public"):
            if (path, method) not in PUBLIC_ROUTES:
                missing.append(f"{method} {path} says public but is not on the public list")
        elif "access" not in handler.parsed_fn_signature.parameters:
            missing.append(f"{method} {path} does not go through the door (no access: Access)")
        elif not handler.resolve_guards():
            missing.append(f"{method} {path} has no guard")
    return missing


def test_every_route_is_public_on_purpose_or_goes_through_the_door(client):
    missing = doors_missing(client.app)
    assert not missing, "\n".join(missing)


def test_the_check_fails_on_a_handler_added_without_the_door(client):
    @get("/space/forgotten", name="forgotten")
    async def forgotten(request: Request[Any, Any, Any]) -> str:
        return "a page that asks nobody"

    @get("/space/asked", name="asked", guards=[requires_signed_in])
    async def asked(access: Access) -> str:
        return "a page that asks the door"

    app = Litestar(
        route_handlers=[forgotten, asked],
        dependencies={"access": Provide(provide_access, sync_to_thread=False)},
        openapi_config=None,
    )
    assert doors_missing(app) == ["GET /space/forgotten does not go through the door (no access: Access)"]


def test_the_public_list_has_no_stale_entries(client):
    paths = {
        ("/static" if path.startswith("/static") else path, method) for path, method, _ in _routes(client.app)
    }
    assert PUBLIC_ROUTES <= paths
