"""API fixtures: the sandbox-backed store from the tiles tests, and API clients per persona."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.integrations.tiles.conftest import frozen_sandbox, store  # noqa: F401 - fixtures


@pytest.fixture
def api():
    """api(user) -> an APIClient authenticated as that user; api() -> anonymous."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for
