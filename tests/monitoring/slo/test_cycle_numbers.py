"""The SLO cycle's numbers against a fixture worked out by hand (issue 17 item 5): probes
and rollup hours placed on each window's edges, so computing the nested windows in one
pass (monitoring.slo.bands) must give exactly — not approximately — the counts, burn
rates, budgets and firing rules a window at a time gives.

Shop: 99.5 % available (allowed 1/200), 95 % of probes under 1,000 ms (allowed 1/20);
now is 12:30:00, so the rollup windows start at the hour holding now − window:
1 d at 6 Dec 12:00, 3 d at 4 Dec 12:00, 30 d at 7 Nov 12:00, all up to 13:00.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from monitoring.slo.maths import PAGE, RULES, Counts, Firing
from monitoring.slo.status import slo_statuses
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import checks, rollup

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 7, 12, 30, tzinfo=UTC)
SLOW, FAST = 2000.0, 50.0


@pytest.fixture
def shop(db):
    shop = make_integration(
        "shop", slo_availability="99.500", slo_latency_ms=1000, slo_latency_percent="95.000"
    )
    hour = datetime(2026, 12, 7, 12, tzinfo=UTC)
    day = timedelta(days=1)
    for at, count, failures, latency in (
        (hour, 60, 3, FAST),  # the current hour: in 1 d, 3 d and 30 d
        (hour - day, 60, 2, SLOW),  # the first hour of 1 d
        (hour - day - timedelta(hours=1), 40, 4, FAST),  # 3 d, not 1 d
        (hour - 3 * day, 40, 0, FAST),  # the first hour of 3 d
        (hour - 3 * day - timedelta(hours=1), 100, 10, SLOW),  # 30 d only
        (hour - 30 * day, 100, 1, FAST),  # the first hour of 30 d
        (hour - 30 * day - timedelta(hours=1), 1000, 1000, FAST),  # in no window
    ):
        rollup(shop, at, count=count, failures=failures, latency_ms=latency)
    for at, fail, latency in (
        (NOW, True, SLOW),  # windows end at now, inclusive
        (NOW - timedelta(minutes=5), True, FAST),  # 30 m, not 5 m (starts after now − 5 m)
        (NOW - timedelta(minutes=5) + timedelta(seconds=1), True, FAST),  # 5 m
        (NOW - timedelta(minutes=30) + timedelta(seconds=1), False, FAST),  # 30 m
        (NOW - timedelta(hours=2), True, FAST),  # 6 h, not 2 h
        (NOW - timedelta(hours=6), True, FAST),  # in no window
        (NOW - timedelta(hours=6) + timedelta(seconds=1), False, SLOW),  # 6 h
        (NOW + timedelta(seconds=1), True, FAST),  # after now: in no window
    ):
        checks(shop, at, at + timedelta(seconds=1), fail=fail, latency_ms=latency)
    checks(shop, NOW - timedelta(minutes=4), NOW, latency_ms=FAST)  # 4 fast probes in 5 m
    return shop


def test_counts__every_window_from_its_own_edges(shop):
    """5 m: the 4 fast probes, the two failures after 12:25 (one slow); 30 m adds the
    failure at 12:25 and the probe at 12:00:01; 1 h and 2 h add nothing (10:30 is out);
    6 h adds 10:30 and the slow probe at 06:30:01. Rollups: 1 d = the hours 12:00 today
    and yesterday; 3 d adds 6 Dec 11:00 and 4 Dec 12:00; 30 d adds 4 Dec 11:00 and
    7 Nov 12:00."""
    [status] = slo_statuses([shop], now=NOW)

    assert status.counts == {
        "5m": Counts(6, 2, 1),
        "30m": Counts(8, 3, 1),
        "1h": Counts(8, 3, 1),
        "2h": Counts(8, 3, 1),
        "6h": Counts(10, 4, 2),
        "1d": Counts(120, 5, 60),
        "3d": Counts(200, 9, 60),
    }
    assert (status.availability.events, status.availability.bad) == (400, 20)
    assert (status.latency.events, status.latency.bad) == (400, 160)


def test_burn_rates__bad_share_over_the_allowed_share_exactly(shop):
    """2 h and 6 h have fewer probes than their minimum (10, 20): no burn."""
    [status] = slo_statuses([shop], now=NOW)

    assert status.availability.burns == {
        "5m": 2 * 200 / 6,  # the rational rounded once: 66.66666666666667
        "30m": 75.0,
        "1h": 75.0,
        "2h": None,
        "6h": None,
        "1d": 1000 / 120,
        "3d": 9.0,
    }
    assert status.latency.burns == {
        "5m": 20 / 6,
        "30m": 2.5,
        "1h": 2.5,
        "2h": None,
        "6h": None,
        "1d": 10.0,
        "3d": 6.0,
    }


def test_budgets__twenty_of_four_hundred_spend_ten_budgets(shop):
    [status] = slo_statuses([shop], now=NOW)

    assert status.availability.current == 95.0
    assert status.availability.budget_remaining == -9.0
    assert status.availability.budget_remaining_own == -9.0
    assert status.latency.current == 60.0
    assert status.latency.budget_remaining == -7.0


def test_findings__only_the_1h_5m_page_has_both_windows_over(shop):
    """1 h 75× and 5 m 66.7× over 14.4 with 3 bad probes; every other rule has a window
    without its minimum of probes, and latency's 2.5× in 1 h is under 14.4."""
    [status] = slo_statuses([shop], now=NOW)

    assert status.firing == [Firing(PAGE, "availability", RULES[0], 75.0, 200 / 3)]
    assert status.level == PAGE


def test_an_integration_without_history__empty_windows_beside_a_full_one(shop):
    quiet = make_integration("quiet")

    statuses = slo_statuses([quiet, shop], now=NOW)

    assert [s.integration for s in statuses] == [quiet, shop]
    assert set(statuses[0].counts.values()) == {Counts()}
    assert statuses[0].availability.budget_remaining is None
    assert statuses[1].counts["3d"] == Counts(200, 9, 60)
