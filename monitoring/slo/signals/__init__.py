"""Signals specific to these vendors, each raising and settling findings (monitoring.Finding).

sunset.py       Shopify API version end of support; deprecation reasons per query
quota.py        quota headroom trend and forecast of exhaustion (Shopify, GA4, X-RateLimit)
webhooks.py     webhook topics gone quiet against their usual rate
credentials.py  required variables present, expiry where known, revoked / uninstalled
tools.py        MCP tool drift (added, removed, changed input schema)
reconcile.py    Shopify orders vs GA4 purchases, Publer scheduled vs published
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils import timezone

from monitoring.slo.signals import credentials, quota, sunset, tools, webhooks

log = logging.getLogger(__name__)


def signals_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Run every vendor signal; one failing never stops the others. Returns findings per signal."""
    now = now or timezone.now()
    checks = {
        "sunset": lambda: sunset.sunset_evaluate(now.date(), now),
        "deprecations": lambda: sunset.deprecations_evaluate(now),
        "quota": lambda: quota.quota_evaluate(now),
        "webhooks": lambda: webhooks.webhooks_evaluate(now),
        "credentials": lambda: credentials.credentials_evaluate(now),
        "tools": lambda: tools.tools_evaluate(now),
    }
    found = {}
    for name, check in checks.items():
        try:
            found[name] = check()
        except Exception:  # a bug in one signal must not silence the rest
            log.exception("signal %s failed", name)
            found[name] = -1
    return found
