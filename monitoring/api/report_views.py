"""Read-only reports over all integrations: metrics, rate limits, error groups, the
dependency graph and the Prometheus exposition."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from rest_framework.response import Response
from rest_framework.views import APIView

from hotdash.openapi import refusals
from integrations.dependencies import edges, walk
from integrations.models import Integration
from monitoring import selectors
from monitoring.api import serializers as s
from monitoring.api.base import INTEGRATION, WINDOW, Base, integration_param, window_param
from monitoring.prometheus import HotdashCollector


class MetricsView(Base, APIView):
    """GET /api/v1/metrics/?window=24h[&integration=slug]: latency percentiles, error
    rate, call counts and availability per integration, from rollups and transitions."""

    @extend_schema(
        summary="Latency and error metrics",
        operation_id="metrics_list",
        parameters=[WINDOW, INTEGRATION],
        responses={
            200: s.MetricsSerializer,
            **refusals({404: "`not_found`: no integration has the slug given in `integration`."}),
        },
    )
    def get(self, request):
        name, window = window_param(request)
        integrations = Integration.objects.enabled().order_by("slug")
        one = integration_param(request)
        if one is not None:
            integrations = integrations.filter(pk=one)
        ids = {i.pk: i.slug for i in integrations}
        latency = selectors.latency(list(ids), window)
        shares = selectors.availability(list(ids), window)
        rows = [
            {"integration": slug, **latency[pk], "availability": shares[pk]}
            for pk, slug in ids.items()
        ]
        return Response({"window": name, "results": rows})


class RateLimitsView(Base, APIView):
    """GET /api/v1/rate-limits/: headroom per integration, lowest first."""

    @extend_schema(
        summary="Rate-limit headroom",
        operation_id="rate_limits_list",
        responses=s.RateLimitsSerializer,
    )
    def get(self, request):
        rows = [
            {
                "integration": state.integration.slug,
                "headroom": state.rate_limit_headroom,
                "detail": state.rate_limit,
            }
            for state in selectors.rate_limits()
        ]
        return Response({"results": rows})


class ErrorsView(Base, APIView):
    """GET /api/v1/errors/?window=24h[&integration=slug]: failures grouped by fingerprint."""

    @extend_schema(
        summary="Errors grouped by fingerprint",
        operation_id="errors_list",
        parameters=[WINDOW, INTEGRATION],
        responses={
            200: s.ErrorsSerializer,
            **refusals({404: "`not_found`: no integration has the slug given in `integration`."}),
        },
    )
    def get(self, request):
        name, window = window_param(request)
        integration = integration_param(request)
        groups = selectors.error_groups(timezone.now() - window, integration)[:200]
        rows = [
            {
                "fingerprint": g["fingerprint"],
                "integration": g["integration__slug"],
                "error_class": g["error_class"],
                "count": g["count"],
                "first_seen": g["first_seen"],
                "last_seen": g["last_seen"],
                "sample_message": g["sample"],
            }
            for g in groups
        ]
        return Response({"window": name, "results": rows})


class DependenciesView(Base, APIView):
    """GET /api/v1/dependencies/: the graph, and what an outage of each integration affects."""

    @extend_schema(
        summary="Dependency graph",
        operation_id="dependencies_graph",
        responses=s.DependenciesSerializer,
    )
    def get(self, request):
        names = dict(Integration.objects.values_list("pk", "slug"))
        down, up = edges()
        statuses = dict(
            Integration.objects.select_related("state").values_list("pk", "state__status")
        )
        nodes = [
            {
                "integration": slug,
                "status": statuses.get(pk),
                "depends_on": sorted(names[d] for d in down.get(pk, ())),
                "affects": [names[a] for a in walk(pk, up)],
            }
            for pk, slug in sorted(names.items(), key=lambda item: item[1])
        ]
        edge_list = [{"from": names[a], "to": names[b]} for a in down for b in sorted(down[a])]
        return Response({"nodes": nodes, "edges": edge_list})


class PrometheusView(Base, APIView):
    """GET /metrics: the Prometheus text exposition (authenticated like the API)."""

    @extend_schema(exclude=True)
    def get(self, request):
        registry = CollectorRegistry(auto_describe=False)
        registry.register(HotdashCollector())
        return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
