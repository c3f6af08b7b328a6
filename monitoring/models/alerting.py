"""Where alerts go (channels), every alert as a row (notifications), and maintenance windows."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from integrations.models import Integration
from integrations.validators import validate_base_url, validate_env_var_names
from monitoring.models.incidents import Incident


class Channel(models.Model):
    """A destination for alerts, with the incidents routed to it.

    Secrets (a webhook URL that embeds a token, a signing secret) are environment
    variable NAMES. A Slack channel posts through a Slack integration, whose mode
    and credentials decide where it posts (the vendor sandbox in sandbox mode).
    """

    class Kind(models.TextChoices):
        SLACK = "slack", "Slack incoming webhook"
        EMAIL = "email", "E-mail"
        WEBHOOK = "webhook", "Signed webhook (Standard Webhooks)"

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    enabled = models.BooleanField(default=True)
    slack_integration = models.ForeignKey(
        Integration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alert_channels",
        limit_choices_to={"kind": "slack"},
    )
    url = models.CharField(max_length=500, blank=True, validators=[validate_base_url])
    url_env = models.CharField(
        max_length=128, blank=True, help_text="Environment variable holding the URL (if secret)."
    )
    secret_env = models.CharField(
        max_length=128, blank=True, help_text="Environment variable holding the whsec_… secret."
    )
    recipients = models.TextField(blank=True, help_text="E-mail: one address per line.")
    max_severity = models.PositiveSmallIntegerField(
        default=4, help_text="Route incidents of this severity or more severe (1 = SEV1 only)."
    )
    integrations = models.ManyToManyField(
        Integration, blank=True, related_name="+", help_text="Only these (empty: all)."
    )
    escalation_level = models.PositiveSmallIntegerField(
        default=0, help_text="0: first notice; 1: escalation after the policy's delay."
    )
    receives_reports = models.BooleanField(
        default=False, help_text="E-mail: also send the weekly SLA report here."
    )

    class Meta:
        ordering = ["escalation_level", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        for field in ("url_env", "secret_env"):
            value = getattr(self, field)
            if value:
                try:
                    validate_env_var_names({field: value})
                except ValidationError as exc:
                    raise ValidationError({field: exc.messages}) from None
        needs = {
            self.Kind.SLACK: self.slack_integration_id,
            self.Kind.EMAIL: self.recipients.strip(),
            self.Kind.WEBHOOK: (self.url or self.url_env) and self.secret_env,
        }
        if not needs[self.kind]:
            raise ValidationError(MISSING_TARGET[self.kind])


MISSING_TARGET = {
    Channel.Kind.SLACK: "A Slack channel posts through a Slack integration: choose one.",
    Channel.Kind.EMAIL: "An e-mail channel needs at least one recipient.",
    Channel.Kind.WEBHOOK: "A signed webhook needs a URL (or URL variable) and a secret variable.",
}


class Notification(models.Model):
    """One alert to one channel about one incident event; a row before it is ever sent."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (gave up)"
        SUPPRESSED = "suppressed", "Suppressed"

    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        help_text="Empty for a message that is not about an incident (the weekly report).",
    )
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="notifications")
    event = models.CharField(max_length=30)
    dedupe_key = models.CharField(max_length=200, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    payload = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    response = models.CharField(max_length=500, blank=True, help_text="The vendor's answer.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="notification_due")]

    def __str__(self) -> str:
        return f"{self.event} → {self.channel_id}: {self.status}"


class MaintenanceWindow(models.Model):
    """Planned work: alerts are silenced and the time is left out of availability."""

    class Recurrence(models.TextChoices):
        NONE = "none", "One-off"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    integrations = models.ManyToManyField(
        Integration, related_name="maintenance_windows", help_text="What is under maintenance."
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    recurrence = models.CharField(max_length=10, choices=Recurrence.choices, default="none")
    repeat_until = models.DateTimeField(null=True, blank=True)
    owner = models.CharField(max_length=150)
    reason = models.CharField(max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_notice_for = models.DateTimeField(
        null=True, blank=True, help_text="End of the last occurrence already reported on."
    )

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M})"

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "A maintenance window must end after it starts."})
        period = PERIODS.get(self.recurrence)
        if period and self.starts_at and self.ends_at and self.ends_at - self.starts_at >= period:
            raise ValidationError(
                {"ends_at": "A recurring window must be shorter than its period."}
            )

    def occurrence_at(self, moment: datetime) -> tuple[datetime, datetime] | None:
        """The (start, end) of the occurrence covering `moment`, or None."""
        period = PERIODS.get(self.recurrence)
        start, end = self.starts_at, self.ends_at
        if period and moment >= start:
            if self.repeat_until and moment > self.repeat_until:
                return None
            shift = ((moment - start) // period) * period
            start, end = start + shift, end + shift
        return (start, end) if start <= moment < end else None


PERIODS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
