"""SLO, findings and SLA-report views (thin: the work is in monitoring.slo)."""

from __future__ import annotations

import re
from dataclasses import asdict

import django_filters as filters
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from hotdash.errors import ValidationFailed
from hotdash.rest import StrictCursorPagination, StrictFilterBackend
from integrations.models import Integration
from monitoring.api import slo_serializers as s
from monitoring.api.base import Base, csv_response
from monitoring.api.serializers import NoteSerializer
from monitoring.conf import knob
from monitoring.models import Finding, Incident
from monitoring.services.findings import finding_resolve
from monitoring.slo.maths import RAW_WINDOWS, RULES, WINDOWS
from monitoring.slo.report import sla_report, sla_report_csv, week_bounds
from monitoring.slo.signals.credentials import credential_report
from monitoring.slo.signals.quota import quota_forecasts
from monitoring.slo.status import SloStatus, slo_status, slo_statuses

YEAR = "(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"  # 0001 to 9999
WEEK = OpenApiParameter(
    "week",
    OpenApiTypes.STR,
    description="ISO week, e.g. 2026-W47 (default: last complete week). W53 too, in the "
    "years that have one.",
    # W53 is left out of the pattern: most years have none, and a client generating weeks
    # from the pattern would be refused for them.
    pattern=rf"^{YEAR}-[Ww](0[1-9]|[1-4][0-9]|5[0-2])$",
)
WEEK_FORMAT = re.compile(rf"{YEAR}-[Ww](0[1-9]|[1-4][0-9]|5[0-3])")

OPEN = (Incident.Status.OPEN, Incident.Status.ACKNOWLEDGED)


def open_burn_incidents(ids: list[int]) -> dict[int, int]:
    found = Incident.objects.filter(
        integration_id__in=ids, cause=Incident.Cause.BURN_RATE, status__in=OPEN
    ).values_list("integration_id", "pk")
    return dict(found)


def _objective(objective) -> dict:
    return {
        "objective": objective.objective,
        "current": objective.current,
        "events": objective.events,
        "bad": objective.bad,
        "budget_remaining": objective.budget_remaining,
        "budget_remaining_own": objective.budget_remaining_own,
        "upstream_bad": objective.upstream_bad,
        "exhausted": objective.exhausted,
        "burn": objective.burns,
    }


def _rules(status: SloStatus) -> list[dict]:
    firing = {(f.sli, f.rule) for f in status.firing}
    rows = []
    for sli, objective in (("availability", status.availability), ("latency", status.latency)):
        for rule in RULES:
            rows.append(
                {
                    "alert": rule.severity,
                    "sli": sli,
                    "long_window": rule.long,
                    "short_window": rule.short,
                    "threshold": rule.burn,
                    "long_burn": objective.burns.get(rule.long),
                    "short_burn": objective.burns.get(rule.short),
                    "fires": (sli, rule) in firing,
                }
            )
    return rows


def slo_dict(status: SloStatus, incident_id: int | None) -> dict:
    """The API's shape of one SloStatus (see SloSerializer)."""
    integration = status.integration
    return {
        "integration": integration.slug,
        "name": integration.name,
        "window_days": status.window_days,
        "evaluated_at": status.evaluated_at,
        "availability": _objective(status.availability),
        "latency": {**_objective(status.latency), "threshold_ms": integration.slo_latency_ms},
        "uptime": status.uptime,
        "would_fire": status.level,
        "rules": _rules(status),
        "windows": [
            {
                "window": name,
                "events": counts.total,
                "failed": counts.bad,
                "slow": counts.slow,
                "source": "raw" if name in RAW_WINDOWS else "rollups",
            }
            for name, counts in status.counts.items()
            if name in WINDOWS
        ],
        "open_incident": incident_id,
    }


class SloListView(Base, APIView):
    """GET /api/v1/slo/: every enabled integration's objectives, budget left, burn per
    window and what would fire."""

    @extend_schema(summary="List SLOs", responses=s.SloListSerializer, operation_id="slo_list")
    def get(self, request):
        now = timezone.now()
        statuses = slo_statuses(now=now)
        incidents = open_burn_incidents([st.integration.pk for st in statuses])
        return Response(
            {
                "window_days": int(knob("WINDOW_DAYS")),
                "generated_at": now,
                "results": [slo_dict(st, incidents.get(st.integration.pk)) for st in statuses],
            }
        )


class SloDetailView(Base, APIView):
    """GET /api/v1/slo/{slug}/: one integration's SLOs plus its credentials, quota
    forecasts and open findings."""

    @extend_schema(
        summary="Read one integration's SLOs",
        responses=s.SloDetailSerializer,
        operation_id="slo_retrieve",
    )
    def get(self, request, slug: str):
        integration = get_object_or_404(Integration.objects.select_related("state"), slug=slug)
        now = timezone.now()
        status = slo_status(integration, now=now)
        incident = open_burn_incidents([integration.pk]).get(integration.pk)
        forecasts = quota_forecasts(now, ids=[integration.pk]).get(integration.pk, [])
        findings = Finding.objects.filter(integration=integration, status=Finding.Status.OPEN)
        body = {
            **slo_dict(status, incident),
            "credentials": credential_report(integration, today=now.date()),
            "quotas": [
                {**asdict(f), "headroom": f.headroom, "runs_out": f.runs_out} for f in forecasts
            ],
            "findings": list(findings.select_related("integration")),
        }
        return Response(s.SloDetailSerializer(body).data)


class SlaReportView(Base, APIView):
    """GET /api/v1/slo/report/?week=2026-W47: the weekly SLA report per integration as CSV."""

    @extend_schema(
        summary="Weekly SLA report as CSV",
        parameters=[WEEK],
        responses={(200, "text/csv"): OpenApiTypes.STR},
        operation_id="slo_report",
    )
    def get(self, request):
        week = request.query_params.get("week") or None
        if week is not None and not WEEK_FORMAT.fullmatch(week):
            raise ValidationFailed(
                f"Unknown week {week!r}; use ISO weeks like 2026-W47.", code="invalid_week"
            )
        start, end = week_bounds(week)
        return csv_response(sla_report_csv(sla_report(start, end)), f"sla-{start:%G-W%V}")


class FindingFilter(filters.FilterSet):
    integration = filters.CharFilter(field_name="integration__slug")

    class Meta:
        model = Finding
        fields = ["status", "kind", "severity", "integration"]


class FindingPages(StrictCursorPagination):
    ordering = "-last_seen_at"


@extend_schema_view(
    list=extend_schema(
        summary="List findings",
        description="Signals that are not outages (API sunsets, deprecations, quota "
        "forecasts, quiet webhooks, credentials, MCP tool drift, reconciliation drift), "
        "newest first, cursor-paged.",
    ),
    retrieve=extend_schema(summary="Read one finding", description="One finding with its data."),
)
class FindingViewSet(
    Base, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Findings (vendor signals, reconciliation); operators resolve reviewed ones."""

    serializer_class = s.FindingSerializer
    pagination_class = FindingPages
    lookup_value_regex = r"[0-9]{1,18}"
    filter_backends = [StrictFilterBackend]
    filterset_class = FindingFilter

    def get_queryset(self):
        return Finding.objects.select_related("integration")

    @extend_schema(
        summary="Resolve a finding",
        request=NoteSerializer,
        responses=s.FindingSerializer,
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Mark a reviewed finding resolved (operators), with an optional note; a no-op on
        a resolved one. Its integration's finding incident resolves with its last finding."""
        form = NoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        get_object_or_404(Finding, pk=pk)
        finding = finding_resolve(
            finding_id=int(pk), user=request.user, note=form.validated_data["note"]
        )
        return Response(s.FindingSerializer(finding).data)
