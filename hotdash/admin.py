"""API tokens in the console: created per user, shown once, revoked with one action."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils import timezone

from approvals.audit import audit_record
from hotdash.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "prefix"]
    fields = ["user", "name", "expires_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "name", "expires_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        key = obj.issue()
        super().save_model(request, obj, form, change)
        messages.warning(request, f"Copy the token now, it will not be shown again: {key}")

    def has_change_permission(self, request, obj=None):
        return False if obj else super().has_change_permission(request, obj)

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=request.user, verb="api_token.revoke", target=token, request=request)
        self.message_user(request, "Revoked.")
