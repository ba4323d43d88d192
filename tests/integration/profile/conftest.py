"""The profile's integration tests run against a portal whose master key opens the keys
every test of the session shares (helpers: ``tests/integration/profile/helpers.py``)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.people import portal_client


@pytest.fixture
def app(make_client: Any) -> Any:
    return portal_client(make_client)
