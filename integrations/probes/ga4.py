"""GA4 probe: a one-row runReport with `returnPropertyQuota`, whose quota gives the headroom.

The service-account token is fetched (or reused from the cache) on the way,
so a broken key or a revoked grant shows as `auth`.
"""

from __future__ import annotations

from integrations.clients.ga4 import GA4Client
from integrations.probing import ProbeOutcome, register_probe

from .base import probe_ok


@register_probe("ga4")
def probe_ga4(integration) -> ProbeOutcome:
    client = GA4Client.for_probe(integration)
    report = client.run_report(metrics=["sessions"], date_ranges=[("yesterday", "today")], limit=1)
    return probe_ok(
        client, f"runReport answered ({report.row_count} rows)", row_count=report.row_count
    )
