"""Incidents and their timelines."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from integrations.models import Integration


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
        FINDING = "finding", "Finding"

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
    started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the trouble began: an outage's first failed check (downtime runs from it).",
    )
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
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text="The highest level paged so far (0: first notice)."
    )
    recovery_due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The recovery playbook is due (set with the outage, cleared when it ran; "
        "a worker holding it pushes it forward, so a dead one's run is swept).",
    )

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
