"""The Prometheus exposition of what the platform knows, read from the database on each
scrape (one query per family; no raw history is scanned)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count, Sum
from django.utils import timezone
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
)
from prometheus_client.registry import Collector

from approvals.models import ApprovalRequest
from approvals.selectors import audit_head
from integrations.models import IntegrationState
from monitoring.models import CheckRollup, Incident
from monitoring.rollups import BUCKETS_MS

UP = {IntegrationState.Status.OK, IntegrationState.Status.DEGRADED}


class HotdashCollector(Collector):
    """Collects per-integration health, latency, probe counts, incidents, approvals."""

    def collect(self):
        states = list(
            IntegrationState.objects.filter(integration__enabled=True).select_related("integration")
        )
        yield from self._health(states)
        yield from self._latency()
        yield self._probes()
        yield self._incidents()
        pending = GaugeMetricFamily("hotdash_approvals_pending", "Approval requests waiting")
        pending.add_metric([], ApprovalRequest.objects.filter(status="pending").count())
        yield pending
        yield from self._audit_head()

    def _audit_head(self):
        """The audit trail's head, witnessed outside the database: a scraped series that
        ever goes down is a truncated trail (approvals.selectors.audit_head)."""
        head = audit_head()
        seq = GaugeMetricFamily(
            "hotdash_audit_head_seq", "Sequence number of the audit trail's newest event"
        )
        seq.add_metric([], head.seq if head else 0)
        yield seq
        number = GaugeMetricFamily(
            "hotdash_audit_checkpoint_number", "Number of the newest signed audit checkpoint"
        )
        number.add_metric([], (head.checkpoint or 0) if head else 0)
        yield number

    def _health(self, states):
        up = GaugeMetricFamily(
            "hotdash_integration_up", "1 if ok or degraded", labels=["integration", "kind", "mode"]
        )
        status = GaugeMetricFamily(
            "hotdash_integration_status",
            "1 for the current status",
            labels=["integration", "status"],
        )
        headroom = GaugeMetricFamily(
            "hotdash_rate_limit_headroom_ratio",
            "Share of the vendor's limit left",
            labels=["integration"],
        )
        for state in states:
            slug = state.integration.slug
            up.add_metric(
                [slug, state.integration.kind, state.integration.mode], state.status in UP
            )
            for value in IntegrationState.Status.values:
                status.add_metric([slug, value], 1 if state.status == value else 0)
            if state.rate_limit_headroom is not None:
                headroom.add_metric([slug], state.rate_limit_headroom)
        yield from (up, status, headroom)

    def _latency(self):
        """Probe latency over the last 24 h as a gauge histogram (a window, not a counter)."""
        family = GaugeHistogramMetricFamily(
            "hotdash_probe_latency_seconds", "Probe latency, last 24 h", labels=["integration"]
        )
        since = timezone.now() - timedelta(hours=24)
        merged: dict[str, list[int]] = defaultdict(lambda: [0] * (len(BUCKETS_MS) + 1))
        sums: dict[str, float] = defaultdict(float)
        rows = CheckRollup.objects.filter(hour__gte=since).values_list(
            "integration__slug", "latency_histogram", "latency_sum_ms"
        )
        for slug, histogram, total_ms in rows:
            for index, count in enumerate(histogram or []):
                merged[slug][index] += count
            sums[slug] += total_ms
        for slug, histogram in sorted(merged.items()):
            buckets, running = [], 0
            for bound, count in zip([*BUCKETS_MS, float("inf")], histogram, strict=True):
                running += count
                buckets.append(("+Inf" if bound == float("inf") else str(bound / 1000), running))
            family.add_metric([slug], buckets, sums[slug] / 1000)
        yield family

    def _probes(self):
        family = CounterMetricFamily(
            "hotdash_probes", "Probes recorded in rollups", labels=["integration", "result"]
        )
        totals = CheckRollup.objects.values("integration__slug").annotate(
            n=Sum("count"), failed=Sum("failures")
        )
        for row in totals.order_by("integration__slug"):
            family.add_metric([row["integration__slug"], "fail"], row["failed"] or 0)
            family.add_metric(
                [row["integration__slug"], "ok"], (row["n"] or 0) - (row["failed"] or 0)
            )
        return family

    def _incidents(self):
        family = GaugeMetricFamily("hotdash_open_incidents", "Open incidents", labels=["severity"])
        open_ = Incident.objects.exclude(status=Incident.Status.RESOLVED)
        counts = dict(
            open_.values_list("severity").annotate(n=Count("pk")).values_list("severity", "n")
        )
        for severity in Incident.Severity.values:
            family.add_metric([f"SEV{severity}"], counts.get(severity, 0))
        return family
