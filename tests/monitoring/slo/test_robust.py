"""Anomaly statistics on synthetic series: true positives (a 5× latency jump, an order
drought) and the false positives they must not raise (a slow Monday morning, the normal
night and weekend trough)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from monitoring.slo import robust

Z, RATIO = 5.0, 3.0


def weekly_latency(hour_of_week: int) -> float:
    """A store's probe latency: ~80 ms, but Monday 08–11 h (batch jobs) run at ~240 ms."""
    day, hour = divmod(hour_of_week, 24)
    return 240.0 if day == 0 and 8 <= hour <= 11 else 80.0


def baseline_for(hour_of_week: int, *, seed: int = 7) -> list[float]:
    """Four weeks × (hour − 1, hour, hour + 1) of p50 values, with ±10 % noise."""
    rng = random.Random(seed)
    return [
        weekly_latency((hour_of_week + offset) % 168) * rng.uniform(0.9, 1.1)
        for _week in range(4)
        for offset in (-1, 0, 1)
    ]


def test_latency__five_times_the_usual__is_a_jump():
    baseline = baseline_for(30)  # a Tuesday, 06:00

    jump = robust.latency_jump(5 * 80.0, baseline, z=Z, ratio=RATIO)

    assert jump is not None
    assert jump.ratio == pytest.approx(5.0, rel=0.1)
    assert jump.z > Z


def test_latency__slow_monday_morning__is_its_own_normal():
    """Monday 09:00 at 250 ms is three times a Tuesday, but ordinary for a Monday."""
    baseline = baseline_for(9)

    assert robust.latency_jump(250.0, baseline, z=Z, ratio=RATIO) is None
    assert robust.latency_jump(5 * 240.0, baseline, z=Z, ratio=RATIO) is not None


def test_latency__twice_the_usual__is_not_enough():
    assert robust.latency_jump(160.0, baseline_for(30), z=Z, ratio=RATIO) is None


def test_latency__one_wild_hour_in_the_baseline__does_not_hide_a_jump():
    baseline = baseline_for(30)
    baseline[0] = 5000.0  # one incident in the history

    assert robust.latency_jump(400.0, baseline, z=Z, ratio=RATIO) is not None


def test_error_rate__jump_from_zero__needs_the_floor():
    baseline = [0.0] * 12

    assert robust.error_jump(0.5, baseline, z=Z, floor=0.2) is not None
    assert robust.error_jump(0.1, baseline, z=Z, floor=0.2) is None


def test_baseline_hours__same_hour_of_week_and_neighbours():
    hour = datetime(2026, 11, 23, 9, tzinfo=UTC)  # a Monday

    hours = robust.baseline_hours(hour, weeks=2)

    assert hours[:3] == [hour - timedelta(days=7, hours=h) for h in (1, 0, -1)]
    assert all(h.weekday() == 0 for h in hours)
    assert len(hours) == 6


# -- business flows -----------------------------------------------------------------------


def orders_expected(hour_of_week: int) -> float:
    """Orders per hour: ~4 in the day, ~0.3 at night, weekends at half."""
    day, hour = divmod(hour_of_week, 24)
    rate = 4.0 if 8 <= hour <= 21 else 0.3
    return rate * (0.5 if day >= 5 else 1.0)


def poisson(rng: random.Random, lam: float) -> int:
    count, threshold, product = 0, pow(2.718281828459045, -lam), rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def history(end_hour: int, span: int, weeks: int, *, seed: int = 3):
    """(recent, weekly) order counts for the `span` hours before hour-of-week `end_hour`."""
    rng = random.Random(seed)
    hours = [(end_hour - span + h) % 168 for h in range(span)]
    recent = [poisson(rng, orders_expected(h)) for h in hours]
    weekly = [[poisson(rng, orders_expected(h)) for h in hours] for _ in range(weeks)]
    return recent, weekly


def judge(recent, weekly):
    return robust.drought(recent, weekly, alpha=0.001, ratio=0.25, min_expected=8, max_span=24)


def test_drought__no_orders_for_a_business_afternoon__is_found():
    recent, weekly = history(end_hour=2 * 24 + 16, span=24, weeks=4)  # Wednesday 16:00
    recent[-5:] = [0] * 5

    found = judge(recent, weekly)

    assert found is not None
    assert found.seen == 0 and found.usual >= 8
    assert found.span_hours <= 5


@pytest.mark.parametrize("seed", range(20))
def test_drought__a_normal_night__is_not_one(seed):
    """Sunday night into Monday: a handful of orders is the usual trough."""
    recent, weekly = history(end_hour=6, span=24, weeks=4, seed=seed)

    assert judge(recent, weekly) is None


@pytest.mark.parametrize("seed", range(20))
def test_drought__an_ordinary_weekday__is_not_one(seed):
    recent, weekly = history(end_hour=3 * 24 + 18, span=24, weeks=4, seed=seed)

    assert judge(recent, weekly) is None


def test_drought__missing_history__judges_nothing():
    assert judge([0] * 24, []) is None
    assert judge([0] * 24, [[10] * 24]) is None  # one week is not a baseline


def test_poisson_cdf__matches_known_values():
    assert robust.poisson_cdf(0, 2.0) == pytest.approx(0.1353, abs=1e-4)
    assert robust.poisson_cdf(2, 2.0) == pytest.approx(0.6767, abs=1e-4)
    assert robust.poisson_cdf(-1, 2.0) == 0.0
    assert robust.poisson_cdf(0, 200.0) < 1e-80
