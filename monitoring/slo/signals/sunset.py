"""Shopify API versions: the pinned version's end of support, and the deprecation reasons
Shopify sends (`X-Shopify-API-Deprecated-Reason`), listed per query.

Each quarterly stable version (YYYY-01/04/07/10) is supported for at least 12 months
from its release (shopify.dev/docs/api/usage/versioning); after that, calls "fall
forward" to the oldest supported version. A finding is raised 90, 30 and 7 days
ahead (SUNSET_NOTICE_DAYS) — a new one per notice, so each is mailed once.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Q

from integrations.models import Integration
from monitoring.conf import knob
from monitoring.models import CheckResult, Finding
from monitoring.services.findings import finding_raise, findings_settle

_REASON = re.compile(
    r"X-Shopify-API-Deprecated-Reason: (?P<reason>.*?)(?: \(query (?P<query>[^)]*)\))?$"
)
DEPRECATION_LOOKBACK = timedelta(hours=24)
DEPRECATION_ROWS = 500


def api_version(integration: Integration) -> str:
    from integrations.clients.shopify import DEFAULT_API_VERSION

    return str((integration.config or {}).get("api_version", DEFAULT_API_VERSION))


def sunset_date(version: str, support_months: int) -> date | None:
    """The first day a quarterly `YYYY-MM` version may be unsupported; None for `unstable`."""
    try:
        year, month = (int(part) for part in version.split("-"))
        date(year, month, 1)
    except ValueError:
        return None
    months = year * 12 + (month - 1) + support_months
    return date(months // 12, months % 12 + 1, 1)


def sunset_notice(days_left: int, notices: list[int]) -> str | None:
    """Which notice applies: "unsupported", "7d", "30d", "90d" … or None (far enough)."""
    if days_left <= 0:
        return "unsupported"
    due = [n for n in sorted(notices) if days_left <= n]
    return f"{due[0]}d" if due else None


def sunset_evaluate(today: date, now: datetime) -> int:
    """Raise one finding per Shopify integration whose pinned version nears its sunset."""
    seen, months = set(), int(knob("SHOPIFY_SUPPORT_MONTHS"))
    shops = Integration.objects.enabled().filter(kind=Integration.Kind.SHOPIFY)
    for shop in shops:
        version = api_version(shop)
        ends = sunset_date(version, months)
        if ends is None:
            continue
        days_left = (ends - today).days
        notice = sunset_notice(days_left, list(knob("SUNSET_NOTICE_DAYS")))
        if notice is None:
            continue
        key = f"{shop.slug}:{version}:{notice}"
        seen.add(key)
        finding_raise(
            kind=Finding.Kind.API_SUNSET,
            key=key,
            integration=shop,
            severity="critical" if notice in ("unsupported", "7d") else "warning",
            title=_sunset_title(shop, version, ends, days_left),
            detail="Pin a newer version in the integration's config (api_version) and test it.",
            data={"api_version": version, "ends": ends.isoformat(), "days_left": days_left},
            now=now,
        )
    scope = Q(integration__kind=Integration.Kind.SHOPIFY)
    findings_settle(kind=Finding.Kind.API_SUNSET, seen=seen, scope=scope, now=now)
    return len(seen)


def _sunset_title(shop, version: str, ends: date, days_left: int) -> str:
    if days_left <= 0:
        return f"{shop.name}: API {version} unsupported since {ends}; calls fall forward"
    return f"{shop.name}: API {version} support ends {ends} ({days_left} days)"


def deprecations_seen(shop_ids: list[int], now: datetime) -> dict[int, dict]:
    """{integration id: {(query, reason): {"count", "last_seen"}}} from recent probe details."""
    found: dict[int, dict] = defaultdict(dict)
    rows = (
        CheckResult.objects.filter(
            integration_id__in=shop_ids,
            checked_at__gte=now - DEPRECATION_LOOKBACK,
            details__has_key="deprecations",
        )
        .order_by("-checked_at")
        .values_list("integration_id", "checked_at", "details")[:DEPRECATION_ROWS]
    )
    for pk, at, details in rows:
        for text in details.get("deprecations") or []:
            match = _REASON.match(text)
            if not match:
                continue
            key = (match.group("query") or "anonymous", match.group("reason"))
            entry = found[pk].setdefault(key, {"count": 0, "last_seen": at.isoformat()})
            entry["count"] += 1
    return found


def deprecations_evaluate(now: datetime) -> int:
    """One finding per (shop, query, reason) seen in the last 24 h; settled when unseen."""
    shops = {s.pk: s for s in Integration.objects.enabled().filter(kind=Integration.Kind.SHOPIFY)}
    seen = set()
    for pk, entries in deprecations_seen(list(shops), now).items():
        for (query, reason), entry in entries.items():
            key = f"{shops[pk].slug}:{query}:{reason}"[:200]
            seen.add(key)
            finding_raise(
                kind=Finding.Kind.DEPRECATION,
                key=key,
                integration=shops[pk],
                title=f"{shops[pk].name}: query {query} uses something deprecated",
                detail=f"X-Shopify-API-Deprecated-Reason: {reason}",
                data={"query": query, "reason": reason, **entry},
                now=now,
            )
    findings_settle(kind=Finding.Kind.DEPRECATION, seen=seen, now=now)
    return len(seen)
