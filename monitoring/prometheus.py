"""The Prometheus exposition of what the platform knows, read from the database on each
scrape (a few grouped queries per family; no raw history is scanned), plus the HTTP request
counters of every web worker (monitoring.metrics.http) and the answering process's own
`process_*` figures. The catalogue is docs/metrics.md."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone
from prometheus_client import ProcessCollector
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from approvals.models import ApprovalRequest
from approvals.selectors import audit_head
from integrations.models import Integration, IntegrationState
from monitoring import selectors
from monitoring.metrics.http import http_families
from monitoring.metrics.intake import notification_families, webhook_families
from monitoring.metrics.jobs import job_families
from monitoring.metrics.slo import slo_families
from monitoring.metrics.tally import Tally, tally_read
from monitoring.metrics.vendors import one_hot, tile_families, vendor_families
from monitoring.models import CheckResult, Incident

UP = {IntegrationState.Status.OK, IntegrationState.Status.DEGRADED}
# Every probe ever stored, by integration and result; a probe is stored seconds after it starts.
PROBES = Tally(
    key="metrics.probes",
    rows=CheckResult.objects.all,
    at="checked_at",
    by=("integration_id", "status"),
    settle=timedelta(hours=1),
)


class HotdashCollector(Collector):
    """Collects the platform's families: integration health, probes and their latency,
    incidents, approvals, the audit head, vendors, tiles, jobs, notifications, webhooks,
    SLOs, HTTP requests and the process."""

    def __init__(self, *, now=None):
        self.now = now  # a fixed clock for tests; None reads the time at each scrape

    def collect(self):
        now = self.now or timezone.now()
        states = list(
            IntegrationState.objects.filter(integration__enabled=True).select_related("integration")
        )
        yield from self._health(states)
        yield self._latency(states, now)
        yield self._probes(now)
        yield self._incidents()
        pending = GaugeMetricFamily("hotdash_approvals_pending", "Approval requests waiting")
        pending.add_metric([], ApprovalRequest.objects.filter(status="pending").count())
        yield pending
        yield from self._audit_head()
        yield from vendor_families(states, now)
        yield from tile_families(now)
        yield from job_families(now)
        yield from notification_families(now)
        yield from webhook_families(now)
        yield from slo_families([state.integration for state in states], now)
        yield from http_families()
        yield from ProcessCollector(registry=None).collect()

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
            one_hot(status, [slug], state.status, IntegrationState.Status.values)
            if state.rate_limit_headroom is not None:
                headroom.add_metric([slug], state.rate_limit_headroom)
        yield from (up, status, headroom)

    def _latency(self, states, now):
        """Probe latency percentiles over the last 24 h, from the hourly rollups: one gauge per
        percentile (a window's figure, not a histogram: it goes up and down). The label is
        `percentile`, not `quantile`, which belongs to the summary type."""
        family = GaugeMetricFamily(
            "hotdash_probe_latency_24h_seconds",
            "Probe latency percentile over the last 24 h (from hourly rollups)",
            labels=["integration", "percentile"],
        )
        slugs = {state.integration_id: state.integration.slug for state in states}
        figures = selectors.latency(list(slugs), selectors.WINDOWS["24h"], now)
        for pk, slug in sorted(slugs.items(), key=lambda item: item[1]):
            for q in selectors.QUANTILES:
                value = figures[pk][f"p{q}_ms"]
                if value is not None:
                    family.add_metric([slug, str(q)], value / 1000)
        return family

    def _probes(self, now):
        """Every probe stored, by integration and result: a counter that never falls, though
        raw results are pruned (monitoring.metrics.tally)."""
        family = CounterMetricFamily(
            "hotdash_probes",
            "Probes run, by integration and result",
            labels=["integration", "result"],
        )
        counts = tally_read(PROBES, now=now)
        for pk, slug in Integration.objects.order_by("slug").values_list("pk", "slug"):
            for result in CheckResult.Status.values:
                family.add_metric([slug, result], counts.get((str(pk), result), 0))
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
