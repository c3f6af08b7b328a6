"""What the SLO, anomaly and vendor-signal jobs keep: findings, hourly business counts and
small per-signal memories (monitoring.slo)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.models import Integration


class Finding(models.Model):
    """Something worth a look that is not an outage: a sunsetting API version, a quota
    running out, a quiet webhook topic, a credential about to expire, MCP tool drift,
    a reconciliation gap. At most one open finding per (kind, key); raising it again
    only refreshes `last_seen_at`, so the row is both the record and the dedupe key.
    """

    class Kind(models.TextChoices):
        API_SUNSET = "api_sunset", "API version sunset"
        DEPRECATION = "deprecation", "Deprecated API usage"
        QUOTA = "quota", "Quota running out"
        WEBHOOK_QUIET = "webhook_quiet", "Webhook topic quiet"
        CREDENTIAL = "credential", "Credential missing or expiring"
        REVOKED = "revoked", "Credentials revoked / app uninstalled"
        TOOL_DRIFT = "tool_drift", "MCP tool drift"
        RECONCILIATION = "reconciliation", "Reconciliation drift"

    class Severity(models.TextChoices):
        INFO = "info", "Info"
        WARNING = "warning", "Warning"
        CRITICAL = "critical", "Critical"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.CASCADE, related_name="findings"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200, help_text="Dedupe key within the kind.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default="warning")
    status = models.CharField(max_length=10, choices=Status.choices, default="open")
    title = models.CharField(max_length=300)
    detail = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notified_severity = models.CharField(max_length=10, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "key"], condition=Q(status="open"), name="one_open_finding_per_key"
            )
        ]
        indexes = [models.Index(fields=["status", "kind"], name="finding_status_kind")]

    def __str__(self) -> str:
        return self.title


class FlowCount(models.Model):
    """How many business events (orders, conversations, webhook deliveries of one topic)
    one integration saw in one hour: the series business-flow anomalies read."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=120)
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "metric", "hour"], name="one_flow_count_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} {self.metric} {self.hour:%Y-%m-%d %H}:00 = {self.count}"


class SignalState(models.Model):
    """A signal's memory between runs (an MCP server's accepted tool list, a report already
    mailed), keyed by name."""

    key = models.CharField(max_length=200, unique=True)
    integration = models.ForeignKey(
        Integration, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return self.key
