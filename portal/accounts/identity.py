"""Who a person is, as typed in a form: checked and put in one standard form.

Each function returns the normalised value or raises ``IdentityError`` with a
kind message that says what to do. Nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from portal.core import forms
from portal.core.i18n import gettext as _


class IdentityError(ValueError):
    """A value a person typed cannot be used; ``message`` tells them what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# Spaces (non-breaking ones too, from a paste), dots and dashes between groups of digits.
_NUMBER_SEPARATORS = re.compile(r"[\s.\-]+")


# --- French national health number (NIR, "numéro de sécurité sociale") ---------------

# 13 characters then a 2-digit key. The department (characters 6 and 7) may be 2A or
# 2B (Corsica): the only letters allowed.
_NIR_SHAPE = re.compile(r"[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{8}")
# 1 and 2: men and women; 3 and 4: temporary numbers (people born abroad, waiting for
# their registration); 7 and 8: temporary numbers given by health insurance.
_NIR_FIRST_DIGITS = "123478"


def nir_key(number: str) -> str:
    """The 2-digit key of the first 13 characters of a well-formed NIR: 97 - (number mod 97).

    For Corsica, 2A counts as 19 and 2B as 18 (the same as the rule often written
    "replace by 20, then subtract 1,000,000 for 2A or 2,000,000 for 2B").
    """
    department = number[5:7]
    digits = number[:5] + {"2A": "19", "2B": "18"}.get(department, department) + number[7:13]
    return f"{97 - int(digits) % 97:02d}"


def normalise_nir(value: str) -> str:
    """A social security number as 15 characters without separators, e.g. "148037512345678"."""
    compact = _NUMBER_SEPARATORS.sub("", value).upper()
    if not compact:
        raise IdentityError(_("Enter your social security number. You will find it on your Carte Vitale."))
    if not _NIR_SHAPE.fullmatch(compact):
        raise IdentityError(_("A social security number has 15 characters: 13, then a key of 2 digits."))
    if compact[0] not in _NIR_FIRST_DIGITS:
        raise IdentityError(
            _("A social security number starts with 1 or 2. Check each digit on your Carte Vitale.")
        )
    # Month of birth: 01 to 12, or 20 to 99 when INSEE did not know it (never 00 or 13 to 19).
    month = int(compact[3:5])
    if month == 0 or 13 <= month <= 19:
        raise IdentityError(
            _(
                "The 4th and 5th digits are your month of birth, from 01 to 12. "
                "Check each digit on your Carte Vitale."
            )
        )
    if nir_key(compact) != compact[13:]:
        raise IdentityError(
            _("The last 2 digits do not match the number. Check each digit on your Carte Vitale.")
        )
    return compact


def format_nir(nir: str) -> str:
    """A normalised NIR grouped as on the Carte Vitale: "1 48 03 75 123 456 78"."""
    groups = (nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:])
    return " ".join(groups)


# --- RPPS number (health professionals) ----------------------------------------------


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        digit = int(character)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def normalise_rpps(value: str) -> str:
    """An RPPS number as its 11 digits.

    The last digit is a Luhn check digit: the Agence du Numérique en Santé documents
    the RPPS identifier as "11 numeric characters, the last being the Luhn key", and
    published RPPS numbers pass the check.
    """
    compact = _NUMBER_SEPARATORS.sub("", value)
    if not compact:
        raise IdentityError(_("Enter the RPPS number: it has 11 digits."))
    if not re.fullmatch(r"[0-9]{11}", compact):
        raise IdentityError(_("An RPPS number has 11 digits. Check each digit."))
    if not _luhn_valid(compact):
        raise IdentityError(_("The last digit does not match the RPPS number. Check each digit."))
    return compact


# --- Email address ---------------------------------------------------------------------

EMAIL_MAX_LENGTH = 254
# The part before the @: no spaces, no signs that are almost always a typo (a comma
# for a dot...), no dot at either end or two in a row.
_EMAIL_LOCAL = re.compile(r"(?!\.)(?!.*\.\.)[^\s@<>(),;:\\\"\[\]]{1,64}(?<!\.)")
# One name in the domain: letters or digits, with hyphens inside.
_DOMAIN_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")


def _valid_domain(domain: str) -> bool:
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2:
        return False
    if not all(_DOMAIN_LABEL.fullmatch(label) and "_" not in label for label in labels):
        return False
    top = labels[-1]
    return len(top) >= 2 and not top.isdigit()


def normalise_email(value: str) -> str:
    """An email address, trimmed, with its domain in lower case."""
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise IdentityError(_("Enter your email address."))
    if len(text) > EMAIL_MAX_LENGTH:
        raise IdentityError(
            _("An email address has at most %(maximum)d characters.", maximum=EMAIL_MAX_LENGTH)
        )
    local, at, domain = text.rpartition("@")
    if not at or not _EMAIL_LOCAL.fullmatch(local) or not _valid_domain(domain):
        raise IdentityError(
            _(
                "This email address is not complete. It looks like this: marie.dupont@example.fr, "
                "with an @ and no spaces."
            )
        )
    return f"{local}@{domain.lower()}"


# --- Mobile phone number -----------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s.\-/()]+")
# Mobile numbers overseas are dialled 06.. from France, but have their own country
# code: the first 3 digits after the 0 tell which (ARCEP numbering plan).
_OVERSEAS_MOBILE_CODES = {
    "690": "590",  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    "691": "590",
    "694": "594",  # French Guiana
    "696": "596",  # Martinique
    "697": "596",
    "692": "262",  # Réunion
    "693": "262",
    "639": "262",  # Mayotte
}
_COUNTRY_CODES = ("33", "590", "594", "596", "262")


def _mobile_error() -> IdentityError:
    return IdentityError(
        _("Enter a French mobile number: 10 digits starting with 06 or 07, for example 06 12 34 56 78.")
    )


def normalise_mobile(value: str) -> str:
    """A French mobile number in international form (E.164), e.g. "+33612345678"."""
    compact = _PHONE_SEPARATORS.sub("", value)
    if not compact:
        raise IdentityError(_("Enter your mobile phone number."))
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    typed_code = None
    if compact.startswith("+"):
        typed_code = next((code for code in _COUNTRY_CODES if compact[1:].startswith(code)), None)
        if typed_code is None:
            raise _mobile_error()
        national = compact[1 + len(typed_code) :]
        if len(national) == 10 and national.startswith("0"):  # written "+33 (0)6 ..."
            national = national[1:]
    elif len(compact) == 10 and compact.startswith("0"):
        national = compact[1:]
    else:
        raise _mobile_error()
    if not re.fullmatch(r"[0-9]{9}", national):
        raise _mobile_error()
    if national[0] not in "67":
        if national[0] in "123459":
            raise IdentityError(
                _("This is a landline number. Enter a mobile number: it starts with 06 or 07.")
            )
        raise _mobile_error()
    code = _OVERSEAS_MOBILE_CODES.get(national[:3], "33")
    if typed_code not in (None, "33", code):
        raise _mobile_error()
    return f"+{code}{national}"


# --- Date of birth -----------------------------------------------------------------------

EARLIEST_BIRTH_YEAR = 1900


def parse_date_of_birth(day: str, month: str, year: str, today: date) -> date:
    """A date of birth from its three fields, as typed ("27", "3", "1948")."""
    return parse_past_date(
        day, month, year, today, missing=_("Enter your date of birth, for example 27 3 1948.")
    )


def parse_past_date(day: str, month: str, year: str, today: date, *, missing: str | None = None) -> date:
    """A date on or before ``today`` from its three fields, as typed ("27", "3", "1948")."""
    try:
        return forms.parse_date(
            day, month, year, missing=missing, earliest_year=EARLIEST_BIRTH_YEAR, latest=today
        )
    except forms.FieldError as error:
        raise IdentityError(error.message) from None


LATEST_YEAR = forms.LATEST_YEAR


def parse_day(
    day: str, month: str, year: str, *, missing: str | None = None, latest_year: int = LATEST_YEAR
) -> date:
    """Any real date from its three fields, as typed ("27", "3", "2027"), or
    ``IdentityError`` with a message in plain words that says what to check (the form
    layer's date reader, ``portal.core.forms.parse_date``)."""
    try:
        return forms.parse_date(
            day, month, year, missing=missing, earliest_year=EARLIEST_BIRTH_YEAR, latest_year=latest_year
        )
    except forms.FieldError as error:
        raise IdentityError(error.message) from None
