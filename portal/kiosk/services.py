"""Kiosk terminals and the single-use links a kiosk gives instead of a download.

A terminal is a shared computer in a public place (the reception of a medical centre).
An operator makes it with ``portal kiosk enrol``, which prints a one-time code valid for
``ENROLMENT_VALID``; typed at the terminal (``/kiosk/enrol``), the code gives the
terminal's browser a long-lived cookie holding a random token, of which only the SHA-256
is kept. Revoking the terminal makes that cookie worthless. ``PORTAL_KIOSK=1`` instead
makes every browser of the deployment a kiosk (``Kiosk.terminal_id`` is then None).

A kiosk never downloads a document: it sends it to the person's own phone, as a QR code
of a link that works once, for ``LINK_VALID``, and only for the person signed in on the
phone. The link's token is not stored either: it is derived from the link's id with a key
derived from the master key (so the kiosk's page can draw the QR code again after a
redirect), and only its SHA-256 is in the ``KioskLink`` row.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from portal.core import audit
from portal.core.crypto import derive_key
from portal.core.keys import Keyring, key_owner
from portal.core.kiosk import Kiosk
from portal.kiosk import actions
from portal.kiosk.tables import KioskLink, KioskTerminal

ENROLMENT_VALID = timedelta(hours=1)
LINK_VALID = timedelta(minutes=10)
# 31 letters and digits that cannot be mistaken for one another (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12  # about 59 bits: out of reach in an hour of throttled tries
CODE_INDEX = "kiosk-enrolment"
_MAX_TOKEN_LENGTH = 128
# French departments: 01-95 (2A and 2B for Corsica) and 971-976 overseas.
_DEPARTMENT = re.compile(r"(0[1-9]|[1-8][0-9]|9[0-5]|2A|2B|97[1-6])")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def hash_token(token: str) -> str:
    """What the tables keep instead of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- the kiosk


async def terminal_of(token: str | None) -> Kiosk | None:
    """The live terminal whose cookie holds ``token`` (one query on a unique index)."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = (
        await KioskTerminal.select(KioskTerminal.id, KioskTerminal.name)
        .where((KioskTerminal.token_hash == hash_token(token)) & KioskTerminal.revoked_at.is_null())
        .first()
    )
    return Kiosk(terminal_id=_uuid(row["id"]), name=row["name"]) if row else None


async def record_session_start(kiosk: Kiosk, account_id: uuid.UUID) -> None:
    """A session begins on a kiosk: marked in the person's trail."""
    owner = key_owner(account_id)
    await audit.record(
        actor=owner,
        action=actions.SESSION,
        outcome="allowed",
        subject=owner,
        object_id=kiosk.audit_id,
    )


async def record_session_end(kiosk: Kiosk | None, account_id: uuid.UUID, why: str) -> None:
    """A kiosk session ends (``why``: "sign_out" or "timeout"). ``kiosk`` is None when the
    terminal was revoked during the session."""
    owner = key_owner(account_id)
    await audit.record(
        actor=owner,
        action=actions.SESSION_ENDS[why],
        outcome="allowed",
        subject=owner,
        object_id=kiosk.audit_id if kiosk else "kiosk:revoked",
    )


# --------------------------------------------------------------------------- enrolment


class EnrolmentError(ValueError):
    """A terminal that cannot be made: the message says why, in plain words."""


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """``ABCD-EFGH-JKMN``: easier to read out and to type."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(typed: str) -> str:
    """What was typed, without spaces or dashes, in capitals."""
    return re.sub(r"[\s\-]+", "", typed).upper()


def check_terminal(name: str, department: str | None) -> tuple[str, str | None]:
    """The terminal's name and department, tidied; raises ``EnrolmentError``."""
    name = " ".join(name.split())
    if not name:
        raise EnrolmentError("give the terminal a name: the place and the desk, for example")
    if len(name) > 120:
        raise EnrolmentError("the name is too long: 120 characters at most")
    if department is not None:
        department = department.strip().upper()
        if not _DEPARTMENT.fullmatch(department):
            raise EnrolmentError("the department is a French department number: 23, 2A, 974...")
    return name, department or None


@dataclass(frozen=True)
class NewTerminal:
    terminal_id: uuid.UUID
    code: str
    expires_at: datetime


async def create_terminal(
    keyring: Keyring, name: str, department: str | None, now: datetime | None = None
) -> NewTerminal:
    """A terminal waiting for its enrolment code (the operator's ``portal kiosk enrol``)."""
    name, department = check_terminal(name, department)
    now = _utc(now or datetime.now(UTC))
    code = new_code()
    terminal_id = uuid.uuid4()
    expires_at = now + ENROLMENT_VALID
    await KioskTerminal.insert(
        KioskTerminal(
            id=terminal_id,
            name=name,
            department=department,
            enrolment_code_index=await keyring.index(CODE_INDEX, code),
            enrolment_expires_at=expires_at,
            created_at=now,
        )
    )
    await audit.record(
        actor="operator",
        action=actions.CREATE,
        outcome="allowed",
        object_id=f"kiosk:{terminal_id}",
    )
    return NewTerminal(terminal_id=terminal_id, code=code, expires_at=expires_at)


class CodeCheck(Enum):
    RIGHT = "right"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"


@dataclass(frozen=True)
class Enrolment:
    check: CodeCheck
    token: str | None = None
    """The cookie's token, when the code was right (never stored)."""
    kiosk: Kiosk | None = None


async def enrol(keyring: Keyring, typed: str, now: datetime | None = None) -> Enrolment:
    """Use an enrolment code typed at a terminal: once, before it expires, on a terminal
    that was not revoked. The terminal then gets its token."""
    now = _utc(now or datetime.now(UTC))
    code = normalise_code(typed)
    if len(code) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in code):
        return Enrolment(CodeCheck.WRONG)
    index = await keyring.index(CODE_INDEX, code)
    row = await KioskTerminal.select().where(KioskTerminal.enrolment_code_index == index).first()
    if row is None or row["revoked_at"] is not None:
        return Enrolment(CodeCheck.WRONG)
    if row["enrolled_at"] is not None:
        return Enrolment(CodeCheck.USED)
    if row["enrolment_expires_at"] is None or _utc(row["enrolment_expires_at"]) <= now:
        return Enrolment(CodeCheck.EXPIRED)
    token = secrets.token_urlsafe(32)
    # Two terminals typing the same code at once: only one of them takes it.
    taken = (
        await KioskTerminal.update(
            {
                KioskTerminal.token_hash: hash_token(token),
                KioskTerminal.enrolled_at: now,
                KioskTerminal.enrolment_expires_at: None,
            }
        )
        .where((KioskTerminal.id == row["id"]) & KioskTerminal.enrolled_at.is_null())
        .returning(KioskTerminal.id)
    )
    if not taken:
        return Enrolment(CodeCheck.USED)
    terminal = Kiosk(terminal_id=_uuid(row["id"]), name=row["name"])
    await audit.record(actor="operator", action=actions.ENROL, outcome="allowed", object_id=terminal.audit_id)
    return Enrolment(CodeCheck.RIGHT, token=token, kiosk=terminal)


async def record_failed_enrolment() -> None:
    """A wrong, used or expired code typed at /kiosk/enrol (what was typed is not kept)."""
    await audit.record(actor="anonymous", action=actions.ENROL, outcome="failed")


@dataclass(frozen=True)
class Terminal:
    """A terminal as ``portal kiosk list`` shows it."""

    id: uuid.UUID
    name: str
    department: str | None
    created_at: datetime
    enrolment_expires_at: datetime | None
    enrolled_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return f"revoked {self.revoked_at:%Y-%m-%d %H:%M} UTC"
        if self.enrolled_at is not None:
            return f"enrolled {self.enrolled_at:%Y-%m-%d %H:%M} UTC"
        if self.enrolment_expires_at is not None and self.enrolment_expires_at > now:
            return f"waiting for its code until {self.enrolment_expires_at:%Y-%m-%d %H:%M} UTC"
        return "its code expired: enrol it again"


async def terminals() -> list[Terminal]:
    rows = await KioskTerminal.select().order_by(KioskTerminal.created_at)
    return [
        Terminal(
            id=_uuid(row["id"]),
            name=row["name"],
            department=row["department"],
            created_at=_utc(row["created_at"]),
            enrolment_expires_at=_utc(row["enrolment_expires_at"]) if row["enrolment_expires_at"] else None,
            enrolled_at=_utc(row["enrolled_at"]) if row["enrolled_at"] else None,
            revoked_at=_utc(row["revoked_at"]) if row["revoked_at"] else None,
        )
        for row in rows
    ]


async def revoke(terminal_id: uuid.UUID, now: datetime | None = None) -> bool:
    """The terminal is a kiosk no more, and its code and cookie are worthless.
    False when there is no such terminal, or it was already revoked."""
    now = _utc(now or datetime.now(UTC))
    revoked = (
        await KioskTerminal.update({KioskTerminal.revoked_at: now, KioskTerminal.enrolment_expires_at: None})
        .where((KioskTerminal.id == terminal_id) & KioskTerminal.revoked_at.is_null())
        .returning(KioskTerminal.id)
    )
    if revoked:
        await audit.record(
            actor="operator",
            action=actions.REVOKE,
            outcome="allowed",
            object_id=f"kiosk:{terminal_id}",
        )
    return bool(revoked)


# --------------------------------------------------------------------------- links to a phone


def link_token(master_key: bytes, link_id: uuid.UUID) -> str:
    """The secret part of a link's address: 43 characters, only from the link's id and a
    key derived from the master key (nobody can make one without it)."""
    mac = hmac.new(derive_key(master_key, "kiosk-link"), link_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")


@dataclass(frozen=True)
class Link:
    id: uuid.UUID
    patient: uuid.UUID
    document: uuid.UUID
    terminal: uuid.UUID | None
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None

    def state(self, now: datetime) -> str:
        """ "ready", "used" or "expired"."""
        if self.used_at is not None:
            return "used"
        return "ready" if now < self.expires_at else "expired"


def _link(row: dict[str, object]) -> Link:
    used_at = row["used_at"]
    return Link(
        id=_uuid(row["id"]),
        patient=_uuid(row["patient"]),
        document=_uuid(row["document"]),
        terminal=_uuid(row["terminal"]) if row["terminal"] else None,
        created_at=_utc(row["created_at"]),  # type: ignore[arg-type]
        expires_at=_utc(row["expires_at"]),  # type: ignore[arg-type]
        used_at=_utc(used_at) if isinstance(used_at, datetime) else None,
    )


async def create_link(
    master_key: bytes,
    patient: uuid.UUID,
    document: uuid.UUID,
    kiosk: Kiosk | None,
    now: datetime | None = None,
) -> uuid.UUID:
    """A new single-use link to ``document`` for ``patient``, valid ``LINK_VALID``."""
    now = _utc(now or datetime.now(UTC))
    link_id = uuid.uuid4()
    await KioskLink.insert(
        KioskLink(
            id=link_id,
            token_hash=hash_token(link_token(master_key, link_id)),
            patient=patient,
            document=document,
            terminal=kiosk.terminal_id if kiosk else None,
            created_at=now,
            expires_at=now + LINK_VALID,
        )
    )
    await audit.record(
        actor=key_owner(patient),
        action=actions.SEND_TO_PHONE,
        outcome="allowed",
        subject=key_owner(patient),
        object_id=f"document:{document}",
    )
    return link_id


async def get_link(link_id: uuid.UUID) -> Link | None:
    row = await KioskLink.select().where(KioskLink.id == link_id).first()
    return _link(row) if row else None


async def find_link(token: str | None) -> Link | None:
    """The link of ``token`` (used or not, expired or not), or None."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    row = await KioskLink.select().where(KioskLink.token_hash == hash_token(token)).first()
    return _link(row) if row else None


async def use_link(link: Link, now: datetime | None = None) -> bool:
    """Mark the link used, if it still may be: False when it was used meanwhile or expired."""
    now = _utc(now or datetime.now(UTC))
    used = (
        await KioskLink.update({KioskLink.used_at: now})
        .where((KioskLink.id == link.id) & KioskLink.used_at.is_null() & (KioskLink.expires_at > now))
        .returning(KioskLink.id)
    )
    return bool(used)


async def record_refused_link(link: Link | None, actor: uuid.UUID | None) -> None:
    """A link opened when it may not be: unknown, used, expired, or by another person."""
    await audit.record(
        actor=key_owner(actor) if actor else "anonymous",
        action=actions.PHONE_LINK,
        outcome="denied",
        subject=key_owner(link.patient) if link else None,
        object_id=f"document:{link.document}" if link else None,
    )
