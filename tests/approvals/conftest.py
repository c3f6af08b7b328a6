"""Governance fixtures: the recording fake actions, API clients per persona, helpers."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import connection
from rest_framework.test import APIClient

from approvals.services import approval_request_create
from tests.approvals import fakes

REPLY = {"conversation_id": 42, "text": "Your order ships today."}


@pytest.fixture(autouse=True)
def fake_actions():
    """The fake actions registered, their records empty."""
    fakes.reset()
    fakes.register_fakes()
    yield fakes
    fakes.unregister_fakes()
    fakes.reset()


@pytest.fixture
def pending(operator):
    """A pending `test.send` request by the operator (one approval needed)."""
    return approval_request_create(action="test.send", params=dict(REPLY), requested_by=operator)


@pytest.fixture
def api():
    """api(user) -> an APIClient logged in as that user (session-style, no token)."""

    def client_for(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return client_for


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL=postgres://…)")


TRIGGERS = (
    ("approvals_auditevent", "approvals_auditevent_no_change"),
    ("approvals_auditcheckpoint", "approvals_auditcheckpoint_no_change"),
)


@contextmanager
def tampering():
    """Edit the audit tables the way their owner could: on PostgreSQL, past the append-only
    triggers (`ALTER TABLE … DISABLE TRIGGER`; the chain and the signatures must still tell)."""
    if connection.vendor != "postgresql":
        yield
        return
    _triggers("DISABLE")
    try:
        yield
    finally:
        _triggers("ENABLE")


def _triggers(verb: str) -> None:
    with connection.cursor() as cursor:
        for table, trigger in TRIGGERS:
            cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER {trigger}")
