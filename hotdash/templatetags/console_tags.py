"""Template helpers for the console: the shared badge, percentages, milliseconds."""

from __future__ import annotations

from django import template

from hotdash.adminkit import badge as _badge

register = template.Library()


@register.simple_tag
def badge(value, label=None):
    """`{% badge state.status %}`: colour and text (status is never colour alone)."""
    return _badge(str(value or "unknown"), str(label) if label else None)


@register.filter
def percent(share, digits: int = 2):
    """0.9951 → "99.51 %"; None → "—"."""
    if share is None or share == "":
        return "—"
    return f"{float(share) * 100:.{int(digits)}f} %"


@register.filter
def ms(value):
    return "—" if value is None else f"{float(value):,.0f} ms"
