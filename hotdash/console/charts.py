"""Server-side SVG charts: no charting library, no external service.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>` (screen readers
announce them); pages put the same numbers in a data table beside it. Missing
points (`None`) leave gaps rather than drawing a false zero. An empty series
draws a framed "no data" chart, still valid SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

Values = Sequence[float | None]


@dataclass(frozen=True)
class Series:
    """One line: its name (for the legend), values, colour and dash pattern (never colour
    alone: a dashed and a solid line stay apart in grey print)."""

    name: str
    values: Values
    colour: str = "#0969da"
    dash: str = ""


def nice_step(value: float) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10^k at or above `value` (> 0), as an exact decimal."""
    exact = Decimal(repr(value))  # 0.0001 as written, not the binary float just above it
    power = Decimal(10) ** exact.adjusted()
    for mantissa in ("1", "2", "2.5", "5", "10"):
        step = Decimal(mantissa) * power
        if exact <= step:
            return step
    return Decimal(10) * power  # pragma: no cover - the loop always returns


def y_ticks(maximum: float, most: int = 4) -> list[Decimal]:
    """Tick values for an axis from 0 that reaches `maximum`: 0, s, 2s, … with s a nice step
    (`nice_step`), at most `most` intervals (3 or 4 for the default), the last tick at or
    above `maximum`. Exact decimals, so a tick's label is its value. Nothing to show
    (0, negative, NaN): 0 … 1."""
    if not maximum > 0:
        maximum = 1.0
    step = nice_step(maximum / most)
    return [step * k for k in range(math.ceil(Decimal(repr(maximum)) / step) + 1)]


def tick_label(value: Decimal) -> str:
    """A tick's value written out exactly: 0, 0.25, 2.5, 7,500."""
    return format(value.normalize(), ",f") if value else "0"


def _open(
    chart_id: str, width: int, height: int, title: str, desc: str, kind: str = "hd-chart"
) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="{}" id="{}" viewBox="0 0 {} {}" '
        'width="{}" height="{}" role="img" aria-labelledby="{}-title {}-desc" '
        'preserveAspectRatio="{}"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>',
        kind,
        chart_id,
        width,
        height,
        width,
        height,
        chart_id,
        chart_id,
        "none" if kind == "hd-sparkline" else "xMidYMid meet",
        chart_id,
        title,
        chart_id,
        desc,
    )


def _segments(values: Values, x, y) -> list[str]:
    """Polyline point lists, split where a value is missing."""
    runs, current = [], []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
            continue
        current.append(f"{x(index):.1f},{y(value):.1f}")
    if current:
        runs.append(current)
    return [" ".join(run) for run in runs]


def _lines(series: Series, x, y, width: float) -> SafeString:
    paths = []
    for points in _segments(series.values, x, y):
        if " " not in points:  # a lone point: draw a dot so it is seen
            cx, cy = points.split(",")
            paths.append(
                format_html('<circle cx="{}" cy="{}" r="2" fill="{}"/>', cx, cy, series.colour)
            )
            continue
        paths.append(
            format_html(
                '<polyline fill="none" stroke="{}" stroke-width="{}" stroke-dasharray="{}" '
                'stroke-linejoin="round" points="{}"/>',
                series.colour,
                width,
                series.dash or "none",
                points,
            )
        )
    return mark_safe("".join(paths))


def sparkline(
    values: Values, *, chart_id: str, title: str, desc: str, width: int = 160, height: int = 32
) -> SafeString:
    """A small line without axes (the board's 24 h latency), scaled to its own maximum."""
    present = [v for v in values if v is not None]
    top = max(present, default=0.0) or 1.0
    step = width / max(len(values) - 1, 1)

    def y(v: float) -> float:
        return height - 2 - (height - 4) * v / top

    body = (
        _lines(Series("latency", values), lambda i: i * step, y, 1.5)
        if present
        else format_html(
            '<line x1="0" y1="{}" x2="{}" y2="{}" stroke="#8c959f" stroke-dasharray="2 3"/>',
            height - 2,
            width,
            height - 2,
        )
    )
    head = _open(chart_id, width, height, title, desc, kind="hd-sparkline")
    return format_html("{}{}</svg>", head, body)


@dataclass(frozen=True)
class Frame:
    """Plot geometry: the drawing area inside the axes' margins."""

    width: int = 720
    height: int = 200
    left: int = 64
    right: int = 10
    top: int = 10
    bottom: int = 24

    @property
    def plot_w(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> int:
        return self.height - self.top - self.bottom


def _axes(frame: Frame, ticks: Sequence[Decimal], unit: str, labels: Sequence[str]) -> SafeString:
    """Gridlines with their labels at each tick value (the value itself, not a rounding of
    it), and up to three time labels along the bottom."""
    top = float(ticks[-1])
    rows = []
    for value in ticks:
        y = frame.top + frame.plot_h * (1 - float(value) / top)
        row = (frame.left, f"{y:.1f}", frame.width - frame.right, f"{y:.1f}", frame.left - 4)
        rows.append((*row, f"{y + 4:.1f}", tick_label(value), unit))
    grid = format_html_join(
        "",
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d0d7de" stroke-width="0.5"/>'
        '<text x="{}" y="{}" text-anchor="end" font-size="12" fill="#57606a">{}{}</text>',
        rows,
    )
    ticks = []
    if labels:
        picks = sorted({0, len(labels) // 2, len(labels) - 1})
        slot = frame.plot_w / len(labels)
        for i in picks:
            anchor = "start" if i == 0 else "end" if i == len(labels) - 1 else "middle"
            x = frame.left + slot * i if anchor == "start" else frame.left + slot * (i + 1)
            x = frame.left + slot * (i + 0.5) if anchor == "middle" else x
            ticks.append((f"{x:.1f}", frame.height - 6, anchor, labels[i]))
    return format_html(
        "{}{}",
        grid,
        format_html_join(
            "",
            '<text x="{}" y="{}" text-anchor="{}" font-size="12" fill="#57606a">{}</text>',
            ticks,
        ),
    )


def _no_data(frame: Frame) -> SafeString:
    return format_html(
        '<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#d0d7de"/>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#57606a">'
        "No data for this window</text>",
        frame.left,
        frame.top,
        frame.plot_w,
        frame.plot_h,
        frame.left + frame.plot_w / 2,
        frame.top + frame.plot_h / 2,
    )


def line_chart(
    series: Sequence[Series],
    labels: Sequence[str],
    *,
    chart_id: str,
    title: str,
    desc: str,
    unit: str = "",
    frame: Frame | None = None,
) -> SafeString:
    """Lines over time slots (one value per label), y from 0 to the highest tick."""
    frame = frame or Frame()
    present = [v for s in series for v in s.values if v is not None]
    head = _open(chart_id, frame.width, frame.height, title, desc)
    if not present:
        return format_html("{}{}</svg>", head, _no_data(frame))
    ticks = y_ticks(max(present))
    top = float(ticks[-1])
    slot = frame.plot_w / max(len(labels), 1)

    def x(i: int) -> float:
        return frame.left + slot * (i + 0.5)

    def y(v: float) -> float:
        return frame.top + frame.plot_h * (1 - min(v, top) / top)

    lines = mark_safe("".join(_lines(s, x, y, 2) for s in series))
    return format_html("{}{}{}</svg>", head, _axes(frame, ticks, unit, labels), lines)


def bar_chart(
    values: Values,
    labels: Sequence[str],
    *,
    chart_id: str,
    title: str,
    desc: str,
    unit: str = "%",
    colour: str = "#cf222e",
    frame: Frame | None = None,
) -> SafeString:
    """One bar per slot (the error rate); a missing value draws no bar, a zero a hairline."""
    frame = frame or Frame()
    head = _open(chart_id, frame.width, frame.height, title, desc)
    present = [v for v in values if v is not None]
    if not present:
        return format_html("{}{}</svg>", head, _no_data(frame))
    ticks = y_ticks(max(present))
    top = float(ticks[-1])
    slot = frame.plot_w / max(len(labels), 1)
    bars = []
    for i, value in enumerate(values):
        if value is None:
            continue
        h = max(frame.plot_h * min(value, top) / top, 0.5)
        x = frame.left + slot * i + slot * 0.15
        bars.append(
            (
                f"{x:.1f}",
                f"{frame.top + frame.plot_h - h:.1f}",
                f"{slot * 0.7:.1f}",
                f"{h:.1f}",
                colour,
            )
        )
    body = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>', bars)
    return format_html("{}{}{}</svg>", head, _axes(frame, ticks, unit, labels), body)
