"""Admin building blocks every app uses: status badges, the capped paginator, the read-only admin.

A leaf module (it imports Django only), so any app may import it (docs/architecture.md)."""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.html import format_html

BADGE_COLOURS = {
    "ok": "#1a7f37",
    "succeeded": "#1a7f37",
    "success": "#1a7f37",
    "degraded": "#9a6700",
    "pending": "#9a6700",
    "acknowledged": "#9a6700",
    "half_open": "#9a6700",
    "down": "#cf222e",
    "fail": "#cf222e",
    "failed": "#cf222e",
    "open": "#cf222e",
    "denied": "#cf222e",
    "rejected": "#cf222e",
    "conflict": "#cf222e",
    "maintenance": "#0969da",
    "executing": "#0969da",
    "approved": "#0969da",
}


def badge(value: str, label: str | None = None):
    """A coloured pill that also carries the text: status is never colour alone."""
    colour = BADGE_COLOURS.get(value, "#57606a")
    return format_html(
        '<span class="hd-badge" style="background:{};color:#fff;padding:1px 8px;'
        'border-radius:10px;font-weight:600;white-space:nowrap">{}</span>',
        colour,
        label or value,
    )


class CappedCountPaginator(Paginator):
    """Counts at most CAP rows, so the admin pages huge tables without a full COUNT(*)."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        return self.object_list.values("pk")[: self.CAP + 1].count()


class ReadOnlyAdmin(admin.ModelAdmin):
    """History written by the platform: visible, never added, edited or deleted by hand."""

    paginator = CappedCountPaginator
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
