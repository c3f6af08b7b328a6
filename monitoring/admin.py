"""Monitoring data in the operator console: history is read-only, incidents carry their timeline,
findings are resolved once reviewed."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from hotdash.adminkit import ReadOnlyAdmin, badge
from monitoring.models import (
    Channel,
    CheckResult,
    CheckRollup,
    Finding,
    FlowCount,
    Incident,
    IncidentEvent,
    MaintenanceWindow,
    Notification,
    SignalState,
    StateTransition,
)
from monitoring.services.findings import finding_resolve


@admin.register(CheckResult)
class CheckResultAdmin(ReadOnlyAdmin):
    list_display = [
        "checked_at",
        "integration",
        "status_badge",
        "latency_ms",
        "http_status",
        "error_class",
        "message",
    ]
    list_filter = ["status", "error_class", "integration"]
    list_select_related = ["integration"]
    search_fields = ["message", "integration__slug"]
    date_hierarchy = "checked_at"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.status)


@admin.register(StateTransition)
class StateTransitionAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "integration",
        "from_status",
        "to_status",
        "cause",
        "processed_at",
        "attempts",
        "last_error",
    ]
    list_filter = ["to_status", ("processed_at", admin.EmptyFieldListFilter), "integration"]
    list_select_related = ["integration"]
    date_hierarchy = "at"


@admin.register(CheckRollup)
class CheckRollupAdmin(ReadOnlyAdmin):
    list_display = ["hour", "integration", "count", "failures", "p50_ms", "p95_ms", "p99_ms"]
    list_filter = ["integration"]
    list_select_related = ["integration"]
    date_hierarchy = "hour"


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    fields = ["at", "kind", "actor_name", "message"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "integration",
        "status_badge",
        "severity",
        "cause",
        "caused_by",
        "opened_at",
        "resolved_at",
        "console_page",
    ]
    list_filter = ["status", "severity", "cause", "integration"]
    list_select_related = ["integration", "caused_by"]
    search_fields = ["title", "summary", "integration__slug"]
    date_hierarchy = "opened_at"
    inlines = [IncidentEventInline]
    readonly_fields = [
        "console_page",
        "integration",
        "cause",
        "caused_by",
        "opened_at",
        "acknowledged_at",
        "acknowledged_by",
        "resolved_at",
        "resolved_by",
        "downtime_seconds",
        "reopen_count",
        "escalation_policy",
        "next_notification_at",
        "status",
    ]

    @admin.display(description="console")
    def console_page(self, obj):
        """The console's incident page: timeline, what it affects, acknowledge / resolve."""
        url = reverse("admin:console_incident", args=[obj.pk])
        return format_html('<a href="{}">Open in the console</a>', url)

    def has_add_permission(self, request):
        return False  # incidents are opened by the platform

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.status)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "enabled",
        "max_severity",
        "escalation_level",
        "receives_reports",
    ]
    list_filter = ["kind", "enabled", "escalation_level", "receives_reports"]
    search_fields = ["name", "recipients"]
    filter_horizontal = ["integrations"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "incident",
        "channel",
        "event",
        "status_badge",
        "attempts",
        "last_error",
        "sent_at",
    ]
    list_filter = ["status", "event", "channel"]
    list_select_related = ["incident", "channel"]
    date_hierarchy = "created_at"

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.status)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):
    list_display = ["reason", "starts_at", "ends_at", "recurrence", "owner"]
    list_filter = ["recurrence"]
    search_fields = ["reason", "owner"]
    filter_horizontal = ["integrations"]
    exclude = ["created_by", "ended_notice_for"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


# The SLO jobs' data: findings (resolvable once reviewed), hourly business counts and
# signal memories (read-only).

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
