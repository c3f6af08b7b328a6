"""django-q2 jobs of SLOs, anomalies and vendor signals (declared in hotdash.schedules).
Tasks take no model objects; each returns a small summary stored as its result."""

from __future__ import annotations

from monitoring.slo.alerts import burn_alerts_evaluate
from monitoring.slo.anomaly import anomalies_evaluate, flows_evaluate
from monitoring.slo.findings import findings_sync
from monitoring.slo.flows import flows_collect
from monitoring.slo.report import sla_report_mail
from monitoring.slo.signals import signals_evaluate
from monitoring.slo.signals.reconcile import publer_evaluate, shopify_ga4_evaluate


def slo_evaluate_task() -> dict:
    """Every minute: burn-rate alerts and latency / error-rate anomalies."""
    return {"burn_rate": burn_alerts_evaluate(), "anomalies": anomalies_evaluate()}


def flows_task() -> dict:
    """Every 10 minutes: collect hourly business counts, then look for droughts."""
    return {"collected": flows_collect(), "droughts": flows_evaluate()}


def signals_task() -> dict:
    """Every 5 minutes: vendor signals (sunset, deprecations, quotas, webhooks,
    credentials, MCP tool drift), then each integration's findings incident in step."""
    found = signals_evaluate()
    return {**found, "incidents": findings_sync()}


def reconcile_task() -> dict:
    """Hourly: Shopify orders vs GA4 purchases, Publer scheduled vs published."""
    from django.utils import timezone

    now = timezone.now()
    found = {"shopify_ga4": shopify_ga4_evaluate(now), "publer": publer_evaluate(now)}
    return {**found, "incidents": findings_sync(now=now)}


def sla_report_task() -> str:
    """Weekly: queue last week's SLA report to the report channels (once per week, whatever
    the schedule's timing)."""
    return sla_report_mail()
