"""The service catalogue for patients: finding a service (htmx in place, a plain GET form
without it), what it would see or do, connecting it with a consent item by item, my
connected services, disconnecting, and reporting a service."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template

from portal.accounts.people import actor_of
from portal.catalogue import services
from portal.catalogue.entries import Entry, catalogue, kind_name, search, service_category_names
from portal.core.access import Action, Area, Role, require
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext
from portal.core.keys import Keyring
from portal.core.sessions import requires_role, signed_in
from portal.core.web import is_htmx, page
from portal.documents.web import open_view, seal_view

PATIENTS = [requires_role(Role.PATIENT)]
BASE = "/space/catalogue"
MINE = "/space/services"
SEARCH_PURPOSE = "catalogue-search"
DETAILS_MAX = 1000


def _keyring(request: Request[Any, Any, Any]) -> Keyring:
    return Keyring(request.app.state.master_key)


async def _patient(request: Request[Any, Any, Any], action: Action) -> uuid.UUID:
    user = signed_in(request)
    await require(await actor_of(user), user.account_id, Area.CATALOGUE, action)
    return user.account_id


def _entry(service: str) -> Entry:
    entry = catalogue().get(service)
    if entry is None:
        raise NotFoundException()
    return entry


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


@get(BASE, name="catalogue", guards=PATIENTS)
async def show_catalogue(request: Request[Any, Any, Any]) -> Response[Any]:
    patient = await _patient(request, Action.READ)
    words, category = _search_from(request, patient)
    sealed = seal_view(request.app.state.master_key, patient, SEARCH_PURPOSE, [words, category])
    address = f"{BASE}?s={sealed}" if words or category else BASE
    plain = bool(request.query_params.get("q") or request.query_params.get("category"))
    if plain and not is_htmx(request):
        # What a person looks for never stays in the address: the sealed one replaces it.
        return Redirect(path=address, status_code=303)
    connected = {
        c.service_id for c in await services.consents_of(_keyring(request), patient, active_only=True)
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


@get(f"{BASE}/{{service:str}}", name="catalogue_entry", guards=PATIENTS)
async def show_entry(request: Request[Any, Any, Any], service: FromPath[str]) -> Template:
    patient = await _patient(request, Action.READ)
    entry = _entry(service)
    current = [
        c
        for c in await services.consents_of(_keyring(request), patient, active_only=True)
        if c.service_id == entry.id
    ]
    return page(
        request,
        "catalogue/entry.html",
        entry=entry,
        categories=service_category_names(),
        consent=current[0] if current else None,
        done=request.query_params.get("done"),
    )


# --------------------------------------------------------------------------- connecting


def _choices(form: Any, entry: Entry) -> tuple[frozenset[str], dict[str, str]]:
    chosen = frozenset(kind for kind in form.getall("kinds", []) if kind in {a.kind for a in entry.asks})
    missing = [ask for ask in entry.asks if ask.required and ask.kind not in chosen]
    errors = {}
    if missing:
        errors["kinds"] = ngettext(
            "This service cannot work without: %(kinds)s. Tick it, or do not connect this service.",
            "This service cannot work without: %(kinds)s. Tick them, or do not connect this service.",
            len(missing),
            kinds=", ".join(ask.name for ask in missing),
        )
    return chosen, errors


def _ask_items(entry: Entry) -> list[tuple[str, str, str]]:
    """The consent's checkboxes: (kind, what it is and whether it is needed, why)."""
    return [
        (ask.kind, f"{ask.name} ({_('needed') if ask.required else _('if you wish')})", str(ask.why))
        for ask in entry.asks
    ]


@get(f"{BASE}/{{service:str}}/connect", name="connect_form", guards=PATIENTS)
async def connect_form(request: Request[Any, Any, Any], service: FromPath[str]) -> Template:
    await _patient(request, Action.WRITE)
    entry = _entry(service)
    return page(
        request, "catalogue/connect.html", entry=entry, ask_items=_ask_items(entry), chosen=[], errors={}
    )


@post(f"{BASE}/{{service:str}}/connect", name="connect", guards=PATIENTS, status_code=200)
async def connect(request: Request[Any, Any, Any], service: FromPath[str]) -> Template:
    """Two steps on one address: the choices (``review``), then the summary confirmed."""
    patient = await _patient(request, Action.WRITE)
    entry = _entry(service)
    form = await request.form()
    chosen, errors = _choices(form, entry)
    if errors or form.get("action") == "change":
        status = 400 if errors and form.get("action") != "change" else 200
        return page(
            request,
            "catalogue/connect.html",
            status=status,
            entry=entry,
            ask_items=_ask_items(entry),
            chosen=sorted(chosen),
            errors=errors if form.get("action") != "change" else {},
        )
    if form.get("action") != "confirm":
        return page(request, "catalogue/confirm.html", entry=entry, chosen=sorted(chosen))
    _consent, token = await services.connect(_keyring(request), patient, entry, chosen)
    return page(request, "catalogue/connected.html", entry=entry, chosen=sorted(chosen), token=token)


# --------------------------------------------------------------------------- my services


@get(MINE, name="my_services", guards=PATIENTS)
async def my_services(request: Request[Any, Any, Any]) -> Template:
    patient = await _patient(request, Action.READ)
    return page(
        request,
        "catalogue/mine.html",
        consents=await services.consents_of(_keyring(request), patient, active_only=True),
        kind_name=kind_name,
        done=request.query_params.get("done"),
    )


async def _consent(request: Request[Any, Any, Any], consent: uuid.UUID) -> services.Consent:
    patient = await _patient(request, Action.WRITE)
    found = await services.consent_of(_keyring(request), patient, consent)
    if found is None or found.revoked_at is not None:
        raise NotFoundException()
    return found


@get(f"{MINE}/{{consent:uuid}}/disconnect", name="disconnect_form", guards=PATIENTS)
async def disconnect_form(request: Request[Any, Any, Any], consent: FromPath[uuid.UUID]) -> Template:
    return page(request, "catalogue/disconnect.html", consent=await _consent(request, consent))


@post(f"{MINE}/{{consent:uuid}}/disconnect", name="disconnect", guards=PATIENTS, status_code=303)
async def disconnect(request: Request[Any, Any, Any], consent: FromPath[uuid.UUID]) -> Redirect:
    await services.revoke(await _consent(request, consent))
    return Redirect(path=f"{MINE}?done=disconnected", status_code=303)


# --------------------------------------------------------------------------- reporting


def _reasons() -> list[tuple[str, str]]:
    return [
        ("asks_too_much", _("It asks for more than it needs")),
        ("does_not_work", _("It does not work")),
        ("not_accessible", _("I cannot use it (too small, too hard, no sound...)")),
        ("misleading", _("What it says about itself is not true")),
        ("other", _("Something else")),
    ]


@get(f"{BASE}/{{service:str}}/report", name="report_form", guards=PATIENTS)
async def report_form(request: Request[Any, Any, Any], service: FromPath[str]) -> Template:
    await _patient(request, Action.READ)
    return page(
        request, "catalogue/report.html", entry=_entry(service), reasons=_reasons(), values={}, errors={}
    )


@post(f"{BASE}/{{service:str}}/report", name="report", guards=PATIENTS, status_code=303)
async def report(request: Request[Any, Any, Any], service: FromPath[str]) -> Response[Any]:
    await _patient(request, Action.READ)
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
    await services.report(_keyring(request), entry, values["reason"], values["details"])
    return Redirect(path=f"{BASE}/{entry.id}?done=reported", status_code=303)


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
