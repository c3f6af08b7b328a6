"""Chart ticks: each gridline sits at a nice value (1, 2, 2.5 or 5 × 10^k steps) and its
label is that value written out, never a rounding of a third of the maximum (issue 12)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from hotdash.console import charts

NS = "{http://www.w3.org/2000/svg}"


def labels_of(maximum: float) -> list[str]:
    return [charts.tick_label(v) for v in charts.y_ticks(maximum)]


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        # 3.33 % (the issue): 3.33 / 4 = 0.8325 → step 1 → up to ceil(3.33) = 4.
        (3.33, ["0", "1", "2", "3", "4"]),
        # 8,500 ms: 8500 / 4 = 2125 → step 2,500 → up to 10,000.
        (8500, ["0", "2,500", "5,000", "7,500", "10,000"]),
        # 5,468 ms: 5468 / 4 = 1367 → step 2,000 → 6,000 is the first tick at or above.
        (5468, ["0", "2,000", "4,000", "6,000"]),
        # 1: 1 / 4 = 0.25 → step 0.25, exactly four steps.
        (1.0, ["0", "0.25", "0.5", "0.75", "1"]),
        # 0.031: 0.031 / 4 = 0.00775 → step 0.01 → up to 0.04.
        (0.031, ["0", "0.01", "0.02", "0.03", "0.04"]),
        # 242: 242 / 4 = 60.5 → step 100 → 300.
        (242, ["0", "100", "200", "300"]),
        # Nothing above zero: an axis from 0 to 1.
        (0.0, ["0", "0.25", "0.5", "0.75", "1"]),
    ],
)
def test_y_ticks__nice_values_labelled_exactly(maximum, expected):
    assert labels_of(maximum) == expected


def test_nice_step__smallest_nice_number_at_or_above():
    assert charts.nice_step(0.8325) == Decimal("1")
    assert charts.nice_step(2125) == Decimal("2500")
    assert charts.nice_step(0.0001) == Decimal("0.0001")  # not bumped by float noise
    assert charts.nice_step(3) == Decimal("5")


@pytest.mark.parametrize("maximum", [0.0004, 0.07, 1.01, 3.33, 7.5, 99.99, 5468, 123456])
def test_y_ticks__three_or_four_steps_reaching_the_maximum(maximum):
    ticks = charts.y_ticks(maximum)
    steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and 3 <= len(ticks) - 1 <= 4
    assert ticks[0] == 0 and ticks[-1] >= Decimal(repr(maximum)) > ticks[-2]


def test_bar_chart__error_rate_of_3_33_percent__labels_are_the_tick_values():
    svg = charts.bar_chart([3.33, 1.0, None], ["a", "b", "c"], chart_id="e", title="t", desc="d")
    root = ET.fromstring(str(svg))
    texts = [t.text for t in root.findall(f"{NS}text") if t.text and t.text.endswith("%")]
    assert texts == ["0%", "1%", "2%", "3%", "4%"]
    # Each label's gridline sits at its value: plot 166 px high from y = 10 with top 4 %,
    # so "3%" is at 10 + 166 × (1 − 3/4) = 51.5 and its label 4 px lower, at 55.5.
    three = next(t for t in root.findall(f"{NS}text") if t.text == "3%")
    assert three.get("y") == "55.5"


def test_line_chart__latency_up_to_8500__ticks_every_2500_ms():
    svg = charts.line_chart(
        [charts.Series("p95", [100.0, 8500.0])],
        ["a", "b"],
        chart_id="l",
        title="t",
        desc="d",
        unit=" ms",
    )
    texts = re.findall(r">([\d,.]+) ms<", str(svg))
    assert texts == ["0", "2,500", "5,000", "7,500", "10,000"]
