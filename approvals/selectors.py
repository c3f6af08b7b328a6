"""Reads on governance data, for the API, the console and the services:

    approval_request_list()                        requests with their decisions (API)
    approval_request_inbox()                       the same, waiting ones first (console inbox)
    approval_request_feed()                        newest first (the status board's feed)
    approval_request_list_for_incident(incident_id=7)
    approval_request_started_at(idempotency_key="…")
    flag_list()                                    flags by key (API)
    flag_evaluation(flag=flag, subject="store-42") -> Evaluation(True, "rollout_in", 3)
    kill_switches_active(action=…, integration=…)  the set kill switches (fresh read)
    audit_event_list()                             the trail, newest first (API)
    audit_head()                                   the chain's head: seq, hash, at (witnesses)

Nothing in the product branches on a release flag, so there is no cached flag read:
kill switches are the flags the product reads, from the database on every check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import DatabaseError
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from approvals.models import ApprovalRequest, AuditCheckpoint, AuditEvent, FeatureFlag

Status = ApprovalRequest.Status


def approval_request_list() -> QuerySet[ApprovalRequest]:
    """Every request, newest first, with its decisions loaded."""
    return ApprovalRequest.objects.prefetch_related("decisions")


def approval_request_inbox() -> QuerySet[ApprovalRequest]:
    """Every request with its decisions: pending first, then those still under way
    (approved, executing, unknown), then the finished; newest first within each."""
    waiting = Case(
        When(status=Status.PENDING, then=Value(0)),
        When(status__in=[Status.UNKNOWN, Status.APPROVED, Status.EXECUTING], then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return (
        approval_request_list().annotate(inbox_order=waiting).order_by("inbox_order", "-created_at")
    )


def approval_request_feed() -> QuerySet[ApprovalRequest]:
    """Every request, newest first (ties by id); slice it."""
    return ApprovalRequest.objects.order_by("-created_at", "-pk")


def approval_request_list_for_incident(*, incident_id: int) -> QuerySet[ApprovalRequest]:
    """Requests made for an incident (recovery steps record it in their context), newest first."""
    return ApprovalRequest.objects.filter(context__incident=incident_id).order_by("-created_at")


def approval_request_started_at(*, idempotency_key: str) -> datetime | None:
    """When the execution of the request with this key started (None: not started, or
    no such request)."""
    return (
        ApprovalRequest.objects.filter(idempotency_key=idempotency_key)
        .values_list("started_at", flat=True)
        .first()
    )


def flag_list() -> QuerySet[FeatureFlag]:
    """Every flag, by key."""
    return FeatureFlag.objects.all()


class FlagsUnavailable(Exception):
    """Flags could not be read: anything live must be denied."""


@dataclass(frozen=True)
class Evaluation:
    """value: the answer; reason: why (disabled | enabled | rollout_in | rollout_out |
    no_subject); version: the flag's version."""

    value: bool
    reason: str
    version: int


def flag_evaluation(*, flag: FeatureFlag, subject: str = "") -> Evaluation:
    """What a loaded flag answers for an optional subject (no database access).

    A percentage rollout puts a subject in or out by a stable hash of the flag
    key and subject, so the same subject always gets the same answer.
    """
    if not flag.enabled:
        return Evaluation(False, "disabled", flag.version)
    if flag.rollout_percent >= 100 or flag.kind == FeatureFlag.Kind.KILL_SWITCH:
        return Evaluation(True, "enabled", flag.version)
    if not subject:
        return Evaluation(False, "no_subject", flag.version)
    inside = rollout_bucket(flag.key, subject) < flag.rollout_percent
    return Evaluation(inside, "rollout_in" if inside else "rollout_out", flag.version)


def rollout_bucket(key: str, subject: str) -> int:
    """A stable bucket 0..99 for (flag, subject): the same in every process, forever."""
    digest = hashlib.sha256(f"{key}:{subject}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def kill_switches_active(*, action: str = "", integration: str = "") -> list[FeatureFlag]:
    """The kill switches that stop `action` on `integration` now: global, per integration,
    per action. Read fresh from the database (no cache).

    Raises FlagsUnavailable when they cannot be read: the caller must deny.
    """
    scopes = Q(scope=FeatureFlag.Scope.GLOBAL)
    if integration:
        scopes |= Q(scope=FeatureFlag.Scope.INTEGRATION, scope_target=integration)
    if action:
        scopes |= Q(scope=FeatureFlag.Scope.ACTION, scope_target=action)
    try:
        switches = FeatureFlag.objects.filter(
            scopes, kind=FeatureFlag.Kind.KILL_SWITCH, enabled=True
        )
        return list(switches)
    except DatabaseError as exc:
        raise FlagsUnavailable(str(exc)) from exc


def audit_event_list() -> QuerySet[AuditEvent]:
    """The audit trail, newest first."""
    return AuditEvent.objects.all()


@dataclass(frozen=True)
class AuditHead:
    """The audit chain's newest event (`seq`, `hash`, `at`) and the last checkpoint's
    number (None before the first)."""

    seq: int
    hash: str
    at: datetime
    checkpoint: int | None


def audit_head() -> AuditHead | None:
    """The chain's head, or None while the trail is empty. Two index reads, no scan.

    For witnesses outside the database (metrics, the weekly mail, a log shipped
    elsewhere): a copy of (seq, hash) kept there can later be checked with
    `manage.py audit_verify --expect-seq SEQ --expect-hash HASH`, which detects a head cut
    off or rewritten since, even with the checkpoints after it deleted. A seq that goes
    down between two readings is a truncated trail.
    """
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash", "at").first()
    if head is None:
        return None
    number = AuditCheckpoint.objects.order_by("-number").values_list("number", flat=True)
    return AuditHead(*head, checkpoint=number.first())
