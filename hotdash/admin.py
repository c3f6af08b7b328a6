"""API tokens in the console: created per user, shown once, revoked with one action.

A superuser manages everyone's tokens; anyone else sees, creates and revokes only
their own."""

from __future__ import annotations

from django.contrib import admin, messages

from hotdash.errors import Conflict
from hotdash.models import ApiToken
from hotdash.tokens import token_issue, token_revoke


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
        key = token_issue(token=obj, actor=request.user, request=request)
        messages.warning(request, f"Copy the token now, it will not be shown again: {key}")

    @admin.action(description="Revoke the selected tokens", permissions=["change"])
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                token_revoke(token=token, actor=request.user, request=request)
            except Conflict:
                pass  # revoked meanwhile by someone else: the outcome wanted
        self.message_user(request, "Revoked.")
