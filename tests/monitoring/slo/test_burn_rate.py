"""Burn-rate alerts on synthetic series: the SRE workbook's table at its thresholds exactly,
and how long each rule takes to detect a full outage and to reset after it ends.

The series: one probe every 6 s (600 an hour), all good until `ERRORS_AT`, then every
probe fails (an error rate of 100 %) until the outage ends. With a 99.9 % objective
the workbook's detection time of a rule is threshold × (1 − SLO) × long window:
0.864 min for 1 h / 14.4×, 2.16 min for 6 h / 6×, 4.32 min for 1 d / 3× and 3 d / 1×.
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from monitoring.rollups import BUCKETS_MS
from monitoring.slo.maths import (
    PAGE,
    RULES,
    TICKET,
    WINDOWS,
    Counts,
    alert_level,
    budget_remaining,
    burn_rate,
    rules_firing,
    slow_count,
    window_burns,
)

STEP = 6  # seconds between probes
OBJECTIVE = 99.9
ERRORS_AT = 4 * 86_400  # three full days of good probes first
NO_MINIMUM = dict.fromkeys(WINDOWS, 0)


def probes_in(start: float, end: float) -> int:
    """Probes at multiples of STEP inside (start, end]."""
    return max(0, int(end // STEP) - int(start // STEP))


def counts_at(now: float, errors_from: float, errors_until: float | None = None) -> dict:
    """Counts per window at `now` for a series failing in (errors_from, errors_until]."""
    found = {}
    for name, span in WINDOWS.items():
        start = now - span.total_seconds()
        until = min(now, errors_until) if errors_until is not None else now
        bad = probes_in(max(start, errors_from), until) if until > errors_from else 0
        found[name] = Counts(total=probes_in(start, now), bad=bad)
    return found


def firing_at(now: float, errors_until: float | None = None, rule=None) -> list:
    counts = counts_at(now, ERRORS_AT, errors_until)
    burns = window_burns(counts, OBJECTIVE, NO_MINIMUM)
    firing = rules_firing(burns, counts, min_bad=1)
    return [f for f in firing if rule is None or f.rule == rule]


def first_time(condition, start: float, limit: float) -> float:
    t = start
    while t <= limit:
        if condition(t):
            return t
        t += STEP
    raise AssertionError("never happened")


# -- the table's thresholds, exactly -------------------------------------------------------


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.long}-{r.short}")
def test_rule__burn_exactly_at_threshold__does_not_fire(rule):
    """Given both windows burning at exactly the threshold (bad/total = threshold × 0.1 %)."""
    total = 25_000  # its 0.1 % is 25 probes: 14.4×, 6×, 3× and 1× of it are whole numbers
    bad = int(Fraction(str(rule.burn)) * 25)
    counts = {rule.long: Counts(total, bad), rule.short: Counts(total, bad)}
    burns = window_burns(counts, OBJECTIVE, NO_MINIMUM)

    assert burns[rule.long] == rule.burn
    assert rules_firing(burns, counts) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.long}-{r.short}")
def test_rule__one_bad_probe_over_threshold_in_both_windows__fires(rule):
    total = 25_000
    bad = int(Fraction(str(rule.burn)) * 25) + 1
    counts = {rule.long: Counts(total, bad), rule.short: Counts(total, bad)}

    firing = rules_firing(window_burns(counts, OBJECTIVE, NO_MINIMUM), counts)

    assert [(f.severity, f.rule) for f in firing] == [(rule.severity, rule)]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.long}-{r.short}")
def test_rule__only_the_long_window_burns__does_not_fire(rule):
    counts = {rule.long: Counts(1000, 500), rule.short: Counts(1000, 0)}

    assert rules_firing(window_burns(counts, OBJECTIVE, NO_MINIMUM), counts) == []


def test_alert_level__page_wins_over_ticket():
    counts = {name: Counts(1000, 1000) for name in WINDOWS}
    firing = rules_firing(window_burns(counts, OBJECTIVE, NO_MINIMUM), counts)

    assert {f.severity for f in firing} == {PAGE, TICKET}
    assert alert_level(firing) == PAGE
    assert alert_level([f for f in firing if f.severity == TICKET]) == TICKET
    assert alert_level([]) is None


# -- detection time -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "workbook_minutes"),
    [(RULES[0], 0.864), (RULES[1], 2.16), (RULES[2], 4.32), (RULES[3], 4.32)],
    ids=["1h-5m", "6h-30m", "1d-2h", "3d-6h"],
)
def test_full_outage__each_rule_detects_at_the_workbook_time(rule, workbook_minutes):
    """Detection is the first probe after threshold × budget of the long window has failed."""
    detected = first_time(lambda t: firing_at(t, rule=rule), ERRORS_AT, ERRORS_AT + 3600)
    minutes = (detected - ERRORS_AT) / 60

    assert workbook_minutes <= minutes < workbook_minutes + STEP / 60


def test_full_outage__the_page_fires_before_any_ticket():
    page = first_time(lambda t: alert_level(firing_at(t)) == PAGE, ERRORS_AT, ERRORS_AT + 3600)
    ticket = first_time(
        lambda t: any(f.severity == TICKET for f in firing_at(t)), ERRORS_AT, ERRORS_AT + 3600
    )
    assert page - ERRORS_AT == 54  # the 9th failed probe: 9/600 > 1.44 % of the hour
    assert ticket > page


# -- reset time ---------------------------------------------------------------------------


def test_page_1h_5m__resets_exactly_when_the_last_failure_leaves_the_5m_window():
    """After an hour of failures the 1 h window still burns ~1000×; the 5 m window decides."""
    ended = ERRORS_AT + 3600
    reset = first_time(lambda t: not firing_at(t, ended, RULES[0]), ended, ended + 3600)

    assert reset - ended == 300
    assert firing_at(reset - STEP, ended, RULES[0])


def test_page_6h_30m__resets_when_the_30m_window_drops_under_6x():
    """30 m holds 300 probes; 6× of 0.1 % is 1.8 probes, so it resets with one failure left."""
    ended = ERRORS_AT + 3600
    reset = first_time(lambda t: not firing_at(t, ended, RULES[1]), ended, ended + 7200)

    assert reset - ended == 1800 - STEP  # the last failure (at `ended`) is still inside
    assert counts_at(reset, ERRORS_AT, ended)["30m"].bad == 1


def test_ticket_1d_2h__resets_when_the_2h_window_drops_under_3x():
    ended = ERRORS_AT + 3600
    reset = first_time(lambda t: not firing_at(t, ended, RULES[2]), ended, ended + 4 * 3600)

    assert counts_at(reset, ERRORS_AT, ended)["2h"].bad <= 3  # 3× of 0.1 % of 1,200 is 3.6
    assert counts_at(reset - STEP, ERRORS_AT, ended)["2h"].bad == 4
    assert reset - ended == 7200 - 3 * STEP


# -- minimum events -----------------------------------------------------------------------


def test_rarely_probed__one_failed_probe__does_not_page():
    """A service probed every 10 minutes: 6 probes an hour, the last one failed."""
    counts = {"1h": Counts(6, 1), "5m": Counts(1, 1)}
    minimum = {"1h": 6, "5m": 3}

    burns = window_burns(counts, OBJECTIVE, minimum)

    assert burns["5m"] is None  # one probe is not a window
    assert rules_firing(burns, counts) == []
    # without the minimum it would have paged:
    assert rules_firing(window_burns(counts, OBJECTIVE, NO_MINIMUM), counts)


def test_min_bad_events__a_single_failure_never_fires_a_rule():
    counts = {"1h": Counts(60, 1), "5m": Counts(5, 1)}
    burns = window_burns(counts, OBJECTIVE, NO_MINIMUM)

    assert rules_firing(burns, counts, min_bad=1)
    assert rules_firing(burns, counts, min_bad=2) == []


# -- arithmetic -----------------------------------------------------------------------------


def test_burn_rate__is_error_ratio_over_the_allowed_ratio():
    assert burn_rate(1, 1000, 99.9) == 1.0
    assert burn_rate(0, 10, 99.9) == 0.0
    assert burn_rate(0, 0, 99.9) is None
    assert burn_rate(1, 10, 100) == float("inf")


def test_budget_remaining__spent_share_of_the_window_budget():
    assert budget_remaining(0, 1000, 99.0) == 1.0
    assert budget_remaining(5, 1000, 99.0) == pytest.approx(0.5)
    assert budget_remaining(20, 1000, 99.0) == pytest.approx(-1.0)
    assert budget_remaining(0, 0, 99.0) is None


def test_slow_count__threshold_on_a_bucket_bound_and_inside_a_bucket():
    histogram = [0] * (len(BUCKETS_MS) + 1)
    histogram[BUCKETS_MS.index(500)] = 10  # (250, 500]
    histogram[BUCKETS_MS.index(1000)] = 10  # (500, 1000]
    histogram[-1] = 2  # over 30 s

    assert slow_count(histogram, 1000, BUCKETS_MS) == 2
    assert slow_count(histogram, 500, BUCKETS_MS) == 12
    assert slow_count(histogram, 750, BUCKETS_MS) == pytest.approx(7)  # half of (500, 1000]


def test_windows__raw_up_to_six_hours_rollups_beyond():
    from monitoring.slo.maths import RAW_WINDOWS, ROLLUP_WINDOWS

    assert all(WINDOWS[w] <= timedelta(hours=6) for w in RAW_WINDOWS)
    assert all(WINDOWS[w] > timedelta(hours=6) for w in ROLLUP_WINDOWS)
