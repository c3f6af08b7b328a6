"""Probe history: raw results, state transitions, hourly rollups, and the loop's leases."""

from __future__ import annotations

from django.db import models

from integrations.http.errors import ErrorClass
from integrations.models import Integration, IntegrationState


class CheckResult(models.Model):
    """One probe of one integration. Raw results are pruned after the retention period."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        DEGRADED = "degraded", "Degraded"
        FAIL = "fail", "Failed"

    # Defined once in integrations (below monitoring). The alias keeps
    # `CheckResult.ErrorClass.THROTTLED` in monitoring/engine.py working.
    ErrorClass = ErrorClass

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
    fingerprint = models.CharField(
        max_length=16,
        blank=True,
        help_text="Groups like errors: integration, class, message shape.",
    )
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        indexes = [
            models.Index(fields=["integration", "-checked_at"], name="check_integration_time"),
            models.Index(fields=["checked_at"], name="check_time"),
            models.Index(
                fields=["fingerprint", "checked_at"],
                name="check_error_fingerprint",
                condition=~models.Q(fingerprint=""),
            ),
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
    # The transition is also a durable work item (healthchecks' Flip): its reaction (open or
    # resolve an incident, queue the pages) is claimed by a conditional update, done in one
    # transaction with `processed_at`, and swept if a worker died between the two.
    processed_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["integration", "at"], name="transition_integration_time"),
            models.Index(
                fields=["at"],
                name="transition_unprocessed",
                condition=models.Q(processed_at__isnull=True),
            ),
        ]

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
    min_ms = models.FloatField(
        null=True, blank=True, help_text="Smallest latency of the hour (null: no timed probe)."
    )
    max_ms = models.FloatField(
        null=True, blank=True, help_text="Largest latency of the hour; percentiles never exceed it."
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


class Lease(models.Model):
    """A named lease held by one worker until `expires_at` (the probe loop's slots)."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'}"
