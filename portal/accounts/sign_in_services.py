"""Signing in: a password, then a 6-digit code sent by email or SMS; and a forgotten password.

Between the two steps, the browser keeps a *pending* cookie that holds only an opaque
random handle; the step itself (the account, when it began and when it ends) is a
``SignInStep`` row found by the handle's hash, so the cookie says nothing about who is
signing in, and a reset asked for an unknown identifier gets a handle of the same shape.
Codes are stored only as a keyed index of "<account id>:<code>" (the index key is
shared by every account, so the account id keeps two accounts' codes apart); each
works once, for ``CODE_MINUTES``, and ``CODE_TRIES`` wrong tries wear it out (each try
is counted before it is compared). Only the newest code of a step counts: sending a
new one ends the older ones.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum

from portal.accounts.identity import IdentityError, normalise_email, normalise_nir
from portal.accounts.passwords import birth_date_words, burn_verify_time, verify_password
from portal.accounts.services import PersonIdentity, find_account_id, read_identity
from portal.accounts.tables import Account, OneTimeCode, SignInStep
from portal.core.db import release_write_lock
from portal.core.i18n import gettext as _
from portal.core.keys import Keyring
from portal.core.notify import DeliveryError, send_email, send_sms
from portal.settings import Settings

log = logging.getLogger(__name__)

SIGN_IN = "sign_in"
RESET = "reset"
CODE_DIGITS = 6
CODE_MINUTES = 10
CODE_TRIES = 5
RESEND_EVERY = timedelta(minutes=1)
MAX_RESENDS = 3
CODE_INDEX = "one-time-code"
PENDING_COOKIE = "sign_in_pending"
PENDING_PATH = "/sign-in"
STEP_TOKEN_BYTES = 32
# Stands for "no space": it matches no row, so an identifier that has no space runs the
# same queries as one that has (the same work, hence the same time).
NO_ACCOUNT = uuid.UUID(int=0)


# --------------------------------------------------------------------------- identifier


def parse_identifier(value: str) -> str:
    """An email address or a social security number, normalised; raises ``IdentityError``."""
    text = value.strip()
    if not text:
        raise IdentityError(_("Enter your email address or your social security number."))
    return normalise_nir(text) if text[:1].isdigit() else normalise_email(text)


# --------------------------------------------------------------------------- pending step


@dataclass(frozen=True)
class Pending:
    """A sign-in (or a password reset) between its first step and its code.

    ``account_id`` is None for a reset asked with an identifier that has no space.
    """

    token: str
    account_id: uuid.UUID | None
    purpose: str
    started_at: datetime
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


async def open_step(account_id: uuid.UUID | None, purpose: str, now: datetime | None = None) -> Pending:
    """A new pending step: an opaque random handle for the browser, the rest kept here.

    Known and unknown identifiers get the same work and a handle of the same shape.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    token = secrets.token_urlsafe(STEP_TOKEN_BYTES)
    pending = Pending(token, account_id, purpose, now, now + timedelta(minutes=CODE_MINUTES))
    await SignInStep.delete().where(SignInStep.expires_at < now)
    await SignInStep.insert(
        SignInStep(
            token_hash=_token_hash(token),
            purpose=purpose,
            account=account_id,
            started_at=pending.started_at,
            expires_at=pending.expires_at,
        )
    )
    return pending


async def read_step(token: str | None, purpose: str, now: datetime | None = None) -> Pending | None:
    """The pending step of a handle, or None when it is absent, unknown, of another purpose or over."""
    if not token or len(token) > 100:
        return None
    row = await SignInStep.select().where(SignInStep.token_hash == _token_hash(token)).first()
    if row is None or row["purpose"] != purpose:
        return None
    expires_at = _utc(row["expires_at"])
    if expires_at <= (now or datetime.now(UTC)):
        return None
    account = row["account"]
    return Pending(
        token=token,
        account_id=uuid.UUID(str(account)) if account else None,
        purpose=purpose,
        started_at=_utc(row["started_at"]),
        expires_at=expires_at,
    )


async def save_step(pending: Pending) -> None:
    """Keep a step's new times (a new code sent; a reset that reaches back to the last code)."""
    await SignInStep.update(
        {SignInStep.started_at: pending.started_at, SignInStep.expires_at: pending.expires_at}
    ).where(SignInStep.token_hash == _token_hash(pending.token))


async def close_step(pending: Pending) -> None:
    """The step is over (signed in, password saved): its handle opens nothing any more."""
    await SignInStep.delete().where(SignInStep.token_hash == _token_hash(pending.token))


# --------------------------------------------------------------------------- throttle keys


async def account_key(keyring: Keyring, account_id: uuid.UUID) -> str:
    return await keyring.index("throttle", f"account:{account_id}")


async def address_key(keyring: Keyring, address: str) -> str:
    return await keyring.index("throttle", f"ip:{address}")


async def identifier_key(keyring: Keyring, identifier: str) -> str:
    """For an identifier that has no space: it locks like an account does, so a lock
    tells nobody whether a space exists."""
    return await keyring.index("throttle", f"identifier:{identifier}")


# --------------------------------------------------------------------------- password


@dataclass(frozen=True)
class SignInAccount:
    account_id: uuid.UUID
    role: str
    code_channel: str | None


async def active_account(keyring: Keyring, identifier: str) -> SignInAccount | None:
    """The active account of ``identifier`` (None for an unknown, invited or closed one)."""
    account_id = await find_account_id(keyring, identifier)
    return await get_active_account(account_id or NO_ACCOUNT)


async def get_active_account(account_id: uuid.UUID) -> SignInAccount | None:
    row = (
        await Account.select(Account.id, Account.role, Account.code_channel)
        .where((Account.id == account_id) & (Account.status == "active"))
        .first()
    )
    if row is None:
        return None
    return SignInAccount(uuid.UUID(str(row["id"])), row["role"], row["code_channel"])


async def check_password(account: SignInAccount | None, password: str) -> bool:
    """Whether ``password`` is the account's; for no account, as slow as a wrong one.

    A hash made with older parameters is replaced by the one ``verify_password`` gives.
    """
    account_id = account.account_id if account else NO_ACCOUNT
    row = await Account.select(Account.password_hash).where(Account.id == account_id).first()
    # The hash takes about 100 ms: other requests may write meanwhile.
    await release_write_lock(Account._meta.db)
    if account is None or row is None or not row["password_hash"]:
        return await burn_verify_time(password)
    matches, new_hash = await verify_password(row["password_hash"], password)
    if matches and new_hash:
        await Account.update({Account.password_hash: new_hash}).where(Account.id == account.account_id)
    return matches


async def save_password(account_id: uuid.UUID, password_hash: str) -> None:
    await Account.update({Account.password_hash: password_hash}).where(Account.id == account_id)


# --------------------------------------------------------------------------- codes


class CodeCheck(Enum):
    RIGHT = "right"
    WRONG = "wrong"
    EXPIRED = "expired"
    USED = "used"
    WORN_OUT = "worn_out"
    NONE = "none"


@dataclass(frozen=True)
class CodeResult:
    check: CodeCheck
    tries_left: int = 0


def normalise_code(value: str) -> str:
    """The digits of a code as typed ("123 456" -> "123456")."""
    return "".join(ch for ch in value if ch in "0123456789")


def group_code(code: str) -> str:
    return f"{code[:3]} {code[3:]}"


async def _code_index(keyring: Keyring, account_id: uuid.UUID, code: str) -> str:
    return await keyring.index(CODE_INDEX, f"{account_id}:{code}")


async def issue_code(
    keyring: Keyring, account_id: uuid.UUID, purpose: str, now: datetime | None = None
) -> str:
    """A new code for ``purpose``; the account's older live codes of that purpose end now."""
    now = now or datetime.now(UTC)
    await OneTimeCode.update({OneTimeCode.expires_at: now}).where(
        (OneTimeCode.account == account_id)
        & (OneTimeCode.purpose == purpose)
        & (OneTimeCode.used_at.is_null())
        & (OneTimeCode.expires_at > now)
    )
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    await OneTimeCode.insert(
        OneTimeCode(
            account=account_id,
            purpose=purpose,
            code_index=await _code_index(keyring, account_id, code),
            expires_at=now + timedelta(minutes=CODE_MINUTES),
            created_at=now,
        )
    )
    return code


def code_message(code: str, purpose: str) -> tuple[str, str]:
    """Subject and body of the message that gives a code: no health data."""
    if purpose == RESET:
        return _("Your code to choose a new password"), _(
            "Your code to choose a new password: %(code)s. It works for 10 minutes. "
            "If you did not ask for it, do nothing: your password stays the same.",
            code=group_code(code),
        )
    return _("Your code to sign in"), _(
        "Your code to sign in: %(code)s. It works for 10 minutes. "
        "If you did not ask for it, do nothing: nobody can sign in without your password.",
        code=group_code(code),
    )


async def send_code(
    settings: Settings,
    keyring: Keyring,
    account: SignInAccount,
    code: str,
    purpose: str,
    identity: PersonIdentity | None = None,
) -> bool:
    """Send ``code`` the way the person chose (SMS or email); False when it could not go.

    ``identity``: the person's, when the caller has read it already (then no query runs here).
    """
    identity = identity or await read_identity(keyring, account.account_id)
    if identity is None:
        return False
    subject, body = code_message(code, purpose)
    try:
        if account.code_channel == "sms" and identity.mobile:
            await send_sms(settings, identity.mobile, body)
        elif identity.email:
            await send_email(settings, identity.email, subject, body + "\n")
        else:
            log.warning("account %s has nowhere to send a code to", account.account_id)
            return False
    except DeliveryError:
        return False
    return True


async def _codes_since(account_id: uuid.UUID, purpose: str, since: datetime) -> list[dict[str, object]]:
    """The account's codes of ``purpose`` made since ``since``, newest first."""
    rows: list[dict[str, object]] = (
        await OneTimeCode.select()
        .where(
            (OneTimeCode.account == account_id)
            & (OneTimeCode.purpose == purpose)
            & (OneTimeCode.created_at >= since)
        )
        .order_by(OneTimeCode.id, ascending=False)
    )
    return rows


def _utc(value: object) -> datetime:
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def check_code(
    keyring: Keyring, pending: Pending, typed: str, now: datetime | None = None, *, use: bool = True
) -> CodeResult:
    """Check a typed code against the newest code of the pending step.

    A wrong code counts a try; ``use`` marks a right one used (the reset step first
    checks the code, then the new password, and uses the code only when both are right).
    """
    now = now or datetime.now(UTC)
    # A step with no space behind it (or no code yet) runs the same statements, on no row.
    account_id = pending.account_id or NO_ACCOUNT
    rows = await _codes_since(account_id, pending.purpose, pending.started_at)
    newest = rows[0] if rows else None
    typed_index = await _code_index(keyring, account_id, typed)
    if newest is not None and newest["used_at"] is not None:
        return CodeResult(CodeCheck.USED)
    if newest is not None and (
        _utc(newest["expires_at"]) <= now
        or any(hmac.compare_digest(str(row["code_index"]), typed_index) for row in rows[1:])
    ):
        return CodeResult(CodeCheck.EXPIRED)
    # The try is counted before the code is compared, in one statement: tries sent at once
    # cannot all slip under the limit.
    counted = (
        await OneTimeCode.update({OneTimeCode.attempts: OneTimeCode.attempts + 1})
        .where((OneTimeCode.id == (newest["id"] if newest else 0)) & (OneTimeCode.attempts < CODE_TRIES))
        .returning(OneTimeCode.attempts)
    )
    if newest is None:
        return CodeResult(CodeCheck.NONE)
    if not counted:
        return CodeResult(CodeCheck.WORN_OUT)
    if not hmac.compare_digest(str(newest["code_index"]), typed_index):
        return CodeResult(CodeCheck.WRONG, tries_left=max(0, CODE_TRIES - int(counted[0]["attempts"])))
    if use:
        await use_code(pending, now)
    return CodeResult(CodeCheck.RIGHT)


async def use_code(pending: Pending, now: datetime | None = None) -> None:
    """Mark the pending step's live code used; a sign-in's is the account's last sign-in."""
    now = now or datetime.now(UTC)
    await OneTimeCode.update({OneTimeCode.used_at: now}).where(
        (OneTimeCode.account == pending.account_id)
        & (OneTimeCode.purpose == pending.purpose)
        & (OneTimeCode.used_at.is_null())
        & (OneTimeCode.created_at >= pending.started_at)
    )
    if pending.purpose == SIGN_IN:  # for the adoption figures (spaces used in the last 30 days)
        await Account.update({Account.last_signed_in_at: now}).where(Account.id == pending.account_id)


async def why_no_new_code(pending: Pending, now: datetime | None = None) -> str | None:
    """None when a new code may be sent for ``pending``, else a kind message why not."""
    now = now or datetime.now(UTC)
    if pending.account_id is None:  # no space, no code: nothing to send again
        return None
    rows = await _codes_since(pending.account_id, pending.purpose, pending.started_at)
    if len(rows) > MAX_RESENDS:
        return _("You have asked for 3 new codes. Start again from the beginning to get another one.")
    if rows and now - _utc(rows[0]["created_at"]) < RESEND_EVERY:
        return _("You can ask for a new code once a minute. Wait a little, then try again.")
    return None


async def personal_words(keyring: Keyring, account_id: uuid.UUID) -> list[str]:
    """What a new password must not be made of: the person's names, email and birth date."""
    identity = await read_identity(keyring, account_id)
    if identity is None:
        return []
    words = [identity.family_name, identity.given_names, identity.email or ""]
    if identity.date_of_birth:
        words += birth_date_words(date.fromisoformat(identity.date_of_birth))
    return words
