"""Integrations in the operator console. Credentials show as variable names and presence only."""

from __future__ import annotations

import os

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from hotdash.adminkit import ReadOnlyAdmin, badge
from integrations.dependencies import cycle_through
from integrations.models import Integration, IntegrationState, TileSnapshot


class IntegrationForm(forms.ModelForm):
    class Meta:
        model = Integration
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what shows

    def clean_depends_on(self):
        """Refuse a dependency that would close a cycle, naming the loop."""
        chosen = self.cleaned_data["depends_on"]
        loop = cycle_through(self.instance.pk, [i.pk for i in chosen])
        if loop:
            names = dict(Integration.objects.filter(pk__in=loop).values_list("pk", "slug"))
            raise forms.ValidationError(
                "That would make a dependency cycle: " + " → ".join(names[pk] for pk in loop)
            )
        return chosen


LIVE_FROZEN = ["base_url", "credential_env", "config"]


class IntegrationStateInline(admin.StackedInline):
    model = IntegrationState
    can_delete = False
    extra = 0
    readonly_fields = [f.name for f in IntegrationState._meta.fields if f.name != "integration"]
    fields = readonly_fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = [
        "name",
        "slug",
        "kind",
        "mode",
        "status_badge",
        "latency",
        "last_probe",
        "enabled",
        "business_weight",
        "console_page",
    ]
    list_filter = ["kind", "mode", "enabled", "state__status", "business_weight"]
    search_fields = ["slug", "name", "owner", "description"]
    list_select_related = ["state"]
    filter_horizontal = ["depends_on"]
    readonly_fields = ["console_page", "credentials_present", "created_at", "updated_at"]
    inlines = [IntegrationStateInline]
    fieldsets = [
        (
            None,
            {"fields": ["console_page", "slug", "name", "kind", "description", "enabled", "mode"]},
        ),
        ("Where", {"fields": ["base_url", "sandbox_path", "config"]}),
        ("Credentials", {"fields": ["credential_env", "credentials_present"]}),
        (
            "Probing",
            {
                "fields": [
                    "probe_interval_seconds",
                    "probe_retry_seconds",
                    "probe_timeout_seconds",
                    "failures_before_down",
                    "degraded_latency_ms",
                ]
            },
        ),
        ("Objectives", {"fields": ["slo_availability", "slo_latency_ms", "slo_latency_percent"]}),
        (
            "People",
            {"fields": ["business_weight", "owner", "vendor_contact", "runbook", "depends_on"]},
        ),
        ("Record", {"fields": ["created_at", "updated_at"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        """`mode` is never a form edit (sandbox → live is an approval-gated action; a new
        integration starts in sandbox). While live, where calls go and which secrets they
        carry are frozen too: switch to sandbox (allowed at once), edit, then request live
        again, so an approver sees — and the approval binds — the new destination."""
        fields = [*self.readonly_fields, "mode"]
        if obj is not None and obj.mode == Integration.Mode.LIVE:
            fields += LIVE_FROZEN
        return fields

    @admin.display(description="status", ordering="state__status")
    def status_badge(self, obj):
        state = getattr(obj, "state", None)
        return badge(state.status if state else "unknown")

    @admin.display(description="latency", ordering="state__last_latency_ms")
    def latency(self, obj):
        state = getattr(obj, "state", None)
        if state is None or state.last_latency_ms is None:
            return "—"
        return f"{state.last_latency_ms:.0f} ms"

    @admin.display(description="last probe", ordering="state__last_probe_at")
    def last_probe(self, obj):
        state = getattr(obj, "state", None)
        return state.last_probe_at if state and state.last_probe_at else "never"

    @admin.display(description="console")
    def console_page(self, obj):
        """The operator console's page: charts, history, runbook, probe / pause / go live."""
        if not obj or not obj.slug:
            return "—"
        url = reverse("admin:console_integration", args=[obj.slug])
        return format_html('<a href="{}">Open in the console</a>', url)

    @admin.display(description="present in environment")
    def credentials_present(self, obj):
        """Names and whether each is set; the value is never read into the page."""
        rows = [
            (name, "set" if os.environ.get(name) else "MISSING")
            for name in (obj.credential_env or {}).values()
        ]
        if not rows:
            return "none needed"
        return format_html_join(", ", "<code>{}</code>: {}", rows)


from integrations.webhooks import admin as webhooks_admin  # noqa: E402, F401 - registers WebhookEvent


@admin.register(TileSnapshot)
class TileSnapshotAdmin(ReadOnlyAdmin):
    """What each dashboard tile last showed, and why a refresh failed. Written by the platform."""

    list_display = ["key", "title", "generated_at", "attempted_at", "duration_ms", "error_short"]
    search_fields = ["key", "title", "error"]
    readonly_fields = [f.name for f in TileSnapshot._meta.fields]

    @admin.display(description="last error")
    def error_short(self, obj):
        return (obj.error[:80] + "…") if len(obj.error) > 80 else obj.error or "—"
