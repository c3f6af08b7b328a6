"""One row per inbound webhook event: the delivery log, the dedupe key and the work queue.

The unique constraint on (source, event_id) is the idempotency key: a vendor's
redelivery of an event inserts nothing. A second one, on (source, replay_key), keys
on what the sender signed, so a captured delivery replayed under a new (unsigned)
delivery id inserts nothing either. The row is also the job's state:
`received` → `processing` (claimed by a conditional update, with a lease in
`claimed_until`) → `processed` | `failed` | `ignored`. `available_at` says when
the sweeper may enqueue a `received` row (again): a little after it arrived (its
job was lost) or after a retry back-off.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class WebhookEventQuerySet(models.QuerySet):
    def lost(self, now):
        """`received` rows whose job should have run by now (lost, or due for a retry)."""
        return self.filter(status=WebhookEvent.Status.RECEIVED, available_at__lte=now)

    def stalled(self, now):
        """`processing` rows whose worker's claim expired (it died or hung)."""
        return self.filter(status=WebhookEvent.Status.PROCESSING, claimed_until__lt=now)


class WebhookEvent(models.Model):
    class Source(models.TextChoices):
        SHOPIFY = "shopify", "Shopify"
        CHATWOOT = "chatwoot", "Chatwoot"
        GOLD_REPLIES = "gold_replies", "Gold replies"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        IGNORED = "ignored", "Ignored"

    source = models.CharField(max_length=20, choices=Source.choices)
    event_id = models.CharField(
        max_length=200,
        help_text="The vendor's idempotency key (Shopify Event-Id, Chatwoot Delivery).",
    )
    topic = models.CharField(max_length=100)
    shop_domain = models.CharField(max_length=255, blank=True)
    api_version = models.CharField(max_length=20, blank=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    delivery_id = models.CharField(
        max_length=200, blank=True, help_text="This delivery's id (X-Shopify-Webhook-Id, …)."
    )
    replay_key = models.CharField(
        max_length=71,
        blank=True,
        default="",
        # Also a database default: processes still running the previous code during a
        # deploy insert rows without this column.
        db_default="",
        help_text=(
            "sha256 of what the sender signed, where that includes a timestamp (Chatwoot: "
            "timestamp.body); unique per source, so a replay under a new delivery id is a "
            "duplicate. Empty when the signature covers no timestamp."
        ),
    )
    received_at = models.DateTimeField(default=timezone.now)
    body = models.JSONField(null=True, blank=True, help_text="Stored only once verified.")
    signed = models.BooleanField(
        default=True,
        help_text="Authenticated (signature or token); false only for allowed-unsigned Chatwoot.",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(default=0, help_text="Processing claims so far.")
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True, help_text="What processing did.")
    available_at = models.DateTimeField(
        default=timezone.now, help_text="The sweeper may enqueue a received event from then on."
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    objects = WebhookEventQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "event_id"], name="webhookevent_source_event_uniq"
            ),
            models.UniqueConstraint(
                fields=["source", "replay_key"],
                condition=~Q(replay_key=""),
                name="webhookevent_source_replay_uniq",
            ),
        ]
        indexes = [
            models.Index(fields=["source", "topic", "-received_at"], name="webhookevent_freshness"),
            models.Index(fields=["status", "-received_at"], name="webhookevent_status"),
            models.Index(
                fields=["available_at"],
                condition=Q(status="received"),
                name="webhookevent_waiting",
            ),
            models.Index(
                fields=["claimed_until"],
                condition=Q(status="processing"),
                name="webhookevent_claimed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.topic} {self.event_id}"


class WebhookRejection(models.Model):
    """Refused deliveries counted per (window, address, source, reason) (issue 14, item 7).

    Every refused delivery adds one to its row (one upsert); only the first of a row
    is audited, and at most WEBHOOK_REJECTION_AUDITED_KEYS rows per window
    (integrations/webhooks/rejections.py). Rows are the counters, not the record:
    they are pruned after RETENTION_DAYS, the audit trail keeps the first of each.
    """

    window_start = models.DateTimeField(help_text="Start of the fixed window counted in.")
    address = models.CharField(
        max_length=64, help_text="The client address (IPv6: its /64), as REMOTE_ADDR gives it."
    )
    source = models.CharField(max_length=20, choices=WebhookEvent.Source.choices)
    reason = models.CharField(max_length=40, help_text="The refusal's code (bad_signature, …).")
    count = models.PositiveIntegerField(default=1, help_text="Refusals in this window.")
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-window_start", "-count"]
        constraints = [
            models.UniqueConstraint(
                fields=["window_start", "address", "source", "reason"],
                name="webhookrejection_key_uniq",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.reason} from {self.address} ×{self.count}"
