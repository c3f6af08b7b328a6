"""Flags in the console: set a kill switch in one click; every other change is a request."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse

from approvals import roles, services
from approvals.admin_audit import AuditedAdminMixin
from approvals.models import FeatureFlag
from hotdash.adminkit import badge
from hotdash.errors import DomainError

STATE_FIELDS = ["key", "kind", "scope", "scope_target", "enabled", "rollout_percent"]


class KillSwitchForm(forms.Form):
    scope = forms.ChoiceField(choices=FeatureFlag.Scope.choices)
    target = forms.CharField(required=False, help_text="Integration slug or action name.")
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


@admin.register(FeatureFlag)
class FeatureFlagAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Metadata (description, owner, lifetime) is edited here and audited; state is not:
    kill switches are set with one POST, anything else becomes an approval request."""

    change_form_template = "admin/approvals/featureflag/change_form.html"
    change_list_template = "admin/approvals/featureflag/change_list.html"
    list_display = [
        "key",
        "kind",
        "scope",
        "scope_target",
        "state",
        "rollout_percent",
        "owner",
        "version",
    ]
    list_filter = ["kind", "scope", "enabled"]
    search_fields = ["key", "description", "owner", "scope_target"]

    def get_readonly_fields(self, request, obj=None):
        meta = ["version", "created_at", "updated_at"]
        return [*STATE_FIELDS, *meta] if obj else ["enabled", *meta]

    def has_delete_permission(self, request, obj=None):
        return False  # deleting a set kill switch would clear it without approval

    @admin.display(description="state", ordering="enabled")
    def state(self, obj):
        if obj.kind == FeatureFlag.Kind.KILL_SWITCH:
            return badge("denied", "SET") if obj.enabled else badge("off", "clear")
        return badge("ok", "on") if obj.enabled else badge("off", "off")

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/act/", wrap(self.act_view), name="approvals_featureflag_act"),
            path("kill-switch/", wrap(self.kill_switch_view), name="approvals_featureflag_kill"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            **(extra_context or {}),
            "act_url": reverse("admin:approvals_featureflag_act", args=[object_id]),
            "can_operate": roles.can_request(request.user),
        }
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def act_view(self, request, pk: int):
        """POST op=kill (now) | clear | change (requests), with a reason."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        flag = self.get_object(request, str(pk))
        back = HttpResponseRedirect(reverse("admin:approvals_featureflag_change", args=[pk]))
        if flag is None or not roles.can_request(request.user):
            messages.error(request, "Only operators change flags.")
            return back
        try:
            messages.success(request, self._act(request, flag))
        except DomainError as error:
            messages.error(request, f"{error.detail} ({error.code})")
        return back

    @staticmethod
    def _act(request, flag: FeatureFlag) -> str:
        op, reason = request.POST.get("op"), request.POST.get("reason", "")
        if op == "kill":
            services.kill_switch_engage(key=flag.key, actor=request, reason=reason)
            return f"Kill switch {flag.key} is set."
        if op == "clear":
            params = {"key": flag.key}
            action = "flags.clear_kill_switch"
        elif op == "change":
            params = {"key": flag.key, "enabled": request.POST.get("enabled") == "on"}
            percent = request.POST.get("rollout_percent", "").strip()
            if percent:
                if not percent.isdigit():
                    raise DomainError("Rollout must be a whole number from 0 to 100.")
                params["rollout_percent"] = int(percent)
            action = "flags.set"
        else:
            raise DomainError("Unknown operation.")
        created = services.approval_request_create(
            action=action, params=params, requested_by=request.user, reason=reason
        )
        if created.status != "pending":
            return f"Request #{created.pk} ({action}) needs no approval: it is queued to run now."
        return f"Approval request #{created.pk} created: another approver must sign it off."

    def kill_switch_view(self, request):
        """A form to set any kill switch (global, an integration, an action) right now."""
        form = KillSwitchForm(request.POST or None)
        if request.method == "POST" and form.is_valid() and roles.can_request(request.user):
            try:
                flag = services.kill_switch_set(actor=request, **form.cleaned_data)
            except DomainError as error:
                form.add_error(None, error.detail)
            else:
                messages.success(request, f"Kill switch {flag.key} is set.")
                return HttpResponseRedirect(reverse("admin:approvals_featureflag_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "opts": self.model._meta,
            "title": "Set a kill switch",
        }
        return render(request, "admin/approvals/featureflag/kill_switch.html", context)
