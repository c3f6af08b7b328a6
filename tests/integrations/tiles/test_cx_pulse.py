"""CX Pulse against the sandbox: queue counts, today's median first response, longest waits."""

from __future__ import annotations

import statistics

import pytest

from integrations.tiles.selectors import tile_read
from integrations.tiles.services import tiles_refresh
from sandbox import data
from tests.integrations.tiles.conftest import NOW, STORE_TZ, store_day_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def tile(store):
    assert tiles_refresh(keys=["cx_pulse"], now=NOW) == {"cx_pulse": "ok"}
    return tile_read("cx_pulse")["data"]


@pytest.fixture
def conversations(frozen_sandbox):
    return data.conversations(frozen_sandbox.seed, NOW)


def test_cx_pulse__counts__open_unassigned_and_pending(tile, conversations):
    opened = [c for c in conversations if c.status(NOW) == "open"]
    assert tile["open"] == len(opened)
    assert tile["unassigned"] == sum(c.assignee_id is None for c in opened)
    assert tile["pending"] == sum(c.status(NOW) == "pending" for c in conversations)


def test_cx_pulse__median_first_response__over_conversations_created_today(tile, conversations):
    start = store_day_start(NOW.astimezone(STORE_TZ).date())
    today = [c for c in conversations if c.created_at >= start]
    replied = [c for c in today if c.first_reply_at(NOW)]
    delays = [
        int(c.first_reply_at(NOW).timestamp()) - int(c.created_at.timestamp()) for c in replied
    ]
    assert len(delays) >= 2  # the frozen day has something to take a median of
    assert tile["median_first_response_seconds"] == round(statistics.median(delays))
    assert tile["first_responses_today"] == len(replied)
    assert tile["awaiting_first_response_today"] == len(today) - len(replied)


def test_cx_pulse__waiting_longest__open_and_unanswered_oldest_first(tile, conversations):
    waiting = [
        c for c in conversations if c.status(NOW) == "open" and c.first_reply_at(NOW) is None
    ]
    oldest = sorted(waiting, key=lambda c: (c.created_at, c.id))[:5]
    assert [row["id"] for row in tile["waiting_longest"]] == [c.id for c in oldest]
    first = tile["waiting_longest"][0]
    assert first["contact"] == oldest[0].contact_name
    assert first["waiting_minutes"] == int((NOW - oldest[0].created_at).total_seconds() // 60)
