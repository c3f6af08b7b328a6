"""Anomaly incidents from stored history: a 5× latency jump and an order drought open
incidents of their own kind; a slow Monday morning and a night trough do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from integrations.models import IntegrationState
from monitoring.models import FlowCount, Incident
from monitoring.rollups import floor_hour
from monitoring.slo.anomaly import anomalies_evaluate, flows_evaluate
from monitoring.slo.robust import baseline_hours
from tests.monitoring.conftest import make_integration
from tests.monitoring.slo.conftest import checks, rollup

pytestmark = pytest.mark.django_db
MONDAY_9 = datetime(2026, 11, 23, 9, 20, tzinfo=UTC)
TUESDAY_15 = datetime(2026, 11, 24, 15, 20, tzinfo=UTC)


@pytest.fixture
def api(db):
    return make_integration("api", weight=2)


def usual_weeks(integration, at: datetime, latency_of) -> None:
    """Four weeks of hourly rollups around `at`'s hour of week, latency by hour of week."""
    for hour in baseline_hours(floor_hour(at), weeks=4):
        rollup(integration, hour, latency_ms=latency_of(hour))


def monday_mornings_slow(hour: datetime) -> float:
    return 240.0 if hour.weekday() == 0 and 8 <= hour.hour <= 11 else 40.0


def anomaly(integration):
    return Incident.objects.filter(integration=integration, cause=Incident.Cause.ANOMALY).first()


def test_latency_five_times_the_usual__anomaly_ticket(api, mail_channel):
    usual_weeks(api, TUESDAY_15, monday_mornings_slow)
    checks(api, TUESDAY_15 - timedelta(minutes=15), TUESDAY_15, latency_ms=200.0)

    assert anomalies_evaluate(now=TUESDAY_15) == {"opened": 1}

    incident = anomaly(api)
    assert incident.escalation_policy["alert"] == "ticket" and incident.severity == 4
    # Every baseline probe took 40 ms, so each rollup's min = max = 40 and its p50 is 40
    # exactly (the bucket estimate without bounds said 38): 200 / 40 = 5.0×.
    assert "200 ms is 5.0× the usual 40 ms" in incident.summary


def test_slow_monday_morning__not_an_anomaly(api):
    usual_weeks(api, MONDAY_9, monday_mornings_slow)
    checks(api, MONDAY_9 - timedelta(minutes=15), MONDAY_9, latency_ms=250.0)

    assert anomalies_evaluate(now=MONDAY_9) == {}
    assert anomaly(api) is None


def test_errors_jump__anomaly(api):
    usual_weeks(api, TUESDAY_15, lambda h: 40.0)
    checks(api, TUESDAY_15 - timedelta(minutes=15), TUESDAY_15 - timedelta(minutes=8))
    checks(api, TUESDAY_15 - timedelta(minutes=8), TUESDAY_15, fail=True)

    anomalies_evaluate(now=TUESDAY_15)

    assert "error rate 57% against the usual 0%" in anomaly(api).summary  # 8 of 14 probes


def test_back_to_usual__anomaly_resolved(api):
    usual_weeks(api, TUESDAY_15, lambda h: 40.0)
    checks(api, TUESDAY_15 - timedelta(minutes=15), TUESDAY_15, latency_ms=400.0)
    anomalies_evaluate(now=TUESDAY_15)

    later = TUESDAY_15 + timedelta(minutes=30)
    checks(api, later - timedelta(minutes=15), later, latency_ms=40.0)
    assert anomalies_evaluate(now=later) == {"resolved": 1}


def test_too_little_history__judges_nothing(api):
    rollup(api, TUESDAY_15 - timedelta(days=7), latency_ms=40.0)
    checks(api, TUESDAY_15 - timedelta(minutes=15), TUESDAY_15, latency_ms=4000.0)

    assert anomalies_evaluate(now=TUESDAY_15) == {}


# -- business flows ------------------------------------------------------------------------


@pytest.fixture
def shop(db):
    shop = make_integration("shop", weight=1)
    IntegrationState.objects.filter(integration=shop).update(status="ok")
    return shop


def orders_per_hour(hour: datetime) -> int:
    """A steady shop: 5 an hour in the day, 1 at night."""
    return 5 if 8 <= hour.hour <= 21 else 1


def order_history(shop, end: datetime, *, recent=orders_per_hour) -> None:
    rows = []
    for back in range(1, 24 * 29):
        hour = end - timedelta(hours=back)
        count = recent(hour) if back <= 24 else orders_per_hour(hour)
        rows.append(FlowCount(integration=shop, metric="orders", hour=hour, count=count))
    FlowCount.objects.bulk_create(rows)


def flow_incident(integration):
    return Incident.objects.filter(integration=integration, cause="business_flow").first()


def test_order_drought_while_shopify_answers__business_flow_page(shop, mail_channel):
    end = floor_hour(TUESDAY_15)
    order_history(shop, end, recent=lambda h: 0 if h >= end - timedelta(hours=4) else 5)

    assert flows_evaluate(now=TUESDAY_15) == {"opened": 1}

    incident = flow_incident(shop)
    assert incident.escalation_policy["alert"] == "page" and incident.severity == 1
    assert incident.title == "Shop answers, but orders stopped flowing"
    assert "orders: 0 in the last" in incident.summary


def test_night_trough__no_drought(shop):
    end = floor_hour(datetime(2026, 11, 24, 5, 10, tzinfo=UTC))
    order_history(shop, end)

    assert flows_evaluate(now=end + timedelta(minutes=10)) == {}


def test_order_drought_while_shopify_is_down__left_to_the_outage(shop):
    IntegrationState.objects.filter(integration=shop).update(status="down")
    end = floor_hour(TUESDAY_15)
    order_history(shop, end, recent=lambda h: 0)

    assert flows_evaluate(now=TUESDAY_15) == {}
    assert flow_incident(shop) is None


def test_orders_flow_again__resolved(shop):
    end = floor_hour(TUESDAY_15)
    order_history(shop, end, recent=lambda h: 0 if h >= end - timedelta(hours=4) else 5)
    flows_evaluate(now=TUESDAY_15)

    FlowCount.objects.filter(hour__gte=end - timedelta(hours=4)).update(count=6)
    assert flows_evaluate(now=TUESDAY_15) == {"resolved": 1}
