"""The analyst's pages: the adoption figures, filtered by department and age band, and
the same figures as a CSV file. Only analysts reach them (others get "page not found",
as for any page that is not theirs); every view and export is audited, without a
subject: the figures are about nobody in particular.

Both go through the door (``access.own``): the figures are the analyst's own work, about
nobody's record, and the policy lets an analyst reach no record at all.

The audit area is "account": the figures count accounts (activations, refusals,
invitations, sign-ins), and the trail's areas are a fixed list of DESIGN.md's areas.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Request, Response, get
from litestar.response import Template

from portal.agency import actions, counts
from portal.agency.figures import (
    AGE_BANDS,
    METRICS,
    NOT_KNOWN,
    Figures,
    band_labels,
    figures,
    metric_labels,
    read_filters,
)
from portal.core import audit
from portal.core.access import Access, Role
from portal.core.actions import AuditAction
from portal.core.i18n import gettext as _
from portal.core.keys import key_owner
from portal.core.sessions import requires_role
from portal.core.web import content_disposition, page
from portal.outreach import departments

ANALYSTS = [requires_role(Role.ANALYST)]


async def _figures(
    request: Request[Any, Any, Any], access: Access, action: AuditAction
) -> tuple[Figures, dict[str, str]]:
    analyst = access.own(Role.ANALYST)
    filters, errors = read_filters(request.query_params.get("department"), request.query_params.get("band"))
    await audit.record(
        actor=key_owner(analyst.account_id),
        action=action,
        outcome="allowed",
        object_id=filters.audit_id,
    )
    facts = await counts.gather(access.keyring)
    return figures(facts, filters), errors


@get("/agency", name="agency_figures", guards=ANALYSTS)
async def show_figures(request: Request[Any, Any, Any], access: Access) -> Template:
    shown, errors = await _figures(request, access, actions.FIGURES_VIEW)
    bands = band_labels()
    return page(
        request,
        "agency/figures.html",
        fragment="agency/_figures.html",
        errors=errors,
        figures=shown,
        metrics=metric_labels(),
        metric_keys=METRICS,
        department_choices=[("", _("All departments"))]
        + departments.choices()
        + [(NOT_KNOWN, _("Department not known"))],
        band_choices=[("", _("All ages"))] + [(band, bands[band]) for band in (*AGE_BANDS, NOT_KNOWN)],
    )


def _csv(shown: Figures) -> str:
    """The page's rows, in the page's order, with the same cells ("fewer than 10" included)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    labels = metric_labels()
    writer.writerow([_("Breakdown"), _("Department"), _("Age band"), *(labels[m] for m in METRICS)])
    breakdowns = {"all": _("Total"), "department": _("By department"), "band": _("By age band")}
    filters = shown.filters
    for breakdown, row in shown.rows():
        department = row.label if breakdown == "department" else filters.department_label
        band = row.label if breakdown == "band" else filters.band_label
        writer.writerow([breakdowns[breakdown], department, band, *(cell.text for cell in row.cells)])
    return out.getvalue()


@get("/agency/figures.csv", name="agency_figures_csv", guards=ANALYSTS)
async def export_figures(request: Request[Any, Any, Any], access: Access) -> Response[bytes]:
    shown, _errors = await _figures(request, access, actions.FIGURES_EXPORT)
    # With a byte order mark, spreadsheets open it as UTF-8 ("Corrèze", "Hérault").
    return Response(
        content=("\ufeff" + _csv(shown)).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition("attachment", "adoption-figures.csv")},
    )


ROUTES = [show_figures, export_figures]
