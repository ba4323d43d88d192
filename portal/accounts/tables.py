"""Accounts and who they belong to. Identity values are sealed to their account."""

from piccolo.columns import UUID, Bytea, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Account(Table):
    """A person who may sign in, in one role (``portal.core.access.Role``).

    Look-ups go through blind indexes (``portal.core.keys.Keyring.index``); the
    identity itself is in ``Identity``, sealed. ``status``: invited, active,
    refused, closed.
    """

    id = UUID(primary_key=True)
    role = Varchar(length=24)
    status = Varchar(length=12, default="invited")
    email_index = Varchar(length=64, null=True, default=None, index=True)
    nir_index = Varchar(length=64, null=True, default=None, index=True)
    rpps_index = Varchar(length=64, null=True, default=None, index=True)
    # Set at activation: the argon2id hash, and where sign-in codes go ("email" or "sms").
    password_hash = Varchar(length=200, null=True, default=None)
    code_channel = Varchar(length=8, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    activated_at = Timestamptz(null=True, default=None)
    # The last sign-in, for the adoption figures (spaces active in the last 30 days).
    last_signed_in_at = Timestamptz(null=True, default=None)


class Identity(Table):
    """Who the person of an account is. Every value is sealed with the account's data key
    to its place (table, column, account), so destroying the account's keys erases it."""

    account = ForeignKey(Account, unique=True, on_delete=OnDelete.cascade)
    family_name = Bytea()
    given_names = Bytea()
    date_of_birth = Bytea(null=True, default=None)
    nir = Bytea(null=True, default=None)
    email = Bytea(null=True, default=None)
    mobile = Bytea(null=True, default=None)
    postal_address = Bytea(null=True, default=None)
    # Professionals only. The profession is not secret: it decides what they may read.
    profession = Varchar(length=40, null=True, default=None)
    rpps = Bytea(null=True, default=None)
    place_of_practice = Bytea(null=True, default=None)


class Invitation(Table):
    """A one-time activation code for an invited account.

    Only a keyed index of the code is stored (the code is short enough to guess
    from a plain hash). It is used once, expires, and counts wrong tries.
    """

    id = Serial(primary_key=True)
    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    code_index = Varchar(length=64, unique=True)
    delivery = Varchar(length=8)  # "email" or "letter"
    # The audit name of who made it: "operator" (command line) or a mediator's "account:<uuid>".
    invited_by = Varchar(length=64, null=True, default=None)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    failed_attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class OneTimeCode(Table):
    """A 6-digit code sent at sign-in (``purpose`` "sign_in") or to choose a new
    password ("reset"): a keyed index only, 10 minutes, single use, 5 tries."""

    id = Serial(primary_key=True)
    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)
    purpose = Varchar(length=12)
    code_index = Varchar(length=64)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class SignInStep(Table):
    """A sign-in (``purpose`` "sign_in") or a password reset ("reset") between its first
    step and its code. The browser holds only an opaque random handle; this row, found by
    the handle's SHA-256, holds the rest. ``account`` is empty when a reset was asked for
    an identifier that has no space: the handle looks the same, and the code is never right.
    """

    token_hash = Varchar(length=64, unique=True)
    purpose = Varchar(length=12)
    account = ForeignKey(Account, null=True, on_delete=OnDelete.cascade, index=True)
    started_at = Timestamptz()
    expires_at = Timestamptz(index=True)
