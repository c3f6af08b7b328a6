"""Monitoring's tunables: its one `Knobs` reader (hotdash/knobs.py), `knob(NAME)` reads
`settings.SLO_<NAME>`, else the default below. They tune SLOs, anomalies and vendor signals;
docs/slo.md explains each and how to tune it. (The probe loop's, incidents' and recovery's
settings come from the environment: hotdash/settings.)
"""

from __future__ import annotations

import os

from django.conf import settings

from hotdash.knobs import Knobs

DEFAULTS: dict[str, object] = {
    # The SLO window (the SRE workbook's table is computed for 30 days).
    "WINDOW_DAYS": 30,
    # Fewest probes a window needs before its burn rate counts (None below that), so one
    # failed probe of a rarely-probed service cannot page.
    "MIN_EVENTS": {"5m": 3, "30m": 5, "1h": 6, "2h": 10, "6h": 20, "1d": 50, "3d": 100},
    # Fewest bad probes in the long window of a rule before it may fire.
    "MIN_BAD_EVENTS": 2,
    # Alert on the latency objective too (same table), not only availability.
    "LATENCY_ALERTS": True,
    # Anomalies: recent sample (raw probes), baseline weeks (hour-of-week ± 1 h).
    "ANOMALY_RECENT_MINUTES": 15,
    "ANOMALY_MIN_RECENT": 5,
    "ANOMALY_WEEKS": 4,
    "ANOMALY_MIN_BASELINE": 6,  # baseline hours needed (of weeks × 3)
    "ANOMALY_MIN_HOUR_EVENTS": 5,  # a baseline hour counts with this many probes
    "ANOMALY_Z": 5.0,  # robust z-score (median / 1.4826·MAD) to call a jump
    "ANOMALY_LATENCY_RATIO": 3.0,  # and at least this many times the usual median
    "ANOMALY_ERROR_FLOOR": 0.2,  # error-rate jumps under 20 points are burn-rate business
    # Business flows: a drought is P(X ≤ seen | usual) under ALPHA and seen ≤ RATIO × usual,
    # over the shortest trailing span (3..24 h) whose usual count reaches MIN_EXPECTED.
    "FLOW_ALPHA": 0.001,
    "FLOW_RATIO": 0.25,
    "FLOW_MIN_EXPECTED": 8,
    "FLOW_MAX_SPAN_HOURS": 24,
    "FLOW_BACKFILL_DAYS": 28,
    "FLOW_RETENTION_DAYS": 35,
    "FLOW_MAX_PAGES": 40,
    # Vendor signals.
    "SUNSET_NOTICE_DAYS": [90, 30, 7],
    "SHOPIFY_SUPPORT_MONTHS": 12,
    "QUOTA_LOOKBACK_MINUTES": 120,
    "QUOTA_FORECAST_HOURS": 24,  # report a bucket that runs dry within this horizon
    "WEBHOOK_QUIET_FACTOR": 6.0,  # quiet: silent for this many usual gaps
    "WEBHOOK_QUIET_MIN_S": 3600,  # … and at least this long
    "WEBHOOK_MIN_SAMPLE": 5,
    "CREDENTIAL_WARN_DAYS": 30,
    "CREDENTIAL_CRITICAL_DAYS": 7,
    # Reconciliation: tolerated relative gap between Shopify orders and GA4 purchases
    # (ad blockers and consent banners hide some purchases from GA4), days looked at.
    "RECONCILE_GA4_TOLERANCE": 0.15,
    "RECONCILE_DAYS": 3,
    "RECONCILE_PUBLER_GRACE_MINUTES": 15,
    "RECONCILE_PUBLER_DAYS": 2,
}


knob = Knobs("SLO_", DEFAULTS)


def sla_recipients() -> list[str]:
    """`settings.SLA_REPORT_RECIPIENTS`, else the comma-separated environment variable."""
    configured = getattr(settings, "SLA_REPORT_RECIPIENTS", None)
    if configured is None:
        configured = os.environ.get("SLA_REPORT_RECIPIENTS", "").split(",")
    return [address.strip() for address in configured if address and address.strip()]
