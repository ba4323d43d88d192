"""The audit actions of the agency's analysts (``portal.core.actions``).

Counts, in no one's space (no subject): the activity page never shows them.
"""

from __future__ import annotations

from portal.core.actions import hidden

FIGURES_VIEW = hidden("account", "figures.view")
FIGURES_EXPORT = hidden("account", "figures.export")
