"""The weekly SLA report as a console page (the same rows as the CSV and the e-mail)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import render
from django.utils import timezone

from hotdash.console import permissions
from hotdash.console.views import page_context
from hotdash.errors import ValidationFailed
from monitoring.slo.report import sla_report, week_bounds


def sla_report_view(request):
    """GET ?week=2026-W47 (default: the last complete week)."""
    permissions.require_view(request)
    week = request.GET.get("week") or None
    try:
        start, end = week_bounds(week)
    except ValidationFailed as error:
        messages.error(request, error.detail)
        start, end = week_bounds(None)
    label = f"{start.isocalendar().year}-W{start.isocalendar().week:02d}"
    rows = sla_report(start, end, now=timezone.now())
    context = page_context(
        request, f"SLA report, week {label}", rows=rows, week=label, start=start, end=end
    )
    return render(request, "admin/console/sla_report.html", context)
