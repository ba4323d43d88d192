"""The service catalogue of a patient's space: finding a service (htmx in place, a plain
GET form without it), what it would see or do, connecting it with a consent item by item,
my connected services, disconnecting, and reporting a service.

A carer with the catalogue in their delegation uses these pages in the space of the person
they help. A service they connect may read only what they may read themselves (a kind of
data is read from an area of the record: ``portal.catalogue.entries.kind_area``), so a
carer never gives a service more than their own delegation (issue 13).
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.carers.services import author_names
from portal.catalogue import services
from portal.catalogue.entries import Entry, catalogue, kind_name, search, service_category_names
from portal.core.access import Access, Action, Area, Reach
from portal.core.addresses import url_for
from portal.core.crypto import open_view, seal_view
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.sessions import SPACE_ROLES, requires_role
from portal.core.web import is_htmx, page

# The patient, and a carer whose delegation gives the catalogue: the policy decides.
IN_A_SPACE = [requires_role(*SPACE_ROLES)]
BASE = "/space/catalogue"
MINE = "/space/services"
SEARCH_PURPOSE = "catalogue-search"
DETAILS_MAX = 1000


def _entry(service: str) -> Entry:
    entry = catalogue().get(service)
    if entry is None:
        raise NotFoundException()
    return entry


async def _readable(access: Access, entry: Entry) -> frozenset[str]:
    """The kinds of data of ``entry`` the connecting actor may read themselves: all of them
    for the patient; for a carer, those of the areas their delegation lets them read."""
    areas = {ask.area for ask in entry.asks}
    allowed = {area for area in areas if await access.allows(area, Action.READ)}
    return frozenset(ask.kind for ask in entry.asks if ask.area in allowed)


# --------------------------------------------------------------------------- finding a service


def _search_from(request: Request[Any, Any, Any], patient: uuid.UUID) -> tuple[str, str]:
    """The words and category asked: from the form just sent, else from the sealed ``s``."""
    params = request.query_params
    words, category = params.get("q") or "", params.get("category") or ""
    token = params.get("s")
    if token and not (words or category):
        opened = open_view(request.app.state.master_key, patient, SEARCH_PURPOSE, token, 2)
        if opened:
            words, category = opened
    return " ".join(words.split())[:100], category if category in service_category_names() else ""


@get(BASE, name="catalogue", guards=IN_A_SPACE)
async def show_catalogue(request: Request[Any, Any, Any], access: Access) -> Response[Any]:
    reach = await access.require(Area.CATALOGUE, Action.READ)
    words, category = _search_from(request, reach.subject)
    sealed = seal_view(request.app.state.master_key, reach.subject, SEARCH_PURPOSE, [words, category])
    address = url_for("catalogue", s=sealed if words or category else None)
    plain = bool(request.query_params.get("q") or request.query_params.get("category"))
    if plain and not is_htmx(request):
        # What a person looks for never stays in the address: the sealed one replaces it.
        return Redirect(path=address, status_code=303)
    connected = {
        c.service_id for c in await services.consents_of(reach.keyring, reach.subject, active_only=True)
    }
    response = page(
        request,
        "catalogue/catalogue.html",
        fragment="catalogue/_results.html",
        entries=search(words, category or None),
        words=words,
        category=category,
        categories=service_category_names(),
        connected=connected,
        connected_count=len(connected),
    )
    if is_htmx(request):
        response.headers["HX-Push-Url"] = address
    return response


@get(f"{BASE}/{{service:str}}", name="catalogue_entry", guards=IN_A_SPACE)
async def show_entry(request: Request[Any, Any, Any], access: Access, service: FromPath[str]) -> Template:
    reach = await access.require(Area.CATALOGUE, Action.READ)
    entry = _entry(service)
    current = [
        c
        for c in await services.consents_of(reach.keyring, reach.subject, active_only=True)
        if c.service_id == entry.id
    ]
    # Offer to connect only to whoever may, and may read all that the service needs.
    may_connect = await access.allows(Area.CATALOGUE, Action.WRITE) and entry.required <= await _readable(
        access, entry
    )
    return page(
        request,
        "catalogue/entry.html",
        entry=entry,
        categories=service_category_names(),
        consent=current[0] if current else None,
        may_connect=may_connect,
        done=request.query_params.get("done"),
    )


# --------------------------------------------------------------------------- connecting


def _kind_names(kinds: list[str]) -> str:
    return ", ".join(kind_name(kind) for kind in kinds)


def _choices(form: Any, entry: Entry, readable: frozenset[str]) -> tuple[frozenset[str], dict[str, str]]:
    """The kinds ticked, and what is wrong with them: a kind the one connecting may not read
    themselves (a carer's delegation), or a kind the service needs left out."""
    asked = [ask.kind for ask in entry.asks]
    chosen = frozenset(kind for kind in form.getall("kinds", []) if kind in asked)
    beyond = [kind for kind in asked if kind in chosen and kind not in readable]
    errors = {}
    if beyond:
        errors["kinds"] = ngettext(
            "You may only let a service read what you may see yourself in this space. "
            "This was not shared: %(kinds)s. Check your choices again.",
            "You may only let a service read what you may see yourself in this space. "
            "These were not shared: %(kinds)s. Check your choices again.",
            len(beyond),
            kinds=_kind_names(beyond),
        )
        return chosen - frozenset(beyond), errors
    missing = [ask for ask in entry.asks if ask.required and ask.kind not in chosen]
    if missing:
        errors["kinds"] = ngettext(
            "This service cannot work without: %(kinds)s. Tick it, or do not connect this service.",
            "This service cannot work without: %(kinds)s. Tick them, or do not connect this service.",
            len(missing),
            kinds=", ".join(ask.name for ask in missing),
        )
    return chosen, errors


def _ask_items(entry: Entry, readable: frozenset[str]) -> list[tuple[str, str, str]]:
    """The consent's checkboxes: (kind, what it is and whether it is needed, why), only for
    the kinds the one connecting may read themselves."""
    return [
        (ask.kind, f"{ask.name} ({_('needed') if ask.required else _('if you wish')})", str(ask.why))
        for ask in entry.asks
        if ask.kind in readable
    ]


def _connect_page(
    request: Request[Any, Any, Any],
    entry: Entry,
    readable: frozenset[str],
    *,
    chosen: frozenset[str] = frozenset(),
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    # What the service would read that the one connecting may not see: said, never offered.
    hidden = [ask.kind for ask in entry.asks if ask.kind not in readable]
    return page(
        request,
        "catalogue/connect.html",
        status=status,
        entry=entry,
        ask_items=_ask_items(entry, readable),
        chosen=sorted(chosen),
        errors=errors or {},
        not_yours=_kind_names(hidden),
        cannot_connect=not entry.required <= readable,
        needed_not_yours=_kind_names([kind for kind in hidden if kind in entry.required]),
    )


@get(f"{BASE}/{{service:str}}/connect", name="connect_form", guards=IN_A_SPACE)
async def connect_form(request: Request[Any, Any, Any], access: Access, service: FromPath[str]) -> Template:
    await access.require(Area.CATALOGUE, Action.WRITE)
    entry = _entry(service)
    return _connect_page(request, entry, await _readable(access, entry))


@post(f"{BASE}/{{service:str}}/connect", name="connect", guards=IN_A_SPACE, status_code=200)
async def connect(request: Request[Any, Any, Any], access: Access, service: FromPath[str]) -> Template:
    """Two steps on one address: the choices (``review``), then the summary confirmed. Each
    step checks again that the one connecting may read every kind ticked."""
    reach = await access.require(Area.CATALOGUE, Action.WRITE)
    entry = _entry(service)
    readable = await _readable(access, entry)
    form = await request.form()
    chosen, errors = _choices(form, entry, readable)
    if form.get("action") == "change":
        return _connect_page(request, entry, readable, chosen=chosen & readable)
    if errors:
        return _connect_page(request, entry, readable, chosen=chosen, errors=errors, status=400)
    if form.get("action") != "confirm":
        return page(request, "catalogue/confirm.html", entry=entry, chosen=sorted(chosen))
    _consent, token = await services.connect(
        reach.keyring, reach.subject, entry, chosen, granted_by=reach.actor.account_id
    )
    return page(request, "catalogue/connected.html", entry=entry, chosen=sorted(chosen), token=token)


# --------------------------------------------------------------------------- my services


@get(MINE, name="my_services", guards=IN_A_SPACE)
async def my_services(request: Request[Any, Any, Any], access: Access) -> Template:
    reach = await access.require(Area.CATALOGUE, Action.READ)
    consents = await services.consents_of(reach.keyring, reach.subject, active_only=True)
    # Who connected each one, when it was not the patient themselves ("your daughter ...").
    granters: list[uuid.UUID | None] = [c.granted_by for c in consents if c.granted_by != reach.subject]
    return page(
        request,
        "catalogue/mine.html",
        consents=consents,
        kind_name=kind_name,
        granted_by=await author_names(reach.keyring, reach.actor.account_id, reach.subject, granters),
        may_disconnect=await access.allows(Area.CATALOGUE, Action.WRITE),
        done=request.query_params.get("done"),
    )


async def _consent(access: Access, consent: uuid.UUID) -> tuple[Reach, services.Consent]:
    reach = await access.require(Area.CATALOGUE, Action.WRITE)
    found = await services.consent_of(reach.keyring, reach.subject, consent)
    if found is None or found.revoked_at is not None:
        # Not a live consent of this space: refused like any other page that is not there.
        await access.refuse(Area.CATALOGUE, Action.WRITE, object_id=services.consent_actor(consent))
    assert found is not None
    return reach, found


@get(f"{MINE}/{{consent:uuid}}/disconnect", name="disconnect_form", guards=IN_A_SPACE)
async def disconnect_form(
    request: Request[Any, Any, Any], access: Access, consent: FromPath[uuid.UUID]
) -> Template:
    _reach, found = await _consent(access, consent)
    return page(request, "catalogue/disconnect.html", consent=found)


@post(f"{MINE}/{{consent:uuid}}/disconnect", name="disconnect", guards=IN_A_SPACE, status_code=303)
async def disconnect(access: Access, consent: FromPath[uuid.UUID]) -> Redirect:
    reach, found = await _consent(access, consent)
    await services.revoke(found, by=reach.actor.account_id)
    return Redirect(path=url_for("my_services", done="disconnected"), status_code=303)


# --------------------------------------------------------------------------- reporting


def _reasons() -> list[tuple[str, str]]:
    return [
        ("asks_too_much", _("It asks for more than it needs")),
        ("does_not_work", _("It does not work")),
        ("not_accessible", _("I cannot use it (too small, too hard, no sound...)")),
        ("misleading", _("What it says about itself is not true")),
        ("other", _("Something else")),
    ]


@get(f"{BASE}/{{service:str}}/report", name="report_form", guards=IN_A_SPACE)
async def report_form(request: Request[Any, Any, Any], access: Access, service: FromPath[str]) -> Template:
    await access.require(Area.CATALOGUE, Action.READ)
    return page(
        request, "catalogue/report.html", entry=_entry(service), reasons=_reasons(), values={}, errors={}
    )


@post(f"{BASE}/{{service:str}}/report", name="report", guards=IN_A_SPACE, status_code=303)
async def report(request: Request[Any, Any, Any], access: Access, service: FromPath[str]) -> Response[Any]:
    # A report is about the service, not the record, and does not say who made it; reading
    # the catalogue is enough to make one.
    reach = await access.require(Area.CATALOGUE, Action.READ)
    entry = _entry(service)
    form = await request.form()
    values = {"reason": str(form.get("reason", "")), "details": str(form.get("details", "")).strip()}
    errors = {}
    if values["reason"] not in services.REPORT_REASONS:
        errors["reason"] = _("Choose what is wrong.")
    if len(values["details"]) > DETAILS_MAX:
        errors["details"] = _("Write at most %(count)d characters.", count=DETAILS_MAX)
    if errors:
        return page(
            request,
            "catalogue/report.html",
            status=400,
            entry=entry,
            reasons=_reasons(),
            values=values,
            errors=errors,
        )
    await services.report(reach.keyring, entry, values["reason"], values["details"])
    return Redirect(path=url_for("catalogue_entry", service=entry.id, done="reported"), status_code=303)


ROUTES = [
    show_catalogue,
    show_entry,
    connect_form,
    connect,
    my_services,
    disconnect_form,
    disconnect,
    report_form,
    report,
]
