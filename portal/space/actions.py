"""The audit actions of the space itself (``portal.core.actions``)."""

from __future__ import annotations

from portal.core.actions import hidden

# Closing the space: the proof of the choice, about a space that is then erased.
CLOSE = hidden("account", "close")
