"""Webhook events in the operator console: the delivery log, replay, and freshness per topic;
and the counters of refused deliveries.

Rows are read-only (they are what the vendor sent). Replaying failed events is
an action that goes through `webhook_event_replay` (audited). Bodies are shown
as stored: they were verified before being stored, and hold no secret.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery, Sum
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from approvals import roles
from hotdash.adminkit import ReadOnlyAdmin, badge
from integrations.webhooks.models import WebhookEvent, WebhookRejection
from integrations.webhooks.processing import webhook_event_replay
from integrations.webhooks.selectors import topic_pairs, webhook_freshness

STATUS_BADGES = {"processed": "ok", "processing": "executing", "received": "pending"}


class TopicFilter(admin.SimpleListFilter):
    """Topics from an index walk (never `SELECT DISTINCT` over the whole table)."""

    title = "topic"
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return [(topic, f"{source}: {topic}") for source, topic in topic_pairs()]

    def queryset(self, request, queryset):
        return queryset.filter(topic=self.value()) if self.value() else queryset


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    """Events come from vendors only; rows are the record of what was sent (replay is an
    action) and the prune job owns deletion."""

    change_list_template = "admin/integrations/webhookevent/change_list.html"
    list_display = [
        "id",
        "source",
        "topic",
        "status_badge",
        "attempts",
        "signed",
        "received_at",
        "processed_at",
        "event_id",
    ]
    list_display_links = ["id", "topic"]
    list_filter = ["source", TopicFilter, "status", "signed"]
    search_fields = ["=event_id", "=delivery_id"]
    actions = ["replay"]
    readonly_fields = [*(f.name for f in WebhookEvent._meta.fields if f.name != "body"), "payload"]
    exclude = ["body"]

    def has_replay_permission(self, request):
        return roles.can_request(request.user)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return badge(STATUS_BADGES.get(obj.status, obj.status), obj.status)

    @admin.display(description="body")
    def payload(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.body, indent=2, sort_keys=True))

    @admin.action(description="Replay the selected failed events", permissions=["replay"])
    def replay(self, request, queryset):
        """Each failed event goes back to `received` and is enqueued; others are skipped."""
        ids = list(queryset.filter(status=WebhookEvent.Status.FAILED).values_list("pk", flat=True))
        replayed = sum(webhook_event_replay(event_id=pk, actor=request.user) for pk in ids)
        skipped = queryset.count() - replayed
        self.message_user(request, f"Replayed {replayed} event(s); skipped {skipped} not failed.")
        if skipped:
            self.message_user(request, "Only failed events can be replayed.", messages.WARNING)

    def get_urls(self):
        view = self.admin_site.admin_view(self.freshness_view)
        extra = [path("freshness/", view, name="integrations_webhookevent_freshness")]
        return extra + super().get_urls()

    def freshness_view(self, request):
        """Per (source, topic): last event, time since, the usual interval and lateness."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Webhook freshness",
            "rows": webhook_freshness(),
        }
        return TemplateResponse(request, "admin/integrations/webhookevent/freshness.html", context)


@admin.register(WebhookRejection)
class WebhookRejectionAdmin(ReadOnlyAdmin):
    """Refused deliveries per (window, address, source, reason): the counts behind the
    bounded `webhook.rejected` audit events (integrations/webhooks/rejections.py). The
    `window total` column sums every address and reason of the row's window."""

    list_display = [
        "window_start",
        "address",
        "source",
        "reason",
        "count",
        "window_total",
        "first_at",
        "last_at",
    ]
    list_filter = ["source", "reason"]
    search_fields = ["=address"]
    date_hierarchy = "window_start"

    def get_queryset(self, request):
        window = WebhookRejection.objects.filter(window_start=OuterRef("window_start"))
        totals = window.order_by().values("window_start").annotate(total=Sum("count"))
        return super().get_queryset(request).annotate(window_total=Subquery(totals.values("total")))

    @admin.display(description="window total", ordering="window_total")
    def window_total(self, obj) -> int:
        return obj.window_total
