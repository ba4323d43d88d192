"""The printable summary of the profile (being built)."""

from typing import Any

ROUTES: list[Any] = []
