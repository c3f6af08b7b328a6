"""Reconciliation: two systems that should agree, checked against each other.

- Shopify orders vs GA4 `purchase` events (`ecommercePurchases`) per day, for the
  last RECONCILE_DAYS complete days. Shopify's side is the hourly order counts
  (FlowCount), summed over the day in the GA4 property's time zone (the GA4
  integration's `config["report_timezone"]`, default UTC); a day not fully collected is
  skipped. A gap beyond
  RECONCILE_GA4_TOLERANCE is a finding: GA4 always misses a few purchases (ad
  blockers, consent), a large gap means broken tagging or a broken checkout.
- Publer scheduled vs published: every `publer.publish_post` request that succeeded
  in the last RECONCILE_PUBLER_DAYS and whose time has passed (plus a grace period) is
  looked up by its Publer job; accounts the job failed for, or a job still working,
  are posts that were scheduled but not published.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Q, Sum

from approvals.models import ApprovalRequest
from integrations.http import GatewayError
from integrations.models import Integration
from monitoring.conf import knob
from monitoring.models import Finding, FlowCount
from monitoring.rollups import floor_hour
from monitoring.services.findings import finding_raise, findings_settle
from monitoring.slo.flows import ORDERS

PUBLISH_ACTION = "publer.publish_post"


def _first(kind: str) -> Integration | None:
    return Integration.objects.enabled().filter(kind=kind).order_by("pk").first()


def ga4_purchases(ga4: Integration, days: list[date]) -> tuple[dict[date, int], str]:
    """({day: purchases}, property time zone) from one runReport over the days."""
    from integrations.clients.ga4 import GA4Client

    report = GA4Client(ga4).run_report(
        metrics=["ecommercePurchases"],
        dimensions=["date"],
        date_ranges=[(min(days).isoformat(), max(days).isoformat())],
    )
    counts = {
        datetime.strptime(row["date"], "%Y%m%d").date(): int(float(row["ecommercePurchases"]))
        for row in report.rows
    }
    # GA4 dates are in the property's zone (metadata.timeZone); the operator confirms it in
    # config["report_timezone"], default UTC (the sandbox's days are UTC days).
    return counts, str((ga4.config or {}).get("report_timezone") or "UTC")


def shopify_orders_on(shop: Integration, day: date, zone: str) -> int | None:
    """Orders created on `day` in `zone`, from hourly counts; None unless all 24 h are collected."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        tz = ZoneInfo("UTC")
    start = floor_hour(datetime.combine(day, time(), tz).astimezone(ZoneInfo("UTC")))
    end = floor_hour(
        datetime.combine(day + timedelta(days=1), time(), tz).astimezone(ZoneInfo("UTC"))
    )
    rows = FlowCount.objects.filter(integration=shop, metric=ORDERS, hour__gte=start, hour__lt=end)
    found = rows.aggregate(n=Sum("count"), hours=Count("pk"))
    if found["hours"] < int((end - start).total_seconds() // 3600):
        return None
    return found["n"] or 0


def drift(a: int, b: int) -> float:
    """Relative gap between two counts (0 when both are 0)."""
    return abs(a - b) / max(a, b, 1)


def shopify_ga4_evaluate(now: datetime) -> int:
    shop, ga4 = _first(Integration.Kind.SHOPIFY), _first(Integration.Kind.GA4)
    if shop is None or ga4 is None:
        return 0
    days = [now.date() - timedelta(days=n) for n in range(int(knob("RECONCILE_DAYS")), 0, -1)]
    try:
        purchases, zone = ga4_purchases(ga4, days)
    except GatewayError:
        return 0
    tolerance, seen = float(knob("RECONCILE_GA4_TOLERANCE")), set()
    for day in days:
        orders = shopify_orders_on(shop, day, zone)
        if orders is None:
            continue
        events = purchases.get(day, 0)
        gap = drift(orders, events)
        if gap <= tolerance:
            continue
        key = f"shopify-ga4:{shop.slug}:{day.isoformat()}"
        seen.add(key)
        finding_raise(
            kind=Finding.Kind.RECONCILIATION,
            key=key,
            integration=shop,
            title=f"{day}: {orders} Shopify orders but {events} GA4 purchases ({gap:.0%} apart)",
            detail=f"Tolerated: {tolerance:.0%}. Check GA4 tagging on the checkout.",
            data={"day": day.isoformat(), "orders": orders, "purchases": events, "drift": gap},
            now=now,
        )
    scope = Q(key__startswith=f"shopify-ga4:{shop.slug}:") & Q(
        key__in=[f"shopify-ga4:{shop.slug}:{d.isoformat()}" for d in days]
    )
    findings_settle(kind=Finding.Kind.RECONCILIATION, seen=seen, scope=scope, now=now)
    return len(seen)


def _published_requests(now: datetime):
    since = now - timedelta(days=int(knob("RECONCILE_PUBLER_DAYS")))
    return ApprovalRequest.objects.filter(
        action=PUBLISH_ACTION, status=ApprovalRequest.Status.SUCCEEDED, finished_at__gte=since
    ).order_by("pk")


def _due(request: ApprovalRequest, now: datetime) -> bool:
    grace = timedelta(minutes=int(knob("RECONCILE_PUBLER_GRACE_MINUTES")))
    raw = request.params.get("scheduled_at")
    when = datetime.fromisoformat(raw.replace("Z", "+00:00")) if raw else request.finished_at
    return when + grace <= now


def publer_evaluate(now: datetime) -> dict:
    """{"scheduled": n, "published": n, "findings": n} over the due requests."""
    from integrations.clients.publer import PublerClient

    scheduled = published = 0
    seen = set()
    for request in _published_requests(now):
        job_id = (request.result or {}).get("job_id")
        integration = Integration.objects.filter(
            slug=request.params.get("integration", "publer")
        ).first()
        if not job_id or integration is None or not _due(request, now):
            continue
        accounts = list(request.params.get("account_ids") or [])
        try:
            job = PublerClient(integration).job_status(str(job_id))
        except GatewayError:
            continue
        missing = sorted(set(job.failures) & set(accounts)) if job.done else accounts
        scheduled += len(accounts)
        published += len(accounts) - len(missing)
        if missing:
            key = f"publer:{request.pk}"
            seen.add(key)
            finding_raise(
                kind=Finding.Kind.RECONCILIATION,
                key=key,
                integration=integration,
                title=f"Publer post #{request.pk}: {len(missing)} of {len(accounts)} not published",
                detail=f"job {job_id} {job.status}; failures: {job.failures or '-'}",
                data={"request": request.pk, "job_id": job_id, "missing": missing},
                now=now,
            )
    findings_settle(
        kind=Finding.Kind.RECONCILIATION, seen=seen, scope=Q(key__startswith="publer:"), now=now
    )
    return {"scheduled": scheduled, "published": published, "findings": len(seen)}
