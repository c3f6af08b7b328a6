"""Findings: raise (or refresh), settle what is no longer seen, resolve by hand, and tell
people by e-mail once per finding and severity.

State-like signals (a quota running out, a credential expiring, a quiet topic) are
raised on every evaluation while they hold and settled when they stop; event-like
ones (MCP tool drift) stay open until a person resolves them.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.audit import audit_record
from monitoring.models import Finding
from monitoring.slo.conf import knob, sla_recipients

log = logging.getLogger(__name__)
RANK = {"": 0, "info": 1, "warning": 2, "critical": 3}


def finding_raise(
    *,
    kind: str,
    key: str,
    title: str,
    integration=None,
    severity: str = Finding.Severity.WARNING,
    detail: str = "",
    data: dict | None = None,
    now: datetime | None = None,
) -> Finding:
    """Open the finding (kind, key), or refresh the open one's time, text, data and severity."""
    now = now or timezone.now()
    fields = {"title": title[:300], "detail": detail, "data": data or {}, "severity": severity}
    found = Finding.objects.filter(kind=kind, key=key, status=Finding.Status.OPEN).first()
    if found is None:
        try:
            with transaction.atomic():
                return Finding.objects.create(
                    kind=kind,
                    key=key,
                    integration=integration,
                    first_seen_at=now,
                    last_seen_at=now,
                    **fields,
                )
        except IntegrityError:  # raised by a concurrent run a moment ago
            found = Finding.objects.get(kind=kind, key=key, status=Finding.Status.OPEN)
    Finding.objects.filter(pk=found.pk).update(last_seen_at=now, **fields)
    found.refresh_from_db()
    return found


def findings_settle(*, kind: str, seen: set[str], scope=None, now: datetime | None = None) -> int:
    """Resolve open findings of `kind` (within `scope`, a Q or None) whose key is not in
    `seen`: the condition has passed. Returns how many."""
    query = Finding.objects.filter(kind=kind, status=Finding.Status.OPEN).exclude(key__in=seen)
    if scope is not None:
        query = query.filter(scope)
    return query.update(status=Finding.Status.RESOLVED, resolved_at=now or timezone.now())


def finding_resolve(*, finding_id: int, user=None, note: str = "") -> Finding:
    """A person closes a finding (e.g. after reviewing MCP tool drift). Idempotent."""
    finding = Finding.objects.get(pk=finding_id)
    if finding.status == Finding.Status.OPEN:
        finding.status, finding.resolved_at = Finding.Status.RESOLVED, timezone.now()
        finding.save(update_fields=["status", "resolved_at"])
        audit_record(actor=user, verb="finding.resolve", target=finding, reason=note)
    return finding


def recipients() -> list[str]:
    return list(knob("FINDING_RECIPIENTS") or sla_recipients())


def findings_notify(*, now: datetime | None = None) -> int:
    """Mail the open warning/critical findings nobody was told about at their severity yet,
    in one message. Returns how many findings it covered (0 without recipients)."""
    to = recipients()
    due = [
        f
        for f in Finding.objects.filter(status=Finding.Status.OPEN).select_related("integration")
        if RANK[f.severity] >= RANK["warning"] and RANK[f.severity] > RANK[f.notified_severity]
    ]
    if not to or not due:
        return 0
    lines = [
        f"[{f.severity.upper()}] {f.get_kind_display()}: {f.title}\n    {f.detail}".rstrip()
        for f in sorted(due, key=lambda f: -RANK[f.severity])
    ]
    subject = f"[HotDash] {len(due)} new finding(s): {due[0].title}"[:200]
    try:
        send_mail(subject, "\n".join(lines), None, to, fail_silently=False)
    except Exception as exc:  # the next run tries again; nothing is marked as told
        log.warning("findings mail not sent: %s", type(exc).__name__)
        return 0
    now = now or timezone.now()
    for finding in due:
        Finding.objects.filter(pk=finding.pk).update(
            notified_at=now, notified_severity=finding.severity
        )
    return len(due)
