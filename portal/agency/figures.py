"""Adoption figures for the regional health agency: counts by territory and age band,
shown so that no single person can be picked out.

What is counted, per person whose space was made (role patient), from plain columns
and from their sealed identity (``portal.agency.counts`` opens it):

- activations: spaces ever activated; of them, those a mediator helped with
  (``AssistedActivation``) and those the person activated alone;
- refusals: people who said no to their space;
- invitations waiting: spaces not activated yet whose code still works;
- spaces active in the last 30 days: signed in (or activated) within 30 days;
- documents deposited by professionals, and of them those the patient has opened.

The territory is the department of the person's postal address, else the department
where a mediator helped them activate, else "not known" (a refusal erases the
identity, so refusals mostly fall there). The age band comes from the date of birth.

Small counts. Any count from 1 to 9 is shown as "fewer than 10"; 0 is shown as 0.
Suppression alone is not enough: a total minus the other rows (or "activations"
minus "alone") would give a suppressed count back. We chose rounding over secondary
suppression: every count of 10 or more is rounded to the nearest multiple of 5
(10, 15, 20...), each from its exact value, totals included. A difference of rounded
counts is then off by up to 2 for each count in it, so subtracting rows from a total
(or one column from another) gives at best a range, never an exact small count, and
never one person. Secondary suppression would have to hold across every filter
combination the page offers (department x age band, with their margins); rounding
holds for all of them at once. Rows are departments and age bands only, never a
person; no name, identifier or date is shown.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from portal.core.i18n import gettext as _
from portal.outreach import departments

SMALL = 10  # counts from 1 to SMALL - 1 are not shown
ROUND_TO = 5  # counts of SMALL or more are rounded to a multiple of this
NOT_KNOWN = "unknown"
AGE_BANDS = ("under-18", "18-39", "40-59", "60-74", "75-plus")
METRICS = (
    "activations",
    "assisted",
    "alone",
    "refusals",
    "pending",
    "active_30_days",
    "documents",
    "documents_read",
)
SUPPRESSED = "fewer-than-10"  # the data attribute of a suppressed cell


def age_band(born: date | None, today: date) -> str:
    """The age band of someone born on ``born``, on ``today``."""
    if born is None or born > today:
        return NOT_KNOWN
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < 18:
        return "under-18"
    if age < 40:
        return "18-39"
    if age < 60:
        return "40-59"
    if age < 75:
        return "60-74"
    return "75-plus"


def band_labels() -> dict[str, str]:
    return {
        "under-18": _("Under 18"),
        "18-39": _("18 to 39"),
        "40-59": _("40 to 59"),
        "60-74": _("60 to 74"),
        "75-plus": _("75 and over"),
        NOT_KNOWN: _("Age not known"),
    }


def metric_labels() -> dict[str, str]:
    return {
        "activations": _("Spaces activated"),
        "assisted": _("Activated with a mediator"),
        "alone": _("Activated alone"),
        "refusals": _("Spaces refused"),
        "pending": _("Invitations waiting"),
        "active_30_days": _("Spaces used in the last 30 days"),
        "documents": _("Documents from professionals"),
        "documents_read": _("Documents from professionals read"),
    }


def department_label(code: str) -> str:
    return _("Department not known") if code == NOT_KNOWN else departments.label(code)


@dataclass(frozen=True)
class Shown:
    """A count as it may be shown: 0, "fewer than 10", or rounded to the nearest 5."""

    value: int | None  # None: suppressed

    @property
    def token(self) -> str:
        """What the cell's data attribute says: the shown number, or ``fewer-than-10``."""
        return SUPPRESSED if self.value is None else str(self.value)

    @property
    def text(self) -> str:
        return _("fewer than 10") if self.value is None else str(self.value)


def shown(count: int) -> Shown:
    if count <= 0:
        return Shown(0)
    if count < SMALL:
        return Shown(None)
    return Shown((count + ROUND_TO // 2) // ROUND_TO * ROUND_TO)


@dataclass(frozen=True)
class Fact:
    """What is counted about one person. Never leaves this module's callers: only tallies are shown."""

    department: str
    band: str
    activated: bool = False
    assisted: bool = False
    refused: bool = False
    pending: bool = False
    active_30_days: bool = False
    documents: int = 0
    documents_read: int = 0


@dataclass
class Tally:
    """Exact counts of a group of people, before anything is shown."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(METRICS, 0))

    def add(self, fact: Fact) -> None:
        c = self.counts
        c["activations"] += fact.activated
        c["assisted"] += fact.activated and fact.assisted
        c["alone"] += fact.activated and not fact.assisted
        c["refusals"] += fact.refused
        c["pending"] += fact.pending
        c["active_30_days"] += fact.active_30_days
        c["documents"] += fact.documents
        c["documents_read"] += fact.documents_read

    def shown(self) -> list[Shown]:
        return [shown(self.counts[metric]) for metric in METRICS]


@dataclass(frozen=True)
class Row:
    key: str  # "all", "department:23", "band:75-plus": no person, ever
    label: str
    cells: list[Shown]


@dataclass(frozen=True)
class Filters:
    department: str = ""  # "" for every department
    band: str = ""  # "" for every age band

    @property
    def audit_id(self) -> str:
        return f"figures:{self.department or 'all'}:{self.band or 'all'}"

    @property
    def department_label(self) -> str:
        return department_label(self.department) if self.department else _("All departments")

    @property
    def band_label(self) -> str:
        return band_labels()[self.band] if self.band else _("All ages")


def read_filters(department: str | None, band: str | None) -> tuple[Filters, dict[str, str]]:
    """The filters of the page's GET form; an unknown value is dropped, with a message."""
    errors: dict[str, str] = {}
    department = (department or "").strip()
    band = (band or "").strip()
    if department and department != NOT_KNOWN and department not in departments.DEPARTMENTS:
        errors["department"] = _("Choose a department from the list.")
        department = ""
    if band and band not in band_labels():
        errors["band"] = _("Choose an age band from the list.")
        band = ""
    return Filters(department, band), errors


@dataclass(frozen=True)
class Figures:
    filters: Filters
    total: Row
    by_department: list[Row]
    by_band: list[Row]

    def rows(self) -> list[tuple[str, Row]]:
        """Every row, each with its breakdown, in the page's order (the CSV's too)."""
        return (
            [("all", self.total)]
            + [("department", row) for row in self.by_department]
            + [("band", row) for row in self.by_band]
        )


def _department_order(code: str) -> tuple[int, str]:
    return (1, "") if code == NOT_KNOWN else (0, code.zfill(3))


def figures(facts: Iterable[Fact], filters: Filters) -> Figures:
    """The page's three tables from everyone's facts, filtered, and shown safely."""
    total = Tally()
    by_department: dict[str, Tally] = {}
    by_band: dict[str, Tally] = {band: Tally() for band in (*AGE_BANDS, NOT_KNOWN)}
    for fact in facts:
        in_department = not filters.department or fact.department == filters.department
        in_band = not filters.band or fact.band == filters.band
        if in_department and in_band:
            total.add(fact)
        if in_band and in_department:
            by_department.setdefault(fact.department, Tally()).add(fact)
        if in_department:
            by_band[fact.band].add(fact)
    if filters.band:
        by_band = {filters.band: by_band[filters.band]}
    bands = band_labels()
    return Figures(
        filters=filters,
        total=Row("all", _("Total"), total.shown()),
        by_department=[
            Row(f"department:{code}", department_label(code), by_department[code].shown())
            for code in sorted(by_department, key=_department_order)
        ],
        by_band=[Row(f"band:{band}", bands[band], tally.shown()) for band, tally in by_band.items()],
    )


def account_uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
