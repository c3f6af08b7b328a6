"""Webhook freshness: a topic that has gone quiet against its usual rate is a finding.

Reads `integrations.webhooks.selectors.webhook_freshness` (time since the last event
of each (source, topic) and the median gap between recent ones). Quiet means silent
for WEBHOOK_QUIET_FACTOR usual gaps and at least WEBHOOK_QUIET_MIN_S, judged only
for topics with WEBHOOK_MIN_SAMPLE events to learn the rate from. A Shopify
subscription deleted after repeated failed deliveries looks exactly like this.
"""

from __future__ import annotations

from datetime import datetime

from integrations.models import Integration
from integrations.webhooks.selectors import Freshness, webhook_freshness
from monitoring.conf import knob
from monitoring.models import Finding
from monitoring.services.findings import finding_raise, findings_settle
from monitoring.slo.flows import WEBHOOK_KINDS


def is_quiet(item: Freshness) -> bool:
    if item.sampled < int(knob("WEBHOOK_MIN_SAMPLE")) or item.lateness is None:
        return False
    return item.lateness >= float(knob("WEBHOOK_QUIET_FACTOR")) and item.since_last_s >= float(
        knob("WEBHOOK_QUIET_MIN_S")
    )


def webhooks_evaluate(now: datetime) -> int:
    owners = {
        source: Integration.objects.filter(kind=kind).order_by("pk").first()
        for source, kind in WEBHOOK_KINDS.items()
    }
    seen = set()
    for item in webhook_freshness(now=now):
        if not is_quiet(item):
            continue
        key = f"{item.source}:{item.topic}"
        seen.add(key)
        hours = item.since_last_s / 3600
        finding_raise(
            kind=Finding.Kind.WEBHOOK_QUIET,
            key=key,
            integration=owners.get(item.source),
            title=f"Webhook {item.source} {item.topic} quiet for {hours:.1f} h",
            detail=(
                f"Usually one every {item.usual_interval_s / 60:.0f} min; the last arrived "
                f"{item.last_received_at:%Y-%m-%d %H:%M} UTC. Check the vendor's subscription."
            ),
            data={
                "source": item.source,
                "topic": item.topic,
                "since_last_s": round(item.since_last_s),
                "usual_interval_s": round(item.usual_interval_s or 0),
                "lateness": round(item.lateness or 0, 1),
            },
            now=now,
        )
    findings_settle(kind=Finding.Kind.WEBHOOK_QUIET, seen=seen, now=now)
    return len(seen)
