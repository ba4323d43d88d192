"""Is this request from a kiosk? The request machinery every feature may ask, apart from
the kiosk feature (``portal.kiosk``: terminals, their pages, the middleware that decides).

``portal.kiosk.web.KioskMiddleware`` puts the request's ``Kiosk`` (or None) in its state,
once per request; ``kiosk_of`` and ``on_kiosk`` read it. The no-download rule: on a kiosk,
any answer that is a download (``is_download``) is replaced by the page at
``NO_FILE_PATH``. A session that begins or ends on a kiosk is recorded by the kiosk
feature, which registers how (``register``, called by ``portal.app``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from litestar.connection import ASGIConnection

from portal.core.sessions import SignedIn

if TYPE_CHECKING:
    from litestar.datastructures import MutableScopeHeaders

SETTING = "setting"
STATE_KEY = "portal_kiosk"
HOME = "/kiosk"
TIMEOUT_PATH = "/kiosk/timeout"
EXPIRES_HEADER = "x-session-expires-in"
# Where a download asked on a kiosk is sent instead (``portal.kiosk.routes``).
NO_FILE_PATH = "/kiosk/no-file"
# Kinds of answer that are files whatever they say (a calendar, a table, an archive).
FILE_TYPES = frozenset({"text/calendar", "text/csv", "application/zip", "application/octet-stream"})


@dataclass(frozen=True)
class Kiosk:
    """The browser of this request is a kiosk: an enrolled terminal, or every browser
    (``PORTAL_KIOSK=1``, ``terminal_id`` None)."""

    terminal_id: uuid.UUID | None
    name: str | None = None

    @property
    def audit_id(self) -> str:
        """How the audit trail names it: ``kiosk:<terminal id>`` or ``kiosk:setting``."""
        return f"kiosk:{self.terminal_id or SETTING}"


def is_download(headers: MutableScopeHeaders) -> bool:
    """An answer the browser would keep as a file: sent as an attachment, or of a kind that
    is always a file. A PDF or a picture shown in the page (``inline``, to print) is not."""
    disposition = headers.get("content-disposition", "").strip().lower()
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return disposition.startswith("attachment") or media_type in FILE_TYPES


def kiosk_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Kiosk | None:
    """The kiosk this request comes from (``KioskMiddleware`` decided), or None."""
    kiosk = connection.scope.get("state", {}).get(STATE_KEY)
    return kiosk if isinstance(kiosk, Kiosk) else None


def on_kiosk(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """True on a kiosk browser, or in a session begun on one (its terminal since revoked)."""
    user = connection.scope.get("user")
    return kiosk_of(connection) is not None or (isinstance(user, SignedIn) and user.kiosk)


# --------------------------------------------------------------------------- sessions on a kiosk

SessionStarted = Callable[[Kiosk, uuid.UUID], Awaitable[None]]
SessionEnded = Callable[[Kiosk | None, uuid.UUID, str], Awaitable[None]]


@dataclass
class _Hooks:
    started: SessionStarted | None = None
    ended: SessionEnded | None = None


_HOOKS = _Hooks()


def register(*, session_started: SessionStarted, session_ended: SessionEnded) -> None:
    """Tell the sign-in where a kiosk session's start and end are recorded (the kiosk
    feature: ``portal.kiosk.services.record_session_start`` / ``record_session_end``)."""
    _HOOKS.started = session_started
    _HOOKS.ended = session_ended


async def session_started(kiosk: Kiosk, account_id: uuid.UUID) -> None:
    """A session begins on a kiosk: recorded in the person's trail."""
    if _HOOKS.started is None:
        raise RuntimeError("no record of kiosk sessions: call portal.core.kiosk.register")
    await _HOOKS.started(kiosk, account_id)


async def session_ended(kiosk: Kiosk | None, account_id: uuid.UUID, why: str) -> None:
    """A kiosk session ends (``why``: "sign_out" or "timeout"); ``kiosk`` is None when the
    terminal was revoked during the session."""
    if _HOOKS.ended is None:
        raise RuntimeError("no record of kiosk sessions: call portal.core.kiosk.register")
    await _HOOKS.ended(kiosk, account_id, why)
