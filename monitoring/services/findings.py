"""Findings: raise (or refresh), settle what is no longer seen, resolve by hand, and bring
people in through the incident machinery.

State-like signals (a quota running out, a credential expiring, a quiet topic) are
raised on every evaluation while they hold and settled when they stop; event-like
ones (MCP tool drift) stay open until a person resolves them.

People hear about findings the way they hear about outages: `findings_sync` keeps one
incident of cause FINDING per integration in step with its open findings (a page while
any is critical, a ticket while any is a warning, resolved when none is left), so the
same channels, routing by severity, escalation and timeline apply. `notified_at` and
`notified_severity` are no longer written: who was told is on the incident's
Notification rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.audit import audit_record
from integrations.models import Integration
from monitoring.models import Finding, Incident
from monitoring.services.signal_incidents import Signal, open_signal_incidents, signal_sync
from monitoring.slo.maths import PAGE, TICKET

RANK = {"": 0, "info": 1, "warning": 2, "critical": 3}
# A finding raised without an integration (a webhook source no integration kind is named
# after) joins the integration of SOURCE_OWNER's kind, else the shop: someone must hear.
SOURCE_OWNER = {"gold_replies": Integration.Kind.CHATWOOT}


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
    """A person closes a finding (e.g. after reviewing MCP tool drift). Idempotent. When it
    was its integration's last open finding, the FINDING incident resolves too."""
    finding = Finding.objects.get(pk=finding_id)
    if finding.status == Finding.Status.OPEN:
        finding.status, finding.resolved_at = Finding.Status.RESOLVED, timezone.now()
        finding.save(update_fields=["status", "resolved_at"])
        audit_record(actor=user, verb="finding.resolve", target=finding, reason=note)
        ids = [finding.integration_id] if finding.integration_id else None
        findings_sync(now=finding.resolved_at, integration_ids=ids)
    return finding


def findings_sync(
    *, now: datetime | None = None, integration_ids: list[int] | None = None
) -> dict[str, str]:
    """Bring each integration's FINDING incident in line with its open findings.

    1. Open findings without an integration are given an owner (`_adopt`).
    2. Open findings are grouped by integration (every one, or `integration_ids`);
       an integration whose FINDING incident is open but has no open finding left is
       included too, so that incident resolves.
    3. Per integration, `signal_sync` with level PAGE if any finding is critical,
       TICKET if any is a warning, None (all clear) otherwise; each warning or critical
       finding is a member ("kind:key") of the incident.

    Returns {integration slug: what signal_sync did}, leaving out "unchanged".
    """
    now = now or timezone.now()
    _adopt()
    found = Finding.objects.filter(status=Finding.Status.OPEN).exclude(integration=None)
    incidents = open_signal_incidents(Incident.Cause.FINDING)
    if integration_ids is not None:
        found = found.filter(integration_id__in=integration_ids)
        incidents = {pk: i for pk, i in incidents.items() if pk in integration_ids}
    grouped: dict[int, list[Finding]] = defaultdict(list)
    for finding in found:
        grouped[finding.integration_id].append(finding)
    done = {}
    for integration in Integration.objects.filter(pk__in=set(grouped) | set(incidents)):
        what = signal_sync(findings_signal(integration, grouped[integration.pk]), now=now)
        if what != "unchanged":
            done[integration.slug] = what
    return done


def findings_signal(integration: Integration, findings: list[Finding]) -> Signal:
    """One integration's FINDING signal from its open findings (info ones do not count)."""
    counted = sorted(
        (f for f in findings if RANK[f.severity] >= RANK["warning"]),
        key=lambda f: (-RANK[f.severity], f.first_seen_at, f.pk),
    )
    if not counted:
        return Signal(integration, Incident.Cause.FINDING, None, summary="no open findings left")
    critical = sum(f.severity == Finding.Severity.CRITICAL for f in counted)
    title = f"{integration.name}: {len(counted)} finding{'' if len(counted) == 1 else 's'}"
    return Signal(
        integration,
        Incident.Cause.FINDING,
        PAGE if critical else TICKET,
        title=title + (f" ({critical} critical)" if critical else ""),
        summary="\n".join(
            f"[{f.severity.upper()}] {f.get_kind_display()}: {f.title}" for f in counted
        ),
        data={
            "members": [f"{f.kind}:{f.key}" for f in counted],
            "findings": [f.pk for f in counted],
        },
    )


def _adopt() -> int:
    """Give open findings without an integration an owner: the integration of their webhook
    source's kind (SOURCE_OWNER for sources named otherwise), else the first Shopify
    integration; with neither they stay unowned (the board still lists them). Returns how
    many were adopted."""
    adopted = 0
    for finding in Finding.objects.filter(status=Finding.Status.OPEN, integration=None):
        source = str((finding.data or {}).get("source", ""))
        owners = Integration.objects.order_by("pk")
        owner = (
            owners.filter(kind=SOURCE_OWNER.get(source, source)).first()
            or owners.filter(kind=Integration.Kind.SHOPIFY).first()
        )
        if owner is not None:
            adopted += Finding.objects.filter(pk=finding.pk, integration=None).update(
                integration=owner
            )
    return adopted
