"""What the platform has seen and done: probe results, state transitions, rollups, incidents."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models import Integration, IntegrationState


class CheckResult(models.Model):
    """One probe of one integration. Raw results are pruned after the retention period."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        DEGRADED = "degraded", "Degraded"
        FAIL = "fail", "Failed"

    class ErrorClass(models.TextChoices):
        NONE = "", "None"
        TIMEOUT = "timeout", "Timeout"
        CONNECTION = "connection", "Connection"
        AUTH = "auth", "Authentication"
        THROTTLED = "throttled", "Throttled"
        VENDOR_5XX = "vendor_5xx", "Vendor 5xx"
        CLIENT_4XX = "client_4xx", "Client 4xx"
        CONTRACT = "contract", "Contract broken"
        CIRCUIT_OPEN = "circuit_open", "Circuit open"
        CONFIG = "config", "Configuration"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    latency_ms = models.FloatField(null=True, blank=True)
    lag_ms = models.FloatField(
        null=True, blank=True, help_text="How late the probe started after it was due."
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_class = models.CharField(max_length=20, choices=ErrorClass.choices, blank=True)
    message = models.CharField(max_length=500, blank=True, help_text="Scrubbed of secrets.")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        indexes = [
            models.Index(fields=["integration", "-checked_at"], name="check_integration_time"),
            models.Index(fields=["checked_at"], name="check_time"),
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} {self.status} @ {self.checked_at:%Y-%m-%d %H:%M:%S}"


class StateTransition(models.Model):
    """A move of an integration between health states: history and idempotency key at once."""

    integration = models.ForeignKey(
        Integration, on_delete=models.CASCADE, related_name="transitions"
    )
    at = models.DateTimeField()
    from_status = models.CharField(max_length=20, choices=IntegrationState.Status.choices)
    to_status = models.CharField(max_length=20, choices=IntegrationState.Status.choices)
    cause = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["integration", "at"], name="transition_integration_time")]

    def __str__(self) -> str:
        return f"{self.integration_id}: {self.from_status} → {self.to_status}"


class CheckRollup(models.Model):
    """One hour of one integration's probes: counts and a latency histogram."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="rollups")
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    degraded = models.PositiveIntegerField(default=0)
    latency_sum_ms = models.FloatField(default=0)
    latency_histogram = models.JSONField(
        default=list,
        blank=True,
        help_text="Counts per fixed latency bucket (see monitoring.rollups).",
    )
    p50_ms = models.FloatField(null=True, blank=True)
    p95_ms = models.FloatField(null=True, blank=True)
    p99_ms = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-hour"]
        constraints = [
            models.UniqueConstraint(fields=["integration", "hour"], name="one_rollup_per_hour")
        ]

    def __str__(self) -> str:
        return f"{self.integration_id} {self.hour:%Y-%m-%d %H}:00"


class Incident(models.Model):
    """An outage or signal worth a human's attention; at most one open per integration and cause."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    class Cause(models.TextChoices):
        DOWN = "down", "Integration down"
        BURN_RATE = "burn_rate", "Error budget burning"
        ANOMALY = "anomaly", "Anomaly"
        BUSINESS_FLOW = "business_flow", "Business flow stopped"

    class Severity(models.IntegerChoices):
        SEV1 = 1, "SEV1"
        SEV2 = 2, "SEV2"
        SEV3 = 3, "SEV3"
        SEV4 = 4, "SEV4"

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="incidents")
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.DOWN)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    severity = models.PositiveSmallIntegerField(choices=Severity.choices, default=Severity.SEV3)
    title = models.CharField(max_length=300)
    summary = models.TextField(blank=True)
    caused_by = models.ForeignKey(
        Integration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caused_incidents",
        help_text="The upstream integration whose outage explains this one.",
    )
    opened_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    downtime_seconds = models.FloatField(null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(default=0)
    escalation_policy = models.JSONField(
        default=dict, blank=True, help_text="Snapshot of the routing/escalation policy at opening."
    )
    next_notification_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["integration", "cause"],
                condition=~Q(status="resolved"),
                name="one_open_incident_per_integration_cause",
            )
        ]
        indexes = [
            models.Index(fields=["integration", "status"], name="incident_integration_status")
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"


class IncidentEvent(models.Model):
    """One entry on an incident's timeline."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Opened"
        CONFIRMED = "confirmed", "Probe confirmed"
        REOPENED = "reopened", "Re-opened"
        NOTIFIED = "notified", "Notification sent"
        NOTIFY_FAILED = "notify_failed", "Notification failed"
        RECOVERY = "recovery", "Recovery step"
        APPROVAL = "approval", "Approval"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        UNACKNOWLEDGED = "unacknowledged", "Un-acknowledged"
        RESOLVED = "resolved", "Resolved"
        NOTE = "note", "Note"

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(
        max_length=150, blank=True, help_text="'system' for the platform."
    )
    message = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"], name="incident_event_time")]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at:%H:%M:%S}"


class Lease(models.Model):
    """A named lease held by one worker until `expires_at` (the probe loop's slots)."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'}"
