"""SLO-job data in the operator console: findings (resolvable once reviewed), hourly business
counts and signal memories (read-only). Imported by monitoring.admin."""

from __future__ import annotations

from django.contrib import admin, messages

from hotdash.adminkit import ReadOnlyAdmin, badge
from monitoring.models import Finding, FlowCount, SignalState
from monitoring.slo.findings import finding_resolve

SEVERITY_BADGE = {"critical": "fail", "warning": "degraded", "info": "info"}


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["last_seen_at", "severity_badge", "kind", "integration", "title", "status"]
    list_filter = ["status", "kind", "severity", "integration"]
    list_select_related = ["integration"]
    search_fields = ["title", "key", "detail"]
    date_hierarchy = "last_seen_at"
    actions = ["resolve"]

    @admin.display(description="severity", ordering="severity")
    def severity_badge(self, obj):
        return badge(SEVERITY_BADGE.get(obj.severity, obj.severity), obj.severity)

    def has_resolve_permission(self, request) -> bool:
        """Operators resolve reviewed findings; the rows themselves stay read-only."""
        return request.user.has_perm("monitoring.change_finding")

    @admin.action(description="Resolve the selected findings (reviewed)", permissions=["resolve"])
    def resolve(self, request, queryset):
        for pk in queryset.filter(status=Finding.Status.OPEN).values_list("pk", flat=True):
            finding_resolve(finding_id=pk, user=request.user, note="resolved in the console")
        messages.success(request, "Resolved.")


@admin.register(FlowCount)
class FlowCountAdmin(ReadOnlyAdmin):
    list_display = ["hour", "integration", "metric", "count"]
    list_filter = ["metric", "integration"]
    list_select_related = ["integration"]
    date_hierarchy = "hour"


@admin.register(SignalState)
class SignalStateAdmin(ReadOnlyAdmin):
    list_display = ["key", "integration", "updated_at"]
    search_fields = ["key"]
