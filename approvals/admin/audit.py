"""The audit trail in the console: strictly read-only, with a "verify chain" button."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse

from approvals.audit import audit_verify
from approvals.models import AuditEvent
from hotdash.adminkit import ReadOnlyAdmin, badge


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    change_list_template = "admin/approvals/auditevent/change_list.html"
    list_display = ["seq", "at", "actor_type", "actor_name", "verb", "target_repr", "outcome_badge"]
    list_filter = ["actor_type", "outcome", "verb"]
    search_fields = ["actor_name", "verb", "target_repr", "target_id", "request_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    @admin.display(description="outcome", ordering="outcome")
    def outcome_badge(self, obj):
        return badge(obj.outcome)

    def get_urls(self):
        verify = self.admin_site.admin_view(self.verify_view)
        return [path("verify/", verify, name="approvals_auditevent_verify"), *super().get_urls()]

    def verify_view(self, request):
        """POST: recompute the whole chain, check it against the signed checkpoints, and
        report in a message. (A witness from outside the database: `manage.py audit_verify
        --expect-seq --expect-hash`.)"""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        report = audit_verify()
        if report.ok:
            checkpoint = (
                f"last signed checkpoint #{report.checkpoint_seq}"
                if report.checkpoint_seq is not None
                else "no checkpoint written yet"
            )
            messages.success(
                request,
                f"Chain intact: {report.checked:,} events up to #{report.head_seq}, {checkpoint}.",
            )
        else:
            problem = report.first_break
            messages.error(
                request, f"Chain broken at #{problem.seq} ({problem.kind}): {problem.detail}"
            )
        return HttpResponseRedirect(reverse("admin:approvals_auditevent_changelist"))
