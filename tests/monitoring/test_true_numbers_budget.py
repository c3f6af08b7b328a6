"""Budget and burn wording as an operator reads it (issue 12): never a negative percent,
never a bare "no data", and a resolve note that shows only the windows the rules could
evaluate. Expected strings are literals worked out by hand."""

from __future__ import annotations

import pytest

from integrations.models import Integration
from monitoring.services.burn_alerts import _clear, burn_signal
from monitoring.slo.maths import RULES, Counts, Firing
from monitoring.slo.status import Objective, SloStatus, budget_text

WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def objective(budget_remaining, burns=None, objective_percent=99.5) -> Objective:
    return Objective(
        sli="availability",
        objective=objective_percent,
        current=None,
        events=0,
        bad=0,
        budget_remaining=budget_remaining,
        burns=burns or dict.fromkeys(WINDOWS),
    )


def status(availability: Objective, firing=()) -> SloStatus:
    shop = Integration(slug="shopify", name="Shopify")
    return SloStatus(
        integration=shop,
        window_days=30,
        availability=availability,
        latency=objective(1.0),
        uptime=None,
        counts=dict.fromkeys(WINDOWS, Counts()),
        firing=list(firing),
    )


@pytest.mark.parametrize(
    ("remaining", "expected"),
    [
        # spent = 1 − remaining = 1 − (−3.5) = 4.5 budgets.
        (-3.5, "budget exhausted: 4.5× the budget spent"),
        # The demo's "-44900% left": remaining −449 → 1 + 449 = 450 budgets spent.
        (-449.0, "budget exhausted: 450× the budget spent"),
        # Exactly spent: remaining 0 → 1 budget.
        (0.0, "budget exhausted: 1× the budget spent"),
        (0.62, "62% of the 30-day budget left"),
        # 0.4 % rounds to 0 %, which would read as exhausted.
        (0.004, "less than 1% of the 30-day budget left"),
        # 99.6 % rounds to 100 %, which would read as untouched.
        (0.996, "over 99% of the 30-day budget left"),
        (1.0, "100% of the 30-day budget left"),
        (None, "no probes in the 30-day window yet"),
    ],
)
def test_budget_text(remaining, expected):
    assert budget_text(objective(remaining), 30) == expected


def test_budget_text__objective_100_percent__no_failure_allowed():
    text = budget_text(objective(float("-inf"), objective_percent=100.0), 30)
    assert text == "budget exhausted: a 100 % objective allows no failure"


def test_burn_signal__overspent__no_negative_percent():
    rule = RULES[0]  # page: 1 h and 5 m above 14.4×
    firing = Firing("page", "availability", rule, long_burn=200.0, short_burn=200.0)
    signal = burn_signal(status(objective(-3.5), [firing]))
    assert signal.summary == (
        "availability burn 200.0× over 1h and 200.0× over 5m (> 14.4×). "
        "Budget exhausted: 4.5× the budget spent."
    )
    assert "-" not in signal.summary


def test_burn_signal__no_probes_in_the_window__says_what_is_missing():
    rule = RULES[0]
    firing = Firing("page", "availability", rule, long_burn=20.0, short_burn=20.0)
    signal = burn_signal(status(objective(None), [firing]))
    assert signal.summary.endswith(". No probes in the 30-day window yet.")
    assert "no data" not in signal.summary


def test_clear__only_windows_with_enough_probes__the_rest_named():
    # 5 m and 30 m had fewer probes than their minimum: their burn is None.
    burns = {"5m": None, "30m": None, "1h": 0.5, "2h": 0.2, "6h": 0.1, "1d": 0.04, "3d": 0.0}
    assert _clear(status(objective(0.9, burns))) == (
        "burn rates back under every threshold "
        "(1h 0.5×, 2h 0.2×, 6h 0.1×, 1d 0×, 3d 0×; too few probes in 5m, 30m)"
    )


def test_clear__a_short_window_still_over_its_threshold__not_called_back_under():
    # 30 m burns 600× (over the 6× of the 6 h / 30 m rule) but 6 h only 2×: no rule fires,
    # yet "back under every threshold" would be false.
    burns = {"5m": 0.0, "30m": 600.0, "1h": 0.0, "2h": 0.0, "6h": 2.0, "1d": 0.5, "3d": 0.2}
    assert _clear(status(objective(0.9, burns))) == (
        "no burn-rate rule fires (each has a window under its threshold) "
        "(5m 0×, 30m 600×, 1h 0×, 2h 0×, 6h 2×, 1d 0.5×, 3d 0.2×)"
    )


def test_clear__no_window_has_enough_probes__says_so():
    assert _clear(status(objective(None))) == (
        "no burn rate to evaluate: too few probes in 5m, 30m, 1h, 2h, 6h, 1d, 3d"
    )
