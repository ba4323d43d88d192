"""Consents: connecting a service, what it may read, revoking it, and its access key.

A consent records which service (and which version of its catalogue entry), which
kinds of data, who granted it (the patient, or a carer acting for them) and when; all of
it sealed with the patient's key. The service gets an
access key once; only its SHA-256 is kept (the key is 256 random bits, so a plain hash
is enough), and revoking the consent makes the key useless at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from portal.accounts.notify import tell
from portal.catalogue import actions
from portal.catalogue.entries import Entry, catalogue
from portal.catalogue.tables import ServiceConsent, ServiceReport
from portal.core import audit, db
from portal.core.actions import AuditAction
from portal.core.addresses import url_for
from portal.core.crypto import Place
from portal.core.i18n import gettext as _
from portal.core.i18n import ngettext, set_locale
from portal.core.keys import Keyring, key_owner
from portal.settings import Settings

REMIND_EVERY = timedelta(days=90)
CONSENT_PREFIX = "consent:"
REPORTS_OWNER = "system:service-reports"
REPORT_REASONS = ("asks_too_much", "does_not_work", "not_accessible", "misleading", "other")


def _place(consent: uuid.UUID, patient: uuid.UUID) -> Place:
    return Place(table="service_consent", column="sealed_grant", row=str(consent), subject=key_owner(patient))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def consent_actor(consent: uuid.UUID) -> str:
    """How the audit trail names a connected service: by its consent, never by its name
    (which would say something about the person's health)."""
    return f"{CONSENT_PREFIX}{consent}"


@dataclass(frozen=True)
class Consent:
    id: uuid.UUID
    patient: uuid.UUID
    entry: Entry | None  # None: the service left the catalogue
    service_id: str
    version: int
    kinds: frozenset[str]
    granted_at: datetime
    revoked_at: datetime | None
    last_access_at: datetime | None
    # Who connected it: the patient, or a carer in their space (None: before this was kept,
    # always the patient).
    granted_by: uuid.UUID | None = None

    @property
    def name(self) -> str:
        return self.entry.name if self.entry else self.service_id

    @property
    def kinds_in_order(self) -> list[str]:
        """The kinds it may read, in the order its catalogue entry lists them."""
        order = [ask.kind for ask in self.entry.asks] if self.entry else []
        return sorted(self.kinds, key=lambda kind: (order.index(kind) if kind in order else len(order), kind))


async def _open(keyring: Keyring, row: dict[str, object]) -> Consent:
    consent, patient = uuid.UUID(str(row["id"])), uuid.UUID(str(row["patient"]))
    sealed = row["sealed_grant"]
    assert isinstance(sealed, bytes | bytearray | memoryview)
    grant = json.loads(await keyring.open(_place(consent, patient), bytes(sealed)))
    return Consent(
        id=consent,
        patient=patient,
        entry=catalogue().get(grant["service"]),
        service_id=grant["service"],
        version=int(grant["version"]),
        kinds=frozenset(grant["kinds"]),
        granted_at=row["granted_at"],  # type: ignore[arg-type]
        revoked_at=row["revoked_at"],  # type: ignore[arg-type]
        last_access_at=row["last_access_at"],  # type: ignore[arg-type]
        granted_by=uuid.UUID(grant["granted_by"]) if grant.get("granted_by") else None,
    )


async def connect(
    keyring: Keyring, patient: uuid.UUID, entry: Entry, kinds: frozenset[str], *, granted_by: uuid.UUID
) -> tuple[uuid.UUID, str]:
    """Record the consent ``granted_by`` the patient or someone acting for them, and make the
    service's access key: (consent id, key, shown once). The caller has checked that
    ``granted_by`` may read every kind themselves (``portal.catalogue.routes``). An earlier
    consent to the same service is revoked: one connection per service."""
    for earlier in await consents_of(keyring, patient):
        if earlier.service_id == entry.id and earlier.revoked_at is None:
            await revoke(earlier, by=granted_by)
    consent, token = uuid.uuid4(), secrets.token_urlsafe(32)
    grant = json.dumps(
        {
            "service": entry.id,
            "version": entry.version,
            "kinds": sorted(kinds),
            "granted_by": str(granted_by),
        }
    )
    await ServiceConsent.insert(
        ServiceConsent(
            id=consent,
            patient=patient,
            sealed_grant=await keyring.seal(_place(consent, patient), grant),
            token_hash=hash_token(token),
        )
    )
    await _record(key_owner(granted_by), patient, actions.CONNECT, consent)
    return consent, token


async def _record(
    actor: str, patient: uuid.UUID, action: AuditAction, consent: uuid.UUID, outcome: str = "allowed"
) -> None:
    await audit.record(
        actor=actor,
        action=action,
        outcome=outcome,
        subject=key_owner(patient),
        object_id=consent_actor(consent),
    )


async def consents_of(keyring: Keyring, patient: uuid.UUID, *, active_only: bool = False) -> list[Consent]:
    """The patient's consents, newest first (revoked ones too unless ``active_only``)."""
    query = ServiceConsent.select().where(ServiceConsent.patient == patient)
    if active_only:
        query = query.where(ServiceConsent.revoked_at.is_null())
    rows = await query.order_by(ServiceConsent.granted_at, ascending=False)
    return [await _open(keyring, row) for row in rows]


async def consent_of(keyring: Keyring, patient: uuid.UUID, consent: uuid.UUID) -> Consent | None:
    row = (
        await ServiceConsent.select()
        .where((ServiceConsent.id == consent) & (ServiceConsent.patient == patient))
        .first()
    )
    return await _open(keyring, row) if row else None


async def revoke(consent: Consent, *, by: uuid.UUID) -> None:
    """Take the consent back (``by``: the patient, or someone acting for them): the access key
    stops working at the service's next call."""
    await ServiceConsent.update({ServiceConsent.revoked_at: datetime.now(UTC)}).where(
        (ServiceConsent.id == consent.id) & ServiceConsent.revoked_at.is_null()
    )
    await _record(key_owner(by), consent.patient, actions.REVOKE, consent.id)


async def names_of_consents(keyring: Keyring, patient: uuid.UUID, actors: list[str]) -> dict[str, str]:
    """The service names of the ``consent:<id>`` actors of a patient's trail."""
    wanted = {a for a in actors if a and a.startswith(CONSENT_PREFIX)}
    if not wanted:
        return {}
    return {
        consent_actor(c.id): c.name
        for c in await consents_of(keyring, patient)
        if consent_actor(c.id) in wanted
    }


# --------------------------------------------------------------------------- the API's side


async def consent_for_token(keyring: Keyring, token: str) -> Consent | None:
    """The live consent behind an access key, or None (unknown, or revoked)."""
    if not token or len(token) > 100:
        return None
    row = await ServiceConsent.select().where(ServiceConsent.token_hash == hash_token(token)).first()
    if row is None or row["revoked_at"] is not None:
        return None
    return await _open(keyring, row)


async def record_call(consent: Consent, action: AuditAction, outcome: str = "allowed") -> None:
    """Audit a call of the API (in the patient's trail, under the service's consent) and
    note when the service last read something."""
    if outcome == "allowed":
        async with db.aside(ServiceConsent._meta.db):  # the API only reads: on the side
            await ServiceConsent.update({ServiceConsent.last_access_at: datetime.now(UTC)}).where(
                ServiceConsent.id == consent.id
            )
    await _record(consent_actor(consent.id), consent.patient, action, consent.id, outcome)


async def record_refused_token(reason: str) -> None:
    """An API call with no valid key: audited as a system event, with nobody's name."""
    await audit.record(actor="anonymous", action=actions.API_CALL, outcome="denied", object_id=reason)


# --------------------------------------------------------------------------- reports


def _report_place(reference: str) -> Place:
    return Place(table="service_report", column="sealed_details", row=reference, subject=REPORTS_OWNER)


async def report(keyring: Keyring, entry: Entry, reason: str, details: str) -> None:
    """Keep a report for the operator: which service, why, and what was written (sealed);
    not who wrote it."""
    reference = secrets.token_hex(8)
    sealed = await keyring.seal(_report_place(reference), details)
    await ServiceReport.insert(
        ServiceReport(reference=reference, service=entry.id, reason=reason, sealed_details=sealed)
    )


@dataclass(frozen=True)
class Report:
    service: str
    reason: str
    details: str
    reported_at: datetime


async def read_reports(keyring: Keyring, limit: int = 50) -> list[Report]:
    """The newest reports, opened (``portal reports``)."""
    rows = await ServiceReport.select().order_by(ServiceReport.id, ascending=False).limit(limit)
    return [
        Report(
            service=row["service"],
            reason=row["reason"],
            details=await keyring.open(_report_place(row["reference"]), bytes(row["sealed_details"])),
            reported_at=row["reported_at"],
        )
        for row in rows
    ]


# --------------------------------------------------------------------------- reminders


async def remind_all(settings: Settings, keyring: Keyring, now: datetime | None = None) -> int:
    """Tell each patient whose services have been connected for 90 days, or were last
    recalled 90 days ago, how many are connected. The email names none of them (a name
    can say something about one's health): the page lists them. Returns how many were told."""
    now = now or datetime.now(UTC)
    set_locale(settings.default_locale)  # a task has no request: the portal's own language
    limit = now - REMIND_EVERY
    rows = await ServiceConsent.select(
        ServiceConsent.id, ServiceConsent.patient, ServiceConsent.granted_at, ServiceConsent.reminded_at
    ).where(ServiceConsent.revoked_at.is_null())
    due: dict[uuid.UUID, list[uuid.UUID]] = {}
    counts: dict[uuid.UUID, int] = {}
    for row in rows:
        patient = uuid.UUID(str(row["patient"]))
        counts[patient] = counts.get(patient, 0) + 1
        last = row["reminded_at"] or row["granted_at"]
        if last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        if last <= limit:
            due.setdefault(patient, []).append(uuid.UUID(str(row["id"])))
    told = 0
    for patient in due:
        count = counts[patient]
        address = settings.base_url + url_for("my_services")
        text = ngettext(
            "%(num)d service is connected to your health space and may read some of your data. "
            "To check what it may read, or to disconnect it, sign in at %(address)s",
            "%(num)d services are connected to your health space and may read some of your data. "
            "To check what each may read, or to disconnect them, sign in at %(address)s",
            count,
            address=address,
        )
        if await tell(settings, keyring, patient, _("Your connected services"), text):
            told += 1
        await ServiceConsent.update({ServiceConsent.reminded_at: now}).where(
            (ServiceConsent.patient == patient) & ServiceConsent.revoked_at.is_null()
        )
    return told
