"""API tokens in the console: created per user, shown once, revoked with one action.

A superuser manages everyone's tokens; anyone else sees, creates and revokes only
their own."""

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

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user")
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def get_fields(self, request, obj=None):
        return self.fields if request.user.is_superuser else ["name", "expires_at"]

    def get_readonly_fields(self, request, obj=None):
        return ["user", "name", "expires_at"] if obj else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        if not request.user.is_superuser:
            obj.user = request.user
        key = obj.issue()
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            verb="api_token.create",
            target=obj,
            changes={"user": obj.user.get_username(), "name": obj.name},
            request=request,
        )
        messages.warning(request, f"Copy the token now, it will not be shown again: {key}")

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            audit_record(actor=request.user, verb="api_token.revoke", target=token, request=request)
        self.message_user(request, "Revoked.")
