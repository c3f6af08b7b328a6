"""Each integration's SLOs as /metrics shows them: the objective, the error budget left and the
burn rate per window, exactly as GET /api/v1/slo/ and the burn-rate job compute them
(monitoring.slo.status.slo_statuses: a few grouped queries for all integrations).

Prometheus can also compute burn rates itself from `hotdash_probes_total` (the recording
rules in deploy/prometheus/rules.yml); these gauges are the platform's own view, with
maintenance left out and the rollup windows beyond the raw retention."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily

from monitoring.slo.status import slo_statuses


def slo_families(integrations, now=None):
    objective = GaugeMetricFamily(
        "hotdash_slo_objective_ratio",
        "The SLO's target share of good probes (0.999 for 99.9 %)",
        labels=["integration", "sli"],
    )
    budget = GaugeMetricFamily(
        "hotdash_slo_error_budget_remaining_ratio",
        "Error budget left over the SLO window: 1 untouched, 0 spent, below 0 overspent",
        labels=["integration", "sli"],
    )
    burn = GaugeMetricFamily(
        "hotdash_slo_burn_rate",
        "Error ratio over the allowed ratio in a window (1 spends the budget in the SLO window)",
        labels=["integration", "sli", "window"],
    )
    for status in slo_statuses(integrations, now=now):
        slug = status.integration.slug
        for slo in (status.availability, status.latency):
            objective.add_metric([slug, slo.sli], slo.objective / 100)
            if slo.budget_remaining is not None:
                budget.add_metric([slug, slo.sli], slo.budget_remaining)
            for window, rate in slo.burns.items():
                if rate is not None:
                    burn.add_metric([slug, slo.sli, window], rate)
    yield from (objective, budget, burn)
