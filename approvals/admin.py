"""Governance in the operator console. The audit trail is strictly read-only."""

from __future__ import annotations

from django.contrib import admin

from approvals.admin_utils import CappedCountPaginator, badge
from approvals.models import ApprovalDecision, ApprovalRequest, AuditEvent, FeatureFlag


@admin.register(FeatureFlag)
class FeatureFlagAdmin(admin.ModelAdmin):
    list_display = [
        "key",
        "kind",
        "scope",
        "scope_target",
        "enabled",
        "rollout_percent",
        "owner",
        "version",
    ]
    list_filter = ["kind", "scope", "enabled"]
    search_fields = ["key", "description", "owner", "scope_target"]
    readonly_fields = ["version", "created_at", "updated_at", "last_evaluated_at"]


class ApprovalDecisionInline(admin.TabularInline):
    model = ApprovalDecision
    extra = 0
    can_delete = False
    fields = ["decided_at", "approver_name", "verdict", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "action",
        "target",
        "status_badge",
        "risk",
        "requested_by_name",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "risk", "action"]
    search_fields = ["action", "target", "reason", "requested_by_name"]
    date_hierarchy = "created_at"
    inlines = [ApprovalDecisionInline]
    readonly_fields = [f.name for f in ApprovalRequest._meta.fields]

    def has_add_permission(self, request):
        return False  # requests are made through the action registry

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.status)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["seq", "at", "actor_type", "actor_name", "verb", "target_repr", "outcome_badge"]
    list_filter = ["actor_type", "outcome", "verb"]
    search_fields = ["actor_name", "verb", "target_repr", "target_id", "request_id"]
    date_hierarchy = "at"
    paginator = CappedCountPaginator
    show_full_result_count = False
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="outcome", ordering="outcome")
    def outcome_badge(self, obj):
        return badge(obj.outcome)
