"""Governance data: feature flags, approval requests and decisions, the audit trail.

This app imports none of the others; targets are named by strings
(`integrations.Integration:shopify`), so any app can use it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class FeatureFlag(models.Model):
    """A kill switch or a release flag. `version` grows on every change."""

    class Kind(models.TextChoices):
        KILL_SWITCH = "kill_switch", "Kill switch"
        RELEASE = "release", "Release flag"

    class Scope(models.TextChoices):
        GLOBAL = "global", "Global"
        INTEGRATION = "integration", "Integration"
        ACTION = "action", "Action"

    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.RELEASE)
    scope = models.CharField(max_length=20, choices=Scope.choices, default=Scope.GLOBAL)
    scope_target = models.CharField(
        max_length=200, blank=True, help_text="Integration slug or action name for scoped flags."
    )
    enabled = models.BooleanField(default=False)
    rollout_percent = models.PositiveSmallIntegerField(
        default=100, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    description = models.TextField(blank=True)
    owner = models.CharField(max_length=150, blank=True)
    expected_lifetime_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Release flags: days until it should be removed."
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["key"]
        indexes = [models.Index(fields=["kind", "scope"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(rollout_percent__gte=0, rollout_percent__lte=100),
                name="flag_rollout_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class ApprovalRequest(models.Model):
    """A request to perform a registered action; executes only once approved."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        EXECUTING = "executing", "Executing"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Outcome unknown"
        REJECTED = "rejected", "Rejected"
        EXPIRED = "expired", "Expired"
        CANCELLED = "cancelled", "Cancelled"
        CONFLICT = "conflict", "Conflict"

    TERMINAL = frozenset(
        {
            Status.SUCCEEDED,
            Status.FAILED,
            Status.REJECTED,
            Status.EXPIRED,
            Status.CANCELLED,
            Status.CONFLICT,
        }
    )

    class Risk(models.TextChoices):
        SAFE = "safe", "Safe"
        LIVE = "live", "Live"

    action = models.CharField(max_length=100, db_index=True)
    target = models.CharField(max_length=200, blank=True, db_index=True)
    params = models.JSONField(default=dict, blank=True)
    precondition = models.JSONField(default=dict, blank=True)
    payload_hash = models.CharField(max_length=64)
    risk = models.CharField(max_length=10, choices=Risk.choices, default=Risk.LIVE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    required_approvals = models.PositiveSmallIntegerField(default=1)
    policy = models.JSONField(default=dict, blank=True, help_text="Why this many approvals.")
    reason = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True, help_text="e.g. the incident it serves.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="approval_requests",
    )
    requested_by_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    expires_at = models.DateTimeField(db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.target}".strip()


class ApprovalDecision(models.Model):
    """One person's decision on one request (never two: unique per request and person)."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="decisions")
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="approval_decisions",
    )
    approver_name = models.CharField(max_length=150)
    verdict = models.CharField(max_length=10, choices=Verdict.choices)
    comment = models.TextField(blank=True)
    payload_hash = models.CharField(max_length=64)
    # HMAC under the payload key (approvals.payload.decision_signature): only a signed
    # decision counts, so a database writer cannot add or turn one.
    signature = models.CharField(max_length=64, blank=True, default="")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "approver"], name="one_decision_per_approver"
            )
        ]

    def __str__(self) -> str:
        return f"{self.approver_name} {self.verdict} #{self.request_id}"


class AuditEvent(models.Model):
    """One append-only, hash-chained record of something that changed.

    `actor_id` is a plain integer, not a foreign key: deleting a user must never
    touch (or be blocked by) their history; `actor_snapshot` keeps who they were.
    """

    class ActorType(models.TextChoices):
        USER = "user", "User"
        TOKEN = "token", "API token"
        SYSTEM = "system", "System job"
        WEBHOOK = "webhook", "Webhook"
        ANONYMOUS = "anonymous", "Anonymous"

    class Outcome(models.TextChoices):
        SUCCESS = "success", "Success"
        FAILURE = "failure", "Failure"
        DENIED = "denied", "Denied"

    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor_type = models.CharField(max_length=20, choices=ActorType.choices)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True, db_index=True)
    actor_snapshot = models.JSONField(default=dict, blank=True)
    verb = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=200, blank=True)
    target_repr = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    changes = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.SUCCESS)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-seq"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} {self.target_repr}"


class AuditCheckpoint(models.Model):
    """A signed note of the chain's head (approvals.audit.anchor), so a truncated tail, a
    rewrite or a deleted checkpoint is detectable. Insert-only, like the events."""

    number = models.BigIntegerField(unique=True, help_text="1, 2, 3…: a gap is a deletion.")
    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    legacy_through = models.BigIntegerField(
        default=0, help_text="The last event hashed before the audit key (unkeyed)."
    )
    signature = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"checkpoint {self.number} at #{self.seq}"
