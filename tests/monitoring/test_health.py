"""The health state machine: ok → degraded → down and back, maintenance/disabled held."""

from __future__ import annotations

import pytest

from integrations.probing import ProbeOutcome
from monitoring.health import judge

GOOD = ProbeOutcome(ok=True, latency_ms=120)
SLOW = ProbeOutcome(ok=True, latency_ms=2500)
BAD = ProbeOutcome(ok=False, latency_ms=30, error_class="vendor_5xx", message="HTTP 503")


def step(current, failures, outcome, n=3):
    return judge(
        current=current,
        consecutive_failures=failures,
        outcome=outcome,
        failures_before_down=n,
        degraded_latency_ms=2000,
    )


def test_good_probe__from_unknown__ok():
    verdict = step("unknown", 0, GOOD)
    assert (verdict.status, verdict.check_status, verdict.consecutive_failures) == ("ok", "ok", 0)


def test_slow_probe__over_threshold__degraded_but_not_a_failure():
    verdict = step("ok", 0, SLOW)
    assert (verdict.status, verdict.check_status, verdict.consecutive_failures) == (
        "degraded",
        "degraded",
        0,
    )
    assert "latency 2500 ms" in verdict.cause


def test_low_headroom__under_floor__degraded():
    verdict = step("ok", 0, ProbeOutcome(ok=True, latency_ms=10, headroom=0.05))
    assert verdict.status == "degraded"
    assert "headroom" in verdict.cause


def test_failures__below_threshold__degraded_then_down_at_n():
    first = step("ok", 0, BAD)
    second = step(first.status, first.consecutive_failures, BAD)
    third = step(second.status, second.consecutive_failures, BAD)
    assert [first.status, second.status, third.status] == ["degraded", "degraded", "down"]
    assert third.consecutive_failures == 3
    assert third.cause.startswith("3 consecutive failures; last vendor_5xx")


def test_down__one_more_failure__stays_down():
    assert step("down", 5, BAD).status == "down"


def test_down__good_probe__recovers_to_ok_and_resets_count():
    verdict = step("down", 7, GOOD)
    assert (verdict.status, verdict.consecutive_failures) == ("ok", 0)


@pytest.mark.parametrize("held", ["maintenance", "disabled"])
def test_held_status__any_probe__never_moves(held):
    assert step(held, 10, BAD).status == held
    assert step(held, 0, GOOD).status == held


def test_held_status__failures__still_counted_for_afterwards():
    assert step("maintenance", 2, BAD).consecutive_failures == 3
