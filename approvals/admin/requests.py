"""The approvals inbox: pending first, the payload readable, decide with a comment."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.timesince import timeuntil

from approvals import registry, roles, selectors, services
from approvals.models import ApprovalDecision, ApprovalRequest
from hotdash.adminkit import ReadOnlyAdmin, badge
from hotdash.errors import DomainError

Status = ApprovalRequest.Status


class ApprovalDecisionInline(admin.TabularInline):
    model = ApprovalDecision
    extra = 0
    can_delete = False
    fields = ["decided_at", "approver_name", "verdict", "comment"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def payload_rows(request: ApprovalRequest) -> list[tuple[str, str]]:
    action = registry.find(request.action)
    if action is None:
        return [("action", f"{request.action} (no longer registered)")]
    return action.rows(request.params, request.precondition)


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(ReadOnlyAdmin):
    """Read-only rows: requests are made through the action registry, and decisions are
    POSTed to `decide/` and go through the services, never edits."""

    change_form_template = "admin/approvals/approvalrequest/change_form.html"
    list_display = [
        "id",
        "action",
        "what",
        "status_badge",
        "approvals",
        "risk",
        "requested_by_name",
        "created_at",
        "expires_in",
    ]
    list_display_links = ["id", "action"]
    list_filter = ["status", "risk", "action"]
    search_fields = ["action", "target", "reason", "requested_by_name"]
    date_hierarchy = "created_at"
    inlines = [ApprovalDecisionInline]
    readonly_fields = [f.name for f in ApprovalRequest._meta.fields]

    def get_queryset(self, request):
        return selectors.approval_request_inbox()

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(obj.status)

    @admin.display(description="what")
    def what(self, obj):
        rows = payload_rows(obj)[:3]
        return format_html("{}", "; ".join(f"{label}: {value}"[:80] for label, value in rows))

    @admin.display(description="expires", ordering="expires_at")
    def expires_in(self, obj):
        """A countdown while the request waits; afterwards the time it was due."""
        if obj.status != Status.PENDING:
            return obj.expires_at
        if obj.expires_at <= timezone.now():
            return badge("expired", "overdue")
        return f"in {timeuntil(obj.expires_at)}"

    @admin.display(description="approvals")
    def approvals(self, obj):
        approved = sum(d.verdict == ApprovalDecision.Verdict.APPROVE for d in obj.decisions.all())
        return f"{approved}/{obj.required_approvals}"

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [
            path("<int:pk>/decide/", decide, name="approvals_approvalrequest_decide"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = {**(extra_context or {}), **(self._decision_context(request, obj) if obj else {})}
        return super().change_view(request, object_id, form_url, extra_context=extra)

    def _decision_context(self, request, obj: ApprovalRequest) -> dict:
        user = request.user
        own = obj.requested_by_id is not None and obj.requested_by_id == user.pk
        decided = obj.decisions.filter(approver=user).exists()
        pending = obj.status == Status.PENDING
        not_started = obj.status in (Status.PENDING, Status.APPROVED) and obj.started_at is None
        return {
            "payload_rows": payload_rows(obj),
            "can_decide": pending and not own and not decided and roles.can_approve(user),
            "is_own": own,
            "already_decided": decided,
            "can_cancel": not_started and (own or roles.can_approve(user)),
            "can_resolve": obj.status == Status.UNKNOWN and roles.can_approve(user),
            "decide_url": reverse("admin:approvals_approvalrequest_decide", args=[obj.pk]),
        }

    def decide_view(self, request, pk: int):
        """POST verdict=approve|reject|cancel|performed|not_performed, comment, payload_hash
        (CSRF-protected); every verdict goes through its service."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        verdict = request.POST.get("verdict", "")
        comment = request.POST.get("comment", "")[:2000]
        try:
            self._apply(verdict, pk, request.user, comment, request.POST.get("payload_hash", ""))
        except DomainError as error:
            messages.error(request, f"{error.detail} ({error.code})")
        else:
            messages.success(request, f"Request #{pk}: {verdict} recorded.")
        return HttpResponseRedirect(reverse("admin:approvals_approvalrequest_change", args=[pk]))

    @staticmethod
    def _apply(verdict: str, pk: int, user, comment: str, seen_hash: str) -> None:
        if verdict == "approve":
            services.approval_request_approve(
                request_id=pk, approver=user, comment=comment, payload_hash=seen_hash
            )
        elif verdict == "reject":
            services.approval_request_reject(
                request_id=pk, approver=user, comment=comment, payload_hash=seen_hash
            )
        elif verdict == "cancel":
            services.approval_request_cancel(request_id=pk, user=user, reason=comment)
        elif verdict in ("performed", "not_performed"):
            services.approval_request_resolve(
                request_id=pk, user=user, performed=verdict == "performed", comment=comment
            )
        else:
            raise DomainError("Choose approve, reject, cancel or resolve.", code="invalid")
